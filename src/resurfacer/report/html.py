"""The self-contained HTML report: figures, summary table, healing, inputs, version.

The document opens offline: plotly.js is inlined from the installed package, the PNG
figures are embedded as base64 data URIs, styles are inline and use system fonts, and
nothing references a URL. The summary is embedded verbatim as JSON
(``<script type="application/json" id="summary">``, `OutcomeSummary.model_dump_json`),
the same object that ``resurfacer simulate --json`` prints; the visible table is
formatted from it (`summary_rows`), never recomputed.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from resurfacer import __version__
from resurfacer.report import figures, interactive

#: PNG resolution [dots per inch].
DPI = 110
_LABELS = {
    "plan_name": "plan",
    "resurfacer_version": "resurfacer version",
    "total_area_cm2": "treated area",
    "session_minutes": "session time",
    "total_energy_j": "energy delivered",
    "peak_bulk_temperature_c": "peak bulk temperature",
    "combined_coverage_percent": "combined coverage",
    "max_energy_balance_error": "largest column energy-balance error",
    "mtz_per_cm2": "MTZ density",
    "energy_j": "energy delivered",
    "minutes": "laser time",
    "spots": "spots fired",
    "time_above_45c_s": "time above 45 °C",
    "time_above_60c_s": "time above 60 °C",
}
_UNITS = (
    ("_per_cm2", "/cm²"),
    ("_cm2", "cm²"),
    ("_um", "um"),
    ("_nm", "nm"),
    ("_mj", "mJ"),
    ("_j", "J"),
    ("_percent", "%"),
    ("_c", "°C"),
    ("_s", "s"),
    ("minutes", "min"),
    ("_hours", "h"),
    ("_days", "d"),
    ("_weeks", "weeks"),
)


def _unit(name: str) -> tuple[str, str]:
    """(label, unit) of a summary field name."""
    label = _LABELS.get(name)
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            if label is None:
                label = name[: -len(suffix)].strip("_").replace("_", " ")
            return label, unit
    return label or name.replace("_", " "), ""


def format_value(value, unit: str = "") -> str:
    """One summary value as the table shows it (the CLI's precision where it has one)."""
    if value is None:
        return "–"
    if isinstance(value, bool) or isinstance(value, int | str):
        text = str(value)
    elif isinstance(value, float):
        a = abs(value)
        if value != value:  # NaN
            text = "nan"
        elif a >= 100:
            text = f"{value:.0f}"
        elif a >= 0.05 or a == 0:
            text = f"{value:.1f}"
        elif a >= 1e-3:
            text = f"{value:.3g}"
        else:
            text = f"{value:.2e}"
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        text = "; ".join(value) if value else "none"
    elif isinstance(value, list | tuple):
        text = "–".join(format_value(v) for v in value)
    else:
        text = str(value)
    return f"{text} {unit}".rstrip() if unit else text


def summary_rows(outcome) -> list[tuple[str, str]]:
    """The summary table as (label, value with unit) rows, formatted from
    `outcome.summary` (the model `simulate --json` prints): treatment-wide rows first,
    then each pass's rows prefixed "pass i (mode)"."""
    data = outcome.summary.model_dump()
    rows = []
    for name, value in data.items():
        if name in ("passes", "regions"):
            continue
        if isinstance(value, dict):
            for k, v in value.items():
                label, unit = _unit(k)
                rows.append((f"{name.replace('_', ' ')}: {label}", format_value(v, unit)))
            continue
        label, unit = _unit(name)
        rows.append((label, format_value(value, unit)))
    for p in data.get("passes", []):
        prefix = f"pass {p['index']} ({p.get('mode') or p.get('kind')})"
        for name, value in p.items():
            if name == "index":
                continue
            label, unit = _unit(name)
            rows.append((f"{prefix}: {label}", format_value(value, unit)))
    return rows


# --- building ------------------------------------------------------------------------


@dataclass
class Report:
    """A rendered report: the HTML text and the PNG figures it embeds ({name: bytes})."""

    html: str
    pngs: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _img(pngs: dict, name: str, alt: str) -> str:
    data = base64.b64encode(pngs[name]).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(alt)} <small>({name})</small></figcaption></figure>"
    )


def _table(rows, header=None, cls="") -> str:
    head = ""
    if header:
        head = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}">{head}{body}</table>'


def _cell(value, long_text: int = 60) -> str:
    """A table cell; long text (e.g. rule warnings) wraps instead of widening the table."""
    text = str(value)
    cls = ' class="long"' if len(text) > long_text else ""
    return f"<td{cls}>{html.escape(text)}</td>"


def _json_script(element_id: str, text: str) -> str:
    # "</script" or "<!--" would end or upset the element: escape <, > and & the JSON way
    safe = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="{element_id}">{safe}</script>'


