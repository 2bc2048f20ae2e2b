"""The ``verbatim`` command line: parse options, call the library, print, map errors.

Only click and the error classes are imported at module level: ``verbatim --help`` must
answer in well under half a second, and ``validate`` must never import torch or bertopic.
Errors caused by the user print one line and exit 2; anything unexpected exits 1 with a
short message (``--debug`` shows the traceback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .errors import VerbatimError

DEFAULT_DEMO_OUTPUT = "verbatim-demo"


def usage_line(exc: click.UsageError) -> str:
    """Click's usage error on one line, coded like verbatim's own errors (Click prints the
    usage, a hint and the error on three lines), with the help to read."""
    where = exc.ctx.command_path if exc.ctx is not None else "verbatim"
    message = " ".join(exc.format_message().split()).rstrip(".")
    return f"error: E001 {message} (see '{where} --help')"


class VerbatimGroup(click.Group):
    """A click group that turns exceptions into one-line messages and exit codes."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:  # the group's own options ("verbatim --bogus analyze ...")
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            click.echo(usage_line(exc), err=True)
            sys.exit(exc.exit_code)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a subcommand's options, an unknown command
            click.echo(usage_line(exc), err=True)
            sys.exit(exc.exit_code)
        except VerbatimError as exc:
            if ctx.meta.get("verbatim.debug"):  # the traceback, and the same exit code as without --debug
                import traceback

                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # the last line of defence: no traceback for users
            if ctx.meta.get("verbatim.debug"):
                raise
            message = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"error: unexpected {type(exc).__name__}: {message} (run with --debug for the traceback)",
                       err=True)
            sys.exit(1)


def _set_debug(ctx: click.Context, _param, value: bool) -> None:
    if value:
        ctx.meta["verbatim.debug"] = True  # meta is shared with the group, which reads it


