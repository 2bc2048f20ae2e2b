"""Hedges on real reviews: what VADER reads in sentences with "to be honest", "honestly", ...

``verbatim.sentiment`` leaves discourse hedges out of VADER's reading (its lexicon scores
"honest" +2.3 and "fair" +1.3). This script takes every sentence of the women's clothing
reviews (``../shared/data/womens_clothing_reviews``) that holds a hedge and counts, by the
review's rating (<= 2 low, >= 4 high), how VADER labels it with and without the hedge.
Sentences have no label of their own, so this is a check of direction: a hedge should not be
what makes a low-rated review's sentence positive.

    .venv/bin/python benchmarks/bench_hedges.py [--csv PATH]

Writes ``benchmarks/results/hedges.json``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    args = parser.parse_args(argv)
    from verbatim.sentiment import _HEDGES, _analyzer, label_sentiment

    reviews = pd.read_csv(args.csv).dropna(subset=["Review Text"])
    rows = [(sentence, rating) for text, rating in zip(reviews["Review Text"], reviews["Rating"])
            for sentence in re.split(r"(?<=[.!?])\s+", str(text)) if _HEDGES.search(sentence)]
    analyzer = _analyzer()
    ratings = np.array([rating for _, rating in rows])
    result: dict = {"data": "women's clothing reviews, sentences with a hedge", "sentences": len(rows)}
    for name, read in (("with_hedge", lambda s: s), ("hedge_left_out", lambda s: _HEDGES.sub("", s))):
        labels = label_sentiment([analyzer.polarity_scores(read(s))["compound"] for s, _ in rows])
        result[name] = {
            group: {label: int(np.sum((labels == label) & mask)) for label in ("positive", "neutral", "negative")}
            for group, mask in (("rating_le_2", ratings <= 2), ("rating_ge_4", ratings >= 4))
        }
    out = Path(__file__).resolve().parent / "results" / "hedges.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
