"""Static figures of a treatment (matplotlib), each usable alone.

Every function returns a `matplotlib.figure.Figure` built without pyplot (no global
state, safe in a server thread); save it with ``fig.savefig(path)``. Lengths are
shown in µm or mm, temperatures in °C, times in s, days or months; the SI values
come from the model outputs and are converted only here, at the edge. Passes are
numbered from 1. The figures only draw: every number comes computed (the
treatment's outcome, `resurfacer.sweeps.dose.dose_curves`).

* `cross_section(column_result, skin)`: one column to scale, mirrored about its axis;
* `dose_response(plan, pass_index, curve)`: ablation depth and coagulation vs pulse
  energy (a `sweeps.dose.DoseCurve`);
* `pattern_top_view(plan, pass_index)`: the spots of one scanner pattern;
* `bulk_temperature(outcome)`: the heat that builds up between columns, per pass;
* `healing_timeline(outcome)`: downtime, erythema, sun avoidance and milestones.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Polygon, Rectangle

from resurfacer.common.units import PER_METRE_UM
from resurfacer.healing.aftercare import days_text, whole_days
from resurfacer.plan.schema import Plan
from resurfacer.scan.pattern import pattern_positions
from resurfacer.tissue.skin import Skin

MM = 1e3
#: Isotherms drawn on the cross-section [C].
ISOTHERMS_C = (45.0, 60.0, 100.0, 200.0, 300.0)
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
    """'pass 2: deep (co2_dual)' style label of ``plan.passes[index]`` (people count
    passes from 1)."""
    what = plan_pass.mode or plan_pass.kind
    device = f" ({plan_pass.device})" if plan_pass.device else ""
    return f"pass {index + 1}: {what}{device}"


# --- cross-section ---------------------------------------------------------------------


def mirrored(fields, geometry: str, spot_diameter: float):
    """x [µm], z [µm] and the fields as 2-D arrays over the full width (both sides)."""
    z = fields.z.values * PER_METRE_UM
    names = ("temperature_end_of_pulse", "ablated", "coagulated")
    if geometry == "wide":
        # the 1-D centre of a wide spot, applied across the spot; untreated skin outside
        radius = spot_diameter / 2.0 * PER_METRE_UM
        x = np.linspace(-1.25 * radius, 1.25 * radius, 241)
        inside = np.abs(x) <= radius
        out = {}
        for name in names:
            line = fields[name].isel(r=0).values.astype(float)
            outside = {"temperature_end_of_pulse": 37.0}.get(name, 0.0)
            out[name] = np.where(inside[None, :], line[:, None], outside)
        return x, z, out
    r = fields.r.values * PER_METRE_UM
    x = np.concatenate((-r[::-1], r))
    out = {}
    for name in names:
        a = fields[name].values.astype(float)
        out[name] = np.concatenate((a[:, ::-1], a), axis=1)
    return x, z, out


def cross_section(column_result, skin: Skin, title: str | None = None) -> Figure:
    """One column in depth, to scale (equal x and z), mirrored about the beam axis.

    Colour: tissue temperature at the end of the (last) pulse, with isotherms at
    `ISOTHERMS_C`; pale blue, outlined in black: the ablated crater; hatched and
    outlined in blue: the coagulated lesion (Arrhenius Omega >= 1, the cells the summary
    counts: `column.summary.lesion_cells`); dashed: the skin
    layer boundaries of `skin`. A "wide" (full-field or large-spot) result is the 1-D
    centre of the spot drawn across the spot diameter.
    """
    fields = column_result.fields
    spot = float(column_result.inputs.get("spot_diameter_m", 2 * float(fields.r.max())))
    x, z, f = mirrored(fields, column_result.geometry, spot)
    bounds = skin.layer_boundaries() * PER_METRE_UM
    z, f, z_max = _crop(z, f, column_result.summary, bounds)
    aspect = z_max / float(x.max() - x.min())
    fig_w = 8.0 if aspect < 1.5 else 6.0
    # axes to scale: height follows the width left after the colour bar and labels
    fig = Figure(figsize=(fig_w, min(11.0, max(2.8, 1.5 + (fig_w - 2.6) * aspect))))
    ax = fig.add_subplot()
    _draw_temperature(fig, ax, x, z, f, aspect)
    _draw_zones(ax, x, z, f)
    _draw_layers(ax, x, bounds, skin, z_max)
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(z_max, 0.0)
    ax.set_aspect("equal")
    ax.set_xlabel("distance from beam axis [µm]")
    ax.set_ylabel("depth below skin surface [µm]")
    fig.legend(handles=_zone_legend(), fontsize=7, loc="lower center", ncol=4, frameon=False)
    ax.set_title(title or _column_title(column_result, skin, spot), fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def _crop(z, f, summary, bounds):
    """Rows down to the lesion with a margin, and at least the epidermis and papillary
    dermis: (z, fields, z_max) [µm]."""
    deepest = np.nanmax([summary.ablation_depth, summary.coagulation_depth, 0.0]) * PER_METRE_UM
    z_max = min(float(z.max()), max(1.3 * deepest, bounds[min(3, len(bounds) - 1)], 100.0))
    keep = z <= z_max
    return z[keep], {k: v[keep] for k, v in f.items()}, z_max


def _draw_temperature(fig, ax, x, z, f, aspect: float) -> None:
    """End-of-pulse temperature (crater blank), its colour bar and isotherms."""
    temp = np.where(f["ablated"] > 0.5, np.nan, f["temperature_end_of_pulse"])
    t_max = float(np.nanmax(temp)) if np.isfinite(temp).any() else 37.0
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


def _draw_zones(ax, x, z, f) -> None:
    """The coagulated cuff (hatched, blue outline) and the crater (black outline)."""
    if f["coagulated"].any():
        ax.contourf(x, z, f["coagulated"], levels=[0.5, 1.5], colors="none", hatches=["////"])
        ax.contour(x, z, f["coagulated"], levels=[0.5], colors=COAG_COLOR, linewidths=1.2)
    if f["ablated"].any():
        ax.contour(x, z, f["ablated"], levels=[0.5], colors="black", linewidths=1.2)


def _draw_layers(ax, x, bounds, skin: Skin, z_max: float) -> None:
    """Dashed layer boundaries and the layer names where there is room."""
    width = float(x.max() - x.min())
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


def _zone_legend() -> list:
    return [
        Patch(facecolor=CRATER_COLOR, edgecolor="black", label="ablated crater"),
        Patch(facecolor="none", edgecolor=COAG_COLOR, hatch="////", label="coagulated (Ω ≥ 1)"),
        Line2D([], [], color="0.2", lw=0.6, label="isotherms"),
        Line2D([], [], color="0.45", ls="--", lw=0.7, label="layer boundaries"),
    ]


def _column_title(column_result, skin: Skin, spot: float) -> str:
    inp, s = column_result.inputs, column_result.summary
    return (
        f"{inp.get('site', skin.site)}: {inp.get('pulse_energy_j', float('nan')) * 1e3:.4g} mJ, "
        f"{spot * PER_METRE_UM:.0f} µm spot; crater {s.ablation_depth * PER_METRE_UM:.0f} µm, "
        f"coag. {s.coagulation_thickness * PER_METRE_UM:.0f} µm"
        + (" (1-D centre of a wide spot)" if column_result.geometry == "wide" else "")
    )


# --- dose response ---------------------------------------------------------------------


def dose_response(plan: Plan, pass_index: int, curve) -> Figure:
    """Ablation depth (left axis) and coagulation cuff thickness (right axis) vs pulse
    energy for pass `pass_index`'s beam and pulse as fired on the curve's area, from a
    computed `resurfacer.sweeps.dose.DoseCurve`, the setting fired there marked and
    the area named in the title."""
    c = curve
    p = c.fired
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.add_subplot()
    ax.plot(c.energies_mj, c.ablation_depth_um, "o-", color="#1f77b4", label="ablation depth")
    ax.set_xlabel("pulse energy [mJ]")
    ax.set_ylabel("ablation depth [µm]", color="#1f77b4")
    ax2 = ax.twinx()
    ax2.plot(
        c.energies_mj,
        c.coagulation_thickness_um,
        "s--",
        color="#d62728",
        label="coagulation cuff thickness",
    )
    ax2.set_ylabel("coagulation cuff thickness [µm]", color="#d62728")
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
        f"plan: {c.chosen_mj:g} mJ\n{c.chosen_ablation_depth_um:.0f} µm deep, "
        f"{c.chosen_coagulation_thickness_um:.0f} µm coag.",
        (c.chosen_mj, c.chosen_ablation_depth_um),
        xytext=(8, 8),
        textcoords="offset points",
        fontsize=8,
        bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
    )
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    lines = ax.get_lines()[:1] + ax2.get_lines()[:1]
    ax.legend(lines, [str(line.get_label()) for line in lines], fontsize=8, loc="upper left")
    ax.set_title(
        f"{pass_label(plan.passes[pass_index], pass_index)}: {p.wavelength_nm:g} nm, "
        f"{p.spot_um:g} µm spot, {p.pulse_duration_ms:.3g} ms, on {c.shown_on}",
        fontsize=9,
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# --- pattern ---------------------------------------------------------------------------


def pattern_top_view(plan: Plan, pass_index: int) -> Figure:
    """The spots of one scanner pattern seen from above, to scale: circles of the 1/e^2
    (top-hat: full) spot diameter at the lattice positions, the pattern outline, and the
    coverage (summed spot area over treated area, the model's density)."""
    p = plan.passes[pass_index]
    spacing = p.pitch_m
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
    outline: Patch
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
    coverage = 100.0 * p.covered_fraction  # as the tables print it (overlap counted once)
    density = "" if p.mtz_per_m2 is None else f", {p.mtz_per_m2 * 1e-4:.0f} MTZ/cm²"
    ax.set_title(
        f"{pass_label(p, pass_index)}: {x.size} spots of {p.spot_um:g} µm, "
        f"pitch {spacing * PER_METRE_UM:.0f} µm\ncoverage {coverage:.1f} %{density}, "
        f"{p.pattern_shape} {p.pattern_size_mm:g} mm pattern",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


# --- bulk heating ----------------------------------------------------------------------


def bulk_temperature(outcome) -> Figure:
    """Temperature over one scanner pattern between the columns of each pass, at each
    probe depth (`outcome.dataset.bulk_temperature_at_depth` on its `time`
    coordinate), with the 45 °C mark."""
    ds = outcome.dataset
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.add_subplot()
    styles = ["-", "--", ":", "-."]
    depths_um = ds["probe_depth"].values * 1e6
    t = ds["time"].values
    for i, s in enumerate(outcome.summary.passes):
        color = PASS_COLORS[i % len(PASS_COLORS)]
        for d, depth in enumerate(depths_um):
            temp = ds["bulk_temperature_at_depth"].isel(**{"pass": i, "probe_depth": d}).values
            ok = np.isfinite(temp)
            ax.plot(
                t[ok],
                temp[ok],
                color=color,
                ls=styles[d % len(styles)],
                label=f"pass {i + 1} ({s.mode or s.kind}), {depth:.0f} µm deep",
            )
        hottest = ds["bulk_temperature_history"].isel(**{"pass": i}).values
        k = int(np.nanargmax(hottest))
        ax.plot([t[k]], [hottest[k]], "o", color=color)
        ax.annotate(
            f"{s.peak_bulk_temperature_c:.1f} °C",
            (t[k], hottest[k]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color=color,
        )
    if ax.get_ylim()[1] > 43.0:
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

#: days shown on the linear panel of the healing timeline (at least)
HEALING_DAYS = 21.0
DAYS_PER_MONTH = 30.44


def _healing_bars(healing) -> list[tuple[str, float, float, str, str]]:
    """(name, start day, end day, colour, end label) of closure, downtime, erythema and
    the aftercare items. An item spans the whole days the schedule lists it on
    (`healing.aftercare.whole_days`: "days -1 to 12" is drawn from -1 to 13) and is
    labelled with them; an open-ended one ("from day 5") runs to `math.inf`, which
    `_draw_bars` ends at its panel's right edge."""
    spans = (
        ("skin closed", healing.reepithelialization_hours / 24.0, "#8c564b"),
        ("downtime", healing.downtime_days, "#d62728"),
        ("erythema", healing.erythema_days, "#ff7f0e"),
    )
    bars = [(name, 0.0, float(end), color, _days_label(end)) for name, end, color in spans]
    for item in getattr(healing, "aftercare", []):
        sun = "sun" in item["name"].lower()
        color = "#f2b701" if sun else "#7f7f7f"
        first, last = whole_days(item)
        end = math.inf if last is None else last + 1.0
        bars.append((item["name"], float(first), end, color, " " + days_text(item)))
    return bars


def _days_label(end: float) -> str:
    """An end day as the tables print it: one decimal below 100 d, whole from 100 d."""
    return f" {end:.1f} d" if end < 100 else f" {end:.0f} d"


def _draw_bars(ax, bars, scale: float, label_ends: bool, right: float) -> None:
    """Horizontal bars in units of `scale` days, open-ended ones to `right` (the panel's
    edge, in the same units); end labels (their days) on the day panel."""
    for row, (_name, start, end, color, label) in enumerate(bars):
        stop = min(end / scale, right)
        ax.barh(row, max(stop - start / scale, 0.02), left=start / scale, color=color,
                alpha=0.85, height=0.6)  # fmt: skip
        if label_ends:
            x = stop if math.isfinite(end) else start / scale
            ax.text(x, row, label, va="center", fontsize=7, clip_on=True)


def healing_timeline(outcome) -> Figure:
    """After treatment, on two linear panels: days (at least `HEALING_DAYS`) with
    closure, downtime and its model band, erythema, the aftercare schedule (sun
    avoidance in yellow) and the early milestones; months (to the end of remodelling)
    with the same bars and the late milestones. Draws a "healing model not available"
    note when `outcome.healing` is missing."""
    healing = getattr(outcome, "healing", None)
    if healing is None:
        fig = Figure(figsize=(8.0, 3.0))
        ax = fig.add_subplot()
        ax.set_xlabel("days after treatment [d]")
        ax.text(0.5, 0.5, "healing model not available", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip
        ax.set_yticks([])
        ax.set_xlim(0, 30)
        return fig
    bars = _healing_bars(healing)
    milestones = list(getattr(healing, "milestones", []))
    fig = Figure(figsize=(9.0, 0.9 + 0.32 * len(bars)))
    days, months = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": (2.2, 1)})
    x_days = max(HEALING_DAYS, min(60.0, healing.erythema_days * 1.15))
    _draw_bars(days, bars, 1.0, True, x_days)
    lo, hi = healing.downtime_days_range
    d = healing.downtime_days
    days.errorbar([d], [1], xerr=[[d - lo], [hi - d]], fmt="none", ecolor="black", capsize=4,
                  lw=1)  # fmt: skip
    days.set_xlim(min([0.0] + [b[1] for b in bars]), x_days)
    days.set_xlabel("days after treatment [d]")
    days.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    days.invert_yaxis()
    last = max([b[2] for b in bars if math.isfinite(b[2])] + [m.day for m in milestones] + [60.0])
    _draw_bars(months, bars, DAYS_PER_MONTH, False, last / DAYS_PER_MONTH * 1.08)
    months.set_xlim(0, last / DAYS_PER_MONTH * 1.08)
    months.set_xlabel("months after treatment [months]")
    for m in milestones:
        ax = days if m.day <= x_days else months
        ax.axvline(m.day / (1.0 if ax is days else DAYS_PER_MONTH), color="0.5", lw=0.7, ls=":")
    for ax in (days, months):
        ax.grid(axis="x", alpha=0.3)
    sun = "; ".join(
        f"{a['name']} {days_text(a)}" for a in _sun_items(healing)
    )
    fig.suptitle(
        f"downtime {d:.1f} d (band {lo:.1f}-{hi:.1f} d); {sun}; dotted: milestones",
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def _sun_items(healing) -> list[dict]:
    return [a for a in getattr(healing, "aftercare", []) if "sun" in a.get("name", "").lower()]
