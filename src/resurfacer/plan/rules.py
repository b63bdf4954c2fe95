"""Safety rules: hard limits by phototype, body site and kind of pass.

The rules live in ``data/safety_rules.toml``, each with its source. `check_plan`
lists the rules a plan breaks; without an outcome it checks what the plan itself
says (density, energy, passes, stacking), with the simulated outcome also the
bulk temperature and the depth reached at each site.

Examples
--------
>>> from resurfacer.plan.schema import load_plan
>>> plan = load_plan("examples/co2-dual-full-face-unsafe.toml", ["patient.phototype=5"])
>>> [v.rule for v in check_plan(plan)]
['density_surface_phototype_4_6', 'energy_deep_periorbital']
>>> safe = load_plan("examples/co2-dual-full-face.toml", ["patient.phototype=5"])
>>> [v.rule for v in check_plan(safe)]  # gentler on the eyelids, still too dense for type V
['density_surface_phototype_4_6']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from resurfacer.data import load_toml
from resurfacer.plan.schema import Pass, Plan
from resurfacer.tissue.skin import SITES

#: Wavelengths above this are absorbed by water strongly enough to ablate (2940, 10600 nm).
ABLATIVE_ABOVE_NM = 2500.0
LIMITS = (
    "max_density_percent",
    "max_pulse_energy_mj",
    "max_passes",
    "max_stack",
    "max_peak_bulk_temperature_c",
    "max_bulk_thermal_dose_cem43_min",
    "max_depth_fraction_of_dermis",
)
#: Limits that need the simulated outcome.
OUTCOME_LIMITS = (
    "max_peak_bulk_temperature_c",
    "max_bulk_thermal_dose_cem43_min",
    "max_depth_fraction_of_dermis",
)
#: What a rule's number is: published (with its source) or a model value.
BASES = ("published", "model")
_WHEN_KEYS = ("phototypes", "sites", "kind", "ablative", "min_spot_um", "max_spot_um")


@dataclass(frozen=True)
class Rule:
    """One limit (see ``data/safety_rules.toml``)."""

    name: str
    when: dict
    limit: str
    value: float
    source: str
    basis: str = "model"

    def applies_to_patient(self, phototype: int, sites) -> bool:
        w = self.when
        if "phototypes" in w and phototype not in w["phototypes"]:
            return False
        return not ("sites" in w and not set(sites) & set(w["sites"]))

    def applies_to_pass(self, p: Pass) -> bool:
        w = self.when
        if "kind" in w and p.kind != w["kind"]:
            return False
        if "ablative" in w and is_ablative(p) != w["ablative"]:
            return False
        if "min_spot_um" in w and p.spot_um < w["min_spot_um"]:
            return False
        return not ("max_spot_um" in w and p.spot_um > w["max_spot_um"])


@dataclass(frozen=True)
class RuleViolation:
    """A broken rule: which, what the plan has (`value`) against the `limit`."""

    rule: str
    limit_name: str
    value: float
    limit: float
    passes: tuple[int, ...]
    message: str
    #: the treated regions (areas) the rule concerns; empty: the whole plan
    sites: tuple[str, ...] = ()
    #: unit of `value` and `limit` as shown to people ("mJ", "%", "°C", "" for a count)
    unit: str = ""

    def __str__(self) -> str:
        return self.message


def is_ablative(p: Pass) -> bool:
    """True for wavelengths that vaporise tissue water (Er:YAG, CO2)."""
    return p.wavelength_nm > ABLATIVE_ABOVE_NM


@cache
def load_rules() -> tuple[Rule, ...]:
    """All rules of ``data/safety_rules.toml`` (validated once)."""
    rules = []
    names = set()
    for entry in load_toml("safety_rules.toml")["rule"]:
        name = entry["name"]
        if name in names:
            raise ValueError(f"safety_rules.toml: duplicate rule {name}")
        names.add(name)
        if entry["limit"] not in LIMITS:
            raise ValueError(f"safety_rules.toml: {name}: unknown limit {entry['limit']}")
        unknown = set(entry.get("when", {})) - set(_WHEN_KEYS)
        if unknown:
            raise ValueError(f"safety_rules.toml: {name}: unknown condition {sorted(unknown)}")
        bad_sites = set(entry.get("when", {}).get("sites", ())) - set(SITES)
        if bad_sites:
            raise ValueError(f"safety_rules.toml: {name}: unknown sites {sorted(bad_sites)}")
        if not entry.get("source"):
            raise ValueError(f"safety_rules.toml: {name}: no source")
        if entry.get("basis") not in BASES:
            raise ValueError(f"safety_rules.toml: {name}: basis must be one of {BASES}")
        rules.append(
            Rule(
                name,
                dict(entry.get("when", {})),
                entry["limit"],
                float(entry["value"]),
                entry["source"],
                entry["basis"],
            )
        )
    return tuple(rules)


def rules_for(phototype: int, sites) -> list[Rule]:
    """The rules that apply to a patient of this phototype treated on these sites."""
    return [r for r in load_rules() if r.applies_to_patient(phototype, sites)]


def _fmt(x: float) -> str:
    """A rule's value or limit in a message, to 3 significant digits: "1.22", not the
    "1.21526" of a depth ratio (session 22); whole from 100 to 1e6 (no exponent), with
    an exponent past it, as the summary prints a dose (session 31's probe: a 16-digit
    "1120936773108105 CEM43 min" under a summary line of 1.12e+15).

    >>> _fmt(1.21526), _fmt(7.5), _fmt(999.6), _fmt(2500.4), _fmt(1.1209e15)
    ('1.22', '7.5', '1000', '2500', '1.12e+15')
    """
    return f"{x:.0f}" if 100 <= abs(x) < 1e6 else f"{x:.3g}"


def _over(value: float, limit: float) -> str:
    """`value` as `_fmt` gives it, with more digits where it would read as `limit`
    ("60.04 exceeds 60", not "60 exceeds 60").

    >>> _over(60.04, 60.0), _over(61.0, 60.0)
    ('60.04', '61')
    """
    return _fmt(value) if _fmt(value) != _fmt(limit) else f"{value:.6g}"


def check_plan(plan: Plan, outcome=None) -> list[RuleViolation]:
    """The rules `plan` breaks (empty list: none), each once: its value, passes and
    message at its worst treated area, its `sites` every area that breaks it, worst
    first, its `passes` those counted on any of them, and the message naming the other
    areas with their values (`_merged`).

    Every rule is checked on each treated area it applies to (its `sites`
    condition), against the passes as fired there (`Plan.region_pass`: regional
    defaults and per-region settings; skipped areas excluded).

    Parameters
    ----------
    plan : a validated Plan.
    outcome : the `treatment.Outcome` of the plan, optional; with it the bulk
        peak temperature, the bulk thermal dose (CEM43) and the depth rules are
        checked too, per area (`outcome.summary.regions`).
    """
    areas = plan.site_areas
    fired = {
        a.region: [(i, p) for i in range(len(plan.passes)) if (p := plan.region_pass(i, a))]
        for a in areas
    }
    regions = {r.name: r for r in outcome.summary.regions} if outcome is not None else {}
    out = []
    for rule in load_rules():
        if not rule.applies_to_patient(plan.patient.phototype, [a.site for a in areas]):
            continue
        broken = []
        for a in areas:
            if not rule.applies_to_patient(plan.patient.phototype, [a.site]):
                continue
            passes = [(i, p) for i, p in fired[a.region] if rule.applies_to_pass(p)]
            v = _check_rule(rule, a.region, passes, regions.get(a.region))
            if v is not None:
                broken.append(v)
        if broken:
            out.append(_merged(broken))
    return out


def _merged(broken: list[RuleViolation]) -> RuleViolation:
    """One rule's violations on several areas as one: the worst area's value, passes and
    message, followed by the other areas with their values ("; also cheeks 0.991,
    chin_jaw 0.991", or "; also cheeks, nose (the same)" where every area reads the
    worst one's figure), every area in `sites`, worst first, and the passes counted on any
    of them (session 26, a probe: a rule broken on five areas named only the worst, and
    a clinician who lowered the energy there still broke it on the other four)."""
    ranked = sorted(broken, key=lambda v: -v.value)
    worst, others = ranked[0], ranked[1:]
    if not others:
        return worst
    u = f" {worst.unit}" if worst.unit else ""
    values = [_over(v.value, v.limit) for v in ranked]
    if len(set(values)) == 1:  # the same figure everywhere: the areas only (a review)
        also = ", ".join(v.sites[0] for v in others) + " (the same)"
    else:
        also = ", ".join(f"{v.sites[0]} {x}{u}" for v, x in zip(others, values[1:], strict=True))
    return replace(
        worst,
        message=f"{worst.message}; also {also}",
        sites=tuple(v.sites[0] for v in ranked),
        passes=tuple(sorted({i for v in ranked for i in v.passes})),
    )


def _pass_value(limit: str, passes):
    """(value, passes counted) of a per-pass limit over the passes fired on an area."""
    if limit == "max_passes":
        return len(passes), [i for i, _ in passes]
    if limit == "max_density_percent":
        return sum(100.0 * p.density_fraction for _, p in passes), [i for i, _ in passes]
    value = {"max_pulse_energy_mj": column_energy_mj, "max_stack": lambda p: p.stack}[limit]
    top = max(value(p) for _, p in passes)
    return top, [i for i, p in passes if value(p) == top]


def column_energy_mj(p) -> float:
    """Energy one column receives [mJ]: pulse energy x stacked pulses, what an energy cap
    reads. A stack fires its pulses into one column, which it drills about as deep as one
    pulse of their sum (DeepFX's double pulse: 15 mJ x 2 back to back drills 936 um, as 30 mJ
    does, docs/column.md's deep-column table),
    so a cap on the single pulse let two stacked 7.5 mJ pulses past a 10 mJ cap on the
    chest (session 31's probe: the planner's first chest plan)."""
    return float(p.pulse_energy_mj) * int(p.stack)


#: limit -> (what it measures, its unit as people read it)
_WHAT = {
    "max_passes": ("number of passes", ""),
    "max_density_percent": ("summed density", "%"),
    "max_pulse_energy_mj": ("energy per column (pulse energy x stacked pulses)", "mJ"),
    "max_stack": ("stacked pulses", ""),
    "max_peak_bulk_temperature_c": ("peak bulk temperature", "°C"),
    "max_bulk_thermal_dose_cem43_min": ("bulk thermal dose", "CEM43 min"),
    "max_depth_fraction_of_dermis": ("coagulation depth / dermis depth", ""),
}


def _where(passes: tuple[int, ...]) -> str:
    """Passes as people count them: 0-based indices (0, 1) -> "passes 1, 2" ("pass 2")."""
    if not passes:
        return "plan"
    word = "pass" if len(passes) == 1 else "passes"
    return f"{word} " + ", ".join(str(i + 1) for i in passes)


def _check_rule(rule: Rule, region: str, passes, figures) -> RuleViolation | None:
    """The violation of `rule` on one area (None: kept), `figures` its RegionSummary."""
    lim = rule.value
    where: list[int] = []
    detail = ""
    if rule.limit in OUTCOME_LIMITS:
        if figures is None or not passes:
            return None
        value = {
            "max_peak_bulk_temperature_c": figures.peak_bulk_temperature_c,
            "max_bulk_thermal_dose_cem43_min": figures.bulk_cem43_min,
            "max_depth_fraction_of_dermis": figures.fraction_of_dermis,
        }[rule.limit]
        if rule.limit == "max_depth_fraction_of_dermis":
            detail = (
                f" (coagulation {figures.coagulation_depth_um:.0f} µm, dermis "
                f"{figures.dermis_depth_um:.0f} µm)"
            )
    else:
        if not passes and rule.limit != "max_passes":
            return None
        value, where = _pass_value(rule.limit, passes) if passes else (0, [])
    if not value > lim + 1e-9:
        return None
    what, unit = _WHAT[rule.limit]
    u = f" {unit}" if unit else ""
    return RuleViolation(
        rule.name,
        rule.limit,
        float(value),
        lim,
        tuple(where),
        f"{rule.name} ({region}): {_where(tuple(where))}: {what} {_over(value, lim)}{u} exceeds "
        f"{_fmt(lim)}{u}{detail}",
        (region,),
        unit,
    )


def dermis_bottom(skin) -> float:
    """Depth [m] of the dermis' lower boundary (stratum corneum to reticular dermis) of a
    `tissue.skin.Skin` (built once per plan by `treatment.simulate`: `Outcome.skins`)."""
    return float(skin.layer_boundaries()[4])


def pass_caps(phototype: int, sites, p: Pass) -> dict[str, tuple[float, str]]:
    """The tightest per-pass caps on a pass like `p`: {limit: (value, rule name)}.

    Covers max_density_percent (a per-session total), max_pulse_energy_mj,
    max_passes and max_stack. The planner searches inside these.
    """
    caps: dict[str, tuple[float, str]] = {}
    for rule in rules_for(phototype, sites):
        if rule.limit in OUTCOME_LIMITS or not rule.applies_to_pass(p):
            continue
        if rule.limit not in caps or rule.value < caps[rule.limit][0]:
            caps[rule.limit] = (rule.value, rule.name)
    return caps


def outcome_limits(phototype: int, sites) -> dict[str, tuple[float, str]]:
    """The tightest outcome limits (bulk temperature, depth fraction) for a patient."""
    caps: dict[str, tuple[float, str]] = {}
    for rule in rules_for(phototype, sites):
        if rule.limit in OUTCOME_LIMITS and (
            rule.limit not in caps or rule.value < caps[rule.limit][0]
        ):
            caps[rule.limit] = (rule.value, rule.name)
    return caps


def warnings_for(plan: Plan, outcome=None) -> list[str]:
    """The violations as one line each (for ``OutcomeSummary.warnings``), then what a
    pass asks of its source beyond its power (`Pass.cautions`)."""
    passes = [f"pass {i + 1}: {c}" for i, p in enumerate(plan.passes) for c in p.cautions()]
    return [v.message for v in check_plan(plan, outcome)] + passes


__all__ = [
    "Rule",
    "RuleViolation",
    "check_plan",
    "dermis_bottom",
    "load_rules",
    "outcome_limits",
    "pass_caps",
    "rules_for",
    "warnings_for",
]
