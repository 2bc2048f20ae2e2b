"""Write a run's output folder atomically.

Everything is written into a hidden temporary folder beside the target and moved into
place at the end, so a crash never leaves a half-written report. An existing folder is
replaced only when it is empty, is an earlier verbatim output (it holds the marker file),
or the caller passes ``force``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import OutputError

MARKER = ".verbatim-run"


def check_output_dir(path: str | Path, *, force: bool = False) -> Path:
    """Raise :class:`OutputError` when ``path`` holds files that verbatim did not write."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError("E301", "exists and is not a folder", file=path)
    if path.is_dir() and not force and any(path.iterdir()) and not (path / MARKER).exists():
        raise OutputError(
            "E301", "is not empty and is not an earlier verbatim output; pass --force to replace it", file=path
        )
    return path


def _umask() -> int:
    """The process's umask, read without setting it (os.umask sets it for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output_dir(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``path``, on error it is removed."""
    target = check_output_dir(path, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    # mkdtemp makes a private folder (0700) whatever the umask: the reports are meant to be
    # shared (a team folder, a web server), so the folder gets the mode mkdir would give it.
    tmp.chmod(0o777 & ~_umask())
    try:
        yield tmp
        (tmp / MARKER).write_text("written by verbatim\n", encoding="utf-8")
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
