"""State of the r-z column: the grid, material and boundary tuples every kernel
takes, the enthalpy-temperature relation, and cell bookkeeping.

The grid is uniform: cell (k, j) spans depth [k dz, (k+1) dz] and radius
[j dr, (j+1) dr]. Enthalpy `H` is volumetric [J/m^3] relative to the initial
temperature; temperatures are in degrees Celsius (only differences matter,
except in the Arrhenius rate, which converts to kelvin). Plain NumPy versions
of these kernels, which the tests compare them with, are in
``tests/kernels/heat_reference.py``.
"""

from collections import namedtuple

import numpy as np
from numba import njit, prange

#: rows (and, in super steps, cells) hotter than T0 by less than this [K] are left
#: unadvanced
ACTIVE_TOLERANCE_K = 1e-6

#: Cell geometry of the uniform r-z grid: cell sizes [m], ring volumes [m^3],
#: axial face areas [m^2] per ring and radial face areas 2 pi r dz [m^2] at r = j dr.
ColumnGeometry = namedtuple("ColumnGeometry", "dr dz volume area_axial area_radial")
#: Per-row tissue data: conductivity [W/m/K] and its harmonic mean between rows,
#: rho c [J/m^3/K], latent heat [J/m^3], perfusion w_b rho_b c_b [W/m^3/K],
#: Beer-Lambert attenuation per cell exp(-mu_a dz) [-] and ablation enthalpy [J/m^3].
ColumnMaterial = namedtuple(
    "ColumnMaterial", "k_row k_face_z rho_c latent perfusion_row attenuation h_ablation"
)
#: Temperatures [C] (initial, boiling, arterial, ambient, far field), surface
#: convection [W/m^2/K] and whether the outer radius is far field (else insulated).
ColumnBoundary = namedtuple(
    "ColumnBoundary", "t_initial t_boil t_arterial h_conv t_ambient t_far lateral_far_field"
)
#: Arrhenius step: heat steps per damage step, ln A, Ea/R and segment starts (see
#: `arrhenius_rate`), and the temperature [C] below which the rate is skipped.
DamageSchedule = namedtuple("DamageSchedule", "every ln_a ea_over_r t_min_c t_negligible")
#: Super-stepping after the last pulse (see `run_column`): super step <= `fraction`
#: x the time since the pulse ended, `min_stages`..`max_stages` RKL2 stages, and the
#: time [s] the run ends at.
SuperStepping = namedtuple("SuperStepping", "fraction min_stages max_stages end_time")


@njit(cache=True, inline="always")
def temperature_of_enthalpy(h, rho_c, latent, t_initial, t_boil):
    """Temperature [C] of volumetric enthalpy `h` [J/m^3] with a boiling plateau.

    T = T0 + h / (rho c)                      below the plateau,
    T = T_boil                                while the latent heat `latent` is absorbed,
    T = T_boil + (h - h_b - latent) / (rho c) above it (dry residue),
    with h_b = rho c (T_boil - T0).
    """
    h_boil = rho_c * (t_boil - t_initial)
    if h <= h_boil:
        return t_initial + h / rho_c
    if h <= h_boil + latent:
        return t_boil
    return t_boil + (h - h_boil - latent) / rho_c


@njit(cache=True, inline="always")
def enthalpy_antiderivative(h, rho_c, latent, t_initial, t_boil):
    """G(h) = integral_0^h T(h') dh' [C J/m^3] of `temperature_of_enthalpy`
    (piecewise linear in h: quadratic below and above the boiling plateau)."""
    h_boil = rho_c * (t_boil - t_initial)
    if h <= h_boil:
        return t_initial * h + 0.5 * h * h / rho_c
    g = t_initial * h_boil + 0.5 * h_boil * h_boil / rho_c
    if h <= h_boil + latent:
        return g + t_boil * (h - h_boil)
    x = h - h_boil - latent
    return g + t_boil * (latent + x) + 0.5 * x * x / rho_c


@njit(parallel=True, cache=True)
def refresh_temperatures(enthalpy, void, temperature, material, boundary, n_rows):
    """temperature = T(enthalpy) on the tissue cells of the first `n_rows` rows."""
    rho_c, latent = material.rho_c, material.latent
    t_initial, t_boil = boundary.t_initial, boundary.t_boil
    for k in prange(min(n_rows, enthalpy.shape[0])):
        for j in range(enthalpy.shape[1]):
            if not void[k, j]:
                temperature[k, j] = temperature_of_enthalpy(
                    enthalpy[k, j], rho_c[k], latent[k], t_initial, t_boil
                )


