"""Write a run's files: report.json, Markdown, HTML, CSV exports, config and model.

``report.json`` is validated against the published schema before it is written, so no
run can hand other tools a document that breaks the contract.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..csvsafe import write_safe_csv
from ..ingest import OUTPUT_COLUMNS
from .build import validate_report

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Analysis
    from .drilldown import ReportSettings

FORMATS = ("md", "html", "json", "csv")


_SIGNS = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def response_sentiment(segments: pd.DataFrame) -> pd.Series:
    """Overall polarity of each response: the sign of the mean of its segments' sentiment
    labels (-1, 0, +1), so one complaint and one praise make a neutral comment. The labels
    are those the themes and quotes use, learnt from the scores when they could be; the mean
    VADER compound score used before ignored that, and on 3,000 clothing reviews read 55 of
    110 one-star reviews as positive."""
    signs = segments["sentiment"].map(_SIGNS).fillna(0.0).astype(float)
    mean = signs.groupby(segments["response_id"]).mean()
    return pd.Series(np.where(mean < 0, "negative", np.where(mean > 0, "positive", "neutral")), index=mean.index)


def assignments_table(analysis: "Analysis") -> pd.DataFrame:
    """One row per analysed response: its themes, sentiment and redacted text.

    Columns: row, response_id, the input's columns named by ``columns.keep`` (as read, not
    redacted), department, score, nps_group, status ("analysed" or "no comment"), theme_ids
    ("3;7"; Other, -1, comes last so that no list opens with a minus sign, which spreadsheets
    take for a formula), themes (labels joined by "; "), sentiment, text.
    """
    responses = analysis.ingest.responses
    seg = analysis.segments
    labels = dict(zip(analysis.themes["theme_id"].astype(int), analysis.themes["label"]))
    labels[-1] = "Other"
    ids_of: dict = {}  # one pass over distinct (response, theme) pairs, not a Python call per group
    pairs = seg[["response_id", "theme_id"]].drop_duplicates()
    pairs = pairs.assign(other=pairs["theme_id"].lt(0)).sort_values(["response_id", "other", "theme_id"])
    for response, theme in zip(pairs["response_id"].tolist(), pairs["theme_id"].astype(int).tolist()):
        ids_of.setdefault(response, []).append(theme)
    sentiment = response_sentiment(seg)
    flags = analysis.flags.set_index("response_id")
    rid = responses["response_id"]
    theme_ids = pd.Series([ids_of.get(r, []) for r in rid.tolist()], index=rid.index, dtype=object)
    no_comment = rid.map(flags["non_answer"]).fillna(True).astype(bool)
    table = pd.DataFrame({
        "row": responses["row"].to_numpy(),
        "response_id": rid.to_numpy(),
        "department": responses["department"].to_numpy(),
        "score": responses["score"].to_numpy(),
        "nps_group": responses["nps_group"].to_numpy(),
        "status": np.where(no_comment, "no comment", "analysed"),
        "theme_ids": theme_ids.map(lambda v: ";".join(str(t) for t in v)).to_numpy(),
        "themes": theme_ids.map(lambda v: "; ".join(labels.get(t, str(t)) for t in v)).to_numpy(),
        "sentiment": rid.map(sentiment).fillna("neutral").to_numpy(),
        "text": rid.map(flags["redacted_text"]).fillna("").to_numpy(),
    })
    assert tuple(table.columns) == OUTPUT_COLUMNS
    return with_kept_cells(table, analysis.ingest.kept)


def with_kept_cells(table: pd.DataFrame, kept: pd.DataFrame | None) -> pd.DataFrame:
    """``table`` (``row``, ``response_id``, ...) with the input's own columns (``--keep``, as
    they were read) after the response id, matched by row: a customer id or an order number to
    join the results back on. A row of no kept cells (an unreadable line) gets ''."""
    if kept is None:
        return table
    table = table.copy()
    cells = kept.set_index("row").reindex(table["row"].to_numpy()).fillna("")
    at = table.columns.get_loc("response_id") + 1
    for offset, name in enumerate(cells.columns):
        table.insert(at + offset, name, cells[name].to_numpy())
    return table


def html_assignments(table: pd.DataFrame, mentions=None) -> list[dict]:
    """The drill-down rows embedded in report.html (analysed responses only). With
    ``mentions`` (:class:`verbatim.mentions.Mentions`), a row mentioning a theme split into
    sides lists it under ``complaints`` and/or ``praise`` as it does: the report's
    "(complaints)" row opens those comments, not the theme's praise too."""
    analysed = table[table["status"] == "analysed"]
    sides: dict[str, dict[str, list[int]]] = {}
    if mentions is not None and mentions.mixed:
        for key, (theme, side) in mentions.keys.items():
            if side in ("complaint", "praise"):
                for response in mentions.matrix.index[mentions.matrix[key].to_numpy(bool)].astype(str):
                    sides.setdefault(response, {}).setdefault("complaints" if side == "complaint" else "praise",
                                                              []).append(int(theme))
    # Column lists, not itertuples: reading Arrow-backed strings cell by cell costs more
    # than building the rows (50,000 comments: 1.8 s before).
    columns = [analysed[c].tolist() for c in ("response_id", "department", "score", "nps_group", "theme_ids",
                                               "sentiment", "text")]
    rows = []
    for response_id, department, score, nps_group, theme_ids, sentiment, text in zip(*columns):
        rows.append({
            "response_id": str(response_id),
            "department": None if department is None or pd.isna(department) else str(department),
            "score": None if pd.isna(score) else float(score),
            "nps_group": None if nps_group is None or pd.isna(nps_group) else str(nps_group),
            "themes": [int(t) for t in theme_ids.split(";")] if theme_ids else [],
            "sentiment": str(sentiment),
            "text": str(text),
            **{side: sorted(ids) for side, ids in sides.get(str(response_id), {}).items()},
        })
    return rows


