"""The self-contained ``report.html``: headline, charts as inline SVG, and a comment drill-down.

One file with everything inline (CSS, JS, data) and a Content-Security-Policy that forbids
any network access, so the report can be mailed around and opened from disk safely.
Security model: every data string is escaped with :func:`html.escape` when it is put into
markup here; the per-response rows travel as JSON in a ``<script type="application/json">``
block (with ``<``, ``>``, ``&`` and U+2028/9 escaped) and the drill-down script shows them
with ``textContent`` only. Charts are built in Python so they render without JavaScript.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from verbatim.report import wording as w
from verbatim.report.axes import nice_ticks
from verbatim.report.trend_view import trend_html

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
ROW_KEYS = ("response_id", "department", "score", "nps_group", "themes", "sentiment", "text")
NEG, POS, MUTED = "#c2410c", "#0f766e", "#94a3b8"
MAX_HEATMAP_THEMES = 12
# Rows of the impact chart: past this, the themes with the smallest effects are left out
# (4,000 clothing reviews gave 140 rows, a chart 4,200 px tall).
MAX_IMPACT_ROWS = 40


def _e(value: Any) -> str:
    """Escape any value for HTML text and double- or single-quoted attributes."""
    return html.escape(str(value), quote=True)


def json_for_script(data: Any) -> str:
    """JSON safe to place inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc. so no text can close the script element or
    open a comment; U+2028/2029 are escaped because older JS engines treat them as line ends.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def _template(name: str) -> str:
    return resources.files("verbatim.report").joinpath("templates", name).read_text("utf-8")


# --------------------------------------------------------------------------- data


def _theme_labels(report: Mapping[str, Any]) -> dict[int, str]:
    return {int(t["id"]): str(t["label"]) for t in report.get("themes") or []}


def _chart_rows(report: Mapping[str, Any], group: str = w.ALL_GROUP) -> list[dict]:
    """Impact rows of one group with a measured impact: the split sides of a mixed theme
    replace its undivided row, because the two sides pull in opposite directions."""
    rows = [r for r in report.get("impact") or [] if r["group"] == group]
    split = {r["theme_id"] for r in rows if r["side"] != "all"}
    return [r for r in rows if (r["side"] != "all") == (r["theme_id"] in split)]


def _row_name(row: Mapping[str, Any], labels: Mapping[int, str]) -> str:
    return w.theme_name(labels.get(row["theme_id"], f"Theme {row['theme_id']}"), row["side"])


def _side_attr(row: Mapping[str, Any]) -> str:
    """' data-side="complaint"' on the row of one side of a theme split into sides ('' otherwise)."""
    return f' data-side="{row["side"]}"' if row.get("side") in ("complaint", "praise") else ""


def _colour(row: Mapping[str, Any]) -> str:
    if not row.get("significant") or not w.is_number(row.get("impact")):
        return MUTED
    return NEG if row["impact"] < 0 else POS


def drilldown_payload(report: Mapping[str, Any], assignments: Sequence[Mapping[str, Any]],
                      total: int | None = None) -> dict:
    """The data the drill-down script reads: theme labels, the redacted per-response rows and
    ``total``, the number of analysed comments those rows are a sample of (None: all of them)."""
    labels = _theme_labels(report)
    rows = []
    for row in assignments:
        clean = {key: row.get(key) for key in ROW_KEYS}
        clean["text"] = "" if clean["text"] is None else str(clean["text"])
        clean["themes"] = [int(t) for t in clean.get("themes") or []]
        for side in ("complaints", "praise"):  # only on rows mentioning a theme split into sides
            if row.get(side):
                clean[side] = [int(t) for t in row[side]]
        score = clean["score"]
        clean["score"] = float(score) if w.is_number(score) else None
        rows.append(clean)
    total = len(rows) if total is None else max(int(total), len(rows))
    # A sample says it holds every department and theme only when it does (of the departments
    # with a theme mentioned: one whose comments are all non-answers has none to hold).
    departments = {r["group"] for r in report.get("impact") or [] if r["group"] != w.ALL_GROUP and r.get("n_mentions")}
    themes = {int(t["id"]) for t in report.get("themes") or [] if t.get("responses") and int(t["id"]) >= 0}
    represented = (departments <= {r["department"] for r in rows}
                   and themes <= {t for r in rows for t in r["themes"]})  # fmt: skip
    return {"themes": [{"id": k, "label": v} for k, v in labels.items()], "rows": rows, "total": total,
            "represented": represented}


