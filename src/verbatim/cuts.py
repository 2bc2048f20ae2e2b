"""Comments an export cut off at a fixed width.

Survey and review platforms often export a comment field of fixed width: every longer
comment is cut at the same length, mid-sentence and often mid-word ("... my dress arrived
with a pull. sad fa"). Read as written, such an ending gives theme labels made of cut words
("still l") and quotes that stop without a sign. Of the 22,641 public clothing reviews in
``../shared/data/womens_clothing_reviews``, 3,061 are exactly 500 characters long (lengths
470-493 hold 17-38 each) and 95 % of those end on a letter, against 3-5 % of the others.

:func:`cut_length` finds such a width in a column's lengths; :func:`mark_cut` ends each
comment cut there with "…" in place of its last, possibly partial, word. The width is
decided on the whole column (the Spark engine aggregates the same table over the cluster),
each comment is then marked on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["CUT_WINDOW", "OPEN_END", "LengthTable", "cut_length", "length_table", "mark_cut", "cut_note"]

#: How far from the width a cut comment may be: exports count bytes or escaped characters
#: ("&amp;"), and trim the space they cut at (the clothing reviews pile up at 495-502).
CUT_WINDOW = 10
#: Shorter fields are no export width: a pile of short comments is "ok", "n/a" repeated.
MIN_CUT_LENGTH = 100
#: The pile: distinct comments of one length, at least this many and this share of all...
MIN_CUT_COMMENTS = 20
MIN_CUT_SHARE = 0.005
#: ...this many times the typical count of the lengths just below it...
MIN_PILE = 10.0
#: ...and most of them ending mid-sentence (on a letter or digit, or a comma).
MIN_OPEN_SHARE = 0.5

#: A comment that stops mid-sentence: on a letter or a digit, or on a comma, a semicolon, a
#: colon or a dash (a regex Python and Java read alike, Java with "(?U)").
OPEN_END = r"(?:\w|[,;:\-])$"

#: Per length of the distinct, stripped comments of a column: (comments, of which ending
#: mid-sentence).
LengthTable = Mapping[int, tuple[int, int]]


def length_table(texts: Iterable[str]) -> dict[int, tuple[int, int]]:
    """:data:`LengthTable` of ``texts`` (each distinct stripped text counted once: a template
    answer repeated 300 times is no pile)."""
    distinct = [t for t in dict.fromkeys(str(t).strip() for t in texts) if t]
    if not distinct:
        return {}
    lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
    opened = np.fromiter((_open_end(t) for t in distinct), dtype=bool, count=len(distinct))
    sizes = np.bincount(lengths)
    opens = np.bincount(lengths, weights=opened)
    return {int(n): (int(sizes[n]), int(opens[n])) for n in np.flatnonzero(sizes)}


_OPEN_LAST = re.compile(OPEN_END)


def _open_end(text: str) -> bool:
    """:data:`OPEN_END` of a stripped, non-empty text, read on its last character only."""
    return _OPEN_LAST.match(text[-1]) is not None


def cut_length(table: LengthTable) -> int | None:
    """The width at which the export cut a column's comments, from its :data:`LengthTable`,
    or None: a length of at least :data:`MIN_CUT_LENGTH` characters shared by far more
    distinct comments than the lengths just below it, most of them ending mid-sentence."""
    total = sum(size for size, _ in table.values())
    long = {n: counts for n, counts in table.items() if n >= MIN_CUT_LENGTH}
    if not long:
        return None
    width, (size, opened) = max(long.items(), key=lambda item: (item[1][0], -item[0]))
    if size < max(MIN_CUT_COMMENTS, MIN_CUT_SHARE * total) or opened < MIN_OPEN_SHARE * size:
        return None
    below = [table.get(n, (0, 0))[0] for n in range(width - 6 * CUT_WINDOW, width - CUT_WINDOW)]
    return width if size >= MIN_PILE * max(float(np.median(below)), 1.0) else None


def mark_cut(texts: pd.Series, width: int) -> tuple[pd.Series, int]:
    """``texts`` (stripped strings) with each one cut at ``width`` ending in "…": its last
    word, which the cut may have split ("sad fa"), left out, or a comma or dash it stopped
    on. A text is taken as cut when it is within :data:`CUT_WINDOW` characters of the width
    and stops mid-sentence. Returns the texts and how many were cut."""
    values = texts.to_numpy(dtype=object)
    lengths = texts.str.len().to_numpy()
    near = np.flatnonzero((lengths >= width - CUT_WINDOW) & (lengths <= width + CUT_WINDOW))
    cut = [i for i in near if values[i] and _open_end(values[i])]
    if not cut:
        return texts, 0
    marked = texts.copy()
    # Positions and an object array: an Arrow-backed string column takes them ~10x faster than lists.
    marked.iloc[np.asarray(cut)] = np.array([_cut_end(values[i]) for i in cut], dtype=object)
    return marked, len(cut)


def _cut_end(text: str) -> str:
    """A cut text ending in "…": without its last word when it stops on a letter or digit (the
    cut may have split it; a text of one word stays whole), then without the commas, dashes
    and spaces it stops on."""
    if _WORD_END.match(text[-1]):
        parts = text.rsplit(None, 1)
        text = parts[0] if len(parts) == 2 else text
    return text.rstrip(" \t\n\r,;:-") + "…"


_WORD_END = re.compile(r"\w")


def cut_note(n: int, column: str, width: int) -> str:
    """The ingest note on ``n`` comments of ``column`` cut at ``width``; it starts with the
    count, so the Spark engine adds up its partitions' notes. The text preparation's Unicode
    normalisation (NFKC) writes "…" as "...", which is what the outputs show (the note said
    '…', which no output held)."""
    return (f"{n} comment(s) in '{column}' stop mid-sentence at about {width:,} characters, as when an export cuts "
            "comments at a fixed width: each now ends with an ellipsis ('...' in the outputs) instead of its last word, "
            "which the cut may have split")
