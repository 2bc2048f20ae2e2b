"""Ingestion: every format, column detection, scales, and bad input of every kind.

Each bad-input test asserts the exact error code or rejection reason, and the
invariant that no row goes missing: rows read == usable + rejected.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from verbatim.config import Config, load_config
from verbatim.errors import InputError
from verbatim.ingest import load_responses, parse_scores

GOOD_CSV = (
    "response_id,submitted_at,score,comment,department\n"
    "R1,2026-01-05T10:00:00,10,Fast delivery and friendly driver,Delivery\n"
    "R2,2026-02-11,3,\"The app crashes, every time\",App\n"
    "R3,2026-03-02,7,,Billing\n"
    "R4,2026-03-09,8,Refund took two weeks,Returns\n"
)
ROWS = [
    {"response_id": "R1", "submitted_at": "2026-01-05T10:00:00", "score": 10, "comment": "Fast delivery", "department": "Delivery"},
    {"response_id": "R2", "submitted_at": "2026-02-11", "score": 3, "comment": "The app crashes", "department": "App"},
    {"response_id": "R3", "submitted_at": "2026-03-02", "score": 7, "comment": "", "department": "Billing"},
]


def config(**columns) -> Config:
    return load_config(overrides={"columns": columns} if columns else None, environ={})


def no_row_lost(result, expected_rows: int) -> None:
    assert result.rows_read == expected_rows
    assert len(result.responses) + len(result.rejected) == expected_rows


def reasons(result) -> list[str]:
    return result.rejected["reason"].tolist()


# --- formats -----------------------------------------------------------------------------


def test_ingest_reads_csv(write_file):
    result = load_responses(write_file("s.csv", GOOD_CSV), config())
    no_row_lost(result, 4)
    r = result.responses
    assert r["response_id"].tolist() == ["R1", "R2", "R3", "R4"]
    assert r["row"].tolist() == [2, 3, 4, 5]
    assert r["nps_group"].tolist() == ["promoter", "detractor", "passive", "passive"]
    assert r.loc[1, "text"] == "The app crashes, every time"
    assert r.loc[0, "submitted_at"] == pd.Timestamp("2026-01-05 10:00:00")
    assert result.delimiter == ","


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_ingest_sniffs_delimiter(write_file, delimiter):
    text = GOOD_CSV.replace('"The app crashes, every time"', "The app crashes every time").replace(",", delimiter)
    result = load_responses(write_file("s.txt", text), config())
    assert result.delimiter == delimiter
    assert len(result.responses) == 4


def test_ingest_reads_tsv_extension(write_file):
    text = "comment\tscore\nFine\t9\nslow, very slow\t2\n"
    result = load_responses(write_file("s.tsv", text), config())
    assert result.responses["text"].tolist() == ["Fine", "slow, very slow"]


@pytest.mark.parametrize("encoding,expected", [("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16")])
def test_ingest_detects_encoding(write_file, encoding, expected):
    text = "comment,score\nCafé staff were très rude – never again,1\n"
    result = load_responses(write_file("s.csv", text, encoding=encoding), config())
    assert result.encoding == expected
    assert result.responses.loc[0, "text"] == "Café staff were très rude – never again"
    assert list(result.responses.columns)[:3] == ["row", "response_id", "text"]


def test_ingest_reads_xlsx(tmp_path):
    path = tmp_path / "s.xlsx"
    pd.DataFrame(ROWS).to_excel(path, index=False)
    result = load_responses(path, config())
    no_row_lost(result, 3)
    assert result.format == "xlsx"
    assert result.responses["score"].tolist() == [10.0, 3.0, 7.0]
    assert result.responses["row"].tolist() == [2, 3, 4]


def test_ingest_reads_xlsx_named_sheet(tmp_path):
    path = tmp_path / "s.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Cover", index=False)
        pd.DataFrame(ROWS).to_excel(writer, sheet_name="Responses", index=False)
    cfg = load_config(overrides={"input": {"sheet": "Responses"}}, environ={})
    assert len(load_responses(path, cfg).responses) == 3


def test_ingest_reads_json_list_and_wrapped(write_file):
    plain = load_responses(write_file("s.json", json.dumps(ROWS)), config())
    wrapped = load_responses(write_file("w.json", json.dumps({"meta": {"n": 3}, "responses": ROWS})), config())
    for result in (plain, wrapped):
        no_row_lost(result, 3)
        assert result.responses["response_id"].tolist() == ["R1", "R2", "R3"]
        assert result.responses["row"].tolist() == [1, 2, 3]


def test_ingest_reads_jsonl(write_file):
    text = "\n".join(json.dumps(r) for r in ROWS) + "\n\n"
    result = load_responses(write_file("s.jsonl", text), config())
    no_row_lost(result, 3)
    assert result.format == "jsonl"


def test_ingest_reads_parquet(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame(ROWS).to_parquet(path)
    result = load_responses(path, config())
    no_row_lost(result, 3)
    assert result.responses["department"].tolist() == ["Delivery", "App", "Billing"]


def test_ingest_sniffs_format_without_extension(write_file):
    result = load_responses(write_file("export", json.dumps(ROWS)), config())
    assert result.format == "json"


# --- columns -------------------------------------------------------------------------------


def test_ingest_detects_common_header_names(write_file):
    text = ("Respondent ID,How likely are you to recommend us to a friend?,What is the main reason for your score?,"
            "Business Unit,Recorded Date\nA1,9,Great,Retail,2026-01-01\nA2,4,Bad,Retail,2026-01-02\n")
    cols = load_responses(write_file("q.csv", text), config()).columns
    assert cols.id == "Respondent ID"
    assert cols.score == "How likely are you to recommend us to a friend?"
    assert cols.text == ("What is the main reason for your score?",)
    assert cols.department == "Business Unit"
    assert cols.date == "Recorded Date"
    assert set(cols.detected) == {"id", "score", "text", "department", "date"}
    # The names of other parts of an organisation that own what customers talk about.
    for name in ("Line of Business", "LOB", "Business Function", "Service Line", "Org Unit", "Product Area"):
        other = load_responses(write_file("o.csv", text.replace("Business Unit", name)), config()).columns
        assert other.department == name, name
    for name in ("Respondent", "Response Number", "Case ID", "UUID"):
        assert load_responses(write_file("i.csv", text.replace("Respondent ID", name)), config()).columns.id == name
    # A department's own name wins over them.
    both = text.replace("Business Unit,", "Function,Department,").replace("Retail,", "Ops,Retail,")
    assert load_responses(write_file("b.csv", both), config()).columns.department == "Department"


def test_ingest_detects_the_nps_question_exported_with_its_answer_labels(write_file):
    """Survey tools export the answer texts of the NPS question ("10 - Extremely likely", the
    ends as bare labels): still the score column, though few cells are plain numbers; "N/A"
    is no answer, not a failed number."""
    text = ("Response ID,How likely are you to recommend us?,What is the main reason for your score?,Team\n"
            "R1,10 - Extremely likely,Great service,Sales\nR2,0 - Not at all likely,Never arrived,Support\n"
            "R3,Extremely likely,Love it,Sales\nR4,N/A,no comment,Support\nR5,7,App crashes,Support\n")
    result = load_responses(write_file("q.csv", text), config())
    assert result.columns.score == "How likely are you to recommend us?"
    assert result.columns.text == ("What is the main reason for your score?",)
    no_row_lost(result, 5)
    assert result.responses["score"].tolist()[:3] == [10.0, 0.0, 10.0] and pd.isna(result.responses["score"][3])


#: A Qualtrics CSV export: column ids, then each column's question, then its import id.
QUALTRICS = (
    'StartDate,RecordedDate,ResponseId,Q1_NPS_GROUP,Q1,Q2,Q3\n'
    'Start Date,Recorded Date,Response ID,How likely are you to recommend Acme? - Group,'
    'How likely are you to recommend Acme?,What is the primary reason for your score?,Which team helped you?\n'
    '"{""ImportId"":""startDate"",""timeZone"":""America/Denver""}","{""ImportId"":""recordedDate""}",'
    '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1_NPS_GROUP""}","{""ImportId"":""QID1""}",'
    '"{""ImportId"":""QID2_TEXT""}","{""ImportId"":""QID3""}"\n'
    '2026-11-01 10:00:00,2026-11-01 10:02:01,R_1a,Promoter,10,Fast delivery,Sales\n'
    '2026-11-01 11:00:00,2026-11-01 11:03:01,R_2b,Detractor,3,The parcel arrived damaged,Support\n'
    '2026-11-02 09:00:00,2026-11-02 09:01:01,R_3c,Passive,11,ok,Support\n'
)


def test_ingest_reads_a_qualtrics_export_by_its_questions(write_file):
    """Its second and third rows describe the columns: column detection reads the questions
    ("Q1" is the score by "How likely are you to recommend Acme?"), the rows are no answers
    (neither read nor rejected, and a note says so), and the answers keep their file rows."""
    result = load_responses(write_file("qualtrics.csv", QUALTRICS), config())
    cols = result.columns
    assert (cols.score, cols.text, cols.id, cols.date) == ("Q1", ("Q2",), "ResponseId", "RecordedDate")
    assert result.rows_read == 3 and result.responses["row"].tolist() == [4, 5]
    assert result.rejected[["row", "reason"]].values.tolist() == [[6, "score is outside the nps scale (0-10)"]]
    assert any(n.startswith("rows 2 and 3 hold each column's question and import id") for n in result.notes)
    named = load_responses(write_file("q2.csv", QUALTRICS), config(department="Which team helped you?"))
    assert named.columns.department == "Q3" and named.responses["department"].tolist() == ["Sales", "Support"]
    plain = "Q1,Q2\nHow likely?,Why?\n9,fine\n"  # questions without import ids: the second row is an answer
    assert load_responses(write_file("p.csv", plain), config(score="Q1", text="Q2")).rows_read == 2


def test_ingest_reads_a_surveymonkey_export_whose_second_row_names_the_kind_of_answer(write_file):
    text = ("Respondent ID,Collector ID,Start Date,How likely is it that you would recommend this company to a friend or"
            " colleague?,What is the primary reason for your score?,Which store?\n"
            ",,,Response,Open-Ended Response,Glasgow\n"
            "114001,4001,11/01/2026 10:00:01 AM,10,Quick and helpful,Glasgow\n"
            "114002,4001,11/01/2026 11:00:01 AM,Not at all likely,Terrible support,Leeds\n")
    result = load_responses(write_file("sm.csv", text), config())
    assert result.columns.score.startswith("How likely") and result.columns.id == "Respondent ID"
    assert result.rows_read == 2 and result.responses["row"].tolist() == [3, 4]
    assert result.responses["score"].tolist() == [10.0, 0.0]
    assert any(n.startswith('row 2 holds the kind of answer under each question ("Response"') for n in result.notes)
    answered = text.replace(",,,Response,Open-Ended Response,Glasgow\n", ",,,9,Response,Glasgow\n")  # an answer
    assert load_responses(write_file("sm2.csv", answered), config()).rows_read == 3


@pytest.mark.parametrize("question", ["What can we improve?", "Any suggestions for us?", "Anything else you'd like to add?",
                                      "Please describe your experience"])
def test_ingest_detects_the_open_question_by_its_wording(write_file, question):
    text = f'Respondent,How would you rate us (0-10)?,"{question}"\nA1,9,Faster delivery\nA2,4,Nothing works\n'
    cols = load_responses(write_file("q.csv", text), config()).columns
    assert cols.text == (question,) and cols.score == "How would you rate us (0-10)?"
    accurate = f'Accurate address (0/1),"{question}"\n1,Faster delivery\n0,Nothing works\n'  # no "rate" in "accurate"
    with pytest.raises(InputError, match="no score column found"):
        load_responses(write_file("a.csv", accurate), config())


def test_ingest_detects_review_export_columns(write_file):
    # The header of the public women's clothing reviews export: "Clothing ID" is not a
    # response id and "Positive Feedback Count" is a number, not a comment.
    text = ("Clothing ID,Age,Title,Review Text,Rating,Recommended IND,Positive Feedback Count,Division Name,"
            "Department Name,Class Name\n767,33,,Absolutely wonderful,4,1,0,Initmates,Intimate,Intimates\n"
            "767,34,Nice,Love this dress,5,1,4,General,Dresses,Dresses\n")
    cfg = load_config(overrides={"input": {"scale": "5"}}, environ={})
    result = load_responses(write_file("r.csv", text), cfg)
    assert result.columns.text == ("Review Text",)
    assert result.columns.score == "Rating"
    assert result.columns.department == "Department Name"
    assert result.columns.id is None
    no_row_lost(result, 2)


def test_ingest_joins_several_text_columns(write_file):
    text = "Title,Body,score\nLovely,Fits well,10\n,Only body,9\nOnly title,,8\n"
    result = load_responses(write_file("t.csv", text), config(text=["Title", "Body"]))
    assert result.responses["text"].tolist() == ["Lovely\nFits well", "Only body", "Only title"]


def test_ingest_column_flag_forgives_case(write_file):
    result = load_responses(write_file("s.csv", GOOD_CSV), config(text=["COMMENT"], score="Score"))
    assert result.columns.text == ("comment",)
    assert result.columns.score == "score"


# --- scales ---------------------------------------------------------------------------------


def test_ingest_five_star_scale(write_file):
    text = "review,rating\na,5\nb,4\nc,3\nd,1\ne,6\n"
    cfg = load_config(overrides={"input": {"scale": "5"}}, environ={})
    result = load_responses(write_file("s.csv", text), cfg)
    assert result.responses["nps_group"].tolist() == ["promoter", "passive", "detractor", "detractor"]
    assert reasons(result) == ["score is outside the 5 scale (1-5)"]


def test_ingest_notes_star_ratings_read_as_nps(write_file):
    # 1-5 ratings on the default 0-10 scale are all valid and all detractors (NPS -100):
    # the user hears that --scale 5 may be what they meant.
    stars = "review,rating\n" + "".join(f"r{i},{1 + i % 5}\n" for i in range(25))
    hint = "if they are 1-5 star ratings, rerun with --scale 5"
    assert any(hint in n and "'rating' is between 1 and 5" in n for n in load_responses(write_file("s.csv", stars), config()).notes)
    five = load_config(overrides={"input": {"scale": "5"}}, environ={})
    assert not any(hint in n for n in load_responses(write_file("s.csv", stars), five).notes)
    for other in ("r25,0\n", "r25,9\n"):  # a 0 or a score above 5: a 0-10 survey
        assert not any(hint in n for n in load_responses(write_file("s.csv", stars + other), config()).notes)
    few = "review,rating\n" + "".join(f"r{i},{1 + i % 5}\n" for i in range(10))  # too few to tell
    assert not any(hint in n for n in load_responses(write_file("s.csv", few), config()).notes)


def test_ingest_custom_scale(write_file):
    text = "comment,score\na,100\nb,75\nc,40\nd,72.5\n"
    cfg = load_config(overrides={"input": {"scale": "custom", "custom_minimum": 0, "custom_maximum": 100,
                                           "custom_promoter_min": 80, "custom_detractor_max": 60,
                                           "custom_whole_numbers": False}}, environ={})
    result = load_responses(write_file("s.csv", text), cfg)
    assert result.responses["nps_group"].tolist() == ["promoter", "passive", "detractor", "passive"]


def test_ingest_nps_scale_boundaries(write_file):
    text = "comment,score\n" + "".join(f"c{s},{s}\n" for s in range(11))
    groups = load_responses(write_file("s.csv", text), config()).responses["nps_group"].tolist()
    assert groups == ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2


def test_ingest_parses_scores_with_labels():
    values = pd.Series(["10 - Extremely likely", "0 (Not at all likely)", "9/10", " 7 ", "8,0", "ten", ""])
    parsed = parse_scores(values).tolist()
    assert parsed[:5] == [10.0, 0.0, 9.0, 7.0, 8.0]
    assert pd.isna(parsed[5]) and pd.isna(parsed[6])


def test_ingest_reads_the_nps_questions_end_labels_on_a_0_to_10_scale_only(write_file):
    values = ["Extremely likely", "NOT AT ALL LIKELY.", "0 = Not at all likely", " extremely  likely ", "Very likely"]
    text = "comment,score\n" + "".join(f'c{i},"{v}"\n' for i, v in enumerate(values))
    result = load_responses(write_file("s.csv", text), config())
    no_row_lost(result, len(values))
    assert result.responses["score"].tolist() == [10.0, 0.0, 0.0, 10.0]
    assert reasons(result) == ["score is not a number"]  # "Very likely" is no end of the scale
    five = load_config(overrides={"input": {"scale": "5"}}, environ={})
    assert reasons(load_responses(write_file("f.csv", "comment,score\nfine,Extremely likely\ngood,4\n"), five)) == [
        "score is not a number"]


def test_ingest_does_not_guess_scores(write_file):
    """Only a number, a number with its answer label, or "N/<the scale's top>" is a score:
    a range, a thousands separator, hex or scientific notation were read as their first
    digits (or as 10). A "no answer" marker is an empty score: the comment is still read."""
    values = ["3-4", "1,000", "0x5", "1e1", "inf", "4/5", "9/10", "N/A", "-", "10 - Extremely likely", "8,0"]
    text = "comment,score\n" + "".join(f'c{i},"{v}"\n' for i, v in enumerate(values))
    result = load_responses(write_file("s.csv", text), config())
    no_row_lost(result, len(values))
    why = dict(zip(result.rejected["value"], result.rejected["reason"]))
    assert {v: why[v] for v in values[:5]} == dict.fromkeys(values[:5], "score is not a number")
    assert why["4/5"] == "score is given out of 5, not on the nps scale (0-10)"
    kept = dict(zip(result.responses["text"], result.responses["score"]))
    assert kept["c6"] == 9.0 and kept["c9"] == 10.0 and kept["c10"] == 8.0
    assert pd.isna(kept["c7"]) and pd.isna(kept["c8"])  # N/A and "-": no score, comment kept
    five = load_config(overrides={"input": {"scale": "5"}}, environ={})
    assert load_responses(write_file("f.csv", "comment,score\nfine,4/5\n"), five).responses["score"].tolist() == [4.0]


def test_ingest_dates_outside_the_calendar_and_with_offsets(write_file):
    """9999-12-31 ("no date" in some exports) is a rejected row, not a crash; a timestamp
    with an offset keeps its customer's own day (not the UTC one)."""
    text = ("comment,score,date\nsentinel,9,9999-12-31\nancient,9,0001-01-01\n"
            "paris,9,2026-01-01T00:30:00+01:00\nutc,9,2026-01-01T00:30:00Z\n")
    result = load_responses(write_file("d.csv", text), config(date="date"))
    no_row_lost(result, 4)
    assert reasons(result) == ["unparseable date (or outside 1677-2262)"] * 2
    assert result.responses["submitted_at"].astype(str).tolist() == ["2026-01-01 00:30:00"] * 2


