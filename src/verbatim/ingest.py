"""Survey export -> a clean ``responses`` table plus a ``rejected`` table.

Every input row ends in exactly one of the two (``rows_read == len(responses) +
len(rejected)``): nothing is dropped silently. A row is rejected with its row number,
the offending column and value, and a short reason. A row with a comment but no score
is kept (it feeds the themes) and left out of NPS.

The column roles (comment text, score, department, date, id, weight) come from the
configuration / CLI flags or are detected from common header names; what was picked is
reported so the user can check it.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .config import ColumnSettings, Config, InputSettings
from .cuts import cut_length, cut_note, length_table, mark_cut
from .errors import ConfigError, InputError
from .readers import SAMPLE_ROWS, RawTable, blank_rows, read_table
from .departments import ALL_GROUP
from .scales import BUILTIN_SCALES, DETRACTOR, PASSIVE, PROMOTER, ScoreScale

REJECTED_COLUMNS = ["row", "response_id", "column", "value", "reason"]
RESPONSE_COLUMNS = ["row", "response_id", "text", "score", "nps_group", "department", "submitted_at", "weight"]

# Header names recognised for each role, best first, compared after normalisation
# (lower case, punctuation as spaces). ``contains`` words match longer survey questions
# such as "How likely are you to recommend us to a friend?".
EXACT_NAMES = {
    "text": ["comment", "comments", "verbatim", "verbatims", "feedback", "review text", "review", "text",
             "open text", "open ended", "response text", "reason for score", "reason", "free text", "answer",
             "remarks", "message", "body"],
    "score": ["nps", "score", "nps score", "likelihood to recommend", "ltr", "recommend", "rating",
              "recommendation score", "star rating", "stars"],
    "department": ["department", "dept", "team", "business unit", "department name", "division",
                   "division name", "touchpoint", "area", "business area", "function", "business function",
                   "line of business", "lob", "service line", "product line", "product area", "org unit",
                   "organisation unit", "organization unit", "unit"],
    "date": ["submitted at", "submitted", "date", "response date", "created at", "timestamp", "survey date",
             "completed at", "recorded date", "end date", "created"],
    "id": ["response id", "responseid", "respondent id", "id", "record id", "survey response id", "ticket id",
           "respondent", "respondent number", "response number", "case id", "interview id", "uuid"],
    # Read only when the file has no score column (an export of the NPS group alone).
    "group": ["nps group", "nps category", "nps segment", "nps type", "nps classification", "nps status",
              "nps bucket", "promoter status", "promoter type", "promoter category", "nps"],
}
#: How exports spell the NPS groups (lower case), as verbatim's groups.
GROUP_SPELLINGS = {
    "promoter": PROMOTER, "promoters": PROMOTER,
    "passive": PASSIVE, "passives": PASSIVE, "neutral": PASSIVE, "neutrals": PASSIVE,
    "detractor": DETRACTOR, "detractors": DETRACTOR,
}
#: The columns of assignments.csv (:func:`verbatim.report.write.assignments_table`); the
#: columns kept from the input (``columns.keep``) follow ``response_id`` there, in
#: rejected.csv (:data:`REJECTED_COLUMNS`) and in assignments.parquet
#: (:data:`SEGMENT_COLUMNS`), and may not reuse a name of any of them.
OUTPUT_COLUMNS = ("row", "response_id", "department", "score", "nps_group", "status", "theme_ids", "themes",
                  "sentiment", "text")
#: The columns of the Spark engine's per-segment assignments.parquet.
SEGMENT_COLUMNS = ("response_id", "segment_index", "text", "sentiment", "compound", "theme_id")
_TAKEN_NAMES = tuple(dict.fromkeys([*OUTPUT_COLUMNS, *REJECTED_COLUMNS, *SEGMENT_COLUMNS]))
#: Id names that may name a person rather than a response ("ID", "Respondent ID"): such a
#: column on which two different answers share an id is no response id (a name of the
#: response itself, "Response ID", is: its repeats are rejected as duplicates).
SHARED_ID_NAMES = frozenset({"id", "respondent", "respondent id", "respondent number", "record id"})
CONTAINS_WORDS = {
    "text": ["comment", "verbatim", "feedback", "reason", "why", "tell us", "explain", "improve", "suggest",
             "anything else", "describe"],
    "score": ["likely", "recommend", "nps", "rating", "score", " rate"],  # " rate": at a word's start, not "accurate"
    "department": ["department", "dept"],
    "date": ["date", "submitted", "timestamp"],
}
# A score as a number: "7", "7.5", "8,5" (decimal comma: one or two digits, so that "1,000"
# is not read as 1).
_NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+|,[0-9]{1,2})?"
PLAIN_NUMBER = re.compile(rf"^{_NUMBER}$")
# A number with its answer label, as survey tools export them: "10 - Extremely likely",
# "0 (Not at all likely)", "0 = Not at all likely", "9 Very likely". The label starts with a
# letter or a bracket, so a range ("3-4"), a hex-like "0x5" or a thousands separator are not
# read as their first number.
LEADING_NUMBER = re.compile(rf"^({_NUMBER})(?:\s*[-–—:=]\s*|\s*\(|\s+)[^\W\d_(]", re.S)
# A number out of another: "9/10", "4 / 5". Read only when the denominator is the scale's top.
OUT_OF = re.compile(rf"^({_NUMBER})\s*/\s*([0-9]+)(?:(?:\s*[-–—:=]\s*|\s*\(|\s+)[^\W\d_(].*)?$", re.S)
#: The labels of the two ends of the NPS question ("How likely is it that you would recommend
#: ...? 0 = Not at all likely, 10 = Extremely likely"), which survey tools export in place of
#: the number when they export answer texts (SurveyMonkey's "actual answer text"): read as
#: those numbers on a 0-10 scale.
NPS_ANCHORS = {"not at all likely": 0.0, "extremely likely": 10.0}
#: Largest weight accepted: sums of squared weights of a million rows stay finite.
MAX_WEIGHT = 1e100
# Answers that mean "no score given": treated as an empty cell (the comment is still read).
NO_SCORE = frozenset({"n/a", "na", "n.a.", "#n/a", "null", "none", "nan", "-", "--", "–", "—"})


@dataclass(frozen=True)
class ColumnMap:
    """The input column chosen for each role (None when the file has none)."""

    text: tuple[str, ...]
    score: str | None
    department: str | None = None
    date: str | None = None
    id: str | None = None
    weight: str | None = None
    group: str | None = None  # the NPS group of each response, read when there is no score
    keep: tuple[str, ...] = ()  # columns copied as they are into assignments.csv and rejected.csv
    detected: tuple[str, ...] = ()  # roles that were auto-detected rather than given
    notes: tuple[str, ...] = ()  # what detection passed over, for the run's notes

    def describe(self) -> list[str]:
        """One line per role, e.g. ``text        <- 'Comment' (detected)`` (the NPS group's
        only when it is read)."""
        lines = []
        for role in ("text", "score", "group", "department", "date", "id", "weight"):
            if role == "group" and not self.group:
                continue
            value = getattr(self, role)
            shown = ", ".join(repr(v) for v in value) if role == "text" else (repr(value) if value else "-")
            how = " (detected)" if role in self.detected else ""
            lines.append(f"{role:<11} <- {shown}{how}")
        if self.keep:
            kept = ", ".join(repr(v) for v in self.keep)
            lines.append(f"{'kept':<11} <- {kept} (copied into assignments.csv and rejected.csv)")
        return lines

    @property
    def names(self) -> list[str]:
        """Every input column the run reads."""
        roles = (self.score, self.group, self.department, self.date, self.id, self.weight)
        return list(dict.fromkeys([*self.text, *(c for c in roles if c), *self.keep]))


@dataclass(frozen=True)
class IngestResult:
    """What ingestion produced: usable responses, rejected rows and how the file was read."""

    responses: pd.DataFrame
    rejected: pd.DataFrame
    columns: ColumnMap
    scale: ScoreScale
    source: str
    format: str
    rows_read: int
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # ``row`` and the columns of ``columns.keep`` (cells as read) of every row read, usable or
    # rejected (an unreadable line has none); None without such columns
    kept: pd.DataFrame | None = None

    @property
    def rows_usable(self) -> int:
        return len(self.responses)


# Fewer scores than this say too little about the scale they were given on.
SCALE_HINT_MIN_SCORES = 20


def scale_notes(scores: pd.Series, scale: ScoreScale, column: str) -> list[str]:
    """A note when every score of a 0-10 survey lies within 1-5: star ratings read as NPS
    make everyone a detractor (NPS -100) without a single row out of range, and the user
    who forgot ``--scale 5`` should hear so before reading the reports."""
    scores = pd.to_numeric(scores, errors="coerce").dropna()
    if scale.name != "nps" or len(scores) < SCALE_HINT_MIN_SCORES:
        return []
    low, high = float(scores.min()), float(scores.max())
    if low < 1 or high > 5:
        return []
    return [f"every score in '{column}' is between {low:g} and {high:g}: read on the 0-10 NPS scale, all of them "
            "are detractors; if they are 1-5 star ratings, rerun with --scale 5"]


def scale_from_settings(settings: InputSettings) -> ScoreScale:
    """The score scale named in the configuration."""
    if settings.scale in BUILTIN_SCALES:
        return BUILTIN_SCALES[settings.scale]
    if settings.scale == "custom":
        try:
            return ScoreScale("custom", settings.custom_minimum, settings.custom_maximum,
                              settings.custom_promoter_min, settings.custom_detractor_max,
                              settings.custom_whole_numbers)
        except ValueError as exc:
            raise ConfigError("E203", f"input.custom_*: {exc}") from None
    raise ConfigError("E203", f"input.scale must be one of nps, 5, custom; got {settings.scale!r}")


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower()).split())


def _answered(values: pd.Series) -> pd.Series:
    """Which cells (strings) hold an answer: not blank, nor "N/A" and its kin (:data:`NO_SCORE`)."""
    stripped = values.str.strip()
    return stripped.ne("") & ~stripped.str.lower().isin(NO_SCORE)


def _mostly_numeric(values: pd.Series) -> bool:
    """Whether at least 80 % of the filled cells read as scores (:func:`parse_scores`): plain
    numbers, or numbers with their answer label as survey tools export the NPS question
    ("10 - Extremely likely", "0 (Not at all likely)", "9/10"). "N/A" and its kin are no answer."""
    filled = values[_answered(values)]
    if filled.empty:
        return False
    return parse_scores(filled, anchors=NPS_ANCHORS).notna().mean() >= 0.8


# A cell of the third header row of a Qualtrics CSV export: {"ImportId":"QID1"}.
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')
# The cells of the second header row of a SurveyMonkey export, under each question.
_ANSWER_TYPES = frozenset({"response", "open-ended response"})


@dataclass(frozen=True)
class ExportHeader:
    """Rows under the column names that a survey tool's export gives to describe its columns:
    ``rows`` of them (the first data rows), each column's question where they hold one
    (``descriptions``), and what they are, for the run's note."""

    rows: int
    descriptions: dict[str, str]
    what: str

    def note(self, numbers: Sequence[int]) -> str:
        """The run's note, given the file rows of the description rows."""
        where = " and ".join(str(n) for n in numbers[: self.rows])
        return (f"row{'s' if self.rows > 1 else ''} {where} {'hold' if self.rows > 1 else 'holds'} {self.what}: "
                "read as part of the header, not as answers")


