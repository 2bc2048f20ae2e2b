"""Tracking over time: NPS and theme shares per period, and the themes that move.

Inputs are the ``responses`` table (``response_id``, ``nps_group``, ``department``,
``submitted_at``) and the boolean theme matrix indexed by ``response_id`` (as for
:func:`verbatim.impact.analyze_impact`). Respondents are bucketed by ``submitted_at``
into calendar weeks (Monday to Sunday, labelled ISO-style ``2026-W41``), months
(``2026-10``) or quarters (``2026Q4``); respondents without a date, or with one that
cannot place them (a placeholder such as 1900-01-01, a typo far from all the others, or a
few stragglers after a period without responses: :func:`stray_dates`), are counted in ``n_undated`` and left out. Only scored respondents enter, as in impact.py, so a theme's
share here is n_mentions / n_scored, the same share the impact tables show. Figures are
unweighted (the ``weight`` column is not used).

Every group ("__all__" then each department) gets the same grid of periods, from the
first to the last dated response, so an empty period is a visible gap (n_scored 0, NPS
NaN), never a silently skipped month.

Units: NPS, changes, impacts and intervals are NPS points (-100..100); shares are 0-1.

Tests used:

* NPS change between consecutive periods: two-sided z-test of the difference of two
  independent NPS values, the standard error being the one under the null hypothesis of one
  distribution for both periods, sqrt((P + D - (P - D)^2) (1/n1 + 1/n2)) with the shares
  P and D pooled over the two (:func:`verbatim.stats.nps_difference_p`; two all-promoter
  months differ by nothing, p = 1).
* Share change between consecutive periods, and recent window vs earlier window: pooled
  two-proportion z-test (:func:`verbatim.stats.two_proportion_p`). The window tests of
  all (group, theme) pairs are corrected together with Benjamini-Hochberg.
* Spike: one-sided pooled two-proportion z-test of the latest ``spike_window`` periods
  pooled against the ``trailing_periods`` periods before them pooled, the standard error
  widened by the trailing periods' dispersion (:func:`verbatim.stats.period_dispersion`:
  their shares' scatter beyond sampling noise, at least what the group's wobble gives it),
  tested only with at least
  :data:`SPIKE_MIN_TRAILING` trailing periods; its p-values join the window tests in one
  Benjamini-Hochberg family, since a report lists spikes and directions together. (A
  control-chart z against the trailing sd, uncorrected, flagged a spike in 97 % of reports
  of data with no change.) The window tests are widened by the earlier periods' dispersion
  alike.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from . import stats
from .departments import department_labels

ALL = "__all__"
PERIODS = {"week": "W-SUN", "month": "M", "quarter": "Q"}
DIRECTIONS = ("rising", "falling", "stable")
# A theme counts as fixed when the fall is significant and the upper 95 % bound of its
# recent share is at most this fraction of its earlier share: "near zero" relative to where
# it was, with the recent window's few mentions taken into account.
FIXED_FRACTION = 0.25
# Trailing periods with respondents a spike needs to be tested against: with one or two,
# the baseline is itself too noisy (a third of null reports flagged a spike after 3 months).
SPIKE_MIN_TRAILING = 3


@dataclasses.dataclass(frozen=True)
class TrendSettings:
    """Tunables of the trend statistics.

    period: "week" (Monday-Sunday), "month" or "quarter".
    min_period_responses: scored respondents a period (or a window) needs for any change,
        spike or direction to be flagged; smaller periods are shown but never flagged.
    spike_sd: the least z of a spike, besides its test being beyond noise (module docstring).
    spike_min_count: mentions a theme needs in the latest period to spike, and in the
        earlier window to be called fixed.
    trailing_periods: periods before the latest window that the spike baseline is taken over.
    spike_window: the last periods pooled into the "latest" window tested for a spike.
    recent_periods: the last periods that form the "recent" window of the direction test.
    alpha: significance level of the change tests and the FDR of the direction tests;
        NPS intervals are at confidence 1 - alpha.
    """

    period: str = "month"
    min_period_responses: int = 30
    spike_sd: float = 2.0
    spike_min_count: int = 10
    trailing_periods: int = 6
    spike_window: int = 2
    recent_periods: int = 3
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {self.period!r}")
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.spike_sd <= 0:
            raise ValueError(f"spike_sd must be positive, got {self.spike_sd}")
        if min(self.min_period_responses, self.spike_min_count, self.trailing_periods, self.recent_periods, self.spike_window) < 1:
            raise ValueError("min_period_responses, spike_min_count, trailing_periods and recent_periods must be >= 1")


@dataclasses.dataclass(frozen=True)
class TrendResult:
    """Everything :func:`analyze_trends` computes.

    ``nps``: :func:`period_nps`; ``themes``: :func:`theme_trends`; ``flags``:
    :func:`flag_spikes`; ``periods``: the period labels in order; ``n_undated``:
    responses left out for lack of a usable date, of which ``n_stray`` hold one
    (:func:`stray_dates`), ``stray`` their distinct days.
    """

    settings: TrendSettings
    nps: pd.DataFrame
    themes: pd.DataFrame
    flags: pd.DataFrame
    periods: tuple[str, ...]
    n_undated: int
    n_stray: int = 0
    stray: tuple[str, ...] = ()


class _Dated:
    """Scored, dated respondents as arrays, with the shared period grid."""

    def __init__(self, responses: pd.DataFrame, settings: TrendSettings) -> None:
        missing = [c for c in ("response_id", "nps_group") if c not in responses.columns]
        if missing:
            raise ValueError(f"responses table lacks column(s) {', '.join(missing)}")
        when = responses["submitted_at"] if "submitted_at" in responses.columns else pd.Series(pd.NaT, index=responses.index)
        when = pd.to_datetime(when)
        if getattr(when.dt, "tz", None) is not None:
            when = when.dt.tz_localize(None)  # bucket on the local wall-clock date the file gives
        stray = stray_dates(when, settings.period)
        self.stray = stray_days(when, stray)
        self.n_stray = int(stray.sum())
        dated = when.notna().to_numpy() & ~stray
        self.n_undated = int((~dated).sum())
        group = responses["nps_group"].astype(object)
        keep = dated & group.notna().to_numpy()
        periods = when[keep].dt.to_period(PERIODS[settings.period])
        self.ids = responses.loc[keep, "response_id"].astype(str).to_numpy()
        self.promoter = (group[keep] == "promoter").to_numpy(float)
        self.detractor = (group[keep] == "detractor").to_numpy(float)
        dept = department_labels(responses["department"]) if "department" in responses.columns else None
        self.department = dept[keep].to_numpy(object) if dept is not None else np.full(len(self.ids), None, object)
        if len(periods):
            ordinals = pd.PeriodIndex(periods).asi8  # period ordinals, consecutive integers
            first, last = periods.min(), periods.max()
            self.grid = pd.period_range(first, last, freq=first.freq)
            self.index = ordinals - first.ordinal
        else:
            self.grid = pd.PeriodIndex([], freq=PERIODS[settings.period])
            self.index = np.zeros(0, np.int64)
        self.labels = [period_label(p) for p in self.grid]
        self.starts = [p.start_time for p in self.grid]
        names = sorted({d for d in self.department if d is not None})
        self.groups = [ALL, *names]

    def mask(self, group: str) -> np.ndarray:
        return np.ones(len(self.ids), bool) if group == ALL else self.department == group

    def per_period(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Sums of ``values`` ((n,) or (n, T)) per period over the masked rows: (K,) or (K, T)."""
        k = len(self.grid)
        idx = self.index[mask]
        if values.ndim == 1:
            return np.bincount(idx, weights=values[mask], minlength=k)
        out = np.zeros((k, values.shape[1]))
        np.add.at(out, idx, values[mask])
        return out


