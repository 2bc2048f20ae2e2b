"""Configuration: frozen dataclasses per pipeline stage, layered from TOML.

The dataclasses hold the defaults; ``configs/default.toml`` documents every field with
the same values (a test keeps the two in step). Layers apply in a fixed order:

    defaults  <  --config FILE (or $VERBATIM_CONFIG)  <  $VERBATIM__SECTION__KEY  <  CLI flags

Unknown sections or keys are errors, so a typo never silently leaves a default in place.
The resolved configuration is written into every output folder (``config.toml``) and can
be passed back with ``--config`` to repeat a run exactly.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError
from .tomlfile import read_toml


@dataclasses.dataclass(frozen=True)
class InputSettings:
    """How the input file is read and how scores are interpreted."""

    scale: str = "nps"
    custom_minimum: float = 0.0
    custom_maximum: float = 10.0
    custom_promoter_min: float = 9.0
    custom_detractor_max: float = 6.0
    custom_whole_numbers: bool = True
    date_format: str = ""
    dayfirst: bool = False
    sheet: str = ""
    encoding: str = ""
    max_text_chars: int = 10000
    header_row: int = 0

    def __post_init__(self) -> None:
        if self.max_text_chars < 1:
            raise ValueError("max_text_chars must be at least 1")
        if self.header_row < 0:
            raise ValueError("header_row must be 0 (the first row that is not blank) or a row number")
        if self.date_format and self.date_format not in ("ISO8601", "mixed"):  # pandas' own two names
            try:
                datetime.datetime.strptime("", self.date_format)
            except ValueError as exc:
                # Any format fails on "" ("time data '' does not match"); a broken one says why.
                if not str(exc).startswith("time data"):
                    raise ValueError(f"date_format {self.date_format!r}: {exc}") from None


@dataclasses.dataclass(frozen=True)
class ColumnSettings:
    """Which input columns hold what; empty means auto-detect from the header."""

    text: tuple[str, ...] = ()
    score: str = ""
    department: str = ""
    date: str = ""
    id: str = ""
    weight: str = ""
    group: str = ""
    # Columns copied as they are into assignments.csv and rejected.csv (a customer id, a region).
    keep: tuple[str, ...] = ()


# Section name -> "module:Class". Stage modules own their settings; they are light to
# import (heavy libraries load inside functions), so composing them here stays fast.
SECTIONS: dict[str, str] = {
    "input": "verbatim.config:InputSettings",
    "columns": "verbatim.config:ColumnSettings",
    "prepare": "verbatim.prepare:PrepareSettings",
    "pii": "verbatim.pii:PiiSettings",
    "sentiment": "verbatim.sentiment:SentimentSettings",
    "embed": "verbatim.embed:EmbedSettings",
    "themes": "verbatim.themes:ThemeSettings",
    "mentions": "verbatim.mentions:MentionSettings",
    "impact": "verbatim.impact:ImpactSettings",
    "routing": "verbatim.departments:RoutingSettings",
    "trend": "verbatim.trends:TrendSettings",
    "report": "verbatim.report.drilldown:ReportSettings",
}


def _section_class(name: str) -> type:
    module, cls = SECTIONS[name].split(":")
    return getattr(importlib.import_module(module), cls)


class Config:
    """All settings of a run: one frozen dataclass per section, read as attributes.

    >>> cfg = Config.default()
    >>> cfg.input.scale
    'nps'
    """

    __slots__ = ("_sections",)

    def __init__(self, sections: Mapping[str, Any]) -> None:
        missing = set(SECTIONS) - set(sections)
        if missing:
            raise ValueError(f"missing sections: {sorted(missing)}")
        object.__setattr__(self, "_sections", dict(sections))

    @classmethod
    def default(cls) -> "Config":
        return cls({name: _section_class(name)() for name in SECTIONS})

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not slots; while unpickling, _sections is not set
        # yet, so looking it up here would recurse.
        if name.startswith("__") or name == "_sections":
            raise AttributeError(name)
        try:
            return self._sections[name]
        except KeyError:
            raise AttributeError(name) from None

    def __reduce__(self):
        # Picklable (Spark ships the config to executors) despite the blocked __setattr__.
        return (Config, (self._sections,))

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError("Config is immutable; use Config.updated()")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self._sections == other._sections

    def __repr__(self) -> str:
        return f"Config({self._sections!r})"

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Plain nested dict (tuples become lists), in section order."""
        return {
            name: {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(obj).items()}
            for name, obj in self._sections.items()
        }

    def updated(self, overrides: Mapping[str, Mapping[str, Any]], *, source: str = "flags") -> "Config":
        """Return a copy with ``{section: {key: value}}`` applied, type-checked."""
        sections = dict(self._sections)
        for section, values in overrides.items():
            if section not in SECTIONS:
                raise ConfigError(
                    "E202", f"unknown section [{section}]; known sections: {', '.join(SECTIONS)}", file=source
                )
            if not isinstance(values, Mapping):
                raise ConfigError("E203", f"[{section}] must be a table", file=source)
            current = sections[section]
            fields = {f.name: f for f in dataclasses.fields(current)}
            changes = {}
            for key, value in values.items():
                if key not in fields:
                    raise ConfigError(
                        "E202",
                        f"unknown key {key!r} in [{section}]; known keys: {', '.join(fields)}",
                        file=source,
                    )
                changes[key] = _coerce(value, getattr(current, key), f"{section}.{key}", source)
            try:
                sections[section] = dataclasses.replace(current, **changes)
            except (ValueError, TypeError) as exc:
                raise ConfigError("E203", f"[{section}]: {exc}", file=source) from None
        return Config(sections)

    def to_toml(self) -> str:
        """Serialise to TOML that :func:`load_config` reads back to an equal Config."""
        lines = ["# verbatim resolved configuration: pass back with --config to repeat this run", ""]
        for name, values in self.as_dict().items():
            lines.append(f"[{name}]")
            lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
            lines.append("")
        return "\n".join(lines)


