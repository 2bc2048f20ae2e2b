"""The analysis on Apache Spark: same stages, same results, work spread over executors.

:func:`analyze_spark` returns the :class:`verbatim.pipeline.AnalysisResult` that
:func:`verbatim.pipeline.analyze` returns and writes the same report files (it builds the
same :class:`verbatim.pipeline.Analysis` and hands it to
:func:`verbatim.report.write.build_and_write`), plus the per-segment assignments as Parquet.

Where each stage runs, and why:

- **ingest**: a local file up to ``driver_ingest_max_bytes`` is read and validated on the
  driver by :func:`verbatim.ingest.load_responses` itself, so encoding sniffing, every
  format, unreadable lines and rejection reasons are exactly the local engine's. Anything
  else (a table name, a folder of part files, a ``hdfs://`` / ``s3a://`` URI, a bigger
  file) is read by Spark as strings; the column roles are detected on the driver from the
  first :data:`DETECTION_ROWS` rows, and every partition is validated by
  :func:`verbatim.ingest.validate_rows` on the executors, partitioned by the id column so
  that the duplicate-id rule sees every row of an id.
- **prepare** (clean, redact, segment) + **sentiment**, then **embed** (each distinct
  segment text once, over the whole survey): executors, ``mapInPandas``, models loaded
  once per worker (:mod:`verbatim.spark_udfs`).
- **themes**: fitted on the driver. With at most ``themes.max_fit_segments`` segments
  the driver fits on all of them in the local engine's order, so themes and assignments
  equal the local engine's. Above that, on a seeded sample stratified by department; the
  fitted prototypes are broadcast and every segment is assigned on the executors.
- **mentions**: the per-response theme matrix is aggregated in Spark (segments ->
  response x theme bits, mixed-theme counts); the bootstrap and rankings
  (:func:`verbatim.impact.analyze_impact`) run on the driver on that matrix (1 bit per
  theme per response), so they are the local engine's to the last digit.

pyspark is imported inside functions: importing verbatim never needs Java.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import sys
import time
import warnings
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .config import Config
from .errors import ConfigError, InputError, VerbatimError
from .progress import progress_hidden

__all__ = ["analyze_spark", "assign_spark", "spark_session", "local_driver_memory", "ingest_spark", "embed_stage",
           "DRIVER_INGEST_MAX_BYTES", "DETECTION_ROWS"]

Log = Callable[[str], None]

#: Local files up to this size are ingested on the driver exactly as ``verbatim analyze`` does.
DRIVER_INGEST_MAX_BYTES = 256 * 2**20
#: Rows the driver reads to detect the column roles of an input Spark reads.
DETECTION_ROWS = 10_000
_FLAG_COLUMNS = ["response_id", "clean_text", "redacted_text", "non_answer", "language", "pii_counts",
                 "n_segments", "segments_dropped"]


def spark_session(master: str | None = None, app_name: str = "verbatim"):
    """A SparkSession set up for verbatim (UTC, Arrow, offline model loading on executors).

    ``master``: a Spark master URL. Without one, the master spark-submit was given is
    used, and ``local[*]`` (every core of this machine) outside spark-submit.

    In local mode the Python workers run this interpreter (its venv holds the models);
    on a cluster ``spark.pyspark.python`` / a packed venv decides (see docs/spark.md).
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise VerbatimError("E401", "the Spark engine needs pyspark: pip install 'verbatim[spark]'") from None
    if "PYSPARK_GATEWAY_PORT" not in os.environ and not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise VerbatimError("E401", "the Spark engine needs Java 17+ (java not on PATH and JAVA_HOME unset): "
                                    "sh scripts/ensure_java.sh installs it on Debian")

    # PySpark 4.0 warns that it does not fully support pandas 3 at each of its pandas entry
    # points, a dozen times a run; verbatim's Spark tests run on pandas 3 (see docs/spark.md).
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    builder = SparkSession.builder
    launched = "PYSPARK_GATEWAY_PORT" in os.environ  # by spark-submit, whose settings stand
    if master is None and not launched:
        master = "local[*]"
    if progress_hidden():  # --quiet: no stage bars, and a JVM this process starts logs errors only
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        if not launched:
            quiet_log = resources.files("verbatim") / "resources" / "log4j2-quiet.properties"
            builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{quiet_log}")
    if master is not None:
        builder = builder.master(master)
    memory = local_driver_memory(master)
    if memory:
        builder = builder.config("spark.driver.memory", memory)
    return (
        builder.appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.executorEnv.HF_HUB_OFFLINE", "1")
        .config("spark.executorEnv.TRANSFORMERS_OFFLINE", "1")
        # A survey is small for Spark: 200 shuffle partitions would be mostly empty tasks.
        .config("spark.sql.shuffle.partitions", "16")
        .getOrCreate()
    )


def local_driver_memory(master: str | None) -> str | None:
    """JVM heap for a local-mode session this process starts, or None to leave Spark's choice.

    In local mode the driver JVM is also the only executor: it holds every cached partition
    (the segments with their vectors) and Spark's default of 1 GiB runs out of heap at about
    50,000 comments. Unless ``SPARK_DRIVER_MEMORY`` says otherwise (Spark's own variable),
    a local session gets a quarter of this machine's memory, between 1 and 8 GiB. Under
    spark-submit or on a cluster the deployment's settings apply unchanged.
    """
    if not master or not master.startswith("local") or "PYSPARK_GATEWAY_PORT" in os.environ:
        return None
    if os.environ.get("SPARK_DRIVER_MEMORY"):
        return os.environ["SPARK_DRIVER_MEMORY"]
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf: keep Spark's default
        return None
    return f"{min(8, max(1, total // 4 // 2**30))}g"


# ---------------------------------------------------------------------------- ingest


def _is_local_file(source) -> bool:
    return "://" not in str(source) and Path(source).is_file()


def _source_sha256(spark, source) -> str:
    """sha256 of the input: the file, the sorted part files of a folder, or a table's files."""
    from .pipeline import file_sha256

    if _is_local_file(source):
        return file_sha256(source)
    digest = hashlib.sha256()
    if "://" not in str(source) and Path(source).is_dir():
        for part in sorted(p for p in Path(source).rglob("*") if p.is_file() and not p.name.startswith((".", "_"))):
            digest.update(bytes.fromhex(file_sha256(part)))
    else:  # a table or a remote URI: its name and the files Spark reads for it
        digest.update(str(source).encode())
        for name in sorted(_read_raw(spark, source)[0].inputFiles()):
            digest.update(name.encode())
    return digest.hexdigest()


