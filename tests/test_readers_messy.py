"""The file readers on messy exports: each test builds a small file that once lost rows,
garbled text or failed without saying why, and checks what the reader does now."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from verbatim.cli import main
from verbatim.config import load_config
from verbatim.errors import InputError
from verbatim.ingest import load_responses
from verbatim.readers import read_table


def _error(path) -> InputError:
    with pytest.raises(InputError) as info:
        read_table(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
    return info.value


def _workbook(path, cells: dict[tuple[int, int], object], dimension: str | None = None):
    """Write cells {(row, column): value}; with ``dimension``, overwrite the sheet's
    <dimension ref> the way a writer that forgets to update it leaves it."""
    book = openpyxl.Workbook()
    for (row, column), value in cells.items():
        book.active.cell(row=row, column=column, value=value)
    book.save(path)
    if dimension is not None:
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        sheet = parts["xl/worksheets/sheet1.xml"].decode()
        parts["xl/worksheets/sheet1.xml"] = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"',
                                                   sheet).encode()
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in parts.items():
                archive.writestr(name, content)
    return path


def _sheets(path, sheets: dict[str, list[list]], hidden: str = ""):
    """A workbook of the named sheets in order, each with its rows; ``hidden``: a sheet's name."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name == hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


# --- 1. a quote left open at the end of a CSV -------------------------------------------


def test_readers_csv_unclosed_quote_is_E107_naming_row_and_column(write_file):
    path = write_file("s.csv", 'id,score,comment\n1,9,"never closed\n2,3,bad service\n3,8,fine\n')
    error = _error(path)
    assert error.code == "E107" and (error.row, error.column) == (2, "comment")
    assert "row 2, column 'comment'" in str(error) and "never closed" in str(error)


@pytest.mark.parametrize("text,row", [
    ('id,score,comment\n1,9,ok\n2,3,"opened on the last line', 3),  # no line end after it
    ('id,score,comment\n1,9,"two\nlines",\n2,3,"ends in an escaped quote ""\n', 3),  # "" keeps it open
    ('id,score,"comment\n1,9,ok\n', 1),  # in the header
])
def test_readers_csv_unclosed_quote_anywhere_is_E107(write_file, text, row):
    error = _error(write_file("s.csv", text))
    assert error.code == "E107" and error.row == row


@pytest.mark.parametrize("ending", ["", "\n", "\r\n", "\r"])
def test_readers_csv_closed_quote_in_last_row_is_read(write_file, ending):
    table = read_table(write_file("s.csv", f'id,score,comment\n1,9,"two\nlines"{ending}'))
    assert table.frame["comment"].tolist() == ["two\nlines"] and table.rows == [2]


def test_readers_cli_unclosed_quote_is_one_line_and_exit_code_2(write_file):
    path = write_file("s.csv", 'id,score,comment\n1,9,"never closed\n2,3,bad\n')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and "E107" in result.output and "row 2" in result.output


# --- 2. a workbook whose declared size is stale -------------------------------------------


def test_readers_xlsx_reads_rows_and_columns_past_a_stale_dimension(tmp_path):
    cells = {(1, c): name for c, name in enumerate(["id", "score", "comment", "team"], start=1)}
    for r in range(2, 7):
        cells.update({(r, 1): r - 1, (r, 2): r, (r, 3): f"comment {r - 1}", (r, 4): "T"})
    table = read_table(_workbook(tmp_path / "s.xlsx", cells, dimension="A1:C3"))
    assert list(table.frame.columns) == ["id", "score", "comment", "team"]
    assert table.rows == [2, 3, 4, 5, 6] and table.frame["team"].tolist() == ["T"] * 5


def test_readers_xlsx_row_wider_than_header_and_stale_dimension_is_rejected(tmp_path):
    cells = {(1, 1): "score", (1, 2): "comment", (2, 1): 9, (2, 2): "ok", (3, 1): 3, (3, 2): "bad", (3, 4): "extra"}
    path = _workbook(tmp_path / "s.xlsx", cells, dimension="A1:B2")
    table = read_table(path)
    assert table.rows == [2] and len(table.unreadable) == 1
    assert table.unreadable[0]["row"] == 3 and "column D" in table.unreadable[0]["reason"]
    result = load_responses(path)
    assert result.rows_read == 2 and result.rejected["row"].tolist() == [3]


def test_readers_xlsx_rejected_unreadable_rows_keep_their_id(tmp_path):
    """A workbook row rejected before validation (data right of the header, an unsaved
    formula) still has its cells in their columns: rejected.csv names its id, so the response
    can be found in the survey tool."""
    cells = {(1, 1): "id", (1, 2): "score", (1, 3): "comment", (2, 1): "A1", (2, 2): 9, (2, 3): "ok",
             (3, 1): " A2 ", (3, 2): 3, (3, 3): "bad", (3, 5): "extra"}
    result = load_responses(_workbook(tmp_path / "w.xlsx", cells, dimension="A1:C2"))
    assert result.rejected[["row", "response_id"]].to_dict("records") == [{"row": 3, "response_id": "A2"}]
    path = tmp_path / "f.xlsx"
    _survey_book([9, "=B2-6", 7]).save(path)
    assert load_responses(path).rejected[["row", "response_id"]].to_dict("records") == [{"row": 3, "response_id": "2"}]


