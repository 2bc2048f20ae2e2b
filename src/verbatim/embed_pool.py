"""Encode on several single-threaded worker processes instead of one multi-threaded model.

Survey segments are short (about ten tokens), so one batch is a small matrix product and
torch's intra-op threads spend much of their time waiting for each other. One
single-threaded process per core keeps every core busy on its own batches. On 2 cores
(``benchmarks/bench_pipeline.py --sizes 10000``, 51,135 distinct segments) the embed stage
took 166 s where one process with two torch threads (the ``bare_encode`` run) took 183 s.

Workers are plain child processes (``python -m verbatim.embed_pool BACKEND``) that talk
over their stdin/stdout with pickled messages, not ``multiprocessing``: spawning through
``multiprocessing`` re-imports the caller's ``__main__``, which breaks scripts and
notebooks without an ``if __name__ == "__main__"`` guard. Each worker loads the backend
once, then answers ``(texts, batch_size)`` requests with a float32 array (or an error
message). The pool itself never imports torch in the parent (spaCy does: thinc loads it when
installed).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator, Sequence

import numpy as np

__all__ = ["EncodePool", "WorkerError"]

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class WorkerError(RuntimeError):
    """A worker process failed to load the model or to encode."""


class _Worker:
    def __init__(self, backend: str, settings) -> None:
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
        env.update({name: "1" for name in _THREAD_VARS})
        # The parent's import path, so a worker finds the same verbatim (a notebook may have
        # put a source checkout on sys.path at run time).
        env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "verbatim.embed_pool", backend],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
        )
        # The settings go first; the worker loads the model while the parent prepares work.
        self._send(dataclasses.replace(settings, threads=1, show_progress=False))

    def _send(self, message) -> None:
        try:
            pickle.dump(message, self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerError(self._died()) from None

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        self._send((texts, batch_size))
        try:
            status, payload = pickle.load(self._proc.stdout)
        except EOFError:
            raise WorkerError(self._died()) from None
        if status != "ok":
            raise WorkerError(f"embedding worker failed: {payload}")
        return payload

    def _died(self) -> str:
        self._proc.wait()
        self._stderr.seek(0)
        tail = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-1:]
        return f"embedding worker exited with code {self._proc.returncode}: {' '.join(tail) or 'no message'}"

    def close(self) -> None:
        try:
            self._proc.stdin.close()  # end of input: the worker exits
        except OSError:
            pass
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()
        self._stderr.close()


class EncodePool:
    """``processes`` workers running the registered backend ``settings.backend``.

    >>> with EncodePool(EmbedSettings(), 2) as pool:          # doctest: +SKIP
    ...     for vectors in pool.map([texts_a, texts_b], 32): ...

    :meth:`map` encodes chunks of texts on whichever worker is free and yields the arrays
    in the order of the chunks, so the caller can commit each one as it comes.
    """

    def __init__(self, settings, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self._workers: list[_Worker] = []
        try:
            for _ in range(processes):
                self._workers.append(_Worker(settings.backend, settings))
        except BaseException:
            self.close()
            raise
        self._free: queue.Queue[_Worker] = queue.Queue()
        for worker in self._workers:
            self._free.put(worker)
        self._threads = ThreadPoolExecutor(max_workers=processes, thread_name_prefix="verbatim-embed")
        self.processes = processes
        # Workers end with the pool even when nobody calls close() (an exception in a notebook).
        self._finalizer = weakref.finalize(self, _shutdown, self._threads, self._workers)

    def _encode_on_free_worker(self, texts: list[str], batch_size: int) -> np.ndarray:
        worker = self._free.get()
        try:
            return worker.encode(texts, batch_size)
        finally:
            self._free.put(worker)

    def map(self, chunks: Iterable[Sequence[str]], batch_size: int) -> Iterator[np.ndarray]:
        futures = [self._threads.submit(self._encode_on_free_worker, list(chunk), batch_size) for chunk in chunks]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer()  # runs _shutdown once
        else:  # a worker failed to start: no threads yet
            _shutdown(None, self._workers)

    def __enter__(self) -> "EncodePool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _shutdown(threads: ThreadPoolExecutor | None, workers: list[_Worker]) -> None:
    if threads is not None:
        threads.shutdown(wait=True, cancel_futures=True)
    for worker in workers:
        worker.close()
    workers.clear()


def _serve(backend_name: str) -> int:
    """Worker loop: settings first, then ``(texts, batch_size)`` requests until end of input."""
    from .embed import _BACKENDS

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a library prints must not corrupt the message stream
    try:
        settings = pickle.load(stdin)
    except EOFError:
        return 0
    try:  # load at once, while the parent is still preparing the first chunk
        backend, failure = _BACKENDS[backend_name](settings), None
    except Exception as error:  # reported with the first request; the parent raises it
        backend, failure = None, f"{type(error).__name__}: {error}"
    while True:
        try:
            texts, batch_size = pickle.load(stdin)
        except EOFError:
            return 0
        if backend is None:
            reply = ("error", failure)
        else:
            try:
                reply = ("ok", np.asarray(backend.encode(texts, batch_size), dtype=np.float32))
            except Exception as error:
                reply = ("error", f"{type(error).__name__}: {error}")
        pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1]))
