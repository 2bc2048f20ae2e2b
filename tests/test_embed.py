"""Tests of verbatim.embed: registry, distinct-text encoding, on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from verbatim.embed import POOL_MIN_TEXTS, EmbeddingCache, Embedder, EmbedSettings, available_backends, embed_texts
from verbatim.errors import ConfigError


def test_embed_unknown_backend_is_a_config_error():
    with pytest.raises(ConfigError, match="E203"):
        Embedder(EmbedSettings(backend="no-such-backend"))


def test_embed_registry_lists_minilm():
    assert "minilm" in available_backends()


def test_embed_settings_reject_bad_batch_size():
    with pytest.raises(ValueError):
        EmbedSettings(batch_size=0)


def test_embed_cache_misses_for_other_model_id(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    cache.put("model-a", ["k1", "k2"], vectors)
    assert set(cache.get("model-a", ["k1", "k2", "k3"])) == {"k1", "k2"}
    np.testing.assert_array_equal(cache.get("model-a", ["k2"])["k2"], vectors[1])
    assert cache.get("model-b", ["k1", "k2"]) == {}
    cache.close()
    # Reopening sees what was committed (another process, a rerun).
    again = EmbeddingCache(tmp_path / "e.sqlite")
    assert len(again) == 2
    again.close()


@pytest.mark.slow
def test_embed_distinct_texts_encoded_once(tmp_path):
    settings = EmbedSettings(cache_dir=str(tmp_path), show_progress=False)
    embedder = Embedder(settings)
    texts = ["ok", "great service", "ok", "ok", "The parcel arrived two days late."]
    vectors = embedder.embed(texts)
    assert embedder.n_encoded == 3
    assert vectors.shape == (5, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    # Related comments are closer than unrelated ones: the model really ran.
    late = embedder.embed(["my delivery came late", "I love the colour of this dress"])
    assert late[0] @ vectors[4] > late[1] @ vectors[4]


@pytest.mark.slow
def test_embed_second_run_encodes_nothing(tmp_path):
    settings = EmbedSettings(cache_dir=str(tmp_path), show_progress=False)
    texts = ["refund took weeks", "friendly staff", "app keeps crashing"]
    first = Embedder(settings)
    a = first.embed(texts)
    assert first.n_encoded == 3
    first.close()
    second = Embedder(settings)  # a new process would look the same: only the file is shared
    b = second.embed(texts + ["a brand new comment"])
    assert second.n_encoded == 1 and second.n_cached == 3
    np.testing.assert_array_equal(a, b[:3])
    third = Embedder(settings)
    third.embed(texts)
    assert third.n_encoded == 0
    assert third._backend is None  # a fully cached run never loads the model


#: Survey segments of many lengths (two words to a long paragraph), more than a batch.
_MIXED = [f"{w} {'and the ' * (i % 9)}{a} {i}" for i, (w, a) in enumerate(
    [("delivery", "was late"), ("staff", "were friendly and helpful"), ("app", "crashes"), ("refund", "quick")] * 25)] + [
    "ok", "The parcel arrived two days late and the box was damaged, " * 12, "n/a thanks"]


@pytest.mark.slow
def test_embed_vector_depends_on_the_text_alone(tmp_path):
    """A cached vector was computed among another run's texts: a run that is partly cached
    (another survey seen first, an earlier wave) gets the bits a cold run gets, alone or in
    any company, order or thread count, so its themes are the cold run's."""
    cold = Embedder(EmbedSettings(cache=False, processes=1, show_progress=False)).embed(_MIXED)
    settings = EmbedSettings(cache_dir=str(tmp_path), processes=1, threads=1, show_progress=False)
    other = Embedder(settings)
    other.embed(["a different survey", "the checkout page froze"] + _MIXED[::3][::-1])
    other.close()
    warm = Embedder(settings)
    np.testing.assert_array_equal(warm.embed(_MIXED), cold)
    assert warm.n_cached == len(_MIXED[::3]) and warm.n_encoded == len(_MIXED) - warm.n_cached
    alone = Embedder(EmbedSettings(cache=False, processes=1, show_progress=False))
    for i in (0, 37, len(_MIXED) - 2):
        np.testing.assert_array_equal(alone.embed([_MIXED[i]])[0], cold[i])


@pytest.mark.slow
def test_embed_texts_without_cache(tmp_path):
    vectors = embed_texts(["hello", "hello"], EmbedSettings(cache=False, show_progress=False))
    assert vectors.shape == (2, 384)
    assert not any(tmp_path.iterdir())
    # Encoded straight into a memory-mapped matrix: the same vectors.
    texts = ["hello", "bye", "hello"]
    mapped, index = Embedder(EmbedSettings(cache=False, show_progress=False, memmap_rows=1,
                                           memmap_dir=str(tmp_path))).embed_distinct(texts)
    assert isinstance(mapped, np.memmap) and index.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(mapped[index], embed_texts(texts, EmbedSettings(cache=False, show_progress=False)))
    assert not any(tmp_path.iterdir())


def test_encode_processes_rules(monkeypatch):
    import verbatim.parallel

    monkeypatch.setattr(verbatim.parallel, "usable_cores", lambda: 2)
    auto = Embedder(EmbedSettings())
    assert auto.encode_processes(POOL_MIN_TEXTS - 1) == 1  # starting workers costs more than it saves
    assert auto.encode_processes(POOL_MIN_TEXTS) == 2
    assert Embedder(EmbedSettings(processes=1)).encode_processes(10**6) == 1
    assert Embedder(EmbedSettings(processes=3)).encode_processes(10) == 3
    # The static backend is not poolable: it encodes 100,000 texts in seconds in one process.
    assert Embedder(EmbedSettings(backend="static")).encode_processes(10**6) == 1
    with pytest.raises(ValueError, match="processes"):
        EmbedSettings(processes=-1)


def test_encode_pool_reports_a_worker_that_cannot_load(monkeypatch):
    from verbatim.embed_pool import EncodePool, WorkerError

    # The worker resolves the backend in its own process; an unknown one fails to load
    # there, and the parent raises a one-line error instead of hanging.
    with EncodePool(EmbedSettings(backend="no-such-backend"), 1) as pool:
        with pytest.raises(WorkerError, match="KeyError.*no-such-backend"):
            list(pool.map([["some text"]], 8))


@pytest.mark.slow
def test_embed_on_worker_processes_matches_one_process(tmp_path):
    texts = [f"comment {i}: the {w} was {a}" for i, (w, a) in
             enumerate([("parcel", "late"), ("staff", "friendly"), ("app", "slow"), ("refund", "quick")] * 40)]
    one = Embedder(EmbedSettings(cache=False, processes=1, show_progress=False)).embed(texts)
    pooled = Embedder(EmbedSettings(cache_dir=str(tmp_path), processes=2, chunk_size=16, show_progress=False))
    two = pooled.embed(texts)
    assert pooled._backend is None  # the parent never loaded the model
    assert two.shape == one.shape == (len(texts), 384)
    np.testing.assert_array_equal(two, one)  # same vectors, in the input order
    assert len(EmbeddingCache(pooled.cache_path)) == len(set(texts))  # every chunk committed
    # The workers stay for later calls (theme keywords), small ones included, until close().
    workers = [worker._proc for worker in pooled._pool._workers]
    late = pooled.embed(["the parcel was late", "comment 0: the parcel was late"])
    assert pooled._backend is None and pooled.n_encoded == 1
    np.testing.assert_array_equal(late[1], one[0])
    pooled.close()
    assert pooled._pool is None and all(proc.poll() is not None for proc in workers)
