"""Tests of verbatim.themes (ThemeModel) and verbatim.labels on real embeddings.

The planted-truth checks use the bundled sample's theme segments
(data/samples/nps_survey_segments_truth.csv), embedded with the real model.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from verbatim.embed import Embedder, EmbedSettings
from verbatim.errors import ConfigError, VerbatimError
from verbatim.themes import OTHER_ID, ThemeModel, ThemeSettings, load_guided_themes

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT / "data" / "samples" / "nps_survey_segments_truth.csv"
GUIDED = ROOT / "configs" / "themes.toml"
SAMPLE = ROOT / "data" / "samples" / "nps_survey.csv"


def test_themes_settings_reject_bad_values():
    with pytest.raises(ValueError):
        ThemeSettings(assign_floor=1.5)
    with pytest.raises(ValueError):
        ThemeSettings(min_theme_size=0)
    with pytest.raises(ValueError, match="calibration"):
        ThemeSettings(calibration_texts=-1)
    with pytest.raises(ValueError, match="calibration"):
        ThemeSettings(calibration_ridge=0)


def test_themes_load_missing_model_is_E302(tmp_path):
    with pytest.raises(VerbatimError, match="E302"):
        ThemeModel.load(tmp_path / "nothing-here")
    # --model RUN instead of RUN/model: said so, not "No such file or directory: 'RUN/themes.json'".
    (tmp_path / "run" / "model").mkdir(parents=True)
    (tmp_path / "run" / "model" / "themes.json").write_text("{}", encoding="utf-8")
    with pytest.raises(VerbatimError, match=r"E302 .*run: is a run's folder; its theme model is .*run/model"):
        ThemeModel.load(tmp_path / "run")


def test_themes_guided_file_needs_examples(write_file):
    path = write_file("bad.toml", '[[theme]]\nname = "Late delivery"\nexamples = []\n')
    with pytest.raises(ConfigError, match="E203"):
        load_guided_themes(path)


def test_themes_guided_file_side_is_checked(write_file):
    good = write_file("good.toml", '[[theme]]\nname = "Quick refund"\nside = "praise"\nexamples = ["refund was quick"]\n'
                                   '[[theme]]\nname = "Prices"\nexamples = ["prices"]\n')
    assert [t.side for t in load_guided_themes(good)] == ["praise", ""]
    bad = write_file("bad.toml", '[[theme]]\nname = "Quick refund"\nside = "positive"\nexamples = ["quick"]\n')
    with pytest.raises(ConfigError, match="E203.*side"):
        load_guided_themes(bad)


@pytest.mark.parametrize("text,error", [
    ('[[theme]]\nname = "Issue"\nexamples = ["late"]\n[[theme]]\nname = "issue "\nexamples = ["login"]\n',
     "E203 .*themes #2 and #1 are both named 'issue'"),
    ('[[theme]]\nname = "Other"\nexamples = ["misc"]\n', "E203 .*'Other' is the name of the segments no theme takes"),
    ('[[themes]]\nname = "Late"\nexamples = ["late"]\n', "E203 .*unknown table or key 'themes'"),
    ("", "E203 .*no guided theme"),
    ("# only a comment\n", "E203 .*no guided theme"),
])
def test_themes_guided_file_that_would_mislead_is_refused(write_file, text, error):
    """Two themes of one name read alike in every report, a theme named "Other" like the
    segments no theme takes, and an empty file or [[themes]] gave zero guided themes unsaid."""
    with pytest.raises(ConfigError, match=error):
        load_guided_themes(write_file("guided.toml", text))


def test_themes_guided_file_unreadable_is_E201(tmp_path):
    """A missing file, a folder or cp1252 text failed with an unexpected error (exit 1); a
    byte-order mark (Windows Notepad) was "Invalid statement"."""
    with pytest.raises(ConfigError, match="E201 .*guided themes file not found"):
        load_guided_themes(tmp_path / "typo.toml")
    with pytest.raises(ConfigError, match="E201 .*is a folder"):
        load_guided_themes(tmp_path)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[[theme]]\nname = "Café"\nexamples = ["café"]\n'.encode("cp1252"))
    with pytest.raises(ConfigError, match="E201 .*not UTF-8"):
        load_guided_themes(latin)
    bom = tmp_path / "bom.toml"
    bom.write_bytes('[[theme]]\nname = "Café"\nexamples = ["café"]\n'.encode("utf-8-sig"))
    assert [t.name for t in load_guided_themes(bom)] == ["Café"]


def test_themes_bundled_guided_file_parses():
    themes = load_guided_themes(GUIDED)
    assert len(themes) >= 5 and all(t.examples for t in themes)


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    cache = tmp_path_factory.mktemp("embeddings")
    return Embedder(EmbedSettings(cache_dir=str(cache), show_progress=False))


@pytest.fixture(scope="module")
def truth(embedder):
    frame = pd.read_csv(TRUTH)
    texts = frame["segment_text"].astype(str).tolist()
    return texts, embedder.embed(texts), frame["theme_id"].to_numpy()


@pytest.fixture(scope="module")
def fitted(truth, embedder):
    texts, X, _ = truth
    return ThemeModel(ThemeSettings(), embedder=embedder).fit(texts, X)


def _purity_by_planted(planted: np.ndarray, found: np.ndarray) -> dict[str, float]:
    """Map each planted theme to the discovered theme holding most of its segments;
    purity = share of that discovered theme's segments that are of the planted theme."""
    table = pd.crosstab(planted, found)
    table = table.drop(columns=[OTHER_ID], errors="ignore")
    out = {}
    for theme in table.index:
        best = table.loc[theme].idxmax()
        out[theme] = table.loc[theme, best] / table[best].sum()
    return out


@pytest.mark.slow
def test_themes_sample_at_most_5pct_unassigned(fitted, truth):
    assert (fitted.labels_ == OTHER_ID).mean() <= 0.05
    assert len(fitted.labels_) == len(truth[0])  # nothing dropped


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known limit without a polarity: MiniLM puts 'refund was quick' and 'refund took weeks' "
    "together (purity ~0.4/0.56) and mixes unhelpful agents with friendly staff (~0.67); with the "
    "polarity the pipeline passes, every planted theme is pure (test_themes_sides_*)",
)
def test_themes_sample_every_planted_theme_is_pure_without_polarity(fitted, truth):
    purity = _purity_by_planted(truth[2], fitted.labels_)
    impure = {k: round(v, 2) for k, v in purity.items() if v < 0.8}
    assert not impure, impure


