"""Published protocols (data/protocols.toml): every row whose settings were published
simulates without breaking a hard rule; the planner's acne-scar plan lies within (or
below, as justified) the published Yuan 2014 range.

A row becomes a plan as follows (the mapping is the test's, stated here):
device_class -> the device preset of the same class (co2_fractional_surface: the
co2_dual surface mode; co2_full_field energy from the fluence on the preset's 2.25 mm
spot); region -> the site that models it (full_face: cheek, the largest facial region);
phototype: type III where the row reports an Asian population without Fitzpatrick types,
type II otherwise; the low and high ends of each published range; passes as published,
else 1; for the 1,540-1,550 nm rows that report a total MTZ count without passes, the
8 passes of Kono 2007 (same group, same device family). Rows that report no energy or
fluence cannot be simulated and are counted, not skipped silently.
"""

import math
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from resurfacer.plan.rules import check_plan
from resurfacer.plan.schema import DEVICES, Plan
from resurfacer.planning.protocols import NOT_COMPARED
from resurfacer.treatment import TREATMENT_SOLVER, simulate

DATA = Path(__file__).resolve().parents[1] / "src" / "resurfacer" / "data"
ROWS = tomllib.loads((DATA / "protocols.toml").read_text())["protocol"]
#: The planner test's solver: 8 um cells are enough to rank candidates. The rule checks
#: use the product's own solver (TREATMENT_SOLVER): at 8 um a 20 mJ column keeps 17 %
#: more residual heat (3.53 against 3.02 mJ; 3.00 at 2 um), and a thermal dose, which
#: doubles per degree, is then several times too high.
FAST = replace(TREATMENT_SOLVER, grid=8e-6, photons=20_000)
DEVICE = {
    "co2_fractional_deep": ("co2_fractional_deep", "deep"),
    "co2_fractional_surface": ("co2_dual", "surface"),
    "co2_full_field": ("co2_full_field", "full_field"),
    "nonablative_1550": ("nonablative_1550", "fractional"),
    "nonablative_1927": ("thulium_1927", "fractional"),
    "erbium_fractional": ("erbium_fractional", "fractional"),
}
SITE = {"full_face": "cheek", "neck": "neck", "chest": "chest", "periorbital": "periorbital"}
#: Rows whose published settings the model cannot represent, and why (stated, not hidden).
NOT_REPRESENTED = {
    **NOT_COMPARED,  # the planner's protocol notes leave the same rows out
    "alster1999-eryag-fullfield": "no full-field Er:YAG device preset in data/devices.toml",
}


def _phototype(row) -> int:
    text = str(row.get("phototypes", ""))
    return 3 if ("Asian" in text or "Chinese" in text or "Japanese" in text) else 2


def _ends(row):
    """(energy mJ, density dict, passes) at the low and the high end of the row."""
    device, mode = DEVICE[row["device_class"]]
    spec = DEVICES[device]["modes"][mode]
    if "pulse_energy_mj" in row:
        energies = row["pulse_energy_mj"]
    else:  # fluence on the preset's top-hat spot: E = F x area
        area_cm2 = math.pi * (spec["spot_um"] * 1e-4) ** 2 / 4
        energies = [1e3 * f * area_cm2 for f in row["fluence_j_cm2"]]
    passes = row.get("passes", 8 if "mtz_total" in row else 1)
    passes = passes if isinstance(passes, list) else [passes, passes]
    out = []
    for k in (0, 1):
        density: dict = {}
        if "density_percent" in row:
            density = {"density_percent": row["density_percent"][k] / passes[k]}
            if "passes" not in row:
                density = {"density_percent": row["density_percent"][k]}
        elif "mtz_per_cm2_per_pass" in row:
            density = {"mtz_per_cm2": row["mtz_per_cm2_per_pass"]}
        elif "mtz_total" in row:
            density = {"mtz_per_cm2": row["mtz_total"] / passes[k]}
        energy = row.get("mean_pulse_energy_mj", energies[k]) if k else energies[k]
        out.append((float(energy), density, int(passes[k])))
    return device, mode, out


def _plans(row):
    device, mode, ends = _ends(row)
    for energy, density, n in ends:
        yield Plan.from_data(
            {
                "name": row["id"],
                "patient": {"sex": "female", "age_years": 45, "phototype": _phototype(row)},
                "areas": [{"site": SITE[row["region"]], "area_cm2": 50}],
                "passes": [{"device": device, "mode": mode, "pulse_energy_mj": energy, **density}]
                * n,
            }
        )


SIMULABLE = [
    r
    for r in ROWS
    if ("pulse_energy_mj" in r or "fluence_j_cm2" in r)
    and r["device_class"] in DEVICE
    and r["id"] not in NOT_REPRESENTED
]


def test_rows_are_sourced_and_the_unsimulable_are_named():
    assert len(ROWS) >= 15
    assert all(r["source"].strip() for r in ROWS)
    with_settings = [r for r in ROWS if "pulse_energy_mj" in r or "fluence_j_cm2" in r]
    assert {r["id"] for r in with_settings} - {r["id"] for r in SIMULABLE} <= set(NOT_REPRESENTED)
    assert len(SIMULABLE) >= 10


@pytest.mark.parametrize("row", SIMULABLE, ids=lambda r: r["id"])
def test_published_protocol_breaks_no_hard_rule(row):
    for plan in _plans(row):
        outcome = simulate(plan)
        assert check_plan(plan, outcome) == [], plan.passes[0].pulse_energy_mj


def test_yuan_arms_in_type_iv_skin_follow_the_paper():
    """Yuan 2014 (Asian skin): 10 mJ / 10 % as effective as 20 mJ / 20 % with fewer adverse
    effects; the phototype IV-VI rules keep the first and refuse the second."""
    rows = {r["id"]: r for r in ROWS}

    def broken(row_id):
        plan = next(_plans(rows[row_id]))
        data = plan.to_dict()
        data["patient"]["phototype"] = 4
        plan = Plan.from_data(data)
        return {v.rule for v in check_plan(plan, simulate(plan))}

    assert broken("yuan2014-B-10mJ-10pc") == set()
    assert "density_deep_phototype_4_6" in broken("yuan2014-A-20mJ-20pc")


def test_planner_acne_plan_lies_within_or_below_the_published_yuan_range(tmp_path, monkeypatch):
    """Yuan 2014 (DeepFX, acne scars): 10-20 mJ at 10-20 %. The planner's first plan with
    the same class of device has a density inside 10-20 % (the indication's least
    coverage is Yuan's 10 %) and an energy at most 20 mJ: below 10 mJ only where the
    model's column already reaches the 500 um target (the paper: the lower setting was
    as effective with fewer adverse effects)."""
    import resurfacer.planning.surrogate as surrogate
    from resurfacer.plan.schema import Area, Patient
    from resurfacer.planning.planner import plan_treatment

    monkeypatch.setenv("RESURFACER_CACHE", str(tmp_path))
    surrogate.clear_memory()
    patient = Patient(sex="female", age_years=30, phototype=3)
    r = plan_treatment(
        patient,
        [Area(site="cheek", area_cm2=50)],
        "acne_scars",
        "co2_fractional_deep",
        options=FAST,
        table_nodes=5,
        stacks=(1,),
        repeats=(1,),
        n_best=1,
    )
    surrogate.clear_memory()
    assert r.reachable, r.message
    (deep,) = r.plans[0].passes
    assert 10.0 <= deep["density_percent"] <= 20.0
    assert deep["pulse_energy_mj"] <= 20.0
    assert r.plans[0].depth_um >= 500.0
