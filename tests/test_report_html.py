"""The self-contained report.html: static checks, then a real headless Chromium (slow)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from verbatim.report.html import CSP, drilldown_payload, impact_chart, render_html, write_html
from verbatim.report import wording as w

sys.path.insert(0, str(Path(__file__).parent))
from report_fixture import XSS_IMG, XSS_PAYLOADS, XSS_SCRIPT, XSS_SVG, make_assignments, make_empty_report, make_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the raw text of each script element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def page_html() -> str:
    return render_html(make_report(), make_assignments())


def _tags(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    return parser


def test_report_html_is_self_contained_behind_a_csp(page_html):
    parsed = _tags(page_html)
    metas = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert [m["content"] for m in metas] == [CSP]
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    # The CSP must come before anything it governs.
    assert page_html.index("Content-Security-Policy") < page_html.index("<style>") < page_html.index("<script")
    for tag, attrs in parsed.tags:
        assert tag not in ("link", "iframe", "object", "embed", "img", "base", "frame"), f"<{tag}> in the page"
        for name, value in attrs.items():
            if name in ("src", "href", "action", "xlink:href", "srcset", "poster"):
                assert not re.match(r"\s*[a-z][a-z0-9+.-]*:", value or "", re.I), f"{tag} {name}={value!r} leaves the page"
            assert not name.startswith("on"), f"inline handler {name} on <{tag}>"
    assert "@import" not in page_html and "url(" not in page_html


def test_report_html_payloads_never_reach_markup(page_html):
    for payload in XSS_PAYLOADS:
        assert payload not in page_html
    parsed = _tags(page_html)
    assert [t for t, _ in parsed.tags].count("script") == 2  # the data block and the drill-down
    assert not any(t == "svg" and "onload" in a for t, a in parsed.tags)


def test_report_html_json_block_escapes_and_round_trips(page_html):
    parsed = _tags(page_html)
    block = next(s for (t, a), s in zip([x for x in parsed.tags if x[0] == "script"], parsed.scripts) if a.get("type") == "application/json")
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in block
    data = json.loads(block)
    assignments = make_assignments()
    assert data == json.loads(json.dumps(drilldown_payload(make_report(), assignments)))
    assert [r["text"] for r in data["rows"]] == [r["text"] for r in assignments]  # hostile texts intact


def test_report_html_charts_have_a_mark_per_theme(page_html):
    report = make_report()
    measured = [r for r in report["impact"] if r["group"] == "__all__" and r["impact"] is not None]
    # Theme 4 is split into complaint/praise sides; every other theme has one row.
    assert page_html.count('class="imp-row') == len(measured) == 10
    assert page_html.count('class="sc-point"') == 10
    departments = [d for d in report["departments"] if d["source"] == "column"]
    columns = 9  # the 10 rows minus "Other"
    assert page_html.count("<g class=\"hm-cell") == (1 + len(departments)) * columns
    assert 'aria-labelledby="impact-title impact-desc"' in page_html


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (Debian chromium + chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: .venv/bin/pip install playwright (never `playwright install`)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _expected(rows, theme=None, department=None, sentiment=None, group=None):
    return [
        r["response_id"] for r in rows
        if (theme is None or theme in r["themes"]) and (department is None or r["department"] == department)
        and (sentiment is None or r["sentiment"] == sentiment) and (group is None or r["nps_group"] == group)
    ]  # fmt: skip


def open_recorded(browser, url: str, *, width: int = 1280, height: int = 900):
    """Open ``url`` in a new page that records console errors/warnings and every request."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    return page, errors, requests


def _listed(page) -> list[str]:
    return page.eval_on_selector_all("#dd-list > li", "els => els.map(e => e.dataset.responseId)")