def drilldown_sample(rows: list[dict], settings: "ReportSettings") -> list[dict]:
    """The drill-down rows report.html embeds: all of them up to ``html_max_comments``, else
    a sample in which every (department, theme) pair keeps some (a comment counts under its
    rarest theme, so themes that mostly come second keep theirs too)."""
    from .drilldown import sample_positions

    if not settings.html_max_comments or len(rows) <= settings.html_max_comments:
        return rows
    frequency = Counter(t for row in rows for t in set(row["themes"]))
    groups = [(row["department"], min(row["themes"], key=lambda t: (frequency[t], t)) if row["themes"] else None)
              for row in rows]
    keep = sample_positions(groups, settings.html_max_comments, settings.html_min_per_group, settings.seed)
    return [rows[i] for i in keep]


def redacted_rejections(analysis: "Analysis") -> pd.DataFrame:
    """rejected.csv rows (row, response_id, the kept columns, column, value, reason); a
    rejected row's value may hold a comment, so it is redacted too."""
    rejected = analysis.ingest.rejected.copy()
    if analysis.config.prepare.redact and len(rejected):
        from ..pii import redact_pii

        rejected["value"] = [r.text for r in redact_pii([str(v) for v in rejected["value"]], analysis.config.pii)]
    return with_kept_cells(rejected, analysis.ingest.kept)


#: Below this many responses the formats are written one after the other: forking costs
#: more than it saves.
PARALLEL_MIN_ROWS = 20_000


