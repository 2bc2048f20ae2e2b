"""NPS, confidence intervals, theme impact, key drivers and rankings.

Inputs are the ``responses`` table (``response_id``, ``nps_group``, optional
``department``, ``weight``, ``score``) and a boolean theme matrix indexed by
``response_id`` with one column per theme. Responses without a score (``nps_group`` is
None) are counted in ``n_unscored`` and left out of every NPS computation.

Units: NPS, impacts and their intervals are NPS points (-100..100); shares are 0-1.

Theme impact is what the theme costs or earns the group's NPS:

    impact = NPS(all) - NPS(respondents not mentioning the theme)
           = (n_t / N) * (NPS_with - NPS_without)

so a negative impact is the number of points by which the group's NPS sits below that of
its respondents who did not mention the theme: what the theme goes with, not a promise of
what removing its cause would bring (the mentioners may differ in other ways). Its confidence interval is a percentile bootstrap over respondents,
stratified by department: every department is resampled to its own size, and the
overall group is the union of the strata. One set of resamples therefore serves the
overall and the per-department intervals and the rank stability of the rankings. All
sufficient statistics for all themes come from one matrix product per chunk of
resamples (resample counts @ indicator matrix); there is no loop over resamples x themes.

The p-value of an impact is a two-sided z-test of NPS_with - NPS_without (impact is
that difference times the fixed share n_t / N), whose standard error is the one under the
null hypothesis that both groups share one score distribution (shares pooled over them; see
:func:`verbatim.stats.nps_difference_p`, which holds its 5 % level where the unpooled
Rocks-adjusted variances rejected 7-9 % of themes with no effect at 20 mentions).
Benjamini-Hochberg q-values are taken over every (group, theme) row that was tested.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import stats
from .departments import ALL_GROUP, department_labels

ALL = ALL_GROUP  # the whole survey's group key; ingest renames a department of that name
GROUPS = ("promoter", "passive", "detractor")
METHODS = ("impact", "drivers")
DRIVER_TARGETS = ("score", "promoter", "detractor")


@dataclasses.dataclass(frozen=True)
class ImpactSettings:
    """Tunables of NPS statistics, theme impact and rankings.

    method: which ranking leads the report, "impact" (NPS points) or "drivers"
        (Johnson's relative weights); both are always computed.
    n_bootstrap: bootstrap resamples of respondents for impact intervals and rank stability.
    seed: seed of the numpy Generator drawing the resamples.
    alpha: false discovery rate; a row is significant when its BH q-value is below it.
    ci_level: confidence level of every interval (0-1).
    min_mentions: a theme needs this many mentions (and this many scored respondents
        without it) in a group to be tested or ranked.
    min_group_size: a group (overall or department) needs this many scored respondents.
    top_k: how many themes a ranking puts forward (rank stability is P(in top k)).
    drivers_target: what the key-driver regression explains: "score" (the raw score;
        +100 / 0 / -100 for promoter / passive / detractor when the table has no score),
        "promoter" (1 if promoter) or "detractor" (1 if detractor).
    rank_general: whether general themes (:mod:`verbatim.general`: "really disappointed",
        "love it") enter the rankings; by default their impact is computed and reported
        beside the rankings, not in them.
    """

    method: str = "impact"
    n_bootstrap: int = 1000
    seed: int = 0
    alpha: float = 0.05
    ci_level: float = 0.95
    min_mentions: int = 20
    min_group_size: int = 30
    top_k: int = 2
    drivers_target: str = "score"
    rank_general: bool = False

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.drivers_target not in DRIVER_TARGETS:
            raise ValueError(f"drivers_target must be one of {', '.join(DRIVER_TARGETS)}, got {self.drivers_target!r}")
        if self.n_bootstrap < 1:
            raise ValueError(f"n_bootstrap must be at least 1, got {self.n_bootstrap}")
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be between 0 and 1, got {self.alpha}")
        if not 0.0 < self.ci_level < 1.0:
            raise ValueError(f"ci_level must be between 0 and 1, got {self.ci_level}")
        if self.min_mentions < 1 or self.min_group_size < 1 or self.top_k < 1:
            raise ValueError("min_mentions, min_group_size and top_k must be at least 1")


@dataclasses.dataclass(frozen=True)
class ImpactResult:
    """Everything :func:`analyze_impact` computes; see each function for the columns.

    ``nps``: :func:`nps_table` rows, "__all__" first then departments.
    ``theme_impact``: :func:`theme_impact` long table (``group`` x ``theme``).
    ``drivers``: :func:`key_drivers` long table.
    ``improvement_areas`` / ``strengths``: impact rankings (:func:`rank_by_impact`).
    ``driver_improvement_areas`` / ``driver_strengths``: relative-weight rankings.
    ``passive_themes``: themes over-represented among passives.
    ``weighted``: True when the weights are not all equal (weighted columns then differ).
    ``general``: the theme keys that judge without naming what (kept out of the rankings
    unless ``settings.rank_general``).
    """

    settings: ImpactSettings
    nps: pd.DataFrame
    theme_impact: pd.DataFrame
    drivers: pd.DataFrame
    improvement_areas: pd.DataFrame
    strengths: pd.DataFrame
    driver_improvement_areas: pd.DataFrame
    driver_strengths: pd.DataFrame
    passive_themes: pd.DataFrame
    weighted: bool
    general: frozenset = frozenset()

    @property
    def leading_improvement_areas(self) -> pd.DataFrame:
        """The improvement ranking chosen by ``settings.method``."""
        return self.improvement_areas if self.settings.method == "impact" else self.driver_improvement_areas

    @property
    def leading_strengths(self) -> pd.DataFrame:
        """The strengths ranking chosen by ``settings.method``."""
        return self.strengths if self.settings.method == "impact" else self.driver_strengths


# --------------------------------------------------------------------------- input


class _Data(NamedTuple):
    """Scored respondents sorted by response_id, as arrays."""

    ids: np.ndarray  # str
    promoter: np.ndarray  # bool
    detractor: np.ndarray  # bool
    department: np.ndarray  # object, None = no department
    weight: np.ndarray  # float
    score: np.ndarray  # float, NaN when absent
    themes: np.ndarray  # (n, T) bool
    theme_ids: list
    groups: list  # ALL then sorted department names


def _check_responses(responses: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("response_id", "nps_group") if c not in responses.columns]
    if missing:
        raise ValueError(f"responses table lacks column(s) {', '.join(missing)}")
    ids = responses["response_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"response_id {ids[ids.duplicated()].iloc[0]!r} appears more than once")
    group = responses["nps_group"].astype(object).where(responses["nps_group"].notna(), None)
    bad = ~group.isin(GROUPS) & group.notna()
    if bad.any():
        raise ValueError(f"nps_group must be promoter, passive, detractor or None, got {group[bad].iloc[0]!r}")
    out = pd.DataFrame({"response_id": ids.to_numpy(), "nps_group": group.to_numpy()})
    if "department" in responses.columns:
        out["department"] = department_labels(responses["department"]).to_numpy()
        if (out["department"] == ALL).any():
            raise ValueError(f"{ALL!r} is reserved for the overall group and cannot be a department")
    else:
        out["department"] = None
    weight = responses["weight"].to_numpy(float) if "weight" in responses.columns else np.ones(len(out))
    scored = out["nps_group"].notna().to_numpy()
    if not np.all(np.isfinite(weight[scored])) or np.any(weight[scored] < 0):
        raise ValueError("weights of scored responses must be finite and non-negative")
    out["weight"] = weight
    out["score"] = responses["score"].to_numpy(float) if "score" in responses.columns else np.nan
    return out.sort_values("response_id", kind="stable").reset_index(drop=True)


def _prepare(responses: pd.DataFrame, theme_matrix: pd.DataFrame) -> _Data:
    table = _check_responses(responses)
    matrix = theme_matrix.copy()
    matrix.index = matrix.index.astype(str)
    if matrix.index.duplicated().any():
        raise ValueError(f"theme matrix has response_id {matrix.index[matrix.index.duplicated()][0]!r} twice")
    unknown = matrix.index.difference(pd.Index(table["response_id"]))
    if len(unknown):
        raise ValueError(f"theme matrix has response_id {unknown[0]!r} that is not in the responses table")
    if matrix.columns.duplicated().any():
        raise ValueError(f"theme {matrix.columns[matrix.columns.duplicated()][0]!r} appears twice in the theme matrix")
    values = matrix.to_numpy()
    if values.dtype != bool and not np.isin(values, [0, 1]).all():
        raise ValueError("theme matrix must hold booleans (True when the response mentions the theme)")
    scored = table[table["nps_group"].notna()]
    # Responses with no theme row mention no theme (e.g. an empty comment).
    themes = matrix.astype(bool).reindex(scored["response_id"], fill_value=False).to_numpy(bool)
    # pandas may store a missing department as NaN or None: one spelling (None) here.
    department = scored["department"].to_numpy(object)
    department = np.where(pd.isna(department), None, department).astype(object)
    departments = sorted({d for d in department if d is not None})
    return _Data(
        ids=scored["response_id"].to_numpy(str),
        promoter=(scored["nps_group"] == "promoter").to_numpy(),
        detractor=(scored["nps_group"] == "detractor").to_numpy(),
        department=department,
        weight=scored["weight"].to_numpy(float),
        score=scored["score"].to_numpy(float),
        themes=themes,
        theme_ids=list(matrix.columns),
        groups=[ALL, *departments],
    )


def _group_mask(data: _Data, group: str) -> np.ndarray:
    return np.ones(len(data.ids), bool) if group == ALL else data.department == group


# --------------------------------------------------------------------------- NPS


def nps_table(
    responses: pd.DataFrame, by: str | None = None, settings: ImpactSettings = ImpactSettings()
) -> pd.DataFrame:
    """NPS with its adjusted-Wald interval, overall (``by=None``) or per value of a column.

    Rows whose ``by`` value is missing are left out of the split (they count overall).
    Columns: ``group`` ("__all__" or the ``by`` value), ``n_responses``, ``n_unscored``
    (no score, excluded from the arithmetic), ``n_scored``, ``n_promoters``,
    ``n_passives``, ``n_detractors``, ``share_promoters``, ``share_passives``,
    ``share_detractors`` (0-1 of scored), ``nps``, ``ci_low``, ``ci_high`` (points),
    ``weighted_nps`` (value-weighted with ``weight``), ``n_effective`` (Kish effective
    sample size), ``weighted_ci_low``, ``weighted_ci_high`` (the span of the sandwich
    and Kish-size intervals, :func:`verbatim.stats.weighted_nps_interval`), ``too_small`` (fewer than ``min_group_size`` scored respondents).
    """
    table = _check_responses(responses)
    if by is None:
        labels = pd.Series(ALL, index=table.index, dtype=object)
    else:
        if by not in responses.columns:
            raise ValueError(f"responses table has no column {by!r}")
        source = responses[by].set_axis(responses["response_id"].astype(str))
        values = source.reindex(table["response_id"]).to_numpy(object)
        labels = department_labels(pd.Series(values, index=table.index))
    rows = []
    for label in sorted(labels.dropna().unique(), key=str):
        rows.append(_nps_row(table[labels == label], label, settings))
    return pd.DataFrame(rows, columns=_NPS_COLUMNS)


_NPS_COLUMNS = [
    "group", "n_responses", "n_unscored", "n_scored", "n_promoters", "n_passives", "n_detractors",
    "share_promoters", "share_passives", "share_detractors", "nps", "ci_low", "ci_high",
    "weighted_nps", "n_effective", "weighted_ci_low", "weighted_ci_high", "too_small",
]  # fmt: skip


def _nps_row(rows: pd.DataFrame, label: object, settings: ImpactSettings) -> dict:
    group = rows["nps_group"]
    scored = group.notna().to_numpy()
    n = int(scored.sum())
    prom = int((group == "promoter").sum())
    det = int((group == "detractor").sum())
    pas = n - prom - det
    low, high = stats.adjusted_wald_interval(prom, det, n, settings.ci_level)
    w = rows["weight"].to_numpy(float)[scored]
    is_prom, is_det = (group == "promoter").to_numpy()[scored], (group == "detractor").to_numpy()[scored]
    w_total, w_prom, w_det = float(w.sum()), float(w[is_prom].sum()), float(w[is_det].sum())
    n_eff = stats.kish_effective_size(w)
    w_low, w_high = stats.weighted_nps_interval(w, is_prom, is_det, settings.ci_level)
    share = (lambda k: k / n) if n else (lambda k: np.nan)
    return {
        "group": label, "n_responses": len(rows), "n_unscored": len(rows) - n, "n_scored": n,
        "n_promoters": prom, "n_passives": pas, "n_detractors": det,
        "share_promoters": share(prom), "share_passives": share(pas), "share_detractors": share(det),
        "nps": float(stats.nps_points(prom, det, n)), "ci_low": float(low), "ci_high": float(high),
        "weighted_nps": float(stats.nps_points(w_prom, w_det, w_total)), "n_effective": n_eff,
        "weighted_ci_low": float(w_low), "weighted_ci_high": float(w_high),
        "too_small": n < settings.min_group_size,
    }  # fmt: skip


# --------------------------------------------------------------------------- impact


def _bootstrap_impacts(data: _Data, settings: ImpactSettings) -> dict[str, np.ndarray]:
    """Impact of every theme in every resample, per group: {group: (n_bootstrap, T)}."""
    t = len(data.theme_ids)
    # Every column is a 0/1 indicator: built as bool, one byte a cell (50,000 responses x
    # 120 themes: 18 MB, where float64 columns stacked were 144 MB and 1.7 s of page faults).
    values = np.empty((len(data.ids), 2 + 3 * t), dtype=bool)
    values[:, 0], values[:, 1] = data.promoter, data.detractor
    values[:, 2 : 2 + t] = data.themes
    np.logical_and(data.themes, data.promoter[:, None], out=values[:, 2 + t : 2 + 2 * t])
    np.logical_and(data.themes, data.detractor[:, None], out=values[:, 2 + 2 * t :])
    # Strata: each department, then respondents with no department; in sorted
    # response_id order within each, so the resamples do not depend on row order.
    strata = [np.flatnonzero(data.department == g) for g in data.groups[1:]]
    strata.append(np.flatnonzero(np.array([d is None for d in data.department], bool)))
    sums = stats.stratified_bootstrap_sums(values, strata, settings.n_bootstrap, settings.seed)
    per_group = {ALL: sums.sum(axis=0)}
    per_group.update({name: sums[i] for i, name in enumerate(data.groups[1:])})
    out = {}
    for name, s in per_group.items():
        n = int(_group_mask(data, name).sum())
        if n == 0:
            out[name] = np.full((settings.n_bootstrap, t), np.nan)
            continue
        out[name] = stats.impact_points(
            n, s[:, :1], s[:, 1:2], s[:, 2 : 2 + t], s[:, 2 + t : 2 + 2 * t], s[:, 2 + 2 * t :]
        )
    return out


def _impact_rows(data: _Data, group: str, boot: np.ndarray, settings: ImpactSettings) -> pd.DataFrame:
    mask = _group_mask(data, group)
    x = data.themes[mask].astype(float)
    prom, det, w = data.promoter[mask], data.detractor[mask], data.weight[mask]
    n = int(mask.sum())
    n_t = x.sum(axis=0)
    prom_t, det_t = x.T @ prom, x.T @ det
    p_all, d_all = float(prom.sum()), float(det.sum())
    w_all, wp_all, wd_all = w.sum(), w @ prom, w @ det
    w_t, wp_t, wd_t = x.T @ w, x.T @ (w * prom), x.T @ (w * det)
    if n:
        impact = stats.impact_points(n, p_all, d_all, n_t, prom_t, det_t)
        nps_all = float(stats.nps_points(p_all, d_all, n))
    else:
        impact = np.full(len(n_t), np.nan)
        nps_all = np.nan
    w_impact = (
        stats.impact_points(w_all, wp_all, wd_all, w_t, wp_t, wd_t) if w_all > 0 else np.full(len(n_t), np.nan)
    )
    ci_low, ci_high = stats.percentile_interval(boot, settings.ci_level)
    too_small = (n < settings.min_group_size) | (n_t < settings.min_mentions) | (n - n_t < settings.min_mentions)
    p_value = stats.nps_difference_p(prom_t, det_t, n_t, p_all - prom_t, d_all - det_t, n - n_t)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = n_t / n
    return pd.DataFrame(
        {
            "group": group,
            "theme": pd.Series(data.theme_ids, dtype=object),
            "n_scored": n,
            "n_mentions": n_t.astype(int),
            "share": share,
            "nps_all": nps_all,
            "nps_with": stats.nps_points(prom_t, det_t, n_t),
            "nps_without": stats.nps_points(p_all - prom_t, d_all - det_t, n - n_t),
            "impact": impact,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "nps_if_removed": nps_all - impact,
            "p_value": np.where(too_small, np.nan, p_value),
            "too_small": too_small,
            "weighted_nps_with": stats.nps_points(wp_t, wd_t, w_t),
            "weighted_nps_without": stats.nps_points(wp_all - wp_t, wd_all - wd_t, w_all - w_t),
            "weighted_impact": w_impact,
        }
    )


def _theme_impact(data: _Data, settings: ImpactSettings) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    boot = _bootstrap_impacts(data, settings)
    table = pd.concat([_impact_rows(data, g, boot[g], settings) for g in data.groups], ignore_index=True)
    table["q_value"] = stats.benjamini_hochberg(table["p_value"].to_numpy())
    table["significant"] = (table["q_value"] < settings.alpha) & ~table["too_small"]
    last = ["too_small", "weighted_nps_with", "weighted_nps_without", "weighted_impact"]
    return table[[*(c for c in table.columns if c not in last), *last]], boot


def theme_impact(
    responses: pd.DataFrame, theme_matrix: pd.DataFrame, settings: ImpactSettings = ImpactSettings()
) -> pd.DataFrame:
    """Impact of every theme on NPS, overall and within every department.

    One row per (group, theme). Columns: ``group`` ("__all__" or a department),
    ``theme``, ``n_scored`` (scored respondents in the group), ``n_mentions``, ``share``
    (n_mentions / n_scored, 0-1), ``nps_all``, ``nps_with`` (among mentioners),
    ``nps_without`` (among the others), ``impact`` (nps_all - nps_without, points;
    negative = the theme costs points), ``ci_low``/``ci_high`` (bootstrap percentile
    interval of the impact), ``nps_if_removed`` (nps_all - impact, which equals
    nps_without by construction: the name is kept for callers; it is not a causal forecast), ``p_value``
    (z-test, module docstring; NaN when not tested), ``q_value`` (Benjamini-Hochberg over
    all tested rows), ``significant`` (q < alpha and not too small), ``too_small``
    (group below min_group_size, or fewer than min_mentions respondents with or without
    the theme), and the value-weighted ``weighted_nps_with``, ``weighted_nps_without``,
    ``weighted_impact`` (equal to the plain ones when all weights are 1).
    """
    return _theme_impact(_prepare(responses, theme_matrix), settings)[0]


# --------------------------------------------------------------------------- drivers


def _driver_rows(data: _Data, group: str, settings: ImpactSettings) -> pd.DataFrame:
    mask = _group_mask(data, group)
    target = settings.drivers_target
    if target == "score":
        y = data.score
        if not np.isfinite(y).any():
            # No score column: the respondent's own NPS contribution is the score
            # on the NPS scale (its mean is the NPS).
            y = 100.0 * (data.promoter.astype(float) - data.detractor.astype(float))
        mask = mask & np.isfinite(y)
    else:
        y = (data.promoter if target == "promoter" else data.detractor).astype(float)
    x = data.themes[mask].astype(float)
    n = int(mask.sum())
    n_t = x.sum(axis=0).astype(int)
    # Only the themes a group can test enter its regression (as for impact: min_mentions who
    # mention it and as many who do not). Every theme at once regressed 94 respondents on 64
    # indicators (R^2 0.81, 0.99 in a department of 52 with 59) and ranked the noise.
    testable = (n_t >= settings.min_mentions) & (n - n_t >= settings.min_mentions)
    raw, coef, r2 = np.full(x.shape[1], np.nan), np.full(x.shape[1], np.nan), np.nan
    if n and testable.any():
        raw[testable], coef[testable], r2 = stats.relative_weights(x[:, testable], y[mask])
    # Orient signs so that negative always means "lowers NPS": a theme that raises
    # the detractor probability lowers NPS.
    towards_nps = -1.0 if target == "detractor" else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        share_r2 = raw / r2
    return pd.DataFrame(
        {
            "group": group,
            "theme": pd.Series(data.theme_ids, dtype=object),
            "target": target,
            "n": n,
            "n_mentions": n_t,
            "coefficient": coef,
            "relative_weight": raw,
            "share_of_r2": share_r2,
            "signed_weight": raw * np.sign(coef) * towards_nps,
            "r_squared": r2,
            "too_small": (n < settings.min_group_size) | ~testable,
        }
    )


def _key_drivers(data: _Data, settings: ImpactSettings) -> pd.DataFrame:
    return pd.concat([_driver_rows(data, g, settings) for g in data.groups], ignore_index=True)


def key_drivers(
    responses: pd.DataFrame, theme_matrix: pd.DataFrame, settings: ImpactSettings = ImpactSettings()
) -> pd.DataFrame:
    """Key-driver analysis: Johnson's relative weights of all themes at once, per group.

    Regresses ``settings.drivers_target`` (the score, or promoter / detractor status as
    0-1) on every theme indicator together, so co-mentioned themes share credit.
    Columns: ``group``, ``theme``, ``target``, ``n`` (respondents in the regression),
    ``n_mentions``, ``coefficient`` (OLS slope: target units per mention),
    ``relative_weight`` (share of the target's variance; sums to R^2 over a group's
    themes), ``share_of_r2`` (relative_weight / R^2, sums to 1), ``signed_weight``
    (relative_weight signed by the theme's direction on NPS: negative lowers NPS),
    ``r_squared``, ``too_small``. Only the themes a group can test (``min_mentions``
    respondents who mention it and as many who do not) enter its regression; the others, and
    themes constant in a group, have NaN weights.
    """
    return _key_drivers(_prepare(responses, theme_matrix), settings)


# --------------------------------------------------------------------------- rankings


def rank_by_impact(
    impact: pd.DataFrame, boot: dict[str, np.ndarray], settings: ImpactSettings, *, kind: str,
    unranked: Collection = (),
) -> pd.DataFrame:
    """Rank themes per group by NPS points lost (``kind="improvement"``) or earned ("strength").

    ``impact`` is the :func:`theme_impact` table and ``boot`` its bootstrap impacts
    {group: (n_bootstrap, n_themes) points, theme columns in table order}. Only rows
    that are not too small, with a negative (resp. positive) impact, and whose theme is not
    in ``unranked``, enter; rank stability is that of the same ranking. Columns: ``group``, ``rank`` (1 = largest), ``theme``, ``impact``, ``ci_low``,
    ``ci_high``, ``q_value``, ``significant``, ``n_mentions``, ``share``,
    ``nps_if_removed``, ``rank_stability`` (share of bootstrap resamples in which the
    theme is in the group's top k of the same ranking), ``in_top_k``, ``tied_with`` (for
    a top-k row, the theme ranked k + 1 when the two cannot be told apart, else None:
    :func:`_ties_with_next`).
    """
    sign = -1.0 if kind == "improvement" else 1.0
    frames = []
    for group, rows in impact.groupby("group", sort=False):
        rows = rows.reset_index(drop=True)
        eligible = ~rows["too_small"].to_numpy() & ~rows["theme"].isin(list(unranked)).to_numpy()
        stability = stats.top_k_frequency(-sign * boot[group], eligible, settings.top_k)
        rows = rows.assign(rank_stability=stability)
        keep = rows[eligible & (sign * rows["impact"].to_numpy() > 0)]
        keep = keep.sort_values("impact", ascending=kind == "improvement", kind="stable")
        keep = keep.assign(rank=np.arange(1, len(keep) + 1))
        keep = keep.assign(tied_with=_ties_with_next(keep, sign * boot[group], settings))
        frames.append(keep.assign(in_top_k=keep["rank"] <= settings.top_k))
    columns = ["group", "rank", "theme", "impact", "ci_low", "ci_high", "q_value", "significant",
               "n_mentions", "share", "nps_if_removed", "rank_stability", "in_top_k", "tied_with"]  # fmt: skip
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _ties_with_next(ranked: pd.DataFrame, boot: np.ndarray, settings: ImpactSettings) -> list:
    """For each of the top k rows of ``ranked`` (sorted, index = column of ``boot``, whose
    resamples are signed so that larger ranks higher), the theme ranked k + 1 when the
    bootstrap interval of their paired difference holds 0 (the data cannot tell them apart),
    else None; None below the top k.

    Rank stability (the share of resamples in which a theme is in the top k) flatters the
    themes that were picked: resamples centre on the observed, selected values. Among 20
    themes of equal effect the two named had a mean stability of 0.44 and 8 % were "likely"
    top-2 issues; the gap to the next theme says instead that it could be any of them."""
    tied: list = [None] * len(ranked)
    k = settings.top_k
    if len(ranked) <= k:
        return tied
    following = ranked.index[k]
    tail = (1.0 - settings.ci_level) / 2.0
    for j, column in enumerate(ranked.index[:k]):
        gap = boot[:, column] - boot[:, following]
        gap = gap[np.isfinite(gap)]
        if not gap.size or not np.quantile(gap, tail) > 0:
            tied[j] = ranked.at[following, "theme"]
    return tied


def rank_by_drivers(drivers: pd.DataFrame, settings: ImpactSettings, *, kind: str,
                    unranked: Collection = ()) -> pd.DataFrame:
    """Rank themes per group by signed relative weight (most NPS-lowering first for "improvement").

    Columns: ``group``, ``rank``, ``theme``, ``signed_weight``, ``share_of_r2``,
    ``coefficient``, ``n_mentions``, ``in_top_k``. Too-small rows and themes in
    ``unranked`` never enter.
    """
    sign = -1.0 if kind == "improvement" else 1.0
    keep = drivers[~drivers["too_small"] & (sign * drivers["signed_weight"] > 0) & ~drivers["theme"].isin(list(unranked))]
    keep = keep.sort_values(["group", "signed_weight"], ascending=[True, kind == "improvement"], kind="stable")
    keep = keep.assign(rank=keep.groupby("group", sort=False).cumcount() + 1)
    keep = keep.assign(in_top_k=keep["rank"] <= settings.top_k)
    order = {g: i for i, g in enumerate(drivers["group"].unique())}
    keep = keep.sort_values(["group", "rank"], key=lambda s: s.map(order) if s.name == "group" else s, kind="stable")
    columns = ["group", "rank", "theme", "signed_weight", "share_of_r2", "coefficient", "n_mentions", "in_top_k"]
    return keep[columns].reset_index(drop=True)


def _passive_themes(data: _Data, impact: pd.DataFrame, settings: ImpactSettings) -> pd.DataFrame:
    frames = []
    for group in data.groups:
        mask = _group_mask(data, group)
        passive = ~data.promoter[mask] & ~data.detractor[mask]
        x = data.themes[mask]
        n, n_pas = int(mask.sum()), int(passive.sum())
        n_t = x.sum(axis=0)
        pas_t = x[passive].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share_pas = pas_t / n_pas
            share_all = n_t / n
            lift = share_pas / share_all
        # Passives against everyone else (independent groups), not against all
        # respondents, which would include the passives themselves.
        p = stats.two_proportion_p(pas_t, n_pas, n_t - pas_t, n - n_pas)
        too_small = impact.loc[impact["group"] == group, "too_small"].to_numpy() | (n_pas == 0)
        frames.append(
            pd.DataFrame(
                {
                    "group": group, "theme": pd.Series(data.theme_ids, dtype=object),
                    "n_mentions": n_t.astype(int), "n_passive_mentions": pas_t.astype(int),
                    "share_passives": share_pas, "share_all": share_all, "lift": lift,
                    "p_value": np.where(too_small, np.nan, p), "too_small": too_small,
                }  # fmt: skip
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table["q_value"] = stats.benjamini_hochberg(table["p_value"].to_numpy())
    table["significant"] = (table["q_value"] < settings.alpha) & ~table["too_small"]
    keep = table[~table["too_small"] & (table["lift"] > 1)]
    keep = keep.sort_values("lift", ascending=False, kind="stable")
    order = {g: i for i, g in enumerate(data.groups)}
    keep = keep.sort_values("group", key=lambda s: s.map(order), kind="stable")
    keep = keep.assign(rank=keep.groupby("group", sort=False).cumcount() + 1)
    columns = ["group", "rank", "theme", "n_mentions", "n_passive_mentions", "share_passives",
               "share_all", "lift", "p_value", "q_value", "significant"]  # fmt: skip
    return keep[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- entry point


def analyze_impact(
    responses: pd.DataFrame, theme_matrix: pd.DataFrame, settings: ImpactSettings = ImpactSettings(),
    general: Collection = (), unranked: Collection = (),
) -> ImpactResult:
    """NPS, theme impact, key drivers and rankings, overall and per department.

    ``general``: columns of ``theme_matrix`` that are general themes (see
    :mod:`verbatim.general`): their impact is computed like any other's, but they enter
    no ranking unless ``settings.rank_general``. ``unranked``: columns that enter no ranking
    in any case, themes that name nothing to improve or keep (comments grouped by their
    language, :data:`verbatim.themes.OTHER_LANGUAGES_LABEL`).

    Deterministic for a given ``settings.seed`` and independent of the row order of
    both inputs (respondents are sorted by response_id before resampling).
    ``passive_themes`` columns: ``group``, ``rank`` (by lift), ``theme``,
    ``n_mentions``, ``n_passive_mentions``, ``share_passives`` (0-1 of passives),
    ``share_all`` (0-1 of scored respondents), ``lift`` (their ratio, > 1 kept),
    ``p_value`` (pooled two-proportion z-test, passives vs promoters + detractors),
    ``q_value`` (BH over all passive tests), ``significant``.
    """
    data = _prepare(responses, theme_matrix)
    overall = nps_table(responses, None, settings)
    if len(data.groups) > 1:
        overall = pd.concat([overall, nps_table(responses, "department", settings)], ignore_index=True)
    impact, boot = _theme_impact(data, settings)
    drivers = _key_drivers(data, settings)
    weights = data.weight
    general = frozenset(general)
    unranked = frozenset(unranked) | (frozenset() if settings.rank_general else general)
    return ImpactResult(
        settings=settings,
        nps=overall,
        theme_impact=impact,
        drivers=drivers,
        improvement_areas=rank_by_impact(impact, boot, settings, kind="improvement", unranked=unranked),
        strengths=rank_by_impact(impact, boot, settings, kind="strength", unranked=unranked),
        driver_improvement_areas=rank_by_drivers(drivers, settings, kind="improvement", unranked=unranked),
        driver_strengths=rank_by_drivers(drivers, settings, kind="strength", unranked=unranked),
        passive_themes=_passive_themes(data, impact, settings),
        weighted=bool(len(weights) and np.ptp(weights) > 0),
        general=general,
    )
