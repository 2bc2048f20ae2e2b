"""Polarity learnt from the survey's own scores, for what the sentiment lexicon cannot see.

VADER (:mod:`verbatim.sentiment`) scores words, so domain complaints without a sentiment
word ("the fabric is thin", "late again", "the sizing runs small") come out neutral and a
theme made of them has no complaint side. A survey carries what a lexicon never uses: the
score each customer gave. :func:`learn_polarity` fits a linear probe on the segment
embeddings that tells promoters' segments from detractors' (ridge regression on a +1 / -1
target, both groups weighted equally, passives left out) and re-labels the segments whose
lexicon score is weak.

Honesty, because the impact stage then relates these labels to the same scores:

- **cross-fitted**: responses are split into ``learn_folds`` folds by a hash of their id,
  and each segment is scored by the probe fitted on the *other* folds, so no response's
  labels come from a model that saw its own score (changing one score never changes that
  response's labels; a test checks it);
- **gated**: the probe is used only when its held-out scores, averaged per response, tell
  promoters from detractors (Mann-Whitney AUC at least ``learn_min_auc`` and one-sided
  p below ``learn_max_p``). On a survey whose scores are shuffled it learns nothing,
  fails the gate and the lexicon's labels stand (a test checks that too);
- **the lexicon wins where it is sure**: a segment with ``|compound| >= learn_keep_lexicon``
  keeps the lexicon's label; the probe decides the others, and leaves neutral those it
  scores within ``learn_margin`` of zero.

A run that fits themes also fits the probe on all its responses (:func:`solve_all`) and
saves it with the theme model; a new wave put on those themes (``verbatim assign``,
``analyze --model``) takes its labels from that saved probe (:func:`apply_probe`) rather
than learning again from its own scores. Learnt again, the probe moved with every wave, and
with it the side, and so the theme, of the segments it decides: 92 of 250 comments that two
waves shared were placed on different themes, which ``compare`` then reported as customers'
changes. The saved probe never saw the new wave's scores, so its labels are as honest as
the cross-fitted ones. A model saved before this, without a probe record, still learns
from each wave.

The arithmetic is split into per-fold sufficient statistics (:func:`fold_statistics`,
summed block by block and across Spark partitions alike), one small solve per fold
(:func:`solve_folds`) and a projection (:func:`held_out_scores`), so the Spark engine
runs the same probe without collecting any vector.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from typing import Sequence

import numpy as np

__all__ = ["Probe", "FoldStatistics", "fold_of", "fold_statistics", "solve_folds", "solve_all", "held_out_scores",
           "probe_gate", "relabel", "learn_polarity", "apply_probe", "group_sign", "response_signs",
           "learn_segment_sentiment", "saved_segment_sentiment", "saved_verdict"]

_BLOCK = 8192  # rows per block of the sufficient statistics (bounded float64 copies)


def fold_of(response_ids: Sequence, folds: int) -> np.ndarray:
    """The fold of each response id: CRC-32 of its text, modulo ``folds`` (the same in any
    order, engine and run)."""
    return np.fromiter((zlib.crc32(str(r).encode("utf-8")) % folds for r in response_ids),
                       dtype=np.int64, count=len(response_ids))


def group_sign(nps_group: Sequence) -> np.ndarray:
    """+1 promoter, -1 detractor, 0 passive or unscored."""
    group = np.asarray(nps_group, dtype=object)
    return np.where(group == "promoter", 1, np.where(group == "detractor", -1, 0)).astype(np.int8)


@dataclasses.dataclass
class FoldStatistics:
    """Per fold and group (0 detractor, 1 promoter): the sums of x xᵀ, of x and the segment
    count, x being a unit vector with a trailing 1 (the intercept). Additive: the statistics
    of two parts of a survey sum to those of the whole."""

    xx: np.ndarray  # (folds, 2, d + 1, d + 1) float64
    x: np.ndarray  # (folds, 2, d + 1) float64
    n: np.ndarray  # (folds, 2) int64

    @classmethod
    def zeros(cls, folds: int, dim: int) -> "FoldStatistics":
        return cls(np.zeros((folds, 2, dim + 1, dim + 1)), np.zeros((folds, 2, dim + 1)),
                   np.zeros((folds, 2), dtype=np.int64))

    def __add__(self, other: "FoldStatistics") -> "FoldStatistics":
        return FoldStatistics(self.xx + other.xx, self.x + other.x, self.n + other.n)


def _unit_rows(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """float64 unit rows ``vectors[rows]`` (a zero row stays zero)."""
    X = np.asarray(vectors[rows], dtype=np.float64)
    norm = np.sqrt(np.einsum("ij,ij->i", X, X))
    X /= np.where(norm > 0, norm, 1.0)[:, None]
    return X


def fold_statistics(vectors: np.ndarray, index: np.ndarray, fold: np.ndarray, sign: np.ndarray,
                    folds: int) -> FoldStatistics:
    """Sufficient statistics of the segments whose ``sign`` is +1 or -1; segment i's vector
    is ``vectors[index[i]]`` (distinct texts are stored once)."""
    stats = FoldStatistics.zeros(folds, vectors.shape[1])
    dim = vectors.shape[1]
    keep = np.flatnonzero(sign != 0)
    for f in range(folds):
        for g, s in ((0, -1), (1, 1)):
            rows = keep[(fold[keep] == f) & (sign[keep] == s)]
            stats.n[f, g] = len(rows)
            xx, x = stats.xx[f, g], stats.x[f, g]
            for start in range(0, len(rows), _BLOCK):
                X = _unit_rows(vectors, index[rows[start:start + _BLOCK]])
                total = X.sum(axis=0)
                xx[:dim, :dim] += X.T @ X  # the intercept's row and column: the sums and the count
                xx[:dim, dim] += total
                xx[dim, :dim] += total
                xx[dim, dim] += len(X)
                x[:dim] += total
                x[dim] += len(X)
    return stats


def solve_folds(stats: FoldStatistics, ridge: float) -> np.ndarray:
    """(folds, d + 1) weights: fold k's probe is fitted on every other fold.

    Weighted least squares of the target (+1 promoter, -1 detractor) with each group's
    segments weighing 1/2 in total, so the decision value 0 means "as likely either way"
    whatever the share of promoters; ``ridge`` penalises the weights, not the intercept.
    """
    folds = stats.xx.shape[0]
    weights = np.zeros((folds, stats.xx.shape[2]))
    for k in range(folds):
        weights[k] = _solve(stats, [f for f in range(folds) if f != k], ridge)
    return weights


def solve_all(stats: FoldStatistics, ridge: float) -> np.ndarray:
    """(d + 1,) weights of the probe fitted on every fold: the one saved with the themes."""
    return _solve(stats, list(range(stats.xx.shape[0])), ridge)


def _solve(stats: FoldStatistics, folds: list[int], ridge: float) -> np.ndarray:
    """The probe fitted on ``folds`` (see :func:`solve_folds`); zeros (every score 0,
    neutral) when a group is missing from them."""
    size = stats.xx.shape[2]
    n = stats.n[folds].sum(axis=0)
    if (n == 0).any():
        return np.zeros(size)
    penalty = np.eye(size) * ridge
    penalty[-1, -1] = 0.0
    xx = sum(stats.xx[folds, g].sum(axis=0) / (2 * n[g]) for g in (0, 1))
    xy = (stats.x[folds, 1].sum(axis=0) / (2 * n[1])) - (stats.x[folds, 0].sum(axis=0) / (2 * n[0]))
    return np.linalg.solve(xx + penalty, xy)


def held_out_scores(vectors: np.ndarray, index: np.ndarray, fold: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each segment's decision value from the probe of its own fold (fitted without that fold)."""
    out = np.empty(len(index), dtype=np.float64)
    dim = vectors.shape[1]
    for start in range(0, len(index), _BLOCK):
        block = slice(start, start + _BLOCK)
        X, block_fold = _unit_rows(vectors, index[block]), fold[block]
        scores = np.empty(len(X))
        for f in np.unique(block_fold):
            mine = block_fold == f
            scores[mine] = X[mine] @ weights[f, :dim] + weights[f, dim]
        out[block] = scores
    return out


