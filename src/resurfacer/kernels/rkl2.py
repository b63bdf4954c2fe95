"""Runge-Kutta-Legendre (RKL2) super steps for the cooling after the pulse
(Meyer, Balsara & Aslam, J. Comput. Phys. 257 (2014) 594).

NumPy reference: ``tests/kernels/heat_reference.py``.
"""

import math

import numpy as np
from numba import njit

from resurfacer.kernels.conduction import RKLStage, conduction_step
from resurfacer.kernels.damage import accumulate_damage, accumulate_damage_interval
from resurfacer.kernels.state import (
    ACTIVE_TOLERANCE_K,
    heated_extent,
    max_tissue_temperature,
    raise_peak,
    restore_wall_temperatures,
    wall_cell_temperatures,
)


@njit(cache=True)
def rkl2_coefficients(n_stages):
    """Stage weights of the s-stage RKL2 scheme (Meyer, Balsara & Aslam 2014, sec. 3).

    With w_1 = 4 / (s^2 + s - 2), b_0 = b_1 = b_2 = 1/3,
    b_j = (j^2 + j - 2) / (2 j (j + 1)) for j >= 2 and a_j = 1 - b_j:
    mu~_1 = b_1 w_1, and for j = 2..s
    mu_j = (2j - 1) / j b_j / b_{j-1},  nu_j = -(j - 1) / j b_j / b_{j-2},
    mu~_j = mu_j w_1,                   gamma~_j = -a_{j-1} mu~_j.
    Stage 1 is Y_1 = Y_0 + mu~_1 tau L(Y_0) (mu_1 = 1, nu_1 = gamma~_1 = 0).
    Returns the arrays mu, nu, mu~, gamma~, indexed by j = 0..s (index 0 unused).
    The scheme is second order and stable for tau <= dt_explicit (s^2 + s - 2) / 4.
    """
    s = n_stages
    b = np.empty(s + 1)
    for j in range(s + 1):
        b[j] = 1.0 / 3.0 if j < 2 else (j * j + j - 2.0) / (2.0 * j * (j + 1.0))
    w1 = 4.0 / (s * s + s - 2.0)
    mu = np.zeros(s + 1)
    nu = np.zeros(s + 1)
    mu_tilde = np.zeros(s + 1)
    gamma_tilde = np.zeros(s + 1)
    mu[1] = 1.0
    mu_tilde[1] = b[1] * w1
    for j in range(2, s + 1):
        mu[j] = (2.0 * j - 1.0) / j * b[j] / b[j - 1]
        nu[j] = -(j - 1.0) / j * b[j] / b[j - 2]
        mu_tilde[j] = mu[j] * w1
        gamma_tilde[j] = -(1.0 - b[j - 1]) * mu_tilde[j]
    return mu, nu, mu_tilde, gamma_tilde


@njit(cache=True)
def rkl2_stages_for(ratio):
    """Fewest RKL2 stages s >= 2 with (s^2 + s - 2) / 4 >= `ratio` (super step / explicit step)."""
    s = max(2, int(math.ceil(0.5 * (math.sqrt(9.0 + 16.0 * ratio) - 1.0))))
    while (s * s + s - 2) / 4.0 < ratio:
        s += 1
    while s > 2 and ((s - 1) * (s - 1) + (s - 1) - 2) / 4.0 >= ratio:
        s -= 1
    return s


@njit(cache=True)
def super_step_work(enthalpy, temperature):
    """The scratch arrays `rkl2_super_step` takes as `work`, ready for its first call:
    two stage enthalpies, L(Y_0) (zeros), a stage temperature and the wall-cell
    savings (NaN)."""
    return (
        enthalpy.copy(),
        enthalpy.copy(),
        np.zeros_like(enthalpy),
        temperature.copy(),
        np.full_like(enthalpy, np.nan),
    )


