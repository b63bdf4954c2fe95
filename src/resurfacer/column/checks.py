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
    skin_bottom = skin.layer_boundaries()[-1]
    bottom = min(skin_bottom, inputs["domain_depth_m"])
    if summary.ablation_depth > bottom:
        _fail(
            "crater depth",
            f"a {summary.ablation_depth * 1e3:.3g} mm crater in {skin_bottom * 1e3:.3g} mm "
            f"of modelled skin ({inputs['domain_depth_m'] * 1e3:.3g} mm solved)",
        )


def check_result(result, skin, pulse, options) -> None:
    """Every self-check of a finished solve; SelfCheckError on the first that fails."""
    check_energy(result.summary)
    check_time(result.summary, result.inputs, pulse, options)
    check_bounds(result.summary, result.inputs, skin)
