"""ThemeModel: discover themes in comment segments, label them, assign new segments.

Pipeline of :meth:`ThemeModel.fit` (every stage is set explicitly from ThemeSettings):

1. BERTopic with ``umap_model=PCA`` (role: reducer), ``hdbscan_model=KMeans`` (role:
   clusterer) over-clusters the segments into *fine clusters* of ~``fine_cluster_size``
   segments; once the final themes are known, c-TF-IDF over their 1-``ngram_max``-grams
   (``update_topics``, :mod:`verbatim.keywords`) gives candidate keywords, ranked by cosine
   to the theme's centroid (KeyBERT-style).
2. Guided themes: a segment within ``guided_similarity`` of a guided example phrase joins
   the theme whose ``guided_examples`` closest examples it resembles most (never one of the
   opposite polarity); the rest is clustered.
   With a polarity per segment (``themes.sides``), a fine cluster holding enough
   complaints and enough other segments is cut in two, one per side; with ``themes.poles``
   one judging both ends of a dimension ("runs small", "runs large": :mod:`verbatim.poles`)
   is cut apart.
3. Near-duplicate fine clusters are merged (within their side, never two judging opposite
   ends): average-linkage agglomeration of their centroids, cut at cosine
   ``merge_similarity``; then down to ``n_themes`` if set.
4. Themes under ``min_theme_size`` segments are dissolved.
5. Every segment goes to the theme of its most similar *prototype* (the centroids of the
   theme's fine clusters, plus that of its claimed segments for a guided theme; with
   sides, only prototypes of the segment's side; never one judging the other end of a
   dimension the segment judges) when that cosine is at least
   ``assign_floor``; the rest is theme -1 "Other". ``assign`` applies the very same rule,
   so the same text gets the same theme at fit and at assign time. Several prototypes
   per theme let a theme keep a non-spherical shape.
6. Themes whose centroids are within ``parent_similarity`` are grouped under a parent.

Why PCA + k-means and not BERTopic's UMAP + HDBSCAN (measured on this 2-core machine,
all-MiniLM-L6-v2 vectors, see benchmarks/bench_semeval.py and the module tests):

- UMAP pays ~11-25 s of numba JIT in every new process (a CLI run is a new process) and a
  seeded UMAP is single-threaded; PCA(50) + k-means on 9,277 clothing-review sentences
  takes ~1 s and on 1,265 SemEval sentences ~0.1 s, with no JIT and byte-identical output.
- HDBSCAN leaves 35-40 % outliers (SemEval: 36 %; PCA + HDBSCAN even 64-80 %); k-means
  leaves none, and the prototype floor leaves 0-3 % as "Other".
- Agreement with human categories is somewhat better: benchmarks/bench_semeval.py, means
  over seeds 0-4 of both models, gives NMI 0.356 / ARI 0.25 / 1.0 % unassigned for verbatim
  vs NMI 0.323 / ARI 0.12 / 28.7 % unassigned for BERTopic defaults (UMAP seeded), higher
  on every seed. UMAP or spectral + k-means reached NMI 0.37-0.40 only with k fixed from
  the truth.
- Fit time, 2 shared cores: 3,385 sample segments ~9 s, 9,277 clothing sentences ~14 s
  (most of it embedding candidate keywords and labels on a cold cache).
- A spectral embedding (kNN graph, no JIT) matched UMAP on SemEval but took 55 s on 9k
  sentences (ARPACK), so it was not kept.
Known limit: sentence embeddings place "refund was quick" and "refund took weeks" close
together; such opposite-polarity pairs under one topic separate only with a polarity per
segment (sides, see :meth:`ThemeModel.fit`) or a guided theme for each side.

Heavy libraries are imported inside functions.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .bertopic_import import import_bertopic
from .guided import SIDES, GuidedTheme, load_guided_themes
from .keywords import distinct_keywords, english_analyzer, keyword_documents
from .labels import LabelSettings, choose_labels, phrases_by_text
from .parallel import idle_work
from .poles import POLES, dominant_poles, pole_counts

__all__ = ["ThemeSettings", "GuidedTheme", "ThemeModel", "load_guided_themes", "OTHER_ID", "OTHER_LABEL"]

OTHER_ID = -1
OTHER_LABEL = "Other"
#: The label of a theme most of whose segments are not in English (see other_languages_named).
OTHER_LANGUAGES_LABEL = "Comments in other languages"
# Cosine similarities closer than this are one value. The novelty floor is a quantile of the
# fit data's own similarities, so a text seen at fit time sits exactly on it; the same text
# embedded in another batch, or multiplied in another block or on a Spark executor, comes
# back up to ~1e-7 away, on either side. Without the margin such a text is new in one run
# and known in the other.
SIMILARITY_TIE = 1e-5
CENTER_MODES = ("auto", "on", "off")
SIDE_MODES = ("auto", "on", "off")
# Embedding backends whose vectors the theme model centres under center = "auto".
CENTERED_BACKENDS = frozenset({"static"})


@dataclasses.dataclass(frozen=True)
class ThemeSettings:
    """Tunables of theme discovery. Similarities are cosines (-1..1); sizes are segments.

    min_theme_size: smallest theme kept; smaller ones are dissolved into others / Other.
    n_themes: target number of themes, 0 = let merging decide.
    fine_cluster_size: mean size of the fine clusters k-means cuts first (k = n / this).
    max_fine_clusters: upper bound on k (bounds time and the number of prototypes).
    reduced_dims: PCA components the clusterer works in.
    merge_similarity: fine clusters / themes whose centroids are at least this similar merge.
    assign_floor: a segment below this similarity to every prototype stays "Other".
    novelty_quantile: when a saved model is extended with a new wave, a segment that fits
        its nearest theme worse than this share of the fitted segments did is a candidate
        for a new theme (the floor is measured on the fit data, not fixed).
    parent_similarity: themes at least this similar are grouped under one parent theme.
    guided_similarity: a segment at least this similar to its closest guided example joins that theme.
    guided_examples: of the guided themes within reach, the segment joins the one whose this
        many closest examples are closest on average (1: the single closest example decides).
    guided_path: TOML file of guided themes ("" = none), see configs/themes.toml.
    ngram_max: longest n-gram of the CountVectorizer behind c-TF-IDF keywords.
    n_keywords: keywords kept per theme.
    keyword_candidates: c-TF-IDF n-grams per theme re-ranked by cosine to the theme's
        centroid (each distinct one is embedded once, so this bounds its cost).
    n_quotes: representative quotes per theme.
    max_fit_segments: fit on at most this many segments (seeded sample, stratified); the rest
        is assigned to the learned themes (bounds memory and time on huge surveys).
    seed: random seed of PCA, k-means and sampling (fixed => byte-identical results).
    center: "auto", "on" or "off": subtract the fit data's mean vector from every vector
        (then rescale to unit length) before any similarity is taken. "auto" = on for the
        static embedder when it is not calibrated (``calibration_texts`` = 0). Static
        vectors are averages of word vectors and share a large common direction (mean
        pairwise cosine 0.32 on SemEval, 0.37 on clothing reviews, against MiniLM's 0.16
        and 0.18), so the cosine thresholds above meant far looser merges there: 31-40 %
        of the clothing reviews' segments became one theme of generic words ("just,
        doesn, did, like") that then led the improvement areas. The mean is learnt at fit
        time, saved with the model and applied by assign.
    calibration_texts: vectors of a backend distilled from a teacher (the static table,
        distilled from MiniLM) are mapped into the teacher's space before anything else:
        this many of the fit's distinct texts (a seeded sample) are encoded by the teacher
        too, and a ridge regression (``calibration_ridge``) learns the affine map from the
        static vectors to the teacher's; the map's output is then spread around the
        teacher's mean by the ratio of the teacher's variance to the map's (a regression
        shrinks towards the mean, which would raise every cosine), so MiniLM's thresholds
        apply as they are and the space is not centred. The map is learnt on the data at
        hand: static vectors have no context, and what the teacher adds differs by domain
        (a map learnt on clothing reviews lifts SemEval's NMI far less than one learnt on
        SemEval's own sentences, see README.md, Performance). Saved with the model and
        applied by assign and extend, which need no teacher. 0 = off (then static vectors
        are centred, see ``center``).
    centred_floor_quantile: in a centred space the absolute ``assign_floor``, calibrated
        on MiniLM's own space, means something else (centring lowers every similarity: 8.7 %
        of SemEval stayed "Other" with static vectors). There the floor is this quantile of
        the fit segments' best prototype cosines instead: where 0.3 sits in MiniLM's space
        (about 1 % of its segments below it, on SemEval and on clothing reviews). Saved with
        the model (``assign_floor_``) and applied by assign and extend. The merge cut stays
        an absolute cosine: a quantile of centroid similarities depends on how many themes
        the data holds (at the 0.95 quantile the bundled sample's "easy app" swallowed "app
        crashes"), so it would be tuned to one data set.
    sides: "auto", "on" or "off": whether the pipeline gives the theme model each segment's
        polarity (see :meth:`ThemeModel.fit`), so that complaints and the rest form separate
        themes ("refund took weeks" apart from "refund was quick"). "auto" = when the
        polarity was learnt from the survey's scores (:mod:`verbatim.polarity`, its gate
        passed); the lexicon alone reads "took ages" as neutral and would cut topics along
        its sentiment words instead (on SemEval's restaurant sentences, with the lexicon's
        polarity, NMI against the aspect categories fell from 0.357 to 0.322). "off": themes
        mix both sides and report their share of each.
    poles: keep the opposite ends of a dimension apart (:mod:`verbatim.poles`: "runs small"
        and "runs large", "too short" and "too long", both complaints, so sides cannot): a
        fine cluster judging both ends is cut apart, clusters judging opposite ends never
        merge, and a segment is never placed on a prototype of the end it does not judge. On
        8,000 clothing reviews the themes about a dimension held 33 % segments of their
        minority end before, 2 % after (``benchmarks/label_audit.py`` corpora; README).
    """

    min_theme_size: int = 10
    n_themes: int = 0
    fine_cluster_size: int = 40
    max_fine_clusters: int = 200
    reduced_dims: int = 50
    merge_similarity: float = 0.7
    assign_floor: float = 0.3
    novelty_quantile: float = 0.02
    parent_similarity: float = 0.6
    guided_similarity: float = 0.45
    guided_examples: int = 2
    guided_path: str = ""
    ngram_max: int = 3
    n_keywords: int = 10
    keyword_candidates: int = 30
    n_quotes: int = 3
    max_fit_segments: int = 50000
    seed: int = 42
    center: str = "auto"
    centred_floor_quantile: float = 0.01
    calibration_texts: int = 1000
    calibration_ridge: float = 0.3
    sides: str = "auto"
    poles: bool = True

    def __post_init__(self) -> None:
        if self.center not in CENTER_MODES:
            raise ValueError(f"center must be one of {', '.join(CENTER_MODES)}, got {self.center!r}")
        if self.sides not in SIDE_MODES:
            raise ValueError(f"sides must be one of {', '.join(SIDE_MODES)}, got {self.sides!r}")
        for name in ("min_theme_size", "fine_cluster_size", "reduced_dims", "ngram_max", "n_keywords", "keyword_candidates", "n_quotes",
                     "guided_examples"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.n_themes < 0:
            raise ValueError(f"n_themes must be 0 (automatic) or more, got {self.n_themes}")
        if self.calibration_texts < 0 or self.calibration_ridge <= 0:
            raise ValueError("calibration_texts must be 0 (off) or more and calibration_ridge above 0")
        if self.max_fine_clusters < 2 or self.max_fit_segments < 2:
            raise ValueError("max_fine_clusters and max_fit_segments must be at least 2")
        for name in ("novelty_quantile", "centred_floor_quantile"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} is a share between 0 and 1, got {getattr(self, name)}")
        for name in ("merge_similarity", "assign_floor", "parent_similarity", "guided_similarity"):
            if not -1.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} is a cosine similarity between -1 and 1, got {getattr(self, name)}")


def stratum_quotas(counts: dict[str, int], size: int) -> dict[str, int]:
    """``size`` rows split over strata in proportion to their ``counts`` (largest remainders;
    ties by stratum name), so the quotas add up to exactly ``size``."""
    total = sum(counts.values())
    exact = {k: size * n / total for k, n in counts.items()}
    quota = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: (-(exact[k] - quota[k]), k))[: size - sum(quota.values())]:
        quota[k] += 1
    return quota


def stratified_rows(strata: Sequence, size: int, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of ``size`` rows, each stratum in proportion
    (None / NaN is a stratum of its own)."""
    keys = np.array(["\u0000none" if pd.isna(v) else str(v) for v in strata], dtype=object)
    names, counts = np.unique(keys, return_counts=True)
    quota = stratum_quotas(dict(zip(names.tolist(), counts.tolist())), size)
    rng = np.random.default_rng(seed)
    picked = [rng.choice(np.flatnonzero(keys == k), quota[k], replace=False) for k in sorted(quota) if quota[k]]
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)


