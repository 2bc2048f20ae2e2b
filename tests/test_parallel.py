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


class _Finalised:
    """Records in ``log`` the process that frees it."""

    def __init__(self, log):
        self.log, self.me = log, self  # a cycle: only the garbage collector frees it

    def __del__(self):
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()}\n")


def _collect(chunk):
    import gc

    gc.collect()
    return [os.getpid() for _ in chunk]


def test_map_chunks_workers_never_free_what_the_parent_left_for_its_collector(tmp_path):
    """Garbage of this process at the fork is freed here, never by a worker's collector (an
    onnxruntime session's destructor hangs in a fork: see the next test)."""
    import gc

    log = tmp_path / "freed_by"
    gc.disable()
    try:
        _Finalised(str(log))
        workers = set(map_chunks(_collect, range(8), processes=2, chunk_size=1))
        assert not log.exists()  # no worker freed it
        gc.collect()
    finally:
        gc.enable()
    assert log.read_text().split() == [str(os.getpid())] and str(os.getpid()) not in {str(w) for w in workers}


HANG = """
import gc, os, sys, time
from verbatim.embed import Embedder, EmbedSettings
from verbatim.parallel import map_chunks

class Holder:
    pass

def make_garbage():  # an onnxruntime session with its thread pool, held in a cycle
    e = Embedder(EmbedSettings(backend="onnx-fp32", cache=False, show_progress=False, threads=2, processes=1))
    e.embed(["the zip broke"])
    h = Holder(); h.me = h; h.embedder = e

def collect(chunk):
    gc.collect()
    return [len(x) for x in chunk]

gc.disable()
make_garbage()
time.sleep(3)  # the session's threads now wait on their condition variable
print(map_chunks(collect, ["a", "bb", "ccc", "dddd"], 2))
"""


@pytest.mark.slow
def test_map_chunks_forks_safely_beside_an_onnxruntime_session_left_as_garbage(tmp_path):
    """A worker that collected an onnxruntime session the parent had left as garbage waited
    forever in its destructor (a SemEval benchmark run hung so); the fork now leaves it alone."""
    import subprocess
    import sys

    pytest.importorskip("onnxruntime")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VERBATIM_MODELS_DIR": str(tmp_path)}  # exported here
    done = subprocess.run([sys.executable, "-c", HANG], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[1, 2, 3, 4]"


def test_forked_runs_beside_this_process_and_returns_or_raises():
    from verbatim.parallel import forked

    state = {"unpicklable": lambda: None, "value": 21}  # inherited, never pickled
    with forked(lambda: (os.getpid(), state["value"] * 2)) as result:
        pid, answer = result()
    assert pid != os.getpid() and answer == 42

    def fail():
        raise ValueError("bad cell in the worker")

    with forked(fail) as result, pytest.raises(ValueError, match="bad cell in the worker"):
        result()


def test_forked_reports_a_worker_that_died_instead_of_waiting_forever():
    """A worker killed (the OOM killer at scale) sends nothing: a Pool would wait for its task
    for good."""
    import signal

    from verbatim.parallel import forked

    def hung(*args):
        raise TimeoutError("waited for a dead worker")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        with forked(lambda: os.kill(os.getpid(), signal.SIGKILL)) as result, \
                pytest.raises(RuntimeError, match="exit code -9"):
            result()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _die_on_the_second_chunk(chunk: list) -> list:
    if 3 in chunk:
        os.kill(os.getpid(), 9)
    return chunk


def test_map_chunks_reports_a_worker_that_died_instead_of_waiting_forever():
    import signal

    def hung(*args):
        raise TimeoutError("waited for a dead worker's chunk")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        with pytest.raises(RuntimeError, match="exit code -9"):
            map_chunks(_die_on_the_second_chunk, list(range(8)), 2, chunk_size=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _interrupt_handlers(items):
    import signal

    return [signal.getsignal(signal.SIGINT) == signal.SIG_IGN for _ in items]


def test_workers_leave_ctrl_c_to_the_parent():
    """Ctrl-C reached every worker of the process group: one died holding the pool's queue
    lock and the parent's Pool.terminate waited for it for ever (a run hung during the label
    parse). Workers ignore it; the parent, which still takes it, ends them."""
    import signal

    from verbatim.parallel import forked

    assert map_chunks(_interrupt_handlers, list(range(8)), processes=2) == [True] * 8
    with forked(lambda: signal.getsignal(signal.SIGINT) == signal.SIG_IGN) as result:
        assert result() is True
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
