"""From the wounds of one treatment and the skin they are in to the course of healing.

Definitions used throughout (docs/healing.md gives the calculation):

* closed: every wound re-epithelialised (the slowest pass, `reepithelialization_hours`);
* crust end: open, crusted or flaking wounds cover less than 1 % of the surface, and
  the skin has closed (the crust of a barely opened surface can fade before it closes:
  wound care goes on, and make-up, exercise and swimming wait, until both);
* downtime: the longer of the visible-wound days (the time integral of the wounds'
  visibility, `visibility.visible_wound_days`) and the oedema;
* erythema: never shorter than the downtime nor than the crust, so never shorter than
  the closure of opened skin (a wound that still shows, or is still open, is red);
* MEND clearance: all necrotic debris (microscopic included) shed, ED84 of the shedding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice
from resurfacer.tissue.skin import SITES, Skin

from . import aftercare as care
from . import visibility as vis
from .aftercare import DayState, Marks
from .renewal import DAY
from .wound import PassHealing, WoundedPass, necrotic_area_ratio, pass_healing, validate_pass

WEEK = 7 * DAY


@dataclass(frozen=True)
class Milestone:
    name: str
    day: float
    source: str = ""


@dataclass(frozen=True)
class HealingResult:
    """Healing after one treatment (times in the units their names carry)."""

    reepithelialization_hours: float
    downtime_days: float
    downtime_days_range: tuple[float, float]
    visible_wound_days: float
    crust_end_days: float
    erythema_days: float
    oedema_days: float
    mend_clearance_days: float
    remodeling_weeks: float
    skin_opened: bool
    milestones: list[Milestone]
    timeline: list[DayState]
    aftercare: list[dict]
    phototype_notes: list[str]
    call_clinic: list[str]
    disclaimer: str
    passes: list[PassHealing] = field(default_factory=list)
    #: the crust's end at the band's upper end [d] (`crust_end_band_high`), which the
    #: "still crusted by day N" call to the clinic is keyed to
    crust_end_days_high: float = 0.0
    #: antiviral prophylaxis was prescribed: a pass opened the skin of the perioral area
    #: (decided per area; `combine.whole_treatment` prescribes it if any area's course did)
    antiviral: bool = False
    #: how the skin was treated, one of `aftercare.MODALITIES` (the phototype notes')
    modality: str = "nonablative"

    def summary(self) -> dict:
        """Everything the text table prints, as a JSON-ready dict (same numbers as CLI
        and report): scalars, bands, milestones, the aftercare items, the daily schedule
        and the notes. Every figure in days is rounded to 0.01 d (hours to 0.01 h, weeks
        to 0.1 week as the text prints them); each aftercare item also carries the whole
        days the schedule lists it on (`first_day`, `last_day`, `aftercare.whole_days`;
        end and last day null for an open-ended item)."""
        return {
            "reepithelialization_hours": round(self.reepithelialization_hours, 2),
            "skin_opened": self.skin_opened,
            "downtime_days": round(self.downtime_days, 2),
            "downtime_days_range": [round(x, 2) for x in self.downtime_days_range],
            "visible_wound_days": round(self.visible_wound_days, 2),
            "crust_end_days": round(self.crust_end_days, 2),
            "erythema_days": round(self.erythema_days, 2),
            "oedema_days": round(self.oedema_days, 2),
            "mend_clearance_days": round(self.mend_clearance_days, 2),
            "remodeling_weeks": round(self.remodeling_weeks, 1),
            "milestones": [
                {"name": m.name, "day": round(m.day, 2), "source": m.source}
                for m in self.milestones
            ],
            "closure_modes": [p.mode for p in self.passes],
            "aftercare": [_aftercare_json(a) for a in self.aftercare],
            "daily": [
                {
                    "day": d.day,
                    "skin": d.state,
                    "erythema": d.erythema,
                    "aftercare": list(d.aftercare),
                }
                for d in self.timeline
            ],
            "phototype_notes": self.phototype_notes,
            "call_clinic": self.call_clinic,
            "disclaimer": self.disclaimer,
        }


def _aftercare_json(item: dict) -> dict:
    """An aftercare item as `HealingResult.summary` gives it: its days rounded to 0.01 d
    (None for an open end) and the whole days the schedule lists it on."""
    first, last = care.whole_days(item)
    end = item["end_day"]
    return {
        **item,
        "start_day": round(item["start_day"], 2),
        "end_day": None if end is None else round(end, 2),
        "first_day": first,
        "last_day": last,
    }


def _check_inputs(wounds, skin, treated_sites) -> list[WoundedPass]:
    """The passes as a list, each checked (`validate_pass`), or InputError naming the
    field: a site name given as `treated_sites` (a string, not a list of sites: session
    23, it was read letter by letter), an unknown site, no passes."""
    if not isinstance(skin, Skin):
        raise InputError("skin", type(skin).__name__, "a Skin (resurfacer.tissue.skin_for)")
    if isinstance(treated_sites, str):
        raise InputError("treated_sites", treated_sites, "a list of sites, e.g. ['perioral']")
    for s in treated_sites:
        check_choice("treated_sites", s, SITES)
    wounds = [] if wounds is None else list(wounds)  # a generator too
    if not wounds:
        raise InputError("passes", wounds, "at least one WoundedPass")
    return [validate_pass(p, i) for i, p in enumerate(wounds)]


def epidermis_thickness(skin: Skin) -> float:
    """Stratum corneum + viable epidermis of `skin` [m] (the depth the basal layer lies at)."""
    return skin.layer("stratum_corneum").thickness + skin.layer("epidermis").thickness


def pass_healings(
    wounds: Sequence[WoundedPass], epidermis: float, site: str, age_years: float
) -> list[PassHealing]:
    """Each pass's healing, with the intact margin left by all passes together."""
    area = sum(necrotic_area_ratio(p) for p in wounds)
    return [pass_healing(p, epidermis, site, age_years, area) for p in wounds]


