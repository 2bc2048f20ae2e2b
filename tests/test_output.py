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


def test_output_folder_that_holds_the_input_is_refused_before_anything_is_deleted(tmp_path, monkeypatch):
    """An input copied into an earlier run's folder (or `-o` its own folder with --force) was
    deleted with the folder it was in when the new run replaced it."""
    from verbatim.errors import OutputError
    from verbatim.output import MARKER, check_output_dir

    run = tmp_path / "run2"
    run.mkdir()
    (run / MARKER).write_text("written by verbatim\n", encoding="utf-8")
    survey = run / "wave2.csv"
    survey.write_text("comment,score\nok,9\n", encoding="utf-8")
    with pytest.raises(OutputError, match="E301.*holds .*wave2.csv"):
        with atomic_output_dir(run, force=True, inputs=[survey]):
            pass
    assert survey.exists()
    # The current folder, or one holding it, is no output folder of its own.
    monkeypatch.chdir(run)
    with pytest.raises(OutputError, match="current folder"):
        check_output_dir(".", force=True)
    with pytest.raises(OutputError, match="current folder"):
        check_output_dir(tmp_path, force=True)
    # A parent that is a file fails here, not after the analysis.
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is not a folder"):
        check_output_dir(tmp_path / "afile" / "out")


def test_output_folder_named_by_a_symbolic_link_is_written_through_it(tmp_path):
    """`-o linkout` replaced the link with a folder and left the folder it named empty."""
    real = tmp_path / "realout"
    real.mkdir()
    link = tmp_path / "linkout"
    link.symlink_to(real)
    with atomic_output_dir(link) as folder:
        (folder / "summary.md").write_text("x", encoding="utf-8")
    assert link.is_symlink() and (real / "summary.md").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkout", "realout"]
