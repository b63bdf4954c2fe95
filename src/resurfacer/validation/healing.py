"""The healing table (``data/validation/healing.csv``) in `resurfacer validate`.

Each row is a published duration (re-epithelialisation, downtime, erythema, oedema,
crusting, flaking) with its source; ``data/validation/healing_cases.toml`` names the wounds and skin
it is simulated with and the kind of bound it is held to (`healing.validation`). Rows
whose end point the model does not give are not simulable, with the case's reason.
"""

from __future__ import annotations

from resurfacer.healing.validation import (
    POINT_TOLERANCE,
    RANGE_SLACK,
    bound_interval,
    bound_met,
    case_for,
    simulate_healing_row,
)
from resurfacer.validation.tables import NotSimulable, Prediction, Table

#: the quantities of healing.csv
QUANTITIES = (
    "re_epithelialisation",
    "downtime",
    "erythema_duration",
    "oedema_duration",
    "crusting_duration",
    "flaking_duration",
)


def predict(row) -> Prediction:
    """The model's duration for one row (the row's unit), from its case."""
    case = case_for(row["id"])
    value = simulate_healing_row(row)
    if value is None:
        raise NotSimulable(case.get("reason", "the model does not give this end point"))
    return Prediction(value, 0.0, f"{row['modality']}; wounds {case['wounds']}")


def check(row, model: float) -> tuple[bool, str]:
    """Whether `model` meets the bound the row's case states, and that bound as text."""
    kind = case_for(row["id"])["bound"]
    low, high = bound_interval(row, kind)
    if low is None:
        text = f"<= {high:.3g}"
    elif high is None:
        text = f">= {low:.3g}"
    else:
        text = f"{low:.3g}-{high:.3g}"
    return bound_met(model, row, kind), f"{text} ({kind})"


def disagreement(row) -> str:
    """Why a check row is known to lie outside its bound (healing_cases.toml), or ""."""
    return case_for(row["id"]).get("disagreement", "")


TABLE = Table(
    name="healing",
    path="validation/healing.csv",
    models={quantity: predict for quantity in QUANTITIES},
    bounds={},
    check=check,
    title="Healing",
    description=(
        "Published durations from `data/validation/healing.csv`, each simulated with the "
        "wounds and skin `data/validation/healing_cases.toml` names for it (and why). "
        "Calibration rows set a constant of `data/healing.toml`; check rows are held out. "
        f"Bounds: *point* within {POINT_TOLERANCE:.0%} of the figure; *range* inside the "
        f"published range widened by {RANGE_SLACK:.0%}; *upper* at most the bound "
        f"+{RANGE_SLACK:.0%}; *lower* at least the bound."
    ),
    disagreement=disagreement,
)
