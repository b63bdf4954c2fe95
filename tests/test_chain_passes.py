"""Full-field spot lattice, the report's plan inputs and its healing timeline (found by
probes in session 23)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from resurfacer.plan import Plan
from resurfacer.report import figures
from resurfacer.report.context import inputs_rows
from resurfacer.treatment import simulate

PATIENT = {"sex": "female", "age_years": 50, "phototype": 2}


def _plan(site: str, passes: list[dict], area_cm2: float = 24.0) -> Plan:
    areas = [{"site": site, "area_cm2": area_cm2}]
    return Plan.from_data({"name": "probe", "patient": PATIENT, "areas": areas, "passes": passes})


def test_a_full_field_pass_lays_its_fluence_over_the_whole_skin():
    # the spots were tiled at pitch d: 474 spots over 24 cm2 laid 5.9 J/cm2 on the skin
    # while the pass read 100 % coverage at 7.5 J/cm2
    plan = _plan("periorbital", [{"device": "co2_full_field", "pulse_energy_mj": 300}])
    p = plan.passes[0]
    assert p.pitch_m**2 == pytest.approx(math.pi * (p.spot_um * 1e-6) ** 2 / 4.0)
    s = simulate(plan).summary.passes[0]
    assert s.coverage_percent == 100.0
    assert s.energy_j / 24.0 == pytest.approx(s.fluence_j_per_cm2, rel=1e-9)
    assert s.spots == pytest.approx(24e-4 / p.pitch_m**2)


def test_the_report_rounds_the_plan_s_derived_settings():
    # a duration derived from the device's peak power printed as 0.39473684210526316
    plan = _plan("cheek", [{"device": "co2_full_field", "pulse_energy_mj": 300}])
    row = dict(inputs_rows(plan))["pass 1"]
    assert "pulse_duration_ms = 0.3947," in row and "wavelength_nm = 10600" in row


def test_the_healing_timeline_draws_each_item_over_the_days_the_schedule_lists():
    # antiviral prophylaxis, "days -1 to 12", was drawn from day 0 to 13 (the axis began
    # at 0) and labelled "13.0 d"
    plan = _plan("perioral", [{"device": "co2_dual", "mode": "surface"}], 20.0)
    outcome = simulate(plan)
    fig = figures.healing_timeline(outcome)
    days = fig.axes[0]
    labels = [t.get_text() for t in days.get_yticklabels()]
    row = labels.index("antiviral prophylaxis")
    bar = [b for b in days.patches if abs(b.get_y() + b.get_height() / 2 - row) < 1e-9][0]
    assert (bar.get_x(), bar.get_x() + bar.get_width()) == pytest.approx((-1.0, 13.0))
    assert days.get_xlim()[0] <= -1.0
    assert any(t.get_text().strip() == "days -1 to 12" for t in days.texts)


def test_a_pass_finds_the_earlier_passes_on_its_area_on_the_area_s_timeline():
    """Each pass starts on an area after the previous pass's time there plus the pass
    delays in between; a pass that skips the area adds its delay, not its time (until
    session 24 passes did not heat each other and the delay only lengthened the session)."""
    from resurfacer.treatment import _earlier_on_area, _pass_seconds

    deep = {"device": "co2_dual", "mode": "deep"}
    areas = [{"site": "cheek", "area_cm2": 10.0}, {"site": "forehead", "area_cm2": 20.0}]
    passes = [
        deep,
        {**deep, "pass_delay_s": 5.0, "regions": {"forehead": {"skip": True}}},
        {**deep, "pass_delay_s": 7.0},
    ]
    plan = Plan.from_data({"name": "t", "patient": PATIENT, "areas": areas, "passes": passes})
    cheek, forehead = plan.site_areas
    t0, t1 = (_pass_seconds(plan.region_pass(i, cheek), 10.0) for i in (0, 1))
    assert [(j, t) for j, _, t in _earlier_on_area(plan, 2, cheek)] == [
        (0, pytest.approx(-(t0 + 5.0 + t1 + 7.0))),
        (1, pytest.approx(-(t1 + 7.0))),
    ]
    t0 = _pass_seconds(plan.region_pass(0, forehead), 20.0)
    assert [(j, t) for j, _, t in _earlier_on_area(plan, 2, forehead)] == [
        (0, pytest.approx(-(t0 + 12.0)))
    ]
    assert _earlier_on_area(plan, 1, forehead) == [] and _earlier_on_area(plan, 0, cheek) == []


def test_the_combined_co2_dual_mode_heats_the_surface_pass_with_the_deep_pass_s_heat():
    """co2_dual's combined mode, written as a deep and a surface pass with no delay: the
    surface pattern starts from the deep pattern's heat (it read as the surface pass alone)."""
    deep = {"device": "co2_dual", "mode": "deep"}
    surface = {"device": "co2_dual", "mode": "surface"}
    combined = simulate(_plan("cheek", [deep, {**surface, "pass_delay_s": 0}], 2.0)).summary
    alone = simulate(_plan("cheek", [surface], 2.0)).summary
    assert combined.passes[1].peak_bulk_temperature_c > alone.passes[0].peak_bulk_temperature_c
    assert combined.passes[1].bulk_cem43_min > alone.passes[0].bulk_cem43_min


