"""resurfacer.optics.montecarlo: API, input validation, energy balance, beams."""

import math

import numpy as np
import pytest

from resurfacer.errors import InputError
from resurfacer.optics.montecarlo import (
    MAX_PHOTONS,
    OpticalLayer,
    RZGrid,
    default_grid,
    run_monte_carlo,
)

SKIN = [
    OpticalLayer(n=1.4, mu_a=1e3, mu_s=2e4, g=0.8, thickness=1e-4),
    OpticalLayer(n=1.4, mu_a=7e2, mu_s=1e4, g=0.9, thickness=1.5e-3),
    OpticalLayer(n=1.44, mu_a=5e2, mu_s=1e4, g=0.9, thickness=math.inf),
]
SLAB = [OpticalLayer(n=1.0, mu_a=1e3, mu_s=9e3, g=0.75, thickness=2e-4)]


def _check_balance(res):
    assert abs(res.energy_balance_error) < 1e-6
    assert res.absorbed_rz.sum() + res.absorbed_outside_grid == pytest.approx(
        res.absorbed, abs=1e-9
    )
    assert res.absorbed_by_layer.sum() == pytest.approx(res.absorbed, abs=1e-9)


CASES = [
    dict(layers=SLAB),
    dict(layers=SKIN),
    dict(layers=SKIN, beam="gaussian", beam_radius=2e-4),
    dict(layers=SKIN, beam="tophat", beam_radius=5e-4, n_above=1.33),
    dict(
        layers=[
            OpticalLayer(n=1.5, mu_a=0.0, mu_s=0.0, g=0.0, thickness=1e-4),  # clear window
            OpticalLayer(n=1.37, mu_a=2e3, mu_s=5e3, g=-0.3, thickness=3e-4),
            OpticalLayer(n=1.0, mu_a=1e2, mu_s=1e3, g=0.0, thickness=1e-3),
        ],
        n_below=1.6,
    ),
    dict(layers=[OpticalLayer(n=1.33, mu_a=0.0, mu_s=1e4, g=0.9, thickness=1e-3)]),
]


@pytest.mark.parametrize("case", CASES)
def test_energy_balance_closes_on_every_run(case):
    res = run_monte_carlo(photons=20_000, seed=9, **case)
    _check_balance(res)
    for value in (res.specular, res.diffuse_reflectance, res.transmittance):
        assert 0.0 <= value <= 1.0
    assert res.photons == 20_000 and res.seed == 9 and res.photons_per_s > 0


def test_specular_is_fresnel_at_normal_incidence():
    res = run_monte_carlo(SKIN, n_above=1.0, photons=100, seed=1)
    assert res.specular == pytest.approx((0.4 / 2.4) ** 2, rel=1e-12)
    res = run_monte_carlo(SKIN, n_above=1.4, photons=100, seed=1)
    assert res.specular == 0.0


def test_reproducible_and_independent_of_thread_count():
    a = run_monte_carlo(SKIN, photons=5_000, seed=42, threads=1)
    b = run_monte_carlo(SKIN, photons=5_000, seed=42, threads=2)
    c = run_monte_carlo(SKIN, photons=5_000, seed=43, threads=2)
    assert a.diffuse_reflectance == b.diffuse_reflectance
    assert a.absorbed == b.absorbed
    np.testing.assert_array_equal(a.absorbed_rz, b.absorbed_rz)
    np.testing.assert_array_equal(a.reflectance_r, b.reflectance_r)
    assert c.diffuse_reflectance != a.diffuse_reflectance


def test_radial_reflectance_integrates_to_total():
    grid = RZGrid(dr=5e-5, dz=5e-5, nr=400, nz=50)  # 2 cm radius: everything
    res = run_monte_carlo(SKIN, grid=grid, photons=20_000, seed=3)
    ring = 2 * np.pi * (np.arange(grid.nr) + 0.5) * grid.dr**2
    assert np.sum(res.reflectance_r * ring) == pytest.approx(res.diffuse_reflectance, rel=1e-9)
    assert res.transmittance_r.shape == (grid.nr,) and res.absorbed_rz.shape == (50, 400)


