"""End to end on the bundled sample: the engine recovers the planted truth.

One real run (real spaCy, real MiniLM, real theme model, 1,000 bootstrap resamples) is
shared by the tests of this module.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from planted import planted_truth, theme_to_planted
from verbatim.config import load_config
from verbatim.pipeline import analyze
from verbatim.report.build import build_report, validate_report
from test_report_html import browser, open_recorded  # noqa: F401  (the real-chromium fixture)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory, sample_path):
    out = tmp_path_factory.mktemp("run") / "out"
    cache = tmp_path_factory.mktemp("cache")
    config = load_config(overrides={"embed": {"cache_dir": str(cache), "show_progress": False},
                                    "routing": {"file": str(sample_path.parents[2] / "configs" / "departments.toml")},
                                    "themes": {"guided_path": str(sample_path.parents[2] / "configs" / "themes.toml")}},
                         environ={})
    result = analyze(sample_path, out, config)
    return result, out


@pytest.fixture(scope="module")
def planted_of(run):
    result, _ = run
    return theme_to_planted(result.analysis.segments)


def test_pipeline_writes_every_output(run):
    _, out = run
    for name in ("report.json", "summary.md", "report.html", "assignments.csv", "rejected.csv", "config.toml",
                 "model/themes.json", "model/themes.safetensors"):
        assert (out / name).exists(), name
    assert len(list((out / "departments").glob("*.md"))) == 6


def test_pipeline_assignments_theme_ids_parse_as_integers(run):
    """Other (-1) comes last in a list: "-1;0;7" opened with a minus and was quoted as a formula."""
    import pandas as pd

    _, out = run
    ids = pd.read_csv(out / "assignments.csv", dtype=str)["theme_ids"].dropna()
    parsed = [[int(t) for t in cell.split(";")] for cell in ids]
    assert any(-1 in row and len(row) > 1 for row in parsed)
    assert all(-1 not in row[:-1] for row in parsed)


def test_pipeline_passive_themes_are_only_those_beyond_noise(run):
    """The reports say passives "bring these up more than others do": only themes whose
    passive share is significantly higher (BH) are listed."""
    result, _ = run
    table = result.analysis.impact.passive_themes
    significant = {(g, result.analysis.theme_keys[t][0]) for g, t, s in
                   zip(table["group"], table["theme"], table["significant"]) if s}
    listed = [("__all__", p["theme_id"]) for p in result.report["overall"]["passive_themes"]]
    assert set(listed) <= significant


def test_pipeline_quotes_speak_in_the_voice_of_their_side(run):
    """An issue is quoted from detractors first, a strength from promoters first: a passive's
    "overall ok" led the top issue of the sample before detractors who said the same."""
    _, out = run
    report = json.loads((out / "report.json").read_text())
    voice = {"improvement_areas": {"detractor": 0, "passive": 1, None: 2, "promoter": 3},
             "strengths": {"promoter": 0, "passive": 1, None: 2, "detractor": 3}}
    rankings = [report["overall"]] + [d["ranking"] for d in report["departments"]]
    checked = 0
    for ranking in rankings:
        for kind, order in voice.items():
            for entry in ranking[kind]:
                ranks = [order[q["nps_group"]] for q in entry["quotes"]]
                assert ranks == sorted(ranks), (entry["label"], [q["nps_group"] for q in entry["quotes"]])
                checked += len(ranks)
    assert checked > 50
    first = [e["quotes"][0]["nps_group"] for e in report["overall"]["improvement_areas"] if e["quotes"]]
    assert first and set(first) == {"detractor"}


def test_pipeline_quotes_highlight_the_segment_of_their_theme(run):
    """A quote that shows the whole comment marks the segment its theme was found in, so a
    complaint quoted from "Love the colour, but the zip broke" points at the zip."""
    result, out = run
    report = json.loads((out / "report.json").read_text())
    segments = result.analysis.segments
    of_response = {}
    for rid, text in zip(segments["response_id"], segments["text"]):
        of_response.setdefault(rid, set()).add(" ".join(text.split()))
    quotes = [q for ranking in [report["overall"]] + [d["ranking"] for d in report["departments"]]
              for kind in ("improvement_areas", "strengths") for e in ranking[kind] for q in e["quotes"]]
    marked = [q for q in quotes if q["highlight"] is not None]
    assert len(marked) >= 10 and len(marked) < len(quotes)
    for quote in marked:
        start, end = quote["highlight"]
        assert " ".join(quote["text"][start:end].split()) in of_response[quote["response_id"]]
        assert quote["text"][start:end].strip() != quote["text"].strip()


def test_pipeline_issue_without_complaints_is_quoted_from_its_detractors(run):
    """A theme can cost points with no mention that reads as a complaint ("ordered a size
    medium"); its issue is then quoted from what detractors said of it, and the reports say
    so, instead of showing an issue with no evidence under "read the comments"."""
    import dataclasses

    from verbatim.report import html, markdown
    from verbatim.report.build import ReportBuilder

    analysis = run[0].analysis
    segments = analysis.segments
    counts = segments[segments["sentiment"] == "negative"]["theme_id"].value_counts()
    theme = int(counts.index[0])
    calm = segments.assign(sentiment=segments["sentiment"].where(segments["theme_id"] != theme, "neutral"))
    builder = ReportBuilder(dataclasses.replace(analysis, segments=calm))
    quotes = builder.quotes_for(theme, "complaint")
    assert len(quotes) == 3
    assert {q["nps_group"] for q in quotes} == {"detractor"}
    assert {q["sentiment"] for q in quotes} == {"neutral"}
    assert ReportBuilder(analysis).quotes_for(theme, "complaint")[0]["sentiment"] == "negative"
    entry = {"label": "x", "side": "all", "impact": -3.0, "quotes": quotes}
    block = "\n".join(markdown._ranked_block(entry, 1, kind="issue", group_nps=10.0, population="respondents", k=2))
    assert "None of the comments on it reads as a complaint. What detractors who mention it say:" in block
    assert "None of the comments on it reads as a complaint." in html._issue_quotes(quotes)
    negative = dict(entry, quotes=ReportBuilder(analysis).quotes_for(theme, "complaint"))
    block = "\n".join(markdown._ranked_block(negative, 1, kind="issue", group_nps=10.0, population="respondents", k=2))
    assert "What customers say:" in block and "None of the comments" not in block


def test_pipeline_report_json_lists_the_parents_themes_point_to(run):
    """parent_id is the parents' own numbering: report.json lists them (schema 1.5), so a
    tool no longer mistakes parent 5 for theme 5."""
    report = run[0].report
    parents = {p["id"]: p for p in report["parents"]}
    assert parents
    for theme in report["themes"]:
        if theme["parent_id"] is not None:
            assert theme["id"] in parents[theme["parent_id"]]["theme_ids"]
    assert sorted(t for p in parents.values() for t in p["theme_ids"]) == sorted(
        t["id"] for t in report["themes"] if t["parent_id"] is not None)


def test_pipeline_report_json_is_schema_valid(run):
    _, out = run
    validate_report(json.loads((out / "report.json").read_text()))


def test_pipeline_accounts_for_every_row(run):
    result, _ = run
    rows = result.report["run"]["rows"]
    assert rows["read"] == 2400 == rows["usable"] + rows["rejected"]
    assert rows["segments_unassigned"] <= 0.05 * rows["segments"]


def _top2(ranking, planted_of):
    return [planted_of.get(a["theme_id"]) for a in ranking["improvement_areas"][:2]]


def test_pipeline_recovers_planted_top2_overall(run, planted_of):
    result, _ = run
    assert set(_top2(result.report["overall"], planted_of)) == set(planted_truth()["top2_overall"])


#: Below this rank stability the reports call a top-2 pick uncertain ("likely", "possibly",
#: not "very likely").
CONFIDENT = 0.8


def _top2_or_honestly_unsure(ranking, planted: set, planted_of) -> bool:
    """The planted top 2 are the ranking's top 2; or a planted one is third, right behind a
    pick the report does not call certain (stability < CONFIDENT) while giving the planted
    one a real chance (>= 0.2). Two planted effects 1.9 points apart (Customer Service) sit
    within what misplaced comments move an impact: the report must say it is unsure, never
    be confidently wrong."""
    areas = ranking["improvement_areas"]
    top = [planted_of.get(a["theme_id"]) for a in areas[:2]]
    if set(top) == planted:
        return True
    wrong = [a for a in areas[:2] if planted_of.get(a["theme_id"]) not in planted]
    third = areas[2] if len(areas) > 2 else None
    return (len(wrong) == 1 and wrong[0]["rank_stability"] < CONFIDENT and third is not None
            and planted_of.get(third["theme_id"]) in planted - set(top) and third["rank_stability"] >= 0.2)


def test_pipeline_recovers_planted_top2_per_department(run, planted_of):
    result, _ = run
    truth = planted_truth()["top2_by_department"]
    assert {d["name"] for d in result.report["departments"]} == set(truth)
    for department in result.report["departments"]:
        assert _top2_or_honestly_unsure(department["ranking"], set(truth[department["name"]]), planted_of), \
            (department["name"], [(a["label"], a["rank_stability"]) for a in department["ranking"]["improvement_areas"][:3]])


def test_pipeline_planted_strengths_lead_the_strengths(run, planted_of):
    result, _ = run
    strengths = planted_truth()["strengths"]
    found = [planted_of.get(s["theme_id"]) for s in result.report["overall"]["strengths"][:3]]
    assert all(f in strengths for f in found), found


def test_pipeline_general_themes_are_reported_beside_the_rankings_not_in_them(run, planted_of):
    """Themes of pure reaction ("definitely recommend", "no complaints at all") come from the
    planted general praise, or from no planted theme, never from a planted issue; they are
    listed under general_reactions with their effect and enter no ranking."""
    result, _ = run
    report = result.report
    general = {t["id"] for t in report["themes"] if t.get("general")}
    assert general and {planted_of.get(t) for t in general} <= {"overall_satisfied", None}
    assert set(result.analysis.themes.loc[result.analysis.themes["general"], "theme_id"]) == general
    for ranking in [report["overall"]] + [d["ranking"] for d in report["departments"]]:
        ranked = {e["theme_id"] for key in ("improvement_areas", "strengths", "driver_improvement_areas",
                                            "driver_strengths") for e in ranking[key]}
        assert not ranked & general
        assert {e["theme_id"] for e in ranking["general_reactions"]} <= general
    # Listed: those beyond noise. The sample's general praise is not (BH over every theme), so
    # the same analysis with their effects called beyond noise shows what the list holds.
    impact = result.analysis.impact
    table = impact.theme_impact
    assert not report["overall"]["general_reactions"]
    assert not (table["theme"].isin(list(impact.general)) & table["significant"] & (table["group"] == "__all__")).any()
    forced = dataclasses.replace(impact, theme_impact=table.assign(significant=table["significant"] | table["theme"].isin(list(impact.general))))
    listed = build_report(dataclasses.replace(result.analysis, impact=forced))["overall"]["general_reactions"]
    assert 1 <= len(listed) <= 5 and {e["theme_id"] for e in listed} <= general
    assert all(e["rank_stability"] is None and len(e["quotes"]) == 1 and e["significant"] for e in listed)
    assert [abs(e["impact"]) for e in listed] == sorted((abs(e["impact"]) for e in listed), reverse=True)


def test_pipeline_redacts_pii_everywhere(run):
    _, out = run
    for name in ("report.json", "summary.md", "report.html", "assignments.csv"):
        text = (out / name).read_text()
        assert "4111 1111 1111 1111" not in text and "@example." not in text, name


def test_pipeline_department_pages_name_their_planted_top2(run, planted_of):
    # A department head reads departments/<slug>.md: its two planted issues are there,
    # under the theme labels the engine gave them.
    result, out = run
    truth = planted_truth()["top2_by_department"]
    labels = {t["id"]: t["label"] for t in result.report["themes"]}
    for dept in result.report["departments"]:
        page = (out / "departments" / f"{dept['slug']}.md").read_text()
        issues = page.split("## Your top 2 issues", 1)[1].split("## What customers praise you for", 1)[0]
        for area in dept["ranking"]["improvement_areas"][:2]:
            assert planted_of[area["theme_id"]] in truth[dept["name"]] or area["rank_stability"] < CONFIDENT
            assert labels[area["theme_id"]] in issues, (dept["name"], labels[area["theme_id"]])


def test_pipeline_themes_have_sides_when_the_polarity_is_learnt(run):
    # themes.sides = "auto": the sample's scores teach the polarity (the probe's gate passes),
    # so complaints and the rest form separate themes and no complaint sits on a theme that
    # only has praise-side prototypes.
    result, _ = run
    model, segments = result.analysis.model, result.analysis.segments
    assert result.analysis.polarity.used and model.sided_
    praise_only = {int(t) for t in model.themes_["theme_id"]
                   if set(model.prototype_side_[model.prototype_theme_ == t].tolist()) == {1}}
    complaints = segments[segments["sentiment"] == "negative"]
    assert praise_only and not complaints["theme_id"].isin(praise_only).any()
    # report.json says each theme's side (schema 1.4): the planted issues are complaint themes.
    side = {t["id"]: t["side"] for t in result.report["themes"]}
    assert {side[t] for t in praise_only} == {"praise"}
    labels = {t["label"]: t["side"] for t in result.report["themes"]}
    assert labels["Late delivery"] == "complaint" and labels["Fast delivery"] == "praise"


def test_pipeline_trend_flags_the_planted_changes(run, planted_of):
    result, out = run
    trend_truth = planted_truth()["trend"]
    flags = result.report["trend"]["flags"]

    def flag(group, planted):
        rows = [f for f in flags if f["group"] == group and planted_of.get(f["theme_id"]) == planted]
        assert rows, (group, planted)
        return max(rows, key=lambda f: f["latest_mentions"])

    growing = flag(trend_truth["growing"]["department"], trend_truth["growing"]["theme"])
    assert growing["spiking"] and growing["direction"] == "rising"
    fixed = flag(trend_truth["fixed"]["department"], trend_truth["fixed"]["theme"])
    assert fixed["direction"] == "falling" and fixed["fixed"]
    labels = {t["id"]: t["label"] for t in result.report["themes"]}
    app = (out / "departments" / "app.md").read_text().split("## What changed over time", 1)[1]
    assert f"**Spiking:** {labels[growing['theme_id']]}" in app
    stores = (out / "departments" / "stores.md").read_text().split("## What changed over time", 1)[1]
    assert f"**Fixed:** {labels[fixed['theme_id']]}" in stores


def test_pipeline_html_report_renders_in_chromium(run, browser, tmp_path):
    import os
    import shutil

    from conftest import ROOT

    _, out = run
    url = (out / "report.html").resolve().as_uri()
    page, errors, requests = open_recorded(browser, url)
    for chart in ("#impact-svg", "#scatter-svg", "#heatmap-svg", "#nps-trend-svg", "#theme-trend-svg"):
        box = page.locator(chart).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, chart
    assert page.locator("#nps-trend-svg circle.trend-point").count() == 12
    page.select_option("#dd-theme", "0")
    assert page.locator("#dd-list > li").count() > 0
    assert errors == [] and requests == [url], (errors, requests)
    if os.environ.get("VERBATIM_SAVE_SCREENSHOT"):
        page.select_option("#dd-theme", "")
        shot = tmp_path / "demo.png"
        page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1280, "height": 1600}, full_page=True)
        shutil.copyfile(shot, ROOT / "docs" / "img" / "report-html.png")
    page.close()


def test_pipeline_next_wave_on_saved_model_keeps_theme_identity(run, sample_path, tmp_path):
    """analyze NEW_WAVE --model RUN/model: the saved themes keep their ids and labels, and
    compare then matches the two runs by theme id."""
    from verbatim.compare import compare_runs

    result, out = run
    lines = sample_path.read_text(encoding="utf-8").splitlines(keepends=True)
    wave = tmp_path / "wave.csv"
    wave.write_text(lines[0] + "".join(lines[-600:]), encoding="utf-8")
    second = analyze(wave, tmp_path / "out2", result.config, model_dir=out / "model")
    first_themes = result.analysis.themes.set_index("theme_id")["label"]
    kept = second.analysis.themes[~second.analysis.themes["new"]].set_index("theme_id")["label"]
    assert kept.equals(first_themes)
    # A theme general in the wave it was fitted on stays so (found on this wave's 600 comments,
    # some would turn): the waves' rankings compare.
    first_general = result.analysis.themes.set_index("theme_id")["general"]
    kept_general = second.analysis.themes[~second.analysis.themes["new"]].set_index("theme_id")["general"]
    assert first_general.any() and kept_general.equals(first_general)
    saved = json.loads((out / "model" / "themes.json").read_text(encoding="utf-8"))["themes"]
    assert {t["theme_id"]: t["general"] for t in saved} == first_general.to_dict()
    used = set(second.analysis.segments["theme_id"]) - {-1}
    assert len(used & set(first_themes.index)) >= 0.8 * len(first_themes)
    comparison = compare_runs(out, tmp_path / "out2")
    assert comparison["match"] == "id"
    assert not comparison["overall"]["appeared"] or all(
        t in set(second.analysis.themes.loc[second.analysis.themes["new"], "label"])
        for t in comparison["overall"]["appeared"])


def test_pipeline_waves_on_saved_themes_place_a_comment_the_same_way(run, sample_path, tmp_path):
    """Each wave put on saved themes learnt its own polarity probe from its own scores, so a
    comment two waves shared could take another side, and theme, in each: 92 of 250 did on
    clothing reviews, and compare reported the tool's moves as customers' (from the
    wave-to-wave hunt). The probe saved with the themes decides in every wave."""
    result, out = run
    saved = json.loads((out / "model" / "themes.json").read_text(encoding="utf-8"))
    assert saved["polarity"]["used"] and result.analysis.polarity.used
    lines = sample_path.read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    shared = rows[200:700]
    waves = {"a": shared + rows[1200:1700], "b": rows[2000:2300] + shared[::-1]}
    placed = {}
    for name, body in waves.items():
        path = tmp_path / f"wave_{name}.csv"
        path.write_text(header + "".join(body), encoding="utf-8")
        wave = analyze(path, None, result.config, model_dir=out / "model", extend_model=False)
        assert wave.analysis.polarity.from_model and wave.analysis.polarity.used
        segments = wave.analysis.segments
        placed[name] = segments.set_index(["response_id", "segment_index"])[["sentiment", "theme_id"]]
    ids = {line.split(",", 1)[0] for line in shared}
    a, b = (placed[k][placed[k].index.get_level_values(0).isin(ids)].sort_index() for k in "ab")
    assert len(a) > 500 and a.equals(b)


def test_pipeline_wave_that_fits_none_of_the_saved_themes_gets_a_note(run, tmp_path):
    """A retail survey assigned to a clothing model left 27 % of its segments in Other and
    still ranked the themes it was forced onto, without a word (from the wave-to-wave hunt)."""
    result, out = run
    dishes = ["pasta", "risotto", "sushi", "steak", "curry", "pizza", "soup", "dessert", "salad", "burger"]
    tastes = ["was overcooked and bland", "tasted of nothing but salt", "had far too much garlic",
              "was the best I have eaten in years", "came cold from the kitchen", "was drowning in sauce"]
    rows = [f"F{i},2026-02-0{1 + i % 9},{i % 11},The {dishes[i % 10]} {tastes[i % 6]}.,Stores\n" for i in range(80)]
    wave = tmp_path / "restaurant.csv"
    wave.write_text("response_id,submitted_at,score,comment,department\n" + "".join(rows), encoding="utf-8")
    foreign = analyze(wave, None, result.config, model_dir=out / "model", extend_model=False)
    outside = (foreign.analysis.segments["theme_id"] < 0).mean()
    (note,) = [n for n in foreign.analysis.notes if "fit none of the saved themes" in n]
    assert note.startswith(f"{outside:.0%} of the comment segments") and "without --model" in note
    # A wave of the survey the themes were fitted on gets no such note.
    own = tmp_path / "own.csv"
    lines = Path(result.ingest.source).read_text(encoding="utf-8").splitlines(keepends=True)
    own.write_text(lines[0] + "".join(lines[1:400]), encoding="utf-8")
    again = analyze(own, None, result.config, model_dir=out / "model", extend_model=False)
    assert not any("fit none of the saved themes" in n for n in again.analysis.notes)


def test_pipeline_assign_puts_a_wave_of_non_answers_in_no_comment(run, sample_path, tmp_path):
    """assign (extend_model=False) of a wave without one usable comment failed with
    "embeddings have 0 dimensions, the model expects 384" where analyze wrote its reports."""
    result, out = run
    header = sample_path.read_text(encoding="utf-8").splitlines()[0]
    wave = tmp_path / "wave.csv"
    wave.write_text(header + "\n" + "".join(f"R{i},2026-01-0{i % 9 + 1},{i % 11},{c},Billing\n"
                                            for i, c in enumerate(["n/a", "nothing", "-", "ok", "?"] * 4)))
    second = analyze(wave, tmp_path / "out2", result.config, model_dir=out / "model", extend_model=False)
    assert len(second.analysis.segments) == 0 and second.analysis.summary.rows_usable == 20
    assert (tmp_path / "out2" / "summary.md").exists()


def test_pipeline_refuses_a_model_of_another_embedder_before_embedding(run, tmp_path):
    """A model fitted on MiniLM's vectors, given to a run of the fast mode (or the reverse),
    failed after the embedding stage with "matmul: ... 384 is different from 256"."""
    from verbatim.errors import VerbatimError

    result, out = run
    fast = result.config.updated({"embed": {"backend": "static"}})
    messages: list[str] = []
    with pytest.raises(VerbatimError, match=r"E302 .*fitted on minilm vectors .*--embedder minilm"):
        analyze(result.ingest.source, tmp_path / "out3", fast, model_dir=out / "model", log=messages.append)
    assert not any("embed" in m for m in messages)  # refused before the slowest stage


def test_pipeline_checks_the_files_it_names_first_and_writes_them_absolute(sample_path, tmp_path, monkeypatch):
    """A guided themes file that was not there failed after the embedding stage (unexpected
    FileNotFoundError, exit 1); the demo's config.toml named configs/themes.toml relative to
    the folder it ran in, so --config from elsewhere failed the same way."""
    from verbatim.errors import ConfigError
    from verbatim.pipeline import checked_files

    root = sample_path.parents[2]
    monkeypatch.chdir(root)
    config = load_config(overrides={"themes": {"guided_path": "configs/themes.toml"},
                                    "routing": {"file": "configs/departments.toml"}}, environ={})
    checked = checked_files(config)
    assert checked.themes.guided_path == str(root / "configs" / "themes.toml")
    assert checked.routing.file == str(root / "configs" / "departments.toml")
    typo = config.updated({"themes": {"guided_path": "configs/theme.toml"}})
    with pytest.raises(ConfigError, match="E201 .*guided themes file not found"):
        analyze(tmp_path / "not-read.csv", tmp_path / "out", typo)  # before the input is read (E101)


def test_pipeline_says_which_guided_themes_a_saved_model_leaves_out(run, tmp_path):
    """With --model the saved themes are kept: a guided theme added to the file since was
    dropped without a word, though config.toml and report.json named the file."""
    from verbatim.pipeline import guided_left_out
    from verbatim.themes import ThemeModel

    result, out = run
    model = ThemeModel.load(out / "model")
    assert guided_left_out(model, result.config.themes.guided_path) == []
    more = tmp_path / "themes.toml"
    more.write_text(Path(result.config.themes.guided_path).read_text(encoding="utf-8")
                    + '\n[[theme]]\nname = "Gift wrapping"\nexamples = ["gift wrap was torn"]\n', encoding="utf-8")
    (note,) = guided_left_out(model, more)
    assert "'Gift wrapping'" in note and "--model" in note


def test_pipeline_rerun_reuses_memos_and_writes_the_same_report(run, sample_path, tmp_path):
    """A rerun on a warm cache (vectors, segments, theme fit) gives the same report."""
    result, out = run
    # The segments were stored (while the sentiment workers ran, or when the stage ended).
    from verbatim.embed import Embedder

    memo = Embedder(result.config.embed).cache_path.parent / "segments.sqlite"
    with sqlite3.connect(memo) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
    flags = result.analysis.flags
    assert stored >= flags.loc[~flags["non_answer"], "clean_text"].nunique() * 0.9
    messages = []
    again = analyze(sample_path, tmp_path / "again", result.config, log=messages.append)
    assert any("reused" in m for m in messages)
    assert any(" 0 distinct texts encoded" in m for m in messages)
    first = json.loads((out / "report.json").read_text())
    second = json.loads((tmp_path / "again" / "report.json").read_text())
    for report in (first, second):
        del report["run"]["created_at"], report["run"]["timings_s"]
    assert first == second
    for name in ("themes.json", "themes.safetensors"):
        assert (out / "model" / name).read_bytes() == (tmp_path / "again" / "model" / name).read_bytes()
    assert again.analysis.segments.equals(result.analysis.segments)


@pytest.mark.parametrize("comments", [["The parcel came two days late and nobody said sorry", "n/a"],
                                       ["n/a", "nothing", "-"]],
                         ids=["one comment", "only non-answers"])
def test_pipeline_runs_with_fewer_than_two_comments(tmp_path, comments):
    """A department's wave with one usable comment, or none, still gets its reports (no
    themes: the comment is "Other"); it used to end in "at least 2 segments are needed"."""
    path = tmp_path / "tiny.csv"
    path.write_text("score,comment\n" + "".join(f"{9 - 3 * i},{c}\n" for i, c in enumerate(comments)))
    config = load_config(overrides={"embed": {"cache_dir": str(tmp_path / "cache"), "show_progress": False}},
                         environ={})
    result = analyze(path, tmp_path / "out", config)
    validate_report(json.loads((tmp_path / "out" / "report.json").read_text()))
    assert result.report["run"]["rows"]["usable"] == len(comments)
    assert result.analysis.themes.empty
    assert set(result.analysis.segments["theme_id"]) <= {-1}


def test_pipeline_routed_departments_rank_their_own_themes(tmp_path, sample_path):
    """Without a department column, departments come from the routing file: each page
    ranks the themes routed to it. They were cut from the survey's top five, so App,
    Billing and Stores read "no theme clearly costs you points" beside costly themes."""
    import pandas as pd

    path = tmp_path / "no_department.csv"
    pd.read_csv(sample_path).drop(columns=["department"]).to_csv(path, index=False)
    config = load_config(overrides={"embed": {"cache_dir": str(tmp_path / "cache"), "show_progress": False},
                                    "routing": {"file": str(sample_path.parents[2] / "configs" / "departments.toml")}},
                         environ={})
    result = analyze(path, None, config)
    areas = result.analysis.impact.improvement_areas
    areas = areas[areas["group"] == "__all__"].sort_values("rank")
    costly = [result.analysis.theme_keys[key][0] for key in areas["theme"]]
    routed = [d for d in result.report["departments"] if d["source"] == "routing"]
    assert len(routed) == 6
    for department in routed:
        expected = [t for t in costly if t in department["owned_themes"]][:5]
        assert [e["theme_id"] for e in department["ranking"]["improvement_areas"]] == expected, department["name"]
    assert sum(bool(d["ranking"]["improvement_areas"]) for d in routed) >= 5


def test_pipeline_routing_takes_the_department_column_spelling(run, tmp_path):
    """A routing file naming "customer  service" where the column says "Customer Service"
    made a second page, customer-service-2.md, owning the themes the column's page lacked."""
    from verbatim.pipeline import route_themes_to_departments

    result, _ = run
    routing = Path(result.config.routing.file).read_text(encoding="utf-8")
    assert "[\"Customer Service\"]" in routing
    path = tmp_path / "departments.toml"
    path.write_text(routing.replace("[\"Customer Service\"]", "[\"customer  service\"]"), encoding="utf-8")
    config = result.config.updated({"routing": {"file": str(path)}})
    surveyed = result.ingest.responses["department"].dropna().unique()
    owners = route_themes_to_departments(result.analysis.model, config, surveyed)
    expected = route_themes_to_departments(result.analysis.model, result.config, surveyed)
    assert "customer  service" not in set(owners["department"])
    pd.testing.assert_frame_equal(owners, expected)
    # A survey department named "Unassigned" took the routing bucket's themes as its own,
    # without a word (from the departments hunt): the bucket is named apart.
    floor = result.config.updated({"routing": {"floor": 0.99}})  # every theme unassigned
    apart = route_themes_to_departments(result.analysis.model, floor, [*surveyed, "unassigned"])
    assert set(apart["department"]) == {"Unassigned (no owner)"}
    assert set(route_themes_to_departments(result.analysis.model, floor, surveyed)["department"]) == {"Unassigned"}
    # A routing department that owns no theme, and survey departments the file does not list,
    # were left without a word (from the departments hunt).
    (idle,) = [n for n in apart.attrs["notes"] if "own no theme" in n]
    from verbatim.departments import load_departments

    listed = len(load_departments(result.config.routing.file))
    assert idle.startswith(f"{listed} department(s) of the routing file own no theme")
    assert route_themes_to_departments(result.analysis.model, result.config, [*surveyed, "Kiosk"]).attrs["notes"][-1] == (
        "1 department(s) of the survey are not in the routing file, so no theme is routed to them: 'Kiosk'")