def band_scales(k: float) -> tuple[float, float]:
    """(closure, shedding) scales at `k` band SDs (-1 / +1 for the band's ends):
    closure x 1.3^k (Stumpp ED84/ED50), shedding x exp(k sigma) (healing.toml)."""
    c = load_toml("healing.toml")
    closure = c["migration"]["ed84_over_ed50"] ** k
    return closure, math.exp(k * c["debris"]["shed_sigma"])


def downtime_days(ph: Sequence[PassHealing], k: float = 0.0) -> float:
    """Downtime [d] = max(visible-wound days, oedema); `k` = -1 / +1 for the band's ends:
    closure and shedding scaled by `band_scales`, oedema x (1 + k band)."""
    wound = vis.visible_wound_days(ph, *band_scales(k))
    band = load_toml("healing.toml")["oedema"]["band"]
    return max(wound, vis.oedema_days(ph) * (1.0 + k * band))


def crust_end_band_high(ph: Sequence[PassHealing]) -> float:
    """The crust's end [d] at the band's upper end (`band_scales(+1)`, as `downtime_days`
    at k = +1): when to call the clinic. Never before the visible wound ends there (as
    `_marks`)."""
    scales = band_scales(1.0)
    crust = vis.crust_end_days(ph, *scales)
    if any(p.ablative for p in ph):
        closed = max(p.closure for p in ph) * scales[0] / DAY
        crust = max(crust, closed, vis.visible_wound_days(ph, *scales))
    return crust


def milestones(m: Marks, skin_opened: bool, remodel_weeks: float) -> list[Milestone]:
    rm = load_toml("healing.toml")["remodeling"]
    closed = (
        "skin closed (re-epithelialised)"
        if skin_opened
        else "treated skin repaired under the intact surface"
    )
    out = [
        Milestone(closed, m.closed, "healing.toml [migration]/[full_field]"),
        Milestone("HSP72 raised (dermal heat-shock response)", rm["hsp72_day"], rm["source"]),
        Milestone("swelling settled", m.oedema_end, "healing.toml [oedema]"),
        Milestone("end of downtime", m.downtime_end, "healing.toml [debris]/[oedema]"),
        Milestone("HSP47 raised (collagen synthesis)", rm["hsp47_day"], rm["source"]),
        Milestone(
            "MENDs and debris all shed",
            m.mend_clear,
            "healing.toml [laubach], [debris] opened_shed_ratio",
        ),
        Milestone("erythema resolved", m.erythema_end, "healing.toml [erythema]"),
        Milestone("HSP47 still raised", rm["hsp_still_raised_weeks"] * 7, rm["source"]),
        Milestone("remodelling period ends (results visible)", remodel_weeks * 7, rm["note"]),
    ]
    if skin_opened:
        out.insert(
            1, Milestone("visible crust and debris over", m.crust_end, "healing.toml [debris]")
        )
    return sorted(out, key=lambda x: x.day)