def test_readers_xlsx_blank_header_cell_within_the_declared_size_names_a_column(tmp_path):
    cells = {(1, 1): "score", (1, 2): "comment", (2, 1): 9, (2, 2): "ok", (2, 3): "note"}
    table = read_table(_workbook(tmp_path / "s.xlsx", cells))  # declared A1:C2, header A1:B1
    assert list(table.frame.columns) == ["score", "comment", "column_3"] and table.unreadable == []


# --- 3. a comment longer than the csv module's field limit ---------------------------------


def test_readers_csv_reads_a_cell_longer_than_the_csv_field_limit(write_file):
    default = csv.field_size_limit(131072)  # as in a fresh interpreter, whatever ran before
    try:
        table = read_table(write_file("s.csv", "id,score,comment\n1,9," + "y" * 150_000 + "\n2,3,short\n"))
    finally:
        csv.field_size_limit(max(default, csv.field_size_limit()))
    assert [len(v) for v in table.frame["comment"]] == [150_000, 5]


# --- 4. JSON Lines split at line feeds only ------------------------------------------------


def test_readers_jsonl_splits_lines_only_at_line_feeds(write_file):
    comments = ["line\u2028separator", "paragraph\u2029separator", "next\x85line"]
    lines = [json.dumps({"id": i, "score": 9, "comment": c}, ensure_ascii=False) for i, c in enumerate(comments, 1)]
    table = read_table(write_file("s.jsonl", "\r\n".join(lines + ["{broken"]) + "\r\n"))
    assert table.frame["comment"].tolist() == comments and table.rows == [1, 2, 3]
    assert [u["row"] for u in table.unreadable] == [4]


# --- 5. blank lines and row numbers in CSV -------------------------------------------------

LAYOUT = "\n\nid,score,comment\n1,9,a\n\n2,3,\"two\nlines\"\n3,5,c\n\n"  # header on row 3


def test_readers_csv_rows_are_numbered_as_a_spreadsheet_shows_them(write_file):
    table = read_table(write_file("s.csv", LAYOUT))
    assert table.rows == [4, 5, 6, 7] and table.blank == [False, True, False, False]
    assert table.notes == ["skipped 2 blank row(s) above the header (row 3)",
                           "ignored 1 empty row(s) at the end of the file"]
    result = load_responses(write_file("s.csv", LAYOUT))
    assert result.rows_read == 4 and result.responses["row"].tolist() == [4, 6, 7]
    assert dict(zip(result.rejected["row"], result.rejected["reason"])) == {5: "empty row"}


def test_readers_csv_blank_rows_are_treated_as_in_a_workbook(write_file, tmp_path):
    cells = {(3, 1): "id", (3, 2): "score", (3, 3): "comment", (4, 1): 1, (4, 2): 9, (4, 3): "a",
             (6, 1): 2, (6, 2): 3, (6, 3): "two\nlines", (7, 1): 3, (7, 2): 5, (7, 3): "c", (8, 1): " "}
    workbook = read_table(_workbook(tmp_path / "s.xlsx", cells))
    text = read_table(write_file("s.csv", LAYOUT))
    assert (text.rows, text.blank, text.notes) == (workbook.rows, workbook.blank, workbook.notes)
    assert text.frame.to_dict("list") == workbook.frame.to_dict("list")


# --- 6. files that mix encodings -------------------------------------------------------------


def test_readers_csv_utf8_with_a_cp1252_row_decodes_each_line_as_it_is(write_file):
    data = ("id,score,comment\n1,9,caf\u00e9 tr\u00e8s bon\n2,3,\"na\u00efve\n".encode()
            + "d\u00e9\u00e7u\"\n".encode("cp1252") + "3,5,r\u00e9sum\u00e9\n".encode())
    table = read_table(write_file("s.csv", data))
    assert table.frame["comment"].tolist() == ["caf\u00e9 tr\u00e8s bon", "na\u00efve\nd\u00e9\u00e7u", "r\u00e9sum\u00e9"]
    assert table.encoding == "utf-8"
    assert table.notes == ["1 row(s) could not be decoded as utf-8 and were decoded as cp1252: row 3"]


def test_readers_csv_bom_file_with_invalid_bytes_is_decoded_with_a_note(write_file):
    data = "\ufeffid,score,comment\n1,9,ok\n".encode() + "2,3,d\u00e9\u00e7u\n".encode("cp1252")
    table = read_table(write_file("s.csv", data))
    assert table.frame["comment"].tolist() == ["ok", "d\u00e9\u00e7u"] and table.encoding == "utf-8-sig"
    assert table.notes == ["1 row(s) could not be decoded as utf-8-sig and were decoded as cp1252: row 3"]


