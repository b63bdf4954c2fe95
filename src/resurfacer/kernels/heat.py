"""Numba kernels of the single-column (axisymmetric r-z) heat solver.

One job each, on plain arrays; `resurfacer.column.solve` prepares the arrays and reads
the results. The grid is uniform: cell (k, j) spans depth [k dz, (k+1) dz] and
radius [j dr, (j+1) dr]. Enthalpy `H` is volumetric [J/m^3] relative to the
initial temperature; temperatures are in degrees Celsius (only differences
matter, except in the Arrhenius rate, which converts to kelvin).

The plain NumPy versions that the tests compare these with are in
``tests/kernels/heat_reference.py``.
"""

import math
from collections import namedtuple

import numpy as np
from numba import njit, prange

KELVIN_OFFSET = 273.15

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
#: One stage j of an RKL2 super step (see `conduction_step`): the array receiving
#: Y_j, the stage values Y_{j-2} and Y_0 [J/m^3], L(Y_0) [W/m^3], and the weights
#: mu_j, nu_j, 1 - mu_j - nu_j and gamma~_j tau [s] of Meyer et al. (2014).
RKLStage = namedtuple(
    "RKLStage", "enthalpy_out enthalpy_prev2 enthalpy_start rate_start mu nu start_weight gamma_tau"
)
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


@njit(cache=True)
def _rkl2_combine(stage, k, j, h_before, increment):
    """Y_j = mu Y_{j-1} + nu Y_{j-2} + (1 - mu - nu) Y_0 + mu~ tau L(Y_{j-1})
    + gamma~ tau L(Y_0) at cell (k, j), stored in `stage.enthalpy_out`.

    `h_before` is Y_{j-1} and `increment` mu~ tau L(Y_{j-1}) at the cell.
    """
    h = (
        stage.mu * h_before
        + stage.nu * stage.enthalpy_prev2[k, j]
        + stage.start_weight * stage.enthalpy_start[k, j]
        + increment
        + stage.gamma_tau * stage.rate_start[k, j]
    )
    stage.enthalpy_out[k, j] = h
    return h


#: fast-math flags for the interior span: reassociation and contraction, but
#: NaN and infinity keep their meaning
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(cache=True, fastmath=_FASTMATH)
def _interior_span(
    temperature,
    enthalpy,
    k,
    j_start,
    j_stop,
    dt,
    dz,
    volume,
    area_axial,
    radial_coef,
    kz,
    k_up,
    k_down,
    perfusion,
    t_arterial,
    rho_c,
    latent,
    t_initial,
    t_boil,
    temperature_next,
    peak,
    stage,
    rate_out,
):
    """Advance the cells j_start..j_stop-1 of row k, whose four neighbours are tissue.

    V L = k (A_in/dr (T_w - T) + A_out/dr (T_e - T))
          + A/dz (k_up (T_n - T) + k_down (T_s - T)) - w c V (T - T_a);
    H' = H + dt L (`stage` None: in place, peak = max(peak, T')), or the RKL2
    stage of `conduction_step` (out of place, peak untouched); T' = T(H');
    `rate_out` (unless None) gets L. Returns the row's perfusion power [W] and
    its largest |T' - T0|.
    """
    h_boil = rho_c * (t_boil - t_initial)
    h_dry = h_boil + latent
    inv_rho_c = 1.0 / rho_c
    perfused = 0.0
    deviation = 0.0
    for j in range(j_start, j_stop):
        t = temperature[k, j]
        q = kz * (
            radial_coef[j] * (temperature[k, j - 1] - t)
            + radial_coef[j + 1] * (temperature[k, j + 1] - t)
        )
        q += (
            area_axial[j]
            / dz
            * (k_up * (temperature[k - 1, j] - t) + k_down * (temperature[k + 1, j] - t))
        )
        perf = perfusion * volume[j] * (t - t_arterial)
        perfused += perf
        if stage is None:
            h = enthalpy[k, j] + (q - perf) * dt / volume[j]
            enthalpy[k, j] = h
        else:
            h = _rkl2_combine(stage, k, j, enthalpy[k, j], (q - perf) * dt / volume[j])
        if rate_out is not None:
            rate_out[k, j] = (q - perf) / volume[j]
        if h <= h_boil:
            t_new = t_initial + h * inv_rho_c
        elif h <= h_dry:
            t_new = t_boil
        else:
            t_new = t_boil + (h - h_dry) * inv_rho_c
        temperature_next[k, j] = t_new
        if stage is None:
            peak[k, j] = max(peak[k, j], t_new)
        deviation = max(deviation, abs(t_new - t_initial))
    return perfused, deviation


