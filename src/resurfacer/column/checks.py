"""Self-checks of a column solve: a result that fails one is refused, never returned.

Two kinds of check (issue 17):

* before the solve (`check_fits`): the simulated time must be able to cover the
  whole pulse train plus the requested time after it. Without ``after_pulse``
  the solver stops at ``SolverOptions.max_time`` at the latest, so a train
  ending after it (``--stack 20 --spacing-ms 1000``: 19 s) would be cut short,
  its later pulses never deposited: refused up front, naming the limit.
* after the solve (`check_result`):

  - energy balance: |incident - (reflected + outside + ablation + transmitted +
    stored + conducted + perfused + surface)| / incident <= `ENERGY_TOLERANCE`
    (the solver conserves energy to round-off, about 1e-15; a wide spot's
    1-D stack to about 1e-9);
  - simulated time >= end of the pulse train (+ ``after_pulse`` when given),
    within one time step;
  - physical bounds: every summary number finite; peak temperature between the
    body's core temperature and `MAX_PEAK_TEMPERATURE_C`; the crater inside the
    modelled skin (its depth at most the bottom of the last layer) and inside
    the solved domain.

A failed check raises `SelfCheckError` with the reason: the CLI exits 2 with it,
a web job fails with it.
"""

from __future__ import annotations

import math

from resurfacer.column.grid import MAX_CELLS, WIDE_BEAM_DIAMETER, WIDE_BEAM_RINGS
from resurfacer.data import load_toml
from resurfacer.errors import InputError, SelfCheckError

#: largest accepted |energy residual| / incident energy
ENERGY_TOLERANCE = 1e-6
#: a model bound, not a measured temperature: dried tissue is removed at its ablation
#: enthalpy, which the solver reaches at a few hundred C (CO2 10 mJ: 359 C, Er:YAG:
#: 173 C, 30 mJ x 3: 377 C); a cell past 1,000 C means heat was booked into tissue
#: that should have ablated
MAX_PEAK_TEMPERATURE_C = 1000.0
#: below the body's core temperature (data/thermal.toml) by more than this is not
#: physical either: nothing in the column cools the tissue
COLD_MARGIN_C = 1.0
#: summary fields that are always numbers (widths are NaN for the wide geometry)
FINITE_FIELDS = (
    "ablation_depth",
    "coagulation_depth",
    "desiccation_depth",
    "ablated_volume",
    "coagulated_volume",
    "peak_temperature",
    "simulated_time",
)


def check_fits(pulse, options) -> None:
    """Refuse, before any work, a pulse train the simulated time cannot cover."""
    if options.after_pulse is None and pulse.end_time >= options.max_time:
        raise InputError(
            "pulse",
            f"a train of {pulse.stack} x {pulse.duration * 1e3:g} ms lasting "
            f"{pulse.end_time * 1e3:g} ms",
            f"a pulse train ending before the simulated-time limit "
            f"({options.max_time * 1e3:g} ms): fewer or closer pulses, or a set time to "
            "simulate after the train (after_pulse; the CLI's --after-ms)",
        )


def _fail(check: str, detail: str) -> None:
    raise SelfCheckError(check, detail)


def check_energy(summary) -> None:
    error = summary.energy.relative_error
    if not math.isfinite(error) or error > ENERGY_TOLERANCE:
        _fail(
            "energy balance",
            f"{error:.3g} of the incident energy is unaccounted for "
            f"(tolerance {ENERGY_TOLERANCE:g})",
        )


def check_time(summary, inputs: dict, pulse, options) -> None:
    needed = pulse.end_time + (options.after_pulse or 0.0)
    if summary.simulated_time < needed - inputs["time_step_s"] * 1.001:
        _fail(
            "simulated time",
            f"{summary.simulated_time * 1e3:.4g} ms simulated, the pulse train"
            + (" and the requested time after it" if options.after_pulse else "")
            + f" need {needed * 1e3:.4g} ms",
        )


def check_bounds(summary, inputs: dict, skin) -> None:
    bad = [k for k in FINITE_FIELDS if not math.isfinite(getattr(summary, k))]
    if bad:
        _fail("finite results", "not finite: " + ", ".join(bad))
    peak_c = summary.peak_temperature
    coldest = load_toml("thermal.toml")["body"]["core_temperature_c"] - COLD_MARGIN_C
    if peak_c > MAX_PEAK_TEMPERATURE_C or peak_c < coldest:
        _fail(
            "peak temperature",
            f"{peak_c:.0f} C, outside [{coldest:g}, {MAX_PEAK_TEMPERATURE_C:g}] C",
        )