@pytest.mark.slow
def test_report_html_names_the_group_of_a_response_without_a_score(browser, tmp_path):
    """An export of the NPS group alone has no score: the drill-down shows the group, not "No score"."""
    assignments = make_assignments()
    assignments[0] = {**assignments[0], "score": None}
    page, errors, _ = open_recorded(browser, write_html(make_report(), assignments, tmp_path / "g.html").resolve().as_uri())
    chips = page.locator(f'#dd-list > li[data-response-id="{assignments[0]["response_id"]}"] .vb-meta .chip')
    assert chips.first.inner_text() == assignments[0]["nps_group"] != ""
    page.select_option("#dd-group", "none")  # the respondents without a score nor a group
    assert page.locator("#dd-list > li .vb-meta .chip").first.inner_text() == "No score"
    assert not errors


@pytest.mark.slow
def test_report_html_works_in_chromium_without_network_or_injection(browser, tmp_path):
    assignments = make_assignments()
    path = write_html(make_report(), assignments, tmp_path / "report.html")
    url = path.resolve().as_uri()
    page, errors, requests = open_recorded(browser, url)

    # Charts rendered, with visible marks.
    for chart, mark, minimum in (("#impact-svg", ".imp-row circle.point", 10), ("#scatter-svg", "circle.point", 10),
                                 ("#heatmap-svg", "rect.cell", 36)):  # fmt: skip
        box = page.locator(chart).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150, f"{chart} has no size: {box}"
        marks = page.locator(f"{chart} {mark}")
        assert marks.count() >= minimum
        first = marks.first.bounding_box()
        assert first and first["width"] > 0 and first["height"] > 0
    assert page.locator("#headline-nps").inner_text() == "+12.5"

    # Drill-down: each filter narrows the list to exactly the matching rows.
    assert len(_listed(page)) == 100 and page.locator("#dd-more").is_visible()
    steps = [("#dd-theme", "0", {"theme": 0}), ("#dd-department", "Delivery", {"department": "Delivery"}),
             ("#dd-sentiment", "negative", {"sentiment": "negative"}), ("#dd-group", "detractor", {"group": "detractor"})]  # fmt: skip
    chosen: dict = {}
    counts = []
    for selector, value, condition in steps:
        page.select_option(selector, value)
        chosen.update(condition)
        expected = _expected(assignments, **chosen)
        assert _listed(page) == expected, f"after {chosen}"
        assert page.locator("#dd-count").get_attribute("data-matching") == str(len(expected))
        counts.append(len(expected))
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1] > 0, counts
    assert "H001" in _listed(page) and XSS_SCRIPT in page.locator("#dd-list").inner_text()

    # Clicking a chart row opens that theme's comments.
    page.locator('#impact-svg .imp-row[data-theme="7"]').click()
    assert page.locator("#dd-theme").input_value() == "7"
    assert _listed(page) == _expected(assignments, theme=7)
    listed_text = page.locator("#dd-list").inner_text()
    for payload in XSS_PAYLOADS:  # the label chip carries the svg payload, row H005 the others
        assert payload in listed_text
    page.fill("#dd-search", "xss")
    assert _listed(page) == [r["response_id"] for r in assignments if 7 in r["themes"] and "xss" in r["text"].lower()]

    # No payload ran, none became an element, and it all shows as text.
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img").count() == 0 and page.locator("svg[onload]").count() == 0
    assert page.locator("script").count() == 2
    cards = page.locator("#top-issues").inner_text()
    assert XSS_SCRIPT in cards and XSS_IMG in cards and XSS_SVG in cards

    assert errors == [], f"console errors: {errors}"
    assert requests == [url], f"network requests besides the file: {requests}"

    page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "report-html.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("VERBATIM_SAVE_SCREENSHOT"):
        target = ROOT / "docs" / "img" / "report-html.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        # The README shows the top of the page: headline, top issues and the impact chart.
        page.locator("#dd-theme").select_option("")
        page.screenshot(path=str(tmp_path / "top.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 1900}, full_page=True)
        shutil.copyfile(tmp_path / "top.png", target)
    page.close()


@pytest.mark.slow
def test_report_html_quotes_keep_the_customers_line_breaks(browser, tmp_path):
    # A title over its review ("--text Title --text Review") reads as two lines, not as
    # "Disappointed This dress ...".
    report = make_report()
    card = w.leading(report["overall"], "improvement")[0]
    card["quotes"][0].update(text="Disappointed\nThis dress runs small.", highlight=[13, 35])
    page, errors, _ = open_recorded(browser, write_html(report, make_assignments(), tmp_path / "r.html").resolve().as_uri())
    first = page.locator("#top-issues .quote p").first
    assert first.inner_text() == "Disappointed\nThis dress runs small."
    # The segment the theme was found in is marked, on a background of its own.
    mark = first.locator("mark")
    assert mark.inner_text() == "This dress runs small."
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") != first.evaluate(
        "p => getComputedStyle(p.parentElement).backgroundColor")
    box = first.bounding_box()
    assert box and box["height"] > 1.5 * float(first.evaluate("p => parseFloat(getComputedStyle(p).lineHeight)"))
    page.close()
    assert errors == []


def test_report_html_quote_marks_its_highlight_and_escapes_it():
    report = make_report()
    card = w.leading(report["overall"], "improvement")[0]
    text = "Love the colour, but the zip <b>broke</b> after a week. & more"
    card["quotes"][0].update(text=text, highlight=[21, 55])
    card["quotes"][1].update(text=text, highlight=[40, 400])  # does not fit: no mark
    page = render_html(report, make_assignments())
    assert page.count("<mark>") == 1
    assert ("<p dir=\"auto\">Love the colour, but <mark>the zip &lt;b&gt;broke&lt;/b&gt; after a week.</mark> &amp; more</p>"
            in page)


def test_report_html_handles_a_survey_without_results():
    page = render_html(make_empty_report(), [])
    assert 'id="headline-nps" class="kpi-value">n/a<' in page
    assert "No theme had enough mentions" in page and "No department breakdown" in page
    assert '"rows":[]' in page


def test_report_html_shows_new_themes_only_when_a_reused_model_added_some():
    report = make_report()
    assert 'id="new-themes"' not in render_html(report, make_assignments())
    report["themes"][0]["new"] = True
    report["themes"][0]["label"] = XSS_SCRIPT
    page = render_html(report, make_assignments())
    section = page.split('id="new-themes"', 1)[1].split("</section>", 1)[0]
    assert "New themes in this wave" in page and "&lt;script" in section and "<script" not in section


def test_report_html_says_when_no_top_issue_is_beyond_noise():
    report = make_report()
    note = "None of these is clearly beyond noise"
    assert note not in render_html(report, make_assignments())
    for entry in report["overall"]["improvement_areas"]:
        entry["significant"] = False
    page = render_html(report, make_assignments())
    assert page.index(note) < page.index('class="card issue"')


def test_report_html_drivers_ranking_says_when_an_issue_adds_points_on_its_own():
    report = make_report()
    overall = report["overall"]
    overall["method"] = "drivers"
    first = dict(overall["improvement_areas"][0], impact=6.5, ci_low=4.9, ci_high=7.7, rank_stability=None,
                 driver_weight=-0.0123)
    overall["driver_improvement_areas"] = [first]
    page = render_html(report, make_assignments())
    assert "On its own it goes with higher scores" in page
    assert "Not computed for the drivers ranking" in page and "Not enough data to say" not in page


def test_report_html_keeps_the_case_of_a_tied_theme_label():
    report = make_report()
    report["overall"]["improvement_areas"][0]["tied_with"] = {"theme_id": 3, "side": "all", "label": "App login on iOS"}
    assert "“App login on iOS”, ranked 3rd" in html.unescape(render_html(report, make_assignments()))


# --- drill-down sample of large surveys ---------------------------------------------------


def test_report_drilldown_sample_keeps_every_group_and_shares_the_rest():
    import numpy as np

    from verbatim.report.drilldown import sample_positions

    groups = ["big"] * 9000 + ["mid"] * 900 + ["rare"] * 7 + ["small"] * 93
    picked = sample_positions(groups, 1000, 20, seed=0)
    assert len(picked) == 1000 and len(set(picked.tolist())) == 1000 and (np.diff(picked) > 0).all()
    kept = {g: sum(groups[i] == g for i in picked) for g in ("big", "mid", "rare", "small")}
    assert kept["rare"] == 7  # fewer than the minimum: all of them
    assert kept["small"] >= 20 and kept["mid"] >= 20 + 80 and kept["big"] > 800  # the rest in proportion
    assert picked.tolist() == sample_positions(groups, 1000, 20, seed=0).tolist()  # seeded
    assert picked.tolist() != sample_positions(groups, 1000, 20, seed=1).tolist()
    assert sample_positions(groups, 20000, 20, seed=0).tolist() == list(range(len(groups)))  # small enough: all
    too_many = sample_positions([f"g{i}" for i in range(500)] * 4, 300, 20, seed=0)  # minimums exceed the size
    assert len(too_many) == 300


def test_report_drilldown_sample_keeps_every_group_when_the_minimums_do_not_fit():
    """When the minimums exceed the sample, it was purely proportional: a department of 12
    comments among 60,000 kept none of 25,000, yet the page said "every department and theme
    represented". Each group now keeps as many as all can."""
    from verbatim.report.drilldown import sample_positions

    groups = [f"g{i}" for i in range(100) for _ in range(50)] + ["tiny"] * 2
    picked = sample_positions(groups, 1000, 20, seed=0)
    kept = {g: 0 for g in set(groups)}
    for i in picked:
        kept[groups[i]] += 1
    assert len(picked) == 1000 and kept["tiny"] == 2 and min(kept.values()) >= 2


def test_report_drilldown_payload_says_whether_a_sample_holds_every_department_and_theme():
    report, rows = make_report(), make_assignments()
    assert drilldown_payload(report, rows)["represented"]
    without_billing = [r for r in rows if r["department"] != "Billing & Payments"]
    assert not drilldown_payload(report, without_billing, total=len(rows))["represented"]
    # A department whose comments were all non-answers mentions no theme: no sample could hold it.
    report["impact"] = [r for r in report["impact"] if r["group"] != "Billing & Payments"]
    assert drilldown_payload(report, without_billing, total=len(rows))["represented"]


def test_report_drilldown_sample_groups_comments_by_their_rarest_theme():
    from verbatim.report.drilldown import ReportSettings
    from verbatim.report.write import drilldown_sample

    rows = [{"department": "Shop", "themes": [1], "text": str(i)} for i in range(3000)]
    rows += [{"department": "Shop", "themes": [1, 9], "text": f"rare {i}"} for i in range(15)]  # theme 9 only ever second
    rows += [{"department": None, "themes": [], "text": f"other {i}"} for i in range(500)]
    shown = drilldown_sample(rows, ReportSettings(html_max_comments=300, html_min_per_group=20))
    assert len(shown) == 300
    assert sum(9 in r["themes"] for r in shown) == 15 and sum(not r["themes"] for r in shown) >= 20
    assert drilldown_sample(rows, ReportSettings(html_max_comments=0)) is rows  # 0: every comment
    with pytest.raises(ValueError):
        ReportSettings(html_max_comments=-1)


@pytest.mark.slow
def test_report_html_chart_clicks_open_exactly_their_comments(browser, tmp_path):
    """From a black-box hunt: a click on a department none of whose comments is embedded
    showed every department's; Reset and chart clicks kept the old "Contains" text; a
    "(complaints)" row opened the theme's praise too."""
    rows = [r for r in make_assignments() if r["department"] != "Billing & Payments"]
    path = write_html(make_report(), rows, tmp_path / "clicks.html", total_comments=len(rows) + 40)
    page, errors, _ = open_recorded(browser, path.resolve().as_uri())
    page.locator('#heatmap-svg .hm-cell[data-department="Billing & Payments"]').first.click()
    assert page.locator("#dd-department").input_value() == "Billing & Payments" and _listed(page) == []
    assert "too small to hold every department and theme" in page.locator("#dd-count").inner_text()
    page.fill("#dd-search", "zzz-nothing")
    page.locator("#dd-reset").click()
    assert page.locator("#dd-search").input_value() == "" and len(_listed(page)) == 100
    page.locator('#impact-svg .imp-row[data-theme="4"][data-side="complaint"]').click()
    complaints = [r["response_id"] for r in rows if 4 in r.get("complaints", [])]
    assert complaints and _listed(page) == complaints[:100]
    assert len(complaints) < len(_expected(rows, theme=4))  # the praise side is left out
    assert "that complain about" in page.locator("#dd-count").inner_text()
    page.select_option("#dd-theme", "4")  # choosing the theme itself: both sides again
    assert _listed(page) == _expected(rows, theme=4)[:100]
    page.close()
    # A page whose rows list no sides (render_html called without them) opens both sides.
    bare = [{k: v for k, v in r.items() if k not in ("complaints", "praise")} for r in rows]
    page, errors2, _ = open_recorded(browser, write_html(make_report(), bare, tmp_path / "b.html").resolve().as_uri())
    page.locator('#impact-svg .imp-row[data-theme="4"][data-side="complaint"]').click()
    assert _listed(page) == _expected(rows, theme=4)[:100] and errors2 == []
    assert page.locator("#dd-list > li .vb-text").first.get_attribute("dir") == "auto"  # Arabic reads right to left
    page.close()
    assert errors == []


@pytest.mark.slow
def test_report_html_comments_of_a_survey_without_departments_carry_no_department_chip(browser, tmp_path):
    rows = [{**r, "department": None} for r in make_assignments()]
    page, errors, _ = open_recorded(browser, write_html(make_report(), rows, tmp_path / "n.html").resolve().as_uri())
    chips = page.locator("#dd-list > li .vb-meta .chip").all_inner_texts()
    assert chips and "No department" not in chips
    page.close()
    assert errors == []


@pytest.mark.slow
def test_report_html_says_when_its_drilldown_is_a_sample(browser, tmp_path):
    assignments = make_assignments()
    path = write_html(make_report(), assignments[:30], tmp_path / "report.html", total_comments=len(assignments) + 500)
    page, errors, _ = open_recorded(browser, path.resolve().as_uri())
    count = page.locator("#dd-count")
    assert count.get_attribute("data-sampled") == "true"
    assert f"a sample of the {len(assignments) + 500} analysed comments" in count.inner_text()
    assert "assignments.csv" in count.inner_text() and len(_listed(page)) == 30
    page.close()
    full = write_html(make_report(), assignments, tmp_path / "full.html")
    page, errors2, _ = open_recorded(browser, full.resolve().as_uri())
    assert page.locator("#dd-count").get_attribute("data-sampled") == "false"
    assert "sample" not in page.locator("#dd-count").inner_text()
    page.close()
    assert errors == [] and errors2 == []


def test_report_html_heatmap_has_every_departments_top_issues(monkeypatch):
    """Columns were the survey's largest effects only: half of the departments' own top-2
    issues had no column (the demo: 6 of 12). A cap of 2 columns makes the fixture's 9
    themes too many to show."""
    from verbatim.report import html as report_html
    from verbatim.report import wording as w

    monkeypatch.setattr(report_html, "MAX_HEATMAP_THEMES", 2)
    report = make_report()
    heads = re.findall(r'<g class="col-head"><title>([^<]*)</title>', report_html.heatmap_chart(report))
    wanted = {w.theme_name(e["label"], e.get("side")) for d in report["departments"]
              for e in w.leading(d["ranking"], "improvement")[: w.top_k(report)]}
    assert len(wanted) > 2 and wanted <= set(heads)


def test_report_html_when_no_theme_moves_the_score():
    """Every response a detractor (a wave from an escalations queue, or 1-5 stars read as
    0-10): every effect is 0, and the heatmap divided by its largest value."""
    report = make_report()
    for row in report["impact"]:
        for key in ("impact", "ci_low", "ci_high"):
            if row.get(key) is not None:
                row[key] = 0.0
    page = render_html(report, make_assignments())
    assert 'class="hm-cell' in page and 'class="cell-value on-dark"' not in page


def test_report_html_impact_chart_draws_the_largest_effects(monkeypatch):
    # 140 themes drew a chart 4,200 px tall; the smallest effects are left out, and said so.
    from verbatim.report import html as report_html

    report = make_report()
    rows = [r for r in report["impact"] if r["group"] == "__all__"]
    assert len(rows) > 4
    assert "not drawn" not in report_html.impact_chart(report)
    monkeypatch.setattr(report_html, "MAX_IMPACT_ROWS", 4)
    svg = report_html.impact_chart(report)
    drawn = [int(t) for t in re.findall(r'<g class="imp-row[^"]*" data-theme="(\d+)"', svg)]
    largest = sorted((r for r in rows if r["impact"] is not None), key=lambda r: -abs(r["impact"]))
    assert sorted(drawn) == sorted(r["theme_id"] for r in largest[:4])
    assert f"{len(largest) - 4} more themes with smaller effects" in svg


def test_report_html_scatter_labels_never_overprint():
    """Nudged up and down only, the labels of the sample's small themes piled into an
    unreadable heap; each now takes a free spot near its dot, or none (its dot keeps the
    tooltip) with a note saying how many went without."""
    from verbatim.report.html import LABEL_CHAR_W, LABEL_H, place_labels, scatter_chart

    crowd = [(100.0 + (i % 4) * 3, 200.0 + (i // 4) * 3, f"theme number {i}") for i in range(24)]
    box = (64.0, 20.0, 816.0, 368.0)
    spots = place_labels(crowd, box)
    assert spots[0] is not None  # the first in priority order always finds a spot here
    assert place_labels([(100.0, 200.0, "alone")], box) == [("start", 110.0, 204.0)]  # right of its dot
    rects = []
    for (px, py, text), spot in zip(crowd, spots):
        if spot is None:
            continue
        anchor, x, baseline = spot
        width = len(text) * LABEL_CHAR_W
        x0 = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        rects.append((x0, baseline - 4 - LABEL_H / 2, x0 + width, baseline - 4 + LABEL_H / 2))
    assert 8 <= len(rects) < len(crowd)
    assert all(box[0] <= a0 and a1 <= box[2] and box[1] <= b0 and b1 <= box[3] for a0, b0, a1, b1 in rects)
    assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                   for i, a in enumerate(rects) for b in rects[i + 1:])
    assert not any(a[0] < px + 7 and px - 7 < a[2] and a[1] < py + 7 and py - 7 < a[3]
                   for a in rects for px, py, _ in crowd)

    report = make_report()
    for row in (r for r in report["impact"] if r["group"] == "__all__"):
        row["nps_with"], row["share"] = -20.0, 0.05  # every dot on one spot
    svg = scatter_chart(report)
    labelled = len(re.findall(r'class="point-label"', svg))
    dots = len(re.findall(r'<circle class="point"', svg))
    assert 1 <= labelled <= dots and ("crowded theme" in svg) == (labelled < dots)
    assert "crowded theme" not in scatter_chart(make_report())


def test_report_html_scatter_stays_inside_the_nps_scale_and_the_plot():
    """Ticks ran to +150 on a small survey, and labels pushed apart ran over the x axis."""
    from verbatim.report.html import scatter_chart

    report = make_report()
    for i, row in enumerate(r for r in report["impact"] if r["group"] == "__all__"):
        row["nps_with"] = -99.0 + 0.1 * i  # every dot at the bottom: their labels must stack upwards
    svg = scatter_chart(report)
    ticks = [float(t.replace("+", "").replace("−", "-")) for t in re.findall(r'class="tick">([+−-]?\d+)<', svg)]
    assert ticks and min(ticks) >= -100 and max(ticks) <= 100
    label_ys = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)" text-anchor="start" class="point-label"', svg)]
    assert len(label_ys) >= 3 and max(label_ys) <= 420 - 52


def test_report_html_lists_general_reactions_in_a_card_of_their_own():
    from report_fixture import with_general_reaction

    assert 'id="general-reactions"' not in render_html(make_report(), make_assignments())
    page = render_html(with_general_reaction(make_report(), XSS_SCRIPT), make_assignments())
    card = page.split('id="general-reactions"', 1)[1].split("</div>", 1)[0]
    assert w.GENERAL_HEADING in card and "&lt;script" in card and "<script" not in card
    assert page.index('class="card issue"') < page.index('id="general-reactions"')
    chart = impact_chart(with_general_reaction(make_report()))
    assert "really disappointed (general)" in chart and "are not ranked as issues or strengths" in chart
    assert "(general)" not in impact_chart(make_report())
    ranked = with_general_reaction(make_report())
    ranked["run"]["config"]["impact"]["rank_general"] = True  # then they are ranked like any theme
    assert "(general)" not in impact_chart(ranked)


def test_report_html_reads_the_effect_as_markdown_does(page_html):
    """The page said "costs 6 points" means "the score would be about 6 points higher without
    it", a promise summary.md explicitly does not make."""
    assert "would be about 6 points higher without it" not in page_html
    assert "not a promise of what fixing it would bring" in page_html


def test_report_html_heatmap_colours_are_scaled_by_the_cells_drawn():
    """The colour scale took every impact row, a too-small department's or a theme outside the
    columns too (24.6 against the 5.5 of the largest cell drawn), leaving every cell pale;
    a run whose comments were all non-answers said "No department breakdown" above its
    department table."""
    import copy

    from verbatim.report.html import heatmap_chart

    report = make_report()
    fills = re.findall(r'<rect class="cell"[^>]*fill="([^"]+)"', heatmap_chart(report))
    outlier = copy.deepcopy(report)
    row = next(r for r in outlier["impact"] if r["group"] != "__all__")
    outlier["impact"].append({**row, "theme_id": 999, "impact": -80.0, "too_small": True})
    assert re.findall(r'<rect class="cell"[^>]*fill="([^"]+)"', heatmap_chart(outlier)) == fills
    no_themes = copy.deepcopy(report)
    no_themes["impact"] = []
    assert "No theme was found in the comments" in heatmap_chart(no_themes)


def test_report_html_everything_that_opens_comments_is_reachable_by_keyboard(page_html):
    """Issue cards opened comments on a click but could not take the focus; chart marks were
    focusable groups without a role; quotes had no direction for right-to-left text."""
    openers = [(tag, attrs) for tag, attrs in _tags(page_html).tags if "data-theme" in attrs]
    assert openers and all(attrs.get("tabindex") == "0" for _, attrs in openers)
    assert all(attrs.get("role") == "button" for tag, attrs in openers if tag == "g")
    assert '<blockquote class="quote"><p dir="auto">' in page_html


def test_report_html_heatmap_marks_general_themes_as_the_impact_chart_does():
    from verbatim.report.html import GENERAL_MARK, heatmap_chart

    report = make_report()
    heads = re.findall(r'<g class="col-head"><title>([^<]*)</title>', heatmap_chart(report))
    theme = next(t for t in report["themes"] if any(h.startswith(html.escape(t["label"])) for h in heads))
    theme["general"] = True
    heads = re.findall(r'<g class="col-head"><title>([^<]*)</title>', heatmap_chart(report))
    assert any(h.startswith(html.escape(theme["label"])) and h.endswith(f"({GENERAL_MARK})") for h in heads), heads
