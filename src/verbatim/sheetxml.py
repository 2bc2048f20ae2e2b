"""What openpyxl's read-only mode does not tell about a worksheet, from its XML.

The XLSX reader streams a sheet with openpyxl in read-only mode, reading the values saved
with each cell (``data_only``). Two things then read as blank without a word:

* a formula cell whose result was never saved: tools that write formulas without computing
  them (openpyxl, pandas' ``to_excel`` of "=A2+1") store the formula and an empty value,
  and only a spreadsheet application computes and saves the result;
* the cells of a merged range other than its top-left one, which holds the range's value
  (a read-only worksheet has no ``merged_cells``: the ranges are listed after the cells).

A third reads as a value that is not one: xlsxwriter (pandas' first choice of engine, when
installed) saves 0 as the result of every formula it writes and marks the workbook to be
computed when opened (``fullCalcOnLoad``); in such a workbook a formula's saved 0 is that
placeholder, and is taken as no saved result.

:func:`scan_sheet` finds both in one streamed pass over the sheet's XML (decompressed a
chunk at a time, never whole), with byte searches rather than an XML parser, so a large
sheet costs a small share of what openpyxl's own parse does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import BinaryIO

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

CHUNK = 1 << 22
# A formula element, then no saved value (no <v>, or an empty one) before the cell ends.
# Tags may carry a namespace prefix ("x:c"), the same on every tag of the sheet.
# Group 3: the saved value's text (None when there is no <v>, '' for "<v/>").
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<((?:\w+:)?)f\b[^>]*?(?:/>|>([^<]*)</\1f>)\s*(?:<\1v\s*/>()|<\1v>([^<]*)</\1v>)?\s*</\1c>")
# Attribute values may be quoted either way in XML.
_CELL_REF = re.compile(rb"""\sr=["']([A-Z]+)([0-9]+)["']""")
_CELL_TYPE = re.compile(rb"""\st=["']([^"']*)["']""")
_MERGED = re.compile(rb"""<(?:\w+:)?mergeCell\s[^>]*?ref=["']([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?["']""")
# The workbook asks to be computed when opened: its saved formula results may be placeholders.
_FULL_CALC_ON_LOAD = re.compile(rb"""<(?:\w+:)?calcPr\b[^>]*?\sfullCalcOnLoad=["'](?:1|true)["']""")


@dataclass
class SheetScan:
    """Found in a sheet's XML. Rows and columns are 1-based, as the sheet numbers them."""

    # (row, column, formula text: '' for a shared formula written once for many cells)
    unsaved_formulas: list[tuple[int, int, str]] = field(default_factory=list)
    # (first row, first column, last row, last column) of each merged range
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    # (row, column, digits) of each number cell whose format pads it with zeros ("00000")
    padded: list[tuple[int, int, int]] = field(default_factory=list)


def scan_worksheet(ws) -> SheetScan:
    """:func:`scan_sheet` of a read-only openpyxl worksheet (an empty scan for any other),
    taking a saved 0 as a placeholder when the workbook asks to be computed on opening."""
    open_xml = getattr(ws, "_get_source", None)  # read-only openpyxl's own access to the sheet's XML
    if open_xml is None:
        return SheetScan()
    with open_xml() as xml:
        return scan_sheet(xml, placeholder_zero=_recalculated_on_load(getattr(ws.parent, "_archive", None)),
                          padded_styles=zero_padded_styles(ws.parent))


_ZERO_PADDED_FORMAT = re.compile(r"0{2,}")


def zero_padded_styles(book) -> dict[bytes, int]:
    """``{style index as the XML writes it: digits}`` of the workbook's cell styles whose number
    format pads an integer with zeros ("00000": id 123 shows as 00123). Read-only openpyxl gives
    the value 123 alone, and an id column so formatted lost its leading zeros: the ids no longer
    joined back to the CRM. Empty for almost every workbook."""
    styles, formats = getattr(book, "_cell_styles", None), getattr(book, "_number_formats", None)
    if not styles or not formats:
        return {}
    padded = {}
    for index, style in enumerate(styles):
        number_format = getattr(style, "numFmtId", 0)
        if number_format >= 164 and number_format - 164 < len(formats):  # 164 on: the workbook's own formats
            code = str(formats[number_format - 164])
            if _ZERO_PADDED_FORMAT.fullmatch(code):
                padded[str(index).encode()] = len(code)
    return padded


def _recalculated_on_load(archive) -> bool:
    """Whether the workbook's calculation properties ask for every formula to be computed
    when it is opened (``fullCalcOnLoad``), as writers that do not compute formulas set them."""
    if archive is None:
        return False
    names = archive.namelist()
    name = "xl/workbook.xml" if "xl/workbook.xml" in names else next(
        (n for n in names if n.endswith("workbook.xml") and "/_rels/" not in n), None)
    if name is None:
        return False
    return _FULL_CALC_ON_LOAD.search(archive.read(name)) is not None  # a small part: sheets' names, calcPr


def check_sheet(scan: SheetScan, header: list[str], header_row: int, frame: pd.DataFrame, rows: list[int],
                blank: list[bool], unreadable: list[dict], notes: list[str]):
    """What read-only openpyxl read as blank without a word in the kept columns of a sheet's
    table (``frame``, its ``rows`` and ``blank`` flags, below ``header_row``), as ``scan``
    (:func:`scan_worksheet`) found it. Rows with a formula whose result was never saved are
    added to ``unreadable``, to be rejected: their value is unknown, not missing, and read as
    blank a computed score would silently leave the NPS. Merged ranges over data rows get a
    note. Returns the frame, rows and blank flags without the rejected rows, and
    :attr:`verbatim.readers.RawTable.merged_down`."""
    kept = {i: name for i, name in enumerate(header, start=1) if name in frame.columns}
    where = {row: i for i, row in enumerate(rows)}
    notes.extend(header_formula_notes(scan, header, header_row))
    _pad_with_zeros(scan.padded, kept, where, frame)
    merged_notes: list[str] = []  # after the formulas' notes
    merged_down = _merged_ranges(scan, header, header_row, frame, kept, where, merged_notes)
    if scan.unsaved_formulas:
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
                                         "in Excel so formula results are stored)",
                               "cells": frame.iloc[where[row]].to_dict()})
        if bad:
            keep = [row not in bad for row in rows]
            frame = frame[keep].reset_index(drop=True)
            rows = [row for row, k in zip(rows, keep) if k]
            blank = [b for b, k in zip(blank, keep) if k]
    notes.extend(merged_notes)
    return frame, rows, blank, merged_down