# --------------------------------------------------------------------------- SVG helpers


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg id="{chart_id}-svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{_e(title)}</title><desc id="{chart_id}-desc">{_e(desc)}</desc>'
    )


def _text(x: float, y: float, value: str, cls: str = "", anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}"{extra}>{_e(value)}</text>'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- charts


#: After the name of a general theme (verbatim.general) in the impact chart.
GENERAL_MARK = "general"


def impact_chart(report: Mapping[str, Any]) -> str:
    """Horizontal dot-and-whisker chart of each theme's effect on NPS with its interval."""
    labels = _theme_labels(report)
    rows = [r for r in _chart_rows(report) if w.is_number(r.get("impact"))]
    if not rows:
        return '<p class="empty">No theme had enough mentions to measure its effect.</p>'
    by_size = sorted(rows, key=lambda r: (-abs(r["impact"]), r["theme_id"]))
    rows, left_out = by_size[:MAX_IMPACT_ROWS], by_size[MAX_IMPACT_ROWS:]
    note = ""
    if left_out:
        low, high = min(r["impact"] for r in left_out), max(r["impact"] for r in left_out)
        note = (f'<p class="note">{len(left_out)} more themes with smaller effects (between {_e(w.fmt_points(low))} '
                f'and {_e(w.fmt_points(high))} points) are not drawn; report.json lists every theme.</p>')
    rows = sorted(rows, key=lambda r: r["impact"])
    general = w.unranked_general(report)
    if general & {r["theme_id"] for r in rows}:
        note += (f'<p class="note">Themes marked “{GENERAL_MARK}” say how customers feel without naming what about: '
                 "they move the score but are not ranked as issues or strengths.</p>")
    values = [0.0] + [v for r in rows for v in (r["impact"], r.get("ci_low"), r.get("ci_high")) if w.is_number(v)]
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    left, right, top, row_h = 300, 24, 34, 30
    width, height = 860, top + row_h * len(rows) + 48
    x = lambda v: left + (v - lo) / (hi - lo) * (width - left - right)  # noqa: E731
    parts = [_svg_open("impact", width, height, "Effect of each theme on NPS, with confidence intervals",
                       "Dots show how many NPS points each theme costs (left of zero) or adds (right of zero); "
                       "whiskers show the likely range. Coloured rows are clearly beyond noise.")]  # fmt: skip
    for t in ticks:
        parts.append(f'<line class="grid{" zero" if abs(t) < 1e-9 else ""}" x1="{x(t):.1f}" x2="{x(t):.1f}" '
                     f'y1="{top - 8}" y2="{height - 40}"/>')  # fmt: skip
        parts.append(_text(x(t), height - 24, w.fmt_points(t, digits=0), "tick", "middle"))
    parts.append(_text(left + (width - left - right) / 2, height - 4,
                       "Effect on NPS (points): left of 0 costs points, right of 0 adds points", "axis-label", "middle"))  # fmt: skip
    parts.append(_text(x(lo) + 4, top - 14, "◀ costs points", "hint"))
    parts.append(_text(x(hi) - 4, top - 14, "adds points ▶", "hint", "end"))
    for i, row in enumerate(rows):
        y = top + row_h * i + row_h / 2
        name, colour = _row_name(row, labels), _colour(row)
        if row["theme_id"] in general:
            name = f"{name} ({GENERAL_MARK})"
        lo_ci, hi_ci = row.get("ci_low"), row.get("ci_high")
        tip = (f"{name}: {w.impact_phrase(row['impact'], lo_ci, hi_ci)}, {w.evidence_phrase(row['significant'])}; "
               f"mentioned by {w.mention_phrase(row.get('share'), row.get('n_mentions'))}")  # fmt: skip
        cls = "imp-row sig" if row.get("significant") else "imp-row"
        parts.append(f'<g class="{cls}" data-theme="{row["theme_id"]}"{_side_attr(row)} tabindex="0" role="button"><title>{_e(tip)}</title>')
        parts.append(f'<rect class="row-bg" x="0" y="{y - row_h / 2:.1f}" width="{width}" height="{row_h}"/>')
        parts.append(_text(left - 10, y + 4, _short(name, 38), "row-label", "end"))
        x0, x1 = sorted((x(0), x(row["impact"])))
        parts.append(f'<rect class="bar" x="{x0:.1f}" y="{y - 7:.1f}" width="{max(x1 - x0, 1):.1f}" height="14" '
                     f'fill="{colour}" fill-opacity="0.22"/>')  # fmt: skip
        if w.is_number(lo_ci) and w.is_number(hi_ci):
            a, b = x(lo_ci), x(hi_ci)
            parts.append(f'<path class="whisker" stroke="{colour}" d="M{a:.1f},{y:.1f}H{b:.1f}'
                         f'M{a:.1f},{y - 6:.1f}V{y + 6:.1f}M{b:.1f},{y - 6:.1f}V{y + 6:.1f}"/>')  # fmt: skip
        parts.append(f'<circle class="point" cx="{x(row["impact"]):.1f}" cy="{y:.1f}" r="5.5" fill="{colour}"/>')
        parts.append(_text(width - 4, y + 4, w.fmt_points(row["impact"]), "value", "end"))
        parts.append("</g>")
    return "".join(parts) + "</svg>" + note


