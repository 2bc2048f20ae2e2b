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


def response_sentiment(segments: pd.DataFrame) -> pd.Series:
    """Overall polarity of each response: the label of its mean segment compound score."""
    mean = segments.groupby("response_id")["compound"].mean()
    return pd.Series(np.where(mean <= -0.05, "negative", np.where(mean >= 0.05, "positive", "neutral")),
                     index=mean.index)


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


def html_assignments(table: pd.DataFrame) -> list[dict]:
    """The drill-down rows embedded in report.html (analysed responses only)."""
    analysed = table[table["status"] == "analysed"]
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

    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s): {', '.join(sorted(unknown))}")
    folder = Path(folder)
    written = []
    config_path = folder / "config.toml"
    config_path.write_text(analysis.config.to_toml(), encoding="utf-8")
    written.append(config_path)
    write_safe_csv(redacted_rejections(analysis), folder / "rejected.csv")
    written.append(folder / "rejected.csv")
    written.append(analysis.model.save(folder / "model"))
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
    from .html import write_html

    path = folder / "report.html"
    rows = html_assignments(table)
    write_html(report, drilldown_sample(rows, analysis.config.report), path, total_comments=len(rows))
    return [path]