def _read_raw(spark, source):
    """(all-string Spark DataFrame, format, first row number, notes) of a table, folder or file."""
    from pyspark.sql import functions as F

    from .readers import header_names

    notes: list[str] = []
    text = str(source)
    is_path = "://" in text or Path(text).exists()
    if not is_path:
        # A path that is not there ("/data/nps.csv", "survey.csv") is no table name: the
        # catalog's parser failed on it with "unexpected ParseException" (exit 1).
        if "/" in text or "\\" in text or not _table_exists(spark, text):
            raise InputError("E101", "no such file or table", file=text)
        frame, fmt, first = spark.table(text), "parquet", 1
    else:
        files = [text] if not Path(text).is_dir() else [p.name for p in Path(text).iterdir()]
        if any(f.lower().endswith((".parquet", ".pq")) for f in files):
            frame, fmt, first = spark.read.parquet(text), "parquet", 1
        elif any(f.lower().endswith((".csv", ".tsv", ".tab", ".txt")) for f in files):
            # Tab-separated when the file, or every part file of the folder, says so (a folder's
            # own name, "exports/", said nothing: its .tsv parts were read comma-separated).
            sep = "\t" if _tab_separated(text) else ","
            # Records may span lines (quoted comments); the header is row 1, as in readers.py.
            frame = spark.read.csv(text, header=True, sep=sep, multiLine=True, escape='"', inferSchema=False)
            fmt, first = "csv", 2
            if len(frame.columns) == 1 and any(mark in frame.columns[0] for mark in ";|"):
                mark = ";" if ";" in frame.columns[0] else "|"
                raise InputError("E107", f"the columns seem separated by '{mark}': the Spark engine reads ',' "
                                         f"(or tab in .tsv files); save the files with commas, or analyse them "
                                         f"with the local engine, which finds the separator", file=text)
            # Column names as the local reader gives them: Spark names a blank one "_c3" and
            # duplicates "comment2", "Comment4" (regardless of case), so --text comment and the
            # names in report.json differed between the engines.
            cells = spark.read.csv(text, header=False, sep=sep, multiLine=True, escape='"').first()
            if cells is not None and len(cells) == len(frame.columns):
                names = header_names(["" if c is None else c for c in cells], notes)
                if not _is_local_file(text):  # no layout scan (see _csv_layout): Spark finds the rows of another width
                    frame = spark.read.csv(text, header=True, sep=sep, multiLine=True, escape='"', mode="PERMISSIVE",
                                           schema=_with_corrupt_column(len(names)), columnNameOfCorruptRecord=CORRUPT)
                    names = [*names, CORRUPT]
                frame = frame.toDF(*names)
        else:
            raise InputError("E104", "Spark reads CSV/TSV or Parquet files, folders of them, or tables", file=text)
    return frame.select([F.col(f"`{c}`").cast("string").alias(c) for c in frame.columns]), fmt, first, notes


#: The column where Spark's permissive CSV parser keeps a record of another width than the
#: header's, as read: a row with too many fields, whose extra fields it would drop unsaid.
CORRUPT = "__corrupt_record"


def _with_corrupt_column(width: int):
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(f"c{i}", StringType()) for i in range(width)] + [StructField(CORRUPT, StringType())])


def _too_wide_records(raw, width: int, sep: str) -> list[dict]:
    """The unreadable entries (:func:`verbatim.readers.too_wide_entry`, as the local reader rejects
    them) of the records of ``raw`` (numbered, with :data:`CORRUPT`) with more non-blank fields
    than the header's ``width``; a record with fewer fields is read as the local reader reads it."""
    import csv
    import io

    from pyspark.sql import functions as F

    from .readers import too_wide_entry

    found = []
    for row in raw.where(F.col(CORRUPT).isNotNull()).select("__row", CORRUPT).collect():
        record = next(csv.reader(io.StringIO(row[CORRUPT]), delimiter=sep), [])
        wide = too_wide_entry(int(row["__row"]), record, width, sep)
        if wide:
            found.append(wide)
    return found


_FILE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".parquet", ".pq", ".json", ".jsonl", ".xlsx")


def _tab_separated(source) -> bool:
    """A .tsv/.tab file, or a folder whose part files are all such."""
    text = str(source)
    if "://" in text or not Path(text).is_dir():
        return text.lower().endswith((".tsv", ".tab"))
    tabbed = [p.name.lower().endswith((".tsv", ".tab")) for p in Path(text).iterdir()
              if p.name.lower().endswith(_FILE_SUFFIXES)]
    return bool(tabbed) and all(tabbed)


def _table_exists(spark, name: str) -> bool:
    try:
        return bool(spark.catalog.tableExists(name))
    except Exception:  # not a valid table name either (pyspark's ParseException)
        return False


def _numbered_by_file(spark, raw, first: int):
    """``(raw with __row, __file_row and __file, [(file, first row, rows)])`` of a folder or URI
    whose rows Spark reads from several files: each file's records in their order, the files
    one after another in name order, numbered from ``first`` (the header of each not
    counted), as the local engine numbers the files joined in that order. Spark packs the
    largest files first, so numbering records in the order it read them put part-00001
    before part-00000: another row of a shared id kept, other row numbers, another NPS.

    Spark reads a file's splits in their order, so in its reading order (``zipWithIndex``)
    each file is a few runs of consecutive records: one pass collects the runs (file, first
    index, length), and each record's numbers follow from its run, with no shuffle."""
    import bisect
    from urllib.parse import unquote

    from pyspark.sql import functions as F

    tagged = raw.withColumn("__file", F.input_file_name())
    width = len(tagged.columns)

    def runs(records):
        run = None
        for row, index in records:
            if run is not None and run[0] == row[width - 1] and run[1] + run[2] == index:
                run[2] += 1
                continue
            if run is not None:
                yield tuple(run)
            run = [row[width - 1], index, 1]
        if run is not None:
            yield tuple(run)

    indexed = tagged.rdd.zipWithIndex()
    by_file: dict[str, list[tuple[int, int]]] = {}
    for name, start, n in indexed.mapPartitions(runs).collect():
        by_file.setdefault(name, []).append((start, n))
    files, run_numbers, row = [], {}, first
    for name in sorted(by_file, key=unquote):
        begin, within = row, 1
        for start, n in sorted(by_file[name]):
            run_numbers[start] = (row, within)
            row, within = row + n, within + n
        files.append((unquote(name), begin, row - begin))
    starts = sorted(run_numbers)  # in reading order, where bisect finds a record's run
    numbers = [run_numbers[start] for start in starts]

    def number(pair):
        values, index = pair
        k = bisect.bisect_right(starts, index) - 1
        at, within = numbers[k]
        return (*values, at + index - starts[k], within + index - starts[k])

    schema = tagged.schema.add("__row", "long").add("__file_row", "long")
    return spark.createDataFrame(indexed.map(number), schema), files