def test_on_an_area_smaller_than_a_pattern_the_earlier_pattern_has_fired_before_the_next():
    """0.5 cm2 holds half a 10 mm pattern, scanned in 1.9 s, but the bulk heating follows
    the whole pattern (3.0 s of firing): the next pass starts after it, not inside it."""
    from resurfacer.treatment import _earlier_on_area, _pass_seconds, _pattern_span

    deep = {"device": "co2_fractional_deep", "pulse_energy_mj": 20, "density_percent": 10}
    plan = _plan("cheek", [deep, deep], 0.5)
    area = plan.site_areas[0]
    first = plan.region_pass(0, area)
    assert _pass_seconds(first, 0.5) < _pattern_span(first)
    [(_, _, start)] = _earlier_on_area(plan, 1, area)
    assert start == pytest.approx(-_pattern_span(first))


def test_a_pass_back_to_back_on_an_earlier_one_reads_its_heat_whatever_the_area():
    """co2_dual surface then deep with no delay: on 2 and 0.3 cm2 of cheek the surface
    pattern's last shot comes 1.4 and 0.06 s before the deep pass's first. Its bulk peak
    read 52.0 and 79.5 C (session 24, a review: 52-80 C over 0.3-2 cm2), the deep probe
    beside one of the surface pattern's fresh spots or between them as the model happened
    to align the two lattices. The registration is unknown, so the surface columns enter
    averaged over their lattice cell: 51.7 and 52.6 C, the shorter gap a little hotter."""
    passes = [{"device": "co2_dual", "mode": "surface"},
              {"device": "co2_dual", "mode": "deep", "pass_delay_s": 0}]  # fmt: skip
    large, small = (
        simulate(_plan("cheek", passes, area_cm2=a)).summary.passes[1].peak_bulk_temperature_c
        for a in (2.0, 0.3)
    )
    assert large < small < large + 1.0


def test_the_tissue_beside_an_earlier_fresh_column_is_named_in_a_note():
    """The cell average gives the mean over where the earlier columns lie, but the bulk
    rules read a peak and a dose, which the hottest placement sets (session 25, a review:
    on 0.3 cm2 the average reads 52.6 C and 7.6 CEM43 min, placements up to 79.5 C and
    3.4e7). Where the deep pass follows the surface pattern within p^2 / (4 alpha) a
    model note gives the hottest of four placements; on 5 cm2 (heat spread) and on the
    reference plan's eyelids (15.7 s after, within 0.1 C) it is not written."""
    from resurfacer.plan.schema import load_plan

    passes = [{"device": "co2_dual", "mode": "surface"},
              {"device": "co2_dual", "mode": "deep", "pass_delay_s": 0}]  # fmt: skip
    small = simulate(_plan("cheek", passes, area_cm2=0.3)).summary
    [note] = [n for n in small.model_notes if "beside one of them" in n]
    assert note.startswith("pass 2 (cheek): it follows pass 1")
    hottest = float(note.split("reads up to ")[1].split(" °C")[0])
    assert hottest > small.passes[1].peak_bulk_temperature_c + 20.0
    large = simulate(_plan("cheek", passes, area_cm2=5.0)).summary
    assert not [n for n in large.model_notes if "beside one of them" in n]
    reference = simulate(load_plan(Path(__file__).parents[1] / "examples/co2-dual-full-face.toml"))
    assert not [n for n in reference.summary.model_notes if "beside one of them" in n]


def test_the_area_carries_the_hottest_placement_of_fresh_earlier_columns():
    """Session 26 (a probe): on 0.3 cm2 the tissue beside the surface pattern's fresh
    columns reads 79.5 C and 3.4e7 CEM43 min, over the 70 C cap and the 720 CEM43 min
    rule, which programs reading the summary could not see. The area carries the highest
    peak and the highest dose over the placements, each on its own; the bulk rules read
    the average (a review: a wide spot's Gaussian stand-in doubles the heat at its centre
    for its first 0.4 s, so the hottest placement is an upper estimate), and the note
    says so. On 5 cm2 the heat has mostly spread (within 0.5 C of the average)."""
    passes = [{"device": "co2_dual", "mode": "surface"},
              {"device": "co2_dual", "mode": "deep", "pass_delay_s": 0}]  # fmt: skip
    small = simulate(_plan("cheek", passes, area_cm2=0.3)).summary
    (region,) = small.regions
    assert region.hottest_placement_peak_c > 70.0 > region.peak_bulk_temperature_c
    assert region.hottest_placement_cem43_min > 720.0 > region.bulk_cem43_min
    [note] = [n for n in small.model_notes if "beside one of them" in n]
    assert f"up to {region.hottest_placement_peak_c:.1f} °C" in note
    assert "do not read (an upper estimate" in note
    assert not {"bulk_temperature_cap", "bulk_thermal_dose"} & {b.rule for b in small.broken_rules}
    large = simulate(_plan("cheek", passes, area_cm2=5.0)).summary
    (wide,) = large.regions
    assert wide.hottest_placement_peak_c < wide.peak_bulk_temperature_c + 0.5


def test_the_text_summary_reads_a_small_area_and_a_short_session():
    # session 24 (a review): 0.5 cm2 read "treated area 0 cm²" and "session time 0.0 min"
    from resurfacer.cli.simulate_command import summary_table

    outcome = simulate(_plan("cheek", [{"device": "co2_dual", "mode": "deep"}], area_cm2=0.5))
    text = summary_table(outcome.summary)
    assert "treated area              0.5 cm²" in text
    seconds = outcome.summary.session_minutes * 60
    assert f"session time              {seconds:.2g} s" in text and seconds < 60
