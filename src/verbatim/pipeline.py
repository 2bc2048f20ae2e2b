"""The stages of an analysis, in order, returning one result object.

``analyze`` is the library entry point behind ``verbatim analyze``: a notebook user calls
it with a file path (or uses the stage functions directly on DataFrames).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .csvsafe import write_safe_csv
from .ingest import IngestResult, load_responses
from .output import atomic_output_dir
from .validation import ValidationSummary, summarize


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one run produced."""

    config: Config
    ingest: IngestResult
    summary: ValidationSummary
    output_dir: Path | None = None


def analyze(
    input_path: str | Path,
    output_dir: str | Path | None = None,
    config: Config | None = None,
    *,
    force: bool = False,
) -> AnalysisResult:
    """Run the analysis of one survey export; write the outputs when ``output_dir`` is given."""
    config = config or Config.default()
    ingest = load_responses(input_path, config)
    summary = summarize(ingest)
    if output_dir is None:
        return AnalysisResult(config, ingest, summary)
    with atomic_output_dir(output_dir, force=force) as tmp:
        write_outputs(tmp, config, ingest)
    return AnalysisResult(config, ingest, summary, Path(output_dir))


def write_outputs(folder: Path, config: Config, ingest: IngestResult) -> None:
    """Write the run's files into ``folder``."""
    write_safe_csv(ingest.rejected, folder / "rejected.csv")
    (folder / "config.toml").write_text(resolved_config(config, ingest).to_toml(), encoding="utf-8")


def resolved_config(config: Config, ingest: IngestResult) -> Config:
    """The configuration with the detected columns filled in, so a rerun reads the same columns."""
    cols = ingest.columns
    return config.updated({"columns": {
        "text": list(cols.text), "score": cols.score or "", "department": cols.department or "",
        "date": cols.date or "", "id": cols.id or "", "weight": cols.weight or "",
    }}, source="resolved")