def _without_description_rows(raw, described: pd.DataFrame, header: list[str], said: str):
    """``(raw, note)`` without the rows at the top of each file (:func:`_numbered_by_file`)
    that repeat ``described``, the first file's survey-tool description rows, and the note
    ``said`` telling which files hold them; a file without them (a re-export, a split made by
    a script) keeps its first rows as answers."""
    from urllib.parse import unquote

    from pyspark.sql import functions as F

    n = len(described)
    heads = raw.where(F.col("__file_row") <= n).select("__file", "__file_row", *(F.col(f"`{c}`") for c in header))
    heads = heads.toPandas().sort_values(["__file", "__file_row"], kind="stable")
    expected = described[header].astype(str).to_numpy().tolist()
    holding, lacking = [], []
    for name, rows in heads.groupby("__file", sort=True):
        cells = rows[header].astype(object).fillna("").astype(str).to_numpy().tolist()
        (holding if cells == expected else lacking).append(name)
    raw = raw.where(~(F.col("__file").isin(holding) & (F.col("__file_row") <= n)))
    if len(holding) > 1:
        said += f"; so do the same rows of {len(holding) - 1} other file(s)"
    if lacking:
        names = ", ".join(unquote(name).rstrip("/").rsplit("/", 1)[-1] for name in lacking[:3])
        said += f"; {len(lacking)} file(s) do not ({names}{', ...' if len(lacking) > 3 else ''}): their first rows are answers"
    return raw, said


def _files_note(files: list[tuple[str, int, int]]) -> str:
    """Where each file's rows are in the run's row numbers (rejected.csv, assignments.csv)."""
    def span(name: str, begin: int, n: int) -> str:
        return f"{name.rstrip('/').rsplit('/', 1)[-1]} rows {begin}-{begin + n - 1}" if n else ""

    shown = [span(*f) for f in files[:5] if f[2]]
    more = f" and {len(files) - 5} more files" if len(files) > 5 else ""
    return (f"rows of the {len(files)} files are numbered as if the files were one, in name order, each header "
            f"not counted: {', '.join(shown)}{more}")


def _csv_layout(source):
    """:func:`verbatim.readers.csv_layout` of a local CSV file Spark reads (None for a folder,
    a table or a remote file: their blank lines stay skipped). Spark's CSV reader skips blank
    lines, where :func:`verbatim.ingest.load_responses` counts each as a row (an empty row,
    rejected) and ignores empty rows at the end; without the layout the rows after a blank
    line would carry other numbers than the local engine gives them."""
    from .readers import csv_layout

    if not _is_local_file(source):
        return None
    layout = csv_layout(source, "\t" if str(source).lower().endswith((".tsv", ".tab")) else ",")
    if layout.cells_before_header:
        raise ConfigError("E203", f"row {layout.header_row} holds the column names, but Spark reads them from the first "
                                  "row of a CSV too large for the driver; remove the rows above them", file=str(source))
    return layout


def _blank_line_shifts(layout) -> list[int]:
    """For :func:`_row_number`: each blank line's row minus the blank lines before it."""
    return [row - i for i, row in enumerate(layout.blank_lines)] if layout is not None else []


def _row_number(index: int, *, first: int, shifts: list[int]) -> int:
    """The row number of Spark's ``index``-th record (0-based) whose rows start at ``first``,
    when the blank lines of ``shifts`` (:func:`_blank_line_shifts`) were skipped."""
    import bisect

    row = index + first
    return row + bisect.bisect_right(shifts, row)


def _merge_notes(notes: list[str]) -> list[str]:
    """Add up partition notes of the form '<count> <what>' (validate_rows writes those);
    a note without a count (the date order) is said once."""
    counts: Counter = Counter()
    for note in notes:
        count, _, what = note.partition(" ")
        if count.isdigit():
            counts[what] += int(count)
        else:
            counts.setdefault(note, None)
    return [note if n is None else f"{n} {note}" for note, n in counts.items()]


def _date_order(raw, column: str | None, settings):
    """How to read the whole date column's all-number dates, decided over every row as the
    local engine does (:func:`verbatim.ingest.numeric_date_order`), so no partition reads
    05/01 otherwise: a :class:`verbatim.ingest.DateOrder`, None without a date column or with
    a date_format."""
    from pyspark.sql import functions as F

    from .ingest import DOTTED_DATE, NUMERIC_DATE, order_from_fields

    if not column or settings.date_format:
        return None
    value = F.trim(F.col(f"`{column}`"))
    field = [F.regexp_extract(value, NUMERIC_DATE, i).try_cast("int") for i in (1, 2)]  # '' (no match): null
    numeric = field[0].isNotNull() & field[1].isNotNull()
    over = raw.agg(*(F.max(F.when(f > 12, 1).otherwise(0)).alias(f"over{i}") for i, f in enumerate(field)),
                   F.sum(F.when(numeric, 1).otherwise(0)).alias("numeric"),
                   F.sum(F.when(numeric & value.rlike(DOTTED_DATE), 1).otherwise(0)).alias("dotted")).first()
    return order_from_fields(bool(over["over0"]), bool(over["over1"]), 2 * (over["dotted"] or 0) > (over["numeric"] or 0),
                             settings.dayfirst)