@pytest.fixture(scope="module")
def polarity(truth):
    """Each truth segment's polarity as the pipeline gives it to the theme model: the
    lexicon's label, relabelled by the probe learnt (cross-fitted) from the sample's scores."""
    from verbatim.polarity import group_sign, learn_polarity
    from verbatim.sentiment import SentimentSettings, score_sentiment

    texts, X, _ = truth
    frame = pd.read_csv(TRUTH)
    scores = frame["response_id"].map(pd.read_csv(SAMPLE).set_index("response_id")["score"])
    group = np.where(scores >= 9, "promoter", np.where(scores <= 6, "detractor", "passive"))
    lexicon = score_sentiment(texts)
    labels, probe = learn_polarity(X, np.arange(len(texts)), frame["response_id"].tolist(), group_sign(group),
                                   lexicon["label"].to_numpy(object), lexicon["compound"].to_numpy(float),
                                   SentimentSettings())
    assert probe.used
    return labels


@pytest.fixture(scope="module")
def sided(truth, polarity, embedder):
    texts, X, _ = truth
    return ThemeModel(ThemeSettings(), embedder=embedder).fit(texts, X, polarity=polarity)


@pytest.mark.slow
def test_themes_sides_every_planted_theme_is_pure(sided, truth):
    # The bar: each planted theme maps to one discovered theme of purity >= 0.8,
    # opposite experiences of one topic (quick / slow refund, fast / late delivery, friendly
    # / unhelpful staff) included, with at most 5 % of segments unassigned.
    purity = _purity_by_planted(truth[2], sided.labels_)
    impure = {k: round(v, 2) for k, v in purity.items() if v < 0.8}
    assert not impure, impure
    assert (sided.labels_ == OTHER_ID).mean() <= 0.05
    table = pd.crosstab(truth[2], sided.labels_)
    best = {theme: table.loc[theme].idxmax() for theme in table.index}
    for complaint, praise in (("slow_refund", "quick_refund"), ("late_delivery", "fast_delivery"),
                              ("unhelpful_agents", "friendly_staff")):
        assert best[complaint] != best[praise]


@pytest.mark.slow
def test_themes_sides_complaints_only_on_complaint_prototypes(sided, truth, polarity):
    from verbatim.themes import polarity_signs

    side = np.where(polarity_signs(polarity) < 0, -1, 1)
    assert set(sided.prototype_side_.tolist()) == {-1, 1}  # every discovered prototype has a side
    for theme in sided.themes_["theme_id"]:
        sides = set(sided.prototype_side_[sided.prototype_theme_ == theme].tolist())
        members = set(side[sided.labels_ == theme].tolist())
        assert members <= sides, (theme, members, sides)
    # A complaint worded like praise of the same topic stays on the complaint side.
    texts, X, _ = truth
    row = texts.index(next(t for t in texts if "refund" in t.lower() and "ages" in t.lower()))
    as_complaint, as_praise = sided.assign([texts[row]] * 2, X[[row, row]], polarity=["negative", "positive"])
    assert -1 in sided.prototype_side_[sided.prototype_theme_ == as_complaint]
    assert 1 in sided.prototype_side_[sided.prototype_theme_ == as_praise]


@pytest.mark.slow
def test_themes_sides_survive_save_load_blocks_and_shared_rows(sided, truth, polarity, tmp_path, embedder, monkeypatch):
    import verbatim.themes as themes

    texts, X, _ = truth
    np.testing.assert_array_equal(sided.assign(texts, X, polarity=polarity), sided.labels_)
    sided.save(tmp_path / "model")
    loaded = ThemeModel.load(tmp_path / "model", embedder=embedder)
    assert loaded.sided_ and np.array_equal(loaded.prototype_side_, sided.prototype_side_)
    np.testing.assert_array_equal(loaded.assign(texts, X, polarity=polarity), sided.labels_)
    # One vector row per distinct text: segments sharing a text but not a polarity (the
    # learnt polarity is scored per response) are placed once per polarity.
    vectors, index = embedder.embed_distinct(texts)
    assert len(vectors) < len(texts)
    np.testing.assert_array_equal(loaded.assign(texts, vectors, index=index, polarity=polarity), sided.labels_)
    monkeypatch.setattr(themes, "ROW_BLOCK", 97)
    np.testing.assert_array_equal(loaded.assign(texts, X, polarity=polarity), sided.labels_)
    with pytest.raises(ValueError, match="polarity"):
        loaded.assign(texts, X, polarity=polarity[:-1])


@pytest.mark.slow
def test_themes_sides_with_the_guided_taxonomy(truth, polarity, embedder):
    # The pipeline's path with the retail taxonomy: guided themes declare their side, so the
    # slow refunds that resemble "the refund was quick" stay out of the praise theme.
    texts, X, planted = truth
    model = ThemeModel(ThemeSettings(guided_path=str(GUIDED)), embedder=embedder).fit(texts, X, polarity=polarity)
    purity = _purity_by_planted(planted, model.labels_)
    assert purity["quick_refund"] >= 0.8 and purity["slow_refund"] >= 0.8, purity
    assert sum(v >= 0.8 for v in purity.values()) >= 19, purity
    assert (model.labels_ == OTHER_ID).mean() <= 0.05
    np.testing.assert_array_equal(model.assign(texts, X, polarity=polarity), model.labels_)


def test_themes_split_by_side_and_group_within_sides():
    from verbatim.themes import _group_sided, _split_by_side

    fine = np.array([0] * 30 + [1] * 30)
    side = np.array([-1] * 12 + [1] * 18 + [-1] * 3 + [1] * 27)
    split, side_of = _split_by_side(fine, side, min_size=10)
    # Cluster 0 holds enough of both sides for a theme each: cut in two. Cluster 1 keeps its
    # majority side; its 3 complaints leave it (-1, placed later on their own side).
    assert side_of == {0: -1, 1: 1, 2: 1}
    np.testing.assert_array_equal(split, [0] * 12 + [1] * 18 + [-1] * 3 + [2] * 27)
    # Identical centroids merge only within a side.
    centroids = np.tile(np.eye(1, 4, dtype=np.float32), (4, 1))
    groups = _group_sided(centroids, 0.7, np.array([-1, 1, -1, 1]))
    assert groups[0] == groups[2] and groups[1] == groups[3] and groups[0] != groups[1]
    assert len(set(_group_sided(centroids, 0.7, None).tolist())) == 1


@pytest.mark.slow
def test_themes_sample_most_planted_themes_are_pure(fitted, truth):
    # Guards the rest of the planted themes while the xfail above documents the pairs
    # that sentence embeddings cannot split: distinct planted themes must not collapse.
    purity = _purity_by_planted(truth[2], fitted.labels_)
    pure = [k for k, v in purity.items() if v >= 0.8]
    assert len(pure) >= 0.8 * len(purity), purity


