"""Healing after laser resurfacing: natural renewal, wound closure, debris shedding,
visible wound, oedema, erythema, downtime, remodelling and the aftercare schedule.

Modules: `renewal` (epidermal turnover vs age), `wound` (one pass: closure and
shedding), `visibility` (crust over time, downtime, oedema, erythema), `aftercare`
(items keyed to the wound's state, day-by-day course), `timeline` (one area's treatment:
`healing_timeline`, `timeline_table`, `closure_words`;
`wounds_downtime_days`, its downtime alone), `combine` (several areas healing as one patient:
`whole_treatment`), `sensitivity` (how far an area's downtime hangs on its epidermis),
`validation` (the published rows).
Constants and their sources: ``data/healing.toml`` and ``data/aftercare.toml``;
method and worked example: ``docs/healing.md``.
"""

from .aftercare import DayState
from .combine import slowest_area, whole_treatment
from .renewal import Renewal, natural_renewal
from .timeline import (
    HealingResult,
    Milestone,
    closure_words,
    downtime_days,
    epidermis_thickness,
    healing_timeline,
    timeline_table,
    wounds_downtime_days,
)
from .visibility import (
    crust_fraction,
    erythema_model_days,
    oedema_days,
    visible_wound_days,
)
from .wound import (
    KINDS,
    PassHealing,
    WoundedPass,
    adnexal_closure,
    basal_killed_fraction,
    column_closure,
    debris_speed,
    fractional_wound_kind,
    necrotic_footprint,
    pass_healing,
    surface_opened,
    swelling_depth,
    swelling_injury,
)

__all__ = [
    "KINDS",
    "DayState",
    "HealingResult",
    "Milestone",
    "PassHealing",
    "Renewal",
    "WoundedPass",
    "adnexal_closure",
    "basal_killed_fraction",
    "column_closure",
    "crust_fraction",
    "debris_speed",
    "downtime_days",
    "epidermis_thickness",
    "erythema_model_days",
    "fractional_wound_kind",
    "closure_words",
    "healing_timeline",
    "natural_renewal",
    "necrotic_footprint",
    "oedema_days",
    "pass_healing",
    "slowest_area",
    "surface_opened",
    "swelling_depth",
    "swelling_injury",
    "timeline_table",
    "visible_wound_days",
    "whole_treatment",
    "wounds_downtime_days",
]