@njit(cache=True)
def rkl2_super_step(
    temperature,
    void,
    enthalpy,
    tau,
    n_stages,
    geometry,
    material,
    boundary,
    n_rows,
    row_stop,
    temperature_end,
    row_deviation,
    void_extent,
    work,
):
    """Advance `enthalpy` by one RKL2 super step of length `tau` [s] in `n_stages` stages.

    Runge-Kutta-Legendre, second order (Meyer, Balsara & Aslam, J. Comput.
    Phys. 257 (2014) 594): with Y_0 = H and the operator L of `conduction_step`,
    Y_1 = Y_0 + mu~_1 tau L(Y_0),
    Y_j = mu_j Y_{j-1} + nu_j Y_{j-2} + (1 - mu_j - nu_j) Y_0
          + mu~_j tau L(Y_{j-1}) + gamma~_j tau L(Y_0),   j = 2..s,
    H' = Y_s (coefficients: `rkl2_coefficients`). Stable for
    tau <= dt (s^2 + s - 2) / 4 with dt the explicit limit; the caller picks s.

    Rows from `n_rows` down, and the cells j >= row_stop[k] of the rows above,
    are held (as in `conduction_step`); since each stage carries heat one
    cell further, the advanced region should reach `n_stages` cells beyond
    the cells warmer than the caller's tolerance. `temperature` holds T(H) and
    is left as it is; T(H') goes to `temperature_end` (advanced cells; the
    held cells of rows up to `n_rows` get T(H), which the stages read), H' to
    `enthalpy`. `work` is the scratch of `super_step_work` (reusable: it is left
    as that needs it). `row_deviation` gets each row's largest |T' - T0|.

    The losses of a stage (conducted out, surface, perfused: linear in L) enter
    the stored energy with the same weights as the stage's L, so they are
    combined like Y: D_1 = E_1, D_j = mu_j D_{j-1} + nu_j D_{j-2} + E_j
    + (gamma~_j / mu~_1) E_1, where E_j is what stage j returns; then
    sum V (H' - H) = -(sum of D_s) to rounding. Returns D_s [J]
    (conducted, surface, perfused).
    """
    h_odd, h_even, rate, t_spare, wall_saved = work
    s = n_stages
    mu, nu, mu_tilde, gamma_tilde = rkl2_coefficients(s)
    _hold_cells(temperature, n_rows, row_stop, temperature_end, t_spare)
    # Y_j goes to h_odd / temperature_end when s - j is even, so that Y_s ends there;
    # Y_j (j >= 3) overwrites Y_{j-2}, which only its own cell reads
    d_prev2 = np.zeros(3)
    d_prev = np.zeros(3)
    first = np.zeros(3)
    h_prev = enthalpy
    h_prev2 = enthalpy
    t_prev = temperature
    for j in range(1, s + 1):
        h_out, t_out = (h_odd, temperature_end) if (s - j) % 2 == 0 else (h_even, t_spare)
        stage = RKLStage(
            h_out, h_prev2, enthalpy, rate, mu[j], nu[j], 1.0 - mu[j] - nu[j], gamma_tilde[j] * tau
        )
        wall_cell_temperatures(
            h_prev, void, t_prev, material, boundary, n_rows, row_stop, enthalpy, void_extent,
            wall_saved,
        )
        # the peak argument is unused in a stage; stage 1 stores L(Y_0) in `rate`
        if j == 1:
            e = conduction_step(
                t_prev, void, h_prev, mu_tilde[1] * tau, geometry, material, boundary, n_rows,
                t_out, t_out, row_deviation, void_extent, stage, rate, row_stop,
            )
        else:
            e = conduction_step(
                t_prev, void, h_prev, mu_tilde[j] * tau, geometry, material, boundary, n_rows,
                t_out, t_out, row_deviation, void_extent, stage, None, row_stop,
            )
        restore_wall_temperatures(t_prev, void_extent, n_rows, wall_saved)
        d = _combine_losses(j, e, d_prev, d_prev2, first, mu, nu, gamma_tilde[j] / mu_tilde[1])
        d_prev2 = d_prev
        d_prev = d
        h_prev2 = h_prev
        h_prev = h_out
        t_prev = t_out
    for k in range(n_rows):
        for j in range(row_stop[k]):
            if not void[k, j]:
                enthalpy[k, j] = h_odd[k, j]
    return d_prev[0], d_prev[1], d_prev[2]


