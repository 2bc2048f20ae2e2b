"""The "over time" part of the reports: a Markdown paragraph and two inline SVG charts.

Reads only ``report["trend"]`` (schema 1.1). Wording avoids statistics jargon: a change is
"beyond noise" when its test says so, a theme "spikes" when its share over the last
periods stands well above its usual level.
"""

from __future__ import annotations

import html
import math
from typing import Any, Mapping

from .axes import nice_ticks
from .wording import respondents

ALL = "__all__"
COLOURS = ("#c0392b", "#2471a3", "#7d3c98", "#b9770e", "#138d75")


def _labels(report: Mapping[str, Any]) -> dict[int, str]:
    return {int(t["id"]): str(t["label"]) for t in report.get("themes") or []}


def _name(flag: Mapping[str, Any], labels: Mapping[int, str]) -> str:
    side = {"complaint": " (complaints)", "praise": " (praise)"}.get(flag.get("side"), "")
    return labels.get(int(flag["theme_id"]), str(flag["theme_id"])) + side


def _pct(value: Any) -> str:
    """A share in percent: one decimal under 1 % (0.4 % read "0%", as if nobody said it)."""
    if value is None:
        return "n/a"
    percent = 100 * float(value)
    return f"{percent:.1f}%" if 0 < percent < 1 else f"{percent:.0f}%"


def _series(trend: Mapping[str, Any], group: str) -> Mapping[str, Any] | None:
    return next((s for s in trend.get("nps") or [] if s["group"] == group), None)


def changes(report: Mapping[str, Any], group: str = ALL) -> dict[str, list[Mapping[str, Any]]]:
    """The flagged themes of a group: spiking, rising, falling and fixed. (``too_small`` is
    about the latest window only, which a spike needs; a direction compares the last
    ``recent_periods`` with everything before, and was tested whenever it is set.)"""
    trend = report.get("trend") or {}
    flags = [f for f in trend.get("flags") or [] if f["group"] == group]
    return {
        "spiking": [f for f in flags if f["spiking"]],
        "rising": [f for f in flags if f["direction"] == "rising" and not f["spiking"]],
        "fixed": [f for f in flags if f["fixed"]],
        "falling": [f for f in flags if f["direction"] == "falling" and not f["fixed"]],
    }


def trend_markdown(report: Mapping[str, Any], group: str = ALL, escape=lambda s: s) -> list[str]:
    """Lines of the "What changed over time" section ([] without a trend)."""
    trend = report.get("trend")
    if not trend or not trend.get("periods"):
        return []
    labels = _labels(report)
    periods = trend["periods"]
    lines = ["## What changed over time", ""]
    series = _series(trend, group)
    if series and len(periods) >= 2 and series["nps"][-1] is not None and series["nps"][-2] is not None:
        latest = (f"NPS in {periods[-1]} was **{series['nps'][-1]:+.1f}** (likely between "
                  f"{series['ci_low'][-1]:+.1f} and {series['ci_high'][-1]:+.1f}, {respondents(series['n'][-1])})")
        if min(series["n"][-2:]) < trend.get("min_period_responses", 0):
            lines.append(f"{latest}: too few respondents in {periods[-2]} or {periods[-1]} to tell a change from "
                         f"noise.")
        else:
            verdict = "beyond noise" if series["change_significant"][-1] else "within the noise of the survey"
            low, high = ((series.get(key) or [None])[-1] for key in ("change_ci_low", "change_ci_high"))
            # The change's own range: "within the noise" alone read as "no change" where the
            # data cannot rule out a fall of 14 points (reports before 1.11 have none).
            # Shown only when it agrees with the test's verdict (both can differ at the edges:
            # the test's standard error is pooled, the range's each period's own).
            agrees = low is not None and high is not None and (low <= 0 <= high) != series["change_significant"][-1]
            span = f" (likely between {low:+.1f} and {high:+.1f})" if agrees else ""
            lines.append(f"{latest}, {series['change'][-1]:+.1f} points against {periods[-2]}{span}: {verdict}.")
        lines.append("")
    found = changes(report, group)
    window = trend.get("recent_periods", 3)
    # A spike is tested (module trends), corrected with the direction tests for the many
    # themes and departments watched: it is beyond noise like them.
    wording = {
        "spiking": lambda f: f"**Spiking:** {escape(_name(f, labels))}: {_pct(f['latest_share'])} of respondents "
                             f"recently, against a usual {_pct(f['trailing_mean'])}; beyond noise.",
        "rising": lambda f: f"**Rising:** {escape(_name(f, labels))}: {_pct(f['recent_share'])} in the last "
                            f"{window} periods against {_pct(f['earlier_share'])} before.",
        "fixed": lambda f: f"**Fixed:** {escape(_name(f, labels))}: {_pct(f['earlier_share'])} of respondents before, "
                           f"{_pct(f['recent_share'])} in the last {window} periods.",
        "falling": lambda f: f"**Falling:** {escape(_name(f, labels))}: {_pct(f['recent_share'])} in the last "
                             f"{window} periods against {_pct(f['earlier_share'])} before.",
    }
    items = [f"- {wording[kind](f)}" for kind in ("spiking", "rising", "fixed", "falling") for f in found[kind]]
    if items:
        lines += items
    elif any(f["group"] == group and (f.get("p_value") is not None or f.get("spike_q") is not None)
             for f in trend.get("flags") or []):
        lines.append("No theme rose or fell beyond noise.")
    else:  # nothing was tested: "no change" would claim what the data cannot say
        lines.append(f"Too few periods or respondents to test any theme for a change: that takes "
                     f"{trend.get('min_period_responses', 30)} respondents in the last {window} periods and as many "
                     f"before them.")
    if trend.get("n_undated"):
        lines += ["", f"{trend['n_undated']} responses had no usable date (none, or one cut off from all the others) and are "
                  f"not in the trend."]
    return lines + [""]


