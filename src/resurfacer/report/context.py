"""What the report shows, as plain rows and strings for its template.

Everything here is formatted from computed results (`treatment.OutcomeSummary`, the
outcome's healing and columns, the plan); nothing is recomputed. Passes are
numbered from 1; units are µm, cm², °C, J/cm², mJ, min, h, d.
"""

from __future__ import annotations

from resurfacer import __version__
from resurfacer.common.units import human_text, split_unit, summary_unit, words
from resurfacer.healing.aftercare import whole_days
from resurfacer.healing.timeline import REPAIRED_AFTER, closure_words
from resurfacer.treatment import round_summary

_LABELS = {
    "plan_name": "plan",
    "resurfacer_version": "resurfacer version",
    "total_area_cm2": "treated area",
    "session_minutes": "session time",
    "total_energy_j": "energy on the treated areas",
    "peak_bulk_temperature_c": "peak bulk temperature",
    "combined_coverage_percent": "combined coverage",
    "max_energy_balance_error": "largest energy-balance error (columns and bulk heating)",
    "reepithelialization_hours": "skin closed after",
    "fluence_j_per_cm2": "fluence per spot",
    "mtz_per_cm2": "MTZ density",
    "energy_j": "energy on the treated areas",
    "minutes": "laser time",
    "spots": "spots on the treated areas",
    "time_above_45c_s": "time above 45 °C",
    "time_above_60c_s": "time above 60 °C",
    "bulk_thermal_dose_cem43_min": "bulk thermal dose",
    "bulk_cem43_min": "bulk thermal dose",
    "downtime_days_range": "downtime band",
    "remodeling_weeks": "remodelling",
}
#: fields shown to significant digits, as the CLI's text tables print them (a thermal
#: dose spans decades: 0.58 CEM43 min read "0.6" at one decimal)
_SIGNIFICANT = {"bulk_thermal_dose_cem43_min": 3, "bulk_cem43_min": 3}
#: pass fields of full-field passes only (the layer a pass removes over the whole area):
#: left out of a fractional pass's rows, where they are always 0
_FULL_FIELD_ONLY = ("ablated_um", "wiped_um", "removed_um")
#: summary fields that are technical (solver checks): shown in the appendix only
TECHNICAL = ("max_energy_balance_error", "heat_source", "resurfacer_version")


def label_and_unit(name: str) -> tuple[str, str]:
    """(label, unit) of a summary field name."""
    stem, _ = split_unit("_" + name.removesuffix("_range"))  # "_" lets "minutes" match
    label = _LABELS.get(name) or words(stem.strip("_"))
    return label or words(name), summary_unit(name)


def closure(skin_opened: bool, hours: float) -> tuple[str, str]:
    """(label, value) of the skin's closure, worded as ``resurfacer healing`` prints it
    (`healing.closure_words`)."""
    return closure_words(skin_opened, format_value(hours, "h"))


def crust_text(healing) -> str:
    """The visible crust and debris as ``resurfacer healing`` gives it: "until day 9.0",
    or none where the surface stays intact."""
    if healing.skin_opened:
        return f"until day {healing.crust_end_days:.1f}"
    return "none (the surface stays intact)"


def format_value(value, unit: str = "") -> str:
    """One value as the report shows it (the CLI's precision where it has one; text with
    its unit spellings for people, `human_text`)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        text = human_text(value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
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
        text = "; ".join(human_text(v) for v in value) if value else "none"
    elif isinstance(value, list | tuple):
        text = "–".join(format_value(v) for v in value)
    else:
        text = str(value)
    return f"{text} {unit}".rstrip() if unit else text


def counted(n: int, noun: str) -> str:
    """A count with its noun in the singular or plural: "1 area", "3 areas"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('s') else 's'}"


def treated_areas(summary) -> str:
    """How many areas at least one pass is fired on ("2 areas"; an area every pass
    skips is in the plan but not treated, nor in the treated area)."""
    return counted(sum(1 for r in summary.regions if r.treated), "area")


def field_value(name: str, value) -> str:
    """A summary field's value with its unit (`label_and_unit`), to the CLI's
    significant digits where it prints some (`_SIGNIFICANT`)."""
    unit = label_and_unit(name)[1]
    if name in _SIGNIFICANT and isinstance(value, float):
        return f"{value:.{_SIGNIFICANT[name]}g} {unit}".rstrip()
    return format_value(value, unit)


def pass_name(p: dict) -> str:
    """'pass 2 (deep)' for a pass summary dict (0-based ``index``)."""
    return f"pass {p['index'] + 1} ({p.get('mode') or p.get('kind')})"