@njit(parallel=True, cache=True)
def conduction_step(
    temperature,
    void,
    enthalpy,
    dt,
    geometry,
    material,
    boundary,
    n_active,
    temperature_next,
    peak,
    row_deviation,
    void_extent,
    stage=None,
    rate_out=None,
    row_stop=None,
):
    """One explicit finite-volume step of the Pennes equation, or one RKL2 stage.

    The operator is L(H) = dH/dt with
    V L = sum_faces G (T_nb - T) - w_b rho_b c_b V (T - T_a), T = T(H), face
    conductance G = k_face A_face / distance (harmonic-mean k across layers).
    Faces next to a void (ablated) cell and the top face lose heat by
    convection, h A (T - T_amb). The bottom face, and the outer radial face
    when `lateral_far_field` (else insulated), hold T_far half a cell away.
    `area_radial[j]` is the area 2 pi r_j dz of the face at r = j dr.
    `temperature` must hold T(enthalpy), except that crater-wall cells may hold
    their mean temperature (`wall_cell_temperatures`); the new temperatures are
    T(H') throughout.

    With `stage` None (explicit step) H' = H + dt L(H), in place on
    `enthalpy`. With `stage` an RKLStage, this is stage j of a super step of
    length tau (Meyer, Balsara & Aslam, J. Comput. Phys. 257 (2014) 594):
    `enthalpy` is Y_{j-1}, `dt` is mu~_j tau and
    Y_j = mu_j Y_{j-1} + nu_j Y_{j-2} + (1 - mu_j - nu_j) Y_0
          + mu~_j tau L(Y_{j-1}) + gamma~_j tau L(Y_0)
    is written to `stage.enthalpy_out`, out of place; `peak` is not touched
    (inner stages are not physical states). `rate_out`, unless None, gets
    L(enthalpy) [W/m^3] (stage 1 stores L(Y_0) this way).

    Only rows above `n_active` are advanced: deeper rows are still at the
    initial temperature to within the caller's tolerance, and heat that the
    last advanced row passes to them is booked as conducted out (they act as
    far field), so the energy balance stays exact. With `row_stop` (None: all
    columns) only the cells j < row_stop[k] of row k are advanced, and the
    heat they pass to held tissue cells beside, above or below them is booked
    as conducted out in the same way. The same pass fills
    `temperature_next` from the new enthalpy, raises `peak` (explicit steps),
    and writes each row's largest |T - T0| into `row_deviation` (for the next
    active bound).
    `void_extent[k]` is one past the outermost void column of row k (0 when
    the row has none). In rows 1..n_active-2 the cells beyond the void of
    rows k-1..k+1, inside the last column and before the row's held cells
    take `_interior_span` (next to held cells it uses their temperatures as
    interior faces do, and the row's booking is added after it), a
    branch-free loop with fast-math arithmetic (the same sums, reassociated:
    equal to rounding); the others take the general path.

    Returns dt x the power [W] conducted out of the domain, lost at exposed
    surfaces and carried off by perfusion, each positive when it leaves: the
    energy [J] of an explicit step; for a stage, the share of L(Y_{j-1}) in
    Y_j (`rkl2_super_step` combines the stages' shares like the enthalpy).
    """
    dr, dz, volume, area_axial, area_radial = geometry
    k_row, k_face_z, rho_c, latent, perfusion_row, _, _ = material
    t_initial, t_boil, t_arterial, h_conv, t_ambient, t_far, lateral_far_field = boundary
    nz, nr = temperature.shape
    conducted = 0.0
    surface = 0.0
    perfused = 0.0
    radial_coef = area_radial / dr
    for k in prange(n_active):
        deviation = 0.0
        kz = k_row[k]
        row_end = nr  # one past the row's last advanced cell
        if row_stop is not None:
            row_end = row_stop[k]
        span_end = min(nr - 1, row_end)
        span_start = span_end  # no span unless the row qualifies
        if 0 < k < n_active - 1:
            span_start = max(1, void_extent[k - 1], void_extent[k], void_extent[k + 1]) + 1
        if span_start < span_end:
            # cells span_start..span_end-1 and their four neighbours are tissue, and
            # row k+1 is advanced: interior faces only
            row_perfused, deviation = _interior_span(
                temperature,
                enthalpy,
                k,
                span_start,
                span_end,
                dt,
                dz,
                volume,
                area_axial,
                radial_coef,
                kz,
                k_face_z[k - 1],
                k_face_z[k],
                perfusion_row[k],
                t_arterial,
                rho_c[k],
                latent[k],
                t_initial,
                t_boil,
                temperature_next,
                peak,
                stage,
                rate_out,
            )
            perfused += row_perfused * dt
        for j in range(row_end):
            if void[k, j] or span_start <= j < span_end:
                continue
            t = temperature[k, j]
            q = 0.0  # net power into the cell [W]
            if j > 0:  # inner radial face; none on the axis
                if void[k, j - 1]:
                    loss = h_conv * area_radial[j] * (t - t_ambient)
                    q -= loss
                    surface += loss * dt
                else:
                    q += kz * area_radial[j] / dr * (temperature[k, j - 1] - t)
            if j < nr - 1:  # outer radial face
                if void[k, j + 1]:
                    loss = h_conv * area_radial[j + 1] * (t - t_ambient)
                    q -= loss
                    surface += loss * dt
                else:
                    q += kz * area_radial[j + 1] / dr * (temperature[k, j + 1] - t)
            elif lateral_far_field:
                flow = 2.0 * kz * area_radial[nr] / dr * (t - t_far)
                q -= flow
                conducted += flow * dt
            if k == 0 or void[k - 1, j]:  # top face exposed to air
                loss = h_conv * area_axial[j] * (t - t_ambient)
                q -= loss
                surface += loss * dt
            else:
                q += k_face_z[k - 1] * area_axial[j] / dz * (temperature[k - 1, j] - t)
            if k == nz - 1:  # bottom face: far field
                flow = 2.0 * kz * area_axial[j] / dz * (t - t_far)
                q -= flow
                conducted += flow * dt
            elif void[k + 1, j]:
                loss = h_conv * area_axial[j] * (t - t_ambient)
                q -= loss
                surface += loss * dt
            elif k == n_active - 1:  # the unadvanced rows below act as far field
                flow = k_face_z[k] * area_axial[j] / dz * (t - temperature[k + 1, j])
                q -= flow
                conducted += flow * dt
            else:
                q += k_face_z[k] * area_axial[j] / dz * (temperature[k + 1, j] - t)
            perf = perfusion_row[k] * volume[j] * (t - t_arterial)
            q -= perf
            perfused += perf * dt
            if stage is None:
                h = enthalpy[k, j] + q * dt / volume[j]
                enthalpy[k, j] = h
            else:
                h = _rkl2_combine(stage, k, j, enthalpy[k, j], q * dt / volume[j])
            if rate_out is not None:
                rate_out[k, j] = q / volume[j]
            t_new = temperature_of_enthalpy(h, rho_c[k], latent[k], t_initial, t_boil)
            temperature_next[k, j] = t_new
            if stage is None:
                if t_new > peak[k, j]:
                    peak[k, j] = t_new
            deviation = max(deviation, abs(t_new - t_initial))
        if row_stop is not None:
            flow = _flow_to_held_cells(
                temperature, void, k, row_stop, n_active, kz, k_face_z, radial_coef, area_axial, dz
            )
            conducted += flow * dt
        row_deviation[k] = deviation
    return conducted, surface, perfused