def _label_step(n_periods: int, plot_width: float, min_gap: float = 52.0) -> int:
    """Every how many periods an x label fits: "2026-11" is ~45 px at 11 px, so labels
    closer than ``min_gap`` ran together."""
    if n_periods < 2:
        return 1
    return max(1, math.ceil(min_gap / (plot_width / (n_periods - 1))))


def _runs(values: list) -> list[list[int]]:
    """The runs of consecutive periods with a value: an empty period breaks a line (joined
    across it, a line claimed a level nobody measured)."""
    runs: list[list[int]] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    return start if high == low else start + (value - low) * (end - start) / (high - low)


def nps_trend_chart(report: Mapping[str, Any], group: str = ALL) -> str:
    """NPS per period as a line with its confidence band (inline SVG; '' without a trend)."""
    trend = report.get("trend") or {}
    series = _series(trend, group)
    periods = trend.get("periods") or []
    if not series or len(periods) < 2:
        return ""
    width, height, left, right, top, bottom = 760, 260, 48, 32, 16, 40  # right: half the last x label
    lows = [v for v in series["ci_low"] if v is not None]
    highs = [v for v in series["ci_high"] if v is not None]
    if not lows:
        return ""
    low, high = min(lows), max(highs)
    pad = max(5.0, 0.1 * (high - low))
    # Round ticks (+40, +20, 0, -20) span the axis, inside NPS's own -100 to +100.
    ticks = [t for t in nice_ticks(max(-100.0, low - pad), min(100.0, high + pad), 4) if -100.0 <= t <= 100.0]
    low, high = ticks[0], ticks[-1]
    xs = [_scale(i, 0, len(periods) - 1, left, width - right) for i in range(len(periods))]

    def y(v):
        return _scale(v, low, high, height - bottom, top)

    pts = [(x, series["nps"][i], series["ci_low"][i], series["ci_high"][i]) for i, x in enumerate(xs)
           if series["nps"][i] is not None]
    parts = [
        f'<svg id="nps-trend-svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="nps-trend-title"><title id="nps-trend-title">NPS per period with its likely range</title>',
    ]
    for run in _runs(series["nps"]):
        run_pts = [(xs[i], series["nps"][i], series["ci_low"][i], series["ci_high"][i]) for i in run]
        band = " ".join(f"{x:.1f},{y(h):.1f}" for x, _, _, h in run_pts) + " " + " ".join(
            f"{x:.1f},{y(lo):.1f}" for x, _, lo, _ in reversed(run_pts))
        line = " ".join(f"{x:.1f},{y(v):.1f}" for x, v, _, _ in run_pts)
        parts += [f'<polygon class="band" points="{band}" fill="#aed6f1" fill-opacity="0.5" stroke="none"/>',
                  f'<polyline class="trend-line" points="{line}" fill="none" stroke="#1b4f72" stroke-width="2"/>']
    if low < 0 < high:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#999" stroke-dasharray="3 3"/>')
    for x, v, _, _ in pts:
        parts.append(f'<circle class="trend-point" cx="{x:.1f}" cy="{y(v):.1f}" r="3" fill="#1b4f72"><title>{v:+.1f}</title></circle>')
    step = _label_step(len(periods), width - left - right)
    for i, x in enumerate(xs):
        if (len(periods) - 1 - i) % step == 0:  # the latest period always labelled
            parts.append(f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" font-size="11">{html.escape(periods[i])}</text>')
    for v in ticks:
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">'
                     f'{"0" if v == 0 else f"{v:+.0f}"}</text>')
    parts.append("</svg>")
    return "".join(parts)


