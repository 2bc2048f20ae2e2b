"""The CLI through click's runner, plus real subprocess calls of the installed entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.cli import main

CSV = "id,comment,score,team\n1,Great service,10,A\n2,Too slow,2,B\n3,x,eleven,A\n"


@pytest.fixture
def runner():
    return CliRunner()


def test_cli_help_lists_commands(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "analyze", "demo"):
        assert command in result.output


def test_cli_every_command_has_help_and_example(runner):
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help text"
        assert "Example" in command.help, f"{name} help has no example"


def test_cli_validate_prints_summary(runner, write_file):
    path = write_file("s.csv", CSV)
    result = runner.invoke(main, ["validate", str(path), "--department", "team"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "rows read   3" in out
    assert "usable      2" in out
    assert "score is not a number" in out
    assert "NPS         +0.0" in out
    assert "department  <- 'team'" in out


def test_cli_validate_prints_the_dates_and_the_ones_the_trend_leaves_out(runner, write_file):
    """A typo such as 2062 for 2026 stretched the trend to 438 months; validate, run before
    the analysis, said nothing of the dates at all."""
    rows = "".join(f"c{i},9,2026-{1 + i % 10:02d}-15\n" for i in range(40))
    path = write_file("d.csv", "comment,score,date\n" + rows + "typo,8,2062-06-15\nnone,7,1900-01-01\n")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "dates       2026-01-15 to 2026-10-15 (40 rows)" in result.output
    assert ("note: 2 row(s) dated 1900-01-01, 2062-06-15, cut off from all the other dates (by a year, or by a "
            "period without responses) or a placeholder for no date, will be left out of the trend") in result.output
    # A straggler after an empty month: validate reads the dates by the trend's period.
    late = write_file("late.csv", "comment,score,date\n" + rows + "late,8,2026-12-20\n")
    result = runner.invoke(main, ["validate", str(late)])
    assert "note: 1 row(s) dated 2026-12-20, cut off" in result.output
    quarterly = runner.invoke(main, ["validate", str(late), "--set", "trend.period=quarter"])
    assert "cut off" not in quarterly.output and "(41 rows)" in quarterly.output


def test_cli_validate_prints_the_nps_groups_of_an_export_without_scores(runner, write_file):
    path = write_file("g.csv", "comment,NPS Group\ngreat,Promoter\nslow,Detractor\nok,Passive\nfine,Promoter\n")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "group       <- 'NPS Group' (detected)" in out and "score       <- -" in out
    assert "NPS groups" in out and "   promoter       2   50.0%" in out
    assert "NPS         +25.0" in out


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        (["validate", "missing.csv"], 2, "E101 missing.csv: file not found"),
        (["validate", "{csv}", "--text", "body"], 2, "E105"),
        (["validate", "{csv}", "--config", "{bad_toml}"], 2, "E202"),
        (["validate", "{csv}", "--set", "input.max_text_chars=many"], 2, "E203"),
        (["validate", "{csv}", "--scale", "7"], 2, "E001 Invalid value for '--scale'"),
        # Failed as an unexpected error (exit 1) after the file was read; now before.
        (["analyze", "{csv}", "-o", "out", "--set", "prepare.spacy_model=xx_nonexistent"], 2,
         "E203 prepare.spacy_model: no spaCy pipeline 'xx_nonexistent' is installed"),
        (["analyze", "{csv}", "-o", "out", "--set", "embed.cache_dir={bad_toml}/cache"], 2,
         "embed.cache_dir"),
    ],
)
def test_cli_errors_are_one_line_exit_2(runner, write_file, tmp_path, args, code, fragment):
    csv_path = write_file("s.csv", CSV)
    bad_toml = write_file("bad.toml", "[input]\nnope = 1\n")
    args = [a.format(csv=csv_path, bad_toml=bad_toml) for a in args]
    with runner.isolated_filesystem(temp_dir=tmp_path):
        result = runner.invoke(main, args)
    assert result.exit_code == code
    assert fragment in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args,line",
    [
        (["validate", "{csv}", "--config", "{folder}"],
         "error: E001 Invalid value for '--config': File '{folder}' is a directory (see 'verbatim validate --help')"),
        (["analyse", "{csv}"], "error: E001 No such command 'analyse'. Did you mean 'analyze'? (see 'verbatim --help')"),
        (["--bogus", "validate", "{csv}"], "error: E001 No such option '--bogus' (see 'verbatim --help')"),
        (["analyze", "{csv}"], "error: E001 Missing option '-o' / '--output' (see 'verbatim analyze --help')"),
    ],
)
def test_cli_usage_errors_are_one_coded_line(runner, write_file, tmp_path, args, line):
    """Click printed its usage errors on three lines (usage, hint, "Error: ..."), without a
    code, unlike every other error."""
    csv_path = write_file("s.csv", CSV)
    fill = {"csv": csv_path, "folder": tmp_path}
    result = runner.invoke(main, [a.format(**fill) for a in args], prog_name="verbatim")
    assert result.exit_code == 2
    assert result.output.strip() == line.format(**fill)


def test_cli_analyze_writes_rejected_and_config(runner, write_file, tmp_path):
    path = write_file("s.csv", CSV)
    out = tmp_path / "out"
    result = runner.invoke(main, ["analyze", str(path), "-o", str(out), "--set", "input.max_text_chars=500",
                                  "--period", "week"])
    assert result.exit_code == 0, result.output
    # --period without a date column was silently ignored.
    assert "note: --period week has no effect: no date column was found (name it with --date)" in result.output
    rejected = (out / "rejected.csv").read_text()
    assert "score is not a number" in rejected
    resolved = tomllib.loads((out / "config.toml").read_text())
    assert resolved["input"]["max_text_chars"] == 500
    assert resolved["columns"]["text"] == ["comment"]
    # The resolved configuration repeats the run.
    again = runner.invoke(main, ["analyze", str(path), "-o", str(out), "--config", str(out / "config.toml")])
    assert again.exit_code == 0, again.output


def test_cli_analyze_rows_without_a_department(runner, write_file, tmp_path):
    # A department column with blank cells: those rows are analysed, and their quotes name
    # no department (null in report.json, which is validated before it is written).
    rows = [f"{i},{text},{score},{'A' if i % 3 == 0 else ''}" for i, (text, score) in enumerate(
        [("The delivery was late again", 2), ("Lovely staff, very helpful", 10), ("Refund took weeks", 3)] * 10)]
    path = write_file("blank.csv", "id,comment,score,team\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    result = runner.invoke(main, ["analyze", str(path), "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    quotes = [q for theme in report["themes"] for q in theme["quotes"]]
    assert quotes and {q["department"] for q in quotes} <= {"A", None} and None in {q["department"] for q in quotes}


def test_cli_analyze_refuses_foreign_folder(runner, write_file, tmp_path):
    path = write_file("s.csv", CSV)
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.docx").write_text("do not delete")
    result = runner.invoke(main, ["analyze", str(path), "-o", str(out)])
    assert result.exit_code == 2
    assert "E301" in result.output and "--force" in result.output
    assert (out / "thesis.docx").exists()
    forced = runner.invoke(main, ["analyze", str(path), "-o", str(out), "--force"])
    assert forced.exit_code == 0
    assert not (out / "thesis.docx").exists()


def test_cli_unexpected_error_exits_1_without_traceback(runner):
    import click

    from verbatim.cli import VerbatimGroup

    @click.group(cls=VerbatimGroup)
    @click.option("--debug", is_flag=True)
    @click.pass_context
    def group(ctx, debug):
        ctx.meta["verbatim.debug"] = debug

    @group.command()
    def boom():
        raise RuntimeError("disk on fire\nsecond line")

    result = runner.invoke(group, ["boom"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: unexpected RuntimeError: disk on fire (run with --debug for the traceback)"
    )
    debug = runner.invoke(group, ["--debug", "boom"])
    assert isinstance(debug.exception, RuntimeError)


def test_cli_debug_shows_the_traceback_of_a_user_error_and_keeps_its_exit_code(runner):
    """--debug turned a coded error (exit 2) into an uncaught exception (exit 1)."""
    result = runner.invoke(main, ["--debug", "validate", "missing.csv"])
    assert result.exit_code == 2
    assert "error: E101 missing.csv: file not found" in result.output and "Traceback" in result.output


def test_cli_debug_after_the_subcommand(runner):
    """--debug was an unknown option after the subcommand, where a user adds it to the
    command line that failed."""
    result = runner.invoke(main, ["validate", "missing.csv", "--debug"])
    assert result.exit_code == 2
    assert "error: E101 missing.csv: file not found" in result.output and "Traceback" in result.output
    assert "Traceback" not in runner.invoke(main, ["validate", "missing.csv"]).output


def test_cli_output_path_that_is_a_file(runner, write_file, tmp_path):
    path = write_file("s.csv", CSV)
    out = tmp_path / "out"
    out.write_text("a file where the folder should go")
    result = runner.invoke(main, ["analyze", str(path), "-o", str(out)])
    assert result.exit_code == 2
    assert "is a file" in result.output


def _entry_point() -> str:
    exe = Path(sys.executable).with_name("verbatim")
    return str(exe) if exe.exists() else shutil.which("verbatim")


def test_cli_entry_point_subprocess(write_file):
    path = write_file("s.csv", CSV)
    env = dict(os.environ)
    ok = subprocess.run([_entry_point(), "validate", str(path)], capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "rows read   3" in ok.stdout
    bad = subprocess.run([_entry_point(), "validate", str(path) + ".missing"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "E101" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_cli_run_exits_fast_but_runs_exit_handlers_and_flushes(write_file):
    """The console command skips the interpreter's teardown (os._exit), not what must happen
    at exit: handlers registered with atexit run, buffered output is written, the status is
    the command's."""
    path = write_file("s.csv", CSV)
    code = (
        "import atexit, sys; from verbatim.cli import run\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "run(sys.argv[1:])\n"
        "print('never reached')\n"
    )
    ok = subprocess.run([sys.executable, "-c", code, "validate", str(path)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "rows read   3" in ok.stdout and ok.stdout.rstrip().endswith("handler ran")
    assert "never reached" not in ok.stdout
    bad = subprocess.run([sys.executable, "-c", code, "validate", str(path) + ".missing"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "E101" in bad.stderr and "handler ran" in bad.stdout


def test_cli_validate_does_not_import_models(write_file):
    path = write_file("s.csv", CSV)
    code = (
        "import sys; from verbatim.cli import main\n"
        "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'bertopic', 'sentence_transformers', 'spacy', 'umap') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize("backend", ["minilm", "static"])
def test_cli_quiet_prints_nothing_on_stderr(write_file, tmp_path, backend):
    """--quiet: the summary on stdout and nothing else; model loading bars ("Loading weights"),
    model2vec's normalisation warning and the embedding bars used to come through, and so did
    the first run's build of the static model (a fresh clone's: a models folder of its own here)."""
    rows = [("The delivery was late again", 2), ("Lovely staff, very helpful", 10), ("Refund took weeks", 3)] * 4
    path = write_file("q.csv", "comment,score\n" + "".join(f"{t},{s}\n" for t, s in rows))
    env = {**os.environ, "VERBATIM_MODELS_DIR": str(tmp_path / "models")}
    run = subprocess.run([_entry_point(), "analyze", str(path), "-o", str(tmp_path / "out"), "--quiet",
                          "--set", f"embed.backend={backend}", "--set", f"embed.cache_dir={tmp_path / 'cache'}"],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and "wrote " in run.stdout
    assert "show_progress = true" in (tmp_path / "out" / "config.toml").read_text()  # the outputs are not changed


def test_cli_columns_of_the_config_file_and_set_are_not_undone_by_absent_flags(runner, write_file, tmp_path):
    """`[columns] text = [...]` in --config (or --set columns.text=...) was overridden by the
    --text flag that was not given (an empty list), and the comment column was detected
    instead; the same held for --keep."""
    path = write_file("s.csv", "Note,Feedback,score,Region\nx,great staff,9,North\ny,slow delivery,3,South\n")
    config = write_file("c.toml", '[columns]\ntext = ["Note"]\nkeep = ["Region"]\n')
    shown = runner.invoke(main, ["validate", str(path), "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "text        <- 'Note'\n" in shown.output and "kept        <- 'Region'" in shown.output
    shown = runner.invoke(main, ["validate", str(path), "--set", "columns.text=Note", "--set", "columns.keep=Region"])
    assert "text        <- 'Note'\n" in shown.output and "kept        <- 'Region'" in shown.output
    # A flag still wins over the file.
    shown = runner.invoke(main, ["validate", str(path), "--config", str(config), "--text", "Feedback"])
    assert "text        <- 'Feedback'\n" in shown.output
    # An empty --set clears the file's value (it was dropped: the file's column stood).
    wrong = write_file("w.toml", '[columns]\nscore = "Nope"\n')
    assert runner.invoke(main, ["validate", str(path), "--config", str(wrong)]).exit_code == 2
    shown = runner.invoke(main, ["validate", str(path), "--config", str(wrong), "--set", 'columns.score=""'])
    assert shown.exit_code == 0 and "score       <- 'score' (detected)" in shown.output, shown.output


def test_cli_findings_follow_the_ranking_the_reports_lead_with():
    """The terminal listed the impact ranking under a drivers run (whose reports led with
    another) and always said "in top 2", though with top_k = 3 the figure is P(in top 3)."""
    import copy
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from report_fixture import make_report

    from verbatim.cli import format_findings

    report = make_report()
    report["run"]["config"]["impact"]["top_k"] = 3
    for ranking in [report["overall"]] + [d["ranking"] for d in report["departments"]]:
        ranking["method"] = "drivers"
        ranking["driver_improvement_areas"] = [
            {**copy.deepcopy(a), "rank_stability": None} for a in reversed(ranking["improvement_areas"])]
    text = format_findings(report)
    first = report["overall"]["driver_improvement_areas"][0]
    assert "top improvement areas (key drivers):" in text
    assert f"  1. {first['label']}: {first['impact']:+.1f} NPS points" in text and "resamples" not in text
    report["overall"]["method"] = "impact"
    assert "in top 3 in 97% of resamples" in format_findings(report)