def check_crater(summary, inputs: dict, skin, pulse) -> None:
    """A crater deeper than the modelled skin is refused as too much energy for it
    (InputError naming the pulse energy, as when the domain cannot grow enough)."""
    skin_bottom = skin.layer_boundaries()[-1]
    if summary.ablation_depth > min(skin_bottom, inputs["domain_depth_m"]):
        # a stack drills its pulses into one column: say so (session 31's probe: 50 mJ x 20
        # was refused as "got 50", an energy inside the device's range)
        train = (
            f", drilled by {pulse.stack} stacked pulses: "
            f"{pulse.total_energy * 1e3:.4g} mJ per column"
            if pulse.stack > 1
            else ""
        )
        raise InputError(
            "pulse.energy",
            pulse.energy,
            f"an energy whose crater fits the modelled skin (a {summary.ablation_depth * 1e3:.3g} "
            f"mm crater in {skin_bottom * 1e3:.3g} mm of skin{train})",
        )


def check_result(result, skin, pulse, options) -> None:
    """Every self-check of a finished solve; SelfCheckError on the first that fails."""
    check_energy(result.summary)
    check_time(result.summary, result.inputs, pulse, options)
    check_bounds(result.summary, result.inputs, skin)
    check_crater(result.summary, result.inputs, skin, pulse)


#: cell updates a run may cost without an explicit override (the CLI's --allow-long):
#: at the 0.5-1e8 cell updates per second of one core, 10-20 minutes
MAX_CELL_UPDATES = 5e10
#: stage evaluations after the last pulse (RKL2 super steps until damage stops):
#: 900-1,700 in the reference cases (CO2 10 / 30 mJ, Er:YAG)
AFTER_PULSE_STAGES = 2000


def estimate_cost(skin, beam, pulse, options) -> dict:
    """An upper estimate of a column solve's work, before it runs.

    cells = (radius / dr) x (depth / dz), the radius being the beam's extent
    (2.63 w for a Gaussian) plus the diffusion length 2 sqrt(alpha_max t), the
    depth the whole modelled skin (at most the solver's MAX_CELLS); steps = the pulse
    train over the explicit step
    dt = safety / (alpha_max (4 / dr^2 + 3 / dz^2)), plus `AFTER_PULSE_STAGES`
    (or explicit steps over ``after_pulse``, whichever is fewer). Returns cells,
    steps and cell_updates (their product).
    """
    alpha = max(ly.conductivity / (ly.density * ly.heat_capacity) for ly in skin.layers)
    dz = options.grid
    wide = options.geometry == "wide" or (
        options.geometry == "auto"
        and beam.profile == "tophat"
        and beam.spot_diameter >= WIDE_BEAM_DIAMETER
    )
    dr = dz if wide else dz / options.radial_refinement
    after = options.after_pulse if options.after_pulse is not None else options.max_time
    diffusion = 2.0 * math.sqrt(alpha * (pulse.end_time + min(after, 0.02)))
    extent = 2.63 * beam.radius if beam.profile == "gaussian" else beam.radius
    nr = WIDE_BEAM_RINGS if wide else math.ceil((extent + diffusion) / dr)
    nz = math.ceil(skin.layer_boundaries()[-1] / dz)
    dt = options.dt_safety / (alpha * (4.0 / dr**2 + 3.0 / dz**2))
    steps = pulse.end_time / dt + min(AFTER_PULSE_STAGES, after / dt)
    cells = min(nr * nz, MAX_CELLS)  # the solver refuses larger grids
    return {"cells": cells, "steps": math.ceil(steps), "cell_updates": float(cells * steps)}


def check_cost(cost: dict, allow_long: bool, option: str = "--allow-long") -> None:
    """Refuse a run estimated over `MAX_CELL_UPDATES` unless `allow_long`."""
    if cost["cell_updates"] > MAX_CELL_UPDATES and not allow_long:
        raise InputError(
            option,
            f"an estimated {cost['cells']:,} cells x {cost['steps']:,} steps = "
            f"{cost['cell_updates']:.3g} cell updates",
            f"runs up to {MAX_CELL_UPDATES:.3g} cell updates; give {option} to run longer ones",
        )
