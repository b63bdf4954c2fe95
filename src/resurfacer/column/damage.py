"""Thermal damage: the Arrhenius integral and CEM43.

Omega(t) = integral_0^t A exp(-Ea / (R T(t'))) dt'   (Henriques & Moritz 1947)

Omega = 1 marks coagulation (exp(-1) = 37 % of the native molecules left).
Parameter sets live in ``data/arrhenius.toml`` with their sources; they are
kept as ln A and Ea/R because A overflows floating point.
"""

import math
from dataclasses import dataclass

import numpy as np

from resurfacer.common.units import KELVIN_OFFSET
from resurfacer.data import load_toml
from resurfacer.errors import check_choice


@dataclass(frozen=True)
class ArrheniusParameters:
    """One parameter set, possibly piecewise in temperature.

    Segment i, ``ln_a[i]`` [ln(1/s)] and ``ea_over_r[i]`` [K], applies from
    ``t_min_c[i]`` [C] up to the next segment's start.
    """

    name: str
    label: str
    source: str
    ln_a: tuple[float, ...]
    ea_over_r: tuple[float, ...]
    t_min_c: tuple[float, ...]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ln A, Ea/R, T_min) as float64 arrays for the kernels."""
        return (
            np.array(self.ln_a, float),
            np.array(self.ea_over_r, float),
            np.array(self.t_min_c, float),
        )


def parameter_set_names() -> tuple[str, ...]:
    return tuple(load_toml("arrhenius.toml")["sets"])


def arrhenius_parameters(name: str | None = None) -> ArrheniusParameters:
    """The named parameter set (default: Henriques & Moritz 1947)."""
    table = load_toml("arrhenius.toml")
    name = name or table["default"]
    check_choice("damage_model", name, table["sets"])
    entry = table["sets"][name]
    return ArrheniusParameters(
        name,
        entry["label"],
        entry["source"],
        tuple(entry["ln_a"]),
        tuple(entry["ea_over_r"]),
        tuple(entry["t_min_c"]),
    )


def damage_rate(temperature_c, params: ArrheniusParameters):
    """dOmega/dt [1/s] at temperature [C] (array or scalar): A exp(-Ea / (R T))."""
    t = np.asarray(temperature_c, dtype=float)
    ln_a, ea_over_r, t_min = params.arrays()
    segment = np.clip(np.searchsorted(t_min, t, side="right") - 1, 0, len(t_min) - 1)
    return np.exp(ln_a[segment] - ea_over_r[segment] / (t + KELVIN_OFFSET))


def time_to_coagulation(temperature_c, params: ArrheniusParameters):
    """Exposure time [s] at constant temperature [C] that gives Omega = 1: t = 1 / rate."""
    return 1.0 / damage_rate(temperature_c, params)


def temperature_for_coagulation(exposure_s: float, params: ArrheniusParameters) -> float:
    """Constant temperature [C] that gives Omega = 1 after `exposure_s` [s].

    T = (Ea/R) / ln(A t) for a one-segment set (published.md section 4); for
    a piecewise set the segment whose range contains the answer is used;
    where the segments leave a gap (Weaver & Stoll near 50 C, about 20-23 s)
    no constant temperature gives Omega = 1 and ValueError is raised.
    """
    starts = list(params.t_min_c) + [math.inf]
    for i, (ln_a, ea_over_r) in enumerate(zip(params.ln_a, params.ea_over_r, strict=True)):
        t_c = ea_over_r / (ln_a + math.log(exposure_s)) - KELVIN_OFFSET
        if starts[i] <= t_c < starts[i + 1]:
            return float(t_c)
    raise ValueError("no segment of the parameter set gives Omega = 1 at that exposure")


def damage_integral(times_s, temperatures_c, params: ArrheniusParameters) -> float:
    """Omega of a temperature history by the trapezoidal rule (reference for the kernel)."""
    rate = damage_rate(temperatures_c, params)
    return float(np.trapezoid(rate, np.asarray(times_s, float)))


def cem43(times_s, temperatures_c, ceiling_c: float = math.inf) -> float:
    """Cumulative equivalent minutes at 43 C (Sapareto & Dewey 1984).

    CEM43 = sum dt/60 * R^(43 - T), R = 0.5 above 43 C and 0.25 below
    (constants and source in ``data/arrhenius.toml`` [cem43]); T is the mean
    of each interval's end temperatures [C], times in s, taken at most
    `ceiling_c`: a linear heating model without boiling (``scan.bulk_heating``)
    can pass the boiling point, where tissue holds while its water boils.
    """
    dose = load_toml("arrhenius.toml")["cem43"]
    t_ref = dose["reference_c"]
    t = np.minimum(np.asarray(temperatures_c, float), ceiling_c)
    dt = np.diff(np.asarray(times_s, float))
    mid = 0.5 * (t[1:] + t[:-1])
    base = np.where(mid >= t_ref, dose["r_above"], dose["r_below"])
    return float(np.sum(dt / 60.0 * base ** (t_ref - mid)))
