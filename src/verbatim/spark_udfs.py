"""Functions that run inside Spark's Python workers (``mapInPandas``), one per stage.

Each takes an iterator of pandas DataFrames (the Arrow batches of one partition) and
yields pandas DataFrames; Spark ships them to the executors by pickling, so they are
plain module-level functions closed over frozen settings only. Nothing here imports
pyspark: the module is importable (and testable) without Spark.

Models are loaded at most once per Python worker process and reused by every task the
worker runs (Spark reuses workers by default, ``spark.python.worker.reuse=true``):
spaCy through :func:`verbatim.nlp.load_pipeline` (an ``lru_cache``), the embedder
through the module-level ``_EMBEDDERS`` cache below. A model is never pickled.

The stage logic is the local engine's own (``ingest.validate_rows``,
``prepare.segment_responses``, ``sentiment.score_sentiment``, ``embed.Embedder``,
``ThemeModel.assign``), so a segment gets the same text, sentiment, vector and theme on
an executor as in ``verbatim analyze``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from .ingest import DateOrder

__all__ = [
    "INGEST_SCHEMA",
    "PREPARE_SCHEMA",
    "EMBED_SCHEMA",
    "ASSIGN_SCHEMA",
    "validate_partition",
    "prepare_partition",
    "embed_partition",
    "assign_partition",
]

# Spark DDL schemas of what each function yields.
INGEST_SCHEMA = (
    "row long, response_id string, text string, score double, nps_group string, department string, "
    "submitted_at timestamp_ntz, weight double, rejected_column string, rejected_value string, reason string"
)
PREPARE_SCHEMA = (
    "row long, response_id string, department string, clean_text string, redacted_text string, non_answer boolean, "
    "language string, pii_counts string, n_segments long, segments_dropped long, "
    "seg_text array<string>, seg_sentiment array<string>, seg_compound array<double>"
)
EMBED_SCHEMA = "text string, vector array<float>"
NOVELTY_SCHEMA = "row long, segment_index long, text string, sentiment string, vector array<float>"
ASSIGN_SCHEMA = (
    "row long, response_id string, segment_index long, text string, sentiment string, compound double, theme_id long"
)

# Embedders of this worker process by settings: loading MiniLM costs ~2 s, a task ~ms.
_EMBEDDERS: dict = {}


def _plain(frame: "pd.DataFrame") -> "pd.DataFrame":
    """String columns as object: pandas 3's Arrow-backed ``str`` columns make pyspark's
    Arrow writer fail ("Cannot convert ChunkedArray to Array")."""
    import pandas as pd

    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype) and frame[c].dtype != object]
    return frame.astype({c: object for c in text}) if text else frame


def _offline() -> None:
    # Executors may not inherit the driver's environment (a cluster): never reach a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def validate_partition(batches: Iterator["pd.DataFrame"], columns, settings, scale,
                       date_order: "DateOrder | None" = None, cut_widths=None, spellings=None,
                       names=None) -> Iterator["pd.DataFrame"]:
    """Type and validate raw string rows with :func:`verbatim.ingest.validate_rows`.

    Input batches hold the raw columns (all strings) plus ``__row`` (the user-visible row
    number). A partition must hold every row sharing an id and be sorted by ``__row``
    (the engine repartitions by the id column), so the duplicate-id rule, which keeps
    the first row of an id, decides exactly as on the whole file. Yields one row per
    input row: accepted rows have ``reason`` null, rejected rows carry the reason; each
    note of ``validate_rows`` comes as a row with ``row = -1`` and the note as
    ``rejected_value``. ``date_order``, ``cut_widths`` and ``spellings`` (of departments) are
    decided on the whole file by the driver, so that every partition reads them alike.
    ``names``: the columns' names when the batches carry positional ones (see ingest_spark).
    """
    import pandas as pd

    from .ingest import validate_rows
    from .readers import RawTable

    frames = [b if names is None else b.set_axis(list(names), axis=1) for b in batches if len(b)]
    if not frames:
        return
    part = pd.concat(frames, ignore_index=True).sort_values("__row", kind="stable").reset_index(drop=True)
    rows = part.pop("__row").astype("int64").tolist()
    raw = RawTable(part.astype(object).fillna(""), rows, "csv")
    responses, rejected, notes = validate_rows(raw, columns, settings, scale, date_order, cut_widths or {},
                                               spellings or {})
    ok = responses.assign(rejected_column=None, rejected_value=None, reason=None)
    bad = pd.DataFrame({
        "row": rejected["row"], "response_id": rejected["response_id"], "text": None, "score": float("nan"),
        "nps_group": None, "department": rejected["department"].where(rejected["department"].ne(""), None),
        "submitted_at": pd.NaT, "weight": float("nan"),
        "rejected_column": rejected["column"], "rejected_value": rejected["value"], "reason": rejected["reason"],
    })
    # Notes ("3 comment(s) ... truncated") travel as rows with row = -1; the driver adds them up.
    note_rows = pd.DataFrame({"row": [-1] * len(notes), "rejected_value": notes})
    out = pd.concat([f for f in (ok, bad, note_rows) if len(f)], ignore_index=True)
    out["submitted_at"] = pd.to_datetime(out["submitted_at"]).astype("datetime64[us]")
    yield _plain(out)


def prepare_partition(batches: Iterator["pd.DataFrame"], prepare, pii, sentiment) -> Iterator["pd.DataFrame"]:
    """Clean, redact, segment and score the sentiment of a partition of responses.

    Input: ``row``, ``response_id``, ``text``, ``department`` (passed through: the fit
    sample is stratified by it). Output: one row per response with the
    flags of :func:`verbatim.prepare.segment_responses` (``pii_counts`` as JSON) and its
    segments as parallel arrays (``seg_text``, ``seg_sentiment``, ``seg_compound``), in
    segment order. A response's segments depend only on its own text, so partitioning
    does not change them. ``prepare``, ``pii`` (None = no redaction) and ``sentiment``
    are the run's settings sections (the :class:`~verbatim.config.Config` itself does not
    pickle).
    """
    import pandas as pd

    from .prepare import segment_responses
    from .sentiment import score_sentiment

    _offline()
    for batch in batches:
        if not len(batch):
            continue
        # One process per Python worker: Spark already runs one worker per core.
        segments, flags = segment_responses(batch[["response_id", "text"]], dataclasses.replace(prepare, n_process=1), pii)
        scored = score_sentiment(segments["text"].tolist(), dataclasses.replace(sentiment, n_process=1))
        segments = segments.assign(sentiment=scored["label"].to_numpy(), compound=scored["compound"].to_numpy())
        grouped = segments.groupby("response_id", sort=False)
        texts = grouped["text"].agg(list)
        labels = grouped["sentiment"].agg(list)
        compounds = grouped["compound"].agg(list)
        rid = flags["response_id"]
        yield _plain(pd.DataFrame({
            "row": batch["row"].astype("int64").to_numpy(),
            "response_id": rid.to_numpy(),
            "department": batch["department"].to_numpy(object),
            "clean_text": flags["clean_text"].to_numpy(),
            "redacted_text": flags["redacted_text"].to_numpy(),
            "non_answer": flags["non_answer"].to_numpy(bool),
            "language": flags["language"].to_numpy(),
            "pii_counts": [json.dumps({k: int(v) for k, v in c.items()}) for c in flags["pii_counts"]],
            "n_segments": flags["n_segments"].astype("int64").to_numpy(),
            "segments_dropped": flags["segments_dropped"].astype("int64").to_numpy(),
            "seg_text": [texts.get(r, []) for r in rid],
            "seg_sentiment": [labels.get(r, []) for r in rid],
            "seg_compound": [compounds.get(r, []) for r in rid],
        }))


def worker_embedder(settings):
    """This worker's :class:`verbatim.embed.Embedder` for ``settings`` (loaded once)."""
    from .embed import Embedder

    embedder = _EMBEDDERS.get(settings)
    if embedder is None:
        _offline()
        embedder = _EMBEDDERS[settings] = Embedder(settings)
    return embedder


