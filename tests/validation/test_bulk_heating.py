"""Bulk heating by superposition: energy closure, agreement with a 3-D grid, real columns.

1. Energy: the space integral of rho c dT of the superposed field equals the
   released heat times exp(-w tau) (each Green's function and its image
   integrate to one over the half-space). Integrated numerically by the
   midpoint rule on 20 um cells over a box much larger than the heated
   region: tolerance 1e-4, the quadrature error of the widest Gaussians.
   The solver's own balance (`held_heat`, `PatternHeating.energy_balance_error`)
   agrees with that box integral, closes to 1e-8 (measured 5e-12 to 2e-9), and
   opens when the kernel's heat is off by 0.1 %.
2. A 3 x 3 patch of columns (400 um pitch, interlaced, 100 Hz) solved two
   ways: the superposition (exact for the homogeneous half-space) and the
   explicit 3-D grid of `validation_grid_temperature` (20 um cells, insulated
   top, body temperature 0.5 mm beyond the patch and 1.2 mm deep). Measured:
   peak rises agree to 0.2 % at 100, 300 and 500 um depth, whole histories to
   0.6 % of the peak rise. Tolerance 2 %: the grid's O(h^2) error with Gaussian
   sources of 25-55 um sd on 20 um cells is ~0.1-0.5 %, the far-field
   truncation is below that at 0.4 s; point sources on the same grid measure
   1-2 % (one cell holds the whole source at release), so 2 % covers both.
3. A real column from the column solver: its sources hold exactly its stored
   heat and are released after its simulated time.
"""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

from resurfacer.errors import InputError
from resurfacer.scan import bulk_heating as B
from resurfacer.scan import pattern as P
from resurfacer.tissue.skin import skin_for
from support import grid_solver

SKIN = skin_for("cheek")
PROPS = B.bulk_properties(SKIN)
#: 5 mJ, 120 um, 0.5 ms CO2 column on the cheek, reduced by ``sources_from_column``
#: (5 um grid), rounded.
SOURCES = B.ColumnSources(
    depth=np.array([34e-6, 106e-6, 184e-6, 259e-6, 325e-6]),
    energy=np.array([647e-6, 225e-6, 117e-6, 84e-6, 26e-6]),
    variance=np.array([3.05e-9, 1.97e-9, 1.39e-9, 0.85e-9, 0.68e-9]),
    release_delay=5.5e-3,
)


def _patch(spacing=400e-6, n=3, rate=100.0):
    x, y = P.pattern_positions("square", n * spacing, spacing)
    order = P.firing_order(x.size, "interlaced", columns_per_row=n)
    fire = np.empty(x.size)
    fire[order] = P.firing_times(x.size, rate)
    return x, y, np.column_stack([x, y]), fire


def test_energy_of_superposed_field_equals_released_heat():
    _, _, pos, fire = _patch(spacing=300e-6, n=2, rate=50.0)
    h = 20e-6
    g = np.arange(-1.2e-3, 1.2e-3 + 1e-9, h)
    zc = (np.arange(60) + 0.5) * h  # 0 .. 1.2 mm
    xx, yy, zz = np.meshgrid(g, g, zc, indexing="ij")
    points = np.column_stack([xx.ravel(), yy.ravel(), zz.ravel()])
    times = np.array([0.03, 0.08])  # some columns released, then all
    rise = B.bulk_temperature_rise(SOURCES, pos, fire, points, times, PROPS)
    stored = PROPS.rho_c * rise.sum(axis=0) * h**3
    expected = B.released_heat(SOURCES, fire, times, PROPS)
    assert expected[0] < expected[1] < 4 * SOURCES.total_energy
    assert_allclose(stored, expected, rtol=1e-4)
    # the solver's quadrature of the same kernels holds what the box holds
    held = [B.held_heat(SOURCES, pos, fire, t, PROPS) for t in times]
    assert_allclose(held, stored, rtol=1e-8)  # measured 5e-10 (the box: 3e-13)