@pytest.fixture(scope="module")
def fitted_guided(truth, embedder):
    texts, X, _ = truth
    return ThemeModel(ThemeSettings(guided_path=str(GUIDED)), embedder=embedder).fit(texts, X)


@pytest.mark.slow
def test_themes_sample_guided_taxonomy_separates_opposite_experiences(fitted_guided, truth):
    # Segment-level matching to guided examples splits what clustering cannot: the same
    # topic told as a complaint and as praise.
    texts, _, planted = truth
    table = pd.crosstab(planted, fitted_guided.labels_)
    best = {theme: table.loc[theme].idxmax() for theme in table.index}
    assert best["slow_refund"] != best["quick_refund"]
    assert best["late_delivery"] != best["fast_delivery"]
    assert best["unhelpful_agents"] != best["friendly_staff"]
    purity = _purity_by_planted(planted, fitted_guided.labels_)
    assert sum(v >= 0.8 for v in purity.values()) >= 19, purity  # 18 before guided themes had prototypes
    assert (fitted_guided.labels_ == OTHER_ID).mean() <= 0.05
    # Every guided theme that claimed segments also has a prototype (its members' centroid),
    # so a segment close to its members, though not to one example phrase, can join it.
    guided_ids = set(fitted_guided.themes_.loc[fitted_guided.themes_["guided"], "theme_id"])
    assert guided_ids <= set(fitted_guided.prototype_theme_.tolist())
    # Assignment after a save/load round trip applies the same guided rule.
    assert np.array_equal(fitted_guided.assign(texts, truth[1]), fitted_guided.labels_)


@pytest.mark.slow
def test_themes_model_saved_before_guided_examples_keeps_its_rule(fitted_guided, truth, embedder, tmp_path):
    # A model saved before guided_examples existed matched a segment to its single closest
    # example; loaded now, it must keep doing so rather than take today's default.
    import json

    texts, X, _ = truth
    old = fitted_guided.save(tmp_path / "old")
    meta = json.loads((old / "themes.json").read_text(encoding="utf-8"))
    del meta["settings"]["guided_examples"]
    (old / "themes.json").write_text(json.dumps(meta), encoding="utf-8")
    legacy = ThemeModel.load(old, embedder=embedder)
    assert legacy.settings.guided_examples == 1
    assert ThemeModel.load(fitted_guided.save(tmp_path / "new"), embedder=embedder).settings.guided_examples == 2
    single = ThemeModel.load(fitted_guided.save(tmp_path / "k1"), embedder=embedder)
    single.settings = dataclasses.replace(single.settings, guided_examples=1)
    np.testing.assert_array_equal(legacy.assign(texts, X), single.assign(texts, X))


@pytest.mark.slow
def test_themes_table_columns_labels_and_quotes(fitted, truth):
    themes = fitted.themes_
    assert list(themes.columns) == ["theme_id", "label", "keywords", "size", "parent_id", "representative", "guided", "new"]
    assert not themes["new"].any()  # only extend() adds new themes
    assert themes["theme_id"].tolist() == list(range(len(themes)))
    assert themes["size"].is_monotonic_decreasing
    assert int(themes["size"].sum()) == int((fitted.labels_ >= 0).sum())
    assert themes["label"].is_unique
    texts = set(truth[0])
    folded = np.array([" ".join("".join(c for c in t.casefold() if c.isalnum() or c.isspace()).split()) for t in truth[0]])
    for row in themes.itertuples():
        distinct = len(set(folded[fitted.labels_ == row.theme_id]))
        assert 2 <= len(row.label.split()) <= 5, row.label
        assert row.keywords and all(isinstance(k, str) for k in row.keywords)
        assert len(row.representative) == min(3, distinct)
        assert len({q.casefold() for q in row.representative}) == len(row.representative)
        assert set(row.representative) <= texts
    # Two-level hierarchy: parents group at least two themes and point back to them.
    assert len(fitted.parents_) >= 1
    for parent in fitted.parents_.itertuples():
        assert len(parent.theme_ids) >= 2
        assert set(themes.loc[themes.parent_id == parent.parent_id, "theme_id"]) == set(parent.theme_ids)


@pytest.mark.slow
def test_themes_save_load_round_trip_and_assign(fitted, truth, tmp_path, embedder):
    texts, X, _ = truth
    fitted.save(tmp_path / "model")
    loaded = ThemeModel.load(tmp_path / "model", embedder=embedder)
    pd.testing.assert_frame_equal(loaded.themes_, fitted.themes_)
    # A theme's generality (verbatim.general), kept by the pipeline, round-trips too.
    flagged = ThemeModel.load(tmp_path / "model", embedder=embedder)
    flagged.themes_ = flagged.themes_.assign(general=np.arange(len(flagged.themes_)) % 2 == 0)
    flagged.save(tmp_path / "flagged")
    pd.testing.assert_frame_equal(ThemeModel.load(tmp_path / "flagged", embedder=embedder).themes_, flagged.themes_)
    # The same texts land on the same themes as at fit time.
    np.testing.assert_array_equal(loaded.assign(texts, X), fitted.labels_)
    # MiniLM vectors are used as they are (center = "auto" centres uncalibrated static vectors
    # only; calibration maps static vectors into MiniLM's space).
    assert not fitted.center_.any() and not loaded.center_.any()
    assert fitted.projection_ is None and loaded.projection_ is None
    # New segments: a paraphrase joins its theme; an opposite vector is "Other".
    late = fitted.labels_[texts.index(next(t for t in texts if "late" in t.lower() and "deliver" in t.lower()))]
    new = embedder.embed(["my delivery turned up four days late"])
    assert loaded.assign(["my delivery turned up four days late"], new)[0] == late
    assert loaded.assign(["nonsense"], -loaded.centroids_[:1])[0] == OTHER_ID
    # A hand-edited themes.json that no longer matches the arrays is refused (E302): a theme
    # removed from the table was written as theme "1" labelled "1", absent from report.json.
    import json
    import shutil

    for edit, said in ((lambda m: m["themes"].pop(1), "name theme 1, which themes.json does not list"),
                       (lambda m: m["themes"][0].update(label=""), "label that is not a non-empty text"),
                       (lambda m: m["themes"][0].update(label=5), "label that is not a non-empty text")):
        broken = tmp_path / "broken"
        shutil.rmtree(broken, ignore_errors=True)
        shutil.copytree(tmp_path / "model", broken)
        meta = json.loads((broken / "themes.json").read_text(encoding="utf-8"))
        edit(meta)
        (broken / "themes.json").write_text(json.dumps(meta), encoding="utf-8")
        with pytest.raises(VerbatimError, match=f"E302 .*{said}"):
            ThemeModel.load(broken, embedder=embedder)


