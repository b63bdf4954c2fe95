"""Numba kernel: photon-packet Monte Carlo transport in a stack of plane layers.

One job: transport photon packets through the layers and score where their
weight goes. The model (:mod:`resurfacer.optics.montecarlo`) validates the
input, builds the layer tables, calls :func:`transport` and wraps the scores.

The method is that of MCML (Wang, Jacques & Zheng 1995 [1]_; Prahl et al.
1989 [2]_): packets of weight start at the surface, take exponentially
distributed steps, lose the fraction ``mu_a / mu_t`` of their weight at each
interaction site (implicit capture), scatter by the Henyey-Greenstein phase
function, meet every interface with Fresnel reflection or refraction, and end
by escaping or by Russian roulette. The code is written for this project.

Determinism: photons are split into a fixed number of batches; each batch
draws from its own random stream (SplitMix64, seeded from ``seed`` and the
batch index) and scores into its own arrays, which are summed in batch order.
The result therefore depends on ``seed`` and the photon count only, not on the
number of threads.

Exact energy balance: Russian roulette creates weight (survivor ``w -> w/p``)
or destroys it (killed packet). Here that change is booked as absorption at
the roulette site (``+w`` when killed, ``w - w/p`` when it survives), a
zero-mean correction, so the estimators stay unbiased and specular + diffuse
reflectance + absorption + transmittance equals 1 to rounding on every run.

References
----------
.. [1] L. Wang, S. L. Jacques, L. Zheng, "MCML - Monte Carlo modeling of light
   transport in multi-layered tissues", Comput. Methods Programs Biomed. 47,
   131-146 (1995).
.. [2] S. A. Prahl, M. Keijzer, S. L. Jacques, A. J. Welch, "A Monte Carlo
   model of light propagation in tissue", SPIE Institute Series IS 5, 102-111
   (1989).
"""

import math
from collections import namedtuple

import numba
import numpy as np
from numba import njit, prange

#: Weight below which a packet plays Russian roulette [-]
WEIGHT_THRESHOLD = 1e-4
#: Chance that a packet survives the roulette [-]
ROULETTE_CHANCE = 0.1
#: Number of batches (random streams) a run is split into; fixed so that the
#: result does not depend on the number of threads.
N_BATCHES = 64
#: Direction cosines above this are treated as normal incidence / no turn.
COS_ZERO = 1.0 - 1.0e-12
#: Direction cosines below this are treated as grazing (90 degrees).
COS_90 = 1.0e-6

BEAM_PENCIL = 0
BEAM_GAUSSIAN = 1
BEAM_TOPHAT = 2

# 0: diffuse reflectance, 1: transmittance, 2: absorbed (total), 3: absorbed
# outside the grid, 4: specular.
SCALAR_RD = 0
SCALAR_TT = 1
SCALAR_ABS = 2
SCALAR_ABS_OUT = 3
SCALAR_SPEC = 4
N_SCALARS = 5

#: LLVM fast-math flags: contraction, reciprocal and reassociation, but not
#: "no infinities / no NaNs" (semi-infinite layers use inf distances).
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

#: The layer stack, top first: upper and lower boundary depths [m], refractive
#: index, mu_a and mu_t = mu_a + mu_s [1/m] and anisotropy g of each layer, and
#: the refractive indices of the media above and below the stack.
Layers = namedtuple("Layers", "z_top z_bottom n mu_a mu_t g n_above n_below")
#: The launch profile (BEAM_*), its radius [m], and the r-z scoring grid: cell
#: sizes [m] and numbers of cells.
Launch = namedtuple("Launch", "beam beam_radius dz dr nz nr")

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 2.0**-53
_TWO_PI = 2.0 * math.pi


