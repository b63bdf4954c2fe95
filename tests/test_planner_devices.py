"""`plan` for every device x indication at phototypes II and V: a plan or a named
shortfall, never a crash; candidates inside the device's ranges. The surrogate tables
are shared by every case of a device and phototype (one cache directory for the
module), on 8 um cells with 4 nodes."""

from dataclasses import replace

import pytest

from resurfacer.plan.rules import check_plan
from resurfacer.plan.schema import DEVICES, Area, Pass, Patient
from resurfacer.planning.planner import INDICATIONS, plan_treatment
from resurfacer.treatment import TREATMENT_SOLVER
from support.tables import private_table_cache

FAST = replace(TREATMENT_SOLVER, grid=8e-6, photons=20_000)
KW = {"options": FAST, "table_nodes": 4, "stacks": (1,), "repeats": (1,), "n_best": 1}


@pytest.fixture(scope="module", autouse=True)
def shared_tables(tmp_path_factory):
    yield from private_table_cache(tmp_path_factory, "device-tables")


def _inside_device_ranges(table: dict) -> bool:
    p = Pass.model_validate(table)  # raises when outside the device's ranges
    return p.device in DEVICES


@pytest.mark.slow
@pytest.mark.parametrize("phototype", [2, 5])
@pytest.mark.parametrize("device", list(DEVICES))
def test_every_indication_plans_or_names_its_shortfall(device, phototype):
    patient = Patient(sex="female", age_years=50, phototype=phototype)
    for indication in INDICATIONS:
        r = plan_treatment(patient, [Area(site="cheek", area_cm2=50)], indication, device, **KW)
        assert r.device == device
        if r.reachable:
            assert r.plans and r.plans[0].target_met and r.shortfall == ""
        else:
            assert "not reached" in r.message or "no plan within the limits" in r.message
            assert not r.plans or not r.plans[0].target_met
            assert not r.plans or r.shortfall, (device, indication, r.message)
        for p in r.plans:
            assert all(_inside_device_ranges(t) for t in p.passes)
            assert check_plan(r.plan(0)) == [] and p.predicted["warnings"] == []


@pytest.mark.parametrize("phototype", [2, 5])
def test_1927_reaches_epidermal_pigment_inside_its_ranges(phototype):
    # issue 19: the 1,927 nm device treats epidermal pigment; at type V it is the device the
    # sources prefer (data/indications.toml, dark_skin_preference), at type II it is chosen
    patient = Patient(sex="female", age_years=50, phototype=phototype)
    device = "thulium_1927" if phototype == 2 else None
    kw = {**KW, "repeats": (1, 2)}  # the 20 % coverage takes two passes of at most 15 %
    r = plan_treatment(patient, [Area(site="cheek", area_cm2=50)], "pigment", device, **kw)
    target, mode = INDICATIONS["pigment"], DEVICES["thulium_1927"]["modes"]["fractional"]
    assert r.device == "thulium_1927" and r.reachable and r.shortfall == ""
    for p in r.plans:
        assert p.target_met and target["min_um"] <= p.depth_um <= target["max_um"]
        assert all(_inside_device_ranges(t) for t in p.passes)
        energy, density = mode["pulse_energy_mj"], mode["density_percent"]
        for t in p.passes:
            assert energy["min"] <= t["pulse_energy_mj"] <= energy["max"]
            assert density["min"] <= t["density_percent"] <= density["max"]
        assert sum(t["density_percent"] for t in p.passes) >= target["min_coverage_percent"]
        assert check_plan(r.plan(0)) == [] and p.predicted["warnings"] == []


@pytest.mark.parametrize("device", ["co2_dual", "co2_full_field"])
def test_a_full_face_plans_per_region_inside_every_region_s_rules(device):
    # the eyelids' deep passes fire at their regional defaults; the plan breaks no rule
    # in any region, and its downtime is the slowest region's
    patient = Patient(sex="female", age_years=50, phototype=2)
    r = plan_treatment(patient, [{"preset": "full_face"}], "moderate_wrinkles", device, **KW)
    assert r.plans, r.message
    plan = r.plan(0)
    assert check_plan(plan) == [] and r.plans[0].predicted["warnings"] == []
    by_area = {a["name"]: a["downtime_days"] for a in r.plans[0].predicted["regions"]}
    assert r.plans[0].predicted["downtime_days"] == max(by_area.values())


def test_the_surrogate_strips_the_skin_as_simulate_does_for_repeated_full_field_passes():
    # a full-field pass removes its crater and the wiped layer under it; the next pass
    # starts that much deeper. Before session 15 the surrogate took every pass on the fresh
    # skin and ignored the wipe: two 360 mJ passes on the cheek were 87 um deep to it
    # (simulate: 121 um) and one pass healed in 7.6 d (simulate: 6.3 d)
    patient = Patient(sex="female", age_years=60, phototype=2)
    kw = dict(KW, repeats=(1, 2), n_best=3)
    r = plan_treatment(
        patient, [{"site": "cheek", "area_cm2": 50}], "moderate_wrinkles", "co2_full_field", **kw
    )
    assert r.plans
    assert any(len(p.passes) == 2 for p in r.plans)
    for p in r.plans:
        assert p.surrogate["depth_um"] == pytest.approx(p.depth_um, rel=0.1)
        assert p.surrogate["downtime_days"] == pytest.approx(
            p.predicted["downtime_days"], rel=0.05
        )


@pytest.mark.xfail(
    strict=True,
    reason="the 1,927 nm zone at 10 mJ, the bottom of its published clinical range (Polder "
    "2011), coagulates 299 um on a type V cheek (292 um until session 29 let a dried cell "
    "pass the light on), past the pigment ceiling of 250 um (the shallow end of the published "
    "non-ablative zone depths); the device meets it only at 5-6.5 mJ (session 24, a review; "
    "docs/planner.md)",
)
def test_1927_at_its_published_energies_stays_inside_the_pigment_target():
    from resurfacer.plan.schema import Plan
    from resurfacer.treatment import simulate

    plan = Plan.from_data(
        {
            "name": "1927 at 10 mJ",
            "patient": {"sex": "female", "age_years": 50, "phototype": 5},
            "areas": [{"site": "cheek", "area_cm2": 10}],
            "passes": [{"device": "thulium_1927", "pulse_energy_mj": 10}],
        }
    )
    depth = simulate(plan).summary.passes[0].coagulation_depth_um
    assert depth <= INDICATIONS["pigment"]["max_um"], depth
