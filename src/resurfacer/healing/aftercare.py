"""The aftercare a patient is handed: items keyed to the wound's state, the day-by-day
course, phototype notes and when to call the clinic (words and sources in
``data/aftercare.toml``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from resurfacer.data import load_toml


@dataclass(frozen=True)
class DayState:
    day: int
    state: str  # skin: one of SKIN_STATES
    erythema: str  # "marked" | "moderate" | "mild" | "none"
    aftercare: tuple[str, ...]


@dataclass(frozen=True)
class Marks:
    """The computed states aftercare is keyed to [days after treatment]; where the skin
    was opened, the crust's end is never before its closure (`timeline.healing_timeline`),
    so wound care lasts, and make-up, exercise and swimming wait, until both."""

    closed: float
    crust_end: float
    oedema_end: float
    downtime_end: float
    erythema_end: float
    mend_clear: float

    def day(self, key: str) -> float:
        """The day [d] of a schedule key: "treatment" (0), "days:N" (N), or a field's."""
        if key.startswith("days:"):
            return float(key[5:])
        if key == "treatment":
            return 0.0
        return float(getattr(self, key))


def _applies(rule: str, ablative: bool, antiviral: bool) -> bool:
    return {
        "all": True,
        "ablative": ablative,
        "nonablative": not ablative,
        "antiviral": antiviral and ablative,
    }[rule]


def schedule(marks: Marks, ablative: bool, antiviral: bool) -> list[dict]:
    """The aftercare items that apply, with start and end day and their source.

    The days are kept as computed (rounded only where printed: `HealingResult.summary`),
    so that the day-by-day list and the skin's state on that day read the same moment
    (until session 23 they were rounded to 0.01 d here: a crust ending at day 4.001
    listed make-up on day 4, which the schedule still called flaking). An item starts on
    the latest of the states its ``start`` names (one key or a list). An item whose
    ``end`` is empty is open-ended ("from day N"): its end day is None.

    Parameters
    ----------
    marks : the computed states (`Marks`).
    ablative : any pass opened the skin.
    antiviral : a pass opened the skin of the perioral area (treated alone or as part of
        the full face), as each area's own course decides it.
    """
    items = []
    for it in load_toml("aftercare.toml")["items"]:
        if not _applies(it["applies"], ablative, antiviral):
            continue
        starts = [it["start"]] if isinstance(it["start"], str) else it["start"]
        start = max(marks.day(k) for k in starts)
        end = max([start] + [marks.day(k) for k in it["end"]]) if it["end"] else None
        items.append(
            {
                "name": it["name"],
                "text": it["text"],
                "start_day": start,
                "end_day": end,
                "source": it["source"],
            }
        )
    return items


#: The skin states `skin_state` gives, in the order in which areas healing together are
#: compared (`least_healed`, `combine.whole_treatment`): the states of skin that was
#: opened first, from open to healed, then those of skin left intact, from swollen to
#: intact, so that a plan with an opened area never calls the skin intact on a day.
SKIN_STATES = (
    OPEN := "open wound",
    CRUSTING := "crusting",
    FLAKING := "flaking",
    HEALED_SWOLLEN := "healed surface, swollen",
    HEALED_SHEDDING := "healed surface (microscopic debris shedding)",
    HEALED := "healed",
    INTACT_SWOLLEN := "intact skin, swollen",
    INTACT_SHEDDING := "intact skin (microscopic debris shedding)",
    INTACT := "intact skin",
)

#: How a plan treats the skin, from least to most aggressive (`modality_of`): no pass
#: opened it, fractional passes opened it in columns or spots, a full-field pass opened
#: the whole surface. Phototype notes are chosen by it (aftercare.toml [phototype]).
MODALITIES = ("nonablative", "fractional", "full_field")


def skin_state(t: float, marks: Marks, ablative: bool, crust_visible: float) -> str:
    """The skin on day `t`: open, crusting (crust covers at least the visible fraction),
    flaking (less), then healed (swollen while the oedema lasts); non-ablative skin stays
    intact throughout."""
    if ablative:
        if t < marks.closed:
            return OPEN
        if t < marks.crust_end:
            return CRUSTING if crust_visible >= 1.0 else FLAKING
        if t < marks.oedema_end:
            return HEALED_SWOLLEN
        if t < marks.mend_clear:
            return HEALED_SHEDDING
        return HEALED
    if t < marks.oedema_end:
        return INTACT_SWOLLEN
    if t < marks.mend_clear:
        return INTACT_SHEDDING
    return INTACT


