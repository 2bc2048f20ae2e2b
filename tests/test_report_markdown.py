"""Markdown reports: content of summary.md and departments/<slug>.md, and quote escaping."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from verbatim.report import wording
from verbatim.report.markdown import QUOTE_LINE_BREAK, escape_md, render_department_md, render_summary_md, write_markdown

sys.path.insert(0, str(Path(__file__).parent))
from report_fixture import MD_INJECTION, XSS_IMG, XSS_SCRIPT, make_empty_report, make_report  # noqa: E402

SCHEMA = Path(__file__).resolve().parents[1] / "src" / "verbatim" / "schema" / "report.schema.json"
WORD_JOINER = "\u2060"
MD = MarkdownIt("commonmark")  # raw HTML enabled: an unescaped tag would come through


def _visible_text(markdown: str) -> str:
    """What a reader sees once the Markdown is rendered: tags stripped, entities decoded."""
    rendered = MD.render(markdown)
    # The word joiner that breaks bare URLs is invisible: drop it before comparing.
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered)).replace(WORD_JOINER, "")
    return " ".join(text.split())


@pytest.fixture(scope="module")
def report() -> dict:
    return make_report()


def _department(report: dict, name: str) -> dict:
    return next(d for d in report["departments"] if d["name"] == name)


def test_report_markdown_fixture_is_schema_valid(report):
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(report)


def test_report_markdown_department_names_top_two_issues_and_quotes(report):
    for department in report["departments"]:
        if department["too_small"]:
            continue
        page = render_department_md(report, department)
        seen = _visible_text(page)
        issues = department["ranking"]["improvement_areas"][:2]
        assert len(issues) == 2
        for rank, issue in enumerate(issues, start=1):
            label = wording.theme_name(issue["label"], issue["side"])
            assert f"{rank}. {label}" in seen, f"{department['name']}: issue {label!r} missing"
            assert wording.impact_phrase(issue["impact"], issue["ci_low"], issue["ci_high"]) in seen
            assert wording.mention_phrase(issue["share"], issue["n_mentions"], "your respondents") in seen
            for quote in issue["quotes"][:3]:
                assert " ".join(quote["text"].split()) in seen, f"quote {quote['response_id']} missing"
        assert "What customers praise you for" in page
        assert "What your passives talk about" in page


def test_report_markdown_department_wording_avoids_statistics_jargon(report):
    page = render_department_md(report, _department(report, "Delivery")).lower()
    assert "costs about 18.4 nps points (between 13.1 and 23.9)" in page
    assert "very likely a top-2 issue (98% of resamples)" in page
    assert "clearly beyond noise" in page
    assert "confidence intervals" in page  # the ranges are explained
    assert page.count("ranges in brackets are") == 1  # ... once
    for jargon in ("p-value", "q-value", "p_value", "significant", "bootstrap"):
        assert jargon not in page


def test_report_markdown_department_compares_with_company(report):
    page = render_department_md(report, _department(report, "Delivery"))
    assert "Your NPS is **-4.1 (likely between -11.0 and +2.6)**" in page
    assert "+12.5 (likely between +9.3 and +15.6)" in page
    assert "16.6 points below the company" in page
    # A gap the department's own range spans is no fact (from the departments hunt: a store
    # of one respondent at +100 was "65.9 points above the company").
    from verbatim.report import wording as w

    assert w.nps_difference(100.0, 34.1, ci_low=-48.5, ci_high=100.0) == (
        "65.9 points above the company, within the noise of so few responses")
    assert w.nps_difference(-4.1, 12.5, ci_low=-11.0, ci_high=2.6) == "16.6 points below the company"


def test_report_markdown_summary_shows_no_respondent_count_for_a_routed_department(report):
    """"Scored respondents 0" for a department known from the routing file only, whose pages
    rank the themes routed to it (from the departments hunt); the HTML table shows "—"."""
    from verbatim.report.markdown import render_summary_md

    routed = {**_department(report, "Delivery"), "name": "R&D", "slug": "r-d", "source": "routing", "nps": None}
    report = {**report, "departments": [*report["departments"], routed]}
    row = next(line for line in render_summary_md(report).splitlines() if line.startswith("| [R\\&D]"))
    assert row.split("|")[2].strip() == "—"


def test_report_markdown_too_small_department_warns(report):
    small = _department(report, "Billing & Payments")
    page = render_department_md(report, small)
    assert "**Warning.** Small sample" in page
    assert "only 24 scored respondents" in page
    assert "### 1." not in page  # nothing ranked on 24 respondents
    healthy = render_department_md(report, _department(report, "Delivery"))
    assert "Small sample" not in healthy


def test_report_markdown_quote_injection_is_neutralised(report):
    pages = [render_summary_md(report)] + [render_department_md(report, d) for d in report["departments"]]
    for page in pages:
        rendered = MD.render(page)
        assert rendered.count("<h1>") == 1
        assert "URGENT</h" not in rendered
        for tag in ("<img", "<script", "<svg", "<b>", "<table"):
            assert tag not in rendered, f"injected {tag} came through"
        hrefs = re.findall(r'href="([^"]*)"', rendered)
        assert all(h.startswith("departments/") for h in hrefs), hrefs
        assert "http://" not in page  # a bare URL would be autolinked by GFM
    seen = _visible_text(render_department_md(report, _department(report, "Delivery")))
    for payload in (MD_INJECTION, XSS_SCRIPT):
        assert " ".join(payload.split()) in seen  # shown literally, as text


def test_report_markdown_summary_table_has_every_department(report):
    summary = render_summary_md(report)
    rows = [line for line in summary.splitlines() if line.startswith("| [")]
    assert len(rows) == len(report["departments"])
    for department, row in zip(report["departments"], rows):
        assert f"(departments/{department['slug']}.md)" in row
        assert wording.fmt_points(department["nps"]["nps"]) in row
    assert "too few responses" in rows[-1]
    assert "Late delivery" in rows[0]


def test_report_markdown_summary_headline_counts_and_top_issues(report):
    summary = render_summary_md(report)
    assert "**NPS +12.5 (likely between +9.3 and +15.6)** from 1,200 scored respondents" in summary
    for label, value in (("Respondents (usable rows)", "1,260"), ("Rows rejected", "40"), ("without a usable comment", "90")):
        assert re.search(rf"\| [^|]*{re.escape(label)}[^|]* \| {re.escape(value)}\b", summary), label
    seen = _visible_text(summary)
    assert "1. Late delivery" in seen and "2. Long wait on the phone" in seen
    assert "costs about 6.1 NPS points (between 4.2 and 8.0)" in seen
    assert "very likely a top-2 issue (91% of resamples)" in seen
    assert " ".join(XSS_IMG.split()) in seen
    assert "Fast delivery" in seen.split("Top strengths")[1]
    assert "Good value for money" in seen.split("What passives talk about")[1]


def test_report_markdown_interval_across_zero_says_direction_uncertain():
    assert wording.impact_phrase(-1.2, -2.9, 0.5) == "costs about 1.2 NPS points (somewhere between costing 2.9 and adding 0.5)"
    assert wording.impact_phrase(4.1, 2.4, 5.9) == "adds about 4.1 NPS points (between 2.4 and 5.9)"
    assert wording.stability_phrase(0.3) == "unlikely to be a top-2 issue (30% of resamples)"
    assert wording.stability_phrase(None).startswith("not enough data")


def test_report_markdown_write_creates_summary_and_department_files(report, tmp_path):
    paths = write_markdown(report, tmp_path / "out")
    expected = {tmp_path / "out" / "summary.md"} | {tmp_path / "out" / "departments" / f"{d['slug']}.md" for d in report["departments"]}
    assert set(paths) == expected
    assert all(p.read_text("utf-8").startswith("# ") for p in paths)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=80))
def test_report_markdown_escape_renders_text_literally(text):
    flat = " ".join(text.replace(WORD_JOINER, "").split())  # the escape adds invisible word joiners
    if not flat:
        return
    rendered = MD.render(f"> “{escape_md(text)}”")
    assert rendered.startswith("<blockquote>\n<p>") and rendered.count("<p>") == 1
    inner = rendered[len("<blockquote>\n<p>") : -len("</p>\n</blockquote>\n")]
    assert "<" not in inner.replace("&lt;", "")  # no element of any kind
    assert " ".join(html.unescape(inner).replace(WORD_JOINER, "").split()) == f"“{flat}”"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")) | st.sampled_from("\n\r\u2028"),
               min_size=1, max_size=80))
def test_report_markdown_quote_shows_line_breaks_on_one_line(text):
    # A line break inside a comment (a title over its review) is shown as " / ", still one paragraph.
    lines = (" ".join(line.split()) for line in text.replace(WORD_JOINER, "").splitlines())
    expected = QUOTE_LINE_BREAK.join(line for line in lines if line)
    if not expected:
        return
    rendered = MD.render(f"> “{escape_md(text, line_break=QUOTE_LINE_BREAK)}”")
    assert rendered.startswith("<blockquote>\n<p>") and rendered.count("<p>") == 1 and "<br" not in rendered
    inner = rendered[len("<blockquote>\n<p>") : -len("</p>\n</blockquote>\n")]
    assert " ".join(html.unescape(inner).replace(WORD_JOINER, "").split()) == " ".join(f"“{expected}”".split())
    assert escape_md("Disappointed\n\nThis dress", line_break=QUOTE_LINE_BREAK) == "Disappointed / This dress"


def test_report_markdown_handles_a_survey_without_results():
    report = make_empty_report()
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(report)
    summary = render_summary_md(report)
    assert "**NPS n/a**" in summary and "()" not in summary  # no breakdown of no score
    assert "No theme clearly costs points" in summary
    assert "## Departments" not in summary


def test_report_markdown_lists_new_themes_with_quotes():
    report = make_report()
    assert "## New themes in this wave" not in render_summary_md(report)
    theme = report["themes"][-1]
    theme["new"] = True
    theme["quotes"] = [{**theme["quotes"][0], "text": "Stop e-mailing me three times a day"}] if theme["quotes"] else [
        {"text": "Stop e-mailing me three times a day", "response_id": "r1", "score": 2, "department": None}]
    summary = render_summary_md(report)
    section = summary.split("## New themes in this wave", 1)[1].split("\n## ", 1)[0]
    assert escape_md(theme["label"]) in section and "Stop e-mailing me three times a day" in section


def test_report_markdown_does_not_claim_causes(report):
    """The NPS of those who did not mention a theme is what the theme goes with, not what
    the NPS "would be without the problem"; an interval is not where a rerun "would land"."""
    page = render_summary_md(report)
    assert "Without this problem" not in page and "would land inside" not in page
    if any(e.get("nps_without") is not None for e in report["overall"]["improvement_areas"]):
        assert "**Customers who did not mention it** give an NPS of about" in page
    assert "not a promise of what fixing it would bring" in page


def test_report_markdown_counts_respondents_in_the_singular_too():
    from verbatim.report import wording as w

    assert w.scored_respondents(1) == "1 scored respondent"
    assert w.scored_respondents(2280) == "2,280 scored respondents"
    assert w.respondents(1) == "1 respondent" and w.respondents(12000) == "12,000 respondents"
    assert "only 1 scored respondent." in w.small_sample_warning("Trend", 1)


def test_report_markdown_breakdown_adds_up_to_100():
    """28.5 / 28.5 / 43.0 printed 28 / 28 / 43 (99 %)."""
    from verbatim.report import wording as w

    assert w.whole_percentages([43.0, 28.5, 28.5]) == [43, 29, 28]
    assert w.whole_percentages([33.3, 33.3, 33.4]) == [33, 33, 34]
    assert w.nps_breakdown({"pct_promoters": 42.6, "pct_passives": 28.7, "pct_detractors": 28.7}) == \
        "42% promoters, 29% passives, 29% detractors"


def test_report_markdown_groups_read_on_the_runs_scale(report):
    # The scale is in report.json: on five stars a 5 is a promoter and passives score 4.
    nps = {"name": "nps", "minimum": 0.0, "maximum": 10.0, "promoter_min": 9.0, "detractor_max": 6.0, "whole_numbers": True}
    stars = {**nps, "name": "5", "minimum": 1.0, "maximum": 5.0, "promoter_min": 5.0, "detractor_max": 3.0}
    percent = {**nps, "name": "custom", "maximum": 100.0, "promoter_min": 90.0, "detractor_max": 60.0, "whole_numbers": False}
    assert wording.group_scores({"run": {"scale": nps}}) == {
        "promoter": "scores 9–10", "passive": "scores 7–8", "detractor": "scores 0–6"}
    assert wording.group_scores({"run": {"scale": stars}}) == {
        "promoter": "score 5", "passive": "score 4", "detractor": "scores 1–3"}
    assert wording.group_scores({"run": {"scale": percent}})["passive"] == "scores above 60 and below 90"
    # A report written before the scale was recorded: 0-10 unless its config names another.
    assert wording.group_scores({"run": {}})["passive"] == "scores 7–8"
    assert wording.group_scores({"run": {"config": {"input": {"scale": "5"}}}})["passive"] == "the middle scores"
    # An export of the groups alone: the survey's scores are not known, nor where it drew the lines.
    assert wording.group_scores({"run": {"scale": nps, "columns": {"score": None, "group": "NPS Category"}}}) == {
        "promoter": "the top scores", "passive": "the middle scores", "detractor": "the low scores"}

    starred = json.loads(json.dumps(report))
    starred["run"]["scale"] = stars
    for theme in starred["themes"]:
        for quote in theme["quotes"]:
            quote["score"], quote["nps_group"] = 5.0, "promoter"
    page = render_summary_md(starred)
    assert "promoters (score 5) minus the percentage of detractors (scores 1–3)" in page
    assert "9–10" not in page and "7–8" not in page
    assert wording.quote_attribution({"score": 5.0, "nps_group": "promoter", "department": "App"}) == "score 5 (promoter), App"
    assert wording.quote_attribution({"score": 5.0}) == "score 5"  # no group recorded: none guessed
    # An export of the NPS group alone: the group, no score.
    assert wording.quote_attribution({"score": None, "nps_group": "detractor", "department": "App"}) == "detractor, App"


def test_report_markdown_says_when_no_ranked_issue_is_beyond_noise(report):
    # A department head reads "1. comfortable bra" as a finding unless told first that
    # chance could explain every ranked issue.
    department = next(d for d in report["departments"] if not d["too_small"])
    assert any(e["significant"] for e in department["ranking"]["improvement_areas"][:2])
    note = "None of these is clearly beyond noise"
    assert note not in render_department_md(report, department)
    unsure = json.loads(json.dumps(department))
    for entry in unsure["ranking"]["improvement_areas"]:
        entry["significant"] = False
    assert note in _visible_text(render_department_md(report, unsure))
    overall = json.loads(json.dumps(report))
    for entry in overall["overall"]["improvement_areas"]:
        entry["significant"] = False
    assert note in _visible_text(render_summary_md(overall)) and note not in render_summary_md(report)


def test_report_markdown_department_table_marks_a_top_issue_that_could_be_chance(report):
    unsure = json.loads(json.dumps(report))
    department = next(d for d in unsure["departments"] if not d["too_small"])
    department["ranking"]["improvement_areas"][0]["significant"] = False
    row = next(line for line in render_summary_md(unsure).splitlines() if f"departments/{department['slug']}.md)" in line)
    assert row.endswith("could still be chance) |")
    sure = next(line for line in render_summary_md(report).splitlines() if f"departments/{department['slug']}.md)" in line)
    assert "could still be chance" not in sure


def test_report_quote_segment_spans_follow_the_segments_in_order():
    from verbatim.report.build import segment_spans

    text = "Love the colour, but the zip  broke\nafter a week. [NAME] was kind"
    assert segment_spans(text, ["Love the colour,", "the zip broke after a week.", "[NAME] was kind"]) == [
        [0, 16], [21, 49], [50, 65]]  # any white space between words
    again = "Within a week the zip broke. I got a new one but the zip broke"
    assert segment_spans(again, ["Within a week the zip broke.", "I got a new one", "the zip broke"]) == [
        [0, 28], [29, 44], [49, 62]]  # the second "the zip broke", after the segment before it
    assert segment_spans("Bigger items arrived late", ["items arrived late"]) == [[7, 25]]
    assert segment_spans("Sizeitems arrived late", ["items arrived late"]) == [None]  # whole words only
    assert segment_spans(text, ["the zip broke after two weeks.", ""]) == [None, None]


@pytest.mark.parametrize("text, span, bold", [
    ("Love the colour, but the zip broke after a week.", [21, 48], "the zip broke after a week."),
    ("Fast delivery, but the app *crashes*.", [0, 13], "Fast delivery"),
    ("Runs small.\n(the 0 fit me everywhere else)", [12, 42], "(the 0 fit me everywhere else)"),
    ("Disappointed\nThis dress runs small. Great colour", [0, 35], "Disappointed / This dress runs small."),
    # Punctuation that touches a letter outside stays outside the bold, which would not show.
    ("Love it.The fit is perfect", [0, 8], "Love it"),
    ("Great price!!(and fast) delivery", [13, 23], "(and fast)"),  # punctuation both sides: shown
    # A private-use character in the text keeps the offsets (it is shown as U+FFFD).
    ("Odd \ue000 sign. Zip broke.", [12, 22], "Zip broke."),
])
def test_report_markdown_quote_shows_its_highlight_in_bold(text, span, bold):
    from verbatim.report.markdown import quote_markdown

    rendered = MD.render(f"> “{quote_markdown({'text': text, 'highlight': span})}”")
    strong = re.findall(r"<strong>(.*?)</strong>", rendered)
    assert [html.unescape(s) for s in strong] == [bold]
    shown = text.replace("\ue000", "\ufffd")
    flat = QUOTE_LINE_BREAK.join(" ".join(line.split()) for line in shown.splitlines())
    assert " ".join(html.unescape(re.sub(r"<[^>]+>", "", rendered)).split()) == " ".join(f"“{flat}”".split())
    # A highlight that does not fit the text (a hand-edited report.json) is left out.
    assert "**" not in quote_markdown({"text": text, "highlight": [5, 500]})
    assert "**" not in quote_markdown({"text": text, "highlight": None})


def test_report_quotes_say_different_things():
    # Three quotes of one theme should not read "sadly i had to return it", "sadly i had to
    # return this", ...; the alike come back only when nothing else is left.
    from verbatim.report.build import pick_distinct_quotes

    def candidates(*texts):
        return [({"text": t, "response_id": f"R{i}"}, t) for i, t in enumerate(texts)]

    chosen = pick_distinct_quotes(candidates("sadly i had to return it", "sadly i had to return this",
                                             "Sadly I had to return it!", "the fabric itched", "too small"), 3)
    assert [q["text"] for q in chosen] == ["sadly i had to return it", "the fabric itched", "too small"]
    chosen = pick_distinct_quotes(candidates("sadly i had to return it", "sadly i had to return this", "too small"), 3)
    assert [q["text"] for q in chosen] == ["sadly i had to return it", "sadly i had to return this", "too small"]
    one_response = [({"text": "long wait", "response_id": "R1"}, "long wait"), ({"text": "rude", "response_id": "R1"}, "rude")]
    assert [q["text"] for q in pick_distinct_quotes(one_response, 3)] == ["long wait"]


def test_report_markdown_lists_general_reactions_apart_from_the_rankings(report):
    """A theme of pure reaction ("really disappointed") is listed with its effect under its own
    heading, after the ranked issues and strengths, never among them; no such theme, no heading."""
    from report_fixture import with_general_reaction

    assert "General reactions" not in render_summary_md(report)
    assert "General reactions" not in render_department_md(report, report["departments"][0])
    general = with_general_reaction(report)
    jsonschema.validate(general, json.loads(SCHEMA.read_text()))
    for page in (render_summary_md(general), render_department_md(general, general["departments"][0])):
        ranked, rest = page.split(f"## {wording.GENERAL_HEADING}")
        section = rest.split("\n## ")[0]
        assert "really disappointed" not in ranked and "**really disappointed**: costs about" in section
        assert wording.GENERAL_INTRO in section and "> “" in section  # with a quote


def test_report_markdown_drivers_ranking_says_when_an_issue_adds_points_on_its_own(report):
    """method = "drivers": an issue is picked by its sign with every theme fitted together, but
    its effect line is its own impact, which can add points (a theme mentioned mostly beside
    strong praise). It read "your top issue ... adds 6.5 NPS points, clearly beyond noise" and
    "not enough data to say whether it is a top-2 issue", where no stability is computed."""
    drivers = json.loads(json.dumps(report))
    department = next(d for d in drivers["departments"] if not d["too_small"])
    ranking = department["ranking"]
    ranking["method"] = "drivers"
    first, second = (json.loads(json.dumps(e)) for e in ranking["improvement_areas"][:2])
    first.update(impact=6.5, ci_low=4.9, ci_high=7.7, rank_stability=None, driver_weight=-0.0123)
    second.update(rank_stability=None, driver_weight=-0.004)
    ranking["driver_improvement_areas"] = [first, second]
    page = _visible_text(render_department_md(drivers, department))
    assert "On its own it goes with higher scores; the drivers model ranks it an issue only once" in page
    assert page.count("On its own it goes with") == 1  # the second issue costs points on its own too
    assert "not computed for the drivers ranking (relative weight -0.012)" in page
    assert "not enough data to say whether" not in page


def test_report_markdown_weighted_nps_is_shown_beside_the_unweighted_one(report):
    """With --weight the reports showed only unweighted figures, with no word of it: the
    weighted NPS and its interval were in report.json alone."""
    assert "Weighted" not in render_summary_md(report)
    weighted = json.loads(json.dumps(report))
    weighted["run"]["columns"]["weight"] = "revenue"
    weighted["nps"].update(weighted_nps=31.4, weighted_ci_low=18.2, weighted_ci_high=44.0, n_effective=212.6)
    sentence = ("Weighted by 'revenue', the NPS is +31.4 (likely between +18.2 and +44.0), as much information "
                "as 213 equally weighted respondents. Every other figure here counts each respondent once.")
    assert sentence in _visible_text(render_summary_md(weighted))
    department = next(d for d in weighted["departments"] if not d["too_small"])
    department["nps"].update(weighted_nps=-3.0, weighted_ci_low=-20.0, weighted_ci_high=14.0, n_effective=80.0)
    assert "Weighted by 'revenue', the NPS is -3.0" in _visible_text(render_department_md(weighted, department))
    # Without a weight column every weight is 1: no weighted figure is claimed (74c1413 said
    # "Weighted, the NPS is ..." on every run).
    weighted["run"]["columns"]["weight"] = None
    assert "Weighted" not in render_summary_md(weighted) and "Weighted" not in render_department_md(weighted, department)
    # A weight column whose weights are all equal: report.json has no weighted interval, and the
    # weighted NPS is the NPS.
    weighted["run"]["columns"]["weight"] = "revenue"
    for key in ("weighted_ci_low", "weighted_ci_high", "n_effective"):
        del weighted["nps"][key]
    assert "Weighted" not in render_summary_md(weighted)
    weighted["nps"].update(weighted_ci_low=18.2, weighted_ci_high=44.0, n_effective=212.6)
    weighted["run"]["columns"]["weight"] = "<b>rev_*enue*</b>"  # a column name from the data, escaped
    assert "<b>" not in render_summary_md(weighted) and "*enue*" not in render_summary_md(weighted)


def test_report_markdown_names_the_theme_a_top_issue_is_tied_with(report):
    tied = json.loads(json.dumps(report))
    second = tied["overall"]["improvement_areas"][1]
    second["tied_with"] = {"theme_id": 3, "side": "all", "label": "Damaged parcel or item"}
    page = _visible_text(render_summary_md(tied))
    assert "the data cannot tell it apart from “Damaged parcel or item”, ranked 3rd" in page
    assert "cannot tell it apart" not in _visible_text(render_summary_md(report))
    second["tied_with"]["label"] = MD_INJECTION  # a label from the data is escaped there too
    assert "](http://evil" not in render_summary_md(tied) and "<b>" not in render_summary_md(tied)


def test_report_department_slugs_are_unique_short_and_distinct_for_non_latin_names():
    """'R&D' and 'R-D' shared r-d.md (one page written over the other), every Chinese name
    was 'department', and a 300-character name failed the run: File name too long."""
    from verbatim.report.build import SLUG_MAX, unique_slugs

    long_name = "Regional operations and logistics " * 9
    slugs = unique_slugs(["R&D", "R-D", "客服", "销售", long_name, "R&D!"])
    assert slugs[:2] == ["r-d", "r-d-2"] and slugs[5] == "r-d-3"
    assert slugs[2] != slugs[3] and all(s.startswith("department-") for s in slugs[2:4])
    assert len(slugs[4]) <= SLUG_MAX and not slugs[4].endswith("-")
    assert len(set(slugs)) == len(slugs) and all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", s) for s in slugs)
    assert unique_slugs(["客服"]) == unique_slugs(["客服"])  # the same page name at every run
    # Windows reserves CON, AUX, COM1, ... whatever the extension (from the departments hunt).
    assert unique_slugs(["CON", "aux", "Com1", "Console"]) == ["department-con", "department-aux", "department-com1",
                                                                "console"]


def test_response_sentiment_follows_the_segments_labels_not_vaders_score():
    """A response's sentiment in assignments.csv and the HTML filter was the mean VADER
    compound score, blind to the polarity learnt from the scores: 55 of 110 one-star
    clothing reviews read "positive". It is now the sign of its segments' labels."""
    import pandas as pd

    from verbatim.report.write import response_sentiment

    segments = pd.DataFrame({
        "response_id": ["a", "a", "b", "b", "c", "d"],
        "sentiment": ["negative", "negative", "positive", "negative", "neutral", "positive"],
        "compound": [0.6, 0.4, 0.5, -0.2, 0.0, -0.3],  # what VADER read: a positive, b positive, d negative
    })
    assert response_sentiment(segments).to_dict() == {"a": "negative", "b": "neutral", "c": "neutral", "d": "positive"}


