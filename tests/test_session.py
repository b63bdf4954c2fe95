"""Session time: scaling with area and passes, spots per pattern, data defaults, bad input."""

import doctest

import pytest

from resurfacer.errors import InputError
from resurfacer.scan import session
from resurfacer.scan.session import patterns_needed, session_defaults, session_time

BASE = dict(
    area_cm2_total=100.0,
    pattern_size_m=10e-3,
    spots_per_pattern=400,
    repetition_rate_hz=250.0,
    n_passes=1,
    pass_delay_s=0.0,
)


def test_hand_computed_value():
    # 100 cm2 * 1.1 / 1 cm2 = 110 patterns; 400 / 250 = 1.6 s + 0.5 s each
    defaults = session_defaults()
    assert defaults["edge_overlap_factor"] == 1.1
    assert defaults["repositioning_s"] == 0.5
    assert session_time(**BASE) == pytest.approx(110 * 2.1)


def test_linear_in_area_and_passes():
    one = session_time(**BASE)
    assert session_time(**{**BASE, "area_cm2_total": 300.0}) == pytest.approx(3 * one)
    assert session_time(**{**BASE, "n_passes": 3}) == pytest.approx(3 * one)
    # with a delay: affine in passes, (n - 1) delays
    delayed = session_time(**{**BASE, "n_passes": 3, "pass_delay_s": 60.0})
    assert delayed == pytest.approx(3 * one + 2 * 60.0)


def test_more_spots_take_longer_and_faster_rate_is_quicker():
    base = session_time(**BASE)
    assert session_time(**{**BASE, "spots_per_pattern": 800}) > base
    assert session_time(**{**BASE, "repetition_rate_hz": 500.0}) < base
    assert session_time(**{**BASE, "repositioning_s": 0.0}) == pytest.approx(110 * 1.6)


def test_hexagon_pattern_area():
    square = patterns_needed(100.0, 10e-3, "square", 1.0)
    hexagon = patterns_needed(100.0, 10e-3, "hexagon", 1.0)
    assert square == pytest.approx(100.0)
    assert hexagon == pytest.approx(100.0 / (3**0.5 / 2))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"area_cm2_total": -1.0}, "area_cm2_total"),
        ({"pattern_size_m": 0.0}, "pattern_size_m"),
        ({"spots_per_pattern": 0}, "spots_per_pattern"),
        ({"repetition_rate_hz": 0.0}, "repetition_rate_hz"),
        ({"n_passes": 0}, "n_passes"),
        ({"repositioning_s": -0.1}, "repositioning_s"),
        ({"pass_delay_s": float("inf")}, "pass_delay_s"),
        ({"pattern_shape": "triangle"}, "pattern_shape"),
        ({"pattern_shape": "line"}, "spacing_m"),
        ({"edge_overlap_factor": 0.9}, "edge_overlap_factor"),
    ],
)
def test_bad_input_names_the_argument(change, field):
    with pytest.raises(InputError) as err:
        session_time(**{**BASE, **change})
    assert err.value.field == field


def test_docstring_example():
    assert doctest.testmod(session).failed == 0


def test_line_pattern_covers_a_strip_per_row():
    """A line of length L stands for the strip L x spacing (scan.pattern.pattern_area)."""
    line = session_time(**{**BASE, "pattern_shape": "line", "spacing_m": 0.5e-3})
    square = session_time(**BASE)
    size = BASE["pattern_size_m"]
    # same spots per pattern and repositioning: time scales with the patterns needed
    assert line / square == pytest.approx(size * size / (size * 0.5e-3))