def theme_trend_chart(report: Mapping[str, Any], group: str = ALL, limit: int = 5) -> str:
    """Share of respondents per period for the flagged themes of a group (inline SVG)."""
    trend = report.get("trend") or {}
    periods = trend.get("periods") or []
    found = changes(report, group)
    flagged = [f for kind in ("spiking", "rising", "fixed", "falling") for f in found[kind]][:limit]
    rows = {(r["theme_id"], r["side"]): r for r in trend.get("themes") or [] if r["group"] == group}
    lines = [(f, rows.get((f["theme_id"], f["side"]))) for f in flagged]
    lines = [(f, r) for f, r in lines if r]
    if len(periods) < 2 or not lines:
        return ""
    labels = _labels(report)
    width, height, left, right, top, bottom = 760, 260, 48, 200, 16, 40
    top_share = max((v for _, r in lines for v in r["share"] if v is not None), default=0.0) or 0.01
    ticks = nice_ticks(0.0, top_share * 1.05, 4)
    xs = [_scale(i, 0, len(periods) - 1, left, width - right) for i in range(len(periods))]

    def y(v):
        return _scale(v, 0.0, ticks[-1], height - bottom, top)

    parts = [
        f'<svg id="theme-trend-svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="theme-trend-title"><title id="theme-trend-title">Share of respondents mentioning the '
        'themes that changed</title>'
    ]
    for n, (flag, row) in enumerate(lines):
        colour = COLOURS[n % len(COLOURS)]
        for run in _runs(row["share"]):
            points = " ".join(f"{xs[i]:.1f},{y(row['share'][i]):.1f}" for i in run)
            parts.append(f'<polyline class="trend-line" points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{width - right + 8}" y="{top + 16 + 18 * n}" font-size="12" fill="{colour}">'
                     f'{html.escape(_name(flag, labels)[:30])}</text>')
    step = _label_step(len(periods), width - left - right)
    for i, x in enumerate(xs):
        if (len(periods) - 1 - i) % step == 0:  # the latest period always labelled
            parts.append(f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" font-size="11">{html.escape(periods[i])}</text>')
    for v in ticks:
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{100 * v:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_html(report: Mapping[str, Any]) -> str:
    """The HTML section over time ('' without a trend): both charts and the changes as a list."""
    if not report.get("trend"):
        return ""
    items = trend_markdown(report)[2:]
    text = "".join(f"<p>{html.escape(line.lstrip('- ').replace('**', ''))}</p>" for line in items if line.strip())
    # A chart with nothing to draw (one period, no flagged theme) is left out, not an empty box.
    charts = "".join(f'<figure class="chart-box">{chart}</figure>'
                     for chart in (nps_trend_chart(report), theme_trend_chart(report)) if chart)
    return f'<section id="trend" aria-label="Over time"><h2>What changed over time</h2>{charts}{text}</section>'