# A point label's box: 12 px text (report.css), wide letters counted generously.
LABEL_CHAR_W, LABEL_H = 6.6, 14.0
# Where a label may go around its dot, tried in order: right, left, above, below, then right
# and left up to four lines up or down and further out (with a leader line back to the dot).
_LABEL_SPOTS = [("start", 10, 0), ("end", -10, 0), ("middle", 0, -14), ("middle", 0, 18)] + [
    (anchor, sign * dx, dy) for dx in (10, 40) for dy in (-14, 14, -28, 28, -42, 42, -56, 56)
    for anchor, sign in (("start", 1), ("end", -1))
]


def place_labels(points: list[tuple[float, float, str]], box: tuple[float, float, float, float],
                 dot: float = 7.0) -> list[tuple[str, float, float] | None]:
    """Where each point's label goes: ``(anchor, x, baseline y)``, or None when no spot near
    its dot is free. ``points``: ``(x, y, text)`` in priority order (the first get the best
    spots); ``box``: (left, top, right, bottom) that labels stay inside. A label overprints
    no other label and no dot: crowded small themes keep their dot and its tooltip instead
    of a heap of unreadable text."""
    dots = [(x - dot, y - dot, x + dot, y + dot) for x, y, _ in points]
    taken: list[tuple[float, float, float, float]] = []

    def free(rect) -> bool:
        a0, b0, a1, b1 = rect
        if a0 < box[0] or a1 > box[2] or b0 < box[1] or b1 > box[3]:
            return False
        return not any(a0 < c1 and c0 < a1 and b0 < d1 and d0 < b1 for c0, d0, c1, d1 in (*taken, *dots))

    out: list[tuple[str, float, float] | None] = []
    for px, py, text in points:
        width = len(text) * LABEL_CHAR_W
        spot = None
        for anchor, dx, dy in _LABEL_SPOTS:
            x = px + dx
            x0 = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
            rect = (x0, py + dy - LABEL_H / 2, x0 + width, py + dy + LABEL_H / 2)
            if free(rect):
                spot = (anchor, x, py + dy + 4)  # baseline: 4 px below the box's middle
                taken.append(rect)
                break
        out.append(spot)
    return out


