"""Loader for SemEval-2016 Task 5 restaurant sentences with exactly one aspect category.

The XML lives outside the repository (``../shared/data/semeval2016_restaurants``); see
``/work/shared/data/README.md`` for its origin and terms. Sentences carrying several
opinions with different categories are left out: they have no single right theme.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2016_restaurants" / "restaurants_train.xml"


def load_single_category_sentences(path: str | Path = DEFAULT_PATH) -> tuple[list[str], list[str]]:
    """Sentence texts and their one aspect category (e.g. ``FOOD#QUALITY``), in file order."""
    root = ET.parse(str(path)).getroot()
    texts: list[str] = []
    categories: list[str] = []
    for sentence in root.iter("sentence"):
        found = {op.get("category") for op in sentence.iter("Opinion")}
        text = (sentence.findtext("text") or "").strip()
        if len(found) == 1 and text:
            texts.append(text)
            categories.append(found.pop())
    return texts, categories
