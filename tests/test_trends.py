"""Trend statistics: hand-made tables with known answers, and the sample's planted trend."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from verbatim import impact, trends
from verbatim.ingest import load_responses
from verbatim.trends import TrendSettings

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _table(months: list[tuple[str, int, int, int]], theme_counts: dict[str, list[int]] | None = None,
           department: str = "Shop") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses and theme matrix from (month, promoters, passives, detractors) per month.

    ``theme_counts[theme][i]`` respondents of month i mention the theme (the first ones,
    so mentions fall on promoters first).
    """
    rows, marks = [], []
    theme_counts = theme_counts or {}
    for i, (month, prom, pas, det) in enumerate(months):
        groups = ["promoter"] * prom + ["passive"] * pas + ["detractor"] * det
        for j, group in enumerate(groups):
            rid = f"{month}-{j:04d}"
            rows.append({"response_id": rid, "nps_group": group, "department": department,
                         "submitted_at": pd.Timestamp(f"{month}-15 10:00"), "weight": 1.0})
            marks.append({theme: j < counts[i] for theme, counts in theme_counts.items()} | {"response_id": rid})
    responses = pd.DataFrame(rows)
    matrix = pd.DataFrame(marks).set_index("response_id").astype(bool) if theme_counts else pd.DataFrame(
        index=pd.Index(responses["response_id"], name="response_id"))
    return responses, matrix


MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def test_trends_settings_reject_unknown_period():
    with pytest.raises(ValueError, match="period"):
        TrendSettings(period="day")
    with pytest.raises(ValueError, match="alpha"):
        TrendSettings(alpha=1.5)


def test_trends_leave_out_a_stray_date_and_placeholders():
    """One 2062-06-15 (a typo of 2026) among ten months of 2026 stretched the trend to 438
    monthly periods, the last of one respondent, so nothing could be tested, and report.json
    to 13 MB; 1900-01-01 ("no date" in spreadsheets) did the same backwards. Those responses
    leave the trend, with a note, and stay in every other figure."""
    months = [(f"2026-{m:02d}", 20, 5, 5) for m in range(1, 11)]
    responses, matrix = _table(months, {"late": [3] * 10})
    responses.loc[0, "submitted_at"] = pd.Timestamp("2062-06-15 09:00")
    responses.loc[1, "submitted_at"] = pd.Timestamp("1900-01-01")
    responses.loc[2, "submitted_at"] = pd.NaT
    result = trends.analyze_trends(responses, matrix)
    assert result.periods == tuple(f"2026-{m:02d}" for m in range(1, 11))
    assert (result.n_undated, result.n_stray, result.stray) == (3, 2, ("1900-01-01", "2062-06-15"))
    assert trends.trend_notes(result) == ["2 response(s) dated 1900-01-01, 2062-06-15, cut off from all the other "
                                          "dates (by a year, or by a period without responses) or a placeholder for "
                                          "no date, are left out of the trend (every other figure counts them)"]
    # Two waves a year apart are both kept: each holds more than a few responses.
    waves = [("2024-03", 20, 5, 5), ("2025-06", 20, 5, 5)]
    responses, matrix = _table(waves)
    assert not trends.stray_dates(responses["submitted_at"]).any()
    assert trends.analyze_trends(responses, matrix).n_stray == 0
    # Nor are two waves of 3 responses: cut, nothing of the survey would remain.
    small = pd.Series(pd.to_datetime(["2024-03-01"] * 3 + ["2025-06-01"] * 3))
    assert not trends.stray_dates(small).any()
    # Dates with a zone are read on their wall clock, as the trend buckets them.
    zoned = pd.Series(pd.date_range("2026-01-01", periods=40, freq="D", tz="Europe/Paris"))
    assert not trends.stray_dates(zoned).any()