@njit(cache=True)
def wall_cell_temperatures(
    enthalpy,
    void,
    temperature,
    material,
    boundary,
    n_rows,
    row_stop,
    held_enthalpy,
    void_extent,
    saved,
):
    """Give each crater-wall cell the mean temperature of its reconstructed enthalpy.

    A wall cell (k, j) is tissue with a void inner radial neighbour and a tissue
    outer one (j <= void_extent[k]). Its enthalpy is taken as linear across the
    cell, H(x) = H + s x, x in [-1/2, 1/2], s = 2 (H_out - H): the outer face
    holds the neighbour's enthalpy (`held_enthalpy` for a held neighbour,
    j + 1 >= row_stop[k]) and the inner face the rim's. Where
    [H - |s|/2, H + |s|/2] crosses an end of the boiling plateau, T(H) of the
    mean differs from the mean of T (a dried rim beside tissue still on the
    plateau), and temperature[k, j] becomes
    T_eff = (G(H + |s|/2) - G(H - |s|/2)) / |s|, G the antiderivative of T(H):
    the exact cell mean. The conductive fluxes then use T_eff on both sides of
    every face, so energy is conserved. The replaced value goes to saved[k, j]
    (NaN elsewhere) for `restore_wall_temperatures`. See docs/column.md.
    """
    rho_c, latent = material.rho_c, material.latent
    t_initial, t_boil = boundary.t_initial, boundary.t_boil
    nr = enthalpy.shape[1]
    for k in range(min(n_rows, enthalpy.shape[0])):
        h_boil = rho_c[k] * (t_boil - t_initial)
        h_dry = h_boil + latent[k]
        for j in range(1, min(void_extent[k] + 1, nr - 1, row_stop[k])):
            if void[k, j] or not void[k, j - 1] or void[k, j + 1]:
                continue
            h = enthalpy[k, j]
            h_out = enthalpy[k, j + 1] if j + 1 < row_stop[k] else held_enthalpy[k, j + 1]
            half = abs(h_out - h)  # |s| / 2
            low, high = h - half, h + half
            if not (low < h_boil < high or low < h_dry < high):
                continue
            saved[k, j] = temperature[k, j]
            g_high = enthalpy_antiderivative(high, rho_c[k], latent[k], t_initial, t_boil)
            g_low = enthalpy_antiderivative(low, rho_c[k], latent[k], t_initial, t_boil)
            temperature[k, j] = (g_high - g_low) / (high - low)


@njit(cache=True)
def restore_wall_temperatures(temperature, void_extent, n_rows, saved):
    """Undo `wall_cell_temperatures` (the cells where `saved` holds a value)."""
    nr = temperature.shape[1]
    for k in range(min(n_rows, temperature.shape[0])):
        for j in range(1, min(void_extent[k] + 1, nr)):
            if not np.isnan(saved[k, j]):
                temperature[k, j] = saved[k, j]
                saved[k, j] = np.nan


@njit(cache=True)
def deepest_heated_row(enthalpy, void, material, boundary, row_start, row_stop, tolerance):
    """Deepest row k in row_start..row_stop-1 with a tissue cell at |T(H) - T0| > `tolerance`
    [K], or -1. Used on the rows the beam reached below the active bound."""
    rho_c, latent = material.rho_c, material.latent
    t_initial, t_boil = boundary.t_initial, boundary.t_boil
    for k in range(min(row_stop, enthalpy.shape[0]) - 1, row_start - 1, -1):
        for j in range(enthalpy.shape[1]):
            if void[k, j]:
                continue
            t = temperature_of_enthalpy(enthalpy[k, j], rho_c[k], latent[k], t_initial, t_boil)
            if abs(t - t_initial) > tolerance:
                return k
    return -1


@njit(cache=True)
def heated_extent(temperature, void, n_rows, t_initial, tolerance, extent):
    """extent[k] = one past the outermost tissue cell of row k (k < n_rows) with
    |T - T0| > `tolerance` [K], 0 when there is none."""
    nr = temperature.shape[1]
    for k in range(n_rows):
        extent[k] = 0
        for j in range(nr - 1, -1, -1):
            if not void[k, j] and abs(temperature[k, j] - t_initial) > tolerance:
                extent[k] = j + 1
                break


@njit(parallel=True, cache=True)
def max_tissue_temperature(temperature, void, n_rows, floor):
    """Largest temperature [C] of the tissue (non-void) cells in the first `n_rows` rows,
    and at least `floor`."""
    best = floor
    for k in prange(n_rows):
        row_best = floor
        for j in range(temperature.shape[1]):
            if not void[k, j] and temperature[k, j] > row_best:
                row_best = temperature[k, j]
        best = max(best, row_best)
    return best


@njit(parallel=True, cache=True)
def raise_peak(temperature, void, peak, n_rows, floor):
    """peak = max(peak, T) on the tissue cells of the first `n_rows` rows; returns the
    largest of those temperatures [C], and at least `floor`."""
    best = floor
    for k in prange(n_rows):
        row_best = floor
        for j in range(temperature.shape[1]):
            if not void[k, j]:
                t = temperature[k, j]
                if t > peak[k, j]:
                    peak[k, j] = t
                if t > row_best:
                    row_best = t
        best = max(best, row_best)
    return best


@njit(cache=True)
def update_void_extent(void, void_extent, n_rows):
    """Set void_extent[k] to one past the outermost void column of row k, k < n_rows."""
    for k in range(min(n_rows, void.shape[0])):
        extent = 0
        for j in range(void.shape[1] - 1, -1, -1):
            if void[k, j]:
                extent = j + 1
                break
        void_extent[k] = extent
