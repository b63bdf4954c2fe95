"""One course of healing for a treatment of several areas, from each area's own.

A patient heals as one person: the face still shows while any treated area shows, wound
care goes on while any area is open or crusted, and sun avoidance while any area is red.
So each milestone of the whole treatment is the latest of the areas' (closure, crust end,
swelling, downtime, erythema, debris shed, remodelling), the downtime band is the latest
of the areas' band ends, the skin on a day is the least healed of the areas' on that day
(an opened area's state before any intact area's, `aftercare.least_healed`), and the
aftercare is scheduled from these milestones for every site treated: antiviral
prophylaxis when an area's own course prescribed it (a pass opened the skin of the
perioral area, ``data/aftercare.toml``), phototype notes for the most aggressive
area's modality.
"""

from __future__ import annotations

from collections.abc import Mapping

from .aftercare import Marks, least_healed, most_aggressive
from .timeline import HealingResult, healing_course


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


def whole_treatment(results: Mapping[str, HealingResult], phototype: int) -> HealingResult:
    """The healing of the whole treatment from each area's `HealingResult`.

    Parameters
    ----------
    results : area name -> its healing (`healing_timeline` on its own skin, passes and
        site: each area's course says whether it needs antiviral prophylaxis).
    phototype : the patient's Fitzpatrick type (phototype notes).
    """
    areas = list(results.values())
    if len(areas) == 1:
        return areas[0]
    each = [marks_of(r) for r in areas]
    m = Marks(*(max(getattr(x, f) for x in each) for f in Marks.__dataclass_fields__))
    opened = any(r.skin_opened for r in areas)
    band = (
        max(r.downtime_days_range[0] for r in areas),
        max(r.downtime_days_range[1] for r in areas),
    )

    def state_on(day: float) -> str:
        return least_healed(_state_on(r, int(day)) for r in areas)

    return healing_course(
        m, opened, band, max(r.visible_wound_days for r in areas), state_on,
        int(phototype), any(r.antiviral for r in areas), results[slowest_area(results)].passes,
        max(r.crust_end_days_high for r in areas), most_aggressive(r.modality for r in areas),
    )  # fmt: skip
