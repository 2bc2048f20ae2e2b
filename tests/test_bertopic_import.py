"""verbatim imports BERTopic without the integrations it never runs, and puts them back.

The checks run in one fresh interpreter: this test process may have imported BERTopic
already, and then :func:`verbatim.bertopic_import.import_bertopic` rightly leaves it as it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # the fresh interpreter imports BERTopic, transformers and umap

_SCRIPT = """
import json, sys
from verbatim.bertopic_import import import_bertopic
b = import_bertopic()
out = {"loaded": {m: m in sys.modules for m in ("transformers.pipelines", "umap", "numba")},
       "blocked_left": [k for k, v in sys.modules.items() if v is None],
       "has": [hasattr(b, "BERTopic"), hasattr(b.representation, "KeyBERTInspired"),
               hasattr(b.vectorizers, "ClassTfidfTransformer")],
       "again": import_bertopic() is b}
# A notebook that runs verbatim, then BERTopic's own text generation or plots, gets them.
from bertopic.representation import TextGeneration, ZeroShotClassification
import bertopic.plotting._topics as topics
reducer = topics.UMAP(n_components=2)
from bertopic import BERTopic
default = BERTopic()
out.update(generation=TextGeneration.__module__, zeroshot=ZeroShotClassification.__module__,
           plot_umap=type(reducer).__module__, has_umap=topics.HAS_UMAP,
           default_umap=type(default.umap_model).__module__, default_hdbscan=type(default.hdbscan_model).__module__)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def fresh() -> dict:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bertopic_is_imported_without_transformers_pipelines_or_umap(fresh):
    assert fresh["loaded"] == {"transformers.pipelines": False, "umap": False, "numba": False}
    assert fresh["blocked_left"] == []  # nothing stays marked absent for later imports
    assert fresh["has"] == [True, True, True]
    assert fresh["again"] is True  # a second call returns the module already imported


def test_deferred_integrations_load_on_first_use(fresh):
    assert fresh["generation"] == "bertopic.representation._textgeneration"
    assert fresh["zeroshot"] == "bertopic.representation._zeroshot"
    assert fresh["plot_umap"].startswith("umap.") and fresh["has_umap"] is True
    # BERTopic's defaults are untouched: UMAP, and the hdbscan package's HDBSCAN (not sklearn's)
    assert fresh["default_umap"].startswith("umap.") and fresh["default_hdbscan"].startswith("hdbscan.")
