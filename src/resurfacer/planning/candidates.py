"""Candidate plans of the planner: the setting grid per mode and its cheap evaluation.

For every mode of a device, the options (pass tables, repeated 1-2 times) over pulse
energy (log-spaced, rounded to device steps), density (`DENSITY_STEPS` inside the mode's
range and the rule caps) and stacking, each with the surrogate's column per treated region
as the pass is fired there (`planning.surrogate.column_table` of the region's site, at the
energy and density its regional defaults give: `plan.schema.regional_energy` and
`regional_density`); candidates are single modes and the device's ``combines``
pairing. `evaluate` gives each candidate its area-weighted depth, its downtime (the
slowest region's, `healing_timeline`'s downtime with the surrogate geometry, as
`simulate` takes a plan's) and its heat (delivered energy per area, J/cm2).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from resurfacer.column.ablation import pass_removal
from resurfacer.healing import (
    WoundedPass,
    fractional_wound_kind,
    surface_opened,
    wounds_downtime_days,
)
from resurfacer.laser.beam import STACK_SPACING_FACTOR
from resurfacer.plan.rules import pass_caps
from resurfacer.plan.schema import (
    DEVICES,
    Area,
    Patient,
    Plan,
    is_deep_ablative,
    regional_density,
    regional_energy,
    wipes_after,
)
from resurfacer.planning.surrogate import column_table

DENSITY_STEPS = (1, 2, 3, 5, 7.5, 10, 12.5, 15, 20, 25, 30, 40, 50, 60, 80, 100)
ENERGY_POINTS = 14


@dataclass
class Option:
    """One setting of one mode: a pass table, repeated `repeat` times."""

    mode: str
    table: dict
    repeat: int
    regions: dict  # region name -> surrogate prediction (m) of the pass as fired there
    densities: dict  # region name -> density [%] as fired there (None: full field)


@dataclass
class Candidate:
    options: tuple
    depth: float = 0.0  # m, metric, area-weighted, deepest pass
    reach_depth: float = 0.0
    coverage: float = 0.0  # % of passes reaching the target's lower end
    own_coverage: float = 0.0  # % of the passes reaching the candidate's own depth
    downtime: float = math.inf  # d, the slowest region's
    downtime_region: str = ""
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


def round_energy(mj: float) -> float:
    return round(mj * 2) / 2 if mj < 50 else round(mj / 5) * 5


def setting_range(entry):
    if isinstance(entry, dict):
        return float(entry["min"]), float(entry["max"]), float(entry["default"])
    return float(entry), float(entry), float(entry)


def device_modes(device: str) -> list[str]:
    return [m for m, spec in DEVICES[device]["modes"].items() if "combines" not in spec]


def structures(device: str) -> list[tuple[str, ...]]:
    modes = device_modes(device)
    out: list[tuple[str, ...]] = [(m,) for m in modes]
    for spec in DEVICES[device]["modes"].values():
        if "combines" in spec:
            out.append(tuple(spec["combines"]))
    return out


def fast_plan(patient, areas, c, cache) -> Plan:
    """A Plan of a candidate for rule checks: each pass validated once, the plan assembled."""
    passes = []
    for o in c.options:
        k = id(o.table)
        if k not in cache:
            cache[k] = (o.table, make_plan(patient, areas[:1], [o.table], "probe").passes[0])
        passes += [cache[k][1]] * o.repeat
    return Plan.model_construct(name="candidate", patient=patient, areas=areas, passes=passes)


def thin(options: list[Option], keep: int = 40) -> list[Option]:
    """A spread subset of a mode's options for combinations (keeps the product small)."""
    if len(options) <= keep:
        return options
    idx = np.unique(np.linspace(0, len(options) - 1, keep).round().astype(int))
    return [options[i] for i in idx]


def _full_field(o: Option) -> bool:
    return DEVICES[o.table["device"]]["modes"][o.mode]["kind"] == "full_field"