def _department_spellings(raw, column: str | None) -> dict[str, str]:
    """Department names read as another spelling, decided over every row as the local engine
    does (:func:`verbatim.ingest.department_spellings`), so every partition reads them alike."""
    from pyspark.sql import functions as F

    from .ingest import department_spellings

    if not column:
        return {}
    name = F.regexp_replace(F.regexp_replace(F.coalesce(F.col(f"`{column}`"), F.lit("")), r"(?U)^\s+|\s+$", ""),
                            r"(?U)\s+", " ")
    rows = raw.groupBy(name.alias("name")).count().collect()
    return department_spellings({r["name"]: int(r["count"]) for r in rows})


def _cut_widths(raw, text_columns) -> dict[str, int]:
    """The width at which the export cut each comment column, decided over every row as the
    local engine does (:func:`verbatim.cuts.cut_length` of the column's
    :func:`verbatim.cuts.length_table`, aggregated here), so every partition marks the same."""
    from pyspark.sql import functions as F

    from .cuts import OPEN_END, cut_length

    widths = {}
    for column in text_columns:
        text = F.regexp_replace(F.coalesce(F.col(f"`{column}`"), F.lit("")), r"(?U)^\s+|\s+$", "")
        distinct = raw.select(text.alias("t")).where(F.col("t") != "").distinct()
        rows = distinct.groupBy(F.length("t").alias("n")).agg(
            F.count(F.lit(1)).alias("size"), F.sum(F.col("t").rlike("(?U)" + OPEN_END).cast("int")).alias("open")).collect()
        width = cut_length({int(r["n"]): (int(r["size"]), int(r["open"])) for r in rows})
        if width is not None:
            widths[column] = width
    return widths


def ingest_spark(spark, source, config: Config, *, driver_max_bytes: int = DRIVER_INGEST_MAX_BYTES):
    """``(IngestResult, responses Spark DataFrame)``; see the module docstring for where it runs.

    The Spark DataFrame has ``row``, ``response_id``, ``text``, ``department``; the
    IngestResult holds the full responses and rejected tables on the driver.
    """
    from pyspark.sql import functions as F

    from .ingest import (IngestResult, detect_columns, export_header, kept_cells, load_responses, scale_from_settings,
                         scale_notes, unreadable_rejections, emptied_departments)
    from .spark_udfs import INGEST_SCHEMA, validate_partition

    keep = ["row", "response_id", "text", "department"]
    if _is_local_file(source) and Path(source).stat().st_size <= driver_max_bytes:
        ingest = load_responses(source, config)
        return ingest, spark.createDataFrame(ingest.responses[keep].astype({"department": object}))
    raw, fmt, first, header_notes = _read_raw(spark, source)
    is_table = "://" not in str(source) and not Path(source).exists()
    if fmt == "csv" and config.input.header_row > 1:
        raise ConfigError("E203", "input.header_row: Spark reads the column names from the first row of a CSV too "
                                  "large for the driver; remove the rows above them", file=str(source))
    layout = _csv_layout(source) if fmt == "csv" else None
    if layout is not None:
        first = layout.header_row + 1
    header = [c for c in raw.columns if c != CORRUPT]
    files = None
    if fmt == "parquet" and not is_table or fmt == "csv" and not _is_local_file(source):  # a folder or a URI
        raw, files = _numbered_by_file(spark, raw, first)
    else:
        number = functools.partial(_row_number, first=first, shifts=_blank_line_shifts(layout))
        indexed = raw.rdd.zipWithIndex().map(lambda pair: (*pair[0], number(pair[1])))
        raw = spark.createDataFrame(indexed, raw.schema.add("__row", "long"))
    wide_rows = list(layout.too_wide) if layout is not None else []
    if CORRUPT in raw.columns:
        wide_rows = _too_wide_records(raw, len(header), "\t" if _tab_separated(source) else ",")
        raw = raw.drop(CORRUPT)
    if layout is not None:  # as read_table: no empty row at the end
        raw = raw.where(F.col("__row") <= layout.last_filled)
    if wide_rows:  # as read_table: no row with too many fields
        raw = raw.where(~F.col("__row").isin([wide["row"] for wide in wide_rows]))
    limited = raw.orderBy("__row").limit(DETECTION_ROWS).toPandas()
    sample = limited[header].astype(object).fillna("")
    filled = sample.map(lambda value: bool(str(value).strip())).any(axis=1)
    sample, sample_rows = sample[filled].reset_index(drop=True), limited.loc[filled, "__row"].tolist()
    export = export_header(sample)  # a survey tool's rows describing its columns: dropped as load_responses does
    described = list(header_notes)
    if export:
        said = export.note(sample_rows)
        if files is not None and len(files) > 1:  # the other files of a folder of exports: each its own
            raw, said = _without_description_rows(raw, sample.iloc[: export.rows], header, said)
        else:
            raw = raw.where(~F.col("__row").isin(sample_rows[: export.rows]))
        described.append(said)
        sample = sample.iloc[export.rows:].reset_index(drop=True)
    if files is not None:
        raw = raw.drop("__file_row", "__file")
        if len(files) > 1:
            described.insert(0, _files_note(files))
    columns = detect_columns(sample, config.columns, file=str(source),
                             descriptions=export.descriptions if export else None, read=config.input)
    if layout is not None and layout.blank_lines:  # rows Spark skipped, rejected as read_table's are
        raw = raw.unionByName(spark.createDataFrame([(*[None] * len(header), row) for row in layout.blank_lines],
                                                    raw.schema))
    if columns.id:  # every row of an id in one partition, so the first one wins as locally
        # The id as validate_rows reads it: stripped, and "row-<row>" where blank, so " A1" meets
        # "A1", and a row without an id meets the row whose own id is its generated one.
        given = F.regexp_replace(F.col(f"`{columns.id}`"), r"(?U)^\s+|\s+$", "")
        effective = F.when(F.coalesce(given, F.lit("")) == "", F.concat(F.lit("row-"), F.col("__row").cast("string")))
        raw = raw.repartition(spark.sparkContext.defaultParallelism * 2, effective.otherwise(given))
    scale = scale_from_settings(config.input)
    validate = functools.partial(validate_partition, columns=columns, settings=config.input, scale=scale,
                                 date_order=_date_order(raw, columns.date, config.input),
                                 cut_widths=_cut_widths(raw, columns.text),
                                 spellings=_department_spellings(raw, columns.department), names=raw.columns)
    # Positional names into the UDF: pyspark's mapInPandas reads "comment.2" (a duplicate
    # column as readers.header_names names it) as the field "2" of a column "comment".
    plain = raw.toDF(*(f"c{i}" for i in range(len(raw.columns))))
    checked = plain.mapInPandas(validate, INGEST_SCHEMA).persist()
    table = checked.toPandas()
    checked.unpersist()
    notes = described + list(columns.notes) + _merge_notes(table.loc[table["row"] < 0, "rejected_value"].tolist())
    if layout is not None and layout.trailing:
        notes.insert(0, f"ignored {layout.trailing} empty row(s) at the end of the file")
    table = table[table["row"] >= 0].sort_values("row", kind="stable").reset_index(drop=True)
    ok = table["reason"].isna()
    accepted = table[ok]
    # Built like validate_rows builds it (object arrays, None for missing), so dtypes match.
    responses = pd.DataFrame({
        "row": accepted["row"].to_numpy("int64"), "response_id": accepted["response_id"].to_numpy(object),
        "text": accepted["text"].to_numpy(object), "score": accepted["score"].to_numpy(float),
        **{c: np.where(accepted[c].isna(), None, accepted[c].to_numpy(object)) for c in ("nps_group", "department")},
        "submitted_at": accepted["submitted_at"].to_numpy("datetime64[ns]"), "weight": accepted["weight"].to_numpy(float),
    })
    rejected = table.loc[~ok, ["row", "response_id", "rejected_column", "rejected_value", "reason"]]
    rejected = rejected.rename(columns={"rejected_column": "column", "rejected_value": "value"})
    emptied = emptied_departments(table.loc[~ok, "department"], responses["department"])
    rows_read = len(table)
    if wide_rows:
        rejected = pd.concat([unreadable_rejections(wide_rows, columns.id), rejected], ignore_index=True)
        rows_read += len(wide_rows)
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    if responses.empty:
        summary = "; ".join(f"{why}: {n}" for why, n in rejected["reason"].value_counts().head(3).items())
        raise InputError("E106", f"no usable row among {rows_read} ({summary})", file=str(source))
    notes += scale_notes(responses["score"], scale, columns.score) + emptied
    kept = None
    if columns.keep:  # the columns copied into assignments.csv and rejected.csv, as Spark read them
        cells = raw.select("__row", *(F.col(f"`{name}`") for name in columns.keep)).toPandas()
        cells = cells.sort_values("__row", kind="stable")
        kept = kept_cells(cells[list(columns.keep)], cells["__row"].tolist(), columns.keep)
    ingest = IngestResult(responses, rejected, columns, scale, str(source), fmt, rows_read, notes=tuple(notes),
                          kept=kept)
    return ingest, spark.createDataFrame(responses[keep].astype({"department": object}))