def scatter_chart(report: Mapping[str, Any]) -> str:
    """Theme size (share of respondents) against the NPS of the respondents who mention it."""
    labels = _theme_labels(report)
    rows = [r for r in _chart_rows(report) if w.is_number(r.get("nps_with")) and w.is_number(r.get("share"))]
    overall = (report.get("nps") or {}).get("nps")
    if not rows:
        return '<p class="empty">No theme had enough mentions to place on this chart.</p>'
    ys = [r["nps_with"] for r in rows] + ([overall] if w.is_number(overall) else [])
    # NPS lives in [-100, +100]: ticks past it (+150 on a small survey) only squeeze the dots.
    yt = [t for t in nice_ticks(max(-100.0, min(ys) - 5), min(100.0, max(ys) + 5), 8) if -100.0 <= t <= 100.0]
    xt = nice_ticks(0.0, max(r["share"] for r in rows) * 1.12, 5)
    left, right, top, bottom = 64, 190, 20, 52
    width, height = 820, 420
    x = lambda v: left + (v - xt[0]) / (xt[-1] - xt[0]) * (width - left - right)  # noqa: E731
    y = lambda v: top + (yt[-1] - v) / (yt[-1] - yt[0]) * (height - top - bottom)  # noqa: E731
    parts = [_svg_open("scatter", width, height, "Theme size against the NPS of customers who mention it",
                       "Each dot is a theme: further right means more customers mention it, lower means those "
                       "customers score lower. The dashed line is the overall NPS.")]  # fmt: skip
    for t in yt:
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>')
        parts.append(_text(left - 8, y(t) + 4, w.fmt_points(t, digits=0), "tick", "end"))
    for t in xt:
        parts.append(f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{height - bottom}"/>')
        parts.append(_text(x(t), height - bottom + 18, w.fmt_share(t), "tick", "middle"))
    parts.append(_text(left + (width - left - right) / 2, height - 8, "Share of respondents mentioning the theme", "axis-label", "middle"))
    parts.append(_text(16, top + (height - top - bottom) / 2, "NPS of those mentioning it", "axis-label", "middle",
                       f' transform="rotate(-90 16 {top + (height - top - bottom) / 2:.1f})"'))  # fmt: skip
    if w.is_number(overall):
        parts.append(f'<line class="reference" x1="{left}" x2="{width - right}" y1="{y(overall):.1f}" y2="{y(overall):.1f}"/>')
        parts.append(_text(width - right + 6, y(overall) + 4, f"Overall NPS {w.fmt_points(overall)}", "ref-label"))
    # Themes beyond noise are labelled first, then the most mentioned.
    rows = sorted(rows, key=lambda r: (not r.get("significant"), -r["share"], r["theme_id"]))
    points = [(x(r["share"]), y(r["nps_with"]), _row_name(r, labels)) for r in rows]
    spots = place_labels([(px, py, _short(name, 30)) for px, py, name in points], (left, top, width - 4, height - bottom))
    for row, (px, py, name), spot in zip(rows, points, spots):
        tip = (f"{name}: mentioned by {w.mention_phrase(row['share'], row.get('n_mentions'))}; their NPS is "
               f"{w.fmt_points(row['nps_with'])}; {w.impact_phrase(row.get('impact'), row.get('ci_low'), row.get('ci_high'))}")  # fmt: skip
        parts.append(f'<g class="sc-point" data-theme="{row["theme_id"]}"{_side_attr(row)} tabindex="0" role="button"><title>{_e(tip)}</title>')
        if spot is not None and abs(spot[2] - 4 - py) > 6:  # a label off its dot's line points back to it
            parts.append(f'<line class="leader" x1="{px:.1f}" y1="{py:.1f}" x2="{spot[1]:.1f}" y2="{spot[2] - 4:.1f}" '
                         'stroke="#94a3b8" stroke-width="1"/>')
        parts.append(f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="7" fill="{_colour(row)}"/>')
        if spot is not None:
            parts.append(_text(spot[1], spot[2], _short(name, 30), "point-label", spot[0]))
        parts.append("</g>")
    unlabelled = sum(spot is None for spot in spots)
    note = (f'<p class="note">{unlabelled} crowded theme{"s" if unlabelled > 1 else ""} without a label here: '
            "point at a dot for its name.</p>") if unlabelled else ""
    return "".join(parts) + "</svg>" + note


def _cell_fill(value: Any, scale: float) -> str:
    if not w.is_number(value):
        return "#f1f5f9"
    strength = min(abs(value) / scale, 1.0) if scale > 0 else 0.0
    base = (194, 65, 12) if value < 0 else (15, 118, 110)
    mix = [round(255 + (c - 255) * (0.12 + 0.88 * strength)) for c in base]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def heatmap_chart(report: Mapping[str, Any]) -> str:
    """Department x theme grid of impact (NPS points); blank cells have too few mentions."""
    labels = _theme_labels(report)
    departments = [d for d in report.get("departments") or [] if d.get("source") == "column"]
    # Every department's top issues, then the largest effects either way up to the cap,
    # ordered from most costly to most helpful (the largest effects alone left out half of
    # the departments' own top-2 issues).
    k = w.top_k(report)
    wanted = {(e["theme_id"], e.get("side")) for d in departments for e in w.leading(d.get("ranking") or {}, "improvement")[:k]}
    candidates = sorted((r for r in _chart_rows(report) if r["theme_id"] != -1 and w.is_number(r.get("impact"))),
                        key=lambda r: (-abs(r["impact"]), r["theme_id"]))
    keep = [r for r in candidates if (r["theme_id"], r["side"]) in wanted]
    keep += [r for r in candidates if (r["theme_id"], r["side"]) not in wanted][: max(0, MAX_HEATMAP_THEMES - len(keep))]
    columns = sorted(keep, key=lambda r: r["impact"])
    if departments and not columns:  # departments, but no theme measured (every comment a non-answer)
        return '<p class="empty">No theme was found in the comments, so there is no effect to break down by department.</p>'
    if not departments or not columns:
        routed = any(d.get("source") == "routing" for d in report.get("departments") or [])
        return ('<p class="empty">No department column in this survey, so no NPS by department; the table below '
                'lists the themes routed to each department by meaning.</p>' if routed
                else '<p class="empty">No department breakdown in this survey.</p>')
    groups = [(w.ALL_GROUP, "All respondents", False)] + [(d["name"], d["name"], d.get("too_small")) for d in departments]
    cells = {(r["group"], r["theme_id"], r["side"]): r for r in report.get("impact") or []}
    # The colour scale of the cells drawn: a too-small department's 24.6 or a theme outside
    # the columns left every drawn cell pale.
    drawn = [cells.get((group, col["theme_id"], col["side"])) or {} for group, _, small in groups if not small
             for col in columns]
    values = [c["impact"] for c in drawn if w.is_number(c.get("impact")) and not c.get("too_small")]
    scale = max((abs(v) for v in values), default=0.0) or 1.0  # every effect 0: no cell is dark
    left, top, cell_w, cell_h = 220, 150, 58, 38
    # Room on the right for the last rotated column label.
    width, height = left + cell_w * len(columns) + 150, top + cell_h * len(groups) + 34
    parts = [_svg_open("heatmap", width, height, "Effect of each theme on NPS by department",
                       "Rows are departments, columns are themes; red cells cost NPS points, green cells add "
                       "them, darker means larger. Bold outlined values are clearly beyond noise; grey cells "
                       "have too few mentions to measure.")]  # fmt: skip
    general = w.unranked_general(report)
    for j, col in enumerate(columns):
        cx = left + cell_w * j + cell_w / 2
        name = _row_name(col, labels) + (f" ({GENERAL_MARK})" if col["theme_id"] in general else "")
        parts.append(f'<g class="col-head"><title>{_e(name)}</title>'
                     + _text(cx, top - 10, _short(name, 24), "col-label", "start", f' transform="rotate(-40 {cx:.1f} {top - 10})"')
                     + "</g>")  # fmt: skip
    for i, (group, name, too_small) in enumerate(groups):
        y0 = top + cell_h * i
        if too_small:
            parts.append(_text(left - 10, y0 + cell_h / 2, _short(name, 28), "row-label small", "end"))
            parts.append(_text(left - 10, y0 + cell_h / 2 + 13, "too few responses", "hint", "end"))
        else:
            parts.append(_text(left - 10, y0 + cell_h / 2 + 4, _short(name, 28), "row-label", "end"))
        for j, col in enumerate(columns):
            cell = cells.get((group, col["theme_id"], col["side"])) or {}
            value = cell.get("impact") if not cell.get("too_small") else None
            x0 = left + cell_w * j
            name_col = _row_name(col, labels)
            if w.is_number(value):
                tip = (f"{name} / {name_col}: {w.impact_phrase(value, cell.get('ci_low'), cell.get('ci_high'))}, "
                       f"{w.evidence_phrase(bool(cell.get('significant')))}; mentioned by "
                       f"{w.mention_phrase(cell.get('share'), cell.get('n_mentions'))}")  # fmt: skip
            else:
                tip = f"{name} / {name_col}: too few mentions to measure"
            sig = " sig" if cell.get("significant") and w.is_number(value) else ""
            dept_attr = "" if group == w.ALL_GROUP else f' data-department="{_e(group)}"'
            parts.append(f'<g class="hm-cell{sig}" data-theme="{col["theme_id"]}"{_side_attr(col)}{dept_attr} tabindex="0" role="button">'
                         f'<title>{_e(tip)}</title>')
            parts.append(f'<rect class="cell" x="{x0 + 1}" y="{y0 + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" '
                         f'fill="{_cell_fill(value, scale)}"/>')  # fmt: skip
            dark = w.is_number(value) and abs(value) / scale > 0.55
            text = w.fmt_points(value) if w.is_number(value) else "·"
            parts.append(_text(x0 + cell_w / 2, y0 + cell_h / 2 + 4, text, "cell-value" + (" on-dark" if dark else ""), "middle"))
            parts.append("</g>")
    parts.append(_text(left, height - 10, "Values: NPS points; · = too few mentions", "hint"))
    return "".join(parts) + "</svg>"


# --------------------------------------------------------------------------- page sections


def _quote_text(quote: Mapping[str, Any]) -> str:
    """A quote's text as HTML, its ``highlight`` (the segment the theme was found in) marked."""
    text = str(quote.get("text", ""))
    span = w.highlight_span(quote, text)
    if not span:
        return _e(text)
    start, end = span
    return f"{_e(text[:start])}<mark>{_e(text[start:end])}</mark>{_e(text[end:])}"


def _quote_items(quotes: Sequence[Mapping[str, Any]], limit: int = 3) -> str:
    items = []
    for quote in list(quotes)[:limit]:
        who = w.quote_attribution(quote)
        cite = f'<cite>{_e(who)}</cite>' if who else ""
        items.append(f'<blockquote class="quote"><p dir="auto">{_quote_text(quote)}</p>{cite}</blockquote>')
    return "".join(items)


def _issue_quotes(quotes: Sequence[Mapping[str, Any]]) -> str:
    """An issue's quotes, said to be no complaints when none reads as one."""
    caption = w.issue_quotes_caption(quotes)
    note = f'<p class="note">{_e(caption)}</p>' if caption != w.QUOTES_CAPTION else ""
    return note + _quote_items(quotes)


def _issue_cards(report: Mapping[str, Any]) -> str:
    k, nps = w.top_k(report), (report.get("nps") or {}).get("nps")
    issues = w.leading(report.get("overall") or {}, "improvement")[:k]
    if not issues:
        return '<p class="empty">No theme clearly costs points in this survey.</p>'
    cards = []
    for rank, entry in enumerate(issues, start=1):
        name = w.theme_name(entry["label"], entry.get("side"))
        without = w.without_phrase(entry.get("nps_without"), nps)
        badge = "Clearly beyond noise" if entry.get("significant") else "Could still be chance"
        cards.append(
            f'<article class="card issue" data-theme="{int(entry["theme_id"])}"{_side_attr(entry)} tabindex="0">'
            f'<div class="rank">#{rank}</div><h3>{_e(name)}</h3>'
            f'<p class="impact-line"><strong>{_e(w.impact_phrase(entry.get("impact"), entry.get("ci_low"), entry.get("ci_high")))}</strong>'
            f' <span class="badge{" sig" if entry.get("significant") else ""}">{badge}</span></p>'
            + (f'<p class="muted">{_e(note)}</p>' if (note := w.driver_sign_note(entry)) else "")
            + f'<ul class="facts"><li>{_e(w.sentence_case(w.ranking_phrase(entry, kind="issue", k=k)))}</li>'
            f'<li>Mentioned by {_e(w.mention_phrase(entry.get("share"), entry.get("n_mentions")))}</li>'
            + (f"<li>NPS of the customers who did not mention it: {_e(without)}</li>" if without else "")
            + f"</ul>{_issue_quotes(entry.get('quotes') or [])}</article>"
        )  # fmt: skip
    return "".join(cards)


def _issues_note(report: Mapping[str, Any]) -> str:
    note = w.all_chance_note(w.leading(report.get("overall") or {}, "improvement")[:w.top_k(report)])
    return f'<p class="note">{_e(note)}</p>' if note else ""


def _effect_items(entries: list[Mapping[str, Any]]) -> list[str]:
    """One list item per theme: effect, mentions and its first quote."""
    return [
        f'<li><strong>{_e(w.theme_name(s["label"], s.get("side")))}</strong>: '
        f'{_e(w.impact_phrase(s.get("impact"), s.get("ci_low"), s.get("ci_high")))}; '
        f'mentioned by {_e(w.mention_phrase(s.get("share"), s.get("n_mentions")))}'
        f'{_quote_items(s.get("quotes") or [], limit=1)}</li>'
        for s in entries
    ]  # fmt: skip


def _strengths_and_passives(report: Mapping[str, Any]) -> str:
    overall = report.get("overall") or {}
    items = _effect_items(w.leading(overall, "strengths")[:3])
    general = _effect_items(overall.get("general_reactions") or [])
    passives = [
        f'<li><strong>{_e(p["label"])}</strong>: {_e(w.passive_phrase(p.get("share_passives"), p.get("share_all"), p.get("lift")))}</li>'
        for p in (overall.get("passive_themes") or [])[:3]
    ]
    none = '<p class="empty">{}</p>'
    return (
        '<div class="card"><h3>Top strengths</h3>'
        + (f'<ul class="plain">{"".join(items)}</ul>' if items else none.format("No theme clearly adds points yet."))
        + '</div><div class="card"><h3>What passives talk about</h3><p class="note">Passives ('
        + _e(w.group_scores(report)["passive"]) + "): one step from promoting you.</p>"
        + (f'<ul class="plain">{"".join(passives)}</ul>' if passives else none.format("No theme stands out among passives."))
        + "</div>"
        + (f'<div class="card" id="general-reactions"><h3>{_e(w.GENERAL_HEADING)}</h3><p class="note">{_e(w.GENERAL_INTRO)}</p>'
           f'<ul class="plain">{"".join(general)}</ul></div>' if general else "")
    )


def _new_themes(report: Mapping[str, Any]) -> str:
    """Themes a reused model added for this wave (``analyze --model``), with quotes."""
    new = [t for t in report.get("themes") or [] if t.get("new")]
    if not new:
        return ""
    items = "".join(
        f'<li><strong>{_e(t["label"])}</strong>: {_e(w.fmt_count(t.get("responses", 0)))} respondents'
        f'{_quote_items(t.get("quotes") or [], limit=2)}</li>' for t in new)
    return ('<section id="new-themes"><h2>New themes in this wave</h2><div class="card">'
            '<p class="note">Comments that none of the earlier themes could take, grouped among themselves: '
            f'candidates for new themes to track.</p><ul class="plain">{items}</ul></div></section>')


def _department_table(report: Mapping[str, Any]) -> str:
    company = (report.get("nps") or {}).get("nps")
    rows = []
    for d in report.get("departments") or []:
        nps = d.get("nps") or {}
        issues = w.leading(d.get("ranking") or {}, "improvement")
        if d.get("too_small"):
            top = '<span class="badge warn">Too few responses to rank</span>'
        elif not issues and w.untested(report, d):
            top = '<span class="badge warn">Too few responses to test a theme</span>'
        elif issues:
            top = f'{_e(w.theme_name(issues[0]["label"], issues[0].get("side")))} <span class="muted">({_e(w.impact_phrase(issues[0].get("impact")) + w.chance_suffix(issues[0]))})</span>'
        else:
            top = '<span class="muted">None stands out</span>'
        tr_class = ' class="small"' if d.get("too_small") else ""
        if d.get("source") == "routing":  # no respondents of its own: no score to show
            figures = '<td class="num">—</td><td class="num">—</td><td class="num">—</td><td class="muted">themes routed by meaning</td>'
        else:
            rng = f'{w.fmt_points(nps.get("ci_low"))} to {w.fmt_points(nps.get("ci_high"))}' if w.is_number(nps.get("ci_low")) else "n/a"
            figures = (f'<td class="num">{_e(w.fmt_count(nps.get("n", 0)))}</td><td class="num strong">{_e(w.fmt_points(nps.get("nps")))}</td>'
                       f'<td class="num">{_e(rng)}</td><td>{_e(w.nps_difference(nps.get("nps"), company, ci_low=nps.get("ci_low"), ci_high=nps.get("ci_high")))}</td>')
        rows.append(f'<tr{tr_class}><th scope="row">{_e(d["name"])}</th>{figures}<td>{top}</td></tr>')
    if not rows:
        return ""
    return (
        '<table class="departments"><thead><tr><th scope="col">Department</th><th scope="col">Scored</th>'
        '<th scope="col">NPS</th><th scope="col">Likely range</th><th scope="col">Against the company</th>'
        f'<th scope="col">Top issue</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _headline(report: Mapping[str, Any]) -> str:
    nps, rows = report.get("nps") or {}, report["run"]["rows"]
    no_comment = report.get("no_comment") or {}
    groups = (("pct_detractors", "det", "Detractors"), ("pct_passives", "pas", "Passives"), ("pct_promoters", "pro", "Promoters"))
    whole = w.whole_percentages([float(nps.get(key) or 0) for key, _, _ in groups])  # as the text under the bar
    bar = "".join(
        f'<span class="seg {cls}" style="width:{float(nps.get(key) or 0):.2f}%" title="{_e(f"{name}: {pct}%")}"></span>'
        for (key, cls, name), pct in zip(groups, whole)
    )  # fmt: skip
    rng = f'likely between {w.fmt_points(nps.get("ci_low"))} and {w.fmt_points(nps.get("ci_high"))}' if w.is_number(nps.get("ci_low")) else ""
    warn = f'<p class="badge warn">{_e(w.small_sample_warning("This survey", nps.get("n")))}</p>' if nps.get("too_small") else ""
    stats = (("Respondents", rows["usable"]), ("Scored", nps.get("n", 0)), ("Rejected rows", rows["rejected"]),
             ("No comment", no_comment.get("n", rows["without_comment"])))  # fmt: skip
    return (
        f'<div class="kpi nps-kpi"><div class="kpi-label">Net Promoter Score</div>'
        f'<div id="headline-nps" class="kpi-value">{_e(w.fmt_points(nps.get("nps")))}</div>'
        f'<div class="kpi-sub">{_e(rng)}</div>{warn}'
        + (f'<div class="kpi-sub">{_e(weighted)}</div>' if (weighted := w.weighted_nps_sentence(
            nps, report["run"]["columns"].get("weight"))) else "")
        + '</div>'
        f'<div class="kpi mix"><div class="kpi-label">Promoters, passives, detractors</div>'
        f'<div class="mixbar" role="img" aria-label="{_e(w.nps_breakdown(nps))}">{bar}</div>'
        f'<div class="kpi-sub">{_e(w.nps_breakdown(nps))}</div></div>'
        + "".join(f'<div class="kpi small"><div class="kpi-label">{_e(k)}</div><div class="kpi-value">{_e(w.fmt_count(v))}</div></div>' for k, v in stats)
    )  # fmt: skip


def _footer(report: Mapping[str, Any]) -> str:
    run = report["run"]
    notes = list(run.get("notes") or []) + [f"{n} rows rejected: {reason}" for reason, n in (run["rows"].get("rejections") or {}).items()]
    facts = [
        f"Survey file: {run['input']['path']} ({run['input']['format']}), analysed {run['created_at']}",
        f"verbatim {run['verbatim_version']}, text model {run['embedder']}",
        "Personal data (e-mails, phone numbers, names) was redacted from every comment." if run.get("redacted")
        else "Comments are shown as written: personal data was NOT redacted.",
    ]  # fmt: skip
    return "".join(f"<li>{_e(text)}</li>" for text in facts + notes)


def render_html(report: Mapping[str, Any], assignments: Sequence[Mapping[str, Any]],
                total_comments: int | None = None) -> str:
    """The complete, self-contained HTML report as one string.

    ``assignments``: one row per response, ``{"response_id", "department", "score",
    "nps_group", "themes": [theme ids], "sentiment", "text"}``, text already redacted;
    ``total_comments``: how many analysed comments they are a sample of (None: all), see
    :mod:`verbatim.report.drilldown`.
    """
    run = report["run"]
    fields = {
        "csp": _e(CSP),
        "title": _e(f"Customer feedback report: {Path(str(run['input']['path'])).name}"),
        "subtitle": _e(f"{run['input']['path']} · analysed {run['created_at'][:10]} · {w.scored_respondents(report['nps'].get('n', 0))}"),
        "css": _template("report.css"),
        "headline": _headline(report),
        "interval_note": _e(w.interval_explainer(w.ci_level(report))),
        "top_k": str(w.top_k(report)),
        "ranking_kind": _e(w.ranking_kind(report.get("overall") or {})),
        **{f"{group}_scores": _e(text) for group, text in w.group_scores(report).items()},
        "issues": _issue_cards(report),
        "issues_note": _issues_note(report),
        "strengths": _strengths_and_passives(report),
        "impact_chart": impact_chart(report),
        "scatter_chart": scatter_chart(report),
        "heatmap_chart": heatmap_chart(report),
        "departments": _department_table(report),
        "trend": trend_html(report) + _new_themes(report),
        "footer": _footer(report),
        "data": json_for_script(drilldown_payload(report, assignments, total_comments)),
        "js": _template("report.js"),
    }  # fmt: skip
    return Template(_template("report.html")).substitute(fields)


def write_html(report: Mapping[str, Any], assignments: Sequence[Mapping[str, Any]], path: str | Path,
               total_comments: int | None = None) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, assignments, total_comments), encoding="utf-8")
    return path
