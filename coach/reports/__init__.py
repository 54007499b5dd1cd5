"""Session reports (Markdown, HTML, JSON) built from one shared, versioned model."""

from __future__ import annotations

from typing import Literal

from coach.reports.model import SCHEMA, Report

Format = Literal["md", "html", "json"]
FORMATS: tuple[str, ...] = ("md", "html", "json")


def render(report: Report, fmt: str) -> str:
    """The report as text in one of FORMATS."""
    if fmt == "md":
        from coach.reports.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from coach.reports.html import render_html

        return render_html(report)
    if fmt == "json":
        return report.to_json() + "\n"
    raise ValueError(fmt)


__all__ = ["FORMATS", "SCHEMA", "Format", "Report", "render"]