def test_readers_cp1252_file_is_still_cp1252_without_a_note(write_file):
    table = read_table(write_file("s.csv", "id,score,comment\n1,9,caf\u00e9\n2,3,d\u00e9\u00e7u\n", "cp1252"))
    assert table.encoding == "cp1252" and table.notes == []
    assert table.frame["comment"].tolist() == ["caf\u00e9", "d\u00e9\u00e7u"]


def test_readers_jsonl_utf8_with_a_cp1252_line_names_the_row(write_file):
    data = (json.dumps({"comment": "caf\u00e9", "score": 9}, ensure_ascii=False).encode() + b"\n"
            + json.dumps({"comment": "d\u00e9\u00e7u", "score": 3}, ensure_ascii=False).encode("cp1252") + b"\n")
    table = read_table(write_file("s.jsonl", data))
    assert table.frame["comment"].tolist() == ["caf\u00e9", "d\u00e9\u00e7u"]
    assert table.notes == ["1 row(s) could not be decoded as utf-8 and were decoded as cp1252: row 2"]


# --- 7. files saved under the wrong extension ------------------------------------------------


def test_readers_json_lines_saved_as_json_hints_jsonl(write_file):
    error = _error(write_file("s.json", '{"comment": "a", "score": 9}\n{"comment": "b", "score": 3}\n'))
    assert error.code == "E107" and "looks like JSON Lines" in str(error) and ".jsonl" in str(error)


def test_readers_json_keys_differing_only_in_case_are_one_column_when_never_together(write_file):
    # Records merged from two systems: "Comment"/"Score" in one, "comment"/"score" in the
    # other. Read apart, the second record had neither and was rejected.
    records = [{"id": 1, "score": 9, "comment": "great"}, {"id": 2, "Score": 3, "Comment": "slow"},
               {"id": 3, "score": 10, "comment": "love", "meta": {"Source": "web"}},
               {"id": 4, "score": 8, "comment": "ok", "meta": {"source": "app"}}]
    result = load_responses(write_file("s.json", json.dumps(records)))
    assert result.responses["text"].tolist() == ["great", "slow", "love", "ok"] and len(result.rejected) == 0
    table = read_table(write_file("s.json", json.dumps(records)))
    assert list(table.frame.columns) == ["id", "score", "comment", "meta.Source"]
    assert table.frame["meta.Source"].tolist() == ["", "", "web", "app"]
    assert "keys 'comment' and 'Comment' differ only in case and never appear in the same record: " \
           "read as one column 'comment'" in table.notes
    # Keys that share a record stay apart: which one is meant is not the reader's guess.
    both = read_table(write_file("t.jsonl", '{"comment": "a", "Comment": "b", "score": 9}\n{"Comment": "c", "score": 3}\n'))
    assert list(both.frame.columns) == ["comment", "Comment", "score"]
    assert both.notes == ["keys 'comment' and 'Comment' differ only in case and appear together in 1 record(s): "
                          "read as separate columns"]


def test_readers_json_object_where_other_records_hold_a_value_is_noted(write_file):
    # {"comment": {"a": 1}} is flattened to a column 'comment.a': that record's comment reads
    # blank, which the user must hear about.
    records = [{"comment": "great", "score": 9}, {"comment": {"text": "slow", "lang": "en"}, "score": 3},
               {"comment": "ok", "score": 7, "meta": {"source": "app"}}]
    table = read_table(write_file("s.json", json.dumps(records)))
    assert table.frame["comment"].tolist() == ["great", "", "ok"]
    assert table.notes == ["'comment' holds an object, not a value, in 1 record(s) (first: row 2): "
                           "read there as 'comment.text', 'comment.lang', and 'comment' as blank"]


def test_readers_json_array_saved_as_jsonl_is_E107_with_a_hint(write_file):
    text = json.dumps([{"comment": "a", "score": 9}, {"comment": "b", "score": 3}], indent=1)
    error = _error(write_file("s.jsonl", text))
    assert error.code == "E107" and "one JSON document" in str(error) and "rename it to .json" in str(error)


def test_readers_workbook_saved_as_csv_says_it_is_a_workbook(tmp_path):
    path = _workbook(tmp_path / "export.xlsx", {(1, 1): "comment", (1, 2): "score"})
    disguised = path.rename(tmp_path / "export.csv")
    error = _error(disguised)
    assert error.code == "E107" and "XLSX workbook" in str(error) and "rename it to .xlsx" in str(error)


def test_readers_zip_archive_saved_as_csv_is_not_called_a_workbook(write_file):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.csv", "comment,score\na,9\n")
    error = _error(write_file("s.csv", buffer.getvalue()))
    assert "a ZIP archive" in str(error) and "XLSX" not in str(error)


