"""`resurfacer schema` prints the plan's JSON Schema; bad plans exit 2 with one line."""

import json

from resurfacer.cli import main
from resurfacer.plan.schema import Plan


def test_schema_prints_plan_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == Plan.json_schema()
    assert set(schema["properties"]) == {"name", "patient", "areas", "passes", "notes"}
    assert "Pass" in schema["$defs"] and "Patient" in schema["$defs"]