def test_pipeline_outputs_written_by_two_processes_are_the_same(run, tmp_path, monkeypatch):
    """Large runs write report.html in a forked process beside the other formats: the files
    must be byte for byte those of the serial path (the bundled sample is under the threshold)."""
    from verbatim.report import write

    result, out = run
    monkeypatch.setattr(write, "PARALLEL_MIN_ROWS", 1)
    written = write.write_outputs(tmp_path, result.analysis, result.report)
    _same_files(written, tmp_path, out, result.report["run"]["created_at"])


def _same_files(written, folder, out, created_at: str) -> None:
    names = sorted(str(p.relative_to(folder)) for p in written if p.is_file())
    assert {"report.json", "report.html", "assignments.csv", "summary.md", "config.toml", "rejected.csv"} <= set(names)
    for name in names:
        assert (folder / name).read_bytes().replace(created_at.encode(), b"") == \
            (out / name).read_bytes().replace(created_at.encode(), b""), name


def _overlapping(monkeypatch):
    """report.write with the overlap on for the small sample, on any runner (two cores
    assumed): the module, and a list that counts the forks."""
    from verbatim import parallel
    from verbatim.report import write

    monkeypatch.setattr(write, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    forks, real = [], parallel.forked

    def counted(fn):
        forks.append(1)
        return real(fn)

    monkeypatch.setattr(parallel, "forked", counted)
    return write, forks


def test_pipeline_report_built_while_a_worker_writes_the_tables(run, tmp_path, monkeypatch):
    """Large runs build the report while a forked worker writes assignments.csv and prepares
    report.html's rows, then writes report.html with the report it receives: the same files,
    byte for byte, as building then writing (the bundled sample is under the threshold)."""
    result, out = run
    write, forks = _overlapping(monkeypatch)
    report, written = write.build_and_write(tmp_path, result.analysis)
    assert forks == [1]
    old = json.loads((out / "report.json").read_text())["run"]["created_at"]
    assert report["run"]["created_at"] in (tmp_path / "report.html").read_text()
    for path in [tmp_path / "report.json", tmp_path / "report.html"]:
        path.write_bytes(path.read_bytes().replace(report["run"]["created_at"].encode(), old.encode()))
    _same_files(written, tmp_path, out, old)


@pytest.mark.parametrize("failing", ["parent", "worker"])
def test_pipeline_report_overlap_fails_with_the_first_error(run, tmp_path, monkeypatch, failing):
    """An error while the report is built, or in the worker before it has read the report
    (which is larger than a pipe's buffer at scale), is raised: the other side does not wait
    for it forever."""
    import signal

    from verbatim.report import build

    def boom(*args, **kwargs):
        raise RuntimeError(f"boom in the {failing}")

    write, forks = _overlapping(monkeypatch)
    if failing == "parent":
        monkeypatch.setattr(build, "build_report", boom)
    else:
        monkeypatch.setattr(write, "assignments_table", boom)
        # A report larger than a pipe's buffer, whose send waits for a reader.
        monkeypatch.setattr(build, "build_report", lambda analysis: {"padding": "x" * 1_000_000})
        monkeypatch.setattr(write, "_write_format", lambda *args: [])
    def hung(*args):
        raise TimeoutError("the overlap hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        with pytest.raises(RuntimeError, match=f"boom in the {failing}"):
            write.build_and_write(tmp_path, run[0].analysis)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert forks == [1]


def test_pipeline_routed_ranking_of_empty_tables(run):
    """A routed department's lists are picked from tables that may be empty (a small survey,
    no passive theme): an empty list, not a KeyError."""
    import pandas as pd

    from verbatim.report.build import ReportBuilder

    builder = ReportBuilder(run[0].analysis)
    empty = run[0].analysis.impact.improvement_areas.iloc[0:0]
    assert builder.ranked(empty, "__all__", "improvement", only={0, 1}) == []
    assert isinstance(builder.passive_block("__all__", only=set()), list)
    assert builder.ranked(pd.DataFrame(columns=empty.columns), "__all__", "improvement", only={0}) == []


def test_pipeline_five_star_scale_reads_groups_on_that_scale(tmp_path, sample_path):
    """--scale 5: a 5 is a promoter, a 4 a passive. The report's quotes and explanations
    said "score 5 (detractor)" and "passives (scores 7–8)", read on the 0-10 scale."""
    import pandas as pd

    from verbatim.validation import summarize

    frame = pd.read_csv(sample_path).head(600)
    frame["score"] = [5 if s >= 9 else 4 if s >= 7 else 1 + int(s) // 3 for s in frame["score"]]
    path = tmp_path / "stars.csv"
    frame.to_csv(path, index=False)
    config = load_config(overrides={"embed": {"cache_dir": str(tmp_path / "cache"), "show_progress": False},
                                    "input": {"scale": "5"}}, environ={})
    result = analyze(path, tmp_path / "out", config)
    report = result.report
    assert report["run"]["scale"] == {"name": "5", "minimum": 1.0, "maximum": 5.0, "promoter_min": 5.0,
                                      "detractor_max": 3.0, "whole_numbers": True}
    expected = {5.0: "promoter", 4.0: "passive", 3.0: "detractor", 2.0: "detractor", 1.0: "detractor"}
    quotes = [q for t in report["themes"] for q in t["quotes"]]
    assert quotes and all(q["nps_group"] == expected[q["score"]] for q in quotes)
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "score 5 (promoter)" in summary and "score 5 (detractor)" not in summary
    assert "promoters (score 5) minus the percentage of detractors (scores 1–3)" in summary
    assert "(scores 7–8)" not in summary and "9–10" not in summary
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Passives (score 4)" in html and "9–10" not in html
    # The figure `validate` prints is the report's, to the last digit shown.
    assert f"{summarize(result.ingest).nps:+.1f}" == f"{report['nps']['nps']:+.1f}"


def test_pipeline_reads_an_export_of_the_nps_group_alone(run, sample_path, tmp_path):
    """An export that gives each response's NPS group ("Promoter", "Passive", "Detractor") and
    no score was refused ("no score column found"). Read as groups, the sample gives the NPS,
    the rankings and the department pages of its scores (the key drivers explain each
    respondent's NPS contribution); quotes name the group alone."""
    import pandas as pd

    result, out = run
    frame = pd.read_csv(sample_path)
    frame["NPS Category"] = pd.cut(frame.pop("score"), [-1, 6, 8, 10], labels=["Detractor", "Passive", "Promoter"])
    path = tmp_path / "groups.csv"
    frame.to_csv(path, index=False)
    detected = {"text": [], "score": "", "department": "", "date": "", "id": "", "weight": "", "group": ""}
    config = result.config.updated({"columns": detected}, source="test")  # the run's, its columns found again
    groups = analyze(path, tmp_path / "out", config)
    assert groups.ingest.columns.score is None and groups.ingest.columns.group == "NPS Category"
    assert groups.report["run"]["columns"]["group"] == "NPS Category"
    validate_report(groups.report)
    scored = json.loads((out / "report.json").read_text())
    assert groups.report["nps"] == scored["nps"]

    def ranked(ranking):
        keys = ("theme_id", "label", "impact", "ci_low", "ci_high", "rank_stability")
        return [[tuple(e[k] for k in keys) for e in ranking[part]] for part in ("improvement_areas", "strengths")]

    assert ranked(groups.report["overall"]) == ranked(scored["overall"]) and ranked(scored["overall"])[0]
    assert [ranked(d["ranking"]) for d in groups.report["departments"]] == \
        [ranked(d["ranking"]) for d in scored["departments"]]
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "— *detractor, " in summary and "score None" not in summary and "score nan" not in summary
    assert "(the middle scores)" in summary and "7–8" not in summary and "9–10" not in summary


def test_pipeline_notes_speak_plainly_about_the_learnt_sentiment(run):
    """The executive summary's notes are read by people without statistics training."""
    _, out = run
    notes = (out / "summary.md").read_text(encoding="utf-8").split("## Notes", 1)[1].split("## How to read", 1)[0]
    assert "sentiment tuned on this survey's own scores" in notes
    assert "of the time" in notes and "held-out" not in notes


def test_pipeline_notes_say_how_many_comments_are_not_in_english(run):
    # The sample holds 24 Spanish, French and German comments (data/samples/README.md); the
    # model reads English, and the theme they make is named for their languages.
    _, out = run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (note,) = [n for n in report["run"]["notes"] if "seem not to be in English" in n]
    assert int(note.split(" of ", 1)[0]) >= 20
    assert "Comments in other languages" in [t["label"] for t in report["themes"]]
