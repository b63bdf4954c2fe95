"""Every plan in examples/ passes every hard rule (simulated), except the one named
*-unsafe.toml, which exists to show the warnings."""

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from resurfacer.plan.schema import load_plan
from resurfacer.treatment import TREATMENT_SOLVER, simulate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PLANS = sorted(
    p for p in EXAMPLES.glob("*.toml") if "parameters" not in tomllib.loads(p.read_text())
)
FAST = replace(TREATMENT_SOLVER, grid=8e-6, photons=20_000)


def test_exactly_one_unsafe_example():
    assert [p.name for p in PLANS if p.name.endswith("-unsafe.toml")] == [
        "co2-dual-full-face-unsafe.toml"
    ]


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_example_passes_every_hard_rule(path):
    unsafe = path.name.endswith("-unsafe.toml")
    # the unsafe example's eyelid columns (20 mJ) end at 1.17 of the eyelid dermis on the
    # treatment grid; it is checked on the grid `simulate` uses
    outcome = simulate(load_plan(path), TREATMENT_SOLVER if unsafe else FAST)
    warnings = outcome.summary.warnings
    if unsafe:
        assert any(w.startswith("energy_deep_periorbital (periorbital)") for w in warnings)
        assert any(w.startswith("depth_within_dermis (periorbital)") for w in warnings)
    else:
        assert warnings == []
        assert all(r.fraction_of_dermis <= 0.9 for r in outcome.summary.regions)