def export_header(sample: pd.DataFrame) -> ExportHeader | None:
    """The description rows at the top of ``sample`` (the first rows under the column names),
    None when there are none:

    * a Qualtrics CSV export puts each column's question ("How likely are you to recommend
      us?"), then its import id as JSON (``{"ImportId":"QID1"}``, every filled cell of that
      row), under column ids such as "Q1", "Q2_TEXT";
    * a SurveyMonkey export puts the questions in the header and, on the row under it, the
      kind of answer of each: "Response", "Open-Ended Response" (at least half of the row's
      filled cells; the others name the options of multiple-choice questions).
    """
    if len(sample) >= 2:
        ids = sample.iloc[1].astype(str).str.strip()
        filled = ids[ids != ""]
        if len(filled) and filled.str.match(_IMPORT_ID).all():
            questions = {name: str(question).strip() for name, question in sample.iloc[0].items()}
            return ExportHeader(2, questions, "each column's question and import id, as a Qualtrics export does")
    if len(sample) >= 1:
        kinds = sample.iloc[0].astype(str).str.strip().str.lower()
        filled = kinds[kinds != ""]
        if len(filled) and filled.isin(_ANSWER_TYPES).mean() >= 0.5:
            return ExportHeader(1, {}, 'the kind of answer under each question ("Response", "Open-Ended Response"), '
                                       "as a SurveyMonkey export does")
    return None


