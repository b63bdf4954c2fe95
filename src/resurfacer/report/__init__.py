"""The treatment report: presentation only (it draws and writes computed results).

* `render_html(outcome, plan, dose_curves=None) -> str`: one self-contained document
  (static PNG figures as data URIs; opens offline; no script).
* `write_report(outcome, plan, directory, dose_curves=None, interactive=False,
  all_regions=False) -> Path`: ``report.html`` and its PNGs (and ``plotly.min.js``
  beside it when interactive), written atomically.
* `write_pdf(html_path) -> Path`: the report printed to PDF by headless Chromium.
* `summary_rows(outcome)`: every summary value as (label, value with unit).
* `figures`: matplotlib figures, each usable alone; `interactive`: plotly figures.

The outcome comes from `resurfacer.treatment.simulate`, dose curves from
`resurfacer.sweeps.dose.dose_curves`. See docs/report.md.
"""

from resurfacer.report import figures
from resurfacer.report.context import format_value, summary_rows
from resurfacer.report.html import Report, build, render_html, write_report
from resurfacer.report.pdf import page_count, write_pdf

__all__ = [
    "Report",
    "build",
    "figures",
    "format_value",
    "page_count",
    "render_html",
    "summary_rows",
    "write_pdf",
    "write_report",
]
