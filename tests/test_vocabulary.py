"""One vocabulary in every human-facing output (issue 16): passes counted from 1, and
µm / °C / cm² as units, never "pass 0", "um" or a bare "C".

Walks the CLI's text (simulate, healing, mtz, optics mc, list, errors), the report
(HTML text) and the web planner's pages and scripts. Data paths may stay 0-based
(``passes[1]``) when the text also names the pass as people count it.
"""

import contextlib
import io
import re
from pathlib import Path

import pytest

from resurfacer.cli import main
from resurfacer.plan.schema import Plan
from resurfacer.report import render_html
from resurfacer.treatment import simulate

ROOT = Path(__file__).resolve().parents[1]
PLAN_TOML = """
name = "vocabulary check"
[patient]
sex = "female"
age_years = 50
phototype = 2
[[areas]]
site = "cheek"
area_cm2 = 10
[[areas]]
site = "periorbital"
area_cm2 = 5
[[passes]]
device = "co2_dual"
mode = "surface"
[[passes]]
device = "co2_dual"
mode = "deep"
pulse_energy_mj = 10
density_percent = 5
"""
BAD = {
    "pass 0": re.compile(r"\bpass(es)?\s+0\b", re.IGNORECASE),
    "um": re.compile(r"(?<![\w-])um\b"),
    "C as a unit": re.compile(r"(?:\d|\[)\s?C(?![\w°²])"),
    "cm2": re.compile(r"(?<![\w-])cm2\b"),
}


def offending(text: str) -> dict[str, list[str]]:
    """Each bad pattern's matches with some context."""
    found = {}
    for name, pattern in BAD.items():
        hits = [text[max(0, m.start() - 30) : m.end() + 30] for m in pattern.finditer(text)]
        if hits:
            found[name] = hits[:5]
    return found


def test_the_checker_catches_each_form():
    assert set(offending("pass 0: 12 um deep at 41.6 C over 30 cm2")) == set(BAD)
    clean = "pass 1: 12 µm deep at 41.6 °C over 30 cm², CO2, spot_um, passes[1] (pass 2)"
    assert offending(clean) == {}


def run_cli(argv) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        main(argv)
    return out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "plan.toml"
    path.write_text(PLAN_TOML)
    return str(path)


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "{plan}"],
        ["healing", "{plan}"],
        ["simulate", "{plan}", "--set", "passes.1.density_percent=150"],
        ["simulate", "{plan}", "--set", "passes.0.spot_um=-1"],
        ["mtz", "--after-ms", "1", "--grid-um", "4", "--energy-mj", "5"],
        ["mtz", "--spot-um", "5", "--grid-um", "4"],
        ["optics", "mc", "--site", "cheek", "--wavelength-nm", "1550", "--photons", "2000"],
        ["list", "devices"],
        ["list", "sites"],
        ["list", "indications"],
        ["list", "protocols"],
        ["list", "rules"],
    ],
)
def test_cli_text(argv, plan_file):
    text = run_cli([a.replace("{plan}", plan_file) for a in argv])
    assert text.strip()
    assert offending(text) == {}, text


def test_cli_help_texts():
    for command in ("simulate", "mtz", "plan", "healing", "list", "serve", "sweep"):
        text = run_cli_help([command, "--help"])
        assert offending(text) == {}, (command, offending(text))
    text = run_cli_help(["optics", "mc", "--help"])
    assert offending(text) == {}


def run_cli_help(argv) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(argv)
    return out.getvalue()


def visible_text(html: str) -> str:
    """The report as people read it: no JSON data blocks, no tags."""
    html = re.sub(r'<script type="application/json".*?</script>', "", html, flags=re.DOTALL)
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html)


def test_report_text():
    import tomllib

    plan = Plan.from_data(tomllib.loads(PLAN_TOML))
    text = visible_text(render_html(simulate(plan), plan))
    assert "pass 2" in text
    assert offending(text) == {}


def test_web_pages_and_scripts(tmp_path):
    from fastapi.testclient import TestClient

    from resurfacer.web import create_app

    client = TestClient(
        create_app(tmp_path / "store.sqlite", workers=1), base_url="http://localhost"
    )
    pages = ["/", "/compare", "/docs"]
    static = ROOT / "src" / "resurfacer" / "web" / "static"
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert offending(visible_text(r.text)) == {}, (path, offending(visible_text(r.text)))
    for script in static.glob("*.js"):
        text = script.read_text()
        assert offending(text) == {}, (script.name, offending(text))
