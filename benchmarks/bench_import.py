"""What importing BERTopic costs a run, with and without verbatim's deferred integrations.

Each measurement is a fresh interpreter that first imports spaCy, pandas and scikit-learn
(a run has them loaded when it imports BERTopic), then either

- ``plain``: ``import bertopic`` (with ``bertopic.representation`` and ``bertopic.vectorizers``),
  as BERTopic's own users do, or
- ``verbatim``: :func:`verbatim.bertopic_import.import_bertopic`, which imports it without
  transformers' pipelines and UMAP (loaded on first use instead).

The two alternate, ``--repeats`` times each; the CPU and wall seconds of the import alone are
printed with their ratio and written to ``benchmarks/results/import.json``.

    .venv/bin/python benchmarks/bench_import.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import machine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "import.json"
HEAVY = ("torch", "transformers", "transformers.pipelines", "sentence_transformers", "umap", "numba", "hdbscan")

_PROBE = """
import json, sys, time
import spacy, pandas, sklearn.cluster, sklearn.decomposition
wall, cpu = time.perf_counter(), time.process_time()
if sys.argv[1] == "plain":
    import bertopic, bertopic.representation, bertopic.vectorizers
else:
    from verbatim.bertopic_import import import_bertopic
    import_bertopic()
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "loaded": [m for m in json.loads(sys.argv[2]) if sys.modules.get(m) is not None]}))
"""


def measure(kind: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", _PROBE, kind, json.dumps(HEAVY)], capture_output=True,
                          text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="measurements of each kind (default 3)")
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"plain": [], "verbatim": []}
    for _ in range(args.repeats):
        for kind in runs:
            runs[kind].append(measure(kind))
            print(kind, {k: round(v, 2) if isinstance(v, float) else v for k, v in runs[kind][-1].items()}, flush=True)
    summary = {kind: {"cpu_s_median": round(statistics.median(r["cpu"] for r in rs), 2),
                      "wall_s_median": round(statistics.median(r["wall"] for r in rs), 2),
                      "loaded": rs[-1]["loaded"]} for kind, rs in runs.items()}
    ratio = summary["plain"]["cpu_s_median"] / max(summary["verbatim"]["cpu_s_median"], 1e-9)
    out = {"machine": machine(),
           "repeats": args.repeats, "summary": summary, "cpu_ratio_plain_over_verbatim": round(ratio, 2),
           "runs": runs}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"import CPU: plain {summary['plain']['cpu_s_median']} s, verbatim {summary['verbatim']['cpu_s_median']} s "
          f"({ratio:.1f}x less); wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