# ---------------------------------------------------------------------------- stages


def embed_stage(segments, settings, *, partitions: int, task_threads: int = 1):
    """Spark DataFrame ``text``, ``vector`` (array<float>, unit norm): each distinct text of
    ``segments.text`` embedded once, on the executors."""
    from .spark_udfs import EMBED_SCHEMA, embed_partition, executor_embed_settings

    embed = functools.partial(embed_partition, settings=executor_embed_settings(settings, task_threads))
    return segments.select("text").distinct().repartition(partitions).mapInPandas(embed, EMBED_SCHEMA)


def _stratified_sample(segments, size: int, seed: int):
    """Exactly ``size`` segments, departments in proportion: the rows the local engine's
    ``ThemeModel.fit`` samples (:func:`verbatim.themes.stratified_rows` over the segments in
    the local order), so that both engines fit on the same sample. The driver collects one
    (row, segment_index, department) triple per segment to draw it."""
    from pyspark.sql import functions as F

    from .themes import stratified_rows

    keys = _to_pandas_sorted(segments.select("row", "segment_index", "department"))
    picked = keys.iloc[stratified_rows(keys["department"].tolist(), size, seed)][["row", "segment_index"]]
    chosen = segments.sparkSession.createDataFrame(picked.astype("int64"))
    return segments.join(F.broadcast(chosen), ["row", "segment_index"])


def _to_pandas_sorted(frame) -> pd.DataFrame:
    return frame.toPandas().sort_values(["row", "segment_index"], kind="stable").reset_index(drop=True)


def _fit_or_load(spark, embedded, n_segments: int, config: Config, embedder, saved, log,
                 extend_model: bool = True, learnt: bool = False):
    """The theme model and the themed segments (Spark DataFrame, without vectors): the
    ``saved`` model (extended unless not ``extend_model``), else one fitted. ``learnt``:
    the segments' sentiment was learnt from the scores (see ``themes.sides``)."""
    from .spark_udfs import NOVELTY_SCHEMA
    from .themes import ThemeModel, theme_polarity, wants_sides

    settings = config.themes
    if saved is not None:
        model, fit = saved, None
        if extend_model:
            # As ThemeModel.extend does locally: what the saved themes cannot place (few
            # segments, collected in the local order) is clustered on the driver, then every
            # segment is assigned again with the extended model.
            rest = _to_pandas_sorted(_on_executors(spark, model, embedded, _novel_with_broadcast,
                                                   ["row", "segment_index", "text", "sentiment", "vector"], NOVELTY_SCHEMA))
            if log:
                log(f"  {len(rest)} segments outside the saved themes: looking for new themes among them")
            if len(rest):
                model.extend(rest["text"].tolist(), np.stack(rest["vector"].to_numpy()).astype(np.float32),
                             polarity=theme_polarity(rest, model._sided()))
    else:
        rows = embedded if n_segments <= settings.max_fit_segments else _stratified_sample(
            embedded, settings.max_fit_segments, settings.seed)
        fit = _to_pandas_sorted(rows.select("row", "segment_index", "text", "sentiment", "vector"))
        if log:
            log(f"  fitting themes on {len(fit)} of {n_segments} segments")
        X = np.stack(fit["vector"].to_numpy()).astype(np.float32)
        model = ThemeModel(settings, embedder=embedder).fit(fit["text"].tolist(), X,
                                                            polarity=theme_polarity(fit, wants_sides(settings, learnt)))
    if fit is not None and len(fit) == n_segments:
        # Every segment was in the fit, in the local engine's order: its labels are the
        # local engine's assignment (identical, not merely equivalent).
        labels = spark.createDataFrame(fit[["row", "segment_index"]].assign(theme_id=model.labels_.astype("int64")))
        return model, embedded.drop("vector").join(labels, ["row", "segment_index"])
    return model, _assign_on_executors(spark, model, embedded)


