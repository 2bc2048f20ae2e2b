"""The bundled sample survey and its planted truth agree with each other and with the design.

No model is loaded: impacts are recomputed here from the two CSV files with plain pandas,
independently of the generator's own code, and compared with planted_truth.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
GENERATOR = ROOT / "scripts" / "generate_sample.py"
FILES = ["nps_survey.csv", "nps_survey_segments_truth.csv", "planted_truth.json", "README.md"]
DEPARTMENTS = {"Delivery", "Customer Service", "Billing", "App", "Returns", "Stores"}
MARGIN = 1.3
MIN_MENTIONS = 40


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    # keep_default_na=False: "n/a", "NA" and "-" are answers to keep, not missing values.
    df = pd.read_csv(SAMPLES / "nps_survey.csv", dtype={"comment": str}, keep_default_na=False)
    df["submitted_at"] = pd.to_datetime(df["submitted_at"], format="ISO8601")
    return df


@pytest.fixture(scope="module")
def truth_segments() -> pd.DataFrame:
    return pd.read_csv(SAMPLES / "nps_survey_segments_truth.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLES / "planted_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def carries(survey, truth_segments, truth) -> pd.DataFrame:
    """Boolean table: one row per response, one column per theme id."""
    ids = [t["id"] for t in truth["themes"]]
    flags = pd.crosstab(truth_segments["response_id"], truth_segments["theme_id"]) > 0
    return flags.reindex(index=survey["response_id"], columns=ids, fill_value=False)


def nps(scores: pd.Series) -> float:
    return 100.0 * ((scores >= 9).mean() - (scores <= 6).mean())


def impacts(scores: pd.Series, carries: pd.DataFrame) -> pd.Series:
    """NPS(all) - NPS(respondents without the theme), per theme, NPS points."""
    overall = nps(scores)
    return pd.Series({t: overall - nps(scores[~carries[t].to_numpy()]) if carries[t].any() else 0.0
                      for t in carries.columns})


def top_two_and_ratio(imp: pd.Series) -> tuple[list[str], float]:
    ranked = sorted(imp.index, key=lambda t: (imp[t], t))
    second, third = -imp[ranked[1]], -imp[ranked[2]]
    return ranked[:2], (second / third if third > 0 else float("inf"))


def test_sample_data_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)],
                   check=True, capture_output=True, cwd=ROOT)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_sample_data_survey_shape(survey):
    assert len(survey) >= 2000
    assert list(survey.columns) == ["response_id", "submitted_at", "score", "comment", "department"]
    assert survey["response_id"].is_unique
    assert survey["response_id"].str.fullmatch(r"R\d{6}").all()
    assert set(survey["department"]) == DEPARTMENTS
    assert survey["department"].value_counts().min() >= 200
    assert survey["department"].value_counts().nunique() > 1  # unequal sizes


def test_sample_data_scores_are_integers_0_to_10(survey):
    assert survey["score"].dtype.kind == "i"
    assert survey["score"].between(0, 10).all()
    assert survey["score"].nunique() == 11


def test_sample_data_dates_span_twelve_months(survey):
    months = survey["submitted_at"].dt.to_period("M")
    assert months.nunique() == 12
    assert survey["submitted_at"].min() >= pd.Timestamp("2025-12-01")
    assert survey["submitted_at"].max() < pd.Timestamp("2026-12-01")
    # Volume varies by month.
    assert months.value_counts().max() > 1.3 * months.value_counts().min()


def test_sample_data_truth_segments_are_substrings_in_order(survey, truth_segments):
    comments = survey.set_index("response_id")["comment"]
    for rid, group in truth_segments.groupby("response_id", sort=False):
        comment, pos = comments[rid], 0
        assert list(group["segment_index"]) == list(range(len(group)))
        for text in group["segment_text"]:
            found = comment.find(text, pos)
            assert found >= 0, (rid, text, comment)
            pos = found + len(text)


def test_sample_data_truth_has_no_duplicate_theme_per_response(truth_segments):
    assert not truth_segments.duplicated(["response_id", "theme_id"]).any()


def test_sample_data_messy_kinds_match_counts(survey, truth_segments, truth):
    counts = truth["counts"]
    themed = set(truth_segments["response_id"])
    untheme = survey[~survey["response_id"].isin(themed)]
    blank = untheme["comment"].str.strip() == ""
    assert blank.sum() == counts["blank"]
    assert len(untheme) == counts["blank"] + counts["non_answer"] + counts["non_english"]
    assert len(themed) == counts["themed"]
    assert len(truth_segments) == counts["segments"]
    assert 0.03 <= counts["blank"] / len(survey) <= 0.07


def test_sample_data_pii_is_present(survey, truth):
    text = survey["comment"]
    pii = truth["counts"]["pii"]
    assert text.str.contains(r"[\w.]+@example\.", regex=True).sum() == pii["email"]
    assert text.str.contains("4111 1111 1111 1111", regex=False).sum() == 1
    assert text.str.contains(r"https?://|www\.", regex=True).sum() == pii["url"]
    assert pii["staff_name"] >= 20 and pii["phone"] >= 10
    assert truth["counts"]["product_names"] >= 5


def test_sample_data_truth_json_matches_recomputed_impacts(survey, carries, truth):
    scores = survey["score"].reset_index(drop=True)
    flags = carries.reset_index(drop=True)
    imp = impacts(scores, flags)
    assert truth["nps_overall"] == pytest.approx(nps(scores), abs=1e-3)
    assert 10 <= truth["nps_overall"] <= 25
    for theme in truth["themes"]:
        assert theme["measured"]["count"] == flags[theme["id"]].sum()
        assert theme["measured"]["impact"] == pytest.approx(imp[theme["id"]], abs=1e-3)
    top2, ratio = top_two_and_ratio(imp)
    assert top2 == truth["top2_overall"]
    assert ratio >= MARGIN


def test_sample_data_top2_by_department_is_separated(survey, carries, truth):
    scores = survey["score"].reset_index(drop=True)
    flags = carries.reset_index(drop=True)
    assert set(truth["top2_by_department"]) == DEPARTMENTS
    for dept, expected in truth["top2_by_department"].items():
        mask = (survey["department"] == dept).to_numpy()
        imp = impacts(scores[mask].reset_index(drop=True), flags[mask].reset_index(drop=True))
        top2, ratio = top_two_and_ratio(imp)
        assert top2 == expected, dept
        assert ratio >= MARGIN, dept
        for theme in top2:
            assert flags.loc[mask, theme].sum() >= MIN_MENTIONS, (dept, theme)
            by_dept = next(t for t in truth["themes"] if t["id"] == theme)["measured"]
            assert by_dept["by_department"][dept]["impact"] == pytest.approx(imp[theme], abs=1e-3)


def test_sample_data_strengths_have_largest_positive_impacts(survey, carries, truth):
    imp = impacts(survey["score"].reset_index(drop=True), carries.reset_index(drop=True))
    kinds = {t["id"]: t["kind"] for t in truth["themes"]}
    strengths = [t for t, k in kinds.items() if k == "strength"]
    assert 4 <= len(strengths) <= 6
    assert sorted(truth["strengths"]) == sorted(strengths)
    assert truth["strengths"] == sorted(strengths, key=lambda t: -imp[t])
    best_issue = max(imp[t] for t, k in kinds.items() if k == "issue")
    assert min(imp[t] for t in strengths) > max(best_issue, 0.0)


def test_sample_data_planted_trend_is_in_the_data(survey, carries, truth):
    month = survey["submitted_at"].dt.strftime("%Y-%m").to_numpy()
    flags = carries.reset_index(drop=True)
    grow = truth["trend"]["growing"]
    in_dept = (survey["department"] == grow["department"]).to_numpy()
    share = flags.loc[in_dept, grow["theme"]].groupby(month[in_dept]).mean()
    late = share[share.index.isin(grow["months"])].mean()
    early = share[~share.index.isin(grow["months"])].mean()
    assert late >= 2.0 * early

    fixed = truth["trend"]["fixed"]
    present = pd.Series(month[flags[fixed["theme"]].to_numpy()])
    assert present.max() == fixed["last_month_present"]
    assert present.nunique() == 6  # present every month up to then


def test_sample_data_themes_are_well_formed(truth):
    ids = [t["id"] for t in truth["themes"]]
    assert 20 <= len(ids) <= 24
    assert len(set(ids)) == len(ids)
    assert all(t["id"].isidentifier() and t["id"].islower() for t in truth["themes"])
    assert all(t["kind"] in {"issue", "strength"} for t in truth["themes"])


def test_sample_data_contradictory_themes_never_share_a_comment(carries):
    for a, b in [("late_delivery", "fast_delivery"), ("slow_refund", "quick_refund"),
                 ("prices_too_high", "good_value_quality")]:
        assert not (carries[a] & carries[b]).any(), (a, b)


def test_sample_data_planted_prevalence_matches_counts(truth):
    n = truth["n_responses"]
    for theme in truth["themes"]:
        p = theme["planted_prevalence"]["overall"]
        # Within 4 binomial standard errors of the planted share.
        assert abs(theme["measured"]["count"] - n * p) <= 4 * (n * p * (1 - p)) ** 0.5, theme["id"]