def removal(o: Option, region: str) -> float:
    """The layer one pass of option `o` removes on `region` [m]: a full-field pass its
    crater and, wiped (the default for full field, `Pass.wipes`), the desiccated layer
    under it (`column.ablation.pass_removal`); a fractional pass no uniform layer."""
    if not _full_field(o):
        return 0.0
    p = o.regions[region]
    wipe = wipes_after("full_field", o.table.get("wipe_between_passes"))
    return sum(
        pass_removal(max(p["ablation_depth"], 0.0), max(p["desiccation_depth"], 0.0), wipe)
    )


def fired_passes(c, region: str) -> list[tuple[Option, float]]:
    """The passes of candidate `c` on `region` in firing order, each with the depth [m] of
    the surface it starts on: what the full-field passes before it removed, as the
    treatment chain strips the skin (`treatment._solve_columns`). The surrogate takes each
    pass's column on the fresh skin and shifts it down by that depth (an approximation:
    the chain simulates the stripped skin; `simulate` verifies every proposed plan)."""
    out, top = [], 0.0
    for o in c.options:
        for _ in range(o.repeat):
            out.append((o, top))
            top += removal(o, region)
    return out


def deepest(c, region: str, quantity: str = "coagulation_depth") -> float:
    """The deepest `quantity` (a depth below the skin surface before the first pass) of
    candidate `c`'s passes on `region` [m], each pass shifted by the surface it starts on."""
    return max(top + o.regions[region][quantity] for o, top in fired_passes(c, region))


def surrogate_wound(
    o: Option, region: str, top: float = 0.0, stratum_corneum: float | None = None
) -> WoundedPass:
    """The wound of option `o` as fired on `region` (surrogate geometry), on a surface
    `top` [m] below the skin before the first pass (whose `stratum_corneum` [m] it takes
    a share of); as `treatment.wound_for`, a full-field pass counts as gone what it
    ablated and what the wipe took."""
    t = o.table
    p = o.regions[region]
    spot = DEVICES[t["device"]]["modes"][o.mode]["spot_um"] * 1e-6
    kind_ff = _full_field(o)
    wide = math.isnan(p["coagulation_width"])
    dens = 1.0 if kind_ff else o.densities[region] / 100.0
    opening = float(np.clip(p["surface_opening"], 0.0, 1.0))
    if kind_ff:  # as treatment.wound_for
        kind, opening = "full_field", surface_opened(opening, top, stratum_corneum)
    else:
        kind, opening = fractional_wound_kind(opening, top, stratum_corneum)
    spacing = None if kind_ff else math.sqrt(math.pi * spot**2 / 4 / dens)
    if kind == "nonablative_fractional":
        gone = dried = 0.0
    else:
        gone = max(removal(o, region), p["ablation_depth"], 0.0)
        dried = top + min(max(p["desiccation_depth"], 0.0), p["coagulation_depth"])
    return WoundedPass(
        kind=kind,
        ablation_depth=top + gone,
        ablation_width=spot if wide else p["ablation_width_surface"],
        coagulation_depth=top + max(p["coagulation_depth"], gone),
        coagulation_width=spot if wide else p["coagulation_width"],
        coverage=dens,
        spacing=spacing,
        pulse_energy=p["pulse_energy_mj"] * 1e-3,
        surface_opening=opening,
        injury_width=float(p["injury_width"]),
        desiccation_depth=dried,
        # as `treatment.wound_for`: none for a non-ablative wound; NaN below the crater
        # threshold or on a wide spot (the bed's necrosis lines the wound)
        lining_necrosis=float(p["lining_necrosis"])
        if kind != "nonablative_fractional"
        else math.nan,
    )