def test_ingest_reads_unix_time_as_survey_apis_export_it(write_file):
    """Delighted's and Zendesk's JSON give created_at as seconds since 1970 (UTC); every row was
    rejected as an unparseable date. 10 digits are seconds, 13 milliseconds; others stay unread."""
    records = [{"id": "1", "score": 9, "comment": "Great app", "created_at": 1764590400},
               {"id": "2", "score": 3, "comment": "Too slow", "created_at": 1764590400123},
               {"id": "3", "score": 7, "comment": "ok", "created_at": 99999999999}]
    result = load_responses(write_file("api.json", json.dumps(records)), config())
    no_row_lost(result, 3)
    assert result.columns.date == "created_at"
    assert result.responses["submitted_at"].tolist() == [pd.Timestamp("2025-12-01 12:00:00"),
                                                         pd.Timestamp("2025-12-01 12:00:00.123")]
    assert reasons(result) == ["unparseable date (or outside 1677-2262)"]


def test_ingest_year_first_dates_stay_year_month_day_in_a_day_first_column(write_file):
    """BigQuery's "2026-02-11 06:51:27 UTC" is not strict ISO, and its retry took the column's
    day-first order: 2 November (one 13/02/2026 elsewhere in the column was enough). "GMT+1"
    was read with the POSIX sign, an hour behind UTC, moving 23:30 on 31 January into February;
    the wall clock stays, as with "+01:00". Milliseconds since 1970 saved by pandas as floats
    ("1778523237000.0"), and times followed by a zone's name ("EST", "[Europe/Paris]"), were
    no date, and their rows were rejected."""
    text = ("comment,score,date\na,9,2026-02-11 06:51:27 UTC\nb,9,13/02/2026\nc,9,2026/02/11 10:00 UTC\n"
            "d,9,2026-01-31 23:30:00 GMT+1\ne,9,Tue Mar 03 2026 10:00:00 GMT+0100 (Central European Standard Time)\n"
            "f,9,1778523237000.0\ng,9,05/03/2026\nh,9,2026-01-31 10:00 PM EST\n"
            "i,9,2026-03-03T10:00:00+01:00[Europe/Paris]\nj,9,2026-07-01 08:00:00 CEST\n"
            "k,9,Tue Mar 03 2026 10:00:00 GMT+0100 (Mitteleuropäische Normalzeit)\nl,9,2026-03-03T10:00:00-05:00[Etc/GMT+5]\n")
    result = load_responses(write_file("bq.csv", text), config(date="date"))
    no_row_lost(result, 12)
    assert result.responses["submitted_at"].tolist() == [
        pd.Timestamp("2026-02-11 06:51:27"), pd.Timestamp("2026-02-13"), pd.Timestamp("2026-02-11 10:00"),
        pd.Timestamp("2026-01-31 23:30"), pd.Timestamp("2026-03-03 10:00"), pd.Timestamp("2026-05-11 18:13:57"),
        pd.Timestamp("2026-03-05"),  # 05/03: day first, as 13/02 settles the column
        pd.Timestamp("2026-01-31 22:00"), pd.Timestamp("2026-03-03 10:00"), pd.Timestamp("2026-07-01 08:00"),
        pd.Timestamp("2026-03-03 10:00"), pd.Timestamp("2026-03-03 10:00")]


