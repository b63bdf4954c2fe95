"""Plain NumPy/Python versions of the heat kernels in ``resurfacer.kernels`` (state, conduction,
deposition, damage, rkl2).

Written for obviousness, not speed: the tests in ``test_heat_kernels.py``
compare the numba kernels with these on small random states. Arguments and
returns mirror the kernels exactly (arrays are modified in place).
"""

import numpy as np

from resurfacer.optics.waveguide import wall_reflectance

KELVIN_OFFSET = 273.15


def temperature_of_enthalpy(h, rho_c, latent, t_initial, t_boil):
    """T(H) with a boiling plateau, vectorised.

    h_b = rho c (T_boil - T0);
    T = T0 + H / (rho c)                    for H <= h_b,
    T = T_boil                              for h_b < H <= h_b + L,
    T = T_boil + (H - h_b - L) / (rho c)    for H > h_b + L.
    """
    h = np.asarray(h, float)
    h_boil = rho_c * (t_boil - t_initial)
    return np.where(
        h <= h_boil,
        t_initial + h / rho_c,
        np.where(h <= h_boil + latent, t_boil, t_boil + (h - h_boil - latent) / rho_c),
    )


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
    """One explicit finite-volume step, face by face, or one RKL2 stage.

    For every advanced cell i: tissue, row k < n_active and column
    j < row_stop[k] (all columns when `row_stop` is None):
        V_i (H_i' - H_i) / dt = sum over faces f of P_f,
    where the power P_f [W] into the cell through face f is
      * G (T_nb - T_i), G = k A / d, between two tissue cells (d = dr or dz;
        k = k_row within a row, the harmonic mean k_face_z[k] between rows k, k+1),
      * -h A (T_i - T_amb) through a face next to a void cell or the top of the grid,
      * -2 k A / d (T_i - T_far) through the bottom face, and the outer radial
        face when `lateral_far_field` (far field half a cell away; else insulated),
      * through a face to a held tissue cell (a row at or below n_active, or a
        column at or beyond its row's stop), -G (T_i - T_nb), booked as conducted
        out, since that cell is not advanced,
      * and the perfusion sink -w rho c V (T_i - T_a).
    All powers use the temperatures at the start of the step. The losses are
    returned as energies (power * dt), positive when they leave.
    With `stage` (an RKLStage: Y_j's array, Y_{j-2}, Y_0, L(Y_0), mu, nu,
    1 - mu - nu, gamma~ tau) the new enthalpy is instead
        H' = mu H + nu Y_{j-2} + (1 - mu - nu) Y_0 + dt P / V + gamma~ tau L(Y_0),
    written to the stage's array (`enthalpy` untouched), and `peak` is left alone.
    `rate_out`, unless None, gets P / V (= L(H), W/m^3).
    Then T' = T(H') fills `temperature_next`, `peak` = max(peak, T') and
    `row_deviation[k]` = max over the row's tissue cells of |T' - T0|.
    `void_extent` (the kernel's hint for its branch-free span) is unused:
    this reference has one path for every row. `geometry`, `material` and
    `boundary` are the kernel module's ColumnGeometry, ColumnMaterial and
    ColumnBoundary tuples.
    """
    dr, dz, volume, area_axial, area_radial = geometry
    k_row, k_face_z, rho_c, latent, perfusion_row, _, _ = material
    t_initial, t_boil, t_arterial, h_conv, t_ambient, t_far, lateral_far_field = boundary
    nz, nr = temperature.shape
    power = np.zeros((nz, nr))
    conducted = surface = perfused = 0.0
    stops = np.full(nz, nr) if row_stop is None else np.asarray(row_stop)
    advanced = (
        ~void & (np.arange(nz)[:, None] < n_active) & (np.arange(nr)[None, :] < stops[:, None])
    )

    for k in range(n_active):
        for j in range(nr):
            if not advanced[k, j]:
                continue
            t = temperature[k, j]
            # outer radial face at r = (j+1) dr
            if j < nr - 1:
                a = area_radial[j + 1]
                if void[k, j + 1]:
                    loss = h_conv * a * (t - t_ambient)
                    power[k, j] -= loss
                    surface += loss * dt
                elif not advanced[k, j + 1]:
                    flow = k_row[k] * a / dr * (t - temperature[k, j + 1])
                    power[k, j] -= flow
                    conducted += flow * dt
                else:
                    # shared face: each side computes its own flux (they are equal and opposite)
                    power[k, j] += k_row[k] * a / dr * (temperature[k, j + 1] - t)
            elif lateral_far_field:
                flow = 2.0 * k_row[k] * area_radial[nr] / dr * (t - t_far)
                power[k, j] -= flow
                conducted += flow * dt
            # inner radial face at r = j dr (none on the axis)
            if j > 0:
                a = area_radial[j]
                if void[k, j - 1]:
                    loss = h_conv * a * (t - t_ambient)
                    power[k, j] -= loss
                    surface += loss * dt
                else:
                    power[k, j] += k_row[k] * a / dr * (temperature[k, j - 1] - t)
            # top face
            a = area_axial[j]
            if k == 0 or void[k - 1, j]:
                loss = h_conv * a * (t - t_ambient)
                power[k, j] -= loss
                surface += loss * dt
            elif not advanced[k - 1, j]:
                flow = k_face_z[k - 1] * a / dz * (t - temperature[k - 1, j])
                power[k, j] -= flow
                conducted += flow * dt
            else:
                power[k, j] += k_face_z[k - 1] * a / dz * (temperature[k - 1, j] - t)
            # bottom face
            if k == nz - 1:
                flow = 2.0 * k_row[k] * a / dz * (t - t_far)
                power[k, j] -= flow
                conducted += flow * dt
            elif void[k + 1, j]:
                loss = h_conv * a * (t - t_ambient)
                power[k, j] -= loss
                surface += loss * dt
            elif not advanced[k + 1, j]:
                # held: rows below the active window, or beyond the row's stop
                flow = k_face_z[k] * a / dz * (t - temperature[k + 1, j])
                power[k, j] -= flow
                conducted += flow * dt
            else:
                power[k, j] += k_face_z[k] * a / dz * (temperature[k + 1, j] - t)
            # perfusion
            perf = perfusion_row[k] * volume[j] * (t - t_arterial)
            power[k, j] -= perf
            perfused += perf * dt

    for k in range(n_active):
        tissue = advanced[k]
        increment = power[k] * dt / volume
        if stage is None:
            h_new = enthalpy[k] + increment
            enthalpy[k, tissue] = h_new[tissue]
        else:
            h_new = (
                stage.mu * enthalpy[k]
                + stage.nu * stage.enthalpy_prev2[k]
                + stage.start_weight * stage.enthalpy_start[k]
                + increment
                + stage.gamma_tau * stage.rate_start[k]
            )
            stage.enthalpy_out[k, tissue] = h_new[tissue]
        if rate_out is not None:
            rate_out[k, tissue] = power[k, tissue] / volume[tissue]
        t_new = temperature_of_enthalpy(h_new, rho_c[k], latent[k], t_initial, t_boil)
        temperature_next[k, tissue] = t_new[tissue]
        if stage is None:
            peak[k, tissue] = np.maximum(peak[k, tissue], t_new[tissue])
        dev = np.abs(t_new[tissue] - t_initial)
        row_deviation[k] = dev.max() if dev.size else 0.0
    return conducted, surface, perfused