def _assign_on_executors(spark, model, embedded):
    """Every segment's theme id, computed on the executors with a broadcast copy of the model."""
    from .spark_udfs import ASSIGN_SCHEMA

    columns = ["row", "response_id", "segment_index", "text", "sentiment", "compound", "vector"]
    return _on_executors(spark, model, embedded, _assign_with_broadcast, columns, ASSIGN_SCHEMA)


def _on_executors(spark, model, embedded, function, columns, schema):
    """``embedded[columns]`` through ``function(batches, broadcast)`` with a broadcast copy of model."""
    from .spark_udfs import assignable_model

    broadcast = spark.sparkContext.broadcast(assignable_model(model))
    return embedded.select(columns).mapInPandas(functools.partial(function, broadcast=broadcast), schema)


def _assign_with_broadcast(batches, broadcast):
    from .spark_udfs import assign_partition

    return assign_partition(batches, broadcast.value)


def _novel_with_broadcast(batches, broadcast):
    from .spark_udfs import novelty_partition

    return novelty_partition(batches, broadcast.value)


def _learn_polarity(spark, embedded, responses: pd.DataFrame, settings):
    """:func:`verbatim.polarity.learn_polarity` on Spark: ``(segments, Probe)``, the segments
    with the learnt sentiment (``embedded`` itself when the probe fails its gate).

    The executors sum the per-fold statistics of their partitions; the driver solves the
    small per-fold systems, the executors score every segment with its fold's probe, and
    the driver gates on the per-response means (one number per response is collected).
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from .polarity import Probe, gate_reason, group_sign, fold_of, probe_gate, solve_all, solve_folds
    from .spark_udfs import (POLARITY_SCORE_SCHEMA, POLARITY_STATS_SCHEMA, polarity_score_partition,
                             polarity_statistics_partition, read_polarity_statistics)

    folds = settings.learn_folds
    ids = responses["response_id"].astype(str).drop_duplicates(keep="last")
    group = responses.drop_duplicates("response_id", keep="last")["nps_group"]
    keys = pd.DataFrame({"response_id": ids.to_numpy(), "sign": group_sign(group).astype("int32"),
                         "fold": fold_of(ids.tolist(), folds).astype("int32")})
    keyed = embedded.join(F.broadcast(spark.createDataFrame(keys)), "response_id", "left").fillna(0, ["sign"])
    counts = {int(r["sign"]): int(r["n"]) for r in keyed.select("response_id", "sign").distinct()
              .groupBy("sign").agg(F.count("*").alias("n")).collect()}
    responded = (counts.get(1, 0), counts.get(-1, 0))
    if min(responded) < settings.learn_min_responses:
        return embedded, Probe(False, 0.5, 1.0, responded, reason=gate_reason(0.5, 1.0, responded, settings))
    parts = (keyed.where(F.col("sign") != 0).select("vector", "sign", "fold")
             .mapInPandas(functools.partial(polarity_statistics_partition, folds=folds), POLARITY_STATS_SCHEMA)
             .collect())
    stats = functools.reduce(lambda a, b: a + b, (read_polarity_statistics(r["stats"]) for r in parts))
    weights = solve_folds(stats, settings.learn_ridge)
    scores = (keyed.select("row", "segment_index", "vector", "fold")
              .mapInPandas(functools.partial(polarity_score_partition, weights=weights), POLARITY_SCORE_SCHEMA))
    scored = keyed.join(scores, ["row", "segment_index"]).persist()
    means = scored.groupBy("response_id").agg(F.avg("score").alias("mean"), F.first("sign").alias("sign")).toPandas()
    auc, p = probe_gate(means["mean"].to_numpy(float), means["sign"].to_numpy())
    reason = gate_reason(auc, p, responded, settings)
    if reason:
        scored.unpersist()
        return embedded, Probe(False, auc, p, responded, reason=reason)
    result, changed = _relabelled(scored, embedded, settings)
    return result, Probe(True, auc, p, responded, changed=changed, weights=solve_all(stats, settings.learn_ridge))


def _saved_polarity(embedded, model, settings):
    """:func:`verbatim.polarity.apply_probe` on Spark: ``(segments, Probe)`` with the labels of
    the probe saved with ``model``'s themes (``embedded`` itself when it was unused)."""
    from pyspark.sql import functions as F

    from .polarity import saved_verdict
    from .spark_udfs import POLARITY_SCORE_SCHEMA, polarity_score_partition

    probe = saved_verdict(model.polarity_, model.polarity_weights_)
    if not probe.used:
        return embedded, probe
    weights = np.asarray(model.polarity_weights_, dtype=np.float64)[None, :]  # one probe, "fold" 0
    scores = (embedded.select("row", "segment_index", "vector").withColumn("fold", F.lit(0))
              .mapInPandas(functools.partial(polarity_score_partition, weights=weights), POLARITY_SCORE_SCHEMA))
    scored = embedded.join(scores, ["row", "segment_index"]).persist()
    result, changed = _relabelled(scored, embedded, settings)
    return result, dataclasses.replace(probe, changed=changed)


