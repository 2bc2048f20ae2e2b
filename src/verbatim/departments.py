"""Department splits and theme ownership routing.

Two jobs:

* :func:`department_labels` normalises the ``department`` column of the responses table
  into the labels every per-department split uses.
* When the survey has no department column, themes are routed to the department whose
  description they resemble. ``configs/departments.toml`` describes each department as
  ``[Name]`` with a ``description`` and a list of ``examples``; :func:`load_departments`
  reads and validates it, :func:`department_texts` lists the texts the caller embeds,
  :func:`department_centroids` averages those vectors per department, and
  :func:`route_themes` gives each theme its owner by cosine similarity.

Everything here is pure over plain data (arrays, DataFrames, tuples); no model is loaded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError

UNASSIGNED = "Unassigned"
#: The bucket's name when the survey has a department named "Unassigned": that department
#: took the bucket's themes as its own, without a word (from the departments hunt).
UNASSIGNED_APART = "Unassigned (no owner)"
ROUTING_BUCKETS = frozenset({UNASSIGNED, UNASSIGNED_APART})
_KEYS = ("description", "examples")


@dataclasses.dataclass(frozen=True)
class RoutingSettings:
    """Tunables of theme-to-department routing.

    file: TOML mapping of departments to a description and example phrases (see
        configs/departments.toml); "" = no routing. With it, every theme gets an owning
        department, and departments absent from the department column get the themes they own.
    floor: minimum cosine similarity (-1..1) between a theme and its best department;
        below it the theme is "Unassigned" rather than forced onto a weak match.
    """

    file: str = ""
    floor: float = 0.3

    def __post_init__(self) -> None:
        if not -1.0 <= self.floor <= 1.0:
            raise ValueError(f"floor must be a cosine similarity between -1 and 1, got {self.floor}")


@dataclasses.dataclass(frozen=True)
class Department:
    """One department as configured: its name, a description and example phrases."""

    name: str
    description: str
    examples: tuple[str, ...]


# The group key of the whole survey in the analysis (verbatim.impact.ALL): no department may be
# named so (ingest reads such a department under another name).
ALL_GROUP = "__all__"


def department_labels(values: pd.Series) -> pd.Series:
    """Department label per response: stripped text, None when missing or blank."""
    text = values.astype("string").str.strip()
    blank = (text.fillna("") == "").to_numpy(bool)
    labels = np.array(text.astype(object).to_numpy(), dtype=object)  # writable copy
    labels[blank] = None  # Series.where(..., None) would turn None into NaN
    return pd.Series(labels, index=values.index, dtype=object)


def parse_departments(mapping: Mapping[str, object], *, source: str | Path | None = None) -> tuple[Department, ...]:
    """Validate a ``{name: {description, examples}}`` mapping into Department records.

    Raises ConfigError (E203) with a one-line message naming the department and key at
    the first problem. Order follows the mapping.
    """

    def fail(message: str) -> ConfigError:
        return ConfigError("E203", message, file=source)

    if not isinstance(mapping, Mapping) or not mapping:
        raise fail("no department defined: add tables like [Delivery] with description and examples")
    departments = []
    seen: dict[str, str] = {}
    for name, entry in mapping.items():
        label = str(name).strip()
        if not label:
            raise fail("a department has an empty name")
        if label.casefold() == UNASSIGNED.casefold():
            raise fail(f"department name {label!r} is reserved for themes no department owns")
        if label.casefold() in seen:
            raise fail(f"departments {seen[label.casefold()]!r} and {label!r} differ only by case or spaces")
        seen[label.casefold()] = label
        if not isinstance(entry, Mapping):
            raise fail(f"department {label!r} must be a table with description and examples")
        unknown = sorted(set(entry) - set(_KEYS))
        if unknown:
            raise fail(f"department {label!r}: unknown key {unknown[0]!r} (allowed: description, examples)")
        description = entry.get("description")
        if not isinstance(description, str) or not description.strip():
            raise fail(f"department {label!r}: description must be a non-empty string")
        examples = entry.get("examples")
        if not isinstance(examples, list) or not examples:
            raise fail(f"department {label!r}: examples must be a non-empty list of phrases")
        for i, example in enumerate(examples):
            if not isinstance(example, str) or not example.strip():
                raise fail(f"department {label!r}: example {i + 1} must be a non-empty string")
        departments.append(
            Department(label, description.strip(), tuple(example.strip() for example in examples))
        )
    return tuple(departments)


def load_departments(path: str | Path) -> tuple[Department, ...]:
    """Read and validate a departments TOML file (see ``configs/departments.toml``).

    Raises ConfigError: E201 when the file is missing or not valid TOML, E203 when its
    content is not a valid department mapping.
    """
    from .tomlfile import read_toml

    return parse_departments(read_toml(path, "departments file"), source=Path(path))


def department_texts(departments: Sequence[Department]) -> pd.DataFrame:
    """The texts to embed for routing, one row each: columns ``department``, ``text``.

    Each department contributes its description and each example phrase separately, so
    its centroid (:func:`department_centroids`) covers the ways customers say it.
    """
    rows = [
        (department.name, text)
        for department in departments
        for text in (department.description, *department.examples)
    ]
    return pd.DataFrame(rows, columns=["department", "text"])


def _unit_rows(vectors: np.ndarray, what: str) -> np.ndarray:
    if vectors.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (one row per item), got {vectors.ndim} dimensions")
    if not np.all(np.isfinite(vectors)):
        raise ValueError(f"{what} contain NaN or infinite values")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"{what} contain an all-zero vector, which has no direction")
    return vectors / norms


def department_centroids(vectors, departments: Sequence[str]) -> pd.DataFrame:
    """Mean unit vector per department from the embedded :func:`department_texts`.

    ``vectors`` (n_texts, dim) are in the row order of ``departments`` (the ``department``
    column of :func:`department_texts`). Returns a DataFrame indexed by department name,
    first-appearance order, one column per dimension.
    """
    unit = _unit_rows(np.asarray(vectors, float), "department text vectors")
    owners = pd.Index(list(departments))
    if len(owners) != unit.shape[0]:
        raise ValueError(f"{unit.shape[0]} vectors for {len(owners)} department texts")
    names = list(dict.fromkeys(owners))
    centroids = np.vstack([unit[np.asarray(owners == name)].mean(axis=0) for name in names])
    return pd.DataFrame(centroids, index=pd.Index(names, name="department"))


def route_themes(
    theme_vectors,
    department_vectors,
    floor: float = RoutingSettings.floor,
    *,
    theme_ids: Sequence | None = None,
    department_names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Owning department of each theme by cosine similarity of their vectors.

    ``theme_vectors`` (n_themes, dim) and ``department_vectors`` (n_departments, dim) are
    arrays or DataFrames; a DataFrame's index names its rows, otherwise pass
    ``theme_ids`` / ``department_names`` (themes default to 0..n-1).

    Returns one row per theme, in input order: ``theme``; ``department`` (the best match,
    or "Unassigned" when its similarity is below ``floor``); ``best_department`` (the best
    match even when unassigned); ``similarity`` (cosine, -1..1); ``runner_up`` and
    ``runner_up_similarity`` (None / NaN with one department); ``margin`` (similarity
    minus runner-up similarity: how clear-cut the choice is); ``assigned`` (bool).
    """
    if isinstance(theme_vectors, pd.DataFrame):
        theme_ids = list(theme_vectors.index) if theme_ids is None else theme_ids
        theme_vectors = theme_vectors.to_numpy()
    if isinstance(department_vectors, pd.DataFrame):
        department_names = list(department_vectors.index) if department_names is None else department_names
        department_vectors = department_vectors.to_numpy()
    themes = _unit_rows(np.asarray(theme_vectors, float), "theme vectors")
    depts = _unit_rows(np.asarray(department_vectors, float), "department vectors")
    if themes.shape[1] != depts.shape[1]:
        raise ValueError(
            f"theme vectors have {themes.shape[1]} dimensions but department vectors have {depts.shape[1]}"
        )
    if department_names is None:
        raise ValueError("department_names is required when department_vectors is an array")
    names = np.asarray(list(department_names), dtype=object)
    if len(names) != depts.shape[0] or len(names) == 0:
        raise ValueError(f"{len(names)} department names for {depts.shape[0]} department vectors")
    ids = list(range(themes.shape[0])) if theme_ids is None else list(theme_ids)
    if len(ids) != themes.shape[0]:
        raise ValueError(f"{len(ids)} theme ids for {themes.shape[0]} theme vectors")

    similarity = themes @ depts.T  # (themes, departments) cosine
    # Stable sort on the negated similarity: ties go to the department listed first.
    order = np.argsort(-similarity, axis=1, kind="stable")
    rows = np.arange(themes.shape[0])
    best_sim = similarity[rows, order[:, 0]]
    best = names[order[:, 0]]
    if depts.shape[0] > 1:
        second_sim = similarity[rows, order[:, 1]]
        second = names[order[:, 1]]
    else:
        second_sim = np.full(themes.shape[0], np.nan)
        second = np.full(themes.shape[0], None, dtype=object)
    assigned = best_sim >= floor
    return pd.DataFrame(
        {
            "theme": pd.Series(ids, dtype=object),
            "department": np.where(assigned, best, UNASSIGNED).astype(object),
            "best_department": best,
            "similarity": best_sim,
            "runner_up": second,
            "runner_up_similarity": second_sim,
            "margin": best_sim - second_sim,
            "assigned": assigned,
        }
    )
