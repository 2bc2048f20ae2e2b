"""Seconds of verbatim's per-text steps on real reviews, one process (run on demand, not a test).

The steps that run once per comment or per segment before the models: cleaning
(``prepare.clean_text``), pattern redaction (``pii.redact_patterns``), the name pre-check
that decides which sentences NER reads (``pii.may_contain_name``), VADER with the complaint
cues (``sentiment._score_distinct``) and, in fast mode, the static table's lookup
(``StaticBackend.encode``, in the Embedder's chunks of 1,000) of the reviews' sentences.
Each is timed best of ``--rounds`` on the first N clothing reviews
(/work/shared/data/womens_clothing_reviews, "Review Text"); a digest of each step's output
lets two checkouts be compared for identical results. Writes
benchmarks/results/text_steps.json.

    .venv/bin/python benchmarks/bench_text_steps.py --n 5000
    # another checkout, same numbers to compare (its src first on the path):
    PYTHONPATH=../other/src .venv/bin/python benchmarks/bench_text_steps.py --n 5000 --no-write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import machine  # noqa: E402

REVIEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"
RESULTS = Path(__file__).resolve().parent / "results" / "text_steps.json"


def _digest(values) -> str:
    if isinstance(values, np.ndarray):
        return hashlib.sha256(values.tobytes()).hexdigest()[:16]
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="reviews (default 5,000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each step (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from verbatim.embed_backends import StaticBackend
    from verbatim.pii import PiiSettings, may_contain_name, redact_patterns
    from verbatim.prepare import PrepareSettings, clean_text
    from verbatim.sentiment import SentimentSettings, _analyzer, _score_distinct
    from verbatim.static_model import ensure_static_model, static_model_id

    texts = pd.read_csv(REVIEWS)["Review Text"].dropna().astype(str).tolist()[: args.n]
    sentences = [s.strip() for t in texts for s in re.split(r"[.!?]+", t) if s.strip()]
    prepare, pii, sentiment = PrepareSettings(), PiiSettings(), SentimentSettings()
    cleaned = [clean_text(t, prepare) for t in texts]
    staged = [redact_patterns(t, pii)[0] for t in cleaned]
    _analyzer()
    may_contain_name(staged[0], pii)  # the guards' word lists loaded

    def static_lookup():
        backend = StaticBackend(ensure_static_model(), static_model_id())  # a fresh word memo each round
        start = time.perf_counter()
        vectors = np.concatenate([backend.encode(sentences[i : i + 1000], 64) for i in range(0, len(sentences), 1000)])
        return vectors, time.perf_counter() - start

    steps = {
        "clean_text": lambda: [clean_text(t, prepare) for t in texts],
        "redact_patterns": lambda: [redact_patterns(t, pii) for t in cleaned],
        "may_contain_name": lambda: [may_contain_name(t, pii) for t in staged],
        "sentiment": lambda: _score_distinct(sentences, sentiment),
    }
    result: dict = {"n_reviews": len(texts), "n_sentences": len(sentences), "seconds": {}, "digest": {}}
    for name, step in steps.items():
        best = float("inf")
        for _ in range(args.rounds):
            start = time.perf_counter()
            out = step()
            best = min(best, time.perf_counter() - start)
        result["seconds"][name] = round(best, 3)
        result["digest"][name] = _digest(out)
    timed = [static_lookup() for _ in range(args.rounds)]
    result["seconds"]["static_lookup"] = round(min(seconds for _, seconds in timed), 3)
    result["digest"]["static_lookup"] = _digest(timed[0][0])
    result["machine"] = machine()
    print(json.dumps(result, indent=1))
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