def rkl2_coefficients(n_stages):
    """RKL2 weights (Meyer, Balsara & Aslam 2014), indexed j = 0..s (0 unused):
    w1 = 4/(s^2+s-2); b_j = 1/3 for j < 2, (j^2+j-2)/(2j(j+1)) after; mu~_1 = w1/3;
    mu_j = (2j-1)/j b_j/b_{j-1}, nu_j = -(j-1)/j b_j/b_{j-2}, mu~_j = w1 mu_j,
    gamma~_j = -(1 - b_{j-1}) mu~_j for j >= 2; mu_1 = 1, nu_1 = gamma~_1 = 0."""
    s = n_stages
    j = np.arange(s + 1, dtype=float)
    b = np.where(j < 2, 1.0 / 3.0, (j * j + j - 2.0) / np.maximum(2.0 * j * (j + 1.0), 1.0))
    w1 = 4.0 / (s * s + s - 2.0)
    mu, nu, mu_tilde, gamma_tilde = (np.zeros(s + 1) for _ in range(4))
    mu[1], mu_tilde[1] = 1.0, w1 / 3.0
    jj = j[2:]
    mu[2:] = (2.0 * jj - 1.0) / jj * b[2:] / b[1:-1]
    nu[2:] = -(jj - 1.0) / jj * b[2:] / b[:-2]
    mu_tilde[2:] = w1 * mu[2:]
    gamma_tilde[2:] = -(1.0 - b[1:-1]) * mu_tilde[2:]
    return mu, nu, mu_tilde, gamma_tilde


