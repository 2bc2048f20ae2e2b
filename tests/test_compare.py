"""Run comparison on small hand-made report dicts with known answers."""

from __future__ import annotations

import copy
import json
import math
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from verbatim.compare import compare_reports, compare_runs, format_comparison, load_run, same_theme_model
from verbatim.errors import VerbatimError
from verbatim.report.build import validate_report

sys.path.insert(0, str(Path(__file__).parent))
from report_fixture import make_report  # noqa: E402

ALL = "__all__"


def _nps(n: int, prom: int, det: int) -> dict:
    pas = n - prom - det
    return {"n": n, "promoters": prom, "passives": pas, "detractors": det,
            "pct_promoters": 100 * prom / n, "pct_passives": 100 * pas / n, "pct_detractors": 100 * det / n,
            "nps": round(100 * (prom - det) / n, 1), "ci_low": -100.0, "ci_high": 100.0, "too_small": n < 30}


def _report(nps: dict, themes: dict[int, str], impact: dict[tuple, tuple], *, sha: str = "a") -> dict:
    """A schema-valid report: ``nps`` {group: (n, promoters, detractors)}, ``themes`` {id: label},
    ``impact`` {(group, theme_id, side): (n_mentions, impact, ci_low, ci_high)}; the top 2
    improvement areas are the two most negative impacts of each group."""

    def ranking(group: str) -> dict:
        rows = sorted((v[1], tid, side) for (g, tid, side), v in impact.items() if g == group and v[1] < 0)
        areas = [{"theme_id": tid, "label": themes[tid], "side": side, "impact": imp, "ci_low": None,
                  "ci_high": None, "rank_stability": None, "nps_without": None, "n_mentions": 1, "share": 0.1,
                  "significant": True, "quotes": []} for imp, tid, side in rows[:2]]  # fmt: skip
        return {"method": "impact", "improvement_areas": areas, "strengths": [], "passive_themes": [],
                "driver_improvement_areas": [], "driver_strengths": []}  # fmt: skip

    n_of = {g: v[0] for g, v in nps.items()}
    return {
        "schema_version": "1.12",
        "run": {"verbatim_version": "0.1", "created_at": "2026-12-01T00:00:00+00:00",
                "input": {"path": f"{sha}.csv", "format": "csv", "sha256": sha * 64},
                "columns": {"text": ["comment"], "score": "score", "group": None, "department": "department",
                            "date": None, "id": None, "weight": None},
                "config": {"impact": {"ci_level": 0.95}}, "redacted": True, "embedder": "hash",
                "rows": {"read": 1, "usable": 1, "rejected": 0, "without_score": 0, "without_comment": 0,
                         "segments": 1, "segments_unassigned": 0, "rejections": {}},
                "notes": []},
        "nps": _nps(*nps[ALL]),
        "no_comment": {"n": 0, "share": 0.0, "nps": None},
        "themes": [{"id": tid, "label": label, "keywords": [], "parent_id": None, "segments": 1, "responses": 1,
                    "share": 0.1, "sentiment": {"negative": 1.0, "neutral": 0.0, "positive": 0.0}, "quotes": [],
                    "guided": False} for tid, label in themes.items()],
        "impact": [{"group": g, "theme_id": tid, "side": side, "n_mentions": x, "share": x / n_of[g],
                    "nps_with": None, "nps_without": None, "impact": imp, "ci_low": lo, "ci_high": hi,
                    "p_value": None, "q_value": None, "significant": False, "too_small": x < 20}
                   for (g, tid, side), (x, imp, lo, hi) in impact.items()],
        "overall": ranking(ALL),
        "departments": [{"name": g, "slug": g.lower(), "source": "column", "nps": _nps(*v), "responses": v[0],
                         "too_small": False, "ranking": ranking(g), "warnings": []}
                        for g, v in nps.items() if g != ALL],
    }  # fmt: skip


