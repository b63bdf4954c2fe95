"""Safety rules: hard limits by phototype, body site and kind of pass.

The rules live in ``data/safety_rules.toml``, each with its source. `check_plan`
lists the rules a plan breaks; without an outcome it checks what the plan itself
says (density, energy, passes, stacking), with the simulated outcome also the
bulk temperature and the depth reached at each site.

Examples
--------
>>> from resurfacer.plan.schema import load_plan
>>> plan = load_plan("examples/co2-dual-full-face.toml", ["patient.phototype=5"])
>>> [v.rule for v in check_plan(plan)]
['density_surface_phototype_4_6', 'energy_deep_periorbital']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from resurfacer.data import load_toml
from resurfacer.plan.schema import Pass, Plan
from resurfacer.tissue.skin import SITES, skin_for

#: Wavelengths above this are absorbed by water strongly enough to ablate (2940, 10600 nm).
ABLATIVE_ABOVE_NM = 2500.0
LIMITS = (
    "max_density_percent",
    "max_pulse_energy_mj",
    "max_passes",
    "max_stack",
    "max_peak_bulk_temperature_c",
    "max_depth_fraction_of_dermis",
)
#: Limits that need the simulated outcome.
OUTCOME_LIMITS = ("max_peak_bulk_temperature_c", "max_depth_fraction_of_dermis")
_WHEN_KEYS = ("phototypes", "sites", "kind", "ablative", "min_spot_um", "max_spot_um")


@dataclass(frozen=True)
class Rule:
    """One limit (see ``data/safety_rules.toml``)."""

    name: str
    when: dict
    limit: str
    value: float
    source: str

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
    #: the treated regions (sites) the rule concerns; empty: the whole plan
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
        rules.append(
            Rule(
                name,
                dict(entry.get("when", {})),
                entry["limit"],
                float(entry["value"]),
                entry["source"],
            )
        )
    return tuple(rules)


def rules_for(phototype: int, sites) -> list[Rule]:
    """The rules that apply to a patient of this phototype treated on these sites."""
    return [r for r in load_rules() if r.applies_to_patient(phototype, sites)]


def _fmt(x: float) -> str:
    return f"{x:g}"


def check_plan(plan: Plan, outcome=None) -> list[RuleViolation]:
    """The rules `plan` breaks (empty list: none).

    Parameters
    ----------
    plan : a validated Plan.
    outcome : the `treatment.Outcome` of the plan, optional; with it the
        bulk-temperature and depth rules are checked too.
    """
    sites = [a.site for a in plan.site_areas]
    out = []
    for rule in rules_for(plan.patient.phototype, sites):
        idx = tuple(i for i, p in enumerate(plan.passes) if rule.applies_to_pass(p))
        v = _check_rule(rule, plan, idx, sites, outcome)
        if v is not None:
            out.append(v)
    return out


def _where(passes: tuple[int, ...]) -> str:
    """Passes as people count them: 0-based indices (0, 1) -> "passes 1, 2" ("pass 2")."""
    if not passes:
        return "plan"
    word = "pass" if len(passes) == 1 else "passes"
    return f"{word} " + ", ".join(str(i + 1) for i in passes)


def _rule_sites(rule: Rule, sites) -> tuple[str, ...]:
    """The treated sites a rule is about: those it names, else every treated site."""
    named = rule.when.get("sites")
    treated = tuple(dict.fromkeys(sites))
    return tuple(s for s in treated if s in named) if named else treated


def _check_rule(rule: Rule, plan: Plan, idx, sites, outcome) -> RuleViolation | None:
    lim = rule.value
    passes = plan.passes
    regions = _rule_sites(rule, sites)

    def violation(value, what, unit="", where=idx, at=regions):
        u = f" {unit}" if unit else ""
        return RuleViolation(
            rule.name,
            rule.limit,
            float(value),
            lim,
            tuple(where),
            f"{rule.name} ({', '.join(at) or 'all regions'}): {_where(tuple(where))}: "
            f"{what} {_fmt(value)}{u} exceeds {_fmt(lim)}{u}",
            tuple(at),
            unit,
        )

    if rule.limit == "max_passes":
        if len(idx) > lim:
            return violation(len(idx), "number of passes")
    elif rule.limit == "max_density_percent":
        total = sum(100.0 * passes[i].density_fraction for i in idx)
        if idx and total > lim + 1e-9:
            return violation(total, "summed density", "%")
    elif rule.limit == "max_pulse_energy_mj":
        over = [i for i in idx if passes[i].pulse_energy_mj > lim + 1e-9]
        if over:
            top = max(passes[i].pulse_energy_mj for i in over)
            return violation(top, "pulse energy", "mJ", over)
    elif rule.limit == "max_stack":
        over = [i for i in idx if passes[i].stack > lim]
        if over:
            return violation(max(passes[i].stack for i in over), "stacked pulses", "", over)
    elif outcome is not None and rule.limit == "max_peak_bulk_temperature_c":
        t = outcome.summary.peak_bulk_temperature_c
        if t > lim:
            return violation(round(t, 1), "peak bulk temperature", "°C", ())
    elif outcome is not None and rule.limit == "max_depth_fraction_of_dermis":
        return _depth_violation(outcome.dataset, plan, sites, lim, violation)
    return None


def _depth_violation(ds, plan: Plan, sites, lim: float, violation) -> RuleViolation | None:
    """The site whose coagulation reaches deepest into the dermis, if past `lim`."""
    worst = None
    for s in dict.fromkeys(sites):
        depth = float(ds["coagulation_depth"].sel(site=s).max())
        frac = depth / dermis_bottom(plan, s)
        if frac > lim and (worst is None or frac > worst[0]):
            worst = (frac, s, depth)
    if worst is None:
        return None
    frac, s, depth = worst
    what = f"coagulation depth {depth * 1e6:.0f} µm, fraction of dermis"
    return violation(round(frac, 2), what, "", (), (s,))


def dermis_bottom(plan_or_patient, site: str) -> float:
    """Depth [m] of the dermis' lower boundary (stratum corneum to reticular dermis)."""
    patient = getattr(plan_or_patient, "patient", plan_or_patient)
    skin = skin_for(site, sex=patient.sex, age=patient.age_years, phototype=patient.phototype)
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
