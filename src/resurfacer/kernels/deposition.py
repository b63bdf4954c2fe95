"""Deposition: the beam's energy absorbed in the column, Beer-Lambert fashion along
rays (with ablation as the front moves, and the crater acting as a lossy hollow
waveguide), or from a photon-transport map.

NumPy reference: ``tests/kernels/heat_reference.py``.
"""

import cmath
import math
from collections import namedtuple

import numpy as np
from numba import njit

#: The crater as a hollow waveguide (`deposit_beam`; built by
#: ``column.materials.wall_optics``): `enabled` (False: rays cross the void
#: unattenuated and every tissue cell they meet is a floor, as in the 1-D wide
#: geometry); per row, the Marcatili-Schmeltzer power loss 2 alpha a^3 [m^2] of the
#: EH11 mode (``optics.waveguide.channel_power_loss`` at a = 1 m) and the real and
#: imaginary parts of the tissue's complex refractive index; the wavelength [m]; and per
#: row the beam energy the ejecta of a removed volume absorb [J/m^3] (`ejecta`: 0 but
#: where a layer's removal was measured, ``column.ablation.measured_removal``; it
#: applies in every geometry, `enabled` or not).
WallOptics = namedtuple(
    "WallOptics", "enabled loss_coefficient index_real index_imag wavelength ejecta"
)
#: What `deposit_beam` keeps of the crater between and within steps: the WallOptics,
#: one past each row's outermost void column (updated as cells are removed), each
#: row's lumen (`lumen_width`: the channel's radius in cells; set at the start of
#: each step and updated as cells are removed), each row's channel transmission
#: (`channel_transmission`, kept in step with the lumen), the
#: scratch per-row energy [J] the open channel loses into its wall in this step, the
#: energy [J] the ejecta of removed cells have still to take from the beam (one
#: element, kept from step to step), and the cell sizes dr, dz [m].
Crater = namedtuple("Crater", "optics void_extent lumen channel_t wall_energy ejecta_due dr dz")



def no_wall_optics(nz):
    """WallOptics switched off, for `nz` rows: rays cross the void unattenuated."""
    return WallOptics(False, np.zeros(nz), np.ones(nz), np.zeros(nz), 1.0, np.zeros(nz))


#: first zero of the Bessel function J0 (the EH11 mode; optics.waveguide.U11)
U11 = 2.404825557695773


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
def wall_reflectance(angle_of_incidence, index):
    """Fresnel power reflectance of unpolarised light from air onto a medium of complex
    `index` at `angle_of_incidence` [rad]: (R_s + R_p) / 2, with
    r_s = (cos i - m cos t) / (cos i + m cos t), r_p = (m cos i - cos t) / (m cos i + cos t),
    m cos t = sqrt(m^2 - sin^2 i) (``optics.waveguide.wall_reflectance``)."""
    cos_i = math.cos(angle_of_incidence)
    sin_i = math.sin(angle_of_incidence)
    cos_t = cmath.sqrt(1.0 - (sin_i / index) ** 2)
    r_s = (cos_i - index * cos_t) / (cos_i + index * cos_t)
    r_p = (index * cos_i - cos_t) / (index * cos_i + cos_t)
    return 0.5 * (abs(r_s) ** 2 + abs(r_p) ** 2)


@njit(cache=True)
def wall_absorption(angle_of_incidence, index, wavelength):
    """Absorption coefficient [1/m] of the refracted light along the wall's normal:
    the transmitted wave decays as exp(-2 Im(k_n) x), k_n = (2 pi / lambda)
    sqrt(m^2 - sin^2 i), i.e. (4 pi / lambda) Im sqrt(m^2 - sin^2 i); for k << n this
    is mu_a / cos(theta_t), an absorption length cos(theta_t) / mu_a across the wall."""
    sin_i = math.sin(angle_of_incidence)
    return 4.0 * math.pi / wavelength * cmath.sqrt(index * index - sin_i * sin_i).imag


@njit(cache=True)
def channel_transmission(optics, lumen, k, dr, dz):
    """Fraction of the guided power that crosses row `k` of an open crater of radius
    a = lumen[k] dr (`lumen_width`): exp(-2 alpha dz), 2 alpha = loss_coefficient[k] / a^3
    (EH11 power loss, Marcatili & Schmeltzer 1964). 1 without a crater or optics;
    0 in a channel no wider than the mode's cutoff radius u11 lambda / (2 pi), where
    EH11 no longer propagates (its rays' grazing angle, asin(u11 / (k0 a)), reaches
    90 degrees): the light that reaches such a row goes into its wall."""
    if not optics.enabled or lumen[k] == 0:
        return 1.0
    a = lumen[k] * dr
    if a <= U11 * optics.wavelength / (2.0 * math.pi):
        return 0.0
    return math.exp(-optics.loss_coefficient[k] / (a * a * a) * dz)


