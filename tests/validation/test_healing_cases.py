"""The healing validation cases that copy the chain's wounds ("chain: <example>" in
data/validation/healing_cases.toml) still match what the chain hands healing: the example
is simulated and each named pass's wound (treatment.wound_for, depths below the surface
before the first pass, the wipe counted as removed) compared with the copy. They drifted
once (the crater-wall optics made the deep columns 30 % shallower while the copies kept
the old figures); this keeps the healing checks about the model as it is."""

import math
from pathlib import Path

import pytest

from resurfacer.data import load_toml
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.plan.schema import load_plan
from resurfacer.tissue.skin import skin_for
from resurfacer.treatment import column_for, shallow_injury_width, simulate, wound_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WOUNDS = load_toml("validation/healing_cases.toml")["wounds"]
CHAINED = {name: w for name, w in WOUNDS.items() if "chain" in w}
COLUMNS = {name: w for name, w in WOUNDS.items() if "column" in w}
FIELDS = {  # case field (um) -> WoundedPass attribute (m)
    "ablation_um": "ablation_depth",
    "coagulation_um": "coagulation_depth",
    "ablation_width_um": "ablation_width",
    "coagulation_width_um": "coagulation_width",
}
_OUTCOMES: dict = {}


def _chain_wounds(chain: dict):
    example = chain["example"]
    if example not in _OUTCOMES:
        plan = load_plan(EXAMPLES / f"{example}.toml")
        _OUTCOMES[example] = (plan, simulate(plan))
    plan, outcome = _OUTCOMES[example]
    area = next(a for a in plan.site_areas if a.region == chain["region"])
    top = 0.0
    for i in range(max(chain["passes"]) + 1):
        removed = outcome.summary.passes[i].removed_um * 1e-6
        if i in chain["passes"]:
            column = outcome.columns[i, area.region]
            gone = removed if chain.get("wipe", True) else None
            sc = outcome.skins[area.site].layer("stratum_corneum").thickness
            yield wound_for(plan.region_pass(i, area), column, top, gone, sc)
        top += removed


def test_every_chain_case_names_its_source():
    assert len(CHAINED) >= 6
    for name, w in WOUNDS.items():
        assert ("chain" in w) == w["basis"].startswith("chain:"), name
        assert ("column" in w) == w["basis"].startswith("column:"), name


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CHAINED))
def test_chain_case_matches_the_chain(name):
    case = CHAINED[name]
    wounds = list(_chain_wounds(case["chain"]))
    assert len(wounds) == len(case["passes"])
    for spec, wound in zip(case["passes"], wounds, strict=True):
        assert spec["kind"] == wound.kind
        # a copy carries no opening, so healing reads it fully open (`WoundedPass`): so
        # must the chain's ablative wounds be (the periorbital example's second pass, on
        # the surface the first stripped, was 63 % open until session 26)
        assert not wound.ablative or wound.opening == pytest.approx(1.0), name
        widths = spec["kind"] != "full_field"  # a full-field wound has no width
        for key, attr in FIELDS.items():
            if key.endswith("width_um") and not widths:
                continue
            got = getattr(wound, attr) * 1e6
            assert spec.get(key, 0.0) == pytest.approx(got, abs=0.6), (name, key)
        # the dried tissue left in place (none, under a wiped pass: its ablation depth)
        dried = max(spec.get("desiccation_um", 0.0), spec.get("ablation_um", 0.0))
        got = max(wound.desiccation_depth, wound.ablation_depth) * 1e6
        assert dried == pytest.approx(got, abs=0.6), (name, "desiccation_um")
        # the injured width to the swelling's depth (none for a wide spot's layer)
        width = wound.injury_width * 1e6
        expected = spec.get("injury_width_um", math.nan)
        assert math.isnan(width) == math.isnan(expected), name
        assert math.isnan(width) or expected == pytest.approx(width, abs=0.6), name
        _assert_lining(spec, wound, name)


def _assert_lining(spec: dict, wound, name: str) -> None:
    """The necrosis lining the crater (session 31: erythema reads it,
    `healing.wound.lining_necrosis`); none where the copy has none."""
    lining = wound.lining_necrosis * 1e6
    expected = spec.get("lining_necrosis_um", math.nan)
    assert math.isnan(lining) == math.isnan(expected), (name, "lining_necrosis_um")
    assert math.isnan(lining) or expected == pytest.approx(lining, abs=0.6), name


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_column_case_matches_the_solver(name):
    """A "column:" case (a published protocol's settings, session 25) holds the column
    the chain's solver gives at those settings (`treatment.column_for`, 4 um cells);
    every pass of the case repeats it."""
    c = COLUMNS[name]["column"]
    skin = skin_for(c["site"], sex=c["sex"], age=float(c["age"]), phototype=c["phototype"])
    beam = Beam(c["wavelength_nm"] * 1e-9, c["spot_um"] * 1e-6)
    column = column_for(skin, beam, Pulse(c["energy_mj"] * 1e-3, c["pulse_ms"] * 1e-3))
    summary = column.summary
    got = {
        "injury_width_um": shallow_injury_width(column),
        "ablation_um": summary.ablation_depth,
        "ablation_width_um": summary.ablation_width_surface,
        "coagulation_um": summary.coagulation_depth,
        "coagulation_width_um": summary.coagulation_width,
        "desiccation_um": summary.desiccation_depth,
    }
    lined = not math.isnan(summary.lining_necrosis)
    if lined:
        got["lining_necrosis_um"] = summary.lining_necrosis
    for spec in COLUMNS[name]["passes"]:
        for key, value in got.items():
            assert spec[key] == pytest.approx(value * 1e6, abs=0.6), (name, key)
        assert lined == ("lining_necrosis_um" in spec), name