@njit(cache=True, fastmath=_FASTMATH)
def _mix64(z):
    """SplitMix64 output function (Steele, Lea & Flood 2014)."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True, fastmath=_FASTMATH)
def stream_state(seed, batch):
    """Initial SplitMix64 state of batch ``batch`` of a run seeded ``seed``."""
    s = _mix64(np.uint64(seed) * _GOLDEN + np.uint64(0x632BE59BD9B4E019))
    return _mix64(s ^ (np.uint64(batch + 1) * _MIX2))


@njit(cache=True, fastmath=_FASTMATH)
def uniform(state):
    """Next uniform draw in the open interval (0, 1); advances ``state[0]``.

    SplitMix64: ``state += 0x9E3779B97F4A7C15`` then the 64-bit mix; the top
    53 bits give ``(k + 0.5) 2**-53``, never 0 or 1, so ``log(xi)`` is finite.
    """
    s = state[0] + _GOLDEN
    state[0] = s
    return (np.float64(_mix64(s) >> _S11) + 0.5) * _TWO_M53


@njit(cache=True)  # exact IEEE arithmetic: tests compare bit for bit
def fresnel(n_i, n_t, cos_i):
    """Fresnel reflectance for unpolarised light and the refracted cosine.

    Parameters
    ----------
    n_i, n_t : float
        Refractive index of the incident and the transmitting medium [-].
    cos_i : float
        Cosine of the angle of incidence, in [0, 1] [-].

    Returns
    -------
    reflectance : float
        ``R = (r_s**2 + r_p**2) / 2`` with
        ``r_s = (n_i cos_i - n_t cos_t) / (n_i cos_i + n_t cos_t)`` and
        ``r_p = (n_t cos_i - n_i cos_t) / (n_t cos_i + n_i cos_t)``;
        1 beyond the critical angle (``n_i sin_i >= n_t``) [-].
    cos_t : float
        Cosine of the refraction angle, from Snell's law
        ``n_i sin_i = n_t sin_t``; 0 under total internal reflection [-].

    Notes
    -----
    Matched indices give ``R = 0, cos_t = cos_i``; normal incidence gives
    ``R = ((n_i - n_t) / (n_i + n_t))**2`` (Born & Wolf; MCML [1]_ eq. 3.36).
    """
    if n_i == n_t:
        return 0.0, cos_i
    if cos_i > COS_ZERO:
        r = (n_i - n_t) / (n_i + n_t)
        return r * r, cos_i
    if cos_i < COS_90:
        return 1.0, 0.0
    sin_t = n_i / n_t * math.sqrt(1.0 - cos_i * cos_i)
    if sin_t >= 1.0:
        return 1.0, 0.0
    cos_t = math.sqrt(1.0 - sin_t * sin_t)
    rs = (n_i * cos_i - n_t * cos_t) / (n_i * cos_i + n_t * cos_t)
    rp = (n_t * cos_i - n_i * cos_t) / (n_t * cos_i + n_i * cos_t)
    return 0.5 * (rs * rs + rp * rp), cos_t


@njit(cache=True)  # exact IEEE arithmetic: tests compare bit for bit
def hg_cos_theta(g, xi):
    """Deflection cosine drawn from the Henyey-Greenstein phase function.

    Inverts the cumulative distribution of
    ``p(cos t) = (1 - g**2) / (2 (1 + g**2 - 2 g cos t)**1.5)``:
    ``cos t = (1 + g**2 - ((1 - g**2) / (1 - g + 2 g xi))**2) / (2 g)``,
    and ``cos t = 2 xi - 1`` (isotropic) for ``g = 0`` (Prahl et al. [2]_).

    Parameters
    ----------
    g : float
        Anisotropy, mean cosine of the deflection, in (-1, 1) [-].
    xi : float
        Uniform draw in (0, 1) [-].
    """
    if g == 0.0:
        return 2.0 * xi - 1.0
    t = (1.0 - g * g) / (1.0 - g + 2.0 * g * xi)
    c = (1.0 + g * g - t * t) / (2.0 * g)
    if c > 1.0:
        return 1.0
    if c < -1.0:
        return -1.0
    return c


@njit(cache=True)  # exact IEEE arithmetic: tests compare bit for bit
def distance_to_boundary(z, uz, z_top, z_bottom):
    """Path length along the direction to the layer's top or bottom face [m].

    ``(z_bottom - z) / uz`` for ``uz > 0``, ``(z_top - z) / uz`` for
    ``uz < 0``, infinite for ``uz = 0`` or a semi-infinite bottom.
    """
    if uz > 0.0:
        return (z_bottom - z) / uz
    if uz < 0.0:
        return (z_top - z) / uz
    return math.inf


@njit(cache=True)  # exact IEEE arithmetic: tests compare bit for bit
def spin(ux, uy, uz, cos_t, cos_p, sin_p):
    """New direction cosines after a deflection (cos_t) and azimuth (phi).

    For ``|uz| < 1``: ``ux' = sin_t (ux uz cos_p - uy sin_p) / s + ux cos_t``,
    ``uy' = sin_t (uy uz cos_p + ux sin_p) / s + uy cos_t``,
    ``uz' = -sin_t cos_p s + uz cos_t`` with ``s = sqrt(1 - uz**2)``; along
    the z axis ``(sin_t cos_p, sin_t sin_p, sign(uz) cos_t)``
    (Witt 1977; MCML [1]_ eqs. 3.24-3.25).
    """
    sin_t = math.sqrt(max(0.0, 1.0 - cos_t * cos_t))
    if abs(uz) > COS_ZERO:
        sgn = 1.0 if uz >= 0.0 else -1.0
        return sin_t * cos_p, sin_t * sin_p, sgn * cos_t
    s = math.sqrt(1.0 - uz * uz)
    nx = sin_t * (ux * uz * cos_p - uy * sin_p) / s + ux * cos_t
    ny = sin_t * (uy * uz * cos_p + ux * sin_p) / s + uy * cos_t
    nz = -sin_t * cos_p * s + uz * cos_t
    # renormalise against round-off drift over hundreds of scatterings
    norm = 1.0 / math.sqrt(nx * nx + ny * ny + nz * nz)
    return nx * norm, ny * norm, nz * norm


@njit(cache=True, fastmath=_FASTMATH)
def azimuth(state):
    """Cosine and sine of a uniform azimuth in [0, 2 pi), without trigonometry.

    A point ``(u, v)`` uniform in the unit disc (rejection from the square)
    has polar angle ``psi`` uniform; ``phi = 2 psi`` gives
    ``cos phi = (u**2 - v**2) / s``, ``sin phi = 2 u v / s``, ``s = u**2 + v**2``
    (von Neumann 1951).
    """
    while True:
        u = 2.0 * uniform(state) - 1.0
        v = 2.0 * uniform(state) - 1.0
        s = u * u + v * v
        if 0.0 < s <= 1.0:
            inv = 1.0 / s
            return (u * u - v * v) * inv, 2.0 * u * v * inv


@njit(cache=True, fastmath=_FASTMATH)
def launch_radius(beam, beam_radius, xi):
    """Launch radius [m] for the beam profile.

    Pencil: 0. Gaussian with 1/e^2 radius ``w`` (irradiance
    ``exp(-2 r**2 / w**2)``): ``r = w sqrt(-ln(xi) / 2)``. Top hat of radius
    ``a``: ``r = a sqrt(xi)``.
    """
    if beam == BEAM_GAUSSIAN:
        return beam_radius * math.sqrt(-0.5 * math.log(xi))
    if beam == BEAM_TOPHAT:
        return beam_radius * math.sqrt(xi)
    return 0.0


@njit(cache=True, fastmath=_FASTMATH)
def _score_absorption(dw, x, y, z, layer, dz, dr, nz, nr, a_rz, abs_layer, scalars):
    iz = int(z / dz)
    ir = int(math.sqrt(x * x + y * y) / dr)
    if iz < nz and ir < nr:
        a_rz[iz, ir] += dw
    else:
        scalars[SCALAR_ABS_OUT] += dw
    abs_layer[layer] += dw
    scalars[SCALAR_ABS] += dw


@njit(cache=True, fastmath=_FASTMATH)
def transport_batch(n_photons, state, layers, launch, a_rz, rd_r, tt_r, abs_layer, scalars):
    """Transport ``n_photons`` packets and add their scores to the arrays.

    Scores are raw weights (per incident packet weight 1): ``a_rz[iz, ir]``
    absorbed in grid cell, ``rd_r[ir]`` / ``tt_r[ir]`` escaping through the top
    / bottom in radial bin ``ir``, ``abs_layer[i]`` absorbed in layer ``i``, and
    ``scalars`` (see ``SCALAR_*``). ``state`` is the batch's one-element uint64
    random state; ``layers`` and ``launch`` are the Layers and Launch tuples.
    """
    z_top, z_bottom, n_layer, mu_a, mu_t, g, n_above, n_below = layers
    beam, beam_radius, dz, dr, nz, nr = launch
    r_sp, _ = fresnel(n_above, n_layer[0], 1.0)
    for _p in range(n_photons):
        scalars[SCALAR_SPEC] += r_sp
        w = 1.0 - r_sp
        r0 = launch_radius(beam, beam_radius, uniform(state)) if beam != BEAM_PENCIL else 0.0
        if r0 > 0.0:
            phi = _TWO_PI * uniform(state)
            x = r0 * math.cos(phi)
            y = r0 * math.sin(phi)
        else:
            x = 0.0
            y = 0.0
        z = 0.0
        ux = 0.0
        uy = 0.0
        uz = 1.0
        layer = 0
        s_left = 0.0  # remaining step, in mean free paths
        while True:
            mut = mu_t[layer]
            if s_left == 0.0 and mut > 0.0:
                s_left = -math.log(uniform(state))
            db = distance_to_boundary(z, uz, z_top[layer], z_bottom[layer])
            s = s_left / mut if mut > 0.0 else math.inf
            if s >= db:
                if db == math.inf:  # clear semi-infinite bottom: leaves for good
                    _score_exit(w, x, y, dr, nr, tt_r, scalars, SCALAR_TT)
                    break
                # move to the interface, keep the rest of the step
                x += ux * db
                y += uy * db
                if mut > 0.0:
                    s_left = max(s_left - db * mut, 0.0)
                z, ux, uy, uz, layer, leaves = _cross_interface(state, layers, ux, uy, uz, layer)
                if leaves > 0:
                    _score_exit(w, x, y, dr, nr, tt_r, scalars, SCALAR_TT)
                    break
                if leaves < 0:
                    _score_exit(w, x, y, dr, nr, rd_r, scalars, SCALAR_RD)
                    break
            else:
                # interaction site: absorb, then scatter
                x += ux * s
                y += uy * s
                z += uz * s
                s_left = 0.0
                scoring = (dz, dr, nz, nr, a_rz, abs_layer, scalars)
                w, ux, uy, uz = _interact(state, w, x, y, z, ux, uy, uz, layer, layers, scoring)
                if w == 0.0:
                    break


@njit(cache=True, inline="always")
def _score_exit(w, x, y, dr, nr, profile, scalars, total):
    """Weight `w` leaving at (x, y): into radial bin `profile` (if on the grid) and
    the scalar `total`."""
    ir = int(math.sqrt(x * x + y * y) / dr)
    if ir < nr:
        profile[ir] += w
    scalars[total] += w


@njit(cache=True, inline="always")
def _cross_interface(state, layers, ux, uy, uz, layer):
    """A packet at the top or bottom face of `layer`, moving along (ux, uy, uz): Fresnel
    reflection with probability R (uz flips), else it refracts into the next layer
    (Snell: the tangential components scale by n_i / n_t) or leaves the stack.
    Returns (z, ux, uy, uz, layer, leaves): leaves 1 through the bottom, -1 through
    the top, 0 while inside."""
    z_top, z_bottom, n_layer, _, _, _, n_above, n_below = layers
    n_layers = z_top.shape[0]
    going_down = uz > 0.0
    if going_down:
        z = z_bottom[layer]
        n_t = n_layer[layer + 1] if layer + 1 < n_layers else n_below
    else:
        z = z_top[layer]
        n_t = n_layer[layer - 1] if layer > 0 else n_above
    n_i = n_layer[layer]
    refl, cos_t = fresnel(n_i, n_t, abs(uz))
    if refl > 0.0 and uniform(state) <= refl:
        return z, ux, uy, -uz, layer, 0
    if going_down and layer + 1 == n_layers:
        return z, ux, uy, uz, layer, 1
    if (not going_down) and layer == 0:
        return z, ux, uy, uz, layer, -1
    if n_i != n_t:
        ratio = n_i / n_t
        ux *= ratio
        uy *= ratio
        uz = cos_t if going_down else -cos_t
    return z, ux, uy, uz, layer + 1 if going_down else layer - 1, 0


@njit(cache=True, inline="always")
def _interact(state, w, x, y, z, ux, uy, uz, layer, layers, scoring):
    """An interaction site: absorb the fraction mu_a / mu_t of the weight, scatter by
    Henyey-Greenstein, then Russian roulette below WEIGHT_THRESHOLD (survivors gain
    weight 1 / ROULETTE_CHANCE; the weight created is booked as negative absorption).
    Returns (w, ux, uy, uz); w = 0 when the packet dies."""
    _, _, _, mu_a, mu_t, g, _, _ = layers
    dz, dr, nz, nr, a_rz, abs_layer, scalars = scoring
    dw = w * mu_a[layer] / mu_t[layer]
    w -= dw
    _score_absorption(dw, x, y, z, layer, dz, dr, nz, nr, a_rz, abs_layer, scalars)
    cos_t = hg_cos_theta(g[layer], uniform(state))
    cos_p, sin_p = azimuth(state)
    ux, uy, uz = spin(ux, uy, uz, cos_t, cos_p, sin_p)
    if w < WEIGHT_THRESHOLD:
        if uniform(state) <= ROULETTE_CHANCE:
            w_new = w / ROULETTE_CHANCE
            dw = w - w_new  # weight created: booked as negative absorption
            w = w_new
        else:
            dw = w
            w = 0.0
        _score_absorption(dw, x, y, z, layer, dz, dr, nz, nr, a_rz, abs_layer, scalars)
    return w, ux, uy, uz


@njit(cache=True, parallel=True, fastmath=_FASTMATH)
def transport(photons, seed, n_batches, wave, layers, launch):
    """Run ``photons`` packets in ``n_batches`` batches, ``wave`` at a time, through
    ``layers`` (a Layers tuple) from ``launch`` (a Launch tuple).

    Returns
    -------
    a_rz : (nz, nr) array
        Weight absorbed per grid cell, summed over packets [-].
    rd_r, tt_r : (nr,) arrays
        Weight escaping through the top / bottom per radial bin [-].
    abs_layer : (n_batches, n_layers) array
        Weight absorbed per layer, per batch [-].
    scalars : (n_batches, N_SCALARS) array
        Per-batch totals (``SCALAR_*`` columns), for the variance estimate.
    batch_photons : (n_batches,) int64 array
        Packets in each batch.
    """
    n_layers = layers.z_top.shape[0]
    nz, nr = launch.nz, launch.nr
    a_rz = np.zeros((nz, nr))
    rd_r = np.zeros(nr)
    tt_r = np.zeros(nr)
    abs_layer = np.zeros((n_batches, n_layers))
    scalars = np.zeros((n_batches, N_SCALARS))
    batch_photons = np.empty(n_batches, np.int64)
    base = photons // n_batches
    extra = photons % n_batches
    for b in range(n_batches):
        batch_photons[b] = base + (1 if b < extra else 0)
    scratch_rz = np.zeros((wave, nz, nr))
    scratch_rd = np.zeros((wave, nr))
    scratch_tt = np.zeros((wave, nr))
    for start in range(0, n_batches, wave):
        count = min(wave, n_batches - start)
        for k in prange(count):
            b = start + k
            scratch_rz[k, :, :] = 0.0
            scratch_rd[k, :] = 0.0
            scratch_tt[k, :] = 0.0
            state = np.empty(1, np.uint64)
            state[0] = stream_state(seed, b)
            transport_batch(
                batch_photons[b],
                state,
                layers,
                launch,
                scratch_rz[k],
                scratch_rd[k],
                scratch_tt[k],
                abs_layer[b],
                scalars[b],
            )
        for k in range(count):  # fixed order: same sums whatever the threads
            a_rz += scratch_rz[k]
            rd_r += scratch_rd[k]
            tt_r += scratch_tt[k]
    return a_rz, rd_r, tt_r, abs_layer, scalars, batch_photons


def default_threads():
    """Number of threads numba would use now."""
    return numba.get_num_threads()
