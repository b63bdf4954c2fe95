"""From the passes of one treatment to the day-by-day course of healing.

Definitions used throughout (see docs/healing.md for the calculation):

* closed: every wound re-epithelialised (the slowest pass, `reepithelialization_hours`);
* downtime: days until the skin is closed **and** visible crusting/flaking of ablative
  wounds is over (debris covering more than the visible fraction in healing.toml);
* MEND clearance: all necrotic debris (microscopic included) shed, at the ED84 of the
  shedding time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice, check_range
from resurfacer.tissue.skin import SITES, skin_for

from .renewal import AGE_RANGE, DAY
from .wound import UM, PassHealing, WoundedPass, pass_healing, validate_pass

WEEK = 7 * DAY


@dataclass(frozen=True)
class Milestone:
    name: str
    day: float
    source: str = ""


@dataclass(frozen=True)
class DayState:
    day: int
    state: str  # "open wound" | "crusting" | "flaking" | "closed"
    erythema: str  # "marked" | "moderate" | "mild" | "none"
    aftercare: tuple[str, ...]


@dataclass(frozen=True)
class HealingResult:
    """Healing after one treatment (times in the units their names carry)."""

    reepithelialization_hours: float
    downtime_days: float
    downtime_days_range: tuple[float, float]
    erythema_days: float
    oedema_days: float
    mend_clearance_days: float
    remodeling_weeks: float
    milestones: list[Milestone]
    timeline: list[DayState]
    aftercare: list[dict]
    phototype_notes: list[str]
    disclaimer: str
    passes: list[PassHealing] = field(default_factory=list)

    def summary(self) -> dict:
        """The scalar results as a JSON-ready dict (same numbers as CLI and report)."""
        return {
            "reepithelialization_hours": round(self.reepithelialization_hours, 2),
            "downtime_days": round(self.downtime_days, 2),
            "downtime_days_range": [round(x, 2) for x in self.downtime_days_range],
            "erythema_days": round(self.erythema_days, 1),
            "oedema_days": round(self.oedema_days, 1),
            "mend_clearance_days": round(self.mend_clearance_days, 2),
            "remodeling_weeks": round(self.remodeling_weeks, 1),
            "milestones": [{"name": m.name, "day": round(m.day, 2)} for m in self.milestones],
            "closure_modes": [p.mode for p in self.passes],
            "disclaimer": self.disclaimer,
        }


def erythema_days(passes: Sequence[WoundedPass]) -> float:
    r"""Duration of visible erythema [days], interpolated between published anchors.

    Open-wound coverage :math:`c` = summed coverage of ablative passes (capped at 1),
    damage depth :math:`z` = their coverage-weighted coagulation depth.

    .. math::

        E_{ff}(z) = E_{CO2} (z / z_{CO2})^{p}, \quad p = \ln(E_{CO2}/E_{Er}) / \ln(z_{CO2}/z_{Er})

        E = E_{frac} (E_{ff}(z)/E_{frac})^{(c - c_f)/(1 - c_f)} \quad (c \ge c_f)

    and linear from the non-ablative value at :math:`c = 0` to :math:`E_{frac}` at
    :math:`c_f`. Anchors: non-ablative 2-3 d, fractional ablative 3-7 d, full-field Er:YAG
    2-4 weeks, full-field CO2 4.5 months (healing.toml [erythema], sources there).
    """
    e = load_toml("healing.toml")["erythema"]
    abl = [p for p in passes if p.ablative]
    if not abl:
        return e["nonablative_days"]
    c = min(1.0, sum(p.coverage for p in abl))
    z = sum(p.coverage * p.coagulation_depth for p in abl) / sum(p.coverage for p in abl)
    c_f, e_f = e["fractional_open_cover"], e["fractional_days"]
    if c < c_f:
        return e["nonablative_days"] + (e_f - e["nonablative_days"]) * c / c_f
    pw = math.log(e["full_field_days"] / e["full_field_erbium_days"]) / math.log(
        e["full_field_depth_um"] / e["full_field_erbium_depth_um"]
    )
    e_ff = e["full_field_days"] * (z / (e["full_field_depth_um"] * UM)) ** pw
    return e_f * (max(e_ff, e_f) / e_f) ** ((c - c_f) / (1 - c_f))


def _check_inputs(passes, age_years, phototype, site) -> list[WoundedPass]:
    check_range("age_years", float(age_years), *AGE_RANGE, "years")
    if isinstance(phototype, bool) or int(phototype) != phototype:
        raise InputError("phototype", phototype, "an integer 1-6")
    check_range("phototype", int(phototype), 1, 6)
    check_choice("site", site, SITES)
    if passes is None or len(passes) == 0:
        raise InputError("passes", passes, "at least one WoundedPass")
    return [validate_pass(p, i) for i, p in enumerate(passes)]


def _resolve(day: float, key: str, marks: dict) -> float:
    if key.startswith("days:"):
        return float(key[5:])
    return marks[key]


def healing_timeline(
    passes: Sequence[WoundedPass], age_years: float, phototype: int, site: str
) -> HealingResult:
    """Healing after a treatment of one or more passes on one patient and site.

    Parameters
    ----------
    passes : sequence of WoundedPass
        The wounds of each pass (SI geometry from the column solver and pattern).
    age_years : float
        18-100.
    phototype : int
        Fitzpatrick type 1-6.
    site : str
        Body site, one of `resurfacer.tissue.skin.SITES`.

    Returns
    -------
    HealingResult

    Raises
    ------
    InputError
        Naming the field: age, phototype, site, an empty pass list, or a pass with an
        unknown kind or missing/NaN geometry (``passes[i].field``).
    """
    passes = _check_inputs(passes, age_years, phototype, site)
    skin = skin_for(site, age=float(age_years), phototype=int(phototype))
    epidermis = skin.layers[0].thickness + skin.layers[1].thickness  # stratum corneum + viable
    ph = [pass_healing(p, epidermis, site, float(age_years)) for p in passes]
    mig = load_toml("healing.toml")["migration"]
    s_close = math.log(mig["ed84_over_ed50"])
    s_shed = load_toml("healing.toml")["debris"]["shed_sigma"]

    closure = max(x.closure for x in ph)
    visible = max(x.visible_end for x in ph)
    downtime = max(closure, visible)

    def band(k: float) -> float:
        return max(
            max(
                x.closure * math.exp(k * s_close),
                x.closure * math.exp(k * s_close)
                + (x.visible_end - x.closure) * math.exp(k * s_shed),
            )
            for x in ph
        )

    ery = erythema_days(passes)
    e = load_toml("healing.toml")["erythema"]
    oedema = (
        min(7.0, e["oedema_days"] * max(1.0, ery / e["fractional_days"]) ** 0.5)
        if any(p.ablative for p in passes)
        else e["nonablative_days"]
    )
    mend = max(x.mend_clear for x in ph)
    rm = load_toml("healing.toml")["remodeling"]
    remodel = rm["new_collagen_weeks"] + ery / 7.0

    milestones = [
        Milestone(
            "skin closed (re-epithelialised)",
            closure / DAY,
            "healing.toml [migration]/[full_field]",
        ),
        Milestone("HSP72 raised (dermal heat-shock response)", rm["hsp72_day"], rm["source"]),
        Milestone(
            "visible crusting/flaking over (end of downtime)",
            downtime / DAY,
            "healing.toml [debris]",
        ),
        Milestone("HSP47 raised (collagen synthesis)", rm["hsp47_day"], rm["source"]),
        Milestone("MENDs and debris all shed", mend / DAY, "healing.toml [laubach]"),
        Milestone("erythema resolved", ery, "healing.toml [erythema]"),
        Milestone("HSP47 still raised", rm["hsp_still_raised_weeks"] * 7, rm["source"]),
        Milestone("remodelling period ends (results visible)", remodel * 7, rm["note"]),
    ]
    milestones.sort(key=lambda m: m.day)

    marks = {
        "treatment": 0.0,
        "closed": closure / DAY,
        "downtime_end": downtime / DAY,
        "erythema_end": ery,
    }
    ac = load_toml("aftercare.toml")
    any_ablative = any(p.ablative for p in passes)
    schedule = []
    for it in ac["items"]:
        if it["applies"] == "ablative" and not any_ablative:
            continue
        start = _resolve(0, it["start"], marks)
        end = max(start, _resolve(0, it["end"], marks))
        schedule.append(
            {
                "name": it["name"],
                "text": it["text"],
                "start_day": start,
                "end_day": end,
                "source": it["source"],
            }
        )

    n_days = int(math.ceil(max(ery, mend / DAY, downtime / DAY, 14.0))) + 1
    timeline = []
    for d in range(n_days + 1):
        t = d * DAY
        if t < closure:
            state = "open wound" if any_ablative else "closed (MENDs under intact surface)"
        elif t < downtime:
            state = "crusting" if t < closure + 0.5 * (downtime - closure) else "flaking"
        elif t < mend:
            state = "closed (microscopic debris shedding)"
        else:
            state = "closed"
        f = d / ery if ery > 0 else 1.0
        level = "marked" if f < 0.34 else "moderate" if f < 0.67 else "mild" if f < 1.0 else "none"
        due = tuple(
            s["name"]
            for s in schedule
            if s["start_day"] <= d < s["end_day"] or (s["start_day"] == s["end_day"] == d)
        )
        timeline.append(DayState(d, state, level, due))

    pnotes = [
        n.format(ptype=int(phototype))
        for n in (
            ac["phototype"]["notes_pih"]
            if int(phototype) in ac["phototype"]["pih_types"]
            else ac["phototype"]["notes_light"]
        )
    ]

    return HealingResult(
        reepithelialization_hours=closure / 3600.0,
        downtime_days=downtime / DAY,
        downtime_days_range=(band(-1.0) / DAY, band(1.0) / DAY),
        erythema_days=ery,
        oedema_days=oedema,
        mend_clearance_days=mend / DAY,
        remodeling_weeks=remodel,
        milestones=milestones,
        timeline=timeline,
        aftercare=schedule,
        phototype_notes=pnotes,
        disclaimer=ac["disclaimer"],
        passes=ph,
    )


def timeline_table(result: HealingResult) -> str:
    """The day-by-day table as text, headed by the summary and the disclaimer."""
    s = result
    lo, hi = s.downtime_days_range
    lines = [
        s.disclaimer,
        "",
        f"skin closed after       {s.reepithelialization_hours:.1f} h",
        f"downtime                {s.downtime_days:.1f} days (band {lo:.1f}-{hi:.1f})",
        f"erythema                {s.erythema_days:.1f} days",
        f"MENDs/debris shed by    day {s.mend_clearance_days:.1f}",
        f"remodelling             {s.remodeling_weeks:.0f} weeks",
        "",
        f"{'day':>4}  {'skin':<38} {'erythema':<9} aftercare",
    ]
    for d in s.timeline:
        lines.append(f"{d.day:>4}  {d.state:<38} {d.erythema:<9} {', '.join(d.aftercare)}")
    lines.append("")
    lines.append("milestones:")
    lines += [f"  day {m.day:6.1f}  {m.name}" for m in s.milestones]
    lines.append("phototype notes:")
    lines += [f"  - {n}" for n in s.phototype_notes]
    return "\n".join(lines)
