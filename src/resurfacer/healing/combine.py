"""One course of healing for a treatment of several areas, from each area's own.

A patient heals as one person: the face still shows while any treated area shows, wound
care goes on while any area is open or crusted, and sun avoidance while any area is red.
So each milestone of the whole treatment is the latest of the areas' (closure, crust end,
swelling, downtime, erythema, debris shed, remodelling), the downtime band is the latest
of the areas' band ends, the skin on a day is the least healed of the areas' on that day,
and the aftercare is scheduled from these milestones for every site treated (antiviral
prophylaxis when the perioral area is among them, ``data/aftercare.toml``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import aftercare as care
from .aftercare import Marks
from .timeline import HealingResult, milestones

#: skin states from least to most healed (`aftercare.skin_state`)
STATE_ORDER = (
    "open wound",
    "crusting",
    "flaking",
    "intact skin, swollen",
    "healed surface (microscopic debris shedding)",
    "intact skin (microscopic debris shedding)",
    "healed",
    "intact skin",
)


def marks_of(result: HealingResult) -> Marks:
    """The milestones [d] a `HealingResult` was scheduled from."""
    return Marks(
        closed=result.reepithelialization_hours / 24.0,
        crust_end=result.crust_end_days,
        oedema_end=result.oedema_days,
        downtime_end=result.downtime_days,
        erythema_end=result.erythema_days,
        mend_clear=result.mend_clearance_days,
    )


def slowest_area(results: Mapping[str, HealingResult]) -> str:
    """The area whose wounds show longest (the one that sets the downtime)."""
    return max(results, key=lambda name: results[name].downtime_days)


def _state_on(result: HealingResult, day: int) -> str:
    days = result.timeline
    return days[min(day, len(days) - 1)].state


def whole_treatment(
    results: Mapping[str, HealingResult], treated_sites: Sequence[str], phototype: int
) -> HealingResult:
    """The healing of the whole treatment from each area's `HealingResult`.

    Parameters
    ----------
    results : area name -> its healing (`healing_timeline` on its own skin and passes).
    treated_sites : every site the plan treats (for the antiviral rule).
    phototype : the patient's Fitzpatrick type (phototype notes).
    """
    areas = list(results.values())
    if len(areas) == 1:
        return areas[0]
    each = [marks_of(r) for r in areas]
    m = Marks(*(max(getattr(x, f) for x in each) for f in Marks.__dataclass_fields__))
    opened = any(r.skin_opened for r in areas)
    lo = max(r.downtime_days_range[0] for r in areas)
    hi = max(r.downtime_days_range[1] for r in areas)
    remodel = max(r.remodeling_weeks for r in areas)
    items = care.schedule(m, opened, "perioral" in treated_sites)

    def least_healed(day: float) -> str:
        states = [_state_on(r, int(day)) for r in areas]
        return min(states, key=STATE_ORDER.index)

    return HealingResult(
        reepithelialization_hours=m.closed * 24.0,
        downtime_days=m.downtime_end,
        downtime_days_range=(lo, hi),
        visible_wound_days=max(r.visible_wound_days for r in areas),
        crust_end_days=m.crust_end,
        erythema_days=m.erythema_end,
        oedema_days=m.oedema_end,
        mend_clearance_days=m.mend_clear,
        remodeling_weeks=remodel,
        skin_opened=opened,
        milestones=milestones(m, opened, remodel),
        timeline=care.day_states(m, items, least_healed),
        aftercare=items,
        phototype_notes=care.phototype_notes(int(phototype)),
        call_clinic=care.call_clinic_notes(opened, m.closed * 1.3, hi, m.erythema_end),
        disclaimer=care.disclaimer(),
        passes=results[slowest_area(results)].passes,
    )
