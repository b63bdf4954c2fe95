"""Numba kernel of the bulk-heating superposition (``resurfacer.scan.pattern``).

One job: sum the heat kernel of a semi-infinite, perfused medium with an
insulated surface over many released heat sources, at many probe points and
times. `resurfacer.scan.pattern` prepares the arrays and reads the result.

Each source ``i`` is an isotropic Gaussian blob of heat ``q[i]`` [J] with
per-axis variance ``s0sq[i]`` [m^2] (zero: a point source) centred at
``(sx[i], sy[i], sz[i])``, depth ``sz >= 0`` below the surface ``z = 0``,
released at ``t_release[i]`` [s]. At time ``t`` (``tau = t - t_release >= 0``)
its temperature rise at ``(x, y, z)`` is

    dT = q exp(-w tau) / (rho_c (2 pi s^2)^{3/2})
         * [exp(-d^2 / (2 s^2)) + exp(-d''^2 / (2 s^2))],   s^2 = s0^2 + 2 alpha tau,

with ``d`` the distance to the source and ``d''`` the distance to its image
at ``-sz`` (insulated surface). For ``s0 = 0`` this is the Green's function
of Carslaw & Jaeger (1959, section 10.2 and the method of images, section
10.10) times the Pennes perfusion decay ``exp(-w tau)``.

The plain NumPy version that the tests compare this with is in
``tests/kernels/superposition_reference.py``.
"""

import math

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def superpose(sx, sy, sz, q, s0sq, t_release, px, py, pz, times, alpha, rho_c, w):
    """Temperature rise [K] at probes x times from released Gaussian heat sources.

    Parameters
    ----------
    sx, sy, sz : 1-D float64 arrays, source centres [m] (sz = depth >= 0).
    q : 1-D float64 array, heat of each source [J].
    s0sq : 1-D float64 array, initial per-axis variance of each source [m^2].
    t_release : 1-D float64 array, release time of each source [s].
    px, py, pz : 1-D float64 arrays, probe points [m] (pz = depth >= 0).
    times : 1-D float64 array, times [s].
    alpha : float, thermal diffusivity k / (rho c) [m^2/s].
    rho_c : float, volumetric heat capacity [J/(m^3 K)].
    w : float, perfusion decay rate w_b rho_b c_b / (rho c) [1/s].

    Returns
    -------
    numpy.ndarray, shape (n_probes, n_times)
        Sum over sources with ``times >= t_release`` (and a nonzero width).
    """
    n_probes = px.shape[0]
    n_times = times.shape[0]
    n_src = sx.shape[0]
    out = np.zeros((n_probes, n_times))
    two_pi = 2.0 * math.pi
    for p in prange(n_probes):
        x = px[p]
        y = py[p]
        z = pz[p]
        for k in range(n_times):
            t = times[k]
            acc = 0.0
            for i in range(n_src):
                tau = t - t_release[i]
                if tau < 0.0:
                    continue
                s2 = s0sq[i] + 2.0 * alpha * tau
                if s2 <= 0.0:
                    continue
                dx = x - sx[i]
                dy = y - sy[i]
                lateral = dx * dx + dy * dy
                dz_direct = z - sz[i]
                dz_image = z + sz[i]
                inv = 0.5 / s2
                gauss = math.exp(-(lateral + dz_direct * dz_direct) * inv) + math.exp(
                    -(lateral + dz_image * dz_image) * inv
                )
                norm = (two_pi * s2) ** 1.5
                acc += q[i] * math.exp(-w * tau) * gauss / norm
            out[p, k] = acc / rho_c
    return out
