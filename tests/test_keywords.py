"""Tests of verbatim.keywords: the n-grams behind theme keywords and which of them are shown."""

from __future__ import annotations

from verbatim.keywords import KeywordAnalyzer, distinct_keywords, english_analyzer


def test_keywords_keep_negation():
    # scikit-learn's tokenizer read "didn't" as "didn" + "t" and its stop words dropped "not":
    # "it just didn't work" gave "just didn work", "it did not work" gave "did work" and
    # "doesn't do it justice" gave "does justice".
    analyze = english_analyzer(3)
    assert "didn't work" in analyze("It just didn't work, sadly.")
    assert "didn" not in analyze("It just didn't work")
    assert "did not work" in analyze("it did not work") and "not work" in analyze("it did not work")
    assert "picture doesn't justice" in analyze("The picture doesn\u2019t do it justice")  # curly apostrophe
    assert "can't wear" in analyze("I can't wear it") and "didn't fit" in analyze("it didnt fit")  # typed without '
    assert analyze("no complaints at all") == ["complaints", "no complaints"]
    # A negation is no keyword alone and never ends one.
    assert analyze("never, not really") == ["really", "not really"]
    assert "just didn't" not in analyze("It just didn't")


def test_keywords_drop_other_contractions_and_read_possessives_as_nouns():
    analyze = english_analyzer(2)
    assert analyze("I've worn it; it's great and I'll keep it") == ["worn", "great"]
    assert analyze("the retailer's sizing") == ["retailer", "sizing", "retailer sizing"]


def test_keywords_never_repeat_a_word_nor_span_punctuation():
    analyze = english_analyzer(3)
    grams = analyze("I love this dress dress. Great price, lovely quality")
    assert "dress dress" not in grams and "love dress dress" not in grams
    assert "love dress" in grams and "great price" in grams and "lovely quality" in grams
    assert "dress great" not in grams  # across the full stop
    assert "price lovely" not in grams  # across the comma


def test_keywords_without_stop_words_keep_one_letter_words():
    # The fallback when every segment is a stop word ("ok", "a", "no"): some vocabulary remains.
    assert KeywordAnalyzer(ngram_max=2)("a ok") == ["a", "ok", "a ok"]
    assert english_analyzer(2)("a ok") == ["ok"]


def test_keywords_shown_each_add_a_word():
    ranked = ["fits true size", "fit true", "love colors", "colors love", "size", "late delivery", "dress", "dresses"]
    assert distinct_keywords(ranked, 10) == ["fits true size", "love colors", "late delivery", "dress", "dresses"]
    assert distinct_keywords(ranked, 2) == ["fits true size", "love colors"]
    assert distinct_keywords([], 3) == []
