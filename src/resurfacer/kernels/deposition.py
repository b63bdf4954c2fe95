"""Deposition: the beam's energy absorbed in the column, Beer-Lambert fashion along
rays (with ablation as the front moves), or from a photon-transport map.

NumPy reference: ``tests/kernels/heat_reference.py``.
"""

import math

import numpy as np
from numba import njit, prange


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
    nr = enthalpy.shape[1]
    column = (enthalpy, void, attenuation, volume, h_ablation)
    # tallies: ablated, transmitted [J]; void_rows, reach; pending: column, row, energy [J]
    tallies = (0.0, 0.0, 0, 0)
    pending = (-1, 0, 0.0)  # the cell (row, column) awaits `energy`
    for ray in range(nr * RAYS_PER_RING):
        j0 = ray // RAYS_PER_RING
        remaining = ring_energy[j0] / RAYS_PER_RING
        if remaining <= 0.0:
            continue
        start_radius = math.sqrt(
            j0 * j0 + (ray % RAYS_PER_RING + 0.5) * (2 * j0 + 1) / RAYS_PER_RING
        )
        remaining, entry_row[ray], tallies, pending = _trace_ray(
            column, spread, start_radius, remaining, entry_row[ray], tallies, pending
        )
        ablated, transmitted, void_rows, reach = tallies
        tallies = (ablated, transmitted + remaining, void_rows, reach)
    ablated, transmitted, void_rows, reach = tallies
    transmitted, reach = _send_down(
        enthalpy, void, pending[0], pending[1], pending[2], attenuation, volume, transmitted, reach
    )
    return ablated, transmitted, void_rows, reach


@njit(cache=True)
def _trace_ray(column, spread, start_radius, remaining, k, tallies, pending):
    """Follow one ray of `deposit_beam` from row `k` until it is absorbed, held as pending
    in a cell's column, or leaves the grid. Returns (energy left [J], the row where it
    met tissue last, tallies, pending), the last two as described in `deposit_beam`."""
    enthalpy, void, attenuation, volume, h_ablation = column
    nz, nr = enthalpy.shape
    ablated, transmitted, void_rows, reach = tallies
    pending_column, pending_row, pending_energy = pending
    cutoff = BEAM_CUTOFF * remaining
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
                enthalpy, void, j, pending_row, pending_energy, attenuation, volume,
                transmitted, reach,
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
                    enthalpy, void, pending_column, pending_row, pending_energy, attenuation,
                    volume, transmitted, reach,
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
    tallies = (ablated, transmitted, void_rows, reach)
    return remaining, k, tallies, (pending_column, pending_row, pending_energy)


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
