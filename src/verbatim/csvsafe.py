"""CSV export that a spreadsheet cannot turn into a formula.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (CSV/formula injection, OWASP). Customer
text is untrusted, so every text cell that starts that way is prefixed with a single quote,
which spreadsheets show as text. Numeric columns are left as numbers, and so is a text cell
that is a plain number ("-1", "+3.5"): a spreadsheet reads it as that number, and a quote
would break every tool that parses the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+)?"


# A sign alone ("-", "+", "--": a department or an answer left as a dash) is no formula: a
# spreadsheet shows it as it is, and a quote broke the join with report.json's "-".
_SIGNS_ONLY = r"[+-]+"


def neutralise_cell(value: object) -> object:
    """Prefix ``'`` to a string that a spreadsheet would evaluate."""
    if (isinstance(value, str) and value.startswith(DANGEROUS_FIRST) and not re.fullmatch(_PLAIN_NUMBER, value)
            and not re.fullmatch(_SIGNS_ONLY, value)):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns are safe to open in a spreadsheet."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.StringDtype):  # strings or missing: one vectorised test
            dangerous = (column.str.startswith(DANGEROUS_FIRST) & ~column.str.fullmatch(_PLAIN_NUMBER)
                         & ~column.str.fullmatch(_SIGNS_ONLY)).fillna(False).astype(bool)
            if dangerous.any():
                out[name] = column.mask(dangerous, "'" + column)
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = column.map(neutralise_cell)
    return out


def write_safe_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as UTF-8 CSV with formula injection neutralised."""
    neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8")