@pytest.mark.parametrize("name", ["survey.zip", "survey.xlsx"])
def test_readers_zip_archive_of_exports_says_what_it_holds(write_file, name):
    """A .zip of exports was read as a broken workbook: "not a readable XLSX workbook
    ("There is no item named '[Content_Types].xml' in the archive")"."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("exports/", "")
        archive.writestr("exports/wave1.csv", "comment,score\na,9\n")
    error = _error(write_file(name, buffer.getvalue()))
    assert error.code == "E107" and "ZIP archive holding exports/wave1.csv" in str(error)
    assert "extract the export from it first" in str(error) and "readable XLSX" not in str(error)


def test_readers_damaged_workbook_is_still_called_a_workbook(write_file):
    error = _error(write_file("survey.xlsx", b"PK\x03\x04 cut short"))
    assert error.code == "E107" and "not a readable XLSX workbook" in str(error)


@pytest.mark.parametrize("name,content", [("s.csv", "comment,score\na,9\n"),
                                          ("s.jsonl", '{"comment": "a", "score": 9}\n')])
def test_readers_sheet_of_a_file_that_is_not_a_workbook_is_noted(write_file, name, content):
    """--sheet on a CSV was silently ignored: the user believed the sheet they named was read."""
    table = read_table(write_file(name, content), sheet="Wave 2")
    assert table.frame["comment"].tolist() == ["a"]
    assert any("sheet 'Wave 2'" in note and "not a workbook" in note for note in table.notes)
    assert not any("sheet" in note for note in read_table(write_file(name, content)).notes)


def test_readers_xlsx_reads_the_first_visible_sheet_and_says_which(tmp_path):
    """A hidden first sheet (last wave, kept out of sight) was read instead of the one on
    screen; with several sheets the note says which one was read."""
    path = _sheets(tmp_path / "w.xlsx", {"Old": [["comment", "score"], ["last year's comment", 3]],
                                         "Current": [["comment", "score"], ["this wave's comment", 9]]}, hidden="Old")
    table = read_table(path)
    assert table.frame["comment"].tolist() == ["this wave's comment"]
    assert any("read sheet 'Current' of 2 ('Old' (hidden), 'Current')" in note for note in table.notes)


def test_readers_xlsx_cover_sheet_first_reads_the_sheet_with_the_survey(tmp_path):
    """A cover or summary sheet first: the next visible sheet where the columns are found is
    read, and a note says so; where none has them, the error lists the sheets."""
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Survey export"])
    book.active.append(["Wave 12, November"])
    notes = book.create_sheet("Notes")
    notes.append(["Method", "Sample"])
    data = book.create_sheet("Responses")
    data.append(["comment", "score"])
    data.append(["fine", 9])
    book.save(tmp_path / "c.xlsx")
    result = load_responses(tmp_path / "c.xlsx")
    assert result.responses["text"].tolist() == ["fine"]
    assert ("sheet 'Cover' holds no survey table (no comment column found): read sheet 'Responses' instead, of 3; "
            "choose another with --sheet") in result.notes
    book.remove(data)
    book.save(tmp_path / "none.xlsx")
    with pytest.raises(InputError, match="this is sheet 'Cover', the workbook also has 'Notes': choose one with --sheet"):
        load_responses(tmp_path / "none.xlsx")


def test_readers_header_row_skips_a_title_above_the_table(write_file, tmp_path):
    """Exports with a title above the column names: the E105 says how to point at the
    header, and input.header_row reads the table below it (CSV and XLSX alike)."""
    text = "NPS survey export, November\n\ncomment,score\nfine,9\nslow,3\n"
    path = write_file("t.csv", text)
    with pytest.raises(InputError, match=r"give its number with --set input\.header_row=N"):
        load_responses(path)
    book = openpyxl.Workbook()
    for row in text.splitlines():
        book.active.append(row.split(",") if row else [None])
    book.save(tmp_path / "t.xlsx")
    config = load_config(overrides={"input": {"header_row": 3}}, environ={})
    for source in (path, tmp_path / "t.xlsx"):
        result = load_responses(source, config)
        assert result.responses["text"].tolist() == ["fine", "slow"] and result.responses["row"].tolist() == [4, 5]
        assert any("skipped 2 row(s) above the header (row 3" in note for note in result.notes)


def test_readers_excel_sep_line_names_the_delimiter(write_file):
    table = read_table(write_file("s.csv", "sep=;\ncomment;score\nfine, really;9\n"))
    assert table.frame.to_dict("list") == {"comment": ["fine, really"], "score": ["9"]}
    assert any("Excel's delimiter line 'sep=;'" in note for note in table.notes)


def test_readers_csv_without_a_last_line_end_has_no_phantom_row(write_file):
    table = read_table(write_file("n.csv", "text,score\nhello,9"))
    assert table.rows == [2] and table.notes == []


def test_readers_excel_sep_line_rows_are_numbered_as_excel_shows_them(write_file):
    """Excel hides its "sep=;" line: the header is its row 1, and input.header_row = 1 means it."""
    table = read_table(write_file("s.csv", "sep=;\ncomment;score\nfine;9\n"), header_row=1)
    assert table.frame.to_dict("list") == {"comment": ["fine"], "score": ["9"]} and table.rows == [2]


# --- 10. line ends doubled to "\r\r\n" ---------------------------------------------------------

DOUBLED_NOTE = "the lines of this file end in '\\r\\r\\n'"


def _doubled(text: str) -> str:
    """``text`` (with Windows line ends) converted to Windows line ends a second time: every
    "\n" becomes "\r\n", so "\r\n" becomes "\r\r\n" and a line break in a cell "\r\n"."""
    return text.replace("\n", "\r\n")


def test_readers_csv_doubled_line_ends_are_one_line_end_with_a_note(write_file):
    path = write_file("s.csv", _doubled("id,score,comment\r\n1,9,great\r\n2,3,slow\r\n"))
    table = read_table(path)
    assert table.frame.to_dict("list") == {"id": ["1", "2"], "score": ["9", "3"], "comment": ["great", "slow"]}
    assert table.rows == [2, 3] and table.blank == [False, False]
    assert len(table.notes) == 1 and table.notes[0].startswith(DOUBLED_NOTE)
    assert "rows are numbered so" in table.notes[0]
    result = load_responses(path)
    assert result.rows_read == 2 and result.rejected.empty


def test_readers_csv_doubled_line_ends_read_as_the_file_before_the_second_conversion(write_file):
    """Quoted cells holding a line break ("\r\n" after the conversion when Excel wrote "\n",
    "\r\r\n" when it was "\r\n"), a blank line mid-file (still an "empty row", numbered as in
    the repaired file) and blank lines above the header and at the end."""
    once = '\r\nid,score,comment\r\n1,9,"two\nlines"\r\n\r\n2,3,"crlf\r\nin cell"\r\n3,5,"a ""quoted"" word"\r\n\r\n'
    expected, table = read_table(write_file("once.csv", once)), read_table(write_file("twice.csv", _doubled(once)))
    assert (table.rows, table.blank) == (expected.rows, expected.blank) == ([3, 4, 5, 6], [False, True, False, False])
    assert table.frame["comment"].str.replace("\r\n", "\n").tolist() == ["two\nlines", "", "crlf\nin cell",
                                                                          'a "quoted" word']
    assert table.notes[0].startswith(DOUBLED_NOTE) and table.notes[1:] == expected.notes
    result = load_responses(write_file("twice.csv", _doubled(once)))
    assert dict(zip(result.rejected["row"], result.rejected["reason"])) == {4: "empty row"}


def test_readers_csv_doubled_line_ends_keep_row_numbers_of_odd_encodings(write_file):
    """Decoded line by line (a cp1252 row in a UTF-8 file), the note names the row as counted
    with one line end per "\r\r\n"."""
    data = (b"id,score,comment\r\r\n1,9," + "caf\u00e9\r\r\n".encode() + b"2,3,"
            + "d\u00e9\u00e7u\r\r\n".encode("cp1252") + b"3,5,ok\r\r\n")
    table = read_table(write_file("s.csv", data))
    assert table.frame["comment"].tolist() == ["caf\u00e9", "d\u00e9\u00e7u", "ok"] and table.rows == [2, 3, 4]
    assert table.notes[1:] == ["1 row(s) could not be decoded as utf-8 and were decoded as cp1252: row 3"]


@pytest.mark.parametrize("text", [
    "id,score,comment\r\n1,9,great\r\r\n2,3,slow\r\n",  # one stray "\r": a blank row, as a spreadsheet shows
    "id,score,comment\r\r\n1,9,great\r\n2,3,slow\r\r\n",  # not every line end
])
def test_readers_csv_some_doubled_line_ends_are_not_a_doubled_file(write_file, text):
    table = read_table(write_file("s.csv", text))
    assert not any(note.startswith(DOUBLED_NOTE) for note in table.notes) and True in table.blank


# --- 11. workbook cells read-only openpyxl reads as blank without a word -----------------------

FORMULA_REASON = "'score' is a formula without a saved result (open and save the file in Excel so formula results are stored)"


def _survey_book(scores: list[object], extra: dict[str, list[object]] | None = None) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    extra = extra or {}
    book.active.append(["id", "score", "comment", *extra])
    for i, score in enumerate(scores):
        book.active.append([i + 1, score, f"comment {i + 1}", *(values[i] for values in extra.values())])
    return book


def test_readers_xlsx_formula_without_saved_result_rejects_its_rows(tmp_path):
    """openpyxl and pandas write "=..." as a formula with an empty value: read only, it is a
    blank score, and the row silently left the NPS."""
    path = tmp_path / "f.xlsx"
    _survey_book([9, "=B2-6", 7, "=B2+1"]).save(path)
    result = load_responses(path)
    assert result.responses["row"].tolist() == [2, 4] and result.rows_read == 4
    assert result.rejected[["row", "column", "value", "reason"]].to_dict("records") == [
        {"row": 3, "column": "score", "value": "=B2-6", "reason": FORMULA_REASON},
        {"row": 5, "column": "score", "value": "=B2+1", "reason": FORMULA_REASON}]
    assert any(note.startswith("column 'score': 2 formula cell(s) without a saved result (first row 3)")
               and "Open and save the file in Excel" in note for note in result.notes)


def test_readers_xlsx_formula_in_the_header_row_says_why_its_column_has_no_name(tmp_path):
    """A header cell computed by a formula ("=\"Comment\"") that was never saved reads blank:
    the column gets a made-up name, and the note says why and what to do."""
    path = tmp_path / "h.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "score", '="Comment"'])
    book.active.append([1, 9, "great"])
    book.active.append([2, 3, "slow"])
    book.save(path)
    table = read_table(path)
    assert table.frame.columns.tolist() == ["id", "score", "column_3"]
    assert ("header cell C1 is a formula without a saved result (=\"Comment\"), so its column is named "
            "'column_3'. Open and save the file in Excel so formula results are stored, or pass the column by "
            "that name") in table.notes
    result = load_responses(path, load_config(overrides={"columns": {"text": ["column_3"], "score": "score"}}, environ={}))
    assert result.responses["text"].tolist() == ["great", "slow"] and result.rejected.empty
    # Left to detect the comment column, the one-line error says why it found none.
    with pytest.raises(InputError, match=r"no comment column found.*; header cell C1 is a formula without a saved "
                                         r"result \(=\"Comment\"\), so its column is named 'column_3'"):
        load_responses(path)


def test_readers_xlsx_formulas_written_by_pandas_are_found_too(tmp_path):
    import pandas as pd

    path = tmp_path / "p.xlsx"
    pd.DataFrame({"comment": ["fine", "slow"], "base": [8, 2], "score": ["=B2+1", "=B3+1"]}).to_excel(path, index=False)
    with pytest.raises(InputError, match="no usable row among 2 .'score' is a formula without a saved result"):
        load_responses(path)


def test_readers_xlsx_formula_results_saved_by_excel_are_read(tmp_path):
    """As Excel saves them: the result in <v>, and "" as an empty string value (t="str")."""
    path = tmp_path / "x.xlsx"
    _survey_book(["=9", "=3"], {"note": ['=""', '=""']}).save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("<f>9</f><v />", "<f>9</f><v>9</v>").replace("<f>3</f><v />", "<f>3</f><v>3</v>")
    parts["xl/worksheets/sheet1.xml"] = re.sub(r'<c r="(D\d)"><f>""</f><v />', r'<c r="\1" t="str"><f>""</f><v></v>',
                                               sheet).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    table = read_table(path)
    assert table.frame["score"].tolist() == ["9", "3"] and table.frame["note"].tolist() == ["", ""]
    assert table.unreadable == [] and table.notes == []


def test_readers_xlsx_formula_in_an_unused_column_rejects_nothing(tmp_path):
    path = tmp_path / "u.xlsx"
    _survey_book([9, 3], {"check": ["=A2*2", "=A3*2"]}).save(path)
    result = load_responses(path)
    assert result.rejected.empty and not any("formula" in note for note in result.notes)


def test_readers_xlsx_merged_department_is_filled_within_its_range_with_notes(tmp_path):
    path = tmp_path / "m.xlsx"
    book = _survey_book([9, 8, 7, 3, 2], {"department": ["Support", None, None, "Billing", None]})
    book.active.merge_cells("D2:D4")  # Support over rows 2-4; row 6 is a real blank below Billing
    book.active.merge_cells("C5:C6")  # one comment over two rows: noted, never copied
    book.save(path)
    table = read_table(path)
    assert table.merged_down == {"comment": [(5, 6, "comment 4")], "department": [(2, 4, "Support")]}
    assert table.notes == ["2 merged cell range(s) cover data rows in column(s) 'comment', 'department' "
                           "(D2:D4, C5:C6): a merged range holds its value in its top-left cell only, and its other "
                           "cells read blank"]
    result = load_responses(path)
    assert result.responses["department"].tolist()[:4] == ["Support"] * 3 + ["Billing"]
    assert not isinstance(result.responses["department"].iloc[4], str)  # no department, as the sheet shows
    assert result.responses["text"].tolist()[3:] == ["comment 4", ""]
    assert "department 'department': 2 row(s) inside merged cells took the department" in " ".join(result.notes)


def test_readers_xlsx_without_formulas_or_merges_has_no_note(tmp_path):
    path = tmp_path / "plain.xlsx"
    _survey_book([9, 3]).save(path)
    table = read_table(path)
    assert table.notes == [] and table.unreadable == [] and table.merged_down == {}


def _rewrite_parts(path, replace: dict[str, tuple[str, str]]) -> None:
    """Rewrite parts of the workbook at ``path``: {part name: (old text, new text), ...}."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, (old, new) in replace.items():
        assert old.encode() in parts[name], (name, old)
        parts[name] = parts[name].replace(old.encode(), new.encode())
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


