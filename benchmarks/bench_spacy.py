"""Where spaCy's time goes, and what the NER prefilter saves (run on demand, not a test).

On the first N clothing reviews (/work/shared/data/womens_clothing_reviews, "Review Text"):

1. one pass of verbatim's pipeline with only ``senter``, only ``ner``, and both (one process);
2. ``segment_responses`` with the prefilter (:func:`verbatim.pii.may_contain_name`) and with
   NER on every text, timed, and whether the redacted texts and segments are identical;
3. on the texts the prefilter sends to NER: NER on each whole text against NER on the
   sentences that may hold a name (each with the one before), timed, same comparison.

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
    prepare.may_contain_name = lambda text, settings=None, whole=None: True
    try:
        start = time.perf_counter()
        everywhere = prepare.segment_responses(responses)
        everywhere_s = time.perf_counter() - start
    finally:
        prepare.may_contain_name = real
    windows = _whole_vs_windows(texts, nlp)
    result = {
        "reviews": len(texts),
        "one_pass_seconds": passes,
        "share_sent_to_ner": round(sum(map(may_contain_name, texts)) / len(texts), 3),
        "segment_seconds": {"prefilter": round(filtered_s, 1), "ner_everywhere": round(everywhere_s, 1)},
        "identical_redactions": filtered[1]["redacted_text"].tolist() == everywhere[1]["redacted_text"].tolist(),
        "identical_segments": bool(filtered[0].equals(everywhere[0])),
        "names_redacted": int(sum(c["name"] for c in everywhere[1]["pii_counts"])),
        "ner_whole_text_vs_sentence_windows": windows,
    }
    print(json.dumps(result, indent=2))


def _whole_vs_windows(texts: list[str], nlp) -> dict:
    """One process: the flagged texts through NER whole (as before sentence windows) and
    through verbatim's segmentation (sentence pass, then NER on the windows)."""
    from verbatim.pii import PiiSettings, may_contain_name, name_spans
    from verbatim.prepare import PrepareSettings, _prepare_texts, _segment_doc, _segment_texts

    settings, pii = PrepareSettings(), PiiSettings()
    staged = [p[2][0] for p in _prepare_texts(texts, settings, pii)]
    flagged = [t for t in staged if may_contain_name(t, pii)]
    start = time.perf_counter()
    whole = []
    for text, doc in zip(flagged, nlp.pipe(flagged, batch_size=settings.batch_size)):
        names = name_spans(doc, pii)
        whole.append((*_segment_doc(doc, text, names, settings), len(names)))
    whole_s = time.perf_counter() - start
    start = time.perf_counter()
    windows = _segment_texts(flagged, nlp, True, settings, pii)
    windows_s = time.perf_counter() - start
    return {
        "texts": len(flagged),
        "seconds": {"whole_text": round(whole_s, 2), "sentence_windows": round(windows_s, 2)},
        "identical_redactions": [w[0] for w in whole] == [w[0] for w in windows],
        "identical_segments": [w[1] for w in whole] == [w[1] for w in windows],
        "names": {"whole_text": sum(w[2] for w in whole), "sentence_windows": sum(w[2] for w in windows)},
    }


if __name__ == "__main__":
    main()