def probe_gate(mean_score: np.ndarray, sign: np.ndarray) -> tuple[float, float]:
    """(AUC, one-sided p) of the held-out scores, one value per response (its segments'
    mean), separating promoters (+1) from detractors (-1): Mann-Whitney U with the normal
    approximation and tie correction. (0.5, 1.0) without both groups."""
    import pandas as pd  # its rank is scipy's rankdata without importing scipy.stats (1.5 s)

    pos, neg = mean_score[sign == 1], mean_score[sign == -1]
    n1, n2 = len(pos), len(neg)
    if n1 == 0 or n2 == 0:
        return 0.5, 1.0
    ranks = pd.Series(np.concatenate([pos, neg])).rank(method="average").to_numpy()
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    auc = u / (n1 * n2)
    _, counts = np.unique(ranks, return_counts=True)
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - (counts ** 3 - counts).sum() / (n * (n - 1)))
    if variance <= 0:
        return float(auc), 1.0
    z = (u - n1 * n2 / 2) / math.sqrt(variance)
    return float(auc), float(0.5 * math.erfc(z / math.sqrt(2)))


def relabel(labels: np.ndarray, compound: np.ndarray, score: np.ndarray, keep_lexicon: float,
            margin: float) -> np.ndarray:
    """The lexicon's label where ``|compound| >= keep_lexicon``; elsewhere the probe's side
    ('negative' below ``-margin``, 'positive' above ``margin``, else 'neutral')."""
    probe = np.where(score < -margin, "negative", np.where(score > margin, "positive", "neutral"))
    return np.where(np.abs(compound) >= keep_lexicon, labels, probe).astype(object)


