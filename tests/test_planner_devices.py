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