def test_ingest_reads_a_spreadsheet_date_serial_that_lost_its_format(write_file):
    text = "comment,score,date\na,9,45962\nb,3,45962.5\nc,8,2026-11-03\nd,8,12345\n"
    result = load_responses(write_file("s.csv", text), config(date="date"))
    assert result.responses["submitted_at"].tolist() == [pd.Timestamp("2025-11-01"), pd.Timestamp("2025-11-01 12:00"),
                                                         pd.Timestamp("2026-11-03")]
    assert reasons(result) == ["unparseable date (or outside 1677-2262)"]  # 12345: 1933, no serial of a survey


def test_ingest_passes_over_a_column_named_like_a_date_that_holds_no_dates(write_file):
    """A "Date" column of survey weeks is no response date: every row was rejected as an
    unparseable date, so a file whose only fault was an optional column could not be read.
    A detected date column is kept when most of its values are dates (the others rejected);
    one given with --date is kept whatever it holds."""
    weeks = "comment,score,date\ngreat,10,Week 45\nbad,2,Week 45\nok,8,Week 46\n"
    result = load_responses(write_file("w.csv", weeks), config())
    no_row_lost(result, 3)
    assert result.columns.date is None and len(result.responses) == 3
    assert any(n.startswith("column 'date' is named like a date but most of its values are not dates (such as "
                            "'Week 45')") for n in result.notes)
    mostly = "comment,score,date\ngreat,10,2026-11-02\nbad,2,2026-11-03\nok,8,Week 46\n"
    kept = load_responses(write_file("m.csv", mostly), config())
    assert kept.columns.date == "date" and reasons(kept) == ["unparseable date (or outside 1677-2262)"]
    given = load_responses(write_file("g.csv", weeks.replace("ok,8,Week 46", "ok,8,2026-11-04")), config(date="date"))
    assert given.columns.date == "date" and len(given.rejected) == 2