def _relabelled(scored, embedded, settings):
    """``embedded`` with each segment's sentiment from its probe ``score`` where the lexicon
    is unsure (:func:`verbatim.polarity.relabel`), persisted, and how many labels changed;
    ``scored`` (embedded with the scores) is released."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    margin = settings.learn_margin
    learnt = (F.when(F.abs("compound") >= settings.learn_keep_lexicon, F.col("sentiment"))
              .when(F.col("score") < -margin, "negative").when(F.col("score") > margin, "positive")
              .otherwise("neutral"))
    relabelled = scored.withColumn("learnt", learnt)
    changed = relabelled.where(F.col("learnt") != F.col("sentiment")).count()
    columns = [F.col("learnt").alias("sentiment") if c == "sentiment" else F.col(c) for c in embedded.columns]
    result = relabelled.select(*columns).persist(StorageLevel.MEMORY_AND_DISK)
    result.count()
    scored.unpersist()
    return result, int(changed)


def _mentions(themed, response_ids: pd.Series, settings):
    """:class:`verbatim.mentions.Mentions` aggregated in Spark (same rule as theme_mentions)."""
    from pyspark.sql import functions as F

    from .mentions import ALL_SIDE, COMPLAINT, PRAISE, Mentions

    per_response = (themed.where(F.col("theme_id") >= 0).groupBy("response_id", "theme_id")
                    .agg(F.max((F.col("sentiment") == "negative").cast("int")).alias("neg"),
                         F.max((F.col("sentiment") == "positive").cast("int")).alias("pos"))).persist()
    stats = per_response.groupBy("theme_id").agg(F.count("*").alias("n"), F.sum("neg").alias("c"),
                                                 F.sum("pos").alias("p")).collect()
    keys, mixed, column_of = {}, set(), {}
    for r in sorted(stats, key=lambda r: r["theme_id"]):
        tid, n = int(r["theme_id"]), int(r["n"])
        if n and r["c"] / n >= settings.mixed_min_share and r["p"] / n >= settings.mixed_min_share:
            mixed.add(tid)
            for side in (COMPLAINT, PRAISE):
                keys[f"{tid}:{side}"] = (tid, side)
        else:
            keys[str(tid)] = (tid, ALL_SIDE)
    for i, (tid, side) in enumerate(keys.values()):
        column_of[(tid, side)] = i
    bits = per_response.toPandas()
    per_response.unpersist()
    index = pd.Index(response_ids.astype(str), name="response_id")
    matrix = np.zeros((len(index), len(keys)), dtype=bool)
    position = pd.Series(np.arange(len(index)), index=index)
    for side, flag in ((ALL_SIDE, None), (COMPLAINT, "neg"), (PRAISE, "pos")):
        chosen = bits[[(t in mixed) == (flag is not None) for t in bits["theme_id"]]]
        if flag is not None:
            chosen = chosen[chosen[flag] == 1]
        cols = [column_of[(int(t), side)] for t in chosen["theme_id"]]
        matrix[position.loc[chosen["response_id"]].to_numpy(), cols] = True
    frame = pd.DataFrame(matrix, index=index, columns=list(keys)) if keys else pd.DataFrame(index=index)
    return Mentions(frame.astype(bool), keys, frozenset(mixed))


def run_stages_spark(spark, ingest, responses, config: Config, *, model_dir=None, extend_model: bool = True,
                     log: Log | None = None, input_sha256: str = "", timings: dict | None = None):
    """Every analysis stage on Spark; returns ``(Analysis, themed segments Spark DataFrame)``.

    The caller unpersists nothing: the returned DataFrame stays cached until it calls
    ``spark.catalog.clearCache()`` (analyze_spark does, after writing the Parquet).
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from .embed import Embedder, build_backend_model
    from .impact import analyze_impact
    from .pipeline import (Analysis, Timer, general_keys, guided_left_out, language_keys, load_saved_model,
                           remember_general, route_themes_to_departments, saved_fit_notes, sum_pii_counts, theme_table,
                           trend_stage)
    from .prepare import language_notes, sentences_for
    from .spark_udfs import PREPARE_SCHEMA, prepare_partition
    from .validation import summarize

    timer = Timer(log)
    timer.timings.update(timings or {})
    embedder = Embedder(config.embed)
    # A saved model is read and checked first, as run_stages does: one of another embedder
    # fails before the embedding stage, not after it.
    saved = None if model_dir is None else load_saved_model(model_dir, embedder)
    partitions = spark.sparkContext.defaultParallelism * 2
    task_threads = int(spark.conf.get("spark.task.cpus", "1"))
    with timer.stage("prepare"):
        prepare = functools.partial(prepare_partition, prepare=sentences_for(config.prepare, config.embed.backend),
                                    sentiment=config.sentiment,
                                    pii=config.pii if config.prepare.redact else None)
        prepared = responses.repartition(partitions).mapInPandas(prepare, PREPARE_SCHEMA).persist()
        flags = prepared.select("row", *_FLAG_COLUMNS).toPandas().sort_values("row", kind="stable")
        flags = flags.drop(columns="row").reset_index(drop=True)
        flags["pii_counts"] = [json.loads(c) for c in flags["pii_counts"]]
        segments = prepared.select("row", "response_id", "department", F.posexplode(
            F.arrays_zip("seg_text", "seg_sentiment", "seg_compound")).alias("segment_index", "seg"))
        segments = segments.select("row", "response_id", "department", F.col("segment_index").cast("long"),
                                   F.col("seg.seg_text").alias("text"), F.col("seg.seg_sentiment").alias("sentiment"),
                                   F.col("seg.seg_compound").alias("compound"))
    with timer.stage("embed"):
        build_backend_model(config.embed.backend)  # once, here: the executors would each build it at once
        vectors = embed_stage(segments, config.embed, partitions=partitions, task_threads=task_threads)
        # Serialized (the DataFrame default keeps Java objects): ~1.6 KB per segment instead
        # of several, and what does not fit in memory goes to disk.
        embedded = segments.join(vectors, "text").persist(StorageLevel.MEMORY_AND_DISK)
        n_segments = embedded.count()
    probe, notes = None, [f"engine: spark ({spark.sparkContext.master})",
                          *language_notes(flags, new_themes=model_dir is None or extend_model)]
    if config.sentiment.learn_from_scores:
        from .pipeline import probe_summary

        with timer.stage("polarity"):
            if saved is not None and saved.polarity_ is not None:  # the probe the themes were fitted with
                relabelled, probe = _saved_polarity(embedded, saved, config.sentiment)
            else:
                relabelled, probe = _learn_polarity(spark, embedded, ingest.responses, config.sentiment)
            if relabelled is not embedded:  # persisted and counted: the vectors are not recomputed
                embedded.unpersist()
                embedded = relabelled
            notes.append(probe_summary(probe))
            if log:
                log(f"  {notes[-1]}")
    with timer.stage("themes"):
        model, themed = _fit_or_load(spark, embedded, n_segments, config, embedder, saved, log, extend_model,
                                     learnt=probe is not None and probe.used)
        if saved is None:
            from .pipeline import keep_probe

            keep_probe(model, probe)
        if model_dir is not None and config.themes.guided_path:
            notes.extend(guided_left_out(model, config.themes.guided_path))
        themed = themed.persist()
        seg = _to_pandas_sorted(themed)
        seg = seg[["response_id", "segment_index", "text", "sentiment", "compound", "theme_id"]]
        if model_dir is None and n_segments > config.themes.max_fit_segments:
            # Fitted on a sample, as ThemeModel.fit does: sizes count every segment.
            model.count_sizes(seg["theme_id"].to_numpy())
        elif model_dir is not None and model.themes_["new"].any():
            # ThemeModel.extend sizes a new theme by its segments in the whole wave; the
            # driver only saw the leftovers, so count on the assignment of every segment.
            model.count_sizes(seg["theme_id"].to_numpy(), only_new=True)
        if saved is not None:
            for note in saved_fit_notes(model, seg["theme_id"].to_numpy(), extend_model):
                notes.append(note)
                if log:
                    log(f"  note: {note}")
        themes = theme_table(model, seg)
        remember_general(model, themes)
    prepared.unpersist()
    embedded.unpersist()
    with timer.stage("impact"):
        mentions = _mentions(themed, ingest.responses["response_id"], config.mentions)
        impact = analyze_impact(ingest.responses, mentions.matrix, config.impact, general_keys(mentions.keys, themes),
                                language_keys(mentions.keys, themes))
    trends = trend_stage(ingest.responses, mentions.matrix, config, timer, notes, log)
    owners = None
    if config.routing.file:
        with timer.stage("routing"):
            owners = route_themes_to_departments(model, config, ingest.responses["department"].dropna().unique())
            notes.extend(owners.attrs.get("notes", []))
    analysis = Analysis(
        config=config, ingest=ingest, summary=summarize(ingest, config.trend.period), segments=seg, flags=flags, themes=themes,
        mentions=mentions, impact=impact, owners=owners, model=model, embedder_id=embedder.model_id,
        input_sha256=input_sha256, pii_counts=sum_pii_counts(flags["pii_counts"]), timings=timer.timings,
        notes=tuple(notes), polarity=probe, **({"trends": trends} if trends is not None else {}),
    )
    return analysis, themed


