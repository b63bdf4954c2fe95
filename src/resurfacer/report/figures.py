"""Static figures of a treatment (matplotlib), each usable alone.

Every function returns a `matplotlib.figure.Figure` built without pyplot (no global
state, safe in a server thread); save it with ``fig.savefig(path)``. Lengths are
shown in um or mm, temperatures in degrees C, times in s or days; the SI values
come from the model outputs and are converted only here, at the edge.

* `cross_section(column_result, skin)`: one column to scale, mirrored about its axis;
* `dose_response(plan, pass_index)`: ablation depth and coagulation vs pulse energy;
* `pattern_top_view(plan, pass_index)`: the spots of one scanner pattern;
* `bulk_temperature(outcome)`: the heat that builds up between columns, per pass;
* `healing_timeline(outcome)`: downtime, erythema, sun avoidance and milestones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Polygon, Rectangle

from resurfacer.plan.schema import DEVICES, Plan
from resurfacer.scan.pattern import pattern_positions
from resurfacer.tissue.skin import Skin, skin_for
from resurfacer.treatment import column_for

UM = 1e6
MM = 1e3
#: Isotherms drawn on the cross-section [C].
ISOTHERMS_C = (45.0, 60.0, 100.0, 200.0, 300.0)
#: Pulse energies of the dose-response curve: this many points across the range.
DOSE_POINTS = 5
#: The curve stops at this multiple of the chosen energy (or the device maximum): deep
#: CO2 columns grow to several mm at the top of some device ranges and cost tens of
#: seconds each to solve (README, "Known limits").
DOSE_MAX_FACTOR = 2.0
LAYER_LABELS = {
    "stratum_corneum": "stratum corneum",
    "epidermis": "viable epidermis",
    "papillary_dermis": "papillary dermis",
    "reticular_dermis": "reticular dermis",
    "subcutis": "subcutis",
}
CRATER_COLOR = "#d7ecfa"  # air in the crater
COAG_COLOR = "#0b4fb3"
PASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def pass_label(plan_pass, index: int) -> str:
    """'pass 1: deep (co2_dual)' style label of a plan pass."""
    what = plan_pass.mode or plan_pass.kind
    device = f" ({plan_pass.device})" if plan_pass.device else ""
    return f"pass {index}: {what}{device}"


def largest_site(plan: Plan) -> str:
    """The site with the largest treated area (the one `treatment.simulate` uses for
    bulk heating; ties go to the first listed)."""
    area: dict[str, float] = {}
    for a in plan.site_areas:
        area[a.site] = area.get(a.site, 0.0) + a.area_cm2
    return max(area, key=area.get)


def plan_skin(plan: Plan, site: str | None = None) -> Skin:
    """The patient's skin at `site` (default: the largest treated site)."""
    p = plan.patient
    return skin_for(site or largest_site(plan), sex=p.sex, age=p.age_years, phototype=p.phototype)


# --- cross-section ---------------------------------------------------------------------


def mirrored(fields, geometry: str, spot_diameter: float):
    """x [um], z [um] and the fields as 2-D arrays over the full width (both sides)."""
    z = fields.z.values * UM
    names = ("temperature_end_of_pulse", "ablated", "coagulated")
    if geometry == "wide":
        # the 1-D centre of a wide spot, applied across the spot; untreated skin outside
        radius = spot_diameter / 2.0 * UM
        x = np.linspace(-1.25 * radius, 1.25 * radius, 241)
        inside = np.abs(x) <= radius
        out = {}
        for name in names:
            line = fields[name].isel(r=0).values.astype(float)
            outside = {"temperature_end_of_pulse": 37.0}.get(name, 0.0)
            out[name] = np.where(inside[None, :], line[:, None], outside)
        return x, z, out
    r = fields.r.values * UM
    x = np.concatenate((-r[::-1], r))
    out = {}
    for name in names:
        a = fields[name].values.astype(float)
        out[name] = np.concatenate((a[:, ::-1], a), axis=1)
    return x, z, out