@pytest.mark.slow
def test_themes_assignment_in_row_blocks_equals_one_product(fitted, fitted_guided, truth, monkeypatch):
    """Large inputs are assigned block by block (bounded memory); the result is the same."""
    import verbatim.themes as themes

    texts, X, _ = truth
    whole = [fitted.assign(texts, X), fitted_guided.assign(texts, X)]
    monkeypatch.setattr(themes, "ROW_BLOCK", 97)
    np.testing.assert_array_equal(fitted.assign(texts, X), whole[0])
    np.testing.assert_array_equal(fitted_guided.assign(texts, X), whole[1])


@pytest.mark.slow
def test_themes_novelty_ignores_float_noise_at_the_floor(fitted, truth, monkeypatch):
    """The novelty floor is a quantile of the fit data's own similarities; where duplicate
    texts surround the quantile it is exactly a fit segment's similarity. The float noise of
    another batch or engine (~1e-7) must not make that segment new on one side and known on
    the other (the local and the Spark engine once disagreed on such a segment)."""
    texts, X, _ = truth
    best = fitted._nearest(X)[1]
    on_floor = int(np.argmin(np.abs(best - fitted.novelty_floor_)))
    monkeypatch.setattr(fitted, "novelty_floor_", float(best[on_floor]))
    base = fitted.novelty_candidates(texts, X)
    assert not base[on_floor] and 0 < base.sum() < len(texts)
    for seed in range(5):
        noise = np.random.default_rng(seed).normal(scale=1e-7, size=X.shape).astype(np.float32)
        np.testing.assert_array_equal(fitted.novelty_candidates(texts, X + noise), base)


def test_themes_unit_rows_are_not_copied():
    from verbatim.themes import _unit

    rows = np.random.default_rng(0).normal(size=(20, 8))
    unit = _unit(rows)
    assert unit.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, rtol=1e-6)
    assert _unit(unit) is unit  # the embedder's unit vectors stay one array, not two


@pytest.mark.slow
def test_themes_fit_on_distinct_rows_equals_fit_on_every_segment(truth, embedder):
    """embed_distinct + fit(index=...) / assign(index=...) give the themes of the
    per-segment array, with and without the sample fit (above max_fit_segments the
    per-segment array is never built)."""
    texts = truth[0][:1200]
    picks = np.random.default_rng(0).choice(len(texts), size=1800)  # repeated texts, as real segments have
    segments = [texts[i] for i in picks]
    vectors, index = embedder.embed_distinct(segments)
    assert len(vectors) < len(segments)
    np.testing.assert_array_equal(vectors[index], embedder.embed(segments))
    for limit in (len(segments), 900):
        settings = ThemeSettings(max_fit_segments=limit)
        expanded = ThemeModel(settings, embedder=embedder).fit(segments, vectors[index])
        indexed = ThemeModel(settings, embedder=embedder).fit(segments, vectors, index=index)
        np.testing.assert_array_equal(indexed.labels_, expanded.labels_)
        pd.testing.assert_frame_equal(indexed.themes_, expanded.themes_)
        np.testing.assert_array_equal(indexed.assign(segments, vectors, index=index), expanded.labels_)
    with pytest.raises(ValueError, match="index"):
        ThemeModel(ThemeSettings()).fit(segments, vectors, index=index[:-1])
    with pytest.raises(ValueError, match="index"):
        ThemeModel(ThemeSettings()).fit(segments, vectors[:5], index=index)


@pytest.mark.slow
def test_themes_on_memory_mapped_vectors_equal_in_memory(truth, embedder, tmp_path):
    """Above ``memmap_rows`` the embedder returns a memory-mapped array (from the cache
    here, as a rerun gets it); the themes, the sample fit and the assignment of every
    segment in the centred space (block by block, no full copy) are the same as in RAM."""
    texts = truth[0][:1200]
    segments = [texts[i] for i in np.random.default_rng(1).choice(len(texts), size=1800)]
    in_ram, index = embedder.embed_distinct(segments)
    mapped_embedder = Embedder(dataclasses.replace(embedder.settings, memmap_rows=1, memmap_dir=str(tmp_path)))
    mapped, mapped_index = mapped_embedder.embed_distinct(segments)
    assert isinstance(mapped, np.memmap) and not isinstance(in_ram, np.memmap)
    assert mapped_embedder.n_cached == len(in_ram) and not list(tmp_path.iterdir())  # the scratch file is unlinked
    np.testing.assert_array_equal(mapped, in_ram)
    np.testing.assert_array_equal(mapped_index, index)
    settings = ThemeSettings(max_fit_segments=900, center="on")
    expected = ThemeModel(settings, embedder=embedder).fit(segments, in_ram, index=index)
    got = ThemeModel(settings, embedder=embedder).fit(segments, mapped, index=index)
    assert expected.center_.any()
    np.testing.assert_array_equal(got.labels_, expected.labels_)
    pd.testing.assert_frame_equal(got.themes_, expected.themes_)
    np.testing.assert_array_equal(got.assign(segments, mapped, index=index), expected.labels_)
    np.testing.assert_array_equal(got.assign(segments, mapped[index]), expected.labels_)


