"""Benchmark of the Spark engine (run on demand, not a test).

1. Embedding stage throughput (distinct texts per second) on Spark ``local[1]`` vs
   ``local[2]``, against the local Embedder on the same texts.
2. Whole analysis: ``verbatim.pipeline.analyze`` vs ``analyze_spark`` (``local[2]``) on
   the same N comments, with the embedding cache off so both engines embed everything.

Comments come from /work/shared/data/womens_clothing_reviews/reviews.csv (Review Text,
Rating on the 5-star scale, Department Name), first N non-empty reviews. Writes
``benchmarks/results/spark.json``.

    .venv/bin/python benchmarks/bench_spark.py            # N = 10,000, embedding stage on 5,000 texts
    .venv/bin/python benchmarks/bench_spark.py --n 50000  # on request
    .venv/bin/python benchmarks/bench_spark.py --n 2000 --embed-only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = ROOT.parent / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"
OUT = ROOT / "benchmarks" / "results" / "spark.json"


def survey(n: int, folder: Path, seed: int = 0) -> Path:
    """n reviews with text as a survey export (id, comment, 1-5 score, department): the
    first n, or all of them resampled with a seed (fresh ids) when n exceeds the file."""
    reviews = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    reviews = reviews[reviews["Review Text"].str.strip() != ""]
    if len(reviews) >= n:
        reviews = reviews.head(n)
    else:
        reviews = reviews.sample(n=n, replace=True, random_state=seed)
    path = folder / f"reviews_{n}.csv"
    pd.DataFrame({
        "response_id": [f"rev-{i}" for i in range(n)],
        "comment": reviews["Review Text"].to_numpy(),
        "score": reviews["Rating"].to_numpy(),
        "department": reviews["Department Name"].to_numpy(),
    }).to_csv(path, index=False)
    return path


def config(cache: bool):
    from verbatim.config import load_config

    return load_config(overrides={"input": {"scale": "5"}, "embed": {"cache": cache, "show_progress": False}},
                       environ={})


def embed_spark(texts: list[str], master: str) -> dict:
    """Wall time of the Spark embedding stage on ``texts`` (distinct, cache off)."""
    from verbatim.spark_engine import embed_stage, spark_session

    spark = spark_session(master, app_name="verbatim-bench")
    try:
        frame = spark.createDataFrame(pd.DataFrame({"text": texts}))
        parallel = spark.sparkContext.defaultParallelism
        start = time.perf_counter()
        n = embed_stage(frame, config(False).embed, partitions=parallel * 2).count()
        wall = time.perf_counter() - start
    finally:
        spark.stop()
    return {"master": master, "texts": n, "seconds": round(wall, 2), "texts_per_s": round(n / wall, 1)}


def embed_local(texts: list[str], threads: int) -> dict:
    from dataclasses import replace

    from verbatim.embed import Embedder

    embedder = Embedder(replace(config(False).embed, threads=threads))
    embedder.backend  # load outside the timing, as a warm worker would have it
    start = time.perf_counter()
    n = len(embedder.embed(texts))
    wall = time.perf_counter() - start
    return {"engine": "local Embedder", "threads": threads, "texts": n, "seconds": round(wall, 2),
            "texts_per_s": round(n / wall, 1)}


def whole_run(path: Path, folder: Path) -> dict:
    from verbatim.pipeline import analyze
    from verbatim.spark_engine import analyze_spark

    start = time.perf_counter()
    local = analyze(path, folder / "local", config(False))
    local_s = time.perf_counter() - start
    start = time.perf_counter()
    spark = analyze_spark(path, folder / "spark", config(False), master="local[2]")
    spark_s = time.perf_counter() - start
    a, b = local.analysis, spark.analysis
    same_ids = bool((a.segments["theme_id"].to_numpy() == b.segments["theme_id"].to_numpy()).all())
    return {
        "comments": len(a.flags),
        "local_seconds": round(local_s, 1), "spark_local2_seconds": round(spark_s, 1),
        "spark_overhead_ratio": round(spark_s / local_s, 2),
        "local_stage_seconds": {k: round(v, 1) for k, v in a.timings.items()},
        "spark_stage_seconds": {k: round(v, 1) for k, v in b.timings.items()},
        "segments": len(a.segments), "themes_local": len(a.themes), "themes_spark": len(b.themes),
        "same_theme_table": bool(a.themes[["label", "size"]].equals(b.themes[["label", "size"]])),
        "same_segment_theme_ids": same_ids,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="comments (default 10,000)")
    parser.add_argument("--embed-n", type=int, default=5_000, help="distinct texts of the embedding-stage runs")
    parser.add_argument("--embed-only", action="store_true", help="skip the whole-analysis comparison")
    parser.add_argument("--whole-only", action="store_true",
                        help="only the whole-analysis comparison (keeps the file's embedding figures)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = json.loads(args.out.read_text()) if args.whole_only and args.out.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        path = survey(args.n, Path(tmp))
        result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "date": time.strftime("%Y-%m-%d %H:%M")}
        result["input"] = {"file": str(REVIEWS.relative_to(ROOT.parent))}
        if not args.whole_only:
            texts = list(dict.fromkeys(pd.read_csv(path)["comment"].astype(str)))[: args.embed_n]
            result["embedding"] = {
                "note": "whole comments as texts, cache off; Spark times include starting the workers and "
                        "loading MiniLM once per worker",
                "comments": args.n,
                "spark": [embed_spark(texts, "local[1]"), embed_spark(texts, "local[2]")],
                "local": [embed_local(texts, 1), embed_local(texts, 2)],
            }
        if not args.embed_only:
            runs = result.setdefault("whole_analysis", {})
            if "local_seconds" in runs:  # one run stored by an earlier version of this script
                runs = result["whole_analysis"] = {"10000": runs}
            runs[str(args.n)] = dict(whole_run(path, Path(tmp)), date=time.strftime("%Y-%m-%d %H:%M"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
