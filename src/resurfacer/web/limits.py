"""Server-side caps: what one request may ask the machine to do.

The plan schema (`resurfacer.plan.schema`) already bounds every field and allows at most
10 passes. A plan that is valid for the CLI can still be costly; the server adds
caps on the quantities that set a simulation's run time:

* request body size (`MAX_BODY_BYTES`, checked before the body is parsed);
* total treated area (`MAX_TOTAL_AREA_CM2`): the full face is 331 cm2;
* column solves per plan (distinct site x beam x pulse over the passes as fired on
  each area, `MAX_COLUMNS`);
* spots in one scanner pattern (`MAX_SPOTS_PER_PATTERN`): the bulk-heating
  superposition costs spots x probes x time samples;
* a column's pulse train (`MAX_PULSE_TRAIN_MS`): the explicit column solver's step
  count grows with the simulated time;
* mean fluence per spot (`MAX_MEAN_FLUENCE_J_CM2`): the column's depth, hence its
  grid, grows with it;
* a planner request (``POST /api/plan``): at most `MAX_PLAN_AREAS` areas (each distinct
  site costs a surrogate table per mode and stacking the first time, cached on disk) and
  `MAX_PLAN_N_BEST` plans (each is verified with a full simulation);
* solver settings are the server's (4 um cells, at most `MAX_PHOTONS` Monte Carlo
  photons); a request carries a plan only, never solver options, file paths or code.

The column solves, spots, pulse train and fluence are those of every pass as fired on
every area (`Plan.treated`), per-area settings included.

Each refusal is an `InputError` naming the field path, as the schema's own errors do,
so the API returns it as a 422 next to the field. The per-job time limit of the
worker pool (`jobs.JobManager`) is the backstop for anything these caps miss.
"""

import math

from resurfacer.column.options import SolverOptions
from resurfacer.errors import InputError
from resurfacer.plan.schema import Plan

MAX_BODY_BYTES = 64 * 1024
MAX_TOTAL_AREA_CM2 = 1000.0
MAX_COLUMNS = 40
MAX_SPOTS_PER_PATTERN = 10_000
MAX_PULSE_TRAIN_MS = 10.0
MAX_MEAN_FLUENCE_J_CM2 = 700.0
MIN_GRID_M = 4e-6
MAX_PHOTONS = 100_000
MAX_PLAN_AREAS = 10
MAX_PLAN_N_BEST = 5


def spots_per_pattern(p) -> int:
    """Columns in one scanner pattern of pass `p`, as `pattern.pattern_positions` lays them.

    Computed from the lattice size, without building the pattern (a hexagon is
    bounded by the square around it).
    """
    spacing_um = p.pitch_m * 1e6  # a full-field pass's cell holds one spot's area
    per_side = max(1, round(p.pattern_size_mm * 1e3 / spacing_um))
    return per_side if p.pattern_shape == "line" else per_side**2


def check_plan(plan: Plan) -> Plan:
    """Return `plan` if it is inside the server's caps, else raise InputError.

    Each pass is checked as it is fired on each area (`Plan.treated`: its regional
    defaults and per-area settings applied), so a cap cannot be passed by way of
    ``regions``; a refusal names the region's field where the area's own setting set it.
    """
    area = plan.total_area_cm2
    if area > MAX_TOTAL_AREA_CM2:
        raise InputError(
            "areas", round(area, 6), f"a total area of at most {MAX_TOTAL_AREA_CM2:g} cm2"
        )
    solves = set()
    for i in range(len(plan.passes)):
        for treated_area, fired in plan.treated(i):
            _check_pass(plan, i, treated_area, fired)
            solves.add((treated_area.site, fired.beam(), fired.pulse()))
    if len(solves) > MAX_COLUMNS:
        raise InputError(
            "passes",
            f"{len(solves)} column solves",
            f"at most {MAX_COLUMNS} column solves (passes x sites x per-area settings) "
            "per plan",
        )
    return plan


def _field_of(plan: Plan, i: int, area, name: str) -> str:
    """The path of field `name` of pass `i` as fired on `area`: the area's own setting
    (``passes[i].regions.<region>.<name>``) where it gives one, else the pass's."""
    setting = (plan.passes[i].regions or {}).get(area.region)
    if setting is not None and getattr(setting, name, None) is not None:
        return f"passes[{i}].regions.{area.region}.{name}"
    return f"passes[{i}].{name}"


def _check_pass(plan: Plan, i: int, area, p) -> None:
    """Pass `i` as fired on `area` (`p`) against the per-pass caps. A pulse length the
    pass derived from its energy (fixed-power source) is refused at the energy."""
    where = "" if p is plan.passes[i] else f" on {area.region}"
    spots = spots_per_pattern(p)
    if spots > MAX_SPOTS_PER_PATTERN:
        density = _field_of(plan, i, area, "density_percent")
        field = density if ".regions." in density else f"passes[{i}].pattern_size_mm"
        raise InputError(
            field,
            p.density_percent if field == density else p.pattern_size_mm,
            f"a pattern of at most {MAX_SPOTS_PER_PATTERN} spots on this server "
            f"(this one has {spots}{where}: use a smaller pattern or a lower density)",
        )
    train_ms = p.pulse_duration_ms + (p.stack - 1) * p.stack_spacing_ms
    if train_ms > MAX_PULSE_TRAIN_MS:
        if p.stack > 1:
            name = "stack"
        elif "pulse_duration_ms" in p._derived:
            name = "pulse_energy_mj"
        else:
            name = "pulse_duration_ms"
        raise InputError(
            _field_of(plan, i, area, name),
            getattr(p, name),
            f"a pulse train of at most {MAX_PULSE_TRAIN_MS:g} ms on this server "
            f"(this one lasts {train_ms:g} ms{where})",
        )
    spot_cm2 = math.pi * (p.spot_um * 1e-4) ** 2 / 4.0
    fluence = p.pulse_energy_mj * 1e-3 / spot_cm2
    if fluence > MAX_MEAN_FLUENCE_J_CM2:
        raise InputError(
            _field_of(plan, i, area, "pulse_energy_mj"),
            p.pulse_energy_mj,
            f"a mean fluence of at most {MAX_MEAN_FLUENCE_J_CM2:g} J/cm2 on this server "
            f"(this is {fluence:.4g} J/cm2 on a {p.spot_um:g} um spot{where})",
        )


def check_solver(options: SolverOptions) -> SolverOptions:
    """The server's solver settings must themselves stay inside the caps."""
    if options.grid < MIN_GRID_M:
        raise InputError("grid", options.grid, f">= {MIN_GRID_M:g} m on this server")
    if options.photons > MAX_PHOTONS:
        raise InputError("photons", options.photons, f"<= {MAX_PHOTONS} on this server")
    return options