def _mostly_dates(values: pd.Series, settings: InputSettings) -> tuple[bool, str]:
    """(whether at least half of the filled cells read as dates, the first that does not)."""
    filled = values[values.str.strip() != ""]
    if filled.empty:
        return True, ""
    dates = parse_dates(filled.reset_index(drop=True), settings)
    unread = filled.reset_index(drop=True)[dates.isna()]
    return dates.notna().mean() >= 0.5, str(unread.iloc[0]) if len(unread) else ""


def detect_columns(frame: pd.DataFrame, settings: ColumnSettings, *, file: str | Path,
                   descriptions: dict[str, str] | None = None, read: InputSettings | None = None) -> ColumnMap:
    """Resolve each column role from the settings or from the header names and contents.

    ``descriptions``: each column's question (:func:`export_header`), matched as its
    name is: "Q1" is found by "How likely are you to recommend us?", and ``--score`` may
    name it either way. A column named like a date is the date only when at least half of
    its filled cells in ``frame`` read as dates (with ``read``'s date settings): a "Date"
    column of "Week 45" had every row rejected; it is passed over, with a note."""
    read = read or InputSettings()
    notes: list[str] = []
    header = list(frame.columns)
    descriptions = descriptions or {}
    by_norm: dict[str, str] = {}
    for name in header:
        by_norm.setdefault(_norm(name), name)
    for name in header:  # after the names: a column's own name wins
        if descriptions.get(name):
            by_norm.setdefault(_norm(descriptions[name]), name)
    used: set[str] = set()
    detected: list[str] = []

    def given(role: str, name: str) -> str:
        if name in header:
            return name
        if _norm(name) in by_norm:  # forgive case and punctuation: --text "review text"
            return by_norm[_norm(name)]
        close = difflib.get_close_matches(name, header, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError("E105", f"no column {name!r} for --{role}{hint}; columns are: {', '.join(header)}",
                         file=file, column=name)

    def detect(role: str) -> str | None:
        wants_numbers = role == "score"
        for candidate in EXACT_NAMES.get(role, []):
            name = by_norm.get(candidate)
            if name and name not in used and (role != "date" or dated(name)) and not (
                    role == "score" and _mostly_groups(frame[name])):  # "NPS" of "Promoter", "Detractor"
                return name
        for word in CONTAINS_WORDS.get(role, []):
            for name in header:
                if name in used or word not in f" {_norm(name)} {_norm(descriptions.get(name, ''))}":
                    continue
                if role in ("text", "score") and _mostly_numeric(frame[name]) != wants_numbers:
                    continue  # "Positive Feedback Count" is not a comment column
                if role == "date" and not dated(name):
                    continue
                return name
        return None

    @functools.cache  # a column named like a date may be met by name and by a word of its name: read once
    def dated(name: str) -> bool:
        ok, example = _mostly_dates(frame[name], read)
        if not ok:
            notes.append(f"column {name!r} is named like a date but most of its values are not dates (such as "
                         f"{example[:40]!r}): not read as the response date; name one with --date")
        return ok

    roles: dict[str, object] = {}
    for role in ("score", "group", "id", "date", "department", "weight"):
        name = getattr(settings, role)
        if name:
            roles[role] = given(role, name)
            used.add(roles[role])
    if roles.get("score") and roles.get("group"):
        raise InputError("E105", "give the score column (--score) or the NPS group column (--group), not both: "
                         "the score gives each response its group", file=file)
    if settings.text:
        # A column named twice (--text comment --text comment) is read once: twice, it doubled every comment.
        roles["text"] = tuple(dict.fromkeys(given("text", n) for n in settings.text))
        used.update(roles["text"])
    # One column, one role: --score Rating --department Rating made departments of the scores.
    named = [(role, c) for role, value in roles.items() for c in (value if role == "text" else (value,))]
    for i, (role, column) in enumerate(named):
        other = next((r for r, c in named[:i] if c == column), None)
        if other is not None:
            raise InputError("E105", f"column {column!r} is given two roles, --{other} and --{role}; "
                                     "each column can take one", file=file, column=column)
    keep = list(dict.fromkeys(given("keep", n) for n in settings.keep))
    for name in keep:
        if name in _TAKEN_NAMES:
            raise InputError("E105", f"--keep {name!r}: assignments.csv, rejected.csv or assignments.parquet has "
                                     f"a column of that name already ({', '.join(_TAKEN_NAMES)}); rename the column "
                                     "in the file", file=file, column=name)
    for role in ("id", "score", "date", "department", "text"):  # weight is never guessed
        if role in roles or (role == "score" and roles.get("group")):
            continue
        name = detect(role)
        if name is not None:
            detected.append(role)
            used.add(name)
        if role == "text":
            roles[role] = (name,) if name else ()
        else:
            roles[role] = name
    # A title above the table ("Survey export, November") is read as the header.
    hint = "; if the column names are on a later row, give its number with --set input.header_row=N"
    if not roles["text"]:
        raise InputError("E105", f"no comment column found; name it with --text (columns are: {', '.join(header)})"
                         + hint, file=file)
    if not roles.get("score") and not roles.get("group"):
        roles["group"] = _group_column(frame, by_norm, used)
        if roles["group"]:
            detected.append("group")
    if not roles.get("score") and not roles.get("group"):
        raise InputError("E105", "no score column found; name it with --score, or a column of NPS groups (promoter, "
                         f"passive, detractor) with --group (columns are: {', '.join(header)})" + hint, file=file)
    if "id" in detected and roles.get("id") and _norm(roles["id"]) in SHARED_ID_NAMES:
        answer = [*roles["text"], roles.get("score") or roles.get("group")]
        shared = _id_of_two_answers(frame.head(SAMPLE_ROWS), roles["id"], answer)
        if shared is not None:
            notes.append(f"column {roles['id']!r} is named like a response id, but {shared[:40]!r} holds two different "
                         "answers (a customer's id, over several surveys?): not read as the response id, so each row "
                         "is analysed (the column is copied into assignments.csv and rejected.csv); name it with --id "
                         "to read it, and reject the later rows of a repeated id")
            if roles["id"] not in keep and roles["id"] not in _TAKEN_NAMES:
                keep.append(roles["id"])
            roles["id"] = None
            detected.remove("id")
    return ColumnMap(text=tuple(roles["text"]), score=roles.get("score"), department=roles.get("department"),
                     date=roles.get("date"), id=roles.get("id"), weight=roles.get("weight"), group=roles.get("group"),
                     keep=tuple(keep), detected=tuple(detected), notes=tuple(notes))


def _mostly_groups(values: pd.Series) -> bool:
    """Whether at least 80 % of the filled cells (one at least) name an NPS group
    (:data:`GROUP_SPELLINGS`: "Promoter", "Passives", "Detractor")."""
    cells = values.astype(str).str.strip().str.lower()
    filled = cells[_answered(cells)]
    return len(filled) > 0 and filled.isin(list(GROUP_SPELLINGS)).mean() >= 0.8


def _group_column(frame: pd.DataFrame, by_norm: dict[str, str], used: set[str]) -> str | None:
    """The column of NPS groups of a file without a score: by its name (:data:`EXACT_NAMES`)
    or, under any name, by its values; None when no column holds them."""
    named = [by_norm[n] for n in EXACT_NAMES["group"] if n in by_norm]
    for name in [*named, *frame.columns]:
        if name not in used and _mostly_groups(frame[name]):
            return name
    return None


def _id_of_two_answers(frame: pd.DataFrame, id_column: str, answer_columns: list[str]) -> str | None:
    """An id of ``frame``'s ``id_column`` that rows with different answers (``answer_columns``)
    share, or None. A response id repeats only on copies of one response (rows exported twice),
    which validation rejects as duplicates; an id on two answers identifies someone else (a
    customer, an account), and rejecting all but their first answer would lose the others
    (asked only of columns named as a person's id could be, :data:`SHARED_ID_NAMES`).
    Decided on the first rows, :data:`verbatim.readers.SAMPLE_ROWS` (the same rows on Spark)."""
    ids = frame[id_column].astype(str).str.strip()
    filled = ids.ne("")
    if not ids[filled].duplicated().any():
        return None
    answers = frame.loc[filled, answer_columns].astype(str).apply(lambda column: column.str.strip())
    distinct = answers.assign(__id=ids[filled]).drop_duplicates()
    shared = distinct["__id"][distinct["__id"].duplicated()]
    return str(shared.iloc[0]) if len(shared) else None


def scale_anchors(scale: ScoreScale) -> dict[str, float] | None:
    """The answer labels read as numbers on ``scale``: the NPS question's two ends on a 0-10
    scale (:data:`NPS_ANCHORS`), none on another."""
    return NPS_ANCHORS if (scale.minimum, scale.maximum) == (0, 10) else None


def parse_scores(values: pd.Series, maximum: float | None = None,
                 anchors: dict[str, float] | None = None) -> pd.Series:
    """Strings -> float scores; '' -> NaN; '10 - Extremely likely' -> 10; junk -> NaN.

    Survey tools often export the answer label with the number ("0 (Not at all likely)",
    "9/10"), so a number followed by a label is accepted; "N/D" only when D is ``maximum``
    (the scale's top; any D when None). ``anchors``: answer labels exported without their
    number, read as it (:data:`NPS_ANCHORS`; any case, trailing full stop). Nothing else is
    guessed: "3-4", "1,000", "0x5", "1e1" and "inf" are not numbers here (see
    :func:`score_problems`).
    """
    stripped = values.str.strip()
    plain = stripped.str.fullmatch(PLAIN_NUMBER)
    parsed = pd.Series(np.nan, index=values.index, dtype=float)
    parsed[plain] = pd.to_numeric(stripped[plain].str.replace(",", ".", regex=False), errors="coerce")
    retry = ~plain & stripped.ne("")
    if retry.any():
        lead = stripped[retry].str.extract(LEADING_NUMBER, expand=False)
        out_of = stripped[retry].str.extract(OUT_OF)
        if maximum is not None:
            denominator = pd.to_numeric(out_of[1], errors="coerce")
            out_of.loc[denominator.ne(maximum), 0] = np.nan
        number = lead.fillna(out_of[0]).str.replace(",", ".", regex=False)
        parsed.loc[retry] = pd.to_numeric(number, errors="coerce")
        if anchors:
            label = stripped[retry].str.lower().str.replace(r"\s+", " ", regex=True).str.rstrip(".!")
            parsed.loc[retry] = parsed.loc[retry].fillna(label.map(anchors))
    return parsed.astype(float) + 0.0  # + 0.0: "-0" is 0, not -0.0


def score_denominators(values: pd.Series) -> pd.Series:
    """The D of scores written "N/D" (NaN elsewhere), to tell "4/5" on a 0-10 scale apart
    from a score that is not a number at all."""
    return pd.to_numeric(values.str.strip().str.extract(OUT_OF)[1], errors="coerce")


# The commonest time zone abbreviations, as exports write them after a time ("10:00 CET"):
# spelled out rather than any capitals, which would take the "PM" of "10:00 PM".
_ZONE_NAMES = ("(?:CES?T|EES?T|WES?T|BST|IST|[PMCE][SD]T|AK[SD]T|HST|AE[SD]T|AC[SD]T|AWST|JST|KST|SGT|HKT"
               "|NZ[SD]T)")
# A UTC offset or zone letter at the end of a timestamp ("+01:00", "+0100", "Z"), also
# named ("UTC", "GMT+1", "UTC-05:00", JavaScript's "GMT+0100 (Central European Standard
# Time)", a zone's abbreviation, "CET", or Java's region, "[Europe/Paris]"). dateutil reads
# "GMT+1" with the POSIX sign, as one hour *behind* UTC, and moved 23:30 on 31 January into
# February; zone names were no date, and their rows were rejected.
_UTC_OFFSET = re.compile(r"(?<=\d:\d\d)((?::\d\d)?(?:[.,]\d+)?(?:\s*[AaPp]\.?[Mm]\.?)?)\s*(?:(?:GMT|UTC)(?:\s*[+-]\d{1,2}(?::?\d\d)?)?"
                         r"|[+-]\d\d(?::?\d\d)?|Z|" + _ZONE_NAMES + r")(?:\s*\([^()]*\))?"
                         r"(?:\s*\[[^\[\]\s]+\])?$")
# A date opening with its year (2026-02-11, 2026/02/11 ...): year, month, day whatever the
# column's day-first setting, which dateutil applied to it too (2026-02-11 10:00 UTC read as
# 2 November once a 13/02/2026 elsewhere made the column day first).
_YEAR_FIRST = re.compile(r"^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}\b")
# What datetime64[ns] can hold; a sentinel such as 9999-12-31 ("no date") is outside it.
_FIRST, _LAST = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")


# A date written with numbers only, day and month in either order: 05/01/2026, 5.1.26.
NUMERIC_DATE = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-][0-9]{2,4}\b"
_NUMERIC_DATE = re.compile(NUMERIC_DATE)
# The same written with dots (02.01.2026): Germany, Russia, Poland, Turkey, Scandinavia...
# write the day first so, and no country writes the month first with dots.
DOTTED_DATE = r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}\b"


