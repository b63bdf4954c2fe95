"""A coarse 3-D finite-difference heat solver, only to check the superposition of
`resurfacer.scan.bulk_heating` (tests/validation/test_bulk_heating.py)."""

import math

import numpy as np
from scipy.interpolate import RegularGridInterpolator
from scipy.special import ndtr

from resurfacer.errors import InputError, check_positive
from resurfacer.scan.bulk_heating import BulkProperties, ColumnSources, flatten_sources


def _cell_weights(edges: np.ndarray, centre: float, sigma: float) -> np.ndarray:
    """Fraction of a 1-D Gaussian (mean `centre`, sd `sigma`) in each cell between `edges`."""
    if sigma <= 0.0:
        weights = np.zeros(edges.size - 1)
        idx = np.searchsorted(edges, centre, side="right") - 1
        if 0 <= idx < weights.size:
            weights[idx] = 1.0
        return weights
    return np.diff(ndtr((edges - centre) / sigma))


def validation_grid_temperature(
    sources: ColumnSources,
    positions,
    fire_times,
    probe_points,
    times,
    props: BulkProperties,
    cell: float = 20e-6,
    margin: float = 600e-6,
    depth: float = 1.5e-3,
    dt_safety: float = 0.9,
) -> np.ndarray:
    """Same answer as `bulk_temperature`, from a coarse 3-D explicit grid (validation only).

    Solves ``rho c dT/dt = k lap T - w rho c (T - T_body)`` on a box of cubic cells
    of side `cell` covering the columns plus `margin` on each side and
    `depth` deep: insulated top (zero flux at z = 0), body temperature at the
    sides and bottom (a ghost layer one cell outside held at T_body), explicit
    7-point steps at `dt_safety` of the stability limit ``dt = h^2 / (6 alpha + w h^2)``.

    Time steps end on every release time; a source enters then as its Gaussian
    (with its surface image; if the first requested time is later than the
    release, as the analytic blob it has become by then: variance
    ``sigma^2 + 2 alpha tau``, decay ``exp(-w tau)``), integrated exactly over
    the cells (products of normal-CDF differences), so a source narrower than a
    cell is still placed without loss. Probe temperatures are interpolated trilinearly
    between cell centres. Slow (pure NumPy) and meant for small cases: tests
    compare it with the superposition.

    Returns
    -------
    numpy.ndarray, shape (n_probes, n_times), temperature [C].
    """
    h = check_positive("cell", cell, "m")
    margin = check_positive("margin", margin, "m")
    depth = check_positive("depth", depth, "m")
    flat = flatten_sources(sources, positions, fire_times)
    sx, sy, sz, q, s0sq, t_release = flat
    xy = np.asarray(positions, float)
    probes = np.asarray(probe_points, float)
    times = np.atleast_1d(np.asarray(times, float))
    if np.any(np.diff(times) <= 0.0):
        raise InputError("times", times.tolist()[:5], "strictly increasing times [s]")
    lo = xy.min(axis=0) - margin
    hi = xy.max(axis=0) + margin
    nx = int(math.ceil((hi[0] - lo[0]) / h))
    ny = int(math.ceil((hi[1] - lo[1]) / h))
    nz = int(math.ceil(depth / h))
    if nx * ny * nz > 4_000_000:
        raise InputError("cell", h, f"a grid of at most 4e6 cells (got {nx * ny * nz})")
    xe = lo[0] + np.arange(nx + 1) * h
    ye = lo[1] + np.arange(ny + 1) * h
    ze = np.arange(nz + 1) * h
    alpha, rho_c, w = props.diffusivity, props.rho_c, props.perfusion_rate
    dt_max = dt_safety * h * h / (6.0 * alpha + w * h * h)

    temp = np.zeros((nx, ny, nz))  # rise above body temperature
    padded = np.zeros((nx + 2, ny + 2, nz + 2))
    pending = np.argsort(t_release, kind="stable")
    next_src = 0

    def add_released(now):
        nonlocal next_src
        while next_src < pending.size and t_release[pending[next_src]] <= now + 1e-15:
            i = pending[next_src]
            tau = max(now - t_release[i], 0.0)
            sigma = math.sqrt(s0sq[i] + 2.0 * alpha * tau)
            wz = _cell_weights(ze, sz[i], sigma) + _cell_weights(ze, -sz[i], sigma)
            wx = _cell_weights(xe, sx[i], sigma)
            wy = _cell_weights(ye, sy[i], sigma)
            amount = q[i] * math.exp(-w * tau) / (rho_c * h**3)
            temp[...] += amount * wx[:, None, None] * wy[None, :, None] * wz[None, None, :]
            next_src += 1

    def step(dt):
        padded[1:-1, 1:-1, 1:-1] = temp
        padded[1:-1, 1:-1, 0] = temp[:, :, 0]  # insulated top: mirror ghost
        c = alpha * dt / (h * h)
        lap = (
            padded[2:, 1:-1, 1:-1]
            + padded[:-2, 1:-1, 1:-1]
            + padded[1:-1, 2:, 1:-1]
            + padded[1:-1, :-2, 1:-1]
            + padded[1:-1, 1:-1, 2:]
            + padded[1:-1, 1:-1, :-2]
            - 6.0 * temp
        )
        temp[...] = temp * (1.0 - w * dt) + c * lap

    centres = (
        (xe[:-1] + xe[1:]) / 2.0,
        (ye[:-1] + ye[1:]) / 2.0,
        (ze[:-1] + ze[1:]) / 2.0,
    )
    out = np.zeros((probes.shape[0], times.size))
    now = min(float(times[0]), float(t_release.min()))
    add_released(now)
    for k, target in enumerate(times):
        while now < target - 1e-15:
            # stop at the next release so sources enter on time
            upcoming = t_release[pending[next_src]] if next_src < pending.size else np.inf
            stop = min(target, upcoming) if upcoming > now else target
            n_steps = max(1, int(math.ceil((stop - now) / dt_max - 1e-9)))
            dt = (stop - now) / n_steps
            for _ in range(n_steps):
                step(dt)
            now = stop
            add_released(now)
        interp = RegularGridInterpolator(centres, temp, bounds_error=False, fill_value=None)
        out[:, k] = interp(probes)
    return props.body_temperature + out
