"""Inverse planning: settings that reach an indication's target depth with the least downtime.

`plan_treatment(patient, areas, indication, device=None, max_downtime_days=None)`

1. Targets from ``data/indications.toml`` (depth range of a metric, least coverage);
   limits from ``data/safety_rules.toml`` (`resurfacer.plan.rules`).
2. For every mode of the device, a surrogate table of the column solver per treated
   site and stacking (`resurfacer.planning.surrogate`; built once, cached on disk), over the
   mode's energy range up to the rule caps and stopped once the column passes the
   dermis.
3. A grid search over pulse energy, density, stacking (1-2 pulses), passes (1-2) and,
   for a device with a surface and a deep mode, the surface + deep combination.
   Each candidate: depth from the surrogate (area-weighted over sites, as
   `simulate`), downtime from `healing_timeline` on the largest site, heat as the
   delivered energy per area [J/cm2]. Candidates that break a rule (including the
   surrogate's estimate of depth_within_dermis) are dropped.
4. Ranking: reaching the target (depth in range and least coverage) first, then the
   least downtime (0.1 d resolution), then the least heat. The best candidate of each
   kind of plan (which passes, stacking, passes repeated) are verified with the full
   `simulate` and re-checked against every rule with the outcome (bulk temperature,
   depth); a plan failing a rule there is dropped and the next taken.
5. Not reachable: reported (`reachable = False`, `message`) with the nearest plan
   (depth closest to the target range, then least downtime).

Every energy is rounded to a setting a device offers (0.5 mJ steps below 50 mJ, 5 mJ
above), so a proposed plan is a plan file a user can load.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice
from resurfacer.healing import WoundedPass, healing_timeline
from resurfacer.plan.rules import check_plan, dermis_bottom, outcome_limits, pass_caps
from resurfacer.plan.schema import DEVICES, Area, AreaPreset, Patient, Plan
from resurfacer.planning.surrogate import column_table
from resurfacer.scan.bulk_heating import bulk_properties
from resurfacer.tissue.skin import skin_for

INDICATIONS: dict = load_toml("indications.toml")
DEFAULT_DEVICE = "co2_dual"
DENSITY_STEPS = (1, 2, 3, 5, 7.5, 10, 12.5, 15, 20, 25, 30, 40, 50, 60, 80, 100)
TABLE_NODES = 7
ENERGY_POINTS = 14
DOWNTIME_RESOLUTION = 0.1  # days
#: Candidates verified with `simulate` beyond n_best when some break an outcome rule.
MAX_EXTRA_VERIFICATIONS = 6
#: Start-to-start spacing of stacked pulses, as a multiple of the pulse duration (MODEL VALUE).
STACK_SPACING_FACTOR = 2.0


@dataclass
class PlannedTreatment:
    """One proposed plan: its passes (plan-file tables), prediction, binding rules, why."""

    passes: list[dict]
    predicted: dict
    rules: list[str]
    rationale: str
    target_met: bool
    depth_um: float
    surrogate: dict
    uncertainty: dict | None = None

    def to_dict(self) -> dict:
        return {
            "passes": self.passes,
            "predicted": self.predicted,
            "rules": self.rules,
            "rationale": self.rationale,
            "target_met": self.target_met,
            "depth_um": self.depth_um,
            "surrogate": self.surrogate,
            "uncertainty": self.uncertainty,
        }


@dataclass
class PlannerResult:
    """The ranked plans, whether the goal is reachable, and the depth/downtime trade-off."""

    indication: str
    target: dict
    reachable: bool
    message: str
    plans: list[PlannedTreatment]
    tradeoff: list[dict]
    candidates: int
    seconds: float
    patient: dict = field(default_factory=dict)
    areas: list = field(default_factory=list)

    @property
    def nearest(self) -> PlannedTreatment | None:
        """The nearest plan when the goal is not reachable (else the best)."""
        return self.plans[0] if self.plans else None

    def plan(self, i: int = 0) -> Plan:
        """Plan `i` as a validated Plan."""
        return _plan(self.patient, self.areas, self.plans[i].passes, f"{self.indication} #{i}")

    def to_dict(self) -> dict:
        return {
            "indication": self.indication,
            "target": self.target,
            "reachable": self.reachable,
            "message": self.message,
            "plans": [p.to_dict() for p in self.plans],
            "tradeoff": self.tradeoff,
            "candidates": self.candidates,
            "seconds": self.seconds,
        }


@dataclass
class _Option:
    """One setting of one mode: a pass table, repeated `repeat` times."""

    mode: str
    table: dict
    repeat: int
    sites: dict  # site -> surrogate prediction (m)


@dataclass
class _Candidate:
    options: tuple
    depth: float = 0.0  # m, metric, area-weighted, deepest pass
    reach_depth: float = 0.0
    coverage: float = 0.0  # % of passes reaching the target's lower end
    downtime: float = math.inf
    heat: float = 0.0  # J/cm2
    violations: tuple = ()
    met: bool = False

    @property
    def passes(self) -> list[dict]:
        return [o.table for o in self.options for _ in range(o.repeat)]

    @property
    def kind(self) -> str:
        return " + ".join(
            f"{o.mode}{' x' + str(o.repeat) if o.repeat > 1 else ''}"
            f"{' stack ' + str(o.table.get('stack', 1)) if o.table.get('stack', 1) > 1 else ''}"
            for o in self.options
        )


def _round_energy(mj: float) -> float:
    return round(mj * 2) / 2 if mj < 50 else round(mj / 5) * 5


def _range(entry):
    if isinstance(entry, dict):
        return float(entry["min"]), float(entry["max"]), float(entry["default"])
    return float(entry), float(entry), float(entry)


def _areas(areas) -> list[Area]:
    out = []
    for a in areas:
        if isinstance(a, AreaPreset):
            out += a.expand()
        elif isinstance(a, Area):
            out.append(a)
        elif isinstance(a, dict):
            out += _areas([AreaPreset(**a) if "preset" in a else Area(**a)])
        else:
            raise InputError("areas", a, "Area, AreaPreset or {site, area_cm2} / {preset}")
    if not out:
        raise InputError("areas", areas, "at least one area")
    return out


def _plan(patient: Patient, areas: list[Area], passes: list[dict], name: str) -> Plan:
    return Plan.from_data(
        {
            "name": name,
            "patient": patient.model_dump(),
            "areas": [a.model_dump() for a in areas],
            "passes": passes,
        }
    )


def _modes(device: str) -> list[str]:
    return [m for m, spec in DEVICES[device]["modes"].items() if "combines" not in spec]


def _structures(device: str) -> list[tuple[str, ...]]:
    modes = _modes(device)
    out = [(m,) for m in modes]
    for spec in DEVICES[device]["modes"].values():
        if "combines" in spec:
            out.append(tuple(spec["combines"]))
    return out


def plan_treatment(
    patient: Patient,
    areas,
    indication: str,
    device: str | None = None,
    max_downtime_days: float | None = None,
    n_best: int = 3,
    uncertainty_samples: int = 0,
    seed: int = 0,
    stacks: tuple[int, ...] = (1, 2),
    repeats: tuple[int, ...] = (1, 2),
    options=None,
    table_nodes: int = TABLE_NODES,
) -> PlannerResult:
    """Search settings for `indication` on `patient` and `areas` (see the module doc).

    Parameters
    ----------
    patient : Patient (sex, age, phototype).
    areas : list of Area / AreaPreset (or their dicts).
    indication : a name in ``data/indications.toml``.
    device : a preset of ``data/devices.toml`` (default co2_dual).
    max_downtime_days : plans with a longer predicted downtime are not proposed.
    n_best : how many plans to return (verified with `simulate`).
    uncertainty_samples : with N >= 2, prediction bands from N sampled skins for each
        returned plan (`uncertainty.propagate`; about 0.5-1 s per sample and pass).
    stacks, repeats : pulses per spot and passes per mode searched (rules cap both).
    options : column solver options (default `treatment.TREATMENT_SOLVER`).
    table_nodes : energy nodes per surrogate table.
    """
    from resurfacer.treatment import TREATMENT_SOLVER, simulate

    t0 = time.perf_counter()
    options = TREATMENT_SOLVER if options is None else options
    check_choice("indication", indication, INDICATIONS)
    device = DEFAULT_DEVICE if device is None else device
    check_choice("device", device, DEVICES)
    if max_downtime_days is not None and not (0 < max_downtime_days <= 365):
        raise InputError("max_downtime_days", max_downtime_days, "(0, 365] days")
    if not isinstance(n_best, int) or not 1 <= n_best <= 10:
        raise InputError("n_best", n_best, "an integer in [1, 10]")
    if not isinstance(patient, Patient):
        patient = Patient(**patient)
    areas = _areas(areas)
    target = dict(INDICATIONS[indication])
    metric = target["metric"]
    lo_m, hi_m = target["min_um"] * 1e-6, target["max_um"] * 1e-6

    site_area: dict[str, float] = {}
    for a in areas:
        site_area[a.site] = site_area.get(a.site, 0.0) + a.area_cm2
    sites = list(site_area)
    largest = max(site_area, key=site_area.get)
    weights = np.array([site_area[s] for s in sites]) / sum(site_area.values())
    skins = {s: skin_for(s, patient.sex, patient.age_years, patient.phototype) for s in sites}
    bottoms = {s: dermis_bottom(patient, s) for s in sites}
    out_lims = outcome_limits(patient.phototype, sites)
    depth_frac = out_lims.get("max_depth_fraction_of_dermis", (math.inf, ""))
    stop_depth = max(bottoms.values())

    # --- per-mode options from the surrogate -------------------------------------------------
    mode_options: dict[str, list[_Option]] = {}
    for mode in _modes(device):
        spec = DEVICES[device]["modes"][mode]
        base = _plan(patient, areas, [{"device": device, "mode": mode}], "probe").passes[0]
        caps = pass_caps(patient.phototype, sites, base)
        e_lo, e_hi, _ = _range(spec["pulse_energy_mj"])
        e_hi = min(e_hi, caps.get("max_pulse_energy_mj", (math.inf, ""))[0])
        max_rep = int(min(max(repeats), caps.get("max_passes", (10, ""))[0]))
        if max_rep < 1 or e_hi < e_lo:
            mode_options[mode] = []
            continue
        max_stack = int(caps.get("max_stack", (20, ""))[0])
        mode_stacks = [s for s in stacks if s <= max_stack] or [1]
        if base.kind == "full_field":
            densities = [None]
        else:
            d_lo, d_hi, _ = _range(
                spec.get("density_percent", {"min": 1, "max": 100, "default": 10})
            )
            d_hi = min(d_hi, caps.get("max_density_percent", (100.0, ""))[0])
            densities = [d for d in DENSITY_STEPS if d_lo <= d <= d_hi]
        opts = []
        for stack in mode_stacks:
            pulse = base.pulse()
            if stack > 1:
                pulse = type(pulse)(
                    pulse.energy,
                    pulse.duration,
                    pulse.shape,
                    stack,
                    STACK_SPACING_FACTOR * pulse.duration,
                )
            tables = {
                s: column_table(
                    skins[s],
                    base.beam(),
                    pulse,
                    options,
                    e_lo * 1e-3,
                    max(e_hi, e_lo * 1.01) * 1e-3,
                    table_nodes,
                    stop_depth=stop_depth,
                )
                for s in sites
            }
            e_top = min(t.e_max for t in tables.values()) * 1e3
            grid = np.unique(
                [_round_energy(e) for e in np.geomspace(e_lo, max(e_top, e_lo), ENERGY_POINTS)]
            )
            grid = [e for e in grid if e_lo <= e <= min(e_top, e_hi) + 1e-9]
            for e in grid:
                preds = {
                    s: {k: float(v) for k, v in tables[s].predict(e * 1e-3).items()} for s in sites
                }
                for d in densities:
                    tbl = {"device": device, "mode": mode, "pulse_energy_mj": float(e)}
                    if d is not None:
                        tbl["density_percent"] = float(d)
                    if stack > 1:
                        tbl["stack"] = stack
                        tbl["stack_spacing_ms"] = STACK_SPACING_FACTOR * base.pulse_duration_ms
                    for rep in range(1, max_rep + 1):
                        if rep in repeats:
                            opts.append(_Option(mode, tbl, rep, preds))
        mode_options[mode] = opts

    # --- candidates --------------------------------------------------------------------------
    candidates: list[_Candidate] = []
    for structure in _structures(device):
        lists = [mode_options.get(m, []) for m in structure]
        if any(not lst for lst in lists):
            continue
        if len(structure) > 1:
            lists = [_thin(lst) for lst in lists]
        for combo in itertools.product(*lists):
            candidates.append(_Candidate(tuple(combo)))

    feasible = []
    pass_cache: dict = {}
    for c in candidates:
        _evaluate(c, patient, areas, sites, weights, largest, metric, lo_m, hi_m, target)
        viol = [v.rule for v in check_plan(_fast_plan(patient, areas, c, pass_cache))]
        frac = max(
            max(o.sites[s]["coagulation_depth"] for o in c.options) / bottoms[s] for s in sites
        )
        if frac > depth_frac[0]:
            viol.append(depth_frac[1])
        if max_downtime_days is not None and c.downtime > max_downtime_days:
            viol.append("max_downtime_days")
        c.violations = tuple(viol)
        if not viol:
            feasible.append(c)

    def key(c):
        n_passes = sum(o.repeat for o in c.options)
        return (round(c.downtime / DOWNTIME_RESOLUTION), round(c.heat, 3), n_passes, c.depth)

    def nearest_first(cands):
        """Closest to the target depth, then least short of the coverage, then `key`."""
        short = target["min_coverage_percent"]
        return sorted(
            cands,
            key=lambda c: (
                round(_distance(c, lo_m, hi_m) * 1e6),
                max(0.0, short - c.coverage),
                key(c),
            ),
        )

    reaching = sorted((c for c in feasible if c.met), key=key)
    reachable = bool(reaching)
    if reachable:
        ranked = reaching
        message = f"{indication}: target reached"
    else:
        ranked = nearest_first(feasible)
        why = _why_unreachable(candidates, max_downtime_days)
        message = (
            f"{indication}: target {target['min_um']:g}-{target['max_um']:g} um "
            f"({metric}, >= {target['min_coverage_percent']:g} % coverage) not reachable "
            f"within the limits{why}; showing the nearest plan"
        )

    # --- verification with the full chain -------------------------------------------------------
    state = {"too_hot": math.inf, "broken": []}
    # the baseline the simulated bulk temperature rises from (treatment: largest site)
    body_temperature = bulk_properties(skins[largest]).body_temperature

    def verify(order, want, reachable):
        plans = []
        tries = 0
        for c in order:
            if len(plans) >= want or tries >= want + MAX_EXTRA_VERIFICATIONS:
                break
            if c.heat >= state["too_hot"]:
                continue
            tries += 1
            plan = _plan(patient, areas, c.passes, f"{indication} ({c.kind})")
            outcome = simulate(plan, options)
            violations = check_plan(plan, outcome)
            if violations:
                state["broken"] += [v.rule for v in violations]
                for v in violations:
                    if v.limit_name == "max_peak_bulk_temperature_c":
                        bound = _heat_within(c.heat, v, body_temperature)
                        state["too_hot"] = min(state["too_hot"], bound)
                continue
            summary = outcome.summary
            depth_um = max(getattr(p, f"{metric}_um") for p in summary.passes)
            met = reachable and c.met and target["min_um"] <= depth_um <= target["max_um"]
            binding = _binding(c, candidates, key, patient, sites) + sorted(set(state["broken"]))
            pt = PlannedTreatment(
                passes=c.passes,
                predicted=summary.model_dump(),
                rules=sorted(set(binding)),
                rationale=_rationale(
                    c, summary, target, indication, metric, depth_um, binding, reachable
                ),
                target_met=bool(met),
                depth_um=depth_um,
                surrogate={
                    "depth_um": c.depth * 1e6,
                    "downtime_days": c.downtime,
                    "heat_j_per_cm2": c.heat,
                    "coverage_percent": c.coverage,
                },
            )
            if uncertainty_samples >= 2:
                from resurfacer.planning.uncertainty import propagate

                pt.uncertainty = propagate(
                    plan, uncertainty_samples, seed, reference=summary
                ).to_dict()
            plans.append(pt)
        return plans

    def diverse(ranked):
        seen = set()
        first = [c for c in ranked if not (c.kind in seen or seen.add(c.kind))]
        return first + [c for c in ranked if c not in first]

    plans = verify(diverse(ranked), n_best if reachable else 1, reachable) if ranked else []
    if reachable and not plans:
        # every target-reaching candidate tried broke an outcome rule (bulk heat, depth)
        reachable = False
        cooler = [c for c in feasible if c.heat < state["too_hot"] and not c.met]
        ranked = nearest_first(cooler)
        plans = verify(ranked, 1, False)
        message = (
            f"{indication}: target {target['min_um']:g}-{target['max_um']:g} um not reachable "
            "within the limits (the plans that reach it break: "
            + ", ".join(sorted(set(state["broken"])))
            + "); showing the nearest plan"
        )
    if not plans:
        excluded = sorted({r for c in candidates for r in c.violations})
        message = (
            f"{indication}: no plan within the limits for this device, patient and site "
            f"(excluded by: {', '.join(excluded) or 'nothing verified'})"
        )

    return PlannerResult(
        indication=indication,
        target=target,
        reachable=reachable and bool(plans),
        message=message,
        plans=plans,
        tradeoff=_tradeoff(feasible),
        candidates=len(candidates),
        seconds=time.perf_counter() - t0,
        patient=patient,
        areas=areas,
    )


def _fast_plan(patient, areas, c, cache) -> Plan:
    """A Plan of a candidate for rule checks: each pass validated once, the plan assembled."""
    passes = []
    for o in c.options:
        k = id(o.table)
        if k not in cache:
            cache[k] = (o.table, _plan(patient, areas[:1], [o.table], "probe").passes[0])
        passes += [cache[k][1]] * o.repeat
    return Plan.model_construct(name="candidate", patient=patient, areas=areas, passes=passes)


def _thin(options: list[_Option], keep: int = 40) -> list[_Option]:
    """A spread subset of a mode's options for combinations (keeps the product small)."""
    if len(options) <= keep:
        return options
    idx = np.unique(np.linspace(0, len(options) - 1, keep).round().astype(int))
    return [options[i] for i in idx]