def test_held_heat_of_cell_averaged_earlier_columns_is_what_the_box_holds():
    """With an earlier pattern averaged over its cells (`EarlierPattern`, a lattice
    offset from the pattern's and a rectangle's cell), `held_heat`'s lateral midpoint rule
    holds what the box integral of the field holds (1e-8; measured 4e-10), and both the
    released heat (the box on 30 um cells: 3e-10)."""
    _, _, pos, fire = _patch(spacing=300e-6, n=2, rate=50.0)
    earlier = [B.EarlierPattern(SOURCES, pos + [90e-6, -210e-6], fire - 0.02, (300e-6, 300e-6)),
               B.EarlierPattern(SOURCES, pos - 50e-6, fire - 0.05, (400e-6, 0.0))]  # fmt: skip
    h = 30e-6
    g = np.arange(-1.2e-3, 1.2e-3 + 1e-9, h)
    zc = (np.arange(40) + 0.5) * h  # 0 .. 1.2 mm
    xx, yy, zz = np.meshgrid(g, g, zc, indexing="ij")
    points = np.column_stack([xx.ravel(), yy.ravel(), zz.ravel()])
    t = 0.08
    rise = B.bulk_temperature_rise(SOURCES, pos, fire, points, [t], PROPS, earlier)
    stored = PROPS.rho_c * rise.sum() * h**3
    every = np.concatenate([fire, fire - 0.02, fire - 0.05])
    assert stored == pytest.approx(B.released_heat(SOURCES, every, t, PROPS)[0], rel=1e-4)
    held = B.held_heat(SOURCES, pos, fire, t, PROPS, earlier)
    assert held == pytest.approx(stored, rel=1e-8)


@pytest.mark.parametrize("cooling", [0.0, 0.5, 5.0])
def test_pattern_heating_reports_a_closed_energy_balance(cooling):
    """released = held + perfused at the pattern's end, as `pattern_heating` reports it
    (measured: 3e-10, 5e-12, 2e-9 with the Gaussian sources; the quadrature's own
    error is below 1e-8)."""
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    heat = B.pattern_heating(SOURCES, pos, fire, PROPS, probes, cooling_time=cooling)
    assert heat.released_energy == pytest.approx(9 * SOURCES.total_energy)
    assert 0.0 < heat.perfused_energy < heat.held_energy
    assert heat.energy_balance_error < 1e-8
    assert heat.to_dataset().attrs["energy_balance_error"] == heat.energy_balance_error


def test_energy_balance_opens_when_the_kernel_is_off(monkeypatch):
    """The balance reads the kernel itself: 0.1 % too much heat in it shows as a residual
    of 0.1 % of the heat still held."""
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    true_kernel = B.superpose

    def off_kernel(*args):
        return 1.001 * true_kernel(*args)

    monkeypatch.setattr(B, "superpose", off_kernel)
    heat = B.pattern_heating(SOURCES, pos, fire, PROPS, probes)
    expected = 1e-3 * heat.held_energy / 1.001 / heat.released_energy
    assert heat.energy_balance_error == pytest.approx(expected, rel=1e-4)


def test_superposition_matches_3d_grid():
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6, (100e-6, 300e-6, 500e-6))
    times = np.linspace(0.0, 0.4, 81)
    sup = B.bulk_temperature(SOURCES, pos, fire, probes, times, PROPS)
    grid = grid_solver.validation_grid_temperature(
        SOURCES, pos, fire, probes, times, PROPS, cell=20e-6, margin=500e-6, depth=1.2e-3
    )
    rise_sup = sup.max(axis=1) - PROPS.body_temperature
    rise_grid = grid.max(axis=1) - PROPS.body_temperature
    assert np.all(rise_sup > 0.5)
    assert_allclose(rise_grid, rise_sup, rtol=0.02)
    assert np.max(np.abs(grid - sup), axis=1) == pytest.approx(0.0, abs=0.02 * rise_sup.max())


@pytest.mark.slow
def test_sources_from_a_real_column():
    from resurfacer.column.solve import SolverOptions, simulate_column
    from resurfacer.laser.beam import Beam, Pulse

    result = simulate_column(
        SKIN, Beam(10.6e-6, 120e-6), Pulse(3e-3, 0.3e-3), SolverOptions(grid=5e-6, after_pulse=2e-3)
    )
    src = B.sources_from_column(result, n_sources=5)
    assert src.total_energy == pytest.approx(result.summary.energy.stored, rel=1e-9)
    assert src.release_delay == result.summary.simulated_time
    assert np.all(np.diff(src.depth) > 0) and np.all(src.variance > 0)
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    heat = B.pattern_heating(src, pos, fire, PROPS, probes, n_times=101)
    assert np.all(np.isfinite(heat.temperature))
    assert np.all(heat.peak_temperature > PROPS.body_temperature)


# ------------------------------------------------- earlier passes on the same place
def _earlier(fire, offset, pos, cell=(0.0, 0.0)):
    """The 3 x 3 patch fired again, `offset` [s] before the pattern's clock starts, its
    columns averaged over `cell` [m] (none by default: on the pattern's own columns)."""
    return B.EarlierPattern(SOURCES, pos, fire - offset, cell)


