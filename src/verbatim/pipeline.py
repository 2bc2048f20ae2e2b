"""The stages of an analysis, in order, returning one result object.

``analyze`` is the library entry point behind ``verbatim analyze``; a notebook user can
call it with a file path, or call :func:`run_stages` on an :class:`IngestResult` and use
the returned :class:`Analysis` (plain DataFrames) directly.

Stages: ingest -> clean, redact, segment -> sentiment -> embed -> polarity learnt from the
scores -> themes (fit, or assign with a saved model) -> per-response mentions -> NPS impact
and rankings -> department routing -> report files.
"""

from __future__ import annotations

import hashlib
import time
from concurrent import futures
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from .config import Config
from .ingest import IngestResult, load_responses
from .validation import ValidationSummary, summarize

Log = Callable[[str], None]


@dataclass(frozen=True)
class Analysis:
    """Everything one run computed, as plain tables.

    ``segments``: response_id, segment_index, text (redacted), sentiment
    (negative/neutral/positive: the lexicon's, or learnt from the scores where the lexicon
    is unsure, see :mod:`verbatim.polarity`), compound (the lexicon's, -1..1), theme_id
    (-1 = Other).
    ``flags``: one row per response from :func:`verbatim.prepare.segment_responses`.
    ``themes``: theme_id, label, keywords, size, parent_id, parent_label, representative, guided,
    side, general (judges without naming what: kept out of the rankings, :mod:`verbatim.general`).
    ``mentions``: per-response theme matrix and its keys (see :mod:`verbatim.mentions`).
    ``impact``: :class:`verbatim.impact.ImpactResult`.
    ``owners``: theme_id, department, similarity, margin (None without routing).
    """

    config: Config
    ingest: IngestResult
    summary: ValidationSummary
    segments: pd.DataFrame
    flags: pd.DataFrame
    themes: pd.DataFrame
    mentions: "object"
    impact: "object"
    owners: pd.DataFrame | None
    model: "object"
    embedder_id: str
    input_sha256: str
    pii_counts: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    trends: "object" = None
    polarity: "object" = None  # verbatim.polarity.Probe, None when not learnt from scores

    @property
    def theme_keys(self) -> dict[str, tuple[int, str]]:
        return self.mentions.keys

    @property
    def mixed_themes(self) -> frozenset[int]:
        return self.mentions.mixed


@dataclass(frozen=True)
class AnalysisResult:
    """What :func:`analyze` returns: the analysis and where its files were written."""

    config: Config
    ingest: IngestResult
    summary: ValidationSummary
    analysis: Analysis | None = None
    report: dict | None = None
    output_dir: Path | None = None


