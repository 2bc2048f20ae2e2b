"""Report writers: Markdown pages and a self-contained HTML report from the report dict.

The report dict follows ``verbatim/schema/report.schema.json``; the writers only render it.
"""

from __future__ import annotations

from verbatim.report.html import render_html, write_html
from verbatim.report.markdown import render_department_md, render_summary_md, write_markdown

__all__ = ["render_department_md", "render_html", "render_summary_md", "write_html", "write_markdown"]
