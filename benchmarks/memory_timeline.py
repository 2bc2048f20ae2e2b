"""Memory of one ``verbatim analyze`` run over time, stage by stage (run on demand).

Runs the installed ``verbatim analyze`` with the given arguments, samples once a second the
resident memory (RSS) of the main process and the proportional memory (PSS) summed over it
and its worker processes, and reads the stage names the run prints ("segment...",
"themes...", "report...") to report the peak of each stage. ``bench_pipeline.py`` gives one peak per run;
this says where it happens.

    .venv/bin/python benchmarks/memory_timeline.py OUT_DIR -- INPUT [verbatim analyze options]

e.g. for the 200,000-review benchmark input (``bench_pipeline.py --sizes 200000 --keep``
leaves it in its work folder)::

    .venv/bin/python benchmarks/memory_timeline.py /tmp/mem200k -- /tmp/verbatim-bench-*/comments_200000.csv \\
        --text "Review Text" --score Rating --scale 5 --department "Department Name" --id id

Writes ``OUT_DIR/timeline.tsv`` (seconds, tree PSS MiB, main RSS MiB, stage) and
``OUT_DIR/run.log``; the analysis output and a fresh embedding cache go under ``OUT_DIR`` too.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import VERBATIM, _tree_pss_bytes  # noqa: E402

STAGE_RE = re.compile(r"^\s*([a-z]+)\.\.\.\s*$")  # the pipeline's "  themes..." progress lines


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     usage="%(prog)s [--interval S] OUT_DIR -- INPUT [verbatim analyze options]")
    parser.add_argument("out", help="folder for the timeline, the log, the analysis output and its cache")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    argv = sys.argv[1:] if argv is None else list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    args, analyze_args = parser.parse_args(argv[:cut]), argv[cut + 1:]
    if not analyze_args:
        parser.error("give the input file and analyze options after --")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cmd = [VERBATIM, "analyze", *analyze_args, "-o", str(out / "output"), "--force",
           "--set", f"embed.cache_dir={out / 'cache'}", "--set", "embed.show_progress=false"]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")

    stage = ["ingest"]  # start-up and reading the input come before the first stage line
    samples: list[tuple[float, float, float, str]] = []
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)

    def sample() -> None:
        while child.poll() is None:
            samples.append((time.perf_counter() - start, _tree_pss_bytes(child.pid) / 2**20,
                            _rss_mib(child.pid), stage[0]))
            time.sleep(args.interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with open(out / "run.log", "w", encoding="utf-8") as log:
        for line in child.stdout:
            log.write(f"{time.perf_counter() - start:8.1f}  {line}")
            match = STAGE_RE.match(line)
            if match:
                stage[0] = match.group(1)
    child.wait()
    sampler.join()
    with open(out / "timeline.tsv", "w", encoding="utf-8") as handle:
        handle.write("seconds\ttree_pss_mib\tmain_rss_mib\tstage\n")
        handle.writelines(f"{t:.1f}\t{pss:.0f}\t{rss:.0f}\t{name}\n" for t, pss, rss, name in samples)
    peaks: dict[str, dict] = {}
    for _, pss, rss, name in samples:
        peak = peaks.setdefault(name, {"tree_pss_mib": 0.0, "main_rss_mib": 0.0})
        peak["tree_pss_mib"] = max(peak["tree_pss_mib"], round(pss))
        peak["main_rss_mib"] = max(peak["main_rss_mib"], round(rss))
    print(f"exit {child.returncode}, {time.perf_counter() - start:.1f} s; peak per stage (MiB):")
    for name, peak in peaks.items():
        print(f"  {name:10s} main RSS {peak['main_rss_mib']:6.0f}   with workers (PSS) {peak['tree_pss_mib']:6.0f}")
    return {"returncode": child.returncode, "peaks": peaks}


if __name__ == "__main__":
    sys.exit(main()["returncode"])
