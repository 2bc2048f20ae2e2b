"""Read survey exports into a raw table of strings, one reader per format.

Every reader returns a :class:`RawTable`: all cells as strings ('' when empty), the row
number a user would look for in the file, and the rows that could not even be read
(a CSV line with too many fields, a JSONL line that is not JSON), so that ingestion can
reject them with a reason instead of losing them. Typing and validation happen later,
in :mod:`verbatim.ingest`, the same way for every format.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from .errors import InputError

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
DELIMITERS = (",", ";", "\t", "|")
RECORD_KEYS = ("responses", "data", "records", "items", "results", "rows")


@dataclass(frozen=True)
class RawTable:
    """Cells as strings plus where each row came from."""

    frame: pd.DataFrame  # object columns of str; '' for an empty cell
    rows: list[int]  # user-visible row number of each frame row
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    unreadable: list[dict] = field(default_factory=list)  # {row, value, reason}
    notes: list[str] = field(default_factory=list)


def read_table(path: str | Path, *, sheet: str = "", encoding: str = "") -> RawTable:
    """Read any supported file; raise :class:`InputError` for a file that cannot be used."""
    path = Path(path)
    if not path.exists():
        raise InputError("E101", "file not found", file=path)
    if path.is_dir():
        raise InputError("E102", "is a folder, not a file", file=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("E102", f"cannot be read ({exc.strerror or exc})", file=path) from None
    if not data.strip():
        raise InputError("E103", "file is empty", file=path)
    fmt = FORMATS.get(path.suffix.lower()) or _sniff_format(data)
    if fmt is None:
        raise InputError(
            "E104", f"unknown format {path.suffix or '(no extension)'!r}; supported: {SUPPORTED}", file=path
        )
    reader = {"csv": _read_delimited, "xlsx": _read_xlsx, "json": _read_json, "jsonl": _read_jsonl, "parquet": _read_parquet}[fmt]
    if fmt == "xlsx":
        table = reader(path, data, sheet=sheet)
    elif fmt in ("csv", "json", "jsonl"):
        table = reader(path, data, encoding=encoding)
    else:
        table = reader(path, data)
    return _drop_trailing_empty(table)


def _sniff_format(data: bytes) -> str | None:
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"PAR1"):
        return "parquet"
    head = data.lstrip()[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        return "jsonl" if data.strip().count(b"\n") and data.strip().endswith(b"}") and b"}\n{" in data.replace(b"\r", b"") else "json"
    return None


def decode(path: Path, data: bytes, encoding: str = "") -> tuple[str, str]:
    """Decode bytes: a forced encoding, else BOM, else UTF-8, else cp1252, else Latin-1."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError("E102", f"cannot be decoded as {encoding}: {exc}", file=path) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:8192]:
        raise InputError("E107", "contains binary data; is it really a text file?", file=path)
    for candidate in ("utf-8", "cp1252"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


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


def _header(names: list[object], notes: list[str]) -> list[str]:
    """Name blank headers and make duplicates unique, saying what was renamed."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(names, start=1):
        name = cell_to_str(raw).strip() or f"column_{i}"
        if name in seen:
            seen[name] += 1
            new = f"{name}.{seen[name]}"
            notes.append(f"duplicate column name {name!r} at column {i} renamed to {new!r}")
            name = new
        else:
            seen[name] = 1
        out.append(name)
    return out


def _read_delimited(path: Path, data: bytes, *, encoding: str = "") -> RawTable:
    text, used = decode(path, data, encoding)
    default = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    delim = _sniff_delimiter(text, default)
    notes: list[str] = []
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        raise InputError("E107", f"not valid CSV: {exc}", file=path) from None
    records = [r for r in records if r]  # blank lines carry no data
    if not records:
        raise InputError("E103", "file is empty", file=path)
    header = _header(records[0], notes)
    width = len(header)
    cells, rows, unreadable = [], [], []
    for index, record in enumerate(records[1:], start=2):
        if len(record) > width and any(v.strip() for v in record[width:]):
            unreadable.append(
                {"row": index, "value": delim.join(record)[:200],
                 "reason": f"row has {len(record)} fields but the header has {width}"}
            )
            continue
        record = (record + [""] * width)[:width]  # trailing empty cells are often trimmed
        cells.append(record)
        rows.append(index)
    frame = pd.DataFrame(cells, columns=header, dtype=object) if cells else pd.DataFrame(columns=header, dtype=object)
    return RawTable(frame, rows, "csv", used, delim, unreadable, notes)


def _read_xlsx(path: Path, data: bytes, *, sheet: str = "") -> RawTable:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError("E107", f"not a readable XLSX workbook ({exc})", file=path) from None
    try:
        if sheet:
            if sheet not in book.sheetnames:
                raise InputError("E105", f"no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}", file=path)
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        values = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    while values and all(v is None or str(v).strip() == "" for v in values[0]):
        values.pop(0)  # leading blank rows above the header are layout, not data
    if not values:
        raise InputError("E103", "workbook sheet is empty", file=path)
    offset = 1  # openpyxl rows are 1-based; the header is the first non-blank row
    notes: list[str] = []
    header = _header(list(values[0]), notes)
    width = len(header)
    cells = [[cell_to_str(v) for v in (list(r) + [None] * width)[:width]] for r in values[1:]]
    rows = list(range(offset + 1, offset + 1 + len(cells)))
    frame = pd.DataFrame(cells, columns=header, dtype=object) if cells else pd.DataFrame(columns=header, dtype=object)
    return RawTable(frame, rows, "xlsx", None, None, [], notes)


def _records_to_table(path: Path, records: list[tuple[int, object]], fmt: str, used: str, unreadable: list[dict]) -> RawTable:
    """Flatten JSON objects (nested objects become ``a.b`` columns) into a string table."""
    objects, rows = [], []
    for row, record in records:
        if not isinstance(record, dict):
            unreadable.append({"row": row, "value": json.dumps(record, ensure_ascii=False)[:200],
                               "reason": "record is not an object"})
            continue
        objects.append(_flatten(record))
        rows.append(row)
    columns: list[str] = []
    for obj in objects:
        for key in obj:
            if key not in columns:
                columns.append(key)
    frame = pd.DataFrame([[cell_to_str(o.get(c)) for c in columns] for o in objects], columns=columns, dtype=object)
    return RawTable(frame, rows, fmt, used, None, unreadable, [])


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
    text, used = decode(path, data, encoding)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("E107", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=path) from None
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
    return _records_to_table(path, list(enumerate(doc, start=1)), "json", used, [])


def _read_jsonl(path: Path, data: bytes, *, encoding: str = "") -> RawTable:
    text, used = decode(path, data, encoding)
    records, unreadable = [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((lineno, json.loads(line)))
        except json.JSONDecodeError as exc:
            unreadable.append({"row": lineno, "value": line[:200], "reason": f"invalid JSON ({exc.msg})"})
    return _records_to_table(path, records, "jsonl", used, unreadable)


def _read_parquet(path: Path, data: bytes) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        raise InputError("E107", f"not a readable Parquet file ({exc})", file=path) from None
    notes: list[str] = []
    header = _header(table.column_names, notes)
    columns = {name: [cell_to_str(v) for v in table.column(i).to_pylist()] for i, name in enumerate(header)}
    frame = pd.DataFrame(columns, columns=header, dtype=object)
    return RawTable(frame, list(range(1, table.num_rows + 1)), "parquet", None, None, [], notes)


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
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _drop_trailing_empty(table: RawTable) -> RawTable:
    """Rows of empty cells after the last real row are spreadsheet formatting, not data."""
    frame = table.frame
    if frame.empty:
        return table
    # From the end only: a wide export of 200,000 rows has millions of cells, the tail a few.
    last = len(frame)
    while last > 0 and not any(str(v).strip() for v in frame.iloc[last - 1]):
        last -= 1
    if last == len(frame):
        return table
    notes = table.notes + [f"ignored {len(frame) - last} empty row(s) at the end of the file"]
    return RawTable(frame.iloc[:last].reset_index(drop=True), table.rows[:last], table.format,
                    table.encoding, table.delimiter, table.unreadable, notes)
