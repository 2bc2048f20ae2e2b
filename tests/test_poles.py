"""Opposite ends of one dimension ("runs small" / "runs large") are kept in separate themes."""

from __future__ import annotations

import numpy as np
import pytest

from verbatim.poles import POLES, dominant_poles, pole_counts

SIZE = [name for name, _, _ in POLES].index("size")
LENGTH = [name for name, _, _ in POLES].index("length")


@pytest.mark.parametrize(
    "text, dimension, end",
    [
        ("Runs small, order a size up", SIZE, -1),
        ("it runs a little large", SIZE, 1),
        ("I ordered a small and it was too big", SIZE, 1),  # "a small" names a size, "too big" judges
        ("the small was perfect", SIZE, 0),
        ("small portions", SIZE, 0),  # a description, not a judgment
        ("the portions are small", SIZE, -1),
        ("it's too small in the chest but way too big in the waist", SIZE, 0),  # both ends: neither
        ("sleeves are too long", LENGTH, 1),
    ],
)
def test_poles_count_judged_ends_only(text, dimension, end):
    assert pole_counts([text])[0, dimension] == end


def test_poles_dominant_end_needs_a_share_and_a_majority():
    rows = pole_counts(["runs small"] * 6 + ["runs large"] * 2 + ["love the colour"] * 2)
    assert dominant_poles(rows)[SIZE] == -1
    assert dominant_poles(pole_counts(["runs small"] * 3 + ["runs large"] * 3))[SIZE] == 0  # no majority
    assert dominant_poles(pole_counts(["runs small"] * 3 + ["love the colour"] * 7))[SIZE] == 0  # too few say it
    assert not dominant_poles(np.zeros((0, len(POLES)), np.int8)).any()


def test_poles_fine_cluster_split_along_its_ends():
    from verbatim.themes import _split_by_pole

    texts = ["runs small"] * 12 + ["runs large"] * 11 + ["pretty colour"] * 5 + ["runs small"] * 4 + ["runs large"] * 3
    fine = np.array([0] * 28 + [1] * 7)
    out, sides = _split_by_pole(fine, texts, 10, {0: -1, 1: 1})
    assert out[28:].tolist() == [1] * 7  # 4 against 3: under the minimum, not cut, number kept
    assert out[23:28].tolist() == [0] * 5  # the rest of cluster 0 keeps its number
    assert set(out[:12].tolist()) == {2} and set(out[12:23].tolist()) == {3}
    assert sides == {0: -1, 1: 1, 2: -1, 3: -1}  # each part keeps its cluster's side
    assert _split_by_pole(fine, texts, 10, None)[1] is None


def test_poles_opposite_clusters_never_merge():
    from verbatim.themes import _fine_poles, _group, _opposite

    texts = ["runs small"] * 5 + ["runs large"] * 5 + ["runs really small"] * 5
    fine = np.repeat([0, 1, 2], 5)
    apart = _opposite(_fine_poles(texts, fine, [0, 1, 2]))
    assert apart.tolist() == [[False, True, False], [True, False, True], [False, True, False]]
    close = np.array([[1.0, 0.0], [0.99, 0.141], [0.98, 0.199]], dtype=np.float32)
    close /= np.linalg.norm(close, axis=1, keepdims=True)
    assert len(set(_group(close, 0.7).tolist())) == 1
    groups = _group(close, 0.7, apart=apart).tolist()
    assert groups[0] == groups[2] != groups[1]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    from verbatim.embed import Embedder, EmbedSettings

    return Embedder(EmbedSettings(cache_dir=str(tmp_path_factory.mktemp("embeddings")), show_progress=False))


@pytest.mark.slow
def test_poles_themes_of_real_embeddings_tell_small_from_large(embedder):
    """MiniLM puts "runs small" beside "runs large": fitted on such comments and others, each
    theme that judges size judges it one way."""
    import itertools

    from verbatim.themes import ThemeModel, ThemeSettings

    garments = ["dress", "top", "skirt", "sweater", "jacket", "blouse", "shirt", "coat", "jumpsuit", "cardigan"]
    small = [f"the {g} runs {d} small" for g, d in itertools.product(garments, ["a bit", "very", "really", "so"])]
    large = [f"the {g} runs {d} large" for g, d in itertools.product(garments, ["a bit", "very", "really", "so"])]
    other = [f"love the {c} colour of the {g}" for g, c in itertools.product(garments, ["red", "blue", "green", "pink"])]
    texts = small + large + other
    vectors = embedder.embed(texts)
    model = ThemeModel(ThemeSettings(seed=0), embedder=embedder).fit(texts, vectors)
    ends = pole_counts(texts)[:, SIZE]
    for theme in set(model.labels_.tolist()) - {-1}:
        judged = ends[(model.labels_ == theme) & (ends != 0)]
        if len(judged):
            assert len(set(judged.tolist())) == 1, model.themes_.set_index("theme_id").loc[theme, "label"]
    assert model.prototype_pole_[:, SIZE].min() == -1 and model.prototype_pole_[:, SIZE].max() == 1


@pytest.mark.slow
def test_poles_saved_model_assigns_new_comments_to_their_end(embedder, tmp_path):
    """The prototypes' ends are saved with the model: a new wave's "runs large" never joins
    the "runs small" theme (``verbatim assign`` / ``analyze --model``)."""
    import itertools

    from verbatim.themes import ThemeModel, ThemeSettings

    garments = ["dress", "top", "skirt", "sweater", "jacket", "blouse", "shirt", "coat", "jumpsuit", "cardigan"]
    texts = [f"the {g} runs {d} {end}" for end in ("small", "large") for g, d in
             itertools.product(garments, ["a bit", "very", "really", "so"])]
    texts += [f"love the {c} colour of the {g}" for g, c in itertools.product(garments, ["red", "blue", "green", "pink"])]
    model = ThemeModel(ThemeSettings(seed=0), embedder=embedder).fit(texts, embedder.embed(texts))
    loaded = ThemeModel.load(model.save(tmp_path / "model"), embedder=embedder)
    assert (loaded.prototype_pole_ == model.prototype_pole_).all()
    wave = ["my new pants run way too small", "these boots run really large", "the scarf runs so small"]
    themes = loaded.assign(wave, embedder.embed(wave))
    small_themes = set(model.labels_[pole_counts(texts)[:, SIZE] < 0].tolist())
    assert themes[0] in small_themes and themes[2] in small_themes and themes[1] not in small_themes
