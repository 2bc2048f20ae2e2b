"""The label parse with spaCy's attribute ruler against verbatim.tagpos (run on demand, not a test).

verbatim's segments of the first N clothing reviews (/work/shared/data/womens_clothing_reviews,
"Review Text") are parsed by the label pipeline (tagger, parser) twice per round, in alternation:
with the packaged ``attribute_ruler`` and with :func:`verbatim.labels.parse` (the ruler's rules
applied without its Matcher). Prints the seconds of each (best of the rounds) and whether every
token's coarse tag, fine tag, dependency label and head, every noun chunk and every label
candidate are identical; writes them to benchmarks/results/label_parse.json.

    .venv/bin/python benchmarks/bench_label_parse.py --n 3000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import machine  # noqa: E402

REVIEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"
RESULTS = Path(__file__).resolve().parent / "results" / "label_parse.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="reviews (default 3,000)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds of both (default 2)")
    args = parser.parse_args()

    from verbatim.labels import _parser, _phrases_of, parse
    from verbatim.prepare import PrepareSettings, segment_responses

    texts = pd.read_csv(REVIEWS)["Review Text"].dropna().astype(str).tolist()[: args.n]
    responses = pd.DataFrame({"response_id": [str(i) for i in range(len(texts))], "text": texts})
    segments = segment_responses(responses, PrepareSettings(n_process=1))[0]["text"].tolist()
    nlp = _parser()
    list(parse(segments[:50]))  # rules compiled, pipeline warm

    def by_ruler():
        return list(nlp.pipe([t[:500] for t in segments], batch_size=64))

    def by_rules():
        return list(parse(segments))

    seconds: dict[str, list[float]] = {"ruler": [], "rules": []}
    docs = {}
    for _ in range(args.rounds):
        for name, run in (("ruler", by_ruler), ("rules", by_rules)):
            start = time.perf_counter()
            docs[name] = run()
            seconds[name].append(round(time.perf_counter() - start, 2))

    def tokens(doc):
        return [(t.pos_, t.tag_, t.dep_, t.head.i) for t in doc]

    result = {
        "n_reviews": len(texts),
        "n_segments": len(segments),
        "ruler_seconds": min(seconds["ruler"]),
        "rules_seconds": min(seconds["rules"]),
        "seconds_all": seconds,
        "time_saved_share": round(1 - min(seconds["rules"]) / min(seconds["ruler"]), 3),
        "tokens_identical": all(tokens(a) == tokens(b) for a, b in zip(docs["ruler"], docs["rules"])),
        "noun_chunks_identical": all([c.text for c in a.noun_chunks] == [c.text for c in b.noun_chunks]
                                     for a, b in zip(docs["ruler"], docs["rules"])),
        "label_candidates_identical": all(_phrases_of(a) == _phrases_of(b) for a, b in zip(docs["ruler"], docs["rules"])),
        "machine": machine(),
    }
    print(json.dumps(result, indent=1))
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
