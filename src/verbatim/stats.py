"""Low-level statistics behind NPS and theme impact: plain numpy arithmetic, no tables.

Conventions used throughout:

* NPS and its intervals are in **points** (-100..100); shares are 0-1.
* Functions are vectorised: count arguments may be scalars or numpy arrays of one shape.
* An undefined quantity (an NPS over zero respondents) is NaN, never a warning.

scipy is imported inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from statistics import NormalDist

import numpy as np

# Rocks (2016), "Interval estimation for the net promoter score", The American
# Statistician 70(4): adding 3/4 promoter, 3/4 detractor (and so 3/2 passive) to the
# counts gives near-nominal coverage even for small samples and extreme scores.
_ADJUST_COUNT = 0.75
_ADJUST_N = 3.0
# Below this share of non-zero cells the bootstrap sums use a sparse product.
_SPARSE_DENSITY = 0.25


def normal_quantile(ci_level: float) -> float:
    """Two-sided standard-normal critical value for a confidence level (0.95 -> 1.96)."""
    if not 0.0 < ci_level < 1.0:
        raise ValueError(f"ci_level must be between 0 and 1, got {ci_level}")
    return NormalDist().inv_cdf(0.5 + ci_level / 2.0)


def nps_points(n_promoters, n_detractors, n):
    """NPS in points from promoter/detractor counts (or weight sums) out of ``n``; NaN if n == 0."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 100.0 * (np.asarray(n_promoters, float) - np.asarray(n_detractors, float)) / n
    # Weight sums can round a true 100 to 100.00000000000001; the clip only undoes that.
    return np.where(n > 0, np.clip(out, -100.0, 100.0), np.nan)


def adjusted_nps_variance(n_promoters, n_detractors, n):
    """Variance of the NPS (points squared) from the Rocks-adjusted proportions.

    The variance of a promoter-minus-detractor proportion is (p + d - (p - d)^2) / n;
    computed on the adjusted proportions (3/4 added to each count, 3 to n) it is never
    zero, so tests built on it stay defined when a group is all promoters.
    """
    n_adj = np.asarray(n, float) + _ADJUST_N
    p = (np.asarray(n_promoters, float) + _ADJUST_COUNT) / n_adj
    d = (np.asarray(n_detractors, float) + _ADJUST_COUNT) / n_adj
    return 1e4 * (p + d - (p - d) ** 2) / n_adj


def adjusted_wald_interval(n_promoters, n_detractors, n, ci_level: float = 0.95):
    """Adjusted-Wald confidence interval for the NPS (Rocks 2016), in points.

    Adds 3 to n and 3/4 to promoters and to detractors, centres the interval on the
    adjusted NPS with the variance of the adjusted proportions, widens it to hold the NPS
    itself (the adjusted centre moves towards 0, so for one promoter the interval was
    -48.5 to +98.5 beside an NPS of +100), and clips to [-100, 100]. ``n`` may be a Kish
    effective sample size (non-integer) for weighted data. Returns ``(low, high)``; both
    NaN where n == 0.
    """
    z = normal_quantile(ci_level)
    n = np.asarray(n, float)
    n_adj = n + _ADJUST_N
    p = (np.asarray(n_promoters, float) + _ADJUST_COUNT) / n_adj
    d = (np.asarray(n_detractors, float) + _ADJUST_COUNT) / n_adj
    centre = p - d
    half = z * np.sqrt((p + d - centre**2) / n_adj)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = (np.asarray(n_promoters, float) - np.asarray(n_detractors, float)) / np.where(n > 0, n, 1.0)
    low = np.clip(np.minimum(centre - half, raw), -1.0, 1.0) * 100.0
    high = np.clip(np.maximum(centre + half, raw), -1.0, 1.0) * 100.0
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def weighted_nps_interval(weights, promoter, detractor, ci_level: float = 0.95) -> tuple[float, float]:
    """Confidence interval (points) of a weighted NPS: the span of two intervals.

    * The linearised (sandwich) one, from sum w_i^2 (y_i - NPS_w)^2 / (sum w)^2 with
      y_i = +1 promoter, -1 detractor, 0 passive. It holds where the weights go with the
      scores, as value weights do (large accounts polarised, small ones mostly passive:
      94 % coverage where the adjusted-Wald interval at the Kish size covered 91 %).
    * The adjusted-Wald one (Rocks 2016) on the weighted shares at the Kish effective size,
      which never shrinks to a point when every respondent gives one answer, as the sandwich
      one does.

    NaN for no weight.
    """
    w = np.asarray(weights, float)
    total = float(w.sum())
    if total <= 0:
        return np.nan, np.nan
    promoter, detractor = np.asarray(promoter, bool), np.asarray(detractor, bool)
    y = promoter.astype(float) - detractor.astype(float)
    centre = float(w @ y) / total
    half = normal_quantile(ci_level) * np.sqrt(float((w * w) @ (y - centre) ** 2)) / total
    n_eff = kish_effective_size(w)
    low, high = adjusted_wald_interval(float(w[promoter].sum()) / total * n_eff,
                                       float(w[detractor].sum()) / total * n_eff, n_eff, ci_level)
    return (float(max(min(centre - half, float(low) / 100.0), -1.0) * 100.0),
            float(min(max(centre + half, float(high) / 100.0), 1.0) * 100.0))


