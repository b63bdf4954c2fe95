"""Hollow-channel optics of a crater (optics.waveguide)."""

import math

import pytest

from resurfacer.optics.absorption import surface_reflectance, water_refractive_index
from resurfacer.optics.waveguide import (
    channel_power_loss,
    eh11_field_attenuation,
    tissue_refractive_index,
    wall_reflectance,
)
from resurfacer.tissue.skin import skin_for


def test_marcatili_schmeltzer_scaling_and_field_vs_power():
    index = complex(1.2, 0.05)
    a1 = eh11_field_attenuation(45e-6, 10.6e-6, index)
    # alpha ~ lambda^2 / a^3
    assert eh11_field_attenuation(90e-6, 10.6e-6, index) == pytest.approx(a1 / 8)
    assert eh11_field_attenuation(45e-6, 5.3e-6, index) == pytest.approx(a1 / 4)
    assert channel_power_loss(45e-6, 10.6e-6, index) == pytest.approx(2 * a1)
    # the formula by hand: (u11 / 2 pi)^2 lambda^2 / a^3 Re[(eps + 1) / (2 sqrt(eps - 1))]
    eps = index**2
    nu = (eps + 1) / (2 * (eps - 1) ** 0.5)
    by_hand = (2.404825557695773 / (2 * math.pi)) ** 2 * 10.6e-6**2 / 45e-6**3 * nu.real
    assert a1 == pytest.approx(by_hand, rel=1e-12)


def test_dermis_channel_of_45_um_loses_about_half_its_power_in_a_mm():
    dermis = skin_for("cheek").layer("reticular_dermis")
    index = tissue_refractive_index(dermis, 10.6e-6)
    assert index.imag == pytest.approx(
        dermis.water_fraction * water_refractive_index(10.6e-6).imag, rel=1e-6
    )
    transmitted = math.exp(-channel_power_loss(45e-6, 10.6e-6, index) * 1e-3)
    assert 0.3 < transmitted < 0.8


def test_wall_reflectance_normal_and_grazing():
    water = water_refractive_index(10.6e-6)
    assert wall_reflectance(0.0, water) == pytest.approx(surface_reflectance(10.6e-6), rel=1e-9)
    assert wall_reflectance(math.radians(89.9), water) > 0.98
    assert wall_reflectance(math.radians(60), water) < wall_reflectance(math.radians(85), water)