def _wound(o: _Option, site: str) -> WoundedPass:
    t = o.table
    p = o.sites[site]
    spot = DEVICES[t["device"]]["modes"][o.mode]["spot_um"] * 1e-6
    kind_ff = DEVICES[t["device"]]["modes"][o.mode]["kind"] == "full_field"
    wide = math.isnan(p["coagulation_width"])
    dens = 1.0 if kind_ff else t["density_percent"] / 100.0
    if kind_ff:
        kind = "full_field"
    else:  # as treatment._wound: a pass without a crater is non-ablative
        kind = "ablative_fractional" if p["ablation_depth"] > 0 else "nonablative_fractional"
    spacing = None if kind_ff else math.sqrt(math.pi * spot**2 / 4 / dens)
    return WoundedPass(
        kind=kind,
        ablation_depth=max(p["ablation_depth"], 0.0),
        ablation_width=spot if wide else p["ablation_width_surface"],
        coagulation_depth=p["coagulation_depth"],
        coagulation_width=spot if wide else p["coagulation_width"],
        coverage=dens,
        spacing=spacing,
        pulse_energy=t["pulse_energy_mj"] * 1e-3,
    )


def _evaluate(c, patient, areas, sites, weights, largest, metric, lo_m, hi_m, target):
    depths = []
    for o in c.options:
        depths.append(float(np.dot(weights, [o.sites[s][metric] for s in sites])))
    c.depth = max(depths)
    wounds = [_wound(o, largest) for o in c.options for _ in range(o.repeat)]
    c.downtime = healing_timeline(
        wounds, patient.age_years, patient.phototype, largest
    ).downtime_days
    heat = 0.0
    reach_cov = 0.0
    for o, d in zip(c.options, depths, strict=True):
        t = o.table
        spec = DEVICES[t["device"]]["modes"][o.mode]
        spot_cm = spec["spot_um"] * 1e-4
        area = math.pi * spot_cm**2 / 4
        dens = t.get("density_percent", 100.0) / 100.0
        heat += o.repeat * t["pulse_energy_mj"] * 1e-3 * t.get("stack", 1) * dens / area
        if d >= lo_m:
            reach_cov += o.repeat * 100.0 * dens
    c.heat = heat
    c.coverage = reach_cov
    c.met = lo_m <= c.depth <= hi_m and reach_cov >= target["min_coverage_percent"] - 1e-9


