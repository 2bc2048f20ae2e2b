"""Answer "no torch" to the imports that only probe for it, in the runs of the command line.

Two libraries of a run import torch at their own import only to record whether it is there:
spaCy's thinc (``thinc.compat``), for PyTorch layers that verbatim's CNN pipeline never has,
and BERTopic (``bertopic._save_utils``), for the legacy ``serialization="pytorch"`` of
``BERTopic.save`` that verbatim never calls (it saves themes as safetensors and JSON). That
probe imported all of torch into the run's main process: 1.1-1.5 s of CPU on the 2-core
machines of the benchmarks, and ~150 MB of resident memory, shared with every process forked
from it, in runs that never use torch there (the fast mode never does; the default mode
encodes in worker processes of their own).

:func:`install` adds an import hook that refuses ``torch`` to those two modules only, so
each records "no torch"; every other import of torch (sentence-transformers, the static
model's build) gets it as usual. The command line installs it for the runs it starts when
they load only verbatim's packaged CNN pipeline (a transformer pipeline set in the config
needs thinc's PyTorch layers). The library does not: a notebook that also loads a
transformer spaCy pipeline, or a BERTopic model saved with pytorch, needs those probes to
find torch.
"""

from __future__ import annotations

import sys

__all__ = ["PROBES", "install", "installed"]

#: Modules whose ``import torch`` only records whether torch is installed.
PROBES = frozenset({"thinc.compat", "bertopic._save_utils"})


class _RefuseToProbes:
    """A meta path finder that fails ``torch`` (and its submodules) when one of
    :data:`PROBES` imports it, and lets the other finders handle everything else."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname.partition(".")[0] != "torch" or _importer() not in PROBES:
            return None
        raise ModuleNotFoundError(f"No module named {fullname!r} (verbatim.torch_probes: a probe only)",
                                  name=fullname)


def _importer() -> str:
    """Name of the module whose top-level code runs the current import (past importlib's
    own frames); '' when a function runs it."""
    frame = sys._getframe(2)
    while frame is not None and _in_importlib(frame.f_globals.get("__name__", "")):
        frame = frame.f_back
    if frame is None or frame.f_code.co_name != "<module>":
        return ""
    return frame.f_globals.get("__name__", "")


def _in_importlib(module: str) -> bool:
    return module == "importlib" or module.startswith("importlib.")


def install() -> None:
    """Refuse torch to :data:`PROBES` in this process from now on (once; a probe that already
    ran keeps what it found)."""
    if not installed():
        sys.meta_path.insert(0, _RefuseToProbes())


def installed() -> bool:
    return any(isinstance(finder, _RefuseToProbes) for finder in sys.meta_path)
