"""verbatim.parallel: chunked work on forked processes, results in input order."""

from __future__ import annotations

import os

import pytest

from verbatim.parallel import idle_work, map_chunks, worker_count


def _pid_and_double(chunk):
    return [(os.getpid(), 2 * x) for x in chunk]


def test_map_chunks_keeps_input_order_across_workers():
    out = map_chunks(_pid_and_double, range(100), processes=2, chunk_size=7)
    assert [value for _, value in out] == [2 * x for x in range(100)]
    assert os.getpid() not in {pid for pid, _ in out}  # the work really left this process


def test_map_chunks_runs_in_process_for_one_worker_or_no_items():
    out = map_chunks(_pid_and_double, [1, 2, 3], processes=1)
    assert out == [(os.getpid(), 2), (os.getpid(), 4), (os.getpid(), 6)]
    assert map_chunks(_pid_and_double, [], processes=2) == []


def test_map_chunks_inherits_unpicklable_state():
    # A closure over a lock cannot be pickled; forked workers inherit it instead.
    import threading

    lock = threading.Lock()
    assert map_chunks(lambda chunk: [x + (lock is not None) for x in chunk], [1, 2, 3, 4], processes=2) == [2, 3, 4, 5]


def test_map_chunks_rejects_a_chunk_function_that_loses_items():
    with pytest.raises(RuntimeError, match="1 results for 2 items"):
        map_chunks(lambda chunk: chunk[:1], [1, 2, 3, 4], processes=2, chunk_size=2)


def test_worker_count_rules(monkeypatch):
    import verbatim.parallel

    monkeypatch.setattr(verbatim.parallel, "usable_cores", lambda: 8)
    assert worker_count(10) == 1
    assert worker_count(10_000) == 4  # capped
    assert worker_count(10, 3) == 3


def _slow_double(chunk):
    import time

    time.sleep(0.05)
    return [2 * x for x in chunk]


def test_idle_work_runs_once_in_this_process_while_a_lending_map_waits():
    ran: list[int] = []
    with idle_work(lambda: ran.append(os.getpid())):
        assert map_chunks(_slow_double, range(20), processes=2, chunk_size=5) == [2 * x for x in range(20)]
        assert ran == []  # a map that does not lend its wait leaves the task alone
        assert map_chunks(_slow_double, range(20), processes=2, chunk_size=5, lend_idle=True) == [2 * x for x in range(20)]
        assert ran == [os.getpid()]
        map_chunks(_slow_double, range(20), processes=2, chunk_size=5, lend_idle=True)
    assert ran == [os.getpid()]  # once only


def test_idle_work_nested_runs_inner_first_one_per_map():
    """Each lending map runs one task, the latest registered: the pipeline's cleaning map
    loads spaCy (inner), and the sentence map then imports BERTopic (outer)."""
    ran: list[str] = []
    with idle_work(lambda: ran.append("outer")):
        with idle_work(lambda: ran.append("inner")):
            map_chunks(_slow_double, range(20), processes=2, chunk_size=5, lend_idle=True)
            assert ran == ["inner"]
        map_chunks(_slow_double, range(20), processes=2, chunk_size=5, lend_idle=True)
    assert ran == ["inner", "outer"]


def test_idle_work_is_dropped_unrun_and_its_errors_do_not_break_the_map():
    ran: list[int] = []
    with idle_work(lambda: ran.append(1)):
        map_chunks(_slow_double, [1, 2, 3], processes=1, lend_idle=True)  # nothing forked: no wait to lend
    map_chunks(_slow_double, range(20), processes=2, chunk_size=5, lend_idle=True)
    assert ran == []  # the block ended before any lending map: dropped

    def fail():
        raise ImportError("not installed")

    with idle_work(fail):
        assert map_chunks(_slow_double, range(8), processes=2, chunk_size=2, lend_idle=True) == [2 * x for x in range(8)]


def test_idle_work_may_map_too():
    # An idle task that maps (on workers forked from this waiting process) leaves the outer map whole.
    inner: list[list[int]] = []
    with idle_work(lambda: inner.append(map_chunks(_slow_double, range(6), processes=2, chunk_size=2))):
        outer = map_chunks(_slow_double, range(12), processes=2, chunk_size=3, lend_idle=True)
    assert outer == [2 * x for x in range(12)] and inner == [[2 * x for x in range(6)]]
