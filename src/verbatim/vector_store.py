"""Where a run's embedding matrix lives: in memory, or memory-mapped from a scratch file.

One float32 row of 384 values per distinct text is 1.5 KiB; a million distinct segments
(a few hundred thousand real reviews) are 1.5 GiB, the largest object of a run. Above
``EmbedSettings.memmap_rows`` rows the matrix is an ``np.memmap`` over an anonymous
scratch file instead: the rows are written once as they are encoded, read in blocks by
the theme model, and the kernel can page them out under memory pressure instead of the
run failing. The file is unlinked as soon as it is created, so nothing is left behind,
even after a crash; its space is freed when the last reference to the array goes.

The scratch folder should be on a disk: a memory-mapped file on a tmpfs (``/tmp`` on some
systems) is RAM again. :class:`RowSink` fills either kind from rows that arrive in any
order, allocating on the first rows (when the width is known).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

__all__ = ["allocate_rows", "RowSink"]


def allocate_rows(n_rows: int, dim: int, *, memmap_rows: int, folder: str | Path) -> np.ndarray:
    """An uninitialised float32 ``(n_rows, dim)`` array: in memory below ``memmap_rows`` rows
    (0 = always in memory), else memory-mapped from an unlinked file in ``folder``."""
    if not memmap_rows or n_rows < memmap_rows:
        return np.empty((n_rows, dim), dtype=np.float32)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(prefix="verbatim-vectors-", dir=folder) as handle:
        # The mapping keeps its own reference to the file; closing the handle here is safe.
        return np.memmap(handle, dtype=np.float32, mode="w+", shape=(n_rows, dim))


class RowSink:
    """Collects ``n_rows`` vectors given by row position, in any order and in batches."""

    def __init__(self, n_rows: int, *, memmap_rows: int, folder: str | Path) -> None:
        self.n_rows = n_rows
        self._memmap_rows = memmap_rows
        self._folder = folder
        self._rows: np.ndarray | None = None
        self._filled = np.zeros(n_rows, dtype=bool)

    def put(self, positions, vectors: np.ndarray) -> None:
        """Write ``vectors[k]`` to row ``positions[k]``."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if not len(vectors):
            return
        if self._rows is None:
            self._rows = allocate_rows(self.n_rows, vectors.shape[1], memmap_rows=self._memmap_rows,
                                       folder=self._folder)
        elif vectors.shape[1] != self._rows.shape[1]:
            raise ValueError(f"vectors of {vectors.shape[1]} dimensions for rows of {self._rows.shape[1]}")
        positions = np.asarray(positions, dtype=np.int64)
        self._rows[positions] = vectors
        self._filled[positions] = True

    @property
    def missing(self) -> np.ndarray:
        """Positions no vector was given for yet."""
        return np.flatnonzero(~self._filled)

    def result(self) -> np.ndarray:
        """The filled matrix; every row must have been given."""
        if self.missing.size:
            raise ValueError(f"{self.missing.size} of {self.n_rows} rows have no vector")
        if self._rows is None:
            return np.zeros((0, 0), dtype=np.float32)
        return self._rows
