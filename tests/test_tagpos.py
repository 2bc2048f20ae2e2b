"""verbatim.tagpos writes what the packaged pipeline's attribute_ruler writes that labels read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from verbatim.labels import _parser, _phrases_of, parse
from verbatim.tagpos import pos_rules

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "nps_survey.csv"
CLOTHING = ROOT.parent / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"

# What the ruler's rules of more than the tag turn on: the expletive "there" and the verb after
# it, "but" as an adverb, relative "that", pronouns tagged as nouns, auxiliaries, whitespace
# tokens (leading ones get the label "dep"), an empty text.
EDGES = [
    "there is no lining and there were loose threads.",
    "  \r\nthe colour faded after one wash",
    "\nthe staff were lovely but the queue was long",
    "i have nothing but praise for the team that helped me",
    "it has been fine, i'd have liked a receipt though",
    "Everything arrived; nobody told me it would be late!",
    "",
    " ",
]


def _read(docs) -> list[list[tuple[str, str, str, str, int]]]:
    return [[(t.text, t.pos_, t.tag_, t.dep_, t.head.i) for t in doc] for doc in docs]


def _compare(texts: list[str]) -> None:
    clipped = [t[:500] for t in texts]
    by_ruler = list(_parser().pipe(clipped, batch_size=64))
    by_rules = list(parse(texts))
    assert _read(by_rules) == _read(by_ruler)
    assert [[c.text for c in d.noun_chunks] for d in by_rules] == [[c.text for c in d.noun_chunks] for d in by_ruler]
    assert [_phrases_of(d) for d in by_rules] == [_phrases_of(d) for d in by_ruler]


def test_rules_compile_from_the_packaged_ruler():
    assert pos_rules(_parser().get_pipe("attribute_ruler")) is not None


def test_tags_labels_and_chunks_equal_the_rulers_on_the_sample_and_edge_cases():
    comments = pd.read_csv(SAMPLE)["comment"].dropna().astype(str).tolist()
    _compare(EDGES + comments[:600])


@pytest.mark.skipif(not CLOTHING.exists(), reason="../shared/data not present")
def test_tags_labels_and_chunks_equal_the_rulers_on_real_reviews():
    reviews = pd.read_csv(CLOTHING)["Review Text"].dropna().sample(400, random_state=3).tolist()
    _compare(reviews)


class _Ruler:
    """A stand-in holding only patterns, as pos_rules reads them (the vocab is the real one)."""

    def __init__(self, patterns: list[dict]) -> None:
        self.patterns = patterns
        self.vocab = _parser().vocab


def test_unreadable_patterns_leave_the_ruler_in_place():
    tag_rule = {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}, "index": 0}
    assert pos_rules(_Ruler([tag_rule])) is not None
    for pattern in ([{"TAG": "NN", "OP": "+"}], [{"TEXT": {"REGEX": "^a"}}], [{"LENGTH": 3}]):
        assert pos_rules(_Ruler([tag_rule, {"patterns": [pattern], "attrs": {"POS": "X"}, "index": 0}])) is None
    assert pos_rules(_Ruler([{"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN", "NORM": "x"}}])) is None
    assert pos_rules(_Ruler([{"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOT_A_TAG"}}])) is None


def test_later_rules_win_and_multi_token_rules_override_earlier_ones():
    rules = pos_rules(_Ruler([
        {"patterns": [[{"TAG": "EX"}]], "attrs": {"POS": "PRON"}, "index": 0},
        {"patterns": [[{"TAG": "VBZ"}]], "attrs": {"POS": "VERB"}, "index": 0},
        {"patterns": [[{"TAG": "VBZ", "LOWER": {"IN": ["is", "'s"]}}]], "attrs": {"POS": "AUX"}, "index": 0},
        {"patterns": [[{"DEP": "expl"}, {"LOWER": "is"}]], "attrs": {"POS": "VERB"}, "index": 1},
    ]))
    nlp = _parser()
    doc = next(nlp.pipe(["there is a hole and it is big"], disable=["attribute_ruler"]))
    rules(doc)
    assert [t.pos_ for t in doc if t.lower_ in ("there", "is")] == ["PRON", "VERB", "AUX"]
