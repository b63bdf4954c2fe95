"""The HTML report: a Jinja2 template filled with computed results.

The report only draws and writes: the outcome (`treatment.simulate`) and, when
wanted, the dose curves (`sweeps.dose.dose_curves`) come in computed. By default
the document is self-contained and small: static PNG figures embedded as data URIs,
inline styles with system fonts, no script to run, nothing referenced by URL.
With ``interactive=True`` plotly versions of the figures are added and plotly.js
is written beside the report (`interactive.PLOTLY_FILE`) and loaded by relative
path, never inlined or fetched. The summary is embedded verbatim as JSON
(``<script type="application/json" id="summary">``, `OutcomeSummary.rounded`), the
same object that ``resurfacer simulate --json`` prints.
"""

from __future__ import annotations

import base64
import io
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from resurfacer import __version__
from resurfacer.common.files import write_directory
from resurfacer.report import context, figures
from resurfacer.sweeps.dose import largest_site, shown_pass

#: PNG resolution [dots per inch].
DPI = 100
TEMPLATES = Path(__file__).parent / "templates"
#: The file in a report folder that lists the files the report wrote there (the
#: document, its figures, plotly.js, the PDF): those a new report does not write are
#: removed, left over from an earlier report (`write_report`); files the report did not
#: write are the user's and stay, whatever their names.
REPORT_MANIFEST = ".resurfacer-report.json"


@dataclass
class Report:
    """A rendered report: the HTML text and the files it comes with ({name: bytes}:
    the PNG figures it embeds, and plotly.js when interactive)."""

    html: str
    files: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def pngs(self) -> dict[str, bytes]:
        return {k: v for k, v in self.files.items() if k.endswith(".png")}


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _figure(files: dict, name: str, fig, alt: str, cls: str = "") -> dict:
    """Render `fig` to PNG under `name` in `files`; the template's figure entry."""
    files[name] = _png(fig)
    src = "data:image/png;base64," + base64.b64encode(files[name]).decode("ascii")
    return {"name": name, "alt": alt, "src": src, "cls": cls}


def _json_text(data) -> str:
    """JSON safe inside <script>: "</script" or "<!--" cannot end or upset it."""
    text = json.dumps(data)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _drawn_sites(outcome, plan, i: int, sites) -> list[str]:
    """The sites of `sites` whose column pass `i` has; where it skips them all, the site
    of the largest area it is fired on (`sweeps.dose.shown_pass`, as its dose curve):
    until session 23 such a pass had no cross-section at all."""
    own = [s for s in sites if (i, s) in outcome.site_columns]
    return own or [shown_pass(plan, i, sites[0])[0].site]


def _pass_figures(outcome, plan, files, sites, dose_curves) -> list[dict]:
    """Per pass: the column cross-section on each of `sites` (`_drawn_sites`), the
    scanner pattern, and the dose response when its curve was computed."""
    out = []
    for i, p in enumerate(plan.passes):
        label = figures.pass_label(p, i)
        n = i + 1
        for k, site in enumerate(_drawn_sites(outcome, plan, i, sites)):
            name = f"cross_section_pass{n}.png" if k == 0 else f"cross_section_pass{n}_{site}.png"
            fig = figures.cross_section(outcome.site_columns[i, site], outcome.skins[site])
            alt = f"{label}: one column on {context.words(site)}, to scale"
            out.append(_figure(files, name, fig, alt, "print" if k == 0 else ""))
        fig = figures.pattern_top_view(plan, i)
        out.append(_figure(files, f"pattern_pass{n}.png", fig, f"{label}: one scanner pattern"))
        if dose_curves and i in dose_curves:
            c = dose_curves[i]
            fig = figures.dose_response(plan, i, c)
            alt = (
                f"{label}: depth and coagulation vs pulse energy on {c.shown_on} ({c.range_source})"
            )
            out.append(_figure(files, f"dose_response_pass{n}.png", fig, alt))
    return out


def _interactive(outcome, plan, sites, dose_curves) -> dict[str, list[str]]:
    from resurfacer.report import interactive

    cols = []
    for i, p in enumerate(plan.passes):
        label = figures.pass_label(p, i)
        site = _drawn_sites(outcome, plan, i, sites)[0]  # as the static figures
        fig = interactive.cross_section(outcome.site_columns[i, site], label)
        cols.append(interactive.to_div(fig, f"xs{i + 1}"))
        if dose_curves and i in dose_curves:
            fig = interactive.dose_response(plan, i, dose_curves[i])
            cols.append(interactive.to_div(fig, f"dose{i + 1}"))
    bulk = [interactive.to_div(interactive.bulk_temperature(outcome), "bulk-interactive")]
    return {"columns": cols, "bulk": bulk}


