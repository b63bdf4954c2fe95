"""The treatment chain: simulate(plan) -> Outcome.

One place composes the models (DESIGN.md, "ModelChain"):

    plan -> skin per treated site (tissue) -> one column per site and pass
    (mtz; cached by unique skin x beam x pulse) -> the pattern's bulk heating
    (pattern: superposition of each column's residual heat) -> session time
    (session) -> healing (healing: closure, shedding, erythema, downtime,
    aftercare) -> Outcome.

A pass can be set per treated area (`Plan.region_pass`: regional defaults of an area
preset, `passes[i].regions`). Per-pass figures are area-weighted means over the areas
the pass treats; per-area figures (`summary.regions`) are each area's deepest; the
deepest area is named (`summary.deepest_region`). Bulk heating is computed for one
scanner pattern of each pass on each treated area (its skin, its settings), with its
thermal dose (CEM43); healing per area, and one course for the patient from them
(`healing.whole_treatment`: each milestone the latest of the areas', so the downtime is
the slowest area's and the aftercare runs until every area has healed; every area's
downtime is in `summary.regions`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import xarray as xr
from pydantic import BaseModel, computed_field

from resurfacer import __version__
from resurfacer.column.ablation import pass_removal
from resurfacer.column.cautions import THRESHOLD_CAUTION
from resurfacer.column.checks import MAX_CELL_UPDATES, estimate_cost
from resurfacer.column.damage import cem43
from resurfacer.column.grid import choose_geometry
from resurfacer.column.materials import thermal_constants
from resurfacer.column.options import SolverOptions
from resurfacer.column.published import (
    INTACT_SURFACE_CAUTION,
    neighbour_cautions,
    published_neighbours,
)
from resurfacer.column.solve import simulate_column
from resurfacer.column.summary import ColumnResult, injured_volume
from resurfacer.errors import InputError, SelfCheckError
from resurfacer.healing import (
    HealingResult,
    WoundedPass,
    fractional_wound_kind,
    healing_timeline,
    slowest_area,
    surface_opened,
    swelling_depth,
    whole_treatment,
)
from resurfacer.healing.sensitivity import epidermis_note
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.optics.absorption import layer_absorption_coefficient
from resurfacer.plan.rules import check_plan, load_rules
from resurfacer.plan.schema import Pass, Plan, regional_clamp_note
from resurfacer.scan.bulk_heating import (
    ColumnSources,
    EarlierPattern,
    between_column_probes,
    bulk_properties,
    pattern_heating,
    sources_from_column,
)
from resurfacer.scan.pattern import (
    combine_passes,
    firing_times,
    pattern_area,
    pattern_positions,
    scan_order,
)
from resurfacer.scan.session import session_time
from resurfacer.tissue.skin import Skin, skin_for

#: Column solver settings used for treatments: 4 um cells (crater depth within
#: 1 % and coagulation within 10 % of the 2 um solution, tests/validation; finer
#: where the light is absorbed within less, see `within_absorption_length`), and
#: 20 ms after the pulse, when the residual heat is handed to the pattern model.
TREATMENT_SOLVER = SolverOptions(grid=4e-6, after_pulse=20e-3, photons=100_000)
SOURCES_PER_COLUMN = 5
MIN_COOLING_S = 0.5  # shortest time the bulk heating is followed after a pattern [s]


class PassSummary(BaseModel):
    """One pass, clinical units (µm, mJ, J/cm², %, °C, s, min).

    `index` is the 0-based position in ``plan.passes`` (the data path); people
    read it as pass ``index + 1``. Settings and figures alike are area-weighted means
    over the areas the pass is fired on, each with its own settings (an area's
    `regions` entry): a deep pass of 15 mJ with 5 mJ on 24 of 331 cm2 shows 14.3 mJ.
    """

    index: int
    kind: str
    device: str | None
    mode: str | None
    wavelength_nm: float
    pulse_energy_mj: float
    #: energy of one spot (all its stacked pulses) over the spot's 1/e² area, pi d² / 4
    fluence_j_per_cm2: float
    #: fraction of the skin inside at least one nominal spot disc (`Pass.covered_fraction`:
    #: the density up to pi/4, less above, where the spots overlap), in %
    coverage_percent: float
    mtz_per_cm2: float | None
    spot_spacing_um: float | None
    #: the crater's floor, below the skin surface before the first pass (as
    #: coagulation_depth_um and the areas' figures)
    ablation_depth_um: float
    #: full field: the crater (ablated), the desiccated layer wiped off after the pass
    #: (`Pass.wipes`) and their sum; the next pass starts on the skin under them
    ablated_um: float = 0.0
    wiped_um: float = 0.0
    removed_um: float = 0.0
    ablation_width_um: float | None
    #: how far the pass opened the skin surface, 0..1 (1: a crater; between: a surface
    #: boiled dry but not removed; 0: intact), area-weighted (docs/healing.md)
    surface_opening: float = 0.0
    coagulation_thickness_um: float
    #: below the skin surface before the first pass (a pass after full-field passes
    #: starts lower by what they removed)
    coagulation_depth_um: float
    coagulation_width_um: float | None
    heat_source: str
    spots: float
    energy_j: float
    minutes: float
    peak_bulk_temperature_c: float
    #: thermal dose of the hottest between-column tissue over one pattern, CEM43 [min]
    bulk_cem43_min: float = 0.0
    time_above_45c_s: float
    time_above_60c_s: float
    #: the areas this pass treats (names); figures above are area-weighted over them
    regions: list[str] = []


class RegionPass(BaseModel):
    """One pass on one treated region (site), clinical units."""

    index: int
    ablation_depth_um: float
    coagulation_depth_um: float
    coagulation_thickness_um: float
    #: coagulation depth over the depth of the dermis' lower boundary at this site
    dermis_fraction: float
    #: how far the pass opened the surface here, 0..1 (`PassSummary.surface_opening`)
    surface_opening: float = 0.0


class RegionSummary(BaseModel):
    """One treated area over the session: each pass fired on it, and the deepest figures
    of those passes (clinical units)."""

    name: str
    site: str
    area_cm2: float
    #: the passes fired on this area, with their figures on it
    passes: list[RegionPass]
    crater_um: float
    coagulation_depth_um: float
    dermis_depth_um: float
    fraction_of_dermis: float
    #: None for an area every pass skips (JSON null; 0.0 until session 23, read as "heals at once")
    downtime_days: float | None
    #: None for an area every pass skips (JSON null: it was NaN, which strict JSON lacks)
    peak_bulk_temperature_c: float | None
    #: CEM43 of the hottest between-column tissue, summed over the passes [min]
    bulk_cem43_min: float
    #: where a pass follows an earlier one before its heat has spread (`hottest_placements`):
    #: the bulk peak [C] and dose [CEM43 min, summed over the passes] with the earlier
    #: columns at their hottest placement instead of averaged over their cell; None
    #: elsewhere (session 26, a probe: programs reading the summary saw only the average).
    #: Upper estimates: a wide spot's heat enters as a Gaussian, twice the disc's at its
    #: centre for its first a^2 / (8 alpha) (docs/pattern.md); the bulk rules read the average
    hottest_placement_peak_c: float | None = None
    hottest_placement_cem43_min: float | None = None

    @property
    def treated(self) -> bool:
        """Some pass is fired on this area (else every pass skips it: no downtime, no
        bulk peak, and every display says "not treated")."""
        return bool(self.passes)


class BrokenRule(BaseModel):
    """A safety rule the plan breaks (resurfacer.plan.rules, data/safety_rules.toml)."""

    rule: str
    limit_name: str
    value: float
    limit: float
    unit: str
    #: 0-based pass indices (data paths); people read them as pass index + 1
    passes: list[int]
    #: the treated regions it concerns (empty: the whole plan)
    sites: list[str]
    message: str


class OutcomeSummary(BaseModel):
    """What a plan does, in clinical units; the same numbers feed CLI and reports."""

    plan_name: str
    resurfacer_version: str
    #: the areas at least one pass is fired on [cm2]
    total_area_cm2: float
    session_minutes: float
    total_energy_j: float
    peak_bulk_temperature_c: float
    #: session thermal dose of the bulk tissue, CEM43 [min] (the area with the most)
    bulk_thermal_dose_cem43_min: float = 0.0
    combined_coverage_percent: float
    #: largest relative energy-balance residual of the solvers [1]: every column's
    #: (|residual| / incident, `EnergyBalance.relative_error`) and every pattern's bulk
    #: heating (`PatternHeating.energy_balance_error`)
    max_energy_balance_error: float
    reepithelialization_hours: float
    #: False when no pass opened the surface (non-ablative): then "closure" is the repair
    #: of the treated zones under an intact stratum corneum
    skin_opened: bool = True
    downtime_days: float
    downtime_days_range: tuple[float, float]
    #: the area whose wounds show longest, which sets the downtime (every area's downtime
    #: is in `regions`)
    downtime_region: str = ""
    erythema_days: float
    mend_clearance_days: float
    remodeling_weeks: float
    passes: list[PassSummary]
    #: per treated area (crater, coagulation, fraction of dermis, downtime, dose)
    regions: list[RegionSummary] = []
    #: the area with the deepest coagulation (by name)
    deepest_region: str = ""
    #: safety rules the plan breaks (resurfacer.plan.rules, data/safety_rules.toml)
    warnings: list[str] = []
    #: the same, structured: rule, regions, passes, value and limit
    broken_rules: list[BrokenRule] = []
    #: where a figure is to be read with care: the column solver's cautions, one line per
    #: pass and caution naming the areas it concerns (`column.cautions`: a coarse grid, a
    #: fast crater front, a lesion past the dermis, a pass at its ablation threshold; and
    #: published rows at like settings the column misses, `column.published`), then one
    #: line per area whose downtime hangs on its epidermis (`healing.sensitivity`)
    model_notes: list[str] = []

    # pydantic's documented form; mypy rejects any decorator over @property
    @computed_field  # type: ignore[prop-decorator]
    @property
    def downtime_set_by(self) -> str:
        """The area every output names as setting the downtime: `downtime_region` when the
        plan treats several areas, "" for one (its downtime is simply the plan's)."""
        return self.downtime_region if len(self.regions) > 1 else ""

    def rounded(self) -> dict:
        """The summary as JSON data with numbers rounded to what they mean
        (`round_summary`); full precision stays in ``outcome.nc``."""
        return round_summary(self.model_dump(mode="json"))


#: significant digits of summary numbers in JSON (model uncertainty is far larger)
SUMMARY_DIGITS = 4


def round_summary(data, digits: int = SUMMARY_DIGITS):
    """`data` (JSON-like) with every float rounded to `digits` significant digits;
    an energy-balance error keeps 2 (it is a check near rounding, not a value)."""
    if isinstance(data, dict):
        return {
            k: round_summary(v, 2 if k == "max_energy_balance_error" else digits)
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [round_summary(v, digits) for v in data]
    if isinstance(data, float) and math.isfinite(data) and data != 0.0:
        return float(f"{data:.{digits}g}")
    return data


@dataclass
class Outcome:
    """Result of `simulate`: per-pass and per-area fields (`dataset`) and the summary."""

    dataset: xr.Dataset
    summary: OutcomeSummary
    healing: HealingResult
    #: the column of each (pass index, area name) the pass was fired on
    columns: dict = field(default_factory=dict)
    #: (pass index, site) -> the column of the largest area of the site (`by_site`): the
    #: report's cross-sections
    site_columns: dict = field(default_factory=dict)
    #: the patient's skin per site, built once by `simulate` (rules read it)
    skins: dict = field(default_factory=dict)


@lru_cache(maxsize=256)
def _column(skin: Skin, beam: Beam, pulse: Pulse, options: SolverOptions) -> ColumnResult:
    return simulate_column(skin, beam, pulse, options)


def column_for(
    skin: Skin, beam: Beam, pulse: Pulse, options: SolverOptions = TREATMENT_SOLVER
) -> ColumnResult:
    """The column of one skin x beam x pulse, solved once per process (cached), with
    cells no larger than the light's absorption length (`within_absorption_length`)
    and, for a wide spot, than `WIDE_SPOT_GRID` (`wide_spot_grid`)."""
    options = wide_spot_grid(within_absorption_length(options, skin, beam), beam)
    cost = estimate_cost(skin, beam, pulse, options)
    if cost["cell_updates"] > MAX_CELL_UPDATES:  # session 21: a 1 s pulse ran for hours
        train = f"; its train of {pulse.stack} lasts {pulse.end_time * 1e3:.4g} ms" if (
            pulse.stack > 1
        ) else ""
        raise InputError(
            "pulse.train",
            round(pulse.duration * 1e3, 9),
            f"a pulse train whose column runs in minutes{train}: this one needs an estimated "
            f"{cost['cells']:,} cells x {cost['steps']:,} steps = {cost['cell_updates']:.3g} "
            f"cell updates, over {MAX_CELL_UPDATES:.3g} (`resurfacer mtz --allow-long` "
            "solves one such column)",
        )
    return _column(skin, beam, pulse, options)


#: Largest cell [m] of a wide spot's (1-D) column. The eyelids' surface pass (90 mJ on
#: 1.3 mm) coagulated 81.3 / 81.8 / 82.3 / 82.3 / 82.2 um deep at 4 / 2 / 1 / 0.5 /
#: 0.25 um cells (session 13, eyelid epidermis 50 um), and their downtime, whose closure
#: from the few surviving basal cells hangs on that last micrometre, 7.08 / 7.35 / 7.63 /
#: 7.63 / 7.56 d; a 1-D column takes 0.04 s at 1 um (docs/healing.md, worked example,
#: "Grid").
WIDE_SPOT_GRID = 1e-6


def wide_spot_grid(options: SolverOptions, beam: Beam) -> SolverOptions:
    """`options` with grid = min(grid, `WIDE_SPOT_GRID`) where the solver takes the
    spot as wide (`column.grid.choose_geometry`); narrow columns keep their grid."""
    if choose_geometry(beam, options) != "wide":
        return options
    return replace(options, grid=min(options.grid, WIDE_SPOT_GRID))


def within_absorption_length(options: SolverOptions, skin: Skin, beam: Beam) -> SolverOptions:
    """`options` with grid = min(grid, 1 / mu_a,max) [m], mu_a,max the largest layer
    absorption coefficient at the beam's wavelength.

    A cell coarser than the absorption length takes up a whole pulse's floor heating
    at once and misplaces the thin damage zones (docs/column.md). Among the supported
    lasers only Er:YAG (1/mu_a about 1.1 um) and Er,Cr:YSGG (2.7 um) are refined: a
    10 mJ, 250 um Er:YAG column's cuff is 9.3 um at 4 um cells, 5.1 um at 1.1 um and
    5.1 um at 0.5 um (README, known limits).
    """
    mu_a = max(layer_absorption_coefficient(layer, beam.wavelength) for layer in skin.layers)
    return replace(options, grid=min(options.grid, 1.0 / mu_a))


def simulate(
    plan: Plan,
    options: SolverOptions = TREATMENT_SOLVER,
    progress: bool = False,
    on_progress: Callable[[float], None] | None = None,
) -> Outcome:
    """Simulate a treatment plan.

    Parameters
    ----------
    plan : validated Plan (``plan.load_plan``).
    options : column-solver settings (default `TREATMENT_SOLVER`).
    progress : show a progress bar (stderr) over the column solves.
    on_progress : called with the fraction of the column solves done (0-1)
        after each one (the column solves are nearly all of the run time);
        the web planner reports it.

    Each pass is fired on every area it does not skip, with that area's settings
    (`Plan.region_pass`: regional defaults and per-region settings); the skin of each
    site is built once here and carried on the Outcome (`Outcome.skins`).
    """
    skins = _skins(plan)
    columns, removal, surface = _solve_columns(plan, skins, options, progress, on_progress)
    pass_summaries, heating, regional, bulk_errors = [], [], {}, []
    for i in range(len(plan.passes)):
        summary, pass_heating, per_region, bulk_error = _summarise_pass(plan, i, columns, skins)
        bulk_errors.append(bulk_error)
        _add_removal(summary, plan, i, removal, surface)
        pass_summaries.append(summary)
        heating.append(pass_heating)
        regional[i] = per_region
    wounds = _region_wounds(plan, columns, removal, surface, skins)
    healings = {
        area.region: healing_timeline(wounds[area.region], skins[area.site], [area.site])
        for area in plan.site_areas
        if area.region in wounds
    }
    healing = whole_treatment(healings, plan.patient.phototype)
    placements = hottest_placements(plan, columns, skins, regional)
    regions = _region_summaries(plan, columns, skins, regional, healings, surface, placements)
    summary = OutcomeSummary(
        plan_name=plan.name,
        resurfacer_version=__version__,
        total_area_cm2=_treated_area_cm2(plan),
        session_minutes=sum(s.minutes for s in pass_summaries)
        + sum(p.pass_delay_s for p in plan.passes[1:]) / 60.0,
        total_energy_j=sum(s.energy_j for s in pass_summaries),
        peak_bulk_temperature_c=max(s.peak_bulk_temperature_c for s in pass_summaries),
        bulk_thermal_dose_cem43_min=max(r.bulk_cem43_min for r in regions),
        combined_coverage_percent=100.0 * combined_coverage(plan),
        max_energy_balance_error=max(
            [*bulk_errors, *(c.summary.energy.relative_error for c in columns.values())]
        ),
        reepithelialization_hours=healing.reepithelialization_hours,
        skin_opened=healing.skin_opened,
        downtime_days=healing.downtime_days,
        downtime_days_range=healing.downtime_days_range,
        downtime_region=slowest_area(healings),
        erythema_days=healing.erythema_days,
        mend_clearance_days=healing.mend_clearance_days,
        remodeling_weeks=healing.remodeling_weeks,
        passes=pass_summaries,
        regions=regions,
        deepest_region=max(regions, key=lambda r: r.coagulation_depth_um).name,
    )
    site_columns = by_site(plan, columns)
    dataset = _from_original_surface(_dataset(plan, columns, heating, summary), surface)
    outcome = Outcome(
        dataset=dataset.merge(_timeline(healing)),
        summary=summary,
        healing=healing,
        columns=columns,
        site_columns=site_columns,
        skins=skins,
    )
    summary.model_notes = (
        model_notes(plan, columns, surface, skins)
        + _epidermis_notes(plan, wounds, skins, healings)
        + _bulk_boiling_notes(pass_summaries)
        + placement_notes(placements)
        + _no_wound_notes(plan, columns)
        + _regional_clamp_notes(plan)
        + _small_area_notes(plan)
        + bulk_injury_notes(summary.regions)
        + unopened_layer_notes(plan, columns, wounds)
    )
    violations = check_plan(plan, outcome)
    summary.warnings = [v.message for v in violations] + source_cautions(plan)
    summary.broken_rules = [_broken(v) for v in violations]
    if not is_finite_summary(summary):
        raise SelfCheckError(
            "finite summary",
            "the summary holds a number that is not finite (NaN or infinite); the plan's "
            "settings took a model past its range without a clear error",
        )
    return outcome


def model_notes(plan: Plan, columns: dict, surface: dict, skins: dict) -> list[str]:
    """The columns' cautions (`ColumnResult.warnings`, and published measurements at like
    settings that disagree with the column, `column.published`) as
    "pass i (areas): caution", one line per pass and caution, the areas in plan order.

    A column's threshold caution (`column.cautions.THRESHOLD_CAUTION`: the healing model
    reads the opening from its top cell) is left out where the pass was fired `surface`
    [m] deep, on a surface earlier full-field passes opened at least as far
    (`healing.surface_opened`): there the wound's opening does not rest on that cell
    (until session 26 a second pass on a stripped surface was "63 % opened"). So is the
    caution that set the column beside rows that found the stratum corneum intact
    (`column.published.INTACT_SURFACE_CAUTION`) where earlier passes removed some of it:
    those rows do not apply (session 30's probe: a 1,550 nm pass after a full-field
    pass was said to "open the surface (1 %, crater 0 um)" on skin already open)."""
    by_note: dict[tuple[int, str], list[str]] = {}
    for i in range(len(plan.passes)):
        for area, _ in plan.treated(i):
            column = columns[i, area.region]
            sc = skins[area.site].layer("stratum_corneum").thickness
            stripped = surface_opened(0.0, surface[i, area.region], sc)
            opened_before = stripped > 0.0 and stripped >= column.summary.surface_opening
            neighbours = published_neighbours(column.summary, column.inputs)
            for note in column.warnings + neighbour_cautions(neighbours):
                if opened_before and note.startswith(THRESHOLD_CAUTION):
                    continue
                if stripped > 0.0 and note.startswith(INTACT_SURFACE_CAUTION):
                    continue
                by_note.setdefault((i, note), []).append(area.region)
    return [f"pass {i + 1} ({', '.join(areas)}): {note}" for (i, note), areas in by_note.items()]


def _from_original_surface(ds: xr.Dataset, surface: dict) -> xr.Dataset:
    """Crater and coagulation depths below the skin surface before the first pass: a
    pass after full-field passes starts `surface_depth` [m] lower (what they removed)."""
    offset = np.array(  # NaN where a pass skips an area, as its column figures
        [[surface.get((i, a), math.nan) for a in ds.area.values] for i in range(ds.sizes["pass"])]
    )
    ds["surface_depth"] = (
        ("pass", "area"),
        offset,
        {"units": "m", "long_name": "depth of the skin surface a pass starts on"},
    )
    for name in ("ablation_depth", "coagulation_depth"):
        ds[name] = ds[name] + offset
        ds[name].attrs["units"] = "m"
    return ds


def pass_layers_removed(p: Pass, column: ColumnResult) -> tuple[float, float]:
    """(ablated, wiped) [m] of a full-field pass (`column.ablation.pass_removal`); a
    fractional pass removes no uniform layer: (0, 0)."""
    if p.kind != "full_field":
        return 0.0, 0.0
    s = column.summary
    return pass_removal(float(s.ablation_depth), float(s.desiccation_depth), p.wipes)


def _broken(v) -> BrokenRule:
    return BrokenRule(
        rule=v.rule,
        limit_name=v.limit_name,
        value=v.value,
        limit=v.limit,
        unit=v.unit,
        passes=list(v.passes),
        sites=list(v.sites),
        message=v.message,
    )


def _solve_columns(plan: Plan, skins, options, progress, on_progress):
    """Columns keyed (pass, region) for every treated area (cached per skin x beam x
    pulse). A pass after full-field passes runs on the skin under what they removed
    (ablated and wiped: `column.ablation.pass_removal`); returns the columns, each one's
    (ablated, wiped) [m] and the depth of the surface it started on [m], all keyed alike."""
    jobs = [(i, area, p) for i in range(len(plan.passes)) for area, p in plan.treated(i)]
    columns: dict = {}
    removal: dict = {}
    surface: dict = {}
    removed = dict.fromkeys((a.region for a in plan.site_areas), 0.0)
    for n, (i, area, p) in enumerate(_progress(jobs, progress, "columns"), start=1):
        top = removed[area.region]
        skin = _skin_under(skins[area.site], top, i, area)
        try:
            column = column_for(skin, p.beam(), p.pulse(), options)
        except InputError as exc:
            raise _plan_error(i, area, exc) from exc
        except SelfCheckError as exc:
            raise SelfCheckError(exc.check, f"passes[{i}] ({area.region}): {exc.detail}") from exc
        key = (i, area.region)
        columns[key], removal[key], surface[key] = column, pass_layers_removed(p, column), top
        removed[area.region] += sum(removal[key])
        if on_progress is not None:
            on_progress(n / len(jobs))
    return columns, removal, surface


def _skins(plan: Plan) -> dict:
    """The patient's skin at each site of the plan, built once."""
    p = plan.patient
    return {
        a.site: skin_for(a.site, sex=p.sex, age=p.age_years, phototype=p.phototype)
        for a in plan.site_areas
    }


def combined_coverage(plan: Plan) -> float:
    r"""Fraction of the treated skin that at least one pass covers [-]:

    .. math:: C = \sum_a A_a \left(1 - \prod_{i \ni a} (1 - c_{i,a})\right) / \sum_a A_a

    over the treated areas a (size A_a) and the passes i fired on each, c_{i,a} the
    fraction each covers there (`Pass.covered_fraction`: its density, less where its
    spots overlap) and the passes laid independently (`scan.pattern.combine_passes`).
    Until session 23 the passes' area-weighted densities were combined as if every pass
    covered every area: two passes of 40 % on two different areas read 64 %; until
    session 25 a density above pi/4 counted its overlapping spots twice (100 % read 100 %
    where the spots cover 90.9 %)."""
    covered = 0.0
    areas = plan.treated_areas
    for area in areas:
        c = 0.0
        for i in range(len(plan.passes)):
            fired = plan.region_pass(i, area)
            if fired is not None:
                c = combine_passes(c, fired.covered_fraction)
        covered += area.area_cm2 * c
    return covered / sum(a.area_cm2 for a in areas) if areas else 0.0


def source_cautions(plan: Plan) -> list[str]:
    """`Pass.cautions` of every pass as fired on each area it treats (a regional setting
    may ask more of the source than the pass as written: until session 23 only the pass
    as written was asked), one line per caution, naming the areas unless it holds on all
    of them."""
    out = []
    for i in range(len(plan.passes)):
        treated = plan.treated(i)
        where: dict[str, list[str]] = {}
        for area, fired in treated:
            for caution in fired.cautions():
                where.setdefault(caution, []).append(area.region)
        for caution, regions in where.items():
            on = "" if len(regions) == len(treated) else f" ({', '.join(regions)})"
            out.append(f"pass {i + 1}{on}: {caution}")
    return out


def _treated_area_cm2(plan: Plan) -> float:
    """Area of the plan's areas that at least one pass is fired on [cm2] (an area every
    pass skips is in the plan but not treated)."""
    return sum(a.area_cm2 for a in plan.treated_areas)


def by_site(plan: Plan, per_region: dict) -> dict:
    """`per_region` ((pass, region) -> value) as (pass, site) -> the value of the largest
    area of that site the pass was fired on (`Plan.largest_fired`).

    Keys by site and by area name are kept apart: an area may be named like another
    site (until session 20 both shared one dict, and the first area of a site won)."""
    return {
        (i, site): per_region[i, area.region]
        for i in range(len(plan.passes))
        for site, (area, _) in plan.largest_fired(i).items()
    }


#: the column solver's fields in SI -> (the pass field in clinical units, its factor)
_PASS_FIELD_OF = {
    "pulse.energy": ("pulse_energy_mj", 1e3),
    "spot_diameter": ("spot_um", 1e6),
    "wavelength": ("wavelength_nm", 1e9),
    "pulse.train": ("pulse_duration_ms", 1.0),
}


def _skin_under(skin: Skin, removed: float, i: int, area) -> Skin:
    """`skin` without the `removed` [m] the full-field passes before pass `i` took;
    an InputError naming pass `i` when they took all of its epidermis and dermis."""
    if removed <= 0:
        return skin
    whole = float(skin.layer_boundaries()[-2])
    if removed > whole:
        raise InputError(
            f"passes[{i}] ({area.region})",
            f"a surface {removed * 1e6:.0f} um deep under the full-field passes before it",
            f"earlier passes that leave some dermis (its epidermis and dermis are "
            f"{whole * 1e6:.0f} um; lower their energy or passes)",
        )
    return skin.stripped(removed)


def _plan_error(i: int, area, exc: InputError) -> InputError:
    """A column solver's InputError for pass `i` on `area` in the plan's terms: the
    column's pulse energy [J], spot [m], wavelength [m] and pulse train are the pass's
    ``pulse_energy_mj``, ``spot_um``, ``wavelength_nm`` and ``pulse_duration_ms`` as
    fired there, each shown in its own unit (session 21: "spot_diameter: got 1e-05")."""
    if exc.field in _PASS_FIELD_OF:
        name, factor = _PASS_FIELD_OF[exc.field]
        value = exc.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = round(value * factor, 9)
        return InputError(f"passes[{i}].{name}", value, f"{si_to_clinical(exc.allowed)} "
                          f"(on {area.region})")
    return InputError(f"passes[{i}] ({area.region}): {exc.field}", exc.value, exc.allowed)


def si_to_clinical(text: str) -> str:
    """Lengths written in metres in a solver's message ("16e-06 m", "1.6e-05 m") as
    micrometres ("16 um"), the unit a plan's spots and depths are given in."""
    return re.sub(
        r"(\d+(?:\.\d+)?(?:e-?\d+)?) m\b", lambda m: f"{float(m.group(1)) * 1e6:.4g} um", text
    )


def _add_removal(summary, plan: Plan, i: int, removal, surface) -> None:
    """Pass `i`'s ablated / wiped / removed layer [µm] (area-weighted over the areas it
    treats), and its crater and coagulation depths from the surface before the first
    pass (session 22: the crater was measured from the pass's own surface, so a second
    full-field pass read "crater 0 um, coagulation 108 um, cuff 71 um" beside its area's
    crater of 37 um)."""
    treated = plan.treated(i)
    weights = [a.area_cm2 for a, _ in treated]
    ablated, wiped = (
        _weighted([removal[i, a.region][k] for a, _ in treated], weights) * 1e6 if treated
        else 0.0
        for k in (0, 1)
    )
    summary.ablated_um, summary.wiped_um, summary.removed_um = ablated, wiped, ablated + wiped
    if treated:
        top = _weighted([surface[i, a.region] for a, _ in treated], weights) * 1e6
        summary.ablation_depth_um += top
        summary.coagulation_depth_um += top


def _region_wounds(
    plan: Plan, columns, removal, surface, skins
) -> dict[str, list[WoundedPass]]:
    """The wounds of the passes fired on each treated area; depths below the surface
    before the first pass, with what each pass wiped off counted as removed
    (`wound_for`). Areas no pass treats are left out, and so are passes that coagulated
    and removed nothing there (`_leaves_no_wound`; `simulate` notes them); an area
    where no pass leaves a wound is refused at the first pass's energy."""
    out = {}
    for area in plan.site_areas:
        fired = [
            (i, p) for i in range(len(plan.passes)) if (p := plan.region_pass(i, area)) is not None
        ]
        after = later_removal(
            [sum(removal[i, area.region]) for i, _ in fired],
            [p.kind == "full_field" for _, p in fired],
        )
        wounding = _wounding_passes(plan, area, columns)
        wounds = [
            wound_for(
                p,
                columns[i, area.region],
                surface[i, area.region],
                sum(removal[i, area.region]),
                skins[area.site].layer("stratum_corneum").thickness,
                later,
            )
            for (i, p), later in zip(fired, after, strict=True)
            if i in wounding
        ]
        if wounds:
            out[area.region] = wounds
        elif fired:
            i, p = fired[0]
            raise InputError(
                f"passes[{i}].pulse_energy_mj",
                p.pulse_energy_mj,
                f"an energy that leaves a wound: on {area.region} no pass coagulates or "
                "removes any tissue",
            )
    return out


def _wounding_passes(plan: Plan, area, columns) -> list[int]:
    """The passes fired on `area` that leave a wound there, in plan order (the passes
    of `_region_wounds`'s wounds)."""
    return [
        i
        for i in range(len(plan.passes))
        if plan.region_pass(i, area) is not None
        and not _leaves_no_wound(columns[i, area.region])
    ]


def _leaves_no_wound(column: ColumnResult) -> bool:
    """Whether a column coagulated and removed nothing (too little energy to injure)."""
    return column.summary.coagulation_depth <= 0.0 and column.summary.ablation_depth <= 0.0


def _regional_clamp_notes(plan: Plan) -> list[str]:
    """A model note for each deep pass whose regional defaults on an area were clamped
    into its device's range (`plan.schema.regional_clamp_note`)."""
    notes = []
    for i, p in enumerate(plan.passes):
        for area, _ in plan.treated(i):
            note = regional_clamp_note(p, area)
            if note is not None:
                notes.append(f"pass {i + 1} on {note}")
    return notes


def _small_area_notes(plan: Plan) -> list[str]:
    """A model note for each pass fired on an area smaller than one of its scanner
    patterns (n columns x pitch²): the pass's bulk heating there is a whole pattern's, an
    upper bound; the note says so too where the area is under one spot (pi d² / 4) (session
    31's probe: a 0.01 cm² nose fired 0.15 of a 1.3 mm spot in 6.6 ms, with a 10 mm
    pattern's bulk heating, without a word)."""
    notes = []
    for i in range(len(plan.passes)):
        for area, fired in plan.treated(i):
            pattern_cm2 = _pattern_columns(fired) * fired.pitch_m**2 * 1e4
            spot_cm2 = math.pi * (fired.spot_um * 1e-4) ** 2 / 4.0
            if area.area_cm2 >= pattern_cm2:
                continue
            under_spot = (
                f", and than one spot ({spot_cm2:.3g} cm²)" if area.area_cm2 < spot_cm2 else ""
            )
            notes.append(
                f"pass {i + 1} ({area.region}): the area, {area.area_cm2:g} cm², is smaller than "
                f"one scanner pattern ({pattern_cm2:.3g} cm²){under_spot}; its bulk heating is "
                "a whole pattern's, an upper bound"
            )
    return notes


def _no_wound_notes(plan: Plan, columns) -> list[str]:
    """A model note for each pass that leaves no wound on some areas (`_region_wounds`
    leaves it out of their healing)."""
    notes = []
    for i in range(len(plan.passes)):
        areas = [a.region for a, _ in plan.treated(i) if _leaves_no_wound(columns[i, a.region])]
        if areas:
            notes.append(
                f"pass {i + 1} ({', '.join(areas)}): it coagulates and removes no tissue there, "
                "so it leaves no wound and takes no part in the healing"
            )
    return notes


def unopened_layer_notes(plan: Plan, columns, wounds: dict) -> list[str]:
    """A model note for each full-field pass that left its surface closed, whole or in
    part, over a necrotic layer (`WoundedPass.opening` < 1): the healing model heals the
    closed share as intact skin, whose necrosis is shed as MENDs through the living
    epidermis without a visible crust, where a coagulated epidermis over a whole field
    would rather peel as a sheet; no published course was found (docs/healing.md, Known
    gaps; session 31's probe: 150 mJ on the full-field CO2 device coagulated 72 um of the
    cheek's 92 um epidermis and healed as intact skin in 2.5 d)."""
    by_pass: dict[int, list[str]] = {}
    for area in plan.site_areas:
        if area.region not in wounds:
            continue
        indices = _wounding_passes(plan, area, columns)
        for i, w in zip(indices, wounds[area.region], strict=True):
            if w.kind == "full_field" and w.opening < 1.0 and w.coagulation_depth > 0.0:
                by_pass.setdefault(i, []).append(f"{area.region} {100 * w.opening:.0f} %")
    return [
        f"pass {i + 1}: a full-field pass that left the surface closed over its necrotic "
        f"layer, whole or in part (share opened: {', '.join(areas)}): the healing model heals "
        "the closed share "
        "as intact skin, its necrosis shed unseen through the living epidermis; a coagulated "
        "epidermis over a whole field would rather peel as a sheet, of which no published "
        "course was found, so the downtime there may be too short"
        for i, areas in sorted(by_pass.items())
    ]


def _epidermis_notes(plan: Plan, wounds: dict, skins, healings: dict) -> list[str]:
    """A model note for each area whose downtime hangs on its epidermis's thickness
    (`healing.sensitivity.epidermis_note`), in plan order."""
    notes = []
    for area in plan.site_areas:
        if area.region in wounds:
            note = epidermis_note(
                area.region, wounds[area.region], skins[area.site],
                healings[area.region].downtime_days,
            )  # fmt: skip
            if note is not None:
                notes.append(note)
    return notes


def _region_summaries(
    plan: Plan, columns, skins, regional, healings, surface, placements
) -> list[RegionSummary]:
    """Per-area figures: deepest crater and coagulation (below the surface before the
    first pass), fraction of the dermis, downtime, bulk peak and thermal dose (CEM43
    summed over the passes fired on it), and the same at the hottest placement of
    earlier passes' columns where one was computed (`hottest_placements`)."""
    out = []
    for area in plan.site_areas:
        fired = [i for i in range(len(plan.passes)) if (i, area.region) in columns]
        bottom = float(skins[area.site].layer_boundaries()[4])
        figures = [
            _region_pass(i, columns[i, area.region], bottom, surface[i, area.region])
            for i in fired
        ]
        crater = max((f.ablation_depth_um for f in figures), default=0.0) * 1e-6
        coag = max((f.coagulation_depth_um for f in figures), default=0.0) * 1e-6
        heat = [regional[i][area.region] for i in fired]
        hot = [placements.get((i, area.region)) for i in fired]
        placed = [
            h if p is None else (p.peak_c, p.cem43_min) for h, p in zip(heat, hot, strict=True)
        ]
        healing = healings.get(area.region)
        out.append(
            RegionSummary(
                name=area.region,
                site=area.site,
                area_cm2=area.area_cm2,
                passes=figures,
                crater_um=crater * 1e6,
                coagulation_depth_um=coag * 1e6,
                dermis_depth_um=bottom * 1e6,
                fraction_of_dermis=coag / bottom,
                downtime_days=healing.downtime_days if healing else None,
                peak_bulk_temperature_c=max((h[0] for h in heat), default=None),
                bulk_cem43_min=sum(h[1] for h in heat),
                hottest_placement_peak_c=max(h[0] for h in placed) if any(hot) else None,
                hottest_placement_cem43_min=sum(h[1] for h in placed) if any(hot) else None,
            )
        )
    return out


def _region_pass(i: int, column: ColumnResult, dermis_bottom: float, top: float) -> RegionPass:
    """Pass `i` on one area: crater, coagulation depth and cuff [µm] below the surface
    before the first pass (`top` [m]: what earlier full-field passes removed), and the
    share of the dermis the coagulation reaches."""
    s = column.summary
    return RegionPass(
        index=i,
        ablation_depth_um=(top + s.ablation_depth) * 1e6,
        coagulation_depth_um=(top + s.coagulation_depth) * 1e6,
        coagulation_thickness_um=s.coagulation_thickness * 1e6,
        dermis_fraction=(top + s.coagulation_depth) / dermis_bottom,
        surface_opening=s.surface_opening,
    )


def wound_for(
    p: Pass,
    column: ColumnResult,
    top: float = 0.0,
    removed: float | None = None,
    stratum_corneum: float | None = None,
    removed_after: float = 0.0,
) -> WoundedPass:
    """The wound one pass leaves, from its column (the hand-off to healing).

    A wide-geometry column (spot >= 1 mm) is as wide as its spot; whether a fractional
    pass's wound is open, and how far, is `healing.fractional_wound_kind`'s rule (a pass
    that did not open an intact surface is non-ablative, with no crater in its wound even
    where the column removed tissue below its intact top cell; one that boiled it dry
    without a crater opened it in part: docs/healing.md, "The opened surface"; one fired
    on a surface earlier full-field passes removed lies open in the share of the intact
    skin's `stratum_corneum` [m] they took). A full-field pass's wound opens as far by
    the same rule (`healing.surface_opened`; until session 26 a second pass at its
    ablation threshold on a surface the first had stripped counted 63 % open, not 100 %).
    Depths are below the skin
    surface before the first pass: the pass started `top` [m] lower (what earlier
    full-field passes removed), and a full-field pass counts as removed what it ablated
    and what the wipe took (`removed` [m], ``column.ablation.pass_removal``; default: its
    crater), so the necrosis left under a wiped surface is coagulation minus removal.
    A fractional pass's wound also lies under what later full-field passes removed over
    it (`removed_after` [m], `later_removal`): it opens in the share of the stratum
    corneum they took and its crater reaches at least their floor, as it would had it
    been fired after them (session 30's probe: a 1,550 nm pass before a full-field pass
    stayed a non-ablative wound, after it an opened one).
    """
    s = column.summary
    if p.kind == "full_field":
        kind, opening = "full_field", surface_opened(s.surface_opening, top, stratum_corneum)
    else:
        kind, opening = fractional_wound_kind(
            s.surface_opening, top + removed_after, stratum_corneum
        )
    if kind == "nonablative_fractional":
        gone = 0.0
    else:
        gone = s.ablation_depth if removed is None else max(removed, s.ablation_depth)
        gone = max(gone, removed_after)
    wide = column.geometry == "wide"
    spot = p.beam().spot_diameter
    return WoundedPass(
        kind=kind,
        ablation_depth=top + gone,
        ablation_width=spot if wide else s.ablation_width_surface,
        coagulation_depth=top + max(s.coagulation_depth, gone),
        coagulation_width=spot if wide else s.coagulation_width,
        coverage=p.density_fraction,
        spacing=None if p.kind == "full_field" else p.spot_spacing_m,
        pulse_energy=p.pulse().energy,
        surface_opening=opening,
        injury_width=shallow_injury_width(column, top),
        desiccation_depth=top + min(s.desiccation_depth, s.coagulation_depth)
        if kind != "nonablative_fractional"
        else 0.0,
        lining_necrosis=s.lining_necrosis if kind != "nonablative_fractional" else math.nan,
    )


def later_removal(removed: list[float], full_field: list[bool]) -> list[float]:
    """What the full-field passes after each fractional pass removed over it [m]: the
    sum of `removed` over the later passes (`wound_for`'s `removed_after`); 0 for a
    full-field pass, whose layer lies over the later passes' layers as one wound."""
    return [
        0.0 if ff else float(sum(removed[i + 1 :])) for i, ff in enumerate(full_field)
    ]


def shallow_injury_width(column: ColumnResult, top: float = 0.0) -> float:
    """Width W [m] of the cylinder that holds a column's injured volume to the swelling's
    depth D (`healing.wound.swelling_depth`) over the column's depth to D: for a column
    fired on a surface `top` [m] below the skin's, its volume above D - top
    (`column.summary.injured_volume`) over pi / 4 x min(top + coagulation depth, D), so
    that healing's pi W^2 / 4 x min(z_c, D) is that volume (`healing.wound.swelling_injury`).
    NaN for a wide spot, whose wound is a layer."""
    if column.geometry == "wide":
        return math.nan
    depth = swelling_depth()
    extent = min(top + column.summary.coagulation_depth, depth)
    if extent <= 0.0:
        return 0.0
    volume = injured_volume(column.fields, max(depth - top, 0.0))
    return 2.0 * math.sqrt(volume / (math.pi * extent))


def _timeline(healing: HealingResult) -> xr.Dataset:
    """The day-by-day healing states as a Dataset on a `day` coordinate."""
    days = [d.day for d in healing.timeline]
    ds = xr.Dataset(
        {
            "skin_state": (("day",), np.array([d.state for d in healing.timeline], dtype=str)),
            "erythema_level": (
                ("day",),
                np.array([d.erythema for d in healing.timeline], dtype=str),
            ),
            "aftercare": (
                ("day",),
                np.array(["; ".join(d.aftercare) for d in healing.timeline], dtype=str),
            ),
        },
        coords={
            "day": ("day", np.array(days), {"units": "d", "long_name": "days after treatment"})
        },
    )
    for name, long_name in (
        ("skin_state", "state of the skin surface on the day"),
        ("erythema_level", "erythema (redness) on the day"),
        ("aftercare", "aftercare items of the day"),
    ):
        ds[name].attrs.update(long_name=long_name)  # text: no units (CF 3.1)
    return ds


def _progress(items, enabled: bool, label: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="column", leave=False)


def _weighted(values, weights) -> float:
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    good = ~np.isnan(values)
    if not good.any():
        return float("nan")
    return float(np.sum(values[good] * weights[good]) / np.sum(weights[good]))


def _sources(column: ColumnResult, beam: Beam) -> ColumnSources:
    """A column's residual heat as sources; a wide-geometry column is scaled to its spot."""
    if column.geometry == "column":
        return sources_from_column(column, SOURCES_PER_COLUMN)
    fields = column.fields
    per_area = fields.residual_enthalpy.isel(r=0).values * float(fields.z[1] - fields.z[0])
    depth = fields.z.values
    slabs = np.array_split(np.arange(depth.size), SOURCES_PER_COLUMN)
    energy = np.array([per_area[s].sum() for s in slabs]) * beam.area
    keep = energy > 0
    centre = np.array(
        [np.average(depth[s], weights=np.maximum(per_area[s], 1e-300)) for s in slabs]
    )
    # a uniform disc of radius a has <r^2> = a^2 / 2, i.e. a per-axis variance a^2 / 4
    variance = np.full(energy.size, beam.radius**2 / 4.0)
    return ColumnSources(
        depth=centre[keep],
        energy=energy[keep],
        variance=variance[keep],
        release_delay=column.summary.simulated_time,
    )


def _summarise_pass(plan: Plan, i: int, columns, skins):
    """Pass `i`: area-weighted figures over the areas it treats, its bulk heating on
    each (the hottest returned, and the largest bulk energy-balance error of them),
    session time and energy over the treated area."""
    treated = plan.treated(i)
    p = plan.passes[i]
    weights = [a.area_cm2 for a, _ in treated]
    per_area = [columns[i, a.region].summary for a, _ in treated]
    um = 1e6

    def mean(name):
        return _weighted([getattr(s, name) for s in per_area], weights)

    cache, per_region = _pass_heating(plan, i, treated, columns, skins)
    largest = max(treated, key=lambda t: t[0].area_cm2) if treated else None
    hottest = max(cache.values(), key=lambda h: h[1]) if cache else None
    heating = hottest[0] if hottest else None
    spacing_of = [rp.pitch_m for _, rp in treated]
    spots = sum(a.area_cm2 * 1e-4 / s**2 for (a, _), s in zip(treated, spacing_of, strict=True))
    energy = sum(
        a.area_cm2 * 1e-4 / s**2 * rp.pulse().total_energy
        for (a, rp), s in zip(treated, spacing_of, strict=True)
    )
    seconds = sum(_pass_seconds(rp, a.area_cm2) for a, rp in treated)
    column = columns[i, largest[0].region] if largest else None
    wide = column is None or column.geometry == "wide"
    def setting(of):  # a setting as fired on each treated area, area-weighted
        return _weighted([of(rp) for _, rp in treated], weights) if treated else of(p)

    fractional = p.mtz_per_m2 is not None  # None for a full-field pass
    summary = PassSummary(
        index=i,
        kind=p.kind,
        device=p.device,
        mode=p.mode,
        wavelength_nm=p.wavelength_nm,
        pulse_energy_mj=setting(lambda rp: rp.pulse_energy_mj),
        fluence_j_per_cm2=setting(spot_fluence),
        coverage_percent=setting(lambda rp: 100.0 * rp.covered_fraction) if treated else 0.0,
        mtz_per_cm2=setting(lambda rp: rp.mtz_per_m2 * 1e-4) if fractional else None,
        spot_spacing_um=setting(lambda rp: rp.spot_spacing_m * um) if fractional else None,
        ablation_depth_um=mean("ablation_depth") * um,
        ablation_width_um=None if wide else mean("ablation_width_surface") * um,
        surface_opening=mean("surface_opening"),
        coagulation_thickness_um=mean("coagulation_thickness") * um,
        coagulation_depth_um=mean("coagulation_depth") * um,
        coagulation_width_um=None if wide else mean("coagulation_width") * um,
        heat_source=column.inputs["heat_source"] if column else "none",
        spots=spots,
        energy_j=energy,
        minutes=seconds / 60.0,
        peak_bulk_temperature_c=hottest[1] if hottest else math.nan,
        bulk_cem43_min=max((h[2] for h in cache.values()), default=0.0),
        time_above_45c_s=float(np.max(heating.time_above_45)) if heating else 0.0,
        time_above_60c_s=float(np.max(heating.time_above_60)) if heating else 0.0,
        regions=[a.region for a, _ in treated],
    )
    bulk_error = max((h[0].energy_balance_error for h in cache.values()), default=0.0)
    return summary, heating, per_region, bulk_error


def _pass_heating(plan: Plan, i: int, treated, columns, skins) -> tuple[dict, dict]:
    """Bulk heating of pass `i` on each area it treats (`_bulk_heating`, with the earlier
    passes on the area's timeline, `_earlier_on_area`): {(site, pass as fired, history):
    (PatternHeating, peak [C], CEM43 [min])} once per distinct pattern and history, and
    {area name: (peak, CEM43)}. A pattern's own terms are solved once per site and
    settings and shared by its histories (`pattern_heating`'s ``own``)."""
    cache: dict = {}
    alone: dict = {}
    per_region = {}
    for area, rp in treated:
        before = _earlier_on_area(plan, i, area)
        pattern = (area.site, rp.model_dump_json())
        key = (*pattern, tuple((j, e.model_dump_json(), t) for j, e, t in before))
        if key not in cache:
            column, skin = columns[i, area.region], skins[area.site]
            if pattern not in alone:
                alone[pattern] = _bulk_heating(rp, column, skin)
            earlier = [(e, columns[j, area.region], t) for j, e, t in before]
            own = alone[pattern][0]
            cache[key] = _bulk_heating(rp, column, skin, earlier, own) if before else alone[pattern]
        per_region[area.region] = cache[key][1:]
    return cache, per_region


def spot_fluence(p: Pass) -> float:
    """Energy of one spot (all its stacked pulses) over its 1/e² area pi d² / 4 [J/cm²]."""
    return p.pulse().total_energy / (math.pi * p.beam().spot_diameter**2 / 4.0) * 1e-4


def _pattern(p: Pass):
    """One scanner pattern of `p`: lattice (x, y) [m], the columns in firing order
    (n, 2) [m] and their firing times [s] from its first shot."""
    spacing = p.pitch_m
    x, y = pattern_positions(p.pattern_shape, p.pattern_size_mm * 1e-3, spacing)
    order = scan_order(x, y, spacing, p.scan_order)
    times = firing_times(x.size, p.repetition_rate_hz, p.pulse().end_time)
    return x, y, np.column_stack([x[order], y[order]]), times


def _pattern_columns(p: Pass) -> int:
    """Columns in one scanner pattern of `p` (`scan.pattern.pattern_positions`)."""
    return pattern_positions(p.pattern_shape, p.pattern_size_mm * 1e-3, p.pitch_m)[0].size


def _pattern_span(p: Pass) -> float:
    """Time one whole scanner pattern of `p` takes to fire [s]: its n columns at the
    firing interval of `_pattern`, ``n max(1/f_rep, pulse train)``."""
    return _pattern_columns(p) * max(1.0 / p.repetition_rate_hz, p.pulse().end_time)


def _earlier_on_area(plan: Plan, i: int, area) -> list[tuple[int, Pass, float]]:
    """The passes fired on `area` before pass `i`: (index, the pass as fired there, its
    first shot [s] on pass i's clock, < 0). The area's timeline: its first pass starts at
    0, and each next pass on it after the previous one's time on the area
    (`_pass_seconds`) plus the pass delays in between (``pass_delay_s`` of every pass
    after the previous one up to it), so both find a pattern's place at the same point
    of their scan; [] if `i` skips the area or none fired on it before. The previous
    pass's time is at least its whole pattern's (`_pattern_span`): on an area smaller
    than a pattern the scan fires part of one, but the bulk heating follows the whole
    pattern, which has then fired before the next pass's starts."""
    fired = [(j, rp) for j in range(i + 1) if (rp := plan.region_pass(j, area)) is not None]
    if not fired or fired[-1][0] != i:
        return []
    starts = [0.0]
    for (j, rp), (k, _) in zip(fired, fired[1:], strict=False):
        delay = sum(plan.passes[m].pass_delay_s for m in range(j + 1, k + 1))
        on_area = max(_pass_seconds(rp, area.area_cm2), _pattern_span(rp))
        starts.append(starts[-1] + on_area + delay)
    return [(j, rp, t - starts[-1]) for (j, rp), t in zip(fired[:-1], starts, strict=False)]


def _bulk_heating(
    p: Pass, column: ColumnResult, skin: Skin, earlier=(), own=None, placement=None
):
    """(PatternHeating, peak [C], CEM43 [min]) of one scanner pattern of `p` on `skin`:
    the columns' residual heat superposed at the probes between columns, with the heat
    of the patterns that `earlier` passes (pass, its column, first shot [s] on this
    pattern's clock; `_earlier_on_area`) fired on the same place, their columns averaged
    over their lattice's p x p cell (where a pass's lattice lies against the next one's is
    unknown, `scan.bulk_heating.EarlierPattern`); CEM43 (Sapareto &
    Dewey 1984, `column.damage.cem43`) of the hottest probe's history, from this
    pattern's first shot to its last release plus the cooling time. `own`: this
    pattern's PatternHeating without `earlier`, whose terms are then reused.
    `placement` (fx, fy): the earlier columns instead as they lie, each lattice shifted
    by (fx, fy) of its pitch (`hottest_placements`)."""
    spacing = p.pitch_m
    x, y, positions, times = _pattern(p)
    probes = between_column_probes(x, y, spacing)
    props = bulk_properties(skin)
    before = []
    for e, c, start in earlier:
        _, _, at, fired = _pattern(e)
        cell = (e.pitch_m, e.pitch_m)  # its square lattice's cell: registration unknown
        if placement is not None:
            at, cell = at + np.asarray(placement) * e.pitch_m, (0.0, 0.0)
        before.append(EarlierPattern(_sources(c, e.beam()), at, fired + start, cell))
    # follow the pattern until heat has had time to cross one pitch to the probes
    cooling = max(MIN_COOLING_S, spacing**2 / props.diffusivity)
    heating = pattern_heating(
        _sources(column, p.beam()), positions, times, props, probes, cooling,
        earlier=before, own=own,
    )  # fmt: skip
    boiling = thermal_constants().boiling_point
    dose = max(cem43(heating.times, row, ceiling_c=boiling) for row in heating.temperature)
    return heating, float(np.max(heating.peak_temperature)), dose


#: shifts of an earlier lattice, in pitches, at which `hottest_placements` places it
PLACEMENTS = ((0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5))
#: a placement note is written where the hottest placement reads this much above the
#: average [K] or this many times its thermal dose
PLACEMENT_PEAK_K, PLACEMENT_DOSE_RATIO = 0.5, 2.0


@dataclass(frozen=True)
class HottestPlacement:
    """Pass `index` on an area it follows earlier passes on before their heat has spread:
    its bulk peak [C] and dose [CEM43 min] with the earlier columns averaged over their
    cell (as the bulk figures take them) and at the hottest of `PLACEMENTS`."""

    index: int
    region: str
    after: tuple[int, ...]  # the earlier passes whose heat has not spread
    average_peak_c: float
    average_cem43_min: float
    peak_c: float
    cem43_min: float


def hottest_placements(plan: Plan, columns: dict, skins: dict, regional: dict) -> dict:
    r"""(pass, region) -> `HottestPlacement` where a pass follows an earlier one on an
    area before that pattern's heat has spread over its spot spacing p (its last shot less
    than :math:`p^2 / (4\alpha)` before, α of the bulk model): the bulk figures average
    the earlier columns over their lattice cell (`_bulk_heating`), but the tissue beside
    one of them runs hotter; the highest peak and the highest dose over `PLACEMENTS` (the
    earlier lattices shifted by half pitches, their columns as they lie), each on its
    own. Session 25 (a review): on 0.3 cm² of cheek,
    co2_dual surface then deep back to back averages 52.6 C and 7.6 CEM43 min, while
    placements read up to 79.5 C and 3.4e7 CEM43 min. `regional`: pass -> {area: (peak,
    CEM43)} with the earlier columns averaged, as `_pass_heating` solved them."""
    out = {}
    for i in range(len(plan.passes)):
        for area, rp in plan.treated(i):
            skin = skins[area.site]
            alpha = bulk_properties(skin).diffusivity
            before = _earlier_on_area(plan, i, area)
            fresh = [
                j for j, e, t in before
                if -t - _pattern_span(e) < e.pitch_m**2 / (4.0 * alpha)
            ]  # fmt: skip
            if not fresh:
                continue
            column = columns[i, area.region]
            earlier = [(e, columns[j, area.region], t) for j, e, t in before]
            peak, dose = regional[i][area.region]
            placed = [
                _bulk_heating(rp, column, skin, earlier, placement=at)[1:] for at in PLACEMENTS
            ]
            out[i, area.region] = HottestPlacement(
                i, area.region, tuple(fresh), peak, dose,
                max(peak, *(h[0] for h in placed)), max(dose, *(h[1] for h in placed)),
            )  # fmt: skip
    return out


def placement_notes(placements: dict) -> list[str]:
    """A model note for each `hottest_placements` entry whose hottest placement reads
    `PLACEMENT_PEAK_K` or a dose ratio of `PLACEMENT_DOSE_RATIO` over the average, which
    the bulk rules (on the average) do not read."""
    notes = []
    for h in placements.values():
        if (
            h.peak_c - h.average_peak_c < PLACEMENT_PEAK_K
            and h.cem43_min < PLACEMENT_DOSE_RATIO * h.average_cem43_min
        ):
            continue
        names = " and ".join(f"pass {j + 1}" for j in h.after)
        notes.append(
            f"pass {h.index + 1} ({h.region}): it follows {names} on this area before "
            f"that heat has spread over its spot spacing, so its bulk peak and dose "
            f"({h.average_peak_c:.1f} °C, {h.average_cem43_min:.3g} CEM43 min) are averages "
            f"over where the earlier columns lie; beside one of them the tissue reads up to "
            f"{h.peak_c:.1f} °C and {h.cem43_min:.3g} CEM43 min, which the bulk safety rules "
            f"do not read (an upper estimate, docs/pattern.md)"
        )
    return notes


def bulk_injury_notes(regions) -> list[str]:
    """A model note where the tissue between the columns of an area (`RegionSummary`)
    took a thermal dose past the one that kills human skin's epidermis through, the
    `bulk_thermal_dose` rule's 720 CEM43 min (Moritz & Henriques 1947, data/
    safety_rules.toml): the healing model reads the columns' wounds alone, so its course
    there misses that injury (session 31's probe: a 1,550 nm pass at 70 mJ and 500
    MTZ/cm2, 1.1e15 CEM43 min between the columns, healed as intact skin in 2.5 d)."""
    limit = next(r.value for r in load_rules() if r.name == "bulk_thermal_dose")
    hot = [r for r in regions if r.treated and r.bulk_cem43_min > limit]
    if not hot:
        return []
    where = ", ".join(f"{r.name} {r.bulk_cem43_min:.3g}" for r in hot)
    return [
        f"between the columns the tissue took a thermal dose past the {limit:g} CEM43 min "
        f"that kills the epidermis through ({where} CEM43 min): the healing figures read "
        "the columns' wounds alone and do not count that injury, so there they are too short"
    ]


def _bulk_boiling_notes(passes) -> list[str]:
    """A model note for each pass (`PassSummary`) whose bulk peak passes the boiling
    point: the bulk model is linear, without boiling, so its peak there is an upper
    estimate, and its thermal dose holds the tissue at the boiling point (`_bulk_heating`)."""
    boiling = thermal_constants().boiling_point
    return [
        f"pass {s.index + 1}: between the columns the tissue would boil (the bulk-heating "
        f"model, linear and without boiling, gives {s.peak_bulk_temperature_c:.0f} °C; "
        f"its thermal dose holds the tissue at {boiling:.0f} °C)"
        for s in passes
        if s.peak_bulk_temperature_c > boiling
    ]


def _pass_seconds(p: Pass, area_cm2: float) -> float:
    """Time to scan `area_cm2` with the patterns of `p` as fired there [s]
    (`scan.session`), each pattern firing the columns its area holds at the pass's
    pitch s, :math:`A_{pattern} / s^2`: kept fractional like the pattern count, so the
    time moves with the density as `spots` does (until session 23 it counted the whole
    columns of the lattice drawn for the bulk heating, and stepped 11 % between 40 and
    40.5 %)."""
    spacing = p.pitch_m
    size = p.pattern_size_mm * 1e-3
    return session_time(
        area_cm2,
        size,
        pattern_area(p.pattern_shape, size, spacing) / spacing**2,
        p.firing_rate_hz,
        1,
        pattern_shape=p.pattern_shape,
        spacing_m=spacing,
    )


#: CF attributes of every variable of ``outcome.nc``: name -> (units, long_name)
DATASET_ATTRS = {
    "ablation_depth": ("m", "depth of the ablated crater, per pass and treated area"),
    "coagulation_thickness": ("m", "thickness of the coagulated cuff, per pass and area"),
    "coagulation_depth": ("m", "deepest coagulated tissue (Arrhenius Omega >= 1)"),
    "ablated_volume": ("m3", "tissue volume ablated by one column"),
    "coagulated_volume": ("m3", "tissue volume coagulated by one column"),
    "area_size": ("m2", "size of the treated area"),
    "coverage": ("1", "fraction of the skin surface covered by the pass's spots, area-weighted"),
    "fluence": ("J m-2", "energy of one spot over its 1/e2 area, per pass, area-weighted"),
    "peak_bulk_temperature": ("degC", "peak bulk temperature between columns, per pass"),
    "bulk_temperature_history": (
        "degC",
        "temperature at the hottest between-column probe over one scanner pattern",
    ),
    "bulk_temperature_at_depth": ("degC", "temperature between columns at each probe depth"),
    "pass": ("1", "pass index in the plan (0-based; people count from 1)"),
    "pass_number": ("1", "pass number as people count it (1-based)"),
    "area": ("1", "treated area (its name in the plan)"),
    "site": ("1", "skin site of the treated area"),
    "probe_depth": ("m", "depth of the probe between columns"),
    "time": ("s", "time from the first spot of the scanner pattern"),
    "total_energy": ("J", "energy of all passes on the treated areas"),
    "combined_coverage": ("1", "fraction of the skin under at least one pass's spots"),
    "bulk_thermal_dose": ("min", "CEM43 thermal dose between the columns, the area with the most"),
    "reepithelialization": ("h", "skin closed after (re-epithelialisation, ED50)"),
    "downtime": ("d", "downtime: the slowest area's visible wound or swelling"),
    "downtime_band": ("d", "downtime band: closure and shedding at -1 and +1 band SD"),
    "band": ("1", "end of the band"),
    "erythema": ("d", "erythema (redness) duration"),
    "mend_clearance": ("d", "necrotic debris (MENDs, crust) all shed"),
    "remodeling": ("week", "new collagen formed (remodelling)"),
    "area_downtime": ("d", "downtime of each treated area"),
    "area_bulk_thermal_dose": ("min", "CEM43 thermal dose between the columns, per area"),
    "area_fraction_of_dermis": ("1", "deepest coagulation / depth of the dermis bottom, per area"),
}


def _headline_variables(summary: OutcomeSummary, areas) -> dict:
    """The summary's headline figures as Dataset variables (`DATASET_ATTRS` units):
    session 31's probe found outcome.nc without downtime, erythema, closure, dose or
    energy, which only summary.json (rounded) carried."""
    regions = {r.name: r for r in summary.regions}

    def per_area(name):
        got = [getattr(regions[a.region], name) if a.region in regions else None for a in areas]
        return (("area",), np.array([math.nan if v is None else v for v in got], float))

    return {
        "total_energy": ((), summary.total_energy_j),
        "combined_coverage": ((), summary.combined_coverage_percent / 1e2),
        "bulk_thermal_dose": ((), summary.bulk_thermal_dose_cem43_min),
        "reepithelialization": ((), summary.reepithelialization_hours),
        "downtime": ((), summary.downtime_days),
        "downtime_band": (("band",), np.array(summary.downtime_days_range, float)),
        "erythema": ((), summary.erythema_days),
        "mend_clearance": ((), summary.mend_clearance_days),
        "remodeling": ((), summary.remodeling_weeks),
        "area_downtime": per_area("downtime_days"),
        "area_bulk_thermal_dose": per_area("bulk_cem43_min"),
        "area_fraction_of_dermis": per_area("fraction_of_dermis"),
    }


def _dataset(plan: Plan, columns: dict, heating, summary: OutcomeSummary) -> xr.Dataset:
    """The outcome's data: per pass x treated area column results (NaN where a pass
    skips an area; each area's `site` a coordinate), per pass bulk heating on a shared
    `time` coordinate, CF ``units`` / ``long_name`` on every variable, and the full plan,
    patient, model version and fingerprint as attributes (traceability). Session 22:
    the data were per site, from the largest area of each, so a second area of a site
    fired at other settings was missing."""
    areas = plan.treated_areas  # as the summary's regions
    n_pass = len(plan.passes)

    def value(i, a, name):
        column = columns.get((i, a.region))
        return math.nan if column is None else getattr(column.summary, name)

    def grid(name):
        return (
            ("pass", "area"),
            np.array([[value(i, a, name) for a in areas] for i in range(n_pass)]),
        )

    time, histories, at_depth = _on_common_time(heating)
    ds = xr.Dataset(
        {
            **{
                name: grid(name)
                for name in (
                    "ablation_depth",
                    "coagulation_thickness",
                    "coagulation_depth",
                    "ablated_volume",
                    "coagulated_volume",
                )
            },
            "area_size": (("area",), np.array([a.area_cm2 * 1e-4 for a in areas])),
            "coverage": (("pass",), np.array([s.coverage_percent / 1e2 for s in summary.passes])),
            "fluence": (("pass",), np.array([s.fluence_j_per_cm2 * 1e4 for s in summary.passes])),
            "peak_bulk_temperature": (
                ("pass",),
                np.array([s.peak_bulk_temperature_c for s in summary.passes]),
            ),
            "bulk_temperature_history": (("pass", "time"), histories),
            "bulk_temperature_at_depth": (("pass", "probe_depth", "time"), at_depth),
            **_headline_variables(summary, areas),
        },
        coords={
            "pass": np.arange(n_pass),
            "pass_number": ("pass", np.arange(1, n_pass + 1)),
            "area": [a.region for a in areas],
            "site": ("area", [a.site for a in areas]),
            "probe_depth": ("probe_depth", heating[0].probe_points[:, 2]),
            "time": ("time", time),
            "band": ("band", ["low", "high"]),
        },
        attrs=_provenance(plan, summary),
    )
    for name, (unit, long_name) in DATASET_ATTRS.items():
        ds[name].attrs.update(units=unit, long_name=long_name)
    return ds


def _provenance(plan: Plan, summary: OutcomeSummary) -> dict:
    """Global attributes that trace a result to its settings and model."""
    import json

    from resurfacer.common.fingerprint import model_fingerprint

    p = plan.patient
    return {
        "Conventions": "CF-1.10",
        "title": f"resurfacer outcome: {plan.name}",
        "plan_name": plan.name,
        "plan_json": json.dumps(plan.to_dict(), sort_keys=True),
        "patient_sex": p.sex,
        "patient_age_years": float(p.age_years),
        "patient_phototype": int(p.phototype),
        "resurfacer_version": __version__,
        "model_fingerprint": model_fingerprint(),
        "session_minutes": summary.session_minutes,
    }


def _on_common_time(heating):
    """Each pass's bulk-temperature histories on one shared time axis [s]: the union
    of every pass's sample times; each pass's own samples are kept exactly, values
    between them interpolated linearly, NaN after a pass's last sample."""
    n = _n(heating)
    time = np.unique(np.concatenate([h.times[:n] for h in heating]))

    def resample(t, values):
        out = np.interp(time, t, values)
        out[time > t[-1]] = np.nan
        return out

    histories, at_depth = [], []
    for h, hottest in zip(heating, _histories(heating), strict=True):
        t = h.times[:n]
        histories.append(resample(t, hottest))
        at_depth.append([resample(t, row[:n]) for row in h.temperature])
    return time, np.array(histories), np.array(at_depth)


def _n(heating) -> int:
    return min(h.times.size for h in heating)


def _histories(heating) -> np.ndarray:
    n = _n(heating)
    rows = []
    for h in heating:
        hottest = int(np.argmax(h.peak_temperature))
        rows.append(h.temperature[hottest, :n])
    return np.array(rows)


def is_finite_summary(summary: OutcomeSummary) -> bool:
    """True when every number in the summary is finite (None allowed)."""

    def finite(value):
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, dict):
            return all(finite(v) for v in value.values())
        if isinstance(value, list):
            return all(finite(v) for v in value)
        return True

    return finite(summary.model_dump())


#: One plan touching every kernel: a Beer-Lambert column with ablation, a
#: wide-spot 1-D column, a Monte Carlo (1,550 nm) column, and the pattern
#: superposition of each.
WARMUP_PLAN = {
    "name": "numba cache warm-up",
    "patient": {"sex": "female", "age_years": 40, "phototype": 2},
    "areas": [{"site": "cheek", "area_cm2": 1.0}],
    "passes": [
        {
            "device": "co2_dual",
            "mode": "deep",
            "pulse_energy_mj": 2.5,
            "density_percent": 5,
            "pattern_size_mm": 2,
        },
        {"device": "co2_dual", "mode": "surface", "pulse_energy_mj": 50, "pattern_size_mm": 4},
        {
            "device": "nonablative_1550",
            "mode": "fractional",
            "pulse_energy_mj": 4,
            "pattern_size_mm": 5,
        },
    ],
}


def warm_up() -> float:
    """Compile and cache every numba kernel in this one process by running the chain on
    WARMUP_PLAN; return the seconds it took.

    numba's on-disk cache (``cache=True``) is not safe when several processes compile
    and write the same entry at once, so everything that starts several processes
    (the test suite, the web server's worker pool, a Dask sweep) runs this first;
    afterwards the worker processes only read the cache.
    """
    started = time.perf_counter()
    simulate(Plan.from_data(WARMUP_PLAN))
    return time.perf_counter() - started
