"""Benchmark of analyze_impact at survey scale (run on demand, not a test).

100,000 responses x 50 themes x 8 departments, 1,000 bootstrap resamples. Prints the
wall time of each stage and writes ``benchmarks/results/impact.json``.

    .venv/bin/python benchmarks/bench_impact.py
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from verbatim.impact import ImpactSettings, analyze_impact, nps_table

N_RESPONSES = 100_000
N_THEMES = 50
N_DEPARTMENTS = 8
BUDGET_SECONDS = 10.0


def simulated_survey(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses with 5% missing scores and a theme matrix where two themes cost points."""
    rng = np.random.default_rng(seed)
    mentions = rng.random((N_RESPONSES, N_THEMES)) < rng.uniform(0.01, 0.12, N_THEMES)
    # Latent satisfaction drives the score; themes 0 and 1 pull it down, 2 pushes it up.
    latent = 8.0 + rng.normal(0, 1.8, N_RESPONSES) - 3.0 * mentions[:, 0] - 1.5 * mentions[:, 1] + 1.0 * mentions[:, 2]
    score = np.clip(np.round(latent), 0, 10)
    group = np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor")).astype(object)
    missing = rng.random(N_RESPONSES) < 0.05
    group[missing] = None
    score[missing] = np.nan
    ids = np.char.add("r", np.arange(N_RESPONSES).astype(str))
    responses = pd.DataFrame(
        {
            "response_id": ids,
            "nps_group": group,
            "department": rng.choice([f"Dept {i}" for i in range(N_DEPARTMENTS)], N_RESPONSES),
            "weight": rng.uniform(0.5, 2.0, N_RESPONSES),
            "score": score,
        }
    )
    theme_matrix = pd.DataFrame(mentions, index=ids, columns=[f"theme_{j}" for j in range(N_THEMES)])
    return responses, theme_matrix


def main() -> None:
    responses, theme_matrix = simulated_survey()
    settings = ImpactSettings(n_bootstrap=1000)
    start = time.perf_counter()
    result = analyze_impact(responses, theme_matrix, settings)
    wall = time.perf_counter() - start
    start = time.perf_counter()
    nps_table(responses, "department", settings)
    nps_wall = time.perf_counter() - start
    top = result.improvement_areas[result.improvement_areas["group"] == "__all__"].head(2)
    record = {
        "benchmark": "analyze_impact",
        "n_responses": N_RESPONSES,
        "n_themes": N_THEMES,
        "n_departments": N_DEPARTMENTS,
        "n_bootstrap": settings.n_bootstrap,
        "wall_seconds": round(wall, 3),
        "nps_table_by_department_seconds": round(nps_wall, 3),
        "budget_seconds": BUDGET_SECONDS,
        "within_budget": wall < BUDGET_SECONDS,
        "top_improvement_areas": top["theme"].tolist(),
        "top_rank_stability": top["rank_stability"].round(3).tolist(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    out = Path(__file__).parent / "results" / "impact.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"analyze_impact: {wall:.2f} s for {N_RESPONSES:,} responses x {N_THEMES} themes x "
          f"{N_DEPARTMENTS} departments, {settings.n_bootstrap} resamples (budget {BUDGET_SECONDS:.0f} s)")
    print(f"nps_table by department: {nps_wall:.3f} s; top improvement areas {record['top_improvement_areas']}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
