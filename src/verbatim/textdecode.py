"""Bytes to text for the readers: what a file really is, and how its text is decoded.

A survey export's extension is not always the truth (a workbook saved as .csv, JSON Lines
saved as .json), and its text is not always in one encoding: exports are concatenated from
several tools, and one line saved by a Windows tool must not turn every accented letter of
a UTF-8 file into mojibake. :func:`choose_decoding` picks how a file is decoded and
:class:`DecodedLines` decodes it a line at a time, never whole, keeping the numbers of the
lines that needed another encoding so that ingestion can say so.
"""

from __future__ import annotations

import bisect
import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import InputError

ANY_LINE_END = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # lines as csv and spreadsheets split them
# A Windows file converted to Windows line ends once more ends its lines in "\r\r\n"; read so,
# each is one line end (see DecodedLines' doubled_crlf).
DOUBLED_CRLF_LINE_END = re.compile(rb"[^\r\n]*(?:\r\r\n|\r\n|\r|\n)|[^\r\n]+")
LF_LINE_END = re.compile(rb"[^\n]*\n|[^\n]+")  # lines as JSON counts them
LISTED = 10  # row numbers a note lists before "and N more"


def sniff_format(data: bytes) -> str | None:
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


def refuse_binary_as_text(path: Path, data: bytes, fmt: str) -> None:
    """A workbook or Parquet file saved with a text extension would fail as 'binary data' or
    read as garbage, and a ZIP archive of exports (``survey.zip``, or one named ``.xlsx``) as
    a broken workbook; its first bytes say what it is, so the error can say how to fix it."""
    members = _zip_members(data) if fmt == "xlsx" and data.startswith(b"PK\x03\x04") else None
    if members is not None and not any(name.startswith("xl/") for name in members):
        held = f" holding {', '.join(members[:3])}{', ...' if len(members) > 3 else ''}" if members else ""
        raise InputError("E107", f"is a ZIP archive{held}, not an XLSX workbook; extract the export from it first",
                         file=path)
    if fmt not in ("csv", "json", "jsonl"):
        return
    if data.startswith(b"PK\x03\x04"):
        what, fix = ("an XLSX workbook (ZIP data)", "rename it to .xlsx") if _is_workbook(data) \
            else ("a ZIP archive", "extract the export from it first")
    elif data.startswith(b"PAR1"):
        what, fix = "a Parquet file", "rename it to .parquet"
    else:
        return
    raise InputError("E107", f"looks like {what}, not {fmt.upper()} text; {fix}", file=path)


def _zip_members(data: bytes) -> list[str] | None:
    """The file names a ZIP archive holds (folders left out), None when it cannot be read
    (a damaged workbook is left to the workbook reader's message)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [name for name in archive.namelist() if not name.endswith("/")]
    except zipfile.BadZipFile:
        return None


def _is_workbook(data: bytes) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.startswith("xl/") for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


@dataclass(frozen=True)
class Decoding:
    """How a text file is decoded: see :func:`choose_decoding`."""

    codec: str | None  # decodes the whole file; None: line by line (see DecodedLines)
    name: str = ""  # the encoding to report; '' to judge it from the lines
    skip: int = 0  # bytes before the first line (a BOM), line by line only


def choose_decoding(path: Path, data: bytes, encoding: str = "") -> Decoding:
    """A forced encoding (checked now, so a wrong one fails before any row is read), else
    the one a BOM names, else UTF-8 when every byte is valid UTF-8, else cp1252 when no
    line could be UTF-8 (a plain Windows export, decoded as fast as UTF-8), else line by
    line: UTF-8 where a line is valid UTF-8 and cp1252 (or Latin-1) where it is not."""
    if encoding:
        try:
            if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):  # "hex", "zlib"...
                raise LookupError(f"{encoding!r} is not a text encoding")
            _check_decodes(data, encoding)
        except (LookupError, UnicodeError) as exc:  # UTF-16 without a BOM raises a bare UnicodeError
            raise InputError("E102", f"cannot be decoded as {encoding}: {exc}", file=path) from None
        return Decoding(encoding)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16's: FF FE begins both
        return Decoding("utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoding("utf-16")  # its body is checked as it is read
    if data.startswith(codecs.BOM_UTF8):
        return Decoding("utf-8-sig") if _decodes(data, "utf-8") else Decoding(None, "utf-8-sig", len(codecs.BOM_UTF8))
    if b"\x00" in data[:8192]:
        if codec := _utf16_without_bom(data):
            return Decoding(codec)
        if _looks_binary(data[:8192]):
            raise InputError("E107", "contains binary data; is it really a text file?", file=path)
    if _decodes(data, "utf-8"):
        return Decoding("utf-8")
    if not _has_utf8_text(data) and _decodes(data, "cp1252"):
        return Decoding("cp1252")  # what line by line would give: no line is valid UTF-8 text
    return Decoding(None)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for UTF-16 text saved without a byte-order mark (the NUL
    byte of every ASCII character on one side, few on the other: U+4E00 or U+0100 put one
    there), when the whole file decodes so; else None."""
    head = data[:8192]
    even, odd = head[0::2], head[1::2]
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if (len(zeros) >= 2 and zeros.count(0) > 0.5 * len(zeros) and other.count(0) < 0.1 * len(other)
                and _decodes(data, codec)):
            return codec
    return None


