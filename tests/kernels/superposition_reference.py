"""Plain NumPy version of ``resurfacer.kernels.superposition.superpose``.

Written for obviousness: broadcast sources x probes x times, evaluate the
Green's function of the insulated, perfused half-space (Carslaw & Jaeger 1959,
section 10.2 with an image source; Pennes decay exp(-w tau)) and sum over the
sources that have been released. A source with cell half-widths (a, b) > 0 has its
lateral Gaussian replaced by the Gaussian averaged over a uniform offset in the
cell [-a, a] x [-b, b], written as the difference of error functions:
(1/4a) [erf((dx + a)/(sqrt(2) s)) - erf((dx - a)/(sqrt(2) s))], likewise in y.
"""

import numpy as np
from scipy.special import erf


def _lateral(d, a, s2):
    """1-D lateral factor [1/m]: the Gaussian (a = 0) or its average over [-a, a]."""
    s = np.sqrt(s2)
    gauss = np.exp(-(d**2) / (2.0 * s2)) / (np.sqrt(2.0 * np.pi) * s)
    safe = np.where(a > 0.0, a, 1.0)
    box = (erf((d + a) / (np.sqrt(2.0) * s)) - erf((d - a) / (np.sqrt(2.0) * s))) / (4.0 * safe)
    return np.where(a > 0.0, box, gauss)


def superpose(sx, sy, sz, q, s0sq, t_release, ax, ay, px, py, pz, times, alpha, rho_c, w):
    """Temperature rise [K], shape (n_probes, n_times); same arguments as the kernel."""
    # axes: probe p, time k, source i
    tau = times[None, :, None] - t_release[None, None, :]
    s2 = s0sq[None, None, :] + 2.0 * alpha * np.maximum(tau, 0.0)
    active = (tau >= 0.0) & (s2 > 0.0)
    s2 = np.where(active, s2, 1.0)
    dx = px[:, None, None] - sx[None, None, :]
    dy = py[:, None, None] - sy[None, None, :]
    lateral = _lateral(dx, ax[None, None, :], s2) * _lateral(dy, ay[None, None, :], s2)
    direct = (pz[:, None, None] - sz[None, None, :]) ** 2
    image = (pz[:, None, None] + sz[None, None, :]) ** 2
    depth = (np.exp(-direct / (2.0 * s2)) + np.exp(-image / (2.0 * s2))) / np.sqrt(
        2.0 * np.pi * s2
    )
    green = np.exp(-w * np.maximum(tau, 0.0)) * lateral * depth
    return np.sum(np.where(active, q[None, None, :] * green, 0.0), axis=2) / rho_c
