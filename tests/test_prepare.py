"""Tests for verbatim.prepare: cleaners, non-answers, language, clauses (fast); segmentation (slow)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from verbatim.pii import PiiSettings
from verbatim.prepare import (
    PrepareSettings,
    spacy_processes,
    clean_text,
    count_words,
    guess_language,
    is_non_answer,
    language_notes,
    merge_short_segments,
    segment_responses,
    split_clauses,
)

REVIEWS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"


# --- cleaning -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("I&#39;ll be back &amp; I&amp;#39;ll tell friends", "I'll be back & I'll tell friends"),  # entities, double-escaped
        ("<p>Great <b>service</b></p><br/>Slow app", "Great service\nSlow app"),  # tags, block tags break lines
        ("I <3 this shop", "I <3 this shop"),  # a heart is not a tag
        ("a<b and c>d: size 2<size 4 but >size 0", "a<b and c>d: size 2<size 4 but >size 0"),  # nor comparisons
        ("I said <re:refund> twice <Note:important>", "I said <re:refund> twice <Note:important>"),
        ("<table><tr><td nowrap>Rude</td></tr></table><select><option selected>staff</option></select>",
         "Rude\nstaff"),
        ("<font face=Arial size=2>Rude</font> <o:p></o:p><img src=x onerror=alert(1)>staff", "Rude staff"),
        ("See https://shop.example.com/p?id=1. Loved it", "See . Loved it"),  # URL, sentence stop kept
        ("more at www.example.org, thanks", "more at , thanks"),
        ("@BrandCare fix your app @dev_team", "fix your app"),  # handles
        ("“Lovely” staff, didn’t wait", "\"Lovely\" staff, didn't wait"),  # curly quotes
        ("ﬁne ｆｕｌｌｗｉｄｔｈ", "fine fullwidth"),  # NFKC
        # A zero-width space separates words ("the\u200bdelivery\u200bwas\u200blate" became
        # "thedeliverywaslate"); other invisible characters go, NBSP and tabs are spaces.
        ("zero\u200bwidth\u00a0space\ttab", "zero width space tab"),
        ("the\u200bdelivery\u200bwas\u200blate", "the delivery was late"),
        ("soft\u00adhyphen\u2060joined", "softhyphenjoined"),
        ("Too slow.\r\n\r\n\r\nFix it", "Too slow.\nFix it"),  # line breaks
        ("Great service\n\nSent from my iPhone", "Great service"),  # mail boilerplate
        ("Fast delivery. Get Outlook for Android", "Fast delivery."),
        ("Sent from my Samsung Galaxy smartphone.\nRude driver", ".\nRude driver"),
        ("Good overall.\n-- \nJohn Smith\nAcme Ltd, Tel 0123", "Good overall."),  # signature block
        ("The fit -- not great -- was off", "The fit -- not great -- was off"),  # dashes mid-text stay
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_prepare_clean_text_removes_noise(raw, expected):
    assert clean_text(raw) == expected


def test_prepare_clean_text_switches_keep_noise():
    settings = PrepareSettings(remove_urls=False, remove_handles=False, remove_html=False, remove_boilerplate=False)
    text = "<b>hi</b> @shop see https://x.io Sent from my iPhone"
    assert clean_text(text, settings) == text


def test_prepare_clean_text_keeps_email_addresses_for_pii():
    # Handle removal must not break e-mail addresses: pii.py redacts them as [EMAIL].
    assert clean_text("mail me at jo@example.com") == "mail me at jo@example.com"


# --- non-answers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["", "   ", "N/A", "n/a.", "NA", "None", "nothing", "Nothing!!", "No comment.", "no comments",
     "Nothing to add", "-", ".", "?", "...", "ok", "OK!", "No", "nope", "idk", "I don't know", "👍👍", "😀 🎉",
     "10/10", "None at this time.", "Nope, nothing", "no, not really", "Ok, thanks", "See previous answer.",
     "Same as above, thanks"],
)
def test_prepare_non_answer_detected(text):
    assert is_non_answer(text)


@pytest.mark.parametrize(
    "text",
    ["ok but delivery was late", "No, the box was damaged", "Nothing was wrong with the fit", "none of the sizes fit",
     "na na na, the music was too loud", "Great", "👍 fast delivery", "not good", "Nothing, all good!",
     "No, nothing arrived", "See previous answer: the refund never came"],
)
def test_prepare_non_answer_tricky_answers_kept(text):
    assert not is_non_answer(text)


def test_prepare_fillers_dropped_only_beside_something_else():
    from verbatim.prepare import drop_fillers

    assert drop_fillers(["Where do I start.", "Quick refund.", "That's all."]) == ["Quick refund."]
    assert drop_fillers(["Thanks."]) == ["Thanks."]  # nothing else: kept (the comment decides)
    assert drop_fillers(["Thanks for the quick refund."]) == ["Thanks for the quick refund."]
    for text in ("Nothing to add. Thanks!", "Thanks", "That's all.", "N/A. Cheers"):
        assert is_non_answer(text), text
    for text in ("Thanks for nothing", "Well done!", "No. The box was damaged", "That's all I wanted: a refund"):
        assert not is_non_answer(text), text


def test_prepare_non_answer_phrases_from_settings():
    settings = PrepareSettings(non_answer_phrases=("all good",))
    assert is_non_answer("All good!", settings)
    assert not is_non_answer("n/a", settings)  # the list replaces the default
    assert is_non_answer("!!!", settings)  # no words at all is always a non-answer


# --- language -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("The dress is lovely but the zip broke after a week", "en"),
        ("Great fit, fast delivery", "en"),  # no stop words at all: no evidence against English
        ("Muy buen servicio, gracias por todo", "other"),
        ("Le service était très bien et rapide", "other"),
        ("Das Kleid ist sehr schön und passt gut", "other"),
        ("", "en"),
        # Scripts without spaces or stop words of the lists read as short English texts.
        ("退款一直没有到账", "other"),
        ("配送が遅い", "other"),
        ("Отличный сервис, спасибо", "other"),
        ("The app 很好 but it is slow to load every time", "en"),  # mostly Latin letters
        ("Great café, naïve staff 👍", "en"),
    ],
)
def test_prepare_guess_language(text, expected):
    assert guess_language(text) == expected


@pytest.mark.slow  # the English dictionary comes with the spaCy pipeline
@pytest.mark.parametrize(
    "text, stop_words_alone, with_dictionary",
    [
        # English the stop words alone miss: telegraphic (few stop words), or a word another
        # language counts as its stop word ("pure" in French, "fine" in Italian).
        ("Beautifully fitted sweater tunic\nGreat design, beautiful colors, well fitted. got compliments.", "other", "en"),
        ("Dessert: pure disaster.", "other", "en"),
        ("fine dining restaurant quality.", "other", "en"),
        # Other languages stay other, cognates and all.
        ("Trop d'attente au téléphone, c'est inadmissible.", "other", "other"),
        ("Die Rücksendung war viel zu kompliziert.", "other", "other"),
        ("Excelente servicio, producto perfecto, entrega en dos días", "other", "other"),
        ("Hot Dogs đỉnh cao, và Slamwich tuyệt vời!", "other", "other"),
        ("The dress is lovely but the zip broke after a week", "en", "en"),
    ],
)
def test_prepare_guess_language_checks_other_against_the_english_dictionary(text, stop_words_alone, with_dictionary):
    assert guess_language(text) == stop_words_alone
    assert guess_language(text, dictionary=True) == with_dictionary
    assert guess_language(text, PrepareSettings(english_word_share=0.0), dictionary=True) == "en"  # any word will do


@pytest.mark.slow
def test_prepare_language_flags_use_the_dictionary():
    segments, flags = segment_responses(_responses(
        "Beautifully fitted sweater tunic\nGreat design, beautiful colors, well fitted. got compliments.",
        "Die Rücksendung war viel zu kompliziert."))
    assert flags["language"].tolist() == ["en", "other"]


def test_prepare_language_note_counts_comments_with_something_to_say():
    flags = pd.DataFrame({"non_answer": [False, False, False, True, False],
                          "n_segments": [2, 1, 3, 0, 0],
                          "language": ["en", "other", "en", "other", "other"]})
    (note,) = language_notes(flags)
    assert note.startswith("1 of 3 comments (33.3%) seem not to be in English")
    assert language_notes(flags.assign(language="en")) == []
    many = pd.concat([flags.assign(language="en")] * 700 + [flags.head(1).assign(language="other")], ignore_index=True)
    assert language_notes(many)[0].startswith("1 of 2,101 comments (<0.1%) seem not")  # not "(0.0%)"
    # assign places segments on a saved model's themes: it names no theme (it said it did).
    (placed,) = language_notes(flags, new_themes=False)
    assert "Comments in other languages" not in placed and "stay 'Other'" in placed


# --- clauses and merging --------------------------------------------------------------------
@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("fast delivery but the app keeps crashing", ["fast delivery", "the app keeps crashing"]),
        ("Lovely staff; rooms were dirty", ["Lovely staff", "rooms were dirty"]),
        ("The dress is nice, however the zip broke", ["The dress is nice", "the zip broke"]),
        ("Quick checkout although the site is slow", ["Quick checkout", "the site is slow"]),
        ("Good prices and also the staff are kind", ["Good prices", "the staff are kind"]),
        ("Great fit, plus the colour is lovely", ["Great fit", "the colour is lovely"]),
        ("I am a plus size woman and it fits", ["I am a plus size woman and it fits"]),  # no comma: no boundary
        ("I get nothing but compliments on it", ["I get nothing but compliments on it"]),
        ("Not only cheap but also good", ["Not only cheap but also good"]),
        ("good but pricey", ["good but pricey"]),  # sides too short to stand alone
    ],
)
def test_prepare_split_clauses(sentence, expected):
    assert split_clauses(sentence) == expected


def test_prepare_split_clauses_min_words_setting():
    text = "fast delivery but the app keeps crashing"
    assert split_clauses(text, PrepareSettings(min_clause_words=3)) == [text]


def test_prepare_merge_short_segments():
    assert merge_short_segments(["Wow.", "The fit is great.", "Thanks!"], 2) == ["Wow. The fit is great. Thanks!"]
    assert merge_short_segments(["Fits well.", "Runs small."], 2) == ["Fits well.", "Runs small."]
    assert merge_short_segments(["Hi.", "Ok."], 2) == ["Hi. Ok."]
    assert merge_short_segments([], 2) == []
    # A segment starting a line ("\n", from _segment_doc) stays on its line when joined.
    assert merge_short_segments(["Disappointed", "\nThis dress runs small."], 2) == ["Disappointed\nThis dress runs small."]
    assert merge_short_segments(["Fits well.", "\nThanks"], 2) == ["Fits well.\nThanks"]
    assert merge_short_segments(["Fits well.", "\nRuns small."], 2) == ["Fits well.", "Runs small."]


def test_prepare_count_words_ignores_placeholders():
    assert count_words("Thanks [NAME]!") == 1
    assert count_words("didn't fit, size 12") == 4


def test_prepare_settings_validated():
    with pytest.raises(ValueError):
        PrepareSettings(min_segment_words=0)
    with pytest.raises(ValueError):
        PrepareSettings(min_english_stopword_share=1.5)
    with pytest.raises(ValueError):
        PrepareSettings(english_word_share=-0.1)
    with pytest.raises(ValueError, match="sentences must be one of auto, model, punctuation"):
        PrepareSettings(sentences="rules")


def test_prepare_sentences_auto_means_punctuation_in_fast_mode_only():
    from verbatim.prepare import sentences_for

    assert sentences_for(PrepareSettings(), "static").sentences == "punctuation"
    assert sentences_for(PrepareSettings(), "minilm").sentences == "model"
    assert sentences_for(PrepareSettings(), "onnx").sentences == "model"
    chosen = PrepareSettings(sentences="model")
    assert sentences_for(chosen, "static") is chosen


# --- segmentation (spaCy) -------------------------------------------------------------------
def _responses(*texts):
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(len(texts))], "text": list(texts)})


@pytest.mark.slow
def test_prepare_segments_split_sentences_and_clauses():
    segments, flags = segment_responses(
        _responses("Fast delivery but the app keeps crashing. The staff in store were really helpful!")
    )
    assert segments.columns.tolist() == ["response_id", "segment_index", "text"]
    assert segments["text"].tolist() == ["Fast delivery", "the app keeps crashing.", "The staff in store were really helpful!"]
    assert segments["segment_index"].tolist() == [0, 1, 2]
    assert flags.loc[0, "n_segments"] == 3


@pytest.mark.slow
def test_prepare_ner_reads_the_sentences_that_may_hold_a_name_with_their_neighbours():
    from verbatim.nlp import load_pipeline
    from verbatim.prepare import _name_windows

    text = ("Stuck in a line for ages. The shelves were empty. Emma at the Glasgow store was brilliant! "
            "The prices are fair. The app is fine. The delivery was quick. Sarah sorted my refund.")
    doc = load_pipeline()(text)
    windows = [span.text for span in _name_windows(doc, text, PiiSettings())]
    assert windows == ["The shelves were empty. Emma at the Glasgow store was brilliant! The prices are fair.",
                       "The delivery was quick. Sarah sorted my refund."]
    # Emma is found only with the sentence before her (alone, the small model misses her).
    segments, flags = segment_responses(_responses(text))
    assert flags.loc[0, "redacted_text"].count("[NAME]") == 2
    assert "Emma" not in " ".join(segments["text"]) and "Sarah" not in " ".join(segments["text"])


@pytest.mark.slow
def test_prepare_sentences_by_punctuation_rules():
    """The rules end a sentence at a full stop whatever case follows (the senter, trained on
    edited text, reads "a 4. i ordered" as one sentence); an opening bracket after a full stop
    starts the next sentence rather than ending this one; abbreviations and decimals are no end."""
    text = ("i normally wear a 2 or a 4. i ordered a 4 and they are a bit too tight. "
            "It gapes even in a size 0. (the 0 fits me everywhere else.) Dr. Patel said the 5.5 was fine")
    rules, _ = segment_responses(_responses(text), PrepareSettings(sentences="punctuation", redact=False))
    assert rules["text"].tolist() == ["i normally wear a 2 or a 4.", "i ordered a 4 and they are a bit too tight.",
                                      "It gapes even in a size 0.", "(the 0 fits me everywhere else.)",
                                      "Dr. Patel said the 5.5 was fine"]
    model, _ = segment_responses(_responses(text), PrepareSettings(sentences="model", redact=False))
    assert "i normally wear a 2 or a 4. i ordered a 4 and they are a bit too tight." in model["text"].tolist()
    # A sad face is one token: it ends its sentence whole, it opens no bracket.
    sad, _ = segment_responses(_responses("The zip broke after one wear. :( Returning it."),
                               PrepareSettings(sentences="punctuation"))
    assert sad["text"].tolist() == ["The zip broke after one wear. :(", "Returning it."]
    # The senter puts it at the start of the next sentence: it goes back to the one it is about.
    sad, _ = segment_responses(_responses("The zip broke after one wear. :( Returning it. 8) Fine."),
                               PrepareSettings(sentences="model"))
    assert sad["text"].tolist()[0] == "The zip broke after one wear. :("
    assert "Returning it." in sad["text"].tolist()


@pytest.mark.slow
def test_prepare_punctuation_rules_start_a_sentence_at_each_line():
    """The name guards read a capitalised word opening a line as a sentence opener; the rules
    alone start sentences only after end punctuation."""
    from verbatim.nlp import load_pipeline
    from verbatim.prepare import _sentencizer, _start_sentences_at_line_breaks

    text = "Lovely shop\nAtmosphere in the store was great. Will return\n\nThanks"
    nlp = load_pipeline()
    with nlp.select_pipes(disable=["ner", "senter"]):
        doc = _start_sentences_at_line_breaks(_sentencizer()(nlp(text)), text)
    assert {t.text for t in doc if t.is_sent_start} == {"Lovely", "Atmosphere", "Will", "Thanks"}


@pytest.mark.slow
def test_prepare_segments_blank_and_non_answers_give_none():
    segments, flags = segment_responses(_responses("", None, "N/A", "  ", "😀", "Nothing.", "ok but delivery was late"))
    assert segments["response_id"].unique().tolist() == ["r6"]
    assert flags["non_answer"].tolist() == [True, True, True, True, True, True, False]
    assert flags["response_id"].tolist() == [f"r{i}" for i in range(7)]
    assert flags["non_answer"].dtype == bool


@pytest.mark.slow
def test_prepare_segments_split_chinese_and_japanese_sentences():
    """Full-width stops with no space after them kept a whole Chinese or Japanese comment as one
    segment, and a CJK sentence counted as one word (from the multilingual hunt)."""
    segments, _ = segment_responses(_responses("应用一直闪退。无法登录。客服电话打不通。", "アプリが落ちます。返金もまだです。", "很好。"))
    assert segments["text"].tolist() == ["应用一直闪退。", "无法登录。", "客服电话打不通。", "アプリが落ちます。", "返金もまだです。",
                                         "很好。"]
    assert count_words("应用一直闪退。") == 3 and count_words("great app 很好") == 3 and count_words("[NAME] ok") == 1


@pytest.mark.slow
def test_prepare_segments_short_fragments_merged():
    segments, _ = segment_responses(_responses("Wow. The sleeves are far too long. Ugh!"))
    assert segments["text"].tolist() == ["Wow. The sleeves are far too long. Ugh!"]


@pytest.mark.slow
def test_prepare_segments_keep_the_line_break_under_a_one_word_title():
    # Title and review joined by a line break (--text Title --text "Review Text"): the
    # one-word title joins the line under it without losing the boundary, where keywords and
    # labels read "disappointed this dress".
    segments, _ = segment_responses(_responses("Disappointed\nThis dress has been in my basket for months. "
                                               "It runs small.", "Lovely\n\n  the colour is great"))
    assert segments["text"].tolist() == ["Disappointed\nThis dress has been in my basket for months.",
                                         "It runs small.", "Lovely\nthe colour is great"]


@pytest.mark.slow
def test_prepare_segments_leave_out_sentences_without_a_topic():
    # "That's all." and "Where do I start." made themes of their own on the bundled sample.
    segments, flags = segment_responses(_responses(
        "Where do I start. The refund took six weeks. That's all.", "Hmm. Thanks! The app keeps crashing.",
        "Nothing to add. Thanks!", "Thanks"))
    assert segments["text"].tolist() == ["The refund took six weeks.", "The app keeps crashing."]
    assert flags["non_answer"].tolist() == [False, False, True, True]


@pytest.mark.slow
def test_prepare_segments_line_breaks_split():
    segments, _ = segment_responses(_responses("Delivery was slow \nStaff were great"))
    assert segments["text"].tolist() == ["Delivery was slow", "Staff were great"]


@pytest.mark.slow
def test_prepare_segment_ids_stable():
    target = "The fabric is soft. Sadly the zip broke after two washes, but customer service replaced it."
    first, _ = segment_responses(_responses(target, "Another comment entirely."))
    again, _ = segment_responses(_responses(target, "Another comment entirely."))
    pd.testing.assert_frame_equal(first, again)
    # A response's segments depend only on its own text, not on its neighbours.
    alone, _ = segment_responses(pd.DataFrame({"response_id": ["r0"], "text": [target]}))
    pd.testing.assert_frame_equal(first[first["response_id"] == "r0"].reset_index(drop=True), alone)


@pytest.mark.slow
def test_prepare_repeated_texts_prepared_once_but_reported_per_row():
    mail = "Mail me at jo.doe@example.com, the parcel never arrived."
    segments, flags = segment_responses(_responses(mail, "Great.", mail, None, float("nan")))
    assert flags["pii_counts"][0]["email"] == flags["pii_counts"][2]["email"] == 1
    assert flags["pii_counts"][0] is not flags["pii_counts"][2]  # one row's counts are its own
    assert flags.loc[0, "redacted_text"] == flags.loc[2, "redacted_text"] and "[EMAIL]" in flags.loc[0, "redacted_text"]
    assert flags["non_answer"].tolist() == [False, False, False, True, True]
    by_row = segments.groupby("response_id")["text"].apply(list)
    assert by_row["r0"] == by_row["r2"]


@pytest.mark.slow
def test_prepare_segments_capped():
    text = " ".join(f"Point number {i} is about something else." for i in range(12))
    segments, flags = segment_responses(_responses(text), PrepareSettings(max_segments_per_response=5))
    assert len(segments) == 5
    assert flags.loc[0, "segments_dropped"] == 7


@pytest.mark.slow
def test_prepare_segments_redacted_with_one_pass():
    text = "Sarah Jones at the desk was rude! Call me on 07700 900123 or email sj@example.com."
    segments, flags = segment_responses(_responses(text))
    joined = " ".join(segments["text"])
    assert "Sarah" not in joined and "07700" not in joined and "example.com" not in joined
    assert "[NAME]" in joined and "[PHONE]" in joined and "[EMAIL]" in joined
    assert flags.loc[0, "pii_counts"] == {"email": 1, "phone": 1, "card": 0, "name": 1}
    assert flags.loc[0, "redacted_text"] == "[NAME] at the desk was rude! Call me on [PHONE] or email [EMAIL]."
    assert flags.loc[0, "clean_text"] == text


@pytest.mark.slow
def test_prepare_segments_without_words_dropped():
    segments, flags = segment_responses(_responses("jo@example.com", "Lovely staff. jo@example.com"))
    assert segments["text"].tolist() == ["Lovely staff. [EMAIL]"]
    assert flags["n_segments"].tolist() == [0, 1]


@pytest.mark.slow
def test_prepare_segments_redaction_off_keeps_text():
    text = "Sarah Jones at the desk was rude! Call me on 07700 900123."
    segments, flags = segment_responses(_responses(text), PrepareSettings(redact=False))
    assert flags.loc[0, "redacted_text"] == text
    assert " ".join(segments["text"]) == text
    assert sum(flags.loc[0, "pii_counts"].values()) == 0


@pytest.mark.slow
def test_prepare_segments_pii_settings_respected():
    text = "Sarah Jones at the desk was rude to me."
    segments, _ = segment_responses(_responses(text), pii=PiiSettings(names=False))
    assert segments["text"].tolist() == [text]


def test_prepare_segments_requires_columns():
    with pytest.raises(ValueError, match="text"):
        segment_responses(pd.DataFrame({"response_id": ["a"]}))


@pytest.mark.slow
def test_prepare_segments_real_reviews_keep_text():
    if not REVIEWS.exists():
        pytest.skip(f"shared real data not present: {REVIEWS}")
    reviews = pd.read_csv(REVIEWS, usecols=["Review Text"]).dropna().head(300)
    responses = pd.DataFrame({"response_id": [f"w{i}" for i in range(len(reviews))], "text": reviews["Review Text"].tolist()})
    segments, flags = segment_responses(responses)
    assert not flags["non_answer"].any()
    assert (segments["text"].str.strip().str.len() > 0).all()
    assert set(segments["response_id"]) == set(responses["response_id"])
    raw_chars = responses["text"].str.len().sum()
    kept_chars = flags["redacted_text"].str.len().sum()
    assert kept_chars / raw_chars > 0.97  # cleaning + redaction remove at most 3% of characters
    seg_chars = segments["text"].str.len().sum()
    assert seg_chars / kept_chars > 0.95  # segmentation drops only connectives and separators
    # Name redaction on product reviews should be rare (few real names, many garment names).
    names = sum(c["name"] for c in flags["pii_counts"])
    assert names <= 15


@pytest.mark.slow
def test_prepare_parallel_spacy_gives_the_same_segments(sample_path):
    # Forked spaCy workers return the same sentences, names and segments as one process.
    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(600)
    responses = pd.DataFrame({"response_id": frame["response_id"], "text": frame["comment"]})
    one = segment_responses(responses, PrepareSettings(n_process=1))
    two = segment_responses(responses, PrepareSettings(n_process=2))
    pd.testing.assert_frame_equal(one[0], two[0])
    pd.testing.assert_frame_equal(one[1], two[1])
    assert spacy_processes(10) == 1
    assert spacy_processes(10_000, 3) == 3


@pytest.mark.slow
@pytest.mark.parametrize("text, language", [
    # No stop word of any listed language: short Polish, Turkish, German, Spanish comments read
    # as English (from the multilingual hunt) ...
    ("Szybka dostawa", "other"), ("Müşteri hizmetleri çok kaba", "other"), ("Schnelle Lieferung", "other"),
    ("Entrega rápida", "other"), ("Hasarlı geldi", "other"),
    # ... and telegraphic English, with its product names and typos, stays English.
    ("Great fit, fast delivery", "en"), ("Gerat pants", "en"), ("Beautiful flowy dress", "en"), ("Perfect lbd", "en"),
    ("Love it", "en"),
])
def test_prepare_language_of_short_comments_without_stop_words(text, language):
    assert guess_language(text, dictionary=True) == language