def debug_option(func):
    """``--debug`` after the subcommand too (``verbatim analyze x.csv -o out --debug``), where
    a user adds it to the command line that failed; the same as before the subcommand."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
                        help="Show full tracebacks on errors.")(func)


def input_options(func):
    """Options shared by every command that reads a survey export."""
    options = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML file overriding the defaults (see configs/default.toml)."),
        click.option("--text", "text_columns", multiple=True, help="Comment column; repeat to join several (e.g. title and body)."),
        click.option("--score", help="Score column (0-10 for NPS)."),
        click.option("--department", help="Department column."),
        click.option("--date", help="Date column."),
        click.option("--id", "id_column", help="Response id column."),
        click.option("--weight", help="Value weight column (e.g. revenue) for value-weighted NPS."),
        click.option("--group", help="NPS group column (promoter/passive/detractor), for an export without scores."),
        click.option("--keep", "keep_columns", multiple=True, help="Column copied as it is into assignments.csv and rejected.csv (e.g. a customer id); repeat for several."),
        click.option("--scale", type=click.Choice(["nps", "5", "custom"]), help="Score scale: nps (0-10), 5 (1-5 stars) or custom (from the config)."),
        click.option("--sheet", help="XLSX sheet name (default: the first visible sheet)."),
        click.option("--set", "assignments", multiple=True, metavar="SECTION.KEY=VALUE", help="Override any configuration value, e.g. --set impact.n_bootstrap=200."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_config(config_path=None, text_columns=(), score=None, department=None, date=None, id_column=None,
                 weight=None, scale=None, sheet=None, assignments=(), extra=None, group=None, keep_columns=()):
    """Layer the CLI flags over the configuration file and the environment."""
    from .config import load_config, parse_assignment

    overrides: dict[str, dict] = {}

    def put(section, key, value):
        if value not in (None, (), "", []):  # an unused repeatable flag leaves --set and the file alone
            overrides.setdefault(section, {})[key] = value

    for assignment in assignments:
        for section, values in parse_assignment(assignment).items():
            for key, value in values.items():
                # Set as written, empty too: --set 'columns.score=""' clears a config file's value
                # (dropped, it could not, and the environment's VERBATIM__COLUMNS__SCORE= could).
                overrides.setdefault(section, {})[key] = value
    put("columns", "text", list(text_columns))
    put("columns", "keep", list(keep_columns))
    for key, value in (("score", score), ("department", department), ("date", date), ("id", id_column),
                       ("weight", weight), ("group", group)):
        put("columns", key, value)
    put("input", "scale", scale)
    put("input", "sheet", sheet)
    for (section, key), value in (extra or {}).items():
        put(section, key, value)
    return load_config(config_path, overrides=overrides)


@click.group(cls=VerbatimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="verbatim")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """verbatim: turn open-text NPS comments into themes ranked by their effect on NPS.

    \b
    Examples:
      verbatim validate survey.csv
      verbatim analyze survey.csv -o out/
      verbatim demo
    """
    ctx.meta["verbatim.debug"] = debug or ctx.meta.get("verbatim.debug", False)


@main.command()
@debug_option
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=True))
@input_options
def validate(input_path, **options):
    """Check a survey export without analysing it: rows read, usable, rejected and why.

    Prints the columns picked, rejections by reason, the score distribution, NPS and the
    departments found. Loads no model.

    \b
    Example:
      verbatim validate survey.xlsx --text "Review Text" --score Rating --scale 5
    """
    from .ingest import load_responses
    from .validation import format_summary, summarize

    config = build_config(**options)
    result = load_responses(input_path, config)
    click.echo(format_summary(summarize(result, config.trend.period)))


def analysis_options(func):
    """Options of the commands that run the analysis and write reports."""
    options = [
        click.option("-o", "--output", "output_dir", required=True, type=click.Path(file_okay=False), help="Output folder."),
        click.option("--force", is_flag=True, help="Replace an output folder that verbatim did not write."),
        click.option("--format", "formats", multiple=True, type=click.Choice(["md", "html", "json", "csv"]),
                     help="Output format(s); repeat for several. Default: all."),
        click.option("--no-redact", is_flag=True, help="Keep e-mails, phones, card numbers and names in the outputs."),
        click.option("--departments", "routing_file", type=click.Path(dir_okay=False),
                     help="TOML of departments (description, example phrases) to route themes to owners."),
        click.option("--quiet", is_flag=True, help="Print only the summary, no progress."),
        click.option("--period", type=click.Choice(["week", "month", "quarter"]),
                     help="Period of the trend over time (needs a date column). Default: month."),
        click.option("--embedder", type=click.Choice(["minilm", "static", "onnx", "onnx-fp32"]),
                     help="Embedding backend: minilm (default), static (fast mode: model2vec table distilled "
                          "locally from MiniLM, built once; its vectors calibrated on 1,000 of the run's texts "
                          "encoded by MiniLM), onnx (int8 MiniLM) or onnx-fp32 (MiniLM on onnxruntime: the same "
                          "vectors to 1e-6). Same as --set embed.backend=..."),
        click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
                     help="Run on this machine, or on Apache Spark (needs the spark extra and Java 17+)."),
        click.option("--master", metavar="URL",
                     help="Spark master URL with --engine spark (e.g. local[4], yarn). Default: the one "
                          "spark-submit was given, else local[*]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@debug_option
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=True))
@analysis_options
@click.option("--model", "model_dir", type=click.Path(file_okay=False, exists=True),
              help="Theme model of an earlier run (RUN/model): keep its themes (same ids and labels) and add new ones only for what they cannot place.")
@input_options
def analyze(input_path, output_dir, force, formats, no_redact, routing_file, quiet, period, embedder, engine, master,
            model_dir, **options):
    """Analyse a survey export and write the reports into OUTPUT.

    Writes report.json, summary.md, departments/<slug>.md, report.html, assignments.csv,
    rejected.csv, config.toml (the resolved configuration) and model/ (the theme model).
    With --engine spark, INPUT may also be a folder of part files, a Hadoop URI or a table
    name, and the assignments are also written as assignments.parquet.

    \b
    Examples:
      verbatim analyze survey.csv -o out/ --department Team
      verbatim analyze s3a://lake/nps/2026/ -o out/ --engine spark --master yarn
    """
    config = build_config(**options, extra=_analysis_overrides(no_redact, routing_file, period, embedder))
    run_analysis(input_path, output_dir, force, config, formats=formats, model_dir=model_dir, quiet=quiet,
                 engine=engine, master=master, period=period)


@main.command()
@debug_option
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=True))
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False, exists=True),
              help="Theme model of an earlier run (RUN/model).")
@analysis_options
@input_options
def assign(input_path, model_dir, output_dir, force, formats, no_redact, routing_file, quiet, period, embedder, engine,
           master, **options):
    """Put new responses on the themes of an earlier run, without refitting.

    Theme ids and labels are those of the saved model; a segment no theme can take stays
    "Other". The outputs are the same as those of analyze.

    \b
    Example:
      verbatim assign december.csv --model out/model -o out-december/
    """
    config = build_config(**options, extra=_analysis_overrides(no_redact, routing_file, period, embedder))
    run_analysis(input_path, output_dir, force, config, formats=formats, model_dir=model_dir, quiet=quiet,
                 extend_model=False, engine=engine, master=master, period=period)


def _analysis_overrides(no_redact: bool, routing_file: str | None, period: str | None = None,
                        embedder: str | None = None) -> dict:
    extra = {}
    if embedder:
        extra[("embed", "backend")] = embedder
    if period:
        extra[("trend", "period")] = period
    if no_redact:
        extra[("prepare", "redact")] = False
    if routing_file:
        extra[("routing", "file")] = routing_file
    return extra


def run_analysis(input_path, output_dir, force, config, *, formats=(), model_dir=None, quiet=False,
                 extend_model=True, engine="local", master=None, period=None) -> None:
    from .validation import format_summary

    def log(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    options = dict(force=force, model_dir=model_dir, extend_model=extend_model, log=log,
                   formats=tuple(formats) or ("md", "html", "json", "csv"))
    if master and engine != "spark":
        raise click.UsageError("--master needs --engine spark")
    from .progress import hidden_progress

    _skip_torch_probes(config)
    with hidden_progress(quiet):  # progress only: the config written with the outputs stays as given
        if engine == "spark":
            from .spark_engine import analyze_spark

            result = analyze_spark(input_path, output_dir, config, master=master, **options)
        else:
            from .pipeline import analyze as analyze_file

            result = analyze_file(input_path, output_dir, config, **options)
    click.echo(format_summary(result.summary))
    if period and not result.ingest.columns.date:  # it was silently ignored
        click.echo(f"note: --period {period} has no effect: no date column was found (name it with --date)")
    click.echo(format_findings(result.report))
    click.echo(f"wrote {result.output_dir}/")


def _skip_torch_probes(config) -> None:
    """spaCy and BERTopic load without torch (:mod:`verbatim.torch_probes`) when the run's
    spaCy pipelines are verbatim's packaged CNN one, which never uses it."""
    from . import torch_probes
    from .nlp import DEFAULT_SPACY_MODEL

    if {config.prepare.spacy_model, config.pii.spacy_model} == {DEFAULT_SPACY_MODEL}:
        torch_probes.install()