def calibration_rows(texts: Sequence[str], settings: ThemeSettings) -> np.ndarray:
    """Sorted positions of the texts a fit calibrates on (``calibration_texts``): the first
    occurrence of each distinct text, a seeded sample of them when there are more."""
    first: dict[str, int] = {}
    for row, text in enumerate(texts):
        first.setdefault(text, row)
    rows = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    if len(rows) > settings.calibration_texts:
        rows = np.sort(np.random.default_rng(settings.seed).choice(rows, settings.calibration_texts, replace=False))
    return rows


def calibration_sample(texts: Sequence[str], settings: ThemeSettings, strata: Sequence | None = None) -> list[str]:
    """The texts ``ThemeModel(settings).fit(texts, X, strata)`` encodes with the embedder's
    teacher (from its stratified fit sample above ``max_fit_segments``), so that a caller can
    encode them ahead of the fit, into the cache the fit then reads."""
    texts = list(texts)
    if len(texts) > settings.max_fit_segments:
        rows = stratified_rows([None] * len(texts) if strata is None else strata, settings.max_fit_segments, settings.seed)
        texts = [texts[i] for i in rows]
    return [texts[i] for i in calibration_rows(texts, settings)]


#: Keyword scores closer than this are one value (a tie, ordered by word).
KEYWORD_SCORE_TIE = 1e-5

#: Rows per block of the row-wise products and checks, so that a million segments never
#: need a (rows x prototypes) matrix or a temporary copy of the embeddings at once.
ROW_BLOCK = 65_536


def _blocks(n: int):
    return (slice(start, min(start + ROW_BLOCK, n)) for start in range(0, n, ROW_BLOCK))


def ranked_keywords(scored: Sequence[tuple[str, float]], n: int) -> list[str]:
    """The ``n`` best words of ``(word, score)`` pairs: by score, where scores that follow
    each other within :data:`KEYWORD_SCORE_TIE` are one tie, ordered by word.

    Two runs gave 18 of 89 keyword lists in another order at 50,000 segments: "short
    length" and "length short" have one static vector, and their scores differ only in the
    last bits of a float, which vary from run to run (rounding the scores still split such
    pairs whenever they fell on either side of a rounding boundary)."""
    pairs = sorted(((str(w), float(v)) for w, v in scored if w), key=lambda pair: (-pair[1], pair[0]))
    ranked: list[str] = []
    tie: list[str] = []
    for k, (word, score) in enumerate(pairs):
        if tie and pairs[k - 1][1] - score > KEYWORD_SCORE_TIE:
            ranked.extend(sorted(tie))
            tie = []
        tie.append(word)
    ranked.extend(sorted(tie))
    return ranked[:n]


def as_title(label: str) -> str:
    """A found label as a heading: its first letter in upper case ("bombard me with promotions"
    stood lower case among the guided "Damaged parcel" and "Late delivery" in every report).
    Found labels are the customers' words in lower case; a word already holding a capital after
    its first letter ("iPhone") is left as it is."""
    first = label.split(" ", 1)[0]
    if not first or any(c.isupper() for c in first[1:]):
        return label
    return label[:1].upper() + label[1:]