def test_ingest_passes_over_a_detected_id_that_two_different_answers_share(write_file):
    """A column named "ID" that holds a customer's id over several surveys is no response id:
    every answer after a customer's first was rejected as a duplicate. A detected id that
    repeats only on copies of one answer stays, and rejects the copies; so does a column named
    as the response's id ("Response ID"), and one given with --id is read whatever it holds."""
    waves = "id,score,comment\nC1,9,great staff\nC2,3,slow delivery\nC1,4,late again\n"
    result = load_responses(write_file("c.csv", waves), config())
    no_row_lost(result, 3)
    assert result.columns.id is None and len(result.responses) == 3 and result.rejected.empty
    assert result.responses["response_id"].tolist() == ["row-2", "row-3", "row-4"]
    assert any(n.startswith("column 'id' is named like a response id, but 'C1' holds two different answers")
               for n in result.notes)
    copies = load_responses(write_file("d.csv", waves.replace("C1,4,late again", "C1,9,great staff")), config())
    assert copies.columns.id == "id" and reasons(copies) == ["duplicate response_id (first seen at row 2)"]
    given = load_responses(write_file("g.csv", waves), config(id="id"))
    assert given.columns.id == "id" and reasons(given) == ["duplicate response_id (first seen at row 2)"]
    # A column named as the response itself is one: a repeat on another answer is an error, rejected.
    named = load_responses(write_file("r.csv", waves.replace("id,", "Response ID,", 1)), config())
    assert named.columns.id == "Response ID" and reasons(named) == ["duplicate response_id (first seen at row 2)"]


def test_ingest_reads_an_export_of_the_nps_group_alone(write_file):
    """A file without a score whose column gives each response's NPS group (as BI extracts
    and dashboards export it) was refused: "no score column found". The group column is found
    by its name or by its values, spelled as exports spell it; an unknown group is rejected
    with its reason, an empty one leaves the response out of the NPS; a score column wins."""
    text = ("Comment,NPS Category\ngreat staff,Promoter\nslow,Detractors\nok,passive\nfine,Neutral\n"
            "late,detractor\n,Promoter\nodd,Maybe\nno group,\n")
    result = load_responses(write_file("g.csv", text), config())
    no_row_lost(result, 8)
    assert (result.columns.score, result.columns.group) == (None, "NPS Category") and "group" in result.columns.detected
    assert result.responses["nps_group"].fillna("-").tolist() == ["promoter", "detractor", "passive", "passive",
                                                                  "detractor", "promoter", "-"]
    assert result.responses["score"].isna().all()
    assert reasons(result) == ["NPS group is not promoter, passive or detractor"]
    assert result.rejected["column"].tolist() == ["NPS Category"]
    assert "group       <- 'NPS Category' (detected)" in result.columns.describe()
    # Under any name, by its values; and "NPS" holding groups is no score column.
    for header in ("Status", "NPS"):
        other = load_responses(write_file("o.csv", text.replace("NPS Category", header)), config())
        assert (other.columns.score, other.columns.group) == (None, header), header
    # Named with --group; a score column, when there is one, gives the groups.
    given = load_responses(write_file("n.csv", text.replace("NPS Category", "Segment")), config(group="Segment"))
    assert given.columns.group == "Segment" and "group" not in given.columns.detected
    both = load_responses(write_file("b.csv", "Comment,Score,NPS Category\ngood,9,Detractor\n"), config())
    assert both.columns.group is None and both.responses["nps_group"].tolist() == ["promoter"]
    assert all("group" not in line for line in both.columns.describe())
    with pytest.raises(InputError, match="not both"):
        load_responses(write_file("x.csv", "Comment,Score,NPS Category\ngood,9,Promoter\n"),
                       config(score="Score", group="NPS Category"))
    with pytest.raises(InputError, match="or a column of NPS groups"):
        load_responses(write_file("y.csv", "Comment,Colour\ngood,red\n"), config())