def test_readers_xlsx_last_row_of_formulas_without_results_is_rejected_not_ignored_as_empty(tmp_path):
    """A last row whose kept cells are all formulas without a saved result read blank, and was
    dropped as an 'empty row at the end of the file': neither analysed nor rejected."""
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["score", "comment"])
    book.active.append([9, "fine"])
    book.active.append(["=B2", '="comment " & 3'])
    book.save(path)
    result = load_responses(path)
    assert result.responses["row"].tolist() == [2] and result.rows_read == 2
    assert result.rejected[["row", "column"]].to_dict("records") == [{"row": 3, "column": "score"}]
    assert not any("empty row" in note for note in result.notes)


def test_readers_xlsx_merged_department_is_filled_when_its_first_row_is_rejected(tmp_path):
    """The department's value stands in the range's first row; that row rejected for a formula
    in another column, the rows below it lost their department."""
    path = tmp_path / "m.xlsx"
    book = _survey_book(["=7", 8, 3, 9], {"department": ["Support", None, None, "Billing"]})
    book.active.merge_cells("D2:D4")
    book.save(path)
    result = load_responses(path)
    assert result.rejected["row"].tolist() == [2]
    assert result.responses["department"].tolist() == ["Support", "Support", "Billing"]
    assert "department 'department': 2 row(s) inside merged cells" in " ".join(result.notes)