@dataclasses.dataclass(frozen=True)
class Probe:
    """What :func:`learn_polarity` found: ``used`` (the gate passed), ``auc`` and ``p`` of
    the held-out scores per response, ``responses`` (promoters, detractors) it learnt from,
    ``changed`` (segments whose label the probe changed) and ``reason`` (why it is unused).
    ``weights``: the probe fitted on every response (:func:`solve_all`), saved with the
    themes; None when unused. ``from_model``: the labels came from a saved model's probe
    (:func:`apply_probe`), whose ``auc``, ``p`` and ``responses`` are those of the run that
    fitted it."""

    used: bool
    auc: float
    p: float
    responses: tuple[int, int]
    changed: int = 0
    reason: str = ""
    weights: np.ndarray | None = dataclasses.field(default=None, repr=False, compare=False)
    from_model: bool = False

    def as_dict(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "weights"}

    def record(self) -> dict:
        """What a theme model saves of the probe (:func:`apply_probe` reads it back)."""
        return {"used": bool(self.used and self.weights is not None), "auc": float(self.auc), "p": float(self.p),
                "responses": [int(r) for r in self.responses], "reason": self.reason}

    @classmethod
    def unlearnt(cls, reason: str) -> "Probe":
        """No probe: the labels are the lexicon's (``sentiment.learn_from_scores`` off)."""
        return cls(False, 0.5, 1.0, (0, 0), reason=reason)


def gate_reason(auc: float, p: float, responses: tuple[int, int], settings) -> str:
    """Why the probe may not relabel ('' when it may)."""
    if min(responses) < settings.learn_min_responses:
        return (f"{responses[0]} promoters and {responses[1]} detractors with segments; "
                f"learning needs {settings.learn_min_responses} of each")
    if auc < settings.learn_min_auc or p > settings.learn_max_p:
        return (f"held-out AUC {auc:.3f} (p = {p:.2g}) does not reach {settings.learn_min_auc} "
                f"with p <= {settings.learn_max_p}")
    return ""


def learn_polarity(vectors: np.ndarray, index: np.ndarray, response_ids: Sequence, sign: np.ndarray,
                   labels: np.ndarray, compound: np.ndarray, settings) -> tuple[np.ndarray, Probe]:
    """New segment labels and the :class:`Probe` behind them.

    ``vectors``: one unit row per distinct text; ``index``: each segment's row in it;
    ``response_ids`` and ``sign`` (:func:`group_sign` of its response), ``labels`` and
    ``compound`` (the lexicon's) per segment; ``settings``: a
    :class:`verbatim.sentiment.SentimentSettings`. Without a passing gate the labels come
    back unchanged.
    """
    index = np.asarray(index, dtype=np.int64)
    sign = np.asarray(sign, dtype=np.int8)
    labels = np.asarray(labels, dtype=object)
    codes, ids = _codes(response_ids)
    per_response = np.zeros(len(ids), dtype=np.int8)
    per_response[codes] = sign
    responses = (int((per_response == 1).sum()), int((per_response == -1).sum()))
    if len(index) == 0 or min(responses) < settings.learn_min_responses:
        return labels, Probe(False, 0.5, 1.0, responses, reason=gate_reason(0.5, 1.0, responses, settings))
    fold = fold_of(ids, settings.learn_folds)[codes]
    stats = fold_statistics(vectors, index, fold, sign, settings.learn_folds)
    score = held_out_scores(vectors, index, fold, solve_folds(stats, settings.learn_ridge))
    auc, p = probe_gate(_mean_by(codes, score, len(ids)), per_response)
    reason = gate_reason(auc, p, responses, settings)
    if reason:
        return labels, Probe(False, auc, p, responses, reason=reason)
    new = relabel(labels, np.asarray(compound, dtype=float), score, settings.learn_keep_lexicon,
                  settings.learn_margin)
    return new, Probe(True, auc, p, responses, changed=int((new != labels).sum()),
                      weights=solve_all(stats, settings.learn_ridge))