def _pad_with_zeros(padded: list[tuple[int, int, int]], kept: dict[int, str], where: dict[int, int],
                    frame: pd.DataFrame) -> None:
    """Number cells of a zero-padding format (``SheetScan.padded``) in ``frame`` as the sheet
    shows them (123 as 00123), one column at a time."""
    by_column: dict[str, tuple[list[int], list[int]]] = {}
    for row, column, digits in padded:
        if column in kept and row in where:
            positions, widths = by_column.setdefault(kept[column], ([], []))
            positions.append(where[row])
            widths.append(digits)
    for name, (positions, widths) in by_column.items():
        column = frame.columns.get_loc(name)
        values = frame.iloc[positions, column].tolist()
        frame.iloc[positions, column] = [v.zfill(d) if isinstance(v, str) and v.isdigit() else v
                                         for v, d in zip(values, widths)]


def header_formula_notes(scan: SheetScan, header: list[str], header_row: int) -> list[str]:
    """Why a column has a made-up name: its header cell is a formula without a saved result,
    which read-only openpyxl reads as blank (one note per such cell)."""
    return [f"header cell {get_column_letter(column)}{row} is a formula without a saved result"
            f"{f' (={formula})' if formula else ''}, so its column is named {header[column - 1]!r}. "
            "Open and save the file in Excel so formula results are stored, or pass the column by that name"
            for row, column, formula in scan.unsaved_formulas if row == header_row and column <= len(header)]


