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
from typing import Iterable, Iterator

from .errors import OutputError

MARKER = ".verbatim-run"


def check_output_dir(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Path:
    """The folder ``path`` names (a symbolic link's target), or :class:`OutputError` when it
    cannot be replaced: it holds files that verbatim did not write (without ``force``), holds
    one of ``inputs`` (the survey file, a saved model: replacing the folder deleted them), is
    or holds the current folder, is a mount point, or its parent cannot be written. All of
    these failed after the whole analysis, or deleted the input."""
    given = Path(path)
    if given.exists() and not given.is_dir():
        raise OutputError("E301", "exists and is not a folder", file=given)
    target = given.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == target or target in source.parents:
            raise OutputError("E301", f"holds {item}, which replacing the folder would delete; write the output to "
                                      f"another folder", file=given)
    here = Path.cwd().resolve()
    if target == here or target in here.parents:
        raise OutputError("E301", "is the current folder or holds it; name a folder of its own for the output",
                          file=given)
    if target.is_dir() and os.path.ismount(target):
        raise OutputError("E301", "is a mount point, which cannot be replaced; name a folder inside it", file=given)
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError("E301", f"cannot be made: {parent} is not a folder", file=given)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError("E301", f"cannot be written: {parent} is read-only or not ours to write", file=given)
    if target.is_dir() and not force and any(target.iterdir()) and not (target / MARKER).exists():
        raise OutputError(
            "E301", "is not empty and is not an earlier verbatim output; pass --force to replace it", file=given
        )
    return target


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
def atomic_output_dir(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``path`` (a symbolic link's target),
    on error it is removed. ``inputs``: see :func:`check_output_dir`."""
    target = check_output_dir(path, force=force, inputs=inputs)
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
