"""Published measurements at settings like a user's column (`column.published`):
which rows match, the column's reading against each row's bound, and where they show
(`resurfacer mtz`, `simulate`'s model notes)."""

import json
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resurfacer.cli import main
from resurfacer.column.published import (
    BOUNDS,
    LIKE_FACTOR,
    SUMMARY_READINGS,
    neighbour_cautions,
    number,
    published_neighbours,
    within_bound,
)
from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.plan.schema import Plan
from resurfacer.tissue.skin import skin_for
from resurfacer.treatment import simulate
from resurfacer.validation.column import TABLE
from resurfacer.validation.tables import read_rows

ROWS = {r["id"]: r for r in read_rows(TABLE)}


@pytest.fixture(scope="module")
def deep_80():
    """A 120 um CO2 column at 80 mJ and 30 W on the cheek (the eCO2 rows' setting)."""
    pulse = Pulse(80e-3, 80e-3 / 30.0)
    return simulate_column(
        skin_for("cheek"), Beam(10.6e-6, 120e-6, "gaussian"), pulse, SolverOptions(grid=4e-6)
    )


def _ids(summary, inputs) -> set[str]:
    return {n.id for n in published_neighbours(summary, inputs)}


def test_an_80_mj_column_meets_the_rows_at_80_mj_and_120_to_150_um(deep_80):
    # col-033/035: 120 um tip at 80 mJ (crater, coagulation); col-045: 150 um at 80 mJ
    assert _ids(deep_80.summary, deep_80.inputs) == {"col-033", "col-035", "col-045"}


def test_each_reading_is_the_columns_and_is_held_to_the_rows_bound_as_validate_does(deep_80):
    neighbours = published_neighbours(deep_80.summary, deep_80.inputs)
    for n in neighbours:
        row = ROWS[n.id]
        assert n.model == pytest.approx(SUMMARY_READINGS[n.quantity](deep_80.summary) * 1e6)
        low, high = number(row, "measured_low"), number(row, "measured_high")
        expected = within_bound(n.model, n.measured, low, high, BOUNDS[n.quantity])
        assert (n.within, n.bound) == expected
    cautions = neighbour_cautions(neighbours)
    assert len(cautions) == sum(not n.within for n in neighbours)
    for n in (n for n in neighbours if not n.within):
        assert any(n.id in c and f"{n.measured:.0f} um" in c for c in cautions)


def _with(inputs, **changes):
    return {**inputs, **changes}


def test_settings_match_within_the_like_factor_and_not_beyond(deep_80):
    s, inputs = deep_80.summary, deep_80.inputs
    edge = 80e-3 / LIKE_FACTOR
    assert "col-033" in _ids(s, _with(inputs, pulse_energy_j=edge * 1.001))
    assert "col-033" not in _ids(s, _with(inputs, pulse_energy_j=edge * 0.99))
    # spot 96 um: like the 120 um tip, not the 150 um of col-045
    assert _ids(s, _with(inputs, spot_diameter_m=96.5e-6)) == {"col-033", "col-035"}
    assert not _ids(s, _with(inputs, wavelength_m=10.6e-6 * 1.02))
    assert not _ids(s, _with(inputs, stack=2))
    assert not _ids(s, _with(inputs, pulse_energy_j=15e-3))


@settings(max_examples=60, deadline=None)
@given(energy_mj=st.floats(5.0, 300.0), spot_um=st.floats(50.0, 1500.0))
def test_every_neighbour_is_within_the_like_factor(deep_80, energy_mj, spot_um):
    inputs = _with(deep_80.inputs, pulse_energy_j=energy_mj * 1e-3, spot_diameter_m=spot_um * 1e-6)
    for n in published_neighbours(deep_80.summary, inputs):
        row = ROWS[n.id]
        assert abs(math.log(number(row, "pulse_energy_mj") / energy_mj)) <= math.log(
            LIKE_FACTOR
        ) + 1e-9
        assert abs(math.log(number(row, "spot_um") / spot_um)) <= math.log(LIKE_FACTOR) + 1e-9


def _erbium_full_field(column):
    """`column`'s inputs as a 3 mm Er:YAG top-hat at 10 J/cm2 (Kaufmann & Hibst's rows)."""
    area = math.pi * 3e-3**2 / 4
    return _with(
        column.inputs,
        wavelength_m=2.94e-6,
        spot_diameter_m=3e-3,
        profile="tophat",
        geometry="wide",
        pulse_energy_j=10.0 * 1e4 * area,
    )


def test_a_wide_top_hat_meets_full_field_rows_by_mean_fluence(deep_80):
    inputs = _erbium_full_field(deep_80)
    assert _ids(deep_80.summary, inputs) == {"col-004", "col-005", "col-006"}
    assert not _ids(deep_80.summary, _with(inputs, profile="gaussian"))
    assert not _ids(deep_80.summary, _with(inputs, geometry="column"))


def test_the_row_settings_name_the_repetition_rate_where_published(deep_80):
    inputs = _erbium_full_field(deep_80)
    by_id = {n.id: n for n in published_neighbours(deep_80.summary, inputs)}
    assert "pulses at 10 Hz" in by_id["col-005"].setting
    assert "Hz" not in by_id["col-006"].setting


