"""Grid convergence of crater depth and coagulation thickness (4 um -> 2 um).

Fractional CO2, 5 mJ, 120 um spot, 0.5 ms, cheek, 10 ms after the pulse. The
issue's bar is a change under 5 %. With square cells (dr = dz = grid) depth,
the coagulation below the floor and the wall cuff meet it (session 14, each step's
rays as two symmetric half sweeps): depth 224 -> 224 -> 224 um, floor 52.6 -> 54.2 ->
55.0 um and cuff 26.31 -> 26.11 -> 26.17 um at 4, 2 and 1 um (10 mJ: 22.22 -> 22.98 um
from 4 to 2 um, 3.4 %). Session 10 (one outward sweep): depth 208 -> 218 -> 223 um,
cuff 27.43 -> 26.47 -> 26.28 um. Before the wall optics the cuff was 21.42 -> 21.53 ->
21.98 um (the figures below in this docstring are from then).

Two things make the wall cuff converge. The crater-wall cell's temperature is
the mean of T(H) over a linear enthalpy profile through its outer neighbour
(`kernels.state.wall_cell_temperatures`): on 2-4 um cells the wall cell's mean
enthalpy sits on the boiling plateau (100 C) where a fine grid has a dried rim
at 120-260 C beside tissue still boiling. And the conduction of each pulse step
reads the temperatures after that step's deposition (`run_column`): it used to
read them from before, so the heat the beam put into a cell in its last step
before ablation never conducted into the wall and left with the cell; that lag
cost the cuff 1.3 um at 4 um cells (20.11 -> 21.07 -> 21.77 um, 5 mJ) and
0.9 um at dr = 1 um (10 mJ: 13.68 -> 14.46 um from dr = 1 to 0.5 um, 5.4 %, was
a strict xfail). See docs/radial_10mj.md and docs/column.md.

The cuff depends mostly on the radial cell size, hence
`SolverOptions.radial_refinement` (dr = grid / n), tested below at dr = 1 um:
at dz = 4 um, 5 mJ: 22.13 / 22.17 / 22.23 um at dr = 1 / 0.5 / 0.25 um; 10 mJ:
14.55 / 14.78 / 14.98 um (1.6 %, then 1.3 %). At 10 mJ and dr = 1 um the cuff
still moves with the time step (14.16-14.55 um for dt_safety 0.1-0.9; 14.24 um
at 0.1 against 14.87 um at dr = 0.5 um, 4.2 %). The square-cell pairs below are
also helped by the time step of the 4 um grid, long enough for the crater front
to cross many cells: with dt_safety 0.1 the 4 -> 2 um change is 1.2 % (5 mJ) and
4.9 % (10 mJ).

The deep pass (co2_dual's default, 15 mJ in 0.5 ms at 30 W; data/devices.toml) and
20 mJ, measured in session 24 with the same `column()` (depth / floor / cuff, um):

| case (dt = dt_safety) | 4 um | 2 um | 1 um | 4 -> 2 um |
|---|---|---|---|---|
| 15 mJ | 564 / 53.66 / 22.77 | 568 / 53.34 / 23.04 | 568 / 55.16 / 23.83 | 0.7 / 0.6 / 1.2 % |
| 20 mJ | 704 / 51.79 / 22.65 | 706 / 53.82 / 23.77 | 706 / 55.49 / 24.43 | 0.3 / 3.8 / 4.7 % |
| 15 mJ dt 0.1 | 568 / 55.49 / 22.06 | 568 / 56.14 / 23.04 | 569 / 55.04 / 23.81 | 0 / 1.2 / 4.3 % |
| 20 mJ dt 0.1 | 708 / 54.36 / 22.21 | 708 / 54.92 / 23.61 | 707 / 55.53 / 24.43 | 0 / 1.0 / 6.3 % |
| 15 mJ, dr = 1 um | 568 / 54.94 / 24.01 | 568 / 54.37 / 23.78 | | 0 / 1.0 / 1.0 % |
| 20 mJ, dr = 1 um | 704 / 57.18 / 24.25 | 706 / 54.55 / 24.26 | | 0.3 / 4.8 / 0.04 % |

All meet the 5 % bar from 4 to 2 um (tested below: square cells at 15 and 20 mJ, the
small step and dr = 1 um at 15 mJ) except the 20 mJ cuff at dt_safety 0.1, 6.3 %
(a strict xfail): at 20 mJ too the default step's 4 um cuff is thick enough to hide
part of the spatial error. The 19 % change of the 20 mJ cuff this docstring used to
quote is from session 6, before the crater-wall optics and the symmetric ray sweeps
(docs/cuff_20mj.md; docs/column.md gives the same 22.65 -> 23.77 um as 4.9 %, of the 4 um
value).

Er:YAG (bulk skin, 10 J/cm2), whose light is absorbed within about 1.1 um, is
tested at 0.1 -> 0.05 um: depth 0.1 %, floor damage 4.2 % (at 0.5 -> 0.25 um the
floor damage scatters by 22 %, see docs/column.md).
"""