@njit(cache=True)
def lumen_width(void, k, start):
    """One past the last void column of row `k` in the run of void cells from the axis,
    searching from column `start` (the cells before it known void): the radius, in
    cells, of the channel the light follows. Void cells beyond it (cut off from the
    axis by tissue in this row) are not part of the channel."""
    j = start
    while j < void.shape[1] and void[k, j]:
        j += 1
    return j


@njit(cache=True)
def _inner_edge(void, k, j):
    """The tissue cell of row `k` next to void cell (k, j) on the axis side: the column
    before the first of the run of void cells that holds j."""
    while void[k, j - 1]:
        j -= 1
    return j - 1


@njit(cache=True)
def _mode_angle(optics, a):
    """Grazing angle [rad] of the EH11 mode's rays on the wall of a channel of radius
    `a` [m]: asin(u11 / (k0 a)), k0 = 2 pi / lambda (the transverse wave number
    u11 / a), pi / 2 at and below the cutoff radius."""
    return math.asin(min(U11 * optics.wavelength / (2.0 * math.pi * a), 1.0))


@njit(cache=True)
def _remove(column, crater, k, j, tallies):
    """Cell (k, j) is ablated: its H V joins the ablation energy, the row's crater
    radius and channel transmission follow."""
    enthalpy, void, _, volume, _ = column
    ablated, transmitted, void_rows, reach = tallies
    ablated += enthalpy[k, j] * volume[j]
    enthalpy[k, j] = 0.0
    void[k, j] = True
    if j + 1 > crater.void_extent[k]:
        crater.void_extent[k] = j + 1
    if j == crater.lumen[k]:
        crater.lumen[k] = lumen_width(void, k, j)
        crater.channel_t[k] = channel_transmission(
            crater.optics, crater.lumen, k, crater.dr, crater.dz
        )
    return ablated, transmitted, max(void_rows, k + 1), reach


@njit(cache=True)
def _ejecta(crater, remaining, tallies, removed=0.0):
    """The ejecta absorb the beam: `removed` [J] (ejecta[k] V of a cell just removed)
    is added to what they are due, and the ray pays what it can of it (booked with
    the ablation energy; the rest waits for the next rays). Returns the energy left
    and the tallies."""
    due = crater.ejecta_due[0] + removed
    if due <= 0.0:
        return remaining, tallies
    taken = min(remaining, due)
    crater.ejecta_due[0] = due - taken
    ablated, transmitted, void_rows, reach = tallies
    return remaining - taken, (ablated + taken, transmitted, void_rows, reach)


@njit(cache=True)
def _walk_out(enthalpy, void, k, j_start, energy, cell_attenuation, volume, cutoff):
    """Beer-Lambert along row `k` outwards from column `j_start`: tissue cell j keeps
    1 - `cell_attenuation` of what reaches it, void cells pass it on. Returns what
    leaves the grid's side or is left below `cutoff` [J]."""
    nr = enthalpy.shape[1]
    beam = energy
    j = j_start
    while j < nr and beam > cutoff:
        if not void[k, j]:
            absorbed = beam * (1.0 - cell_attenuation)
            enthalpy[k, j] += absorbed / volume[j]
            beam -= absorbed
        j += 1
    return beam