THEMES = {0: "Late delivery", 1: "Long wait on the phone", 2: "App crashes", 3: "Checkout queues"}
A = _report(
    {ALL: (1000, 450, 300), "App": (400, 200, 100)},
    THEMES,
    {(ALL, 0, "all"): (100, -6.0, -8.0, -4.0), (ALL, 1, "all"): (90, -5.0, -7.0, -3.0),
     (ALL, 2, "all"): (40, -1.0, -2.0, 0.0), (ALL, 3, "all"): (50, -2.0, -3.0, -1.0),
     ("App", 2, "all"): (40, -3.0, -6.0, 0.0), ("App", 0, "all"): (10, -1.0, -3.0, 1.0)},
    sha="a",
)  # fmt: skip
B = _report(
    {ALL: (1000, 400, 350), "App": (400, 150, 150)},
    THEMES,
    {(ALL, 0, "all"): (100, -6.5, -8.5, -4.5), (ALL, 1, "all"): (90, -5.0, -7.0, -3.0),
     (ALL, 2, "all"): (120, -7.0, -9.0, -5.0), (ALL, 3, "all"): (0, 0.0, 0.0, 0.0),
     ("App", 2, "all"): (120, -14.0, -18.0, -10.0), ("App", 0, "all"): (12, -1.2, -3.0, 1.0)},
    sha="b",
)  # fmt: skip


def test_compare_hand_made_reports_are_schema_valid():
    validate_report(A)
    validate_report(B)


def test_compare_nps_change_test_on_a_hand_computed_case():
    result = compare_reports(A, B)
    nps = result["overall"]["nps"]
    assert (nps["a"], nps["b"], nps["change"]) == (15.0, 5.0, -10.0)

    # Shares pooled over both waves (the null hypothesis): P = 850/2000, D = 650/2000.
    p, d = 850 / 2000, 650 / 2000
    z = -10.0 / (100 * math.sqrt((p + d - (p - d) ** 2) * (1 / 1000 + 1 / 1000)))
    assert nps["p_value"] == pytest.approx(2 * NormalDist().cdf(-abs(z)), rel=1e-9)
    assert nps["significant"] is (nps["p_value"] < 0.05)


def test_compare_finds_risen_and_disappeared_themes_and_the_new_top_two():
    result = compare_reports(A, B)
    assert result["match"] == "id" and not result["same_input"]
    overall = result["overall"]
    assert overall["top2_a"] == ["Late delivery", "Long wait on the phone"]
    assert overall["top2_b"] == ["App crashes", "Late delivery"]
    assert overall["rose"] == ["App crashes"]  # 4 % -> 12 % of 1000
    assert overall["disappeared"] == ["Checkout queues"]  # 50 mentions -> 0
    assert overall["fell"] == [] and overall["appeared"] == []
    assert "App crashes" in overall["impact_worse"]  # -1.0 (se 0.5) -> -7.0 (se 1.0)
    assert "Late delivery" not in overall["impact_worse"]  # -6.0 -> -6.5 is noise
    rows = {t["label"]: t for t in overall["themes"]}
    assert rows["App crashes"]["share_change"] == pytest.approx(0.08)
    assert rows["Long wait on the phone"]["share_p"] == pytest.approx(1.0)
    # Per department too.
    (app,) = result["departments"]
    assert app["group"] == "App" and app["nps"]["change"] == pytest.approx(-25.0)
    assert app["rose"] == ["App crashes"] and app["impact_worse"] == ["App crashes"]
    json.dumps(result, allow_nan=False)


def test_compare_extended_model_matches_by_id_and_shows_the_new_theme():
    # B run with --model A/model that added a theme: the kept themes match by id.
    themes = {**THEMES, 4: "Too many marketing e-mails"}
    impact = {(ALL, 0, "all"): (100, -6.0, -8.0, -4.0), (ALL, 1, "all"): (90, -5.0, -7.0, -3.0),
              (ALL, 2, "all"): (40, -1.0, -2.0, 0.0), (ALL, 3, "all"): (50, -2.0, -3.0, -1.0),
              (ALL, 4, "all"): (60, -3.0, -5.0, -1.0)}
    b = _report({ALL: (1000, 450, 300), "App": (400, 200, 100)}, themes, impact, sha="b")
    b["themes"][-1]["new"] = True
    validate_report(b)
    assert same_theme_model(A, b) and same_theme_model(b, A)
    result = compare_reports(A, b)
    assert result["match"] == "id"
    assert result["overall"]["appeared"] == ["Too many marketing e-mails"]
    assert not result["overall"]["disappeared"]