class DateOrder(NamedTuple):
    """How a column's all-number dates are read (:func:`numeric_date_order`)."""

    dayfirst: bool
    mixed: bool = False  # some dates prove the day first, others the month first
    dotted: bool = False  # the numbers do not tell; day first because the dates are written with dots


def numeric_date_order(values: pd.Series, dayfirst: bool) -> DateOrder:
    """How to read a column's all-number dates, decided on the whole column.

    Read one by one, "05/01/2026" is 1 May (month first, the default) but "13/01/2026" is
    13 January, since no month 13 exists: one column would mix both orders. A column whose
    first field exceeds 12 somewhere, and whose second never does, is day-first throughout
    (and the reverse). When the numbers do not tell, a column whose all-number dates are
    mostly written with dots ("02.01.2026") is read day first, all of it, as every country
    that writes dates so reads them; otherwise ``dayfirst`` decides. When both fields exceed
    12 somewhere the file mixes the orders, and the ambiguous dates are read that way."""
    stripped = values.str.strip()
    fields = stripped.str.extract(_NUMERIC_DATE).dropna()
    if fields.empty:
        return DateOrder(dayfirst)
    dotted = int(stripped[fields.index].str.match(DOTTED_DATE).sum())
    return order_from_fields(bool((fields[0].astype(int) > 12).any()), bool((fields[1].astype(int) > 12).any()),
                             2 * dotted > len(fields), dayfirst)