def rkl2_stages_for(ratio):
    """The smallest s >= 2 with (s^2 + s - 2) / 4 >= ratio."""
    s = 2
    while (s * s + s - 2) / 4.0 < ratio:
        s += 1
    return s


def mean_temperature(low, high, rho_c, latent, t_initial, t_boil):
    """Mean of T(H) over [low, high]: T is linear between the plateau's ends, so
    the trapezoid rule on the pieces split at h_b and h_b + L is exact."""
    h_boil = rho_c * (t_boil - t_initial)
    points = [low] + [h for h in (h_boil, h_boil + latent) if low < h < high] + [high]
    temps = temperature_of_enthalpy(np.array(points), rho_c, latent, t_initial, t_boil)
    pieces = np.diff(points) * 0.5 * (temps[1:] + temps[:-1])
    return pieces.sum() / (high - low)


def wall_cell_temperatures(
    enthalpy, void, temperature, material, boundary, n_rows, row_stop, held_enthalpy, void_extent
):
    """The kernel's effective wall-cell temperatures, returned as a new array.

    Tissue cells with a void inner and a tissue outer radial neighbour
    (j <= void_extent[k], j < row_stop[k]) whose range H +/- |H_out - H| crosses
    an end of the boiling plateau get the mean of T over that range.
    """
    _, _, rho_c, latent, _, _, _ = material
    t_initial, t_boil = boundary[0], boundary[1]
    out = temperature.copy()
    nz, nr = enthalpy.shape
    for k in range(min(n_rows, nz)):
        h_boil = rho_c[k] * (t_boil - t_initial)
        for j in range(1, nr - 1):
            if j > void_extent[k] or j >= row_stop[k]:
                continue
            if void[k, j] or not void[k, j - 1] or void[k, j + 1]:
                continue
            h_out = enthalpy[k, j + 1] if j + 1 < row_stop[k] else held_enthalpy[k, j + 1]
            half = abs(h_out - enthalpy[k, j])
            low, high = enthalpy[k, j] - half, enthalpy[k, j] + half
            if any(low < h < high for h in (h_boil, h_boil + latent[k])):
                out[k, j] = mean_temperature(low, high, rho_c[k], latent[k], t_initial, t_boil)
    return out


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
    """One RKL2 super step, stage by stage, keeping every stage value.

    L(Y) and the loss powers P(Y) come from `conduction_step` with dt = 1 (its
    returned "energies" are then powers and `rate_out` is L). Rows at and below
    `n_rows`, and cells j >= row_stop[k] above, hold their values.
    Y_0 = H; Y_1 = Y_0 + mu~_1 tau L(Y_0);
    Y_j = mu_j Y_{j-1} + nu_j Y_{j-2} + (1 - mu_j - nu_j) Y_0 + mu~_j tau L(Y_{j-1})
    + gamma~_j tau L(Y_0); losses D_j alike: D_0 = 0,
    D_j = mu_j D_{j-1} + nu_j D_{j-2} + mu~_j tau P(Y_{j-1}) + gamma~_j tau P(Y_0).
    L and P read the crater-wall cells' mean temperatures (`wall_cell_temperatures`).
    Writes Y_s to `enthalpy` and T(Y_s) to `temperature_end` (advanced cells; the
    held cells of rows up to n_rows, which the stages read, get T(Y_0)); `work` is
    unused. Returns D_s.
    """
    _, _, rho_c, latent, _, _, _ = material
    t_initial, t_boil = boundary[0], boundary[1]
    mu, nu, mu_tilde, gamma_tilde = rkl2_coefficients(n_stages)
    nz, nr = enthalpy.shape
    rows = np.arange(nz)[:, None] < n_rows
    advanced = ~void & rows & (np.arange(nr)[None, :] < np.asarray(row_stop)[:, None])

    def temperature_of(h):
        t = temperature_of_enthalpy(h, rho_c[:, None], latent[:, None], t_initial, t_boil)
        return np.where(advanced, t, temperature)  # held rows keep their temperature

    def operator(y, t):
        rate = np.zeros_like(y)
        scratch = y.copy()
        t = wall_cell_temperatures(
            y, void, t, material, boundary, n_rows, row_stop, enthalpy, void_extent
        )
        powers = conduction_step(
            t,
            void,
            scratch,
            1.0,
            geometry,
            material,
            boundary,
            n_rows,
            np.zeros_like(y),
            np.zeros_like(y),
            row_deviation,
            void_extent,
            None,
            rate,
            row_stop,
        )
        return rate, np.array(powers)

    ys = [enthalpy.copy()]
    temps = [temperature.copy()]
    losses = [np.zeros(3)]
    rate0, power0 = operator(ys[0], temps[0])
    ys.append(np.where(advanced, ys[0] + mu_tilde[1] * tau * rate0, ys[0]))
    losses.append(mu_tilde[1] * tau * power0)
    temps.append(temperature_of(ys[1]))
    for j in range(2, n_stages + 1):
        rate, power = operator(ys[j - 1], temps[j - 1])
        y = (
            mu[j] * ys[j - 1]
            + nu[j] * ys[j - 2]
            + (1.0 - mu[j] - nu[j]) * ys[0]
            + mu_tilde[j] * tau * rate
            + gamma_tilde[j] * tau * rate0
        )
        ys.append(np.where(advanced, y, ys[0]))
        losses.append(
            mu[j] * losses[j - 1]
            + nu[j] * losses[j - 2]
            + mu_tilde[j] * tau * power
            + gamma_tilde[j] * tau * power0
        )
        temps.append(temperature_of(ys[j]))
    enthalpy[advanced] = ys[-1][advanced]
    temperature_end[advanced] = temps[-1][advanced]
    beyond_stop = np.arange(nr)[None, :] >= np.asarray(row_stop)[:, None]
    held = (np.arange(nz)[:, None] <= n_rows) & (beyond_stop | ~rows)
    temperature_end[held] = temperature[held]
    deviation = np.where(advanced, np.abs(temps[-1] - t_initial), 0.0)
    row_deviation[:n_rows] = deviation[:n_rows].max(axis=1)
    return tuple(losses[-1])