def summary_rows(outcome) -> list[tuple[str, str]]:
    """The summary as (label, value with unit) rows, formatted from `outcome.summary`
    (the model ``simulate --json`` prints): treatment-wide rows first, then each
    pass's rows prefixed "pass i (mode)", i counted from 1 (the removed layers of
    full-field passes only, `_FULL_FIELD_ONLY`)."""
    data = outcome.summary.model_dump()
    rows = []
    for name, value in data.items():
        if name in ("passes", "regions", "broken_rules", "warnings"):
            continue
        label = label_and_unit(name)[0]
        if name == "reepithelialization_hours" and not data.get("skin_opened", True):
            label = REPAIRED_AFTER  # the surface stayed intact
        rows.append((label, field_value(name, value)))
    for p in data.get("passes", []):
        for name, value in p.items():
            if name == "index" or (name in _FULL_FIELD_ONLY and p["kind"] != "full_field"):
                continue
            rows.append((f"{pass_name(p)}: {label_and_unit(name)[0]}", field_value(name, value)))
    return rows


def closure_card(summary) -> dict:
    """The card of the skin's closure: when it closed, or that it stayed intact and when
    the treated zones were repaired (`closure`)."""
    if summary.skin_opened:
        return {"label": "skin closed after", "note": "re-epithelialisation",
                "value": format_value(summary.reepithelialization_hours, "h")}  # fmt: skip
    repaired = format_value(summary.reepithelialization_hours, "h")
    return {"label": "skin surface", "value": "intact",
            "note": f"{REPAIRED_AFTER} {repaired}"}  # fmt: skip


def cards(outcome) -> list[dict]:
    """The headline numbers: {label, value, note}."""
    s = outcome.summary
    lo, hi = s.downtime_days_range
    return [
        {"label": "downtime", "value": format_value(s.downtime_days, "days"),
         "note": f"model band {lo:.1f}–{hi:.1f} d"
         + (f"; slowest area: {words(s.downtime_set_by)}" if s.downtime_set_by else "")},
        closure_card(s),
        {"label": "erythema", "value": format_value(s.erythema_days, "days"), "note": "redness"},
        {"label": "peak bulk temperature", "value": format_value(s.peak_bulk_temperature_c, "°C"),
         "note": "between columns"},
        {"label": "treated area", "value": format_value(s.total_area_cm2, "cm²"),
         "note": treated_areas(s)},
        {"label": "session time", "value": format_value(s.session_minutes, "min"),
         "note": "laser time"},
        {"label": "combined coverage", "value": format_value(s.combined_coverage_percent, "%"),
         "note": counted(len(s.passes), "pass")},
        {"label": "energy on the treated areas", "value": format_value(s.total_energy_j, "J"),
         "note": "all passes; without the pattern over-scan the session time counts"},
    ]  # fmt: skip


def banner(outcome) -> list[dict]:
    """The broken safety rules, each naming its region(s), pass(es) and rule."""
    out = []
    for b in outcome.summary.broken_rules:
        passes = ", ".join(str(i + 1) for i in b.passes)
        out.append(
            {
                "rule": b.rule,
                "regions": ", ".join(words(site) for site in b.sites) or "all regions",
                "passes": (f"pass {passes}" if len(b.passes) == 1 else f"passes {passes}")
                if b.passes
                else "whole plan",
                "message": b.message,
                # the message is "rule (regions): where: what"; the banner names the
                # regions and passes itself
                "text": b.message.split(": ", 2)[-1],
            }
        )
    return out


def pass_table(outcome, plan) -> tuple[list[str], list[list[str]]]:
    """One row per pass: settings, fluence, depths, heating, time; the pulse energy (an
    area-weighted mean where areas fire it at their own) to one decimal, as the CLI's
    pass table prints it."""
    header = ["pass", "device · mode", "wavelength", "spot", "pulse energy", "fluence",
              "coverage", "MTZ/cm²", "crater", "coag. depth", "cuff", "bulk peak",
              "time"]  # fmt: skip
    rows = []
    for p, ps in zip(outcome.summary.passes, plan.passes, strict=True):
        rows.append(
            [
                str(p.index + 1),
                " · ".join(x for x in (p.device, p.mode or p.kind) if x),
                format_value(p.wavelength_nm, "nm"),
                f"{ps.spot_um:g} µm",
                f"{p.pulse_energy_mj:.1f} mJ" + (f" × {ps.stack}" if ps.stack > 1 else ""),
                format_value(p.fluence_j_per_cm2, "J/cm²"),
                format_value(p.coverage_percent, "%"),
                format_value(p.mtz_per_cm2),
                format_value(p.ablation_depth_um, "µm"),
                format_value(p.coagulation_depth_um, "µm"),
                format_value(p.coagulation_thickness_um, "µm"),
                format_value(p.peak_bulk_temperature_c, "°C"),
                format_value(p.minutes, "min"),
            ]
        )
    return header, rows


