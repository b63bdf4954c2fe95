"""A proposed plan beside the published protocols of its device class (planning.protocols):
a note per figure outside every row (session 24 probe, finding 5)."""

from resurfacer.planning.protocols import protocol_notes

THULIUM = {"device": "thulium_1927", "mode": "fractional", "pulse_energy_mj": 5.0}


def test_the_1927_pigment_plan_is_named_below_the_published_settings():
    # the planner's pigment plan at type V: 5 mJ, 2 passes of 10 %; Polder 2011: 10-20 mJ,
    # 30-55 % in 4-8 passes
    notes = protocol_notes([{**THULIUM, "density_percent": 10.0}] * 2, "pigment")
    text = " | ".join(notes)
    assert "pulse energy 5 mJ is below the published 10-20 mJ" in text
    assert "coverage 20 % is below the published 30-55 %" in text
    assert "passes 2 is below the published 4-8" in text
    assert all("polder2011-1927-nonfacial" in n for n in notes)


def test_a_plan_inside_the_published_span_gets_no_note():
    # Yuan 2014 (acne scars, deep CO2): 10-20 mJ at 10-20 %; 13 mJ at 10 % lies between
    # the arms, not outside them
    deep = {"device": "co2_fractional_deep", "mode": "deep", "pulse_energy_mj": 13.0}
    assert protocol_notes([{**deep, "density_percent": 10.0}], "acne_scars") == []
    low = protocol_notes([{**deep, "density_percent": 2.0}], "acne_scars")
    assert len(low) == 1 and "coverage 2 % is below the published 10-20 %" in low[0]


def test_mtz_rows_count_as_coverage_of_the_mode_spot():
    # 1,550 nm: Kono 2007 8 x 125-250 MTZ/cm2, Wanner 2000 MTZ/cm2, on the 100 um spot:
    # 7.85-15.7 %; the fine-lines plan's 4 mJ at 3 % x 2 lies below all three figures
    nab = {"device": "nonablative_1550", "mode": "fractional", "pulse_energy_mj": 4.0}
    text = " | ".join(protocol_notes([{**nab, "density_percent": 3.0}] * 2, "fine_lines"))
    assert "coverage 6 % is below the published 7.85-15.7 %" in text
    assert "pulse energy 4 mJ is below the published 6-20 mJ" in text
    assert "passes 2 is below the published 8 of" in text


def test_a_pass_without_a_mode_is_read_in_its_device_s_default_mode():
    # the review of session 24: a pass table without `mode` was read in the device's first
    # listed mode (co2_dual: surface), not its default (deep)
    deep = {"device": "co2_dual", "pulse_energy_mj": 13.0, "density_percent": 2.0}
    notes = protocol_notes([deep], "acne_scars")
    assert notes and all(n.startswith("co2_dual deep:") for n in notes)
