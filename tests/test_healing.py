"""Healing model: interface, trends, timeline, aftercare and bad input."""

import math

import pytest

from resurfacer.errors import InputError
from resurfacer.healing import (
    WoundedPass,
    healing_timeline,
    natural_renewal,
    timeline_table,
)


def surface(abl=30e-6, coag=80e-6, cov=0.40):
    return WoundedPass(
        "ablative_fractional",
        abl,
        1.3e-3,
        coag,
        1.3e-3,
        cov,
        1.3e-3 * math.sqrt(math.pi / 4 / cov),
        0.09,
    )


def deep(depth=500e-6, width=180e-6, cov=0.05):
    return WoundedPass(
        "ablative_fractional",
        depth,
        120e-6,
        depth + 50e-6,
        width,
        cov,
        width * math.sqrt(math.pi / 4 / cov),
        0.015,
    )


def test_older_skin_renews_more_slowly():
    t = [natural_renewal(a).turnover for a in (20, 37, 50, 70, 90)]
    assert all(b > a for a, b in zip(t, t[1:], strict=False))
    assert natural_renewal(37).turnover / 86400 == pytest.approx(36.0)
    assert natural_renewal(70).sc_transit - natural_renewal(22).sc_transit == pytest.approx(
        10 * 86400
    )


def test_mend_shedding_slower_with_age():
    p = [WoundedPass("nonablative_fractional", 0, 0, 400e-6, 100e-6, 0.1, None, 0.01)]
    m = [healing_timeline(p, a, 2, "cheek").mend_clearance_days for a in (25, 50, 80)]
    assert m[0] < m[1] < m[2]


def test_full_field_slower_than_fractional_same_depth():
    for z in (150e-6, 300e-6, 500e-6):
        ff = WoundedPass("full_field", z / 2, math.nan, z, math.nan, 1.0, None, 0.0)
        fr = WoundedPass("ablative_fractional", z / 2, 120e-6, z, 180e-6, 0.1, 0.5e-3, 0.015)
        a = healing_timeline([ff], 50, 2, "cheek")
        b = healing_timeline([fr], 50, 2, "cheek")
        assert a.reepithelialization_hours > 3 * b.reepithelialization_hours
        assert a.downtime_days > b.downtime_days


def test_deeper_full_field_takes_longer():
    h = [
        healing_timeline(
            [WoundedPass("full_field", z / 2, 0, z, 0, 1.0, None, 0)], 50, 2, "cheek"
        ).reepithelialization_hours
        for z in (150e-6, 300e-6, 600e-6)
    ]
    assert h[0] < h[1] < h[2]


def test_deeper_or_denser_plans_give_longer_downtime():
    ref = healing_timeline([surface(), deep()], 50, 2, "cheek").downtime_days
    deeper_surface = healing_timeline(
        [surface(60e-6, 130e-6), deep()], 50, 2, "cheek"
    ).downtime_days
    denser_surface = healing_timeline([surface(cov=0.8), deep()], 50, 2, "cheek").downtime_days
    denser_deep = healing_timeline([surface(), deep(cov=0.2)], 50, 2, "cheek").downtime_days
    assert deeper_surface > ref and denser_surface > ref and denser_deep > ref


def test_summary_timeline_and_table():
    r = healing_timeline([surface(), deep()], 50, 5, "cheek")
    s = r.summary()
    for k in (
        "reepithelialization_hours",
        "downtime_days",
        "downtime_days_range",
        "erythema_days",
        "mend_clearance_days",
        "remodeling_weeks",
        "milestones",
        "disclaimer",
    ):
        assert k in s
    lo, hi = r.downtime_days_range
    assert lo < r.downtime_days < hi
    assert [d.day for d in r.timeline] == list(range(len(r.timeline)))
    closed = r.reepithelialization_hours / 24
    wc = next(a for a in r.aftercare if a["name"] == "wound care")
    assert wc["end_day"] == pytest.approx(closed)
    assert "wound care" in r.timeline[0].aftercare
    assert all("strict sun avoidance" in d.aftercare for d in r.timeline if d.day < r.downtime_days)
    assert any("hyperpigmentation" in n for n in r.phototype_notes)
    assert all(a["source"] for a in r.aftercare)
    text = timeline_table(r)
    assert "EDUCATIONAL MODEL" in text and "downtime" in text
    assert len(text.splitlines()) > len(r.timeline)


def test_nonablative_has_no_wound_care_or_visible_crusting():
    p = [WoundedPass("nonablative_fractional", 0, 0, 400e-6, 150e-6, 0.2, None, 0.02)]
    r = healing_timeline(p, 40, 2, "cheek")
    assert all(a["name"] != "wound care" for a in r.aftercare)
    assert r.downtime_days * 24 == pytest.approx(r.reepithelialization_hours)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"age_years": 17}, "age_years"),
        ({"age_years": 101}, "age_years"),
        ({"phototype": 7}, "phototype"),
        ({"phototype": 0}, "phototype"),
        ({"site": "scalp"}, "site"),
        ({"passes": []}, "passes"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    args = {"passes": [deep()], "age_years": 50, "phototype": 2, "site": "cheek"} | kwargs
    with pytest.raises(InputError) as e:
        healing_timeline(**args)
    assert e.value.field == field


@pytest.mark.parametrize(
    "p, field",
    [
        (WoundedPass("peel", 0, 1e-4, 1e-4, 1e-4, 0.1, None, 0.01), "passes[0].kind"),
        (
            WoundedPass("ablative_fractional", 5e-4, 1.2e-4, math.nan, 1.8e-4, 0.1, None, 0.01),
            "passes[0].coagulation_depth",
        ),
        (
            WoundedPass("ablative_fractional", 5e-4, 1.2e-4, 5.5e-4, None, 0.1, None, 0.01),
            "passes[0].coagulation_width",
        ),
        (
            WoundedPass("ablative_fractional", 5e-4, 1.2e-4, 5.5e-4, 1.8e-4, 0.0, None, 0.01),
            "passes[0].coverage",
        ),
        (
            WoundedPass("nonablative_fractional", 1e-4, 0, 5e-4, 1.8e-4, 0.1, None, 0.01),
            "passes[0].ablation_depth",
        ),
    ],
)
def test_bad_geometry_names_the_pass_field(p, field):
    with pytest.raises(InputError) as e:
        healing_timeline([p], 50, 2, "cheek")
    assert e.value.field == field
