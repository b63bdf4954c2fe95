"""Healing model against published data: calibration re-derived, then checked on other data.

Calibration (rows of data/validation/healing.csv): Stumpp 2009 ED50 ends (heal-001/002:
migration speed, lag), Stumpp ED84/ED50 at 10 mJ (heal-003: spread), Laubach 2006 MEND
shedding by day 7 (heal-008: debris speed), non-ablative erythema and oedema 2-3 d
(heal-016), full-field Er:YAG 5.5 d (heal-030: depth lag), full-field CO2 erythema
4.5 months (heal-025), Newman 2000's diary crusting after full-field CO2 (heal-042: the
opened wound's crust, k_o). Checks: every other row, with the bounds of
data/validation/healing_cases.toml; their errors are in docs/validation.md.
"""

import math
from pathlib import Path

import pytest

from resurfacer.data import load_toml
from resurfacer.healing import WoundedPass, adnexal_closure, column_closure, healing_timeline
from resurfacer.healing.validation import bound_interval, check_row, load_rows
from resurfacer.tissue.skin import skin_for

H = 3600.0
CHEEK_37 = skin_for("cheek", age=37, phototype=2)
CHEEK_50 = skin_for("cheek", age=50, phototype=2)
C = load_toml("healing.toml")


def mtz_width(energy_mj):
    sw = C["stumpp_widths"]
    p = math.log(sw["width_um"][1] / sw["width_um"][0]) / math.log(
        sw["energy_mj"][1] / sw["energy_mj"][0]
    )
    return sw["width_um"][0] * (energy_mj / sw["energy_mj"][0]) ** p * 1e-6


def nafl(energy_mj, coverage=0.002):
    """Isolated 1550 nm zones, as the calibration assumes (the intact margin between
    zones is not thinned: necrotic area per surface ~ 0)."""
    return WoundedPass(
        "nonablative_fractional", 0, 0, 400e-6, mtz_width(energy_mj), coverage, None,
        energy_mj * 1e-3,
    )  # fmt: skip


def test_calibration_rederived_from_stumpp():
    r10, r70 = mtz_width(10) / 2, mtz_width(70) / 2
    speed = (r70 - r10) / ((22 - 10) * H)
    lag = 10 * H - r10 / speed
    m = C["migration"]
    assert m["speed_um_per_hour"] == pytest.approx(speed * 1e6 * H, rel=2e-3)
    assert m["lag_hours"] == pytest.approx(lag / H, rel=2e-3)
    assert mtz_width(70) * 1e6 == pytest.approx(C["stumpp_widths"]["width_um"][2], rel=1e-3)


def test_nonablative_ed50_10_to_22_h_rising_with_energy():
    h = [
        healing_timeline([nafl(e)], CHEEK_37).reepithelialization_hours
        for e in (10, 20, 30, 40, 50, 70)
    ]
    assert all(10 - 0.1 <= x <= 22 + 0.1 for x in h)
    assert all(b > a for a, b in zip(h, h[1:], strict=False))


def test_ed84_at_70_mj_checked_against_stumpp():
    ed50 = healing_timeline([nafl(70)], CHEEK_37).reepithelialization_hours
    assert ed50 * C["migration"]["ed84_over_ed50"] == pytest.approx(28.0, rel=0.05)


def test_laubach_basal_continuity_by_24_h_at_5_mj():
    assert healing_timeline([nafl(5)], CHEEK_37).reepithelialization_hours <= 24.0


def test_mends_shed_within_about_a_week():
    for e in (5, 10, 40, 70):
        d = healing_timeline([nafl(e)], CHEEK_37).mend_clearance_days
        assert 5.0 <= d <= 8.0


@pytest.mark.parametrize("depth", [300e-6, 450e-6, 600e-6])
@pytest.mark.parametrize("coverage", [0.05, 0.10, 0.20])
def test_ablative_fractional_closes_within_days_and_remodels_over_months(depth, coverage):
    # 120 um wide columns (Hantash 2007 device class); coagulation zone about 180 um.
    w = 180e-6
    p = WoundedPass(
        "ablative_fractional",
        depth,
        120e-6,
        depth + 50e-6,
        w,
        coverage,
        w * math.sqrt(math.pi / 4 / coverage),
        0.015,
    )
    r = healing_timeline([p], CHEEK_50)
    assert r.reepithelialization_hours <= 48.0  # Hantash 2007: closed within 48 h (verify)
    assert r.downtime_days < 10
    assert r.remodeling_weeks >= 12  # HSP47 still raised at 3 months


def test_full_field_er_yag_calibration_and_co2_check():
    er = adnexal_closure(130e-6, "forehead") / 86400
    assert er == pytest.approx(5.5, rel=0.02)  # calibration case (heal-030): 100 + 30 um
    co2 = adnexal_closure(190e-6, "forehead") / 86400
    # check (heal-031): published 8.5 d; the model gives 7.0 d (-17 %), inside the 50 %
    # point bound of the validation table (the former 60 + 30 um case gave 9.2 d)
    assert co2 == pytest.approx(8.5, rel=0.5)
    assert co2 > er
    assert co2 > 2 * column_closure(90e-6) / 86400