def test_trends_leave_out_a_few_stragglers_after_an_empty_period():
    """One late response in September, after a survey that ran from January to June, made the
    latest window (August and September) a window of one respondent: no spike could be
    tested. Stragglers cut off by an empty period leave the trend like a stray date."""
    months = [(f"2026-{m:02d}", 20, 5, 5) for m in range(1, 7)]
    responses, matrix = _table(months, {"late": [3] * 6})
    responses.loc[0, "submitted_at"] = pd.Timestamp("2026-09-02 08:00")
    result = trends.analyze_trends(responses, matrix)
    assert result.periods[-1] == "2026-06" and (result.n_stray, result.stray) == (1, ("2026-09-02",))
    latest = result.flags[result.flags["group"] == "__all__"]
    assert (latest["latest_period"] == "2026-06").all() and (latest["latest_n"] == 60).all()
    # By week the gap is there too; by quarter September is the next period, no gap: kept.
    assert trends.stray_dates(responses["submitted_at"], "week").sum() == 1
    assert not trends.stray_dates(responses["submitted_at"], "quarter").any()
    # A response in July, the month after, is no straggler; nor is a wave after a gap that
    # holds more than a few responses (1 % of them, or 3).
    responses.loc[0, "submitted_at"] = pd.Timestamp("2026-07-02 08:00")
    assert not trends.stray_dates(responses["submitted_at"], "month").any()
    responses.loc[:4, "submitted_at"] = pd.Timestamp("2026-09-02 08:00")
    assert not trends.stray_dates(responses["submitted_at"], "month").any()
    # An early test response, months before the survey opened, leaves it as well.
    responses.loc[:4, "submitted_at"] = pd.Timestamp("2026-01-15 10:00")
    responses.loc[0, "submitted_at"] = pd.Timestamp("2025-10-20 10:00")
    assert trends.stray_days(responses["submitted_at"], trends.stray_dates(responses["submitted_at"], "month")) == (
        "2025-10-20",)


@pytest.mark.parametrize(
    ("period", "labels", "counts"),
    [
        ("week", ["2026-W01", "2026-W02", "2026-W03"], [2, 1, 1]),
        ("month", ["2025-12", "2026-01", "2026-02", "2026-03"], [1, 2, 0, 1]),
        ("quarter", ["2025Q4", "2026Q1"], [1, 3]),
    ],
)
def test_trends_bucketing_by_week_month_quarter(period, labels, counts):
    # 2025-12-29 is the Monday of ISO week 2026-W01; 2026-01-04 is its Sunday.
    dates = ["2025-12-29 08:00", "2026-01-04 23:59", "2026-01-05 00:00", "2026-03-31 12:00"]
    if period == "week":
        dates[-1] = "2026-01-12 09:00"
    responses = pd.DataFrame({"response_id": list("abcd"), "nps_group": ["promoter"] * 4,
                              "department": None, "submitted_at": pd.to_datetime(dates)})
    table = trends.period_nps(responses, TrendSettings(period=period))
    assert table["group"].unique().tolist() == ["__all__"]
    assert table["period"].tolist() == labels
    assert table["n_scored"].tolist() == counts
    # An empty period is a visible gap: no NPS, too small, never a significant change.
    empty = table[table["n_scored"] == 0]
    assert empty["nps"].isna().all() and empty["too_small"].all() and not empty["change_significant"].any()
    assert table["period_start"].is_monotonic_increasing


def test_trends_undated_and_unscored_responses_are_left_out():
    responses, _ = _table([("2026-01", 20, 10, 10), ("2026-02", 20, 10, 10)])
    responses.loc[:4, "submitted_at"] = pd.NaT
    responses.loc[5:6, "nps_group"] = None
    table = trends.period_nps(responses)
    assert table.attrs["n_undated"] == 5
    assert table.loc[(table["period"] == "2026-01") & (table["group"] == "Shop"), "n_scored"].item() == 40 - 5 - 2
    result = trends.analyze_trends(responses, pd.DataFrame(index=responses["response_id"]))
    assert result.n_undated == 5 and result.periods == ("2026-01", "2026-02")


def test_trends_nps_and_interval_match_impact_nps_table():
    responses, _ = _table([("2026-01", 30, 10, 10), ("2026-02", 12, 20, 18)], department="Shop")
    other, _ = _table([("2026-01", 5, 5, 20)], department="Web")
    other["response_id"] = "w" + other["response_id"]
    responses = pd.concat([responses, other], ignore_index=True)
    table = trends.period_nps(responses).set_index(["group", "period"])
    for period in ("2026-01", "2026-02"):
        subset = responses[responses["submitted_at"].dt.strftime("%Y-%m") == period]
        expected = pd.concat([impact.nps_table(subset), impact.nps_table(subset, "department")]).set_index("group")
        for group, row in expected.iterrows():
            got = table.loc[(group, period)]
            assert got["n_scored"] == row["n_scored"]
            assert got["nps"] == pytest.approx(row["nps"])
            assert (got["ci_low"], got["ci_high"]) == pytest.approx((row["ci_low"], row["ci_high"]))
    # Web has no February respondents: its February row exists and is empty.
    assert table.loc[("Web", "2026-02"), "n_scored"] == 0


