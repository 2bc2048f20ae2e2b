"""Opposite poles of one dimension ("runs small" / "runs large") inside a theme.

Sentence embeddings place "it runs small" right beside "it runs large": the two share their
topic and all their words but one. A theme holding both tells an analyst that sizing is a
problem, but not which way, and the two call for opposite fixes. Unlike praise and complaint
(``themes.sides``, told apart by polarity), both poles are complaints, so polarity cannot
separate them; the words can. :data:`POLES` lists dimensions whose two ends are each a
complaint when overdone (too small / too large, too short / too long, too tight / too loose,
too thin / too thick, too light / too heavy, too cold / too hot, too quiet / too loud), in
plain English, for any domain.

:func:`pole_counts` counts, per dimension, the texts that use only one end's words;
:func:`dominant_poles` says which end a group of texts (a fine cluster) is about, if any.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

__all__ = ["POLES", "pole_counts", "dominant_poles"]

#: (dimension, words of one end, words of the other).
POLES: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = tuple(
    (name, frozenset(low.split()), frozenset(high.split()))
    for name, low, high in (
        ("size", "small smaller smallest tiny", "large larger big bigger huge oversized"),
        ("length", "short shorter", "long longer"),
        ("fit", "tight tighter snug", "loose looser baggy roomy"),
        ("thickness", "thin thinner", "thick thicker"),
        ("weight", "light lighter lightweight", "heavy heavier"),
        ("temperature", "cold colder", "hot hotter"),
        ("loudness", "quiet quieter", "loud louder noisy"),
    )
)
#: A group of texts is about one end of a dimension when at least this share of its texts
#: name the dimension by one end only...
MIN_POLE_SHARE = 0.4
#: ...and that end at least this many times as often as the other.
MIN_POLE_RATIO = 2.0

#: The words after which an end's word is a judgment ("runs small", "too small", "was a bit
#: small", "fits tight"), not a name or a description ("ordered a small", "the large", "small
#: print"): degree words, linking verbs and the verbs of fitting and running.
JUDGING = frozenset(
    "too so very really way bit little tad slightly somewhat extremely super quite rather pretty "
    "incredibly ridiculously insanely overly much even more less far kind sort "
    "is are was were be been being am seems seem seemed looks look looked feels feel felt "
    "runs run ran running fits fit fitting came comes".split()
)
_WORD = re.compile(r"[a-z]+")
# Any word of any end: most texts hold none and are passed over at regex speed.
_ANY_END = re.compile(r"\b(?:" + "|".join(sorted({w for _, low, high in POLES for w in low | high})) + r")\b")


def pole_counts(texts: Sequence[str]) -> np.ndarray:
    """int array (len(texts), len(POLES)): -1 where a text judges a dimension by its first
    end only (a word of that end after a word of :data:`JUDGING`), +1 by its second end only,
    0 for neither or both ("the small was too big" is +1 on size: "the small" names a size)."""
    out = np.zeros((len(texts), len(POLES)), dtype=np.int8)
    for i, text in enumerate(texts):
        ends = _ends(str(text))
        if ends is not None:
            out[i] = ends
    return out


@functools.lru_cache(maxsize=1 << 18)  # a fit reads the same segments several times (split, prototypes, assignment)
def _ends(text: str) -> tuple[int, ...] | None:
    """One text's row of :func:`pole_counts`, None when it judges no dimension."""
    text = text.lower()
    if not _ANY_END.search(text):
        return None
    words = _WORD.findall(text)
    judged = {word for before, word in zip(words, words[1:]) if before in JUDGING}
    if not judged:
        return None
    row = tuple(int(not high.isdisjoint(judged)) - int(not low.isdisjoint(judged)) for _, low, high in POLES)
    return row if any(row) else None


def dominant_poles(counts: np.ndarray) -> np.ndarray:
    """For the rows of :func:`pole_counts` of one group of texts: per dimension, -1 or +1 when
    the group is about that end (:data:`MIN_POLE_SHARE`, :data:`MIN_POLE_RATIO`), else 0."""
    n = len(counts)
    if n == 0:
        return np.zeros(len(POLES), dtype=np.int8)
    low, high = (counts < 0).sum(axis=0), (counts > 0).sum(axis=0)
    named = (low + high) >= MIN_POLE_SHARE * n
    return np.where(named & (low >= MIN_POLE_RATIO * high), -1,
                    np.where(named & (high >= MIN_POLE_RATIO * low), 1, 0)).astype(np.int8)