class Timer:
    def __init__(self, log: Log | None) -> None:
        self.timings: dict[str, float] = {}
        self.log = log

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.log:
            self.log(f"{name}...")
        start = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - start


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_stages(ingest: IngestResult, config: Config, *, model_dir: str | Path | None = None,
               extend_model: bool = True, log: Log | None = None) -> Analysis:
    """Run every analysis stage on ingested responses (no file is written).

    With ``model_dir`` the saved themes are reused (same ids and labels); ``extend_model``
    then adds new themes for what they cannot place, otherwise that stays "Other".
    """
    from .embed import Embedder
    from .impact import analyze_impact
    from .mentions import theme_mentions
    from .parallel import idle_work
    from .prepare import language_notes
    from .run_cache import ThemeFitCache
    from .themes import import_bertopic, theme_polarity, wants_sides

    timer = Timer(log)
    responses = ingest.responses
    notes: list[str] = []
    embedder = Embedder(config.embed)
    memo = embedder.cache_path.parent if config.embed.cache else None  # stage memos live beside the vectors
    # A saved model is read and checked first: a corrupt one, or one of another embedder, fails
    # in a second rather than after the slowest stage.
    saved = None if model_dir is None else load_saved_model(model_dir, embedder)
    if saved is not None and config.themes.guided_path:
        notes.extend(guided_left_out(saved, config.themes.guided_path))
    # Fitting or extending themes imports BERTopic (1.5 CPU-s, bertopic_import): done while spaCy's workers
    # segment new texts, when this process would only wait for them.
    with idle_work(import_bertopic) if model_dir is None or extend_model else nullcontext():
        segments, flags = _segment_and_score(responses, config, memo, timer)
    notes.extend(language_notes(flags, new_themes=model_dir is None or extend_model))
    fitting = model_dir is None
    # Each segment's department: the strata of the theme fit's sample (and its calibration's)
    department = (segments["response_id"].map(responses.set_index("response_id")["department"]).tolist()
                  if fitting else None)
    with timer.stage("embed"):
        warming = _warm_calibration(segments["text"].tolist(), department, config, embedder) if fitting else None
        try:
            vectors, index = embedder.embed_distinct(segments["text"].tolist())  # one row per distinct text
        except BaseException:
            _end_warming(warming, cancel=True, log=log)
            raise
        if log:
            mapped = " (memory-mapped)" if isinstance(vectors, np.memmap) else ""
            log(f"  {embedder.n_encoded} distinct texts encoded, {embedder.n_cached} from the cache{mapped}")
    probe = None
    if config.sentiment.learn_from_scores:
        from .polarity import learn_segment_sentiment, saved_segment_sentiment

        with timer.stage("polarity"):
            if saved is not None and saved.polarity_ is not None:  # the probe the themes were fitted with
                segments, probe = saved_segment_sentiment(segments, vectors, index, saved.polarity_,
                                                          saved.polarity_weights_, config.sentiment)
            else:
                segments, probe = learn_segment_sentiment(segments, responses, vectors, index, config.sentiment)
            notes.append(probe_summary(probe))
            if log:
                log(f"  {notes[-1]}")
    with timer.stage("themes"):
        _end_warming(warming, cancel=False, log=log)
        if saved is not None:
            model = saved
            texts = segments["text"].tolist()
            polarity = theme_polarity(segments, model._sided())
            if extend_model:
                theme_ids = model.extend(texts, vectors, index=index, polarity=polarity)
            else:
                theme_ids = model.assign(texts, vectors, index=index, polarity=polarity)
        else:
            model = _fit_themes(segments["text"].tolist(), vectors, index, department, config, embedder,
                                ThemeFitCache(memo / "themes") if memo else None, log,
                                theme_polarity(segments, wants_sides(config.themes, probe is not None and probe.used)))
            theme_ids = model.labels_
            keep_probe(model, probe)
        segments = segments.assign(theme_id=[int(t) for t in theme_ids])
        if saved is not None:
            for note in saved_fit_notes(model, segments["theme_id"].to_numpy(), extend_model):
                notes.append(note)
                if log:
                    log(f"  note: {note}")
        themes = theme_table(model, segments)
        remember_general(model, themes)
        del vectors, index  # the largest array of a run (distinct texts x 384 floats) is not needed below
        embedder.close()  # ends the encoding workers: what is left embeds a few texts at most
    with timer.stage("impact"):
        mentions = theme_mentions(responses["response_id"], segments, config.mentions)
        impact = analyze_impact(responses, mentions.matrix, config.impact, general_keys(mentions.keys, themes),
                                language_keys(mentions.keys, themes))
    trends = trend_stage(responses, mentions.matrix, config, timer, notes, log)
    owners = None
    if config.routing.file:
        with timer.stage("routing"):
            owners = route_themes_to_departments(model, config, responses["department"].dropna().unique())
            notes.extend(owners.attrs.get("notes", []))
    return Analysis(
        config=config, ingest=ingest, summary=summarize(ingest, config.trend.period), segments=segments, flags=flags,
        themes=themes, mentions=mentions, impact=impact, owners=owners, model=model,
        embedder_id=embedder.model_id, input_sha256=file_sha256(ingest.source),
        pii_counts=sum_pii_counts(flags["pii_counts"]),
        timings=timer.timings, notes=tuple(notes), trends=trends, polarity=probe,
    )