def test_an_earlier_pattern_adds_its_own_history_at_the_same_points_shifted_in_time():
    """Superposition at the pattern's own probes: the earlier pattern's term at time t is
    that pattern's history at t + offset, at the same points (linearity, one kernel);
    fired at the same time it doubles the rise, and long before it leaves nothing."""
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    times = np.linspace(0.0, 0.4, 41)
    own = B.bulk_temperature_rise(SOURCES, pos, fire, probes, times, PROPS)
    for offset in (0.0, 0.05, 2.0):
        both = B.bulk_temperature_rise(
            SOURCES, pos, fire, probes, times, PROPS, [_earlier(fire, offset, pos)]
        )
        shifted = B.bulk_temperature_rise(SOURCES, pos, fire, probes, times + offset, PROPS)
        assert_allclose(both, own + shifted, rtol=1e-12, atol=1e-14)
    same_time = [_earlier(fire, 0.0, pos)]
    doubled = B.bulk_temperature_rise(SOURCES, pos, fire, probes, times, PROPS, same_time)
    assert_allclose(doubled, 2.0 * own, rtol=1e-12)
    long_ago = [_earlier(fire, 1e4, pos)]  # e^{-w t}: perfused away
    assert_allclose(
        B.bulk_temperature_rise(SOURCES, pos, fire, probes, times, PROPS, long_ago),
        own,
        atol=1e-9,
    )


CELL = (400e-6, 400e-6)  # the patch's lattice cell
SHIFT = np.array([130e-6, -270e-6])  # a registration of the earlier lattice


@pytest.mark.parametrize(
    ("offset", "cell"),
    [(0.0, (0.0, 0.0)), (0.3, (0.0, 0.0)), (0.0, CELL), (0.05, CELL), (0.3, CELL), (3.0, CELL)],
)
def test_the_energy_balance_closes_with_the_earlier_patterns_counted(offset, cell):
    """released (own + earlier) = held + perfused; leaving the earlier pattern's heat out
    of the held heat would open it by the share that pattern still holds. The earlier
    pattern on the pattern's own columns as Gaussians, or offset and averaged over its
    cells (as `treatment` places it)."""
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    earlier = [_earlier(fire, offset, pos + (SHIFT if cell[0] else 0.0), cell)]
    heat = B.pattern_heating(SOURCES, pos, fire, PROPS, probes, earlier=earlier)
    assert heat.released_energy == pytest.approx(18 * SOURCES.total_energy, rel=1e-12)
    assert heat.earlier_energy == pytest.approx(9 * SOURCES.total_energy, rel=1e-12)
    assert heat.energy_balance_error < 1e-8
    alone = B.pattern_heating(SOURCES, pos, fire, PROPS, probes)
    assert heat.held_energy > alone.held_energy
    assert np.all(heat.peak_temperature > alone.peak_temperature)
    assert heat.to_dataset().attrs["earlier_energy_j"] == heat.earlier_energy


def test_an_earlier_pattern_still_firing_is_followed_to_its_last_release():
    """An earlier pattern whose last columns fire after this pattern's last release
    stretches the window to them, so every column is released by the balance's time."""
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    slow = B.EarlierPattern(SOURCES, pos, 10.0 * fire - 0.01, (400e-6, 400e-6))  # 10 Hz
    heat = B.pattern_heating(SOURCES, pos, fire, PROPS, probes, cooling_time=0.5, earlier=[slow])
    assert heat.times[-1] == pytest.approx(10.0 * fire.max() - 0.01 + 0.5 + SOURCES.release_delay)
    assert heat.energy_balance_error < 1e-8


def test_a_pattern_s_own_terms_are_reused_across_its_histories():
    """`own` (the pattern without earlier ones) gives the same histories and balance as
    summing every term again; an `own` on other times is not used."""
    x, y, pos, fire = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    alone = B.pattern_heating(SOURCES, pos, fire, PROPS, probes)
    earlier = [_earlier(fire, 0.3, pos)]
    full = B.pattern_heating(SOURCES, pos, fire, PROPS, probes, earlier=earlier)
    reused = B.pattern_heating(SOURCES, pos, fire, PROPS, probes, earlier=earlier, own=alone)
    assert_allclose(reused.temperature, full.temperature, rtol=1e-13)
    assert reused.held_energy == pytest.approx(full.held_energy, rel=1e-9)
    assert reused.energy_balance_error < 1e-8
    other = B.pattern_heating(SOURCES, pos, fire, PROPS, probes, cooling_time=0.2)
    fallback = B.pattern_heating(SOURCES, pos, fire, PROPS, probes, earlier=earlier, own=other)
    assert_allclose(fallback.temperature, full.temperature, rtol=1e-13)