def build(outcome, plan) -> Report:
    """Render every figure and the HTML document once."""
    import time

    started = time.perf_counter()
    site = figures.largest_site(plan)
    skin = figures.plan_skin(plan, site)
    pngs: dict[str, bytes] = {}
    sections = []
    divs = []
    for i, p in enumerate(plan.passes):
        label = figures.pass_label(p, i)
        column = outcome.columns[i, site]
        curve = figures.dose_curve(plan, i)
        pngs[f"cross_section_pass{i}.png"] = _png(figures.cross_section(column, skin))
        pngs[f"dose_response_pass{i}.png"] = _png(figures.dose_response(plan, i, curve))
        pngs[f"pattern_pass{i}.png"] = _png(figures.pattern_top_view(plan, i))
        ps = outcome.summary.passes[i]
        sections.append(
            f'<section id="pass{i}"><h2>{html.escape(label)}</h2>'
            f"<p>{ps.wavelength_nm:g} nm, {p.spot_um:g} um spot, "
            f"{ps.pulse_energy_mj:g} mJ, {p.pulse_duration_ms:g} ms; "
            f"ablation depth {format_value(ps.ablation_depth_um, 'um')}, coagulation cuff "
            f"{format_value(ps.coagulation_thickness_um, 'um')} (area-weighted over the "
            f"sites); figures below on the largest site, {html.escape(site)}.</p>"
            '<div class="figs">'
            + _img(pngs, f"cross_section_pass{i}.png", f"{label}: one column, to scale")
            + _img(
                pngs,
                f"dose_response_pass{i}.png",
                f"{label}: depth and coagulation vs pulse energy "
                f"({curve.range_source}, capped at {figures.DOSE_MAX_FACTOR:g} x the plan's)",
            )
            + _img(pngs, f"pattern_pass{i}.png", f"{label}: one scanner pattern from above")
            + "</div>"
            + "<details><summary>interactive</summary>"
            + interactive.to_div(interactive.cross_section(column, label), f"xs{i}")
            + interactive.to_div(interactive.dose_response(plan, i, curve), f"dose{i}")
            + "</details></section>"
        )
    pngs["bulk_temperature.png"] = _png(figures.bulk_temperature(outcome))
    pngs["healing_timeline.png"] = _png(figures.healing_timeline(outcome))
    divs.append(interactive.to_div(interactive.bulk_temperature(outcome), "bulk"))

    summary_json = outcome.summary.model_dump_json()
    summary = outcome.summary
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>resurfacer report: {html.escape(summary.plan_name)}</title>",
        f"<style>{_CSS}</style>",
        f'<script type="text/javascript">{interactive.plotly_js()}</script>',
        "</head><body>",
        f"<header><h1>{html.escape(summary.plan_name)}</h1>",
        f'<p class="meta">resurfacer {html.escape(__version__)} · generated '
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} · simulation, "
        "educational model: not medical advice</p>",
        _nav(plan),
        "</header>",
        '<section id="summary-section"><h2>Summary</h2>',
        "<p>The same numbers as <code>resurfacer simulate --json</code> "
        "(embedded below as JSON, id <code>summary</code>).</p>",
        '<div class="figs">',
        _table(
            [r for r in summary_rows(outcome) if not r[0].startswith("pass ")],
            ("treatment", "value"),
            "summary",
        ),
        _pass_table(outcome),
        _region_table(outcome),
        "</div>",
        _json_script("summary", summary_json),
        "</section>",
        *sections,
        '<section id="bulk"><h2>Heat between columns</h2>',
        _img(pngs, "bulk_temperature.png", "bulk temperature over one scanner pattern, per pass"),
        *divs,
        "</section>",
        _healing_section(outcome, pngs),
        _inputs_section(plan),
        f"<footer>resurfacer {html.escape(__version__)}</footer>",
        "</body></html>",
    ]
    text = "\n".join(parts)
    return Report(html=text, pngs=pngs, seconds=time.perf_counter() - started)


def _pass_table(outcome) -> str:
    """The per-pass rows of `summary_rows` as one column per pass."""
    passes = outcome.summary.model_dump()["passes"]
    if not passes:
        return ""
    names = [k for k in passes[0] if k != "index"]
    rows = [(_unit(k)[0], *(format_value(p[k], _unit(k)[1]) for p in passes)) for k in names]
    header = ("pass", *(f"{p['index']}: {p.get('mode') or p.get('kind')}" for p in passes))
    return _table(rows, header, "summary passes")


def _region_table(outcome) -> str:
    """Per treated area: deepest crater and coagulation, fraction of the dermis,
    downtime of that area, bulk peak and thermal dose (`summary.regions`)."""
    regions = outcome.summary.model_dump().get("regions") or []
    if not regions:
        return ""
    names = [k for k in regions[0] if k != "name"]
    rows = [(_unit(k)[0], *(format_value(r[k], _unit(k)[1]) for r in regions)) for k in names]
    header = ("area", *(r["name"] for r in regions))
    return _table(rows, header, "summary regions")


def _nav(plan) -> str:
    links = [("summary-section", "summary")]
    links += [(f"pass{i}", f"pass {i}") for i in range(len(plan.passes))]
    links += [("bulk", "bulk heating"), ("healing", "healing"), ("inputs", "inputs")]
    return "<nav>" + " · ".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t in links) + "</nav>"


