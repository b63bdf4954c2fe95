"""The planner page spells the units of the summary's notes as the CLI and the report do:
its `humanText` (web/static/planner.js) against `common.units.human_text`, run with
Node.js where it is installed (skipped otherwise; the browser tests load the page
itself)."""

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from resurfacer.common.units import human_text

SCRIPT = (
    Path(__file__).resolve().parents[2] / "src" / "resurfacer" / "web" / "static" / "planner.js"
)
NODE = shutil.which("node")

SAMPLES = [
    "depth 12 um at 41.6 C over 30 cm2, CO2, spot_um, --grid-um, passes[1]",
    "periorbital: with it one SD thinner or thicker (41 or 59 um instead of 49 um)",
    "pass 2 (periorbital): no crater, the surface boiled dry to 16 um",
    "table headers [um] and [C]; a 70 C cap over 2 mm2",
    # non-ASCII letters and digits beside a unit (session 19: the page's ASCII \w and \b
    # disagreed with Python's Unicode ones in 1,289 of 20,013 random strings)
    "Zoneéum", "20 cm2é", "5 Cé", "²um", "x٣ C", "Zoné 4 um", "ümm2", "é mm2 ß",
]


def _random_samples(n: int, seed: int = 19) -> list[str]:
    """Strings of unit tokens, digits, separators and non-ASCII letters and numbers."""
    rng = random.Random(seed)
    pieces = ["um", "[um]", "C", "[C]", "cm2", "mm2", " ", "-", "[", "_", "3", "12.5",
              "é", "ß", "²", "٣", "Ω", "°", "a", "Z", "µ", "\u00a0"]  # fmt: skip
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(n)]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_the_page_spells_units_as_the_cli_does():
    text = SCRIPT.read_text(encoding="utf-8")
    samples = SAMPLES + _random_samples(5000)
    rules = re.search(r"const HUMAN_UNITS = .*?;\n", text, flags=re.DOTALL).group(0)
    function = re.search(r"function humanText\(text\) \{.*?\n  \}\n", text, flags=re.DOTALL)
    program = (
        rules
        + function.group(0)
        + f"console.log(JSON.stringify({json.dumps(samples)}.map(humanText)));"
    )
    out = subprocess.run([NODE, "-e", program], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    wrong = [(s, g, human_text(s)) for s, g in zip(samples, got, strict=True) if g != human_text(s)]
    assert not wrong, wrong[:5]
