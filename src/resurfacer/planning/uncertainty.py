"""Prediction bands from the spread of skin properties between people.

`propagate(plan, n_samples, seed)` draws `n_samples` people: for each, one standard-normal
draw per skin property (layer thickness, water fraction, conductivity; spreads and their
sources in ``data/tissue_variability.toml``), applied around the patient's nominal skin at
every treated site (the same person at every site; differences between one person's sites
are not sampled). For each person it runs, on every treated area with its passes as fired
there, the part of the treatment chain that sets depth and downtime:

    sampled skin -> one column per pass (the full column solver, `column_for`;
    not the surrogate, whose tables are per skin) -> wounds -> wounds_downtime_days

and reduces the areas as `simulate` does: each pass's figures are the area-weighted means
over the areas it treats (`OutcomeSummary.passes`), the downtime is the slowest area's
(`OutcomeSummary.downtime_region`). Areas that share a site and settings are solved once.
Bulk heating and session time are not sampled. The narrow columns are solved on a coarser
grid than `simulate` (`UNCERTAINTY_SOLVER`, 8 um cells: about 10x faster; a wide spot's 1-D
column takes 1 um cells in both, `treatment.wide_spot_grid`) and the bands are transferred
to the reference outcome as ratios: band = reference value x percentile(sample / coarse
nominal). Depth, cuff and width agree between the 8 and 4 um grids within about 1-15 %
(the cuff being the worst, README), so the ratio transfer carries the spread, not the grid
error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from resurfacer.column.options import SolverOptions
from resurfacer.data import load_toml
from resurfacer.errors import InputError
from resurfacer.healing import wounds_downtime_days
from resurfacer.plan.schema import Plan
from resurfacer.tissue.skin import skin_for

UNCERTAINTY_SOLVER = SolverOptions(grid=8e-6, after_pulse=20e-3, photons=50_000)
PASS_QUANTITIES = ("ablation_depth_um", "coagulation_depth_um", "coagulation_thickness_um")
MAX_SAMPLES = 1000


@dataclass
class UncertaintyResult:
    """Percentile bands per pass and for downtime.

    `bands["passes"][i][quantity]` and `bands["downtime_days"]` are
    ``{"p10": .., "p50": .., "p90": ..}`` (the percentiles asked for), scaled to the
    reference outcome when one was given; `samples` holds the raw sampled values.
    """

    n_samples: int
    seed: int
    #: the treated sites, in the plan's order
    sites: tuple[str, ...]
    percentiles: tuple[float, float]
    bands: dict
    samples: dict = field(repr=False)
    #: the treated area that sets the nominal skin's downtime
    downtime_area: str = ""
    method: str = (
        "full column solver per sampled person and treated area (8 um cells): pass figures "
        "area-weighted over the areas each pass treats, downtime the slowest area's; ratios "
        "to the coarse nominal applied to the reference outcome"
    )

    def to_dict(self) -> dict:
        return {
            "n_samples": self.n_samples,
            "seed": self.seed,
            "sites": list(self.sites),
            "downtime_area": self.downtime_area,
            "percentiles": list(self.percentiles),
            "method": self.method,
            **self.bands,
            "outside_the_band": outside_the_band(self),
        }


def draw_person(rng: np.random.Generator) -> list[float]:
    """One person's standard-normal draws, one per spread of tissue_variability.toml (in its
    order), truncated at +/- truncate_sd."""
    table = load_toml("tissue_variability.toml")
    trunc = float(table["truncate_sd"])
    return [float(np.clip(rng.standard_normal(), -trunc, trunc)) for _ in table["spread"]]


def overrides_for(draws: list[float], skin_nominal) -> dict:
    """Layer overrides {layer: {field: value}} of one person (`draw_person`) around a
    site's nominal skin: value x exp(z sd) for a relative spread, value + z sd (clipped)
    for an absolute one."""
    out: dict[str, dict[str, float]] = {}
    for s, z in zip(load_toml("tissue_variability.toml")["spread"], draws, strict=True):
        nominal = getattr(skin_nominal.layer(s["layer"]), s["field"])
        if "relative_sd" in s:
            value = nominal * float(np.exp(z * s["relative_sd"]))
        else:
            value = float(np.clip(nominal + z * s["absolute_sd"], s["min"], s["max"]))
        out.setdefault(s["layer"], {})[s["field"]] = value
    return out


def _chain(plan: Plan, site: str, overrides, options, passes=None) -> dict:
    """Pass figures and downtime on `site` with `overrides`, for `passes` (default: the
    plan's passes as planned)."""
    from resurfacer.treatment import column_for, later_removal, pass_layers_removed, wound_for

    pt = plan.patient
    skin = skin_for(site, pt.sex, pt.age_years, pt.phototype, overrides=overrides)
    # as the treatment chain: a pass after full-field passes runs on the skin under what
    # they removed (crater and wiped layer), and its wound is measured from the surface
    # before the first pass
    fired = plan.passes if passes is None else passes
    cols, removals, tops, top = [], [], [], 0.0
    sc = skin.layer("stratum_corneum").thickness
    for p in fired:
        tops.append(top)
        column = column_for(skin.stripped(top) if top > 0 else skin, p.beam(), p.pulse(), options)
        removals.append(sum(pass_layers_removed(p, column)))
        cols.append(column)
        top += removals[-1]
    after = later_removal(removals, [p.kind == "full_field" for p in fired])
    wounds = [
        wound_for(p, c, t, r, sc, a)
        for p, c, t, r, a in zip(fired, cols, tops, removals, after, strict=True)
    ]
    um = 1e6
    return {
        "passes": [
            {
                "ablation_depth_um": (t + c.summary.ablation_depth) * um,
                "coagulation_depth_um": (t + c.summary.coagulation_depth) * um,
                "coagulation_thickness_um": c.summary.coagulation_thickness * um,
            }
            for c, t in zip(cols, tops, strict=True)
        ],
        # the sampled skin: its epidermis sets which wounds spare the basal layer
        "downtime_days": wounds_downtime_days(wounds, skin),
    }


@dataclass(frozen=True)
class _AreaChain:
    """Treated areas that share a site and the passes fired on them (solved once)."""

    site: str
    fired: tuple  # (plan pass index, the pass as fired there), in firing order
    areas: tuple  # the Areas


def _area_chains(plan: Plan) -> list[_AreaChain]:
    groups: dict = {}
    for area in plan.site_areas:
        fired = tuple(
            (i, p) for i in range(len(plan.passes)) if (p := plan.region_pass(i, area))
        )
        if not fired:
            continue
        key = (area.site, tuple((i, p.model_dump_json()) for i, p in fired))
        site, _, areas = groups.setdefault(key, (area.site, fired, []))
        areas.append(area)
    return [_AreaChain(site, fired, tuple(areas)) for site, fired, areas in groups.values()]


def _person(plan: Plan, chains: list[_AreaChain], draws, options) -> dict:
    """One person's pass figures (area-weighted over the areas each pass treats) and
    downtime (the slowest area's, and that area's name); `draws` None: the nominal skin."""
    pt = plan.patient
    sums = [dict.fromkeys(PASS_QUANTITIES, 0.0) for _ in plan.passes]
    weights = [0.0] * len(plan.passes)
    downtime, slowest = -np.inf, ""
    for c in chains:
        overrides = None
        if draws is not None:
            overrides = overrides_for(draws, skin_for(c.site, pt.sex, pt.age_years, pt.phototype))
        out = _chain(plan, c.site, overrides, options, [p for _, p in c.fired])
        area = sum(a.area_cm2 for a in c.areas)
        for (i, _), figures in zip(c.fired, out["passes"], strict=True):
            for q in PASS_QUANTITIES:
                sums[i][q] += area * figures[q]
            weights[i] += area
        if out["downtime_days"] > downtime:
            downtime, slowest = out["downtime_days"], c.areas[0].region
    passes = [{q: v / (w or 1.0) for q, v in s.items()} for s, w in zip(sums, weights, strict=True)]
    return {"passes": passes, "downtime_days": float(downtime), "downtime_area": slowest}


def propagate(
    plan: Plan,
    n_samples: int = 20,
    seed: int = 0,
    reference=None,
    options: SolverOptions = UNCERTAINTY_SOLVER,
    percentiles: tuple[float, float] = (10.0, 90.0),
    progress: bool = False,
) -> UncertaintyResult:
    """Sample `n_samples` people and report percentile bands.

    Parameters
    ----------
    plan : a validated Plan.
    n_samples : number of sampled people, 2..1000.
    seed : random seed (same seed, same samples).
    reference : an `OutcomeSummary` (from `simulate`) to scale the bands to; None:
        the bands are the raw sampled values at `options`.
    options : column solver options for the samples.
    percentiles : low and high percentile of the band, 0 <= low < high <= 100.
    progress : a progress bar over the sampled people on stderr.
    """
    from tqdm import tqdm

    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, int)
        or not (2 <= n_samples <= MAX_SAMPLES)
    ):
        raise InputError("n_samples", n_samples, f"an integer in [2, {MAX_SAMPLES}]")
    lo, hi = percentiles
    if not 0.0 <= lo < hi <= 100.0:  # an inverted pair printed an inverted band
        raise InputError("percentiles", percentiles, "(low, high) with 0 <= low < high <= 100")
    chains = _area_chains(plan)
    nominal = _person(plan, chains, None, options)
    rng = np.random.default_rng(seed)
    people = tqdm(range(n_samples), desc="sampled people", unit="person", leave=False,
                  disable=not progress)  # fmt: skip
    draws = [_person(plan, chains, draw_person(rng), options) for _ in people]
    qs = (lo, 50.0, hi)
    names = (f"p{lo:g}", "p50", f"p{hi:g}")

    def band(values, nominal_value, ref_value):
        values = np.asarray(values, float)
        if ref_value is not None and nominal_value > 0:
            values = values / nominal_value * ref_value
        return {n: float(np.percentile(values, q)) for n, q in zip(names, qs, strict=True)}

    passes = []
    for i in range(len(plan.passes)):
        entry = {}
        for q in PASS_QUANTITIES:
            ref = None if reference is None else getattr(reference.passes[i], q)
            entry[q] = band([d["passes"][i][q] for d in draws], nominal["passes"][i][q], ref)
        passes.append(entry)
    ref_dt = None if reference is None else reference.downtime_days
    bands = {
        "passes": passes,
        "downtime_days": band(
            [d["downtime_days"] for d in draws], nominal["downtime_days"], ref_dt
        ),
    }
    samples = {"nominal": nominal, "draws": draws}
    return UncertaintyResult(
        n_samples, seed, tuple(plan.area_by_site), (lo, hi), bands, samples,
        nominal["downtime_area"],
    )  # fmt: skip


