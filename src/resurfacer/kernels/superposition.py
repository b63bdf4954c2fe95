"""Numba kernel of the bulk-heating superposition (``resurfacer.scan.bulk_heating``).

One job: sum the heat kernel of a semi-infinite, perfused medium with an
insulated surface over many released heat sources, at many probe points and
times. `resurfacer.scan.bulk_heating` prepares the arrays and reads the result.

Each source ``i`` is an isotropic Gaussian blob of heat ``q[i]`` [J] with
per-axis variance ``s0sq[i]`` [m^2] (zero: a point source) centred at
``(sx[i], sy[i], sz[i])``, depth ``sz >= 0`` below the surface ``z = 0``,
released at ``t_release[i]`` [s]. At time ``t`` (``tau = t - t_release >= 0``)
its temperature rise at ``(x, y, z)`` is

    dT = q exp(-w tau) / rho_c * X(dx) Y(dy) Z(z),   s^2 = s0^2 + 2 alpha tau,
    Z(z) = [exp(-(z - sz)^2 / (2 s^2)) + exp(-(z + sz)^2 / (2 s^2))] / (sqrt(2 pi) s),

the depth factor Z holding the image at ``-sz`` (insulated surface). With half-widths
``ax[i] = ay[i] = 0`` the lateral factors are the Gaussian's,
``X(dx) = exp(-dx^2 / (2 s^2)) / (sqrt(2 pi) s)``, and dT is the Green's function of
Carslaw & Jaeger (1959, section 10.2 and the method of images, section 10.10) times
the Pennes perfusion decay ``exp(-w tau)``. A half-width ``a = ax[i] > 0`` averages
the source over a uniform offset ``u`` in ``[-a, a]`` (a lattice cell, see
`resurfacer.scan.bulk_heating.EarlierPattern`):

    X(dx) = (1 / 2a) int_{-a}^{a} exp(-(dx - u)^2 / (2 s^2)) / (sqrt(2 pi) s) du
          = [erf((dx + a) / (sqrt(2) s)) - erf((dx - a) / (sqrt(2) s))] / (4 a)   [1/m],

likewise ``Y`` with ``ay``; an average of solutions of the same linear equation, it
solves it too and integrates to one over the line like the Gaussian. It is computed
as ``[erfc((|dx| - a) r) - erfc((|dx| + a) r)] / 4a``, ``r = 1 / (sqrt(2) s)``,
which keeps its digits in the far tail.

The plain NumPy version that the tests compare this with is in
``tests/kernels/superposition_reference.py``.
"""

import math

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _lateral(d, a, s2):
    """Lateral factor X [1/m] at offset `d` [m] of a source of half-width `a` [m]
    (0: the Gaussian) and variance `s2` [m^2] (module docstring)."""
    if a == 0.0:
        return math.exp(-0.5 * d * d / s2) / math.sqrt(2.0 * math.pi * s2)
    r = 1.0 / math.sqrt(2.0 * s2)
    d = abs(d)
    return (math.erfc((d - a) * r) - math.erfc((d + a) * r)) / (4.0 * a)


@njit(parallel=True, cache=True)
def superpose(sx, sy, sz, q, s0sq, t_release, ax, ay, px, py, pz, times, alpha, rho_c, w):
    """Temperature rise [K] at probes x times from released heat sources.

    Parameters
    ----------
    sx, sy, sz : 1-D float64 arrays, source centres [m] (sz = depth >= 0).
    q : 1-D float64 array, heat of each source [J].
    s0sq : 1-D float64 array, initial per-axis variance of each source [m^2].
    t_release : 1-D float64 array, release time of each source [s].
    ax, ay : 1-D float64 arrays, half-widths [m] of the cell each source is averaged
        over in x and y (0: not averaged, a Gaussian source).
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
    # one task per probe and time: a few probes (the bulk's hottest points) with hundreds
    # of times would leave threads idle if split by probe alone
    for task in prange(n_probes * n_times):
        p = task // n_times
        k = task % n_times
        x = px[p]
        y = py[p]
        z = pz[p]
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
            dz_direct = z - sz[i]
            dz_image = z + sz[i]
            inv = 0.5 / s2
            decay = q[i] * math.exp(-w * tau)
            if ax[i] == 0.0 and ay[i] == 0.0:
                lateral = dx * dx + dy * dy
                gauss = math.exp(-(lateral + dz_direct * dz_direct) * inv) + math.exp(
                    -(lateral + dz_image * dz_image) * inv
                )
                acc += decay * gauss / (two_pi * s2) ** 1.5
            else:
                depth = math.exp(-dz_direct * dz_direct * inv) + math.exp(
                    -dz_image * dz_image * inv
                )
                cell = _lateral(dx, ax[i], s2) * _lateral(dy, ay[i], s2)
                acc += decay * cell * depth / math.sqrt(two_pi * s2)
        out[p, k] = acc / rho_c
    return out
