"""Guided themes: themes known in advance, read from a TOML file (see configs/themes.toml)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from .errors import ConfigError

__all__ = ["GuidedTheme", "load_guided_themes", "SIDES"]

#: What ``side`` may say: the theme gathers complaints, or praise (and neutral mentions), or
#: both; "" (not given) lets the sentiment lexicon read it from the examples.
SIDES = {"complaint": -1, "praise": 1, "both": 0}


@dataclasses.dataclass(frozen=True)
class GuidedTheme:
    """A theme known in advance: its name (used as label), example phrases and, optionally,
    its side (see :data:`SIDES`)."""

    name: str
    examples: tuple[str, ...]
    side: str = ""


def load_guided_themes(path: str | Path) -> tuple[GuidedTheme, ...]:
    """Read ``[[theme]] name = "..." examples = ["...", ...]`` (optional ``side = "complaint"``,
    ``"praise"`` or ``"both"``) tables from a TOML file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError("E201", f"cannot read guided themes: {exc}", file=path) from None
    themes = []
    for i, entry in enumerate(data.get("theme", [])):
        name = entry.get("name") if isinstance(entry, dict) else None
        examples = entry.get("examples") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError("E203", f"theme #{i + 1} needs a non-empty name", file=path)
        if not isinstance(examples, list) or not examples or not all(isinstance(e, str) for e in examples):
            raise ConfigError("E203", f"theme {name!r} needs a non-empty list of example phrases", file=path)
        side = entry.get("side", "")
        if side != "" and side not in SIDES:
            raise ConfigError("E203", f"theme {name!r}: side must be one of {', '.join(SIDES)}, got {side!r}", file=path)
        themes.append(GuidedTheme(name.strip(), tuple(examples), side))
    return tuple(themes)