def test_ingest_counts_a_department_spelled_in_another_case_in_the_usual_spelling(write_file):
    """Spaces are collapsed; on a tie of spellings, the one in mixed case ("Billing", not "BILLING")."""
    text = ("comment,score,team\na,10,Sales\nb,2,sales \nc,8,SALES\nd,7,Sales\ne,9,Customer  Service\n"
            "f,9,Customer Service\ng,9,customer service\nh,9,BILLING\ni,9,Billing\n")
    result = load_responses(write_file("d.csv", text), config())
    assert result.responses["department"].tolist() == ["Sales"] * 4 + ["Customer Service"] * 3 + ["Billing"] * 2
    assert ("4 row(s) spell their department in another case than most rows do, and count in it: 'BILLING' as "
            "'Billing'; 'customer service' as 'Customer Service'; 'SALES', 'sales' as 'Sales'") in result.notes


def test_ingest_departments_in_other_forms_and_rows_without_one_are_noted(write_file):
    """From the departments hunt: "Café" typed with a combining accent was a second department
    looking the same in every report; "  Padded  " counted in "Padded" and rows without a
    department left the department figures, without a word."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Café")
    text = f"comment,score,team\na,10,Café\nb,2,{decomposed}\nc,8,  Padded  \nd,7,Padded\ne,9,\nf,3,Sales\n"
    result = load_responses(write_file("d.csv", text), config())
    assert result.responses["department"].fillna("-").tolist() == ["Café", "Café", "Padded", "Padded", "-", "Sales"]
    assert ("2 row(s) write their department with other spaces or another Unicode form of its letters, and count "
            "in it: 'Cafe\\u0301' as 'Café'; '  Padded  ' as 'Padded'") in result.notes
    assert "1 row(s) have no department: they count in the whole survey's figures, in no department's" in result.notes
    plain = load_responses(write_file("p.csv", "comment,score,team\na,10,Sales\nb,2, Support\n"), config())
    assert not any("department" in note for note in plain.notes)


def test_ingest_a_department_named_like_the_whole_survey_group_is_analysed_under_another_name(write_file):
    """A department '__all__' ended the run in "unexpected ValueError: '__all__' is reserved"."""
    from verbatim.impact import ALL, analyze_impact

    text = "comment,score,team\na,10,__all__\nb,2,Sales\n"
    result = load_responses(write_file("d.csv", text), config())
    assert result.responses["department"].tolist() == [f"{ALL} (department)", "Sales"]
    assert any("name their department '__all__'" in note for note in result.notes)
    analyze_impact(result.responses, pd.DataFrame(index=result.responses["response_id"]))


def test_ingest_rejects_weights_that_cannot_be_added_up(write_file):
    text = "comment,score,revenue\na,9,100\nb,9,inf\nc,9,1e308\nd,9,-1\n"
    result = load_responses(write_file("w.csv", text), config(weight="revenue"))
    no_row_lost(result, 4)
    assert reasons(result) == ["weight is not a finite number", "weight is above 1e+100", "weight is negative"]


def test_ingest_keeps_text_without_score(write_file):
    text = "comment,score\nno score here,\nscored,9\n"
    result = load_responses(write_file("s.csv", text), config())
    r = result.responses
    assert r["text"].tolist() == ["no score here", "scored"]
    assert r["nps_group"].isna().tolist() == [True, False]


# --- bad input: whole-file errors (exit 2 in the CLI) --------------------------------------------


def expect_error(path, code, fragment, cfg=None):
    with pytest.raises(InputError) as info:
        load_responses(path, cfg or config())
    assert info.value.code == code
    assert fragment in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_ingest_error_missing_file(tmp_path):
    expect_error(tmp_path / "nope.csv", "E101", "file not found")


def test_ingest_error_folder(tmp_path):
    expect_error(tmp_path, "E102", "is a folder")


def test_ingest_error_empty_file(write_file):
    expect_error(write_file("e.csv", ""), "E103", "file is empty")


def test_ingest_error_whitespace_only_file(write_file):
    expect_error(write_file("e.csv", "\n \n\t\n"), "E103", "file is empty")


def test_ingest_error_unknown_format(write_file):
    expect_error(write_file("notes.docx", "just some words"), "E104", "unknown format '.docx'")


def test_ingest_error_binary_csv(write_file):
    expect_error(write_file("s.csv", b"comment,score\n\x00\x01\x02\x03"), "E107", "binary data")


def test_ingest_error_missing_flagged_column(write_file):
    expect_error(write_file("s.csv", GOOD_CSV), "E105", "no column 'comments' for --text (did you mean 'comment'?)",
                 config(text=["comments"]))


def test_ingest_error_no_comment_column(write_file):
    expect_error(write_file("s.csv", "a,score\n1,9\n"), "E105", "no comment column found")


def test_ingest_error_no_score_column(write_file):
    expect_error(write_file("s.csv", "comment,b\nnice,x\n"), "E105", "no score column found")


def test_ingest_error_header_only(write_file):
    expect_error(write_file("s.csv", "comment,score\n"), "E106", "no data rows")


def test_ingest_error_no_usable_row(write_file):
    expect_error(write_file("s.csv", "comment,score\na,x\nb,y\n"), "E106", "no usable row among 2 (score is not a number: 2)")


def test_ingest_error_invalid_json(write_file):
    expect_error(write_file("s.json", '[{"comment": "a", "score": 9},'), "E107", "not valid JSON")


def test_ingest_error_json_without_records(write_file):
    expect_error(write_file("s.json", '{"a": 1, "b": 2}'), "E107", "expected a list of records")


def test_ingest_error_corrupt_xlsx(write_file):
    expect_error(write_file("s.xlsx", b"PK\x03\x04 this is not a zip"), "E107", "not a readable XLSX")


def test_ingest_error_corrupt_parquet(write_file):
    expect_error(write_file("s.parquet", b"PAR1 garbage"), "E107", "not a readable Parquet")


def test_ingest_error_unknown_sheet(tmp_path):
    path = tmp_path / "s.xlsx"
    pd.DataFrame(ROWS).to_excel(path, index=False, sheet_name="Data")
    cfg = load_config(overrides={"input": {"sheet": "Responses"}}, environ={})
    expect_error(path, "E105", "no sheet 'Responses'; sheets: Data", cfg)


# --- bad input: row rejections (the file is used, the row is reported) ---------------------------------


def test_ingest_rejects_each_bad_row_with_reason(write_file):
    text = (
        "response id,comment,score,department,date\n"
        "1,great,10,App,2026-01-02\n"           # row 2 ok
        "2,bad,x,App,2026-01-02\n"              # row 3 score not a number
        "3,,,App,\n"                            # row 4 no comment and no score
        "1,dup,5,App,2026-01-03\n"              # row 5 duplicate id
        "4,late,11,Delivery,2026-01-01\n"       # row 6 off the scale
        "5,meh,7.5,Stores,2026-02-01\n"         # row 7 not a whole number
        "6,ok,9,Stores,not a date\n"            # row 8 unparseable date
        "7,a,3,b,2026-01-01,extra\n"            # row 9 too many fields
        ",,,,\n"                                # row 10 empty row
        "8,fine,-1,Billing,2026-01-01\n"        # row 11 off the scale (negative)
        "9,kept,,Billing,2026-01-01\n"          # row 12 ok, no score
    )
    result = load_responses(write_file("s.csv", text), config())
    no_row_lost(result, 11)
    assert result.responses["row"].tolist() == [2, 12]
    got = dict(zip(result.rejected["row"], result.rejected["reason"]))
    assert got == {
        3: "score is not a number",
        4: "no comment and no score",
        5: "duplicate response_id (first seen at row 2)",
        6: "score is outside the nps scale (0-10)",
        7: "score is not a whole number",
        8: "unparseable date (or outside 1677-2262)",
        9: "row has 6 fields but the header has 5",
        10: "empty row",
        11: "score is outside the nps scale (0-10)",
    }
    bad_date = result.rejected.set_index("row").loc[8]
    assert (bad_date["column"], bad_date["value"]) == ("date", "not a date")


def test_ingest_rejects_invalid_jsonl_lines(write_file):
    text = json.dumps(ROWS[0]) + "\n{not json}\n" + json.dumps([1, 2]) + "\n" + json.dumps(ROWS[1]) + "\n"
    result = load_responses(write_file("s.jsonl", text), config())
    no_row_lost(result, 4)
    assert dict(zip(result.rejected["row"], result.rejected["reason"])) == {
        2: "invalid JSON (Expecting property name enclosed in double quotes)",
        3: "record is not an object",
    }


def test_ingest_rejects_bad_weights(write_file):
    text = "comment,score,revenue\na,9,100\nb,9,\nc,9,lots\nd,9,-5\n"
    result = load_responses(write_file("s.csv", text), config(weight="revenue"))
    no_row_lost(result, 4)
    assert reasons(result) == ["weight is missing", "weight is not a number", "weight is negative"]
    assert result.responses["weight"].tolist() == [100.0]


def test_ingest_day_first_dates(write_file):
    text = "comment,score,date\na,9,03/02/2026\n"
    cfg = load_config(overrides={"input": {"dayfirst": True}}, environ={})
    result = load_responses(write_file("s.csv", text), cfg)
    assert result.responses.loc[0, "submitted_at"] == pd.Timestamp("2026-02-03")


def test_ingest_ignores_trailing_empty_rows_with_a_note(write_file):
    result = load_responses(write_file("s.csv", "comment,score\na,9\n,\n,\n"), config())
    assert result.rows_read == 1
    assert any("2 empty row(s) at the end" in n for n in result.notes)


def test_ingest_generated_id_never_takes_a_users_id(write_file):
    # Row 3 has no id; "row-3" is row 2's own id. Named "row-3" too, row 3 was rejected as a
    # duplicate of row 2 (and on Spark, read apart, both were kept under one id).
    path = write_file("s.csv", "id,score,comment\nrow-3,9,great\n,3,slow\nrow-3.2,10,love\n,8,fine\n")
    result = load_responses(path)
    assert result.responses["response_id"].tolist() == ["row-3", "row-3.3", "row-3.2", "row-5"]
    assert len(result.rejected) == 0
    assert any("without an id were given 'row-<row number>'" in n for n in result.notes)


def test_ingest_renames_duplicate_headers(write_file):
    result = load_responses(write_file("s.csv", "comment,comment,score\na,b,9\n"), config(text=["comment", "comment.2"]))
    assert result.responses.loc[0, "text"] == "a\nb"
    assert any("renamed to 'comment.2'" in n for n in result.notes)


def test_ingest_truncates_very_long_comments(write_file):
    cfg = load_config(overrides={"input": {"max_text_chars": 10}}, environ={})
    result = load_responses(write_file("s.csv", "comment,score\n" + "x" * 50 + ",9\n"), cfg)
    assert result.responses.loc[0, "text"] == "x" * 10
    assert any("truncated" in n for n in result.notes)


# --- wide exports: only the columns a run reads are kept ---------------------------------


WIDE = pd.DataFrame({
    "StartDate": [f"2026-01-{d:02d}" for d in range(1, 7)] + [""],
    "comment": ["late", "kind staff", "", "app crashed", "great", "refund slow", ""],
    "IPAddress": ["10.0.0.1"] * 6 + [""],
    "score": [3, 10, 7, 2, 9, 5, ""],
    "Browser": ["Safari", "Chrome", "Edge", "Safari", "Chrome", "Edge", "Firefox"],  # the last row: data here only
})


def _wide_file(tmp_path, fmt: str):
    path = tmp_path / f"wide.{fmt}"
    if fmt == "csv":
        WIDE.to_csv(path, index=False)
    elif fmt == "xlsx":
        WIDE.to_excel(path, index=False)
    elif fmt == "parquet":
        WIDE.astype(str).to_parquet(path)
    else:
        path.write_text("\n".join(json.dumps(r) for r in WIDE.astype(str).to_dict("records")) + "\n")
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
@pytest.mark.parametrize("sample_rows", [2, 2000])  # the columns are fixed inside the file, or after its end
def test_ingest_keeps_only_the_columns_it_reads(tmp_path, monkeypatch, fmt, sample_rows):
    from verbatim import readers

    monkeypatch.setattr(readers, "SAMPLE_ROWS", sample_rows)
    path = _wide_file(tmp_path, fmt)
    full = readers.read_table(path)
    seen = []

    def select(sample):
        seen.append(sample)
        return ["score", "comment", "no such column"]

    table = readers.read_table(path, select=select)
    assert len(seen) == 1 and list(seen[0].columns) == list(WIDE.columns)  # select sees every column
    assert len(seen[0]) == (len(WIDE) if fmt == "jsonl" else min(sample_rows, len(WIDE)))  # JSON is parsed whole
    assert list(table.frame.columns) == ["comment", "score"]  # the file's order
    pd.testing.assert_frame_equal(table.frame, full.frame[["comment", "score"]])
    assert table.rows == full.rows and len(table.rows) == 7  # data only in "Browser" still counts as a row
    result = load_responses(path, config())  # ingestion selects its roles and loses no row
    no_row_lost(result, 7)
    assert result.columns.text == ("comment",) and result.columns.score == "score"


def test_ingest_select_judges_trailing_empty_rows_on_every_column(tmp_path):
    from verbatim.readers import read_table

    path = tmp_path / "s.csv"
    path.write_text("comment,score,extra\na,9,\n,,x\n,,\n , ,\n")
    table = read_table(path, select=lambda sample: ["comment", "score"])
    assert table.rows == [2, 3] and table.frame["score"].tolist() == ["9", ""]
    assert table.notes == ["ignored 2 empty row(s) at the end of the file"]


def test_ingest_wide_csv_in_cp1252_is_decoded_as_it_streams(write_file):
    text = "comment,score,x\n" + "".join(f"caf\u00e9 {i},9,{i}\n" for i in range(5000))
    result = load_responses(write_file("s.csv", text.encode("cp1252")), config())
    assert result.encoding == "cp1252" and result.responses["text"].iloc[-1] == "caf\u00e9 4999"
    no_row_lost(result, 5000)


def test_ingest_row_with_data_only_in_unread_columns_is_not_an_empty_row(tmp_path):
    for fmt in ("csv", "xlsx", "jsonl"):
        result = load_responses(_wide_file(tmp_path, fmt), config())
        last = result.rejected[result.rejected["row"] == result.rejected["row"].max()]
        assert last["reason"].tolist() != ["empty row"], fmt  # its Browser cell is data


def test_ingest_parquet_with_repeated_column_names_keeps_each_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from verbatim.readers import read_table

    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([pa.array(["a1", "a2"]), pa.array(["b1", "b2"]), pa.array(["c1", ""])],
                            names=["x", "x", "y"]), path)
    table = read_table(path)
    assert list(table.frame.columns) == ["x", "x.2", "y"]
    assert table.frame.to_dict("list") == {"x": ["a1", "a2"], "x.2": ["b1", "b2"], "y": ["c1", ""]}
    picked = read_table(path, select=lambda sample: ["x.2"])
    assert picked.frame.to_dict("list") == {"x.2": ["b1", "b2"]}


def test_ingest_parquet_trailing_empty_rows_are_judged_on_every_column(tmp_path):
    from verbatim.readers import read_table

    path = tmp_path / "t.parquet"
    pd.DataFrame({"comment": ["good", "", None, None], "score": ["9", "", None, None],
                  "extra": ["", "kept: data here", None, ""]}).to_parquet(path)
    table = read_table(path, select=lambda sample: ["comment", "score"])
    assert table.rows == [1, 2] and table.frame["comment"].tolist() == ["good", ""]
    assert table.notes == ["ignored 2 empty row(s) at the end of the file"]


def test_ingest_generated_header_names_never_collide(write_file):
    from verbatim.readers import read_table

    table = read_table(write_file("h.csv", "a,a,a.2,b\n1,2,3,4\n"))
    assert list(table.frame.columns) == ["a", "a.3", "a.2", "b"]
    assert table.frame.iloc[0].tolist() == ["1", "2", "3", "4"]


def test_ingest_forced_encoding_that_is_not_for_text_is_E102(write_file):
    cfg = load_config(overrides={"input": {"encoding": "hex"}}, environ={})
    with pytest.raises(InputError, match="E102"):
        load_responses(write_file("s.csv", GOOD_CSV), cfg)


def test_ingest_header_and_blank_rows_only_is_E106(write_file):
    with pytest.raises(InputError, match="E106"):
        load_responses(write_file("s.csv", "feedback text,likelihood\n,\n , \n"), config())


@pytest.mark.parametrize("dayfirst,dates,expected,note", [
    (False, ["05/01/2026", "13/01/2026"], ["2026-01-05", "2026-01-13"], "first throughout"),  # 13/01 settles it
    (True, ["01/05/2026", "01/13/2026"], ["2026-01-05", "2026-01-13"], "first throughout"),   # 01/13: month first
    (False, ["05/01/2026", "06/02/2026"], ["2026-05-01", "2026-06-02"], None),  # nothing settles it: the setting
    # Written with dots, as only day-first countries write dates: 2 January, not 1 February.
    (False, ["05.01.2026", "06.02.2026", "07/03/2026"], ["2026-01-05", "2026-02-06", "2026-03-07"], "with dots"),
    (True, ["05.01.2026", "06.02.2026"], ["2026-01-05", "2026-02-06"], None),  # as the setting says: no note
    (False, ["01.13.2026", "05.01.2026"], ["2026-01-13", "2026-05-01"], None),  # 01.13 settles it: month first
    (False, ["05.01.2026", "06/02/2026", "07/03/2026"], ["2026-05-01", "2026-06-02", "2026-07-03"], None),  # mostly /
])
def test_ingest_one_date_order_per_column(write_file, dayfirst, dates, expected, note):
    """Read one by one, 05/01/2026 was 1 May and 13/01/2026 13 January in the same column;
    02.01.2026 was 1 February."""
    text = "comment,score,date\n" + "".join(f"c{i},9,{d}\n" for i, d in enumerate(dates))
    cfg = load_config(overrides={"columns": {"date": "date"}, "input": {"dayfirst": dayfirst}}, environ={})
    result = load_responses(write_file("d.csv", text), cfg)
    assert result.responses["submitted_at"].dt.strftime("%Y-%m-%d").tolist() == expected
    said = [n for n in result.notes if n.startswith("dates in")]
    assert len(said) == (note is not None) and all(note in n for n in said), said


def test_ingest_dates_with_dashes_and_labelled_fractions(write_file):
    """The offset stripped from "…T00:30+01:00" took "-2026" off "05-01-2026"; "9/10 - great"
    is a score out of 10 with its label."""
    text = 'comment,score,date\na,9/10 - great,05-01-2026\nb,7,5-1-2026\nc,8,2026-01-05T10:00:00-0500\n'
    result = load_responses(write_file("d.csv", text), config(date="date"))
    no_row_lost(result, 3)
    assert result.responses["submitted_at"].dt.strftime("%Y-%m-%d").tolist() == ["2026-05-01", "2026-05-01", "2026-01-05"]
    assert result.responses["score"].tolist() == [9.0, 7.0, 8.0]
    dated = load_config(overrides={"columns": {"date": "date"}, "input": {"date_format": "%d-%m-%Y"}}, environ={})
    one = load_responses(write_file("e.csv", "comment,score,date\na,9,05-01-2026\n"), dated)
    assert one.responses["submitted_at"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05"] and not one.notes


def test_ingest_spark_partition_notes_merge_with_and_without_counts():
    from verbatim.spark_engine import _merge_notes

    assert _merge_notes(["3 comment(s) truncated", "2 comment(s) truncated", "dates in 'd' read day first",
                         "dates in 'd' read day first"]) == ["5 comment(s) truncated", "dates in 'd' read day first"]


def test_ingest_keeps_the_columns_named_by_keep_for_every_usable_row(write_file):
    """--keep copies input columns as they were read (a customer id, a region) for every row,
    usable or rejected, to be written into assignments.csv and rejected.csv. Names are forgiven
    as other column flags forgive them; an unknown one, or one that either file already names,
    is an E105 error naming the column."""
    text = ("Response ID,Customer,Region,score,comment\nR1,C7, North ,9,great staff\nR2,C8,,x,late\n"
            "R3,C7,South,3,slow delivery\n")
    result = load_responses(write_file("k.csv", text), config(keep=["customer", "Region"]))
    no_row_lost(result, 3)
    assert result.columns.keep == ("Customer", "Region")
    assert "kept        <- 'Customer', 'Region' (copied into assignments.csv and rejected.csv)" in result.columns.describe()
    assert result.kept.to_dict("list") == {"row": [2, 3, 4], "Customer": ["C7", "C8", "C7"],
                                           "Region": [" North ", "", "South"]}
    assert result.responses["row"].tolist() == [2, 4] and result.rejected["row"].tolist() == [3]
    assert load_responses(write_file("n.csv", text), config()).kept is None
    with pytest.raises(InputError, match=r"no column 'Segment' for --keep") as unknown:
        load_responses(write_file("u.csv", text), config(keep=["Segment"]))
    assert unknown.value.column == "Segment"
    for taken in ("score", "reason", "theme_id"):  # theme_id: a column of the Spark engine's assignments.parquet
        with pytest.raises(InputError, match=rf"--keep '{taken}': assignments.csv, rejected.csv or "
                                             r"assignments.parquet has a column"):
            load_responses(write_file("s.csv", text.replace("score", taken) if taken != "score" else text),
                           config(keep=[taken], **({"score": "score"} if taken == "score" else {})))


def test_ingest_keeps_an_id_it_passed_over_for_assignments_csv(write_file):
    """A customer's id that detection did not read as the response id (two answers share it)
    is not lost: it is copied into assignments.csv, and the note says so."""
    waves = "id,score,comment\nC1,9,great staff\nC2,3,slow delivery\nC1,4,late again\n"
    result = load_responses(write_file("c.csv", waves), config())
    assert result.columns.id is None and result.columns.keep == ("id",)
    assert result.kept["id"].tolist() == ["C1", "C2", "C1"]
    assert any("(the column is copied into assignments.csv and rejected.csv)" in n for n in result.notes)


def test_assignments_and_rejected_csv_hold_the_kept_columns_after_the_response_id():
    """The kept cells follow response_id in assignments.csv, row by row, also for a response
    without a comment (its row is still written), and in rejected.csv."""
    from types import SimpleNamespace

    from verbatim.ingest import OUTPUT_COLUMNS
    from verbatim.report.write import assignments_table

    responses = pd.DataFrame({"row": [2, 3, 5], "response_id": ["R1", "R2", "R3"], "department": ["A", "B", None],
                              "score": [9.0, 3.0, 7.0], "nps_group": ["promoter", "detractor", "passive"]})
    kept = pd.DataFrame({"row": [2, 3, 4, 5], "Customer ID": ["C7", "C8", "C9", "C7"], "Region": ["N", "", "W", "S"]})
    analysis = SimpleNamespace(
        ingest=SimpleNamespace(responses=responses, kept=kept),
        segments=pd.DataFrame({"response_id": ["R1", "R2"], "theme_id": [0, 1], "compound": [0.6, -0.5],
                                  "sentiment": ["positive", "negative"]}),
        themes=pd.DataFrame({"theme_id": [0, 1], "label": ["friendly staff", "late delivery"]}),
        flags=pd.DataFrame({"response_id": ["R1", "R2", "R3"], "non_answer": [False, False, True],
                            "redacted_text": ["great staff", "late", "n/a"]}))
    table = assignments_table(analysis)
    assert list(table.columns) == ["row", "response_id", "Customer ID", "Region", *OUTPUT_COLUMNS[2:]]
    assert table["Customer ID"].tolist() == ["C7", "C8", "C7"] and table["Region"].tolist() == ["N", "", "S"]
    assert table["themes"].tolist() == ["friendly staff", "late delivery", ""]
    # rejected.csv too: the rejected row 4 and an unreadable line (row 6) without cells.
    from verbatim.report.write import redacted_rejections

    analysis.ingest.rejected = pd.DataFrame({"row": [4, 6], "response_id": ["R4", "row-6"], "column": ["score", None],
                                             "value": ["x", "a,b,c"], "reason": ["score is not a number", "too many fields"]})
    analysis.config = SimpleNamespace(prepare=SimpleNamespace(redact=False))
    rejected = redacted_rejections(analysis)
    assert list(rejected.columns) == ["row", "response_id", "Customer ID", "Region", "column", "value", "reason"]
    assert rejected["Customer ID"].tolist() == ["C9", ""] and rejected["Region"].tolist() == ["W", ""]
    analysis.ingest.kept = None
    assert tuple(assignments_table(analysis).columns) == OUTPUT_COLUMNS
    assert list(redacted_rejections(analysis).columns) == ["row", "response_id", "column", "value", "reason"]


def test_ingest_dotted_dates_of_both_orders_keep_the_mixed_note(write_file):
    """Dots decide the ambiguous dates of a column that mixes the orders (13.01 and 01.13),
    and the note that the file mixes them stays beside the dotted one."""
    text = "comment,score,date\na,9,13.01.2026\nb,9,01.13.2026\nc,9,05.01.2026\n"
    result = load_responses(write_file("d.csv", text), config(date="date"))
    assert result.responses["submitted_at"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-13", "2026-01-13", "2026-01-05"]
    said = [n for n in result.notes if n.startswith("dates in")]
    assert len(said) == 2 and "written with dots" in said[0] and "some rows and the month first in others" in said[1]


def test_ingest_columns_named_alike_but_for_case_are_duplicates(write_file):
    """"comment" and "Comment" stayed two columns: the roles are found regardless of case,
    and the Spark engine could not tell them apart (AMBIGUOUS_REFERENCE)."""
    result = load_responses(write_file("c.csv", "comment,score,Comment\ngreat,9,second\n"), config())
    assert result.columns.text == ("comment",)
    assert any("duplicate column name 'Comment' at column 3 renamed to 'Comment.2'" in n for n in result.notes)


def test_ingest_one_column_takes_one_role(write_file):
    """--score Rating --department Rating made departments of the scores, --text Rating
    --score Rating was accepted, and --text comment --text comment doubled every comment."""
    from verbatim.errors import InputError

    path = write_file("roles.csv", "comment,Rating,team\nok,9,A\nbad,2,B\n")
    for columns, message in (({"score": "Rating", "department": "Rating"}, "--score and --department"),
                             ({"text": ["Rating"], "score": "Rating"}, "--score and --text")):
        with pytest.raises(InputError, match=f"E105.*column 'Rating' is given two roles, {message}"):
            load_responses(path, config(**columns))
    result = load_responses(path, config(text=["comment", "comment"]))
    assert result.columns.text == ("comment",) and result.responses["text"].tolist() == ["ok", "bad"]