def least_healed(states) -> str:
    """The least healed of `states` in `SKIN_STATES` order: any state of opened skin
    comes before every state of intact skin. Healed opened skin beside intact skin that
    is still swollen reads "healed surface, swollen", beside intact skin still shedding
    "healed surface (microscopic debris shedding)", not "healed"."""
    states = list(states)
    worst = min(states, key=SKIN_STATES.index)
    if worst in (HEALED_SHEDDING, HEALED) and INTACT_SWOLLEN in states:
        return HEALED_SWOLLEN
    if worst == HEALED and INTACT_SHEDDING in states:
        return HEALED_SHEDDING
    return worst


def most_aggressive(modalities) -> str:
    """The most aggressive of `modalities` (`MODALITIES` order): a plan's, from its
    areas'."""
    return max(modalities, key=MODALITIES.index)


def redness(t: float, erythema_days: float) -> str:
    """Erythema level on day `t`: thirds of its duration, marked to mild."""
    f = t / erythema_days if erythema_days > 0 else 1.0
    return "marked" if f < 1 / 3 else "moderate" if f < 2 / 3 else "mild" if f < 1.0 else "none"


def applies_on(item: dict, day: int) -> bool:
    """Whether an aftercare item is due on whole day `day` of the day-by-day schedule:
    from its start (inclusive) to its end (exclusive; open-ended: every day from its
    start), or on its one day: the whole day its moment falls on or before (a check at
    day 2.5 is due on day 3, as `whole_days` gives it)."""
    start, end = item["start_day"], item["end_day"]
    if end is None:
        return start <= day
    return start <= day < end or (start == end and day == math.ceil(start))


def whole_days(item: dict) -> tuple[int, int | None]:
    """(first, last) whole day on which `applies_on` lists the item (inclusive), as a
    patient reads the day-by-day schedule: make-up from day 2.34 is "day 3"; last is
    None for an open-ended item."""
    start, end = item["start_day"], item["end_day"]
    if end is None:
        return math.ceil(start), None
    if start == end:
        return math.ceil(start), math.ceil(start)
    return math.ceil(start), math.ceil(end) - 1


def days_text(item: dict) -> str:
    """An item's days as the text prints them, whole days inclusive (`whole_days`):
    "day 3" for one day, "days -1 to 12" for a course, "from day 5" for an open-ended
    item."""
    first, last = whole_days(item)
    if last is None:
        return f"from day {first}"
    return f"day {first}" if first == last else f"days {first} to {last}"


def day_states(marks: Marks, items: list[dict], state_on) -> list[DayState]:
    """One `DayState` per day from treatment to the end of erythema (at least 14 days).

    `state_on(day)` gives the skin's state on that day (`skin_state`).
    """
    n_days = int(math.ceil(max(marks.erythema_end, marks.mend_clear, marks.downtime_end, 14.0)))
    out = []
    for d in range(n_days + 2):
        due = tuple(s["name"] for s in items if applies_on(s, d))
        out.append(DayState(d, state_on(float(d)), redness(float(d), marks.erythema_end), due))
    return out


def phototype_notes(phototype: int, modality: str) -> list[str]:
    """Pigmentation notes for a Fitzpatrick phototype after a plan of `modality` (one of
    `MODALITIES`; aftercare.toml [phototype], one list per modality)."""
    ph = load_toml("aftercare.toml")["phototype"]
    notes = ph["notes_pih"] if phototype in ph["pih_types"] else ph["notes_light"]
    return [n.format(ptype=phototype) for n in notes[modality]]


def call_clinic_notes(
    ablative: bool, closed_high: float, crust_high: float, erythema: float
) -> list[str]:
    """When to call the clinic; days from the upper ends of the model's bands [d]
    (the closure note only where the skin was opened)."""
    notes = load_toml("aftercare.toml")["call_clinic"]["notes"]
    if not ablative:
        notes = [n for n in notes if "{closed_call" not in n]
    values = {
        "closed_call": math.ceil(max(closed_high, 1.0)),
        "crust_call": math.ceil(max(crust_high, closed_high, 1.0)),
        "erythema_call": math.ceil(1.5 * erythema),
    }
    return [n.format(**values) for n in notes]


def disclaimer() -> str:
    """The educational-model disclaimer printed above every healing course."""
    return load_toml("aftercare.toml")["disclaimer"]
