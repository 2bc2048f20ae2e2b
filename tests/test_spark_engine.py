"""The Spark engine gives the local engine's results (real SparkSession local[2], real models).

One SparkSession serves the module; the local and the Spark run of a subset of the bundled
sample (its first 600 data rows, less those complaining about marketing e-mails, so that a
later wave has a theme to add) are shared by the equality tests. Each engine gets its own
empty embedding cache, so the Spark run really embeds on its executors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

from verbatim.config import load_config  # noqa: E402
from verbatim.ingest import load_responses  # noqa: E402
from verbatim.pipeline import analyze  # noqa: E402
from verbatim.report.build import validate_report  # noqa: E402

pytestmark = pytest.mark.slow

N_ROWS = 600
# report.html is rendered from report.json, which is compared; its renderer has its own tests.
FORMATS = ("md", "json", "csv")


def _config(cache_dir, keep=(), **themes):
    return load_config(overrides={"embed": {"cache_dir": str(cache_dir), "show_progress": False}, "themes": themes,
                                  "sentiment": {"learn_from_scores": True}, "columns": {"keep": list(keep)}},
                       environ={})


def _rows(sample_path, path, keep):
    """Write the sample's header and the data rows whose index satisfies ``keep``."""
    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False)
    frame[[keep(i) for i in range(len(frame))]].to_csv(path, index=False)
    return path


def _email_rows(sample_path) -> set[int]:
    """Data rows with a planted "too many marketing e-mails" segment."""
    truth = pd.read_csv(sample_path.parent / "nps_survey_segments_truth.csv")
    ids = set(truth.loc[truth["theme_id"] == "too_many_emails", "response_id"])
    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False)
    return set(np.flatnonzero(frame["response_id"].isin(ids)).tolist())


@pytest.fixture(scope="module")
def spark():
    from verbatim.spark_engine import spark_session

    session = spark_session("local[2]", app_name="verbatim-tests")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def subset(tmp_path_factory, sample_path):
    emails = _email_rows(sample_path)
    return _rows(sample_path, tmp_path_factory.mktemp("data") / "subset.csv", lambda i: i < N_ROWS and i not in emails)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, subset, spark):
    from verbatim.spark_engine import analyze_spark

    base = tmp_path_factory.mktemp("runs")
    # The submission time copied into the outputs as well (--keep), to join them back on.
    local = analyze(subset, base / "local", _config(base / "cache-local", keep=["submitted_at"]), formats=FORMATS)
    distributed = analyze_spark(subset, base / "spark", _config(base / "cache-spark", keep=["submitted_at"]),
                                spark=spark, formats=FORMATS)
    return local, distributed, base


def test_spark_engine_theme_table_equals_local(runs):
    local, spark, _ = runs
    a, b = local.analysis.themes, spark.analysis.themes
    columns = ["theme_id", "label", "keywords", "size", "parent_id", "parent_label", "guided"]
    pd.testing.assert_frame_equal(a[columns], b[columns])
    assert len(a) >= 5
    # Quotes are the segments nearest the centroid, one per case/punctuation-folded text:
    # between "It keeps crashing" and "it keeps crashing" (cosine equal to ~1e-7) float
    # noise of the embeddings may pick either spelling, so compare them folded.
    fold = lambda quotes: ["".join(ch for ch in q.casefold() if ch.isalnum() or ch.isspace()).split() for q in quotes]
    assert [fold(q) for q in a["representative"]] == [fold(q) for q in b["representative"]]


def test_spark_engine_segments_and_theme_ids_equal_local(runs):
    local, spark, _ = runs
    pd.testing.assert_frame_equal(local.analysis.segments, spark.analysis.segments)
    pd.testing.assert_frame_equal(local.analysis.flags, spark.analysis.flags)
    pd.testing.assert_frame_equal(local.analysis.mentions.matrix, spark.analysis.mentions.matrix)
    assert local.analysis.mentions.keys == spark.analysis.mentions.keys
    # The polarity learnt from the scores: statistics summed over partitions, the same probe.
    a, b = local.analysis.polarity, spark.analysis.polarity
    assert a.used and a.changed > 0 and (a.used, a.responses, a.changed) == (b.used, b.responses, b.changed)
    assert a.auc == pytest.approx(b.auc, abs=1e-9)