def _beer_lambert(enthalpy, void, j, k_start, energy, attenuation, volume_j, cutoff):
    """Send `energy` [J] down column j from row k_start: tissue row k absorbs (1 - a_k)
    of what reaches it, a_k = exp(-mu_k dz); void rows pass it on. Stops at the grid
    bottom or once the beam is at most `cutoff`. Returns (energy not absorbed, row
    below the last one reached)."""
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


U11 = 2.404825557695773  # first zero of J0


def _channel_transmission(optics, radius_cells, k, dr, dz):
    """exp(-2 alpha dz), 2 alpha = C_k / a^3, a = radius_cells dr; 1 without a crater,
    0 at or below the EH11 cutoff radius u11 lambda / (2 pi)."""
    if not optics.enabled or radius_cells == 0:
        return 1.0
    a = radius_cells * dr
    if a <= U11 * optics.wavelength / (2 * np.pi):
        return 0.0
    return float(np.exp(-optics.loss_coefficient[k] / a**3 * dz))


def _mode_angle(optics, a):
    """EH11 rays' grazing angle asin(u11 lambda / (2 pi a)), pi / 2 below cutoff."""
    return np.arcsin(min(U11 * optics.wavelength / (2 * np.pi * a), 1.0))


def deposit_beam(
    enthalpy,
    void,
    ring_energy,
    attenuation,
    volume,
    h_ablation,
    spread,
    crater,
    rays_per_ring,
    beam_cutoff,
    inward=False,
):
    """Beer-Lambert deposition along diverging rays with sub-step ablation, the crater
    acting as a lossy hollow waveguide. The rays run ring by ring from the axis out, or
    with `inward` from the outermost ring in (ray m of ring j as the last of that order).

    Ring j carries `rays_per_ring` rays of E = ring_energy[j] / rays_per_ring each,
    starting at r0 / dr = sqrt(j^2 + (m + 1/2)(2j + 1) / rays_per_ring); in row k a
    ray is in column floor(r0 / dr * spread[k]), or at most `cap` once it is guided.
    Walking down from the surface:
    * a void cell of another run than the channel's (k > 0, optics on, j > l_k, the
      lumen l_k = void cells from the axis without a break in row k, kept up to date
      as cells are removed): the ray moves to the tissue cell before that run, on
      the axis side, and is treated there as below;
    * a void cell: the ray loses (1 - t_k) of its energy to row k's wall, t_k =
      exp(-C_k dz / a_k^3), a_k = l_k dr, and goes on to row k + 1;
    * a wall cell (optics on, k, j > 0, tissue at (k - 1, j): entered from the side):
      grazing angle g = ray angle (atan(r0 (s_k - s_{k-1}) dr / dz); 0 once guided) +
      atan(max(l_0 - l_k, 0) dr / (k dz)); if g exceeds the mode angle at the radius
      l_{k-1} dr, the pending sum is delivered and the fraction 1 - R of Fresnel
      (optics.waveguide.wall_reflectance at incidence pi/2 - g and the row's index)
      goes into the wall (`_reference_into_wall`); then cap = j - 1 (guided), same row;
    * otherwise the floor: if the cell would absorb at least what it needs to reach
      h_abl, need = (h_abl - H) V <= E (1 - a_s), only E need / (E (1 - a_s)) is sent
      down the column, the cell is removed (H V counted as ablation) and the rest
      walks on from row s + 1, less what it can pay of the ejecta's due, which grows
      by ejecta[k] V (crater.ejecta_due, paid first by every ray); otherwise all of
      E goes down the column from row s.
    Consecutive rays that stay in the same floor cell are sent down together: their
    sum waits in `pending` (cell and energy), a later ray at that cell sees H + pending
    (1 - a_s) / V, and the sum is delivered before anything else touches that column.
    At the end, pending is delivered and each row's wall energy goes into its wall at
    the mode's incidence, from column l_k. A walk stops below `beam_cutoff` of what
    entered it. What leaves the grid (bottom or side), or is cut off, is transmitted.
    Returns (ablation energy, transmitted energy, one past the deepest void row,
    row below the deepest heated row).
    """
    nz, nr = enthalpy.shape
    optics, extent, dr, dz = crater.optics, crater.void_extent, crater.dr, crater.dz
    totals = {"ablated": 0.0, "transmitted": 0.0, "reach": 0, "void_rows": 0}
    def lumen_of(k):
        run = np.flatnonzero(~void[k])
        return int(run[0]) if run.size else nr

    lumen = [lumen_of(k) for k in range(nz)]
    transmission = [_channel_transmission(optics, lumen[k], k, dr, dz) for k in range(nz)]
    wall_energy = np.zeros(nz)
    pending = None  # (row, column, energy)

    def send(k, j, energy):
        left, last = _beer_lambert(
            enthalpy, void, j, k, energy, attenuation, volume[j], beam_cutoff * energy
        )
        totals["transmitted"] += left
        totals["reach"] = max(totals["reach"], last)

    def remove(k, j):
        totals["ablated"] += enthalpy[k, j] * volume[j]
        enthalpy[k, j] = 0.0
        void[k, j] = True
        totals["void_rows"] = max(totals["void_rows"], k + 1)
        extent[k] = max(extent[k], j + 1)
        if lumen_of(k) != lumen[k]:
            lumen[k] = lumen_of(k)
            transmission[k] = _channel_transmission(optics, lumen[k], k, dr, dz)

    def ejecta(remaining, removed=0.0):  # the ejecta's due is paid first, as far as it goes
        due = crater.ejecta_due[0] + removed
        if due <= 0.0:
            return remaining
        taken = min(remaining, due)
        crater.ejecta_due[0] = due - taken
        totals["ablated"] += taken
        return remaining - taken

    def into_wall(k, j, energy, incidence):
        index = complex(optics.index_real[k], optics.index_imag[k])
        mu = 4 * np.pi / optics.wavelength * np.sqrt(index**2 - np.sin(incidence) ** 2).imag
        cell = np.exp(-mu * dr)
        cutoff = beam_cutoff * energy
        remaining = energy

        def walk(j0, e, cut):  # Beer-Lambert outwards along the row, down to `cut`
            beam = e
            for jj in range(j0, nr):
                if beam <= cut:
                    break
                if not void[k, jj]:
                    enthalpy[k, jj] += beam * (1 - cell) / volume[jj]
                    beam -= beam * (1 - cell)
            return beam

        while remaining > cutoff and j < nr:
            if void[k, j]:
                j += 1
                continue
            share = remaining * (1 - cell)
            need = (h_ablation[k] - enthalpy[k, j]) * volume[j]
            if need > share:
                break
            part = remaining * need / share if need > 0 else 0.0
            totals["transmitted"] += walk(j, part, beam_cutoff * part)
            remove(k, j)
            remaining = ejecta(remaining - part, optics.ejecta[k] * volume[j])
            j += 1
        if j < nr and remaining > cutoff:
            totals["transmitted"] += walk(j, remaining, cutoff)
        else:
            totals["transmitted"] += remaining
        totals["reach"] = max(totals["reach"], k + 1)

    order = [(j0, m) for j0 in range(nr) for m in range(rays_per_ring)]
    for j0, m in reversed(order) if inward else order:
        remaining = float(ring_energy[j0]) / rays_per_ring
        if remaining <= 0.0:
            continue
        r0 = np.sqrt(j0**2 + (m + 0.5) * (2 * j0 + 1) / rays_per_ring)
        cutoff = beam_cutoff * remaining
        remaining = ejecta(remaining)
        k, cap = 0, nr
        while remaining > cutoff and k < nz:
            j = min(int(r0 * spread[k]), cap)
            if j >= nr:
                break
            if optics.enabled and k > 0 and j > lumen[k] and void[k, j]:
                j = int(np.flatnonzero(~void[k, :j])[-1])  # tissue before j's void run
            if void[k, j]:
                lost = remaining * (1.0 - transmission[k])
                wall_energy[k] += lost
                remaining -= lost
                k += 1
                continue
            if optics.enabled and k > 0 and j > 0 and not void[k - 1, j]:
                ray = 0.0 if cap < nr else np.arctan(r0 * dr * (spread[k] - spread[k - 1]) / dz)
                taper = np.arctan(max(lumen[0] - lumen[k], 0) * dr / (k * dz))
                grazing = max(ray + taper, 0.0)
                if grazing > _mode_angle(optics, max(lumen[k - 1], 1) * dr):
                    incidence = np.pi / 2 - grazing
                    index = complex(optics.index_real[k], optics.index_imag[k])
                    reflected = wall_reflectance(incidence, index)
                    if pending is not None:
                        send(*pending)
                        pending = None
                    into_wall(k, j, remaining * (1 - reflected), incidence)
                    remaining *= reflected
                cap = j - 1
                continue
            v = volume[j]
            if pending is not None and pending[1] == j and pending[0] != k:
                send(*pending)
                pending = None
            share = remaining * (1.0 - attenuation[k])
            h = enthalpy[k, j]
            if pending is not None and pending[1] == j:
                h += pending[2] * (1.0 - attenuation[k]) / v
            need = (h_ablation[k] - h) * v
            if need > share:  # stays: joins (or starts) the pending sum
                if pending is None or pending[1] != j:
                    if pending is not None:
                        send(*pending)
                    pending = (k, j, 0.0)
                pending = (k, j, pending[2] + remaining)
                remaining = 0.0
                break
            if pending is not None and pending[1] == j:
                send(*pending)
                pending = None
                need = (h_ablation[k] - enthalpy[k, j]) * v
            part = remaining * (need / share) if need > 0.0 else 0.0
            send(k, j, part)
            remove(k, j)
            remaining = ejecta(remaining - part, optics.ejecta[k] * volume[j])
            k += 1
        totals["transmitted"] += remaining
    if pending is not None:
        send(*pending)
    for k in range(nz):
        if wall_energy[k] > 0.0:
            incidence = np.pi / 2 - _mode_angle(optics, max(lumen[k], 1) * dr)
            into_wall(k, lumen[k], wall_energy[k], incidence)
    return totals["ablated"], totals["transmitted"], totals["void_rows"], totals["reach"]