def evaluate(c, ctx):
    """Surrogate depth (area-weighted over the regions), downtime (the slowest region's,
    each on its site's skin with the passes as fired there), heat per area and reaching
    coverage of a candidate. `ctx`: the search context (regions, weights, skins, target)."""
    metric = ctx.metric
    fired = {r.name: fired_passes(c, r.name) for r in ctx.regions}
    depths = []
    for o in c.options:
        # the option's deepest pass in each region: its last repeat, on the deepest surface
        reach = [
            max(top + o.regions[r.name][metric] for q, top in fired[r.name] if q is o)
            for r in ctx.regions
        ]
        depths.append(float(np.dot(ctx.weights, reach)))
    c.depth = max(depths)
    c.downtime, c.downtime_region = 0.0, ""
    seen = set()
    for r in ctx.regions:
        fired_alike = (r.site, tuple(sorted(r.deep_defaults.items())))
        if fired_alike in seen:  # same skin, same passes: same downtime
            continue
        seen.add(fired_alike)
        sc = ctx.skins[r.site].layer("stratum_corneum").thickness
        wounds = [surrogate_wound(o, r.name, top, sc) for o, top in fired[r.name]]
        days = wounds_downtime_days(wounds, ctx.skins[r.site])
        if days > c.downtime:
            c.downtime, c.downtime_region = days, r.name
    heat = 0.0
    reach_cov = 0.0
    c.own_coverage = 0.0
    for o, d in zip(c.options, depths, strict=True):
        t = o.table
        spec = DEVICES[t["device"]]["modes"][o.mode]
        spot_cm = spec["spot_um"] * 1e-4
        area = math.pi * spot_cm**2 / 4
        dens, _ = fired_density_and_energy(o, ctx)
        heat += o.repeat * fired_energy_density(o, ctx) * 1e-3 * t.get("stack", 1) / area
        if d >= ctx.lo_m:
            reach_cov += o.repeat * 100.0 * dens
        if d >= c.depth:
            c.own_coverage += o.repeat * 100.0 * dens
    c.heat = heat
    c.coverage = reach_cov
    enough = reach_cov >= ctx.target["min_coverage_percent"] - 1e-9
    c.met = ctx.lo_m <= c.depth <= ctx.hi_m and enough


def _fired(o: Option, ctx) -> np.ndarray:
    """Option `o`'s density [-] and pulse energy [mJ] as fired on each of the regions,
    shape (2, regions): a preset's regional defaults (0.5 x the density of a deep pass on
    the neck or hands) fire otherwise than the table sets."""
    return np.array([
        [1.0 if o.densities[r.name] is None else o.densities[r.name] / 100.0
         for r in ctx.regions],
        [o.regions[r.name]["pulse_energy_mj"] for r in ctx.regions],
    ])  # fmt: skip


def fired_density_and_energy(o: Option, ctx) -> tuple[float, float]:
    """Option `o`'s density [-] and pulse energy [mJ] as fired, area-weighted over the
    regions (`ctx.weights`), as `simulate` weights its combined coverage (session 21:
    plans on the neck or hands said "target reached" at 2.5 % coverage against a 5 %
    minimum, counting the 5 % set)."""
    dens, mj = _fired(o, ctx) @ ctx.weights
    return float(dens), float(mj)


def fired_energy_density(o: Option, ctx) -> float:
    """Option `o`'s pulse energy [mJ] x density [-] as fired, area-weighted over the
    regions: sum_r w_r E_r d_r, the energy per spot area it leaves per unit surface (not
    the product of the two means, which the regions that scale both make 2.4 % low on a
    full face: session 21 review)."""
    dens, mj = _fired(o, ctx)
    return float(np.dot(ctx.weights, dens * mj))


def distance(c, lo_m, hi_m) -> float:
    if c.depth < lo_m:
        return lo_m - c.depth
    return max(0.0, c.depth - hi_m)


def make_plan(patient: Patient, areas: list[Area], passes: list[dict], name: str) -> Plan:
    """A validated Plan of the planner's patient, areas and pass tables."""
    return Plan.from_data(
        {
            "name": name,
            "patient": patient.model_dump(),
            "areas": [a.model_dump(exclude_none=True) for a in areas],
            "passes": passes,
        }
    )


