"""The swelling's measure (`healing.wound.swelling_injury`, session 28): tissue removed or
killed per unit surface under an opened surface, to the full-field anchor's 190 um, each
column as a cylinder of its injured width. Continuity and monotonicity in the wound's depth,
width and cuff (hypothesis), the anchor, the modalities, and bad input."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resurfacer.errors import InputError
from resurfacer.healing import WoundedPass, healing_timeline, swelling_depth, swelling_injury
from resurfacer.healing.wound import injury_width_of
from resurfacer.tissue.skin import skin_for

CHEEK = skin_for("cheek", age=50, phototype=2)
D = swelling_depth()
UM = 1e-6


def column(depth, necrosis=50 * UM, cuff=30 * UM, width=150 * UM, spacing=400 * UM):
    """A fractional crater `depth` deep and `width` wide, its floor layer `necrosis` and
    wall `cuff` [m] (a cylinder: injured width = crater + 2 cuffs)."""
    return WoundedPass(
        "ablative_fractional", depth, width, depth + necrosis, width + 2 * cuff, 0.11,
        spacing, 0.02, injury_width=width + 2 * cuff,
    )  # fmt: skip


def test_the_anchor_is_190_um_and_its_wound_swells_a_week():
    """The full-field CO2 anchor (90 um ablated + 100 um residual damage) is injured to
    the depth whole and gives the full-field week (healing.toml [oedema])."""
    assert pytest.approx(190 * UM) == D
    anchor = WoundedPass("full_field", 90 * UM, math.nan, 190 * UM, math.nan, 1.0, None, 0.0)
    assert swelling_injury(anchor, D) == pytest.approx(D)
    assert healing_timeline([anchor], CHEEK).oedema_days == pytest.approx(7.0)


@settings(max_examples=60, deadline=None)
@given(
    depth=st.floats(0.0, 1500 * UM),
    deeper=st.floats(0.0, 200 * UM),
    necrosis=st.floats(5 * UM, 120 * UM),
    thinner=st.floats(0.0, 1.0),
    cuff=st.floats(0.0, 80 * UM),
)
def test_a_crater_that_deepens_into_its_own_necrosis_never_swells_less(
    depth, deeper, necrosis, thinner, cuff
):
    """More energy deepens a crater into the necrotic layer under it (thinner by up to
    all of the extra depth): the residual necrosis the swelling read until session 28
    thinned there (the surface pass's crater, the 4 um sawtooth, the subcutis); the
    wound the swelling reads now does not shrink."""
    a = swelling_injury(column(depth, necrosis, cuff), D)
    after = max(necrosis - thinner * deeper, 0.0)
    b = swelling_injury(column(depth + deeper, after, cuff), D)
    assert b >= a * (1 - 1e-12)


@settings(max_examples=60, deadline=None)
@given(depth=st.floats(0.0, 400 * UM), necrosis=st.floats(5 * UM, 120 * UM))
def test_continuous_in_the_crater_s_depth_around_the_swelling_depth_too(depth, necrosis):
    """0.1 um more wound moves the measure by at most the injured cylinder's section x
    0.1 um."""
    p = column(depth, necrosis)
    section = math.pi * p.injury_width**2 / 4 / p.spacing**2
    a = swelling_injury(column(depth, necrosis), D)
    b = swelling_injury(column(depth + 0.1 * UM, necrosis), D)
    assert 0.0 <= b - a <= section * 0.1 * UM * (1 + 1e-9)


@settings(max_examples=40, deadline=None)
@given(
    cuff=st.floats(0.0, 80 * UM),
    more=st.floats(0.0, 40 * UM),
    wider=st.floats(0.0, 100 * UM),
    depth=st.floats(4 * UM, 1e-3),
)
def test_a_wider_crater_or_a_thicker_cuff_swells_more(cuff, more, wider, depth):
    a = swelling_injury(column(depth, cuff=cuff), D)
    assert swelling_injury(column(depth, cuff=cuff + more), D) >= a
    assert swelling_injury(column(depth, cuff=cuff, width=150 * UM + wider), D) >= a


def test_like_craters_swell_less_with_er_yag_cuffs_than_with_co2_cuffs():
    """The cuff carries the modality (the solver's columns: the fractional Er:YAG
    example's cuff 5-10 um, the CO2 deep acne-scar columns' 23-32 um)."""
    er, co2 = column(300 * UM, 5 * UM, 9.4 * UM), column(300 * UM, 50 * UM, 32.1 * UM)
    assert swelling_injury(er, D) < swelling_injury(co2, D)


def test_a_column_counts_to_the_swelling_depth_and_no_deeper():
    deep, deeper = swelling_injury(column(400 * UM), D), swelling_injury(column(900 * UM), D)
    assert deep == pytest.approx(deeper)
    assert swelling_injury(column(100 * UM), D) < swelling_injury(column(400 * UM), D)


def test_the_injured_width_comes_from_the_widths_where_none_is_given():
    given = column(300 * UM, cuff=30 * UM)
    from_widths = dataclasses.replace(given, injury_width=math.nan)
    assert injury_width_of(from_widths) == pytest.approx(210 * UM)
    assert swelling_injury(from_widths, D) == pytest.approx(swelling_injury(given, D))


def test_non_ablative_and_unopened_wounds_do_not_count():
    intact = WoundedPass(
        "nonablative_fractional", 0.0, 0.0, 400 * UM, 100 * UM, 0.1, 300 * UM, 0.01
    )
    assert swelling_injury(intact, D) == 0.0
    shut = dataclasses.replace(column(0.0, cuff=0.0), surface_opening=0.0)
    assert swelling_injury(shut, D) == 0.0


@pytest.mark.parametrize("value", [-1e-6, math.inf, 0.5, "wide"])
def test_bad_injured_widths_are_refused_by_name(value):
    bad = dataclasses.replace(column(300 * UM), injury_width=value)
    with pytest.raises(InputError, match=r"passes\[0\]\.injury_width"):
        healing_timeline([bad], CHEEK)


def test_full_field_passes_are_layers_of_one_wound():
    """A review (session 28): two full-field passes counted the tissue both reach twice
    (two at 250 mJ 6.76 d against one at 500 mJ, the same wound, 4.85 d). The swelling
    takes the deepest layer; adding a pass never lowers it."""
    first = WoundedPass("full_field", 32 * UM, math.nan, 80 * UM, math.nan, 1.0, None, 0.0)
    second = dataclasses.replace(first, ablation_depth=50 * UM, coagulation_depth=100 * UM)
    one = WoundedPass("full_field", 50 * UM, math.nan, 100 * UM, math.nan, 1.0, None, 0.0)
    two = healing_timeline([first, second], CHEEK).oedema_days
    assert two == pytest.approx(healing_timeline([one], CHEEK).oedema_days)
    assert two >= healing_timeline([first], CHEEK).oedema_days
    columns = healing_timeline([first, column(400 * UM)], CHEEK).oedema_days
    assert columns > two  # fractional columns add to the layer