def kish_effective_size(weights) -> float:
    """Kish effective sample size (sum w)^2 / sum w^2, in respondents; 0 for no weight."""
    w = np.asarray(weights, float)
    total_sq = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / total_sq if total_sq > 0 else 0.0


def two_sided_normal_p(z):
    """Two-sided p-value of a standard-normal statistic; NaN stays NaN."""
    from scipy.special import ndtr

    z = np.asarray(z, float)
    return 2.0 * ndtr(-np.abs(z))


def one_sided_normal_p(z):
    """Upper-tail p-value P(Z >= z) of a standard-normal statistic; NaN stays NaN."""
    from scipy.special import ndtr

    return ndtr(-np.asarray(z, float))


def nps_difference_p(p1, d1, n1, p2, d2, n2):
    """Two-sided z-test p-value for NPS(group 1) - NPS(group 2), independent groups.

    Under the null hypothesis both groups share one distribution of promoters, passives and
    detractors, so the standard error of the raw difference comes from the pooled shares P
    and D: sqrt((P + D - (P - D)^2) (1/n1 + 1/n2)), as in the pooled two-proportion test.
    The Rocks-adjusted variance (:func:`adjusted_nps_variance`) belongs to intervals centred
    on the adjusted estimate: dividing a raw difference by it made the standard error ~9 %
    too small at 20 mentions, and a theme with no effect was called significant at the 5 %
    level 8.5 % of the time (4.9-5.0 % pooled; ``tests/test_impact.py``). NaN where either
    group is empty; 1 where both groups together hold one category only (nothing differs).
    """
    p1, d1, n1, p2, d2, n2 = (np.asarray(a, float) for a in (p1, d1, n1, p2, d2, n2))
    diff = nps_points(p1, d1, n1) - nps_points(p2, d2, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = n1 + n2
        pooled_p, pooled_d = (p1 + p2) / n, (d1 + d2) / n
        spread = np.maximum(pooled_p + pooled_d - (pooled_p - pooled_d) ** 2, 0.0)
        se = 100.0 * np.sqrt(spread * (1.0 / n1 + 1.0 / n2))
        z = np.where(se > 0, diff / se, np.nan)
    defined = (n1 > 0) & (n2 > 0)
    return np.where(defined & ~(se > 0), 1.0, np.where(defined, two_sided_normal_p(z), np.nan))


def nps_difference_interval(p1, d1, n1, p2, d2, n2, ci_level: float = 0.95):
    """Wald interval of NPS(group 1) - NPS(group 2) in points, independent groups, each
    group's variance its own (P + D - (P - D)^2) / n: unlike the test's pooled standard error
    it is not computed under "no change", so it says how large a change the data allow."""
    p1, d1, n1, p2, d2, n2 = (np.asarray(a, float) for a in (p1, d1, n1, p2, d2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        def variance(p, d, n):
            # A quarter of a respondent added to each group: 30 promoters out of 30 had a
            # variance of 0, and at NPS +96 the range covered the change 62 % of the time.
            sp, sd = (p + 0.25) / (n + 0.75), (d + 0.25) / (n + 0.75)
            return np.where(n > 0, np.maximum(sp + sd - (sp - sd) ** 2, 0.0) / n, np.nan)

        diff = nps_points(p1, d1, n1) - nps_points(p2, d2, n2)
        half = 100.0 * normal_quantile(ci_level) * np.sqrt(variance(p1, d1, n1) + variance(p2, d2, n2))
    # Held within what a change of NPS can be: "between -80.9 and +205.9" for 136 against 1.
    return np.clip(diff - half, -200.0, 200.0), np.clip(diff + half, -200.0, 200.0)


def two_proportion_z(x1, n1, x2, n2, dispersion=1.0):
    """z of x1/n1 - x2/n2 with the standard error pooled under the null hypothesis, widened
    by sqrt(``dispersion``) (:func:`period_dispersion`); NaN where it is undefined, or where
    a proportion of 0 or 1 in both groups leaves no variance (nothing to detect)."""
    x1, n1, x2, n2, dispersion = (np.asarray(a, float) for a in (x1, n1, x2, n2, dispersion))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2) * dispersion)
        z = (x1 / n1 - x2 / n2) / se
    return np.where((se > 0) & np.isfinite(se), z, np.nan)


def two_proportion_p(x1, n1, x2, n2, dispersion=1.0):
    """Two-sided pooled two-proportion z-test p-value for x1/n1 vs x2/n2 (NaN if undefined;
    1 where neither group varies). ``dispersion``: see :func:`two_proportion_z`. A missing
    (NaN) count is untested, not "no change"."""
    z = two_proportion_z(x1, n1, x2, n2, dispersion)
    x1, n1, x2, n2 = (np.asarray(a, float) for a in (x1, n1, x2, n2))
    defined = (n1 > 0) & (n2 > 0) & np.isfinite(x1) & np.isfinite(x2) & np.isfinite(n1) & np.isfinite(n2)
    return np.where(np.isnan(z) & defined, 1.0, two_sided_normal_p(z))


def conditional_binomial_p(x1, n1, x2, n2):
    """Two-sided exact test of x1/n1 against x2/n2 (two independent counts of a rare event):
    given the x1 + x2 events, x1 is Binomial(x1 + x2, n1 / (n1 + n2)) when the rates are
    equal; p is twice the smaller mid-p tail, at most 1. NaN where a group is empty, 1 without
    events. The pooled z-test it replaces in compare.py was anti-conservative for waves of
    unequal size with few mentions: 5-10 times the nominal rate at p < 0.001, where
    Benjamini-Hochberg works."""
    from scipy.stats import binom

    x1, n1, x2, n2 = (np.asarray(a, float) for a in (x1, n1, x2, n2))
    total = x1 + x2
    with np.errstate(invalid="ignore", divide="ignore"):
        share = n1 / (n1 + n2)
        # Mid-p: half the observed count's own probability in each tail; the plain exact test
        # held 1.3-3.7 % at a nominal 5 %, losing "new" themes it should find.
        half = 0.5 * binom.pmf(x1, total, share)
        low, high = binom.cdf(x1, total, share) - half, binom.sf(x1 - 1, total, share) - half
        p = np.minimum(1.0, 2.0 * np.minimum(low, high))
    return np.where((n1 > 0) & (n2 > 0), np.where(total > 0, p, 1.0), np.nan)


# The median of chi-square with one degree of freedom: a half squared step of standardised
# residuals is dispersion x chi2(1), so its median over many steps is the dispersion times this.
_CHI2_1_MEDIAN = 0.454936423119572
# Steps a group needs for its pooled estimate (fewer: each row's own estimate alone), and the
# mentions a period must expect of a row for its steps to enter it (rarer themes' discrete,
# near-binomial steps pulled a median of every theme's steps to 1: bench_trends.py's
# wobble_long_tail, 34 % of no-change reports claimed a change with it, 19 % with these).
_MIN_POOLED_STEPS = 10
_MIN_EXPECTED = 5.0


def period_dispersion(x, n, groups=None) -> np.ndarray:
    """Per row of counts ``x`` out of ``n`` (rows, periods), how much more the periods' shares
    scatter than sampling alone would make them, at least 1 (1 with fewer than two periods
    with respondents). A theme whose share wobbles from month to month with no trend has a
    wider noise than the binomial one, and a test that ignores it calls the wobble a change.

    Estimated from successive differences (von Neumann): half the mean squared difference of
    consecutive periods' standardised residuals around the row's pooled share. Independent
    wobble raises it as Pearson's X^2 / (periods - 1) does, but a step (a theme that
    stopped in June, inside the window) adds one difference rather than every period's:
    X^2 read such a fall as noise 6.6 times the binomial one and hid it.

    With ``groups`` (one label per row, e.g. the department), a row's dispersion is also at
    least what its group's wobble gives it. Wobble of the share's logit with variance tau^2
    makes a row's dispersion 1 + n p (1 - p) tau^2 (n respondents a period, share p): larger
    for common themes and large groups. tau^2 is the group's, solved so that the steps of its
    rows, each divided by its dispersion, have the median of chi-square(1) (robust to the few
    themes that truly move); only rows expecting at least :data:`_MIN_EXPECTED` mentions a
    period enter it. A row's own estimate rests on its 5-10 steps, and a wobble it
    underestimates by chance reads as a change (``benchmarks/bench_trends.py``)."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    out = np.ones(x.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = x.sum(axis=1) / n.sum(axis=1)
        spread = np.sqrt(n * (share * (1.0 - share))[:, None])
        residual = np.where((n > 0) & (spread > 0), (x - n * share[:, None]) / spread, np.nan)
    halves, scales = [], []  # per row: half squared steps, and n p (1 - p) of each step
    periods = (n > 0).sum(axis=1)
    mean_n = np.divide(np.where(n > 0, n, 0.0).sum(axis=1), periods, out=np.zeros(len(n)), where=periods > 0)
    with np.errstate(invalid="ignore"):  # a row nobody answered: NaN share, never eligible
        expected = np.minimum(mean_n * share, mean_n * (1.0 - share))  # the rarer outcome's count a period
    for row, values in enumerate(residual):
        kept = ~np.isnan(values)
        half = np.diff(values[kept]) ** 2 / 2.0
        sizes = n[row][kept]
        halves.append(half)
        scales.append((sizes[1:] + sizes[:-1]) / 2.0 * share[row] * (1.0 - share[row]))
        if len(half):
            out[row] = max(1.0, float(np.mean(half)))
    if groups is None:
        return out
    codes = _group_codes(groups)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        eligible = [r for r in rows if len(halves[r]) and expected[r] >= _MIN_EXPECTED]
        if sum(len(halves[r]) for r in eligible) < _MIN_POOLED_STEPS:
            continue
        tau2 = _logit_wobble(np.concatenate([halves[r] for r in eligible]),
                             np.concatenate([scales[r] for r in eligible]))
        if tau2 > 0:
            for r in rows:
                if len(scales[r]):
                    out[r] = max(out[r], 1.0 + float(np.mean(scales[r])) * tau2)
    return out


def _group_codes(labels) -> np.ndarray:
    """Integer codes of ``labels`` (None and NaN one label of their own)."""
    import pandas as pd

    return pd.factorize(pd.Series(list(labels), dtype=object).fillna("\x00none"), sort=False)[0]


def _logit_wobble(halves: np.ndarray, scales: np.ndarray) -> float:
    """tau^2 >= 0 such that the median of halves / (1 + scales tau^2) is the median of
    chi-square(1) (0 when the steps hold no more than sampling noise)."""
    def median_at(tau2: float) -> float:
        return float(np.median(halves / (1.0 + scales * tau2)))

    if median_at(0.0) <= _CHI2_1_MEDIAN:
        return 0.0
    high = 1.0
    while median_at(high) > _CHI2_1_MEDIAN and high < 1e6:
        high *= 4.0
    low = 0.0
    for _ in range(60):
        mid = (low + high) / 2.0
        low, high = (mid, high) if median_at(mid) > _CHI2_1_MEDIAN else (low, mid)
    return (low + high) / 2.0


def upper_proportion_bound(x, n, confidence: float = 0.95):
    """One-sided Clopper-Pearson upper bound of the proportion x/n (NaN where n is 0)."""
    from scipy.special import betaincinv

    x, n = np.asarray(x, float), np.asarray(n, float)
    with np.errstate(invalid="ignore"):
        bound = np.where(x >= n, 1.0, betaincinv(x + 1.0, np.maximum(n - x, 1.0), confidence))
    return np.where(n > 0, bound, np.nan)


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted q-values (step-up FDR), same order as the input.

    NaN p-values are not tested: they stay NaN and do not count towards m.
    """
    p = np.asarray(p_values, float)
    q = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = tested.size
    if m == 0:
        return q
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    # Step-up: each q is the smallest scaled p at its rank or above.
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q


def resample_count_chunks(
    strata_sizes: list[int],
    n_resamples: int,
    rng: np.random.Generator,
    *,
    chunk: int = 100,
    dtype=np.float32,
) -> Iterator[tuple[int, list[np.ndarray]]]:
    """Stratified bootstrap as count matrices, ``chunk`` resamples at a time.

    Each stratum of ``n_g`` units is resampled with replacement to ``n_g`` units; the
    resample is represented by how many times each unit was drawn, so any sum over the
    resample is ``counts @ values`` (one matrix product for all statistics at once).
    Yields ``(first_resample, [counts per stratum, shape (rows, n_g)])``. The draw order
    is fixed (chunk by chunk, stratum by stratum), so a seeded ``rng`` gives
    reproducible resamples.
    """
    for start in range(0, n_resamples, chunk):
        rows = min(chunk, n_resamples - start)
        blocks = []
        for size in strata_sizes:
            counts = np.zeros((rows, size), dtype=dtype)
            if size > 0:
                draws = rng.integers(0, size, size=(rows, size), dtype=np.int32)
                if rows * size <= 1 << 20:
                    # Small strata: one flat bincount avoids a Python loop per resample.
                    flat = draws.astype(np.int64) + (np.arange(rows, dtype=np.int64) * size)[:, None]
                    counts[:] = np.bincount(flat.ravel(), minlength=rows * size).reshape(rows, size)
                else:
                    # Large strata: a row at a time keeps the count vector in cache
                    # (about 4x faster than one huge flat bincount).
                    for r in range(rows):
                        counts[r] = np.bincount(draws[r], minlength=size)
            blocks.append(counts)
        yield start, blocks


def stratified_bootstrap_sums(values: np.ndarray, strata: list[np.ndarray], n_resamples: int, seed: int) -> np.ndarray:
    """Column sums of ``values`` (n, k) over stratified bootstrap resamples of its rows.

    ``strata`` lists the row indices of each stratum (disjoint); each is resampled to
    its own size. Returns (n_strata, n_resamples, k): the sums per stratum, so a group
    made of several strata is the sum over them. One matrix product per stratum and
    chunk of resamples computes every column at once.
    """
    # Float32 sums of integer counts x 0/1 indicators are exact below 2**24 rows and
    # twice as fast; anything else (weights) needs float64.
    exact = (values.dtype == bool or bool(np.all((values == 0) | (values == 1)))) and values.shape[0] < 2**24
    dtype = np.float32 if exact else np.float64
    # Theme indicators are mostly zeros: a sparse product does ~15x fewer operations,
    # and on a shared 2-core machine single-threaded sparse beats contended
    # multi-threaded BLAS by ~5x (0.2 s vs 1.5 s for the benchmark's products).
    sparse = values.size > 0 and np.count_nonzero(values) / values.size < _SPARSE_DENSITY
    if sparse:
        from scipy.sparse import csr_matrix

        blocks = [csr_matrix(values[rows].T.astype(dtype)) for rows in strata]
    else:
        blocks = [np.ascontiguousarray(values[rows].T, dtype=dtype) for rows in strata]
    sums = np.zeros((len(strata), n_resamples, values.shape[1]))
    rng = np.random.default_rng(seed)
    for start, counts in resample_count_chunks([len(rows) for rows in strata], n_resamples, rng, dtype=dtype):
        for g, (block, count) in enumerate(zip(blocks, counts)):
            if count.shape[1]:
                sums[g, start : start + count.shape[0]] = (block @ count.T).T
    return sums


def impact_points(n, prom, det, n_t, prom_t, det_t):
    """Theme impact NPS(all) - NPS(without theme) in points, from counts (broadcasting).

    ``n``, ``prom``, ``det``: respondents, promoters, detractors of the group;
    ``n_t``, ``prom_t``, ``det_t``: the same among those mentioning the theme. NaN where
    nobody lacks the theme. Written as a difference rather than
    (n_t/N)(NPS_with - NPS_without) so that a theme nobody mentions is exactly 0.
    """
    n_wo = n - n_t
    with np.errstate(invalid="ignore", divide="ignore"):
        without = 100.0 * ((prom - prom_t) - (det - det_t)) / n_wo
    without = np.where(n_wo > 0, without, np.nan)
    return 100.0 * (prom - det) / n - without


def top_k_frequency(samples: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Share of resamples (rows of ``samples``, (B, T)) in which each column is among the
    k lowest negative values of the ``eligible`` columns; NaN never counts."""
    b, t = samples.shape
    key = np.where(eligible[None, :] & np.isfinite(samples), samples, np.inf)
    k = min(k, t)
    top = np.argsort(key, axis=1, kind="stable")[:, :k]
    hit = np.take_along_axis(key, top, axis=1) < 0
    return np.bincount(top[hit], minlength=t) / b


def percentile_interval(samples: np.ndarray, ci_level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval along axis 0, ignoring NaN resamples.

    Columns whose resamples are all NaN get a NaN interval without a warning.
    """
    tail = (1.0 - ci_level) / 2.0
    low = np.full(samples.shape[1:], np.nan)
    high = np.full(samples.shape[1:], np.nan)
    defined = np.any(~np.isnan(samples), axis=0)
    if np.any(defined):
        picked = samples[:, defined]
        low[defined] = np.nanquantile(picked, tail, axis=0)
        high[defined] = np.nanquantile(picked, 1.0 - tail, axis=0)
    return low, high


def relative_weights(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Johnson's (2000) relative weights of predictors ``x`` (n, k) for outcome ``y`` (n,).

    The predictors are replaced by their closest orthogonal counterparts Z (through the
    symmetric square root of their correlation matrix), y is regressed on Z, and each
    predictor's weight is the variance it carries into Z times Z's contribution to R^2.
    Returns ``(raw_weights, coefficients, r_squared)``: raw weights are shares of the
    variance of y and sum to R^2; coefficients are OLS slopes of y on x with an
    intercept, in units of y per unit of x. Constant predictors get NaN for both.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    k = x.shape[1]
    weights = np.full(k, np.nan)
    coefs = np.full(k, np.nan)
    sd_x = x.std(axis=0)
    sd_y = y.std()
    live = sd_x > 0
    if sd_y == 0 or x.shape[0] < 3:
        return weights, coefs, float("nan")  # nothing to explain
    if not np.any(live):
        return weights, coefs, 0.0  # no theme varies: it explains nothing
    zx = (x[:, live] - x[:, live].mean(axis=0)) / sd_x[live]
    zy = (y - y.mean()) / sd_y
    n = x.shape[0]
    r_xx = zx.T @ zx / n
    r_xy = zx.T @ zy / n
    eigval, eigvec = np.linalg.eigh(r_xx)
    # Perfectly collinear themes (always co-mentioned) give zero eigenvalues; they are
    # dropped as in a pseudo-inverse rather than blowing up.
    keep = eigval > 1e-10 * max(eigval.max(), 1e-300)
    root = eigvec[:, keep] * np.sqrt(eigval[keep])  # Lambda = V sqrt(L), (k, r)
    lam = root @ eigvec[:, keep].T  # symmetric square root of R_xx
    inv_root = (eigvec[:, keep] / np.sqrt(eigval[keep])) @ eigvec[:, keep].T
    beta_z = inv_root @ r_xy  # regression of zy on the orthogonal Z
    raw = (lam**2) @ (beta_z**2)
    inv = (eigvec[:, keep] / eigval[keep]) @ eigvec[:, keep].T
    std_beta = inv @ r_xy
    weights[live] = raw
    coefs[live] = std_beta * sd_y / sd_x[live]
    return weights, coefs, float(np.sum(raw))