@njit(cache=True)
def _into_wall(column, crater, k, j, energy, angle_of_incidence, tallies):
    """Deposit `energy` [J] refracted into the crater wall at cell (k, j): absorbed
    outwards along the row over the normal absorption length (`wall_absorption` at
    `angle_of_incidence`), the front cell removed as in `deposit_beam` when it reaches
    its ablation enthalpy (the rest goes on from the next cell). What leaves the
    grid's side, or is left below BEAM_CUTOFF, is transmitted."""
    enthalpy, void, _, volume, h_ablation = column
    optics = crater.optics
    nr = enthalpy.shape[1]
    index = complex(optics.index_real[k], optics.index_imag[k])
    cell = math.exp(-wall_absorption(angle_of_incidence, index, optics.wavelength) * crater.dr)
    cutoff = BEAM_CUTOFF * energy
    remaining = energy
    while remaining > cutoff and j < nr:
        if void[k, j]:
            j += 1
            continue
        share = remaining * (1.0 - cell)
        need = (h_ablation[k] - enthalpy[k, j]) * volume[j]
        if need > share:
            break
        part = remaining * (need / share) if need > 0.0 else 0.0
        ablated, transmitted, void_rows, reach = tallies
        transmitted += _walk_out(enthalpy, void, k, j, part, cell, volume, BEAM_CUTOFF * part)
        tallies = _remove(column, crater, k, j, (ablated, transmitted, void_rows, reach))
        remaining, tallies = _ejecta(
            crater, remaining - part, tallies, crater.optics.ejecta[k] * volume[j]
        )
        j += 1
    ablated, transmitted, void_rows, reach = tallies
    if j < nr and remaining > cutoff:
        transmitted += _walk_out(enthalpy, void, k, j, remaining, cell, volume, cutoff)
    else:
        transmitted += remaining
    return ablated, transmitted, void_rows, max(reach, k + 1)


@njit(cache=True)
def _flush(column, pending, tallies):
    """Send the pending sum (`deposit_beam`) down its column; returns the tallies and an
    empty pending."""
    enthalpy, void, attenuation, volume, _ = column
    ablated, transmitted, void_rows, reach = tallies
    transmitted, reach = _send_down(
        enthalpy, void, pending[0], pending[1], pending[2], attenuation, volume, transmitted,
        reach,
    )
    return (ablated, transmitted, void_rows, reach), (-1, 0, 0.0)


@njit(cache=True)
def _wall_grazing_angle(crater, k, ray_angle):
    """Grazing angle [rad] between a ray at `ray_angle` from the axis and the crater
    wall at row k >= 1, whose tilt is the crater's mean taper from its mouth,
    atan((a_0 - a_k) / (k dz)) (0 where it widens)."""
    narrowing = max(crater.lumen[0] - crater.lumen[k], 0) * crater.dr
    return max(ray_angle + math.atan(narrowing / (k * crater.dz)), 0.0)


@njit(cache=True)
def _meet_wall(column, crater, k, j, remaining, ray_angle, tallies, pending):
    """A ray of `remaining` [J] meets the crater wall at tissue cell (k, j). If it is
    steeper than the EH11 mode's rays (whose wall losses are the channel loss), the
    Fresnel fraction 1 - R at the wall's complex index goes into the wall
    (`_into_wall`); the reflected rest goes on guided down the channel. Returns the
    energy that goes on, the tallies and the pending sum (flushed before a deposit)."""
    optics = crater.optics
    grazing = _wall_grazing_angle(crater, k, ray_angle)
    radius = max(crater.lumen[k - 1], 1) * crater.dr
    if grazing <= _mode_angle(optics, radius):
        return remaining, tallies, pending
    incidence = 0.5 * math.pi - grazing
    reflected = wall_reflectance(incidence, complex(optics.index_real[k], optics.index_imag[k]))
    if pending[0] >= 0:
        tallies, pending = _flush(column, pending, tallies)
    tallies = _into_wall(column, crater, k, j, remaining * (1.0 - reflected), incidence, tallies)
    return remaining * reflected, tallies, pending


@njit(cache=True)
def _channel_losses_into_walls(column, crater, tallies):
    """Each row's channel loss of this step (`crater.wall_energy`) into its wall, from
    the first cell beyond the crater, refracted at the EH11 mode's angle of incidence
    pi / 2 - u11 lambda / (2 pi a) (`_into_wall`)."""
    for k in range(crater.wall_energy.shape[0]):
        energy = crater.wall_energy[k]
        if energy <= 0.0:
            continue
        crater.wall_energy[k] = 0.0
        radius = max(crater.lumen[k], 1) * crater.dr
        incidence = 0.5 * math.pi - _mode_angle(crater.optics, radius)
        tallies = _into_wall(column, crater, k, crater.lumen[k], energy, incidence, tallies)
    return tallies


