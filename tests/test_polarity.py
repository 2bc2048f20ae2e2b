"""Tests of verbatim.polarity: the segment polarity learnt from the survey's scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from verbatim import polarity as P
from verbatim.sentiment import SentimentSettings, score_sentiment

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT / "data" / "samples" / "nps_survey_segments_truth.csv"
SURVEY = ROOT / "data" / "samples" / "nps_survey.csv"


def _signs(scores: np.ndarray) -> np.ndarray:
    return np.where(scores >= 9, 1, np.where(scores <= 6, -1, 0)).astype(np.int8)


@pytest.fixture(scope="module")
def segments(tmp_path_factory):
    """The sample's planted segments, their real vectors, lexicon labels and response scores."""
    from verbatim.embed import Embedder, EmbedSettings

    truth = pd.read_csv(TRUTH)
    texts = truth["segment_text"].astype(str).tolist()
    embedder = Embedder(EmbedSettings(cache_dir=str(tmp_path_factory.mktemp("emb")), show_progress=False))
    scores = truth["response_id"].map(pd.read_csv(SURVEY).set_index("response_id")["score"]).to_numpy()
    lexicon = score_sentiment(texts)
    return truth, embedder.embed(texts), lexicon, scores


def _learn(segments, scores, settings=SentimentSettings()):
    truth, X, lexicon, _ = segments
    return P.learn_polarity(X, np.arange(len(X)), truth["response_id"].tolist(), _signs(scores),
                            lexicon["label"].to_numpy(dtype=object), lexicon["compound"].to_numpy(), settings)


@pytest.mark.slow
def test_polarity_finds_complaints_the_lexicon_calls_neutral(segments):
    truth, _, lexicon, scores = segments
    labels, probe = _learn(segments, scores)
    assert probe.used and probe.auc > 0.8 and probe.changed > 0, probe
    planted = truth["theme_id"].to_numpy()
    lexicon_neg = pd.Series(lexicon["label"].to_numpy() == "negative").groupby(planted).mean()
    learnt_neg = pd.Series(labels == "negative").groupby(planted).mean()
    # "my order was late again" has no sentiment word: the lexicon calls most of it neutral.
    for theme in ("late_delivery", "long_phone_wait", "damaged_parcel"):
        assert lexicon_neg[theme] < 0.5 <= 0.8 <= learnt_neg[theme], (theme, lexicon_neg[theme], learnt_neg[theme])
    # Praise stays praise.
    for theme in ("friendly_staff", "good_value_quality", "overall_satisfied"):
        assert learnt_neg[theme] <= 0.05, (theme, learnt_neg[theme])
    # Where the lexicon is sure (|compound| >= 0.5) its label stands.
    sure = np.abs(lexicon["compound"].to_numpy()) >= 0.5
    assert (labels[sure] == lexicon["label"].to_numpy()[sure]).all()


@pytest.mark.slow
def test_polarity_learns_nothing_from_shuffled_scores(segments):
    # The honesty check: with the scores shuffled across responses the probe has nothing
    # to learn, fails its gate, and the lexicon's labels stand unchanged.
    truth, _, lexicon, _ = segments
    survey = pd.read_csv(SURVEY).set_index("response_id")["score"]
    for seed in range(3):
        shuffled = pd.Series(np.random.default_rng(seed).permutation(survey.to_numpy()), index=survey.index)
        labels, probe = _learn(segments, truth["response_id"].map(shuffled).to_numpy())
        assert not probe.used and probe.changed == 0 and "AUC" in probe.reason, probe
        assert abs(probe.auc - 0.5) < 0.05
        assert (labels == lexicon["label"].to_numpy()).all()


@pytest.mark.slow
def test_polarity_is_cross_fitted_a_response_never_sees_its_own_score(segments):
    truth, X, _, scores = segments
    ids = truth["response_id"].tolist()
    codes, distinct = P._codes(ids)
    fold = P.fold_of(distinct, 5)[codes]
    index = np.arange(len(X))

    def held_out(signs):
        weights = P.solve_folds(P.fold_statistics(X, index, fold, signs, 5), 1e-3)
        return P.held_out_scores(X, index, fold, weights)

    base = _signs(scores)
    flipped = base.copy()
    target = ids[0]
    mine = np.array([r == target for r in ids])
    flipped[mine] = -base[mine] if base[mine][0] else 1
    before, after = held_out(base), held_out(flipped)
    np.testing.assert_array_equal(before[mine], after[mine])  # its own fold's probe never saw it
    assert not np.array_equal(before[~mine], after[~mine])  # the other folds' did