def test_readers_xlsx_placeholder_zero_of_a_workbook_that_asks_for_recalculation_is_rejected(tmp_path):
    """xlsxwriter (pandas' first choice of engine) saves 0 as every formula's result and marks
    the workbook fullCalcOnLoad: read as it is, a computed score of 9 was a detractor's 0."""
    path = tmp_path / "z.xlsx"
    _survey_book([9, "=B2", 3]).save(path)  # openpyxl marks the workbook fullCalcOnLoad="1" too
    _rewrite_parts(path, {"xl/worksheets/sheet1.xml": ("<f>B2</f><v />", "<f>B2</f><v>0</v>")})
    result = load_responses(path)
    assert result.responses["row"].tolist() == [2, 4]
    assert result.rejected[["row", "column", "value"]].to_dict("records") == [
        {"row": 3, "column": "score", "value": "=B2"}]
    # Saved by a spreadsheet application (no request to recalculate), 0 is the formula's result.
    _rewrite_parts(path, {"xl/workbook.xml": ('fullCalcOnLoad="1"', "")})
    result = load_responses(path)
    assert result.rejected.empty and result.responses["score"].tolist() == [9, 0, 3]


def test_readers_xlsx_formula_cell_with_single_quoted_reference_is_located(tmp_path):
    """XML allows attributes in single quotes; a formula cell written so was not located and
    its row kept with a blank score."""
    path = tmp_path / "q.xlsx"
    _survey_book([9, "=B2", 3]).save(path)
    _rewrite_parts(path, {"xl/worksheets/sheet1.xml": ('<c r="B3"><f>', "<c r='B3'><f>")})
    result = load_responses(path)
    assert result.rejected[["row", "column"]].to_dict("records") == [{"row": 3, "column": "score"}]


