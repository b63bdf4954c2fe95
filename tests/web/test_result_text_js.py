"""The result page and the suggested plans give the downtime and the skin's closure as
the CLI and the report do: the page's own scripts (web/static/planner.js, suggest.js)
run with Node.js on a stand-in DOM (skipped where Node.js is not installed; the browser
tests load the pages themselves).

A probe found the band reading "7.1–11" (two significant digits) where the CLI said
"7.1-10.8", and a plan that never opened the skin listed "Reepithelialization 13 h"
where the CLI says "skin surface: intact (treated skin repaired after 13 h)"."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from resurfacer.healing import closure_words

STATIC = Path(__file__).resolve().parents[2] / "src" / "resurfacer" / "web" / "static"
NODE = shutil.which("node")

#: a document with just what the scripts call: elements keep their text and children
DOM = """
class Node {
  constructor(tag) { this.tag = tag; this.children = []; this.attrs = {}; this.textContent = ""; }
  append(...nodes) { this.children.push(...nodes); }
  replaceChildren(...nodes) { this.children = nodes; }
  setAttribute(name, value) { this.attrs[name] = value; }
  addEventListener() {}
}
const textOf = (n) => (typeof n === "string" ? n.trim()
  : [n.textContent.trim(), ...n.children.map(textOf)].filter((t) => t).join(" | "));
globalThis.document = {
  createElement: (tag) => (tag === "template"
    ? { content: { firstChild: { namespaceURI: "http://www.w3.org/2000/svg" } } } : new Node(tag)),
  createElementNS: (ns, tag) => new Node(tag),
};
"""

BAND = [7.062, 10.84]


def summary(skin_opened: bool) -> dict:
    """A simulation's summary, the fields the result page reads."""
    return {
        "plan_name": "band check", "total_area_cm2": 50.0, "session_minutes": 3.2,
        "total_energy_j": 120.0, "peak_bulk_temperature_c": 41.3,
        "combined_coverage_percent": 12.0, "max_energy_balance_error": 1e-9,
        "reepithelialization_hours": 13.04, "skin_opened": skin_opened,
        "downtime_days": 9.163, "downtime_days_range": BAND, "erythema_days": 12.35,
        "mend_clearance_days": 6.0, "remodeling_weeks": 12.0, "passes": [], "regions": [],
    }  # fmt: skip


def planner_answer() -> dict:
    """A planner's answer with one plan, the fields the suggested-plans view reads."""
    plan = {
        "plan": {"name": "deep"}, "depth_um": 512.4, "target_met": True, "rules": [],
        "session_minutes": 3.2, "rationale": "", "form_plan": {},
        "passes": [{"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 11.5}],
        "predicted": {"downtime_days": 9.163, "downtime_days_range": BAND, "broken_rules": [],
                      "combined_coverage_percent": 10.0, "peak_bulk_temperature_c": 46.9},
    }  # fmt: skip
    target = {"name": "Acne scars", "metric": "coagulation_depth", "min_um": 500,
              "max_um": 1000, "min_coverage_percent": 10}  # fmt: skip
    return {"target": target, "device": "co2_dual", "device_reason": "default",
            "candidates": 10, "reached": True, "message": "", "dropped": [], "plans": [plan],
            "tradeoff": [{"depth_um": 500, "downtime_days": 9.0}]}  # fmt: skip


def page_text() -> dict:
    """What the scripts show: the result of `summary` (skin opened and not) and the
    suggested plan, each as its text."""
    calls = f"""
const shown = (s) => {{ const c = new Node("div");
  Resurfacer.renderResult(c, {{ summary: s, report_url: "/r" }}); return textOf(c); }};
const answer = new Node("div");
Suggest.renderSuggestions(answer, {json.dumps(planner_answer())}, () => {{}});
console.log(JSON.stringify({{
  intact: shown({json.dumps(summary(False))}), opened: shown({json.dumps(summary(True))}),
  suggested: textOf(answer),
}}));
"""
    scripts = "".join((STATIC / name).read_text(encoding="utf-8") for name in
                      ("planner.js", "suggest.js"))  # fmt: skip
    out = subprocess.run([NODE, "-e", DOM + scripts + calls], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def cli_band() -> str:
    """The band as `resurfacer simulate` and `resurfacer plan` print it (with the page's
    dash)."""
    lo, hi = BAND
    return f"{lo:.1f}-{hi:.1f}".replace("-", "–")


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_the_downtime_band_has_the_clis_decimals():
    text = page_text()
    assert f"range {cli_band()}" in text["intact"]
    assert f"band {cli_band()}" in text["suggested"]
    assert "9.2 | days" in text["intact"] and "9.2 | days" in text["suggested"]
    assert "–11" not in text["intact"] + text["suggested"]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_the_skins_closure_is_worded_as_the_cli_words_it():
    text = page_text()
    for key, opened in (("intact", False), ("opened", True)):
        label, value = closure_words(opened, f"{13.04:.0f} h")
        assert f"{label.capitalize()} | {value}" in text[key], text[key]
        assert "Reepithelialization" not in text[key]
    assert "Erythema | 12.3 days" in text["intact"]  # days as the CLI prints them


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_a_plan_card_shows_its_protocol_notes_and_regions_short_of_the_target():
    # session 24 (a review): both were only inside the collapsed "Why this plan"
    answer = planner_answer()
    answer["plans"][0] |= {
        "protocol_notes": ["pulse energy 5 mJ is below the published 10-20 mJ"],
        "regions_below_target": ["periorbital: depth 173 um < 300 um"],
        "rationale": "",
    }
    calls = f"""
const answer = new Node("div");
Suggest.renderSuggestions(answer, {json.dumps(answer)}, () => {{}});
console.log(JSON.stringify(textOf(answer)));
"""
    scripts = "".join((STATIC / name).read_text(encoding="utf-8") for name in
                      ("planner.js", "suggest.js"))  # fmt: skip
    out = subprocess.run([NODE, "-e", DOM + scripts + calls], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    text = json.loads(out.stdout)
    assert "Beside the published protocols: pulse energy 5 mJ is below" in text
    assert "Short of the target in some regions: periorbital: depth 173 um" in text
