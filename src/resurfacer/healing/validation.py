"""The healing model against the published healing durations (``data/validation/healing.csv``).

`simulate_healing_row(row)` gives the model's value for one row, in the row's unit, from
the case ``data/validation/healing_cases.toml`` names for it (the wounds, the skin, the
model quantity compared); `check_row(row)` adds the error and whether the row's stated
bound is met. ``tests/validation/test_healing_published.py`` calls these, and the healing
table of ``resurfacer validate`` (``validation.healing``) wraps them (docs/validation.md,
"Healing").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from resurfacer.common.units import METRE_PER_UM
from resurfacer.data import load_toml, read_csv_rows
from resurfacer.errors import InputError
from resurfacer.tissue.skin import skin_for

from .combine import whole_treatment
from .renewal import DAY
from .timeline import HealingResult, healing_timeline
from .wound import WoundedPass

CASES = "validation/healing_cases.toml"
#: Widening of published ranges and point tolerance of the checks (healing_cases.toml header).
RANGE_SLACK = 0.25
POINT_TOLERANCE = 0.5


def load_rows() -> list[dict]:
    """The rows of data/validation/healing.csv (comment lines skipped), as dicts of str."""
    return read_csv_rows("validation/healing.csv")


def _wound(spec: Mapping) -> WoundedPass:
    """One pass of a case (um, %) as a WoundedPass (SI)."""
    kind = spec["kind"]
    abl = spec.get("ablation_um", 0.0) * METRE_PER_UM
    coag = spec["coagulation_um"] * METRE_PER_UM
    dried = spec.get("desiccation_um", 0.0) * METRE_PER_UM
    if kind == "full_field":
        return WoundedPass(
            kind, abl, math.nan, coag, math.nan, 1.0, None, 0.0, desiccation_depth=dried
        )
    a_w = spec.get("ablation_width_um", 0.0) * METRE_PER_UM
    c_w = spec["coagulation_width_um"] * METRE_PER_UM
    spacing = spec.get("spacing_um")
    spacing = None if spacing is None else spacing * METRE_PER_UM
    if spacing is None:
        coverage = spec["coverage_percent"] / 100.0
    else:
        coverage = min(1.0, math.pi * max(a_w, c_w) ** 2 / (4.0 * spacing**2))
    width = spec.get("injury_width_um", math.nan) * METRE_PER_UM
    return WoundedPass(
        kind, abl, a_w, coag, c_w, coverage, spacing, 0.0, injury_width=width,
        desiccation_depth=dried,
        lining_necrosis=spec.get("lining_necrosis_um", math.nan) * METRE_PER_UM,
    )


def case_for(row_id: str) -> dict:
    """The case of a row (healing_cases.toml [rows.<id>]); InputError if it has none."""
    rows = load_toml(CASES)["rows"]
    if row_id not in rows:
        raise InputError("row.id", row_id, f"a row of {CASES}")
    return rows[row_id]


def healing_for_case(case: Mapping) -> HealingResult:
    """The healing course of a case: its wounds in the nominal skin of its site and age;
    with `areas`, the whole treatment's course over it and them (`whole_treatment`)."""
    wounds = load_toml(CASES)["wounds"]
    areas = [{"wounds": case["wounds"], "site": case["site"]}, *case.get("areas", [])]
    courses = {
        f"{a['site']} ({a['wounds']})": healing_timeline(
            [_wound(p) for p in wounds[a["wounds"]]["passes"]],
            skin_for(a["site"], age=float(case["age"]), phototype=2),
            [a["site"]],
        )
        for a in areas
    }
    return whole_treatment(courses, phototype=2)


def _model_days(result: HealingResult, case: Mapping) -> float:
    q = case["quantity"]
    if q == "reepithelialization":
        days = result.reepithelialization_hours / 24.0
        if case.get("statistic", "ed50") == "ed84":
            days *= load_toml("healing.toml")["migration"]["ed84_over_ed50"]
        return days
    return {
        "downtime": result.downtime_days,
        "erythema": result.erythema_days,
        "oedema": result.oedema_days,
        "mend_clearance": result.mend_clearance_days,
        "crust": result.crust_end_days,
    }[q]


def simulate_healing_row(row: Mapping[str, str]) -> float | None:
    """The model's value for one healing.csv row, in the row's unit (hours or days);
    None when the model does not give the row's end point (the case says why)."""
    case = case_for(row["id"])
    if not case.get("modelled", True):
        return None
    days = _model_days(healing_for_case(case), case)
    return days * DAY / 3600.0 if row["unit"] == "hours" else days


def _num(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _needed(value: float | None, row: Mapping[str, str], what: str) -> float:
    if value is None:
        raise ValueError(f"healing.csv row {row['id']}: its bound needs {what}")
    return value


def bound_interval(row: Mapping[str, str], bound: str) -> tuple[float | None, float | None]:
    """The interval [low, high] a model value must lie in to meet the row's bound (None:
    open on that side): *range* the published range widened by RANGE_SLACK each way,
    *upper* at most the bound + RANGE_SLACK, *lower* at least the bound, *point* within
    POINT_TOLERANCE of the figure (healing_cases.toml header)."""
    lo, hi, m = _num(row["measured_low"]), _num(row["measured_high"]), _num(row["measured"])
    if bound == "range":
        low = _needed(lo, row, "measured_low")
        high = _needed(hi, row, "measured_high")
        return low * (1 - RANGE_SLACK), high * (1 + RANGE_SLACK)
    if bound == "upper":
        top = _needed(hi if hi is not None else m, row, "measured_high or measured")
        return None, top * (1 + RANGE_SLACK)
    if bound == "lower":
        return _needed(lo if lo is not None else m, row, "measured_low or measured"), None
    point = _needed(m, row, "measured")
    return point * (1 - POINT_TOLERANCE), point * (1 + POINT_TOLERANCE)


def bound_met(model: float, row: Mapping[str, str], bound: str) -> bool:
    """Whether `model` meets the row's bound (`bound_interval`)."""
    low, high = bound_interval(row, bound)
    return (low is None or model >= low) and (high is None or model <= high)


def check_row(row: Mapping[str, str]) -> dict:
    """One row: measured, model, relative error, bound and whether it is met."""
    case = case_for(row["id"])
    model = simulate_healing_row(row)
    out = {
        "id": row["id"],
        "quantity": row["quantity"],
        "modality": row["modality"],
        "role": row["role"],
        "unit": row["unit"],
        "measured": _num(row["measured"]),
        "model": model,
        "bound": case.get("bound"),
        "reason": case.get("reason", ""),
        "disagreement": case.get("disagreement", ""),
        "wounds": case.get("wounds", ""),
    }
    if model is None:
        return out | {"error": None, "met": None}
    m = out["measured"]
    return out | {"error": (model - m) / m, "met": bound_met(model, row, case["bound"])}


def validation_table() -> list[dict]:
    """`check_row` for every row of healing.csv."""
    return [check_row(r) for r in load_rows()]
