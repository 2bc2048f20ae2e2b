"""Map an engine's themes back to the bundled sample's planted truth.

The engine segments comments its own way (and redacts them), so an engine segment is
matched to the planted segment of the same response that shares most of its words.
A discovered theme is then named after the planted theme most of its segments carry.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
WORD = re.compile(r"[a-z0-9']+")


def planted_truth() -> dict:
    return json.loads((SAMPLES / "planted_truth.json").read_text())


def _words(text: str) -> set[str]:
    return set(WORD.findall(str(text).lower()))


def planted_label_of_segments(segments: pd.DataFrame) -> pd.Series:
    """Planted theme id of each engine segment (None when it matches no planted segment)."""
    truth = pd.read_csv(SAMPLES / "nps_survey_segments_truth.csv")
    by_response = {rid: list(zip(g["segment_text"], g["theme_id"])) for rid, g in truth.groupby("response_id")}
    out = []
    for rid, text in zip(segments["response_id"], segments["text"]):
        words = _words(text)
        best, best_score = None, 0.0
        for t_text, theme in by_response.get(rid, []):
            t_words = _words(t_text)
            if not t_words or not words:
                continue
            score = len(words & t_words) / min(len(words), len(t_words))
            if score > best_score:
                best, best_score = theme, score
        out.append(best if best_score >= 0.5 else None)
    return pd.Series(out, index=segments.index, dtype=object)


def theme_to_planted(segments: pd.DataFrame) -> dict[int, str]:
    """Discovered theme id -> the planted theme most of its (matched) segments carry."""
    planted = planted_label_of_segments(segments)
    mapping = {}
    for tid, rows in planted.groupby(segments["theme_id"]):
        counts = Counter(v for v in rows if v is not None)
        if tid >= 0 and counts:
            mapping[int(tid)] = counts.most_common(1)[0][0]
    return mapping
