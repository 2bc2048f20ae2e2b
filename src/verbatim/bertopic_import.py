"""Import BERTopic without the integrations verbatim never runs.

``import bertopic`` imports, at once, every optional integration it knows, each in a ``try``
that turns ``ModuleNotFoundError`` into a "not installed" stub: text generation and zero-shot
classification (transformers' ``pipelines``, the bulk of transformers), the visual
representation, and UMAP for its topic plots. verbatim reduces with PCA and represents
themes with c-TF-IDF and its own KeyBERT-style ranking, so it needs none of them, yet they were most of the
import: after spaCy, pandas and scikit-learn (what a run has loaded by then) ``import
bertopic`` took 10.5 s of CPU on a 2-core Xeon, and 1.5 s without them (medians of 3,
``benchmarks/bench_import.py``, which writes ``benchmarks/results/import.json``).

:func:`import_bertopic` therefore imports BERTopic with those modules marked absent, then
puts them back: the stubs it left are replaced by lazy loaders, so a notebook that later asks
for ``bertopic.representation.TextGeneration`` or draws ``visualize_topics`` in the same
process gets the real thing, imported on first use. A BERTopic already imported is returned
as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
import warnings

__all__ = ["import_bertopic", "DEFERRED_REPRESENTATIONS"]

#: Representation classes whose modules are imported at first use instead of with BERTopic:
#: name in ``bertopic.representation`` -> module defining it.
DEFERRED_REPRESENTATIONS = {
    "TextGeneration": "bertopic.representation._textgeneration",
    "ZeroShotClassification": "bertopic.representation._zeroshot",
    "VisualRepresentation": "bertopic.representation._visual",
}
#: Imported by BERTopic's plotting module only (verbatim never plots); numba comes with it.
_PLOTTING_ONLY = "umap"


def import_bertopic() -> types.ModuleType:
    """``bertopic``, with ``bertopic.representation`` and ``bertopic.vectorizers`` imported.

    The import runs quietly (umap, when it is imported, warns about the absent TensorFlow)
    and without the integrations listed in :data:`DEFERRED_REPRESENTATIONS` and UMAP, which
    are loaded when first used. The pipeline starts it early, while spaCy's workers run
    (:func:`verbatim.parallel.idle_work`).
    """
    if "bertopic" in sys.modules:
        return _import_quietly()
    blocked = [name for name in (*DEFERRED_REPRESENTATIONS.values(), _PLOTTING_ONLY) if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" now raises ModuleNotFoundError
    try:
        bertopic = _import_quietly()
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    _defer_representations(sys.modules["bertopic.representation"], blocked)
    _defer_plotting_umap(blocked)
    return bertopic


def _import_quietly() -> types.ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        import bertopic
        import bertopic.representation
        import bertopic.vectorizers

    return bertopic


def _defer_representations(representation: types.ModuleType, blocked: list[str]) -> None:
    """Replace the stubs BERTopic left for the blocked modules by a module ``__getattr__``
    that imports the real class on first access (PEP 562)."""
    deferred = {name: module for name, module in DEFERRED_REPRESENTATIONS.items() if module in blocked}
    for name in deferred:
        representation.__dict__.pop(name, None)
    if not deferred:
        return
    previous = representation.__dict__.get("__getattr__")

    def __getattr__(name: str):
        if name in deferred:
            value = getattr(importlib.import_module(deferred[name]), name)
            setattr(representation, name, value)
            return value
        if previous is not None:
            return previous(name)
        raise AttributeError(f"module {representation.__name__!r} has no attribute {name!r}")

    representation.__getattr__ = __getattr__  # type: ignore[method-assign]


def _defer_plotting_umap(blocked: list[str]) -> None:
    """``bertopic.plotting._topics`` decided at import that UMAP is missing; give it a UMAP
    that imports umap when a plot first calls it (when umap is installed at all)."""
    topics = sys.modules.get("bertopic.plotting._topics")
    if _PLOTTING_ONLY not in blocked or topics is None or importlib.util.find_spec(_PLOTTING_ONLY) is None:
        return

    def UMAP(*args, **kwargs):  # noqa: N802 - stands in for umap.UMAP
        from umap import UMAP as real

        topics.UMAP = real
        return real(*args, **kwargs)

    topics.UMAP = UMAP
    topics.HAS_UMAP = True
