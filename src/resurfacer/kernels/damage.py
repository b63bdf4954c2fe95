"""Arrhenius damage integral on the column's cells (rate tables from
``resurfacer.column.damage``).

NumPy reference: ``tests/kernels/heat_reference.py``.
"""

import math

from numba import njit, prange

from resurfacer.common.units import KELVIN_OFFSET


@njit(cache=True, inline="always")
def arrhenius_log_rate(t_celsius, ln_a, ea_over_r, t_min_c):
    """ln of the damage rate, ln(dOmega/dt) = ln A - (Ea/R) / T [ln(1/s)], T in kelvin.

    Parameter sets may be piecewise in temperature: segment i applies from
    `t_min_c[i]` [C] up to the next segment's start (segments sorted).
    """
    seg = 0
    for i in range(t_min_c.shape[0]):
        if t_celsius >= t_min_c[i]:
            seg = i
    return ln_a[seg] - ea_over_r[seg] / (t_celsius + KELVIN_OFFSET)


@njit(cache=True, inline="always")
def arrhenius_rate(t_celsius, ln_a, ea_over_r, t_min_c):
    """Damage rate dOmega/dt = exp(ln A - (Ea/R) / T) [1/s], T in kelvin (segments as in
    `arrhenius_log_rate`)."""
    return math.exp(arrhenius_log_rate(t_celsius, ln_a, ea_over_r, t_min_c))


@njit(parallel=True, cache=True)
def accumulate_damage(temperature, void, omega, dt, ln_a, ea_over_r, t_min_c, t_negligible):
    """Omega += dt * rate(T) for every tissue cell hotter than `t_negligible` [C].

    Below `t_negligible` the rate is too small to matter over the run (the
    caller chooses it so); skipping those cells saves the exponential.
    Returns the largest rate [1/s] found.
    """
    nz, nr = temperature.shape
    max_rate = 0.0
    for k in prange(nz):
        row_max = 0.0
        for j in range(nr):
            if void[k, j]:
                continue
            t = temperature[k, j]
            if t <= t_negligible:
                continue
            rate = arrhenius_rate(t, ln_a, ea_over_r, t_min_c)
            omega[k, j] += dt * rate
            if rate > row_max:
                row_max = rate
        max_rate = max(max_rate, row_max)
    return max_rate


@njit(parallel=True, cache=True)
def accumulate_damage_interval(
    temperature_start,
    temperature_end,
    void,
    omega,
    n_rows,
    tau,
    ln_a,
    ea_over_r,
    t_min_c,
    t_negligible,
):
    """Omega += the damage of a step of length `tau` [s] from the temperatures at its ends.

    The rate is taken to change exponentially in time between its values r0
    and r1 at the start and the end (ln r linear in t), so
    Omega += integral of r dt = tau (r1 - r0) / ln(r1 / r0)   (tau r0 when r1 = r0),
    evaluated as tau r_max (1 - exp(-|x|)) / |x|, x = ln r1 - ln r0, r_max the
    larger rate, without cancellation. Tissue cells of the first `n_rows` rows
    are visited; a cell whose temperature is at or below `t_negligible` [C] at
    both ends is skipped (see `accumulate_damage`). Returns the largest rate
    [1/s] at the end of the step among the cells hotter than `t_negligible` then.
    """
    nr = temperature_start.shape[1]
    max_rate = 0.0
    for k in prange(n_rows):
        row_max = 0.0
        for j in range(nr):
            if void[k, j]:
                continue
            t0 = temperature_start[k, j]
            t1 = temperature_end[k, j]
            if t0 <= t_negligible and t1 <= t_negligible:
                continue
            log_r0 = arrhenius_log_rate(t0, ln_a, ea_over_r, t_min_c)
            log_r1 = arrhenius_log_rate(t1, ln_a, ea_over_r, t_min_c)
            x = abs(log_r1 - log_r0)
            r_max = math.exp(max(log_r0, log_r1))
            mean = r_max if x == 0.0 else r_max * -math.expm1(-x) / x
            omega[k, j] += tau * mean
            if t1 > t_negligible:
                row_max = max(row_max, math.exp(log_r1))
        max_rate = max(max_rate, row_max)
    return max_rate
