"""How often the trend flags claim a change, with and without one (run on demand, not a test).

Simulated surveys of 12 months x 1,500 respondents in 5 departments of unequal sizes, 30
themes each with a share drawn in 2-15 % (the "__all__" group sums the departments), through
:func:`verbatim.trends.flag_spikes` with the default settings:

- ``null``: nothing changes;
- ``wobble``: nothing changes, but every share moves from month to month by noise of logit
  sd 0.2 (about +-20 % around its level);
- ``spike``: one theme of the fourth department doubles in the last two months;
- ``rise``: one theme of the largest department rises steadily to twice its share;
- ``spike_wobble``: the spike, among wobbling shares;
- ``wobble_long_tail``: ``wobble`` with a long tail of 60 rare themes (0.1-0.8 %) added to
  each department, as real themes come.

Prints, per scenario, the share of reports that claim anything (a spike or a direction in
any group), that show a spike, and how often the planted change is found (power), and writes
``benchmarks/results/trends.json``.

    .venv/bin/python benchmarks/bench_trends.py [--reports 100]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from verbatim import trends

RESULTS = Path(__file__).resolve().parent / "results" / "trends.json"
MONTHS = pd.period_range("2026-01", periods=12, freq="M")
DEPARTMENT_SHARES = [0.35, 0.25, 0.2, 0.12, 0.08]
THEMES = 30
SCENARIOS = {  # name: (wobble, planted change, rare themes per department)
    "null": (0.0, None, 0), "wobble": (0.2, None, 0), "spike": (0.0, "spike", 0), "rise": (0.0, "rise", 0),
    "spike_wobble": (0.2, "spike", 0), "wobble_long_tail": (0.2, None, 60),
}
PLANTED = {"spike": ("D3", "t0"), "rise": ("D0", "t0")}


def survey(rng, wobble: float, plant: str | None, rare: int = 0) -> pd.DataFrame:
    """A theme_trends table (group, theme, period, period_start, n_scored, n_mentions)."""
    sizes = rng.multinomial(1500, DEPARTMENT_SHARES, size=len(MONTHS))
    rows = []
    for d in range(len(DEPARTMENT_SHARES)):
        for t in range(THEMES + rare):
            base = rng.uniform(0.02, 0.15) if t < THEMES else rng.uniform(0.001, 0.008)
            logit = np.log(base / (1 - base)) + rng.normal(0, wobble, len(MONTHS))
            share = 1 / (1 + np.exp(-logit))
            if plant and PLANTED[plant] == (f"D{d}", f"t{t}"):
                share = share.copy()
                if plant == "spike":
                    share[-2:] = 2 * base
                else:
                    share = base * np.linspace(1, 2, len(MONTHS))
            mentions = rng.binomial(sizes[:, d], share)
            rows += [(f"D{d}", f"t{t}", m, int(sizes[m, d]), int(mentions[m])) for m in range(len(MONTHS))]
    table = pd.DataFrame(rows, columns=["group", "theme", "m", "n_scored", "n_mentions"])
    overall = table.groupby(["theme", "m"], as_index=False)[["n_scored", "n_mentions"]].sum().assign(group="__all__")
    table = pd.concat([overall, table], ignore_index=True)
    return table.assign(period=[str(MONTHS[m]) for m in table["m"]],
                        period_start=[MONTHS[m].start_time for m in table["m"]])


def scenario(name: str, reports: int, seed: int) -> dict:
    wobble, plant, rare = SCENARIOS[name]
    rng = np.random.default_rng(seed)
    claimed = spiked = found = 0
    for _ in range(reports):
        flags = trends.flag_spikes(survey(rng, wobble, plant, rare))
        claimed += bool((flags["spiking"] | (flags["direction"] != "stable")).any())
        spiked += bool(flags["spiking"].any())
        if plant:
            group, theme = PLANTED[plant]
            row = flags[(flags["group"] == group) & (flags["theme"] == theme)].iloc[0]
            found += bool(row["spiking"] if plant == "spike" else row["direction"] == "rising")
    out = {"reports": reports, "seed": seed, "wobble_logit_sd": wobble, "rare_themes": rare,
           "claims_anything": claimed / reports, "shows_a_spike": spiked / reports}
    if plant:
        out["power"] = found / reports
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100)
    args = parser.parse_args()
    results = {}
    for seed, name in enumerate(SCENARIOS, start=1):
        results[name] = scenario(name, args.reports, seed)
        print(name, json.dumps(results[name]), flush=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