def embed_partition(batches: Iterator["pd.DataFrame"], settings) -> Iterator["pd.DataFrame"]:
    """Embed a partition of distinct segment texts (column ``text``) with the worker's embedder.

    ``settings`` is the run's :class:`~verbatim.embed.EmbedSettings` with the progress
    bar off and ``threads`` set to the cores of one task (the engine does it), so two
    tasks on one machine do not each start a thread per core.
    """
    import pandas as pd

    embedder = worker_embedder(settings)
    for batch in batches:
        if not len(batch):
            continue
        texts = batch["text"].astype(str).tolist()
        vectors = embedder.embed(texts)
        yield _plain(pd.DataFrame({"text": texts, "vector": list(vectors)}))


def assign_partition(batches: Iterator["pd.DataFrame"], model) -> Iterator["pd.DataFrame"]:
    """Add ``theme_id`` to segments (``row``, ``response_id``, ``segment_index``, ``text``,
    ``sentiment``, ``compound``, ``vector``; the vector is dropped) by ``model.assign``:
    the local engine's own rule (nearest prototype above the floor).

    ``model`` is the broadcast value of :func:`assignable_model` (the fitted arrays and
    settings, no embedder).
    """
    import numpy as np

    from .themes import theme_polarity

    for batch in batches:
        if not len(batch):
            continue
        X = np.stack(batch["vector"].to_numpy()).astype(np.float32, copy=False)
        theme_ids = model.assign(batch["text"].astype(str).tolist(), X, polarity=theme_polarity(batch, model._sided()))
        out = batch.drop(columns=["vector"]).assign(theme_id=np.asarray(theme_ids, dtype="int64"))
        yield _plain(out[["row", "response_id", "segment_index", "text", "sentiment", "compound", "theme_id"]])


