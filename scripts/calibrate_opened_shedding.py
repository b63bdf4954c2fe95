"""Calibrate the opened wound's shedding ratio k_o (data/healing.toml [debris]).

Solve for the k_o at which the model's visible crust and debris end on the day Newman
2000's patients recorded the end of crusting after pulsed CO2 on the upper lip (7.7 d,
data/validation/healing.csv heal-042, the calibration row), on that row's case, and print
the value to store as ``opened_shed_ratio``; then print the other crust rows it is
checked on.

    python scripts/calibrate_opened_shedding.py
"""

from unittest import mock

from scipy.optimize import brentq

from resurfacer.healing import wound
from resurfacer.healing.validation import case_for, healing_for_case, load_rows

CALIBRATION_ROW = "heal-042"
CHECK_ROWS = ("heal-043", "heal-037", "heal-040")


def crust_end_days(row_id: str, ratio: float) -> float:
    """The model's crust end [d] on the case of `row_id` with k_o = `ratio`."""
    with mock.patch.object(wound, "opened_shed_ratio", lambda: ratio):
        return healing_for_case(case_for(row_id)).crust_end_days


def calibrated_ratio() -> float:
    """k_o at which the calibration row's crust ends on its published day."""
    target = float(next(r for r in load_rows() if r["id"] == CALIBRATION_ROW)["measured"])
    return brentq(lambda k: crust_end_days(CALIBRATION_ROW, k) - target, 1e-3, 1.0, xtol=1e-5)


def main() -> None:
    k = calibrated_ratio()
    print(f"opened_shed_ratio = {k:.3f}  ({CALIBRATION_ROW})")
    for row_id in CHECK_ROWS:
        print(f"  {row_id}: crust ends on day {crust_end_days(row_id, round(k, 3)):.2f}")


if __name__ == "__main__":
    main()