def _marks(ph: Sequence[PassHealing]) -> Marks:
    """The milestones [d] of one area's passes. Where a pass opened the skin, the crust's
    end is never before the skin has closed: a surface barely opened (a tiny `opening`)
    crusts too little to show for long but stays an open wound until it closes; nor
    before the visible wound ends (session 24, a probe: a 1,927 nm pass that barely
    opened the cheek stayed visible to day 1.66 while its crust and debris were "over" on
    day 1.42, and make-up was allowed on day 2 of a visible wound: the crust's 1 % level
    and the visibility's 0.1 % detection level read one cover two ways)."""
    downtime = downtime_days(ph)
    closed = max(p.closure for p in ph) / DAY
    crust_end = vis.crust_end_days(ph)
    if any(p.ablative for p in ph):
        crust_end = max(crust_end, closed, vis.visible_wound_days(ph))
    return Marks(
        closed=closed,
        crust_end=crust_end,
        oedema_end=vis.oedema_days(ph),
        downtime_end=downtime,
        # a wound that still shows is red: the crust's tail outlasts the downtime
        erythema_end=max(vis.erythema_model_days(ph), downtime, crust_end),
        # all debris shed: the ED84 of the slowest pass, and no visible crust left
        mend_clear=max(max(p.mend_clear for p in ph) / DAY, crust_end),
    )


def wounds_downtime_days(wounds: Sequence[WoundedPass], skin: Skin) -> float:
    """The downtime [d] `healing_timeline` gives these wounds in `skin` (its
    ``downtime_days``: max(visible-wound days, oedema)), without the daily course and
    aftercare: the planner's per-candidate figure."""
    wounds = _check_inputs(wounds, skin, ())
    ph = pass_healings(wounds, epidermis_thickness(skin), skin.site, float(skin.age))
    return downtime_days(ph)


def healing_timeline(
    wounds: Sequence[WoundedPass], skin: Skin, treated_sites: Sequence[str] = ()
) -> HealingResult:
    """Healing after a treatment of one or more passes, in the skin they were made in.

    Parameters
    ----------
    wounds : sequence of WoundedPass
        The wounds of each pass (SI geometry from the column solver and pattern).
    skin : Skin
        The skin the wounds are in (`resurfacer.tissue.skin_for`, or a sampled one):
        its site, age, phototype and epidermis thickness are used; nothing is rebuilt.
    treated_sites : sequence of str
        The sites these wounds were made in (antiviral prophylaxis when one is the
        perioral area, alone or as part of a full face, and a pass opened the skin);
        default: the skin's site. The treatment chain gives each area its own site.

    Raises
    ------
    InputError
        Naming the field: skin, treated_sites, an empty pass list, or a pass with an
        unknown kind or missing/NaN geometry (``passes[i].field``).
    """
    wounds = _check_inputs(wounds, skin, treated_sites)
    sites = tuple(treated_sites) or (skin.site,)
    e = epidermis_thickness(skin)
    ph = pass_healings(wounds, e, skin.site, float(skin.age))
    m = _marks(ph)
    opened = any(p.ablative for p in ph)

    def state_on(day: float) -> str:
        crust = float(vis.visibility(vis.crust_fraction(np.array([day * DAY]), ph))[0])
        return care.skin_state(day, m, opened, crust)

    band = (downtime_days(ph, -1.0), downtime_days(ph, 1.0))
    return healing_course(
        m, opened, band, vis.visible_wound_days(ph), state_on, int(skin.phototype),
        opened and "perioral" in sites, ph, crust_end_band_high(ph), modality_of(wounds),
    )  # fmt: skip


def modality_of(wounds: Sequence[WoundedPass]) -> str:
    """How the wounds treat the skin (`aftercare.MODALITIES`): "full_field" if a
    full-field pass opened the surface, else "fractional" if a fractional pass did, else
    "nonablative" (nothing opened)."""
    opened = [p.kind for p in wounds if p.opening > 0.0]
    if "full_field" in opened:
        return "full_field"
    return "fractional" if opened else "nonablative"