#: A wave on saved themes that leaves this share of its segments outside them, and at least
#: OUTSIDE_RATIO times the share the fit itself left, gets a note: the themes may not be its own.
OUTSIDE_SHARE, OUTSIDE_RATIO = 0.10, 3.0


def saved_fit_notes(model, theme_ids, extended: bool) -> list[str]:
    """A note when a wave put on saved themes (``theme_ids``: its segments' themes) fits them
    far worse than the survey they were fitted on: a retail survey assigned to a clothing
    model left 27 % of its segments in "Other" (the fit, under 1 %) and still ranked the
    clothing themes it was forced onto, without a word (from the wave-to-wave hunt)."""
    ids = np.asarray(theme_ids)
    if not len(ids):
        return []
    added = model.themes_.loc[model.themes_["new"], "theme_id"].to_numpy()
    outside = float(np.mean((ids < 0) | np.isin(ids, added)))
    fitted = float(np.mean(np.asarray(model.labels_) < 0)) if len(model.labels_) else 0.0
    if outside < OUTSIDE_SHARE or outside < OUTSIDE_RATIO * fitted:
        return []
    where = "in new themes or Other" if extended else "in Other"
    return [f"{outside:.0%} of the comment segments fit none of the saved themes ({where}), against {fitted:.0%} of "
            f"those they were fitted on: the themes may not suit this survey; analyse it without --model to find "
            f"its own"]