def order_from_fields(first_over_12: bool, second_over_12: bool, dotted: bool, dayfirst: bool) -> DateOrder:
    """How to read all-number dates from whether some date's first field, and some date's
    second field, exceeds 12, and whether most are written with dots (see
    :func:`numeric_date_order`)."""
    if first_over_12 != second_over_12:
        return DateOrder(first_over_12)
    mixed = first_over_12 and second_over_12
    return DateOrder(True, mixed, dotted=True) if dotted else DateOrder(dayfirst, mixed)


# Unix time, as survey APIs and their JSON exports give it (Delighted, Zendesk): seconds
# (10 digits: 2001-2286, a fraction allowed) or milliseconds (13 digits), in UTC.
_EPOCH_SECONDS = re.compile(r"^[0-9]{10}(?:\.[0-9]+)?$")
_EPOCH_MILLISECONDS = re.compile(r"^[0-9]{13}(?:\.[0-9]+)?$")  # "1778523237000.0": pandas' float column
# A spreadsheet's date serial (days since 1899-12-30) that lost its date format on the way:
# 20000-79999 is 1954-2119, and a number of 5 digits is no other date.
_SHEET_SERIAL = re.compile(r"^[2-7][0-9]{4}(?:\.[0-9]+)?$")
_SHEET_EPOCH = pd.Timestamp("1899-12-30")
# A time of day alone ("14:05", "9:30 AM", a spreadsheet's time cell "09:30:00"): pandas would
# put it on the day of the run, another date at each run and a period of its own in the trend.
TIME_ONLY = re.compile(r"^\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:[AaPp]\.?\s?[Mm]\.?)?$")


def parse_dates(values: pd.Series, settings: InputSettings) -> pd.Series:
    """Strings -> naive timestamps (NaT when empty, unparseable or outside 1677-2262).

    A timestamp with a UTC offset keeps its own wall-clock time ("2026-01-01 00:00+01:00"
    is 1 January, not 31 December in UTC): a response belongs to the day, week and month
    in which its customer wrote it. Without ``settings.date_format``, a number of 10 digits
    is Unix time in seconds and one of 13 in milliseconds (UTC, the only time they tell), and
    one of 5 from 20000 a spreadsheet's date serial (45962 is 2025-11-01), and a time of day
    without a date is no date (:data:`TIME_ONLY`)."""
    stripped = values.str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    filled = stripped.ne("")
    if not filled.any():
        return out
    sub = stripped[filled]
    if "%z" not in settings.date_format:  # the offset after a time of day; "05-01-2026" has none
        sub = sub.str.replace(_UTC_OFFSET, r"\1", regex=True).str.strip()
    epoch = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns]")
    if settings.date_format:
        parsed = pd.to_datetime(sub, format=settings.date_format, errors="coerce", utc=True)
    else:
        for pattern, unit, origin in ((_EPOCH_SECONDS, "s", "unix"), (_EPOCH_MILLISECONDS, "ms", "unix"),
                                      (_SHEET_SERIAL, "D", _SHEET_EPOCH)):
            found = sub.str.match(pattern)
            if found.any():
                epoch.loc[found] = pd.to_datetime(pd.to_numeric(sub[found]), unit=unit,
                                                  origin=origin).astype("datetime64[ns]")
        parsed = pd.to_datetime(sub, format="ISO8601", errors="coerce", utc=True)
        retry = parsed.isna() & epoch.isna()
        year_first = sub.str.match(_YEAR_FIRST)
        for rows, dayfirst in ((retry & year_first, False), (retry & ~year_first, settings.dayfirst)):
            if rows.any():
                parsed.loc[rows] = pd.to_datetime(sub[rows], format="mixed", dayfirst=dayfirst, errors="coerce",
                                                  utc=True)
        parsed = parsed.where(~sub.str.match(TIME_ONLY))
    parsed = parsed.where((parsed >= _FIRST) & (parsed <= _LAST))
    out.loc[filled] = parsed.dt.tz_convert(None).astype("datetime64[ns]").where(epoch.isna(), epoch)
    return out


