"""verbatim: open-text NPS comments -> themes ranked by their effect on NPS.

The public API is importable from here; heavy libraries load only when a stage needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "analyze": "verbatim.pipeline",
    "AnalysisResult": "verbatim.pipeline",
    "load_responses": "verbatim.ingest",
    "IngestResult": "verbatim.ingest",
    "Config": "verbatim.config",
    "load_config": "verbatim.config",
    "VerbatimError": "verbatim.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    # Lazy re-exports keep `import verbatim` (and so the CLI's start-up) cheap.
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'verbatim' has no attribute {name!r}")
