"""The day-by-day aftercare agrees with the skin's state on that day (found by a probe in
session 23: rounding, a fixed 90-day horizon and a fixed antiviral course each listed
advice that the same day's skin contradicted)."""

from __future__ import annotations

import json

import pytest

from resurfacer.cli import main
from resurfacer.healing.aftercare import (
    CRUSTING,
    FLAKING,
    OPEN,
    Marks,
    day_states,
    days_text,
    schedule,
    skin_state,
)

#: allowed again only once the crust and debris are over (aftercare.toml)
AFTER_THE_CRUST = ("make-up allowed", "exercise and sweating allowed", "swimming allowed")


def _days(marks: Marks, antiviral: bool = False):
    items = schedule(marks, ablative=True, antiviral=antiviral)
    return items, day_states(marks, items, lambda t: skin_state(t, marks, True, 0.5))


def _marks(**changes) -> Marks:
    base = dict(
        closed=0.9, crust_end=4.001, oedema_end=2.9, downtime_end=3.8, erythema_end=8.004,
        mend_clear=4.0,
    )  # fmt: skip
    return Marks(**(base | changes))


def test_no_day_allows_what_its_skin_and_redness_exclude():
    # a crust ending at day 4.001 listed make-up on day 4, still flaking, and an
    # erythema ending at day 8.004 dropped sun avoidance on day 8, still red
    _, days = _days(_marks())
    for d in days:
        if d.state in (OPEN, CRUSTING, FLAKING):
            assert not set(AFTER_THE_CRUST) & set(d.aftercare), d
            assert "wound care" in d.aftercare, d
        if d.erythema != "none":
            assert "strict sun avoidance" in d.aftercare, d
            assert "resume active skin care" not in d.aftercare, d


def test_what_is_allowed_again_stays_allowed_past_day_90():
    # an erythema of 135 days made "resume active skin care" a one-day item, and
    # make-up, exercise and swimming stopped at day 90
    marks = _marks(erythema_end=135.0, mend_clear=20.0, crust_end=12.0)
    items, days = _days(marks)
    (resume,) = [i for i in items if i["name"] == "resume active skin care"]
    assert days_text(resume) == "from day 135"
    assert "resume active skin care" in days[-1].aftercare
    for name in AFTER_THE_CRUST:
        assert name in days[100].aftercare


def test_the_antiviral_course_lasts_until_the_skin_has_closed():
    # a perioral wound open until day 18.3 lost its antiviral cover on day 13
    items, days = _days(_marks(closed=18.3, crust_end=20.0), antiviral=True)
    (course,) = [i for i in items if i["name"] == "antiviral prophylaxis"]
    assert days_text(course) == "days -1 to 18"
    assert all("antiviral prophylaxis" in d.aftercare for d in days if d.state == OPEN)
    assert days_text(_days(_marks(), antiviral=True)[0][0]) == "days -1 to 12"


@pytest.fixture()
def nose_skipped(tmp_path):
    plan = tmp_path / "nose-skipped.toml"
    plan.write_text(
        'name = "nose skipped"\n'
        'patient = { sex = "female", age_years = 50, phototype = 2 }\n'
        '[[areas]]\nsite = "cheek"\narea_cm2 = 60\n'
        '[[areas]]\nsite = "nose"\narea_cm2 = 20\n'
        '[[passes]]\ndevice = "co2_dual"\nmode = "deep"\npulse_energy_mj = 10\n'
        "regions = { nose = { skip = true } }\n"
    )
    return str(plan)


def test_an_area_no_pass_treats_has_no_downtime(nose_skipped, capsys):
    # `healing` gave it "0.0 d" (JSON 0.0), where simulate says "not treated"
    assert main(["healing", nose_skipped, "--json"]) == 0
    by_area = json.loads(capsys.readouterr().out)["downtime_days_by_area"]
    assert by_area["nose"] is None and by_area["cheek"] > 0
    assert main(["healing", nose_skipped]) == 0
    assert "nose not treated" in capsys.readouterr().out


def test_contradictory_wounds_and_sites_are_refused():
    import math

    from resurfacer.errors import InputError
    from resurfacer.healing import healing_timeline
    from resurfacer.healing.wound import WoundedPass
    from resurfacer.tissue.skin import skin_for

    cheek = skin_for("cheek")
    crater_unopened = WoundedPass(
        "ablative_fractional", 500e-6, 150e-6, 550e-6, 200e-6, 0.1, 400e-6, 0.02, 0.0
    )  # healed as intact skin under a 500 um crater
    half_full_field = WoundedPass("full_field", 30e-6, math.nan, 90e-6, math.nan, 0.5, None, 0.3)
    ok = WoundedPass("full_field", 30e-6, math.nan, 90e-6, math.nan, 1.0, None, 0.3)
    for bad, field in (
        ([crater_unopened], "passes[0].surface_opening"),
        ([half_full_field], "passes[0].coverage"),
    ):
        with pytest.raises(InputError) as err:
            healing_timeline(bad, cheek)
        assert err.value.field == field
    with pytest.raises(InputError) as err:
        healing_timeline([ok], cheek, treated_sites="perioral")  # read letter by letter
    assert err.value.field == "treated_sites" and err.value.value == "perioral"
    assert healing_timeline((p for p in [ok]), cheek).skin_opened  # a generator


def test_a_full_field_pass_that_opened_nothing_is_not_told_of_zones():
    # a full-field CO2 pass at its device's least energy (150 mJ, 3.8 J/cm2 on the cheek)
    # coagulates 72 um over the whole surface without opening it: the text said "skin
    # surface intact (treated zones repaired after 44 h)", of zones it does not have
    import math

    from resurfacer.healing import WoundedPass, closure_words, healing_timeline, timeline_table
    from resurfacer.tissue.skin import skin_for

    unopened = WoundedPass("full_field", 0.0, math.nan, 72e-6, math.nan, 1.0, None, 0.15, 0.0)
    r = healing_timeline([unopened], skin_for("cheek", sex="female", age=50, phototype=2))
    text = timeline_table(r)
    assert not r.skin_opened and r.crust_end_days == 0.0
    words = ("skin surface", "intact (treated skin repaired after 43.7 h)")
    assert closure_words(False, "43.7 h") == words
    assert "intact (treated skin repaired after" in text and "zone" not in text.lower()
