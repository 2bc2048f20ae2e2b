"""Reading a TOML file a user gave (configuration, guided themes, departments) with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["read_toml"]


def read_toml(path: str | Path, what: str = "file") -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a one-line ConfigError whose message
    names ``what`` the file is ("departments file"). A UTF-8 byte-order mark, as Windows
    Notepad saves one, is read past (TOML has none: "Invalid statement" at line 1)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise ConfigError("E201", f"{what} not found", file=path) from None
    except IsADirectoryError:
        raise ConfigError("E201", f"{what} is a folder, not a file", file=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError("E201", f"{what} is not UTF-8 text (byte {exc.start}): save it as UTF-8", file=path) from None
    except OSError as exc:
        raise ConfigError("E201", f"{what} cannot be read ({exc.strerror or exc})", file=path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("E201", f"not valid TOML: {exc}", file=path) from None