def _distance(c, lo_m, hi_m) -> float:
    if c.depth < lo_m:
        return lo_m - c.depth
    return max(0.0, c.depth - hi_m)


def _heat_within(heat: float, violation, body_temperature: float) -> float:
    """Energy per area [J/cm2] at which a plan of `heat` that broke a bulk-temperature
    limit would just meet it.

    The bulk temperature is a superposition of the columns' released heat (the
    linear heat equation, `pattern.bulk_temperature`), so its rise over body
    temperature [C] scales with the heat per area when the pattern is kept:
    heat * (limit - T_body) / (peak - T_body). Fewer, shallower columns keep a
    larger share of their energy (stored heat grows less than linearly with pulse
    energy), so plans just under this bound may still break the limit; they are
    verified and lower it again.
    """
    rise = violation.value - body_temperature
    allowed = violation.limit - body_temperature
    return heat * allowed / rise if rise > 0 and allowed > 0 else 0.0


def _why_unreachable(candidates, max_downtime_days) -> str:
    met = [c for c in candidates if c.met]
    if not met:
        return " (the device and mode ranges and the rules' caps do not reach the depth/coverage)"
    rules = sorted({r for c in met for r in c.violations})
    return " (plans that reach it break: " + ", ".join(rules) + ")"


def _binding(c, candidates, key, patient, sites) -> list[str]:
    """Rules that excluded better candidates, and caps the plan sits at."""
    mine = key(c)
    names = set()
    for other in candidates:
        if other.violations and other.met and key(other) < mine:
            names.update(other.violations)
    for o in c.options:
        p = _plan(patient, [Area(site=sites[0], area_cm2=1.0)], [o.table], "probe").passes[0]
        caps = pass_caps(patient.phototype, sites, p)
        total_density = o.repeat * 100.0 * p.density_fraction
        checks = {
            "max_density_percent": total_density,
            "max_pulse_energy_mj": p.pulse_energy_mj,
            "max_passes": o.repeat,
            "max_stack": p.stack,
        }
        for limit, value in checks.items():
            if limit in caps and p.kind != "full_field" and value >= 0.97 * caps[limit][0]:
                names.add(caps[limit][1])
    return sorted(names)


