"""Whether progress may be shown: one switch for every bar and build message of a run.

``--quiet`` hides progress for the length of a run through an environment variable rather
than the configuration, which is written with the outputs (``--quiet`` changes none of
them) and which a forked worker or a model build deep in a backend would not see anyway.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

__all__ = ["NO_PROGRESS_ENV", "progress_hidden", "hidden_progress"]

NO_PROGRESS_ENV = "VERBATIM_NO_PROGRESS"


def progress_hidden() -> bool:
    """True while :func:`hidden_progress` is in force (or ``VERBATIM_NO_PROGRESS=1`` is set)."""
    return os.environ.get(NO_PROGRESS_ENV) == "1"


@contextlib.contextmanager
def hidden_progress(hide: bool = True) -> Iterator[None]:
    """Within the block no progress bar or build message is shown (when ``hide``); the
    variable is restored afterwards."""
    if not hide:
        yield
        return
    before = os.environ.get(NO_PROGRESS_ENV)
    os.environ[NO_PROGRESS_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(NO_PROGRESS_ENV, None)
        else:
            os.environ[NO_PROGRESS_ENV] = before
