"""Grid convergence of crater depth and coagulation thickness (4 um -> 2 um).

Fractional CO2, 5 mJ, 120 um spot, 0.5 ms, cheek, 10 ms after the pulse. The
issue's bar is a change under 5 %. Depth (0.7 %) and the coagulation below
the floor (1.4 %) meet it. The wall cuff (about 20 um, five 4-um cells, with
the crater edge fixed to whole cells) does not: 19.27 -> 20.65 -> 21.69 um at
4, 2 and 1 um, i.e. 6.7 % then 5.0 % per halving (with the time step of the
2 um grid on both, 5.1 % from 4 to 2 um). The heat stored around the crater
converges at first order (1.126 -> 1.155 -> 1.196 mJ). The cause is a thermal
boundary layer thinner than the cells: a cell at the crater edge is hot (up
to the 378 C of the dry residue before removal) only while the front crosses
one optical depth, delta / v = 17 um / 0.31 m/s = 55 us here, so the heat it
passes to the wall diffuses only about sqrt(alpha t) = 2 um into it, and a 4 um
cell underestimates that flux (it sees the gradient over a whole cell). A
top-hat column, whose wall takes no light at all, shows it plainly: wall cuff
0 -> 2.4 -> 10.8 um at 4, 2 and 1 um. A sub-grid flux for that layer, or
cells refined at the wall, would be the remedy. Deeper columns have thinner
cuffs and converge worse (20 mJ: 9.84 -> 7.71 um, 28 %). The regression test
holds each halving of the 5 mJ case to 10 %; the issue's 5 % bar is a strict
xfail.
"""

import pytest

from resurfacer.laser import Beam, Pulse
from resurfacer.mtz import SolverOptions, simulate_column
from resurfacer.tissue import skin_for


@pytest.fixture(scope="module")
def pair():
    def run(grid):
        return simulate_column(
            skin_for("cheek"),
            Beam(10.6e-6, 120e-6),
            Pulse(5e-3, 0.5e-3),
            SolverOptions(grid=grid, after_pulse=10e-3),
        ).summary

    return run(4e-6), run(2e-6), run(1e-6)


def change(a, b):
    return abs(a - b) / abs(b)


def test_crater_depth_converges(pair):
    coarse, fine, _ = pair
    assert change(coarse.ablation_depth, fine.ablation_depth) < 0.05


def test_coagulation_below_floor_converges(pair):
    coarse, fine, _ = pair
    assert change(coarse.coagulation_thickness_floor, fine.coagulation_thickness_floor) < 0.05


@pytest.mark.xfail(
    strict=True, reason="wall cuff changes 6.7 % from 4 to 2 um (see the module docstring)"
)
def test_wall_cuff_meets_the_five_percent_bar(pair):
    coarse, fine, _ = pair
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05


def test_wall_cuff_converges(pair):
    coarse, fine, finest = pair
    first = change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall)
    second = change(fine.coagulation_thickness_wall, finest.coagulation_thickness_wall)
    assert first < 0.10 and second < 0.10
