"""Numba kernels of the single-column (axisymmetric r-z) heat solver.

One job each, on plain arrays; `resurfacer.mtz` prepares the arrays and reads
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


#: fast-math flags for the interior span: reassociation and contraction, but
#: NaN and infinity keep their meaning
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(cache=True, fastmath=_FASTMATH)
def _interior_span(
    temperature,
    enthalpy,
    k,
    j_start,
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
):
    """Advance the cells j_start..nr-2 of row k, whose four faces are all tissue.

    V dH/dt = k (A_in/dr (T_w - T) + A_out/dr (T_e - T))
              + A/dz (k_up (T_n - T) + k_down (T_s - T)) - w c V (T - T_a);
    then T' = T(H'), peak = max(peak, T'). Returns the row's perfusion power [W]
    and its largest |T' - T0|.
    """
    nr = temperature.shape[1]
    h_boil = rho_c * (t_boil - t_initial)
    h_dry = h_boil + latent
    inv_rho_c = 1.0 / rho_c
    perfused = 0.0
    deviation = 0.0
    for j in range(j_start, nr - 1):
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
        h = enthalpy[k, j] + (q - perf) * dt / volume[j]
        enthalpy[k, j] = h
        if h <= h_boil:
            t_new = t_initial + h * inv_rho_c
        elif h <= h_dry:
            t_new = t_boil
        else:
            t_new = t_boil + (h - h_dry) * inv_rho_c
        temperature_next[k, j] = t_new
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
):
    """One explicit finite-volume step of the Pennes equation, in place on `enthalpy`.

    V dH/dt = sum_faces G (T_nb - T) - w_b rho_b c_b V (T - T_a), with face
    conductance G = k_face A_face / distance (harmonic-mean k across layers).
    Faces next to a void (ablated) cell and the top face lose heat by
    convection, h A (T - T_amb). The bottom face, and the outer radial face
    when `lateral_far_field` (else insulated), hold T_far half a cell away.
    `area_radial[j]` is the area 2 pi r_j dz of the face at r = j dr.

    Only rows above `n_active` are advanced: deeper rows are still at the
    initial temperature to within the caller's tolerance, and heat that the
    last advanced row passes to them is booked as conducted out (they act as
    far field), so the energy balance stays exact. The same pass fills
    `temperature_next` from the new enthalpy, raises `peak`, and writes each
    row's largest |T - T0| into `row_deviation` (for the next active bound).
    `void_extent[k]` is one past the outermost void column of row k (0 when
    the row has none). In rows 1..n_active-2 the cells beyond the void of
    rows k-1..k+1 and inside the last column take `_interior_span`, a
    branch-free loop with fast-math arithmetic (the same sums, reassociated:
    equal to rounding); the others take the general path.

    Returns the energy [J] of this step conducted out of the domain, lost at
    exposed surfaces and carried off by perfusion, each positive when it leaves.
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
        span_start = nr - 1  # no span unless the row qualifies
        if 0 < k < n_active - 1:
            span_start = max(1, void_extent[k - 1], void_extent[k], void_extent[k + 1]) + 1
        if span_start < nr - 1:
            # cells span_start..nr-2 and their four neighbours are tissue, and row
            # k+1 is advanced: interior faces only
            row_perfused, deviation = _interior_span(
                temperature,
                enthalpy,
                k,
                span_start,
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
            )
            perfused += row_perfused * dt
        for j in range(nr):
            if void[k, j] or span_start <= j < nr - 1:
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
            h = enthalpy[k, j] + q * dt / volume[j]
            enthalpy[k, j] = h
            t_new = temperature_of_enthalpy(h, rho_c[k], latent[k], t_initial, t_boil)
            temperature_next[k, j] = t_new
            if t_new > peak[k, j]:
                peak[k, j] = t_new
            deviation = max(deviation, abs(t_new - t_initial))
        row_deviation[k] = deviation
    return conducted, surface, perfused


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


#: rays per ring of the beam bundle in `deposit_beam`
RAYS_PER_RING = 8


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
    time step. A ray that leaves the grid radially, or still carries energy
    at the grid bottom or below 1e-13 of its start, counts that energy as
    transmitted.

    Rays run one after the other (two may reach the same column).
    `entry_row[ray]` (ray = j RAYS_PER_RING + m) is the row where the ray met
    tissue last time: cells before it on its path are void for good, so the
    walk starts there; it is updated.
    Returns (ablation energy [J], transmitted energy [J], one past the
    deepest void row, the row below the deepest one heated).
    """
    nz, nr = enthalpy.shape
    ablated = 0.0
    transmitted = 0.0
    void_rows = 0
    reach = 0
    for ray in range(nr * RAYS_PER_RING):
        j0 = ray // RAYS_PER_RING
        remaining = ring_energy[j0] / RAYS_PER_RING
        if remaining <= 0.0:
            continue
        start_radius = math.sqrt(
            j0 * j0 + (ray % RAYS_PER_RING + 0.5) * (2 * j0 + 1) / RAYS_PER_RING
        )
        cutoff = 1e-13 * remaining
        k = entry_row[ray]
        while remaining > cutoff and k < nz:
            j = int(start_radius * spread[k])
            if j >= nr:
                break
            if void[k, j]:
                k += 1
                continue
            v = volume[j]
            share = remaining * (1.0 - attenuation[k])
            need = (h_ablation[k] - enthalpy[k, j]) * v
            if need <= share:
                part = remaining * (need / share) if need > 0.0 else 0.0
                left, last = _deliver_down_column(
                    enthalpy, void, j, k, part, attenuation, v, cutoff
                )
                ablated += enthalpy[k, j] * v
                enthalpy[k, j] = 0.0
                void[k, j] = True
                void_rows = max(void_rows, k + 1)
                remaining -= part
                k += 1
            else:
                left, last = _deliver_down_column(
                    enthalpy, void, j, k, remaining, attenuation, v, cutoff
                )
                remaining = 0.0
            transmitted += left
            reach = max(reach, last)
        entry_row[ray] = k
        transmitted += remaining
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
def arrhenius_rate(t_celsius, ln_a, ea_over_r, t_min_c):
    """Damage rate dOmega/dt = exp(ln A - (Ea/R) / T) [1/s], T in kelvin.

    Parameter sets may be piecewise in temperature: segment i applies from
    `t_min_c[i]` [C] up to the next segment's start (segments sorted).
    """
    seg = 0
    for i in range(t_min_c.shape[0]):
        if t_celsius >= t_min_c[i]:
            seg = i
    return math.exp(ln_a[seg] - ea_over_r[seg] / (t_celsius + KELVIN_OFFSET))


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


ACTIVE_TOLERANCE_K = 1e-6  # rows hotter than T0 by less than this are left unadvanced


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
):
    """Advance the column from t = 0 until the damage has stopped growing.

    Each heat step: beam deposition with ablation (while `step_energy` lasts:
    the energy [J] delivered to the tissue in each step, split over the rays of
    the rings by `ring_fraction`, each ray's radius growing with depth as
    `spread`: see `deposit_beam`), then conduction driven by the temperatures at the start
    of the step (first-order operator splitting), which also yields the new
    temperatures. Rows deeper than any heat has reached (by more than
    ACTIVE_TOLERANCE_K) are skipped. Every `damage.every` steps the Arrhenius
    integral is advanced by that coarser step and the stop criterion is
    tested: after `min_steps`, stop once max_rate * (t - t_pulse_end) <
    `growth_tolerance`, i.e. at the present (falling) rate no cell would gain
    that much Omega over a time as long again as it has cooled; or at
    `max_steps`.

    `temperature` must hold T(enthalpy) on entry. `energy` (length 5)
    accumulates ablation, transmitted, conducted out, surface loss and
    perfused energy [J]. `geometry`, `material`, `boundary` and `damage` are
    the ColumnGeometry, ColumnMaterial, ColumnBoundary and DamageSchedule
    tuples defined above. When `deposition_rows` > 0 the beam is not traced
    here: each step's energy is spread by the fixed map `deposition` (share
    of the step energy absorbed in each cell, from photon transport; rows
    below `deposition_rows` get none; see `deposit_map` for ablation).
    Returns the number of steps taken, the number of history samples written
    and the number of cell updates done.
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
    # heat can enter from the far field only if it differs from the start temperature
    n_active = 1 if boundary.t_far == t_initial else nz
    n_history = 0
    cell_updates = 0
    void_extent = np.zeros(nz, dtype=np.int64)  # one past each row's outermost void column
    step = 0
    while step < max_steps:
        if step == n_pulse_steps:
            temperature_end_of_pulse[:, :] = current
        if step % damage_every == 0:
            max_rate = accumulate_damage(
                current, void, omega, dt * damage_every, ln_a, ea_over_r, t_min_c, t_negligible
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
            n_active = min(nz, max(n_active, reach + 2))
            _update_void_extent(void, void_extent, void_rows)
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
        cell_updates += n_active * nr
        energy[2] += conducted
        energy[3] += surface
        energy[4] += perfused
        for k in range(n_active - 1, -1, -1):
            if row_deviation[k] > ACTIVE_TOLERANCE_K:
                n_active = min(nz, max(n_active, k + 3))
                break
        current, following = following, current
        step += 1
    if step <= n_pulse_steps:
        temperature_end_of_pulse[:, :] = current
    if step % 2 == 1:  # the latest temperatures live in the scratch array
        temperature[:, :] = current
    return step, n_history, cell_updates
