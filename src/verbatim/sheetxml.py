"""What openpyxl's read-only mode does not tell about a worksheet, from its XML.

The XLSX reader streams a sheet with openpyxl in read-only mode, reading the values saved
with each cell (``data_only``). Two things then read as blank without a word:

* a formula cell whose result was never saved: tools that write formulas without computing
  them (openpyxl, pandas' ``to_excel`` of "=A2+1") store the formula and an empty value,
  and only a spreadsheet application computes and saves the result;
* the cells of a merged range other than its top-left one, which holds the range's value
  (a read-only worksheet has no ``merged_cells``: the ranges are listed after the cells).

:func:`scan_sheet` finds both in one streamed pass over the sheet's XML (decompressed a
chunk at a time, never whole), with byte searches rather than an XML parser, so a large
sheet costs a small share of what openpyxl's own parse does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import BinaryIO

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

CHUNK = 1 << 22
# A formula element, then no saved value (no <v>, or an empty one) before the cell ends.
# Tags may carry a namespace prefix ("x:c"), the same on every tag of the sheet.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<((?:\w+:)?)f\b[^>]*?(?:/>|>([^<]*)</\1f>)\s*(<\1v\s*/>|<\1v>\s*</\1v>)?\s*</\1c>")
_CELL_REF = re.compile(rb'\sr="([A-Z]+)([0-9]+)"')
_CELL_TYPE = re.compile(rb'\st="([^"]*)"')
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}


@dataclass
class SheetScan:
    """Found in a sheet's XML. Rows and columns are 1-based, as the sheet numbers them."""

    # (row, column, formula text: '' for a shared formula written once for many cells)
    unsaved_formulas: list[tuple[int, int, str]] = field(default_factory=list)
    # (first row, first column, last row, last column) of each merged range
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def check_sheet(ws, header: list[str], header_row: int, frame: pd.DataFrame, rows: list[int],
                blank: list[bool], unreadable: list[dict], notes: list[str]):
    """What read-only openpyxl read as blank without a word in the kept columns of a sheet's
    table (``frame``, its ``rows`` and ``blank`` flags, below ``header_row``). Rows with a
    formula whose result was never saved are added to ``unreadable``, to be rejected: their
    value is unknown, not missing, and read as blank a computed score would silently leave
    the NPS. Merged ranges over data rows get a note. Returns the frame, rows and blank flags
    without the rejected rows, and :attr:`verbatim.readers.RawTable.merged_down`."""
    open_xml = getattr(ws, "_get_source", None)  # read-only openpyxl's own access to the sheet's XML
    if open_xml is None:
        return frame, rows, blank, {}
    with open_xml() as xml:
        scan = scan_sheet(xml)
    kept = {i: name for i, name in enumerate(header, start=1) if name in frame.columns}
    merged_down: dict[str, list[tuple[int, int]]] = {}
    if scan.unsaved_formulas:
        where = {row: i for i, row in enumerate(rows)}
        bad: dict[int, tuple[str, str]] = {}  # row -> (column, formula) of its first such cell
        per_column: dict[str, list[int]] = {}
        for row, column, formula in scan.unsaved_formulas:
            if column in kept and row in where:
                per_column.setdefault(kept[column], []).append(row)
                bad.setdefault(row, (kept[column], formula))
        for name, found in per_column.items():
            notes.append(f"column '{name}': {len(found)} formula cell(s) without a saved result (first row "
                         f"{min(found)}), written by a tool that does not compute formulas; their rows are rejected. "
                         "Open and save the file in Excel so formula results are stored")
        for row, (name, formula) in bad.items():
            unreadable.append({"row": row, "value": f"={formula}" if formula else "", "column": name,
                               "reason": f"'{name}' is a formula without a saved result (open and save the file "
                                         "in Excel so formula results are stored)"})
        if bad:
            keep = [row not in bad for row in rows]
            frame = frame[keep].reset_index(drop=True)
            rows = [row for row, k in zip(rows, keep) if k]
            blank = [b for b, k in zip(blank, keep) if k]
    over_data = [(r1, c1, r2, c2) for r1, c1, r2, c2 in scan.merged
                 if r2 > header_row and (r1, c1) != (r2, c2) and any(c in kept for c in range(c1, c2 + 1))]
    if over_data:
        names = sorted({kept[c] for _, c1, _, c2 in over_data for c in range(c1, c2 + 1) if c in kept},
                       key=header.index)
        refs = [f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}" for r1, c1, r2, c2 in sorted(over_data)]
        listed = ", ".join(refs[:10]) + (f" and {len(refs) - 10} more" if len(refs) > 10 else "")
        notes.append(f"{len(refs)} merged cell range(s) cover data rows in column(s) "
                     f"{', '.join(repr(n) for n in names)} ({listed}): a merged range holds its value in its "
                     "top-left cell only, and its other cells read blank")
        for r1, c1, r2, _ in over_data:
            if c1 in kept and r1 > header_row and r2 > r1:
                merged_down.setdefault(kept[c1], []).append((r1, r2))
    return frame, rows, blank, merged_down


def scan_sheet(source: BinaryIO) -> SheetScan:
    """Formula cells without a saved result and merged ranges of a sheet's XML ``source``."""
    scan = SheetScan()
    carry = b""
    while True:
        chunk = source.read(CHUNK)
        buffer = carry + chunk
        if not chunk:
            _scan_part(buffer, scan)
            return scan
        cut = _after_last_cell(buffer)  # a cell is never split between two parts
        _scan_part(buffer[:cut], scan)
        carry = buffer[cut:]


def _after_last_cell(buffer: bytes) -> int:
    """Where the last cell of ``buffer`` ends ("</c>", or "</x:c>" with a prefix); 0 if none."""
    plain, prefixed = buffer.rfind(b"</c>"), buffer.rfind(b":c>")
    return max(plain + 4 if plain >= 0 else 0, prefixed + 3 if prefixed >= 0 else 0)


def _scan_part(part: bytes, scan: SheetScan) -> None:
    if b"f" in part and (b"<f" in part or b":f" in part):  # most sheets have no formula at all
        for match in _FORMULA_WITHOUT_VALUE.finditer(part):
            prefix, text, empty_value = match.group(1), match.group(2), match.group(3)
            start = part.rfind(b"<" + prefix + b"c ", 0, match.start())
            if start < 0:
                continue
            tag = part[start : part.find(b">", start)]
            kind = _CELL_TYPE.search(tag)
            if empty_value is not None and kind is not None and kind.group(1) == b"str":
                continue  # a formula whose result is the empty string, as Excel saves it
            ref = _CELL_REF.search(tag)
            if ref is None:  # cells without a reference are rare; such a cell is not located
                continue
            scan.unsaved_formulas.append((int(ref.group(2)), column_index_from_string(ref.group(1).decode()),
                                          _unescape(text.decode("utf-8", "replace")) if text else ""))
    if b"mergeCell" in part:
        for match in _MERGED.finditer(part):
            first_col, first_row, last_col, last_row = match.groups()
            scan.merged.append((int(first_row), column_index_from_string(first_col.decode()),
                                int(last_row or first_row), column_index_from_string((last_col or first_col).decode())))


def _unescape(text: str) -> str:
    return re.sub(r"&(?:lt|gt|quot|apos|amp);", lambda m: _ENTITIES[m.group()], text) if "&" in text else text