def _lattice(n=15, pitch=400e-6):
    """Column centres of an n x n square lattice centred on the patch's centre [m]."""
    return np.column_stack(P.pattern_positions("square", n * pitch, pitch))


def _added_rise(earlier, probes, times):
    """The rise [K] that the `earlier` patterns add to the patch's own at the probes."""
    _, _, pos, fire = _patch()
    return B.bulk_temperature_rise(
        SOURCES, pos, fire, probes, times, PROPS, earlier
    ) - B.bulk_temperature_rise(SOURCES, pos, fire, probes, times, PROPS)


def test_an_earlier_lattice_s_heat_does_not_depend_on_where_it_lies():
    """A 15 x 15 lattice (400 um) whose columns were all fired 0.05 s before the patch,
    their heat spread over 90-140 um by the patch's shots, under a pitch. Averaged over
    their cells, the rise it adds at the patch's probes is the same, to 1e-9 of its
    largest value (measured 1e-14), wherever the lattice lies (shifted by 0, 1/5, ..
    4/5 of a pitch in x and y): the cells tile the plane at any shift, so only the
    lattice's edge, 7 pitches away, could tell. It is the lattice's periodic mean,
    ``sum_k Q_k e^{-w tau} Z_k(z) / (rho c p^2)`` (Z the depth factor with its image).
    As Gaussians (cell 0, the model until session 25) the same shifts moved it by up to
    97 % of its largest value."""
    x, y, _, _ = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    times = np.linspace(0.0, 0.4, 21)
    fire = np.full(225, -0.05)
    shifts = [np.array([i, j]) * 80e-6 for i in range(5) for j in range(5)]
    change = {}
    for cell in (CELL, (0.0, 0.0)):
        added = np.array(
            [_added_rise([B.EarlierPattern(SOURCES, _lattice() + d, fire, cell)], probes, times)
             for d in shifts]  # fmt: skip
        )
        change[cell] = np.max(np.ptp(added, axis=0) / np.max(added, axis=0))
    assert change[CELL] < 1e-9 and change[0.0, 0.0] > 0.5
    added = _added_rise([B.EarlierPattern(SOURCES, _lattice(), fire, CELL)], probes, times)
    tau = times[None, :, None] + 0.05 - SOURCES.release_delay
    s2 = SOURCES.variance + 2.0 * PROPS.diffusivity * tau
    z, zk = probes[:, 2, None, None], SOURCES.depth
    depth = (np.exp(-((z - zk) ** 2) / (2 * s2)) + np.exp(-((z + zk) ** 2) / (2 * s2))) / np.sqrt(
        2 * np.pi * s2
    )
    mean = np.sum(SOURCES.energy * np.exp(-PROPS.perfusion_rate * tau) * depth, axis=2)
    assert_allclose(added, mean / (PROPS.rho_c * 400e-6**2), rtol=1e-9)


def test_long_after_an_earlier_pattern_its_cells_read_as_its_columns():
    """When the earlier heat has spread over more than a pitch (the 15 x 15 lattice
    raster-scanned at 250 Hz, its last shot 2 s before the patch: s >= 550 um, 1.4
    pitches), averaging its columns over their cells changes the rise it adds at the
    probes by under 1 % (measured: 1.6e-5 of it; a lattice sum of Gaussians differs from
    its periodic mean by about exp(-2 pi^2 s^2 / p^2)): the discrete sum is recovered."""
    x, y, _, _ = _patch()
    probes = B.between_column_probes(x, y, 400e-6)
    times = np.linspace(0.0, 0.4, 21)
    fire = np.arange(225) / 250.0 - 225 / 250.0 - 2.0
    cells, columns = (
        _added_rise([B.EarlierPattern(SOURCES, _lattice(), fire, cell)], probes, times)
        for cell in (CELL, (0.0, 0.0))
    )
    assert_allclose(cells, columns, rtol=1e-2)


def test_an_earlier_pattern_s_cell_is_validated():
    _, _, pos, fire = _patch()
    for bad, field in (((1e-4,), "cell"), ((1e-4, -1e-4), "cell[1]"), ((np.nan, 0.0), "cell[0]")):
        with pytest.raises(InputError, match=re.escape(field)):
            B.EarlierPattern(SOURCES, pos, fire, bad)
    assert B.EarlierPattern(SOURCES, pos, fire, [4e-4, 4e-4]).cell == (4e-4, 4e-4)