def healing_course(
    m: Marks,
    opened: bool,
    band: tuple[float, float],
    visible_wound_days: float,
    state_on,
    phototype: int,
    antiviral: bool,
    passes: Sequence[PassHealing],
    crust_high: float = 0.0,
    modality: str = "nonablative",
) -> HealingResult:
    """The `HealingResult` of milestones `m` [d]: aftercare scheduled from them (antiviral
    prophylaxis if `antiviral`), the daily course (`state_on(day)` -> skin state),
    milestones, notes (the clinic's "still crusted" day after the downtime band's and the
    crust's upper ends, `crust_high` [d]; phototype notes for the plan's `modality`), and
    remodelling of 12 weeks + the erythema's weeks."""
    items = care.schedule(m, opened, antiviral)
    remodel = load_toml("healing.toml")["remodeling"]["new_collagen_weeks"] + m.erythema_end / 7
    return HealingResult(
        reepithelialization_hours=m.closed * 24.0,
        downtime_days=m.downtime_end,
        downtime_days_range=band,
        visible_wound_days=visible_wound_days,
        crust_end_days=m.crust_end,
        erythema_days=m.erythema_end,
        oedema_days=m.oedema_end,
        mend_clearance_days=m.mend_clear,
        remodeling_weeks=remodel,
        skin_opened=opened,
        milestones=milestones(m, opened, remodel),
        timeline=care.day_states(m, items, state_on),
        aftercare=items,
        phototype_notes=care.phototype_notes(phototype, modality),
        call_clinic=care.call_clinic_notes(
            opened, m.closed * 1.3, max(band[1], crust_high), m.erythema_end
        ),
        disclaimer=care.disclaimer(),
        passes=list(passes),
        crust_end_days_high=crust_high,
        antiviral=antiviral and opened,
        modality=modality,
    )


#: how the closure reads where the surface stayed intact (healing, simulate, the report):
#: "skin", not "zones" (until session 23), since a full-field pass at its device's least
#: energy coagulates the whole surface without opening it
REPAIRED_AFTER = "treated skin repaired after"


def closure_words(skin_opened: bool, hours: str) -> tuple[str, str]:
    """(label, value) of the skin's closure, `hours` already formatted: ("skin closed
    after", "101 h") where a pass opened the skin, else ("skin surface", "intact
    (treated skin repaired after 13.0 h)")."""
    if skin_opened:
        return "skin closed after", hours
    return "skin surface", f"intact ({REPAIRED_AFTER} {hours})"


def timeline_table(result: HealingResult) -> str:
    """The day-by-day table as text, headed by the summary and the disclaimer."""
    s = result
    lo, hi = s.downtime_days_range
    label, value = closure_words(s.skin_opened, f"{s.reepithelialization_hours:.1f} h")
    closed = f"{label:<24}{value}"
    lines = [
        s.disclaimer,
        "",
        closed,
        f"downtime                {s.downtime_days:.1f} days (band {lo:.1f}-{hi:.1f})",
        f"visible crust/debris    until day {s.crust_end_days:.1f}"
        if s.skin_opened
        else "visible crust/debris    none (the surface stays intact)",
        f"swelling                {s.oedema_days:.1f} days",
        f"erythema                {s.erythema_days:.1f} days",
        f"MENDs/debris shed by    day {s.mend_clearance_days:.1f}",
        f"remodelling             {s.remodeling_weeks:.1f} weeks",
        "",
        f"{'day':>4}  {'skin':<46} {'erythema':<9} aftercare",
    ]
    lines += [
        f"{d.day:>4}  {d.state:<46} {d.erythema:<9} {', '.join(d.aftercare)}" for d in s.timeline
    ]
    lines += ["", "aftercare:"]
    lines += [f"  {care.days_text(a)}: {a['name']}: {a['text']}" for a in s.aftercare]
    lines += ["", "milestones:"] + [f"  day {m.day:6.1f}  {m.name}" for m in s.milestones]
    lines += ["phototype notes:"] + [f"  - {n}" for n in s.phototype_notes]
    lines += ["when to call the clinic:"] + [f"  - {n}" for n in s.call_clinic]
    return "\n".join(lines)