# Dates that stand for "no date" in the systems surveys come from: spreadsheets' day 0
# (1899-12-30, 1899-12-31, 1900-01-01; 1904-01-01 on a Mac), Unix time 0, at midnight.
PLACEHOLDER_DATES = frozenset(pd.Timestamp(d) for d in ("1899-12-30", "1899-12-31", "1900-01-01", "1904-01-01",
                                                        "1970-01-01"))
# A date more than this far from all the others, held by at most STRAY_SHARE of the dated
# responses (or STRAY_MIN), is a typo (2062 for 2026) rather than a wave of the survey.
STRAY_GAP = pd.Timedelta(days=365)
STRAY_SHARE, STRAY_MIN = 0.01, 3


def stray_dates(when: pd.Series, period: str | None = None) -> np.ndarray:
    """Which dates cannot place a response in the trend: a placeholder for "no date"
    (:data:`PLACEHOLDER_DATES`), or a date cut off from the others at either end by a gap of
    more than :data:`STRAY_GAP` and held by few responses. One 2062-06-15 among 2026's dates
    stretched the trend to 438 monthly periods ending on a month of one respondent, where no
    theme could be tested, and report.json to 13 MB. Such responses stay in every other
    figure; only the trend leaves them out.

    With a ``period`` ("week", "month", "quarter") a gap of one empty period or more cuts off
    as well: one late response in September after a survey that ended in June made the
    latest window of the trend (August and September) a window of one respondent, too small
    to test a spike in anything."""
    values = pd.to_datetime(when)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)  # the wall clock, as _Dated buckets it
    stray = (values.isin(PLACEHOLDER_DATES) & values.notna()).to_numpy().copy()
    rest = np.flatnonzero(values.notna().to_numpy() & ~stray)
    if len(rest) < 2:
        return stray
    order = rest[np.argsort(values.to_numpy()[rest], kind="stable")]
    times = values.to_numpy()[order]
    apart = np.diff(times) > STRAY_GAP.to_timedelta64()
    if period is not None:  # an empty period between two neighbours
        apart |= np.diff(pd.PeriodIndex(values.iloc[order], freq=PERIODS[period]).asi8) > 1
    gaps = np.flatnonzero(apart)  # a gap after sorted position i
    few = max(STRAY_MIN, int(STRAY_SHARE * len(order)))
    low = max([i + 1 for i in gaps if i + 1 <= few], default=0)  # how many are cut off below
    high = max([len(order) - (i + 1) for i in gaps if len(order) - (i + 1) <= few], default=0)  # ... above
    # Cut only while more than a few responses remain: two small waves a year apart are the
    # survey, not each other's typos.
    if len(order) - low - high > few:
        stray[order[:low]] = True
        stray[order[len(order) - high:]] = True
    return stray


