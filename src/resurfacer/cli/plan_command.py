"""`resurfacer plan`: settings for an indication on one patient and site (planning.planner)."""

import json
import sys

#: the treated area of a single site when --area-cm2 is not given [cm²]
DEFAULT_AREA_CM2 = 50.0
#: the device planned with when none is given and no phototype preference applies
#: (planning.planner.DEFAULT_DEVICE, kept here so `--help` need not import the planner)
DEFAULT_DEVICE = "co2_dual"
#: the plan file formats --out writes, by extension
PLAN_FORMATS = (".toml", ".json")


def register(subparsers) -> None:
    from resurfacer.cli.choices import (
        SEXES,
        choices_help,
        devices,
        indications,
        sites_and_presets,
    )

    p = subparsers.add_parser(
        "plan",
        help="propose settings for an indication (planner)",
        description="Search pulse energy, density, stacking, passes and surface + deep "
        "combinations for the settings that reach the indication's target depth with the "
        "least downtime inside the safety rules; verify the best with the full simulation. "
        "See docs/planner.md.",
    )
    p.add_argument(
        "--site",
        required=True,
        help=choices_help("body site or area preset", sites_and_presets()),
    )
    p.add_argument(
        "--indication", required=True, help=choices_help("indication", indications())
    )
    p.add_argument("--phototype", required=True, help="Fitzpatrick type 1-6 or I-VI")
    p.add_argument("--age", required=True, type=float, help="years, 18-100")
    p.add_argument("--sex", default="female", help=choices_help("sex", SEXES, "female"))
    p.add_argument(
        "--device",
        default=None,
        help=choices_help("device preset", devices())
        + f" (default {DEFAULT_DEVICE}; for phototypes IV-VI the device the sources prefer "
        "for the indication, data/indications.toml dark_skin_preference)",
    )
    p.add_argument(
        "--area-cm2",
        type=float,
        default=None,
        help=f"treated area for a single site, default {DEFAULT_AREA_CM2:g}; "
        "a preset sets its own",
    )
    p.add_argument("--max-downtime-days", type=float, default=None)
    p.add_argument("--n-best", type=int, default=3, help="plans to propose (default 3)")
    p.add_argument(
        "--uncertainty",
        type=int,
        default=0,
        metavar="N",
        help="the spread (10-90 %%) of each plan's figures over N sampled people",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--out",
        default=None,
        metavar="PLAN.toml",
        help="write the first plan as a complete plan file (.toml or .json) for simulate",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    from resurfacer.cli.choices import parse_phototype, sites_and_presets
    from resurfacer.errors import InputError, check_choice
    from resurfacer.plan.schema import DEVICE_NAMES, Patient
    from resurfacer.planning.planner import INDICATIONS, plan_treatment

    check_choice("--indication", args.indication, INDICATIONS)
    check_choice("--site", args.site, sites_and_presets())
    if args.device is not None:
        check_choice("--device", args.device, DEVICE_NAMES)
    check_choice("--sex", args.sex, ("female", "male"))
    args.phototype = parse_phototype(args.phototype)
    if not 18 <= args.age <= 100:
        raise InputError("--age", args.age, "[18, 100] years")
    areas = _areas(args.site, args.area_cm2)
    if args.max_downtime_days is not None and not 0 < args.max_downtime_days <= 365:
        raise InputError("--max-downtime-days", args.max_downtime_days, "(0, 365] days")
    if args.uncertainty and not 2 <= args.uncertainty <= 1000:
        raise InputError("--uncertainty", args.uncertainty, "0 (off) or 2..1000 samples")
    if not 1 <= args.n_best <= 10:
        raise InputError("--n-best", args.n_best, "1..10")
    if args.out is not None:
        _check_out(args.out)
    patient = Patient(sex=args.sex, age_years=float(args.age), phototype=args.phototype)
    result = plan_treatment(
        patient,
        areas,
        args.indication,
        device=args.device,
        max_downtime_days=args.max_downtime_days,
        n_best=args.n_best,
        uncertainty_samples=args.uncertainty,
        progress=not args.quiet,
    )
    if args.out is not None and result.plans:
        _write_plan(args.out, result.plan(0))
    elif args.out is not None:
        print(f"no plan to write: {args.out} was not written", file=sys.stderr)
    # the nearest plan of an unreached target is an answer, not an error: exit 0
    print(json.dumps(result.to_dict(), indent=2) if args.json else _table(result))
    return 0


def _areas(site: str, area_cm2: float | None) -> list:
    """The areas of --site: a preset's own (refusing an --area-cm2 beside it), or the
    single site at --area-cm2 (default `DEFAULT_AREA_CM2`)."""
    from resurfacer.errors import InputError
    from resurfacer.plan.schema import AREA_MAX_CM2, AREA_MIN_CM2, AREA_PRESETS, Area, AreaPreset
    from resurfacer.tissue.skin import SITES

    if site in AREA_PRESETS and site not in SITES:  # a name that is also a site is the site
        preset = AreaPreset(preset=site)
        if area_cm2 is not None:
            total = sum(a.area_cm2 for a in preset.expand())
            raise InputError(
                "--area-cm2",
                area_cm2,
                f"not with a preset site (the preset sets its areas: {site} is {total:g} cm²)",
            )
        return [preset]
    area = DEFAULT_AREA_CM2 if area_cm2 is None else area_cm2
    if not AREA_MIN_CM2 <= area <= AREA_MAX_CM2:  # the plan schema's range (session 31's
        # probe: 0.001 passed a (0, 1000] check and failed in the schema with a traceback)
        raise InputError("--area-cm2", area, f"[{AREA_MIN_CM2:g}, {AREA_MAX_CM2:g}] cm²")
    return [Area(site=site, area_cm2=float(area))]


def _check_out(path: str) -> None:
    """Refuse, before the search, an --out the plan could not be written to."""
    from pathlib import Path

    from resurfacer.common.files import check_output_path
    from resurfacer.errors import InputError

    if Path(path).suffix.lower() not in PLAN_FORMATS:
        raise InputError("--out", path, "a plan file ending in " + " or ".join(PLAN_FORMATS))
    folder = Path(path).expanduser().absolute().parent
    try:
        check_output_path(path, "--out")
    except InputError as e:
        if not folder.is_dir() or "writable folder" not in str(e):
            raise
        # the folder exists: the reason is that it takes no new file, whatever errno the
        # probe got (session 24 probe: /proc gave "No such file or directory")
        raise InputError(
            "--out", path, f"a path in a writable folder ({folder} exists but is not writable)"
        ) from None


def _write_plan(path: str, plan) -> None:
    from resurfacer.common.files import write_text

    write_text(path, plan.to_json() if path.lower().endswith(".json") else plan.to_toml())


def _table(result) -> str:
    from resurfacer.common.units import human_text

    lines = [human_text(result.message), f"device: {result.device} ({result.device_reason})"]
    if not result.reachable and result.shortfall:
        lines.append(human_text(f"reached: false; shortfall: {result.shortfall}"))
    if result.broken:
        lines.append("broken by plans tried (dropped): " + ", ".join(result.broken))
    lines.append("")
    for i, p in enumerate(result.plans):
        pr = p.predicted
        lo, hi = pr["downtime_days_range"]
        lines.append(
            f"plan {i + 1}: depth {p.depth_um:.0f} µm, session {pr['session_minutes']:.0f} min, "
            f"downtime {pr['downtime_days']:.1f} d (band {lo:.1f}-{hi:.1f}), "
            f"bulk peak {pr['peak_bulk_temperature_c']:.1f} °C, "
            f"at limits: {', '.join(getattr(p, 'at_limits', [])) or '-'}, "
            f"{'better-ranked' if getattr(p, 'target_met', True) else 'nearer'} plans kept out by: "
            f"{', '.join(getattr(p, 'kept_out_by', [])) or '-'}"
        )
        for k, t in enumerate(p.passes):
            lines.append(f"    pass {k + 1}: " + ", ".join(f"{a}={v}" for a, v in t.items()))
        lines.append("    " + human_text(p.rationale))
        lines += [f"    model note: {human_text(n)}" for n in pr.get("model_notes", [])]
        if p.uncertainty:
            # the spread over sampled people, named apart from the healing model's band
            # above, as simulate and the report call it (session 24 probe: both were
            # called "band" on one plan)
            d = p.uncertainty["downtime_days"]
            n = p.uncertainty.get("n_samples")
            people = f"{n} sampled people" if n else "sampled people"
            lines.append(f"    downtime over {people} (10-90 %): {d['p10']:.1f}-{d['p90']:.1f} d")
            outside = p.uncertainty.get("outside_the_band", [])
            if outside:
                lines.append(
                    "    the plan's own figure lies outside the sampled-people band for "
                    + "; ".join(outside)
                    + " (simulate --uncertainty, docs/planner.md)"
                )
    lines.append("")
    lines.append(
        "trade-off (depth µm: least downtime d): "
        + (
            ", ".join(f"{t['depth_um']:.0f}: {t['downtime_days']:.1f}" for t in result.tradeoff)
            or (
                "none (no candidate within the limits gives the indication's coverage)"
                if result.plans
                else "none (no plan within the limits)"
            )
        )
    )
    return "\n".join(lines)
