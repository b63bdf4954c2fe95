"""The superposition kernel against the plain NumPy reference beside it.

Random sources (point and Gaussian, some at the surface, some released after
some of the times) and probes (some on a source, some at the surface). Kernel
and reference sum the same terms in a different order: rtol 1e-12.
"""

import importlib.util
from pathlib import Path

import numpy as np
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
    px, py = rng.uniform(-1e-3, 1e-3, (2, n_probes))
    pz = rng.uniform(0.0, 600e-6, n_probes)
    pz[0] = 0.0
    px[1], py[1], pz[1] = sx[1], sy[1], sz[1]  # on a source
    times = np.sort(rng.uniform(0.0, 0.2, n_times))
    times[0] = t_release[2]  # exactly at a release (point or blob)
    return sx, sy, sz, q, s0sq, t_release, px, py, pz, times


def test_kernel_matches_reference():
    for seed in range(4):
        args = _case(seed)
        got = kernel.superpose(*args, ALPHA, RHO_C, W)
        want = ref.superpose(*args, ALPHA, RHO_C, W)
        assert got.shape == (9, 17)
        assert np.all(np.isfinite(got))
        assert_allclose(got, want, rtol=1e-12, atol=0.0)


def test_nothing_before_release_and_no_perfusion_case():
    args = list(_case(7))
    times = np.array([-1.0, 0.0])
    args[5] = np.full_like(args[5], 0.5)  # all released at 0.5 s
    args[9] = times
    got = kernel.superpose(*args, ALPHA, RHO_C, 0.0)
    assert np.all(got == 0.0)


def test_single_point_source_closed_form():
    """One point source at depth z0: the Carslaw & Jaeger formula written out."""
    z0, q, tau = 200e-6, 1e-3, 0.05
    px, py, pz = np.array([100e-6]), np.array([50e-6]), np.array([120e-6])
    got = kernel.superpose(
        np.zeros(1),
        np.zeros(1),
        np.array([z0]),
        np.array([q]),
        np.zeros(1),
        np.zeros(1),
        px,
        py,
        pz,
        np.array([tau]),
        ALPHA,
        RHO_C,
        W,
    )[0, 0]
    four_at = 4 * ALPHA * tau
    r2 = px[0] ** 2 + py[0] ** 2
    want = (
        q
        * np.exp(-W * tau)
        / (RHO_C * (np.pi * four_at) ** 1.5)
        * (
            np.exp(-(r2 + (pz[0] - z0) ** 2) / four_at)
            + np.exp(-(r2 + (pz[0] + z0) ** 2) / four_at)
        )
    )
    assert_allclose(got, want, rtol=1e-13)