def stray_days(when: pd.Series, stray: np.ndarray) -> tuple[str, ...]:
    """The distinct days (YYYY-MM-DD, in order) of the ``stray`` dates of ``when``."""
    return tuple(sorted(dict.fromkeys(pd.to_datetime(when)[stray].dt.strftime("%Y-%m-%d"))))


def stray_phrase(n: int, days: tuple[str, ...], noun: str = "response(s)") -> str:
    """``'2 response(s) dated 1900-01-01, 2062-06-15, cut off from ...'``: the rows :func:`stray_dates` finds."""
    shown = ", ".join(days[:5]) + (", ..." if len(days) > 5 else "")
    return (f"{n} {noun} dated {shown}, cut off from all the other dates (by a year, or by a period without "
            f"responses) or a placeholder for no date,")


def trend_notes(result: "TrendResult") -> list[str]:
    """The run notes of a trend: responses whose date cannot place them in it."""
    if not result.n_stray:
        return []
    return [f"{stray_phrase(result.n_stray, result.stray)} are left out of the trend (every other figure counts them)"]


def period_label(period: pd.Period) -> str:
    """Readable label of a period: ``2026-W41`` (ISO week), ``2026-10``, ``2026Q4``."""
    if period.freqstr.startswith("W"):
        iso = period.start_time.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return str(period)


def _lag(values: np.ndarray) -> np.ndarray:
    """The previous period's value along axis 0 (NaN for the first period)."""
    out = np.full(values.shape, np.nan)
    out[1:] = values[:-1]
    return out


