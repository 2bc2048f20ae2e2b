"""Plain-language phrasing of report numbers, shared by the Markdown and HTML renderers.

Every function returns plain text (no markup): each renderer escapes it for its format.
The readers are department heads without statistics training, so the wording avoids
p-values and jargon: an interval is "between 4.2 and 8.0", a significant effect is
"clearly beyond noise", rank stability is "very likely a top-2 issue".
Units follow the report schema: NPS and impact in NPS points, shares in 0-1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

ALL_GROUP = "__all__"
DEFAULT_CI_LEVEL = 0.95
DEFAULT_TOP_K = 2

SCORE_GROUPS = {"promoter": "promoter", "passive": "passive", "detractor": "detractor"}
SIDE_SUFFIX = {"complaint": "complaints", "praise": "praise"}
QUOTES_CAPTION = "What customers say:"
GENERAL_HEADING = "General reactions"
#: Above the general themes (verbatim.general): why they are not among the ranked issues and strengths.
GENERAL_INTRO = ("These themes gather comments that say how customers feel, or that make sense only within the "
                 "full comment, without naming what they are about. They move the score but name nothing to fix, "
                 "so they are not ranked above; the full comments behind them may tell the cause.")


def is_number(value: Any) -> bool:
    """True for a finite int/float (None, NaN and booleans are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt_points(value: Any, *, signed: bool = True, digits: int = 1) -> str:
    """An NPS value as text: ``+12.5``, ``-3.0``; ``n/a`` when missing.

    An ASCII minus is used (not U+2212) so the figures paste cleanly into spreadsheets.
    """
    if not is_number(value):
        return "n/a"
    if abs(value) < 0.5 * 10**-digits:
        # "-0.0" reads as a negative score; zero has no sign.
        return f"{0:.{digits}f}"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def fmt_share(share: Any, digits: int = 0) -> str:
    """A share in 0-1 as a percentage: ``0.096 -> '10%'`` (``digits`` decimals)."""
    if not is_number(share):
        return "n/a"
    pct = 100.0 * share
    if 0 < pct < 1 and digits == 0:
        return "<1%"
    return f"{pct:.{digits}f}%"


def fmt_count(n: Any) -> str:
    """An integer with thousands separators: ``2280 -> '2,280'``."""
    return f"{int(n):,}" if is_number(n) else "n/a"


def respondents(n: Any, kind: str = "") -> str:
    """``'2,280 respondents'``, ``'1 respondent'``; with ``kind``: ``'2,280 scored respondents'``."""
    return f"{fmt_count(n)} {kind + ' ' if kind else ''}respondent" + ("" if is_number(n) and int(n) == 1 else "s")


def scored_respondents(n: Any) -> str:
    """``'2,280 scored respondents'``, ``'1 scored respondent'``."""
    return respondents(n, "scored")


def _impact_setting(report: Mapping[str, Any], key: str) -> Any:
    """A setting of the run's ``[impact]`` configuration as report.json holds it (None when absent)."""
    config = report.get("run", {}).get("config", {}) or {}
    return (config.get("impact") or {}).get(key) if isinstance(config, Mapping) else None


def ci_level(report: Mapping[str, Any]) -> float:
    """The confidence level of the report's intervals (0-1), from the run's config."""
    level = _impact_setting(report, "ci_level")
    return float(level) if is_number(level) and 0 < level < 1 else DEFAULT_CI_LEVEL


def untested(report: Mapping[str, Any], department: Mapping[str, Any]) -> bool:
    """Whether no theme of a department with respondents of its own could be tested: each
    needs ``impact.min_mentions`` respondents who mention it and as many who do not, so a
    department of 30-39 scored respondents (big enough for its NPS) can test none, and "no
    theme clearly costs you points" claimed what nothing measured. A routed department has
    no respondents of its own: False."""
    if department.get("source") == "routing":
        return False
    rows = [r for r in report.get("impact") or [] if r.get("group") == department["name"]]
    return not any(not r.get("too_small") and is_number(r.get("impact")) for r in rows)


def min_mentions(report: Mapping[str, Any]) -> int:
    """The mentions (and non-mentions) a theme needs in a group to be tested."""
    n = _impact_setting(report, "min_mentions")
    return int(n) if is_number(n) and n >= 1 else 20


def top_k(report: Mapping[str, Any]) -> int:
    """How many themes a ranking puts forward (rank stability is P(in top k))."""
    k = _impact_setting(report, "top_k")
    return int(k) if is_number(k) and k >= 1 else DEFAULT_TOP_K


def unranked_general(report: Mapping[str, Any]) -> set[int]:
    """Ids of the general themes the rankings leave out (none when impact.rank_general)."""
    if _impact_setting(report, "rank_general"):
        return set()
    return {t["id"] for t in report.get("themes") or [] if t.get("general")}


def interval_explainer(level: float = DEFAULT_CI_LEVEL) -> str:
    """One paragraph explaining the ranges, written once per document."""
    pct = f"{100 * level:.0f}%"
    return (
        f"Ranges in brackets are {pct} confidence intervals: a survey only hears from some "
        "customers, so each number is an estimate. The range holds the values the true figure "
        f"could plausibly take: ranges worked out this way contain it in {pct} of surveys. A narrow range means a "
        "precise number; a wide one means treat it as a rough guide. An effect is called "
        "\"clearly beyond noise\" only when it is too large to be explained by chance, "
        "even after allowing for the many themes tested at once."
    )


def nps_with_range(nps: Mapping[str, Any] | None) -> str:
    """``'+12.5 (likely between +9.3 and +15.6)'``, or ``'n/a'`` without a score."""
    if not nps or not is_number(nps.get("nps")):
        return "n/a"
    text = fmt_points(nps["nps"])
    if is_number(nps.get("ci_low")) and is_number(nps.get("ci_high")):
        text += f" (likely between {fmt_points(nps['ci_low'])} and {fmt_points(nps['ci_high'])})"
    return text


def weighted_nps_sentence(nps: Mapping[str, Any] | None, column: Any, escape: Callable[[str], str] = str) -> str:
    """With a weight column whose weights differ: the weighted NPS and its range, and that
    every other figure is unweighted (the rankings, the departments); "" otherwise. A reader who
    gave a revenue column must not take the headline for the value-weighted score.
    ``escape``: applied to the column's name (Markdown's escaping)."""
    if not column or not nps or not is_number(nps.get("weighted_nps")) or not is_number(nps.get("weighted_ci_low")):
        return ""  # no weights, or all equal (report.json has no interval then): the weighted NPS is the NPS
    weighted = {"nps": nps["weighted_nps"], "ci_low": nps.get("weighted_ci_low"), "ci_high": nps.get("weighted_ci_high")}
    name = f" by '{escape(str(column))}'"
    size = (f", as much information as {fmt_count(round(float(nps['n_effective'])))} equally weighted respondents"
            if is_number(nps.get("n_effective")) else "")
    return (f"Weighted{name}, the NPS is {nps_with_range(weighted)}{size}. "
            "Every other figure here counts each respondent once.")


def nps_difference(value: Any, reference: Any, reference_name: str = "the company", *, ci_low: Any = None,
                   ci_high: Any = None) -> str:
    """How far one NPS sits from another: ``'8.2 points below the company'``; with the NPS's
    interval (``ci_low``, ``ci_high``) holding the other, the gap is said to be within the
    noise: a store of one respondent at +100 was "65.9 points above the company" as a fact."""
    if not (is_number(value) and is_number(reference)):
        return ""
    gap = value - reference
    if abs(gap) < 0.05:
        return f"level with {reference_name}"
    said = f"{abs(gap):.1f} points {'above' if gap > 0 else 'below'} {reference_name}"
    if is_number(ci_low) and is_number(ci_high) and ci_low <= reference <= ci_high:
        said += ", within the noise of so few responses"
    return said


def impact_phrase(impact: Any, ci_low: Any = None, ci_high: Any = None) -> str:
    """An impact with its interval: ``'costs about 6.1 NPS points (between 4.2 and 8.0)'``.

    Negative impact costs points, positive adds them. When the interval straddles zero
    the direction itself is uncertain, and the phrase says so instead of hiding a sign.
    """
    if not is_number(impact):
        return "effect not measured (too few mentions)"
    verb = "costs" if impact < 0 else "adds"
    text = f"{verb} about {abs(impact):.1f} NPS points"
    if not (is_number(ci_low) and is_number(ci_high)):
        return text
    lo, hi = sorted((ci_low, ci_high))
    if lo < 0 < hi:
        return text + f" (somewhere between costing {abs(lo):.1f} and adding {hi:.1f})"
    a, b = sorted((abs(lo), abs(hi)))
    return text + f" (between {a:.1f} and {b:.1f})"


def evidence_phrase(significant: bool) -> str:
    """The plain-language stand-in for a significance test."""
    return "clearly beyond noise" if significant else "could still be chance"


def chance_suffix(entry: Mapping[str, Any]) -> str:
    """``', could still be chance'`` after a one-line mention of a ranked theme that is not
    beyond noise (a table cell has no room for its interval), else ``''``."""
    return "" if entry.get("significant") else f", {evidence_phrase(False)}"


def all_chance_note(issues: Sequence[Mapping[str, Any]]) -> str:
    """A line above ranked issues none of which is beyond noise ("" otherwise): the ranking
    still names the themes that went with lower scores, and a reader should know before the
    first of them that chance could explain every one."""
    if not issues or any(e.get("significant") for e in issues):
        return ""
    return ("None of these is clearly beyond noise: they are the themes that went with lower scores "
            "here, but chance could explain each of them. Read the comments before acting on them.")


def stability_phrase(stability: Any, *, kind: str = "issue", k: int = DEFAULT_TOP_K) -> str:
    """Rank stability in words: ``'very likely a top-2 issue (97% of resamples)'``.

    ``stability`` is the bootstrap probability (0-1) of being in the top ``k``;
    ``kind`` is ``"issue"`` or ``"strength"``.
    """
    if not is_number(stability):
        return f"not enough data to say whether it is a top-{k} {kind}"
    if stability >= 0.9:
        lead = "very likely a"
    elif stability >= 0.7:
        lead = "likely a"
    elif stability >= 0.4:
        lead = "possibly a"
    else:
        lead = "unlikely to be a"
    return f"{lead} top-{k} {kind} ({stability:.0%} of resamples)"


def sentence_case(text: str) -> str:
    """``text`` with its first letter in upper case and the rest as written (str.capitalize
    lowers every other letter: a theme label quoted in it read "app login on ios")."""
    return text[:1].upper() + text[1:]


def ranking_phrase(entry: Mapping[str, Any], *, kind: str = "issue", k: int = DEFAULT_TOP_K,
                   escape: Callable[[str], str] = str) -> str:
    """How sure the ranking of ``entry`` is: its rank stability in words
    (:func:`stability_phrase`), or, for an entry of the drivers ranking (which has a
    ``driver_weight`` and no resamples), that it was not computed rather than "not enough data".
    ``escape``: applied to the theme label it may quote (Markdown's escaping)."""
    if entry.get("driver_weight") is not None and not is_number(entry.get("rank_stability")):
        return f"not computed for the drivers ranking (relative weight {float(entry['driver_weight']):+.3f})"
    text = stability_phrase(entry.get("rank_stability"), kind=kind, k=k)
    tie = entry.get("tied_with")
    if tie and tie.get("label"):
        text += (f"; the data cannot tell it apart from “{escape(theme_name(tie['label'], tie.get('side')))}”, "
                 f"ranked {k + 1}{_ordinal(k + 1)}")
    return text


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def driver_sign_note(entry: Mapping[str, Any], *, kind: str = "issue") -> str:
    """A sentence for a theme of the drivers ranking whose effect on its own points the other
    way (an issue whose mentioners score higher than the rest), else "". The drivers model
    weighs each theme with the others it is mentioned with, so a theme said mostly beside
    strong praise can rank as an issue while its own effect adds points: shown without this,
    "your top issue ... adds 6.5 NPS points" reads as a contradiction."""
    impact = entry.get("impact")
    if entry.get("driver_weight") is None or not is_number(impact) or impact == 0:
        return ""
    if (kind in ("issue", "improvement")) == (impact < 0):
        return ""
    goes_with = "higher" if impact > 0 else "lower"
    side = "an issue" if kind in ("issue", "improvement") else "a strength"
    return (f"On its own it goes with {goes_with} scores; the drivers model ranks it {side} only once the "
            "themes mentioned with it are accounted for.")


def mention_phrase(share: Any, n: Any, population: str = "respondents") -> str:
    """``'10% of respondents (232)'``: how many mention a theme. A theme most mention gets
    what its effect is measured against: the few who do not ("Beautiful dress" added 23 points
    at 78 % of a department, against the 22 % who did not mention it)."""
    text = f"{fmt_share(share)} of {population}"
    text = text + f" ({fmt_count(n)})" if is_number(n) else text
    if is_number(share) and 0.5 < share < 1:
        text += f", most of them: its effect is measured against the {fmt_share(1 - share)} who do not mention it"
    return text


def passive_phrase(share_passives: Any, share_all: Any, lift: Any) -> str:
    """``'mentioned by 30% of passives vs 18% of everyone (1.7x as often)'``."""
    text = f"mentioned by {fmt_share(share_passives)} of passives vs {fmt_share(share_all)} of everyone"
    return text + f" ({lift:.1f}x as often)" if is_number(lift) else text


def without_phrase(nps_without: Any, nps_now: Any) -> str:
    """The NPS of the customers who did not mention the theme, beside everyone's:
    ``'about +19.3 (everyone: +12.5)'``. Not "the NPS without the problem": the comparison
    shows what the theme goes with, not what removing it would bring."""
    if not is_number(nps_without):
        return ""
    text = f"about {fmt_points(nps_without)}"
    return text + f" (everyone: {fmt_points(nps_now)})" if is_number(nps_now) else text


def small_sample_warning(name: str, n: Any) -> str:
    """The warning shown when a group is too small for reliable numbers."""
    count = f"only {scored_respondents(n)}" if is_number(n) else "too few scored respondents"
    return (
        f"Small sample: {name} has {count}. That is too few for reliable numbers, so "
        "themes are not ranked here and every figure is a rough indication at best. "
        "Read the comments as anecdotes, not measurements."
    )


def theme_name(label: str, side: str | None = "all") -> str:
    """A theme label with its side when the theme is split: ``'Staff (complaints)'``."""
    suffix = SIDE_SUFFIX.get(side or "all")
    # The ranking may already carry the side in its label; never say it twice.
    return f"{label} ({suffix})" if suffix and not label.endswith(f"({suffix})") else label


def issue_quotes_caption(quotes: Sequence[Mapping[str, Any]]) -> str:
    """The line above an issue's quotes. A theme can cost points without one comment on it
    that reads as a complaint (its quotes are then what detractors said of it, see
    ``ReportBuilder.quotes_for``): the reader is told, rather than left to wonder why the
    quotes under an issue sound content."""
    if quotes and not any(q.get("sentiment") == "negative" for q in quotes):
        return "None of the comments on it reads as a complaint. What detractors who mention it say:"
    return QUOTES_CAPTION


def highlight_span(quote: Mapping[str, Any], text: str) -> tuple[int, int] | None:
    """The quote's ``highlight`` as ``(start, end)`` in ``text``, or None when it has none or
    it does not fit the text (a report.json edited by hand, or older than schema 1.9)."""
    span = quote.get("highlight")
    if not isinstance(span, (list, tuple)) or len(span) != 2 or not all(type(v) is int for v in span):
        return None
    start, end = span
    return (start, end) if 0 <= start < end <= len(text) else None


def quote_attribution(quote: Mapping[str, Any], *, with_department: bool = True) -> str:
    """Who said it, without identifying them: ``'score 3 (detractor), Delivery'``. The group
    is the quote's ``nps_group``, which the run's score scale decided (a 5 of five stars is
    a promoter); a quote without one (a report before schema 1.6) shows the score alone, and
    one without a score (an export of the NPS group alone) its group alone."""
    parts = []
    score = quote.get("score")
    group = SCORE_GROUPS.get(str(quote.get("nps_group")))
    if is_number(score):
        parts.append(f"score {score:g} ({group})" if group else f"score {score:g}")
    elif group:
        parts.append(group)
    department = quote.get("department")
    if with_department and department:
        parts.append(str(department))
    return ", ".join(parts)


def group_scores(report: Mapping[str, Any]) -> dict[str, str]:
    """The scores of each NPS group on the run's scale, as a reader writes them: on 0-10
    ``{'promoter': 'scores 9–10', 'passive': 'scores 7–8', 'detractor': 'scores 0–6'}``, on
    five stars ``'score 5'``, ``'score 4'``, ``'scores 1–3'``. Reports without a scale
    (before schema 1.6) were 0-10 unless their config said otherwise; a run that read the
    groups themselves (``run.columns.group``) knows no score, only that the survey grouped them."""
    run = report.get("run") or {}
    scale = run.get("scale") or {}
    by_group = bool((run.get("columns") or {}).get("group"))
    if by_group or not scale and ((run.get("config") or {}).get("input") or {}).get("scale", "nps") != "nps":
        return {"promoter": "the top scores", "passive": "the middle scores", "detractor": "the low scores"}
    low, high = scale.get("minimum", 0), scale.get("maximum", 10)
    promoter_min, detractor_max = scale.get("promoter_min", 9), scale.get("detractor_max", 6)

    def span(a: float, b: float) -> str:
        return f"score {a:g}" if a == b else f"scores {a:g}–{b:g}"

    if scale.get("whole_numbers", True):
        first, last = math.floor(detractor_max) + 1, math.ceil(promoter_min) - 1
        passive = span(first, last) if first <= last else f"scores between {detractor_max:g} and {promoter_min:g}"
        return {"promoter": span(math.ceil(promoter_min), high), "passive": passive,
                "detractor": span(low, math.floor(detractor_max))}
    return {"promoter": span(promoter_min, high), "passive": f"scores above {detractor_max:g} and below {promoter_min:g}",
            "detractor": span(low, detractor_max)}


def whole_percentages(values: Sequence[float]) -> list[int]:
    """Percentages (summing to 100) rounded to whole numbers that still sum to 100: the
    largest remainders round up (43 / 28.5 / 28.5 is 43 / 29 / 28, where rounding each
    gave 43 / 28 / 28, 99 in all)."""
    floors = [math.floor(v) for v in values]
    short = round(sum(values)) - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[: max(short, 0)]:
        floors[i] += 1
    return floors


def nps_breakdown(nps: Mapping[str, Any] | None) -> str:
    """``'45% promoters, 22% passives, 33% detractors'`` from an nps object, in whole
    percentages that add up to 100."""
    if not nps or not is_number(nps.get("pct_promoters")):
        return ""
    pro, pas, det = whole_percentages([float(nps[k]) for k in ("pct_promoters", "pct_passives", "pct_detractors")])
    return f"{pro}% promoters, {pas}% passives, {det}% detractors"


def ranking_kind(ranking: Mapping[str, Any]) -> str:
    """' (key drivers)' after a heading over the drivers ranking, else '': its order is the
    drivers' weights, not the effects shown beside them."""
    return " (key drivers)" if ranking.get("method") == "drivers" else ""


def leading(ranking: Mapping[str, Any], kind: str) -> list[dict]:
    """The ranking list the run chose to lead with (``kind``: improvement/strengths)."""
    drivers = ranking.get("method") == "drivers"
    if kind == "improvement":
        key = "driver_improvement_areas" if drivers else "improvement_areas"
    else:
        key = "driver_strengths" if drivers else "strengths"
    return list(ranking.get(key) or [])
