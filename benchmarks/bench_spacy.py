"""Where spaCy's time goes, and what the NER prefilter saves (run on demand, not a test).

On the first N clothing reviews (/work/shared/data/womens_clothing_reviews, "Review Text"):

1. one pass of verbatim's pipeline with only ``senter``, only ``ner``, and both (one process);
2. ``segment_responses`` with the prefilter (:func:`verbatim.pii.may_contain_name`) and with
   NER on every text, timed, and whether the redacted texts and segments are identical.

    .venv/bin/python benchmarks/bench_spacy.py --n 2000
    .venv/bin/python benchmarks/bench_spacy.py --n 10000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

REVIEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="reviews (default 2,000)")
    args = parser.parse_args()

    import verbatim.prepare as prepare
    from verbatim.nlp import load_pipeline
    from verbatim.pii import may_contain_name

    texts = pd.read_csv(REVIEWS)["Review Text"].dropna().astype(str).tolist()[: args.n]
    nlp = load_pipeline()
    passes = {}
    for name, disabled in (("senter_only", ["ner"]), ("ner_only", ["senter"]), ("both", [])):
        start = time.perf_counter()
        with nlp.select_pipes(disable=disabled):
            for _ in nlp.pipe(texts, batch_size=256):
                pass
        passes[name] = round(time.perf_counter() - start, 2)

    responses = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    start = time.perf_counter()
    filtered = prepare.segment_responses(responses)
    filtered_s = time.perf_counter() - start
    real = prepare.may_contain_name
    prepare.may_contain_name = lambda text, settings=None: True
    try:
        start = time.perf_counter()
        everywhere = prepare.segment_responses(responses)
        everywhere_s = time.perf_counter() - start
    finally:
        prepare.may_contain_name = real
    result = {
        "reviews": len(texts),
        "one_pass_seconds": passes,
        "share_sent_to_ner": round(sum(map(may_contain_name, texts)) / len(texts), 3),
        "segment_seconds": {"prefilter": round(filtered_s, 1), "ner_everywhere": round(everywhere_s, 1)},
        "identical_redactions": filtered[1]["redacted_text"].tolist() == everywhere[1]["redacted_text"].tolist(),
        "identical_segments": bool(filtered[0].equals(everywhere[0])),
        "names_redacted": int(sum(c["name"] for c in everywhere[1]["pii_counts"])),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