def test_no_row_the_model_takes_as_an_input_is_a_column_reading():
    # so no such row can be set beside a column as if it were a check
    assert all(ROWS[row_id]["quantity"] not in SUMMARY_READINGS for row_id in TABLE.inputs)


def test_mtz_lists_the_rows_in_text_and_json(capsys):
    args = ["mtz", "--energy-mj", "80", "--spot-um", "120", "--grid-um", "4", "--no-m2-band"]
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    ids = {n["id"] for n in summary["published_neighbours"]}
    assert {"col-033", "col-035"} <= ids
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "published measurements at like settings" in table
    assert "col-033" in table


def test_mtz_says_when_no_published_row_is_near(capsys):
    assert main(["mtz", "--energy-mj", "5", "--grid-um", "4", "--after-ms", "3"]) == 0
    assert "none in the package" in capsys.readouterr().out


ACNE = Path(__file__).parents[1] / "examples" / "co2-deep-acne-scars-cheek.toml"


def test_simulate_notes_a_pass_whose_column_disagrees_with_a_published_row():
    data = tomllib.loads(ACNE.read_text())
    data["passes"][0]["pulse_energy_mj"] = 70.0  # within 1.25x of the eCO2 rows' 80 mJ
    notes = simulate(Plan.from_data(data)).summary.model_notes
    assert any("col-033" in n and n.startswith("pass 1") for n in notes)


def _intact_surface_note(wavelength, spot, energy, power, age, phototype):
    """A column on the cheek that keeps its surface intact, and the intact-surface
    caution its summary would carry had it opened the surface (as it did until session
    30, when a stratum corneum dried by the heat under it still counted in part)."""
    from dataclasses import replace as swap

    from resurfacer.column.published import intact_surface_cautions

    skin = skin_for("cheek", sex="female", age=age, phototype=phototype)
    beam, pulse = Beam(wavelength, spot), Pulse(energy, energy / power)
    column = simulate_column(skin, beam, pulse, SolverOptions(grid=4e-6, photons=50_000))
    assert column.summary.surface_opening == 0.0
    assert not [w for w in column.warnings if "stratum corneum intact" in w]
    opened = swap(column.summary, surface_opening=0.05)
    (note,) = intact_surface_cautions(opened, column.inputs)
    return column, note


def test_a_1550_column_that_opens_the_surface_is_set_beside_the_intact_rows():
    # found in session 19: a 12.5 mJ 1,550 nm pass healed as ablative without a word,
    # where Fraxel histology keeps the stratum corneum intact to 40 mJ (col-049 to 051).
    # Since session 29 (a dried cell lets the light on) the column's top cell left the
    # boiling plateau only from about 40 mJ, by a few per cent of its way to removal, and
    # since session 30 that dried stratum corneum, which absorbs none of the scattered
    # light, counts intact: the 40 mJ column agrees with the rows, and the caution stands
    # for a column that would open the surface
    from dataclasses import replace as swap

    from resurfacer.column.published import intact_surface_cautions

    column, note = _intact_surface_note(1550e-9, 100e-6, 40e-3, 30.0, 40, 2)
    assert "col-049" in note and "up to 40 mJ" in note
    intact = swap(column.summary, surface_opening=0.0, ablation_depth=0.0)
    assert intact_surface_cautions(intact, column.inputs) == []
    opened = swap(column.summary, surface_opening=0.05)
    beyond = {**column.inputs, "pulse_energy_j": 70e-3}  # past the rows' energies
    assert intact_surface_cautions(opened, beyond) == []


def test_a_1927_column_that_opens_the_surface_names_the_non_ablative_row():
    # session 24 (a probe): the 1,927 nm device opened the cheek from about 12 mJ, inside its
    # 5-20 mJ clinical range, and healed as an opened wound with no caution; col-052 (a
    # review: non-ablative up to the range's top) now stands beside it. Since session 29
    # the device's own 344 um spot leaves the surface on the plateau to 20 mJ; a 100 um
    # spot at 10 mJ boiled the top cell dry and a little past it, which counts intact
    # since session 30 (the dried stratum corneum absorbs none of the scattered light)
    _, note = _intact_surface_note(1927e-9, 100e-6, 10e-3, 20.0, 45, 3)
    assert "col-052" in note and "up to 20 mJ" in note


def test_a_pass_on_a_surface_earlier_passes_opened_is_not_set_beside_intact_rows():
    """Session 30's probe: a 1,550 nm pass fired after a full-field CO2 pass (which took
    the stratum corneum) was said to open a surface that published rows find intact
    ("1 %, crater 0 um"); those rows are of intact skin and do not apply there."""
    from resurfacer.column.published import INTACT_SURFACE_CAUTION

    plan = {
        "name": "full field then 1,550 nm",
        "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"site": "cheek", "area_cm2": 50}],
        "passes": [
            {"device": "co2_full_field"},
            {"device": "nonablative_1550", "pulse_energy_mj": 40, "mtz_per_cm2": 250},
        ],
    }
    parsed = Plan.from_data(plan)
    outcome = simulate(parsed)
    column = outcome.columns[1, parsed.site_areas[0].region]
    assert column.summary.surface_opening > 0  # its own top row, on the stripped skin
    assert [w for w in column.warnings if INTACT_SURFACE_CAUTION in w]  # the column's own
    assert not [n for n in outcome.summary.model_notes if INTACT_SURFACE_CAUTION in n]
