"""Run pure-Python per-text work on forked worker processes, one per core.

spaCy's sentence and name passes, and VADER, are single-threaded Python and C code that
holds the GIL, so on a 2-core laptop half the machine sits idle while they run. Forked
workers inherit what the parent already loaded (the spaCy pipeline, the VADER lexicon), so
only the texts go out and small results come back. spaCy's own ``nlp.pipe(n_process=...)``
ships whole ``Doc`` objects back instead, which cost more than the sentence pass itself
(10,000 reviews: 2.6 s in one process, 6.7 s in two).

Fork is what spaCy's ``n_process`` uses on Linux too. Where fork is unavailable (Windows,
macOS defaults aside) the work runs in this process, with the same results.

While the workers compute, this process has nothing to do but wait. :func:`idle_work`
lends that time to a task a later stage needs anyway: the pipeline imports BERTopic
(:mod:`verbatim.bertopic_import`) while spaCy's workers segment new comments.

:func:`forked` is the other way round: one function runs in a forked worker while this
process goes on (the tables of a large run are written while the report is built,
:func:`verbatim.report.write.build_and_write`).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence, TypeVar

__all__ = ["usable_cores", "worker_count", "map_chunks", "idle_work", "forked", "can_fork"]

T = TypeVar("T")
R = TypeVar("R")

# The chunk function of the running map, inherited by the forked workers (never pickled).
_CHUNK_FN: Callable | None = None
# Tasks waiting for this process to be idle (see idle_work), first registered first.
_IDLE_TASKS: list[Callable[[], object]] = []


@contextmanager
def idle_work(task: Callable[[], object]) -> Iterator[None]:
    """Within the block, run ``task`` once in this process while a
    ``map_chunks(..., lend_idle=True)`` waits for its workers (they are forked before it
    starts, so they never see what it does). Each such map runs one task, the one
    registered last: a nested block lends the inner, shorter map's wait to its own task and
    leaves the outer task for a later map (the pipeline loads spaCy while the texts are
    cleaned, and imports BERTopic while spaCy segments them). Unrun when the block ends (no
    such map, or too few items to fork), it is dropped: only long maps should lend their
    time, since the task runs to its end before the map returns.

    ``task`` must be safe to run early and to skip, such as importing a module a later stage
    imports again; what it raises is ignored here, and meets its caller there.
    """
    _IDLE_TASKS.append(task)
    try:
        yield
    finally:
        if task in _IDLE_TASKS:
            _IDLE_TASKS.remove(task)


def _run_idle_task() -> None:
    if _IDLE_TASKS:
        task = _IDLE_TASKS.pop()
        try:
            task()
        except Exception:  # noqa: BLE001 - an optional head start; the later stage reports it
            pass


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_count(n_items: int, requested: int = 0, *, min_items: int = 500, limit: int = 4) -> int:
    """Processes for ``n_items`` items: ``requested`` when set, else one per usable core (at
    most ``limit``) once there are ``min_items`` items, else 1 (starting workers costs more)."""
    if requested:
        return requested
    if n_items < min_items:
        return 1
    return max(1, min(limit, usable_cores()))


def _run_chunk(chunk: list) -> list:
    return _CHUNK_FN(chunk)


def can_fork() -> bool:
    """Whether this platform forks processes (Linux; not Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def _fork_safe() -> Iterator[None]:
    """The garbage collector frozen while workers are forked in the block.

    What lives at the fork is out of the workers' garbage collector's reach: a worker must
    never free what this process left for its own collector. An onnxruntime session that
    was garbage here (an onnx-fp32 embedder held in a reference cycle) hung a worker for
    good, its destructor waiting on a lock of threads that do not exist in a fork. Frozen
    objects' pages also stay shared instead of being copied when the collector touches them.
    After the block this process collects again. (A caller that froze objects on purpose
    keeps them frozen.)"""
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()


def _ignore_interrupt() -> None:
    """A worker's start: Ctrl-C is the parent's to handle. A worker that took it died holding
    the pool's queue lock, and the parent's Pool.terminate waited for that lock for ever
    (Ctrl-C during the label parse hung the run); the parent ends its workers itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _forked_pool(processes: int):
    """A fork ``Pool`` of ``processes`` workers (forked when it is made), see :func:`_fork_safe`."""
    with _fork_safe():
        return multiprocessing.get_context("fork").Pool(processes, initializer=_ignore_interrupt)


@contextmanager
def forked(fn: Callable[[], R]) -> Iterator[Callable[[], R]]:
    """``fn()`` run in one forked worker while the block runs in this process; the block gets
    a function that waits for ``fn``'s result and returns it, or raises what ``fn`` raised, or
    a RuntimeError when the worker died without an answer (killed, out of memory). The worker
    inherits everything this process holds at the fork and sends its result back pickled.
    Leaving the block ends the worker, finished or not; wait for the result inside it. The
    worker is a daemon, so ``fn`` cannot start processes of its own. Needs :func:`can_fork`."""
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    with _fork_safe():
        worker = context.Process(target=_send_result, args=(fn, send), daemon=True)
        worker.start()
    send.close()  # the worker holds the only writing end: its death reads as the end of the pipe

    def result() -> R:
        wait([receive, worker.sentinel])
        try:
            ok, value = receive.recv()
        except EOFError:
            worker.join()
            raise RuntimeError(f"a forked worker ended (exit code {worker.exitcode}) without its result: "
                               "killed, or out of memory?") from None
        if not ok:
            raise value
        return value

    try:
        yield result
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        receive.close()


def _send_result(fn: Callable[[], object], send) -> None:
    _ignore_interrupt()  # the parent ends the worker when it leaves the block
    try:
        outcome = (True, fn())
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        outcome = (False, exc)
    try:
        send.send(outcome)
    except Exception as exc:  # an unpicklable result or error: say what it was
        send.send((False, RuntimeError(f"a forked worker's {'result' if outcome[0] else 'error'} "
                                       f"could not be sent back: {exc}; it was {outcome[1]!r}"[:2000])))


def _wait(pending, workers: list) -> list:
    """``pending.get()``, or a RuntimeError once one of the pool's ``workers`` has died: a
    ``Pool`` replaces a killed worker (the out-of-memory killer, at scale) but never its lost
    chunk, and would wait for it for good."""
    while True:
        try:
            return pending.get(timeout=1.0)  # returns as soon as the results are in
        except multiprocessing.TimeoutError:
            dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"a worker process ended (exit code {dead[0]}) before its work was done: "
                                   "killed, or out of memory?") from None


def map_chunks(fn: Callable[[list[T]], list[R]], items: Sequence[T], processes: int,
               chunk_size: int = 0, *, lend_idle: bool = False) -> list[R]:
    """``fn`` over consecutive chunks of ``items``, results concatenated in input order.

    ``fn`` takes a list of items and returns one result per item; it runs in ``processes``
    forked workers (in this process when 1, for few items, or without fork). ``chunk_size``
    0 gives each worker about eight chunks, so none waits long for the slowest.
    ``lend_idle``: run the latest :func:`idle_work` task while the workers compute.
    """
    global _CHUNK_FN
    items = list(items)
    if processes <= 1 or len(items) < 2 or not can_fork():
        return list(fn(items)) if items else []
    size = chunk_size or max(1, -(-len(items) // (8 * processes)))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    outer, _CHUNK_FN = _CHUNK_FN, fn  # an idle task may map too: the outer map's is restored
    try:
        with _forked_pool(processes) as pool:
            pending = pool.map_async(_run_chunk, chunks, chunksize=1)
            if lend_idle:
                _run_idle_task()
            parts = _wait(pending, list(getattr(pool, "_pool", [])))  # its worker processes
    finally:
        _CHUNK_FN = outer
    out: list[R] = []
    for chunk, part in zip(chunks, parts):
        if len(part) != len(chunk):
            raise RuntimeError(f"chunk function returned {len(part)} results for {len(chunk)} items")
        out.extend(part)
    return out