@njit(cache=True)
def deposit_beam(
    enthalpy, void, ring_energy, attenuation, volume, h_ablation, spread, crater, inward
):
    """Deposit one sweep of beam energy, removing tissue as it ablates.

    The beam is a bundle of RAYS_PER_RING rays per ring, each carrying an
    equal share of `ring_energy[j]` [J]: ray m of ring j leaves the surface at
    the radius that halves the m-th of RAYS_PER_RING equal-area sub-annuli,
    r0 = dr sqrt(j^2 + (m + 1/2) (2 j + 1) / RAYS_PER_RING), and is at radius
    r0 s(z) in row k, s = `spread[k]`. (A Gaussian beam's radius grows as
    w(z) = w0 sqrt(1 + (z / z_R)^2) and keeps its profile, so the power
    inside r0 s(z) is constant along the ray.)

    The crater is a lossy hollow waveguide (`crater.optics`, ``optics.waveguide``):
    its channel in row k is the lumen, the void cells from the axis up to the first
    tissue cell (`lumen_width`), of radius a_k. A ray that finds itself in row k > 0
    in a void cell beyond the lumen (a run of void cut off from the axis by tissue,
    which earlier rays left off the channel) is not followed into it: the light in
    the channel meets the tissue cell before that run, on the axis side, and is
    treated there as below (a floor if the cell above it is void, else a wall).
    Without this, rays near the wall, which keep their launch radius, drilled slots
    one radial cell wide below the floor where removal is cheap (the fat), and the
    crater depth did not converge with dr (docs/column.md). Crossing row k of the
    lumen a ray loses the EH11 fraction 1 - exp(-2 alpha(a_k) dz), 2 alpha = C_k / a_k^3
    (Marcatili & Schmeltzer 1964), which the row's wall absorbs at the end of the
    step. A ray that meets a wall cell (a tissue cell it enters from the side: the
    cell above it is tissue too; one it enters from above is floor) at a grazing angle
    above the mode's, asin(u11 lambda / (2 pi a)), sends the Fresnel fraction 1 - R(i)
    of the wall's complex index into the wall (refracted, absorbed along the
    row over cos(theta_t) / mu_a: `_into_wall`) and goes on, with the reflected
    rest, guided down the channel: it keeps to the crater from then on (its
    column never grows) and its angle is the mode's. Shallower hits are the
    mode's own bounces, which the channel loss already counts. The first tissue
    cell a ray meets that is not a wall is the floor: from there it is absorbed
    Beer-Lambert fashion down that column. Within the step the ablation front
    moves cell by cell: when the entry cell would pass its ablation enthalpy
    h_abl, the fraction f = (h_abl - H) V / (absorbed share) of the ray's
    remaining energy is delivered first, the cell is removed (its enthalpy
    counted as ablation energy) and the rest goes on along the ray (the wall
    front alike, outwards). Along one ray this keeps the front off the time step;
    across rays, the order they run in still matters (below). The ejecta of a
    removed cell absorb `ejecta` x V of the beam (a measured removal whose heat of
    ablation exceeds the energy density at its threshold, ``column.ablation``):
    what the ray cannot pay is taken from the
    next rays, before they reach the tissue (booked as ablation energy). A ray
    that leaves the grid radially, or energy still left at the grid bottom or
    below BEAM_CUTOFF of what entered a column, counts as
    transmitted. Without optics (`crater.optics.enabled` False) rays cross the
    void unattenuated and every cell they meet is a floor.

    Rays run one after the other (two may reach the same column): from the axis
    outwards, or with `inward` from the outermost ring in. The order biases the crater
    when the front crosses several cells in one sweep (rays traced first drill before
    the others arrive): the driver sends each step's energy as two half sweeps, outwards
    then inwards, a symmetric composition (`kernels.driver._deposit_rays`). Rays that
    enter the same floor cell one after another without removing it are
    followed down the column together (one Beer-Lambert walk for their sum,
    held as "pending" until a ray goes elsewhere or light enters a wall); a ray
    arriving at that cell sees its enthalpy as if the pending energy had been
    delivered, so the result is that of sending each ray on its own.
    Returns (ablation energy [J], transmitted energy [J], one past the
    deepest void row, the row below the deepest one heated).
    """
    nr = enthalpy.shape[1]
    column = (enthalpy, void, attenuation, volume, h_ablation)
    for k in range(enthalpy.shape[0]):
        crater.lumen[k] = lumen_width(void, k, 0)
        crater.channel_t[k] = channel_transmission(
            crater.optics, crater.lumen, k, crater.dr, crater.dz
        )
        crater.wall_energy[k] = 0.0
    # tallies: ablated, transmitted [J]; void_rows, reach; pending: column, row, energy [J]
    tallies = (0.0, 0.0, 0, 0)
    pending = (-1, 0, 0.0)  # the cell (row, column) awaits `energy`
    n_rays = nr * RAYS_PER_RING
    for index in range(n_rays):
        ray = n_rays - 1 - index if inward else index
        j0 = ray // RAYS_PER_RING
        remaining = ring_energy[j0] / RAYS_PER_RING
        if remaining <= 0.0:
            continue
        start_radius = math.sqrt(
            j0 * j0 + (ray % RAYS_PER_RING + 0.5) * (2 * j0 + 1) / RAYS_PER_RING
        )
        remaining, tallies, pending = _trace_ray(
            column, crater, spread, start_radius, remaining, tallies, pending
        )
        ablated, transmitted, void_rows, reach = tallies
        tallies = (ablated, transmitted + remaining, void_rows, reach)
    tallies, pending = _flush(column, pending, tallies)
    return _channel_losses_into_walls(column, crater, tallies)


