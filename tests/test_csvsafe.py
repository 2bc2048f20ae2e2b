"""CSV exports: customer text never runs as a spreadsheet formula; numbers stay numbers."""

from __future__ import annotations

import pandas as pd

from verbatim.csvsafe import neutralise_formulas, write_safe_csv


def test_csvsafe_formulas_are_quoted_numbers_are_not(tmp_path):
    # A sign alone ("-", a department left as a dash) is no formula: quoted, it no longer
    # joined report.json's "-" (from the departments hunt).
    cells = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "-1", "+3.5", "-0.25",
             "fine", "1;-1", "-", "--", "+"]
    for dtype in (object, "string"):
        frame = pd.DataFrame({"text": pd.Series(cells, dtype=dtype), "n": range(len(cells))})
        safe = neutralise_formulas(frame)["text"].tolist()
        assert safe[:5] == ["'" + c for c in cells[:5]]
        assert safe[5:] == cells[5:]  # plain numbers and cells that open with neither stay as written
    write_safe_csv(pd.DataFrame({"theme_ids": ["-1", "0;7;-1"]}), tmp_path / "a.csv")
    assert pd.read_csv(tmp_path / "a.csv", dtype=str)["theme_ids"].tolist() == ["-1", "0;7;-1"]