def _healing_section(outcome, pngs) -> str:
    healing = getattr(outcome, "healing", None)
    out = ['<section id="healing"><h2>Healing</h2>']
    if healing is None:
        out.append("<p><strong>healing model not available</strong> for this outcome.</p>")
        out.append("</section>")
        return "\n".join(out)
    lo, hi = healing.downtime_days_range
    out.append(f'<p class="disclaimer">{html.escape(healing.disclaimer)}</p>')
    out.append(_img(pngs, "healing_timeline.png", "healing timeline: downtime and aftercare"))
    rows = [
        ("skin closed after", format_value(healing.reepithelialization_hours, "h")),
        ("downtime", f"{format_value(healing.downtime_days, 'd')} (band {lo:.1f}–{hi:.1f} d)"),
        ("erythema", format_value(healing.erythema_days, "d")),
    ]
    for name, unit in (
        ("oedema_days", "d"),
        ("mend_clearance_days", "d"),
        ("remodeling_weeks", "weeks"),
    ):
        if hasattr(healing, name):
            rows.append((_unit(name)[0], format_value(getattr(healing, name), unit)))
    out.append(_table(rows, ("healing", "value"), "summary"))
    if getattr(healing, "milestones", None):
        out.append("<h3>Milestones</h3>")
        out.append(
            _table(
                [(f"{m.day:.1f}", m.name) for m in healing.milestones],
                ("day", "milestone"),
            )
        )
    if getattr(healing, "aftercare", None):
        out.append("<h3>Aftercare</h3>")
        out.append(
            _table(
                [
                    (f"{a['start_day']:.0f}–{a['end_day']:.0f}", a["name"], a.get("text", ""))
                    for a in healing.aftercare
                ],
                ("days", "item", "what"),
            )
        )
    if getattr(healing, "phototype_notes", None):
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in healing.phototype_notes)
        out.append(f"<h3>Phototype notes</h3><ul>{notes}</ul>")
    if getattr(healing, "timeline", None):
        out.append("<details><summary>day by day</summary>")
        out.append(
            _table(
                [(d.day, d.state, d.erythema, ", ".join(d.aftercare)) for d in healing.timeline],
                ("day", "skin", "erythema", "aftercare"),
            )
        )
        out.append("</details>")
    out.append("</section>")
    return "\n".join(out)


def _inputs_section(plan) -> str:
    p = plan.patient
    rows = [
        ("patient", f"{p.sex}, {p.age_years:g} years, phototype {p.phototype}"),
        ("areas", ", ".join(f"{a.site} {a.area_cm2:g} cm²" for a in plan.site_areas)),
        ("total area", f"{plan.total_area_cm2:g} cm²"),
        ("resurfacer version", __version__),
    ]
    if plan.notes:
        rows.append(("notes", plan.notes))
    pass_rows = []
    for i, ps in enumerate(plan.passes):
        d = ps.model_dump(exclude_none=True)
        pass_rows.append((i, ", ".join(f"{k} = {v}" for k, v in d.items())))
    return (
        '<section id="inputs"><h2>Inputs</h2>'
        + _table(rows, ("input", "value"), "summary")
        + "<h3>Passes (device presets filled in)</h3>"
        + _table(pass_rows, ("pass", "fields"))
        + "<h3>Plan file</h3><pre>"
        + html.escape(plan.to_toml())
        + "</pre>"
        + _json_script("plan", json.dumps(plan.to_dict()))
        + "</section>"
    )


def render_html(outcome, plan) -> str:
    """The report as one self-contained HTML document (opens offline)."""
    return build(outcome, plan).html


def write_report(outcome, plan, directory) -> Path:
    """Write ``report.html`` and the PNG figures into `directory`, atomically (a
    temporary folder beside it, then moved in); returns the HTML file's path."""
    from resurfacer.cli.output import write_directory_atomically

    report = build(outcome, plan)

    def writer(data: bytes):
        def write(path: str) -> None:
            Path(path).write_bytes(data)

        return write

    files = {name: writer(data) for name, data in report.pngs.items()}
    files["report.html"] = writer(report.html.encode("utf-8"))
    write_directory_atomically(directory, files)
    return Path(directory) / "report.html"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0 auto;max-width:1200px;padding:0 1.2em 2em;color:#222;line-height:1.4}
header{border-bottom:2px solid #c33;margin-bottom:1em}
h1{margin:.6em 0 .2em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.meta{color:#666;font-size:.9em} nav a{color:#a22;text-decoration:none}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4} table.summary td+td{text-align:right;white-space:nowrap}
table.summary td.long{white-space:normal;text-align:left;max-width:60em;overflow-wrap:anywhere}
.figs{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
figure{margin:.5em 0;max-width:100%} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555;max-width:600px}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}
.disclaimer{background:#fff4e5;border-left:4px solid #f0a020;padding:.5em .8em}
details{margin:.8em 0} summary{cursor:pointer;color:#a22}
footer{margin-top:2em;color:#888;font-size:.85em}
"""