@pytest.mark.slow
def test_themes_deterministic_saved_files_identical(truth, polarity, embedder, tmp_path):
    texts, X, _ = truth
    texts, X = texts[:1200], X[:1200]
    for name, sides in (("a", None), ("b", None), ("c", polarity[:1200]), ("d", polarity[:1200])):
        ThemeModel(ThemeSettings(), embedder=embedder).fit(texts, X, polarity=sides).save(tmp_path / name)
    for file in ("themes.json", "themes.safetensors"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
        assert (tmp_path / "c" / file).read_bytes() == (tmp_path / "d" / file).read_bytes()
    assert (tmp_path / "a" / "themes.json").read_bytes() != (tmp_path / "c" / "themes.json").read_bytes()


@pytest.mark.slow
def test_themes_guided_themes_come_out_named(truth, embedder, write_file):
    texts, X, planted = truth
    path = write_file(
        "guided.toml",
        GUIDED.read_text(encoding="utf-8")
        + '\n[[theme]]\nname = "Car park"\nexamples = ["no parking spaces", "the car park was full"]\n',
    )
    model = ThemeModel(ThemeSettings(guided_path=str(path)), embedder=embedder).fit(texts, X)
    guided = model.themes_[model.themes_["guided"]]
    assert {"Late delivery", "Prices too high", "Fast delivery"} <= set(guided["label"])
    assert "Car park" not in set(model.themes_["label"])  # absent from the data: not invented
    # Each named theme is mostly made of the planted theme it names.
    for name, planted_id in (("Late delivery", "late_delivery"), ("Prices too high", "prices_too_high")):
        theme = guided.loc[guided["label"] == name, "theme_id"].item()
        members = pd.Series(planted[model.labels_ == theme])
        assert members.value_counts().index[0] == planted_id, (name, members.value_counts().head(3))


@pytest.mark.slow
def test_themes_extend_keeps_ids_and_adds_only_new_themes(truth, embedder, tmp_path):
    # Wave 1 never mentions marketing e-mails; wave 2 does. Reusing wave 1's model must keep
    # every existing theme (same ids, same labels) and add the e-mail complaints as new.
    texts, X, planted = truth
    first = planted != "too_many_emails"
    wave1 = ThemeModel(ThemeSettings(), embedder=embedder).fit([t for t, f in zip(texts, first) if f], X[first])
    before = wave1.themes_[["theme_id", "label"]].copy()
    wave1_ids = wave1.assign(texts, X)
    labels = wave1.extend(texts, X)
    after = wave1.themes_
    assert after.loc[~after["new"], ["theme_id", "label"]].reset_index(drop=True).equals(before)
    new_ids = set(after.loc[after["new"], "theme_id"])
    assert new_ids and min(new_ids) > before["theme_id"].max()
    emails = labels[~first]
    assert np.isin(emails, list(new_ids)).mean() >= 0.8
    # Segments of the kinds wave 1 knew keep their theme.
    placed = first & (wave1_ids >= 0)
    assert (labels[placed] == wave1_ids[placed]).mean() >= 0.98
    # The extended model saves and assigns the same way afterwards.
    assert np.array_equal(wave1.assign(texts, X), labels)
    # Loaded for the next wave, the themes added here are no longer new: they were reported
    # as new again in every later wave, by assign too (from the wave-to-wave hunt).
    loaded = ThemeModel.load(wave1.save(tmp_path / "model"), embedder=embedder)
    assert not loaded.themes_["new"].any()
    assert loaded.themes_.drop(columns="new").equals(wave1.themes_.drop(columns="new"))
    assert np.array_equal(loaded.assign(texts, X), labels)
    top = int(wave1.themes_["theme_id"].max())
    loaded.extend(texts, X)
    assert (loaded.themes_.loc[loaded.themes_["new"], "theme_id"] > top).all()


@pytest.mark.slow
def test_themes_extend_on_distinct_rows_equals_extend_on_every_segment(truth, embedder):
    """A new wave given as one vector per distinct text and an index (as the pipeline gives
    it) is placed and extended exactly as its per-segment array, repeated texts included."""
    texts, X, planted = truth
    first = planted != "too_many_emails"
    fit_texts = [t for t, f in zip(texts, first) if f]
    wave = [texts[i] for i in np.random.default_rng(2).choice(len(texts), size=len(texts) + len(texts) // 2)]
    vectors, index = embedder.embed_distinct(wave)
    assert len(vectors) < len(wave)
    expanded_model, indexed_model = (ThemeModel(ThemeSettings(), embedder=embedder).fit(fit_texts, X[first])
                                     for _ in range(2))
    expanded = expanded_model.extend(wave, vectors[index])
    indexed = indexed_model.extend(wave, vectors, index=index)
    assert indexed_model.themes_["new"].any()
    np.testing.assert_array_equal(indexed, expanded)
    pd.testing.assert_frame_equal(indexed_model.themes_, expanded_model.themes_)


def test_themes_stratified_sample_keeps_each_group_share_and_is_seeded():
    from verbatim.themes import stratified_rows, stratum_quotas

    assert stratum_quotas({"A": 600, "B": 300, "none": 100}, 500) == {"A": 300, "B": 150, "none": 50}
    assert sum(stratum_quotas({"A": 1, "B": 1, "C": 1}, 2).values()) == 2
    strata = ["A"] * 600 + ["B"] * 300 + [None] * 50 + [float("nan")] * 50
    rows = stratified_rows(strata, 500, seed=7)
    assert len(rows) == len(set(rows)) == 500 and list(rows) == sorted(rows)
    picked = pd.Series([strata[i] for i in rows], dtype=object).fillna("none").value_counts().to_dict()
    assert picked == {"A": 300, "B": 150, "none": 50}
    assert np.array_equal(rows, stratified_rows(strata, 500, seed=7))
    assert not np.array_equal(rows, stratified_rows(strata, 500, seed=8))


def test_themes_fit_rejects_strata_of_another_length():
    X = np.eye(4, 8, dtype=np.float32)
    with pytest.raises(ValueError, match="strata"):
        ThemeModel(ThemeSettings()).fit(["a b", "c d", "e f", "g h"], X, strata=["A", "B"])


@pytest.mark.slow
def test_labels_parse_only_the_texts_they_were_not_given(fitted, truth, monkeypatch):
    # The theme model parses its label candidates once, for themes and parents alike.
    from verbatim import labels

    texts = truth[0]
    ids = fitted.themes_["theme_id"].tolist()[:4]
    theme_texts = [[texts[i] for i in np.flatnonzero(fitted.labels_ == t)][:20] for t in ids]
    centroids, keywords = fitted.centroids_[ids], fitted.themes_["keywords"].tolist()[:4]
    expected = labels.choose_labels(theme_texts, centroids, keywords, fitted.embed_texts)
    given = labels.phrases_by_text([t for rows in theme_texts[:2] for t in rows])
    parsed: list[str] = []
    real = labels.phrases_by_text
    monkeypatch.setattr(labels, "phrases_by_text", lambda found, **kw: parsed.extend(found) or real(found, **kw))
    assert labels.choose_labels(theme_texts, centroids, keywords, fitted.embed_texts, phrases=given) == expected
    assert set(parsed) == {t for rows in theme_texts[2:] for t in rows} - set(given)


@pytest.mark.slow  # reads the spaCy pipeline's dictionary (written forms that end inside a noun phrase)
def test_labels_show_keyword_ngrams_as_customers_wrote_them():
    # c-TF-IDF forms n-grams after removing stop words: "ended up returning" -> "ended returning".
    from verbatim.labels import _fallback, written_form

    texts = ["i ended up returning it", "ended up returning the dress", "ended returning"]
    assert written_form("ended returning", texts) == "ended up returning"  # the most frequent form
    assert written_form("order days late", ["my order was days late"]) == "order was days late"
    assert written_form("email need", ["email me if you ever need help"]) is None  # too far apart
    assert written_form("late delivery", ["delivery was late"]) is None  # order matters
    assert written_form("size small", ["i ordered the size size small"]) == "size small"  # readable forms only
    assert written_form("customer service", ["the customer s service", "great customer service"]) == "customer service"
    # With no phrase to choose, two single keywords, never an n-gram's skipped words.
    # A negation keeps its "not" ("wasn't" is split at its apostrophe before the search).
    assert written_form("wasn flattering", ["it wasn t flattering on me"]) == "was not flattering"
    assert written_form("won fit", ["they won t fit anyone"]) == "will not fit"
    assert written_form("refund hasn", ["the refund hasn t come"]) is None  # a fragment still
    assert written_form("didn't work", ["it just didn t work"]) == "did not work"  # keywords keep "n't" whole
    # A form is never read out of a negation: "never had a single problem" is no "single problem".
    assert written_form("single problem shopping", ["never had a single problem shopping with you"]) is None
    assert written_form("stock item", ["they didn t have stock of the item"]) is None
    assert written_form("no stock item", ["no stock of the item"]) == "no stock of the item"
    assert written_form("stock item", ["stock of the item ran out", "no stock of the item"]) == "stock of the item"
    assert _fallback(["email email need", "email need", "need"], set()) == "email and need"
    assert _fallback(["email need"], {"email and need"}) == "email comments"
    assert _fallback(["größe", "qualität"], set()) == "größe and qualität"
    assert _fallback(["love", "love love", "just love love", "absolutely love"], set()) == "love comments"
    assert _fallback(["love", "absolutely love", "dress"], set()) == "love and dress"
    assert _fallback(["experience couldn't fault", "not fault"], set()) == "experience and fault"


@pytest.mark.slow
def test_labels_keyword_forms_never_stop_inside_a_noun_phrase():
    # "pockets nice" is written "the pockets are a nice touch": "pockets are a nice" names nothing.
    from verbatim.labels import written_form

    assert written_form("pockets nice", ["the pockets are a nice touch", "pockets are a nice touch"]) is None
    assert written_form("easily fixed quick", ["wrinkles easily fixed with a quick steam"]) is None
    assert written_form("waiting dressing", ["waiting outside the dressing room"]) is None
    # Nor on a word that can only be an adjective, before its noun (a plural too).
    assert written_form("stop sending promotional", ["stop sending me promotional emails"] * 2) is None
    assert written_form("stop sending", ["stop sending me promotional emails"]) == "stop sending"
    assert written_form("embroidery loose", ["the embroidery has no loose threads"]) is None
    # Nor inside a fixed phrase of two words.
    assert written_form("tried right", ["i tried it on right away"] * 2) is None
    assert written_form("xs fit way", ["the xs fit way too big"] * 2) is None
    assert written_form("fit right", ["it did not fit right", "fit right"]) == "fit right"
    # A determiner and a noun that the text goes on from with a verb, a stop word or nothing stay.
    assert written_form("stock item", ["stock of the item advertised"]) == "stock of the item"
    assert written_form("love top", ["i love the top and the colour", "love the top"]) == "love the top"
    # Decided by most of the form's occurrences.
    assert written_form("pockets nice", ["pockets are a nice touch", "pockets are a nice", "pockets are a nice"]) == \
        "pockets are a nice"


def test_labels_keyword_forms_never_span_punctuation():
    # "it's beautiful, lovely quality, gorgeous bird" lists three things; read without its
    # commas it offered the label "beautiful lovely quality gorgeous".
    from verbatim.labels import phrase_pieces, written_form

    texts = ["It's beautiful, lovely quality, gorgeous bird. But the T-shirt - wasn't great", "ring me on [PHONE]"]
    assert phrase_pieces(texts) == ["it s beautiful", "lovely quality", "gorgeous bird", "but the t shirt",
                                    "wasn t great", "ring me on phone"]
    assert written_form("beautiful quality gorgeous", phrase_pieces(texts[:1])) is None
    assert written_form("lovely quality", phrase_pieces(texts[:1])) == "lovely quality"
    assert written_form("wasn great", phrase_pieces(texts[:1])) == "was not great"


def test_labels_never_end_on_a_function_word():
    # Written forms of keywords can stop mid-sentence ("maybe just" -> "maybe it is just"):
    # such a fragment names no theme. Particles and nouns that spaCy counts as stop words stay.
    from verbatim.labels import _readable, written_form

    assert written_form("maybe just", ["maybe it is just me", "maybe it is just the cut"]) is None
    for fragment in ("maybe it is just", "time the waitstaff did", "still what", "quick and",
                     # a contraction stem, a preposition, a linking verb without its complement
                     "showing that shouldn", "picture it looks like", "dress looked",
                     # a sentence's continuation rather than a name
                     "just would have preferred", "and the fit",
                     # a degree word without its adjective, a sentence adverb
                     "sleeves were a little", "neckline is a tad", "style unfortunately",
                     # a sentence adverb in front, one customer's spelling
                     "unfortunately returning", "sadly had to return", "chat was fantastic and soooo",
                     # a word cut short where a review ends ("... it would show! still l")
                     "still l",
                     # a unit that lost its number ("120 lbs, big chest")
                     "big lbs", "extra kg",
                     # a hedge in front ("... so that maybe part of it")
                     "maybe part", "possibly have tried a medium",
                     # "much" before a noun, left of "too much fabric"
                     "much fabric",
                     # "their" misspelt
                     "there pants", "there customer service",
                     # a "be" without its modal
                     "easily be dressed", "always be returned",
                     # a hedge or a light verb at the end, what it says is missing
                     "medium would probably", "xxs would make", "hugs my figure without making"):
        assert not _readable(fragment), fragment
    for label in ("sold out", "beautiful top", "log in", "late delivery", "too many emails",
                  "casual look", "still no refund", "package never arrived", "did not work", "not a fan",
                  "love the v neck", "well made", "no give", "second take", "much smaller size", "much tighter fit",
                  "there is no lining", "there was a hole", "can be dressed up", "to be honest",
                  "will not be back", "be careful"):
        assert _readable(label), label


@pytest.mark.slow  # the dictionary tells an adverb from an adjective
def test_labels_never_run_into_a_clause_nor_end_on_a_dangling_adverb():
    # Written forms of keywords ("disappointed dress", "sleeves ridiculously") read across
    # into a subordinate clause or stop before the adjective their adverb qualifies.
    from verbatim.labels import _readable

    for fragment in ("disappointed that this dress", "returned because the fit", "previous reviewer that the zipper",
                     "sleeves are ridiculously", "fit was incredibly", "agent was helpful and genuinely",
                     # a noun phrase without its noun ("this cardigan is a beautiful - not too thin")
                     "cardigan is a beautiful", "bought my gorgeous",
                     # an article before a verb: "I" mistyped
                     "glad a took", "so glad a bought"):
        assert not _readable(fragment), fragment
    for label in ("love that dress", "looks lovely", "fits perfectly", "is so friendly", "not as pictured",
                  "comfortable and flattering", "ordered a small", "love the blue", "love the top", "saw this online", "not a fan",
                  "love the felt", "left the store"):
        assert _readable(label), label
    # spaCy's noun chunk of "so that maybe part of it" starts on its subordinating conjunctions.
    from verbatim.labels import _phrases_of, parse

    assert set(_phrases_of(*parse(["my husband said it is just a blah color on me. so that maybe part of it."]))) == {
        "blah color"}
    # Two phrases glued by a missing or free-standing punctuation mark name the second one.
    for glued in ("i ordered the large a perfect fit for me", "i got the large, a perfect fit.",
                  "i take a large --- a perfect fit."):
        assert set(_phrases_of(*parse([glued]))) <= {"perfect fit"}, glued
    # A title and the review under it (two text columns, or a short first line merged with the
    # next) are two lines: no phrase runs across the break.
    assert set(_phrases_of(*parse(["horrible design\nretailer should not sell this"]))) == {"horrible design"}
    assert set(_phrases_of(*parse(["Beautiful dress\nlove the soft fabric"]))) == {"beautiful dress", "soft fabric"}


@pytest.mark.slow
def test_labels_of_complaints_not_pushed_away_from_the_praise_of_their_topic(embedder):
    # With sides, the complaints and the praise of one topic are two themes whose centroids
    # MiniLM puts close: it barely sees a negation. Penalised for resembling the praise, the
    # complaints' label drifted off the topic ("terrible design" for the "not as pictured"
    # complaints of 4,000 clothing reviews, "too much fabric" for the cheap-fabric ones). A
    # candidate that reads as a complaint is not penalised for resembling its twin.
    import functools

    from verbatim.labels import LabelSettings, choose_labels
    from verbatim.themes import _polarity

    complaints = ["not as pictured", "the photo is misleading", "looks nothing like the picture online",
                  "the design is terrible in person", "terrible design, nothing like the photo",
                  "the picture made it look much better", "the print looked different online"]
    praise = ["exactly as pictured", "looks just like the photo", "exactly as pictured and lovely",
              "true to the picture online", "the colour is exactly as pictured", "looks like the model photo"]
    delivery = ["delivery was quick", "arrived the next day", "fast shipping and great packaging"]
    themes = [complaints, praise, delivery]

    def embed(texts):
        return np.asarray(embedder.embed(list(texts)), dtype=np.float32)

    centroids = np.stack([v / np.linalg.norm(v) for v in (embed(t).mean(axis=0) for t in themes)])
    keywords = [["not pictured", "photo misleading", "terrible design"], ["exactly pictured", "model photo"],
                ["quick delivery", "fast shipping"]]
    polarity = functools.partial(_polarity, as_sign=True)
    label = functools.partial(choose_labels, themes, centroids, keywords, embed, LabelSettings(), None, polarity)
    assert label() == ["terrible design", "exactly as pictured", "quick delivery"]
    assert label([-1, 1, 0], {0: [1]}) == ["photo is misleading", "exactly as pictured", "quick delivery"]


def test_label_phrases_never_drop_a_negation():
    # "<noun> was <adjective>" gives "<adjective> <noun>" only when nothing negates it: a
    # complaint must not read as praise ("the staff was not very helpful" -> "helpful staff").
    from verbatim.labels import candidate_phrases

    negated = ["The staff was not very helpful.", "The dress wasn't flattering on me.", "Staff were never rude."]
    assert not {"helpful staff", "flattering dress", "rude staff"} & set(candidate_phrases(negated))
    assert {"late delivery", "rude staff"} <= set(candidate_phrases(["Delivery was late and the staff were rude."]))


def test_labels_prefer_what_many_say_to_one_customers_story():
    # "arrived i was pleasantly surprised" is a clause of one account; "you", the company
    # addressed, is no story's subject ("shop with you absolutely brilliant").
    from verbatim.labels import _stories_last

    ranked = [(0.9, "arrived i was pleasantly surprised"), (0.8, "shop with you"), (0.7, "we waited ages"),
              (0.6, "pleasantly surprised"), (0.5, "long wait")]
    assert [p for _, p in _stories_last(ranked)] == [
        "shop with you", "pleasantly surprised", "long wait", "arrived i was pleasantly surprised", "we waited ages"]


def test_labels_never_repeat_one_customers_typo():
    # "Fatima on the phone was so patinet with me." gave the demo's theme the label "so patinet".
    from verbatim.labels import _typos, known_word

    texts = ["She was so patinet with me", "very patient on the phone", "patient and kind on the phone",
             "the chair arrived with a snpped leg", "a snapped leg", "pilcro jeans fit", "love my pilcro pants"]
    unknown = {w for w in "so patinet chair arrived with a snpped pilcro jeans".split() if not known_word(w)}
    assert unknown == {"patinet", "snpped", "pilcro"}
    assert _typos(texts, unknown) == {"patinet", "snpped"}  # "pilcro", a brand several name, stays
    assert _typos(texts[:2], unknown) == frozenset()  # too few texts to tell
    for word in ("patient", "snapped", "shipped", "bought", "wore", "happier", "unflattering", "jumpsuit", "returning"):
        assert known_word(word), word
    for word in ("patinet", "snpped", "wiith", "fntastic", "soooo"):
        assert not known_word(word), word


def test_labels_do_not_contradict_their_themes_polarity():
    # A theme of complaints is not named by praise its segments negate ("flattering look"
    # for "it wasn't flattering"); a mixed theme keeps the best-scored candidate.
    from verbatim.labels import _agreeing_first, theme_signs
    from verbatim.themes import _polarity

    complaints = ["it wasn't flattering at all", "sadly it was not flattering on me", "so frumpy, awful look"]
    praise = ["love how flattering it is", "such a flattering and lovely cut", "great look"]
    mixed = ["flattering at first", "awful after one wash", "it arrived on tuesday"]
    assert theme_signs([complaints, praise, mixed], _polarity) == [-1, 1, 0]
    ranked = [(0.9, "flattering look"), (0.85, "awful look"), (0.8, "frumpy look"), (0.7, "sleeve length")]
    vocabulary = ["awful look", "flattering look", "frumpy look", "sleeve length"]
    sign_of = dict(zip(vocabulary, _polarity(vocabulary).tolist()))
    reordered = _agreeing_first([ranked] * 3, [complaints, praise, mixed], sign_of, _polarity)
    # the lexicon's polarity: "frumpy" is not in it (neutral), nor is "sleeve length"
    assert [phrase for _, phrase in reordered[0]] == ["awful look", "frumpy look", "sleeve length", "flattering look"]
    assert [phrase for _, phrase in reordered[1]] == ["flattering look", "frumpy look", "sleeve length", "awful look"]
    assert reordered[2] == ranked
    # A complaint theme (its side) is named by no praise, though the lexicon reads its
    # segments as praise ("cute" in "cute but not for me"); elsewhere the lexicon decides.
    cute = ["cute but not for me", "the design is cute in the picture, not on", "it arrived on tuesday"]
    assert theme_signs([cute], _polarity) == [1]
    phrases = ["cute design", "not cute", "sleeve length"]
    ranked = list(zip((0.9, 0.8, 0.7), phrases))
    sign_of = dict(zip(phrases, _polarity(phrases).tolist()))
    sided = _agreeing_first([ranked] * 3, [cute] * 3, sign_of, _polarity, sides=[-1, 1, 0])
    assert [phrase for _, phrase in sided[0]] == ["not cute", "sleeve length", "cute design"]
    assert [phrase for _, phrase in sided[1]] == [phrase for _, phrase in sided[2]] == [
        "cute design", "sleeve length", "not cute"]


@pytest.mark.slow
def test_labels_find_a_keywords_written_form_beyond_the_segments_they_read(fitted):
    # Keywords come from all of a theme's segments; their written form is looked for in more
    # than the few closest segments that noun phrases are read from.
    from verbatim.labels import LabelSettings, choose_labels

    texts = ["the parcel never came", "my order was days late again"]
    centroid = fitted.embed_texts(["my order was days late"])

    def label(**settings):
        return choose_labels([texts], centroid, [["order days late"]], fitted.embed_texts,
                             LabelSettings(segments_per_theme=1, **settings), phrases={texts[0]: set()})

    assert label() == ["order was days late"]
    assert label(keyword_segments=1) == ["order and days"]  # not found: single keywords joined


@pytest.mark.slow
def test_themes_keywords_ranked_by_closeness_to_their_theme(fitted):
    # c-TF-IDF proposes, the theme's centroid ranks: each keyword is at least as close to its
    # theme's centroid as the next (ties within float noise aside), and each adds a word.
    from verbatim.themes import KEYWORD_SCORE_TIE

    for theme in fitted.themes_.itertuples():
        words = list(theme.keywords)
        assert words and len(words) <= 10
        sims = fitted.embed_texts(words) @ fitted.centroids_[theme.theme_id]
        assert all(a >= b - KEYWORD_SCORE_TIE - 1e-6 for a, b in zip(sims, sims[1:])), (theme.label, words, sims)
        assert all(not set(w.split()) <= set(v.split()) for i, w in enumerate(words) for v in words[:i])


@pytest.mark.slow
def test_themes_keywords_never_span_two_segments(fitted, truth):
    # BERTopic joins a theme's segments with a space (and line ends become spaces) before
    # counting n-grams: "dress color" from "I love this dress" and "Color is great". Every
    # keyword n-gram is one that a single segment of its theme holds.
    from verbatim.keywords import english_analyzer, keyword_documents

    texts, _, _ = truth
    analyze = english_analyzer(ThemeSettings().ngram_max)
    for theme in fitted.themes_.itertuples():
        grams = {g for i in np.flatnonzero(fitted.labels_ == theme.theme_id) for g in analyze(texts[i])}
        assert set(theme.keywords) <= grams, (theme.label, set(theme.keywords) - grams)
    assert keyword_documents(["Disappointed\nThis dress", "Color is great"]) == [
        "Disappointed | This dress |", "Color is great |"]


def test_themes_keywords_order_ignores_float_noise():
    # The scores of a bigram and its reverse (one static vector) differ in the last bits only,
    # and came back in either order from run to run: the ranking must not depend on it.
    from verbatim.themes import ranked_keywords

    scored = [("fabric", 0.71), ("short length", 0.5200000001), ("length short", 0.52), ("wear", 0.3), ("", 0.9)]
    expected = ["fabric", "length short", "short length"]
    assert ranked_keywords(scored, 3) == expected
    assert ranked_keywords(scored[::-1], 3) == expected
    # Either side of a rounding boundary (0.812345): still one tie.
    near = [("purchase happy", 0.8123450001), ("happy purchase", 0.8123449999)]
    assert ranked_keywords(near, 2) == ranked_keywords(near[::-1], 2) == ["happy purchase", "purchase happy"]
    assert ranked_keywords([("b", 0.4), ("a", 0.3)], 5) == ["b", "a"]  # real differences still rank


@pytest.mark.slow
def test_themes_fit_when_no_word_survives_the_stop_words(embedder):
    """Segments that are all stop words or single letters ("no", "ok", "a") left
    scikit-learn's CountVectorizer with an empty vocabulary, and the fit raised; the words
    are then counted without the stop-word list."""
    texts = ["no", "not", "a", "b", "it", "so", "x", "the", "me", "us"] * 4
    model = ThemeModel(ThemeSettings(min_theme_size=3), embedder=embedder).fit(texts, embedder.embed(texts))
    assert len(model.labels_) == len(texts)
    assert all(isinstance(words, list) for words in model.themes_["keywords"])


def test_themes_fit_on_no_segment_centres_on_nothing():
    """A wave of non-answers fits no segment: the centre is zeros, not a NaN mean with a warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ThemeModel(ThemeSettings(center="on")).fit([], np.zeros((0, 16), np.float32))
    assert not model.center_.any() and len(model.labels_) == 0


def test_themes_mostly_foreign_theme_is_named_for_its_languages():
    # The bundled sample's Spanish, French and German comments made a theme labelled
    # "entrega llegó tarde": the English model groups them by language, not by topic.
    from verbatim.themes import OTHER_LANGUAGES_LABEL, other_languages_named

    foreign = ["La entrega llegó tarde y nadie avisó.", "Die Rücksendung war viel zu kompliziert.",
               "Trop d'attente au téléphone, c'est inadmissible."]
    english = ["The delivery was late and nobody told me.", "Returns are far too complicated for me."]
    themes = [english + foreign[:1], foreign + english[:1], foreign[1:], english]
    assert other_languages_named(["late delivery", "entrega llegó tarde", "viel zu", "returns"], themes, read=60) == [
        "late delivery", OTHER_LANGUAGES_LABEL, f"{OTHER_LANGUAGES_LABEL} (2)", "returns"]
    # Only the segments a label is read from count.
    assert other_languages_named(["x"], [english + foreign], read=2) == ["x"]


@pytest.mark.parametrize("label,title", [
    ("bombard me with promotions", "Bombard me with promotions"),
    ("Late delivery", "Late delivery"),
    ("iPhone app crashes", "iPhone app crashes"),  # a capital inside the first word: a name as written
    ("[NAME] was great", "[NAME] was great"),
    ("", ""),
])
def test_found_labels_read_as_titles(label, title):
    from verbatim.themes import as_title

    assert as_title(label) == title
