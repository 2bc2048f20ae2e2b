"""End to end on the bundled sample: the engine recovers the planted truth.

One real run (real spaCy, real MiniLM, real theme model, 1,000 bootstrap resamples) is
shared by the tests of this module.
"""

from __future__ import annotations

import json

import pytest

from planted import planted_truth, theme_to_planted
from verbatim.config import load_config
from verbatim.pipeline import analyze
from verbatim.report.build import validate_report

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


def test_pipeline_recovers_planted_top2_per_department(run, planted_of):
    result, _ = run
    truth = planted_truth()["top2_by_department"]
    found = {d["name"]: _top2(d["ranking"], planted_of) for d in result.report["departments"]}
    assert {name: set(v) for name, v in found.items()} == {name: set(v) for name, v in truth.items()}


def test_pipeline_planted_strengths_lead_the_strengths(run, planted_of):
    result, _ = run
    strengths = planted_truth()["strengths"]
    found = [planted_of.get(s["theme_id"]) for s in result.report["overall"]["strengths"][:3]]
    assert all(f in strengths for f in found), found


def test_pipeline_redacts_pii_everywhere(run):
    _, out = run
    for name in ("report.json", "summary.md", "report.html", "assignments.csv"):
        text = (out / name).read_text()
        assert "4111 1111 1111 1111" not in text and "@example." not in text, name