# Control bytes no text file holds (all but tab, line ends, form feed and Ctrl-Z, which old
# Windows tools append); NUL among them.
_BINARY_BYTES = bytes([*range(0, 9), 11, *range(14, 26), *range(27, 32)])


def _looks_binary(head: bytes) -> bool:
    """Whether more than 1 % of ``head`` (and more than two bytes) is control bytes: an image,
    an archive, random bytes. A stray NUL in a text export (a field pasted from a database) is
    a character of one row, read like any other wherever it stands, not a reason to refuse
    the whole file."""
    return len(head) - len(head.translate(None, _BINARY_BYTES)) > max(2, len(head) // 100)


def _decoded_chunks(data: bytes, codec: str, errors: str = "strict") -> Iterator[str]:
    """``data`` decoded 1 MiB at a time, never as a whole."""
    decoder = codecs.getincrementaldecoder(codec)(errors)
    view, step = memoryview(data), 1 << 20
    for start in range(0, len(view), step):
        yield decoder.decode(view[start : start + step], final=start + step >= len(view))


def _check_decodes(data: bytes, codec: str) -> None:
    """Raise UnicodeDecodeError unless ``data`` is valid in ``codec``."""
    for _ in _decoded_chunks(data, codec):
        pass


def _has_utf8_text(data: bytes) -> bool:
    """Whether any non-ASCII character of ``data`` is valid UTF-8 (invalid bytes dropped,
    what remains is ASCII or valid UTF-8; str.isascii() is a flag look-up)."""
    return not all(chunk.isascii() for chunk in _decoded_chunks(data, "utf-8", "ignore"))


def _decodes(data: bytes, codec: str) -> bool:
    try:
        _check_decodes(data, codec)
    except UnicodeDecodeError:
        return False
    return True


def decode_line(raw: bytes) -> tuple[str, str]:
    """``(text, codec)`` of one line: UTF-8 if it is valid UTF-8, else cp1252, else Latin-1
    (which decodes any byte)."""
    for codec in ("utf-8", "cp1252"):
        try:
            return raw.decode(codec), codec
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1"), "latin-1"


class DecodedLines:
    """One pass over a text file's lines (line endings kept), decoded as they are read: the
    file is never decoded whole.

    Line by line, each line gets the encoding it is valid in (:func:`decode_line`): exports
    are concatenated from several tools, and one line saved by a Windows tool must not turn
    every accented letter of a UTF-8 file into mojibake ('cafÃ©'), nor a BOM-marked file's
    bad bytes into U+FFFD. ``fallback`` holds, per encoding, the numbers of the lines that
    were not valid UTF-8 and were decoded in it, so they can be reported.

    With ``doubled_crlf``, "\r\r\n" is one line end, given as "\r\n" (the caller decides
    that for the whole file: see :func:`verbatim.readers.line_ends_doubled`); the line
    numbers then count it once, as the csv module does.
    """

    def __init__(self, data: bytes, decoding: Decoding, line_ends: re.Pattern = ANY_LINE_END, *,
                 doubled_crlf: bool = False) -> None:
        self._data = data
        self._decoding = decoding
        self._line_ends = DOUBLED_CRLF_LINE_END if doubled_crlf else line_ends
        self._doubled_crlf = doubled_crlf
        self.fallback: dict[str, list[int]] = {"cp1252": [], "latin-1": []}
        self._utf8_lines = 0  # lines with non-ASCII text that were valid UTF-8

    def __iter__(self) -> Iterator[str]:
        if self._decoding.codec is not None:  # newline="": line ends as csv wants them
            lines = iter(io.TextIOWrapper(io.BytesIO(self._data), encoding=self._decoding.codec, newline=""))
            return _join_doubled_crlf(lines) if self._doubled_crlf else lines
        return self._by_line()

    def _by_line(self) -> Iterator[str]:
        lines = self._line_ends.finditer(self._data, self._decoding.skip)
        for number, match in enumerate(lines, start=1):
            raw = match.group()
            if self._doubled_crlf and raw.endswith(b"\r\r\n"):
                raw = raw[:-3] + b"\r\n"
            text, codec = decode_line(raw)
            if codec != "utf-8":
                self.fallback[codec].append(number)
            elif not raw.isascii():
                self._utf8_lines += 1
            yield text

    @property
    def name(self) -> str:
        """The file's encoding, as reported: UTF-8 when any line needed it (a cp1252 line is
        almost never valid UTF-8 by chance), else cp1252 when a line was, else Latin-1."""
        if self._decoding.name or self._decoding.codec:
            return self._decoding.name or self._decoding.codec
        if self._utf8_lines:
            return "utf-8"
        return "cp1252" if self.fallback["cp1252"] else "latin-1"

    def odd_lines(self) -> dict[str, list[int]]:
        """Line numbers decoded in another encoding than :attr:`name`, by encoding."""
        name = self.name
        return {codec: numbers for codec, numbers in self.fallback.items() if numbers and codec != name}


def _join_doubled_crlf(lines: Iterator[str]) -> Iterator[str]:
    """Lines split at "\r" and at "\r\n" (as :class:`io.TextIOWrapper` splits "x\r\r\n" into
    "x\r" and "\r\n"), with each "\r\r\n" made one "\r\n" line end again."""
    pending = None  # a line ending in a lone "\r", which may be the first half of "\r\r\n"
    for line in lines:
        if pending is not None:
            if line == "\r\n":
                yield pending[:-1] + "\r\n"
                pending = None
                continue
            yield pending
            pending = None
        if line.endswith("\r"):
            pending = line
        else:
            yield line
    if pending is not None:
        yield pending


def decoding_notes(text: DecodedLines, unit: str, rows_end: list[int] | None = None) -> list[str]:
    """One note per encoding some lines were decoded in instead of the file's. With
    ``rows_end`` (the line each row ends on), lines are reported as the rows they are in."""
    notes = []
    for codec, lines in text.odd_lines().items():
        numbers = sorted({bisect.bisect_left(rows_end, n) + 1 for n in lines}) if rows_end is not None else lines
        notes.append(f"{len(numbers)} {unit}(s) could not be decoded as {text.name} and were decoded as {codec}: "
                     f"{unit}{'s' if len(numbers) > 1 else ''} {_listing(numbers)}")
    return notes


def _listing(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:LISTED])
    return shown + (f" and {len(numbers) - LISTED} more" if len(numbers) > LISTED else "")


def decode(path: Path, data: bytes, encoding: str = "", *, unit: str = "line") -> tuple[str, str, list[str]]:
    """``(text, encoding, notes)`` of a file decoded whole (JSON is parsed whole) by the rules
    of :func:`choose_decoding`. The notes name, as ``unit`` s, the lines decoded in another
    encoding than the file's (lines end at line feeds, as JSON counts them)."""
    lines = DecodedLines(data, choose_decoding(path, data, encoding), LF_LINE_END)
    try:
        text = "".join(lines)
    except UnicodeDecodeError as exc:  # a BOM promised UTF-16 and the bytes were not
        raise InputError("E102", f"cannot be decoded as {lines.name}: {exc}", file=path) from None
    return text, lines.name, decoding_notes(lines, unit)