def _header_context(outcome, plan, sites) -> dict:
    p = plan.patient
    nav = [("summary-section", "summary"), ("columns", "columns"), ("bulk", "bulk heating"),
           ("healing", "healing"), ("appendix", "technical appendix")]  # fmt: skip
    return {
        "summary": outcome.summary,
        "patient": f"{p.sex}, {p.age_years:g} years, phototype {p.phototype}",
        "regions_text": f"{context.treated_areas(outcome.summary)}, "
        f"{outcome.summary.total_area_cm2:g} cm²",
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ"),  # ISO 8601, UTC
        "version": __version__,
        "nav": nav,
        "figure_sites": ", ".join(context.words(s) for s in sites)
        + ("" if len(sites) > 1 else " (the largest region; all regions on request)"),
    }


def build(outcome, plan, dose_curves=None, interactive=False, all_regions=False) -> Report:
    """Render the figures and the document once.

    Parameters
    ----------
    outcome : `treatment.Outcome` of `plan`.
    plan : the validated Plan.
    dose_curves : {pass index: `sweeps.dose.DoseCurve`}, drawn when given.
    interactive : add plotly figures and write plotly.js beside the report.
    all_regions : column cross-sections on every treated region (default: the largest).
    """
    from resurfacer.common.fingerprint import model_fingerprint

    started = time.perf_counter()
    files: dict[str, bytes] = {}
    sites = list(dict.fromkeys(r.site for r in outcome.summary.regions)) if all_regions else []
    first = largest_site(plan)  # the site of the largest treated area, as the dose curves
    sites = [first] + [s for s in sites if s != first]
    ctx = _header_context(outcome, plan, sites)
    ctx |= _body_context(outcome, plan, files, sites, dose_curves, model_fingerprint())
    ctx["interactive_divs"], ctx["plotly_src"] = {}, None
    if interactive:
        from resurfacer.report.interactive import PLOTLY_FILE, plotly_js

        ctx["interactive_divs"] = _interactive(outcome, plan, sites, dose_curves)
        ctx["plotly_src"] = PLOTLY_FILE
        files[PLOTLY_FILE] = plotly_js().encode("utf-8")
    text = environment().get_template("report.html.j2").render(**ctx)
    return Report(html=text, files=files, seconds=time.perf_counter() - started)


def _body_context(outcome, plan, files, sites, dose_curves, fingerprint: str) -> dict:
    healing = getattr(outcome, "healing", None)
    pass_header, pass_rows = context.pass_table(outcome, plan)
    region_header, region_rows = context.region_table(outcome)
    bulk = figures.bulk_temperature(outcome)
    heal = figures.healing_timeline(outcome)
    return {
        "css": (TEMPLATES / "report.css").read_text(),
        "banner": context.banner(outcome),
        "cards": context.cards(outcome),
        "pass_header": pass_header,
        "pass_rows": pass_rows,
        "region_header": region_header,
        "region_rows": region_rows,
        "pass_figures": _pass_figures(outcome, plan, files, sites, dose_curves),
        "bulk_figures": [_figure(files, "bulk_temperature.png", bulk,
                                 "bulk temperature over one scanner pattern, per pass")],
        "healing_figures": [_figure(files, "healing_timeline.png", heal,
                                    "healing timeline: days (left), months (right)", "wide")],
        "healing": healing,
        "healing_rows": context.healing_rows(healing) if healing is not None else [],
        "call_clinic": context.clinic_notes(healing) if healing is not None else [],
        "aftercare_rows": context.aftercare_rows(healing) if healing is not None else [],
        "inputs_rows": context.inputs_rows(plan),
        "technical_rows": context.technical_rows(outcome, plan, fingerprint),
        "summary_rows": context.summary_rows(outcome),
        "plan_toml": plan.to_toml(),
        "summary_json": _json_text(outcome.summary.rounded()),
        "plan_json": _json_text(plan.to_dict()),
        "fingerprint": fingerprint,
    }  # fmt: skip


def render_html(outcome, plan, dose_curves=None) -> str:
    """The report as one self-contained HTML document (static figures; opens offline)."""
    return build(outcome, plan, dose_curves).html


def write_report(outcome, plan, directory, **options) -> Path:
    """Write ``report.html`` and its files (PNGs; plotly.js when interactive) into
    `directory`, atomically (a temporary folder beside it, then moved in); returns the
    HTML file's path. `options` go to `build`. Report files of an earlier report in
    `directory` that this one does not write are removed (`REPORT_MANIFEST`)."""
    report = build(outcome, plan, **options)

    def writer(data: bytes):
        def write(path: str) -> None:
            Path(path).write_bytes(data)

        return write

    files = {name: writer(data) for name, data in report.files.items()}
    files["report.html"] = writer(report.html.encode("utf-8"))
    write_directory(directory, files, manifest=REPORT_MANIFEST)
    return Path(directory) / "report.html"