def absorb_as_water_allows(h, e, volume, h_boil, latent, dry_share):
    """One cell sent the light e [J]: its new enthalpy [J/m^3] (what it passes on is
    what it did not store).

    Three stretches of enthalpy, walked in order: up to the plateau H_b the cell takes
    all it is sent; across the plateau (x = H - H_b from 0 to L) its share is
    q(x) = s + (1 - s)(1 - x / L), so the light spent crossing from x_0 to x_1 is the
    integral of V dx / q(x) = V L / (1 - s) ln(q(x_0) / q(x_1)), and light e' spent there
    reaches the x_1 that makes that integral e'; once dry it takes the share s. s >= 1 or
    L <= 0: it takes everything.
    """
    if e <= 0.0:  # a negative share of the map stays in the cell
        return h + e / volume
    if latent <= 0.0 or dry_share >= 1.0:
        return h + e / volume
    taken = 0.0
    below = max(h_boil - h, 0.0) * volume
    first = min(e, below)
    taken += first
    left = e - first
    x = max(h - h_boil, 0.0)
    if left > 0.0 and x < latent:
        q0 = dry_share + (1.0 - dry_share) * (1.0 - x / latent)
        span = volume * latent / (1.0 - dry_share)
        spent_to_dry = span * np.log(q0 / dry_share) if dry_share > 0.0 else np.inf
        if left < spent_to_dry:
            q1 = q0 * np.exp(-left / span)
            dx = (q0 - q1) * latent / (1.0 - dry_share)
            return h + (taken + dx * volume) / volume
        taken += (latent - x) * volume
        left -= spent_to_dry
    return h + (taken + dry_share * left) / volume


