"""Beam and pulse: derived quantities and the Gaussian beam's widening below its focus."""

import math

import numpy as np
import pytest

from resurfacer.errors import InputError
from resurfacer.laser.beam import Beam, Pulse


def test_rayleigh_range_of_a_co2_microbeam():
    # z_R = pi w0^2 / (M^2 lambda): 120 um 1/e^2 diameter at 10.6 um
    beam = Beam(10.6e-6, 120e-6)
    assert beam.rayleigh_range == pytest.approx(math.pi * 60e-6**2 / 10.6e-6, rel=1e-12)
    assert beam.rayleigh_range == pytest.approx(1.067e-3, rel=1e-3)
    assert Beam(10.6e-6, 120e-6, m_squared=2.0).rayleigh_range == pytest.approx(
        beam.rayleigh_range / 2.0
    )


def test_spread_is_root_two_at_the_rayleigh_range():
    beam = Beam(10.6e-6, 120e-6)
    z = np.array([0.0, beam.rayleigh_range, 3.0 * beam.rayleigh_range])
    np.testing.assert_allclose(beam.spread(z), [1.0, math.sqrt(2.0), math.sqrt(10.0)])


def test_tophat_is_taken_as_collimated():
    np.testing.assert_array_equal(Beam(10.6e-6, 3e-3, "tophat").spread([0.0, 1e-3]), [1.0, 1.0])


def test_ring_fractions_sum_to_the_power_inside():
    beam = Beam(10.6e-6, 120e-6)
    edges = np.linspace(0.0, 200e-6, 51)
    assert beam.ring_fractions(edges).sum() == pytest.approx(1.0 - math.exp(-2 * (200 / 60) ** 2))


@pytest.mark.parametrize("m_squared", [0.5, 0.0, 60.0])
def test_beam_quality_out_of_range(m_squared):
    with pytest.raises(InputError, match="m_squared"):
        Beam(10.6e-6, 120e-6, m_squared=m_squared)


def test_pulse_energy_per_step_sums_to_the_train():
    pulse = Pulse(10e-3, 0.5e-3, shape="gaussian", stack=3, spacing=1e-3)
    assert pulse.energy_per_step(7e-6).sum() == pytest.approx(30e-3, rel=1e-12)
