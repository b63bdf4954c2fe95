"""Plain Python reference for the Monte Carlo kernel (tests only; slow, obvious).

Written independently of ``resurfacer.kernels.montecarlo``: same physics
(MCML: Wang, Jacques & Zheng 1995), NumPy's random generator, one photon at
a time, no numba. The tests compare its deterministic pieces with the
kernel's exactly and its statistics within a few standard errors.
"""

import math

import numpy as np


def fresnel(n_i, n_t, cos_i):
    """Unpolarised Fresnel reflectance and refracted cosine (Born & Wolf)."""
    if n_i == n_t:
        return 0.0, cos_i
    if cos_i > 1.0 - 1.0e-12:
        r = (n_i - n_t) / (n_i + n_t)
        return r * r, cos_i
    if cos_i < 1.0e-6:
        return 1.0, 0.0
    sin_i = math.sqrt(1.0 - cos_i * cos_i)
    sin_t = n_i / n_t * sin_i  # Snell
    if sin_t >= 1.0:
        return 1.0, 0.0
    cos_t = math.sqrt(1.0 - sin_t * sin_t)
    r_s = (n_i * cos_i - n_t * cos_t) / (n_i * cos_i + n_t * cos_t)
    r_p = (n_t * cos_i - n_i * cos_t) / (n_t * cos_i + n_i * cos_t)
    return 0.5 * (r_s * r_s + r_p * r_p), cos_t


def hg_cos_theta(g, xi):
    """Inverse cumulative distribution of the Henyey-Greenstein phase function."""
    if g == 0.0:
        return 2.0 * xi - 1.0
    frac = (1.0 - g * g) / (1.0 - g + 2.0 * g * xi)
    return min(1.0, max(-1.0, (1.0 + g * g - frac * frac) / (2.0 * g)))


def distance_to_boundary(z, uz, z_top, z_bottom):
    """Distance along the direction to the layer face ahead."""
    if uz > 0.0:
        return (z_bottom - z) / uz
    if uz < 0.0:
        return (z_top - z) / uz
    return math.inf


def rotate(u, cos_t, phi):
    """Direction after deflection ``cos_t`` and azimuth ``phi`` (Witt 1977)."""
    ux, uy, uz = u
    sin_t = math.sqrt(max(0.0, 1.0 - cos_t * cos_t))
    cos_p, sin_p = math.cos(phi), math.sin(phi)
    if abs(uz) > 1.0 - 1.0e-12:
        return np.array([sin_t * cos_p, sin_t * sin_p, math.copysign(cos_t, uz)])
    s = math.sqrt(1.0 - uz * uz)
    new = np.array(
        [
            sin_t * (ux * uz * cos_p - uy * sin_p) / s + ux * cos_t,
            sin_t * (uy * uz * cos_p + ux * sin_p) / s + uy * cos_t,
            -sin_t * cos_p * s + uz * cos_t,
        ]
    )
    return new * (1.0 / math.sqrt(new[0] * new[0] + new[1] * new[1] + new[2] * new[2]))


def run_reference(layers, n_above, n_below, photons, seed, dz, nz):
    """Transport ``photons`` pencil-beam packets through ``layers``.

    ``layers``: list of (n, mu_a, mu_s, g, thickness) in SI units.
    Returns per-photon score arrays (specular, diffuse reflectance,
    absorbed, transmittance) and the depth profile of absorption in bins of
    ``dz`` (all radii), each per incident photon.
    """
    rng = np.random.default_rng(seed)
    n_layers = len(layers)
    bottoms = np.cumsum([layer[4] for layer in layers])
    tops = np.concatenate(([0.0], bottoms[:-1]))
    scores = np.zeros((photons, 4))
    depth = np.zeros(nz)
    r_sp = fresnel(n_above, layers[0][0], 1.0)[0]

    def draw():
        return 1.0 - rng.random()  # in (0, 1]

    for p in range(photons):
        scores[p, 0] = r_sp
        weight = 1.0 - r_sp
        pos = np.zeros(3)
        u = np.array([0.0, 0.0, 1.0])
        layer = 0
        left = 0.0
        while True:
            n_i, mu_a, mu_s, g, _ = layers[layer]
            mu_t = mu_a + mu_s
            if left == 0.0 and mu_t > 0.0:
                left = -math.log(draw())
            step = left / mu_t if mu_t > 0.0 else math.inf
            to_face = distance_to_boundary(pos[2], u[2], tops[layer], bottoms[layer])
            if step >= to_face:
                if to_face == math.inf:
                    scores[p, 3] += weight
                    break
                pos = pos + u * to_face
                if mu_t > 0.0:
                    left = max(left - to_face * mu_t, 0.0)
                down = u[2] > 0.0
                pos[2] = bottoms[layer] if down else tops[layer]
                nxt = layer + 1 if down else layer - 1
                if nxt < 0:
                    n_t = n_above
                elif nxt >= n_layers:
                    n_t = n_below
                else:
                    n_t = layers[nxt][0]
                refl, cos_t = fresnel(n_i, n_t, abs(u[2]))
                if refl > 0.0 and draw() <= refl:
                    u[2] = -u[2]
                elif nxt < 0:
                    scores[p, 1] += weight
                    break
                elif nxt >= n_layers:
                    scores[p, 3] += weight
                    break
                else:
                    if n_i != n_t:
                        u[0] *= n_i / n_t
                        u[1] *= n_i / n_t
                        u[2] = math.copysign(cos_t, u[2])
                    layer = nxt
                continue
            pos = pos + u * step
            left = 0.0
            absorbed = weight * mu_a / mu_t
            weight -= absorbed
            iz = int(pos[2] / dz)
            scores[p, 2] += absorbed
            if iz < nz:
                depth[iz] += absorbed
            u = rotate(u, hg_cos_theta(g, draw()), 2.0 * math.pi * draw())
            if weight < 1e-4:
                if draw() <= 0.1:
                    change = weight - weight / 0.1
                    weight /= 0.1
                else:
                    change = weight
                    weight = 0.0
                scores[p, 2] += change
                if iz < nz:
                    depth[iz] += change
                if weight == 0.0:
                    break
    return scores, depth / photons