def format_findings(report: dict) -> str:
    """The headline of a run for the terminal: NPS and the top-k improvement areas of the
    ranking the reports lead with (impact, or key drivers with ``impact.method``)."""
    from .report import wording as w

    k, level = w.top_k(report), round(100 * w.ci_level(report))
    lines = []
    nps = report["nps"]
    if nps["nps"] is not None:
        lines.append(f"NPS {nps['nps']:+.1f} ({level}% CI {nps['ci_low']:+.1f} to {nps['ci_high']:+.1f})")
    drivers = report["overall"].get("method") == "drivers"
    lines.append("top improvement areas" + (" (key drivers):" if drivers else ":"))
    for i, area in enumerate(w.leading(report["overall"], "improvement")[:k], start=1):
        text = f"  {i}. {w.theme_name(area['label'], area.get('side'))}: {area['impact']:+.1f} NPS points"
        if area.get("ci_low") is not None and area.get("ci_high") is not None:
            text += f" ({level}% CI {area['ci_low']:+.1f} to {area['ci_high']:+.1f})"
        if area.get("rank_stability") is not None:
            text += f", in top {k} in {100 * area['rank_stability']:.0f}% of resamples"
        lines.append(text)
    for dept in report["departments"]:
        top = w.leading(dept["ranking"], "improvement")[:k]
        lines.append(f"  {dept['name']}: " + (", ".join(w.theme_name(a["label"], a.get("side")) for a in top)
                                              or "no ranked issue"))
    return "\n".join(lines)


@main.command()
@debug_option
@click.argument("run_a", type=click.Path(exists=True))
@click.argument("run_b", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare(run_a, run_b, as_json):
    """Show what changed between two runs: NPS, top-2, themes that rose, fell or appeared.

    RUN_A and RUN_B are output folders of analyze (or their report.json). Themes match by
    id when RUN_B was analysed with --model RUN_A/model, else by label.

    \b
    Example:
      verbatim compare out-october/ out-november/
    """
    import json

    from .compare import compare_runs, format_comparison

    result = compare_runs(run_a, run_b)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if as_json else format_comparison(result))


def bundled_sample() -> Path:
    """The sample survey shipped in the repository's data/samples folder."""
    from .errors import InputError

    path = Path(__file__).resolve().parents[2] / "data" / "samples" / "nps_survey.csv"
    if not path.exists():
        raise InputError("E101", "the bundled sample is missing; run verbatim demo from a clone of the repository", file=path)
    try:  # reports name the input; a path relative to where the user stands reads better
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@main.command()
@debug_option
@click.option("-o", "--output", "output_dir", default=DEFAULT_DEMO_OUTPUT, show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--force", is_flag=True, help="Replace an output folder that verbatim did not write.")
def demo(output_dir, force):
    """Analyse the bundled sample survey (data/samples/nps_survey.csv).

    \b
    Example:
      verbatim demo -o verbatim-demo
    """
    configs = bundled_sample().parents[2] / "configs"
    # The demo shows both helpers a retailer would set up: a department map to route themes
    # to owners and a retail taxonomy of known themes (guided themes).
    config = build_config(extra={("routing", "file"): str(configs / "departments.toml"),
                                 ("themes", "guided_path"): str(configs / "themes.toml")})
    run_analysis(bundled_sample(), output_dir, force, config)


def run(args: list[str] | None = None) -> None:
    """The ``verbatim`` console command: :func:`main`, then an exit without the interpreter's
    teardown.

    At the end of a run Python would free every object and module one at a time (spaCy's
    vocabulary, torch, BERTopic's imports, the run's tables): 1.7 s at 50,000 comments, after
    the last output was written. By then every output file is closed, so the exit handlers run
    (worker pools, temporary folders, logging), stdout and stderr are flushed, and the process
    ends there. ``python -m verbatim.cli`` keeps the ordinary exit, for profilers and
    debuggers that report after the program returns.
    """
    import atexit

    try:
        main(args=args, prog_name="verbatim")
        status = 0
    except SystemExit as exc:
        status = exc.code
    if status is None:
        status = 0
    elif not isinstance(status, int):  # sys.exit("message"): printed, status 1, as Python does
        print(status, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (verbatim ... | head): nothing more to say
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
