"""Where spaCy's time goes, and what the NER prefilter saves (run on demand, not a test).

On the first N clothing reviews (/work/shared/data/womens_clothing_reviews, "Review Text"):

1. one pass of verbatim's pipeline with only ``senter``, only ``ner``, and both (one process);
2. ``segment_responses`` with the prefilter (:func:`verbatim.pii.may_contain_name`) and with
   NER on every text, timed, and whether the redacted texts and segments are identical;
3. on the texts the prefilter sends to NER: NER on each whole text against NER on the
   sentences that may hold a name (each with the one before), timed, same comparison.

With ``--sentences``, only this instead: ``segment_responses`` as the pipeline runs it (worker
processes), with the trained senter and with the punctuation rules (``prepare.sentences``),
alternated ``--repeat`` times; seconds and CPU seconds of each, and the share of reviews whose
segments are identical. Written to ``results/sentences.json``.

    .venv/bin/python benchmarks/bench_spacy.py --n 2000
    .venv/bin/python benchmarks/bench_spacy.py --n 10000
    .venv/bin/python benchmarks/bench_spacy.py --sentences --n 50000 --repeat 2
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
    parser.add_argument("--sentences", action="store_true", help="compare the sentence modes only")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each sentence mode (--sentences)")
    args = parser.parse_args()
    if args.sentences:
        compare_sentence_modes(args.n, args.repeat)
        return

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


def compare_sentence_modes(n: int, repeat: int) -> None:
    """``segment_responses`` with ``sentences`` "model" and "punctuation", alternated."""
    import os
    import resource

    from verbatim.nlp import load_pipeline
    from verbatim.prepare import PrepareSettings, segment_responses

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    texts = _reviews(n)
    responses = pd.DataFrame({"response_id": [str(i) for i in range(len(texts))], "text": texts})
    load_pipeline()  # loaded once, before the timed runs, as a run has it loaded by then
    timings: dict[str, list] = {"model": [], "punctuation": []}
    segments = {}
    for _ in range(repeat):
        for mode in timings:
            start, start_cpu = time.perf_counter(), cpu()
            segments[mode] = segment_responses(responses, PrepareSettings(sentences=mode))[0]
            timings[mode].append((round(time.perf_counter() - start, 2), round(cpu() - start_cpu, 2)))
    per_review = {mode: seg.groupby("response_id", sort=False)["text"].agg(list).reindex(responses["response_id"])
                  for mode, seg in segments.items()}
    same = [(a if isinstance(a, list) else []) == (b if isinstance(b, list) else [])  # NaN: no segment
            for a, b in zip(per_review["model"], per_review["punctuation"])]
    result = {
        "reviews": len(texts),
        "cores": len(os.sched_getaffinity(0)),
        "seconds_and_cpu_seconds": timings,
        "segments": {mode: len(seg) for mode, seg in segments.items()},
        "reviews_with_identical_segments": round(sum(same) / len(same), 4),
    }
    print(json.dumps(result, indent=2))
    out = Path(__file__).resolve().parent / "results" / "sentences.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _reviews(n: int) -> list:
    """The ``n`` "Review Text" cells ``bench_pipeline.py --sizes n`` analyses (a blank cell is None)."""
    from bench_pipeline import sample_reviews

    return [None if t != t else str(t) for t in sample_reviews(n)["Review Text"]]


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
