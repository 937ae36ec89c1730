"""Figures and the self-contained HTML report of ``awaken reproduce``."""

from awaken.report.html import write_report

__all__ = ["write_report"]