def test_spark_engine_top2_overall_and_per_department_equal_local(runs):
    local, spark, _ = runs
    a, b = local.analysis.impact, spark.analysis.impact
    top_a = a.improvement_areas[a.improvement_areas["rank"] <= 2][["group", "rank", "theme"]]
    top_b = b.improvement_areas[b.improvement_areas["rank"] <= 2][["group", "rank", "theme"]]
    pd.testing.assert_frame_equal(top_a.reset_index(drop=True), top_b.reset_index(drop=True))
    assert {"__all__"} < set(top_a["group"])  # overall and at least one department
    # Same per-response matrix and seed: the same bootstrap, so the whole table matches.
    pd.testing.assert_frame_equal(a.theme_impact, b.theme_impact)
    pd.testing.assert_frame_equal(a.strengths, b.strengths)


def test_spark_engine_writes_local_outputs_and_parquet_assignments(runs, subset):
    local, spark, base = runs
    local_files = {p.relative_to(base / "local").as_posix() for p in (base / "local").rglob("*") if p.is_file()}
    spark_files = {p.relative_to(base / "spark").as_posix() for p in (base / "spark").rglob("*") if p.is_file()}
    assert local_files <= spark_files
    report = json.loads((base / "spark" / "report.json").read_text())
    validate_report(report)
    assert report["run"]["input"]["sha256"] == local.report["run"]["input"]["sha256"]
    assert pd.read_csv(base / "spark" / "assignments.csv").equals(pd.read_csv(base / "local" / "assignments.csv"))
    parquet = pd.read_parquet(base / "spark" / "assignments.parquet")
    parquet = parquet.sort_values(["response_id", "segment_index"]).reset_index(drop=True)
    expected = local.analysis.segments.sort_values(["response_id", "segment_index"]).reset_index(drop=True)
    assert parquet["theme_id"].tolist() == expected["theme_id"].tolist()
    assert parquet["text"].tolist() == expected["text"].tolist()
    # The kept column follows the response id, each segment with its own response's cell.
    assert list(parquet.columns[:3]) == ["response_id", "submitted_at", "segment_index"]
    submitted = pd.read_csv(subset, dtype=str, keep_default_na=False).set_index("response_id")["submitted_at"]
    assert parquet["submitted_at"].tolist() == submitted.loc[parquet["response_id"]].tolist()
    assert "submitted_at" in pd.read_csv(base / "spark" / "assignments.csv").columns


def test_spark_engine_equals_local_when_the_fit_samples(runs, spark, subset):
    """Above themes.max_fit_segments both engines fit on the same stratified sample and
    assign every segment: same themes, sizes over all segments, same assignments."""
    from verbatim.spark_engine import analyze_spark

    local_run, _, base = runs
    limit = len(local_run.analysis.segments) * 2 // 3
    local = analyze(subset, None, _config(base / "cache-local", max_fit_segments=limit))
    distributed = analyze_spark(subset, None, _config(base / "cache-spark", max_fit_segments=limit), spark=spark)
    a, b = local.analysis, distributed.analysis
    columns = ["theme_id", "label", "keywords", "size", "parent_id", "parent_label", "guided"]
    pd.testing.assert_frame_equal(a.themes[columns], b.themes[columns])
    assert int(a.themes["size"].sum()) == int((a.segments["theme_id"] >= 0).sum())  # sizes count every segment
    assert a.segments["theme_id"].tolist() == b.segments["theme_id"].tolist()
    pd.testing.assert_frame_equal(a.impact.improvement_areas, b.impact.improvement_areas)


