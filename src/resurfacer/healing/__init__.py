"""Healing after laser resurfacing: natural renewal, wound closure, debris shedding,
erythema, downtime, remodelling and the aftercare schedule.

Modules: `renewal` (epidermal turnover vs age), `wound` (one pass: closure and
shedding), `timeline` (the whole treatment: `healing_timeline`, `timeline_table`).
Constants and their sources: ``data/healing.toml`` and ``data/aftercare.toml``;
method and worked example: ``docs/healing.md``.
"""

from .renewal import Renewal, natural_renewal
from .timeline import (
    DayState,
    HealingResult,
    Milestone,
    erythema_days,
    healing_timeline,
    timeline_table,
)
from .wound import KINDS, PassHealing, WoundedPass, adnexal_closure, column_closure, debris_speed

__all__ = [
    "KINDS",
    "DayState",
    "HealingResult",
    "Milestone",
    "PassHealing",
    "Renewal",
    "WoundedPass",
    "adnexal_closure",
    "column_closure",
    "debris_speed",
    "erythema_days",
    "healing_timeline",
    "natural_renewal",
    "timeline_table",
]