import functools
import math

import pytest

from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.tissue.skin import skin_for

RADIAL_CELL = 1e-6  # m


@functools.lru_cache
def column(grid, radial_cell=None, energy_mj=5.0, dt_safety=None):
    refinement = 1 if radial_cell is None else round(grid / radial_cell)
    step = {} if dt_safety is None else {"dt_safety": dt_safety}
    options = SolverOptions(grid=grid, radial_refinement=refinement, after_pulse=10e-3, **step)
    return simulate_column(
        skin_for("cheek"), Beam(10.6e-6, 120e-6), Pulse(energy_mj * 1e-3, 0.5e-3), options
    ).summary


def change(a, b):
    return abs(a - b) / abs(b)


def test_crater_depth_converges():
    assert change(column(4e-6).ablation_depth, column(2e-6).ablation_depth) < 0.05


def test_coagulation_below_floor_converges():
    coarse, fine = column(4e-6), column(2e-6)
    assert change(coarse.coagulation_thickness_floor, fine.coagulation_thickness_floor) < 0.05


@pytest.mark.parametrize("energy_mj", [5.0, 10.0])
def test_wall_cuff_meets_the_five_percent_bar_with_square_cells(energy_mj):
    coarse, fine = column(4e-6, energy_mj=energy_mj), column(2e-6, energy_mj=energy_mj)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05


def test_the_bar_holds_with_a_small_time_step_too():
    # the 4 um grid's long step thickens its cuff (docs/cuff_20mj.md); with dt_safety 0.1
    # the 5 mJ cuff is 26.08 -> 26.30 um (0.8 %), depth 224 -> 222 um. The floor's
    # coagulation is 53.1 / 56.3 / 55.0 um at 4 / 2 / 1 um, not monotonic in the cell:
    # each grid is held to 5 % of the 1 um value (3.5 % and 2.2 %), as 4 -> 2 um alone
    # (5.7 %) would count the 2 um grid's own error twice. With the default step the
    # floor is 56.2 / 55.7 / 54.9 um (test above).
    coarse, fine = column(4e-6, dt_safety=0.1), column(2e-6, dt_safety=0.1)
    finest = column(1e-6, dt_safety=0.1)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05
    assert change(coarse.ablation_depth, fine.ablation_depth) < 0.05
    for grid in (coarse, fine):
        assert change(grid.coagulation_thickness_floor, finest.coagulation_thickness_floor) < 0.05


QUANTITIES = ("ablation_depth", "coagulation_thickness_floor", "coagulation_thickness_wall")


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("energy_mj", [15.0, 20.0])
def test_deep_pass_meets_the_five_percent_bar_with_square_cells(energy_mj, quantity):
    # 4 -> 2 um, default step (module docstring): 15 mJ 0.7 / 0.6 / 1.2 %, 20 mJ
    # 0.3 / 3.8 / 4.7 % (depth / floor / cuff)
    coarse, fine = column(4e-6, energy_mj=energy_mj), column(2e-6, energy_mj=energy_mj)
    assert change(getattr(coarse, quantity), getattr(fine, quantity)) < 0.05


