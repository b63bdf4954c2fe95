"""Non-ablative columns (1,550 and 1,927 nm): heat source from photon transport.

Published ranges (shared data notes, section on non-ablative fractional
lasers): at 1,550 nm columns reach several hundred um at tens of mJ and stay
narrower than about 0.5 mm.
"""

import pytest

from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.tissue.skin import skin_for

OPTIONS = SolverOptions(grid=10e-6, after_pulse=20e-3, photons=50_000, seed=3)


def column(wavelength, energy_mj):
    return simulate_column(
        skin_for("cheek"), Beam(wavelength, 100e-6), Pulse(energy_mj * 1e-3, 3e-3), OPTIONS
    )


@pytest.fixture(scope="module")
def erbium_glass():
    return [column(1.55e-6, e) for e in (5.0, 10.0, 20.0)]


def test_heat_source_is_monte_carlo(erbium_glass):
    assert erbium_glass[0].inputs["heat_source"] == "monte_carlo"


def test_energy_balance_closes(erbium_glass):
    for result in erbium_glass:
        balance = result.summary.energy
        assert balance.relative_error < 1e-9
        assert 0.0 < balance.reflected < balance.incident


def test_depth_and_width_grow_with_energy(erbium_glass):
    depths = [r.summary.coagulation_depth for r in erbium_glass]
    widths = [r.summary.coagulation_width for r in erbium_glass]
    assert depths[0] < depths[1] < depths[2]
    assert widths[0] < widths[1] < widths[2]


def test_columns_are_deep_and_narrow(erbium_glass):
    ten_mj = erbium_glass[1].summary
    assert 200e-6 <= ten_mj.coagulation_depth <= 1500e-6
    assert ten_mj.coagulation_width < 0.5e-3
    assert ten_mj.ablation_depth == 0.0  # non-ablative at 10 mJ


def test_thulium_is_shallower_than_erbium_glass(erbium_glass):
    thulium = column(1.927e-6, 10.0).summary
    assert thulium.coagulation_depth < erbium_glass[1].summary.coagulation_depth