def density_range(spec: dict, spot_um: float) -> tuple[float, float]:
    """A fractional mode's density range [%]: its density_percent range, or its
    mtz_per_cm2 range as summed spot area (pi d^2 / 4 per column)."""
    if "mtz_per_cm2" in spec:
        lo, hi, _ = setting_range(spec["mtz_per_cm2"])
        spot_cm2 = math.pi * (spot_um * 1e-4) ** 2 / 4.0
        return 100.0 * lo * spot_cm2, 100.0 * hi * spot_cm2
    lo, hi, _ = setting_range(spec.get("density_percent", {"min": 1, "max": 100, "default": 10}))
    return lo, hi


def _mode_caps(ctx, mode: str):
    """(mode spec, the pass as a preset fills it, whether its regional defaults scale
    it, the rules' caps on it `{limit: (value, rule)}` over the regions that take it as
    set) for `mode` of the search's device."""
    spec = DEVICES[ctx.device]["modes"][mode]
    preset = [{"device": ctx.device, "mode": mode}]
    base = make_plan(ctx.patient, ctx.areas, preset, "probe").passes[0]
    scaled = is_deep_ablative(base)
    as_set = [r.site for r in ctx.regions if not (scaled and r.deep_defaults)] or ctx.sites
    return spec, base, scaled, pass_caps(ctx.patient.phototype, as_set, base)


def excluding_rules(ctx) -> list[str]:
    """The rules that leave some mode of the search's device no setting at all: a
    `max_passes` cap under one pass, a pulse energy cap under the mode's least energy, or
    a density cap under the least density step of a fractional mode (`mode_options`
    returns nothing for that mode), sorted. The planner names them when it has no
    candidate (session 23: "excluded by: nothing verified" for a full-field device on
    the neck, which `full_field_off_face` excludes)."""
    out = set()
    for mode in device_modes(ctx.device):
        spec, base, _, caps = _mode_caps(ctx, mode)
        e_lo = setting_range(spec["pulse_energy_mj"])[0]
        passes, energy = caps.get("max_passes"), caps.get("max_pulse_energy_mj")
        density = caps.get("max_density_percent")
        if passes is not None and passes[0] < 1:
            out.add(passes[1])
        if energy is not None and energy[0] < e_lo:
            out.add(energy[1])
        if density is not None and base.kind != "full_field":
            d_lo = density_range(spec, base.spot_um)[0]
            if not any(d_lo <= d <= density[0] for d in DENSITY_STEPS):
                out.add(density[1])
    return sorted(out)


def pass_room(ctx, mode: str) -> tuple[float, float]:
    """(the densest step [%] one pass of `mode` may fire within its device range and the
    rules' caps, the passes the rules allow: inf without a cap) on the search's regions
    as set; (0, 0) where the mode has no setting."""
    spec, base, _, caps = _mode_caps(ctx, mode)
    if base.kind == "full_field":
        dens = 100.0
    else:
        d_lo, d_hi = density_range(spec, base.spot_um)
        d_hi = min(d_hi, caps.get("max_density_percent", (100.0, ""))[0])
        steps = [d for d in DENSITY_STEPS if d_lo <= d <= d_hi]
        dens = max(steps, default=0.0)
    return dens, float(caps.get("max_passes", (math.inf, ""))[0])


