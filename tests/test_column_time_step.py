"""A wide beam's shallow dish is drilled in enough ray sweeps (found by a probe in session
23: a 1.3 mm Gaussian spot of 90 mJ in 10 us drilled a 124 um needle, 50 us 168 um,
against 40-44 um converged in time step and grid)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from resurfacer.column.cautions import front_cautions
from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.tissue.skin import skin_for

WIDE = Beam(10.6e-6, 1300e-6)


def _wide(duration_s: float, grid_m: float = 4e-6):
    options = SolverOptions(grid=grid_m, after_pulse=5e-3)
    return simulate_column(skin_for("cheek"), WIDE, Pulse(90e-3, duration_s), options)


@pytest.fixture(scope="module")
def long_pulse():
    return _wide(0.8e-3).summary


@pytest.mark.parametrize("duration_s", [10e-6, 50e-6])
def test_a_short_pulse_on_a_wide_spot_drills_a_dish_not_a_needle(duration_s, long_pulse):
    s = _wide(duration_s).summary
    assert s.ablation_depth == pytest.approx(long_pulse.ablation_depth, rel=0.25)
    assert s.ablation_width_half_depth > 0.5 * long_pulse.ablation_width_half_depth


def test_the_short_pulse_dish_converges_with_the_grid():
    coarse, fine = _wide(10e-6).summary, _wide(10e-6, 1e-6).summary
    assert coarse.ablation_depth == pytest.approx(fine.ablation_depth, rel=0.25)


def test_the_fast_front_caution_counts_the_pairs_a_short_pulse_goes_in():
    # a pulse shorter than a step counted as a fraction of one: a 100 um crater drilled
    # in 4 pairs of sweeps (25 cells, about 6 a pair) read "about 25 cells per sweep"
    inputs = {"geometry": "column", "grid_m": 4e-6, "time_step_s": 1e-5, "stack": 1,
              "pulse_duration_s": 2e-6, "sweep_pairs": 4}  # fmt: skip
    crater = SimpleNamespace(ablation_depth=100e-6)
    assert front_cautions(crater, inputs) == []
    (fast,) = front_cautions(crater, {**inputs, "sweep_pairs": 1})
    assert "about 25 cells per sweep" in fast