def _fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _as_text(values: pd.Series) -> pd.Series:
    """A column as strings, missing as "" (index reset). Text columns stay as they are
    (converting 100,000 strings to object and back costs more than the validation)."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("").reset_index(drop=True)
    return values.astype(object).fillna("").reset_index(drop=True).astype(str)


def department_names(values: pd.Series) -> pd.Series:
    """Department cells as read: stripped, runs of spaces as one, in Unicode's composed form
    (a "Café" typed with a combining accent and one typed without were two departments that
    looked the same in every report)."""
    names = values.str.strip().str.replace(r"\s+", " ", regex=True)
    if not names.map(str.isascii).all():
        names = names.map(lambda name: unicodedata.normalize("NFC", name))
    return names


def department_form_note(raw: pd.Series, names: pd.Series) -> str | None:
    """The run's note on departments written in several ways that read as one name (spaces
    around or inside it, Unicode forms): "  Padded  " counted in "Padded" without a word."""
    forms = pd.DataFrame({"raw": raw.to_numpy(), "name": names.to_numpy()})
    forms = forms[forms["name"] != ""]
    distinct = forms.drop_duplicates().groupby("name")["raw"].agg(list)
    merged = distinct[distinct.map(len) > 1]
    if merged.empty:
        return None
    rows = int((forms["name"].isin(merged.index) & (forms["raw"] != forms["name"])).sum())
    def shown(form: str) -> str:  # a combining accent shown as such: 'Cafe\u0301', not 'Café' again
        return repr(form) if unicodedata.normalize("NFC", form) == form else ascii(form)

    said = "; ".join(f"{', '.join(shown(r) for r in sorted(spelled) if r != name)} as {name!r}"
                     for name, spelled in sorted(merged.items())[:5])
    more = f" and {len(merged) - 5} more" if len(merged) > 5 else ""
    return (f"{rows} row(s) write their department with other spaces or another Unicode form of its letters, "
            f"and count in it: {said}{more}")


def department_spellings(counts: Mapping[str, int]) -> dict[str, str]:
    """``{spelling: name}`` for the department names (with their row counts) that differ from
    another only in case: each is read as the spelling most rows use (on a tie, one in mixed
    case, then the first in order). "SALES" and "sales" beside "Sales" made three departments
    of one."""
    first: dict[str, str] = {}
    for name in sorted((n for n in counts if n), key=lambda n: (-counts[n], n.isupper() or n.islower(), n)):
        first.setdefault(name.casefold(), name)
    return {name: first[name.casefold()] for name in counts if name and first[name.casefold()] != name}


def department_note(n_rows: int, spellings: Mapping[str, str]) -> str:
    """The run's note on the rows whose department was read in another spelling."""
    merged: dict[str, list[str]] = {}
    for spelling, name in sorted(spellings.items()):
        merged.setdefault(name, []).append(spelling)
    said = "; ".join(f"{', '.join(map(repr, spelled))} as {name!r}" for name, spelled in sorted(merged.items()))
    return f"{n_rows} row(s) spell their department in another case than most rows do, and count in it: {said}"


