"""Read survey exports into a raw table of strings, one reader per format.

Every reader returns a :class:`RawTable`: all cells as strings ('' when empty), the row
number a user would look for in the file, and the rows that could not even be read
(a CSV line with too many fields, a workbook row with data right of its header, a JSONL
line that is not JSON), so that ingestion can reject them with a reason instead of losing
them. Typing and validation happen later, in :mod:`verbatim.ingest`, the same way for
every format.

Survey exports are wide (dozens of metadata columns) and only a few columns are used.
With ``select``, a reader hands the header and the first ``SAMPLE_ROWS`` rows to
``select``, which names the columns to keep, and holds only those cells of the remaining
rows. CSV/TSV and XLSX are read as a stream of records (the file is never decoded or
split into a list of records all at once); Parquet reads only the kept columns. JSON and
JSONL are parsed whole, then reduced to the kept columns.

Row numbers are the ones a spreadsheet shows for the file (the header's row, then one row
per record: blank lines count, a quoted cell spanning lines is one row), so a user finds a
rejected row where the report says it is. JSON Lines rows are line numbers, JSON rows
record numbers. A CSV file whose lines all end in "\r\r\n" (Windows line ends converted
twice, which a spreadsheet shows with a blank row after every row) is read, with a note, as
the repaired file: one line end each, and rows numbered so. Workbook cells that read as blank
without being blank (a formula whose result was never saved, the cells of a merged range)
are found by :mod:`verbatim.sheetxml`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from .errors import InputError
from .textdecode import (DecodedLines, choose_decoding, decode, decode_line, decoding_notes, refuse_binary_as_text,
                         sniff_format)

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
SUPPORTED = "CSV/TSV, XLSX, JSON, JSONL, Parquet"
SAMPLE_ROWS = 2000  # rows ``select`` sees before the columns to keep are fixed
DELIMITERS = (",", ";", "\t", "|")
RECORD_KEYS = ("responses", "data", "records", "items", "results", "rows")
# The csv module's default field limit (131,072 characters) fails the whole file on one long
# comment; ingestion truncates long comments itself, with a note. 2**31 - 1 fits a C long
# everywhere (sys.maxsize does not on Windows).
CSV_FIELD_LIMIT = 2**31 - 1
# Appended after a CSV's last line to tell a closed last quote from one left open (see
# _csv_records); private-use code points, which no survey export contains.
END_OF_FILE = "\ue000verbatim: end of file\ue000"


@dataclass(frozen=True)
class RawTable:
    """Cells as strings plus where each row came from."""

    frame: pd.DataFrame  # object columns of str; '' for an empty cell
    rows: list[int]  # user-visible row number of each frame row
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    # {row, value, reason}, and where the row's cells stand in their columns (workbooks) the
    # rejected cell's ``column`` and the row's ``cells`` ({column: str}), which give its id
    unreadable: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Per frame row: every cell of the file's row is blank, in all columns, kept or not
    # (None: judge on the frame's columns).
    blank: list[bool] | None = None
    # Workbooks: per kept column, the (first row, last row, value) of each merged range that
    # starts in that column on a data row and spans rows: the rows below its first read blank.
    # The value is its first row's (read before any row was rejected: that row may be).
    merged_down: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)


Select = Callable[[pd.DataFrame], Sequence[str]]


def read_table(path: str | Path, *, sheet: str = "", encoding: str = "", select: Select | None = None,
               header_row: int = 0) -> RawTable:
    """Read any supported file; raise :class:`InputError` for a file that cannot be used.

    ``select(sample)`` receives the header and the first ``SAMPLE_ROWS`` rows (all columns,
    strings) and returns the names of the columns to keep; the table then holds only those,
    in the file's order (None: every column). Trailing empty rows are judged on every column.
    ``header_row``: the row of the column names in a CSV or XLSX file (0: the first row that
    is not blank); the rows above it are skipped, with a note.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("E101", "file not found", file=path)
    if path.is_dir():
        raise InputError("E102", "is a folder, not a file", file=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("E102", f"cannot be read ({exc.strerror or exc})", file=path) from None
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        raise InputError("E103", "file is empty", file=path)
    fmt = FORMATS.get(path.suffix.lower()) or sniff_format(data)
    if fmt is None:
        raise InputError(
            "E104", f"unknown format {path.suffix or '(no extension)'!r}; supported: {SUPPORTED}", file=path
        )
    refuse_binary_as_text(path, data, fmt)
    reader = {"csv": _read_delimited, "xlsx": _read_xlsx, "json": _read_json, "jsonl": _read_jsonl, "parquet": _read_parquet}[fmt]
    if fmt == "xlsx":
        return reader(path, data, sheet=sheet, select=select, header_row=header_row)
    if fmt == "csv":
        table = reader(path, data, encoding=encoding, select=select, header_row=header_row)
    elif fmt == "parquet":
        table = reader(path, data, select=select)
    else:
        table = _finish_parsed(reader(path, data, encoding=encoding), select)
    if sheet:  # silently ignored, it let a user believe the sheet they named was read
        table.notes.append(f"sheet {sheet!r} (--sheet, input.sheet) does not apply: the file is {fmt.upper()}, "
                           "not a workbook; its only table was read")
    return table


def _sniff_delimiter(text: str, default: str) -> str:
    """Pick the delimiter giving the widest header that later records agree with."""
    sample = text[:65536]
    best, best_width = default, 1
    for delim in DELIMITERS:
        try:
            records = []
            for record in csv.reader(io.StringIO(sample), delimiter=delim):
                if record:
                    records.append(len(record))
                if len(records) >= 50:
                    break
        except csv.Error:
            continue
        if not records or records[0] < 2:
            continue
        # Most records must have the header's width (a truncated last record is fine).
        agree = sum(1 for n in records[1:] if n == records[0])
        if len(records) > 1 and agree < 0.8 * (len(records) - 1):
            continue
        if records[0] > best_width:
            best, best_width = delim, records[0]
    return best


def header_names(names: list[object], notes: list[str]) -> list[str]:
    """Name blank headers and make duplicates unique, saying what was renamed. Names that
    differ only in case are duplicates ("comment" and "Comment"): column roles are found
    regardless of case, and Spark could not tell such columns apart."""
    given = [cell_to_str(raw).strip() or f"column_{i}" for i, raw in enumerate(names, start=1)]
    taken = {name.casefold() for name in given}
    out: list[str] = []
    used: set[str] = set()
    for i, name in enumerate(given, start=1):
        if name.casefold() in used:
            n = 2
            while f"{name}.{n}".casefold() in taken | used:  # header "a,a,a.2": the second is a.3
                n += 1
            new = f"{name}.{n}"
            notes.append(f"duplicate column name {name!r} at column {i} renamed to {new!r}")
            name = new
        used.add(name.casefold())
        out.append(name)
    return out


class _TableBuilder:
    """Rows of string cells in, a :class:`RawTable` frame out, keeping only the columns
    ``select`` names once it has seen the first ``SAMPLE_ROWS`` rows; remembers the last
    row with any non-blank cell (in any column) to drop trailing empty rows."""

    def __init__(self, header: list[str], select: Select | None) -> None:
        self.header = header
        self._select = select
        self._keep: list[int] | None = None if select else list(range(len(header)))
        self._sample: list[list[str]] = []
        self.columns: list[list[str]] = [[] for _ in header] if self._keep is not None else []
        self.rows: list[int] = []
        self.blank: list[bool] = []
        self._last_filled = 0  # rows added up to the last non-blank one

    def add(self, row: int, cells: list[str]) -> None:
        self.rows.append(row)
        filled = any(cells) and any(v.strip() for v in cells)
        self.blank.append(not filled)
        if filled:
            self._last_filled = len(self.rows)
        if self._keep is None:
            self._sample.append(cells)
            if len(self._sample) >= SAMPLE_ROWS:
                self._fix_columns()
            return
        for column, i in zip(self.columns, self._keep):
            column.append(cells[i])

    def _fix_columns(self) -> None:
        sample = pd.DataFrame(self._sample, columns=self.header, dtype=object) if self._sample \
            else pd.DataFrame(columns=self.header, dtype=object)
        sample = sample[[not b for b in self.blank[: len(sample)]]] if len(sample) else sample
        wanted = set(self._select(sample.reset_index(drop=True)))
        self._keep = [i for i, name in enumerate(self.header) if name in wanted]
        self.columns = [[cells[i] for cells in self._sample] for i in self._keep]
        self._sample = []

    def frame(self, notes: list[str],
              filled: Iterable[tuple[int, int]] = ()) -> tuple[pd.DataFrame, list[int], list[bool]]:
        """``filled``: (row, 0-based column) of cells that read blank without being blank (a
        workbook's formula without a saved result); a row with one in a kept column is never
        an empty row at the end, to be dropped: it is the caller's to reject."""
        if self._keep is None:
            self._fix_columns()
        last = self._last_filled
        if filled and last < len(self.rows):
            kept = set(self._keep)
            tail = {row: i for i, row in enumerate(self.rows[last:], start=last)}
            last = max([last] + [tail[row] + 1 for row, column in filled if column in kept and row in tail])
        if last < len(self.rows):
            notes.append(f"ignored {len(self.rows) - last} empty row(s) at the end of the file")
        names = [self.header[i] for i in self._keep]
        frame = pd.DataFrame({name: pd.Series(column[:last] if last < len(column) else column, dtype=object)
                              for name, column in zip(names, self.columns)}, columns=names)
        if not names:
            frame = pd.DataFrame(index=range(last))
        return frame, self.rows[:last], self.blank[:last]


def _allow_long_cells() -> None:
    """Raise the csv module's field limit to :data:`CSV_FIELD_LIMIT` (see there)."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def _unclosed_quote_error(exc: "_UnclosedQuote", path, header: list[str]) -> InputError:
    """The error of a CSV file whose quote opened in ``exc.row`` is never closed, naming the
    column (of ``header``, empty while the header itself is read) the quote opened in."""
    return InputError("E107", f"a quote opened in this row (line {exc.line} of the file) is never closed, so the rest of "
                      "the file would be read as one cell; close or remove the quote",
                      file=path, row=exc.row, column=header[exc.cell] if exc.cell < len(header) else None)


class _UnclosedQuote(Exception):
    """A quoted cell still open at the end of a CSV file."""

    def __init__(self, row: int, line: int, cell: int) -> None:
        super().__init__(row, line, cell)
        self.row, self.line, self.cell = row, line, cell  # cell: 0-based position in its row


def _then_end_marker(lines: Iterable[str]) -> Iterator[str]:
    """The lines, then :data:`END_OF_FILE` on a line of its own: a quote still open at the end
    takes the marker into its cell. The csv module ends such a cell at the end of the file
    without a word, and the rest of the file after the quote becomes one cell."""
    last = None
    for line in lines:
        if last is not None:
            yield last
        last = line
    if last is not None:  # a last line without its line end gets one (as its own line it was a blank row)
        yield last if last.endswith(("\n", "\r")) else last + "\n"
    yield END_OF_FILE


def _csv_records(lines: Iterable[str], delimiter: str, rows_end: list[int]) -> Iterator[tuple[int, list[str]]]:
    """``(row, cells)`` of every record, numbered as a spreadsheet numbers the rows it shows
    for the file: a blank line is a row (with no cells), a quoted cell spanning lines is in
    one row. Appends the line each row ends on to ``rows_end``. Raises
    :class:`_UnclosedQuote` when a quote is still open at the end of the file."""
    reader = csv.reader(_then_end_marker(lines), delimiter=delimiter)
    for record in reader:
        if record and record[-1].endswith(END_OF_FILE):
            if record == [END_OF_FILE]:
                return
            raise _UnclosedQuote(len(rows_end) + 1, rows_end[-1] + 1 if rows_end else 1, len(record) - 1)
        rows_end.append(reader.line_num)
        yield len(rows_end), record


def too_wide_entry(row: int, record: list[str], width: int, delim: str) -> dict | None:
    """The unreadable entry of a CSV row with more non-blank fields than the header has
    columns (whose cells cannot be told apart), else None."""
    if len(record) > width and any(v.strip() for v in record[width:]):
        return {"row": row, "value": delim.join(record)[:200],
                "reason": f"row has {len(record)} fields but the header has {width}"}
    return None


@dataclass(frozen=True)
class CsvLayout:
    """Where a CSV file's rows are, as :func:`read_table` numbers them: what a reader that
    skips blank lines (Spark's) needs to number and judge rows the same way."""

    header_row: int
    header: list[str]
    blank_lines: list[int]  # rows below the header that are a blank line (no cell), up to the last filled row
    too_wide: list[dict]  # unreadable entries (see RawTable.unreadable) of rows with too many fields
    last_filled: int  # the last row of the table with a non-blank cell (0: none)
    trailing: int  # rows of the table after it (blank lines, blank cells), which the reader ignores
    cells_before_header: bool  # whether a row above the header has (blank) cells (",,"), not only a blank line


class _LastRowEnd:
    """The ``rows_end`` of :func:`_csv_records` for a scan: counts rows without keeping
    every row's line number (the last one is all it reads)."""

    def __init__(self) -> None:
        self.rows, self.last = 0, 0

    def append(self, line: int) -> None:
        self.rows, self.last = self.rows + 1, line

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index: int) -> int:
        return self.last


def csv_layout(path: str | Path, delimiter: str) -> CsvLayout:
    """Scan a UTF-8 CSV file (header: its first row that is not blank) record by record,
    holding only the rows that are not plain data rows. Raises :class:`InputError` for a quote
    never closed or a file that is not CSV, as :func:`read_table` does."""
    _allow_long_cells()
    header_row, header, width = 0, [], 0
    blank_lines: list[int] = []
    too_wide: list[dict] = []
    last_filled, after, cells_above = 0, 0, False  # after: table rows since the last filled one
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        try:
            for row, record in _csv_records(handle, delimiter, _LastRowEnd()):
                if not header_row:
                    if all(_blank_cell(v) for v in record):
                        cells_above = cells_above or bool(record)
                        continue
                    header_row, header, width = row, list(record), len(record)
                    continue
                wide = too_wide_entry(row, record, width, delimiter)
                if wide:  # not a row of the table: no part in what is trailing (as _TableBuilder sees it)
                    too_wide.append(wide)
                    continue
                if not record:
                    blank_lines.append(row)
                if any(v.strip() for v in record):
                    last_filled, after = row, 0
                else:
                    after += 1
        except _UnclosedQuote as exc:
            raise _unclosed_quote_error(exc, path, header) from None
        except csv.Error as exc:
            raise InputError("E107", f"not valid CSV: {exc}", file=path) from None
    return CsvLayout(header_row, header, [r for r in blank_lines if r < last_filled], too_wide, last_filled,
                     after, cells_above)


def _head(lines: Iterable[str], chars: int) -> str:
    """The first whole lines holding at least ``chars`` characters (all of them if fewer)."""
    head, size = [], 0
    for line in lines:
        head.append(line)
        size += len(line)
        if size >= chars:
            break
    return "".join(head)


def _find_header(records: Iterator[tuple[int, list]], header_row: int, notes: list[str]) -> tuple[int, list | None]:
    """``(row, cells)`` of the header: row ``header_row`` when given, else the first row that
    is not blank (blank rows above it are layout, as in a workbook). Notes the rows skipped."""
    if header_row:
        found = next(((row, cells) for row, cells in records if row == header_row), (0, None))
        if found[1] is not None and header_row > 1:
            notes.append(f"skipped {header_row - 1} row(s) above the header (row {header_row}, input.header_row)")
        return found
    found = next(((row, cells) for row, cells in records if not all(_blank_cell(v) for v in cells)), (0, None))
    if found[1] is not None and found[0] > 1:
        notes.append(f"skipped {found[0] - 1} blank row(s) above the header (row {found[0]})")
    return found


# Line ends and the quotes that open and close a cell, as csv reads them.
_QUOTE_OR_LINE_END = re.compile(r'"|\r\r\n|\r\n|\r|\n')
DOUBLED_CRLF_NOTE = (
    "the lines of this file end in '\\r\\r\\n' (Windows line ends converted to Windows line ends a "
    "second time): each is read as one line end, and rows are numbered so, as the repaired file shows them; "
    "a spreadsheet opening the file as it is shows a blank row after every row, and row numbers about twice these")


def line_ends_doubled(head: str) -> bool:
    """Whether every line end of ``head`` (the first lines of a CSV file) outside a quoted
    cell is "\r\r\n": a Windows file whose line ends were converted to Windows ones again,
    which would read as a blank row after every row. Decided on the whole head, never line by
    line: in an ordinary file a blank line is a row, and one stray "\r" is not a pattern. A
    line break inside a quoted cell may be anything (Excel writes "\n" there, which the second
    conversion made "\r\n")."""
    if head.endswith("\r"):  # the head may stop between the "\r" and the "\r\n" of a line end
        head = head[:-1]
    quoted, doubled = False, 0
    for match in _QUOTE_OR_LINE_END.finditer(head):
        token = match.group()
        if token == '"':  # an escaped quote ("") toggles twice: parity tells inside from outside
            quoted = not quoted
        elif not quoted:
            if token != "\r\r\n":
                return False
            doubled += 1
    return doubled > 0


# Excel's first line "sep=;" names the delimiter of the lines below it.
_EXCEL_SEP = re.compile(r'^"?sep=(.)"?\r?\n?$')


def _read_delimited(path: Path, data: bytes, *, encoding: str = "", select: Select | None = None,
                    header_row: int = 0) -> RawTable:
    _allow_long_cells()
    decoding = choose_decoding(path, data, encoding)
    lines = DecodedLines(data, decoding)  # decodes as csv reads: never the whole file at once
    default = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    notes: list[str] = []
    header: list[str] = []
    rows_end: list[int] = []
    try:
        head = _head(DecodedLines(data, decoding), 65536)
        if line_ends_doubled(head):
            lines = DecodedLines(data, decoding, doubled_crlf=True)
            head = _head(DecodedLines(data, decoding, doubled_crlf=True), 65536)
            notes.append(DOUBLED_CRLF_NOTE)
        first_line = head.split("\n", 1)[0]
        excel_sep = _EXCEL_SEP.match(first_line)
        if excel_sep:  # the delimiter is named; the line itself is not a row of the table
            delim = excel_sep.group(1)
            notes.append(f"the first line is Excel's delimiter line {first_line.strip()!r}, which Excel does not "
                         "show: skipped, and rows are numbered as Excel shows them")
        else:  # sniffed from the header down: a title row above it has no delimiter
            skip = max(header_row - 1, 0)
            delim = _sniff_delimiter("".join(head.splitlines(keepends=True)[skip:]), default)
        records = _csv_records(lines, delim, rows_end)
        if excel_sep:
            next(records, None)
            records = ((row - 1, cells) for row, cells in records)
        # Below Excel's line the header is the next row that is not blank; its own note says why
        # row 1 was skipped.
        found_row, first = _find_header(records, header_row, notes if header_row or not excel_sep else [])
        if first is None:
            raise InputError("E103", f"no row {header_row} to read the column names from" if header_row
                             else "no header: every row is blank", file=path)
        header = header_names(first, notes)
        width = len(header)
        table = _TableBuilder(header, select)
        unreadable = []
        for row, record in records:
            wide = too_wide_entry(row, record, width, delim)
            if wide:
                unreadable.append(wide)
                continue
            if len(record) != width:  # trailing empty cells are often trimmed; a blank line has none
                record = (record + [""] * width)[:width]
            table.add(row, record)
    except _UnclosedQuote as exc:
        raise _unclosed_quote_error(exc, path, header) from None
    except csv.Error as exc:
        raise InputError("E107", f"not valid CSV: {exc}", file=path) from None
    except UnicodeDecodeError as exc:  # a BOM promised UTF-16 and the bytes were not
        raise InputError("E102", f"cannot be decoded as {lines.name}: {exc}", file=path) from None
    notes += decoding_notes(lines, "row", rows_end)
    frame, rows, blank = table.frame(notes)
    return RawTable(frame, rows, "csv", lines.name, delim, unreadable, notes, blank)


def _read_xlsx(path: Path, data: bytes, *, sheet: str = "", select: Select | None = None,
               header_row: int = 0) -> RawTable:
    import zipfile

    import openpyxl

    from .sheetxml import check_sheet, header_formula_notes, scan_worksheet  # imports openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError("E107", f"not a readable XLSX workbook ({exc})", file=path) from None
    try:
        notes: list[str] = []
        if sheet:
            if sheet not in book.sheetnames:
                raise InputError("E105", f"no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}", file=path)
            ws = book[sheet]
        else:
            ws = _first_visible_sheet(book)
            if len(book.worksheets) > 1:
                listed = ", ".join(f"{w.title!r}" + ("" if w.sheet_state == "visible" else f" ({w.sheet_state})")
                                   for w in book.worksheets)
                notes.append(f"read sheet {ws.title!r} of {len(book.worksheets)} ({listed}); choose another with --sheet")
        # Read-only openpyxl stops at the size the sheet declares (its <dimension> tag), which
        # some writers leave stale: rows and columns past it would vanish. Reading past it
        # (openpyxl's documented remedy) rows keep their own length; the declared width still
        # names columns whose header cell is blank, as it did.
        declared_width = ws.max_column or 0
        ws.reset_dimensions()
        values = ws.iter_rows(values_only=True)  # streamed: read_only workbooks parse as they go
        others = [w.title for w in book.worksheets if w is not ws]
        header = None
        try:
            offset, header_values = _find_header(enumerate(values, start=1), header_row, notes)
            if header_values is None:
                raise InputError("E103", f"no row {header_row} to read the column names from" if header_row
                                 else "workbook sheet is empty", file=path)
            width = max(len(header_values), declared_width)
            header = header_names(list(header_values) + [None] * (width - len(header_values)), notes)
            table = _TableBuilder(header, select)
            unreadable = []
            for row, record in enumerate(values, start=offset + 1):  # openpyxl rows are 1-based
                if len(record) > width and not all(_blank_cell(v) for v in record[width:]):
                    unreadable.append(_wider_than_header(row, record, header))
                    continue
                table.add(row, [cell_to_str(v) for v in (list(record) + [None] * width)[:width]])
            scan = scan_worksheet(ws)
            frame, rows, blank = table.frame(notes, [(row, column - 1) for row, column, _ in scan.unsaved_formulas])
            frame, rows, blank, merged_down = check_sheet(scan, header, offset, frame, rows, blank, unreadable, notes)
        except InputError as exc:
            if exc.code == "E105" and header and (why := header_formula_notes(scan_worksheet(ws), header, offset)):
                # A column was not found because its name is a formula never computed: say so.
                raise InputError("E105", f"{exc.message}; {'; '.join(why)}", file=exc.file, row=exc.row,
                                 column=exc.column) from None
            if exc.code not in ("E103", "E105") or sheet or not others:
                raise
            # A cover or notes sheet first: the columns are on another sheet. The first other
            # visible sheet where they are found is read, and the run says so.
            found = _other_sheet(path, data, book, ws, select, header_row, exc.message.split(";")[0])
            if found is not None:
                return found
            raise InputError(exc.code, f"{exc.message}; this is sheet {ws.title!r}, the workbook also has "
                                       f"{', '.join(repr(t) for t in others)}: choose one with --sheet",
                             file=exc.file, row=exc.row, column=exc.column) from None
        if not rows and not unreadable and not sheet and others:
            # A title line alone ("NPS report, Q3") reads as column names with nothing below.
            found = _other_sheet(path, data, book, ws, select, header_row, "no rows below its first line")
            if found is not None:
                return found
    finally:
        book.close()
    return RawTable(frame, rows, "xlsx", None, None, unreadable, notes, blank, merged_down)


def _first_visible_sheet(book):
    """The first sheet a user sees: a hidden one (an old wave kept out of sight) is never
    read unless named with --sheet."""
    return next((ws for ws in book.worksheets if ws.sheet_state == "visible"), book.worksheets[0])


def _other_sheet(path: Path, data: bytes, book, ws, select: Select | None, header_row: int,
                 why: str) -> RawTable | None:
    """The first visible sheet after ``ws`` that holds a survey table, read, with a note that
    says ``ws`` was passed over and why; None when no other sheet has one."""
    for other in [w.title for w in book.worksheets if w is not ws and w.sheet_state == "visible"]:
        try:
            found = _read_xlsx(path, data, sheet=other, select=select, header_row=header_row)
        except InputError as again:
            if again.code not in ("E103", "E105"):
                raise
            continue
        if found.frame.empty and not found.unreadable:  # column names alone: no survey either
            continue
        found.notes.insert(0, f"sheet {ws.title!r} holds no survey table ({why}): read sheet {other!r} "
                              f"instead, of {len(book.worksheets)}; choose another with --sheet")
        return found
    return None


def _blank_cell(value: object) -> bool:
    return value is None or str(value).strip() == ""


def _wider_than_header(row: int, record: Sequence[object], header: list[str]) -> dict:
    """A workbook row with data right of the header's last column, which only a sheet whose
    declared size is missing or stale can have: rejected like a CSV row with too many fields.
    Unlike a CSV row's, its cells stand in their columns, so its ``cells`` (the id) are known."""
    from openpyxl.utils import get_column_letter

    width = len(header)
    last = max(i for i, v in enumerate(record) if not _blank_cell(v)) + 1
    return {"row": row, "value": ", ".join(cell_to_str(v) for v in record[:last])[:200],
            "reason": f"row has data in column {get_column_letter(last)}, right of the header's last column "
                      f"({get_column_letter(width)})", "cells": dict(zip(header, map(cell_to_str, record[:width])))}


def _records_to_table(path: Path, records: list[tuple[int, object]], fmt: str, used: str, unreadable: list[dict],
                      notes: list[str]) -> RawTable:
    """Flatten JSON objects (nested objects become ``a.b`` columns) into a string table."""
    objects, rows = [], []
    for row, record in records:
        if not isinstance(record, dict):
            unreadable.append({"row": row, "value": json.dumps(record, ensure_ascii=False)[:200],
                               "reason": "record is not an object"})
            continue
        objects.append(_flatten(record))
        rows.append(row)
    if records and not objects:  # else "no comment column found (columns are: )"
        kind = "an array" if isinstance(records[0][1], list) else "not an object"
        raise InputError("E107", f"holds no JSON object: its first record (row {records[0][0]}) is {kind}; "
                                 "each response must be one object of named values, such as "
                                 '{"comment": "...", "score": 9}', file=path)
    columns: list[str] = []
    for obj in objects:
        for key in obj:
            if key not in columns:
                columns.append(key)
    _note_objects_among_values(columns, objects, rows, notes)
    columns, objects = _merge_case_variants(columns, objects, notes)
    frame = pd.DataFrame([[cell_to_str(o.get(c)) for c in columns] for o in objects], columns=columns, dtype=object)
    return RawTable(frame, rows, fmt, used, None, unreadable, notes)


def _note_objects_among_values(columns: list[str], objects: list[dict], rows: list[int], notes: list[str]) -> None:
    """A note for each key that holds a value in some records and an object in others
    (``"comment": {"text": ...}``): flattened, the object's fields are other columns and the
    key reads blank in those records, which must not go unsaid."""
    for key in columns:
        nested = [c for c in columns if c.startswith(f"{key}.")]
        if not nested:
            continue
        held = [row for row, obj in zip(rows, objects) if any(c in obj for c in nested)]
        if held:
            shown = ", ".join(repr(c) for c in nested[:3]) + (", ..." if len(nested) > 3 else "")
            notes.append(f"'{key}' holds an object, not a value, in {len(held)} record(s) (first: row {held[0]}): "
                         f"read there as {shown}, and '{key}' as blank")


def _merge_case_variants(columns: list[str], objects: list[dict], notes: list[str]) -> tuple[list[str], list[dict]]:
    """Keys that differ only in case ("comment", "Comment"; records merged from two systems)
    and never stand in the same record are one column, named as first seen; read apart, each
    record would miss the other's comment or score. Keys that do share a record stay apart
    (which one is meant is not for the reader to guess). A note says which."""
    groups: dict[str, list[str]] = {}
    for key in columns:
        groups.setdefault(key.casefold(), []).append(key)
    variants = [keys for keys in groups.values() if len(keys) > 1]
    if not variants:
        return columns, objects
    rename: dict[str, str] = {}
    for keys in variants:
        together = sum(1 for obj in objects if sum(k in obj for k in keys) > 1)
        shown = " and ".join(repr(k) for k in keys)
        if together:
            notes.append(f"keys {shown} differ only in case and appear together in {together} record(s): "
                         "read as separate columns")
            continue
        rename.update((k, keys[0]) for k in keys[1:])
        notes.append(f"keys {shown} differ only in case and never appear in the same record: "
                     f"read as one column {keys[0]!r}")
    if not rename:
        return columns, objects
    objects = [{rename.get(k, k): v for k, v in obj.items()} if not rename.keys().isdisjoint(obj) else obj
               for obj in objects]
    return [c for c in columns if c not in rename], objects


def _flatten(obj: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _read_json(path: Path, data: bytes, *, encoding: str = "") -> RawTable:
    text, used, notes = decode(path, data, encoding, unit="line")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = "; it looks like JSON Lines (one record per line): rename it to .jsonl" \
            if exc.msg == "Extra data" and _starts_with_one_line_record(text) else ""
        raise InputError("E107", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}",
                         file=path) from None
    if isinstance(doc, dict):
        lists = {k: v for k, v in doc.items() if isinstance(v, list)}
        key = next((k for k in RECORD_KEYS if k in lists), None)
        if key is None and len(lists) == 1:
            key = next(iter(lists))
        if key is None:
            raise InputError("E107", "expected a list of records (or an object holding one, such as 'responses')", file=path)
        doc = lists[key]
    if not isinstance(doc, list):
        raise InputError("E107", "expected a list of records", file=path)
    return _records_to_table(path, list(enumerate(doc, start=1)), "json", used, [], notes)


def _starts_with_one_line_record(text: str) -> bool:
    """Whether the first non-blank line is a whole JSON object: JSON Lines saved as .json."""
    first = text.lstrip().partition("\n")[0]
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def _read_jsonl(path: Path, data: bytes, *, encoding: str = "") -> RawTable:
    text, used, notes = decode(path, data, encoding, unit="row")
    records, unreadable = [], []
    # Lines end at line feeds only: str.splitlines() also splits at U+2028, U+2029 and NEL,
    # which JSON strings may hold as they are (text pasted from a web page), and at form feeds
    # and other controls; a record would become several invalid rows.
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            records.append((lineno, json.loads(line)))
        except json.JSONDecodeError as exc:
            unreadable.append({"row": lineno, "value": line[:200], "reason": f"invalid JSON ({exc.msg})"})
    one_array = len(records) == 1 and isinstance(records[0][1], list)  # a JSON array on one line
    if (unreadable or one_array) and _is_one_json_document(text):
        raise InputError("E107", "is one JSON document, not JSON Lines (one record per line); "
                                 "rename it to .json", file=path)
    return _records_to_table(path, records, "jsonl", used, unreadable, notes)


def _is_one_json_document(text: str) -> bool:
    """Whether the whole text parses as one JSON value: a pretty-printed JSON file saved as
    .jsonl, whose '[' and ']' lines would otherwise be rejected rows and records lost."""
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _read_parquet(path: Path, data: bytes, *, select: Select | None = None) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def strings(table) -> list[list[str]]:  # by position: names may repeat
        return [[cell_to_str(v) for v in table.column(i).to_pylist()] for i in range(table.num_columns)]

    notes: list[str] = []
    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        names = parquet.schema_arrow.names
        header = header_names(names, notes)
        n_rows = parquet.metadata.num_rows
        last = _last_filled_parquet_row(parquet)
        wanted = list(range(len(names)))
        if select is not None:
            head = next(parquet.iter_batches(batch_size=SAMPLE_ROWS), None)
            cells = strings(head) if head is not None else [[] for _ in names]
            sample = pd.DataFrame(dict(zip(header, cells)), columns=header, dtype=object)
            keep = set(select(sample[~blank_rows(sample)].reset_index(drop=True)))
            wanted = [i for i, name in enumerate(header) if name in keep]
        if len(set(names)) == len(names):  # read only the kept columns
            columns = strings(parquet.read(columns=[names[i] for i in wanted]))
        else:  # repeated names cannot be selected by name: read all, keep by position
            every = strings(parquet.read())
            columns = [every[i] for i in wanted]
    except (pa.ArrowException, OSError) as exc:
        raise InputError("E107", f"not a readable Parquet file ({exc})", file=path) from None
    if last < n_rows:
        notes.append(f"ignored {n_rows - last} empty row(s) at the end of the file")
    kept = [header[i] for i in wanted]
    frame = pd.DataFrame({name: pd.Series(column[:last], dtype=object) for name, column in zip(kept, columns)},
                         columns=kept)
    # Blank rows are judged on the kept columns (the others are never read); trailing ones on all.
    return RawTable(frame, list(range(1, last + 1)), "parquet", None, None, [], notes)


def _last_filled_parquet_row(parquet) -> int:
    """Rows up to the last one with a non-blank cell in any column, read from the last row
    group backwards (trailing empty rows are rare and few: usually one group is read). A
    cell is blank when :func:`cell_to_str` makes it blank: null, NaN or whitespace only."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def filled(column) -> np.ndarray:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            mask = pc.not_equal(pc.utf8_trim_whitespace(column), "")
        elif pa.types.is_floating(column.type):
            mask = pc.invert(pc.is_nan(column))
        else:
            mask = pc.is_valid(column)
        return mask.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)

    end = parquet.metadata.num_rows
    for group in reversed(range(parquet.num_row_groups)):
        table = parquet.read_row_group(group)
        start = end - table.num_rows
        any_filled = np.zeros(table.num_rows, dtype=bool)
        for column in table.columns:
            any_filled |= filled(column)
        if any_filled.any():
            return start + int(np.flatnonzero(any_filled)[-1]) + 1
        end = start
    return 0


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Per row of a frame: whether every cell is blank (missing counts as blank)."""
    blank = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        blank &= frame.iloc[:, i].astype(object).fillna("").astype(str).str.strip().eq("").to_numpy(dtype=bool)
    return blank


def _finish_parsed(table: RawTable, select: Select | None) -> RawTable:
    """For readers that parse whole (JSON, JSONL): drop trailing empty rows (spreadsheet-like
    padding, not data), then keep the columns ``select`` names, choosing them on every row
    that is not blank."""
    blank = blank_rows(table.frame)
    last = len(blank) - int(np.argmin(blank[::-1])) if not blank.all() else 0
    notes = table.notes
    if last < len(blank):
        notes = notes + [f"ignored {len(blank) - last} empty row(s) at the end of the file"]
    frame, blank = table.frame.iloc[:last].reset_index(drop=True), blank[:last]
    if select is not None:
        keep = set(select(frame[~blank].reset_index(drop=True)))
        frame = frame[[name for name in frame.columns if name in keep]]
    return dataclasses.replace(table, frame=frame, rows=table.rows[:last], notes=notes, blank=blank.tolist())


def cell_to_str(value: object) -> str:
    """One cell as the string a person would read (9.0 -> '9', dates in ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=cell_to_str)
    if isinstance(value, (bytes, bytearray, memoryview)):
        # Parquet's plain binary type, in which older Hive, Impala and Spark writers store
        # strings: as text, not "b'...'"; bytes that are not UTF-8 read as cp1252 (Latin-1).
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return decode_line(raw)[0]
    return str(value)
