"""Downtime does not fall as a pass gains energy, through the whole chain (column solver ->
wound -> healing), over generated single-pass plans of the devices and sites (issue 15's
property, hypothesis). Found and fixed in session 28: the swelling, which sets most
fractional downtimes, read the residual necrosis under each wound's floor, which thins as a
crater deepens into it; it now reads the whole wound to 190 um
(`healing.wound.swelling_injury`). The places where it fell are held by plain tests in
test_treatment_downtime.py (random pairs seldom land on them: these 14 pass on the old
measure too); this guards the rest of the devices' ranges. What still falls is held by a
strict xfail below: the downtime nowhere, the erythema where the wound bed's necrosis
steps under a full-field pass (`test_erythema_does_not_fall_where_the_bed_necrosis_steps`)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resurfacer.plan.schema import Plan
from resurfacer.treatment import simulate

#: (device, mode, lowest and highest energy drawn [mJ]): each device's range, the deep
#: columns to 40 mJ (their solves slow past it); the 1,927 nm device is held apart (below)
MODES = [
    ("co2_dual", "surface", 50.0, 225.0),
    ("co2_dual", "deep", 2.5, 40.0),
    ("co2_fractional_deep", "deep", 5.0, 40.0),
    ("erbium_fractional", None, 1.0, 40.0),
    ("nonablative_1550", None, 4.0, 40.0),
    ("co2_full_field", None, 150.0, 760.0),
]
SITES = ["cheek", "forehead", "periorbital", "perioral"]


def outcome(device, mode, site, energy_mj):
    p = {"device": device, "pulse_energy_mj": round(energy_mj, 3)}
    if mode:
        p["mode"] = mode
    plan = {
        "name": "energy property",
        "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"site": site, "area_cm2": 20}],
        "passes": [p],
    }
    return simulate(Plan.from_data(plan)).summary


#: a site, where in a mode's range the lower energy lies, and the higher one's factor
ENERGY_PAIRS = {
    "site": st.sampled_from(SITES),
    "at": st.floats(0.0, 1.0),
    "factor": st.floats(1.03, 1.3),
}


@settings(max_examples=14, deadline=None, derandomize=True)
@given(mode=st.sampled_from(MODES), **ENERGY_PAIRS)
def test_downtime_does_not_fall_with_energy(mode, site, at, factor):
    assert_does_not_fall("downtime_days", mode, site, at, factor)


def assert_does_not_fall(figure: str, mode, site, at: float, factor: float) -> None:
    """`figure` of the summary at an energy `at` of the way through `mode`'s range is
    at least 99 % of it at `factor` times that energy (within the range)."""
    device, name, lo, hi = mode
    energy = lo + at * (hi - lo)
    more = min(hi, energy * factor)
    a = getattr(outcome(device, name, site, energy), figure)
    b = getattr(outcome(device, name, site, more), figure)
    assert b >= 0.99 * a, (figure, device, name, site, energy, more, a, b)


#: the modes whose erythema reads a column's lining or none (the wide spots' and the
#: full field's bed steps where the stratum corneum goes at once: the strict xfail below;
#: the surface pass by 1.9-2.8 %, docs/healing.md, Known gaps)
COLUMN_MODES = [m for m in MODES if m[1] != "surface" and m[0] != "co2_full_field"]


@settings(max_examples=4, deadline=None, derandomize=True)
@given(mode=st.sampled_from(COLUMN_MODES), **ENERGY_PAIRS)
def test_erythema_does_not_fall_with_energy_in_columns(mode, site, at, factor):
    """Session 31: with the lining of the whole crater above the subcutis read, the deep
    columns' erythema falls by at most 0.09-0.21 % over 2.5-40 mJ (0.7-4.5 % on the floor
    alone)."""
    assert_does_not_fall("erythema_days", mode, site, at, factor)


def test_the_1927_nm_downtime_does_not_fall_with_energy():
    """Found in session 28 (random energy pairs through the chain, then a strict xfail):
    the 1,927 nm column's surface opening fell 1.0 -> 0.92 -> 0.82 at 17.6 / 18.2 / 19 mJ
    on the eyelids, where a steam pocket formed under its top cell before a crater opened
    at 20 mJ, and every ablative term of healing is weighted by the opening: 2.958 ->
    2.887 d. Since session 29 a dried cell lets the light on (col-052 met): the surface
    stays on the plateau and the pass heals as non-ablative across the range."""
    days = [outcome("thulium_1927", None, "periorbital", e).downtime_days for e in (17.58, 19.0)]
    assert days[1] >= 0.99 * days[0]


def test_erythema_does_not_fall_as_the_surface_pass_gains_energy():
    """A strict xfail from session 28 to 29: erythema read the necrosis under the crater,
    dried layer included, which fell as the surface pass's crater ate into the layer it had
    boiled dry (9.23 -> 8.70 d on the forehead from 79.9 to 92.0 mJ). Since session 30 it
    reads the wound bed's necrosis under the dried tissue too
    (`healing.wound.wound_bed_necrosis`), 47-50 um across the step: 7.81 -> 7.98 d."""
    a = outcome("co2_dual", "surface", "forehead", 79.87).erythema_days
    b = outcome("co2_dual", "surface", "forehead", 92.04).erythema_days
    assert b >= 0.99 * a


def test_erythema_does_not_fall_where_deep_columns_reach_the_fat():
    """A strict xfail from session 30 to 31: erythema read the necrosis under the crater's
    floor alone, which fell from 65.3 to 42.2 um where the perioral deep columns reached
    the fat (35 -> 37.3 mJ: 6.01 -> 5.74 d), though the floor is about 3 % of a deep
    column's wound. It now reads the necrosis lining the whole crater above the subcutis
    (`column.summary.lining_necrosis`), 25.6 / 25.5 um across the step: 5.43 d at both."""
    a = outcome("co2_dual", "deep", "perioral", 35.0).erythema_days
    b = outcome("co2_dual", "deep", "perioral", 37.3).erythema_days
    assert b >= 0.99 * a


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="erythema reads the wound bed's necrosis, which the column leaves about 48-49 um "
    "thick across the full-field device's energies above its ablation threshold (steady, "
    "as residual damage is above the threshold) but not smoothly: the stratum corneum goes "
    "at once (the crater 11 -> 17 um from 272 to 278 mJ on the perioral skin), then the "
    "dried front under the stalled crater advances faster than the coagulation front, "
    "50.0 -> 46.1 um from 280 to 310 mJ (46.2 -> 40.9 d; docs/healing.md, Known gaps)",
)
def test_erythema_does_not_fall_where_the_bed_necrosis_steps():
    a = outcome("co2_full_field", None, "perioral", 280.0).erythema_days
    b = outcome("co2_full_field", None, "perioral", 310.0).erythema_days
    assert b >= 0.99 * a


def test_the_swelling_rises_in_fine_steps_where_a_column_grows_into_its_depth():
    """A review (session 28): the width handed to healing was once the rms over the
    injured rows, times the coagulation depth; where a new row joined the lesion the
    swelling fell by about 1/N (the eyelids' deep columns, 2.53 -> 2.54 mJ: -1.8 % of the
    measure). It is now the injured volume itself (`column.summary.injured_volume`), into
    which a row enters with the small radius of its first coagulated cell."""
    swelling = []
    for step in range(11):
        energy = 2.50 + 0.01 * step
        p = {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": round(energy, 3)}
        plan = {
            "name": "eyelid columns",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "periorbital", "area_cm2": 20}],
            "passes": [p],
        }
        swelling.append(simulate(Plan.from_data(plan)).healing.oedema_days)
    assert all(b >= a - 1e-9 for a, b in zip(swelling, swelling[1:], strict=False)), swelling


def test_erythema_is_continuous_where_a_column_opens_its_crater():
    """Session 31's review: the first form of the crater's lining (the necrotic volume over
    the crater's faces) counted the lesion beside a shallow crater's mouth, 922 um over a
    4 um crater, and erythema jumped 7.83 -> 9.58 d where a custom 120 um CO2 pass opened
    its crater (0.30 -> 0.34 mJ, beside the co2_dual surface pass). Continuity as the issue
    states it: a small step moves the figure by less than 10 %."""

    def erythema(energy_mj):
        custom = {
            "kind": "fractional",
            "wavelength_nm": 10600,
            "spot_um": 120,
            "pulse_energy_mj": energy_mj,
            "pulse_duration_ms": energy_mj / 30,
            "pattern_size_mm": 10,
            "density_percent": 50,
            "repetition_rate_hz": 300,
        }
        plan = {
            "name": "crater threshold",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 50}],
            "passes": [{"device": "co2_dual", "mode": "surface"}, custom],
        }
        return simulate(Plan.from_data(plan)).summary.erythema_days

    below, above = erythema(0.30), erythema(0.34)
    assert abs(above - below) < 0.1 * below, (below, above)