@njit(cache=True)
def _hold_cells(temperature, n_rows, row_stop, temperature_end, t_spare):
    """Held cells keep T(Y_0) in both stage temperature arrays, where their advanced
    neighbours read it: the first held row and each row's cells beyond its stop."""
    nz, nr = temperature.shape
    for k in range(min(n_rows + 1, nz)):
        start = row_stop[k] if k < n_rows else 0
        for j in range(start, nr):
            temperature_end[k, j] = temperature[k, j]
            t_spare[k, j] = temperature[k, j]


@njit(cache=True)
def _combine_losses(j, e, d_prev, d_prev2, first, mu, nu, gamma_over_mu1):
    """The losses D_j of stage j combined like the stages' Y (see `rkl2_super_step`):
    D_1 = E_1 (also stored in `first`), D_j = mu_j D_{j-1} + nu_j D_{j-2} + E_j
    + (gamma~_j / mu~_1) E_1."""
    d = np.empty(3)
    for i in range(3):
        if j == 1:
            first[i] = e[i]
            d[i] = e[i]
        else:
            d[i] = mu[j] * d_prev[i] + nu[j] * d_prev2[i] + e[i] + gamma_over_mu1 * first[i]
    return d


@njit(cache=True)
def stage_extent(extent, n_rows, n_stages, n_cols, row_stop):
    """Cells a super step of `n_stages` stages must advance, row by row.

    Each stage moves heat one cell (in r or z), so the cells within
    n_stages steps of a heated one (row k + d up to column extent[k + d] - 1)
    may warm: row_stop[k] = min(n_cols, max over |d| <= n_stages, extent[k + d]
    > 0, of extent[k + d] + n_stages - |d| + 2), 0 when no such row; two cells
    of margin, as for the active rows.
    """
    for k in range(n_rows):
        best = 0
        for k2 in range(max(0, k - n_stages), min(n_rows, k + n_stages + 1)):
            if extent[k2] > 0:
                best = max(best, extent[k2] + n_stages - abs(k2 - k) + 2)
        row_stop[k] = min(n_cols, best)


@njit(cache=True)
def super_steps_pay(super_stepping, since_pulse, dt):
    """Whether a super step of `super_stepping.fraction` x `since_pulse` [s] needs at
    least `min_stages` RKL2 stages, i.e. covers at least (m^2 + m - 2) / 4 explicit steps."""
    m = super_stepping.min_stages
    return super_stepping.fraction * since_pulse >= dt * (m * m + m - 2) / 4.0


@njit(cache=True)
def _super_step_size(super_stepping, t, t_pulse_end, dt):
    """(tau [s], stages) of the next super step: tau = min(fraction (t - t_pulse_end),
    end_time - t), s the fewest stages with tau <= dt (s^2 + s - 2) / 4, at most
    `max_stages` (then tau is cut to what they allow)."""
    tau = min(super_stepping.fraction * (t - t_pulse_end), super_stepping.end_time - t)
    n_stages = rkl2_stages_for(tau / dt)
    if n_stages > super_stepping.max_stages:
        n_stages = super_stepping.max_stages
        tau = dt * (n_stages * n_stages + n_stages - 2) / 4.0
    return tau, n_stages


