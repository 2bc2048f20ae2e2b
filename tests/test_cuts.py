"""Comments an export cut at a fixed width: found from the column's lengths, ended with "…"."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from conftest import SAMPLE, SHARED_DATA
from verbatim.config import load_config
from verbatim.cuts import cut_length, length_table, mark_cut
from verbatim.ingest import load_responses


def exported_comments(n: int, width: int, seed: int = 0) -> list[str]:
    """``n`` comments of the bundled sample strung together to various lengths (one to eight
    comments each), then cut at ``width`` characters as a fixed-width export field cuts them:
    mid-word, the space it may stop on trimmed."""
    said = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)["comment"]
    said = [c.strip() for c in said if len(c.strip()) > 20]
    rng = random.Random(seed)
    return [" ".join(rng.sample(said, rng.randint(1, 8)))[:width].strip() for _ in range(n)]


def test_cuts_width_of_an_export_found_and_its_cut_comments_end_with_an_ellipsis():
    comments = exported_comments(600, 200)
    cut = [c for c in comments if len(c) >= 190]
    assert cut_length(length_table(comments)) == 200
    marked, n = mark_cut(pd.Series(comments, dtype=object), 200)
    opened = [c for c in comments if len(c) >= 190 and c[-1].isalnum()]
    assert n >= len(opened) > 100 and n <= len(cut)
    changed = [(a, b) for a, b in zip(comments, marked) if a != b]
    assert len(changed) == n
    for before, after in changed:
        assert after.endswith("…") and not after[-2].isspace()
        assert before.startswith(after[:-1])  # only the end goes: the last word, or a comma
        assert len(before) - len(after) < 30
    kept = [a for a, b in zip(comments, marked) if a == b]
    assert all(len(c) < 190 or not c[-1].isalnum() for c in kept)


@pytest.mark.parametrize(
    "comments",
    [
        # The sample as customers wrote it: no export cut it.
        pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)["comment"].tolist(),
        # Short answers pile up ("ok", "n/a"): no field is that narrow.
        ["ok"] * 500 + ["n/a"] * 300 + exported_comments(200, 10_000),
        # One template answer pasted 300 times, without a full stop: one distinct comment.
        ["I am happy with the service but would like the app to remember my delivery slot choice"
         " across sessions and devices please"] * 300 + exported_comments(200, 10_000),
        # Many comments of one length that end their sentences: a form's fixed answer, not a cut.
        [f"Answer number {i:04d} of the yearly staff survey, which asks the same question of everyone who works with us."
         for i in range(300)] + exported_comments(200, 10_000),
    ],
    ids=["sample", "short-answers", "template", "full-stops"],
)
def test_cuts_no_width_without_a_pile_of_comments_stopping_mid_sentence(comments):
    assert cut_length(length_table(comments)) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the material is loose crochet - my dress arrived with a pull. sad fa", "the material is loose crochet - my dress arrived with a pull. sad…"),
        ("we returned both, although they were true to size and the fabri", "we returned both, although they were true to size and the…"),
        ("the dress was lovely in the shop, but the one delivered was torn,", "the dress was lovely in the shop, but the one delivered was torn…"),
        ("the staff were kind and the room was clean and bright and warm -", "the staff were kind and the room was clean and bright and warm…"),
        ("x" * 64, "x" * 64 + "…"),  # one word, nothing before it: kept whole
        ("the staff were kind and the room was clean and bright and warm.", None),  # a sentence that ends
        ("short and open ended", None),  # far from the width
    ],
)
def test_cuts_mark_cut_ends_the_cut_comments_only(text, expected):
    marked, n = mark_cut(pd.Series([text], dtype=object), 64)
    assert marked.iloc[0] == (expected or text)
    assert n == (expected is not None)


def test_cuts_ingest_marks_the_cut_column_and_notes_it(tmp_path):
    """A title column is not cut; the review column is, and the joined comment ends with "…"."""
    comments = exported_comments(400, 200)
    frame = pd.DataFrame({"id": range(400), "score": [i % 11 for i in range(400)],
                          "title": [f"Title {i}" for i in range(400)], "review": comments})
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    config = load_config(overrides={"columns": {"text": ["title", "review"], "score": "score", "id": "id"}}, environ={})
    ingest = load_responses(path, config)
    marked, n = mark_cut(pd.Series(comments, dtype=object), 200)
    assert ingest.responses["text"].tolist() == [f"Title {i}\n{c}" for i, c in enumerate(marked)]
    assert [note for note in ingest.notes if "fixed width" in note] == [
        f"{n} comment(s) in 'review' stop mid-sentence at about 200 characters, as when an export cuts comments at a "
        "fixed width: each now ends with an ellipsis ('...' in the outputs) instead of its last word, which the cut "
        "may have split"]


REVIEWS = SHARED_DATA / "womens_clothing_reviews" / "reviews.csv"


def test_cuts_public_clothing_reviews_were_cut_at_500_characters():
    """The public clothing reviews' export cut 3,061 reviews at exactly 500 characters (and
    more at 495-502); the cut ones end on a letter, the others on a full stop."""
    if not REVIEWS.exists():
        pytest.skip(f"shared real data not present: {REVIEWS}")
    reviews = pd.read_csv(REVIEWS, usecols=["Review Text"])["Review Text"].dropna().astype(str).str.strip()
    assert cut_length(length_table(reviews)) == 500
    marked, n = mark_cut(reviews, 500)
    assert 0.15 < n / len(reviews) < 0.25
    rest = reviews[marked == reviews]
    assert rest.str.contains(r"\w$").mean() < 0.1