@njit(cache=True)
def _trace_ray(column, crater, spread, start_radius, remaining, tallies, pending):
    """Follow one ray of `deposit_beam` from the surface until it is absorbed, held as
    pending in a floor cell's column, or leaves the grid. Returns (energy left [J],
    tallies, pending), the last two as described in `deposit_beam`."""
    enthalpy, void, attenuation, volume, h_ablation = column
    nz, nr = enthalpy.shape
    optics = crater.optics
    cutoff = BEAM_CUTOFF * remaining
    remaining, tallies = _ejecta(crater, remaining, tallies)  # earlier ejecta first
    cap = nr  # a guided ray keeps to columns <= cap
    k = 0
    while remaining > cutoff and k < nz:
        j = min(int(start_radius * spread[k]), cap)
        if j >= nr:
            break
        if optics.enabled and k > 0 and j > crater.lumen[k] and void[k, j]:
            j = _inner_edge(void, k, j)  # out of the channel: onto its floor or wall
        if void[k, j]:
            lost = remaining * (1.0 - crater.channel_t[k])
            crater.wall_energy[k] += lost
            remaining -= lost
            k += 1
            continue
        if optics.enabled and k > 0 and j > 0 and not void[k - 1, j]:
            if cap < nr:
                ray_angle = 0.0  # guided: it bounces at the mode's angle; only the taper counts
            else:
                ray_angle = math.atan(
                    start_radius * crater.dr * (spread[k] - spread[k - 1]) / crater.dz
                )
            remaining, tallies, pending = _meet_wall(
                column, crater, k, j, remaining, ray_angle, tallies, pending
            )
            cap = j - 1
            continue
        v = volume[j]
        if pending[0] == j and pending[1] != k:  # it would pass through this cell
            tallies, pending = _flush(column, pending, tallies)
        share = remaining * (1.0 - attenuation[k])
        h = enthalpy[k, j]
        if pending[0] == j:
            h += pending[2] * (1.0 - attenuation[k]) / v
        need = (h_ablation[k] - h) * v
        if need > share:  # the ray stays in this cell's column
            if pending[0] != j:
                tallies, pending = _flush(column, pending, tallies)
                pending = (j, k, 0.0)
            pending = (j, k, pending[2] + remaining)
            remaining = 0.0
            break
        if pending[0] == j:  # the cell is removed: deliver what waits for it first
            tallies, pending = _flush(column, pending, tallies)
            need = (h_ablation[k] - enthalpy[k, j]) * v
        part = remaining * (need / share) if need > 0.0 else 0.0
        ablated, transmitted, void_rows, reach = tallies
        transmitted, reach = _send_down(
            enthalpy, void, j, k, part, attenuation, volume, transmitted, reach
        )
        tallies = _remove(column, crater, k, j, (ablated, transmitted, void_rows, reach))
        remaining, tallies = _ejecta(crater, remaining - part, tallies, crater.optics.ejecta[k] * v)
        k += 1
    return remaining, tallies, pending


