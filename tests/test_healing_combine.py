"""Several treated areas healing as one patient (`healing.whole_treatment`): every
milestone is the latest area's, the skin on a day the least healed area's, and the
aftercare runs until every area has healed."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from resurfacer.healing import WoundedPass, healing_timeline, slowest_area, whole_treatment
from resurfacer.healing.aftercare import SKIN_STATES
from resurfacer.healing.combine import marks_of
from resurfacer.tissue.skin import skin_for


def surface(coag=81e-6, cov=0.2):
    """A 1.3 mm surface pass (crater 16 um) coagulating `coag` deep at coverage `cov`."""
    return WoundedPass(
        "ablative_fractional", 16e-6, 1.3e-3, coag, 1.3e-3, cov,
        1.3e-3 * math.sqrt(math.pi / 4 / cov), 0.09,
    )  # fmt: skip


def areas(coag=81e-6):
    """The reference plan's surface pass on the cheek (epidermis 92 um, spared) and on
    the eyelid (66 um, killed under each spot)."""
    return {
        "cheeks": healing_timeline([surface(coag)], skin_for("cheek", age=50), ["cheek"]),
        "periorbital": healing_timeline(
            [surface(coag)], skin_for("periorbital", age=50), ["periorbital"]
        ),
    }


def item(result, name):
    return next(a for a in result.aftercare if a["name"] == name)


def test_each_milestone_is_the_latest_area_s():
    each = areas()
    whole = whole_treatment(each, 2)
    assert slowest_area(each) == "periorbital"
    for field in ("closed", "crust_end", "oedema_end", "downtime_end", "erythema_end"):
        latest = max(getattr(marks_of(r), field) for r in each.values())
        assert getattr(marks_of(whole), field) == latest
    assert whole.downtime_days_range == (
        max(r.downtime_days_range[0] for r in each.values()),
        max(r.downtime_days_range[1] for r in each.values()),
    )
    assert whole.erythema_days >= whole.downtime_days


def test_make_up_waits_for_the_last_area_s_crust():
    each = areas()
    whole = whole_treatment(each, 2)
    crust = max(r.crust_end_days for r in each.values())
    assert crust > min(r.crust_end_days for r in each.values())  # the areas differ
    assert item(whole, "make-up allowed")["start_day"] >= round(crust, 2)
    assert item(whole, "wound care")["end_day"] >= round(crust, 2)


def test_the_skin_on_a_day_is_the_least_healed_area_s():
    each = areas()
    whole = whole_treatment(each, 2)
    for day in whole.timeline:
        states = [r.timeline[min(day.day, len(r.timeline) - 1)].state for r in each.values()]
        assert day.state == min(states, key=SKIN_STATES.index)


def test_antiviral_when_any_treated_site_is_perioral():
    each = {
        "cheeks": healing_timeline([surface()], skin_for("cheek", age=50), ["cheek"]),
        "perioral": healing_timeline([surface(60e-6)], skin_for("perioral", age=50), ["perioral"]),
    }
    whole = whole_treatment(each, 2)
    assert any(a["name"] == "antiviral prophylaxis" for a in whole.aftercare)


def nonablative(cov=0.15):
    """A 1,550 nm pass: 400 um zones 150 um wide, surface intact."""
    spacing = 150e-6 * math.sqrt(math.pi / 4 / cov)
    return WoundedPass("nonablative_fractional", 0, 0, 400e-6, 150e-6, cov, spacing, 0.01)


def mixed():
    """Fractional ablative on the forehead, non-ablative alone on the perioral area."""
    return {
        "forehead": healing_timeline([surface()], skin_for("forehead", age=50), ["forehead"]),
        "perioral": healing_timeline([nonablative()], skin_for("perioral", age=50), ["perioral"]),
    }


def test_no_antiviral_for_a_perioral_area_treated_only_non_ablatively():
    """Session 21 (a probe): Er:YAG on the forehead and 1,550 nm alone on the lips got
    antiviral prophylaxis, from a whole-plan "ablative" flag and "perioral among the
    sites". It is decided per area: a pass must have opened the perioral skin."""
    each = mixed()
    assert each["forehead"].skin_opened and not each["perioral"].skin_opened
    whole = whole_treatment(each, 2)
    assert all(a["name"] != "antiviral prophylaxis" for a in whole.aftercare)
    assert whole.skin_opened and not whole.antiviral
    opened = {**each, "perioral": healing_timeline(
        [surface(60e-6)], skin_for("perioral", age=50), ["perioral"])}  # fmt: skip
    assert whole_treatment(opened, 2).antiviral


def test_skin_once_open_is_never_called_intact():
    """Session 21: a plan with an opened area went from "open wound" back to "intact
    skin (microscopic debris shedding)" (the intact states ranked below "healed"). The
    opened area's states come first; "healed" waits for every area's debris."""
    each = mixed()
    whole = whole_treatment(each, 2)
    states = [d.state for d in whole.timeline]
    assert states[0] == "open wound"
    assert not any(s.startswith("intact") for s in states), states
    shedding = [d.day for d in each["perioral"].timeline if "shedding" in d.state]
    assert all(states[d] != "healed" for d in shedding)
    assert whole.modality == "fractional"


def test_healed_skin_still_swollen_reads_swollen():
    """Session 22: an opened area whose crust ended before its oedema read "healed" while
    swollen (a shallow surface pass: crust to day 1.1, oedema to day 2.6), and healed
    opened skin beside a swollen intact area read "microscopic debris shedding"."""
    shallow = healing_timeline([surface(30e-6, 0.1)], skin_for("cheek", age=50), ["cheek"])
    m = marks_of(shallow)
    assert m.crust_end < 2 < m.oedema_end
    assert shallow.timeline[2].state == "healed surface, swollen"
    assert shallow.timeline[math.ceil(m.oedema_end)].state in ("healed", "healed surface "
                                                               "(microscopic debris shedding)")
    swollen = healing_timeline([nonablative()], skin_for("perioral", age=50), ["perioral"])
    assert swollen.timeline[2].state == "intact skin, swollen"
    whole = whole_treatment({"cheeks": shallow, "perioral": swollen}, 2)
    assert whole.timeline[2].state == "healed surface, swollen"


def test_one_area_is_its_own_course():
    one = areas()["cheeks"]
    assert whole_treatment({"cheeks": one}, 2) is one


@settings(max_examples=25, deadline=None)
@given(coag=st.floats(40e-6, 110e-6), step=st.floats(0.0, 5e-6))
def test_whole_downtime_continuous_and_non_decreasing_in_depth(coag, step):
    """The latest of continuous, non-decreasing courses is continuous and non-decreasing."""
    a = whole_treatment(areas(coag), 2).downtime_days
    b = whole_treatment(areas(coag + step), 2).downtime_days
    assert b >= a - 1e-9
    if step <= 0.5e-6:
        assert b - a <= 0.1 * a
