"""Score scales: how a raw score becomes promoter, passive or detractor.

Three scales are built in: ``nps`` (0-10, promoters 9-10, passives 7-8, detractors 0-6),
``5`` (1-5 stars: 5 promoter, 4 passive, 1-3 detractor, the usual mapping for review
ratings) and ``custom``, whose bounds and thresholds come from the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROMOTER = "promoter"
PASSIVE = "passive"
DETRACTOR = "detractor"
GROUPS = (PROMOTER, PASSIVE, DETRACTOR)


@dataclass(frozen=True)
class ScoreScale:
    """A closed score range and the two thresholds that split it into NPS groups.

    A score ``s`` is a promoter when ``s >= promoter_min``, a detractor when
    ``s <= detractor_max`` and a passive in between.
    """

    name: str
    minimum: float
    maximum: float
    promoter_min: float
    detractor_max: float
    whole_numbers: bool = True

    def __post_init__(self) -> None:
        if not self.minimum <= self.detractor_max < self.promoter_min <= self.maximum:
            raise ValueError(
                f"scale {self.name!r}: need minimum <= detractor_max < promoter_min <= maximum, "
                f"got {self.minimum}, {self.detractor_max}, {self.promoter_min}, {self.maximum}"
            )

    def describe(self) -> str:
        """Human-readable range, e.g. ``0-10``."""
        return f"{_fmt(self.minimum)}-{_fmt(self.maximum)}"

    def classify(self, scores: np.ndarray) -> np.ndarray:
        """Map valid scores to an object array of group names (None for NaN)."""
        scores = np.asarray(scores, dtype=float)
        out = np.full(scores.shape, None, dtype=object)
        out[scores >= self.promoter_min] = PROMOTER
        out[(scores > self.detractor_max) & (scores < self.promoter_min)] = PASSIVE
        out[scores <= self.detractor_max] = DETRACTOR
        return out


NPS_SCALE = ScoreScale("nps", 0, 10, promoter_min=9, detractor_max=6)
FIVE_STAR_SCALE = ScoreScale("5", 1, 5, promoter_min=5, detractor_max=3)
BUILTIN_SCALES = {"nps": NPS_SCALE, "5": FIVE_STAR_SCALE}


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