def mode_options(ctx, mode: str) -> list[Option]:
    """Every setting of `mode` inside its device ranges and the rules' caps, each with the
    surrogate prediction per region as the pass is fired there. `ctx`: the search context
    (patient, areas, regions, sites, skins, options, stacks, repeats, table_nodes,
    stop_depth, device).

    The caps are those of the regions that take the pass as set; a region whose defaults
    scale it (the eyelids of a full face) is held to its own rules by `check_plan` on the
    pass as fired there."""
    device = ctx.device
    spec, base, scaled, caps = _mode_caps(ctx, mode)
    e_lo, e_hi, _ = setting_range(spec["pulse_energy_mj"])
    column_cap = caps.get("max_pulse_energy_mj", (math.inf, ""))[0]  # per column (rules)
    e_hi = min(e_hi, column_cap)
    max_rep = int(min(max(ctx.repeats), caps.get("max_passes", (10, ""))[0]))
    if max_rep < 1 or e_hi < e_lo:
        return []
    max_stack = int(caps.get("max_stack", (20, ""))[0])
    densities: list[float | None]
    if base.kind == "full_field":
        densities = [None]
    else:
        d_lo, d_hi = density_range(spec, base.spot_um)
        d_hi = min(d_hi, caps.get("max_density_percent", (100.0, ""))[0])
        densities = [d for d in DENSITY_STEPS if d_lo <= d <= d_hi]
    opts = []
    for stack in [s for s in ctx.stacks if s <= max_stack and e_lo * s <= column_cap] or [1]:
        e_cap = min(e_hi, column_cap / stack)
        tables = _tables(ctx, base, stack, e_lo, e_cap)
        e_top = min(t.e_max for t in tables.values()) * 1e3
        grid = np.unique(
            [round_energy(e) for e in np.geomspace(e_lo, max(e_top, e_lo), ENERGY_POINTS)]
        )
        for e in [e for e in grid if e_lo <= e <= min(e_top, e_cap) + 1e-9]:
            # the energy each region fires (its column)
            fired = {
                r.name: regional_energy(spec, e, r.deep_defaults if scaled else {})
                for r in ctx.regions
            }
            preds = {}
            for r in ctx.regions:
                pred = tables[r.site].predict(fired[r.name] * 1e-3)
                preds[r.name] = {k: float(v) for k, v in pred.items()}
                preds[r.name]["pulse_energy_mj"] = fired[r.name]
            for d in densities:
                tbl = {"device": device, "mode": mode, "pulse_energy_mj": float(e)}
                if d is not None:
                    tbl["density_percent"] = float(d)
                if stack > 1:
                    # the plan derives the spacing from the pulse each area fires (a
                    # fixed-power source's lasts e / power), as the surrogate table does
                    # (`surrogate._node_pulse`)
                    tbl["stack"] = stack
                dens = {
                    r.name: None
                    if d is None
                    else regional_density(spec, d, r.deep_defaults if scaled else {})
                    for r in ctx.regions
                }
                opts += [
                    Option(mode, tbl, rep, preds, dens) for rep in ctx.repeats if rep <= max_rep
                ]
    return opts


def _tables(ctx, base, stack: int, e_lo: float, e_hi: float) -> dict:
    """Surrogate tables per site for the mode of `base` with `stack` pulses per spot."""
    pulse = base.pulse()
    if stack > 1:
        pulse = type(pulse)(
            pulse.energy, pulse.duration, pulse.shape, stack, STACK_SPACING_FACTOR * pulse.duration
        )
    return {
        s: column_table(
            ctx.skins[s],
            base.beam(),
            pulse,
            ctx.options,
            e_lo * 1e-3,
            max(e_hi, e_lo * 1.01) * 1e-3,
            ctx.table_nodes,
            stop_depth=ctx.stop_depth,
            peak_power=_fixed_power(base),
        )
        for s in ctx.sites
    }


def _fixed_power(base) -> float | None:
    """The source power [W] when the mode derives its pulse duration from it (a
    `peak_power_w` and no default `pulse_duration_ms` in devices.toml), else None."""
    spec = DEVICES[base.device]["modes"][base.mode]
    duration = spec.get("pulse_duration_ms")
    fixed = not isinstance(duration, dict) or "default" in duration
    return None if fixed or base.peak_power_w is None else float(base.peak_power_w)


def build_candidates(ctx) -> list[Candidate]:
    """Single-mode candidates and the device's combined pairing (thinned options)."""
    options = {mode: mode_options(ctx, mode) for mode in device_modes(ctx.device)}
    out: list[Candidate] = []
    for structure in structures(ctx.device):
        lists = [options.get(m, []) for m in structure]
        if any(not lst for lst in lists):
            continue
        if len(structure) > 1:
            lists = [thin(lst) for lst in lists]
        out += [Candidate(tuple(combo)) for combo in itertools.product(*lists)]
    return out