def _rationale(c, summary, target, indication, metric, depth_um, binding, reachable) -> str:
    what = metric.replace("_", " ")
    passes = "; ".join(
        f"{o.mode} {o.table['pulse_energy_mj']:g} mJ"
        + (f" at {o.table['density_percent']:g} %" if "density_percent" in o.table else "")
        + (f", {o.table['stack']} pulses stacked" if o.table.get("stack", 1) > 1 else "")
        + (f", {o.repeat} passes" if o.repeat > 1 else "")
        for o in c.options
    )
    goal = f"{target['min_um']:g}-{target['max_um']:g} um"
    if reachable:
        head = (
            f"For {target['name'].lower()} the target is a {what} of {goal} with at least "
            f"{target['min_coverage_percent']:g} % coverage; {passes} reaches {depth_um:.0f} um "
            f"(full simulation; surrogate {c.depth * 1e6:.0f} um)"
        )
    else:
        head = (
            f"The target {what} of {goal} for {target['name'].lower()} is not reachable within "
            f"the limits; the nearest plan, {passes}, reaches {depth_um:.0f} um"
        )
    tail = (
        f" with a predicted downtime of {summary.downtime_days:.1f} d "
        f"({summary.downtime_days_range[0]:.1f}-{summary.downtime_days_range[1]:.1f}) and a peak "
        f"bulk temperature of {summary.peak_bulk_temperature_c:.1f} C. Among the candidates that "
        "reach the target it has the least downtime, then the least energy per area "
        f"({c.heat:.1f} J/cm2)."
    )
    rules = " Bound by: " + ", ".join(binding) + "." if binding else " No safety limit binds it."
    return head + tail + rules + " Educational model: verify settings against the device."


def _tradeoff(feasible, bin_um: float = 25.0) -> list[dict]:
    """Least downtime per depth reached (25 um bins), as a non-decreasing front."""
    best: dict[int, _Candidate] = {}
    for c in feasible:
        b = int(c.depth * 1e6 // bin_um)
        if b not in best or c.downtime < best[b].downtime:
            best[b] = c
    points = []
    front = math.inf
    for b in sorted(best, reverse=True):
        c = best[b]
        if c.downtime < front:
            front = c.downtime
            points.append({"depth_um": c.depth * 1e6, "downtime_days": c.downtime, "plan": c.kind})
    return sorted(points, key=lambda p: p["depth_um"])


def indication_names() -> list[str]:
    return list(INDICATIONS)


__all__ = ["INDICATIONS", "PlannedTreatment", "PlannerResult", "indication_names", "plan_treatment"]
