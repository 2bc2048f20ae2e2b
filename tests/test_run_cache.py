"""Memos of deterministic stages (verbatim.run_cache): keys change with what changes the result."""

from __future__ import annotations

import dataclasses
import sqlite3

from verbatim.pii import PiiSettings
from verbatim.prepare import PrepareSettings, segment_fingerprint
from verbatim.run_cache import SegmentCache, ThemeFitCache, fingerprint, open_sqlite
from verbatim.themes import ThemeSettings


def test_run_cache_segment_fingerprint_follows_what_changes_segments():
    base = segment_fingerprint(PrepareSettings(), PiiSettings())
    assert base == segment_fingerprint(PrepareSettings(), PiiSettings())
    # How the work is spread does not change the segments; what is computed does.
    assert base == segment_fingerprint(PrepareSettings(n_process=3, batch_size=17), PiiSettings())
    assert base != segment_fingerprint(PrepareSettings(min_segment_words=3), PiiSettings())
    assert base != segment_fingerprint(PrepareSettings(), PiiSettings(names=False))
    assert base != segment_fingerprint(PrepareSettings(), None)


def test_run_cache_segment_fingerprint_follows_the_first_name_list(monkeypatch):
    # The list is a data file, not source code: a new list must not reuse old redactions.
    from verbatim import staffnames

    base = segment_fingerprint(PrepareSettings(), PiiSettings())
    listed = staffnames.first_names()
    monkeypatch.setattr(staffnames, "first_names", lambda: listed | {"zebedee"})
    assert segment_fingerprint(PrepareSettings(), PiiSettings()) != base


def test_run_cache_fingerprint_covers_module_source(monkeypatch, tmp_path):
    module = tmp_path / "memo_probe_mod.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = fingerprint("a", modules=("memo_probe_mod",))
    module.write_text("X = 2\n")
    assert fingerprint("a", modules=("memo_probe_mod",)) != first
    assert fingerprint("a") != fingerprint("b")


def test_run_cache_segment_cache_round_trip(tmp_path):
    cache = SegmentCache(tmp_path / "segments.sqlite", "k1")
    cache.put({"Late again.": ["Late again.", ["Late again"], 0], "Hi [NAME]": ["Hi [NAME]", [], 1]})
    assert cache.get(["Late again.", "never stored"]) == {"Late again.": ["Late again.", ["Late again"], 0]}
    cache.close()
    other = SegmentCache(tmp_path / "segments.sqlite", "k2")  # another fingerprint sees nothing
    assert other.get(["Late again."]) == {}
    other.close()


def test_run_cache_deferred_segment_cache_stores_at_flush_or_close(tmp_path):
    """The pipeline stores new segments while the sentiment workers run: a deferred put
    keeps them until flush(), and close() stores whatever is still pending."""
    path = tmp_path / "segments.sqlite"
    cache = SegmentCache(path, "k1", deferred=True)
    cache.put({"Late again.": ["Late again.", ["Late again"], 0]})
    reader = SegmentCache(path, "k1")
    assert reader.get(["Late again."]) == {}
    cache.flush()
    assert reader.get(["Late again."]) == {"Late again.": ["Late again.", ["Late again"], 0]}
    cache.put({"Hi [NAME]": ["Hi [NAME]", [], 1]})  # still deferred after a flush
    assert reader.get(["Hi [NAME]"]) == {}
    cache.close()
    assert reader.get(["Hi [NAME]"]) == {"Hi [NAME]": ["Hi [NAME]", [], 1]}
    reader.close()