def region_table(outcome) -> tuple[list[str], list[dict]]:
    """One row per treated area: area, then each pass's crater / coagulation depth and
    the share of the dermis reached ("–" where the pass skips the area), then the
    area's downtime ("not treated" where every pass skips it, as `simulate` prints it);
    rows of areas with a broken rule flagged."""
    s = outcome.summary
    flagged = {site for b in s.broken_rules for site in b.sites}
    header = ["area", "site", "size"]
    for p in s.passes:
        n = p.index + 1
        header += [f"pass {n} crater", f"pass {n} coag. depth", f"pass {n} % of dermis"]
    header.append("downtime")
    rows = []
    for r in s.regions:
        fired = {rp.index: rp for rp in r.passes}
        cells = [words(r.name), words(r.site), format_value(r.area_cm2, "cm²")]
        for p in s.passes:
            rp = fired.get(p.index)
            cells += (
                [
                    format_value(rp.ablation_depth_um, "µm"),
                    format_value(rp.coagulation_depth_um, "µm"),
                    format_value(100.0 * rp.dermis_fraction, "%"),
                ]
                if rp is not None
                else ["–", "–", "–"]
            )
        cells.append(format_value(r.downtime_days, "d") if r.treated else "not treated")
        rows.append({"cells": cells, "flagged": r.name in flagged or r.site in flagged})
    return header, rows


def aftercare_rows(healing) -> list[tuple[str, str, str]]:
    """(days, item, what to do) per aftercare item, the days as whole days inclusive,
    as the day-by-day schedule lists them (`healing.aftercare.whole_days`); an
    open-ended item reads "9–" (from day 9 on; "from 9" widened the column enough to
    push the reference report's PDF to a fourth page)."""
    rows = []
    for item in healing.aftercare:
        first, last = whole_days(item)
        days = f"{first}–" if last is None else f"{first}" if first == last else (
            f"{first}–{last}"
        )
        rows.append((days, item["name"], item["text"]))
    return rows


def healing_rows(healing) -> list[tuple[str, str]]:
    """The healing table as (label, value) rows, the items ``resurfacer healing`` prints
    above its schedule: closure (or the intact surface, `closure`), downtime, visible
    crust/debris (`crust_text`), erythema, oedema, MENDs, remodelling. Each area's
    downtime is in the region table."""
    lo, hi = healing.downtime_days_range
    return [
        closure(healing.skin_opened, healing.reepithelialization_hours),
        ("downtime", f"{format_value(healing.downtime_days, 'd')} (band {lo:.1f}–{hi:.1f} d)"),
        ("visible crust/debris", crust_text(healing)),
        ("erythema", format_value(healing.erythema_days, "d")),
        ("oedema", format_value(healing.oedema_days, "d")),
        ("MENDs and debris shed by", format_value(healing.mend_clearance_days, "d")),
        ("remodelling", format_value(healing.remodeling_weeks, "weeks")),
    ]


def clinic_notes(healing) -> list[str]:
    """When to call the clinic: the notes ``resurfacer healing`` lists, with the same
    days, their unit spellings for people (`human_text`)."""
    return [human_text(n) for n in healing.call_clinic]


def technical_rows(outcome, plan, fingerprint: str) -> list[tuple[str, str]]:
    """The appendix: solver checks, grid, heat source, versions."""
    s = outcome.summary
    rows = [
        (
            "largest energy-balance error (columns and bulk heating)",
            format_value(s.max_energy_balance_error),
        ),
        ("resurfacer version", __version__),
        ("model fingerprint (code and data)", fingerprint),
    ]
    columns = getattr(outcome, "columns", {})
    for i in range(len(plan.passes)):
        cols = [columns[i, a.region] for a, _ in plan.treated(i) if (i, a.region) in columns]
        if not cols:
            continue
        inp = cols[0].inputs
        error = max(c.summary.energy.relative_error for c in cols)
        rows.append(
            (
                f"pass {i + 1}: column solver ({counted(len(cols), 'area')})",
                f"{inp['grid_m'] * 1e6:g} × {inp['radial_grid_m'] * 1e6:g} µm cells, "
                f"{inp['geometry']} geometry, heat source {inp['heat_source']}, "
                f"{inp['damage_model']} damage, largest energy-balance error {error:.1e}",
            )
        )
    rows += [("model note", human_text(n)) for n in s.model_notes]
    return rows


def area_text(area) -> str:
    """An area of the plan as the inputs list it: its name in words, its site where that
    differs, its size ("chin jaw (cheek) 50 cm²")."""
    site = "" if area.region == area.site else f" ({words(area.site)})"
    return f"{words(area.region)}{site} {area.area_cm2:g} cm²"


def inputs_rows(plan) -> list[tuple[str, str]]:
    """The plan as given: patient, areas (presets expanded), notes, every pass with its
    device's presets filled in, numbers to 4 significant digits as the summary's
    (`treatment.round_summary`; session 23: a duration derived from a full-field device's
    peak power read "pulse_duration_ms = 0.39473684210526316")."""

    p = plan.patient
    rows = [
        ("patient", f"{p.sex}, {p.age_years:g} years, phototype {p.phototype}"),
        ("areas", ", ".join(area_text(a) for a in plan.site_areas)),
        ("total area", f"{plan.total_area_cm2:g} cm²"),
    ]
    if plan.notes:
        rows.append(("notes", plan.notes))
    for i, ps in enumerate(plan.passes):
        d = round_summary(ps.model_dump(exclude_none=True))
        rows.append((f"pass {i + 1}", ", ".join(f"{k} = {v}" for k, v in d.items())))
    return rows
