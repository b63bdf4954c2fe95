"""Tests for resurfacer.optics.scattering."""

import numpy as np
import pytest

from resurfacer.errors import InputError
from resurfacer.optics.scattering import (
    anisotropy,
    reduced_scattering_coefficient,
    scattering_coefficient,
    scattering_matters,
)
from resurfacer.tissue.skin import LAYER_NAMES, SEXES, SITES, skin_for


@pytest.mark.parametrize("layer", LAYER_NAMES)
def test_power_law_and_mu_s(layer):
    m1, m2 = (
        reduced_scattering_coefficient(layer, 1.5e-6),
        reduced_scattering_coefficient(layer, 3e-6),
    )
    assert m1 > m2 > 0  # decreasing with wavelength
    g = anisotropy(layer, 1.5e-6)
    assert 0.8 <= g < 1.0
    assert scattering_coefficient(layer, 1.5e-6) == pytest.approx(m1 / (1 - g))


def test_jacques_skin_average_at_1550():
    # a' = 46.0 /cm, b = 1.421 (Jacques 2013, table 2, skin): 9.2 /cm at 1.55 um.
    assert reduced_scattering_coefficient("papillary_dermis", 1.55e-6) == pytest.approx(
        46.0 * (1550 / 500) ** -1.421 * 100, rel=1e-9
    )


def test_bad_inputs():
    with pytest.raises(InputError):
        reduced_scattering_coefficient("dermis", 2e-6)
    with pytest.raises(InputError) as err:
        anisotropy("epidermis", 20e-6)
    assert err.value.field == "wavelength"


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("sex", SEXES)
@pytest.mark.parametrize("phototype", [1, 6])
def test_beer_lambert_criterion(site, sex, phototype):
    skin = skin_for(site, sex, phototype=phototype)
    assert not scattering_matters(skin, 10.6e-6)
    assert not scattering_matters(skin, 2.94e-6)
    assert scattering_matters(skin, 1.55e-6)
    assert scattering_matters(skin, 1.927e-6)


def test_vectorised_scattering():
    lam = np.linspace(1.4e-6, 11e-6, 20)
    assert reduced_scattering_coefficient("epidermis", lam).shape == (20,)
