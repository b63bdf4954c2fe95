"""Dose response of one pass: column results vs pulse energy (computed here, drawn
by `resurfacer.report`).

The curve solves the pass's beam and pulse at a few pulse energies on one site,
with the treatment's cached column solver (`treatment.column_for`, 4 µm cells):
the plan's own energy is the treatment's column, the others cost one column
solve each (deep CO2 columns reach several mm at the top of some device ranges
and cost tens of seconds, so the range is capped at `DOSE_MAX_FACTOR` x the
plan's energy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resurfacer.common.units import PER_METRE_UM
from resurfacer.plan.schema import DEVICES, Plan
from resurfacer.tissue.skin import skin_for
from resurfacer.treatment import column_for

#: Pulse energies of the curve: this many points across the range.
DOSE_POINTS = 5
#: The curve stops at this multiple of the chosen energy (or the device maximum).
DOSE_MAX_FACTOR = 2.0


@dataclass(frozen=True)
class DoseCurve:
    """Column results vs pulse energy for one pass's beam on one site (clinical units:
    mJ, µm)."""

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


def largest_site(plan: Plan) -> str:
    """The site with the largest treated area (the dose sweep's default site; ties go to
    the first listed)."""
    area: dict[str, float] = {}
    for a in plan.site_areas:
        area[a.site] = area.get(a.site, 0.0) + a.area_cm2
    return max(area, key=area.__getitem__)


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


def dose_curve(plan: Plan, pass_index: int, energies_mj=None, site: str | None = None) -> DoseCurve:
    """Solve the columns of the curve on `site` (default: the plan's largest site);
    the chosen energy's column is the treatment's own (cached)."""
    p = plan.passes[pass_index]
    site = site or largest_site(plan)
    patient = plan.patient
    skin = skin_for(site, sex=patient.sex, age=patient.age_years, phototype=patient.phototype)
    if energies_mj is None:
        energies, span, source = dose_energies(plan, pass_index)
    else:
        energies = np.unique(np.append(np.asarray(energies_mj, float), p.pulse_energy_mj))
        span, source = (float(energies.min()), float(energies.max())), "given energies"
    beam = p.beam()
    rows = []
    for e in energies:
        pulse = p.with_settings(pulse_energy_mj=float(e)).pulse()  # fixed power: e / P
        s = column_for(skin, beam, pulse).summary
        rows.append((s.ablation_depth, s.coagulation_thickness, s.coagulation_depth))
    a = np.array(rows) * PER_METRE_UM
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


def dose_curves(plan: Plan, site: str | None = None) -> dict[int, DoseCurve]:
    """The dose curve of every pass of `plan` ({pass index: curve})."""
    return {i: dose_curve(plan, i, site=site) for i in range(len(plan.passes))}
