"""Conduction: one explicit finite-volume step of the Pennes equation on the r-z
column, or one stage of an RKL2 super step (`resurfacer.kernels.rkl2`).

NumPy reference: ``tests/kernels/heat_reference.py``.
"""

from collections import namedtuple

from numba import njit, prange

from resurfacer.kernels.state import temperature_of_enthalpy

#: One stage j of an RKL2 super step (see `conduction_step`): the array receiving
#: Y_j, the stage values Y_{j-2} and Y_0 [J/m^3], L(Y_0) [W/m^3], and the weights
#: mu_j, nu_j, 1 - mu_j - nu_j and gamma~_j tau [s] of Meyer et al. (2014).
RKLStage = namedtuple(
    "RKLStage", "enthalpy_out enthalpy_prev2 enthalpy_start rate_start mu nu start_weight gamma_tau"
)


@njit(cache=True)
def combine_stage(stage, k, j, h_before, increment):
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
    geometry,
    radial_coef,
    material,
    boundary,
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
    _, dz, volume, area_axial, _ = geometry
    kz = material.k_row[k]
    k_up = material.k_face_z[k - 1]
    k_down = material.k_face_z[k]
    perfusion = material.perfusion_row[k]
    rho_c = material.rho_c[k]
    latent = material.latent[k]
    t_initial, t_boil, t_arterial = boundary.t_initial, boundary.t_boil, boundary.t_arterial
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
            h = combine_stage(stage, k, j, enthalpy[k, j], (q - perf) * dt / volume[j])
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


@njit(cache=True, inline="always")
def _cell_net_power(temperature, void, k, j, n_active, geometry, k_row, k_face_z, boundary):
    """Net conductive power [W] into tissue cell (k, j) through its four faces, and the
    powers [W] it conducts out of the domain and loses at exposed surfaces.

    An inner face (none on the axis) or outer face next to a void cell, the top face at
    the skin or under a void and a bottom face over a void lose h A (T - T_amb); the
    outer radial face of the last column (with `lateral_far_field`) and the bottom face
    of the last row hold T_far half a cell away, 2 k A / d (T - T_far); row n_active-1
    sends k A / dz (T - T_below) to the unadvanced rows (booked as conducted out);
    other faces are interior, G (T_nb - T) with G = k_face A / distance.
    """
    dr, dz, _, area_axial, area_radial = geometry
    _, _, _, h_conv, t_ambient, t_far, lateral_far_field = boundary
    nz, nr = temperature.shape
    kz = k_row[k]
    t = temperature[k, j]
    q = 0.0
    out = 0.0
    lost = 0.0
    if j > 0:  # inner radial face; none on the axis
        if void[k, j - 1]:
            loss = h_conv * area_radial[j] * (t - t_ambient)
            q -= loss
            lost += loss
        else:
            q += kz * area_radial[j] / dr * (temperature[k, j - 1] - t)
    if j < nr - 1:  # outer radial face
        if void[k, j + 1]:
            loss = h_conv * area_radial[j + 1] * (t - t_ambient)
            q -= loss
            lost += loss
        else:
            q += kz * area_radial[j + 1] / dr * (temperature[k, j + 1] - t)
    elif lateral_far_field:
        flow = 2.0 * kz * area_radial[nr] / dr * (t - t_far)
        q -= flow
        out += flow
    if k == 0 or void[k - 1, j]:  # top face exposed to air
        loss = h_conv * area_axial[j] * (t - t_ambient)
        q -= loss
        lost += loss
    else:
        q += k_face_z[k - 1] * area_axial[j] / dz * (temperature[k - 1, j] - t)
    if k == nz - 1:  # bottom face: far field
        flow = 2.0 * kz * area_axial[j] / dz * (t - t_far)
        q -= flow
        out += flow
    elif void[k + 1, j]:
        loss = h_conv * area_axial[j] * (t - t_ambient)
        q -= loss
        lost += loss
    elif k == n_active - 1:  # the unadvanced rows below act as far field
        flow = k_face_z[k] * area_axial[j] / dz * (t - temperature[k + 1, j])
        q -= flow
        out += flow
    else:
        q += k_face_z[k] * area_axial[j] / dz * (temperature[k + 1, j] - t)
    return q, out, lost


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
                temperature, enthalpy, k, span_start, span_end, dt, geometry, radial_coef,
                material, boundary, temperature_next, peak, stage, rate_out,
            )
            perfused += row_perfused * dt
        for j in range(row_end):
            if void[k, j] or span_start <= j < span_end:
                continue
            t = temperature[k, j]
            q, out, lost = _cell_net_power(
                temperature, void, k, j, n_active, geometry, k_row, k_face_z, boundary
            )
            conducted += out * dt
            surface += lost * dt
            perf = perfusion_row[k] * volume[j] * (t - t_arterial)
            q -= perf
            perfused += perf * dt
            if stage is None:
                h = enthalpy[k, j] + q * dt / volume[j]
                enthalpy[k, j] = h
            else:
                h = combine_stage(stage, k, j, enthalpy[k, j], q * dt / volume[j])
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
