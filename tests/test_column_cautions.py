"""Cautions that must fire where the column's figures rest on an approximation (found by
probes in session 23)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from resurfacer.column.cautions import (
    pocket_cautions,
    scattering_source_cautions,
    threshold_cautions,
)
from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.tissue.skin import skin_for

INPUTS = {"grid_m": 4e-6, "heat_source": "monte_carlo", "wavelength_m": 2.68e-6}
CHEEK = skin_for("cheek")


def _fields(desiccated=None, ablated=None):
    shape = (4, 5)
    blank = np.zeros(shape, dtype=bool)
    return {
        "desiccated": SimpleNamespace(values=blank if desiccated is None else desiccated),
        "ablated": SimpleNamespace(values=blank if ablated is None else ablated),
    }


def test_a_crater_on_a_monte_carlo_map_is_cautioned():
    crater = SimpleNamespace(ablation_depth=88e-6, desiccation_depth=0.0)
    (note,) = scattering_source_cautions(crater, INPUTS, CHEEK)
    assert "88 um" in note.replace("µm", "um") and "Monte Carlo" in note
    traced = {**INPUTS, "heat_source": "beer_lambert"}
    assert scattering_source_cautions(crater, traced, CHEEK) == []
    none = SimpleNamespace(ablation_depth=0.0, desiccation_depth=0.0)
    assert scattering_source_cautions(none, INPUTS, CHEEK) == []


def test_a_column_dried_near_the_light_model_switch_says_so():
    """2,680 nm is traced by the Monte Carlo map, 2,690 nm by Beer-Lambert rays. Session
    23 found 88 um of crater at 2,680 nm against 560 um at 2,690 nm; since session 29 a
    dried cell at 2,680 nm lets the light on and the column removes nothing, so the step
    is cautioned from the dried depth. A 1,550 nm column dried as deep is not: the switch
    is far from it."""
    options = SolverOptions(grid=4e-6, after_pulse=5e-3)
    mc = simulate_column(skin_for("cheek"), Beam(2.68e-6, 120e-6), Pulse(10e-3, 0.333e-3), options)
    assert mc.inputs["heat_source"] == "monte_carlo" and mc.summary.desiccation_depth > 0
    assert any("steps across that change" in w for w in mc.warnings)
    dried = SimpleNamespace(ablation_depth=0.0, desiccation_depth=100e-6)
    assert scattering_source_cautions(dried, {**INPUTS, "wavelength_m": 1.55e-6}, CHEEK) == []


def test_a_surface_opened_off_the_axis_is_at_its_threshold():
    # the caution read only the cell on the axis; surface_opening reads the top row
    top = np.zeros((4, 5), dtype=bool)
    top[0, 3] = True
    summary = SimpleNamespace(ablation_depth=0.0, surface_opening=0.036, desiccation_depth=48e-6)
    (note,) = threshold_cautions(summary, INPUTS)
    assert "4% opened" in note


def test_a_steam_pocket_says_how_far_healing_counts_the_skin_opened():
    pocket = np.zeros((8, 5), dtype=bool)
    pocket[5:6, 0] = True
    opened = SimpleNamespace(surface_opening=0.18)
    (note,) = pocket_cautions(opened, _fields(ablated=pocket), INPUTS)
    assert "18% opened" in note
    intact = SimpleNamespace(surface_opening=0.0)
    (closed,) = pocket_cautions(intact, _fields(ablated=pocket), INPUTS)
    assert "closed" in closed and "did not boil dry" in closed
    # session 30's review: a 1,550 nm stratum corneum dried by the heat under it counts 0
    # opened; the note said "did not boil dry" over it
    top = np.zeros((8, 5), dtype=bool)
    top[0, 0] = True
    (dried,) = pocket_cautions(intact, _fields(ablated=pocket, desiccated=top), INPUTS)
    assert "closed" in dried and "boiled dry but" in dried and "did not" not in dried


def test_a_scattered_light_column_whose_stratum_corneum_dried_is_not_at_a_threshold():
    """Session 30: where the light scatters, a top row dried by the heat under it absorbs
    none of the beam (its dry share s = 0) and counts 0 opened (`summary.surface_opening`);
    the pass is not at its ablation threshold. Under rays (s = 1) the same dried top row
    counts its progress towards removal, and the pass is."""
    from resurfacer.column.summary import surface_opening

    peak = np.full((4, 5), 60.0)
    peak[0, 0] = 110.0  # the top cell boiled dry, 10 K on towards removal
    void = np.zeros((4, 5), dtype=bool)
    rise = np.full(4, 100.0)
    for share, expected in ((0.0, 0), (1.0, 1)):
        opening = surface_opening(peak, void, 100.0, rise, share)
        summary = SimpleNamespace(
            ablation_depth=0.0, surface_opening=opening, desiccation_depth=48e-6
        )
        notes = threshold_cautions(summary, INPUTS)
        assert len(notes) == expected
    assert "boiled dry to 48 um" in notes[0] and "10% opened" in notes[0]
