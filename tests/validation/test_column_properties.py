"""Deep fractional CO2 columns change smoothly and in the right direction with energy.

Hypothesis over pulse energy on the setting of ``test_column_deep.py`` (cheek, 120 um
Gaussian, a 30 W source so the pulse lasts energy / 30 W, 4 um cells): crater depth,
lesion depth and lesion width never fall as the energy rises, and a few per cent more
energy moves depth by at most about as many per cent plus the cells' quantisation. A
scan of 3-60 mJ in 3 % steps found depth steps of at most +5.6 % (two cells, at
150 um), lesion-depth steps of at most +4.3 % (where the lesion enters the fat at
31 mJ) and no fall in either; finer random steps in the fat find falls of one cell
(`test_in_the_fat_depths_fall_by_at_most_a_cell`). The wall cuff is continuous (at most
3.9 % per step) but not monotonic (docs/column.md, "The cuff against energy"), so only
its continuity is tested.
"""

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.tissue.skin import skin_for

pytestmark = pytest.mark.slow

POWER_W = 30.0
CELL = 4e-6  # m
energies = st.floats(min_value=3.0, max_value=60.0)
steps = st.floats(min_value=1.001, max_value=1.05)


@functools.lru_cache(maxsize=256)
def column(energy_mj):
    duration = energy_mj * 1e-3 / POWER_W
    return simulate_column(
        skin_for("cheek"),
        Beam(10.6e-6, 120e-6),
        Pulse(energy_mj * 1e-3, duration),
        SolverOptions(grid=CELL, after_pulse=5e-3),
    ).summary


#: the energy at which the lesion enters the fat (about 960 um on this cheek)
FAT_MJ = 31.0


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=3.0, max_value=FAT_MJ), st.floats(min_value=1.0, max_value=1.5))
def test_depths_and_width_never_fall_with_energy(energy_mj, factor):
    low, high = column(energy_mj), column(min(energy_mj * factor, FAT_MJ))
    assert high.ablation_depth >= low.ablation_depth
    assert high.coagulation_depth >= low.coagulation_depth
    assert high.coagulation_width >= low.coagulation_width - 0.5e-6  # sub-um edge interpolation


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=FAT_MJ, max_value=60.0), st.floats(min_value=1.0, max_value=1.5))
def test_in_the_fat_depths_fall_by_at_most_a_cell(energy_mj, factor):
    """In the fat the crater and the lesion can fall back by a cell's quantisation as the
    energy rises (found in session 24 by this test's random draws, which until then
    spanned 3-60 mJ with no tolerance: 1132 -> 1128 um of crater at 37.17 -> 37.24 mJ, the
    coagulation edge 1136.02 -> 1135.75 um at 35.5 -> 35.57 mJ; the same on the code of
    session 23). The fat is removed at its measured heat of ablation with its ejecta
    taking part of the beam (data/ablation.toml [[measured]]), and the front's last cell
    goes or stays by a hair; nothing larger than a cell."""
    low, high = column(energy_mj), column(energy_mj * factor)
    assert high.ablation_depth >= low.ablation_depth - CELL
    assert high.coagulation_depth >= low.coagulation_depth - CELL
    assert high.coagulation_width >= low.coagulation_width - CELL


@settings(max_examples=30, deadline=None)
@given(energies, steps)
def test_a_little_more_energy_moves_depth_a_little(energy_mj, factor):
    low, high = column(energy_mj), column(energy_mj * factor)
    allowed = 2.0 * (factor - 1.0)
    for a, b in (
        (low.ablation_depth, high.ablation_depth),
        (low.coagulation_depth, high.coagulation_depth),
    ):
        assert b - a <= allowed * a + 2 * CELL


@settings(max_examples=30, deadline=None)
@given(energies, steps)
def test_the_wall_cuff_is_continuous_in_energy(energy_mj, factor):
    low, high = column(energy_mj), column(energy_mj * factor)
    a, b = low.coagulation_thickness_wall, high.coagulation_thickness_wall
    assert abs(b - a) <= 2.0 * (factor - 1.0) * a + CELL / 2