def test_compare_matches_by_label_when_models_differ():
    # An independent fit numbers the same themes differently, and drops one label.
    renumber = {0: 3, 1: 2, 2: 1, 3: 0}
    b = copy.deepcopy(B)
    b["themes"] = [{**t, "id": renumber[t["id"]]} for t in b["themes"]]
    for row in b["impact"]:
        row["theme_id"] = renumber[row["theme_id"]]
    b["themes"][0]["label"] = "Delivery was late"  # theme 0 ("Late delivery") renamed
    assert not same_theme_model(A, b)
    result = compare_reports(A, b)
    assert result["match"] == "label"
    overall = result["overall"]
    assert overall["rose"] == ["App crashes"]
    assert overall["appeared"] == ["Delivery was late"] and "Late delivery" in overall["disappeared"]
    assert any("matched by label" in note for note in result["notes"])
    # Forcing id matching on renumbered themes pairs the wrong themes: the flag matters.
    forced = compare_reports(A, b, same_model=True)
    assert forced["match"] == "id" and forced["overall"]["rose"] != ["App crashes"]


def test_compare_same_input_is_noted_and_nothing_moves():
    result = compare_reports(A, copy.deepcopy(A))
    assert result["same_input"] and result["notes"]
    overall = result["overall"]
    assert overall["nps"]["change"] == 0.0 and not overall["nps"]["significant"]
    assert not any(overall[k] for k in ("rose", "fell", "appeared", "disappeared", "impact_worse", "impact_better"))


def test_compare_resplit_theme_is_neither_new_nor_gone():
    b = copy.deepcopy(A)
    b["run"]["input"]["sha256"] = "c" * 64
    b["impact"] = [r for r in b["impact"] if not (r["group"] == ALL and r["theme_id"] == 1)]
    for side, x in (("complaint", 60), ("praise", 30)):
        b["impact"].append({**next(r for r in A["impact"] if r["group"] == ALL and r["theme_id"] == 1),
                            "side": side, "n_mentions": x, "share": x / 1000})  # fmt: skip
    overall = compare_reports(A, b)["overall"]
    assert overall["appeared"] == [] and overall["disappeared"] == []
    assert {t["label"] for t in overall["themes"] if t["resplit"]} == {
        "Long wait on the phone", "Long wait on the phone (complaints)", "Long wait on the phone (praise)"}


def test_compare_a_theme_no_one_mentioned_in_a_small_wave_is_tested_not_gone():
    """Assigned to the same model, a wave of 20 left 39 themes without a row: each was listed
    "gone" untested ("Were not big", 76 of 800 -> 0 of 20, p = 0.24), and the reverse
    comparison called such a theme "new" (from the wave-to-wave hunt)."""
    small = _report({ALL: (40, 20, 10), "App": (40, 20, 10)}, THEMES,
                    {(ALL, 0, "all"): (4, -6.0, -20.0, 8.0), ("App", 0, "all"): (4, -6.0, -20.0, 8.0)}, sha="s")
    for a, b in ((A, small), (small, A)):
        overall = compare_reports(a, b)["overall"]
        assert overall["appeared"] == [] and overall["disappeared"] == []
        rows = {t["label"]: t for t in overall["themes"]}
        queues = rows["Checkout queues"]  # 50 of 1000 against 0 of 40: chance
        assert {queues["n_mentions_a"], queues["n_mentions_b"]} == {50, 0} and queues["share_p"] > 0.05
        assert queues["theme_id_a"] == queues["theme_id_b"] == 3
    # A theme the later model holds but no respondent of a large wave mentions is still gone.
    assert compare_reports(A, B)["overall"]["disappeared"] == ["Checkout queues"]


def test_compare_groups_too_small_for_a_verdict_and_intervals_within_200_points():
    """"NPS +37.5 -> +100.0: +62.5 points, likely between -80.9 and +205.9 (n 136 -> 1)": a
    change of NPS cannot pass 200, and one respondent tells nothing."""
    tiny = _report({ALL: (40, 20, 10), "App": (1, 1, 0)}, THEMES, {(ALL, 0, "all"): (4, -6.0, -20.0, 8.0)}, sha="t")
    result = compare_reports(A, tiny)
    (app,) = result["departments"]
    assert app["nps"]["too_small"] and not app["nps"]["significant"]
    assert -200 <= app["nps"]["ci_low"] <= app["nps"]["ci_high"] <= 200
    assert not result["overall"]["nps"]["too_small"]
    text = format_comparison(result)
    assert "NPS +25.0 -> +100.0: too few respondents to tell a change from noise (n 400 -> 1)" in text


def test_compare_names_a_strength_that_adds_fewer_points_as_worse_for_nps():
    """"costs more points: Fast delivery (+19.8 -> +5.3 pts)" said of a strength."""
    impact = {(ALL, 0, "all"): (100, 19.8, 18.8, 20.8)}
    a = _report({ALL: (1000, 450, 300)}, THEMES, impact, sha="a")
    b = _report({ALL: (1000, 450, 300)}, THEMES, {(ALL, 0, "all"): (100, 5.3, 4.3, 6.3)}, sha="b")
    text = format_comparison(compare_reports(a, b))
    assert "worse for NPS: Late delivery (+19.8 -> +5.3 pts)" in text and "costs" not in text