def _merged_ranges(scan: SheetScan, header: list[str], header_row: int, frame: pd.DataFrame,
                   kept: dict[int, str], where: dict[int, int], notes: list[str]):
    """The note on merged ranges over data rows, and ``merged_down`` with each range's value
    (read before any row is rejected: the range's first row may be)."""
    merged_down: dict[str, list[tuple[int, int, str]]] = {}
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
                top = frame[kept[c1]].iat[where[r1]] if r1 in where else ""
                merged_down.setdefault(kept[c1], []).append((r1, r2, top))
    return merged_down


def scan_sheet(source: BinaryIO, *, placeholder_zero: bool = False,
               padded_styles: dict[bytes, int] | None = None) -> SheetScan:
    """Formula cells without a saved result, merged ranges and (with ``padded_styles``, from
    :func:`zero_padded_styles`) zero-padded number cells of a sheet's XML ``source``.
    With ``placeholder_zero``, a numeric formula result of 0 counts as not saved."""
    scan = SheetScan()
    carry = b""
    while True:
        chunk = source.read(CHUNK)
        buffer = carry + chunk
        if not chunk:
            _scan_part(buffer, scan, placeholder_zero, padded_styles)
            return scan
        cut = _after_last_cell(buffer)  # a cell is never split between two parts
        _scan_part(buffer[:cut], scan, placeholder_zero, padded_styles)
        carry = buffer[cut:]


def _after_last_cell(buffer: bytes) -> int:
    """Where the last cell of ``buffer`` ends ("</c>", or "</x:c>" with a prefix); 0 if none."""
    plain, prefixed = buffer.rfind(b"</c>"), buffer.rfind(b":c>")
    return max(plain + 4 if plain >= 0 else 0, prefixed + 3 if prefixed >= 0 else 0)


_STYLED_CELL = re.compile(rb"""<(?:\w+:)?c\s([^>]*?\ss=["'](\d+)["'][^>]*)>""")


def _scan_part(part: bytes, scan: SheetScan, placeholder_zero: bool = False,
               padded_styles: dict[bytes, int] | None = None) -> None:
    if padded_styles:
        for match in _STYLED_CELL.finditer(part):
            digits = padded_styles.get(match.group(2))
            kind = _CELL_TYPE.search(b" " + match.group(1))
            ref = _CELL_REF.search(b" " + match.group(1))
            if digits and ref is not None and (kind is None or kind.group(1) == b"n"):
                scan.padded.append((int(ref.group(2)), column_index_from_string(ref.group(1).decode()), digits))
    if b"f" in part and (b"<f" in part or b":f" in part):  # most sheets have no formula at all
        for match in _FORMULA_WITHOUT_VALUE.finditer(part):
            prefix, text = match.group(1), match.group(2)
            value = b"" if match.group(3) is not None else match.group(4)  # None: no <v> at all
            if value is not None and value.strip() and not (placeholder_zero and value.strip() == b"0"):
                continue  # a saved result
            start = part.rfind(b"<" + prefix + b"c ", 0, match.start())
            if start < 0:
                continue
            tag = part[start : part.find(b">", start)]
            kind = _CELL_TYPE.search(tag)
            kind = kind.group(1) if kind is not None else b"n"
            if value is not None and value.strip() == b"0" and kind != b"n":
                continue  # "0" saved as text, a boolean's false: a result, not the numeric placeholder
            if value is not None and not value.strip() and kind == b"str":
                continue  # a formula whose result is the empty string, as Excel saves it
            ref = _CELL_REF.search(tag)
            if ref is None:  # cells without a reference are rare; such a cell is not located
                continue
            scan.unsaved_formulas.append((int(ref.group(2)), column_index_from_string(ref.group(1).decode()),
                                          html.unescape(text.decode("utf-8", "replace")) if text else ""))
    if b"mergeCell" in part:
        for match in _MERGED.finditer(part):
            first_col, first_row, last_col, last_row = match.groups()
            scan.merged.append((int(first_row), column_index_from_string(first_col.decode()),
                                int(last_row or first_row), column_index_from_string((last_col or first_col).decode())))