def test_csv_layout_numbers_rows_as_read_table(tmp_path):
    # What the Spark engine needs of a CSV it reads itself (its reader skips blank lines):
    # where the blank lines, the rows with too many fields and the empty rows at the end are,
    # numbered as read_table numbers them.
    from verbatim.readers import csv_layout

    path = tmp_path / "layout.csv"
    path.write_text('\n\nid,score,comment\n1,9,"two\n\nlines"\n\n2,3,bad\n3,5,x,y\n   \n4,7,ok\n,,\n\n', encoding="utf-8")
    layout = csv_layout(path, ",")
    raw = read_table(path)
    assert (layout.header_row, layout.header) == (3, ["id", "score", "comment"])
    # Rows: 4 the quoted cell over three lines, 5 a blank line, 7 too wide, 8 blank cells, 10-11 empty at the end.
    assert layout.blank_lines == [5] and layout.last_filled == 9 and layout.trailing == 2
    assert [w["row"] for w in layout.too_wide] == [w["row"] for w in raw.unreadable] == [7]
    assert layout.too_wide[0]["reason"] == raw.unreadable[0]["reason"]
    assert raw.rows == [4, 5, 6, 8, 9] and raw.notes[-1] == "ignored 2 empty row(s) at the end of the file"
    assert not layout.cells_before_header
    (tmp_path / "above.csv").write_text(",,\nid,score\n1,9\n", encoding="utf-8")
    assert csv_layout(tmp_path / "above.csv", ",").cells_before_header
    (tmp_path / "open.csv").write_text('id,score,comment\n1,9,"never closed\n2,3,bad\n', encoding="utf-8")
    with pytest.raises(InputError, match="never closed") as info:
        csv_layout(tmp_path / "open.csv", ",")
    assert "row 2, column 'comment'" in str(info.value)  # as read_table says it


# --- found by a black-box hunt on messy exports (2026-12-07) ------------------------------