@njit(cache=True)
def absorb_as_water_allows(h, e, volume, h_boil, latent, dry_share):
    r"""Enthalpy [J/m^3] of a cell sent the light `e` [J] in a step, its absorption
    falling with the water it boils off; the light it passes on is what it did not store,
    e - (H' - H) V.

    Below the boiling plateau (H < H_b) the cell absorbs everything. On it, with
    x = H - H_b of the latent heat L absorbed and water left w = 1 - x / L, it absorbs the
    share :math:`q = s + (1 - s) w` of the light it is sent (s = `dry_share`), so

    .. math:: \frac{dx}{de} = \frac{q}{V}, \quad q(e) = q_0 e^{-(1 - s) e / (L V)},
        \quad x(e) = x_0 + \frac{q_0 L}{1 - s}\left(1 - e^{-(1 - s) e / (L V)}\right)

    until it is dry (q = s, after :math:`e^* = \frac{L V}{1 - s} \ln(q_0 / s)`; never
    for s = 0: it then dries only by conduction); a dry cell absorbs the share s. Exact
    within the step for any step size (a cell sent a step's light at its start-of-step
    absorption would overshoot the plateau). s = 1 or L = 0: absorbs everything. A
    negative `e` (a cell's share of the map is zero-mean Monte Carlo noise where few
    photons end, `optics.montecarlo`) stays in the cell, as the map has it.
    """
    if e <= 0.0:  # a negative share of the map (its Monte Carlo noise) stays in the cell
        return h + e / volume
    if h < h_boil:
        need = (h_boil - h) * volume
        if e <= need or latent <= 0.0 or dry_share >= 1.0:
            return h + e / volume
        h, e = h_boil, e - need
    elif latent <= 0.0 or dry_share >= 1.0:
        return h + e / volume
    x = h - h_boil
    if x < latent:
        q0 = dry_share + (1.0 - dry_share) * (1.0 - x / latent)
        scale = latent * volume / (1.0 - dry_share)
        to_dry = scale * math.log(q0 / dry_share) if dry_share > 0.0 else math.inf
        if e < to_dry:
            return h + q0 * scale * -math.expm1(-e / scale) / volume
        e -= to_dry
        h = h_boil + latent
    return h + dry_share * e / volume


@njit(cache=True)
def deposit_map(
    enthalpy, void, fraction, energy, volume, h_ablation, rho_c, rise, latent, dry_share, below
):
    r"""Add `energy` [J] x `fraction[k, j]` (share absorbed in each cell) to the enthalpy,
    each cell absorbing as the water it still holds.

    The map comes from photon transport on intact, wet tissue. Where water is the
    absorber (1,550 and 1,927 nm) a cell that boils loses its absorption with its water:
    :math:`\mu_a = \mu_a^0 (s + (1 - s) w)`, w its water left (1 on and under the
    plateau's start, H_b = rho c x `rise` (T_boil - T_0); 1 - (H - H_b) / L on it, 0 once
    dry), s the
    row's share of :math:`\mu_a^0` that is not water's (`dry_share`: melanin and blood,
    ``optics.absorption.layer_absorption_coefficient`` with W = 0). Of what reaches it a
    cell keeps the share :math:`q = s + (1 - s) w`, integrated over the step as its water
    boils (`absorb_as_water_allows`), and passes the rest on; a removed (void) cell
    passes it all. The light passed on at row k joins a pool that goes on as the
    photons that reached that depth in the transport did: row k' >= k gets the share
    :math:`\sum_j f_{k'j} / B_k` of the pool, its cells in proportion to their map
    share, with :math:`B_k = \sum_{k' \ge k} \sum_j f_{k'j}` (`below`, the map's
    absorption at and under row k; MODEL ASSUMPTION with no parameter: a photon a dry
    cell does not absorb scatters on like those beside it). What is left past the map's
    last row is transmitted. A cell that passes its ablation enthalpy is removed as in
    `deposit_beam` (H V booked as ablation energy). On wet tissue this is the map.
    Returns the ablation energy and the transmitted energy [J].
    """
    if energy <= 0.0:
        return 0.0, 0.0
    nz, nr = enthalpy.shape
    ablated = 0.0
    pool = 0.0
    for k in range(nz):
        if below[k] <= 0.0:
            break
        per_share = pool / below[k]
        passed = 0.0
        row_share = 0.0
        for j in range(nr):
            row_share += fraction[k, j]
            e = (energy + per_share) * fraction[k, j]
            if void[k, j]:
                passed += e
                continue
            h = absorb_as_water_allows(
                enthalpy[k, j], e, volume[j], rho_c[k] * rise, latent[k], dry_share[k]
            )
            # what the cell did not store goes on: a dry cell's tiny share can round away
            # on its large enthalpy, and the balance then stays exact
            passed += e - (h - enthalpy[k, j]) * volume[j]
            if h >= h_ablation[k]:
                ablated += h * volume[j]
                enthalpy[k, j] = 0.0
                void[k, j] = True
            else:
                enthalpy[k, j] = h
        pool = pool - per_share * row_share + passed
    return ablated, pool


def map_below(fraction) -> np.ndarray:
    """B_k = sum over rows k' >= k and all columns of the map's shares (`deposit_map`)."""
    return np.cumsum(fraction.sum(axis=1)[::-1])[::-1].copy()
