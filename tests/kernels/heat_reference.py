"""Plain NumPy/Python versions of the heat kernels in ``resurfacer.kernels.heat``.

Written for obviousness, not speed: the tests in ``test_heat_kernels.py``
compare the numba kernels with these on small random states. Arguments and
returns mirror the kernels exactly (arrays are modified in place).
"""

import numpy as np

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
):
    """One explicit finite-volume step, face by face.

    For every tissue cell i of rows k < n_active:
        V_i (H_i' - H_i) / dt = sum over faces f of P_f,
    where the power P_f [W] into the cell through face f is
      * G (T_nb - T_i), G = k A / d, between two tissue cells (d = dr or dz;
        k = k_row within a row, the harmonic mean k_face_z[k] between rows k, k+1),
      * -h A (T_i - T_amb) through a face next to a void cell or the top of the grid,
      * -2 k A / d (T_i - T_far) through the bottom face, and the outer radial
        face when `lateral_far_field` (far field half a cell away; else insulated),
      * for the last active row (k = n_active - 1 < nz - 1), the flux to the row
        below is booked as conducted out, since that row is not advanced,
      * and the perfusion sink -w rho c V (T_i - T_a).
    All powers use the temperatures at the start of the step. The losses are
    returned as energies (power * dt), positive when they leave.
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

    for k in range(n_active):
        for j in range(nr):
            if void[k, j]:
                continue
            t = temperature[k, j]
            # outer radial face at r = (j+1) dr
            if j < nr - 1:
                a = area_radial[j + 1]
                if void[k, j + 1]:
                    loss = h_conv * a * (t - t_ambient)
                    power[k, j] -= loss
                    surface += loss * dt
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
            elif k == n_active - 1:
                # rows below the active window are not advanced: they act as far field
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
        tissue = ~void[k]
        enthalpy[k, tissue] += power[k, tissue] * dt / volume[tissue]
        t_new = temperature_of_enthalpy(enthalpy[k], rho_c[k], latent[k], t_initial, t_boil)
        temperature_next[k, tissue] = t_new[tissue]
        peak[k, tissue] = np.maximum(peak[k, tissue], t_new[tissue])
        dev = np.abs(t_new[tissue] - t_initial)
        row_deviation[k] = dev.max() if dev.size else 0.0
    return conducted, surface, perfused


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


def deposit_beam(
    enthalpy, void, ring_energy, attenuation, volume, h_ablation, spread, entry_row, rays_per_ring
):
    """Beer-Lambert deposition along diverging rays with sub-step ablation.

    Ring j carries `rays_per_ring` rays of E = ring_energy[j] / rays_per_ring each,
    starting at r0 / dr = sqrt(j^2 + (m + 1/2)(2j + 1) / rays_per_ring); in row k a
    ray is in column floor(r0 / dr * spread[k]). Walking down from its entry row
    (entry_row[ray], ray = j rays_per_ring + m) it skips void cells; at the first
    tissue cell, row s: if the cell would absorb at least what it needs to reach
    h_abl, need = (h_abl - H) V <= E (1 - a_s), only E need / (E (1 - a_s)) is sent
    down the column (Beer-Lambert from row s), the cell is removed (its H V counted
    as ablation energy, H set to 0, void) and the rest walks on from row s + 1;
    otherwise all of E goes down the column from row s. What leaves the grid (bottom
    or side), or is left when the ray falls to 1e-13 E, is transmitted.
    Returns (ablation energy, transmitted energy, one past the deepest void row,
    row below the deepest heated row).
    """
    nz, nr = enthalpy.shape
    ablated = transmitted = 0.0
    void_rows = reach = 0
    for j0 in range(nr):
        for m in range(rays_per_ring):
            ray = j0 * rays_per_ring + m
            remaining = float(ring_energy[j0]) / rays_per_ring
            if remaining <= 0.0:
                continue
            r0 = np.sqrt(j0**2 + (m + 0.5) * (2 * j0 + 1) / rays_per_ring)
            cutoff = 1e-13 * remaining
            k = int(entry_row[ray])
            while remaining > cutoff and k < nz:
                j = int(r0 * spread[k])
                if j >= nr:
                    break
                if void[k, j]:
                    k += 1
                    continue
                v = volume[j]
                share = remaining * (1.0 - attenuation[k])
                need = (h_ablation[k] - enthalpy[k, j]) * v
                if need <= share:  # the entry cell ablates within this step
                    part = remaining * (need / share) if need > 0.0 else 0.0
                    left, last = _beer_lambert(enthalpy, void, j, k, part, attenuation, v, cutoff)
                    ablated += enthalpy[k, j] * v
                    enthalpy[k, j] = 0.0
                    void[k, j] = True
                    void_rows = max(void_rows, k + 1)
                    remaining -= part
                    k += 1
                else:
                    left, last = _beer_lambert(
                        enthalpy, void, j, k, remaining, attenuation, v, cutoff
                    )
                    remaining = 0.0
                transmitted += left
                reach = max(reach, last)
            entry_row[ray] = k
            transmitted += remaining
    return ablated, transmitted, void_rows, reach


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


def max_tissue_temperature(temperature, void, n_rows, floor):
    """max(floor, max over tissue cells of rows < n_rows of T)."""
    tissue = temperature[:n_rows][~void[:n_rows]]
    return float(max(floor, tissue.max())) if tissue.size else float(floor)
