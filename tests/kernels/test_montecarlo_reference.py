"""The Monte Carlo kernel against the plain Python reference beside it.

Deterministic pieces (Fresnel, Henyey-Greenstein inversion, distance to the
layer face, direction update) must agree to rounding (rtol 1e-12): they are
declared without fast-math, but numba compiles a callee with its caller's
flags, so the version cached by the (fast-math) transport kernel can differ
from the reference in the last bit; the whole transport,
whose random streams differ, must agree in its totals within three combined
standard errors.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from resurfacer.kernels import montecarlo as kernel
from resurfacer.optics.montecarlo import OpticalLayer, RZGrid, run_monte_carlo

_spec = importlib.util.spec_from_file_location(
    "montecarlo_reference", Path(__file__).with_name("montecarlo_reference.py")
)
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

INDEX_PAIRS = [(1.0, 1.0), (1.0, 1.5), (1.5, 1.0), (1.33, 1.45), (1.45, 1.33), (1.4, 1.0)]
COSINES = [1.0, 1.0 - 1e-13, 0.999, 0.9, 0.7, 0.5, 0.3, 0.1, 0.01, 1e-7, 0.0]


@pytest.mark.parametrize(("n_i", "n_t"), INDEX_PAIRS)
def test_fresnel_matches_reference(n_i, n_t):
    for c in COSINES:
        got = kernel.fresnel(n_i, n_t, c)
        want = ref.fresnel(n_i, n_t, c)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=str((n_i, n_t, c)))


def test_fresnel_physics():
    # normal incidence air -> n = 1.5: ((1.5 - 1) / 2.5)^2 = 0.04
    assert kernel.fresnel(1.0, 1.5, 1.0)[0] == pytest.approx(0.04, rel=1e-14)
    # critical angle from glass to air: sin_c = 1/1.5 -> total reflection beyond
    cos_c = math.sqrt(1.0 - (1.0 / 1.5) ** 2)
    assert kernel.fresnel(1.5, 1.0, cos_c - 1e-6) == (1.0, 0.0)
    assert kernel.fresnel(1.5, 1.0, cos_c + 1e-6)[0] < 1.0
    # reciprocity: R is the same both ways for the paired angles
    r_in, cos_t = kernel.fresnel(1.0, 1.4, 0.6)
    r_out, cos_back = kernel.fresnel(1.4, 1.0, cos_t)
    assert r_in == pytest.approx(r_out, rel=1e-12)
    assert cos_back == pytest.approx(0.6, rel=1e-12)


@pytest.mark.parametrize("g", [-0.9, -0.3, 0.0, 0.3, 0.75, 0.9, 0.99])
def test_hg_matches_reference_and_has_mean_g(g):
    xi = (np.arange(200_000) + 0.5) / 200_000
    got = np.array([kernel.hg_cos_theta(g, x) for x in xi[::997]])
    want = np.array([ref.hg_cos_theta(g, x) for x in xi[::997]])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # midpoint quadrature of the inverse CDF: mean cosine = g
    mean = np.mean([kernel.hg_cos_theta(g, x) for x in xi])
    assert mean == pytest.approx(g, abs=1e-4)


def test_distance_to_boundary_matches_reference():
    cases = [
        (0.0, 1.0, 0.0, 1e-3),
        (5e-4, 0.3, 0.0, 1e-3),
        (5e-4, -0.3, 0.0, 1e-3),
        (2e-4, 0.0, 0.0, 1e-3),
        (2e-3, 0.5, 1e-3, math.inf),
        (2e-3, -0.5, 1e-3, math.inf),
    ]
    for case in cases:
        assert kernel.distance_to_boundary(*case) == pytest.approx(
            ref.distance_to_boundary(*case), rel=1e-12
        )
    assert kernel.distance_to_boundary(5e-4, 0.5, 0.0, 1e-3) == pytest.approx(1e-3)


def test_spin_matches_reference_and_keeps_unit_length():
    rng = np.random.default_rng(3)
    for _ in range(200):
        u = rng.normal(size=3)
        u /= np.linalg.norm(u)
        cos_t = rng.uniform(-1, 1)
        phi = rng.uniform(0, 2 * math.pi)
        got = np.array(kernel.spin(u[0], u[1], u[2], cos_t, math.cos(phi), math.sin(phi)))
        want = ref.rotate(u, cos_t, phi)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        assert np.dot(got, u) == pytest.approx(cos_t, abs=1e-12)
        assert np.linalg.norm(got) == pytest.approx(1.0, abs=1e-14)
    # along the axis
    got = kernel.spin(0.0, 0.0, -1.0, 0.5, 1.0, 0.0)
    np.testing.assert_allclose(got, (math.sqrt(0.75), 0.0, -0.5), atol=1e-15)


def test_random_streams():
    state = np.array([kernel.stream_state(1, 0)], dtype=np.uint64)
    draws = np.array([kernel.uniform(state) for _ in range(100_000)])
    assert draws.min() > 0.0 and draws.max() < 1.0
    # mean 1/2 with standard error sqrt(1/12 / N)
    assert abs(draws.mean() - 0.5) < 4 * math.sqrt(1 / 12 / draws.size)
    # azimuth: unit vectors, uniform angle (mean of cos, sin near 0)
    cs = np.array([kernel.azimuth(state) for _ in range(50_000)])
    np.testing.assert_allclose(np.hypot(cs[:, 0], cs[:, 1]), 1.0, atol=1e-12)
    assert np.all(np.abs(cs.mean(axis=0)) < 4 * math.sqrt(0.5 / cs.shape[0]))
    # different batches and seeds start different streams
    starts = {int(kernel.stream_state(s, b)) for s in (0, 1, 2) for b in range(64)}
    assert len(starts) == 3 * 64


# Two layers, index mismatch at every interface: 1 | 1.37 | 1.45 | 1.33.
LAYERS = [(1.37, 1.0e3, 1.0e4, 0.8, 2.0e-4), (1.45, 5.0e2, 5.0e3, 0.5, 1.0e-3)]
N_ABOVE, N_BELOW = 1.0, 1.33


def test_transport_statistics_match_reference():
    n_ref, n_mc = 4_000, 40_000
    scores, depth_ref = ref.run_reference(LAYERS, N_ABOVE, N_BELOW, n_ref, 7, 1e-4, 12)
    mean_ref = scores.mean(axis=0)
    se_ref = scores.std(axis=0, ddof=1) / math.sqrt(n_ref)
    res = run_monte_carlo(
        [OpticalLayer(*layer) for layer in LAYERS],
        n_above=N_ABOVE,
        n_below=N_BELOW,
        grid=RZGrid(dr=1.0, dz=1e-4, nr=1, nz=12),
        photons=n_mc,
        seed=11,
    )
    assert res.specular == pytest.approx(mean_ref[0], rel=1e-12)
    pairs = [
        (res.diffuse_reflectance, res.diffuse_reflectance_std, 1),
        (res.absorbed, res.absorbed_std, 2),
        (res.transmittance, res.transmittance_std, 3),
    ]
    for value, se, k in pairs:
        tol = 3.0 * math.hypot(se, se_ref[k])
        assert abs(value - mean_ref[k]) < tol, (k, value, mean_ref[k], tol)
    # depth profile of absorption in 0.1 mm bins; per-bin binomial-like error
    # of the reference dominates: its bins carry <= 1 weight per photon
    depth_mc = res.absorbed_rz[:, 0]
    se_bins = np.sqrt(depth_ref * (1 - depth_ref) / n_ref + depth_mc * (1 - depth_mc) / n_mc)
    assert np.all(np.abs(depth_mc - depth_ref) < 4.0 * se_bins + 1e-4)
    assert abs(scores.sum(axis=1).mean() - 1.0) < 1e-12