def apply_probe(vectors: np.ndarray, index: np.ndarray, labels: np.ndarray, compound: np.ndarray,
                record: dict, weights: np.ndarray | None, settings) -> tuple[np.ndarray, Probe]:
    """Segment labels from a saved model's probe (``record``: :meth:`Probe.record`,
    ``weights``: its :func:`solve_all` weights): a fixed function of each segment's text,
    whatever wave it comes in. A record of an unused probe leaves the lexicon's labels, as
    in the run that fitted the themes."""
    labels = np.asarray(labels, dtype=object)
    verdict = saved_verdict(record, weights)
    if not verdict.used:
        return labels, verdict
    index = np.asarray(index, dtype=np.int64)
    score = held_out_scores(vectors, index, np.zeros(len(index), dtype=np.int64), np.asarray(weights)[None, :])
    new = relabel(labels, np.asarray(compound, dtype=float), score, settings.learn_keep_lexicon,
                  settings.learn_margin)
    return new, dataclasses.replace(verdict, changed=int((new != labels).sum()))


def saved_verdict(record: dict, weights: np.ndarray | None) -> Probe:
    """The :class:`Probe` a saved model's record stands for (``from_model``, ``changed`` 0):
    used when the fit used it and its weights were saved."""
    used = bool(record.get("used")) and weights is not None
    return Probe(used, float(record.get("auc", 0.5)), float(record.get("p", 1.0)),
                 tuple(int(r) for r in record.get("responses", (0, 0))),
                 reason="" if used else record.get("reason") or "no probe was saved with the themes",
                 weights=np.asarray(weights) if used else None, from_model=True)


def _codes(response_ids: Sequence) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    codes, ids = pd.factorize(pd.Index(response_ids).astype(str), sort=False)
    return codes.astype(np.int64), np.asarray(ids, dtype=object)


def _mean_by(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    total = np.bincount(codes, weights=values, minlength=n)
    count = np.bincount(codes, minlength=n)
    return np.divide(total, count, out=np.zeros(n), where=count > 0)


def response_signs(segment_response_ids, responses) -> np.ndarray:
    """:func:`group_sign` of each segment's response (``responses``: response_id, nps_group;
    a repeated id takes its last row's group)."""
    import pandas as pd

    last = responses.drop_duplicates("response_id", keep="last")
    sign = group_sign(last["nps_group"].to_numpy(dtype=object))
    at = pd.Index(last["response_id"].astype(str)).get_indexer(pd.Index(segment_response_ids).astype(str))
    return np.where(at >= 0, sign[at], 0).astype(np.int8)


def saved_segment_sentiment(segments, vectors: np.ndarray, index, record: dict, weights, settings):
    """``segments`` with the labels of a saved model's probe, and the :class:`Probe`:
    :func:`apply_probe` on a run's tables."""
    labels, probe = apply_probe(vectors, np.asarray(index), segments["sentiment"].to_numpy(dtype=object),
                                segments["compound"].to_numpy(dtype=float), record, weights, settings)
    return segments.assign(sentiment=labels), probe


def learn_segment_sentiment(segments, responses, vectors: np.ndarray, index, settings):
    """``segments`` (response_id, sentiment, compound) with the learnt labels, and the
    :class:`Probe`: :func:`learn_polarity` on a run's tables."""
    ids = segments["response_id"].tolist()
    labels, probe = learn_polarity(vectors, np.asarray(index), ids, response_signs(ids, responses),
                                   segments["sentiment"].to_numpy(dtype=object),
                                   segments["compound"].to_numpy(dtype=float), settings)
    return segments.assign(sentiment=labels), probe
