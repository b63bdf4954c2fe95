"""Server-side caps: what one request may ask the machine to do.

The plan schema (`resurfacer.plan.schema`) already bounds every field and allows at most
10 passes. A plan that is valid for the CLI can still be costly; the server adds
caps on the quantities that set a simulation's run time:

* request body size (`MAX_BODY_BYTES`, checked before the body is parsed);
* total treated area (`MAX_TOTAL_AREA_CM2`): the full face is 331 cm2;
* column solves per plan (passes x distinct sites, `MAX_COLUMNS`);
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
    spacing_um = p.spot_um if p.kind == "full_field" else p.spot_spacing_m * 1e6
    per_side = max(1, round(p.pattern_size_mm * 1e3 / spacing_um))
    return per_side if p.pattern_shape == "line" else per_side**2


def check_plan(plan: Plan) -> Plan:
    """Return `plan` if it is inside the server's caps, else raise InputError."""
    area = plan.total_area_cm2
    if area > MAX_TOTAL_AREA_CM2:
        raise InputError(
            "areas", round(area, 6), f"a total area of at most {MAX_TOTAL_AREA_CM2:g} cm2"
        )
    sites = {a.site for a in plan.site_areas}
    columns = len(sites) * len(plan.passes)
    if columns > MAX_COLUMNS:
        raise InputError(
            "passes",
            f"{len(plan.passes)} passes x {len(sites)} sites",
            f"at most {MAX_COLUMNS} column solves (passes x distinct sites) per plan",
        )
    for i, p in enumerate(plan.passes):
        spots = spots_per_pattern(p)
        if spots > MAX_SPOTS_PER_PATTERN:
            field = "pattern_size_mm"
            raise InputError(
                f"passes[{i}].{field}",
                p.pattern_size_mm,
                f"a pattern of at most {MAX_SPOTS_PER_PATTERN} spots on this server "
                f"(this one has {spots}: use a smaller pattern or a lower density)",
            )
        train_ms = p.pulse_duration_ms + (p.stack - 1) * p.stack_spacing_ms
        if train_ms > MAX_PULSE_TRAIN_MS:
            field = "pulse_duration_ms" if p.stack == 1 else "stack"
            raise InputError(
                f"passes[{i}].{field}",
                getattr(p, field),
                f"a pulse train of at most {MAX_PULSE_TRAIN_MS:g} ms on this server "
                f"(this one lasts {train_ms:g} ms)",
            )
        spot_cm2 = math.pi * (p.spot_um * 1e-4) ** 2 / 4.0
        fluence = p.pulse_energy_mj * 1e-3 / spot_cm2
        if fluence > MAX_MEAN_FLUENCE_J_CM2:
            raise InputError(
                f"passes[{i}].pulse_energy_mj",
                p.pulse_energy_mj,
                f"a mean fluence of at most {MAX_MEAN_FLUENCE_J_CM2:g} J/cm2 on this server "
                f"(this is {fluence:.4g} J/cm2 on a {p.spot_um:g} um spot)",
            )
    return plan


def check_solver(options: SolverOptions) -> SolverOptions:
    """The server's solver settings must themselves stay inside the caps."""
    if options.grid < MIN_GRID_M:
        raise InputError("grid", options.grid, f">= {MIN_GRID_M:g} m on this server")
    if options.photons > MAX_PHOTONS:
        raise InputError("photons", options.photons, f"<= {MAX_PHOTONS} on this server")
    return options