@njit(cache=True)
def _advance_super_step(fields, current, following, model, tau, n_stages, n_rows, tracking, energy):
    """One super step over the first `n_rows` rows (cells within `row_stop`), its damage
    (`accumulate_damage_interval`; held rows at their constant temperature unless they
    are too cold to matter) and peak. Returns (largest damage rate at the end [1/s],
    hottest tissue temperature [C])."""
    geometry, material, boundary, damage = model
    row_deviation, void_extent, row_stop, work, cold_rows = tracking
    nz = fields.enthalpy.shape[0]
    conducted, surface, perfused = rkl2_super_step(
        current, fields.void, fields.enthalpy, tau, n_stages, geometry, material, boundary,
        n_rows, row_stop, following, row_deviation, void_extent, work,
    )
    energy[2] += conducted
    energy[3] += surface
    energy[4] += perfused
    _, ln_a, ea_over_r, t_min_c, t_negligible = damage
    max_rate = accumulate_damage_interval(
        current, following, fields.void, fields.omega, n_rows, tau, ln_a, ea_over_r, t_min_c,
        t_negligible,
    )
    if not cold_rows and n_rows < nz:  # held rows keep their temperature
        accumulate_damage(
            current[n_rows:], fields.void[n_rows:], fields.omega[n_rows:], tau, ln_a,
            ea_over_r, t_min_c, t_negligible,
        )
    hottest = raise_peak(following, fields.void, fields.peak, n_rows, boundary.t_initial)
    current[:n_rows] = following[:n_rows]
    return max_rate, hottest


@njit(cache=True)
def run_super_steps(fields, current, following, model, super_stepping, control, history, energy,
                    progress, tracking):
    """The RKL2 phase of `resurfacer.kernels.driver.run_column`, from the time in
    `progress` to `super_stepping.end_time`.

    Each super step (`_super_step_size`, `_advance_super_step`): advance rows
    above n_active + s (heat moves one row per stage); then the damage over the
    step, the peak, the history sample and the stop test at its end, and the
    active bound from the new deviations. Within those rows, only the cells
    within s cells of one warmer than ACTIVE_TOLERANCE_K are advanced
    (`heated_extent`, `stage_extent`), unless the far field differs from T0.
    `current` holds T(enthalpy) throughout; `following` is scratch. `model` is
    (geometry, material, boundary, damage), `progress` (t, t_pulse_end, n_active,
    n_history) and `tracking` (row_deviation, void_extent, cold_rows).
    Returns (t, n_active, n_history, super steps, stages, cell updates).
    """
    boundary = model[2]
    t, t_pulse_end, n_active, n_history = progress
    row_deviation, void_extent, cold_rows = tracking
    nz, nr = fields.enthalpy.shape
    extent = np.zeros(nz, dtype=np.int64)
    row_stop = np.full(nz, nr, dtype=np.int64)
    step_tracking = (row_deviation, void_extent, row_stop,
                     super_step_work(fields.enthalpy, current), cold_rows)
    # cells at T0 are held only if nothing but their neighbours would warm them
    hold_cells = boundary.t_far == boundary.t_initial
    n_super = 0
    n_stages_total = 0
    cell_updates = 0
    if n_history < history.time.shape[0]:
        history.time[n_history] = t
        history.max_temperature[n_history] = max_tissue_temperature(
            current, fields.void, n_active, boundary.t_initial
        )
        n_history += 1
    while t < super_stepping.end_time:
        tau, n_stages = _super_step_size(super_stepping, t, t_pulse_end, control.dt)
        last = tau >= super_stepping.end_time - t
        n_rows = min(nz, n_active + n_stages)
        if hold_cells:
            heated_extent(
                current, fields.void, n_rows, boundary.t_initial, ACTIVE_TOLERANCE_K, extent
            )
            stage_extent(extent, n_rows, n_stages, nr, row_stop)
        max_rate, hottest = _advance_super_step(
            fields, current, following, model, tau, n_stages, n_rows, step_tracking, energy
        )
        t = super_stepping.end_time if last else t + tau
        n_super += 1
        n_stages_total += n_stages
        cell_updates += n_stages * np.sum(row_stop[:n_rows])
        for k in range(n_rows - 1, -1, -1):
            if row_deviation[k] > ACTIVE_TOLERANCE_K:
                n_active = min(nz, max(n_active, k + 3))
                break
        if n_history < history.time.shape[0]:
            history.time[n_history] = t
            history.max_temperature[n_history] = hottest
            n_history += 1
        if t >= control.min_steps * control.dt and (
            max_rate * (t - t_pulse_end) < control.growth_tolerance
        ):
            break
    return t, n_active, n_history, n_super, n_stages_total, cell_updates