def test_hand_set_dual_wounds_on_the_cheek_heal_in_3_to_5_days():
    """A surface + deep pair of hand-set wounds (30 um surface crater, 500 um columns at
    5-10 %) on the cheek, 50 y. Not the reference plan through the chain: that is
    tests/validation/test_treatment_downtime.py (8.71 d, set by its eyelids)."""
    surf = WoundedPass(
        "ablative_fractional",
        30e-6,
        1.3e-3,
        80e-6,
        1.3e-3,
        0.40,
        1.3e-3 * math.sqrt(math.pi / 4 / 0.40),
        0.09,
    )
    for cov in (0.05, 0.10):
        deep = WoundedPass(
            "ablative_fractional",
            500e-6,
            120e-6,
            550e-6,
            180e-6,
            cov,
            180e-6 * math.sqrt(math.pi / 4 / cov),
            0.015,
        )
        r = healing_timeline([surf, deep], CHEEK_50)
        assert 3.0 <= r.downtime_days <= 5.0


# --- the published table (data/validation/healing.csv) -----------------------------------

ROWS = load_rows()
DOC = Path(__file__).resolve().parents[2] / "docs" / "validation.md"


def test_calibration_rows_are_reproduced():
    """Each calibration row gives back its figure (the constant it set, re-derived)."""
    for row in ROWS:
        if row["role"] == "calibration":
            r = check_row(row)
            assert r["error"] == pytest.approx(0.0, abs=0.06), r


@pytest.mark.parametrize("row", [r for r in ROWS if r["role"] == "check"], ids=lambda r: r["id"])
def test_check_rows_meet_their_bounds(row):
    """Held-out rows meet the bound their case states (point: 50 %, range: +/- 25 %,
    upper: +25 %, lower); the rows that do not are named with the reason in
    healing_cases.toml and listed in docs/validation.md, and must stay outside (if the
    model comes to meet one, update the case and the docs)."""
    r = check_row(row)
    if r["model"] is None:
        assert r["reason"], row["id"]
        return
    if r["disagreement"]:
        assert not r["met"], f"{row['id']} now meets its bound: update healing_cases.toml"
        assert row["id"] in DOC.read_text()
    else:
        assert r["met"], r


def test_no_downtime_meets_both_published_figures_of_the_dual_full_face():
    """heal-020 (TotalFX, the surface + deep pairing the co2_dual preset takes its settings
    from: 14 d, a clinic page) and heal-032 (the 3-5 d the reference treatment is sold
    with) run the same wounds and ask for disjoint downtimes (7-21 d against 2.25-6.25 d):
    one of the two is out whatever the model gives, so "every check row in its bound"
    cannot hold for the healing table as published (docs/validation.md)."""
    cases = load_toml("validation/healing_cases.toml")["rows"]
    rows = {r["id"]: r for r in ROWS}
    same = ("wounds", "site", "areas", "quantity")
    assert all(cases["heal-020"].get(k) == cases["heal-032"].get(k) for k in same)
    low20, high20 = bound_interval(rows["heal-020"], cases["heal-020"]["bound"])
    low32, high32 = bound_interval(rows["heal-032"], cases["heal-032"]["bound"])
    assert high32 < low20


def test_docs_validation_table_is_current():
    """docs/validation.md carries the errors the model gives now (`resurfacer validate`)."""
    text = DOC.read_text()
    for row in ROWS:
        r = check_row(row)
        if r["error"] is not None:
            line = next(x for x in text.splitlines() if x.startswith(f"| {row['id']} |"))
            assert f"| {100 * r['error']:+.0f} % |" in line, (row["id"], line)
        if r["disagreement"]:  # its reason as healing_cases.toml words it (session 27: stale)
            assert f"* {row['id']}: {r['disagreement']}" in text, row["id"]


def _met_rows(ratio=None) -> set[str]:
    """The ids of the check rows met, with the opened wound's k_o set to `ratio`."""
    from unittest import mock

    from resurfacer.healing import wound
    from resurfacer.healing.validation import validation_table

    if ratio is None:
        table = validation_table()
    else:
        with mock.patch.object(wound, "opened_shed_ratio", lambda: ratio):
            table = validation_table()
    return {r["id"] for r in table if r["role"] == "check" and r["met"]}


@pytest.mark.parametrize("ratio", [0.0, 0.04, 0.25])
def test_the_rows_met_do_not_hang_on_the_second_decimal_of_k_o(ratio):
    """k_o (healing.toml [debris] opened_shed_ratio) is set on one row (heal-042); the
    check rows it is judged on are met alike at 0 (the crust gone at closure), at half its
    value and at three times it (0.25: the crust 1.9 d after closure that the make-up /
    crusting pair of a full-field CO2 cohort suggests), and not at the MEND speed it
    replaced (k_o = 1): they bound k_o from above, they do not fix it."""
    nominal = _met_rows()
    assert _met_rows(ratio) == nominal
    assert len(_met_rows(1.0)) < len(nominal)