def test_compare_format_comparison_names_the_changes():
    text = format_comparison(compare_reports(A, B))
    assert "themes matched by id" in text
    assert "NPS +15.0 -> +5.0: -10.0 points" in text
    assert "top 2 improvement areas now:  App crashes, Late delivery" in text
    assert "mentioned more: App crashes (4.0% -> 12.0%)" in text
    assert "gone: Checkout queues (5.0% -> 0.0%)" in text
    assert "App:" in text


def test_compare_load_run_reads_a_run_folder(tmp_path):
    report = make_report()
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    assert load_run(tmp_path) == report
    assert load_run(tmp_path / "report.json") == report
    other = tmp_path / "copy"
    other.mkdir()
    (other / "report.json").write_text(json.dumps(report), encoding="utf-8")
    result = compare_runs(tmp_path, other)
    assert result["match"] == "id" and result["same_input"]


def test_compare_misuse_is_named(tmp_path):
    """A run compared with itself printed a whole comparison of zeros (exit 0), and a survey
    export given as a run was "report.json is not readable JSON" (from the wave-to-wave hunt)."""
    (tmp_path / "report.json").write_text(json.dumps(make_report()), encoding="utf-8")
    for a, b in ((tmp_path, tmp_path), (tmp_path, tmp_path / "report.json")):
        with pytest.raises(VerbatimError, match=r"E303 .*is given twice"):
            compare_runs(a, b)
    export = tmp_path / "wave2.csv"
    export.write_text("comment,score\ngreat,9\n", encoding="utf-8")
    with pytest.raises(VerbatimError, match=r"E303 .*wave2.csv: is not a run: pass the folder"):
        compare_runs(tmp_path, export)


