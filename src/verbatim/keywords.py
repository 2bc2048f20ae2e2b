"""The words behind a theme's keywords: how segments are cut into n-grams, and which ranked
n-grams a reader is shown.

scikit-learn's default tokenizer cuts "didn't" into "didn" and "t", and its English stop
words remove "not", "no" and "never", so a theme of "it just didn't work" got the keyword
"just didn work", one of "it did not work" the keyword "did work" and one of "the picture
doesn't do it justice" the keyword "picture does justice": the negation, the point of a
complaint, was lost or read as its opposite. :class:`KeywordAnalyzer` keeps a "n't" word
whole ("didn't work", also written "didnt"), keeps "not", "no", "never", "nothing" and
"cannot" in front of the word they negate ("not flattering", "no complaints"; never alone nor
last), reads a possessive as its noun ("retailer's" -> "retailer"), drops the other
contractions of stop words ("it's", "i've"), and never forms an n-gram that repeats a word
("love dress dress" from "love this dress dress") or spans punctuation.

:func:`distinct_keywords` then skips a ranked keyword whose words all appear in a better one
("fit true" after "fits true size", "colors love" after "love colors"), so that ten keywords
say ten things.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Iterable

__all__ = ["NEGATORS", "KeywordAnalyzer", "english_analyzer", "distinct_keywords", "keyword_documents"]

# A word of two or more letters or digits, with a "n't" or another contraction kept attached;
# without stop words, one-letter words too.
_TOKEN = re.compile(r"(?u)\b\w+'\w+\b|\b\w\w+\b")
_ANY_TOKEN = re.compile(r"(?u)\b\w+'\w+\b|\b\w+\b")
# An n-gram never spans punctuation: "the dress. The dress is great" holds no "dress great",
# "it's beautiful, lovely quality" no "beautiful lovely". Hyphens and apostrophes inside a
# word are no break.
_BREAK = re.compile(r"[.,;:!?(){}\[\]\"…|/\n]+|\s[-–—]+\s|[–—]")
# Stop words that negate the next word: kept in n-grams, never a keyword alone.
NEGATORS = frozenset({"not", "no", "never", "nothing", "cannot"})
# "n't" words as customers type them without the apostrophe.
_BARE_NOT = {w.replace("'", ""): w for w in (
    "aren't couldn't didn't doesn't don't hadn't hasn't haven't isn't shouldn't wasn't weren't won't wouldn't "
    "can't".split())} | {"cant": "can't", "wont": "won't"}


@dataclasses.dataclass(frozen=True)
class KeywordAnalyzer:
    """A CountVectorizer ``analyzer``: lower-case words (stop words out), then their 1- to
    ``ngram_max``-grams with no word twice. ``stop_words``: ``None`` keeps every word, one
    letter long too (the fallback for segments made only of stop words: "ok", "a", "no").
    ``negation``: a negating word (:data:`NEGATORS`, a "n't" word) is no keyword alone and
    never ends one."""

    ngram_max: int = 1
    stop_words: frozenset[str] | None = None
    negation: bool = False

    def words(self, text: str) -> list[str]:
        """The words of ``text`` (one stretch between punctuation) that keywords are made of."""
        words = []
        pattern = _ANY_TOKEN if self.stop_words is None else _TOKEN
        for token in pattern.findall(text):
            token = _BARE_NOT.get(token, token)
            if "'" in token:
                stem, _, tail = token.rpartition("'")
                if stem.endswith("n") and tail == "t":  # didn't, can't, won't: the negation is content
                    words.append(token)
                    continue
                if tail != "s" or len(stem) < 2:  # it'll, i've, you're, i'd: a pronoun and a verb
                    continue
                token = stem  # the retailer's sizing -> retailer
            if self.stop_words is None or token not in self.stop_words:
                words.append(token)
        return words

    def __call__(self, text: str) -> list[str]:
        grams: list[str] = []
        for piece in _BREAK.split(text.lower().replace("\u2019", "'")):
            words = self.words(piece)
            open_ = [self.negation and (w in NEGATORS or w.endswith("n't")) for w in words]
            grams.extend(w for w, o in zip(words, open_) if not o)
            for n in range(2, self.ngram_max + 1):
                for start in range(len(words) - n + 1):
                    gram = words[start : start + n]
                    if not open_[start + n - 1] and len(set(gram)) == n:
                        grams.append(" ".join(gram))
        return grams


def keyword_documents(segments: Iterable[str]) -> list[str]:
    """``segments`` as documents for BERTopic's c-TF-IDF, each line end and each segment's end
    marked with a "|" (a :data:`_BREAK`). BERTopic joins a theme's documents with a space and
    turns line ends into spaces before the analyzer sees them, so without the mark an n-gram
    would span two segments ("dress color" from "I love this dress" and "Color is great") or a
    one-word title and the line under it ("disappointed dress" from "Disappointed" over "This
    dress ...")."""
    return [segment.replace("\n", " | ") + " |" for segment in segments]


def english_analyzer(ngram_max: int) -> KeywordAnalyzer:
    """:class:`KeywordAnalyzer` with scikit-learn's English stop words but the negators."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return KeywordAnalyzer(ngram_max=ngram_max, stop_words=frozenset(ENGLISH_STOP_WORDS) - NEGATORS, negation=True)


def distinct_keywords(ranked: Iterable[str], n: int) -> list[str]:
    """The first ``n`` of ``ranked`` keywords (best first) that each add a word: a keyword
    whose words all occur in one better keyword is skipped ("fit true" after "fits true
    size", "colors love" after "love colors", "size" after "true size"); a final "s" does
    not make a word new ("fit true" after "fits true size")."""
    kept: list[str] = []
    seen: list[frozenset[str]] = []
    for keyword in ranked:
        words = frozenset(_singular(w) for w in keyword.split())
        if not words or any(words <= other for other in seen):
            continue
        kept.append(keyword)
        seen.append(words)
        if len(kept) == n:
            break
    return kept


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
