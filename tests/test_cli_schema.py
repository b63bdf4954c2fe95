"""`resurfacer schema` prints the plan's JSON Schema; bad plans exit 2 with one line."""

import json
import tomllib
from pathlib import Path

import pytest

from resurfacer.cli import main
from resurfacer.errors import InputError
from resurfacer.plan.schema import Plan


def test_schema_prints_plan_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == Plan.json_schema()
    assert set(schema["properties"]) == {"name", "patient", "areas", "passes", "notes"}
    assert "Pass" in schema["$defs"] and "Patient" in schema["$defs"]


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PATIENT = {"sex": "female", "age_years": 50, "phototype": 2}
LASER = {
    "kind": "fractional",
    "wavelength_nm": 10600,
    "spot_um": 120,
    "pulse_energy_mj": 15,
    "density_percent": 5,
    "pattern_size_mm": 10,
    "repetition_rate_hz": 200,
}

FULL_FIELD = {**{k: v for k, v in LASER.items() if k != "density_percent"},
              "kind": "full_field", "spot_um": 3000, "pulse_energy_mj": 200,
              "pulse_duration_ms": 1}  # fmt: skip
FF_DEVICE = {"device": "co2_full_field"}


def _plan(passes, patient=PATIENT):
    return {"name": "p", "patient": patient, "areas": [{"site": "cheek", "area_cm2": 10}],
            "passes": passes}  # fmt: skip


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = Plan.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_every_example_plan_meets_the_schema(validator, path):
    # found in session 20: the schema of the resolved plan required the fields a device
    # fills (kind, wavelength_nm, spot_um, ...), and refused 5 of the 6 examples
    data = tomllib.loads(path.read_text())
    if "passes" in data:  # a plan, not a sweep
        assert not [e.message for e in validator.iter_errors(data)]


@pytest.mark.parametrize(
    ("plan", "valid"),
    [
        (_plan([{"device": "co2_dual"}]), True),
        (_plan([{**LASER, "pulse_duration_ms": 0.5}]), True),
        (_plan([{**LASER, "peak_power_w": 30}]), True),  # the duration is derived
        (_plan([LASER]), False),  # no duration and no power
        (_plan([{**LASER, "pulse_duration_ms": 0.5, "mode": "deep"}]), False),  # no device
        (_plan([{"device": "co2_dual", "density_percent": 5, "mtz_per_cm2": 400}]), False),
        (_plan([{"device": "co2_dual"}], {**PATIENT, "phototype": 3.0}), True),
        (_plan([{"device": "co2_dual", "stack": 2.0}]), True),
        (_plan([{"device": "co2_dual"}], {**PATIENT, "phototype": 3.5}), False),
        # found in session 21: the schema's own checks missed these (see the tests below)
        (_plan([{"device": "co2_dual", "regions": {"cheek": {"stack": 2}}}]), True),
        (_plan([{"device": "co2_dual", "regions": {"cheek": {"stack": 0}}}]), False),
        (_plan([{"device": "co2_dual", "regions": {"cheek": {"stack": 50}}}]), False),
        (_plan([{**LASER, "pulse_duration_ms": 0.5, "device": None, "mode": "deep"}]), False),
        (_plan([{**LASER, "pulse_duration_ms": 0.5, "mode": None}]), True),
        (_plan([{"device": "co2_dual", "mode": None}]), True),
        (_plan([{**FULL_FIELD, "density_percent": None}]), True),
        (_plan([FULL_FIELD]), True),
        (_plan([{**FULL_FIELD, "density_percent": 5}]), False),
        (_plan([{**FULL_FIELD, "mtz_per_cm2": 400}]), False),
        (_plan([FF_DEVICE]), True),
        (_plan([{**FF_DEVICE, "density_percent": 5}]), False),
        (_plan([{**FF_DEVICE, "mode": "full_field", "spot_spacing_um": 900}]), False),
        (_plan([{**FF_DEVICE, "regions": {"cheek": {"density_percent": 5}}}]), False),
        (_plan([{**FF_DEVICE, "regions": {"cheek": {"pulse_energy_mj": 200}}}]), True),
        (_plan([{**LASER, "pulse_duration_ms": 0.5, "density_percent": None}]), False),
        (_plan([{**LASER, "pulse_duration_ms": 0.5, "density_percent": None,
                 "spot_spacing_um": 500}]), True),  # fmt: skip
    ],
)
def test_the_schema_and_the_plan_agree(validator, plan, valid):
    errors = list(validator.iter_errors(plan))
    assert (not errors) == valid, errors
    try:
        Plan.from_data(plan)
    except InputError:
        assert not valid
    else:
        assert valid


def _keys(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def test_the_schema_uses_json_schema_bounds_only():
    # found in session 21: RegionSetting.stack (an optional Integer) came out with pydantic's
    # ge/le, which JSON Schema ignores, so `regions.<area>.stack = 0` met the schema
    assert not {"ge", "le", "gt", "lt"} & set(_keys(Plan.json_schema()))


SIMULATE_ONLY = (Path(__file__).resolve().parents[1] / "docs" / "plan-files.md").read_text()
SIMULATE_ONLY = SIMULATE_ONLY.split("checked by `simulate`", 1)[1].split("\n\n", 1)[0]


@pytest.mark.parametrize(
    "plan",
    [
        _plan([{**LASER, "pulse_duration_ms": 0.5, "stack": 2, "stack_spacing_ms": 0.1}]),
        _plan([{"device": "co2_dual", "stack_spacing_ms": 0.1,
                "regions": {"cheek": {"stack": 3}}}]),  # fmt: skip
        _plan([{**LASER, "pulse_duration_ms": 0.5, "density_percent": None,
                "spot_spacing_um": 50}]),  # fmt: skip
        _plan([{**LASER, "pulse_duration_ms": 0.5, "density_percent": None,
                "mtz_per_cm2": 10000}]),  # fmt: skip
    ],
    ids=["stack_spacing", "region_stack_spacing", "spot_spacing", "mtz_per_cm2"],
)
def test_a_plan_the_schema_cannot_refuse_is_a_documented_simulate_rule(validator, plan):
    # found in session 21: these meet the schema and `simulate` refuses them, but the
    # docs' list of simulate's rules did not name them
    assert not list(validator.iter_errors(plan))
    with pytest.raises(InputError) as exc:
        Plan.from_data(plan)
    field = exc.value.field.split(".")[-1].split(" ")[0]
    assert f"`{field}`" in SIMULATE_ONLY