def band_table(result: UncertaintyResult) -> str:
    """The bands as text lines (for the CLI)."""
    lo, hi = (f"p{p:g}" for p in result.percentiles)
    lines = [
        f"uncertainty ({result.n_samples} sampled people, {', '.join(result.sites)}; "
        f"{result.percentiles[0]:g}th-{result.percentiles[1]:g}th percentile)",
    ]
    d = result.bands["downtime_days"]
    named = len(result.sites) > 1 or result.downtime_area not in result.sites
    where = f", {result.downtime_area}" if named else ""
    lines.append(
        f"downtime                  {d[lo]:.1f} - {d[hi]:.1f} d (median {d['p50']:.1f}{where})"
    )
    for i, p in enumerate(result.bands["passes"]):
        a, c = p["ablation_depth_um"], p["coagulation_depth_um"]
        lines.append(
            f"pass {i + 1}: depth {a[lo]:.0f}-{a[hi]:.0f} µm, "
            f"coag. depth {c[lo]:.0f}-{c[hi]:.0f} µm"
        )
    outside = outside_the_band(result)
    if outside:
        lines.append(
            "note: the plan's own figure lies outside the band for "
            + "; ".join(outside)
            + ": the patient's nominal skin sits where the figure turns steeply or turns "
            "back as the skin varies, so it is not a typical patient's; read the band"
        )
    return "\n".join(lines)


