"""The output folder: written whole or not at all, and readable as mkdir would make it."""

from __future__ import annotations

import os
import stat

import pytest

from verbatim.output import atomic_output_dir


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_output_folder_has_the_mode_of_the_umask_not_a_private_one(tmp_path, umask):
    """mkdtemp's 0700 reached the renamed folder: a team could not open the reports."""
    old = os.umask(umask)
    try:
        with atomic_output_dir(tmp_path / "out") as folder:
            (folder / "summary.md").write_text("x", encoding="utf-8")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o777 & ~umask
    assert (tmp_path / "out" / "summary.md").read_text(encoding="utf-8") == "x"
