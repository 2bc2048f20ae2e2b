"""One exception family with coded, one-line, user-facing messages.

Every error a user can cause (a bad file, a bad column, a bad configuration) is a
:class:`VerbatimError` whose message names the file and, where it applies, the row and
the column, so the CLI can print it on one line and exit with code 2 without a
traceback. Codes are stable so users can search for them; the catalogue below is the
single place where they are defined.
"""

from __future__ import annotations

from pathlib import Path

# code -> short title; the message itself is built where the error is raised.
CATALOGUE: dict[str, str] = {
    "E001": "invalid command line (unknown option or command, bad option value)",
    "E101": "input file not found",
    "E102": "input file cannot be read",
    "E103": "input file is empty",
    "E104": "unknown input format",
    "E105": "column not found",
    "E106": "no usable row",
    "E107": "input file is malformed",
    "E108": "column is ambiguous",
    "E201": "configuration file cannot be read",
    "E202": "unknown configuration key",
    "E203": "invalid configuration value",
    "E301": "output folder is not empty",
    "E302": "saved model cannot be loaded",
    "E303": "earlier run cannot be read",
    "E401": "Spark engine cannot start",
}


class VerbatimError(Exception):
    """An error caused by the user's input or configuration (CLI exit code 2)."""

    exit_code = 2

    def __init__(
        self,
        code: str,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        if code not in CATALOGUE:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = f"{self.code} " + (", ".join(where) + ": " if where else "")
        # One line, always: a message must never smuggle a newline into the terminal.
        return (prefix + self.message).replace("\r", " ").replace("\n", " ")


class InputError(VerbatimError):
    """The input file cannot be used as it is."""


class ConfigError(VerbatimError):
    """The configuration (file, environment or flags) is invalid."""


class OutputError(VerbatimError):
    """The output location cannot be written safely."""
