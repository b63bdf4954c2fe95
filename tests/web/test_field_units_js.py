"""The planner page labels a summary field and its unit as the CLI and the report do:
its `labelOf` and unit table (web/static/planner.js) against `common.units.split_unit`
and `FIELD_UNITS`, run with Node.js where it is installed (skipped otherwise). Until
session 20 the page kept its own shorter list: `fluence_j_per_cm2` showed as "Fluence j
per cm2", and fields in mm, ms, W, Hz or years had no unit."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from resurfacer.common.units import FIELD_UNITS, split_unit

SCRIPT = (
    Path(__file__).resolve().parents[2] / "src" / "resurfacer" / "web" / "static" / "planner.js"
)
NODE = shutil.which("node")
KEYS = [
    "fluence_j_per_cm2", "density_per_cm2", "total_area_cm2", "age_years", "downtime_days",
    "closure_hours", "session_minutes", "wavelength_nm", "coagulation_depth_um", "spot_mm",
    "pulse_energy_mj", "total_energy_j", "pulse_ms", "repetition_hz", "peak_power_w",
    "peak_bulk_temperature_c", "pulse_s", "coverage_percent", "plan_name", "um", "x_j_cm2",
]  # fmt: skip


def _table() -> dict:
    text = SCRIPT.read_text(encoding="utf-8")
    body = re.search(r"const FIELD_UNITS = \{(.*?)\};", text, flags=re.DOTALL).group(1)
    return dict(re.findall(r'(_\w+): "([^"]*)"', body))


def test_the_page_has_the_python_unit_table():
    assert _table() == {suffix: symbol for suffix, (symbol, _) in FIELD_UNITS.items()}


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_the_page_labels_fields_as_python_splits_them():
    text = SCRIPT.read_text(encoding="utf-8")
    table = re.search(r"const FIELD_UNITS = \{.*?\};\n", text, flags=re.DOTALL).group(0)
    function = re.search(r"function labelOf\(key\) \{.*?\n  \}\n", text, flags=re.DOTALL)
    call = f"console.log(JSON.stringify({json.dumps(KEYS)}.map(labelOf)));"
    program = table + function.group(0) + call
    out = subprocess.run([NODE, "-e", program], capture_output=True, text=True, check=True)
    for key, (label, unit) in zip(KEYS, json.loads(out.stdout), strict=True):
        stem, symbol = split_unit(key)
        assert unit == symbol, key
        assert label.lower() == stem.replace("_", " ").lower(), key


def test_the_form_offers_no_input_for_what_a_device_preset_fixes():
    # session 24 (a review): the preset form still offered Kind and Wavelength, which the
    # schema now refuses to change on a device's pass (plan.schema.DEVICE_IDENTITY)
    from pathlib import Path

    from resurfacer.plan.schema import DEVICE_IDENTITY

    js = (Path(__file__).parents[2] / "src/resurfacer/web/static/planner.js").read_text()
    fixed = ", ".join(f'"{name}"' for name in DEVICE_IDENTITY)
    assert f"const FIXED_BY_DEVICE = [{fixed}];" in js
    assert "if (!custom && FIXED_BY_DEVICE.includes(name)) continue;" in js
