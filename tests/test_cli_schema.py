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