def test_trends_change_test_on_a_hand_computed_case():
    # January: 30 promoters, 10 passives, 10 detractors (NPS +40); February: 15/15/20 (NPS -10).
    responses, _ = _table([("2026-01", 30, 10, 10), ("2026-02", 15, 15, 20)])
    feb = trends.period_nps(responses).iloc[1]

    # Pooled over both months (the null hypothesis: one distribution): P = 45/100, D = 30/100.
    p, d = 45 / 100, 30 / 100
    z = (-10.0 - 40.0) / (100 * math.sqrt((p + d - (p - d) ** 2) * (1 / 50 + 1 / 50)))
    assert feb["change"] == pytest.approx(-50.0)
    assert feb["change_p"] == pytest.approx(2 * NormalDist().cdf(-abs(z)), rel=1e-9)
    assert feb["change_p"] < 0.05 and feb["change_significant"]
    # The same change between periods below min_period_responses is shown, never flagged.
    small = trends.period_nps(responses, TrendSettings(min_period_responses=51)).iloc[1]
    assert small["change_p"] == pytest.approx(feb["change_p"]) and not small["change_significant"]


def test_trends_theme_share_and_impact_match_impact_module():
    responses, matrix = _table([("2026-01", 30, 10, 10), ("2026-02", 20, 10, 20)], {"late": [5, 25]})
    table = trends.theme_trends(responses, matrix)
    feb = table[(table["period"] == "2026-02") & (table["theme"] == "late")].iloc[0]
    assert (feb["n_scored"], feb["n_mentions"], feb["share"]) == (50, 25, 0.5)
    # Mentions are the first 25 rows of February: 20 promoters + 5 passives, so without the
    # theme: 0 promoters, 5 passives, 20 detractors -> NPS -80; with everyone: 0 -> impact +80.
    assert feb["impact"] == pytest.approx(0.0 - (-80.0))
    subset = responses[responses["submitted_at"].dt.month == 2]
    expected = impact.theme_impact(subset, matrix.loc[subset["response_id"]],
                                   impact.ImpactSettings(n_bootstrap=1)).iloc[0]  # fmt: skip
    assert feb["impact"] == pytest.approx(expected["impact"])
    assert feb["share_change"] == pytest.approx(0.5 - 0.1)
    assert feb["share_change_p"] < 1e-4


