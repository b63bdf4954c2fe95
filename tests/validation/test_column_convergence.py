"""Grid convergence of crater depth and coagulation thickness (4 um -> 2 um).

Fractional CO2, 5 mJ, 120 um spot, 0.5 ms, cheek, 10 ms after the pulse. The
issue's bar is a change under 5 %. With square cells (dr = dz = grid) depth
(0.7 %) and the coagulation below the floor (1.4 %) meet it; the wall cuff
does not: 19.27 -> 20.65 -> 21.69 -> 22.00 um at 4, 2, 1 and 0.5 um (6.7 %,
then 5.0 % and 1.4 % per halving).

What the cuff depends on is the radial cell size alone: at dr = 1 um it is
21.80 / 21.68 um with dz = 4 / 2 um, and refining dz at fixed dr changes
nothing worth naming, while refining dr at fixed dz does all of the above.
Cause (measured on the branch wall-subgrid): at the crater edge a rim about
1.5 um thick loses heat sideways, lags the ablation front, is not removed
and stays at 150-350 C for the rest of the pulse, feeding the wall. A 4 um
cell cannot hold such a rim: it is removed whole, so the coarse crater takes
1.5 % more volume and the heat that should have stayed in the rim (0.08 mJ
here, 7 % of the heat left around the crater) is booked as ablation.
Two sub-grid face fluxes (semi-infinite contact flux, and its Duhamel form)
were tried and fixed almost nothing; a cut-cell front that keeps the rim and
its heat at 4 um (branch cut-cell) still changes 7.2 % from 4 to 2 um, because
the peaks reached in the wall after the pulse stay 2-3.5 K low on 4 um cells:
the wall cell's mean enthalpy sits on the boiling plateau where the fine grid
has a dried rim. Conduction from the mean of T(H(x)) over a reconstructed wall
cell (branch face-temperature, not merged) brings the change to 4.5 %
(docs/column.md). Hence `SolverOptions.radial_refinement`
(dr = grid / n), tested below at dr = 1 um: it meets the bar for 5 mJ, but
deeper columns, drilled faster, have thinner rims and still converge slowly
in dr (10 mJ: 13.41 -> 14.43 um from dr = 1 to 0.5 um, 7.6 %), a strict xfail.

Er:YAG (bulk skin, 10 J/cm2), whose light is absorbed within about 1.1 um, is
tested at 0.1 -> 0.05 um: depth 0.1 %, floor damage 4.2 % (at 0.5 -> 0.25 um the
floor damage scatters by 22 %, see docs/column.md).
"""

import functools
import math

import pytest

from resurfacer.laser import Beam, Pulse
from resurfacer.mtz import SolverOptions, simulate_column
from resurfacer.tissue import skin_for

RADIAL_CELL = 1e-6  # m


@functools.lru_cache
def column(grid, radial_cell=None, energy_mj=5.0):
    refinement = 1 if radial_cell is None else round(grid / radial_cell)
    return simulate_column(
        skin_for("cheek"),
        Beam(10.6e-6, 120e-6),
        Pulse(energy_mj * 1e-3, 0.5e-3),
        SolverOptions(grid=grid, radial_refinement=refinement, after_pulse=10e-3),
    ).summary


def change(a, b):
    return abs(a - b) / abs(b)


def test_crater_depth_converges():
    assert change(column(4e-6).ablation_depth, column(2e-6).ablation_depth) < 0.05


def test_coagulation_below_floor_converges():
    coarse, fine = column(4e-6), column(2e-6)
    assert change(coarse.coagulation_thickness_floor, fine.coagulation_thickness_floor) < 0.05


@pytest.mark.xfail(
    strict=True, reason="wall cuff changes 6.7 % from 4 to 2 um square cells (see the docstring)"
)
def test_wall_cuff_meets_the_five_percent_bar_with_square_cells():
    coarse, fine = column(4e-6), column(2e-6)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05


def test_wall_cuff_converges_with_square_cells():
    coarse, fine, finest = column(4e-6), column(2e-6), column(1e-6)
    first = change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall)
    second = change(fine.coagulation_thickness_wall, finest.coagulation_thickness_wall)
    assert first < 0.10 and second < 0.10


def test_wall_cuff_meets_the_bar_from_4_to_2_um_with_1_um_radial_cells():
    coarse, fine = column(4e-6, RADIAL_CELL), column(2e-6, RADIAL_CELL)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05
    assert change(coarse.ablation_depth, fine.ablation_depth) < 0.05
    assert change(coarse.coagulation_thickness_floor, fine.coagulation_thickness_floor) < 0.05


def test_wall_cuff_converges_in_the_radial_cell_at_5_mj():
    coarse, fine = column(4e-6, RADIAL_CELL), column(4e-6, RADIAL_CELL / 2)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05


@pytest.mark.xfail(
    strict=True, reason="10 mJ wall cuff 13.41 -> 14.43 um from dr = 1 to 0.5 um (7.6 %)"
)
def test_wall_cuff_converges_in_the_radial_cell_at_10_mj():
    coarse = column(4e-6, RADIAL_CELL, energy_mj=10.0)
    fine = column(4e-6, RADIAL_CELL / 2, energy_mj=10.0)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05


@functools.lru_cache
def erbium_bulk(grid):
    """One 250 us, 10 J/cm2 Er:YAG pulse (3 mm top hat, solved as its 1-D centre) on
    skin made of dermis throughout, as in test_column_published.py."""
    spot = 3e-3
    energy = 10.0 * 1e4 * math.pi * (spot / 2) ** 2
    return simulate_column(
        skin_for("cheek").dermis_throughout(),
        Beam(2.94e-6, spot, "tophat"),
        Pulse(energy, 250e-6),
        SolverOptions(grid=grid, max_time=0.1),
    ).summary


def test_erbium_crater_depth_and_floor_damage_converge():
    # Er:YAG light is absorbed within ~1.1 um: its grids are 0.1 and 0.05 um (mu_a dz
    # 0.09 and 0.045). At 0.5 -> 0.25 um the floor damage scatters instead (10.47 ->
    # 8.58 um, 22 %): the cell under the floor ends the pulse with H anywhere between
    # H_abl exp(-mu_a dz) and H_abl, so the residual heat varies by about
    # +/- mu_a dz / 2 (docs/column.md; the CLI warns above mu_a dz = 0.3)
    coarse, fine = erbium_bulk(0.1e-6), erbium_bulk(0.05e-6)
    assert change(coarse.ablation_depth, fine.ablation_depth) < 0.05
    assert change(coarse.coagulation_thickness_floor, fine.coagulation_thickness_floor) < 0.05