def deposit_map(
    enthalpy, void, fraction, energy, volume, h_ablation, rho_c, rise, latent, dry_share, below
):
    """Add a photon-transport source to the enthalpy, one row at a time, the cells of a
    row one by one (the light a row passes on joins a pool the rows below share).

    Row k's cells are sent (energy + P / B_k) f_kj [J], P the pool entering the row and
    B_k = below[k] (the map's sum at and under row k; the walk stops where it is 0, and
    the pool left is transmitted). A void cell passes all it is sent on; a tissue cell
    takes what `absorb_as_water_allows` gives it and passes on what it did not store. The pool
    leaving row k is P (1 - sum_j f_kj / B_k) + what the row passed. A cell whose new H
    reaches h_ablation[k] is removed (H V booked as ablation energy, H = 0, void).
    Returns the ablation energy and the transmitted energy [J].
    """
    if energy <= 0.0:
        return 0.0, 0.0
    pool = 0.0
    ablated = 0.0
    nz, nr = enthalpy.shape
    for k in range(nz):
        if below[k] <= 0.0:
            break
        sent = (energy + pool / below[k]) * fraction[k]
        passed = 0.0
        for j in range(nr):
            if void[k, j]:
                passed += sent[j]
                continue
            h = absorb_as_water_allows(
                enthalpy[k, j], sent[j], volume[j], rho_c[k] * rise, latent[k], dry_share[k]
            )
            passed += sent[j] - (h - enthalpy[k, j]) * volume[j]
            if h >= h_ablation[k]:
                ablated += h * volume[j]
                enthalpy[k, j], void[k, j] = 0.0, True
            else:
                enthalpy[k, j] = h
        pool = pool - pool / below[k] * fraction[k].sum() + passed
    return ablated, pool