def period_nps(responses: pd.DataFrame, settings: TrendSettings = TrendSettings()) -> pd.DataFrame:
    """NPS with its adjusted-Wald interval per period, overall and per department.

    One row per (group, period), periods in order. Columns: ``group`` ("__all__" or a
    department), ``period`` (label, e.g. "2026-10"), ``period_start`` (Timestamp),
    ``n_scored``, ``nps``, ``ci_low``, ``ci_high`` (points, confidence 1 - alpha; NaN
    for an empty period), ``change`` (nps minus the previous period's, points),
    ``change_p`` (z-test, module docstring), ``change_ci_low`` / ``change_ci_high`` (the
    change's interval, :func:`verbatim.stats.nps_difference_interval`: "within the noise"
    alone hid how large a change the data cannot rule out), ``change_significant``
    (change_p < alpha and neither period too small), ``too_small`` (n_scored <
    min_period_responses).
    ``attrs["n_undated"]`` holds the number of responses left out for lack of a usable date,
    ``attrs["n_stray"]`` those of them whose date is a stray (:func:`stray_dates`), and
    ``attrs["stray"]`` their distinct days.
    """
    data = _Dated(responses, settings)
    frames = []
    for group in data.groups:
        mask = data.mask(group)
        n = data.per_period(np.ones(len(data.ids)), mask)
        prom = data.per_period(data.promoter, mask)
        det = data.per_period(data.detractor, mask)
        low, high = stats.adjusted_wald_interval(prom, det, n, 1.0 - settings.alpha)
        nps = stats.nps_points(prom, det, n)
        too_small = n < settings.min_period_responses
        with np.errstate(invalid="ignore"):
            p = stats.nps_difference_p(prom, det, n, _lag(prom), _lag(det), _lag(n))
            change_low, change_high = stats.nps_difference_interval(prom, det, n, _lag(prom), _lag(det), _lag(n),
                                                                    1.0 - settings.alpha)
        change_ok = ~too_small & ~np.concatenate([[True], too_small[:-1]])
        frames.append(pd.DataFrame({
            "group": group, "period": data.labels, "period_start": data.starts, "n_scored": n.astype(int),
            "nps": nps, "ci_low": low, "ci_high": high, "change": nps - _lag(nps), "change_p": p,
            "change_ci_low": change_low, "change_ci_high": change_high,
            "change_significant": change_ok & (p < settings.alpha), "too_small": too_small,
        }))  # fmt: skip
    columns = ["group", "period", "period_start", "n_scored", "nps", "ci_low", "ci_high", "change", "change_p",
               "change_ci_low", "change_ci_high", "change_significant", "too_small"]  # fmt: skip
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    table = table[columns]
    table.attrs.update(n_undated=data.n_undated, n_stray=data.n_stray, stray=data.stray)
    return table


def theme_trends(
    responses: pd.DataFrame, theme_matrix: pd.DataFrame, settings: TrendSettings = TrendSettings()
) -> pd.DataFrame:
    """Mentions, share and impact of every theme per period, overall and per department.

    One row per (group, theme, period). Columns: ``group``, ``theme`` (matrix column),
    ``period``, ``period_start``, ``n_scored`` (scored respondents of the group in the
    period), ``n_mentions``, ``share`` (n_mentions / n_scored, 0-1, NaN when empty),
    ``nps`` (the period's NPS), ``impact`` (NPS(all) - NPS(without the theme) in the
    period, points, as in impact.py), ``share_change`` (share minus the previous
    period's), ``share_change_p`` (pooled two-proportion z-test of that change),
    ``too_small`` (n_scored < min_period_responses). Responses missing from the matrix
    mention nothing. ``attrs["n_undated"]`` as in :func:`period_nps`.
    """
    data = _Dated(responses, settings)
    matrix = theme_matrix.copy()
    matrix.index = matrix.index.astype(str)
    if matrix.index.duplicated().any():
        raise ValueError(f"theme matrix has response_id {matrix.index[matrix.index.duplicated()][0]!r} twice")
    x = matrix.astype(bool).reindex(pd.Index(data.ids), fill_value=False).to_numpy(float)
    themes = list(matrix.columns)
    k, t = len(data.grid), len(themes)
    frames = []
    for group in data.groups:
        mask = data.mask(group)
        n = data.per_period(np.ones(len(data.ids)), mask)[:, None]
        prom = data.per_period(data.promoter, mask)[:, None]
        det = data.per_period(data.detractor, mask)[:, None]
        n_t = data.per_period(x, mask)
        prom_t = data.per_period(x * data.promoter[:, None], mask)
        det_t = data.per_period(x * data.detractor[:, None], mask)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(n > 0, n_t / n, np.nan)
            impact = np.where(n > 0, stats.impact_points(n, prom, det, n_t, prom_t, det_t), np.nan)
            change_p = stats.two_proportion_p(n_t, np.broadcast_to(n, n_t.shape), _lag(n_t), _lag(np.broadcast_to(n, n_t.shape)))
        nps = np.broadcast_to(stats.nps_points(prom, det, n), (k, t))
        # (K, T) arrays -> rows ordered theme-major, period-minor.
        frames.append(pd.DataFrame({
            "group": group,
            "theme": pd.Series(np.repeat(np.array(themes, dtype=object), k), dtype=object),
            "period": np.tile(np.array(data.labels, dtype=object), t),
            "period_start": np.tile(np.array(data.starts, dtype="datetime64[ns]"), t),
            "n_scored": np.broadcast_to(n, (k, t)).T.ravel().astype(int),
            "n_mentions": n_t.T.ravel().astype(int), "share": share.T.ravel(), "nps": nps.T.ravel(),
            "impact": impact.T.ravel(), "share_change": (share - _lag(share)).T.ravel(),
            "share_change_p": change_p.T.ravel(),
            "too_small": np.broadcast_to(n < settings.min_period_responses, (k, t)).T.ravel(),
        }))  # fmt: skip
    columns = ["group", "theme", "period", "period_start", "n_scored", "n_mentions", "share", "nps", "impact",
               "share_change", "share_change_p", "too_small"]  # fmt: skip
    table = pd.concat(frames, ignore_index=True) if frames and k else pd.DataFrame(columns=columns)
    table.attrs["n_undated"] = data.n_undated
    return table[columns]