def test_compare_load_run_reads_an_earlier_minor_version(tmp_path):
    # Last month's run, written before themes[].side was added (1.4), still compares; a
    # later or another major version is refused.
    report = make_report()
    for version, readable in (("1.3", True), ("1.11", True), ("1.13", False), ("2.0", False)):
        (tmp_path / "report.json").write_text(json.dumps({**report, "schema_version": version}), encoding="utf-8")
        if readable:
            assert load_run(tmp_path)["schema_version"] == version
        else:
            with pytest.raises(VerbatimError, match="report schema"):
                load_run(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no report.json"), ("{not json", "not readable JSON"), ('{"schema_version": "1.0"}', "report schema")],
)
def test_compare_load_run_fails_with_one_line_e303(tmp_path, content, message):
    if content is not None:
        (tmp_path / "report.json").write_text(content, encoding="utf-8")
    with pytest.raises(VerbatimError) as info:
        load_run(tmp_path)
    assert info.value.code == "E303" and message in str(info.value)
    assert "\n" not in str(info.value) and str(tmp_path) in str(info.value)


def test_compare_notes_runs_on_different_scales():
    """A 0-10 run against a 5-star run read "NPS +16.8 -> -12.5: -29.3 points, significant"
    with no word that promoters meant other answers in each."""
    a, b = copy.deepcopy(A), copy.deepcopy(B)
    a["run"]["scale"] = {"name": "nps", "minimum": 0.0, "maximum": 10.0, "promoter_min": 9.0, "detractor_max": 6.0}
    b["run"]["scale"] = {"name": "5", "minimum": 1.0, "maximum": 5.0, "promoter_min": 5.0, "detractor_max": 3.0}
    notes = compare_reports(a, b)["notes"]
    assert any("different scales (nps 0-10 (promoters from 9, detractors up to 6) against 5 1-5 (promoters "
               "from 5, detractors up to 3))" in n for n in notes)
    assert not any("different scales" in n for n in compare_reports(a, copy.deepcopy(a))["notes"])


def test_compare_with_an_unscored_run_lists_no_department_as_only_in_the_other():
    """A run without scores lists no department: compare said every department of the
    other run was "only in the earlier run"."""
    b = copy.deepcopy(B)
    b["nps"] = {**b["nps"], "n": 0}
    b["departments"] = []
    result = compare_reports(A, b)
    assert result["only_in_a"] == [] and result["departments"] == []
    assert any("later run has no scored respondent" in n for n in result["notes"])


def test_compare_share_test_holds_its_level_for_waves_of_unequal_size():
    """The pooled z-test rejected 5-10 times too often in the tail (p < 0.001) for a wave of
    500 against one of 10,000 with few mentions; the exact conditional test does not."""
    from verbatim.stats import conditional_binomial_p

    rng = np.random.default_rng(3)
    for rate in (0.002, 0.01, 0.03):
        xa, xb = rng.binomial(500, rate, 20000), rng.binomial(10000, rate, 20000)
        p = conditional_binomial_p(xb, 10000, xa, 500)
        assert np.mean(p < 0.05) <= 0.05 and np.mean(p < 0.001) <= 0.0015, rate


def test_compare_a_theme_unmentioned_in_a_small_wave_is_not_new_by_itself():
    """0 of 500 then 12 of 10,000 is what the waves' sizes make likely: it was listed "new"."""
    a = _report({ALL: (500, 200, 150)}, THEMES, {(ALL, 0, "all"): (0, 0.0, -1.0, 1.0), (ALL, 1, "all"): (50, -5.0, -7.0, -3.0)},
                sha="a")
    b = _report({ALL: (10000, 4000, 3000)}, THEMES, {(ALL, 0, "all"): (12, -0.1, -0.5, 0.3), (ALL, 1, "all"): (1000, -5.0, -6.0, -4.0)},
                sha="b")
    result = compare_reports(a, b, same_model=True)
    assert result["overall"]["appeared"] == []
    b2 = _report({ALL: (10000, 4000, 3000)}, THEMES, {(ALL, 0, "all"): (400, -2.0, -3.0, -1.0), (ALL, 1, "all"): (1000, -5.0, -6.0, -4.0)},
                 sha="b")
    assert compare_reports(a, b2, same_model=True)["overall"]["appeared"] == ["Late delivery"]


def test_compare_gives_the_range_of_the_nps_change():
    """"-10.0 points, not significant" read as "no change": the change's interval says how
    large a change the two waves cannot rule out."""
    from verbatim.stats import nps_difference_interval

    nps = compare_reports(A, B)["overall"]["nps"]
    low, high = nps_difference_interval(400, 350, 1000, 450, 300, 1000)
    assert (nps["ci_low"], nps["ci_high"]) == (round(float(low), 1), round(float(high), 1))
    assert nps["ci_low"] < nps["change"] < nps["ci_high"]
    assert f"likely between {nps['ci_low']:+.1f} and {nps['ci_high']:+.1f}" in format_comparison(compare_reports(A, B))


def test_nps_change_range_is_never_zero_wide_and_hides_when_it_contradicts_the_test():
    """30 promoters out of 30 twice gave the range "+0.0 to +0.0"; and a range that excludes 0
    beside "not significant" (the test's error is pooled, the range's not) contradicted it."""
    from verbatim.stats import nps_difference_interval

    low, high = nps_difference_interval(30, 0, 30, 30, 0, 30)
    assert low < 0 < high
    b = copy.deepcopy(B)
    result = compare_reports(A, b)
    result["overall"]["nps"].update(ci_low=-14.0, ci_high=-6.0, significant=False)
    assert "likely between -14.0" not in format_comparison(result)


def test_compare_notes_respondents_found_in_both_runs(tmp_path):
    """A cumulative export (January to June after January to March) repeats the earlier run's
    customers, which the tests take for independent samples; nothing said so. Ids the runs
    numbered themselves ("row-2") are no respondents and are not compared."""
    a = make_report()
    b = copy.deepcopy(a)
    b["run"]["input"]["sha256"] = "b" * 64
    folders = []
    for name, report, rows in (("a", a, "r1,promoter\nr2,detractor\nr3,passive\nr9,\nrow-7,promoter\n"),
                               ("b", b, "r2,promoter\nr3,passive\nr4,detractor\nr9,\nrow-7,passive\n")):
        report["run"]["columns"]["id"] = "id"
        folder = tmp_path / name
        folder.mkdir()
        (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
        (folder / "assignments.csv").write_text("response_id,nps_group\n" + rows, encoding="utf-8")
        folders.append(folder)
    notes = compare_runs(*folders)["notes"]
    # r9 is unscored; row-7 is the number ingest gave a row without an id, in each file its own.
    assert any(n.startswith("2 response id(s) appear in both runs") for n in notes), notes
    for folder, report in zip(folders, (a, b)):
        report["run"]["columns"]["id"] = None
        (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    assert not any("appear in both runs" in n for n in compare_runs(*folders)["notes"])