def guided_left_out(model, guided_path: str | Path) -> list[str]:
    """A note when the guided themes file names themes a saved model does not hold: with
    ``--model`` the model's themes are kept, and the file's new ones were dropped without a word."""
    from .guided import load_guided_themes, name_key

    held = {name_key(label) for label in model.themes_.loc[model.themes_["guided"], "label"]}
    missing = [t.name for t in load_guided_themes(guided_path) if name_key(t.name) not in held]
    if not missing:
        return []
    said = ", ".join(f"'{name}'" for name in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    # Not in the model: added to the file since, or it matched no comment when the model was fitted.
    return [f"guided theme(s) {said} of {Path(guided_path).name} are not themes of the saved model, and --model "
            f"keeps its themes: analyse without --model to look for them"]


def load_saved_model(model_dir: str | Path, embedder):
    """The theme model saved in ``model_dir``, checked to work in the vector space of
    ``embedder``: a model fitted on the fast mode's vectors cannot place MiniLM's, nor the
    reverse (E302, naming the ``--embedder`` to use)."""
    from .embed import vector_space
    from .errors import VerbatimError
    from .themes import ThemeModel

    model = ThemeModel.load(model_dir, embedder=embedder)
    saved, ours = vector_space(model.model_id_), vector_space(embedder.model_id)
    if saved != ours:
        raise VerbatimError("E302", f"the theme model was fitted on {saved} vectors and this run makes {ours} "
                                    f"vectors: run with --embedder {saved} (or --set embed.backend={saved})",
                            file=model_dir)
    return model


def trend_stage(responses: pd.DataFrame, matrix: pd.DataFrame, config: Config, timer: "Timer", notes: list[str],
                log: Log | None):
    """The trends of a run with dates (None without any), their notes added to ``notes``;
    both engines run it on the driver, on the same theme matrix."""
    if not responses["submitted_at"].notna().any():
        return None
    from .trends import analyze_trends, trend_notes

    with timer.stage("trends"):
        trends = analyze_trends(responses, matrix, config.trend)
        for note in trend_notes(trends):
            notes.append(note)
            if log:
                log(f"  {note}")
    return trends


def keep_probe(model, probe) -> None:
    """Record a fit's polarity probe on its theme model, which saves it for the waves put on
    these themes later (:mod:`verbatim.polarity`); without learning, that the lexicon decided."""
    from .polarity import Probe

    probe = probe or Probe.unlearnt("sentiment.learn_from_scores was off when the themes were fitted")
    model.polarity_ = probe.record()
    model.polarity_weights_ = probe.weights if model.polarity_["used"] else None


def probe_summary(probe) -> str:
    """One line on the learnt polarity, for the log and the reports' notes (read by people
    without statistics training: the AUC is said in words, its figure kept for analysts)."""
    if probe.from_model:
        if probe.used:
            return (f"sentiment tuned on the scores of the survey the themes were fitted on (saved with the model; "
                    f"AUC {probe.auc:.3f} there), so that a comment takes the same side and theme in every wave: "
                    f"{probe.changed:,} comment segment{'' if probe.changed == 1 else 's'} changed sentiment")
        return f"sentiment from the word lexicon only, as in the survey the themes were fitted on: {probe.reason}"
    if probe.used:
        return (f"sentiment tuned on this survey's own scores, learnt from {probe.responses[0]:,} promoters and "
                f"{probe.responses[1]:,} detractors (on comments it had not learnt from, it rated a promoter's above "
                f"a detractor's {probe.auc:.0%} of the time; AUC {probe.auc:.3f}): "
                f"{probe.changed:,} comment segment{'' if probe.changed == 1 else 's'} changed sentiment")
    return f"sentiment from the word lexicon only, not tuned on this survey's scores: {probe.reason}"


def _segment_and_score(responses: pd.DataFrame, config: Config, memo: Path | None,
                       timer: Timer) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The segment and sentiment stages: segments (with their sentiment) and response flags."""
    from .parallel import idle_work
    from .prepare import segment_fingerprint, segment_responses, sentences_for
    from .run_cache import SegmentCache
    from .sentiment import score_sentiment

    prepare = sentences_for(config.prepare, config.embed.backend)
    pii = config.pii if prepare.redact else None
    # New segments are stored while the sentiment workers score them, when this process waits.
    cache = SegmentCache(memo / "segments.sqlite", segment_fingerprint(prepare, pii), deferred=True) if memo else None
    try:
        with timer.stage("segment"):
            segments, flags = segment_responses(responses, prepare, pii, cache=cache)
        with timer.stage("sentiment"), idle_work(cache.flush) if cache is not None and cache.pending else nullcontext():
            scored = score_sentiment(segments["text"].tolist(), config.sentiment, lend_idle=True)
            segments = segments.assign(sentiment=scored["label"].to_numpy(), compound=scored["compound"].to_numpy())
    except BaseException:
        if cache is not None:
            with suppress(Exception):  # the run's own error is the one to report
                cache.close()
        raise
    if cache is not None:
        cache.close()  # stores what the workers' wait did not
    return segments, flags


def _warm_calibration(texts: list[str], strata: list, config: Config,
                      embedder) -> "tuple[futures.ThreadPoolExecutor, futures.Future] | None":
    """Encode the texts the theme fit will calibrate static vectors on
    (``themes.calibration_texts``) with the embedder's teacher, on a thread, into the
    embedding cache, where the fit then finds them. The static lookups of the embed stage
    keep one core busy and leave the other idle: the teacher's load and forward passes (MiniLM
    on onnxruntime, 1,000 segments), on one thread as in the fit, use it. Returns the thread's
    executor and future for :func:`_end_warming`; None when there is nothing to encode: no
    teacher, calibration off, or no cache to hand the vectors over in."""
    on = config.themes.calibration_texts and config.embed.cache
    teacher = embedder.teacher(threads=1, processes=1) if on else None
    if teacher is None:
        return None
    from .themes import calibration_sample

    sample = calibration_sample(texts, config.themes, strata)

    def encode() -> None:
        try:
            teacher.embed(sample)
        finally:
            teacher.close(unload=True)

    pool = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="verbatim-calibration")
    return pool, pool.submit(encode)


def _end_warming(warming, *, cancel: bool, log: Log | None) -> None:
    """Wait for :func:`_warm_calibration`'s thread to end (cancelled first when the run
    failed), so that no thread outlives the stage or runs while workers are forked. A failure
    there is only logged: the fit encodes whatever is missing itself, and raises if it must."""
    if warming is None:
        return
    pool, future = warming
    if cancel:
        future.cancel()
    pool.shutdown(wait=True)
    if not future.cancelled() and future.exception() is not None and log:
        log(f"  calibration texts not encoded ahead ({future.exception()}); the theme fit encodes them")


def fit_vectors_id(embedder, settings) -> str:
    """Identity of the vectors a theme fit works on: the embedder's, and when the fit
    calibrates them (``ThemeSettings.calibration_texts``) its teacher's too, so that a fit
    memoised with another teacher is not reused."""
    teacher = embedder.teacher() if settings.calibration_texts else None
    return embedder.model_id if teacher is None else f"{embedder.model_id} calibrated on {teacher.model_id}"


def _fit_themes(texts: list[str], vectors, index, strata: list, config: Config, embedder, cache, log: Log | None,
                polarity=None):
    """ThemeModel fitted on the segments (a sample stratified by department above
    themes.max_fit_segments), or the same fit memoised by an earlier run. ``vectors`` has
    one row per distinct text, ``index`` each segment's row (``Embedder.embed_distinct``);
    ``polarity``: see :meth:`ThemeModel.fit`."""
    from .themes import ThemeModel

    key = (cache.key(texts, fit_vectors_id(embedder, config.themes), config.themes, strata, polarity)
           if cache is not None else None)
    model = cache.load(key, ThemeModel, embedder) if key else None
    if model is not None:
        if log:
            log("  themes of an earlier run on the same segments and settings reused")
        return model
    model = ThemeModel(config.themes, embedder=embedder).fit(texts, vectors, strata=strata, index=index, polarity=polarity)
    if key:
        cache.save(key, model)
    return model


def sum_pii_counts(per_response) -> dict[str, int]:
    """Redactions per kind over all responses (each item a ``{kind: count}`` dict or None)."""
    total: dict[str, int] = {}
    for counts in per_response:
        for kind, n in (counts or {}).items():
            total[kind] = total.get(kind, 0) + int(n)
    return total


def theme_table(model, segments: pd.DataFrame) -> pd.DataFrame:
    """The model's themes with the parent label joined in (parent_id None when no parent),
    each theme's side (``ThemeModel.theme_sides``: None without sides) and whether it is
    general (:mod:`verbatim.general`).

    A theme's generality is the model's where the model knows it (a saved model reused with
    ``--model``: a theme general in the wave it was fitted on stays so, and the rankings of
    the waves compare), else found on the run's ``segments`` (text, theme_id): on a fit, and
    for the themes a new wave added. Guided themes, which the user named, and the themes of
    comments in other languages are never general."""
    from .general import general_themes
    from .themes import OTHER_LANGUAGES_LABEL

    themes = model.themes_.copy()
    parents = dict(zip(model.parents_["parent_id"], model.parents_["label"])) if len(model.parents_) else {}
    parent = themes["parent_id"].map(lambda p: None if p is None or int(p) < 0 else int(p))
    sides = model.theme_sides()
    known = themes["general"] if "general" in themes else pd.Series(None, index=themes.index, dtype=object)
    named = themes["guided"].astype(bool) | themes["label"].astype(str).str.startswith(OTHER_LANGUAGES_LABEL)
    found = general_themes(segments["text"].tolist(), segments["theme_id"].to_numpy(),
                           exclude=themes.loc[named | known.notna(), "theme_id"].astype(int).tolist())
    general = known.where(known.notna(), themes["theme_id"].astype(int).isin(found)).astype(bool) & ~named
    return themes.assign(parent_id=parent, parent_label=parent.map(lambda p: parents.get(p)),
                         side=pd.Series([sides[int(t)] for t in themes["theme_id"]], index=themes.index, dtype=object),
                         general=general)


def remember_general(model, themes: pd.DataFrame) -> None:
    """Keep each theme's generality (:func:`theme_table`) in ``model``, so that the saved
    model gives it to the waves it is reused on."""
    model.themes_ = model.themes_.assign(general=themes["general"].to_numpy(dtype=bool))


def general_keys(keys: dict, themes: pd.DataFrame) -> frozenset:
    """The theme keys of the mention matrix (``Mentions.keys``: key -> (theme_id, side)) whose
    theme is general in ``themes`` (:func:`theme_table`)."""
    general = set(themes.loc[themes["general"], "theme_id"].astype(int))
    return frozenset(key for key, (tid, _) in keys.items() if tid in general)


def language_keys(keys: dict, themes: pd.DataFrame) -> frozenset:
    """The theme keys whose theme groups comments by their language ("Comments in other
    languages"): it names nothing to fix or keep, yet ranked as an improvement area and
    tied with a real one (from the multilingual hunt)."""
    from .themes import OTHER_LANGUAGES_LABEL

    bucket = set(themes.loc[themes["label"].astype(str).str.startswith(OTHER_LANGUAGES_LABEL), "theme_id"].astype(int))
    return frozenset(key for key, (tid, _) in keys.items() if tid in bucket)


def route_themes_to_departments(model, config: Config, surveyed: Sequence[str] = ()) -> pd.DataFrame:
    """Owning department of each theme from the routing file (by embedding similarity).

    A routing department written otherwise than the survey's department column, in case or
    spacing only ("Customer service" for "Customer Service"), takes the column's spelling
    (``surveyed``): it was a second department page, owning the themes, beside the column's."""
    from .departments import (UNASSIGNED, UNASSIGNED_APART, department_centroids, department_texts, load_departments,
                              route_themes)
    from .guided import name_key

    departments = load_departments(config.routing.file)
    texts = department_texts(departments)
    centroids = department_centroids(model.embed_texts(texts["text"].tolist()), texts["department"].tolist())
    routed = route_themes(model.centroids_, centroids.to_numpy(), config.routing.floor,
                          theme_ids=model.themes_["theme_id"].tolist(), department_names=list(centroids.index))
    spelled = {name_key(name): str(name) for name in surveyed}
    bucket = UNASSIGNED_APART if name_key(UNASSIGNED) in spelled else UNASSIGNED
    routed["department"] = [bucket if name == UNASSIGNED else name for name in routed["department"]]
    for column in ("department", "best_department", "runner_up"):
        routed[column] = [name if name is None or name == bucket else spelled.get(name_key(name), name)
                          for name in routed[column]]
    routed = routed.rename(columns={"theme": "theme_id"})
    routed.attrs["notes"] = routing_notes([spelled.get(name_key(d.name), d.name) for d in departments],
                                          set(routed["department"]), list(surveyed))
    return routed


def routing_notes(listed: Sequence[str], owning: set, surveyed: Sequence[str]) -> list[str]:
    """What routing leaves without a word: departments of the file that own no theme (they had
    no page and no mention), and departments of the survey the file does not list (none of the
    themes can be theirs; "App crashes" went to Unassigned, from the departments hunt)."""
    from .guided import name_key

    def names(found: list[str]) -> str:
        return ", ".join(map(repr, found[:10])) + (f" and {len(found) - 10} more" if len(found) > 10 else "")

    notes = []
    idle = [name for name in listed if name not in owning]
    if idle:
        notes.append(f"{len(idle)} department(s) of the routing file own no theme (none is close enough to their "
                     f"description and examples; routing.floor): {names(idle)}")
    keys = {name_key(name) for name in listed}
    unlisted = sorted(str(name) for name in surveyed if name_key(name) not in keys)
    if unlisted and len(unlisted) < len(surveyed):
        notes.append(f"{len(unlisted)} department(s) of the survey are not in the routing file, so no theme is "
                     f"routed to them: {names(unlisted)}")
    return notes


def analyze(
    input_path: str | Path,
    output_dir: str | Path | None = None,
    config: Config | None = None,
    *,
    force: bool = False,
    model_dir: str | Path | None = None,
    extend_model: bool = True,
    formats: tuple[str, ...] = ("md", "html", "json", "csv"),
    log: Log | None = None,
) -> AnalysisResult:
    """Analyse one survey export; write the outputs when ``output_dir`` is given."""
    from .output import atomic_output_dir, check_output_dir

    config = checked_files(config or Config.default())
    inputs = [p for p in (input_path, model_dir) if p is not None]
    if output_dir is not None:
        check_output_dir(output_dir, force=force, inputs=inputs)  # fail before any slow work
    ingest = load_responses(input_path, config)
    config = resolved_config(config, ingest)
    analysis = run_stages(ingest, config, model_dir=model_dir, extend_model=extend_model, log=log)
    from .report.build import build_report

    if log:
        log("report...")  # a progress line like the stages' (reports take ~20 s at 200,000 rows)
    if output_dir is None:
        return AnalysisResult(config, ingest, analysis.summary, analysis, build_report(analysis))
    from .report.write import build_and_write

    with atomic_output_dir(output_dir, force=force, inputs=inputs) as tmp:
        report, _ = build_and_write(tmp, analysis, formats)
    return AnalysisResult(config, ingest, analysis.summary, analysis, report, Path(output_dir))


def checked_files(config: Config) -> Config:
    """The configuration with the files it names (guided themes, departments) read and
    checked before any slow work, E201/E203 on a problem (a guided themes file that was not
    there failed after the embedding stage), and their paths made absolute, so that the
    config.toml of the run repeats it from any folder."""
    from .departments import load_departments
    from .guided import load_guided_themes

    changes: dict[str, dict[str, str]] = {}
    if config.themes.guided_path:
        load_guided_themes(config.themes.guided_path)
        changes["themes"] = {"guided_path": str(Path(config.themes.guided_path).resolve())}
    if config.routing.file:
        load_departments(config.routing.file)
        changes["routing"] = {"file": str(Path(config.routing.file).resolve())}
    _check_pipelines_and_cache(config)
    return config.updated(changes, source="resolved") if changes else config


def _check_pipelines_and_cache(config: Config) -> None:
    """E203 before any slow work when a spaCy pipeline named in the configuration is not
    installed, or the embedding cache's folder cannot be made or written: both failed as an
    "unexpected" error (exit 1) after reading the whole file."""
    import importlib.util
    import os

    from .errors import ConfigError

    for key, name in (("prepare.spacy_model", config.prepare.spacy_model), ("pii.spacy_model", config.pii.spacy_model)):
        if name and not Path(name).exists() and importlib.util.find_spec(name.replace("-", "_")) is None:
            raise ConfigError("E203", f"{key}: no spaCy pipeline {name!r} is installed (pip install it, or name a "
                                      f"pipeline's folder)")
    if config.embed.cache and config.embed.cache_dir:
        folder = Path(config.embed.cache_dir)
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise ConfigError("E203", f"embed.cache_dir: {folder} cannot be made or written ({existing} is "
                                      f"{'not a folder' if not existing.is_dir() else 'read-only'})")


def resolved_config(config: Config, ingest: IngestResult) -> Config:
    """The configuration with the detected columns filled in, so a rerun reads the same columns."""
    cols = ingest.columns
    return config.updated({"columns": {
        "text": list(cols.text), "score": cols.score or "", "department": cols.department or "",
        "date": cols.date or "", "id": cols.id or "", "weight": cols.weight or "", "group": cols.group or "",
    }}, source="resolved")