def _series(trends: pd.DataFrame, column: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Pivot a theme_trends column to a (group x theme, period) array, periods in time order."""
    wide = trends.pivot_table(index=["group", "theme"], columns="period_start", values=column,
                              aggfunc="first", sort=False, dropna=False)  # fmt: skip
    wide = wide.reindex(sorted(wide.columns), axis=1)
    return wide.index.to_frame(index=False), wide.to_numpy(float)


def flag_spikes(trends: pd.DataFrame, settings: TrendSettings = TrendSettings()) -> pd.DataFrame:
    """Spiking themes in the latest period, and each theme's direction over the recent window.

    ``trends`` is a :func:`theme_trends` table. One row per (group, theme). Columns:
    ``group``, ``theme``, ``latest_period``, ``latest_n`` (scored respondents in it),
    ``latest_mentions``, ``latest_share``, ``trailing_mean`` (the pooled share of the
    ``trailing_periods`` periods before the latest window) and ``trailing_sd`` (the sample
    sd of their shares, empty periods skipped; NaN with fewer than two), ``z`` (the spike
    test's statistic, module docstring), ``spiking`` (spike q-value < alpha, z >= spike_sd,
    at least spike_min_count mentions, at least :data:`SPIKE_MIN_TRAILING` trailing
    periods, and neither window too small), ``direction`` ("rising", "falling" or
    "stable": pooled two-proportion test of the last ``recent_periods`` periods against
    all earlier ones, significant when the BH q-value < alpha and both windows hold at
    least min_period_responses respondents), ``fixed`` (falling, after at least
    spike_min_count earlier mentions, with the upper 95 % bound of the recent share at most
    :data:`FIXED_FRACTION` of the earlier share), ``recent_share``, ``earlier_share``,
    ``p_value``, ``q_value``, ``spike_p``, ``spike_q`` (NaN when not tested), ``too_small``
    (the latest window is below min_period_responses). Shares are 0-1.
    """
    columns = ["group", "theme", "latest_period", "latest_n", "latest_mentions", "latest_share", "trailing_mean",
               "trailing_sd", "z", "spiking", "direction", "fixed", "recent_share", "earlier_share", "p_value",
               "q_value", "spike_p", "spike_q", "too_small"]  # fmt: skip
    if trends.empty:
        return pd.DataFrame(columns=columns)
    keys, n = _series(trends, "n_scored")
    _, x = _series(trends, "n_mentions")
    labels = trends.drop_duplicates("period_start").sort_values("period_start")["period"].tolist()
    k = n.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, x / n, np.nan)
    # The "latest" window pools the last spike_window periods: a problem that emerged over
    # the last two months is a spike too, and a pooled window holds enough respondents
    # per department to be tested.
    w = min(settings.spike_window, k)
    latest_n, latest_x = n[:, k - w :].sum(axis=1), x[:, k - w :].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        latest = np.where(latest_n > 0, latest_x / latest_n, np.nan)

    # Spike baseline: the trailing periods before the latest window, pooled.
    lo = max(0, k - w - settings.trailing_periods)
    trail_n_p, trail_x_p = n[:, lo : k - w], x[:, lo : k - w]
    trail_n, trail_x = trail_n_p.sum(axis=1), trail_x_p.sum(axis=1)
    trail = share[:, lo : k - w]
    filled = ~np.isnan(trail)
    count = filled.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(trail_n > 0, trail_x / trail_n, np.nan)
        sq = np.where(filled, (trail - mean[:, None]) ** 2, 0.0).sum(axis=1)
        sd = np.where(count > 1, np.sqrt(sq / (count - 1)), np.nan)
    # One-sided test of the latest window against the trailing one (module docstring),
    # widened by how much the trailing periods' shares wobble beyond sampling noise.
    # Each row's wobble is at least that of its group's themes taken together (stats.period_dispersion).
    group = keys["group"].to_numpy()
    z = stats.two_proportion_z(latest_x, latest_n, trail_x, trail_n, stats.period_dispersion(trail_x_p, trail_n_p, group))
    too_small = latest_n < settings.min_period_responses
    spike_tested = ~too_small & (count >= SPIKE_MIN_TRAILING) & (trail_n >= settings.min_period_responses)
    spike_tested &= latest_x >= settings.spike_min_count
    spike_p = np.where(spike_tested, stats.one_sided_normal_p(z), np.nan)

    # Direction: recent window against everything before it, widened likewise by the
    # earlier periods' wobble.
    r = min(settings.recent_periods, k)
    recent_n, recent_x = n[:, k - r :].sum(axis=1), x[:, k - r :].sum(axis=1)
    early_n, early_x = n[:, : k - r].sum(axis=1), x[:, : k - r].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recent_share = np.where(recent_n > 0, recent_x / recent_n, np.nan)
        early_share = np.where(early_n > 0, early_x / early_n, np.nan)
        p = stats.two_proportion_p(recent_x, recent_n, early_x, early_n,
                                   stats.period_dispersion(x[:, : k - r], n[:, : k - r], group))
    tested = (recent_n >= settings.min_period_responses) & (early_n >= settings.min_period_responses)
    tested &= recent_x + early_x > 0  # a theme nobody ever mentions has nothing to test
    p = np.where(tested, p, np.nan)
    # Spikes and directions of every (group, theme) are one family: a report lists them together.
    q_all = stats.benjamini_hochberg(np.concatenate([p, spike_p]))
    q, spike_q = q_all[: len(p)], q_all[len(p):]
    spiking = spike_tested & (spike_q < settings.alpha) & (z > settings.spike_sd)
    moved = tested & (q < settings.alpha)
    direction = np.where(moved & (recent_share > early_share), "rising",
                         np.where(moved & (recent_share < early_share), "falling", "stable"))  # fmt: skip
    # Fixed: the fall is beyond noise, and the recent share is, with 95 % confidence, at most
    # FIXED_FRACTION of the earlier one (a point estimate of "near zero" called a theme at
    # 5 % -> 1.5 % fixed in a third of the reports of ten departments).
    fixed = (direction == "falling") & (early_x >= settings.spike_min_count)
    fixed &= stats.upper_proportion_bound(recent_x, recent_n) <= FIXED_FRACTION * early_share

    out = keys.assign(
        latest_period=labels[-1], latest_n=latest_n.astype(int), latest_mentions=latest_x.astype(int),
        latest_share=latest, trailing_mean=mean, trailing_sd=sd, z=z, spiking=spiking,
        direction=direction.astype(object), fixed=fixed, recent_share=recent_share, earlier_share=early_share,
        p_value=p, q_value=q, spike_p=spike_p, spike_q=spike_q, too_small=too_small,
    )  # fmt: skip
    return out[columns].reset_index(drop=True)


def analyze_trends(
    responses: pd.DataFrame, theme_matrix: pd.DataFrame, settings: TrendSettings = TrendSettings()
) -> TrendResult:
    """Period NPS, theme trends and spike/direction flags in one call (see each function)."""
    nps = period_nps(responses, settings)
    themes = theme_trends(responses, theme_matrix, settings)
    return TrendResult(
        settings=settings, nps=nps, themes=themes, flags=flag_spikes(themes, settings),
        periods=tuple(dict.fromkeys(nps["period"])), n_undated=int(nps.attrs["n_undated"]),
        n_stray=int(nps.attrs["n_stray"]), stray=tuple(nps.attrs["stray"]),
    )  # fmt: skip


# --------------------------------------------------------------------------- report.json


def _num(value, digits: int) -> float | None:
    """A finite float rounded for reading, or None (JSON has no NaN)."""
    value = float(value)
    return None if not np.isfinite(value) else round(value, digits)


def trend_block(result: TrendResult, theme_keys: dict | None = None) -> dict:
    """The ``trend`` object of report.json (JSON Schema fragment in the lead's schema).

    ``theme_keys`` maps a theme-matrix column to ``(theme_id, side)`` as
    :class:`verbatim.mentions.Mentions` does; without it the columns must be theme ids.
    Series are aligned with ``periods``; a (group, theme) pair nobody mentions is left out.
    """
    s = result.settings
    keys = theme_keys or {}

    def ident(theme) -> dict:
        tid, side = keys.get(theme, (theme, "all"))
        return {"theme_id": int(tid), "side": str(side)}

    def nums(values, digits: int) -> list:
        return [_num(v, digits) for v in values]

    nps = [
        {"group": str(group), "n": [int(v) for v in rows["n_scored"]], "nps": nums(rows["nps"], 1),
         "ci_low": nums(rows["ci_low"], 1), "ci_high": nums(rows["ci_high"], 1), "change": nums(rows["change"], 1),
         "change_p": nums(rows["change_p"], 6), "change_ci_low": nums(rows["change_ci_low"], 1),
         "change_ci_high": nums(rows["change_ci_high"], 1),
         "change_significant": [bool(v) for v in rows["change_significant"]],
         "too_small": [bool(v) for v in rows["too_small"]]}
        for group, rows in result.nps.groupby("group", sort=False)
    ]  # fmt: skip
    themes = [
        {"group": str(group), **ident(theme), "n_mentions": [int(v) for v in rows["n_mentions"]],
         "share": nums(rows["share"], 4), "impact": nums(rows["impact"], 2)}
        for (group, theme), rows in result.themes.groupby(["group", "theme"], sort=False)
        if rows["n_mentions"].sum() > 0
    ]  # fmt: skip
    mentioned = {(t["group"], t["theme_id"], t["side"]) for t in themes}
    flags = []
    for row in result.flags.itertuples(index=False):
        head = {"group": str(row.group), **ident(row.theme)}
        if (head["group"], head["theme_id"], head["side"]) not in mentioned:
            continue
        flags.append({
            **head, "latest_mentions": int(row.latest_mentions), "latest_share": _num(row.latest_share, 4),
            "trailing_mean": _num(row.trailing_mean, 4), "trailing_sd": _num(row.trailing_sd, 4),
            "z": _num(row.z, 2), "spiking": bool(row.spiking), "direction": str(row.direction),
            "fixed": bool(row.fixed), "recent_share": _num(row.recent_share, 4),
            "earlier_share": _num(row.earlier_share, 4), "p_value": _num(row.p_value, 6),
            "q_value": _num(row.q_value, 6), "spike_q": _num(row.spike_q, 6), "too_small": bool(row.too_small),
        })  # fmt: skip
    starts = result.nps.drop_duplicates("period")["period_start"]
    return {
        "period": s.period, "periods": list(result.periods),
        "period_starts": [pd.Timestamp(t).date().isoformat() for t in starts],
        "n_undated": int(result.n_undated), "min_period_responses": s.min_period_responses,
        "recent_periods": s.recent_periods, "trailing_periods": s.trailing_periods,
        "nps": nps, "themes": themes, "flags": flags,
    }  # fmt: skip