def test_markdown_says_what_the_effect_of_a_theme_most_mention_is_measured_against():
    """An analyst read "Beautiful dress: adds 23.2 points" (78 % of Dresses) as the dress's
    worth; it is measured against the 22 % who did not mention it, which the line now says."""
    from verbatim.report import wording as w

    assert w.mention_phrase(0.78, 66, "your respondents") == (
        "78% of your respondents (66), most of them: its effect is measured against the 22% who do not mention it")
    assert w.mention_phrase(0.3, 40) == "30% of respondents (40)"
    assert w.mention_phrase(0.5, 20) == "50% of respondents (20)"  # half is not "most"


def test_markdown_a_department_where_no_theme_could_be_tested_says_so():
    """A theme needs 20 respondents who mention it and 20 who do not: a department of 30-39
    scored respondents passes the size threshold but can test none, and its page said "no
    theme clearly costs you points", the summary "none stands out"."""
    from verbatim.report.html import render_html

    report = make_report()
    department = next(d for d in report["departments"] if d.get("source") == "column")
    department["ranking"]["improvement_areas"] = []
    department["ranking"]["driver_improvement_areas"] = []
    for row in report["impact"]:
        if row["group"] == department["name"]:
            row.update(too_small=True, impact=None, ci_low=None, ci_high=None, significant=False)
    page = render_department_md(report, department)
    assert ("No issue is ranked here: there are too few responses to test any theme (each needs 20 respondents "
            "who mention it and 20 who do not).") in page
    assert "⚠ too few responses to test a theme" in render_summary_md(report)
    assert "Too few responses to test a theme" in render_html(report, [])


def test_markdown_and_html_name_the_drivers_ranking_in_their_headings():
    """Under impact.method = "drivers" the issues are in the drivers' order, not their
    effects' ("Wrong jeans", -5.3, above an omitted -8.8): the heading says which ranking it is."""
    from verbatim.report.html import render_html

    report = make_report()
    assert "## Top 2 improvement areas\n" in render_summary_md(report)
    report["overall"]["method"] = "drivers"
    department = report["departments"][0]
    department["ranking"]["method"] = "drivers"
    assert "## Top 2 improvement areas (key drivers)" in render_summary_md(report)
    assert "## Your top 2 issues (key drivers)" in render_department_md(report, department)
    assert "<h2>Top 2 improvement areas (key drivers)</h2>" in render_html(report, [])