def arrhenius_rate(t_celsius, ln_a, ea_over_r, t_min_c):
    """dOmega/dt = exp(ln A_s - (Ea/R)_s / (T + 273.15)), segment s = last with T >= t_min_c[s]
    (the first segment below all of them)."""
    t = np.asarray(t_celsius, float)
    seg = np.clip(np.searchsorted(t_min_c, t, side="right") - 1, 0, len(t_min_c) - 1)
    return np.exp(np.asarray(ln_a)[seg] - np.asarray(ea_over_r)[seg] / (t + KELVIN_OFFSET))


def accumulate_damage(temperature, void, omega, dt, ln_a, ea_over_r, t_min_c, t_negligible):
    """Omega += dt * rate(T) on tissue cells with T > t_negligible; returns the largest rate."""
    hot = ~void & (temperature > t_negligible)
    rate = np.where(hot, arrhenius_rate(temperature, ln_a, ea_over_r, t_min_c), 0.0)
    omega += dt * rate
    return float(rate.max()) if rate.size else 0.0


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
    """Omega += tau (r1 - r0) / ln(r1 / r0) (tau r0 if r1 = r0), r0 and r1 the rates at the
    start and end temperatures, on tissue cells of rows < n_rows hotter than t_negligible at
    either end. Returns the largest r1 among cells hotter than t_negligible at the end."""
    rows = np.arange(omega.shape[0])[:, None] < n_rows
    visit = rows & ~void & ((temperature_start > t_negligible) | (temperature_end > t_negligible))
    r0 = arrhenius_rate(temperature_start, ln_a, ea_over_r, t_min_c)
    r1 = arrhenius_rate(temperature_end, ln_a, ea_over_r, t_min_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(r1 == r0, r0, (r1 - r0) / np.log(r1 / r0))
    omega += np.where(visit, tau * mean, 0.0)
    hot_end = visit & (temperature_end > t_negligible)
    return float(r1[hot_end].max()) if hot_end.any() else 0.0


def raise_peak(temperature, void, peak, n_rows, floor):
    """peak = max(peak, T) on tissue cells of rows < n_rows; returns max(floor, their max T)."""
    tissue = ~void[:n_rows]
    peak[:n_rows][tissue] = np.maximum(peak[:n_rows][tissue], temperature[:n_rows][tissue])
    return max_tissue_temperature(temperature, void, n_rows, floor)


def deepest_heated_row(enthalpy, void, material, boundary, row_start, row_stop, tolerance):
    """Largest k in [row_start, row_stop) with a tissue cell at |T(H) - T0| > tolerance, or -1."""
    _, _, rho_c, latent, _, _, _ = material
    t_initial, t_boil = boundary[0], boundary[1]
    t = temperature_of_enthalpy(enthalpy, rho_c[:, None], latent[:, None], t_initial, t_boil)
    hot = (np.abs(t - t_initial) > tolerance) & ~void
    rows = [k for k in range(row_start, min(row_stop, enthalpy.shape[0])) if hot[k].any()]
    return rows[-1] if rows else -1


def refresh_temperatures(enthalpy, void, temperature, material, boundary, n_rows):
    """temperature = T(enthalpy) on the tissue cells of rows < n_rows; others unchanged."""
    _, _, rho_c, latent, _, _, _ = material
    t_initial, t_boil = boundary[0], boundary[1]
    t = temperature_of_enthalpy(enthalpy, rho_c[:, None], latent[:, None], t_initial, t_boil)
    update = ~void
    update[n_rows:] = False
    temperature[update] = t[update]


def heated_extent(temperature, void, n_rows, t_initial, tolerance, extent):
    """extent[k] = 1 + the largest j with a tissue cell |T - T0| > tolerance in row k < n_rows,
    else 0."""
    hot = ~void & (np.abs(temperature - t_initial) > tolerance)
    for k in range(n_rows):
        cols = np.flatnonzero(hot[k])
        extent[k] = cols[-1] + 1 if cols.size else 0


def stage_extent(extent, n_rows, n_stages, n_cols, row_stop):
    """row_stop[k] = min(n_cols, 2 + max over rows k2 < n_rows with extent > 0 and
    |k2 - k| <= n_stages of extent[k2] + n_stages - |k2 - k|), or 0."""
    for k in range(n_rows):
        reach = [
            extent[k2] + n_stages - abs(k2 - k) + 2
            for k2 in range(n_rows)
            if extent[k2] > 0 and abs(k2 - k) <= n_stages
        ]
        row_stop[k] = min(n_cols, max(reach, default=0))


def max_tissue_temperature(temperature, void, n_rows, floor):
    """max(floor, max over tissue cells of rows < n_rows of T)."""
    tissue = temperature[:n_rows][~void[:n_rows]]
    return float(max(floor, tissue.max())) if tissue.size else float(floor)
