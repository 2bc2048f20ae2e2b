"""Saving and loading a fitted ThemeModel: safetensors for arrays, JSON for the rest.

No pickle: a saved model is data (prototype and centroid vectors, the themes table and
the settings), so loading it never runs code. Both files are written with sorted keys
and fixed dtypes, so the same fit gives byte-identical files.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import VerbatimError

FORMAT = "verbatim-themes/2"
# "general": None (unknown) in models saved before it existed, and for themes a wave adds.
THEME_COLUMNS = ("theme_id", "label", "keywords", "size", "parent_id", "representative", "guided", "new", "general")
PARENT_COLUMNS = ("parent_id", "label", "theme_ids", "size")


def save_model(model, directory: Path) -> Path:
    """Write ``themes.safetensors`` and ``themes.json`` of a fitted model into directory."""
    from safetensors.numpy import save_file

    directory.mkdir(parents=True, exist_ok=True)
    probe = {} if model.polarity_weights_ is None else {
        "polarity_weights": np.ascontiguousarray(model.polarity_weights_, dtype=np.float64)}
    save_file(
        {
            **probe,
            "prototypes": np.ascontiguousarray(model.prototypes_, dtype=np.float32),
            "prototype_theme": np.ascontiguousarray(model.prototype_theme_, dtype=np.int64),
            "prototype_side": np.ascontiguousarray(model.prototype_side_, dtype=np.int64),
            "prototype_pole": np.ascontiguousarray(model.prototype_pole_, dtype=np.int8),
            "centroids": np.ascontiguousarray(model.centroids_, dtype=np.float32),
            "labels": np.ascontiguousarray(model.labels_, dtype=np.int64),
            "guide_vectors": np.ascontiguousarray(model.guide_vectors_, dtype=np.float32),
            "guide_theme": np.ascontiguousarray(model.guide_theme_, dtype=np.int64),
            "guide_polarity": np.ascontiguousarray(model.guide_polarity_, dtype=np.int64),
            "center": np.ascontiguousarray(model.center_, dtype=np.float32),
            # (0, dim) when the model works in the embedder's own space
            "projection": np.ascontiguousarray(
                model.projection_ if model.projection_ is not None else np.zeros((0, model.prototypes_.shape[1])),
                dtype=np.float32),
        },
        str(directory / "themes.safetensors"),
        metadata={"format": FORMAT},
    )
    meta = {
        "format": FORMAT,
        "model_id": model.model_id_,
        "novelty_floor": float(model.novelty_floor_),
        "assign_floor": float(model.assign_floor_),
        "sided": bool(model._sided()),
        "settings": dataclasses.asdict(model._settings()),
        "themes": _records(model.themes_),
        "parents": _records(model.parents_),
        **({} if model.polarity_ is None else {"polarity": model.polarity_}),
    }
    (directory / "themes.json").write_text(
        json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return directory


def load_model(cls, directory: Path, embedder=None):
    """Rebuild a ``cls`` (ThemeModel) from a folder written by :func:`save_model`."""
    from .poles import POLES
    from .themes import ThemeSettings

    try:
        from safetensors.numpy import load_file

        meta = json.loads((directory / "themes.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"unknown format {meta.get('format')!r}")
        arrays = load_file(str(directory / "themes.safetensors"))
        if "projection" not in arrays:  # saved before calibration existed: never calibrated
            meta["settings"].setdefault("calibration_texts", 0)
        # Saved before guided_examples existed: a segment joined the guided theme of its single
        # closest example, and reusing the model must not change that.
        meta["settings"].setdefault("guided_examples", 1)
        model = cls(ThemeSettings(**meta["settings"]), embedder=embedder)
        model.prototypes_ = arrays["prototypes"]
        model.prototype_theme_ = arrays["prototype_theme"]
        # Models saved before themes had sides (complaints / the rest) take any segment.
        model.prototype_side_ = arrays.get("prototype_side", np.zeros(len(model.prototype_theme_), np.int64))
        # Models saved before themes kept opposite ends apart ("runs small" / "runs large") take any segment.
        model.prototype_pole_ = arrays.get("prototype_pole", np.zeros((len(model.prototype_theme_), len(POLES)), np.int8))
        model.centroids_ = arrays["centroids"]
        model.labels_ = arrays["labels"]
        model.guide_vectors_ = arrays["guide_vectors"]
        model.guide_theme_ = arrays["guide_theme"]
        model.guide_polarity_ = arrays["guide_polarity"]
        # Models saved before centring existed worked in the embedder's own space.
        model.center_ = arrays.get("center", np.zeros(model.prototypes_.shape[1], np.float32))
        # Calibrated static vectors are mapped into their teacher's space first (none before).
        projection = arrays.get("projection")
        model.projection_ = projection if projection is not None and len(projection) else None
        model.model_id_ = meta["model_id"]
        # Models saved before the floor could be learnt used the configured one.
        model.assign_floor_ = float(meta.get("assign_floor", model._settings().assign_floor))
        model.novelty_floor_ = float(meta.get("novelty_floor", model.assign_floor_))
        model.sided_ = bool(meta.get("sided", False))  # saved before themes had sides: none
        # Saved before the polarity probe was saved with the themes: None, each wave learns its own.
        model.polarity_ = meta.get("polarity")
        model.polarity_weights_ = arrays.get("polarity_weights")
        model.themes_ = _frame(meta["themes"], THEME_COLUMNS)
        model.parents_ = _frame(meta["parents"], PARENT_COLUMNS)
        _check_consistent(model)
    except VerbatimError:
        raise
    except Exception as exc:  # any unreadable or corrupt file is one user-facing error
        if (directory / "model" / "themes.json").is_file():  # the run's folder, not its model
            raise VerbatimError("E302", f"is a run's folder; its theme model is {directory / 'model'}",
                                file=directory) from None
        raise VerbatimError("E302", f"cannot load theme model: {exc}", file=directory) from None
    return model


def _check_consistent(model) -> None:
    """Raise ValueError when the themes table and the arrays disagree (a hand-edited or
    truncated themes.json): a segment placed on a theme the table lacks was written as theme
    "1" labelled "1" in assignments.csv and left out of report.json."""
    themes = model.themes_
    ids = themes["theme_id"].tolist()
    if len(set(ids)) != len(ids):
        raise ValueError("themes.json lists a theme id twice")
    bad = [label for label in themes["label"] if not isinstance(label, str) or not label.strip()]
    if bad:
        raise ValueError(f"themes.json holds a theme label that is not a non-empty text: {bad[0]!r}")
    known = set(ids)
    for name, used in (("prototypes", model.prototype_theme_), ("guided examples", model.guide_theme_)):
        missing = sorted(set(np.asarray(used).tolist()) - known - {-1})
        if missing:
            raise ValueError(f"its {name} name theme {missing[0]}, which themes.json does not list")
    parents = set(model.parents_["parent_id"].tolist())
    orphans = sorted(set(themes["parent_id"].tolist()) - parents - {-1})
    if orphans:
        raise ValueError(f"themes.json names parent {orphans[0]}, which it does not list")


def _records(frame: pd.DataFrame) -> list[dict]:
    def plain(value):
        if isinstance(value, (np.integer,)):
            return int(value)
        if isinstance(value, (np.bool_,)):
            return bool(value)
        if isinstance(value, (list, tuple, np.ndarray)):
            return [plain(v) for v in value]
        return value

    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _frame(records: list[dict], columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for column in ("theme_id", "size", "parent_id"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    for column in ("guided", "new"):  # "new" is absent from models saved before it existed
        if column in frame:
            frame[column] = frame[column].fillna(False).astype(bool)
    for column in ("label", "keywords", "representative", "theme_ids"):
        if column in frame:
            frame[column] = frame[column].astype(object)
    if "general" in frame:  # absent when the model was saved without it: it round-trips as it was
        known = frame["general"].notna()
        if known.all():
            frame["general"] = frame["general"].astype(bool)
        elif known.any():
            frame["general"] = frame["general"].astype(object).where(known, None)
        else:
            frame = frame.drop(columns="general")
    return frame
