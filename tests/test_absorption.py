"""Tests for resurfacer.optics.absorption against published water data."""

import numpy as np
import pytest

from resurfacer.errors import InputError
from resurfacer.optics.absorption import (
    MAX_WAVELENGTH,
    MIN_WAVELENGTH,
    layer_absorption_coefficient,
    melanin_absorption_coefficient,
    surface_reflectance,
    water_absorption_coefficient,
    water_refractive_index,
)
from resurfacer.tissue.skin import skin_for

# published.md section 1, Segelstein column, mu_a in 1/cm. The table quotes 3
# significant figures, so the interpolated table must agree within 2 %.
PUBLISHED_WATER_MUA_PER_CM = [
    (10.6e-6, 845.0),
    (2.94e-6, 1.20e4),
    (2.79e-6, 4.86e3),
    (1.927e-6, 123.0),
    (1.55e-6, 10.8),
]


@pytest.mark.parametrize("wavelength, mua_per_cm", PUBLISHED_WATER_MUA_PER_CM)
def test_water_absorption_matches_published(wavelength, mua_per_cm):
    assert water_absorption_coefficient(wavelength) == pytest.approx(mua_per_cm * 100, rel=0.02)


def test_water_absorption_is_4pi_k_over_lambda():
    lam = np.array([1.5e-6, 3.0e-6, 10.6e-6])
    k = np.asarray(water_refractive_index(lam)).imag
    np.testing.assert_allclose(water_absorption_coefficient(lam), 4 * np.pi * k / lam, rtol=0.02)


def test_water_table_covers_range_and_refuses_outside():
    water_absorption_coefficient(0.4e-6)
    water_absorption_coefficient(12e-6)
    for bad in (0.3e-6, 13e-6, float("nan")):
        with pytest.raises(InputError) as err:
            water_absorption_coefficient(bad)
        assert err.value.field == "wavelength"


def test_water_index_plausible():
    m = water_refractive_index(0.589e-6)
    assert m.real == pytest.approx(1.333, abs=0.002)  # sodium D line
    assert isinstance(water_refractive_index(10.6e-6), complex)


def test_fresnel_reflectance_at_co2():
    r = surface_reflectance(10.6e-6)
    assert 0.003 < r < 0.02  # about 1 % (n ~ 1.18, k ~ 0.07)
    m = water_refractive_index(10.6e-6)
    assert r == pytest.approx(abs((m - 1) / (m + 1)) ** 2)


def test_tissue_range_enforced():
    layer = skin_for("cheek").layer("epidermis")
    for bad in (MIN_WAVELENGTH * 0.99, MAX_WAVELENGTH * 1.01):
        with pytest.raises(InputError) as err:
            layer_absorption_coefficient(layer, bad)
        assert err.value.field == "wavelength"
        with pytest.raises(InputError):
            surface_reflectance(bad)


def test_layer_absorption_is_water_dominated_in_ir():
    skin = skin_for("cheek", phototype=2)
    dermis = skin.layer("papillary_dermis")
    for lam in (1.927e-6, 2.94e-6, 10.6e-6):
        assert layer_absorption_coefficient(dermis, lam) == pytest.approx(
            dermis.water_fraction * water_absorption_coefficient(lam)
        )


def test_melanin_adds_absorption_in_darker_skin():
    light = skin_for("cheek", phototype=1).layer("epidermis")
    dark = skin_for("cheek", phototype=6).layer("epidermis")
    assert layer_absorption_coefficient(dark, 1.55e-6) > layer_absorption_coefficient(
        light, 1.55e-6
    )
    # melanin: 1.70e12 * (lambda/nm)^-3.48 /cm (Jacques 1998, omlc.org)
    assert melanin_absorption_coefficient(1.0e-6) == pytest.approx(
        1.70e12 * 1000.0**-3.48 * 100, rel=1e-3
    )


def test_vectorised():
    lam = np.linspace(MIN_WAVELENGTH, MAX_WAVELENGTH, 50)
    mua = layer_absorption_coefficient(skin_for("nose").layer("epidermis"), lam)
    assert mua.shape == lam.shape and np.all(mua > 0)
    assert np.asarray(surface_reflectance(lam)).shape == lam.shape
