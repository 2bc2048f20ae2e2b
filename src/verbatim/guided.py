"""Guided themes: themes known in advance, read from a TOML file (see configs/themes.toml)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .errors import ConfigError

__all__ = ["GuidedTheme", "load_guided_themes", "name_key", "SIDES"]

#: What ``side`` may say: the theme gathers complaints, or praise (and neutral mentions), or
#: both; "" (not given) lets the sentiment lexicon read it from the examples.
SIDES = {"complaint": -1, "praise": 1, "both": 0}


def name_key(name: object) -> str:
    """A theme's or department's name as compared: case and spacing aside ("Customer  service"
    is "Customer Service")."""
    return " ".join(str(name).casefold().split())


@dataclasses.dataclass(frozen=True)
class GuidedTheme:
    """A theme known in advance: its name (used as label), example phrases and, optionally,
    its side (see :data:`SIDES`)."""

    name: str
    examples: tuple[str, ...]
    side: str = ""


def load_guided_themes(path: str | Path) -> tuple[GuidedTheme, ...]:
    """Read ``[[theme]] name = "..." examples = ["...", ...]`` (optional ``side = "complaint"``,
    ``"praise"`` or ``"both"``) tables from a TOML file.

    Raises ConfigError E201 when the file cannot be read, E203 when it holds no ``[[theme]]``
    (an empty file, or ``[[themes]]``: zero guided themes, without a word, before), two themes
    of one name (every report showed two "Issue" themes no reader could tell apart) or one
    named "Other", the name of the segments no theme takes."""
    from .tomlfile import read_toml

    path = Path(path)
    data = read_toml(path, "guided themes file")
    # A table other than [[theme]] ([[themes]], [theme]) holds themes that would be read as none.
    unknown = sorted(key for key, value in data.items() if key != "theme" and isinstance(value, (dict, list)))
    if unknown:
        raise ConfigError("E203", f"unknown table or key {unknown[0]!r}: each guided theme is a [[theme]] table",
                          file=path)
    entries = data.get("theme", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError("E203", "no guided theme: the file needs [[theme]] tables with a name and examples",
                          file=path)
    themes: list[GuidedTheme] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        examples = entry.get("examples") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError("E203", f"theme #{i + 1} needs a non-empty name", file=path)
        if not isinstance(examples, list) or not examples or not all(isinstance(e, str) for e in examples):
            raise ConfigError("E203", f"theme {name!r} needs a non-empty list of example phrases", file=path)
        side = entry.get("side", "")
        if side != "" and side not in SIDES:
            raise ConfigError("E203", f"theme {name!r}: side must be one of {', '.join(SIDES)}, got {side!r}", file=path)
        key = name_key(name)
        if key == "other":
            raise ConfigError("E203", f"theme #{i + 1}: {name.strip()!r} is the name of the segments no theme "
                                      f"takes; give the theme another name", file=path)
        if key in seen:
            raise ConfigError("E203", f"themes #{i + 1} and {seen[key]} are both named {name.strip()!r}: "
                                      f"reports could not tell them apart", file=path)
        seen[key] = f"#{i + 1}"
        themes.append(GuidedTheme(name.strip(), tuple(examples), side))
    return tuple(themes)
