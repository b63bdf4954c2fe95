"""The treatment report: one self-contained HTML file plus PNG figures.

* `render_html(outcome, plan) -> str`: the document; opens offline (plotly.js inlined
  from the installed package, PNGs as data URIs, no URL anywhere it would load).
* `write_report(outcome, plan, directory) -> Path`: ``report.html`` and the PNGs,
  written atomically; returns the HTML path.
* `summary_rows(outcome)`: the summary table, formatted from `outcome.summary` (the
  numbers of ``resurfacer simulate --json``).
* `figures`: matplotlib figures, each usable alone; `interactive`: plotly figures.

See docs/report.md.
"""

from resurfacer.report import figures, interactive
from resurfacer.report.html import (
    Report,
    build,
    format_value,
    render_html,
    summary_rows,
    write_report,
)

__all__ = [
    "Report",
    "build",
    "figures",
    "format_value",
    "interactive",
    "render_html",
    "summary_rows",
    "write_report",
]