def validate_rows(raw: RawTable, columns: ColumnMap, settings: InputSettings, scale: ScoreScale,
                  date_order: DateOrder | None = None, cut_widths: Mapping[str, int] | None = None,
                  spellings: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Type every row and split it into responses and rejected rows (vectorised).

    ``date_order``: how every all-number date is read, as decided on the whole column
    elsewhere; None: decided here (:func:`numeric_date_order`).
    ``cut_widths``: the width at which the export cut each comment column
    (:func:`verbatim.cuts.cut_length`) as decided on the whole column elsewhere; None:
    decided here. Comments cut there end with "…" (:func:`verbatim.cuts.mark_cut`).
    ``spellings``: department names read as another (:func:`department_spellings`) as decided
    on the whole column elsewhere; None: decided here."""
    frame = raw.frame
    n = len(frame)
    rows = pd.Series(raw.rows, dtype="int64")
    notes: list[str] = []
    blank = pd.Series([""] * n, dtype=object)

    def col(name: str | None) -> pd.Series:
        return blank if name is None else _as_text(frame[name])

    parts = [col(c).str.strip() for c in columns.text]
    if cut_widths is None:
        cut_widths = {c: w for c, part in zip(columns.text, parts) if (w := cut_length(length_table(part))) is not None}
    for i, c in enumerate(columns.text):
        if c in cut_widths:
            parts[i], n_cut = mark_cut(parts[i], cut_widths[c])
            if n_cut:
                notes.append(cut_note(n_cut, c, cut_widths[c]))
    text = parts[0]
    for part in parts[1:]:
        text = pd.Series(np.where(text.eq(""), part, np.where(part.eq(""), text, text + "\n" + part)), dtype=object)
    too_long = text.str.len() > settings.max_text_chars
    if too_long.any():
        notes.append(f"{int(too_long.sum())} comment(s) longer than {settings.max_text_chars} characters were truncated")
        text = text.where(~too_long, text.str.slice(0, settings.max_text_chars))

    reason = pd.Series([None] * n, dtype=object)
    bad_col = pd.Series([None] * n, dtype=object)
    bad_val = pd.Series([""] * n, dtype=object)

    def reject(mask: pd.Series, why, column: str | None, values: pd.Series) -> None:
        mask = mask & reason.isna()
        if not mask.any():
            return
        reason[mask] = why[mask] if isinstance(why, pd.Series) else why
        bad_col[mask] = column
        bad_val[mask] = values[mask].str.slice(0, 200)

    # Judged on every column of the file, read or not, where the reader could tell.
    all_empty = pd.Series(np.asarray(raw.blank, dtype=bool) if raw.blank is not None else blank_rows(frame))
    reject(all_empty, "empty row", None, blank)

    raw_score = col(columns.score)
    score = parse_scores(raw_score, scale.maximum, anchors=scale_anchors(scale))
    has_score = _answered(raw_score)
    unread = has_score & score.isna()  # only these can be "out of" another maximum
    out_of = pd.Series(np.nan, index=raw_score.index)
    if unread.any():
        out_of[unread] = score_denominators(raw_score[unread])
    wrong_top = unread & out_of.notna() & out_of.ne(scale.maximum)
    why_top = pd.Series(None, index=out_of.index, dtype=object)
    if wrong_top.any():
        why_top[wrong_top] = ("score is given out of " + out_of[wrong_top].map(_fmt_number)
                              + f", not on the {scale.name} scale ({scale.describe()})")
    reject(wrong_top, why_top, columns.score, raw_score)
    reject(has_score & score.isna(), "score is not a number", columns.score, raw_score)
    if scale.whole_numbers:
        reject(has_score & score.notna() & (score % 1 != 0), "score is not a whole number", columns.score, raw_score)
    off = has_score & score.notna() & ((score < scale.minimum) | (score > scale.maximum))
    reject(off, f"score is outside the {scale.name} scale ({scale.describe()})", columns.score, raw_score)
    group = None
    if columns.group:  # no score column: each response's NPS group as the export gives it
        # From here raw_score and has_score stand for the group's: a response with one is scored.
        raw_score = col(columns.group)
        has_score = _answered(raw_score)
        group = raw_score.str.strip().str.lower().map(GROUP_SPELLINGS)
        reject(has_score & group.isna(), "NPS group is not promoter, passive or detractor", columns.group, raw_score)

    if columns.date:
        raw_date = col(columns.date)
        if date_order is not None:  # decided elsewhere for the whole column (the Spark engine)
            order = date_order
        elif settings.date_format:  # the format says where the day is
            order = DateOrder(settings.dayfirst)
        else:
            order = numeric_date_order(raw_date, settings.dayfirst)
        dayfirst, mixed = order.dayfirst, order.mixed
        if order.dotted and dayfirst != settings.dayfirst:
            notes.append(f"dates in '{columns.date}' are written with dots and read day first (02.01.2026 is "
                         f"2 January), as the countries that write dates so read them; set input.date_format "
                         f"(e.g. \"%m.%d.%Y\") to read them otherwise")
        elif dayfirst != settings.dayfirst:
            example = "13/01/2026" if dayfirst else "01/13/2026"
            notes.append(f"dates in '{columns.date}' read {'day' if dayfirst else 'month'} first throughout "
                         f"({example} is 13 January and has no other reading)")
        if mixed:
            notes.append(f"dates in '{columns.date}' put the day first in some rows and the month first in others; "
                         f"ambiguous ones such as 05/01 are read {'day' if dayfirst else 'month'} first")
        dates = parse_dates(raw_date, dataclasses.replace(settings, dayfirst=dayfirst)).reset_index(drop=True)
        if not settings.date_format:
            reject(raw_date.str.strip().str.match(TIME_ONLY), "a time of day without a date", columns.date, raw_date)
        reject(raw_date.str.strip().ne("") & dates.isna(), "unparseable date (or outside 1677-2262)", columns.date, raw_date)
    else:
        dates = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")

    if columns.weight:
        raw_weight = col(columns.weight)
        weight = pd.to_numeric(raw_weight.str.strip(), errors="coerce").astype(float)
        reject(raw_weight.str.strip().eq(""), "weight is missing", columns.weight, raw_weight)
        reject(weight.isna(), "weight is not a number", columns.weight, raw_weight)
        reject(~np.isfinite(weight.fillna(0.0)), "weight is not a finite number", columns.weight, raw_weight)
        # Weighted statistics add up squared weights: 1e308 would overflow to inf mid-run.
        reject(weight > MAX_WEIGHT, f"weight is above {MAX_WEIGHT:g}", columns.weight, raw_weight)
        reject(weight < 0, "weight is negative", columns.weight, raw_weight)
    else:
        weight = pd.Series(np.ones(n), dtype=float)

    reject(text.eq("") & ~has_score, "no comment and no score", columns.score or columns.group, raw_score)

    raw_id = col(columns.id).str.strip()
    ids = pd.Series(np.where(raw_id.eq(""), "row-" + rows.astype(str), raw_id), dtype=object)
    if columns.id:
        ids, renamed = _unclaimed_generated_ids(ids, raw_id.eq(""))
        candidate = reason.isna()
        first_row = rows[candidate].groupby(ids[candidate].to_numpy()).transform("min")
        dup = pd.Series(False, index=range(n))
        dup[candidate] = ids[candidate].duplicated(keep="first").to_numpy()
        why = pd.Series([None] * n, dtype=object)
        why[dup] = "duplicate response_id (first seen at row " + first_row[dup].astype(str) + ")"
        reject(dup, why, columns.id, raw_id)
        unnamed = int((raw_id.eq("") & reason.isna()).sum())
        if unnamed:
            notes.append(f"{unnamed} row(s) without an id were given 'row-<row number>'")
        if renamed:
            notes.append(f"{renamed} row(s) without an id were given 'row-<row number>.2' (or .3, ...): "
                         "the file already uses 'row-<row number>' as an id")

    department = department_names(col(columns.department)) if columns.department else blank
    if columns.department and (note := department_form_note(col(columns.department), department)):
        notes.append(note)
    if spellings is None:
        spellings = department_spellings(department.value_counts().to_dict()) if columns.department else {}
    respelled = department.isin(list(spellings))
    if respelled.any():
        notes.append(department_note(int(respelled.sum()), spellings))
        department = department.where(~respelled, department.map(spellings))
    reserved = department.eq(ALL_GROUP)
    if reserved.any():  # the analysis failed with "'__all__' is reserved for the overall group"
        department = department.where(~reserved, f"{ALL_GROUP} (department)")
        notes.append(f"{int(reserved.sum())} row(s) name their department {ALL_GROUP!r}, which verbatim keeps for "
                     f"the whole survey: read as '{ALL_GROUP} (department)'")
    ok = reason.isna().to_numpy()
    if columns.department and (missing := int((department.eq("").to_numpy() & ok).sum())):
        # Counted in the company's figures, they were in no department's, without a word.
        notes.append(f"{missing} row(s) have no department: they count in the whole survey's figures, in no "
                     f"department's")
    scores_ok = score.where(has_score)
    responses = pd.DataFrame({
        "row": rows[ok].to_numpy(),
        "response_id": ids[ok].astype(str).to_numpy(),
        "text": text[ok].astype(str).to_numpy(),
        "score": scores_ok[ok].to_numpy(dtype=float),
        "nps_group": (scale.classify(scores_ok[ok].to_numpy(dtype=float)) if group is None
                      else np.where(has_score[ok].to_numpy(), group[ok].to_numpy(dtype=object), None)),
        "department": department[ok].where(department[ok].ne(""), None).to_numpy(dtype=object),
        "submitted_at": dates[ok].to_numpy(),
        "weight": weight[ok].to_numpy(dtype=float),
    })
    bad = ~ok
    rejected = pd.DataFrame({
        "row": rows[bad].to_numpy(),
        "response_id": raw_id[bad].to_numpy(dtype=object),
        "column": bad_col[bad].to_numpy(dtype=object),
        "value": bad_val[bad].to_numpy(dtype=object),
        "reason": reason[bad].to_numpy(dtype=object),
        # Not written to rejected.csv: what emptied_departments reads ("" = no department).
        "department": department[bad].to_numpy(dtype=object),
    })
    return responses, rejected, notes


def emptied_departments(rejected_departments: pd.Series, kept_departments: pd.Series) -> list[str]:
    """Notes naming the departments every row of which was rejected: they have no page, no
    table row and no figure, and nothing said why a department went missing."""
    rejected = pd.Series(rejected_departments, dtype=object).dropna()
    counts = rejected[rejected.ne("")].value_counts()
    kept = set(pd.Series(kept_departments, dtype=object).dropna())
    return [f"department {name!r}: all {int(count)} of its rows were rejected (see rejected.csv), so no report shows it"
            for name, count in sorted(counts.items()) if name not in kept]


# The id ingest gives a row without one: "row-<row>", or "row-<row>.2" (.3, ...) when the
# file uses "row-<row>" as an id itself (:func:`_unclaimed_generated_ids`).
GENERATED_ID = r"row-\d+(?:\.\d+)?"


def _unclaimed_generated_ids(ids: pd.Series, generated: pd.Series) -> tuple[pd.Series, int]:
    """``ids`` where each generated ``row-<row>`` that is also a user's id somewhere in the file
    becomes ``row-<row>.2`` (or the next free number), and how many did: the row without an
    id is not a duplicate of the one whose id is "row-3"."""
    taken = set(ids[~generated])
    clash = generated & ids.isin(taken)
    if not clash.any():
        return ids, 0
    ids = ids.copy()
    for i in np.flatnonzero(clash.to_numpy()):
        k = 2
        while f"{ids.iat[i]}.{k}" in taken:
            k += 1
        ids.iat[i] = f"{ids.iat[i]}.{k}"
    return ids, int(clash.sum())


def fill_merged_department(raw: RawTable, department: str | None) -> tuple[RawTable, list[str]]:
    """A department cell merged over several rows of a workbook (hand-made exports group a
    team's rows so) is that department on every row of its range: the sheet shows it so,
    while the reader sees it in the range's first row only. Filled within each range only
    (never down past it, where a blank is a real blank), and only for the department: a
    comment or score merged over rows is one answer, not one per row. Returns the table and
    a note when rows were filled."""
    spans = raw.merged_down.get(department) if department else None
    if not spans:
        return raw, []
    values = raw.frame[department].to_numpy(dtype=object, copy=True)
    where = {row: i for i, row in enumerate(raw.rows)}
    filled = 0
    for first, last, top in spans:  # top: the range's value, though its first row be rejected
        if not top.strip():
            continue
        for row in range(first + 1, last + 1):
            i = where.get(row)
            if i is not None and not values[i].strip():
                values[i] = top
                filled += 1
    if not filled:
        return raw, []
    frame = raw.frame.assign(**{department: pd.Series(values, index=raw.frame.index, dtype=object)})
    note = (f"department '{department}': {filled} row(s) inside merged cells took the department of the merged "
            "range, shown across its rows in the sheet but saved in its first row only")
    return dataclasses.replace(raw, frame=frame), [note]


def unreadable_rejections(unreadable: list[dict], id_column: str | None) -> pd.DataFrame:
    """The rejected-rows table (:data:`REJECTED_COLUMNS`) of a reader's unreadable rows
    (``RawTable.unreadable``)."""
    frame = pd.DataFrame(unreadable)
    # Only a workbook's formula cells name their column (see sheetxml.check_sheet).
    column = frame.get("column", pd.Series(None, index=frame.index, dtype=object)).astype(object)
    # A workbook row's cells stand in their columns: its id is known (a CSV row with too
    # many fields, or a broken JSON line, has none that can be trusted).
    cells = frame.get("cells", pd.Series(None, index=frame.index, dtype=object))
    ids = [c.get(id_column, "").strip() if id_column and isinstance(c, dict) else "" for c in cells]
    return frame.assign(response_id=ids, column=column.where(column.notna(), None))[REJECTED_COLUMNS]


def _without_header_rows(raw: RawTable, header: ExportHeader) -> RawTable:
    """``raw`` without the description rows of a survey tool's export (:func:`export_header`),
    and a note that says so."""
    n = header.rows
    return dataclasses.replace(raw, frame=raw.frame.iloc[n:].reset_index(drop=True), rows=raw.rows[n:],
                               blank=raw.blank[n:] if raw.blank is not None else None,
                               notes=[*raw.notes, header.note(raw.rows)])


def load_responses(path: str | Path, config: Config | None = None) -> IngestResult:
    """Read a survey export and return usable responses and rejected rows.

    Raises :class:`InputError` (one line naming the file) when the file cannot be used
    at all: missing, unreadable, empty, unknown format, missing column, no usable row.
    """
    config = config or Config.default()
    settings: InputSettings = config.input
    scale = scale_from_settings(settings)
    detected: list[ColumnMap] = []
    headers: list[ExportHeader] = []

    def select(sample: pd.DataFrame) -> list[str]:
        """Roles from the header and the first rows; only their columns are kept."""
        if sample.empty:  # no data row: nothing to detect from, E106 below says so
            return list(sample.columns)
        header = export_header(sample)
        if header:
            sample = sample.iloc[header.rows:].reset_index(drop=True)
        # Appended once found: a workbook's cover sheet fails here and its next sheet is tried.
        detected.append(detect_columns(sample, config.columns, file=path,
                                       descriptions=header.descriptions if header else None, read=settings))
        if header:
            headers.append(header)
        return detected[0].names

    raw = read_table(path, sheet=settings.sheet, encoding=settings.encoding, select=select,
                     header_row=settings.header_row)
    if headers:
        raw = _without_header_rows(raw, headers[0])
    if raw.frame.empty and not raw.unreadable:
        raise InputError("E106", "no data rows below the header", file=path)
    columns = detected[0] if detected else detect_columns(raw.frame, config.columns, file=path, read=settings)
    raw, filled = fill_merged_department(raw, columns.department)
    responses, rejected, notes = validate_rows(raw, columns, settings, scale)
    notes = list(columns.notes) + filled + notes + scale_notes(responses["score"], scale, columns.score)
    notes += emptied_departments(rejected.pop("department"), responses["department"])
    if raw.unreadable:
        unreadable = unreadable_rejections(raw.unreadable, columns.id)
        rejected = pd.concat([unreadable, rejected], ignore_index=True) if len(rejected) else unreadable
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    rows_read = len(raw.frame) + len(raw.unreadable)
    if responses.empty:
        top = rejected["reason"].value_counts().head(3)
        summary = "; ".join(f"{why}: {count}" for why, count in top.items())
        raise InputError("E106", f"no usable row among {rows_read} ({summary})", file=path)
    return IngestResult(responses, rejected, columns, scale, str(path), raw.format, rows_read,
                        raw.encoding, raw.delimiter, tuple(raw.notes + notes),
                        kept_cells(raw.frame, raw.rows, columns.keep))


def kept_cells(frame: pd.DataFrame, rows: Sequence[int], keep: Sequence[str]) -> pd.DataFrame | None:
    """``row`` and the ``keep`` columns of ``frame`` (whose rows are numbered ``rows``), cells
    as read ('' when empty), row by row; None when nothing is kept."""
    if not keep:
        return None
    cells = frame[list(keep)].astype(object).fillna("").reset_index(drop=True)
    return cells.assign(row=np.asarray(rows, dtype="int64"))[["row", *keep]]
