"""The superposition kernel against the plain NumPy reference beside it.

Random sources (point and Gaussian, some at the surface, some released after
some of the times, some averaged over a lattice cell) and probes (some on a source,
some at the surface). Kernel and reference sum the same terms in a different order,
and write the cell average as erfc and erf differences: rtol 1e-12 (plus 1e-13 of the
largest rise, where the erf difference of the reference loses digits in the tail).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from resurfacer.kernels import superposition as kernel

_spec = importlib.util.spec_from_file_location(
    "superposition_reference", Path(__file__).with_name("superposition_reference.py")
)
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

ALPHA, RHO_C, W = 7.7e-8, 3.78e6, 2.0e-3


def _case(seed, n_src=23, n_probes=9, n_times=17):
    rng = np.random.default_rng(seed)
    sx, sy = rng.uniform(-1e-3, 1e-3, (2, n_src))
    sz = rng.uniform(0.0, 600e-6, n_src)
    sz[0] = 0.0
    q = rng.uniform(1e-5, 1e-3, n_src)
    s0sq = np.where(rng.random(n_src) < 0.5, 0.0, rng.uniform(0, 30e-6, n_src) ** 2)
    t_release = rng.uniform(0.0, 0.05, n_src)
    # a third plain Gaussians, the rest averaged over cells of 100-900 um (some in x only)
    ax, ay = np.where(rng.random((2, n_src)) < 1 / 3, 0.0, rng.uniform(50e-6, 450e-6, (2, n_src)))
    ax[:3] = ay[:3] = 0.0
    px, py = rng.uniform(-1e-3, 1e-3, (2, n_probes))
    pz = rng.uniform(0.0, 600e-6, n_probes)
    pz[0] = 0.0
    px[1], py[1], pz[1] = sx[1], sy[1], sz[1]  # on a source
    px[2], py[2], pz[2] = sx[5] + ax[5], sy[5], sz[5]  # on the edge of a cell
    times = np.sort(rng.uniform(0.0, 0.2, n_times))
    times[0] = t_release[2]  # exactly at a release (point or blob)
    return sx, sy, sz, q, s0sq, t_release, ax, ay, px, py, pz, times


def test_kernel_matches_reference():
    for seed in range(4):
        args = _case(seed)
        got = kernel.superpose(*args, ALPHA, RHO_C, W)
        want = ref.superpose(*args, ALPHA, RHO_C, W)
        assert got.shape == (9, 17)
        assert np.all(np.isfinite(got))
        assert_allclose(got, want, rtol=1e-12, atol=1e-13 * np.max(want))


def test_nothing_before_release_and_no_perfusion_case():
    args = list(_case(7))
    times = np.array([-1.0, 0.0])
    args[5] = np.full_like(args[5], 0.5)  # all released at 0.5 s
    args[11] = times
    got = kernel.superpose(*args, ALPHA, RHO_C, 0.0)
    assert np.all(got == 0.0)


def _one(source, probe, tau, ax=0.0, ay=0.0, s0sq=0.0, w=W):
    """The kernel for one source (x, y, depth) [m] of 1 mJ released at 0, at one probe."""
    (x, y, z), (px, py, pz) = source, probe
    return kernel.superpose(
        *(np.array([v]) for v in (x, y, z, 1e-3, s0sq, 0.0, ax, ay, px, py, pz, tau)),
        ALPHA, RHO_C, w,
    )  # fmt: skip


def test_single_point_source_closed_form():
    """One point source at depth z0: the Carslaw & Jaeger formula written out."""
    z0, q, tau = 200e-6, 1e-3, 0.05
    px, py, pz = 100e-6, 50e-6, 120e-6
    got = _one((0.0, 0.0, z0), (px, py, pz), tau)[0, 0]
    four_at = 4 * ALPHA * tau
    r2 = px**2 + py**2
    want = (
        q
        * np.exp(-W * tau)
        / (RHO_C * (np.pi * four_at) ** 1.5)
        * (np.exp(-(r2 + (pz - z0) ** 2) / four_at) + np.exp(-(r2 + (pz + z0) ** 2) / four_at))
    )
    assert_allclose(got, want, rtol=1e-13)


def _offset_mean(a, b, n, probes, times):
    """The plain Gaussian source (1 mJ, 200 um deep, s0 50 um) averaged by brute force
    over n x n offsets spread uniformly over the cell [-a, a] x [-b, b] (the midpoints
    of an n x n grid)."""
    u = (np.arange(n) + 0.5) / n * 2.0 - 1.0
    ux, uy = (g.ravel() for g in np.meshgrid(a * u, b * u, indexing="ij"))
    m, zero = ux.size, np.zeros(ux.size)
    flat = (ux, uy, np.full(m, 200e-6), np.full(m, 1e-3 / m), np.full(m, 50e-6**2), zero)
    return kernel.superpose(*flat, zero, zero, *probes, times, ALPHA, RHO_C, W)


def test_a_cell_average_is_the_mean_over_many_offsets_of_the_gaussian():
    """A source averaged over a cell of 600 x 400 um equals the plain Gaussian source
    averaged by brute force over uniformly spread offsets in the cell, at probes inside,
    on the edge of and outside the cell, for kernel widths s of 125-250 um (0.4-1.2 cell
    half-widths). The midpoint means over 200^2 and 400^2 offsets err by c h^2 + O(h^4)
    (h the offsets' spacing); Richardson's extrapolation (4 M_400 - M_200) / 3 leaves the
    O(h^4): measured 6e-8 of the value at the probe in the far tail (the value 1e-6 of
    the largest), 1e-9 or less elsewhere."""
    a, b = 300e-6, 200e-6
    probes = (np.array([0.0, 120e-6, 300e-6, 450e-6, -700e-6]),
              np.array([0.0, -90e-6, 200e-6, 0.0, 380e-6]),
              np.array([150e-6, 0.0, 300e-6, 100e-6, 250e-6]))  # fmt: skip
    times = np.array([0.05, 0.1, 0.3])  # s = sqrt(s0^2 + 2 alpha t)
    fine, coarse = (_offset_mean(a, b, n, probes, times) for n in (400, 200))
    brute = (4.0 * fine - coarse) / 3.0
    cell = tuple(np.array([v]) for v in (0.0, 0.0, 200e-6, 1e-3, 50e-6**2, 0.0, a, b))
    averaged = kernel.superpose(*cell, *probes, times, ALPHA, RHO_C, W)
    assert np.all(averaged > 0.0)
    assert_allclose(averaged, brute, rtol=1e-6)
    # the plain source at the cell centre is not that average
    zero = np.zeros(1)
    plain = kernel.superpose(*cell[:6], zero, zero, *probes, times, ALPHA, RHO_C, W)
    assert np.max(np.abs(plain / averaged - 1.0)) > 0.1


def test_a_cell_average_holds_the_source_s_heat_and_narrows_to_the_gaussian():
    """Integrated over the plane, the cell-averaged lateral factor holds the whole heat
    (as the Gaussian does); with a cell far narrower than the kernel it is the Gaussian."""
    tau, z0 = 0.2, 150e-6  # s = 176 um
    x = (np.arange(-1000, 1000) + 0.5) * 2e-6  # +-2 mm, a = 250 um: 10 s beyond the cell
    line = kernel.superpose(
        *(np.array([v]) for v in (0.0, 0.0, z0, 1e-3, 0.0, 0.0, 250e-6, 0.0)),
        x, np.zeros(x.size), np.full(x.size, z0), np.array([tau]), ALPHA, RHO_C, W,
    )[:, 0]  # fmt: skip
    gauss = _one((0.0, 0.0, z0), (0.0, 0.0, z0), tau)[0, 0]  # Y and Z as the Gaussian's
    gauss_x0 = 1.0 / np.sqrt(2 * np.pi * 2 * ALPHA * tau)  # its X at dx = 0
    assert np.sum(line) * 2e-6 == pytest.approx(gauss / gauss_x0, rel=1e-9)
    narrow = _one((0.0, 0.0, z0), (40e-6, -30e-6, 90e-6), tau, ax=1e-7, ay=1e-7)
    plain = _one((0.0, 0.0, z0), (40e-6, -30e-6, 90e-6), tau)
    assert_allclose(narrow, plain, rtol=1e-6)
