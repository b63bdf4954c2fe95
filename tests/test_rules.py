"""Safety rules: data integrity, each kind of limit, outcome limits, simulate warnings."""

from types import SimpleNamespace

import pytest

from resurfacer.plan.rules import LIMITS, check_plan, dermis_bottom, load_rules, pass_caps
from resurfacer.plan.schema import Plan


def plan(phototype=2, site="cheek", passes=None):
    passes = passes or [{"device": "co2_dual", "mode": "deep"}]
    return Plan.from_data(
        {
            "name": "t",
            "patient": {"sex": "female", "age_years": 50, "phototype": phototype},
            "areas": [{"site": site, "area_cm2": 50}],
            "passes": passes,
        }
    )


def names(p, outcome=None):
    return sorted(v.rule for v in check_plan(p, outcome))


def test_every_rule_has_a_known_limit_and_a_source():
    rules = load_rules()
    assert len({r.name for r in rules}) == len(rules) >= 10
    for r in rules:
        assert r.limit in LIMITS and r.source.strip()


def test_defaults_on_the_cheek_of_a_light_phototype_break_nothing():
    assert names(plan()) == []
    assert names(plan(passes=[{"device": "co2_dual", "mode": "surface"}])) == []


@pytest.mark.parametrize(
    ("phototype", "site", "passes", "expected"),
    [
        (
            5,
            "cheek",
            [{"device": "co2_dual", "mode": "deep", "density_percent": 15}],
            "density_deep_phototype_4_6",
        ),
        (
            4,
            "cheek",
            [{"device": "co2_dual", "mode": "surface", "density_percent": 40}],
            "density_surface_phototype_4_6",
        ),
        (
            2,
            "neck",
            [{"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 15}],
            "energy_deep_neck_chest",
        ),
        (
            2,
            "chest",
            [{"device": "co2_dual", "mode": "deep", "density_percent": 15}],
            "density_deep_neck_chest",
        ),
        (
            2,
            "periorbital",
            [{"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 10}],
            "energy_deep_periorbital",
        ),
        (2, "neck", [{"device": "co2_full_field"}], "full_field_off_face"),
        (6, "cheek", [{"device": "co2_full_field"}], "full_field_phototype_4_6"),
        (
            4,
            "cheek",
            [
                {
                    "device": "co2_dual",
                    "mode": "deep",
                    "stack": 2,
                    "stack_spacing_ms": 1.0,
                    "density_percent": 5,
                }
            ],
            "stack_phototype_4_6",
        ),
        (
            2,
            "cheek",
            [{"device": "co2_dual", "mode": "deep", "density_percent": 5}] * 3,
            "passes_deep",
        ),
    ],
)
def test_each_rule_fires(phototype, site, passes, expected):
    assert expected in names(plan(phototype, site, passes))


def test_density_counts_passes_together():
    two = [{"device": "co2_dual", "mode": "deep", "density_percent": 6}] * 2
    assert "density_deep_neck_chest" in names(plan(2, "neck", two))
    assert "density_deep_neck_chest" not in names(plan(2, "neck", two[:1]))


def test_caps_are_the_tightest():
    p = plan(5, "neck").passes[0]
    caps = pass_caps(5, ["neck"], p)
    assert caps["max_density_percent"][0] == 10.0
    assert caps["max_pulse_energy_mj"] == (10.0, "energy_deep_neck_chest")
    assert caps["max_passes"] == (1.0, "passes_ablative_phototype_4_6")


def fake_outcome(p, peak_c, depth_m, dose=0.01):
    from resurfacer.tissue.skin import skin_for

    skin = skin_for("cheek", sex="female", age=50, phototype=p.patient.phototype)
    bottom = dermis_bottom(skin)
    region = SimpleNamespace(
        name=p.site_areas[0].region,
        peak_bulk_temperature_c=peak_c,
        bulk_cem43_min=dose,
        fraction_of_dermis=depth_m / bottom,
        coagulation_depth_um=depth_m * 1e6,
        dermis_depth_um=bottom * 1e6,
    )
    return SimpleNamespace(summary=SimpleNamespace(regions=[region]))


def test_outcome_rules():
    from resurfacer.tissue.skin import skin_for

    p2, p5 = plan(2), plan(5)
    assert names(p2, fake_outcome(p2, 40.0, 300e-6)) == []
    assert names(p2, fake_outcome(p2, 61.0, 300e-6)) == []  # the dose rule judges 44-70 C
    assert names(p2, fake_outcome(p2, 71.0, 300e-6)) == ["bulk_temperature_cap"]
    assert names(p2, fake_outcome(p2, 45.0, 300e-6, dose=800.0)) == ["bulk_thermal_dose"]
    assert "bulk_temperature_cap_phototype_4_6" in names(p5, fake_outcome(p5, 51.0, 300e-6))
    assert "bulk_thermal_dose_phototype_4_6" in names(p5, fake_outcome(p5, 44.0, 300e-6, 2.0))
    deep = dermis_bottom(skin_for("cheek", sex="female", age=50, phototype=2))
    assert names(p2, fake_outcome(p2, 40.0, 0.95 * deep)) == ["depth_within_dermis"]


def test_every_rule_says_published_or_model_and_published_ones_cite_a_paper():
    for r in load_rules():
        assert r.basis in ("published", "model")
        if r.basis == "published":
            assert any(str(y) in r.source for y in range(1940, 2030)), r.name


def _face(passes):
    return Plan.from_data(
        {
            "name": "t",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"preset": "full_face"}],
            "passes": passes,
        }
    )


def test_rules_are_checked_per_area_with_its_settings():
    deep = {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 15, "density_percent": 5}
    # the periorbital regional defaults lower the deep pass there: no eyelid rule broken
    assert names(_face([deep])) == []
    # set explicitly to the full energy on the eyelids: the eyelid cap names the area
    loud = {**deep, "regions": {"periorbital": {"pulse_energy_mj": 15}}}
    v = check_plan(_face([loud]))
    assert [x.rule for x in v] == ["energy_deep_periorbital"]
    assert v[0].sites == ("periorbital",) and "periorbital" in v[0].message
    # skipping the eyelids removes it
    skip = {**deep, "regions": {"periorbital": {"skip": True}}}
    assert names(_face([skip])) == []


def test_a_rule_broken_on_several_areas_names_every_one_of_them():
    # session 26, a probe: depth_within_dermis broken on five areas of a full face named
    # only the worst (its `sites` a one-element list)
    from resurfacer.tissue.skin import skin_for

    face = _face([{"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 15}])
    bottoms = {
        a.region: dermis_bottom(skin_for(a.site, sex="female", age=50, phototype=2))
        for a in face.site_areas
    }
    share = {"forehead": 0.99, "cheeks": 0.95, "nose": 0.92, "perioral": 0.5}
    regions = [
        SimpleNamespace(
            name=region,
            peak_bulk_temperature_c=40.0,
            bulk_cem43_min=0.0,
            fraction_of_dermis=share.get(region, 0.5),
            coagulation_depth_um=share.get(region, 0.5) * bottom * 1e6,
            dermis_depth_um=bottom * 1e6,
        )
        for region, bottom in bottoms.items()
    ]
    outcome = SimpleNamespace(summary=SimpleNamespace(regions=regions))
    (v,) = [x for x in check_plan(face, outcome) if x.rule == "depth_within_dermis"]
    assert v.sites == ("forehead", "cheeks", "nose")
    assert v.value == pytest.approx(0.99)
    assert v.message.startswith("depth_within_dermis (forehead): ")
    assert v.message.endswith("; also cheeks 0.95, nose 0.92")


def test_a_rule_broken_alike_on_several_areas_names_them_once():
    # a per-pass rule broken with one setting on every area reads the figure once
    # (session 26, a review: "also cheeks 20 mJ, nose 20 mJ, ..." on a full face)
    deep = {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 20, "density_percent": 5}
    v = check_plan(plan(5, "cheek", [deep, deep, deep]))
    assert v and all("; also" not in x.message for x in v)  # one area: as before
    face = Plan.from_data(
        {
            "name": "t",
            "patient": {"sex": "female", "age_years": 50, "phototype": 5},
            "areas": [{"site": "cheek", "area_cm2": 20}, {"site": "forehead", "area_cm2": 20}],
            "passes": [deep, deep, deep],
        }
    )
    (passes,) = [x for x in check_plan(face) if x.rule == "passes_ablative_phototype_4_6"]
    assert set(passes.sites) == {"cheek", "forehead"}
    assert passes.message.endswith(" (the same)")


def test_simulate_names_the_broken_rules():
    from resurfacer.treatment import simulate

    p = plan(5, "cheek", [{"device": "co2_dual", "mode": "surface", "density_percent": 40}])
    warnings = simulate(p).summary.warnings
    assert any(w.startswith("density_surface_phototype_4_6") for w in warnings)
    assert (
        simulate(plan(2, "cheek", [{"device": "co2_dual", "mode": "surface"}])).summary.warnings
        == []
    )


def test_an_energy_cap_reads_the_energy_each_column_receives():
    """Session 31's probe: the planner's first chest plan fired two stacked 7.5 mJ deep
    pulses, 15 mJ into each column, past the 10 mJ cap that reads the single pulse; a stack
    drills about as deep as one pulse of its sum (DeepFX's double pulse)."""
    deep = {"device": "co2_dual", "mode": "deep", "density_percent": 5}
    stacked = check_plan(plan(3, "chest", [dict(deep, pulse_energy_mj=7.5, stack=2)]))
    hit = [v for v in stacked if v.rule == "energy_deep_neck_chest"]
    assert hit and hit[0].value == pytest.approx(15.0)
    assert "energy per column" in hit[0].message
    single = plan(3, "chest", [dict(deep, pulse_energy_mj=7.5)])
    assert "energy_deep_neck_chest" not in names(single)
