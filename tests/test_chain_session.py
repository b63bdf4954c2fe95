"""Session time, combined coverage and source cautions of a treatment, per treated area
(found by a probe in session 23: each was computed from the pass as written or from its
largest area's settings)."""

from __future__ import annotations

import copy

import pytest

from resurfacer.plan import Plan
from resurfacer.treatment import simulate

PATIENT = {"sex": "female", "age_years": 50, "phototype": 2}


def _plan(areas, passes) -> dict:
    return {"name": "probe", "patient": PATIENT, "areas": areas, "passes": passes}


def _summary(data):
    return simulate(Plan.from_data(data)).summary


def _deep(**fields):
    return {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 10, **fields}


def _surface(**fields):
    return {"device": "co2_dual", "mode": "surface", **fields}


def _two_areas(forehead_cm2: float) -> dict:
    return _plan(
        [{"site": "forehead", "area_cm2": forehead_cm2}, {"site": "cheek", "area_cm2": 60.5}],
        [_deep(density_percent=2, regions={"cheek": {"density_percent": 20}})],
    )


def test_each_area_is_timed_with_its_own_settings():
    # the forehead passing the cheek by 0.5 cm2 timed the whole pass at 2 % (2.4 min)
    # instead of 20 % (14.1 min) before session 23
    below, above = _summary(_two_areas(60.0)), _summary(_two_areas(61.0))
    assert above.session_minutes == pytest.approx(below.session_minutes, rel=0.03)
    alone = [
        _summary(_plan([{"site": s, "area_cm2": a}], [_deep(density_percent=d)]))
        for s, a, d in (("forehead", 60.0, 2), ("cheek", 60.5, 20))
    ]
    assert below.session_minutes == pytest.approx(sum(s.session_minutes for s in alone))


@pytest.mark.parametrize("low, high", [(39.5, 40.0), (40.0, 40.5), (40.5, 41.0)])
def test_session_time_moves_with_density_as_the_spot_count_does(low, high):
    # the lattice's whole spot count stepped the time by 11 % from 40 to 40.5 %
    cheek = [{"site": "cheek", "area_cm2": 100}]
    a = _summary(_plan(cheek, [_surface(density_percent=low)]))
    b = _summary(_plan(cheek, [_surface(density_percent=high)]))
    time_ratio = b.session_minutes / a.session_minutes
    spot_ratio = b.passes[0].spots / a.passes[0].spots
    assert 1.0 < time_ratio < spot_ratio


def test_the_first_pass_delay_is_not_session_time():
    data = _plan([{"site": "cheek", "area_cm2": 50}], [_surface(), _deep(density_percent=5)])
    base = _summary(data).session_minutes
    first, second = copy.deepcopy(data), copy.deepcopy(data)
    first["passes"][0]["pass_delay_s"] = 600
    second["passes"][1]["pass_delay_s"] = 600
    assert _summary(first).session_minutes == pytest.approx(base)
    assert _summary(second).session_minutes == pytest.approx(base + 10.0)


def test_combined_coverage_counts_the_passes_fired_on_each_area():
    # two passes of 40 % on two different areas read 64 % before session 23
    areas = [{"site": "cheek", "area_cm2": 50}, {"site": "forehead", "area_cm2": 50}]
    passes = [
        _surface(density_percent=40, regions={"forehead": {"skip": True}}),
        _surface(density_percent=40, regions={"cheek": {"skip": True}}),
    ]
    assert _summary(_plan(areas, passes)).combined_coverage_percent == pytest.approx(40.0)
    both = [_surface(density_percent=40), _surface(density_percent=40)]
    assert _summary(_plan(areas, both)).combined_coverage_percent == pytest.approx(64.0)


def test_a_regional_setting_the_source_cannot_fire_is_cautioned_naming_the_area():
    data = _plan(
        [{"site": "cheek", "area_cm2": 60}, {"site": "forehead", "area_cm2": 40}],
        [
            _deep(
                pulse_duration_ms=0.5,
                density_percent=5,
                regions={"forehead": {"pulse_energy_mj": 40}},
            )
        ],
    )
    warnings = _summary(data).warnings
    (power,) = [w for w in warnings if "more than the source's" in w]
    assert power.startswith("pass 1 (forehead): 40 mJ in 0.5 ms is 80 W")


def test_the_time_fires_the_pass_s_spots_with_the_edge_overlap():
    # one account of spots and time: the patterns fire f_edge x `spots` (area / pitch^2)
    from resurfacer.scan.session import patterns_needed, session_defaults

    cheek = [{"site": "cheek", "area_cm2": 100}]
    plan = Plan.from_data(_plan(cheek, [_surface(density_percent=40)]))
    s = simulate(plan).summary.passes[0]
    p, d = plan.passes[0], session_defaults()
    n_patterns = patterns_needed(100, p.pattern_size_mm * 1e-3)
    seconds = d["edge_overlap_factor"] * s.spots / p.firing_rate_hz + n_patterns * d[
        "repositioning_s"
    ]
    assert s.minutes * 60.0 == pytest.approx(seconds, rel=1e-9)