@pytest.mark.slow
def test_polarity_saved_probe_labels_a_segment_the_same_in_any_wave(segments):
    """Learnt again from each wave's scores, the probe moved, and with it the side and theme
    of the segments it decides: 92 of 250 comments two waves shared changed themes (from the
    wave-to-wave hunt). The probe saved with the themes labels a text alone, whatever wave,
    order or neighbours it comes with."""
    truth, X, lexicon, scores = segments
    labels, probe = _learn(segments, scores)
    assert probe.used and probe.weights is not None and probe.weights.shape == (X.shape[1] + 1,)
    record = probe.record()
    assert record["used"] and record["auc"] == probe.auc and "weights" not in probe.as_dict()
    # Fitted on every fold: the mean of the per-fold systems' data, not one fold's probe.
    ids = truth["response_id"].tolist()
    codes, distinct = P._codes(ids)
    stats = P.fold_statistics(X, np.arange(len(X)), P.fold_of(distinct, 5)[codes], _signs(scores), 5)
    np.testing.assert_allclose(P.solve_all(stats, SentimentSettings().learn_ridge), probe.weights)
    settings, compound = SentimentSettings(), lexicon["compound"].to_numpy()
    lex = lexicon["label"].to_numpy(dtype=object)
    whole, saved = P.apply_probe(X, np.arange(len(X)), lex, compound, record, probe.weights, settings)
    assert saved.from_model and saved.used and saved.auc == probe.auc and saved.changed == (whole != lex).sum()
    # Most labels agree with the cross-fitted ones of the fit itself (95 % here: the fit's
    # own responses keep labels from probes that never saw their scores)...
    assert (whole == labels).mean() > 0.9
    # ... and a wave of any part of the segments, in any order, gives each the same label.
    wave = np.random.default_rng(1).permutation(len(X))[: len(X) // 4]
    part, _ = P.apply_probe(X, wave, lex[wave], compound[wave], record, probe.weights, settings)
    assert (part == whole[wave]).all()
    # A probe the fit did not use leaves the lexicon's labels, as in that fit.
    unused = P.Probe(False, 0.51, 0.4, (30, 30), reason="held-out AUC 0.510").record()
    kept, verdict = P.apply_probe(X, np.arange(len(X)), lex, compound, unused, None, settings)
    assert (kept == lex).all() and verdict.from_model and not verdict.used and "AUC" in verdict.reason


def test_polarity_fold_statistics_add_up_over_parts():
    # The Spark engine sums the statistics of its partitions: parts must add up to the whole.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8)).astype(np.float32)
    index = rng.integers(0, 300, size=500)
    fold = rng.integers(0, 5, size=500)
    sign = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=500)
    whole = P.fold_statistics(X, index, fold, sign, 5)
    parts = P.fold_statistics(X, index[:123], fold[:123], sign[:123], 5) + \
        P.fold_statistics(X, index[123:], fold[123:], sign[123:], 5)
    np.testing.assert_allclose(parts.xx, whole.xx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(parts.x, whole.x, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(parts.n, whole.n)
    assert whole.n.sum() == (sign != 0).sum()


def test_polarity_folds_follow_the_response_id_not_the_order():
    ids = [f"R{i:04d}" for i in range(200)]
    folds = P.fold_of(ids, 5)
    assert dict(zip(ids, folds)) == dict(zip(ids[::-1], P.fold_of(ids[::-1], 5)))
    assert set(folds) == set(range(5))


def test_polarity_gate_needs_enough_promoters_and_detractors():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 8))
    ids = [f"R{i}" for i in range(40)]
    sign = np.array([1] * 35 + [-1] * 5, dtype=np.int8)
    labels = np.array(["neutral"] * 40, dtype=object)
    out, probe = P.learn_polarity(X, np.arange(40), ids, sign, labels, np.zeros(40), SentimentSettings())
    assert not probe.used and probe.responses == (35, 5) and "30 of each" in probe.reason
    assert out is labels or (out == labels).all()


def test_polarity_gate_auc_and_p():
    sign = np.array([1] * 50 + [-1] * 50)
    auc, p = P.probe_gate(np.r_[np.ones(50), -np.ones(50)], sign)
    assert auc == 1.0 and p < 1e-10
    auc, p = P.probe_gate(np.zeros(100), sign)
    assert auc == 0.5 and p == 1.0  # all tied: no evidence
    assert P.probe_gate(np.zeros(10), np.ones(10)) == (0.5, 1.0)


def test_polarity_relabel_keeps_sure_lexicon_labels():
    labels = np.array(["negative", "neutral", "positive", "neutral"], dtype=object)
    compound = np.array([-0.7, 0.0, 0.2, 0.0])
    score = np.array([0.9, -0.5, -0.5, 0.1])
    assert P.relabel(labels, compound, score, 0.5, 0.2).tolist() == ["negative", "negative", "negative", "neutral"]


def test_polarity_settings_reject_bad_values():
    for bad in ({"learn_folds": 1}, {"learn_ridge": 0}, {"learn_margin": -1}, {"learn_min_auc": 0.4},
                {"learn_max_p": 0}):
        with pytest.raises(ValueError):
            SentimentSettings(**bad)