def test_readers_parquet_binary_strings_are_read_as_text(tmp_path):
    """Older Hive, Impala and Spark writers store strings as Parquet's plain binary type:
    they were written out as "b'R001'" and labels read "caf" for "café"."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    comments = [b"Great caf\xc3\xa9", b"Slow delivery", b"na\xefve cp1252 bytes"]
    pq.write_table(pa.table({"response_id": pa.array([b"R001", b"R002", b"R003"], pa.binary()),
                             "score": [9, 3, 7], "comment": pa.array(comments, pa.binary())}), tmp_path / "b.parquet")
    result = load_responses(tmp_path / "b.parquet")
    assert result.responses["response_id"].tolist() == ["R001", "R002", "R003"]
    assert result.responses["text"].tolist() == ["Great café", "Slow delivery", "naïve cp1252 bytes"]


def test_readers_utf16_without_a_byte_order_mark_is_read(write_file):
    """It was refused as binary data, and forcing utf-16 then ended in an unexpected error."""
    text = "id,score,comment\r\n1,9,très bien\r\n2,3,slow\r\n3,2,退款一直没有到账\r\n"
    for codec in ("utf-16-le", "utf-16-be"):  # 退 is U+9000: a NUL on the other side too
        table = read_table(write_file(f"{codec}.csv", text.encode(codec)))
        assert table.frame["comment"].tolist() == ["très bien", "slow", "退款一直没有到账"]
    plain = write_file("plain.csv", text)
    with pytest.raises(InputError) as info:
        read_table(plain, encoding="utf-16")
    assert info.value.code == "E102" and "cannot be decoded as utf-16" in str(info.value)


def test_readers_utf32_with_a_byte_order_mark_is_not_read_as_utf16(write_file):
    table = read_table(write_file("s.csv", "id,score,comment\r\n1,9,good\r\n".encode("utf-32")))
    assert list(table.frame.columns) == ["id", "score", "comment"] and table.frame["comment"].tolist() == ["good"]


@pytest.mark.parametrize("rows_before", [0, 400])
def test_readers_a_stray_nul_is_read_wherever_it_stands(write_file, rows_before):
    """One NUL refused the whole file when it stood in the first 8 KiB, and was read after."""
    lines = "".join(f"{i},{i % 11},comment number {i}\n" for i in range(3, 3 + rows_before))
    table = read_table(write_file("s.csv", "id,score,comment\n" + lines + "1,9,go\x00od\n2,5,bad\n"))
    assert len(table.frame) == rows_before + 2


def test_readers_binary_data_is_still_refused(write_file):
    import random

    noise = random.Random(0).randbytes(3000)
    assert _error(write_file("s.csv", noise)).code == "E107"


def test_readers_json_array_on_one_line_saved_as_jsonl_hints_json(write_file):
    error = _error(write_file("s.jsonl", json.dumps([{"comment": "a", "score": 9}, {"comment": "b", "score": 3}])))
    assert error.code == "E107" and "rename it to .json" in str(error)


def test_readers_json_of_arrays_says_records_must_be_objects(write_file):
    """It said 'no comment column found (columns are: )' and suggested --set input.header_row."""
    error = _error(write_file("s.json", json.dumps([["id", "score", "comment"], ["a", 9, "x"]])))
    assert error.code == "E107" and "is an array" in str(error) and '{"comment": "...", "score": 9}' in str(error)


@pytest.mark.parametrize("cover", [[], [["NPS report, Q3"]]])
def test_readers_xlsx_empty_or_title_only_first_sheet_reads_the_survey_sheet(tmp_path, cover):
    """An empty first sheet was E103 and a one-line title sheet E106, where a cover sheet of
    two lines already fell back to the sheet with the survey."""
    path = _sheets(tmp_path / "w.xlsx", {"Sheet1": cover, "Responses": [["comment", "score"], ["fine", 9]]})
    result = load_responses(path)
    assert result.responses["text"].tolist() == ["fine"]
    assert any(note.startswith("sheet 'Sheet1' holds no survey table") and "read sheet 'Responses'" in note
               for note in result.notes)


def test_readers_a_time_of_day_without_a_date_is_rejected_not_put_on_the_day_of_the_run(write_file):
    path = write_file("s.csv", "id,score,comment,date\n1,9,good,2026-01-05\n2,3,bad,14:05\n3,7,ok,9:30 AM\n"
                               "4,8,fine,2026-01-06 09:30\n")
    result = load_responses(path, load_config(overrides={"columns": {"date": "date"}}, environ={}))
    assert result.responses["response_id"].tolist() == ["1", "4"]
    assert result.rejected["reason"].tolist() == ["a time of day without a date"] * 2
    assert result.rejected["row"].tolist() == [3, 4]


def test_readers_xlsx_ids_with_a_zero_padded_format_keep_their_zeros(tmp_path):
    """Ids stored as 123 and shown as 00123 by a "00000" format were read as 123: the
    assignments no longer joined back to the CRM. A plain number stays as it is."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Response ID", "Score", "Comment", "Order"])
    for number, score, comment in ((123, 9, "great"), (45, 7, "fine"), (7, 3, "late")):
        sheet.append([number, score, comment, number])
    for row in range(2, 5):
        sheet.cell(row=row, column=1).number_format = "00000"
    book.save(tmp_path / "ids.xlsx")
    table = read_table(tmp_path / "ids.xlsx")
    assert table.frame["Response ID"].tolist() == ["00123", "00045", "00007"]
    assert table.frame["Order"].tolist() == ["123", "45", "7"] and table.frame["Score"].tolist() == ["9", "7", "3"]