def write_outputs(folder: Path, analysis: "Analysis", report: dict, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chosen formats into ``folder``; always write config.toml, rejected.csv and the model.

    report.html (its drill-down rows built from the assignments table) and the other
    formats take about as long each at 50,000 comments (~1 s): on a large run they are
    written by two forked processes at once."""
    from ..parallel import map_chunks, worker_count

    folder, written = _write_always(folder, analysis, formats)
    table = assignments_table(analysis)
    groups = [[f for f in ("html",) if f in formats], [f for f in ("json", "csv", "md") if f in formats]]
    groups = [g for g in groups if g]

    def write_groups(chunk: list[list[str]]) -> list[list[Path]]:
        return [[path for fmt in group for path in _write_format(fmt, folder, analysis, report, table)]
                for group in chunk]

    processes = worker_count(len(table), min_items=PARALLEL_MIN_ROWS, limit=len(groups)) if len(groups) > 1 else 1
    for paths in map_chunks(write_groups, groups, processes, chunk_size=1):
        written.extend(paths)
    return written


def build_and_write(folder: Path, analysis: "Analysis", formats: tuple[str, ...] = FORMATS) -> tuple[dict, list[Path]]:
    """:func:`verbatim.report.build.build_report` of ``analysis``, then :func:`write_outputs`
    of it into ``folder``: the report and the paths written.

    On a large run the two overlap. At 50,000 comments building the report takes ~1.4 s, the
    assignments table and assignments.csv ~1.1 s, report.html's drill-down rows ~0.5 s: none
    of these needs the report, and done after it they kept one core idle. A forked worker
    does them while this process builds the report, then receives the report (pickled,
    ~0.5 MB) to write report.html; this process writes report.json and the Markdown. The
    paths written are listed in another order then (the worker's last)."""
    from ..parallel import can_fork, forked, worker_count
    from .build import build_report

    _check_formats(formats)  # before the report is built
    table_formats = [f for f in ("csv", "html") if f in formats]
    large = worker_count(len(analysis.ingest.responses), min_items=PARALLEL_MIN_ROWS, limit=2) > 1
    if not (table_formats and large and can_fork()):
        report = build_report(analysis)
        return report, write_outputs(folder, analysis, report, formats)
    import multiprocessing

    folder, written = _write_always(folder, analysis, formats)
    receive, send = multiprocessing.Pipe(duplex=False)

    def tables() -> list[Path]:  # in the worker
        send.close()  # so that recv() fails, rather than waits, when the report never comes
        try:
            table = assignments_table(analysis)
            paths = _write_format("csv", folder, analysis, {}, table) if "csv" in formats else []
            if "html" in formats:
                rows = html_assignments(table, analysis.mentions)
                sample = drilldown_sample(rows, analysis.config.report)
                _write_html(folder, receive.recv(), sample, len(rows))
                paths.append(folder / "report.html")
            return paths
        finally:
            receive.close()  # failed before reading: the report's send fails too, not waits

    with forked(tables) as result:
        receive.close()
        try:
            report = build_report(analysis)
            if "html" in formats:
                try:
                    send.send(report)
                except BrokenPipeError:
                    result()  # the worker failed before it read the report: its error
                    raise
        finally:
            send.close()
        for fmt in ("json", "md"):
            if fmt in formats:
                written.extend(_write_format(fmt, folder, analysis, report, None))
        written.extend(result())
    return report, written


def _write_always(folder: Path, analysis: "Analysis", formats: tuple[str, ...]) -> tuple[Path, list[Path]]:
    """config.toml, rejected.csv and the model, written whatever the formats."""
    _check_formats(formats)
    folder = Path(folder)
    config_path = folder / "config.toml"
    config_path.write_text(analysis.config.to_toml(), encoding="utf-8")
    write_safe_csv(redacted_rejections(analysis), folder / "rejected.csv")
    return folder, [config_path, folder / "rejected.csv", analysis.model.save(folder / "model")]


def _check_formats(formats: tuple[str, ...]) -> None:
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s): {', '.join(sorted(unknown))}")


def _write_format(fmt: str, folder: Path, analysis: "Analysis", report: dict, table: pd.DataFrame) -> list[Path]:
    """Write one format; returns the paths written."""
    if fmt == "json":
        validate_report(report)
        path = folder / "report.json"
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return [path]
    if fmt == "csv":
        write_safe_csv(table, folder / "assignments.csv")
        return [folder / "assignments.csv"]
    if fmt == "md":
        from .markdown import write_markdown

        return list(write_markdown(report, folder))
    rows = html_assignments(table, analysis.mentions)
    return [_write_html(folder, report, drilldown_sample(rows, analysis.config.report), len(rows))]


def _write_html(folder: Path, report: dict, sample: list[dict], total: int) -> Path:
    from .html import write_html

    path = folder / "report.html"
    write_html(report, sample, path, total_comments=total)
    return path