def test_spark_ingest_on_executors_equals_load_responses(spark, tmp_path, sample_path):
    """The Spark-read path (forced with driver_max_bytes=0) rejects the same rows for the same reasons."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(300)
    frame.loc[3, "score"] = "eleven"
    frame.loc[7, "score"] = "12"
    frame.loc[20, "response_id"] = frame.loc[150, "response_id"]  # the later row is the duplicate
    frame.loc[40, ["score", "comment"]] = ""
    # Ids as validate_rows reads them: a row without one is "row-62", which row 63 already
    # uses (so it becomes "row-62.2", no duplicate); " <id> " is the id of row 12, stripped.
    frame.loc[60, "response_id"] = ""
    frame.loc[61, "response_id"] = "row-62"
    frame.loc[90, "response_id"] = f" {frame.loc[10, 'response_id']}\t"
    # Departments in another case or spacing, counted in the usual spelling on every partition.
    frame.loc[[5, 150, 260], "department"] = ["DELIVERY", "delivery ", "Customer  service"]
    csv_path = tmp_path / "survey.csv"
    frame.to_csv(csv_path, index=False)
    parquet_path = tmp_path / "survey.parquet"
    frame.to_parquet(parquet_path, index=False)
    config = load_config(overrides={"columns": {"keep": ["submitted_at"]}}, environ={})
    for path in (csv_path, parquet_path):
        expected = load_responses(path, config)
        got, responses = ingest_spark(spark, path, config, driver_max_bytes=0)
        pd.testing.assert_frame_equal(expected.responses, got.responses)
        pd.testing.assert_frame_equal(expected.rejected, got.rejected)
        # The kept column of every row, rejected ones too, as the file holds it.
        pd.testing.assert_frame_equal(expected.kept, got.kept)
        assert got.kept["submitted_at"].tolist() == frame["submitted_at"].tolist()
        assert got.rows_read == expected.rows_read == 300
        assert got.columns == expected.columns
        assert sorted(got.rejected["reason"].str.split(" ").str[0]) == ["duplicate", "duplicate", "no", "score", "score"]
        assert got.responses["response_id"].is_unique
        assert set(got.responses["department"].dropna()) == set(frame["department"]) - {"DELIVERY", "delivery ", "Customer  service"}
        assert [n for n in got.notes if "another case" in n] == [n for n in expected.notes if "another case" in n] == [
            "3 row(s) spell their department in another case than most rows do, and count in it: 'Customer service' "
            "as 'Customer Service'; 'DELIVERY', 'delivery' as 'Delivery'"]
        if path == csv_path:  # Parquet numbers records from 1, so there the blank row is "row-61"
            assert {"row-62", "row-62.2"} <= set(got.responses["response_id"])
        assert responses.count() == len(expected.responses)


def test_spark_ingest_numbers_rows_around_blank_lines_as_load_responses(spark, tmp_path, sample_path):
    """Spark's CSV reader skips blank lines; the local reader counts each as a row (rejected,
    empty), ignores empty rows at the end and rejects a row with too many fields. The rows after
    a blank line keep their numbers, and every row ends in the same table for the same reason."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(120)
    frame.loc[5, "comment"] = "first line\n\nafter a blank line in the cell"  # a blank line inside a quoted cell
    frame.loc[30, "score"] = "eleven"
    header = ",".join(frame.columns)
    rows = [frame.iloc[[i]].to_csv(index=False, header=False, lineterminator="\n").rstrip("\n") for i in range(len(frame))]
    body = rows[:3] + ["", ""] + rows[3:40] + ["   "] + rows[40:60] + [rows[60] + ",extra,cells"] + rows[61:90] \
        + [""] + rows[90:] + [",,,,", "", ""]
    path = tmp_path / "blank-lines.csv"
    # Row 1 is a blank line above the header (row 2); the blank lines and "   " are rows 6, 7, 45
    # and 96, the row with too many fields 66, and the last three rows are empty.
    path.write_text("\n" + header + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    config = load_config(environ={})
    expected = load_responses(path, config)
    got, responses = ingest_spark(spark, path, config, driver_max_bytes=0)
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    pd.testing.assert_frame_equal(expected.rejected, got.rejected)
    assert got.rows_read == expected.rows_read == 120 + 4
    assert sorted(got.rejected["reason"].str.split(" ").str[0]) == ["empty", "empty", "empty", "empty", "row", "score"]
    assert expected.rejected.loc[expected.rejected["reason"] == "empty row", "row"].tolist() == [6, 7, 45, 96]
    assert [n for n in got.notes if "empty row" in n] == [n for n in expected.notes if "empty row" in n] == [
        "ignored 3 empty row(s) at the end of the file"]
    assert responses.count() == len(expected.responses) == 118
    assert got.rejected.loc[got.rejected["reason"].str.startswith("row has"), "row"].tolist() == [66]
    assert "after a blank line in the cell" in " ".join(got.responses["text"])


def _read_by_both(spark, frame: pd.DataFrame, path):
    """``frame`` written to the CSV ``path`` and read by load_responses and by Spark's own
    reader (forced): (local IngestResult, Spark's), their responses checked equal."""
    from verbatim.spark_engine import ingest_spark

    frame.to_csv(path, index=False)
    config = load_config(environ={})
    expected = load_responses(path, config)
    got, _ = ingest_spark(spark, path, config, driver_max_bytes=0)
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    return expected, got


def test_spark_ingest_reads_dotted_dates_day_first_as_load_responses(spark, tmp_path, sample_path):
    """Dates written with dots whose days never exceed 12 are read day first on every partition,
    with the local engine's note; before, both engines read 02.01.2026 as 1 February."""

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(200)
    when = pd.to_datetime(frame["submitted_at"])
    frame["submitted_at"] = [f"{(d.day - 1) % 12 + 1:02d}.{d.month:02d}.{d.year}" for d in when]
    expected, got = _read_by_both(spark, frame, tmp_path / "dotted.csv")
    first = got.responses["submitted_at"].iloc[0]
    assert (first.day, first.month) == tuple(int(p) for p in frame["submitted_at"].iloc[0].split(".")[:2])
    assert [n for n in got.notes if n.startswith("dates in")] == [n for n in expected.notes if n.startswith("dates in")]
    assert any("written with dots" in n for n in got.notes)


def test_spark_ingest_ends_comments_cut_by_the_export_as_load_responses(spark, tmp_path, sample_path):
    """The export's width is decided over the whole column on Spark too, so every partition
    marks the same comments, and the partitions' notes add up to the local one."""
    from test_cuts import exported_comments

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(400)
    frame["comment"] = exported_comments(len(frame), 200)
    expected, got = _read_by_both(spark, frame, tmp_path / "cut.csv")
    cut = [n for n in expected.notes if "fixed width" in n]
    assert len(cut) == 1 and int(cut[0].split()[0]) > 100
    assert [n for n in got.notes if "fixed width" in n] == cut
    assert got.responses["text"].str.endswith("…").sum() == int(cut[0].split()[0])


def test_spark_stratified_fit_sample_is_exact_proportional_and_seeded(spark):
    from verbatim.spark_engine import _stratified_sample

    rows = [(i, f"r{i}", j, "A" if i < 600 else ("B" if i < 900 else None)) for i in range(1000) for j in range(2)]
    segments = spark.createDataFrame(rows, "row long, response_id string, segment_index long, department string")
    first = _stratified_sample(segments, 500, seed=7).toPandas()
    again = _stratified_sample(segments, 500, seed=7).toPandas()
    other = _stratified_sample(segments, 500, seed=8).toPandas()
    assert len(first) == 500
    assert first["department"].fillna("none").value_counts().to_dict() == {"A": 300, "B": 150, "none": 50}
    key = ["row", "segment_index"]
    assert first.sort_values(key).reset_index(drop=True).equals(again.sort_values(key).reset_index(drop=True))
    assert not first.sort_values(key).reset_index(drop=True).equals(other.sort_values(key).reset_index(drop=True))


def test_spark_new_wave_on_saved_model_equals_local(runs, spark, sample_path, tmp_path):
    """A new wave on a saved model, both ways: ``assign`` (broadcast prototypes, assignment on
    the executors) and ``analyze --model`` (saved themes kept, new ones found on the driver
    among what they cannot place, then assignment on the executors again)."""
    from verbatim.spark_engine import analyze_spark, assign_spark

    _, _, base = runs
    emails = _email_rows(sample_path)
    wave = _rows(sample_path, tmp_path / "wave.csv", lambda i: N_ROWS <= i < N_ROWS + 400 or i in emails)
    shutil.copytree(base / "local" / "model", tmp_path / "model")
    saved = pd.read_json(tmp_path / "model" / "themes.json", typ="series")["themes"]
    cache_local, cache_spark = _config(tmp_path / "cache-local"), _config(tmp_path / "cache-spark")
    for extend in (False, True):
        local = analyze(wave, None, cache_local, model_dir=tmp_path / "model", extend_model=extend)
        run = (analyze_spark(wave, None, cache_spark, spark=spark, model_dir=tmp_path / "model") if extend
               else assign_spark(wave, tmp_path / "model", None, cache_spark, spark=spark))
        a, b = local.analysis.segments, run.analysis.segments
        assert a["text"].tolist() == b["text"].tolist()
        agree = np.mean(a["theme_id"].to_numpy() == b["theme_id"].to_numpy())
        assert agree == 1.0, f"extend={extend}: {agree:.3%} of segments agree"
        assert (b["theme_id"] >= 0).mean() > 0.9
        pd.testing.assert_frame_equal(local.analysis.themes, run.analysis.themes)
        pd.testing.assert_frame_equal(local.analysis.impact.improvement_areas, run.analysis.impact.improvement_areas)
        themes = run.analysis.themes
        kept = themes[~themes["new"]]
        assert kept["theme_id"].tolist() == [t["theme_id"] for t in saved]
        assert kept["label"].tolist() == [t["label"] for t in saved]
        # assign never adds a theme; analyze --model adds the e-mail complaints the saved model never saw.
        assert themes["new"].any() == extend


def test_cli_engine_spark_runs_and_rejects_master_without_it(sample_path, tmp_path):
    """The real command line (its own Spark session, as a user runs it)."""
    small = _rows(sample_path, tmp_path / "small.csv", lambda i: i < 120)
    verbatim = [sys.executable, "-m", "verbatim.cli"]
    out = subprocess.run([*verbatim, "analyze", str(small), "-o", str(tmp_path / "out"), "--engine", "spark",
                          "--master", "local[1]", "--quiet", "--format", "json",
                          "--set", f"embed.cache_dir={tmp_path / 'cache'}"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    # --quiet printed Spark's stage bars, its WARN lines and a dozen of PySpark's pandas 3
    # FutureWarnings; the JVM's own line about incubator modules is all that Spark cannot hide.
    said = [line for line in out.stderr.splitlines() if line.strip() and "incubator modules" not in line]
    assert said == [], out.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["run"]["notes"] and "engine: spark (local[1])" in report["run"]["notes"]
    assert (tmp_path / "out" / "assignments.parquet").is_dir()
    bad = subprocess.run([*verbatim, "analyze", str(small), "-o", str(tmp_path / "out2"), "--master", "local[1]"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--master needs --engine spark" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_spark_local_session_gets_a_heap_for_its_cached_segments(monkeypatch):
    """In local mode the driver JVM holds every cached partition: Spark's 1 GiB default ran
    out of heap at 50,000 comments. Cluster masters and spark-submit keep their settings."""
    from verbatim.spark_engine import local_driver_memory

    monkeypatch.delenv("SPARK_DRIVER_MEMORY", raising=False)
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    memory = local_driver_memory("local[2]")
    assert memory is not None and 1 <= int(memory.rstrip("g")) <= 8
    assert local_driver_memory("spark://head:7077") is None
    assert local_driver_memory("yarn") is None
    monkeypatch.setenv("SPARK_DRIVER_MEMORY", "3g")
    assert local_driver_memory("local[*]") == "3g"
    monkeypatch.setenv("PYSPARK_GATEWAY_PORT", "4242")  # launched by spark-submit
    assert local_driver_memory("local[*]") is None


def test_spark_ingest_passes_over_an_id_shared_by_two_answers_as_load_responses(spark, tmp_path, sample_path):
    """A detected id column that two different answers share (a customer's id) is not read
    as the response id on Spark either: every row analysed, the same note."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(40)
    frame["response_id"] = [f"C{i % 25}" for i in range(len(frame))]  # 15 customers answered twice
    frame = frame.rename(columns={"response_id": "Respondent ID"})
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    config = load_config(environ={})
    expected = load_responses(path, config)
    got, _ = ingest_spark(spark, path, config, driver_max_bytes=0)
    assert expected.columns == got.columns and got.columns.id is None
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    assert len(got.responses) + len(got.rejected) == 40 and got.rejected.empty
    assert [n for n in got.notes if "named like a response id" in n] == \
        [n for n in expected.notes if "named like a response id" in n] != []
    # The customer id passed over is copied into assignments.csv on both engines, and so is a
    # column named by --keep, cell for cell.
    assert got.columns.keep == ("Respondent ID",)
    pd.testing.assert_frame_equal(expected.kept, got.kept)
    config = load_config(overrides={"columns": {"keep": ["comment"]}}, environ={})
    expected = load_responses(path, config)
    got, _ = ingest_spark(spark, path, config, driver_max_bytes=0)
    assert got.columns.keep == ("comment", "Respondent ID") and got.kept["comment"].tolist() == frame["comment"].tolist()
    pd.testing.assert_frame_equal(expected.kept, got.kept)


def test_spark_ingest_reads_an_export_of_the_nps_group_alone_as_load_responses(spark, tmp_path, sample_path):
    """A file of NPS groups without scores is read on Spark's executors as locally: the same
    column found, groups, rejections (an unknown group) and rows out of the NPS (none given)."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(40)
    frame["NPS Category"] = ["Promoter" if int(s) >= 9 else "Passive" if int(s) >= 7 else "Detractor"
                             for s in frame.pop("score")]
    frame.loc[3, "NPS Category"], frame.loc[5, "NPS Category"] = "Maybe", ""
    path = tmp_path / "groups.csv"
    frame.to_csv(path, index=False)
    config = load_config(environ={})
    expected = load_responses(path, config)
    got, _ = ingest_spark(spark, path, config, driver_max_bytes=0)
    assert expected.columns == got.columns and got.columns.group == "NPS Category"
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    pd.testing.assert_frame_equal(expected.rejected, got.rejected)
    assert got.rejected["reason"].tolist() == ["NPS group is not promoter, passive or detractor"]


@pytest.mark.parametrize("tool", ["qualtrics", "surveymonkey"])
def test_spark_ingest_reads_survey_tool_headers_as_load_responses(spark, tmp_path, sample_path, tool):
    """The rows under the column names that describe them (a Qualtrics export's question and
    import-id rows, SurveyMonkey's "Response" row) are part of the header on Spark too: the
    same columns, rows, rejections and note."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(60)
    frame.loc[7, "score"] = "eleven"
    if tool == "qualtrics":
        questions = {c: f"Question about the {c}?" for c in frame.columns} | {"score": "How likely are you to recommend us?"}
        described = [questions, {c: '{"ImportId":"QID%d"}' % i for i, c in enumerate(frame.columns)}]
        names = {c: f"Q{i}" for i, c in enumerate(frame.columns)}
    else:
        described = [{"score": "Response", "comment": "Open-Ended Response"}]
        names = {"score": "How likely are you to recommend us?"}
    path = tmp_path / f"{tool}.csv"
    pd.concat([pd.DataFrame(described), frame]).fillna("").rename(columns=names).to_csv(path, index=False)
    config = load_config(environ={})
    expected = load_responses(path, config)
    got, _ = ingest_spark(spark, path, config, driver_max_bytes=0)
    assert expected.columns == got.columns
    assert expected.columns.score == (f"Q{list(frame.columns).index('score')}" if tool == "qualtrics" else names["score"])
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    pd.testing.assert_frame_equal(expected.rejected, got.rejected)
    assert got.rows_read == expected.rows_read == 60 and expected.responses["row"].iloc[0] == 2 + len(described)
    assert [n for n in got.notes if "part of the header" in n] == [n for n in expected.notes if "part of the header" in n] != []


@pytest.mark.parametrize("suffix", ["csv", "tsv", "parquet"])
def test_spark_ingest_reads_a_folder_as_its_files_joined_in_name_order(spark, tmp_path, sample_path, suffix):
    """Spark reads the largest part file first: numbered in that order, part-00001's row of an
    id both parts hold was kept instead of part-00000's, with other row numbers and another
    NPS. A folder of .tsv parts was read comma-separated (E105)."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(100)
    frame.loc[40, "response_id"] = frame.loc[0, "response_id"]  # in the second, larger file: the duplicate
    frame.loc[[0, 40], "score"] = ["10", "3"]
    frame.loc[70, "score"] = "eleven"
    folder = tmp_path / "parts"
    folder.mkdir()
    sep = "\t" if suffix == "tsv" else ","
    for name, part in (("part-00000", frame.iloc[:40]), ("part-00001", frame.iloc[40:])):
        if suffix == "parquet":
            part.to_parquet(folder / f"{name}.parquet", index=False)
        else:
            part.to_csv(folder / f"{name}.{suffix}", index=False, sep=sep)
    joined = tmp_path / f"joined.{'parquet' if suffix == 'parquet' else 'csv'}"
    frame.to_parquet(joined, index=False) if suffix == "parquet" else frame.to_csv(joined, index=False)
    config = load_config(environ={})
    expected = load_responses(joined, config)
    got, _ = ingest_spark(spark, folder, config, driver_max_bytes=0)
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    pd.testing.assert_frame_equal(expected.rejected, got.rejected)
    kept = got.responses.loc[got.responses["response_id"] == frame.loc[0, "response_id"], "score"]
    assert kept.tolist() == [10.0]  # part-00000's, the first in name order
    first = 2 if suffix != "parquet" else 1
    (said,) = [n for n in got.notes if "numbered as if the files were one" in n]
    assert f"part-00000.{suffix} rows {first}-{first + 39}, part-00001.{suffix} rows {first + 40}-{first + 99}" in said


def test_spark_ingest_drops_the_description_rows_of_every_file_of_a_folder(spark, tmp_path, sample_path):
    """A folder of Qualtrics exports: the second file's question and import-id rows were
    rejected as answers ("score is not a number"), though the README says they are not."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(60)
    questions = {c: f"Question about the {c}?" for c in frame.columns} | {"score": "How likely are you to recommend us?"}
    described = pd.DataFrame([questions, {c: '{"ImportId":"QID%d"}' % i for i, c in enumerate(frame.columns)}])
    names = {c: f"Q{i}" for i, c in enumerate(frame.columns)}
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, part in (("2026-01.csv", frame.iloc[:30]), ("2026-02.csv", frame.iloc[30:])):
        pd.concat([described, part]).rename(columns=names).to_csv(folder / name, index=False)
    got, _ = ingest_spark(spark, folder, load_config(environ={}), driver_max_bytes=0)
    assert got.rejected.empty and len(got.responses) == 60
    assert any("part of the header" in n and "1 other file(s)" in n for n in got.notes)
    # A file split off by a script, without them: its first two rows are answers, not dropped.
    frame.iloc[60 - 5:].rename(columns=names).to_csv(folder / "2026-03.csv", index=False)
    got, _ = ingest_spark(spark, folder, load_config(environ={}), driver_max_bytes=0)
    assert got.rejected.empty and len(got.responses) == 65
    assert any("1 file(s) do not (2026-03.csv)" in n for n in got.notes)


def test_spark_ingest_missing_path_is_E101(spark, tmp_path):
    """A path that is not there was taken for a table name: "unexpected ParseException" (exit 1)."""
    from verbatim.errors import InputError
    from verbatim.spark_engine import ingest_spark

    for missing in (tmp_path / "nope.csv", "survey.csv", "no_such_table"):
        with pytest.raises(InputError, match="E101"):
            ingest_spark(spark, missing, load_config(environ={}), driver_max_bytes=0)
    # Spark does not look for the separator: semicolons said "no comment column found
    # (columns are: response_id;score;comment)" as if the column were missing.
    folder = tmp_path / "semicolons"
    folder.mkdir()
    (folder / "part-00000.csv").write_text("response_id;score;comment\nR1;9;great\n", encoding="utf-8")
    with pytest.raises(InputError, match="E107 .*separated by ';'"):
        ingest_spark(spark, folder, load_config(environ={}), driver_max_bytes=0)


def test_spark_ingest_names_duplicate_and_blank_columns_as_load_responses(spark, tmp_path, sample_path):
    """Spark named a second "comment" column "comment2" (and "Comment4", blind to case) and a
    blank one "_c5": --text comment failed on Spark only, and report.json named columns the
    file does not have."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(30)
    frame["Comment"] = "second comment"
    frame[" "] = ""
    folder = tmp_path / "parts"
    folder.mkdir()
    text = frame.to_csv(index=False).replace(",Comment, \n", ",comment,\n", 1)
    (folder / "part-00000.csv").write_text(text, encoding="utf-8")
    (tmp_path / "one.csv").write_text(text, encoding="utf-8")
    config = load_config(overrides={"columns": {"text": ["comment"]}}, environ={})
    expected = load_responses(tmp_path / "one.csv", config)
    got, _ = ingest_spark(spark, folder, config, driver_max_bytes=0)
    assert got.columns == expected.columns
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    renamed = [n for n in expected.notes if "duplicate column name" in n]
    assert renamed and renamed == [n for n in got.notes if "duplicate column name" in n]


def test_spark_ingest_rejects_a_folder_row_with_too_many_fields_as_load_responses(spark, tmp_path, sample_path):
    """In a folder, a row with more fields than the header was read with its extra fields
    dropped unsaid (the local reader, and Spark on one file, reject it as unreadable)."""
    from verbatim.spark_engine import ingest_spark

    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(50)
    lines = frame.to_csv(index=False, lineterminator="\n").splitlines()
    lines[21] += ",EXTRA,FIELD"  # data row 21, file row 22
    lines[30] += ",,"  # empty extra fields: read as the row, as locally
    (tmp_path / "joined.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part-00000.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_config(environ={})
    expected = load_responses(tmp_path / "joined.csv", config)
    got, _ = ingest_spark(spark, folder, config, driver_max_bytes=0)
    pd.testing.assert_frame_equal(expected.responses, got.responses)
    pd.testing.assert_frame_equal(expected.rejected, got.rejected)
    assert got.rejected["row"].tolist() == [22] and got.rows_read == expected.rows_read == 50


def test_spark_ingest_names_a_department_every_row_of_which_was_rejected(spark, tmp_path, sample_path):
    """A department whose rows were all rejected had no page, no table row and no note naming
    it (in either engine); both now say so, and rejected.csv keeps its columns."""
    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(200)
    frame.loc[frame.index[:7], "department"] = "Ghost"
    frame.loc[frame.index[:7], "score"] = "11"
    expected, got = _read_by_both(spark, frame, tmp_path / "ghost.csv")
    note = "department 'Ghost': all 7 of its rows were rejected (see rejected.csv), so no report shows it"
    assert note in expected.notes and note in got.notes
    assert list(expected.rejected.columns) == list(got.rejected.columns) == ["row", "response_id", "column", "value",
                                                                              "reason"]
