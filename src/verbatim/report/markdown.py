"""Markdown reports: ``summary.md`` (one page for executives) and one page per department.

Input is the report dict described by ``schema/report.schema.json``; wording comes from
:mod:`verbatim.report.wording`. Every string that comes from the data (quotes, theme
labels, department names, notes) goes through :func:`escape_md`, so a customer comment
cannot inject a heading, link, image, table cell or raw HTML into the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from verbatim.report import wording as w
from verbatim.report.trend_view import trend_markdown

# Inline Markdown/HTML syntax characters; escaping them keeps a quote literal text in
# CommonMark and GFM ('\' before ASCII punctuation always yields the character itself).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
# GFM turns bare URLs into links even when their punctuation is escaped, so the pattern
# is broken with an invisible word joiner instead.
_BARE_LINK = re.compile(r"(?i)(://|www\.)")
_WORD_JOINER = "\u2060"

MAX_QUOTES = 3
#: How a line break inside a customer's comment is shown in a one-line Markdown quote.
QUOTE_LINE_BREAK = " / "


def escape_md(text: Any, line_break: str = " ") -> str:
    """Plain text -> Markdown that renders as exactly that text, on one line.

    Line breaks (and Unicode line/paragraph separators, blank lines) become ``line_break``,
    a space unless the caller marks them (quotes: " / ", so that a title stays apart from the
    text under it): a quote can never start a new block, and so never a heading, list or
    table row. The result is meant for inline positions: callers always put a prefix
    ("- ", "> “", "| ") before it, so line-start markers such as "#" or "1." need no escaping.
    """
    lines = (" ".join(line.split()) for line in str(text).splitlines())
    flat = line_break.join(line for line in lines if line)
    flat = _INLINE_SPECIAL.sub(r"\\\1", flat)
    return _BARE_LINK.sub(lambda m: m.group(0)[0] + _WORD_JOINER + m.group(0)[1:], flat)


# Stand-ins for the "**" around a quote's highlight while it is escaped (private-use characters).
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"


def quote_markdown(quote: Mapping[str, Any]) -> str:
    """A quote's text as one line of Markdown, its ``highlight`` (the segment the theme was
    found in, :func:`verbatim.report.build.segment_spans`) in bold.

    CommonMark reads "**" as bold only next to a space or punctuation on the outer side, or
    next to a letter on both: "**Love it.**The fit" would show its asterisks, so punctuation
    that touches a letter outside the highlight is left outside the bold ("**Love it**.The fit")."""
    # The stand-ins never come from the text: a private-use character there becomes U+FFFD,
    # one character for one, so the highlight's offsets still hold.
    text = str(quote.get("text", "")).replace(_MARK_OPEN, "\ufffd").replace(_MARK_CLOSE, "\ufffd")
    span = w.highlight_span(quote, text)
    if span:
        start, end = span
        if end < len(text) and text[end].isalnum():
            while end > start and not text[end - 1].isalnum():
                end -= 1
        if start > 0 and text[start - 1].isalnum():
            while start < end and not text[start].isalnum():
                start += 1
        if start < end:
            text = text[:start] + _MARK_OPEN + text[start:end] + _MARK_CLOSE + text[end:]
    return escape_md(text, line_break=QUOTE_LINE_BREAK).replace(_MARK_OPEN, "**").replace(_MARK_CLOSE, "**")


def _quote_lines(quotes: list[Mapping[str, Any]], *, with_department: bool = True, indent: str = "") -> list[str]:
    lines = []
    for quote in quotes[:MAX_QUOTES]:
        who = w.quote_attribution(quote, with_department=with_department)
        suffix = f" — *{escape_md(who)}*" if who else ""
        lines.append(f"{indent}> “{quote_markdown(quote)}”{suffix}")
        lines.append(f"{indent}>")
    return lines[:-1] if lines else []


def _ranked_block(entry: Mapping[str, Any], rank: int, *, kind: str, group_nps: Any, population: str, k: int,
                  with_department: bool = True) -> list[str]:
    """One improvement area (or strength) as a small section with quotes."""
    name = escape_md(w.theme_name(entry["label"], entry.get("side")))
    lines = [f"### {rank}. {name}", ""]
    lines.append(
        f"- **Effect on NPS:** {w.impact_phrase(entry.get('impact'), entry.get('ci_low'), entry.get('ci_high'))}"
        f", {w.evidence_phrase(bool(entry.get('significant')))}."
        + (f" {note}" if (note := w.driver_sign_note(entry, kind=kind)) else "")
    )
    lines.append(f"- **How sure is the ranking:** {w.ranking_phrase(entry, kind=kind, k=k, escape=escape_md)}.")
    lines.append(f"- **Who mentions it:** {w.mention_phrase(entry.get('share'), entry.get('n_mentions'), population)}.")
    without = w.without_phrase(entry.get("nps_without"), group_nps)
    if without and kind == "issue":
        lines.append(f"- **Customers who did not mention it** give an NPS of {without}.")
    quotes = entry.get("quotes") or []
    if quotes:
        caption = w.issue_quotes_caption(quotes) if kind == "issue" else w.QUOTES_CAPTION
        lines += ["", caption, ""] + _quote_lines(quotes, with_department=with_department)
    return lines + [""]


def _strength_lines(strengths: list[Mapping[str, Any]], population: str, *, with_department: bool = True) -> list[str]:
    if not strengths:
        return ["No theme clearly adds points yet.", ""]
    return _effect_lines(strengths[:3], population, with_department=with_department)


def _effect_lines(entries: list[Mapping[str, Any]], population: str, *, with_department: bool = True) -> list[str]:
    """One bullet per theme (effect, evidence, mentions) with its first quote."""
    lines = []
    for entry in entries:
        name = escape_md(w.theme_name(entry["label"], entry.get("side")))
        effect = w.impact_phrase(entry.get("impact"), entry.get("ci_low"), entry.get("ci_high"))
        mentions = w.mention_phrase(entry.get("share"), entry.get("n_mentions"), population)
        lines.append(f"- **{name}**: {effect}, {w.evidence_phrase(bool(entry.get('significant')))}; mentioned by {mentions}.")
        quotes = entry.get("quotes") or []
        if quotes:
            lines += [""] + _quote_lines(quotes[:1], with_department=with_department, indent="  ") + [""]
    return lines + [""]


def _general_lines(ranking: Mapping[str, Any], population: str, *, with_department: bool = True) -> list[str]:
    """The general themes left out of the rankings (none: no section)."""
    entries = ranking.get("general_reactions") or []
    if not entries:
        return []
    return ([f"## {w.GENERAL_HEADING}", "", w.GENERAL_INTRO, ""]
            + _effect_lines(entries, population, with_department=with_department))


def _chance_lines(issues: list[Mapping[str, Any]]) -> list[str]:
    note = w.all_chance_note(issues)
    return [f"*{note}*", ""] if note else []


def _passive_lines(passive: list[Mapping[str, Any]], report: Mapping[str, Any]) -> list[str]:
    scores = w.group_scores(report)["passive"]
    if not passive:
        return [f"No theme stands out among passives (customers with {scores}).", ""]
    lines = [f"Passives ({scores}) are one step from promoting you. They bring these up more than others do:", ""]
    for entry in passive[:3]:
        phrase = w.passive_phrase(entry.get("share_passives"), entry.get("share_all"), entry.get("lift"))
        lines.append(f"- **{escape_md(entry['label'])}**: {phrase}.")
    return lines + [""]


def _how_to_read(report: Mapping[str, Any]) -> list[str]:
    k = w.top_k(report)
    scores = w.group_scores(report)
    return [
        "## How to read this report",
        "",
        f"- **NPS** (Net Promoter Score) is the percentage of promoters ({scores['promoter']}) minus the "
        f"percentage of detractors ({scores['detractor']}), from −100 to +100.",
        "- **Effect on NPS** compares the NPS of everyone with the NPS of the customers who did not "
        "mention the theme: “costs 6 points” means those customers score 6 points higher than everyone. "
        "It measures what the theme goes with, not a promise of what fixing it would bring.",
        f"- **How sure is the ranking:** the survey was reshuffled many times; the percentage is how "
        f"often the theme still came out in the top {k}.",
        "- **Ranges** in brackets: see the explanation under the headline score.",
        "",
    ]


def _weight_column(report: Mapping[str, Any]) -> Any:
    return ((report.get("run") or {}).get("columns") or {}).get("weight")


def render_department_md(report: Mapping[str, Any], department: Mapping[str, Any]) -> str:
    """The page ``departments/<slug>.md`` for one department of ``report``."""
    name = escape_md(department["name"])
    nps, company = department.get("nps"), report.get("nps")
    k = w.top_k(report)
    lines = [f"# {name}: what your customers tell you", ""]
    lines.append(f"*Survey file `{_code(report['run']['input']['path'])}`, analysed {report['run']['created_at'][:10]}.*")
    lines.append("")
    if department.get("too_small") or (nps or {}).get("too_small"):
        lines += [f"> **Warning.** {escape_md(w.small_sample_warning(department['name'], (nps or {}).get('n')))}", ""]
    if department.get("source") == "routing":
        lines += ["These themes were routed to you because their comments are about your area, "
                  "not because the customers were your respondents.", ""]  # fmt: skip

    lines += ["## Your score", ""]
    if nps and w.is_number(nps.get("nps")):
        gap = w.nps_difference(nps["nps"], (company or {}).get("nps"), ci_low=nps.get("ci_low"),
                               ci_high=nps.get("ci_high"))
        lines.append(
            f"Your NPS is **{w.nps_with_range(nps)}**, from {w.scored_respondents(nps['n'])}"
            f" ({w.nps_breakdown(nps)}). The company as a whole scores {w.nps_with_range(company)}"
            + (f": you are {gap}." if gap else ".")
            + (f" {weighted}" if (weighted := w.weighted_nps_sentence(nps, _weight_column(report), escape_md)) else "")
        )
    else:
        lines.append(f"No NPS for this page. The company as a whole scores {w.nps_with_range(company)}.")
    lines += ["", f"*{w.interval_explainer(w.ci_level(report))}*", ""]

    ranking = department.get("ranking") or {}
    issues = w.leading(ranking, "improvement")[:k]
    # A routed department has no respondents of its own: its shares are of the whole survey.
    population = "respondents" if department.get("source") == "routing" else "your respondents"
    lines += [f"## Your top {k} issues{w.ranking_kind(ranking)}", ""]
    if not issues:
        if department.get("too_small"):
            reason = "there are too few responses to rank themes"
        elif w.untested(report, department):
            n = w.min_mentions(report)
            reason = (f"there are too few responses to test any theme (each needs {n} respondents who mention it "
                      f"and {n} who do not)")
        else:
            reason = "no theme clearly costs you points"
        lines += [f"No issue is ranked here: {reason}.", ""]
    lines += _chance_lines(issues)
    for rank, entry in enumerate(issues, start=1):
        lines += _ranked_block(entry, rank, kind="issue", group_nps=(nps or {}).get("nps"), population=population, k=k,
                               with_department=False)

    lines += ["## What customers praise you for", ""] + _strength_lines(w.leading(ranking, "strengths"), population, with_department=False)
    lines += _general_lines(ranking, population, with_department=False)
    lines += ["## What your passives talk about", ""] + _passive_lines(ranking.get("passive_themes") or [], report)
    lines += trend_markdown(report, department["name"], escape_md)
    warnings = department.get("warnings") or []
    if warnings:
        lines += ["## Notes", ""] + [f"- {escape_md(text)}" for text in warnings] + [""]
    lines += _how_to_read(report)
    return "\n".join(lines).rstrip() + "\n"


def _department_row(report: Mapping[str, Any], department: Mapping[str, Any]) -> str:
    nps = department.get("nps") or {}
    issues = w.leading(department.get("ranking") or {}, "improvement")
    if department.get("too_small"):
        top = "⚠ too few responses to rank"
    elif not issues and w.untested(report, department):
        top = "⚠ too few responses to test a theme"
    elif issues:
        top = escape_md(w.theme_name(issues[0]["label"], issues[0].get("side")))
        top += f" ({w.impact_phrase(issues[0].get('impact'))}{w.chance_suffix(issues[0])})"
    else:
        top = "none stands out"
    value = w.fmt_points(nps.get("nps"))
    low, high = w.fmt_points(nps.get("ci_low")), w.fmt_points(nps.get("ci_high"))
    rng = f"{low} to {high}" if nps.get("ci_low") is not None else "n/a"
    link = f"[{escape_md(department['name'])}](departments/{department['slug']}.md)"
    # A department known from the routing file has no respondents of its own: "0" read as an
    # empty department (the HTML table shows "—").
    count = "—" if department.get("source") == "routing" else w.fmt_count(nps.get("n", 0))
    return f"| {link} | {count} | {value} | {rng} | {top} |"


def render_summary_md(report: Mapping[str, Any]) -> str:
    """``summary.md``: headline NPS, top issues with quotes, strengths, passives, departments."""
    run, nps, rows = report["run"], report["nps"], report["run"]["rows"]
    k = w.top_k(report)
    lines = ["# NPS survey: executive summary", ""]
    lines.append(f"*Survey file `{_code(run['input']['path'])}`, analysed {run['created_at'][:10]} "
                 f"with verbatim {escape_md(run['verbatim_version'])}.*")  # fmt: skip
    lines += ["", "## Headline", ""]
    breakdown = f" ({w.nps_breakdown(nps)})" if w.nps_breakdown(nps) else ""  # none without a score
    lines.append(f"**NPS {w.nps_with_range(nps)}** from {w.scored_respondents(nps['n'])}{breakdown}."
                 + (f" {weighted}" if (weighted := w.weighted_nps_sentence(nps, _weight_column(report), escape_md)) else ""))
    if nps.get("too_small"):
        lines += ["", f"> **Warning.** {escape_md(w.small_sample_warning('This survey', nps.get('n')))}"]
    no_comment = report.get("no_comment") or {}
    lines += [
        "",
        "| Responses | Count |",
        "|---|---:|",
        f"| Rows read | {w.fmt_count(rows['read'])} |",
        f"| Respondents (usable rows) | {w.fmt_count(rows['usable'])} |",
        f"| Scored respondents (in the NPS) | {w.fmt_count(nps['n'])} |",
        f"| Rows rejected (unreadable score or data) | {w.fmt_count(rows['rejected'])} |",
        f"| Respondents without a score | {w.fmt_count(rows['without_score'])} |",
        f"| Respondents without a usable comment | {w.fmt_count(no_comment.get('n', rows['without_comment']))} "
        f"({w.fmt_share(no_comment.get('share'))}) |",
        "",
        f"*{w.interval_explainer(w.ci_level(report))}*",
        "",
    ]
    overall = report.get("overall") or {}
    issues = w.leading(overall, "improvement")[:k]
    lines += [f"## Top {k} improvement areas{w.ranking_kind(overall)}", ""]
    if not issues:
        lines += ["No theme clearly costs points in this survey.", ""]
    lines += _chance_lines(issues)
    for rank, entry in enumerate(issues, start=1):
        lines += _ranked_block(entry, rank, kind="issue", group_nps=nps.get("nps"), population="respondents", k=k)
    lines += ["## Top strengths", ""] + _strength_lines(w.leading(overall, "strengths"), "respondents")
    lines += _general_lines(overall, "respondents")
    lines += ["## What passives talk about", ""] + _passive_lines(overall.get("passive_themes") or [], report)

    lines += trend_markdown(report, escape=escape_md)
    new_themes = [t for t in report.get("themes") or [] if t.get("new")]
    if new_themes:
        lines += ["## New themes in this wave", "",
                  "Comments that none of the earlier themes could take, grouped among themselves: "
                  "candidates for new themes to track.", ""]  # fmt: skip
        for theme in new_themes:
            lines.append(f"- **{escape_md(theme['label'])}**: {w.fmt_count(theme['responses'])} respondents")
            lines += _quote_lines(theme.get("quotes", [])[:2], indent="  ")
        lines.append("")
    departments = report.get("departments") or []
    if departments:
        lines += ["## Departments", "",
                  "| Department | Scored respondents | NPS | Likely range | Top issue |",
                  "|---|---:|---:|---|---|"]  # fmt: skip
        lines += [_department_row(report, d) for d in departments] + [""]
        lines.append(f"Company NPS for comparison: {w.nps_with_range(nps)}.")
        lines.append("")
    notes = list(run.get("notes") or []) + [f"{n} rows rejected: {reason}" for reason, n in (rows.get("rejections") or {}).items()]
    if notes:
        lines += ["## Notes", ""] + [f"- {escape_md(text)}" for text in notes] + [""]
    lines += _how_to_read(report)
    return "\n".join(lines).rstrip() + "\n"


def _code(text: str) -> str:
    """Text for an inline code span: backticks and line breaks cannot end or split it."""
    return " ".join(str(text).replace("`", "'").split())


def write_markdown(report: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """Write ``summary.md`` and ``departments/<slug>.md`` under ``folder``; return the paths."""
    folder = Path(folder)
    (folder / "departments").mkdir(parents=True, exist_ok=True)
    written = [folder / "summary.md"]
    written[0].write_text(render_summary_md(report), encoding="utf-8")
    for department in report.get("departments") or []:
        path = folder / "departments" / f"{department['slug']}.md"
        path.write_text(render_department_md(report, department), encoding="utf-8")
        written.append(path)
    return written
