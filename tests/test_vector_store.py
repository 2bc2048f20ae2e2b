"""Tests of verbatim.vector_store: where a run's embedding matrix lives."""

from __future__ import annotations

import numpy as np
import pytest

from verbatim.vector_store import RowSink, allocate_rows


def test_vector_store_small_matrices_stay_in_memory(tmp_path):
    rows = allocate_rows(10, 4, memmap_rows=11, folder=tmp_path)
    assert type(rows) is np.ndarray and rows.shape == (10, 4) and rows.dtype == np.float32
    assert type(allocate_rows(10, 4, memmap_rows=0, folder=tmp_path)) is np.ndarray  # 0 = never mapped
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


def test_vector_store_large_matrices_are_mapped_from_an_unlinked_file(tmp_path):
    folder = tmp_path / "scratch"
    rows = allocate_rows(1000, 8, memmap_rows=1000, folder=folder)
    assert isinstance(rows, np.memmap) and rows.shape == (1000, 8) and rows.dtype == np.float32
    expected = np.arange(8000, dtype=np.float32).reshape(1000, 8)
    rows[:] = expected
    assert not list(folder.iterdir())  # nothing to clean up, even after a crash
    np.testing.assert_array_equal(rows[::7], expected[::7])


def test_vector_store_sink_fills_rows_in_any_order(tmp_path):
    sink = RowSink(5, memmap_rows=3, folder=tmp_path)
    assert sink.missing.tolist() == [0, 1, 2, 3, 4]
    sink.put([4, 0], np.array([[4, 4], [0, 0]], dtype=np.float64))
    sink.put([], np.zeros((0, 2)))
    assert sink.missing.tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="3 of 5 rows"):
        sink.result()
    with pytest.raises(ValueError, match="dimensions"):
        sink.put([1], np.zeros((1, 3)))
    sink.put([2, 1, 3], np.array([[2, 2], [1, 1], [3, 3]]))
    out = sink.result()
    assert isinstance(out, np.memmap) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.repeat(np.arange(5, dtype=np.float32)[:, None], 2, axis=1))


def test_vector_store_empty_sink_is_an_empty_matrix(tmp_path):
    assert RowSink(0, memmap_rows=1, folder=tmp_path).result().shape == (0, 0)