@njit(cache=True, inline="always")
def _enthalpy_antiderivative(h, rho_c, latent, t_initial, t_boil):
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


@njit(cache=True)
def wall_cell_temperatures(
    enthalpy, void, temperature, material, boundary, n_rows, row_stop, held_enthalpy, void_extent,
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
            g_high = _enthalpy_antiderivative(high, rho_c[k], latent[k], t_initial, t_boil)
            g_low = _enthalpy_antiderivative(low, rho_c[k], latent[k], t_initial, t_boil)
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
def _flow_to_held_cells(
    temperature, void, k, row_stop, n_active, kz, k_face_z, radial_coef, area_axial, dz
):
    """Power [W] from the advanced cells of row k (j < row_stop[k]) into held tissue
    neighbours: the next cell of the row, and the cells above and below beyond the stop
    of their rows (row n_active-1's neighbours below are booked by `conduction_step`).
    Each face G (T - T_nb), with G as for an interior face."""
    nr = temperature.shape[1]
    end = row_stop[k]
    flow = 0.0
    if 0 < end < nr and not void[k, end - 1] and not void[k, end]:
        flow += kz * radial_coef[end] * (temperature[k, end - 1] - temperature[k, end])
    if k > 0:
        for j in range(row_stop[k - 1], end):
            if not void[k, j] and not void[k - 1, j]:
                g = k_face_z[k - 1] * area_axial[j] / dz
                flow += g * (temperature[k, j] - temperature[k - 1, j])
    if k < n_active - 1:
        for j in range(row_stop[k + 1], end):
            if not void[k, j] and not void[k + 1, j]:
                g = k_face_z[k] * area_axial[j] / dz
                flow += g * (temperature[k, j] - temperature[k + 1, j])
    return flow


@njit(cache=True)
def _deliver_down_column(enthalpy, void, j, k_start, energy, attenuation, volume_j, cutoff):
    """Deposit `energy` [J] Beer-Lambert fashion down column `j` from row `k_start`.

    Tissue cell k keeps the fraction 1 - exp(-mu_a,k dz) of what reaches its
    top; void cells (an undercut made by another ray) pass the light on.
    Returns what leaves the bottom of the grid, or what is left once the beam
    falls below `cutoff` [J] (counted as transmitted, so energy is conserved),
    and the row below the last one reached.
    """
    nz = enthalpy.shape[0]
    beam = energy
    k = k_start
    while k < nz and beam > cutoff:
        if not void[k, j]:
            absorbed = beam * (1.0 - attenuation[k])
            enthalpy[k, j] += absorbed / volume_j
            beam -= absorbed
        k += 1
    return beam, k


@njit(cache=True)
def _send_down(enthalpy, void, j, k, energy, attenuation, volume, transmitted, reach):
    """`_deliver_down_column` from cell (k, j), dropping the beam below BEAM_CUTOFF of
    `energy`: returns `transmitted` plus what it did not absorb and `reach` raised to
    the row below the last one it reached. Nothing happens for j < 0 (no column)."""
    if j < 0:
        return transmitted, reach
    left, last = _deliver_down_column(
        enthalpy, void, j, k, energy, attenuation, volume[j], BEAM_CUTOFF * energy
    )
    return transmitted + left, max(reach, last)


#: rays per ring of the beam bundle in `deposit_beam`
RAYS_PER_RING = 8
#: a beam followed down a column is dropped (booked as transmitted) below this
#: fraction of the energy it entered with: it would warm the tissue by far less
#: than ACTIVE_TOLERANCE_K
BEAM_CUTOFF = 1e-9


@njit(cache=True)
def deposit_beam(enthalpy, void, ring_energy, attenuation, volume, h_ablation, spread, entry_row):
    """Deposit one time step's beam energy, removing tissue as it ablates.

    The beam is a bundle of RAYS_PER_RING rays per ring, each carrying an
    equal share of `ring_energy[j]` [J]: ray m of ring j leaves the surface at
    the radius that halves the m-th of RAYS_PER_RING equal-area sub-annuli,
    r0 = dr sqrt(j^2 + (m + 1/2) (2 j + 1) / RAYS_PER_RING), and is at radius
    r0 s(z) in row k, s = `spread[k]`. (A Gaussian beam's radius grows as
    w(z) = w0 sqrt(1 + (z / z_R)^2) and keeps its profile, so the power
    inside r0 s(z) is constant along the ray.) A ray crosses void cells
    unattenuated and enters the tissue at the first tissue cell on its path:
    the crater floor, or the wall where the beam's widening takes it. From
    there it is absorbed Beer-Lambert fashion down that column. Within the
    step the ablation front moves cell by cell: when the entry cell would
    pass its ablation enthalpy h_abl, the fraction f = (h_abl - H) V /
    (absorbed share) of the ray's remaining energy is delivered first, the
    cell is removed (its enthalpy counted as ablation energy) and the rest
    goes on along the ray. This makes the ablation front independent of the
    time step. A ray that leaves the grid radially, or energy still left at
    the grid bottom or below BEAM_CUTOFF of what entered a column, counts as
    transmitted.

    Rays run one after the other (two may reach the same column). Rays that
    enter the same cell one after another without removing it are followed
    down the column together (one Beer-Lambert walk for their sum, held as
    "pending" until a ray goes elsewhere); a ray arriving at that cell sees
    its enthalpy as if the pending energy had been delivered, so the result is
    that of sending each ray on its own. `entry_row[ray]` (ray = j
    RAYS_PER_RING + m) is the row where the ray met tissue last time: cells
    before it on its path are void for good, so the walk starts there; it is
    updated.
    Returns (ablation energy [J], transmitted energy [J], one past the
    deepest void row, the row below the deepest one heated).
    """
    nz, nr = enthalpy.shape
    ablated = 0.0
    transmitted = 0.0
    void_rows = 0
    reach = 0
    pending_column = -1  # the cell (pending_row, pending_column) awaits pending_energy
    pending_row = 0
    pending_energy = 0.0
    for ray in range(nr * RAYS_PER_RING):
        j0 = ray // RAYS_PER_RING
        remaining = ring_energy[j0] / RAYS_PER_RING
        if remaining <= 0.0:
            continue
        start_radius = math.sqrt(
            j0 * j0 + (ray % RAYS_PER_RING + 0.5) * (2 * j0 + 1) / RAYS_PER_RING
        )
        cutoff = BEAM_CUTOFF * remaining
        k = entry_row[ray]
        while remaining > cutoff and k < nz:
            j = int(start_radius * spread[k])
            if j >= nr:
                break
            if void[k, j]:
                k += 1
                continue
            v = volume[j]
            if pending_column == j and pending_row != k:  # it would pass through this cell
                transmitted, reach = _send_down(
                    enthalpy,
                    void,
                    j,
                    pending_row,
                    pending_energy,
                    attenuation,
                    volume,
                    transmitted,
                    reach,
                )
                pending_column, pending_energy = -1, 0.0
            share = remaining * (1.0 - attenuation[k])
            h = enthalpy[k, j]
            if pending_column == j:
                h += pending_energy * (1.0 - attenuation[k]) / v
            need = (h_ablation[k] - h) * v
            if need > share:  # the ray stays in this cell's column
                if pending_column != j:
                    transmitted, reach = _send_down(
                        enthalpy,
                        void,
                        pending_column,
                        pending_row,
                        pending_energy,
                        attenuation,
                        volume,
                        transmitted,
                        reach,
                    )
                    pending_column, pending_row, pending_energy = j, k, 0.0
                pending_energy += remaining
                remaining = 0.0
                break
            if pending_column == j:  # the cell is removed: deliver what waits for it first
                transmitted, reach = _send_down(
                    enthalpy, void, j, k, pending_energy, attenuation, volume, transmitted, reach
                )
                pending_column, pending_energy = -1, 0.0
                need = (h_ablation[k] - enthalpy[k, j]) * v
            part = remaining * (need / share) if need > 0.0 else 0.0
            transmitted, reach = _send_down(
                enthalpy, void, j, k, part, attenuation, volume, transmitted, reach
            )
            ablated += enthalpy[k, j] * v
            enthalpy[k, j] = 0.0
            void[k, j] = True
            void_rows = max(void_rows, k + 1)
            remaining -= part
            k += 1
        entry_row[ray] = k
        transmitted += remaining
    transmitted, reach = _send_down(
        enthalpy,
        void,
        pending_column,
        pending_row,
        pending_energy,
        attenuation,
        volume,
        transmitted,
        reach,
    )
    return ablated, transmitted, void_rows, reach


@njit(parallel=True, cache=True)
def deposit_map(enthalpy, void, fraction, energy, volume, h_ablation):
    """Add `energy` [J] x `fraction[k, j]` (share absorbed in each cell) to the enthalpy.

    Used for sources computed by photon transport on intact tissue. A cell
    that passes its ablation enthalpy is removed as in `deposit_beam`; what
    the map still sends to removed cells is booked with the ablation energy
    (absorbed in the plume), since the map does not follow the crater.
    Returns the ablation energy [J] of this step.
    """
    nz, nr = enthalpy.shape
    ablated = np.zeros(nz)
    for k in prange(nz):
        for j in range(nr):
            e = energy * fraction[k, j]
            if void[k, j]:
                ablated[k] += e
                continue
            h = enthalpy[k, j] + e / volume[j]
            if h >= h_ablation[k]:
                ablated[k] += h * volume[j]
                enthalpy[k, j] = 0.0
                void[k, j] = True
            else:
                enthalpy[k, j] = h
    return ablated.sum()


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


@njit(cache=True)
def _update_void_extent(void, void_extent, n_rows):
    """Set void_extent[k] to one past the outermost void column of row k, k < n_rows."""
    for k in range(min(n_rows, void.shape[0])):
        extent = 0
        for j in range(void.shape[1] - 1, -1, -1):
            if void[k, j]:
                extent = j + 1
                break
        void_extent[k] = extent


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
    nz = enthalpy.shape[0]
    s = n_stages
    mu, nu, mu_tilde, gamma_tilde = rkl2_coefficients(s)
    nr = enthalpy.shape[1]
    # held cells keep T(Y_0) in the stage temperature arrays, where their advanced
    # neighbours read it: the first held row and each row's cells beyond its stop
    for k in range(min(n_rows + 1, nz)):
        start = row_stop[k] if k < n_rows else 0
        for j in range(start, nr):
            temperature_end[k, j] = temperature[k, j]
            t_spare[k, j] = temperature[k, j]
    # Y_j goes to h_odd / temperature_end when s - j is even, so that Y_s ends there;
    # Y_j (j >= 3) overwrites Y_{j-2}, which only its own cell reads
    d_prev2 = np.zeros(3)
    d_prev = np.zeros(3)
    first = np.zeros(3)
    h_prev = enthalpy
    h_prev2 = enthalpy
    t_prev = temperature
    for j in range(1, s + 1):
        if (s - j) % 2 == 0:
            h_out = h_odd
            t_out = temperature_end
        else:
            h_out = h_even
            t_out = t_spare
        stage = RKLStage(
            h_out, h_prev2, enthalpy, rate, mu[j], nu[j], 1.0 - mu[j] - nu[j], gamma_tilde[j] * tau
        )
        wall_cell_temperatures(
            h_prev, void, t_prev, material, boundary, n_rows, row_stop, enthalpy, void_extent,
            wall_saved,
        )
        if j == 1:
            # the peak argument is unused in a stage
            e = conduction_step(
                t_prev,
                void,
                h_prev,
                mu_tilde[1] * tau,
                geometry,
                material,
                boundary,
                n_rows,
                t_out,
                t_out,
                row_deviation,
                void_extent,
                stage,
                rate,
                row_stop,
            )
        else:
            e = conduction_step(
                t_prev,
                void,
                h_prev,
                mu_tilde[j] * tau,
                geometry,
                material,
                boundary,
                n_rows,
                t_out,
                t_out,
                row_deviation,
                void_extent,
                stage,
                None,
                row_stop,
            )
        restore_wall_temperatures(t_prev, void_extent, n_rows, wall_saved)
        d = np.empty(3)
        for i in range(3):
            if j == 1:
                first[i] = e[i]
                d[i] = e[i]
            else:
                d[i] = (
                    mu[j] * d_prev[i]
                    + nu[j] * d_prev2[i]
                    + e[i]
                    + gamma_tilde[j] / mu_tilde[1] * first[i]
                )
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


ACTIVE_TOLERANCE_K = 1e-6  # rows hotter than T0 by less than this are left unadvanced


@njit(cache=True)
def _super_steps_pay(super_stepping, since_pulse, dt):
    """Whether a super step of `super_stepping.fraction` x `since_pulse` [s] needs at
    least `min_stages` RKL2 stages, i.e. covers at least (m^2 + m - 2) / 4 explicit steps."""
    m = super_stepping.min_stages
    return super_stepping.fraction * since_pulse >= dt * (m * m + m - 2) / 4.0


@njit(cache=True)
def _run_super_steps(
    enthalpy,
    void,
    current,
    following,
    peak,
    omega,
    t,
    t_pulse_end,
    dt,
    geometry,
    material,
    boundary,
    damage,
    super_stepping,
    min_time,
    growth_tolerance,
    n_active,
    row_deviation,
    void_extent,
    history_time,
    history_max_temperature,
    n_history,
    energy,
    cold_held_rows,
):
    """The RKL2 phase of `run_column`, from time `t` [s] to `super_stepping.end_time`.

    Each super step: tau = min(fraction (t - t_pulse_end), end_time - t); s =
    the fewest stages with tau <= dt (s^2 + s - 2) / 4 (`rkl2_stages_for`),
    at most `max_stages` (then tau is cut to what they allow); advance rows
    above n_active + s (heat moves one row per stage); then the damage over
    the step (`accumulate_damage_interval`), the peak, the history sample and
    the stop test at its end, and the active bound from the new deviations.
    Within those rows, only the cells within s cells of one warmer than
    ACTIVE_TOLERANCE_K are advanced (`heated_extent`, `stage_extent`), unless
    the far field differs from T0.
    `current` holds T(enthalpy) throughout; `following` is scratch.
    Returns (t, n_active, n_history, super steps, stages, cell updates).
    """
    t_initial = boundary.t_initial
    _, ln_a, ea_over_r, t_min_c, t_negligible = damage
    fraction, _, max_stages, end_time = super_stepping
    nz, nr = enthalpy.shape
    work = super_step_work(enthalpy, current)
    extent = np.zeros(nz, dtype=np.int64)
    row_stop = np.full(nz, nr, dtype=np.int64)
    # cells at T0 are held only if nothing but their neighbours would warm them
    hold_cells = boundary.t_far == t_initial
    n_super = 0
    n_stages_total = 0
    cell_updates = 0
    if n_history < history_time.shape[0]:
        history_time[n_history] = t
        history_max_temperature[n_history] = max_tissue_temperature(
            current, void, n_active, t_initial
        )
        n_history += 1
    while t < end_time:
        tau = min(fraction * (t - t_pulse_end), end_time - t)
        n_stages = rkl2_stages_for(tau / dt)
        if n_stages > max_stages:
            n_stages = max_stages
            tau = dt * (n_stages * n_stages + n_stages - 2) / 4.0
        last = tau >= end_time - t
        n_rows = min(nz, n_active + n_stages)
        if hold_cells:
            heated_extent(current, void, n_rows, t_initial, ACTIVE_TOLERANCE_K, extent)
            stage_extent(extent, n_rows, n_stages, nr, row_stop)
        conducted, surface, perfused = rkl2_super_step(
            current,
            void,
            enthalpy,
            tau,
            n_stages,
            geometry,
            material,
            boundary,
            n_rows,
            row_stop,
            following,
            row_deviation,
            void_extent,
            work,
        )
        energy[2] += conducted
        energy[3] += surface
        energy[4] += perfused
        max_rate = accumulate_damage_interval(
            current, following, void, omega, n_rows, tau, ln_a, ea_over_r, t_min_c, t_negligible
        )
        if not cold_held_rows and n_rows < nz:  # held rows keep their temperature
            accumulate_damage(
                current[n_rows:],
                void[n_rows:],
                omega[n_rows:],
                tau,
                ln_a,
                ea_over_r,
                t_min_c,
                t_negligible,
            )
        hottest = raise_peak(following, void, peak, n_rows, t_initial)
        current[:n_rows] = following[:n_rows]
        t = end_time if last else t + tau
        n_super += 1
        n_stages_total += n_stages
        advanced = 0
        for k in range(n_rows):
            advanced += row_stop[k]
        cell_updates += n_stages * advanced
        for k in range(n_rows - 1, -1, -1):
            if row_deviation[k] > ACTIVE_TOLERANCE_K:
                n_active = min(nz, max(n_active, k + 3))
                break
        if n_history < history_time.shape[0]:
            history_time[n_history] = t
            history_max_temperature[n_history] = hottest
            n_history += 1
        if t >= min_time and max_rate * (t - t_pulse_end) < growth_tolerance:
            break
    return t, n_active, n_history, n_super, n_stages_total, cell_updates


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
def run_column(
    enthalpy,
    void,
    temperature,
    peak,
    omega,
    spread,
    temperature_end_of_pulse,
    step_energy,
    ring_fraction,
    dt,
    geometry,
    material,
    boundary,
    damage,
    min_steps,
    max_steps,
    growth_tolerance,
    history_time,
    history_max_temperature,
    energy,
    deposition,
    deposition_rows,
    super_stepping=None,
):
    """Advance the column from t = 0 until the damage has stopped growing.

    Each heat step: beam deposition with ablation (while `step_energy` lasts:
    the energy [J] delivered to the tissue in each step, split over the rays of
    the rings by `ring_fraction`, each ray's radius growing with depth as
    `spread`: see `deposit_beam`), then conduction driven by T(H) after that
    deposition (first-order operator splitting: `refresh_temperatures`; a cell
    heated in a step conducts that heat in the same step even if the next one
    ablates it, see docs/radial_10mj.md), which also yields the new
    temperatures. Rows deeper than any heat has reached (by more than
    ACTIVE_TOLERANCE_K) are skipped: they keep whatever enthalpy the beam's
    tail left there (less than that in temperature) and their temperature
    arrays stay at T0 until the active bound reaches them. Every `damage.every` steps the Arrhenius
    integral is advanced by that coarser step and the stop criterion is
    tested: after `min_steps`, stop once max_rate * (t - t_pulse_end) <
    `growth_tolerance`, i.e. at the present (falling) rate no cell would gain
    that much Omega over a time as long again as it has cooled; or at
    `max_steps`.

    Super-stepping: with `super_stepping` (a SuperStepping, fraction > 0),
    once the last pulse step is over (no more deposition or ablation) and a
    super step of `fraction` x the time since the pulse ended would need at
    least `min_stages` stages, the run goes on with RKL2 super steps
    (`_run_super_steps`, `rkl2_super_step`: Meyer, Balsara & Aslam, J.
    Comput. Phys. 257 (2014) 594) instead of explicit steps, up to
    `super_stepping.end_time` exactly. Peak, history samples, damage and the
    stop criterion are then evaluated at super-step ends only. The switch
    happens on a damage step, so the explicit damage steps end where the
    first super step begins.

    `temperature` must hold T(enthalpy) on entry. `energy` (length 5)
    accumulates ablation, transmitted, conducted out, surface loss and
    perfused energy [J]. `geometry`, `material`, `boundary` and `damage` are
    the ColumnGeometry, ColumnMaterial, ColumnBoundary and DamageSchedule
    tuples defined above. When `deposition_rows` > 0 the beam is not traced
    here: each step's energy is spread by the fixed map `deposition` (share
    of the step energy absorbed in each cell, from photon transport; rows
    below `deposition_rows` get none; see `deposit_map` for ablation).
    Returns the number of explicit steps taken, the number of history
    samples written, the number of cell updates done (one per cell and
    explicit step or stage), the number of super steps and of their stages,
    and the simulated time [s].
    """
    volume = geometry.volume
    attenuation, h_ablation = material.attenuation, material.h_ablation
    t_initial = boundary.t_initial
    damage_every, ln_a, ea_over_r, t_min_c, t_negligible = damage
    nz, nr = enthalpy.shape
    n_pulse_steps = step_energy.shape[0]
    ring_energy = np.zeros(nr)
    void_rows = 0  # one past the deepest void row
    entry_row = np.zeros(nr * RAYS_PER_RING, dtype=np.int64)
    row_deviation = np.zeros(nz)
    current = temperature
    following = temperature.copy()
    swapped = False  # whether `current` is the copy
    # heat can enter from the far field only if it differs from the start temperature
    n_active = 1 if boundary.t_far == t_initial else nz
    # rows below n_active are within ACTIVE_TOLERANCE_K of T0: the damage kernels
    # can skip them when that is too cold to matter
    cold_held_rows = t_initial + ACTIVE_TOLERANCE_K <= t_negligible
    n_history = 0
    cell_updates = 0
    void_extent = np.zeros(nz, dtype=np.int64)  # one past each row's outermost void column
    all_columns = np.full(nz, nr, dtype=np.int64)
    wall_saved = np.full((nz, nr), np.nan)
    super_phase = False
    step = 0
    while step < max_steps:
        if step == n_pulse_steps:
            temperature_end_of_pulse[:, :] = current
        if step % damage_every == 0:
            if super_stepping is not None and step > n_pulse_steps:
                if super_stepping.fraction > 0.0 and _super_steps_pay(
                    super_stepping, (step - n_pulse_steps) * dt, dt
                ):
                    super_phase = True
                    break
            damage_rows = n_active if cold_held_rows else nz
            max_rate = accumulate_damage(
                current[:damage_rows],
                void[:damage_rows],
                omega[:damage_rows],
                dt * damage_every,
                ln_a,
                ea_over_r,
                t_min_c,
                t_negligible,
            )
            if n_history < history_time.shape[0]:
                history_time[n_history] = step * dt
                history_max_temperature[n_history] = max_tissue_temperature(
                    current, void, n_active, t_initial
                )
                n_history += 1
            if step >= min_steps and step > n_pulse_steps:
                since_pulse = (step - n_pulse_steps) * dt
                if max_rate * since_pulse < growth_tolerance:
                    break
        if step < n_pulse_steps and step_energy[step] > 0.0 and deposition_rows > 0:
            energy[0] += deposit_map(
                enthalpy, void, deposition, step_energy[step], volume, h_ablation
            )
            n_active = min(nz, max(n_active, deposition_rows + 2))
            _update_void_extent(void, void_extent, deposition_rows)
        elif step < n_pulse_steps and step_energy[step] > 0.0:
            for j in range(nr):
                ring_energy[j] = step_energy[step] * ring_fraction[j]
            ablated, transmitted, step_void_rows, reach = deposit_beam(
                enthalpy, void, ring_energy, attenuation, volume, h_ablation, spread, entry_row
            )
            energy[0] += ablated
            energy[1] += transmitted
            void_rows = max(void_rows, step_void_rows)
            # the beam's tail heats rows below the active bound by far less than the
            # tolerance: they stay unadvanced (their enthalpy is kept and counted as
            # stored) until they or the rows above them are warmer than that
            deepest = deepest_heated_row(
                enthalpy, void, material, boundary, n_active, reach, ACTIVE_TOLERANCE_K
            )
            n_active = min(nz, max(n_active, deepest + 3))
            _update_void_extent(void, void_extent, void_rows)
        if step < n_pulse_steps and step_energy[step] > 0.0:
            # the conduction reads T(H) after this step's deposition (the first-order
            # splitting deposit-then-conduct): a cell the beam heats conducts that heat
            # in the same step, even if the next step ablates it
            refresh_temperatures(enthalpy, void, current, material, boundary, n_active)
        # the wall cells' mean temperatures come from the same H
        wall_cell_temperatures(
            enthalpy, void, current, material, boundary, n_active, all_columns, enthalpy,
            void_extent, wall_saved,
        )
        conducted, surface, perfused = conduction_step(
            current,
            void,
            enthalpy,
            dt,
            geometry,
            material,
            boundary,
            n_active,
            following,
            peak,
            row_deviation,
            void_extent,
        )
        restore_wall_temperatures(current, void_extent, n_active, wall_saved)
        cell_updates += n_active * nr
        energy[2] += conducted
        energy[3] += surface
        energy[4] += perfused
        for k in range(n_active - 1, -1, -1):
            if row_deviation[k] > ACTIVE_TOLERANCE_K:
                n_active = min(nz, max(n_active, k + 3))
                break
        current, following = following, current
        swapped = not swapped
        step += 1
    if step <= n_pulse_steps:
        temperature_end_of_pulse[:, :] = current
    t = step * dt
    n_super = 0
    n_stages = 0
    if super_stepping is not None and super_phase:
        t, n_active, n_history, n_super, n_stages, super_updates = _run_super_steps(
            enthalpy,
            void,
            current,
            following,
            peak,
            omega,
            t,
            n_pulse_steps * dt,
            dt,
            geometry,
            material,
            boundary,
            damage,
            super_stepping,
            min_steps * dt,
            growth_tolerance,
            n_active,
            row_deviation,
            void_extent,
            history_time,
            history_max_temperature,
            n_history,
            energy,
            cold_held_rows,
        )
        cell_updates += super_updates
    if swapped:  # the latest temperatures live in the scratch array
        temperature[:, :] = current
    return step, n_history, cell_updates, n_super, n_stages, t
