"""The validation summary of an ingested file: what was read, kept and rejected."""

from __future__ import annotations

from dataclasses import dataclass


from .ingest import IngestResult
from .scales import DETRACTOR, PASSIVE, PROMOTER
from .stats import nps_points


@dataclass(frozen=True)
class ValidationSummary:
    """Counts a CX analyst checks before trusting a file (NPS in points, -100..100)."""

    source: str
    format: str
    rows_read: int
    rows_usable: int
    rows_rejected: int
    rows_without_score: int
    rows_without_comment: int
    rejections: dict[str, int]
    score_counts: dict[str, int]
    nps: float | None
    departments: dict[str, int]
    columns: list[str]
    notes: list[str]
    # First and last usable date and how many rows have one; the days of the dates the trend
    # will leave out (:func:`verbatim.trends.stray_dates`) and how many rows hold them.
    dates: tuple[str, str, int] | None = None
    stray_dates: tuple[str, ...] = ()
    n_stray_dates: int = 0


def summarize(result: IngestResult, period: str = "month") -> ValidationSummary:
    """Summarise an :class:`IngestResult` without loading any model; ``period``: the trend's
    (``trend.period``), which decides what dates the trend leaves out."""
    responses = result.responses
    scored = responses["nps_group"].notna()
    groups = responses.loc[scored, "nps_group"]
    nps = None
    if len(groups):
        # As the report computes it (from counts), so both print the same rounded figure.
        nps = float(nps_points(int((groups == PROMOTER).sum()), int((groups == DETRACTOR).sum()), len(groups)))
    if result.columns.group:  # an export of the NPS group alone: the groups' counts stand for the scores'
        score_counts = {g: int((groups == g).sum()) for g in (DETRACTOR, PASSIVE, PROMOTER) if (groups == g).any()}
    else:
        scores = responses.loc[scored, "score"]
        score_counts = {_fmt(s): int(c) for s, c in scores.value_counts().sort_index().items()}
    departments = (
        responses["department"].fillna("(none)").value_counts().sort_index().astype(int).to_dict()
        if result.columns.department else {}
    )
    dates, stray_days, n_stray = None, (), 0
    if result.columns.date and responses["submitted_at"].notna().any():
        from .trends import stray_dates
        from .trends import stray_days as days_of

        when = responses["submitted_at"]
        stray = stray_dates(when, period)
        usable = when[when.notna().to_numpy() & ~stray]
        stray_days, n_stray = days_of(when, stray), int(stray.sum())
        if len(usable):
            dates = (usable.min().strftime("%Y-%m-%d"), usable.max().strftime("%Y-%m-%d"), len(usable))
    return ValidationSummary(
        source=result.source,
        format=result.format,
        rows_read=result.rows_read,
        rows_usable=result.rows_usable,
        rows_rejected=len(result.rejected),
        rows_without_score=int((~scored).sum()),
        rows_without_comment=int(responses["text"].str.strip().eq("").sum()),
        rejections=result.rejected["reason"].value_counts().astype(int).to_dict(),
        score_counts=score_counts,
        nps=nps,
        departments={str(k): int(v) for k, v in departments.items()},
        columns=result.columns.describe(),
        notes=list(result.notes),
        dates=dates,
        stray_dates=stray_days,
        n_stray_dates=n_stray,
    )


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def format_summary(summary: ValidationSummary) -> str:
    """Plain-text rendering for the terminal."""
    lines = [
        f"file        {summary.source} ({summary.format})",
        *summary.columns,
        f"rows read   {summary.rows_read}",
        f"usable      {summary.rows_usable}"
        + (f"  ({summary.rows_without_score} without a score: kept for themes, left out of NPS)"
           if summary.rows_without_score else ""),
        f"rejected    {summary.rows_rejected}",
    ]
    for reason, count in summary.rejections.items():
        lines.append(f"  {count:>6}  {reason}")
    if summary.score_counts:
        total = sum(summary.score_counts.values())
        peak = max(summary.score_counts.values())
        groups = set(summary.score_counts) <= {DETRACTOR, PASSIVE, PROMOTER}
        lines.append("NPS groups" if groups else "scores")
        for score, count in summary.score_counts.items():
            bar = "#" * max(1, int(round(30 * count / peak)))
            lines.append(f"  {score:>{9 if groups else 4}}  {count:>6}  {100 * count / total:5.1f}%  {bar}")
    lines.append("NPS         " + ("n/a (no scored row)" if summary.nps is None else f"{summary.nps:+.1f}"))
    if summary.departments:
        lines.append(f"departments {len(summary.departments)}")
        for name, count in summary.departments.items():
            lines.append(f"  {count:>6}  {name}")
    if summary.dates:
        first, last, n = summary.dates
        lines.append(f"dates       {first} to {last} ({n:,} rows)")
    if summary.n_stray_dates:
        from .trends import stray_phrase

        lines.append(f"note: {stray_phrase(summary.n_stray_dates, summary.stray_dates, 'row(s)')} will be left out "
                     f"of the trend")
    for note in summary.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)