def cross_section(column_result, skin: Skin, title: str | None = None) -> Figure:
    """One column in depth, to scale (equal x and z), mirrored about the beam axis.

    Colour: tissue temperature at the end of the (last) pulse, with isotherms at
    `ISOTHERMS_C`; white, outlined in black: the ablated crater; hatched and outlined
    in cyan: the coagulated cuff (Arrhenius Omega >= 1); dashed: the skin layer
    boundaries of `skin`. A "wide" (full-field or large-spot) result is the 1-D centre
    of the spot drawn across the spot diameter.
    """
    fields = column_result.fields
    geometry = column_result.geometry
    spot = float(column_result.inputs.get("spot_diameter_m", 2 * float(fields.r.max())))
    x, z, f = mirrored(fields, geometry, spot)
    s = column_result.summary
    deepest = np.nanmax([s.ablation_depth, s.coagulation_depth, 0.0]) * UM
    bounds = skin.layer_boundaries() * UM
    # show the lesion with a margin, and at least the epidermis and papillary dermis
    z_max = min(float(z.max()), max(1.3 * deepest, bounds[min(3, len(bounds) - 1)], 100.0))
    keep = z <= z_max
    z = z[keep]
    f = {k: v[keep] for k, v in f.items()}
    width = float(x.max() - x.min())
    aspect = z_max / width
    fig_w = 8.0 if aspect < 1.5 else 6.0
    # axes to scale: height follows the width left after the colour bar and labels
    fig_h = min(11.0, max(2.8, 1.5 + (fig_w - 2.6) * aspect))
    fig = Figure(figsize=(fig_w, fig_h))
    ax = fig.add_subplot()
    temp = np.where(f["ablated"] > 0.5, np.nan, f["temperature_end_of_pulse"])
    finite = np.isfinite(temp).any()
    t_max = float(np.nanmax(temp)) if finite else 37.0
    t_top = min(max(60.0, t_max), 150.0)
    cmap = colormaps["YlOrRd"].with_extremes(bad=CRATER_COLOR)
    mesh = ax.pcolormesh(x, z, temp, cmap=cmap, vmin=37.0, vmax=t_top, shading="nearest")
    # the colour bar hangs on the axes box itself (which equal aspect shrinks)
    cax = ax.inset_axes([1.03, 0.0, 0.035, 1.0] if aspect < 1.5 else [1.05, 0.3, 0.07, 0.4])
    cb = fig.colorbar(mesh, cax=cax, extend="max" if t_max > t_top else "neither")
    cb.set_label("temperature at end of pulse [°C]", fontsize=8)
    levels = [t for t in ISOTHERMS_C if t < t_max]
    if levels:
        iso = ax.contour(x, z, temp, levels=levels, colors="0.2", linewidths=0.6)
        ax.clabel(iso, fmt="%g °C", fontsize=6)
    if f["coagulated"].any():
        ax.contourf(x, z, f["coagulated"], levels=[0.5, 1.5], colors="none", hatches=["////"])
        ax.contour(x, z, f["coagulated"], levels=[0.5], colors=COAG_COLOR, linewidths=1.2)
    if f["ablated"].any():
        ax.contour(x, z, f["ablated"], levels=[0.5], colors="black", linewidths=1.2)
    for depth in bounds[1:]:
        if depth <= z_max:
            ax.axhline(depth, color="0.45", ls="--", lw=0.7)
    for top, bottom, layer in zip(bounds[:-1], bounds[1:], skin.layers, strict=True):
        if top < z_max and min(bottom, z_max) - top > 0.04 * z_max:
            ax.text(
                x.min() + 0.01 * width,
                (top + min(bottom, z_max)) / 2.0,
                LAYER_LABELS.get(layer.name, layer.name),
                fontsize=7,
                va="center",
                bbox={"facecolor": "white", "alpha": 0.7, "lw": 0, "pad": 1},
            )
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(z_max, 0.0)
    ax.set_aspect("equal")
    ax.set_xlabel("distance from beam axis [um]")
    ax.set_ylabel("depth below skin surface [um]")
    handles = [
        Patch(facecolor=CRATER_COLOR, edgecolor="black", label="ablated crater"),
        Patch(facecolor="none", edgecolor=COAG_COLOR, hatch="////", label="coagulated (Ω ≥ 1)"),
        Line2D([], [], color="0.2", lw=0.6, label="isotherms"),
        Line2D([], [], color="0.45", ls="--", lw=0.7, label="layer boundaries"),
    ]
    fig.legend(handles=handles, fontsize=7, loc="lower center", ncol=4, frameon=False)
    inp = column_result.inputs
    default = (
        f"{inp.get('site', skin.site)}: {inp.get('pulse_energy_j', float('nan')) * 1e3:.4g} mJ, "
        f"{spot * UM:.0f} um spot; crater {s.ablation_depth * UM:.0f} um, "
        f"coag. {s.coagulation_thickness * UM:.0f} um"
        + (" (1-D centre of a wide spot)" if geometry == "wide" else "")
    )
    ax.set_title(title or default, fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


# --- dose response ---------------------------------------------------------------------


@dataclass(frozen=True)
class DoseCurve:
    """Column results vs pulse energy for one pass's beam on one site (clinical units)."""

    site: str
    energies_mj: np.ndarray
    ablation_depth_um: np.ndarray
    coagulation_thickness_um: np.ndarray
    coagulation_depth_um: np.ndarray
    chosen_mj: float
    chosen_ablation_depth_um: float
    chosen_coagulation_thickness_um: float
    range_mj: tuple[float, float]
    range_source: str


def dose_energies(plan: Plan, pass_index: int) -> tuple[np.ndarray, tuple[float, float], str]:
    """Pulse energies [mJ] of the curve: `DOSE_POINTS` evenly spaced across the
    device mode's range (capped at `DOSE_MAX_FACTOR` x the chosen energy), plus the
    chosen energy. Without a device: chosen / 4 to chosen x `DOSE_MAX_FACTOR`."""
    p = plan.passes[pass_index]
    chosen = p.pulse_energy_mj
    lo, hi, source = chosen / 4.0, chosen * DOSE_MAX_FACTOR, "chosen / 4 to 2 x chosen"
    if p.device is not None:
        entry = DEVICES[p.device]["modes"][p.mode].get("pulse_energy_mj")
        if isinstance(entry, dict) and "min" in entry:
            lo, hi = float(entry["min"]), float(entry["max"])
            source = f"{p.device} {p.mode} range {lo:g}-{hi:g} mJ"
    hi = min(hi, max(chosen, lo) * DOSE_MAX_FACTOR)
    lo = min(lo, chosen)
    grid = np.linspace(lo, hi, DOSE_POINTS)
    grid = grid[np.abs(grid - chosen) > 0.1 * (hi - lo)]  # no near-twin of the plan's point
    energies = np.unique(np.round(np.append(grid, chosen), 6))
    return energies, (lo, hi), source


def dose_curve(plan: Plan, pass_index: int, energies_mj=None) -> DoseCurve:
    """Solve the columns of the curve (cached by `treatment.column_for`, 4 um grid) on
    the plan's largest site; the chosen energy's column is the treatment's own."""
    p = plan.passes[pass_index]
    site = largest_site(plan)
    skin = plan_skin(plan, site)
    if energies_mj is None:
        energies, span, source = dose_energies(plan, pass_index)
    else:
        energies = np.unique(np.append(np.asarray(energies_mj, float), p.pulse_energy_mj))
        span, source = (float(energies.min()), float(energies.max())), "given energies"
    beam = p.beam()
    rows = []
    for e in energies:
        pulse = p.model_copy(update={"pulse_energy_mj": float(e)}).pulse()
        s = column_for(skin, beam, pulse).summary
        rows.append((s.ablation_depth, s.coagulation_thickness, s.coagulation_depth))
    a = np.array(rows) * UM
    chosen = int(np.argmin(np.abs(energies - p.pulse_energy_mj)))
    return DoseCurve(
        site=site,
        energies_mj=energies,
        ablation_depth_um=a[:, 0],
        coagulation_thickness_um=a[:, 1],
        coagulation_depth_um=a[:, 2],
        chosen_mj=float(p.pulse_energy_mj),
        chosen_ablation_depth_um=float(a[chosen, 0]),
        chosen_coagulation_thickness_um=float(a[chosen, 1]),
        range_mj=span,
        range_source=source,
    )


def dose_response(plan: Plan, pass_index: int, curve: DoseCurve | None = None) -> Figure:
    """Ablation depth (left axis) and coagulation cuff thickness (right axis) vs pulse
    energy for pass `pass_index`'s beam and pulse on the largest treated site, the
    plan's setting marked."""
    c = curve or dose_curve(plan, pass_index)
    p = plan.passes[pass_index]
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.add_subplot()
    ax.plot(c.energies_mj, c.ablation_depth_um, "o-", color="#1f77b4", label="ablation depth")
    ax.set_xlabel("pulse energy [mJ]")
    ax.set_ylabel("ablation depth [um]", color="#1f77b4")
    ax2 = ax.twinx()
    ax2.plot(
        c.energies_mj,
        c.coagulation_thickness_um,
        "s--",
        color="#d62728",
        label="coagulation cuff thickness",
    )
    ax2.set_ylabel("coagulation cuff thickness [um]", color="#d62728")
    ax.axvline(c.chosen_mj, color="0.3", lw=1, ls=":")
    ax.plot(
        [c.chosen_mj], [c.chosen_ablation_depth_um], "o", ms=12, mfc="none", mec="black", mew=1.6
    )
    ax2.plot(
        [c.chosen_mj],
        [c.chosen_coagulation_thickness_um],
        "s",
        ms=12,
        mfc="none",
        mec="black",
        mew=1.6,
    )
    ax.annotate(
        f"plan: {c.chosen_mj:g} mJ\n{c.chosen_ablation_depth_um:.0f} um deep, "
        f"{c.chosen_coagulation_thickness_um:.0f} um coag.",
        (c.chosen_mj, c.chosen_ablation_depth_um),
        xytext=(8, 8),
        textcoords="offset points",
        fontsize=8,
        bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
    )
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    lines = ax.get_lines()[:1] + ax2.get_lines()[:1]
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="upper left")
    ax.set_title(
        f"{pass_label(p, pass_index)}: {p.wavelength_nm:g} nm, {p.spot_um:g} um spot, "
        f"{p.pulse_duration_ms:g} ms, on {c.site}",
        fontsize=9,
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# --- pattern ---------------------------------------------------------------------------


def pattern_spacing(plan_pass) -> float:
    """Lattice pitch [m] of a pass (a full-field pass tiles spot by spot)."""
    if plan_pass.kind == "full_field" or plan_pass.spot_spacing_m is None:
        return plan_pass.spot_um * 1e-6
    return plan_pass.spot_spacing_m


def pattern_top_view(plan: Plan, pass_index: int) -> Figure:
    """The spots of one scanner pattern seen from above, to scale: circles of the 1/e^2
    (top-hat: full) spot diameter at the lattice positions, the pattern outline, and the
    coverage (summed spot area over treated area, the model's density)."""
    p = plan.passes[pass_index]
    spacing = pattern_spacing(p)
    size = p.pattern_size_mm * 1e-3
    x, y = pattern_positions(p.pattern_shape, size, spacing)
    radius = p.spot_um * 1e-6 / 2.0 * MM
    fig = Figure(figsize=(5.6, 5.6))
    ax = fig.add_subplot()
    circles = [Circle((a, b), radius) for a, b in zip(x * MM, y * MM, strict=True)]
    ax.add_collection(
        PatchCollection(circles, facecolor="#d62728", edgecolor="#7f1010", alpha=0.6, lw=0.3)
    )
    half = size / 2.0 * MM
    if p.pattern_shape == "hexagon":
        corner = half * 2.0 / math.sqrt(3.0)
        outline = Polygon(
            [(corner, 0), (corner / 2, half), (-corner / 2, half), (-corner, 0),
             (-corner / 2, -half), (corner / 2, -half)],
            fill=False, ls="--", ec="0.4",
        )  # fmt: skip
    elif p.pattern_shape == "line":
        outline = Rectangle((-half, -radius), 2 * half, 2 * radius, fill=False, ls="--", ec="0.4")
    else:
        outline = Rectangle((-half, -half), 2 * half, 2 * half, fill=False, ls="--", ec="0.4")
    ax.add_patch(outline)
    extent = max(half, float(np.max(np.abs(np.concatenate((x, y))))) * MM + radius) * 1.08
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("x [mm]")
    ax.set_ylabel("y [mm]")
    coverage = 100.0 * p.density_fraction
    density = "" if p.mtz_per_m2 is None else f", {p.mtz_per_m2 * 1e-4:.0f} MTZ/cm²"
    ax.set_title(
        f"{pass_label(p, pass_index)}: {x.size} spots of {p.spot_um:g} um, "
        f"pitch {spacing * UM:.0f} um\ncoverage {coverage:.1f} %{density}, "
        f"{p.pattern_shape} {p.pattern_size_mm:g} mm pattern",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


# --- bulk heating ----------------------------------------------------------------------


def bulk_temperature(outcome) -> Figure:
    """Temperature over one scanner pattern between the columns of each pass, at each
    probe depth (`outcome.dataset.bulk_temperature_at_depth`), with the 45 C mark."""
    ds = outcome.dataset
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.add_subplot()
    styles = ["-", "--", ":", "-."]
    depths_um = ds["probe_depth"].values * 1e6
    for i, s in enumerate(outcome.summary.passes):
        t = ds["bulk_time"].isel(**{"pass": i}).values
        color = PASS_COLORS[i % len(PASS_COLORS)]
        for d, depth in enumerate(depths_um):
            temp = ds["bulk_temperature_at_depth"].isel(**{"pass": i, "probe_depth": d}).values
            ax.plot(
                t,
                temp,
                color=color,
                ls=styles[d % len(styles)],
                label=f"pass {i} ({s.mode or s.kind}), {depth:.0f} um deep",
            )
        hottest = ds["bulk_temperature_history"].isel(**{"pass": i}).values
        k = int(np.argmax(hottest))
        ax.plot([t[k]], [hottest[k]], "o", color=color)
        ax.annotate(
            f"{s.peak_bulk_temperature_c:.1f} °C",
            (t[k], hottest[k]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color=color,
        )
    top = ax.get_ylim()[1]
    if top > 43.0:
        ax.axhline(45.0, color="0.4", ls="--", lw=0.8, label="45 °C")
    ax.margins(y=0.12)
    ax.set_xlabel("time from the first spot of the pattern [s]")
    ax.set_ylabel("temperature [°C]")
    ax.set_title("bulk temperature between columns at each probe depth (one pattern)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# --- healing ---------------------------------------------------------------------------


def _sun_items(healing) -> list[dict]:
    return [a for a in getattr(healing, "aftercare", []) if "sun" in a.get("name", "").lower()]


def healing_timeline(outcome) -> Figure:
    """Days after treatment: the downtime (with its model band), erythema, the aftercare
    schedule with the sun-avoidance windows highlighted, and the milestones. Draws a
    "healing model not available" note when `outcome.healing` is missing."""
    healing = getattr(outcome, "healing", None)
    fig = Figure(figsize=(8.0, 4.6))
    ax = fig.add_subplot()
    ax.set_xlabel("days after treatment [d]")
    if healing is None:
        ax.text(0.5, 0.5, "healing model not available", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip
        ax.set_yticks([])
        ax.set_xlim(0, 30)
        return fig
    bars = [("skin closed", 0.0, healing.reepithelialization_hours / 24.0, "#8c564b")]
    bars.append(("downtime", 0.0, healing.downtime_days, "#d62728"))
    bars.append(("erythema", 0.0, healing.erythema_days, "#ff7f0e"))
    for item in getattr(healing, "aftercare", []):
        sun = "sun" in item["name"].lower()
        bars.append(
            (item["name"], item["start_day"], item["end_day"], "#f2b701" if sun else "#7f7f7f")
        )
    lo, hi = healing.downtime_days_range
    for row, (_name, start, end, color) in enumerate(bars):
        ax.barh(row, max(end - start, 0.05), left=start, color=color, alpha=0.85, height=0.6)
        at = max(end, hi) if row == 1 else end  # beside the downtime band's whisker
        text = f" {end:.1f} d" if end < 10 else f" {end:.0f} d"
        ax.text(at, row, text, va="center", fontsize=7)
    d = healing.downtime_days
    ax.errorbar([d], [1], xerr=[[d - lo], [hi - d]], fmt="none", ecolor="black", capsize=4, lw=1)
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.invert_yaxis()
    for m in getattr(healing, "milestones", []):
        ax.axvline(m.day, color="0.6", lw=0.6, ls=":")
    x_max = max([b[2] for b in bars] + [m.day for m in getattr(healing, "milestones", [])] + [14.0])
    ax.set_xscale("symlog", linthresh=14.0, linscale=1.5)
    ticks = [t for t in (0, 1, 2, 3, 5, 7, 10, 14, 30, 60, 90, 180, 365) if t <= x_max * 1.2]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_xlim(0, x_max * 1.25)
    sun = _sun_items(healing)
    sun_text = "; ".join(f"{s['name']} day {s['start_day']:.0f}-{s['end_day']:.0f}" for s in sun)
    ax.set_title(
        f"downtime {healing.downtime_days:.1f} d (band {lo:.1f}-{hi:.1f}); {sun_text}\n"
        "dotted: milestones (table below); linear to 14 d, logarithmic after",
        fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