def _assignment_rows(spark, themed, kept: pd.DataFrame | None):
    """The rows of assignments.parquet: ``row`` (to order them by) and
    :data:`verbatim.ingest.SEGMENT_COLUMNS` of ``themed``, with the input's own columns
    (``--keep``) after the response id, matched by row, as
    :func:`verbatim.report.write.with_kept_cells` does for assignments.csv. Kept cells are
    text, as assignments.csv writes them ('' when empty), so that a column of numbers and
    blanks stays one type."""
    from pyspark.sql import functions as F

    from .ingest import SEGMENT_COLUMNS
    from .spark_udfs import _plain

    names = [] if kept is None else [c for c in kept.columns if c != "row"]
    themed = themed.select("row", *SEGMENT_COLUMNS)  # no other column of the run meets a kept name
    if names:
        cells = spark.createDataFrame(_plain(kept.astype({c: str for c in names})))
        themed = themed.join(cells, on="row", how="left")
    column = {c: F.col(f"`{c}`") for c in ["row", *SEGMENT_COLUMNS]}
    column.update({c: F.coalesce(F.col(f"`{c}`"), F.lit("")).alias(c) for c in names})  # a row never read
    return themed.select(*(column[c] for c in ["row", SEGMENT_COLUMNS[0], *names, *SEGMENT_COLUMNS[1:]]))


# ---------------------------------------------------------------------------- entry points


def analyze_spark(source, output_dir=None, config: Config | None = None, *, master: str | None = None, spark=None,
                  model_dir=None, extend_model: bool = True, log: Log | None = None, force: bool = False,
                  formats: tuple[str, ...] = ("md", "html", "json", "csv"), assignments_path: str | None = None,
                  driver_ingest_max_bytes: int = DRIVER_INGEST_MAX_BYTES):
    """Analyse a survey on Spark; same result and report files as :func:`verbatim.pipeline.analyze`.

    ``source``: a CSV/TSV/Parquet file, a folder of them, a Hadoop URI or a table name.
    ``spark``: an existing SparkSession (left running); without one a session on
    ``master`` is started and stopped. ``model_dir``: keep a saved model's themes instead
    of fitting, and (``extend_model``, as ``verbatim analyze --model``) add new themes for
    what they cannot place. ``assignments_path``: where Spark writes the per-segment
    assignments as Parquet (default ``<output_dir>/assignments.parquet``; on a cluster
    pass a path every executor can write to).
    """
    from .output import atomic_output_dir, check_output_dir
    from .pipeline import AnalysisResult, checked_files, resolved_config
    from .report.build import build_report

    config = checked_files(config or Config.default())
    inputs = [p for p in (source, model_dir) if p is not None and Path(str(p)).exists()]  # not a table's name
    if output_dir is not None:
        check_output_dir(output_dir, force=force, inputs=inputs)  # fail before any slow work
    own = spark is None
    spark = spark or spark_session(master)
    try:
        start = time.perf_counter()
        if log:
            log("ingest...")
        ingest, responses = ingest_spark(spark, source, config, driver_max_bytes=driver_ingest_max_bytes)
        timings = {"ingest": time.perf_counter() - start}
        config = resolved_config(config, ingest)
        analysis, themed = run_stages_spark(spark, ingest, responses, config, model_dir=model_dir,
                                            extend_model=extend_model, log=log,
                                            input_sha256=_source_sha256(spark, source), timings=timings)
        if output_dir is None:
            return AnalysisResult(config, ingest, analysis.summary, analysis, build_report(analysis))
        from .report.write import build_and_write

        with atomic_output_dir(output_dir, force=force, inputs=inputs) as tmp:
            report, _ = build_and_write(tmp, analysis, formats)
            _assignment_rows(spark, themed, ingest.kept).orderBy("row", "segment_index").drop("row").write.mode(
                "overwrite").parquet(assignments_path or str(tmp / "assignments.parquet"))
        return AnalysisResult(config, ingest, analysis.summary, analysis, report, Path(output_dir))
    finally:
        spark.catalog.clearCache()
        if own:
            spark.stop()


def assign_spark(source, model_dir, output_dir=None, config: Config | None = None, **options):
    """Put a survey's segments on the themes of a saved model (``RUN/model``), on Spark.

    The Spark counterpart of ``verbatim assign``: the model is broadcast and every segment
    is assigned on the executors (what no theme can take stays "Other"); takes the keyword
    options of :func:`analyze_spark`.
    """
    return analyze_spark(source, output_dir, config, model_dir=model_dir, extend_model=False, **options)