def test_run_cache_calibrated_fit_is_keyed_on_its_teachers_vectors_too(monkeypatch):
    """The fast mode's fit depends on the teacher that calibrates it: a fit memoised with
    another teacher's vectors (torch's MiniLM before 266f585) is not reused."""
    from verbatim import embed
    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.pipeline import fit_vectors_id

    static = Embedder(EmbedSettings(backend="static"))
    calibrated = fit_vectors_id(static, ThemeSettings())
    assert calibrated.startswith(static.model_id) and "onnx-fp32:" in calibrated
    assert fit_vectors_id(static, ThemeSettings(calibration_texts=0)) == static.model_id
    assert fit_vectors_id(Embedder(EmbedSettings()), ThemeSettings()) == Embedder(EmbedSettings()).model_id
    monkeypatch.setitem(embed._MODEL_IDS, "onnx-fp32", lambda: "another export")
    assert fit_vectors_id(static, ThemeSettings()) != calibrated


def test_run_cache_theme_key_follows_texts_model_settings_and_guided_file(tmp_path):
    key = ThemeFitCache.key(["a b", "c d"], "m1", ThemeSettings())
    assert key == ThemeFitCache.key(["a b", "c d"], "m1", ThemeSettings())
    assert key != ThemeFitCache.key(["c d", "a b"], "m1", ThemeSettings())
    assert key != ThemeFitCache.key(["a bc", "d"], "m1", ThemeSettings())  # separator-safe
    assert key != ThemeFitCache.key(["a b", "c d"], "m2", ThemeSettings())
    assert key != ThemeFitCache.key(["a b", "c d"], "m1", dataclasses.replace(ThemeSettings(), seed=1))
    guided = tmp_path / "themes.toml"
    guided.write_text('[[theme]]\nname = "Late"\nexamples = ["late"]\n')
    with_file = ThemeFitCache.key(["a b"], "m1", ThemeSettings(guided_path=str(guided)))
    guided.write_text('[[theme]]\nname = "Late"\nexamples = ["late", "slow"]\n')
    assert with_file != ThemeFitCache.key(["a b"], "m1", ThemeSettings(guided_path=str(guided)))


def test_run_cache_missing_or_broken_theme_entry_is_a_miss(tmp_path):
    from verbatim.themes import ThemeModel

    cache = ThemeFitCache(tmp_path / "themes")
    assert cache.load("nope", ThemeModel) is None
    (tmp_path / "themes" / "bad").mkdir(parents=True)
    (tmp_path / "themes" / "bad" / "themes.json").write_text("{not json")
    assert cache.load("bad", ThemeModel) is None


def _open_together(args) -> str:
    path, barrier = args
    barrier.wait()
    try:
        open_sqlite(path, "CREATE TABLE IF NOT EXISTS t (a TEXT)").close()
        return "ok"
    except sqlite3.OperationalError as exc:
        return str(exc)


def test_run_cache_new_database_opened_by_many_processes_at_once(tmp_path):
    # Spark's tasks open a fresh embedding cache together: the race to switch its journal to
    # WAL made SQLite answer "database is locked" at once, without waiting (7 of 240 opens).
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Manager() as manager, context.Pool(6) as pool:
        for i in range(40):
            barrier = manager.Barrier(6)
            results = pool.map(_open_together, [(tmp_path / f"cache{i}.sqlite", barrier)] * 6)
            assert results == ["ok"] * 6, results


def _verbatim_imports(module: str) -> set[str]:
    """The modules of verbatim that ``module`` imports (relative imports, at any depth of the file)."""
    import ast
    from importlib.util import find_spec
    from pathlib import Path

    tree = ast.parse(Path(find_spec(module).origin).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([f"verbatim.{node.module}"] if node.module else (f"verbatim.{a.name}" for a in node.names))
    return found


def test_run_cache_theme_memo_keys_on_every_module_a_fit_runs():
    """The theme-fit memo is keyed on the source of THEME_FIT_MODULES: every module of
    verbatim that verbatim.themes imports, directly or not, must be there, or a change to it
    is served a stale fit (verbatim.poles was missing from a hand-kept list)."""
    from verbatim.run_cache import THEME_FIT_MODULES

    seen, todo = set(), ["verbatim.themes"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_verbatim_imports(module) - seen)
    assert seen <= set(THEME_FIT_MODULES), sorted(seen - set(THEME_FIT_MODULES))