@pytest.mark.parametrize(("beam", "inside"), [("gaussian", 1 - math.exp(-2)), ("tophat", 1.0)])
def test_beam_profiles_in_a_clear_absorber(beam, inside):
    # mu_s = 0: each packet is absorbed on the axis it launched on, so the
    # absorbed fraction within r < beam_radius is the beam's encircled energy
    # (Gaussian 1/e^2 radius w: 1 - e^-2; top hat: all of it).
    radius, photons = 1e-3, 50_000
    grid = RZGrid(dr=radius / 10, dz=1e-4, nr=30, nz=10)
    layer = OpticalLayer(n=1.0, mu_a=1e5, mu_s=0.0, g=0.0, thickness=1e-3)
    res = run_monte_carlo(
        [layer], beam=beam, beam_radius=radius, grid=grid, photons=photons, seed=5
    )
    fraction = res.absorbed_rz[:, :10].sum() / res.absorbed
    se = math.sqrt(inside * (1 - inside) / photons)
    assert abs(fraction - inside) <= 3 * se + 1e-12
    if beam == "tophat":
        # uniform irradiance: equal absorption per unit area across the rings
        per_area = res.absorbed_rz.sum(axis=0)[:10] / (np.arange(10) + 0.5)
        assert np.std(per_area) / np.mean(per_area) < 0.05


def test_default_grid_covers_the_stack():
    grid = default_grid(SLAB)
    assert grid.nz * grid.dz == pytest.approx(2e-4)
    grid = default_grid(SKIN)
    assert grid.nz * grid.dz > 1.6e-3


BAD = [
    ("layers[0].mu_a", dict(layers=[OpticalLayer(1.4, -1.0, 1e4, 0.9, 1e-3)])),
    ("layers[0].mu_s", dict(layers=[OpticalLayer(1.4, 1.0, -1e4, 0.9, 1e-3)])),
    ("layers[1].g", dict(layers=[SLAB[0], OpticalLayer(1.4, 1.0, 1e4, 1.0, 1e-3)])),
    ("layers[1].g", dict(layers=[SLAB[0], OpticalLayer(1.4, 1.0, 1e4, -1.2, 1e-3)])),
    ("layers[0].n", dict(layers=[OpticalLayer(0.9, 1.0, 1e4, 0.9, 1e-3)])),
    ("layers[0].thickness", dict(layers=[OpticalLayer(1.4, 1.0, 1e4, 0.9, 0.0)])),
    ("layers[0].thickness", dict(layers=[OpticalLayer(1.4, 1.0, 1e4, 0.9, -1e-3)])),
    ("layers[0].thickness", dict(layers=[OpticalLayer(1.4, 1.0, 1e4, 0.9, math.inf), SLAB[0]])),
    ("layers[0].mu_a", dict(layers=[OpticalLayer(1.4, math.nan, 1e4, 0.9, 1e-3)])),
    ("layers[0].mu_a", dict(layers=[OpticalLayer(1.4, 0.0, 1e4, 0.9, math.inf)])),
    ("layers", dict(layers=[])),
    ("photons", dict(layers=SLAB, photons=0)),
    ("photons", dict(layers=SLAB, photons=MAX_PHOTONS + 1)),
    ("photons", dict(layers=SLAB, photons=1.5)),
    ("n_above", dict(layers=SLAB, n_above=0.5)),
    ("beam", dict(layers=SLAB, beam="donut")),
    ("beam_radius", dict(layers=SLAB, beam="gaussian", beam_radius=0.0)),
    ("seed", dict(layers=SLAB, seed=-1)),
    ("threads", dict(layers=SLAB, threads=0)),
    ("grid.nr", dict(layers=SLAB, grid=RZGrid(dr=1e-5, dz=1e-5, nr=0, nz=10))),
]


@pytest.mark.parametrize(("field", "kwargs"), BAD)
def test_bad_input_names_the_field_and_range(field, kwargs):
    with pytest.raises(InputError) as info:
        run_monte_carlo(**kwargs)
    assert info.value.field == field
    assert "allowed" in str(info.value) and field in str(info.value)


def test_max_photons_is_stated():
    assert MAX_PHOTONS == 10**8
