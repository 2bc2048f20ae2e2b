"""Ingest of a narrow and a wide survey export against pandas reading the same file (run on demand).

Survey tools export dozens of metadata columns beside the score and the comment
(dates, IP address, browser, progress...). verbatim keeps only the columns a run reads
(``verbatim.readers``: roles detected on the first rows, the rest streamed), so its
memory should follow the columns it uses, not the width of the file.

For N reviews (default 200,000, resampled with a seed from ``womens_clothing_reviews``)
it writes two CSVs: ``narrow`` (id, Review Text, Rating, Department Name) and ``wide``
(the same plus 30 metadata columns of short strings, seeded), and measures as child
processes (wall time, peak RSS from ``os.wait4``):

- ``validate``: ``verbatim validate FILE`` with the column flags (ingest and every check);
- ``pandas``: ``pandas.read_csv(FILE, dtype=str, keep_default_na=False)``, the baseline a
  notebook user would start from, in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--n 200000]

Writes ``benchmarks/results/ingest.json`` and prints the ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_pipeline import COLUMN_FLAGS, VERBATIM, machine, run_child, write_sample  # noqa: E402

META_VALUES = ["2026-11-02 10:11:12", "Finished", "192.168.1.1", "EN", "anonymous", "1", "0", "Mobile Safari 17.1"]


def write_wide(narrow: Path, path: Path, n_meta: int = 30, seed: int = 0) -> Path:
    frame = pd.read_csv(narrow, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    for i in range(n_meta):
        frame[f"Q{i}_meta"] = rng.choice(META_VALUES, len(frame))
    frame.to_csv(path, index=False)
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args(argv)
    result: dict = {"n_rows": args.n, "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="verbatim-ingest-") as tmp:
        work = Path(tmp)
        narrow = write_sample(args.n, work / "narrow.csv")
        files = {"narrow": narrow, "wide": write_wide(narrow, work / "wide.csv")}
        for name, path in files.items():
            pandas_code = f"import pandas as pd; pd.read_csv({str(path)!r}, dtype=str, keep_default_na=False)"
            runs = {
                "validate": run_child([VERBATIM, "validate", str(path), *COLUMN_FLAGS], log=work / f"{name}.log"),
                "pandas": run_child([sys.executable, "-c", pandas_code]),
            }
            entry = {"file_mib": round(path.stat().st_size / 2**20, 1),
                     "columns": len(pd.read_csv(path, nrows=1).columns), **runs}
            for key in ("seconds", "peak_rss_mib"):
                entry[f"validate_over_pandas_{key}"] = round(runs["validate"][key] / runs["pandas"][key], 2)
            result[name] = entry
            print(f"{name}: {entry['columns']} columns, {entry['file_mib']} MiB; validate "
                  f"{runs['validate']['seconds']:.1f} s / {runs['validate']['peak_rss_mib']:.0f} MiB, pandas "
                  f"{runs['pandas']['seconds']:.1f} s / {runs['pandas']['peak_rss_mib']:.0f} MiB -> ratios "
                  f"{entry['validate_over_pandas_seconds']} (time), {entry['validate_over_pandas_peak_rss_mib']} (memory)",
                  flush=True)
    out = HERE / "results" / "ingest.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