def _coerce(value: Any, default: Any, name: str, source: str) -> Any:
    """Check ``value`` against the type of the field's default and convert lists to tuples."""

    def bad(expected: str) -> ConfigError:
        return ConfigError("E203", f"{name} must be {expected}, got {value!r}", file=source)

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if isinstance(default, str):
        # A whole number is the text it is written as: --set input.scale=5, a column named 2024
        # (TOML reads both as numbers; "must be a string, got 5" left the user guessing).
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if isinstance(default, tuple):  # every list setting is a list of strings (column names, phrases)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise bad("a list")
        items = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        if not all(isinstance(v, str) for v in items):
            raise bad("a list of strings")
        return tuple(items)
    return value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def parse_assignment(text: str, *, source: str = "--set") -> dict[str, dict[str, Any]]:
    """Parse ``section.key=value`` (value in TOML syntax, bare words as strings)."""
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise ConfigError("E203", f"expected section.key=value, got {text!r}", file=source)
    dotted, raw = text.split("=", 1)
    section, key = dotted.strip().split(".", 1)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return {section: {key: value}}


def _environment_overrides(environ: Mapping[str, str]) -> list[tuple[str, dict]]:
    """``VERBATIM__SECTION__KEY=value`` variables, in sorted order for determinism."""
    found = []
    for name in sorted(environ):
        if name.startswith("VERBATIM__") and name.count("__") == 2:
            _, section, key = name.split("__")
            found.append((name, parse_assignment(f"{section.lower()}.{key.lower()}={environ[name]}", source=name)))
    return found


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the run's configuration from defaults, a file, the environment and flags.

    ``path`` defaults to ``$VERBATIM_CONFIG`` when set; ``overrides`` are the CLI flags.
    """
    environ = os.environ if environ is None else environ
    config = Config.default()
    path = path or environ.get("VERBATIM_CONFIG") or None
    if path:
        config = config.updated(read_toml(path), source=str(path))
    for name, override in _environment_overrides(environ):
        config = config.updated(override, source=name)
    if overrides:
        config = config.updated(overrides)
    return config
