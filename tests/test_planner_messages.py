"""What the planner says when it proposes nothing, or a plan short of the target (found
by a probe in session 23)."""

from __future__ import annotations

import pytest

from resurfacer.plan.schema import Area, Patient
from resurfacer.planning.planner import plan_treatment, shortfall


@pytest.mark.parametrize(
    "site, phototype, rule",
    [("neck", 2, "full_field_off_face"), ("cheek", 5, "full_field_phototype_4_6")],
)
def test_a_rule_that_excludes_the_whole_device_is_named(site, phototype, rule):
    # "excluded by: nothing verified", binding rules [] before
    patient = Patient(sex="female", age_years=50, phototype=phototype)
    r = plan_treatment(
        patient, [Area(site=site, area_cm2=50)], "texture", device="co2_full_field"
    )
    assert not r.plans and r.candidates == 0
    assert f"excluded by: {rule}" in r.message
    assert r.to_dict()["binding_rules"] == [rule]


def test_a_plan_short_of_depth_also_names_its_coverage_shortfall():
    target = {"min_um": 500.0, "max_um": 1000.0, "min_coverage_percent": 10.0}
    assert shortfall(target, 444.0, 1.0) == "depth 444 um < 500 um, coverage 1 % < 10 %"
    assert shortfall(target, 600.0, 7.5) == "coverage 7.5 % < 10 %"
    assert shortfall(target, 444.0, 12.0) == "depth 444 um < 500 um"
