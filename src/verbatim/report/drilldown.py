"""Which comments travel inside ``report.html`` for its drill-down.

The drill-down embeds each comment it can show. Every comment makes the report a file of
86 MB at 200,000 responses, too heavy to mail around or open on a laptop. Above
``ReportSettings.html_max_comments`` it holds a seeded sample instead, and says so: every
theme and department pair keeps at least ``html_min_per_group`` comments (all of them when
it has fewer), the rest of the budget is shared in proportion to the pairs' sizes, so a
small team's rare theme does not vanish from its own report. Every comment is always in
``assignments.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["ReportSettings", "sample_positions"]


@dataclass(frozen=True)
class ReportSettings:
    """Tunables of the written reports.

    html_max_comments: most comments embedded in report.html's drill-down (0 = all).
    html_min_per_group: comments each (department, theme) pair keeps in that sample.
    seed: seed of the sample.
    """

    html_max_comments: int = 25_000
    html_min_per_group: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        if self.html_max_comments < 0:
            raise ValueError(f"html_max_comments must be 0 (all) or more, got {self.html_max_comments}")
        if self.html_min_per_group < 0:
            raise ValueError(f"html_min_per_group must be 0 or more, got {self.html_min_per_group}")


def sample_positions(groups: Sequence, size: int, min_per_group: int, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of ``size`` rows (all rows when there are no more):
    each group keeps ``min(its rows, min_per_group)``, the rest of ``size`` is shared in
    proportion to what the groups have left (largest remainders). When the minimums alone
    exceed ``size``, each group keeps as many as they all can (at least one each when there
    are no more groups than ``size``; a purely proportional sample dropped a department of 12
    comments from 25,000 of 60,000), and only beyond that is the sample proportional."""
    from ..themes import stratum_quotas

    keys = np.array([str(g) for g in groups], dtype=object)
    if len(keys) <= size:
        return np.arange(len(keys))
    names, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    low, high = 0, min_per_group  # the largest minimum every group can keep within size
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if np.minimum(counts, mid).sum() <= size else (low, mid - 1)
    base = np.minimum(counts, low)
    extra = stratum_quotas(dict(zip(range(len(names)), (counts - base).tolist())), size - int(base.sum()))
    quota = base + np.array([extra[i] for i in range(len(names))])
    rng = np.random.default_rng(seed)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    picked = [rng.choice(order[start : start + n], q, replace=False) for start, n, q in zip(starts, counts, quota) if q]
    return np.sort(np.concatenate(picked))
