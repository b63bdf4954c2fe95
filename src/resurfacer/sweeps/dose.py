"""Dose response of one pass: column results vs pulse energy (computed here, drawn
by `resurfacer.report`).

The curve solves the pass as fired on one area (`Plan.region_pass`: its regional
settings, such as the neck's half energy, applied) at a few pulse energies, with
the treatment's cached column solver (`treatment.column_for`, 4 µm cells): the
area's own energy is the treatment's column, the others cost one column solve each
(deep CO2 columns reach several mm at the top of some device ranges and cost tens
of seconds, so the range is capped at `DOSE_MAX_FACTOR` x that energy). The area is
the one whose column the report draws (`shown_pass`), so the curve's marked point is
the cross-section beside it; the curve is solved on the area's intact skin, so after
full-field passes (whose removed layers the treatment's column starts under) the two
can differ (docs/report.md, Limits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resurfacer.common.units import PER_METRE_UM, words
from resurfacer.errors import InputError
from resurfacer.plan.schema import DEVICES, Area, Pass, Plan
from resurfacer.tissue.skin import skin_for
from resurfacer.treatment import column_for

#: Pulse energies of the curve: this many points across the range.
DOSE_POINTS = 5
#: The curve stops at this multiple of the chosen energy (or the device maximum).
DOSE_MAX_FACTOR = 2.0


@dataclass(frozen=True)
class DoseCurve:
    """Column results vs pulse energy for one pass's beam as fired on one area (clinical
    units: mJ, µm); `chosen_mj` is the energy fired there, `fired` that pass."""

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
    area: str
    fired: Pass

    @property
    def shown_on(self) -> str:
        """The area in words, with its site where that differs: "chin jaw (cheek)"."""
        same = self.area == self.site
        return words(self.area) + ("" if same else f" ({words(self.site)})")


def largest_site(plan: Plan) -> str:
    """The site of the plan's largest treated area (the first of equal ones; areas every
    pass skips left out): the site the report draws columns on by default, and the
    dose curves' default site."""
    return max(plan.treated_areas, key=_size).site


def shown_pass(plan: Plan, pass_index: int, site: str | None = None) -> tuple[Area, Pass]:
    """The area whose column of pass `pass_index` the report draws, and the pass as fired
    there (`Plan.treated`): the largest area of `site` (default `largest_site`) the
    pass is fired on (`Plan.largest_fired`, as `treatment.by_site` keeps it); where
    the pass skips every area of `site`, its largest area anywhere."""
    sites = sorted({a.site for a in plan.site_areas})
    if site is not None and site not in sites:  # a misspelt site gave another's curve
        raise InputError("site", site, "a site of the plan: " + ", ".join(sites))
    on_site = plan.largest_fired(pass_index).get(site or largest_site(plan))
    return on_site or max(plan.treated(pass_index), key=lambda fired: _size(fired[0]))


def _size(area: Area) -> float:
    return area.area_cm2


def dose_energies(p: Pass) -> tuple[np.ndarray, tuple[float, float], str]:
    """Pulse energies [mJ] of the curve of pass `p` (as fired on an area):
    `DOSE_POINTS` evenly spaced across the device mode's range (capped at
    `DOSE_MAX_FACTOR` x the chosen energy), plus the chosen energy. Without a device:
    chosen / 4 to chosen x `DOSE_MAX_FACTOR`."""
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
    """Solve the columns of the curve of pass `pass_index` as fired on the area the
    report draws on `site` (`shown_pass`; default: the plan's largest site): its
    regional settings applied, so the marked point is the energy fired there and the
    range is capped around it. The chosen energy's column is the treatment's own
    (cached)."""
    area, p = shown_pass(plan, pass_index, site)
    if energies_mj is None:
        energies, span, source = dose_energies(p)
    else:
        energies = np.unique(np.append(np.asarray(energies_mj, float), p.pulse_energy_mj))
        span, source = (float(energies.min()), float(energies.max())), "given energies"
    a = _solve(plan, area, p, energies)
    chosen = int(np.argmin(np.abs(energies - p.pulse_energy_mj)))
    return DoseCurve(
        site=area.site,
        energies_mj=energies,
        ablation_depth_um=a[:, 0],
        coagulation_thickness_um=a[:, 1],
        coagulation_depth_um=a[:, 2],
        chosen_mj=float(p.pulse_energy_mj),
        chosen_ablation_depth_um=float(a[chosen, 0]),
        chosen_coagulation_thickness_um=float(a[chosen, 1]),
        range_mj=span,
        range_source=source,
        area=area.region,
        fired=p,
    )


def _solve(plan: Plan, area: Area, p: Pass, energies: np.ndarray) -> np.ndarray:
    """(ablation depth, cuff thickness, coagulation depth) [µm] of pass `p` on the
    patient's skin at `area`, one row per pulse energy [mJ]."""
    patient = plan.patient
    skin = skin_for(area.site, sex=patient.sex, age=patient.age_years,
                    phototype=patient.phototype)  # fmt: skip
    beam = p.beam()
    rows = []
    for e in energies:
        pulse = p.with_settings(pulse_energy_mj=float(e)).pulse()  # fixed power: e / P
        s = column_for(skin, beam, pulse).summary
        rows.append((s.ablation_depth, s.coagulation_thickness, s.coagulation_depth))
    return np.array(rows) * PER_METRE_UM


def dose_curves(plan: Plan, site: str | None = None) -> dict[int, DoseCurve]:
    """The dose curve of every pass of `plan` ({pass index: curve}), each on the area of
    `site` the report draws (`shown_pass`)."""
    return {i: dose_curve(plan, i, site=site) for i in range(len(plan.passes))}