def novelty_partition(batches: Iterator["pd.DataFrame"], model) -> Iterator["pd.DataFrame"]:
    """The segments (``row``, ``segment_index``, ``text``, ``sentiment``, ``vector``) that
    ``model.extend`` would cluster in search of new themes (``model.novelty_candidates``)."""
    import numpy as np

    from .themes import theme_polarity

    for batch in batches:
        if not len(batch):
            continue
        X = np.stack(batch["vector"].to_numpy()).astype(np.float32, copy=False)
        keep = model.novelty_candidates(batch["text"].astype(str).tolist(), X, polarity=theme_polarity(batch, model._sided()))
        if keep.any():
            yield batch.loc[keep, ["row", "segment_index", "text", "sentiment", "vector"]]


def assignable_model(model):
    """A copy of a fitted ThemeModel without its embedder, for broadcasting.

    Every learned attribute (``*_``: prototypes, guide vectors, tables) is kept, so
    ``assign`` applies the full rule whatever the model learned; the embedder (and its
    model weights) stays on the driver, and ``labels_`` (one int per fitted segment) is
    dropped because assigning never reads it.
    """
    import copy

    slim = copy.copy(model)
    slim.embedder = None
    if hasattr(slim, "labels_"):
        del slim.labels_
    return slim


def executor_embed_settings(settings, threads: int):
    """Embedding settings for the executors: no progress bar, ``threads`` torch threads, no
    worker processes of their own (Spark already runs one task per core)."""
    return dataclasses.replace(settings, show_progress=False, threads=settings.threads or threads, processes=1)


POLARITY_STATS_SCHEMA = "stats binary"
POLARITY_SCORE_SCHEMA = "row long, segment_index long, score double"


def polarity_statistics_partition(batches: Iterator["pd.DataFrame"], folds: int) -> Iterator["pd.DataFrame"]:
    """The :class:`verbatim.polarity.FoldStatistics` of a partition of segments (``vector``,
    ``sign``, ``fold``), serialised (``np.savez``) in one row; the driver adds them up."""
    import io

    import numpy as np
    import pandas as pd

    from .polarity import fold_statistics

    total = None
    for batch in batches:
        if not len(batch):
            continue
        X = np.stack(batch["vector"].to_numpy()).astype(np.float32, copy=False)
        part = fold_statistics(X, np.arange(len(X)), batch["fold"].to_numpy(np.int64),
                               batch["sign"].to_numpy(np.int8), folds)
        total = part if total is None else total + part
    if total is not None:
        buffer = io.BytesIO()
        np.savez(buffer, xx=total.xx, x=total.x, n=total.n)
        yield pd.DataFrame({"stats": [buffer.getvalue()]})


def read_polarity_statistics(blob: bytes):
    """The :class:`verbatim.polarity.FoldStatistics` that :func:`polarity_statistics_partition` wrote."""
    import io

    import numpy as np

    from .polarity import FoldStatistics

    with np.load(io.BytesIO(blob)) as arrays:
        return FoldStatistics(arrays["xx"], arrays["x"], arrays["n"])


def polarity_score_partition(batches: Iterator["pd.DataFrame"], weights) -> Iterator["pd.DataFrame"]:
    """Each segment's (``row``, ``segment_index``, ``vector``, ``fold``) held-out probe score
    (:func:`verbatim.polarity.held_out_scores`); ``weights``: the per-fold probes."""
    import numpy as np
    import pandas as pd

    from .polarity import held_out_scores

    for batch in batches:
        if not len(batch):
            continue
        X = np.stack(batch["vector"].to_numpy()).astype(np.float32, copy=False)
        score = held_out_scores(X, np.arange(len(X)), batch["fold"].to_numpy(np.int64), weights)
        yield pd.DataFrame({"row": batch["row"].astype("int64").to_numpy(),
                            "segment_index": batch["segment_index"].astype("int64").to_numpy(), "score": score})