def other_languages_named(labels: Sequence[str], theme_texts: Sequence[Sequence[str]], read: int) -> list[str]:
    """``labels`` with each theme more than half of whose ``read`` segments closest to its
    centroid are not in English (:func:`verbatim.prepare.guess_language`) named
    :data:`OTHER_LANGUAGES_LABEL` (then "... (2)", ...). The embedding model reads English:
    such a theme gathers comments by language more than by topic, and was labelled by one of
    its phrases ("entrega llegó tarde" for the bundled sample's Spanish, French and German
    comments), which read as a topic of its own."""
    from .prepare import guess_language

    named, n = [], 0
    for label, texts in zip(labels, theme_texts):
        part = list(texts)[:read]
        if part and 2 * sum(guess_language(t, dictionary=True) == "other" for t in part) > len(part):
            n += 1
            label = OTHER_LANGUAGES_LABEL if n == 1 else f"{OTHER_LANGUAGES_LABEL} ({n})"
        named.append(label)
    return named


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32. Rows that already are (the embedder's output) are
    returned as they are, without a copy."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.sqrt(np.einsum("...i,...i->...", rows, rows))[..., None]
    if norms.size and np.abs(norms - 1.0).max() <= 1e-4:
        return rows
    return rows / np.maximum(norms, 1e-12)


def _check_inputs(texts: Sequence[str], embeddings: np.ndarray) -> tuple[list[str], np.ndarray]:
    texts = [str(t) for t in texts]
    embeddings = np.asarray(embeddings)
    if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
        raise ValueError(f"embeddings must have shape (len(texts), dim); got {embeddings.shape} for {len(texts)} texts")
    return texts, _finite_unit(embeddings)


def _check_indexed(texts: Sequence[str], embeddings: np.ndarray, index) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Like _check_inputs, for one embedding row per distinct text and each text's row in ``index``."""
    texts = [str(t) for t in texts]
    embeddings, index = np.asarray(embeddings), np.asarray(index)
    if index.shape != (len(texts),) or (len(index) and not np.issubdtype(index.dtype, np.integer)):
        raise ValueError(f"index must hold one integer row per text; got shape {index.shape} for {len(texts)} texts")
    if embeddings.ndim != 2 or (len(index) and (index.min() < 0 or index.max() >= len(embeddings))):
        raise ValueError(f"index must point into the {embeddings.shape} embeddings")
    return texts, _finite_unit(embeddings), index.astype(np.int64, copy=False)


def _used_rows(n_rows: int, texts: list[str], index: np.ndarray, signs: np.ndarray | None = None):
    """``(rows, row_texts, at, row_signs)`` of an embedding matrix of ``n_rows`` rows that
    segments point into by ``index``: the rows used (None: all of them), each one's text (that
    of its first segment: segments sharing a row share their text), each segment's position
    among them and, with ``signs`` (one polarity per segment), each row's polarity. Segments
    sharing a row may differ in polarity (a learnt polarity is scored per response): then a
    row is used once per polarity it carries."""
    if signs is None:
        used, first = np.unique(index, return_index=True)
        return (None if len(used) == n_rows else used), [texts[i] for i in first], np.searchsorted(used, index), None
    _, first, at = np.unique(index * 3 + (signs + 1), return_index=True, return_inverse=True)
    rows = index[first]
    all_rows = len(rows) == n_rows and bool((rows == np.arange(n_rows)).all())
    return (None if all_rows else rows), [texts[i] for i in first], at.reshape(-1), signs[first]


def _finite_unit(embeddings: np.ndarray) -> np.ndarray:
    if not all(np.isfinite(embeddings[block]).all() for block in _blocks(len(embeddings))):
        raise ValueError("embeddings contain NaN or infinite values")
    return _unit(embeddings)


def _centroids(X: np.ndarray, labels: np.ndarray, ids: Sequence[int]) -> np.ndarray:
    return _unit(np.stack([X[labels == k].mean(axis=0) for k in ids]))


def _group(centroids: np.ndarray, similarity: float, n_groups: int = 0, apart: np.ndarray | None = None) -> np.ndarray:
    """Average-linkage groups of unit vectors: cut at cosine ``similarity`` or at n_groups.
    ``apart``: boolean (n, n), pairs held at the largest cosine distance (2), so that groups
    holding them merge only when everything else in them is very close."""
    if len(centroids) < 2:
        return np.zeros(len(centroids), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    if apart is not None and apart.any():
        from sklearn.metrics.pairwise import cosine_distances

        distances = cosine_distances(centroids.astype(np.float64))
        distances[apart] = 2.0
        model = AgglomerativeClustering(
            n_clusters=min(n_groups, len(centroids)) if n_groups else None, metric="precomputed", linkage="average",
            distance_threshold=None if n_groups else 1.0 - similarity,
        )
        return model.fit(distances).labels_
    if n_groups:
        model = AgglomerativeClustering(n_clusters=min(n_groups, len(centroids)), metric="cosine", linkage="average")
    else:
        model = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - similarity
        )
    return model.fit(centroids.astype(np.float64)).labels_


def _guided_match(X: np.ndarray, examples: np.ndarray, owner: np.ndarray, floor: float,
                  row_polarity: np.ndarray | None = None, example_polarity: np.ndarray | None = None,
                  k: int = 1) -> np.ndarray:
    """The guided theme (owner) each row matches, or -1: among the themes with an example at
    cosine ``floor`` or more, the one whose ``k`` closest examples are closest on average.

    One example decides poorly where a theme's examples share a word with the row but not
    its point: "had to wait on hold forever to speak to an advisor" is closest to the staff
    theme's "the advisor didn't care about my problem" (0.54) but closer on average to the
    waiting theme's examples (0.51 against 0.42 over the two closest).

    With polarities (-1, 0, +1), a row never matches an example of the opposite sign:
    sentence embeddings barely see negation ("not helpful" sits next to "helpful"), the
    sentiment lexicon does, so a clear complaint cannot land in a praise theme.
    """
    matched = np.full(len(X), -1, dtype=np.int64)
    if len(examples) == 0 or len(X) == 0:
        return matched
    owners = np.unique(owner)
    for block in _blocks(len(X)):
        sims = X[block] @ examples.T
        if row_polarity is not None and example_polarity is not None:
            sims = np.where(np.outer(row_polarity[block], example_polarity) < 0, -np.inf, sims)
        best = np.full((len(sims), len(owners)), -np.inf)
        score = np.full((len(sims), len(owners)), -np.inf)
        for j, o in enumerate(owners):
            theirs = -np.sort(-sims[:, owner == o], axis=1)  # closest first
            best[:, j] = theirs[:, 0]
            score[:, j] = theirs[:, : min(k, theirs.shape[1])].mean(axis=1)
        score = np.where(best >= floor, score, -np.inf)
        pick = score.argmax(axis=1)
        ok = np.isfinite(score[np.arange(len(pick)), pick])
        matched[block] = np.where(ok, owners[pick], -1)
    return matched


def _polarity(texts: Sequence[str], *, as_sign: bool = True) -> np.ndarray:
    """Sentiment of each text: -1/0/+1 labels (VADER with complaint cues), or the compound score."""
    from .sentiment import score_sentiment

    scored = score_sentiment(list(texts))
    if not as_sign:
        return scored["compound"].to_numpy(dtype=float)
    return polarity_signs(scored["label"].to_numpy())


def polarity_signs(polarity) -> np.ndarray:
    """-1 / 0 / +1 per segment from sentiment labels ("negative", "neutral", "positive", as
    the pipeline's ``sentiment`` column holds them) or from numbers (their sign)."""
    values = np.asarray(polarity)
    if values.dtype.kind in "OUS":
        return np.where(values == "negative", -1, np.where(values == "positive", 1, 0)).astype(np.int64)
    return np.sign(values.astype(float)).astype(np.int64)


def wants_sides(settings: "ThemeSettings", learnt: bool) -> bool:
    """Whether a fit gets the segments' polarity: ``settings.sides`` "on", or "auto" and
    ``learnt`` (the polarity was learnt from the scores)."""
    return settings.sides == "on" or (settings.sides == "auto" and learnt)


def theme_polarity(segments: pd.DataFrame, sided: bool):
    """The polarity a theme model takes for a table of segments (their ``sentiment`` label:
    the one learnt from the scores where the probe passed its gate), None when not ``sided``."""
    return segments["sentiment"].to_numpy(dtype=object) if sided else None


def _checked_signs(polarity, n: int) -> np.ndarray | None:
    if polarity is None:
        return None
    signs = polarity_signs(polarity)
    if signs.shape != (n,):
        raise ValueError(f"polarity must hold one value per segment; got shape {signs.shape} for {n} segments")
    return signs


def _sides(signs: np.ndarray) -> np.ndarray:
    """The side of each segment: -1 a complaint (negative), +1 anything else."""
    return np.where(signs < 0, -1, 1).astype(np.int64)


def _split_by_side(fine: np.ndarray, side: np.ndarray, min_size: int) -> tuple[np.ndarray, dict[int, int]]:
    """Fine clusters cut into their complaint and non-complaint parts.

    A cluster whose two parts both hold ``min_size`` segments (enough for a theme each)
    becomes two clusters, one per side; any other takes the side of its majority and its
    few other-side segments leave it (-1: the final assignment places them, on their own
    side). Returns the new cluster of each segment and the side of each new cluster.
    """
    out = np.full(len(fine), -1, dtype=np.int64)
    side_of: dict[int, int] = {}
    for f in sorted(set(fine.tolist())):
        members = fine == f
        neg, rest = members & (side < 0), members & (side > 0)
        parts = [(neg, -1), (rest, 1)]
        if min(int(neg.sum()), int(rest.sum())) < min_size:
            parts = [parts[0] if neg.sum() > rest.sum() else parts[1]]
        for mask, value in parts:
            side_of[len(side_of)] = value
            out[mask] = len(side_of) - 1
    return out, side_of


def _split_by_pole(fine: np.ndarray, texts: list[str], min_size: int,
                   side_of: dict[int, int] | None) -> tuple[np.ndarray, dict[int, int] | None]:
    """Fine clusters cut along a dimension of :data:`verbatim.poles.POLES` whose two ends
    each hold ``min_size`` of their segments ("runs small" and "runs large" in one k-means
    cluster): the segments of each end become a cluster, the rest stay (the final
    assignment, which keeps a segment off the prototypes of the end it does not judge,
    places each segment again). One cut per cluster, along the dimension whose smaller end
    is largest. Returns the new cluster of each segment (-1 stays -1) and, with ``side_of``
    (each old cluster's side), each new cluster's side."""
    counts = pole_counts(texts)
    out = fine.copy()
    sides = dict(side_of) if side_of is not None else None
    next_id = int(fine.max(initial=-1)) + 1
    clustered = fine >= 0
    size = int(fine.max(initial=-1)) + 1
    # Segments judging each end of each dimension, per cluster: (dimensions, 2, clusters)
    per_end = np.array([[np.bincount(fine[clustered & (counts[:, j] == sign)], minlength=size) for sign in (-1, 1)]
                        for j in range(len(POLES))]).reshape(len(POLES), 2, size)
    smaller = per_end.min(axis=1)  # (dimensions, clusters)
    cut = np.flatnonzero(smaller.max(axis=0) >= min_size) if size else []
    for f in cut:
        j = int(np.argmax(smaller[:, f]))
        for sign in (-1, 1):  # the rest of the cluster keeps its number
            out[(fine == f) & (counts[:, j] == sign)] = next_id
            if sides is not None:
                sides[next_id] = sides[int(f)]
            next_id += 1
    return out, sides


def _fine_poles(texts: list[str], fine: np.ndarray, fine_ids: list[int]) -> np.ndarray:
    """int8 (len(fine_ids), len(POLES)): the end of each dimension each fine cluster is about
    (:func:`verbatim.poles.dominant_poles`: -1, +1, or 0 for neither). ``fine``: each of
    ``texts``' fine cluster."""
    counts = pole_counts(texts)
    return np.array([dominant_poles(counts[fine == f]) for f in fine_ids], dtype=np.int8).reshape(len(fine_ids), -1)


def _opposite(poles: np.ndarray, others: np.ndarray | None = None) -> np.ndarray:
    """Boolean (len(poles), len(others)): the pairs about opposite ends of a dimension (one
    "runs small", the other "runs large"; ``others`` defaults to ``poles``). Sentence
    embeddings put them side by side, and merged they tell an analyst that sizing is wrong
    but not which way."""
    others = poles if others is None else others
    out = np.zeros((len(poles), len(others)), dtype=bool)
    for j in np.flatnonzero(poles.any(axis=0) & others.any(axis=0)):  # one (rows, others) mask per dimension in use
        out |= ((poles[:, j] < 0)[:, None] & (others[:, j] > 0)) | ((poles[:, j] > 0)[:, None] & (others[:, j] < 0))
    return out


def _group_sided(centroids: np.ndarray, similarity: float, sides: np.ndarray | None,
                 apart: np.ndarray | None = None) -> np.ndarray:
    """:func:`_group` within each side: a complaint cluster never merges with a non-complaint
    one. ``apart``: see :func:`_group`."""
    if sides is None or len(set(sides.tolist())) < 2:
        return _group(centroids, similarity, apart=apart)
    out = np.empty(len(centroids), dtype=np.int64)
    offset = 0
    for value in sorted(set(sides.tolist())):
        rows = np.flatnonzero(sides == value)
        groups = _group(centroids[rows], similarity, apart=None if apart is None else apart[np.ix_(rows, rows)])
        out[rows] = groups + offset
        offset += int(groups.max()) + 1
    return out


class _EmbedderAdapter:
    """Adapts a verbatim Embedder to BERTopic's BaseEmbedder duck type."""

    def __new__(cls, embed: Callable[[list[str]], np.ndarray]):
        BaseEmbedder = import_bertopic().backend.BaseEmbedder

        class Adapter(BaseEmbedder):
            def embed(self, documents, verbose=False):
                return embed([str(d) for d in documents])

        return Adapter()


class ThemeModel:
    """Themes of comment segments, with the scikit-learn contract.

    ``ThemeModel(settings, embedder=None)`` stores its parameters only. ``embedder`` is a
    :class:`verbatim.embed.Embedder` (default: the ``minilm`` backend, no progress bar)
    used for guided seeds and label candidates; it must be the one that made the segment
    embeddings. Learned attributes, after :meth:`fit`:

    - ``themes_``: DataFrame, one row per theme: ``theme_id`` (int >= 0, largest first),
      ``label`` (2-5 words), ``keywords`` (list of str), ``size`` (segments),
      ``parent_id`` (int, -1 = no parent), ``representative`` (list of 3 quotes),
      ``guided`` (bool);
    - ``parents_``: DataFrame ``parent_id``, ``label``, ``theme_ids`` (list), ``size``;
    - ``labels_``: int array, the theme of each fitted segment (-1 = Other);
    - ``centroids_`` (n_themes, dim), ``prototypes_`` (n_prototypes, dim) and
      ``prototype_theme_`` (n_prototypes,) float32/int arrays;
    - ``projection_`` ((input dim + 1), dim) or None: the affine map of calibrated static
      vectors into their teacher's space (last row: the offset), see ``calibration_texts``;
    - ``center_`` (dim,): the vector removed before similarities (zeros = none);
      ``assign_floor_``: the cosine under which a segment stays Other (``assign_floor``, or
      learnt in a centred space); ``novelty_floor_``: see :meth:`extend`.
    - ``polarity_`` (dict or None) and ``polarity_weights_`` ((dim + 1,) or None): the
      segment polarity probe of the run that fitted the themes (:meth:`verbatim.polarity.Probe.record`,
      set by the pipeline, saved with the model), which later waves on these themes apply
      (:func:`verbatim.polarity.apply_probe`); None when not recorded.
    """

    def __init__(self, settings: ThemeSettings | None = None, embedder=None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.center_ = None  # the mean vector removed before similarities; set by fit (zeros = none)
        self.projection_ = None  # affine map into the teacher's space; set by fit (None = none)
        self.polarity_: dict | None = None
        self.polarity_weights_: np.ndarray | None = None
        self._space_of: ThemeModel | None = None  # extend's sub-model works in its parent's space

    # ----------------------------------------------------------------- helpers
    def _settings(self) -> ThemeSettings:
        return self.settings or ThemeSettings()

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.embedder is None:
            from .embed import EmbedSettings, Embedder

            self.embedder = Embedder(EmbedSettings(show_progress=False))
        return self._space(_unit(self.embedder.embed(texts)))

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` in this model's space (embedded, then calibrated and centred as
        the model is), comparable with ``centroids_`` and ``prototypes_``."""
        return self._embed([str(t) for t in texts])

    def _space(self, X: np.ndarray) -> np.ndarray:
        """Unit rows moved into the model's space: through ``projection_``, minus ``center_``,
        rescaled to unit length."""
        if self.projection_ is not None:
            W = self.projection_
            out = np.empty((len(X), W.shape[1]), np.float32)
            for block in _blocks(len(X)):
                out[block] = _unit(X[block] @ W[:-1] + W[-1])
            return self._centred(out, in_place=True)
        return self._centred(X)

    def _centred(self, X: np.ndarray, in_place: bool = False) -> np.ndarray:
        """Unit rows minus ``center_``, rescaled to unit length (``X`` itself when nothing is removed)."""
        if self.center_ is None or not self.center_.any():
            return X
        out = X if in_place else np.empty_like(X)
        for block in _blocks(len(X)):
            out[block] = _unit(X[block] - self.center_)
        return out

    def _input_dim(self) -> int:
        """Dimensions of the vectors :meth:`assign` takes (the embedder's)."""
        return self.projection_.shape[0] - 1 if self.projection_ is not None else self.prototypes_.shape[1]

    def _fit_projection(self, texts: list[str], X: np.ndarray, s: ThemeSettings) -> np.ndarray | None:
        """The calibration map of ``calibration_texts`` (None when off or when the embedder
        has no teacher): ridge regression from the unit rows of ``X`` to the teacher's
        vectors of the same texts, its output spread around the teacher's mean to the
        teacher's variance, as one affine matrix."""
        if self._space_of is not None:
            return self._space_of.projection_
        make_teacher = getattr(self.embedder, "teacher", None)
        # One thread, as pipeline._warm_calibration encodes the same texts ahead (the teacher's
        # vectors are the same bits on any number of threads; this keeps the two alike).
        teacher = make_teacher(threads=1, processes=1) if s.calibration_texts and make_teacher is not None else None
        if teacher is None:
            return None
        rows = calibration_rows(texts, s)
        try:
            Y = _unit(teacher.embed([texts[i] for i in rows])).astype(np.float64)
        finally:
            teacher.close(unload=True)
        A = np.hstack([np.asarray(X[rows], dtype=np.float64), np.ones((len(rows), 1))])
        W = np.linalg.solve(A.T @ A + s.calibration_ridge * np.eye(A.shape[1]), A.T @ Y)
        mean = Y.mean(axis=0)
        spread = np.sqrt(((Y - mean) ** 2).sum() / max(((A @ W - mean) ** 2).sum(), 1e-12))
        # mean + spread * (A @ W - mean), with the offset folded into the last row
        W *= spread
        W[-1] += (1.0 - spread) * mean
        return W.astype(np.float32)

    def _fit_center(self, X: np.ndarray, s: ThemeSettings) -> np.ndarray:
        """The vector :meth:`_space` removes: the mean of the fit data's unit vectors (after
        the calibration map, when there is one) when centring is on, zeros otherwise."""
        if self._space_of is not None:
            return self._space_of.center_
        backend = getattr(getattr(self.embedder, "settings", None), "backend", "")
        calibrated = self.projection_ is not None  # in the teacher's space, as the teacher's vectors
        if len(X) == 0 or s.center == "off" or (s.center == "auto" and (backend not in CENTERED_BACKENDS or calibrated)):
            return np.zeros(X.shape[1], np.float32)  # no segment (a wave of non-answers): nothing to centre on
        return X.mean(axis=0, dtype=np.float64).astype(np.float32)

    # --------------------------------------------------------------------- fit
    def fit(self, texts: Sequence[str], embeddings: np.ndarray, strata: Sequence | None = None,
            index: Sequence[int] | None = None, polarity: Sequence | None = None) -> "ThemeModel":
        """Learn themes from segment texts and their embeddings (n, dim); returns self.

        Above ``max_fit_segments`` segments the themes (clusters, labels, keywords, quotes)
        are learnt on a seeded sample of that size, stratified by ``strata`` (one value per
        segment, e.g. its department; None = one stratum) so that every group keeps its
        share; every segment is then assigned and the sizes count them all. This is also
        what the Spark engine does, with the same sample, so both give the same themes.

        With ``index`` (one integer per segment), ``embeddings`` holds one row per distinct
        text and segment i's vector is ``embeddings[index[i]]``, as
        ``Embedder.embed_distinct`` returns them; segments sharing a row must have the same
        text. The result is the same as with ``embeddings[index]``, but above
        ``max_fit_segments`` that per-segment array is never built: each distinct text is
        assigned once.

        With ``polarity`` (one sentiment label or signed number per segment, as the
        pipeline's ``sentiment`` column: the polarity learnt from the scores where it passed
        its gate), themes have sides: a fine cluster holding both complaints and other
        segments, each enough for a theme, is cut in two, complaint clusters never merge with
        the others, and a complaint is only ever placed on a complaint prototype (and the
        reverse). Sentence embeddings put "the refund was quick" beside "the refund took
        weeks"; the side keeps them apart. :meth:`assign` and :meth:`extend` then take the
        polarity of their segments too (the lexicon's, when not given).
        """
        s = self._settings()
        if index is None:
            texts, X = _check_inputs(texts, embeddings)
        else:
            texts, X, index = _check_indexed(texts, embeddings, index)
            if len(texts) <= s.max_fit_segments:
                return self.fit(texts, X[index], strata, polarity=polarity)
        signs = _checked_signs(polarity, len(texts))
        if strata is not None and len(strata) != len(texts):
            raise ValueError(f"{len(strata)} strata for {len(texts)} segments")
        if len(texts) > s.max_fit_segments:
            rows = stratified_rows([None] * len(texts) if strata is None else strata, s.max_fit_segments, s.seed)
            sample_signs = None if signs is None else signs[rows]
            if index is None:
                self.fit([texts[i] for i in rows], X[rows], polarity=sample_signs)
                self.labels_ = self._assign_unit(X, texts, signs=signs)
            else:
                self.fit([texts[i] for i in rows], X[index[rows]], polarity=sample_signs)
                self.labels_ = self._assign_indexed(X, texts, index, signs)
            self.count_sizes(self.labels_)
            return self
        self.projection_ = self._fit_projection(texts, X, s)
        self.center_ = None
        X = self._space(X)  # projected (when calibrated), not yet centred
        self.center_ = self._fit_center(X, s)
        self.assign_floor_ = s.assign_floor
        X = self._centred(X, in_place=self.projection_ is not None)  # a projection made a new array
        guided = load_guided_themes(s.guided_path) if s.guided_path else ()
        Xf, fit_texts = X, texts

        # Guided themes claim segments one by one: a segment joins the guided theme whose
        # closest examples it resembles most (the mean of its guided_examples closest), when
        # its closest reaches guided_similarity. Matching single segments to examples (not cluster
        # centres to averaged seeds) is what separates "refund took weeks" from "refund
        # was quick": the topic is shared, the example that matches is not.
        self.guide_vectors_ = np.zeros((0, X.shape[1]), np.float32)
        self.guide_theme_ = np.zeros(0, np.int64)
        guide_owner = np.zeros(0, np.int64)
        self.guide_polarity_ = np.zeros(0, np.int64)
        theme_sign = np.zeros(len(guided), np.int64)
        if guided:
            examples = [e for g in guided for e in g.examples]
            self.guide_vectors_ = _unit(self._embed(examples))
            guide_owner = np.array([i for i, g in enumerate(guided) for _ in g.examples], dtype=np.int64)
            # A guided theme's polarity is that of its examples taken together (examples
            # without a sentiment word, "the refund was quick", leave it neutral: then it takes
            # both sides), or, in a fit with sides, its declared side.
            compound = _polarity(examples, as_sign=False)
            theme_mean = np.array([compound[guide_owner == i].mean() for i in range(len(guided))])
            theme_sign = np.where(theme_mean >= 0.3, 1, np.where(theme_mean <= -0.3, -1, 0))
            if signs is not None:  # a fit with sides: the declared ones stand
                theme_sign = np.array([SIDES[g.side] if g.side else sign for g, sign in zip(guided, theme_sign)], np.int64)
            self.guide_polarity_ = theme_sign[guide_owner].astype(np.int64)
        self.sided_ = signs is not None
        row_signs = _polarity(fit_texts) if guided and signs is None else signs
        g_best = _guided_match(Xf, self.guide_vectors_, guide_owner, s.guided_similarity,
                               row_signs if guided else None, self.guide_polarity_, k=s.guided_examples)
        free_rows = np.flatnonzero(g_best < 0)

        keys: list[tuple] = sorted({("g", int(g)) for g in g_best[g_best >= 0]})
        fine_ids: list[int] = []
        fine_centroids = np.zeros((0, X.shape[1]), np.float32)
        fine_poles = np.zeros((0, len(POLES)), np.int8)
        topic_model = None
        theme_of_fine: dict[int, tuple] = {}
        fine_sides = None
        if len(free_rows) >= 2:
            fine_free, topic_model = self._fine_clusters([fit_texts[i] for i in free_rows], Xf[free_rows])
            if signs is not None:
                fine_free, side_of = _split_by_side(fine_free, _sides(signs[free_rows]), s.min_theme_size)
            if s.poles:  # "runs small" and "runs large" in one k-means cluster: cut apart when each end has
                # half a theme's minimum (too few for a theme of their own, enough to join another)
                fine_free, side_of = _split_by_pole(fine_free, [fit_texts[i] for i in free_rows],
                                                    max(2, s.min_theme_size // 2), side_of if signs is not None else None)
            fine_ids = sorted(set(fine_free.tolist()) - {-1})
            if signs is not None:
                fine_sides = np.array([side_of[f] for f in fine_ids], dtype=np.int64)
            clustered = fine_free >= 0
            fine_free, clustered_rows = fine_free[clustered], free_rows[clustered]
            fine_centroids = _centroids(Xf[clustered_rows], fine_free, fine_ids)
            # "runs small" beside "runs large": fine clusters about opposite ends of a dimension never merge
            fine_poles = (_fine_poles([fit_texts[i] for i in clustered_rows], fine_free, fine_ids) if s.poles
                          else np.zeros((len(fine_ids), len(POLES)), np.int8))
            apart = _opposite(fine_poles)
            groups = _group_sided(fine_centroids, s.merge_similarity, fine_sides, apart)
            theme_of_fine = {f: ("d", int(g)) for f, g in zip(fine_ids, groups)}
            discovered = sorted(set(theme_of_fine.values()))
            if s.n_themes and len(discovered) + len(keys) > s.n_themes:
                theme_of_fine = self._reduce_to(theme_of_fine, keys + discovered, Xf[clustered_rows], fine_free, s.n_themes)
            if fine_ids:
                theme_of_fine, _ = self._settle(fine_free, fine_ids, fine_centroids, theme_of_fine, s, fine_sides, apart)
        keys = sorted(set(keys) | set(theme_of_fine.values()))
        index = {k: i for i, k in enumerate(keys)}
        # Prototypes, then the final assignment with the very rule assign() uses.
        self._build_prototypes(fine_ids, fine_centroids, theme_of_fine, index, X.shape[1], fine_sides, fine_poles)
        self._add_guided_prototypes(Xf, g_best, index, theme_sign if signs is not None else None)
        self.guide_theme_ = np.array([index.get(("g", int(g)), -1) for g in guide_owner], dtype=np.int64)
        if self.center_.any() and len(self.prototypes_):
            self.assign_floor_ = float(np.quantile(self._nearest(X, self._row_sides(signs))[1], s.centred_floor_quantile))
        labels = self._assign(X, texts, signs)
        while True:  # a theme may shrink under min size once prototypes compete: drop it
            sizes = np.bincount(labels[labels >= 0], minlength=len(keys))
            owners = set(self.prototype_theme_.tolist()) | set(self.guide_theme_[self.guide_theme_ >= 0].tolist())
            small = [i for i in range(len(keys)) if sizes[i] < s.min_theme_size and i in owners]
            if not small or len(small) == len(owners):
                break
            self._keep_prototypes(~np.isin(self.prototype_theme_, small))
            self.guide_theme_ = np.where(np.isin(self.guide_theme_, small), -1, self.guide_theme_)
            labels = self._assign(X, texts, signs)
        self._finalise(texts, X, labels, keys, topic_model, guided, s, signs)
        return self

    def _fine_clusters(self, texts: list[str], X: np.ndarray):
        """Run BERTopic with explicit components; returns fine cluster ids and the model."""
        s = self._settings()
        bertopic = import_bertopic()
        BERTopic, ClassTfidfTransformer = bertopic.BERTopic, bertopic.vectorizers.ClassTfidfTransformer
        from sklearn.cluster import KMeans
        from sklearn.decomposition import PCA
        from sklearn.feature_extraction.text import CountVectorizer

        n, dim = X.shape
        k = int(np.clip(n // s.fine_cluster_size, 2, min(s.max_fine_clusters, n)))

        def fit(vectorizer):
            topic_model = BERTopic(
                embedding_model=_EmbedderAdapter(self._embed),
                umap_model=PCA(n_components=min(s.reduced_dims, n - 1, dim), svd_solver="covariance_eigh", random_state=s.seed),
                hdbscan_model=KMeans(n_clusters=k, n_init=1, random_state=s.seed),
                vectorizer_model=vectorizer,
                ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                representation_model=None,
                top_n_words=s.n_keywords,
                calculate_probabilities=False,
                verbose=False,
            )
            # fit_transform ends by picking 3 representative documents per fine cluster (c-TF-IDF
            # of 500 sampled documents each: 2-3 s at 50,000 segments, every one of them thrown
            # away). update_topics, which gives the final themes their words, does not need them.
            topic_model._save_representative_docs = lambda documents: None
            topics, _ = topic_model.fit_transform(texts, embeddings=X)
            return np.asarray(topics, dtype=int), topic_model

        # The fine clusters' words and representative documents are never read: keywords and
        # labels come from update_topics on the final themes (see _finalise). So the vectorizer
        # of the fit reads no word at all, the same two tokens in every segment (at 50,000
        # segments the n-gram vocabulary cost 5.6 of fit_transform's 8.6 s, single words still
        # about 1 s).
        return fit(CountVectorizer(analyzer=_no_words))

    @staticmethod
    def _reduce_to(theme_of_fine: dict, keys: list, X, fine, n_themes: int) -> dict:
        """Merge discovered themes (closest first) until there are n_themes in total."""
        discovered = [k for k in keys if k[0] == "d"]
        n_guided = len(keys) - len(discovered)
        target = max(n_themes - n_guided, 1)
        if len(discovered) <= target:
            return theme_of_fine
        labels = np.array([discovered.index(theme_of_fine[f]) if theme_of_fine[f][0] == "d" else -1 for f in fine])
        cents = _centroids(X, labels, range(len(discovered)))
        groups = _group(cents, 0.0, n_groups=target)
        remap = {key: ("d", int(groups[i])) for i, key in enumerate(discovered)}
        return {f: remap.get(key, key) for f, key in theme_of_fine.items()}

    @staticmethod
    def _settle(fine, fine_ids, fine_centroids, theme_of_fine, s, fine_sides=None, apart=None) -> tuple[dict, list]:
        """Dissolve discovered themes under min size into their nearest kept theme.

        A dissolved theme's fine clusters join the theme of their most similar kept fine
        cluster, of their own side when there are sides and one is kept, and not about the
        opposite end of a dimension (``apart``, see :func:`_opposite`) when one is kept
        (the final prototype floor decides what becomes Other). Returns the new fine cluster
        -> theme key mapping and the kept keys.
        """
        while True:
            keys = sorted(set(theme_of_fine.values()))
            index = {k: i for i, k in enumerate(keys)}
            labels = np.array([index[theme_of_fine[f]] for f in fine])
            sizes = np.bincount(labels, minlength=len(keys))
            small = [k for k, size in zip(keys, sizes) if size < s.min_theme_size]
            if not small or len(small) == len(keys):
                return theme_of_fine, keys
            # Dissolve the smallest first: its segments may rescue another small theme.
            smallest = min(small, key=lambda k: (sizes[index[k]], k))
            kept = [j for j, f in enumerate(fine_ids) if theme_of_fine[f] != smallest]
            mapping = {}
            for j, f in enumerate(fine_ids):
                if theme_of_fine[f] == smallest:
                    near = [k for k in kept if fine_sides[k] == fine_sides[j]] if fine_sides is not None else kept
                    near = near or kept
                    if apart is not None:
                        near = [k for k in near if not apart[j, k]] or near
                    nearest = near[int((fine_centroids[near] @ fine_centroids[j]).argmax())]
                    mapping[f] = theme_of_fine[fine_ids[nearest]]
                else:
                    mapping[f] = theme_of_fine[f]
            theme_of_fine = mapping

    def _build_prototypes(self, fine_ids, fine_centroids, theme_of_fine, index, dim, fine_sides=None,
                          fine_poles=None) -> None:
        """One prototype per fine cluster, owned by its theme, with the cluster's side (0: none)
        and the end of each dimension it is about (:func:`_fine_poles`; 0: none)."""
        self.prototypes_ = _unit(fine_centroids) if len(fine_ids) else np.zeros((0, dim), np.float32)
        self.prototype_theme_ = np.array([index[theme_of_fine[f]] for f in fine_ids], dtype=np.int64)
        self.prototype_side_ = (np.asarray(fine_sides, dtype=np.int64) if fine_sides is not None
                                else np.zeros(len(fine_ids), np.int64))
        self.prototype_pole_ = (np.asarray(fine_poles, dtype=np.int8).reshape(len(fine_ids), len(POLES))
                                if fine_poles is not None else np.zeros((len(fine_ids), len(POLES)), np.int8))

    def _keep_prototypes(self, keep: np.ndarray) -> None:
        self.prototypes_, self.prototype_theme_ = self.prototypes_[keep], self.prototype_theme_[keep]
        self.prototype_side_ = self.prototype_side_[keep]
        self.prototype_pole_ = self.prototype_pole_[keep]

    def _sided(self) -> bool:
        """Whether the model was fitted with sides (a polarity per segment, see :meth:`fit`)."""
        return bool(getattr(self, "sided_", False))

    def theme_sides(self) -> dict[int, str | None]:
        """Each theme's side: "complaint" or "praise" when every prototype of it takes that
        side only, "both" otherwise; None for every theme of a model fitted without sides."""
        self._check_fitted()
        return {theme: self._side_of(theme) for theme in self.themes_["theme_id"].astype(int)}

    def _side_of(self, theme: int) -> str | None:
        """:meth:`theme_sides` of one theme, from its prototypes."""
        if not self._sided():
            return None
        sides = set(self.prototype_side_[self.prototype_theme_ == theme].tolist())
        return "complaint" if sides == {-1} else "praise" if sides == {1} else "both"

    def _add_guided_prototypes(self, X: np.ndarray, g_best: np.ndarray, index: dict,
                               theme_sign: np.ndarray | None = None) -> None:
        """One more prototype per guided theme: the centroid of the segments it claimed.

        A segment under ``guided_similarity`` to every example phrase may still say what a
        guided theme's members say ("I had to chase it again and again" beside "I had to call
        three times and it's still not fixed"). Without a prototype of their own, guided
        themes could not take such segments, and the k-means cluster of leftovers they fell
        in became a grab bag of unrelated complaints (on the sample with the retail taxonomy,
        a quarter of "Problem not resolved" sat in one). With it, the nearest-prototype rule
        gives each to the guided theme when its members are the closest. With ``theme_sign``
        (the fit has sides) a complaint theme's prototype takes complaints only, a praise
        theme's only the rest, a neutral theme's both.
        """
        claimed = sorted(set(g_best[g_best >= 0].tolist()))
        if not claimed:
            return
        centroids = _unit(np.stack([X[g_best == g].mean(axis=0) for g in claimed]).astype(np.float32))
        self.prototypes_ = np.vstack([self.prototypes_, centroids]).astype(np.float32)
        self.prototype_theme_ = np.concatenate([self.prototype_theme_, [index[("g", g)] for g in claimed]]).astype(np.int64)
        sides = [0 if theme_sign is None else int(theme_sign[g]) for g in claimed]
        self.prototype_side_ = np.concatenate([self.prototype_side_, sides]).astype(np.int64)
        self.prototype_pole_ = np.vstack([self.prototype_pole_, np.zeros((len(claimed), len(POLES)), np.int8)])

    def _assign(self, X: np.ndarray, texts: Sequence[str], signs: np.ndarray | None = None) -> np.ndarray:
        """Guided examples first (segment-level match), then the nearest discovered prototype."""
        return self._placement(X, texts, signs)[0]

    def _assign_indexed(self, X: np.ndarray, texts: list[str], index: np.ndarray,
                        signs: np.ndarray | None = None) -> np.ndarray:
        """:meth:`_assign_unit` of ``X[index]``, computed once per embedding row and polarity
        (segments that share a row share their text, so with the same polarity they get the
        same theme)."""
        rows, row_texts, at, row_signs = _used_rows(len(X), texts, index, signs)
        return self._assign_unit(X, row_texts, rows, row_signs)[at]

    def _assign_unit(self, X: np.ndarray, texts: list[str], rows: np.ndarray | None = None,
                     signs: np.ndarray | None = None) -> np.ndarray:
        """:meth:`_assign` of unit vectors not yet in the model's space (``X[rows]``, or all of
        ``X``), block by block: ``X`` may be memory-mapped and no copy of its size is made.
        ``signs``: the polarity of each row used (None: the lexicon's, where needed)."""
        return self._placement_unit(X, texts, rows, signs)[0]

    def _placement_unit(self, X: np.ndarray, texts: list[str], rows: np.ndarray | None = None,
                        signs: np.ndarray | None = None):
        """:meth:`_placement` of ``X[rows]`` (or all of ``X``), unit vectors not yet in the
        model's space, block by block as :meth:`_assign_unit`."""
        n = len(X) if rows is None else len(rows)
        out = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.float32), np.empty(n, dtype=np.int64))
        for block in _blocks(n):
            part = X[block] if rows is None else X[rows[block]]
            placed = self._placement(self._space(part), texts[block], None if signs is None else signs[block])
            for target, values in zip(out, placed):
                target[block] = values
        return out

    def _placement(self, X: np.ndarray, texts: Sequence[str],
                   signs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(labels, best, guided)``: the :meth:`assign` rule's theme ids, each row's cosine to
        its nearest discovered prototype of its side, and the guided theme it matches (-1:
        none). ``signs``: each row's polarity; the lexicon's when None and the model needs one."""
        if signs is None and (self._sided() or (self.guide_theme_ >= 0).any()):
            signs = _polarity(texts)
        nearest, best = self._nearest(X, self._row_sides(signs), self._row_poles(texts))
        guided = self._guided_labels(X, signs)
        labels = np.where(best >= self.assign_floor_, nearest, OTHER_ID).astype(np.int64)
        return np.where(guided >= 0, guided, labels), best, guided

    def _row_sides(self, signs: np.ndarray | None) -> np.ndarray | None:
        """Each row's side when the model has sided prototypes, else None (no restriction)."""
        return _sides(signs) if signs is not None and self._sided() else None

    def _row_poles(self, texts: Sequence[str]) -> np.ndarray | None:
        """Each row's judged ends (:func:`verbatim.poles.pole_counts`) when a prototype is about
        one end of a dimension, else None (no restriction)."""
        return pole_counts(texts) if self.prototype_pole_.any() else None

    def _nearest(self, X: np.ndarray, sides: np.ndarray | None = None,
                 poles: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Theme of each row's nearest discovered prototype and the cosine to it (one product;
        -1 / OTHER_ID when there is no prototype). With ``sides`` (one per row) a prototype of
        the other side is out of reach, with ``poles`` (:meth:`_row_poles`) one about the other
        end of a dimension the row judges ("runs large" never joins "runs small"); a row with
        none in reach gets cosine -1."""
        if not len(self.prototypes_):
            return np.full(len(X), OTHER_ID, dtype=np.int64), np.full(len(X), -1.0, dtype=np.float32)
        nearest = np.empty(len(X), dtype=np.int64)
        best = np.empty(len(X), dtype=np.float32)
        complaint_only, praise_only = self.prototype_side_ < 0, self.prototype_side_ > 0
        for block in _blocks(len(X)):
            sims = X[block] @ self.prototypes_.T
            if sides is not None:  # boolean masks: an int64 outer product was 0.5 s per 65,536 rows
                side = sides[block]
                sims[((side < 0)[:, None] & praise_only) | ((side > 0)[:, None] & complaint_only)] = -1.0
            if poles is not None:  # the few rows judging an end; (rows, prototypes) masks, never a third axis
                judging = np.flatnonzero(poles[block].any(axis=1))
                if len(judging):
                    sims[judging] = np.where(_opposite(poles[block][judging], self.prototype_pole_), -1.0, sims[judging])
            arg = sims.argmax(axis=1)
            nearest[block] = self.prototype_theme_[arg]
            best[block] = sims[np.arange(len(arg)), arg]
        return nearest, best

    def _guided_labels(self, X: np.ndarray, signs: np.ndarray | None) -> np.ndarray:
        """The guided theme each row matches at segment level, -1 where none does."""
        active = self.guide_theme_ >= 0
        if not active.any():
            return np.full(len(X), OTHER_ID, dtype=np.int64)
        return _guided_match(X, self.guide_vectors_[active], self.guide_theme_[active],
                             self._settings().guided_similarity, signs, self.guide_polarity_[active],
                             k=self._settings().guided_examples)

    def _novelty_floor(self, X_placed: np.ndarray, s: ThemeSettings, signs: np.ndarray | None = None) -> float:
        """How well the fitted segments fit their themes: the ``novelty_quantile`` of their
        best prototype similarity (of their side), never below ``assign_floor``."""
        if not len(X_placed) or not len(self.prototypes_):
            return float(self.assign_floor_)
        best = self._nearest(X_placed, self._row_sides(signs))[1]
        return max(float(self.assign_floor_), float(np.quantile(best, s.novelty_quantile)))

    def _finalise(self, texts, X, labels, keys, topic_model, guided, s, signs=None) -> None:
        """Renumber themes largest first; compute centroids, keywords, labels, quotes, parents."""
        present = sorted(set(labels[labels >= 0].tolist()))
        first_seen = {t: int(np.argmax(labels == t)) for t in present}
        order = sorted(present, key=lambda t: (-int((labels == t).sum()), first_seen[t]))
        renumber = {old: new for new, old in enumerate(order)}
        labels = np.array([renumber.get(int(t), OTHER_ID) for t in labels], dtype=np.int64)
        self._keep_prototypes(np.isin(self.prototype_theme_, present))
        self.prototype_theme_ = np.array([renumber[int(t)] for t in self.prototype_theme_], dtype=np.int64)
        self.guide_theme_ = np.array([renumber.get(int(t), -1) for t in self.guide_theme_], dtype=np.int64)
        ids = list(range(len(order)))
        self.labels_ = labels
        self.centroids_ = _centroids(X, labels, ids) if ids else np.zeros((0, X.shape[1]), np.float32)
        placed = labels >= 0
        self.novelty_floor_ = self._novelty_floor(X[placed], s, None if signs is None else signs[placed])
        guided_name = {renumber[i]: guided[k[1]].name for i, k in enumerate(keys) if k[0] == "g" and i in renumber}

        if topic_model is None and ids:  # every segment was guided: a model only for keywords
            topic_model = self._fine_clusters(list(texts), X)[1]
        closest = []
        for t in ids:
            members = np.flatnonzero(labels == t)
            sims = X[members] @ self.centroids_[t]
            closest.append(members[_closest_first(sims, members)])
        quotes = [_distinct([texts[i] for i in rows], s.n_quotes) for rows in closest]
        theme_texts = [[texts[i] for i in rows] for rows in closest]
        # Labels read the segments closest to each centroid (parents read a subset of their
        # children's): parsed once, by spaCy workers, while this process finds the keywords.
        early: list[list[str]] = []
        read = LabelSettings().segments_per_theme
        with idle_work(lambda: early.extend(self._keywords(texts, labels, topic_model, ids, s))):
            phrases = phrases_by_text([t for rows in theme_texts for t in rows[:read]], lend_idle=True) if ids else {}
        # Not run (too few texts to fork) or failed: computed here, where an error is raised.
        keywords = early if len(early) == len(ids) else self._keywords(texts, labels, topic_model, ids, s)
        parent_of = np.full(len(ids), -1, dtype=np.int64)
        parent_rows = []
        if len(ids) > 1:
            groups = _group(self.centroids_, s.parent_similarity)
            members_of: dict[int, list[int]] = {}
            for t, g in zip(ids, groups):
                members_of.setdefault(int(g), []).append(t)
            multi = sorted((m for m in members_of.values() if len(m) > 1), key=lambda m: m[0])
            for p, children in enumerate(multi):
                parent_of[children] = p
                parent_rows.append(children)

        polarity = functools.partial(_polarity, as_sign=True)
        # Under one parent, the themes of the other side are the same topic told the other way.
        # Complaints only: a complaint often differs from its praise by a negation MiniLM barely
        # sees ("not as pictured"), praise by its own words.
        sides = [SIDES.get(self._side_of(t) or "", 0) for t in ids]
        twins = {t: [u for u in children if sides[u] == -sides[t]] for children in parent_rows for t in children
                 if sides[t] < 0}
        found = (choose_labels(theme_texts, self.centroids_, keywords, self._embed, LabelSettings(), phrases, polarity,
                               sides, twins) if ids else [])
        names = [guided_name.get(t, as_title(name)) for t, name in zip(ids, other_languages_named(found, theme_texts, read))]
        parent_labels = []
        if parent_rows:
            p_texts = [[q for c in ch for q in theme_texts[c][: read // len(ch) + 1]] for ch in parent_rows]
            p_cent = _unit(np.stack([self.centroids_[ch].mean(axis=0) for ch in parent_rows]))
            p_keys = [[w for c in ch for w in keywords[c][:3]] for ch in parent_rows]
            parent_labels = [as_title(label) for label in
                             choose_labels(p_texts, p_cent, p_keys, self._embed, LabelSettings(), phrases, polarity)]
        self.parents_ = pd.DataFrame(
            {
                "parent_id": pd.Series(range(len(parent_rows)), dtype="int64"),
                "label": pd.Series(parent_labels, dtype=object),
                "theme_ids": pd.Series([list(ch) for ch in parent_rows], dtype=object),
                "size": pd.Series([int(np.isin(labels, ch).sum()) for ch in parent_rows], dtype="int64"),
            }
        )
        self.themes_ = pd.DataFrame(
            {
                "theme_id": pd.Series(ids, dtype="int64"),
                "label": pd.Series(names, dtype=object),
                "keywords": pd.Series(keywords, dtype=object),
                "size": pd.Series([int((labels == t).sum()) for t in ids], dtype="int64"),
                "parent_id": pd.Series(parent_of, dtype="int64"),
                "representative": pd.Series(quotes, dtype=object),
                "guided": pd.Series([t in guided_name for t in ids], dtype=bool),
                "new": pd.Series([False] * len(ids), dtype=bool),
            }
        )
        self.model_id_ = getattr(self.embedder, "model_id", "") if self.embedder is not None else ""

    def _keywords(self, texts, labels, topic_model, ids, s) -> list[list[str]]:
        """Keywords of the final themes: each theme's ``keyword_candidates`` best c-TF-IDF
        n-grams (BERTopic ``update_topics``), ranked KeyBERT-style by cosine to the theme's
        centroid, then :func:`distinct_keywords`.

        BERTopic's KeyBERTInspired ranks them against the mean of five representative
        documents it picks from 500 it samples per topic (a second pass of the vectorizer
        over up to 500 segments per theme: 2.6 of its 3.2 s at 50,000 comments); the
        centroid of all the theme's segments is already known, and it is what labels are
        chosen against."""
        if not ids:
            return []
        bertopic = import_bertopic()
        ClassTfidfTransformer = bertopic.vectorizers.ClassTfidfTransformer
        from sklearn.feature_extraction.text import CountVectorizer

        import logging

        n_candidates = max(s.keyword_candidates, s.n_keywords)
        documents = keyword_documents(texts)

        def update(vectorizer):
            topic_model.update_topics(documents, topics=labels.tolist(), top_n_words=n_candidates,
                                      vectorizer_model=vectorizer,
                                      ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                                      representation_model=None)

        # update_topics warns that custom topics must be the last step: they are, here.
        bertopic_logger = logging.getLogger("BERTopic")
        previous = bertopic_logger.level
        bertopic_logger.setLevel(logging.ERROR)
        try:
            _with_vocabulary(update, CountVectorizer, ngram_max=s.ngram_max)
        finally:
            bertopic_logger.setLevel(previous)
        candidates = [[str(w) for w, _ in (topic_model.get_topic(t) or []) if w] for t in ids]
        vocabulary = sorted({w for words in candidates for w in words})
        if not vocabulary:
            return [[] for _ in ids]
        row = {w: i for i, w in enumerate(vocabulary)}
        vectors = self._embed(vocabulary)
        keywords = []
        for t, words in zip(ids, candidates):
            sims = vectors[[row[w] for w in words]] @ self.centroids_[t] if words else np.zeros(0)
            keywords.append(distinct_keywords(ranked_keywords(zip(words, sims.tolist()), len(words)), s.n_keywords))
        return keywords

    # ------------------------------------------------------------------ assign
    def assign(self, texts: Sequence[str], embeddings: np.ndarray, index: Sequence[int] | None = None,
               polarity: Sequence | None = None) -> np.ndarray:
        """Theme id of each new segment (-1 = Other): its most similar prototype's theme (of
        its side, when the model has sides), when that cosine similarity reaches
        ``assign_floor``; int64 array of len(texts). ``index``: as in :meth:`fit`, one
        embedding row per distinct text; ``polarity``: as in :meth:`fit`."""
        self._check_fitted()
        if index is None:
            texts, X = _check_inputs(texts, embeddings)
        else:
            texts, X, index = _check_indexed(texts, embeddings, index)
        if not texts:  # nothing to place (a wave of non-answers): no vector, whatever its width
            return np.zeros(0, dtype=np.int64)
        if X.shape[1] != self._input_dim():
            raise ValueError(f"embeddings have {X.shape[1]} dimensions, the model expects {self._input_dim()}")
        signs = _checked_signs(polarity, len(texts))
        if index is None:
            return self._assign_unit(X, texts, signs=signs)
        return self._assign_indexed(X, texts, index, signs)

    def extend(self, texts: Sequence[str], embeddings: np.ndarray, index: Sequence[int] | None = None,
               polarity: Sequence | None = None) -> np.ndarray:
        """Put a new wave on the existing themes and discover new themes among the rest.

        Existing themes keep their ids, labels and prototypes. Segments the existing themes
        cannot place, or place worse than the fit data's ``novelty_floor_`` (and that match
        no guided theme), are clustered among themselves with the same settings. Each
        resulting theme of at least ``min_theme_size`` segments that is not a near copy of
        an existing theme (centroid cosine below ``merge_similarity``) is added with the
        next free id and ``new=True``. Returns the theme id of every segment (the same rule
        :meth:`assign` applies from now on). ``index``: as in :meth:`fit`, one embedding row
        per distinct text; each row is placed once and only the segments clustered in search
        of new themes get a vector of their own. ``polarity``: as in :meth:`fit`.
        """
        self._check_fitted()
        s = self._settings()
        if index is None:
            texts, unit = _check_inputs(texts, embeddings)
            index = np.arange(len(texts))
        else:
            texts, unit, index = _check_indexed(texts, embeddings, index)
        signs = _checked_signs(polarity, len(texts))
        rows, row_texts, at, row_signs = _used_rows(len(unit), texts, index, signs)

        def place() -> np.ndarray:
            return self._assign_unit(unit, row_texts, rows, row_signs)[at]

        labels, best, guided = (values[at] for values in self._placement_unit(unit, row_texts, rows, row_signs))
        rest = np.flatnonzero(self._novel(labels, best, guided))
        if len(rest) < max(2, s.min_theme_size):
            return labels
        sub = ThemeModel(dataclasses.replace(s, guided_path=""), embedder=self.embedder)
        sub._space_of = self  # cluster the rest in this model's space (uncalibrated stays uncalibrated)
        sub.fit([texts[i] for i in rest], unit[index[rest]], polarity=None if signs is None else signs[rest])
        known = (sub.centroids_ @ self.centroids_.T).max(axis=1) if len(self.centroids_) else np.full(len(sub.centroids_), -1.0)
        keep = [int(t) for t, size in zip(sub.themes_["theme_id"], sub.themes_["size"])
                if size >= s.min_theme_size and known[int(t)] < s.merge_similarity]
        # A new theme must hold its segments once it competes with the existing themes
        # (a cluster of merely badly-embedded text, typos say, loses them): drop the ones
        # left under min_theme_size and try again with the rest.
        before = (self.prototypes_, self.prototype_theme_, self.prototype_side_, self.prototype_pole_, self.centroids_,
                  self.themes_)
        while keep:
            self._add_themes(sub, keep)
            labels = place()
            sizes = {t: int(n) for t, n in zip(*np.unique(labels, return_counts=True))}
            new_ids = self.themes_.loc[self.themes_["new"], "theme_id"].astype(int).tolist()
            held = [old for old, new_id in zip(keep, new_ids[-len(keep):]) if sizes.get(new_id, 0) >= s.min_theme_size]
            if held == keep:
                self.count_sizes(labels, only_new=True)
                return labels
            (self.prototypes_, self.prototype_theme_, self.prototype_side_, self.prototype_pole_, self.centroids_,
             self.themes_) = before
            keep = held
        return place()

    def count_sizes(self, labels: np.ndarray, only_new: bool = False) -> None:
        """Set theme and parent sizes to the number of ``labels`` (theme ids) on each; with
        ``only_new`` the sizes of the themes :meth:`extend` added, the others kept."""
        counts = pd.Series(np.asarray(labels)).value_counts()
        size = self.themes_["theme_id"].map(counts).fillna(0).astype("int64")
        if only_new:
            self.themes_ = self.themes_.assign(size=self.themes_["size"].where(~self.themes_["new"], size))
            return
        self.themes_ = self.themes_.assign(size=size)
        if len(self.parents_):
            self.parents_ = self.parents_.assign(size=[int(counts.reindex(ids).fillna(0).sum())
                                                       for ids in self.parents_["theme_ids"]]).astype({"size": "int64"})

    def novelty_candidates(self, texts: Sequence[str], embeddings: np.ndarray,
                           polarity: Sequence | None = None) -> np.ndarray:
        """Which segments :meth:`extend` clusters in search of new themes (boolean mask):
        those no theme takes, and those that fit their nearest discovered theme worse than
        ``novelty_floor_`` while matching no guided theme."""
        self._check_fitted()
        texts, X = _check_inputs(texts, embeddings)
        return self._novel(*self._placement_unit(X, texts, signs=_checked_signs(polarity, len(texts))))

    def _novel(self, labels: np.ndarray, best: np.ndarray, guided: np.ndarray) -> np.ndarray:
        return (labels == OTHER_ID) | ((best < self.novelty_floor_ - SIMILARITY_TIE) & (guided < 0))

    def _add_themes(self, sub: "ThemeModel", keep: list[int]) -> None:
        """Append themes ``keep`` of ``sub`` (fitted on this model's leftovers) as new themes."""
        offset = int(self.themes_["theme_id"].max()) + 1 if len(self.themes_) else 0
        remap = {old: offset + i for i, old in enumerate(keep)}
        mask = np.isin(sub.prototype_theme_, keep)
        self.prototypes_ = np.vstack([self.prototypes_, sub.prototypes_[mask]]).astype(np.float32)
        self.prototype_theme_ = np.concatenate(
            [self.prototype_theme_, [remap[int(t)] for t in sub.prototype_theme_[mask]]]).astype(np.int64)
        self.prototype_side_ = np.concatenate([self.prototype_side_, sub.prototype_side_[mask]]).astype(np.int64)
        self.prototype_pole_ = np.vstack([self.prototype_pole_, sub.prototype_pole_[mask]]).astype(np.int8)
        self.centroids_ = np.vstack([self.centroids_, sub.centroids_[keep]]).astype(np.float32)
        added = sub.themes_[sub.themes_["theme_id"].isin(keep)].copy()
        added["theme_id"] = added["theme_id"].map(remap).astype("int64")
        added["parent_id"] = -1
        added["guided"] = False
        added["new"] = True
        self.themes_ = pd.concat([self.themes_, added], ignore_index=True)

    def _check_fitted(self) -> None:
        if not hasattr(self, "prototypes_"):
            raise RuntimeError("ThemeModel is not fitted: call fit() or ThemeModel.load() first")

    # --------------------------------------------------------------- save/load
    def save(self, directory: str | Path) -> Path:
        """Write ``themes.safetensors`` (arrays) and ``themes.json`` (the rest) into directory."""
        self._check_fitted()
        from .theme_store import save_model

        return save_model(self, Path(directory))

    @classmethod
    def load(cls, directory: str | Path, embedder=None) -> "ThemeModel":
        """Read a model written by :meth:`save`; raises VerbatimError E302 when unreadable.

        ``new`` is false on every theme: it marks the themes the run that saved the model
        added (its report.json keeps them), and a run on the loaded model only reports as
        new the themes it adds itself."""
        from .theme_store import load_model

        model = load_model(cls, Path(directory), embedder)
        model.themes_ = model.themes_.assign(new=False)
        return model


def _no_words(document: str) -> list[str]:
    """The analyzer of a vectorizer whose words are never read: the same two tokens for any
    document (with one, BERTopic's c-TF-IDF fails on a scalar idf)."""
    return ["segment", "text"]


def _with_vocabulary(call, CountVectorizer, ngram_max: int):
    """``call(CountVectorizer)`` with :func:`verbatim.keywords.english_analyzer` of 1- to
    ``ngram_max``-grams; when no word survives its stop words (every segment a stop word or a
    single letter: "ok", "a", "no"), again with every word of one letter or more kept.
    scikit-learn raises "empty vocabulary" rather than count nothing."""
    analyzer = english_analyzer(ngram_max)
    try:
        return call(CountVectorizer(analyzer=analyzer))
    except ValueError as exc:
        if "empty vocabulary" not in str(exc):
            raise
    return call(CountVectorizer(analyzer=dataclasses.replace(analyzer, stop_words=None, negation=False)))


def _closest_first(sims: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Order of ``members`` by descending similarity, where similarities that follow each
    other within :data:`SIMILARITY_TIE` are one tie, kept in member order. "That's all." and
    "that's all." have one vector, but embedded in two batches (two engines) they differ by
    ~1e-7, which decided which one a theme quoted."""
    order = np.lexsort((members, -sims))
    ranked = sims[order]
    tie = np.concatenate([[0], np.cumsum(ranked[:-1] - ranked[1:] > SIMILARITY_TIE)]) if len(order) else order
    return order[np.lexsort((members[order], tie))]


def _distinct(texts: Sequence[str], n: int) -> list[str]:
    """First n texts that differ after case and punctuation folding."""
    seen, out = set(), []
    for text in texts:
        key = " ".join("".join(ch for ch in text.casefold() if ch.isalnum() or ch.isspace()).split())
        if key not in seen:
            seen.add(key)
            out.append(text)
        if len(out) == n:
            break
    return out