def _flat(months: int, n: int, mentions: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    prom = n // 2
    return _table([(MONTHS[i], prom, n - prom - n // 4, n // 4) for i in range(months)], {"theme": mentions})


# The hand-made series test the single-period spike rule; the pooled window is tested on the sample.
ONE_PERIOD = TrendSettings(spike_window=1)


def test_trends_planted_spike_is_flagged():
    responses, matrix = _flat(8, 100, [10, 12, 9, 11, 10, 8, 10, 30])
    flags = trends.flag_spikes(trends.theme_trends(responses, matrix), ONE_PERIOD)
    row = flags[flags["group"] == "__all__"].iloc[0]
    assert row["latest_period"] == "2026-08" and row["latest_mentions"] == 30
    assert row["trailing_mean"] == pytest.approx(np.mean([12, 9, 11, 10, 8, 10]) / 100)
    assert row["spiking"] and row["z"] > 2


def test_trends_flat_history_does_not_make_a_wiggle_a_spike():
    # Against the trailing sd alone (0 here) 13 after six 10s would be z = inf: the spike is
    # a two-proportion test of the latest period against the six pooled before it.
    responses, matrix = _flat(8, 100, [10, 10, 10, 10, 10, 10, 10, 13])
    row = trends.flag_spikes(trends.theme_trends(responses, matrix), ONE_PERIOD).iloc[0]
    assert row["trailing_sd"] == pytest.approx(0.0, abs=1e-12)
    pooled = 73 / 700
    assert row["z"] == pytest.approx((0.13 - 0.10) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 600)))
    assert not row["spiking"] and row["direction"] == "stable"


def test_trends_spikes_and_directions_hold_their_level_on_data_without_change():
    """The spike was a control-chart z, uncorrected, against the trailing periods' own sd
    (binomial with one or two of them): 97 % of reports of data without any change showed a
    "Spiking" line. Now one-sided tests in one Benjamini-Hochberg family with the direction
    tests, widened by the periods' wobble: at most alpha of such reports claim anything."""
    rng = np.random.default_rng(11)
    reports = 200
    claimed = 0
    for _ in range(reports):
        shares = rng.uniform(0.02, 0.15, 20)
        counts = {f"t{k}": rng.binomial(150, shares[k], size=12).tolist() for k in range(20)}
        responses, matrix = _table([(m, 75, 40, 35) for m in MONTHS], counts)
        flags = trends.flag_spikes(trends.theme_trends(responses, matrix))
        claimed += bool(flags["spiking"].any() or (flags["direction"] != "stable").any())
    assert claimed / reports <= 0.08, claimed


def test_trends_dispersion_widens_the_tests_for_wobbling_shares():
    """Month-to-month wobble with no trend (a share between 6 % and 14 %) made a third of
    reports show a rise or fall; a step inside the window is not taken for wobble."""
    from verbatim import stats

    wobbling = np.array([[90, 210, 120, 180, 100, 200, 95, 205, 110, 190]], float)
    assert stats.period_dispersion(wobbling, np.full((1, 10), 1500.0))[0] > 5
    stepped = np.array([[11, 12, 13, 8, 17, 10, 0, 0, 0]], float)
    assert stats.period_dispersion(stepped, np.array([[33, 34, 27, 23, 32, 26, 22, 26, 37]], float))[0] < 2.5
    assert stats.period_dispersion(np.array([[10.0]]), np.array([[100.0]]))[0] == 1.0


def _wobbling_survey(rng, wobble: float, rare: int = 0) -> pd.DataFrame:
    """A theme_trends table of 12 months x 1,500 respondents, 5 departments, 30 themes (and
    ``rare`` rare ones) with no change but a wobble of logit sd ``wobble``: the survey of
    ``benchmarks/bench_trends.py``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_trends import survey

    return survey(rng, wobble, None, rare)


def test_trends_wobble_is_pooled_over_a_groups_themes():
    """Each theme's wobble was estimated from its own 5-10 month-to-month steps alone: with
    every share wobbling (logit sd 0.2) and nothing changing, 50 % of such reports (60
    simulated, seed 21) claimed a spike or a direction, since a theme whose few steps happen
    to be small gets a narrow test; 12 % now that a row's wobble is at least what its
    group's wobble gives it. Real departments have a long tail of rare themes, whose
    discrete, near-binomial steps pulled a plain median of the group's steps towards 1
    (seed 33 with 60 rare themes per department: 57 % of reports claimed a change on the
    themes' own estimates, 28 % with that median, 18 % now that the wobble is fitted on the
    themes that expect 5 mentions a period and scaled to each theme's share and size)."""
    from verbatim import stats

    reports = 60
    for seed, rare, bound in ((21, 0, 0.3), (33, 60, 0.24)):
        rng = np.random.default_rng(seed)
        claimed = sum(bool((f["spiking"] | (f["direction"] != "stable")).any())
                      for f in (trends.flag_spikes(_wobbling_survey(rng, 0.2, rare)) for _ in range(reports)))
        assert claimed / reports <= bound, (seed, claimed)
    # Without wobble the group's estimate stays near 1: the tests are not widened for nothing.
    quiet = _wobbling_survey(np.random.default_rng(5), 0.0)
    keys, n = trends._series(quiet, "n_scored")
    _, x = trends._series(quiet, "n_mentions")
    pooled = stats.period_dispersion(x, n, keys["group"].to_numpy())
    assert np.median(pooled) < 1.3 and (pooled >= stats.period_dispersion(x, n)).all()


def test_trends_flat_noisy_series_is_not_flagged():
    rng = np.random.default_rng(7)
    counts = {f"t{k}": rng.binomial(100, 0.12, size=12).tolist() for k in range(5)}
    responses, matrix = _table([(m, 50, 25, 25) for m in MONTHS], counts)
    flags = trends.flag_spikes(trends.theme_trends(responses, matrix), ONE_PERIOD)
    assert not flags["spiking"].any()
    assert set(flags["direction"]) == {"stable"} and not flags["fixed"].any()


def test_trends_fixed_theme_is_flagged_fixed():
    responses, matrix = _flat(12, 60, [12, 10, 14, 11, 13, 12, 9, 12, 11, 0, 0, 0])
    row = trends.flag_spikes(trends.theme_trends(responses, matrix), ONE_PERIOD).iloc[0]
    assert row["direction"] == "falling" and row["fixed"]
    assert row["recent_share"] == 0.0 and row["earlier_share"] == pytest.approx(104 / 540)
    assert not row["spiking"]
    # A theme that only halves is falling but not fixed.
    responses, matrix = _flat(12, 60, [12, 10, 14, 11, 13, 12, 9, 12, 11, 6, 5, 6])
    row = trends.flag_spikes(trends.theme_trends(responses, matrix), ONE_PERIOD).iloc[0]
    assert row["direction"] == "falling" and not row["fixed"]


def test_trends_too_small_periods_are_never_flagged():
    # 20 respondents in the latest month, 15 of them mention the theme: a huge rise,
    # but below min_period_responses (30) nothing is flagged.
    months = [(MONTHS[i], 40, 20, 20) for i in range(6)] + [(MONTHS[6], 10, 5, 5)]
    responses, matrix = _table(months, {"theme": [8, 8, 8, 8, 8, 8, 15]})
    settings = TrendSettings(spike_window=1, recent_periods=1)
    flags = trends.flag_spikes(trends.theme_trends(responses, matrix, settings), settings)
    row = flags.iloc[0]
    assert row["too_small"] and row["z"] > 5
    assert not row["spiking"] and row["direction"] == "stable" and math.isnan(row["p_value"])
    # With a lower threshold the same data is flagged: the size rule is what held it back.
    settings = TrendSettings(spike_window=1, recent_periods=1, min_period_responses=20)
    row = trends.flag_spikes(trends.theme_trends(responses, matrix, settings), settings).iloc[0]
    assert row["spiking"] and row["direction"] == "rising"


# --------------------------------------------------------------------------- planted truth


@pytest.fixture(scope="module")
def sample():
    responses = load_responses(SAMPLES / "nps_survey.csv").responses
    segments = pd.read_csv(SAMPLES / "nps_survey_segments_truth.csv")
    matrix = pd.crosstab(segments["response_id"], segments["theme_id"]).astype(bool)
    truth = json.loads((SAMPLES / "planted_truth.json").read_text(encoding="utf-8"))["trend"]
    return responses, matrix, truth


def test_trends_sample_monthly_shares_match_planted_truth(sample):
    responses, matrix, truth = sample
    table = trends.theme_trends(responses, matrix).set_index(["group", "theme", "period"])
    for kind in ("growing", "fixed"):
        planted = truth[kind]
        for month, share in planted["monthly_share"].items():
            got = table.loc[(planted["department"], planted["theme"], month), "share"]
            assert got == pytest.approx(share, abs=5e-4), (kind, month)


def test_trends_sample_growing_theme_rises_and_fixed_theme_is_fixed(sample):
    responses, matrix, truth = sample
    result = trends.analyze_trends(responses, matrix)
    assert result.periods[-1] == "2026-11" and result.n_undated == 0
    flags = result.flags.set_index(["group", "theme"])
    growing, fixed = truth["growing"], truth["fixed"]
    grow = flags.loc[(growing["department"], growing["theme"])]
    assert grow["direction"] == "rising" and grow["q_value"] < 0.01
    assert grow["spiking"]  # the last two months, pooled, stand out from the six before
    gone = flags.loc[(fixed["department"], fixed["theme"])]
    assert gone["direction"] == "falling" and gone["fixed"] and gone["recent_share"] == 0.0
    # No other App or Stores theme is called fixed.
    assert flags.loc[flags["fixed"]].index.get_level_values("theme").unique().tolist() == [fixed["theme"]]


def test_trends_sample_growing_theme_leads_the_spike_tests_in_its_first_month(sample):
    """In its first month (12 of 34 App respondents, pooled with the month before: 17 of 68
    against 18 of 163) the planted theme is App's strongest spike signal, but among the
    report's ~200 tests not yet beyond noise; the next month it is (see the test above)."""
    responses, matrix, truth = sample
    growing = truth["growing"]
    first = pd.Period(growing["months"][0], "M")
    cut = responses[responses["submitted_at"] < first.end_time]
    flags = trends.flag_spikes(trends.theme_trends(cut, matrix.loc[matrix.index.isin(cut["response_id"])]))
    app = flags[flags["group"] == growing["department"]].set_index("theme")
    assert app.loc[growing["theme"], "latest_period"] == growing["months"][0]
    assert app["z"].idxmax() == growing["theme"] and app.loc[growing["theme"], "spike_p"] < 0.01
    assert not flags["spiking"].any()  # no other theme of any department either


# --------------------------------------------------------------------------- report.json


TREND_SCHEMA = {
    "type": "object",
    "required": ["period", "periods", "period_starts", "n_undated", "min_period_responses", "recent_periods",
                 "trailing_periods", "nps", "themes", "flags"],
    "additionalProperties": False,
    "properties": {
        "period": {"enum": ["week", "month", "quarter"]},
        "periods": {"type": "array", "items": {"type": "string"}},
        "period_starts": {"type": "array", "items": {"type": "string", "format": "date"}},
        "n_undated": {"type": "integer", "minimum": 0},
        "min_period_responses": {"type": "integer", "minimum": 1},
        "recent_periods": {"type": "integer", "minimum": 1},
        "trailing_periods": {"type": "integer", "minimum": 1},
        "nps": {"type": "array", "items": {
            "type": "object",
            "required": ["group", "n", "nps", "ci_low", "ci_high", "change", "change_p", "change_significant",
                         "too_small"],
            "additionalProperties": False,
            "properties": {
                "group": {"type": "string"},
                "n": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                "nps": {"type": "array", "items": {"type": ["number", "null"], "minimum": -100, "maximum": 100}},
                "ci_low": {"type": "array", "items": {"type": ["number", "null"], "minimum": -100, "maximum": 100}},
                "ci_high": {"type": "array", "items": {"type": ["number", "null"], "minimum": -100, "maximum": 100}},
                "change": {"type": "array", "items": {"type": ["number", "null"], "minimum": -200, "maximum": 200}},
                "change_p": {"type": "array", "items": {"type": ["number", "null"], "minimum": 0, "maximum": 1}},
                "change_ci_low": {"type": "array", "items": {"type": ["number", "null"]}},
                "change_ci_high": {"type": "array", "items": {"type": ["number", "null"]}},
                "change_significant": {"type": "array", "items": {"type": "boolean"}},
                "too_small": {"type": "array", "items": {"type": "boolean"}},
            },
        }},
        "themes": {"type": "array", "items": {
            "type": "object",
            "required": ["group", "theme_id", "side", "n_mentions", "share", "impact"],
            "additionalProperties": False,
            "properties": {
                "group": {"type": "string"},
                "theme_id": {"type": "integer"},
                "side": {"enum": ["all", "complaint", "praise"]},
                "n_mentions": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                "share": {"type": "array", "items": {"type": ["number", "null"], "minimum": 0, "maximum": 1}},
                "impact": {"type": "array", "items": {"type": ["number", "null"], "minimum": -200, "maximum": 200}},
            },
        }},
        "flags": {"type": "array", "items": {
            "type": "object",
            "required": ["group", "theme_id", "side", "latest_mentions", "latest_share", "trailing_mean",
                         "trailing_sd", "z", "spiking", "direction", "fixed", "recent_share", "earlier_share",
                         "p_value", "q_value", "too_small"],
            "additionalProperties": False,
            "properties": {
                "group": {"type": "string"},
                "theme_id": {"type": "integer"},
                "side": {"enum": ["all", "complaint", "praise"]},
                "latest_mentions": {"type": "integer", "minimum": 0},
                "latest_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "trailing_mean": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "trailing_sd": {"type": ["number", "null"], "minimum": 0},
                "z": {"type": ["number", "null"]},
                "spiking": {"type": "boolean"},
                "direction": {"enum": ["rising", "falling", "stable"]},
                "fixed": {"type": "boolean"},
                "recent_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "earlier_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "p_value": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "q_value": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "spike_q": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "too_small": {"type": "boolean"},
            },
        }},
    },
}


def test_trends_trend_block_is_valid_json_for_the_proposed_schema(sample):
    import jsonschema

    responses, matrix, truth = sample
    ids = {name: i for i, name in enumerate(matrix.columns)}
    keys = {name: (i, "all") for name, i in ids.items()}
    block = trends.trend_block(trends.analyze_trends(responses, matrix), keys)
    jsonschema.Draft202012Validator(TREND_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(block)
    json.dumps(block, allow_nan=False)
    assert len(block["periods"]) == len(block["period_starts"]) == 12
    assert all(len(s["n"]) == 12 for s in block["nps"])
    growing = truth["growing"]
    flag = next(f for f in block["flags"] if f["group"] == growing["department"]
                and f["theme_id"] == ids[growing["theme"]])  # fmt: skip
    assert flag["direction"] == "rising"
    # Pairs nobody mentions (checkout queues in App) are left out of the report.
    assert not any(f["group"] == "App" and f["theme_id"] == ids["checkout_queues"] for f in block["flags"])


def _trend_report(n_last: tuple[int, int], direction: str) -> dict:
    flag = {"group": "__all__", "theme_id": 0, "side": None, "latest_mentions": 12, "latest_share": 0.12,
            "trailing_mean": 0.004, "trailing_sd": 0.01, "z": 2.4, "spiking": True, "direction": direction,
            "fixed": False, "recent_share": 0.1, "earlier_share": 0.05, "p_value": 0.2, "q_value": 0.8,
            "too_small": False}
    series = {"group": "__all__", "nps": [10.0, -20.0], "ci_low": [0.0, -40.0], "ci_high": [20.0, 0.0],
              "n": list(n_last), "change": [None, -30.0], "change_ci_low": [None, -52.0], "change_ci_high": [None, -8.0],
              "change_significant": [False, True]}
    return {"themes": [{"id": 0, "label": "Late delivery"}],
            "trend": {"periods": ["2026-10", "2026-11"], "nps": [series], "flags": [flag], "recent_periods": 3,
                      "min_period_responses": 30, "n_undated": 0}}


def test_trends_markdown_claims_only_what_was_tested():
    """A month of 29 respondents is not compared; a change within the noise gives the range
    it may still hold ("within the noise" alone read as "no change"); a share under 1 % is
    not shown as 0 %."""
    from verbatim.report.trend_view import trend_markdown

    text = "\n".join(trend_markdown(_trend_report((40, 29), "stable")))
    assert "too few respondents in 2026-10 or 2026-11" in text and "beyond noise." not in text.split("\n")[2]
    assert "**Spiking:** Late delivery: 12% of respondents recently, against a usual 0.4%; beyond noise." in text
    text = "\n".join(trend_markdown(_trend_report((40, 45), "rising")))
    assert "-30.0 points against 2026-10 (likely between -52.0 and -8.0): beyond noise." in text
    assert "No theme rose or fell" not in text


def test_trends_report_shows_a_direction_when_only_the_latest_window_is_small():
    """``too_small`` is about the latest (spike) window: a theme gone for three months, whose
    last two months held 10 respondents each, was "fixed" in report.json (q = 0.017) while
    every report said "No theme rose or fell beyond noise"."""
    from verbatim.report.trend_view import trend_html, trend_markdown

    report = _trend_report((40, 45), "falling")
    report["trend"]["flags"][0].update(spiking=False, fixed=True, too_small=True, recent_share=0.0, earlier_share=0.05)
    text = "\n".join(trend_markdown(report))
    assert "**Fixed:** Late delivery: 5% of respondents before, 0% in the last 3 periods." in text
    assert "No theme rose or fell" not in text and "Fixed: Late delivery" in trend_html(report)


def test_trends_report_says_when_nothing_could_be_tested():
    """One month of responses: no test ran, and "No theme rose or fell beyond noise" claimed
    a stability nobody measured; the charts had nothing to draw and showed two empty boxes."""
    from verbatim.report.trend_view import trend_html, trend_markdown

    report = _trend_report((40, 45), "stable")
    report["trend"]["flags"][0].update(spiking=False, p_value=None, q_value=None, spike_q=None)
    text = "\n".join(trend_markdown(report))
    assert "No theme rose or fell" not in text
    assert "Too few periods or respondents to test any theme for a change" in text
    report["trend"]["flags"][0]["p_value"] = 0.4
    assert "No theme rose or fell beyond noise." in "\n".join(trend_markdown(report))
    report["trend"]["periods"] = ["2026-11"]
    assert "chart-box" not in trend_html(report)


def test_trends_nps_chart_breaks_its_line_at_an_empty_period():
    """An empty period is a gap: the line and band were drawn straight across it."""
    import re

    from verbatim.report.trend_view import nps_trend_chart

    report = _trend_report((40, 45), "stable")
    series = report["trend"]["nps"][0]
    report["trend"]["periods"] = ["2026-08", "2026-09", "2026-10", "2026-11"]
    series.update(nps=[10.0, None, 20.0, 30.0], ci_low=[0.0, None, 5.0, 15.0], ci_high=[20.0, None, 35.0, 45.0],
                  n=[40, 0, 45, 50])
    svg = nps_trend_chart(report)
    lines = re.findall(r'<polyline class="trend-line" points="([^"]+)"', svg)
    assert [len(points.split()) for points in lines] == [1, 2]
    assert len(re.findall(r'<circle class="trend-point"', svg)) == 3


def test_trends_chart_x_labels_do_not_run_together():
    """Twelve monthly labels on the theme chart's 512 px ran together ("2025-122026-01")."""
    import re

    from verbatim.report.trend_view import nps_trend_chart, theme_trend_chart

    periods = [f"2025-{m:02d}" for m in range(1, 13)]
    report = _trend_report((40, 45), "rising")
    series = report["trend"]["nps"][0]
    for key, value in (("nps", 10.0), ("ci_low", 0.0), ("ci_high", 20.0), ("n", 40), ("change", 1.0),
                       ("change_significant", False)):
        series[key] = [value] * len(periods)
    report["trend"]["periods"] = periods
    report["trend"]["themes"] = [{"group": "__all__", "theme_id": 0, "side": None, "share": [0.1] * len(periods)}]
    for svg in (nps_trend_chart(report), theme_trend_chart(report)):
        xs = [float(x) for x, label in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" font-size="11">(20\d\d-\d\d)<', svg)]
        assert xs and periods[-1] in svg and min(b - a for a, b in zip(xs, xs[1:])) >= 52
        assert max(xs) + 24 <= 760 - 8  # the last label is not cut by the edge


def test_trends_chart_y_axes_have_round_ticks():
    """The NPS axis read "+41, +16, -10" (the padded range and its middle): ticks are now
    round steps spanning it, with 0 where the range crosses it."""
    import re

    from verbatim.report.trend_view import nps_trend_chart, theme_trend_chart

    periods = [f"2025-{m:02d}" for m in range(1, 7)]
    report = _trend_report((40, 45), "rising")
    series = report["trend"]["nps"][0]
    for key, value in (("nps", [14.0, 12.0, 16.0, 8.0, 25.0, 13.0]), ("ci_low", [4.0, 2.0, 6.0, -4.0, 14.0, 2.0]),
                       ("ci_high", [24.0, 22.0, 26.0, 20.0, 36.0, 23.0]), ("n", [40] * 6), ("change", [1.0] * 6),
                       ("change_significant", [False] * 6)):
        series[key] = value
    report["trend"]["periods"] = periods
    report["trend"]["themes"] = [{"group": "__all__", "theme_id": 0, "side": None,
                                  "share": [0.02, 0.03, 0.07, 0.04, 0.01, 0.06]}]
    ticks = [t for t in re.findall(r'text-anchor="end" font-size="11">([^<]+)<', nps_trend_chart(report))]
    values = [int(t) for t in ticks]
    steps = {b - a for a, b in zip(values, values[1:])}
    assert len(steps) == 1 and steps.pop() in (10, 20, 25, 50) and 0 in values
    assert values[0] <= -4 and values[-1] >= 36 and all(v % 10 == 0 for v in values)
    shares = re.findall(r'text-anchor="end" font-size="11">(\d+)%<', theme_trend_chart(report))
    assert shares[0] == "0" and int(shares[-1]) >= 7 and len({int(b) - int(a) for a, b in zip(shares, shares[1:])}) == 1
