"""Uncertainty bands: ordered, reproducible by seed, samples physical, bad input refused."""

import numpy as np
import pytest

from resurfacer.errors import InputError
from resurfacer.plan.schema import Plan
from resurfacer.planning.uncertainty import band_table, propagate, sample_overrides
from resurfacer.tissue.skin import skin_for

PLAN = Plan.from_data(
    {
        "name": "t",
        "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"site": "cheek", "area_cm2": 50}],
        "passes": [{"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 5}],
    }
)


@pytest.fixture(scope="module")
def result():
    return propagate(PLAN, 6, seed=3)


def test_bands_are_ordered_and_spread(result):
    for q, b in result.bands["passes"][0].items():
        assert b["p10"] <= b["p50"] <= b["p90"], q
    depth = result.bands["passes"][0]["coagulation_depth_um"]
    assert depth["p90"] > depth["p10"]  # water and conductivity spreads move the depth
    d = result.bands["downtime_days"]
    assert d["p10"] <= d["p50"] <= d["p90"]
    assert "downtime" in band_table(result)


def test_same_seed_same_samples(result):
    again = propagate(PLAN, 6, seed=3)
    assert again.bands == result.bands


def test_samples_stay_physical():
    rng = np.random.default_rng(0)
    nominal = skin_for("cheek", "female", 50, 2)
    for _ in range(200):
        o = sample_overrides(rng, nominal)
        skin_for("cheek", "female", 50, 2, overrides=o)  # validates every value
        assert 0.5 <= o["reticular_dermis"]["water_fraction"] <= 0.8


def test_reference_scaling(result):
    from types import SimpleNamespace

    nominal = result.samples["nominal"]
    ref = SimpleNamespace(
        downtime_days=2 * nominal["downtime_days"],
        passes=[SimpleNamespace(**{k: 2 * v for k, v in nominal["passes"][0].items()})],
    )
    scaled = propagate(PLAN, 6, seed=3, reference=ref)
    a = result.bands["passes"][0]["coagulation_depth_um"]["p90"]
    assert scaled.bands["passes"][0]["coagulation_depth_um"]["p90"] == pytest.approx(2 * a)


@pytest.mark.parametrize("n", [0, 1, 1001, 2.5])
def test_bad_sample_counts(n):
    with pytest.raises(InputError, match="n_samples"):
        propagate(PLAN, n)