SMALL_STEP_CASES = [
    *[(15.0, q) for q in QUANTITIES],
    (20.0, "ablation_depth"),
    (20.0, "coagulation_thickness_floor"),
    pytest.param(
        20.0,
        "coagulation_thickness_wall",
        marks=pytest.mark.xfail(
            strict=True,
            reason="20 mJ cuff at dt_safety 0.1: 22.21 -> 23.61 um from 4 to 2 um (6.3 %; "
            "24.43 um at 1 um); the default step's 4.7 % is helped by the 4 um grid's "
            "long step",
        ),
    ),
]


@pytest.mark.parametrize(("energy_mj", "quantity"), SMALL_STEP_CASES)
def test_deep_pass_meets_the_bar_with_a_small_time_step(energy_mj, quantity):
    # dt_safety 0.1, 4 -> 2 um: 15 mJ 0 / 1.2 / 4.3 %, 20 mJ 0 / 1.0 / 6.3 %
    coarse = column(4e-6, energy_mj=energy_mj, dt_safety=0.1)
    fine = column(2e-6, energy_mj=energy_mj, dt_safety=0.1)
    assert change(getattr(coarse, quantity), getattr(fine, quantity)) < 0.05


def test_wall_cuff_converges_with_square_cells():
    coarse, fine, finest = column(4e-6), column(2e-6), column(1e-6)
    first = change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall)
    second = change(fine.coagulation_thickness_wall, finest.coagulation_thickness_wall)
    assert first < 0.10 and second < 0.10


@pytest.mark.parametrize("energy_mj", [5.0, 15.0])
def test_wall_cuff_meets_the_bar_from_4_to_2_um_with_1_um_radial_cells(energy_mj):
    # 15 mJ: depth 568 -> 568 um, floor 54.94 -> 54.37 um (1.0 %), cuff 24.01 -> 23.78 um
    # (1.0 %)
    coarse = column(4e-6, RADIAL_CELL, energy_mj=energy_mj)
    fine = column(2e-6, RADIAL_CELL, energy_mj=energy_mj)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05
    assert change(coarse.ablation_depth, fine.ablation_depth) < 0.05
    assert change(coarse.coagulation_thickness_floor, fine.coagulation_thickness_floor) < 0.05


def test_wall_cuff_converges_in_the_radial_cell_at_5_mj():
    coarse, fine = column(4e-6, RADIAL_CELL), column(4e-6, RADIAL_CELL / 2)
    assert change(coarse.coagulation_thickness_wall, fine.coagulation_thickness_wall) < 0.05


def test_wall_cuff_converges_in_the_radial_cell_at_10_mj():
    # 24.03 -> 23.97 um (0.3 %; 14.55 -> 14.78 um, 1.6 %, before the crater-wall optics);
    # before the conduction read the post-deposition temperatures, 13.68 -> 14.46 um
    # (5.4 %, a strict xfail)
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


@functools.lru_cache
def fixed_power_column(energy_mj, dt_safety=SolverOptions.dt_safety):
    """A 120 um column at 30 W (the treatment's deep pass: duration = energy / power) on
    4 um cells."""
    options = SolverOptions(grid=4e-6, after_pulse=10e-3, dt_safety=dt_safety)
    pulse = Pulse(energy_mj * 1e-3, energy_mj / 30.0 * 1e-3)
    return simulate_column(skin_for("cheek"), Beam(10.6e-6, 120e-6), pulse, options).summary


@pytest.mark.parametrize("energy_mj", [6.5, 15.0])
def test_the_default_time_step_gives_the_small_steps_crater(energy_mj):
    """The crater front crosses about 7 cells per default step at 30 W; each step's rays
    go as two half sweeps, out then in (`kernels.driver._deposit_rays`), and the crater
    is that of a ninefold smaller step: depth within 2 %, cuff within 4 % (one outward
    sweep, as before session 14: 248 against 280 um at 6.5 mJ, 524 against 564 um at
    15 mJ)."""
    default, small = fixed_power_column(energy_mj), fixed_power_column(energy_mj, 0.1)
    assert default.ablation_depth == pytest.approx(small.ablation_depth, rel=0.02)
    wall, small_wall = default.coagulation_thickness_wall, small.coagulation_thickness_wall
    assert wall == pytest.approx(small_wall, rel=0.04)
