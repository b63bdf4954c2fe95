"""Plain NumPy version of ``resurfacer.kernels.superposition.superpose``.

Written for obviousness: broadcast sources x probes x times, evaluate the
Green's function of the insulated, perfused half-space (Carslaw & Jaeger 1959,
section 10.2 with an image source; Pennes decay exp(-w tau)) and sum over the
sources that have been released.
"""

import numpy as np


def superpose(sx, sy, sz, q, s0sq, t_release, px, py, pz, times, alpha, rho_c, w):
    """Temperature rise [K], shape (n_probes, n_times); same arguments as the kernel."""
    # axes: probe p, time k, source i
    tau = times[None, :, None] - t_release[None, None, :]
    s2 = s0sq[None, None, :] + 2.0 * alpha * np.maximum(tau, 0.0)
    active = (tau >= 0.0) & (s2 > 0.0)
    s2 = np.where(active, s2, 1.0)
    lateral = (px[:, None, None] - sx[None, None, :]) ** 2 + (
        py[:, None, None] - sy[None, None, :]
    ) ** 2
    direct = lateral + (pz[:, None, None] - sz[None, None, :]) ** 2
    image = lateral + (pz[:, None, None] + sz[None, None, :]) ** 2
    green = (
        np.exp(-w * np.maximum(tau, 0.0))
        / (2.0 * np.pi * s2) ** 1.5
        * (np.exp(-direct / (2.0 * s2)) + np.exp(-image / (2.0 * s2)))
    )
    return np.sum(np.where(active, q[None, None, :] * green, 0.0), axis=2) / rho_c