#: the pass figures `band_table` prints, with its labels
_LABELS = {"ablation_depth_um": "depth", "coagulation_depth_um": "coag. depth"}


def outside_the_band(result: UncertaintyResult) -> list[str]:
    """The figures whose nominal value (the patient's skin, which the reference outcome
    reports) lies below the low or above the high percentile of the sampled people:
    "downtime (above the 90th percentile)", "pass 1 depth (above ...)". The bands are
    the sampled spread scaled to the reference, so the reference lies outside its band
    exactly when the nominal lies outside the raw samples' percentiles."""
    low, high = result.percentiles
    nominal, draws = result.samples["nominal"], result.samples["draws"]

    def side(value, values) -> str:
        lo, hi = np.percentile(np.asarray(values, float), (low, high))
        if value > hi:
            return f"above the {high:g}th percentile"
        if value < lo:
            return f"below the {low:g}th percentile"
        return ""

    out = []
    where = side(nominal["downtime_days"], [d["downtime_days"] for d in draws])
    if where:
        out.append(f"downtime ({where})")
    for i, figures in enumerate(nominal["passes"]):
        for q, label in _LABELS.items():
            where = side(figures[q], [d["passes"][i][q] for d in draws])
            if where:
                out.append(f"pass {i + 1} {label} ({where})")
    return out


__all__ = [
    "UNCERTAINTY_SOLVER",
    "UncertaintyResult",
    "band_table",
    "draw_person",
    "outside_the_band",
    "overrides_for",
    "propagate",
]
