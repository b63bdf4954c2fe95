"""`resurfacer simulate PLAN`: run a treatment plan and print or save its outcome."""

import json
import sys

from resurfacer.cli.output import write_directory_atomically


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="simulate a treatment plan (TOML or JSON)",
        description="Simulate a plan: every pass's columns on every treated site, the "
        "pattern's bulk heating and the session time. Clinical units.",
    )
    add_plan_arguments(p)
    p.add_argument("--out", default=None, help="write outcome.nc and summary.json to this folder")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--report",
        default=None,
        metavar="DIR",
        help="write a self-contained report.html and PNG figures to this folder",
    )
    p.add_argument(
        "--grid-um", type=float, default=None, help="column solver cell size [um] (default 4)"
    )
    p.add_argument(
        "--uncertainty",
        type=int,
        default=0,
        metavar="N",
        help="10th-90th percentile bands from N sampled skins (resurfacer.planning.uncertainty)",
    )
    p.set_defaults(func=run)


def add_plan_arguments(parser) -> None:
    """The plan file and its `--set KEY=VALUE` overrides, shared by plan-reading commands."""
    parser.add_argument("plan", help="plan file (.toml or .json); see docs/plan-files.md")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a plan field, e.g. passes.1.density_percent=15 (repeatable)",
    )


def run(args) -> int:
    from dataclasses import replace

    from resurfacer.errors import InputError, check_range
    from resurfacer.plan.schema import load_plan
    from resurfacer.treatment import TREATMENT_SOLVER, simulate

    plan = load_plan(args.plan, args.overrides)
    options = TREATMENT_SOLVER
    if args.grid_um is not None:
        check_range("--grid-um", args.grid_um, 0.5, 20.0, "um")
        options = replace(options, grid=args.grid_um * 1e-6)
    if args.uncertainty and not 2 <= args.uncertainty <= 1000:
        raise InputError("--uncertainty", args.uncertainty, "0 (off) or 2..1000 samples")
    outcome = simulate(plan, options, progress=sys.stderr.isatty())
    summary = outcome.summary.model_dump()
    bands = None
    if args.uncertainty:
        from resurfacer.planning.uncertainty import propagate

        bands = propagate(plan, args.uncertainty, reference=outcome.summary)
        summary["uncertainty"] = bands.to_dict()
    if args.out:
        write_directory_atomically(
            args.out,
            {
                "outcome.nc": lambda path: outcome.dataset.to_netcdf(path, engine="h5netcdf"),
                "summary.json": lambda path: _write_json(path, summary),
            },
        )
    if args.report:
        from resurfacer.report import write_report

        write_report(outcome, plan, args.report)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(summary_table(outcome.summary))
        if bands is not None:
            from resurfacer.planning.uncertainty import band_table

            print()
            print(band_table(bands))
    return 0


def _write_json(path: str, data: dict) -> None:
    with open(path, "w") as fh:
        json.dump(data, fh, indent=2)


def summary_table(summary) -> str:
    """The outcome summary as a readable text table."""
    lines = [
        f"plan                      {summary.plan_name}",
        f"treated area              {summary.total_area_cm2:.0f} cm2",
        f"session time              {summary.session_minutes:.1f} min",
        f"energy delivered          {summary.total_energy_j:.0f} J",
        f"combined coverage         {summary.combined_coverage_percent:.1f} %",
        f"peak bulk temperature     {summary.peak_bulk_temperature_c:.1f} C",
        f"bulk thermal dose         {summary.bulk_thermal_dose_cem43_min:.3g} CEM43 min",
        f"deepest area              {summary.deepest_region}",
        f"skin closed after         {summary.reepithelialization_hours:.0f} h",
        f"downtime                  {summary.downtime_days:.1f} days "
        f"(band {summary.downtime_days_range[0]:.1f}-{summary.downtime_days_range[1]:.1f})",
        f"erythema                  {summary.erythema_days:.0f} days",
        "",
        "pass figures: area-weighted means over the areas each pass treats",
        "pass  mode       energy   coverage  MTZ/cm2  crater   coag. depth  cuff   "
        "bulk peak  minutes",
    ]
    for p in summary.passes:
        mtz = "-" if p.mtz_per_cm2 is None else f"{p.mtz_per_cm2:.0f}"
        lines.append(
            f"{p.index:<5} {(p.mode or p.kind)[:10]:<10} {p.pulse_energy_mj:5.1f} mJ "
            f"{p.coverage_percent:6.1f} %  {mtz:>7}  {p.ablation_depth_um:5.0f} um "
            f"{p.coagulation_depth_um:8.0f} um  {p.coagulation_thickness_um:4.0f} um "
            f"{p.peak_bulk_temperature_c:6.1f} C  {p.minutes:6.1f}"
        )
    lines += _region_lines(summary)
    if summary.warnings:
        lines += ["", "safety warnings (data/safety_rules.toml):"]
        lines += [f"  - {warning}" for warning in summary.warnings]
    return "\n".join(lines)


def _region_lines(summary) -> list[str]:
    """One line per treated area: deepest crater and coagulation, share of the dermis,
    downtime, bulk peak and thermal dose."""
    if not summary.regions:
        return []
    lines = [
        "",
        "area         site         cm2  crater  coag. depth  of dermis  downtime  bulk peak"
        "  CEM43 min",
    ]
    for r in summary.regions:
        lines.append(
            f"{r.name[:12]:<12} {r.site[:12]:<12} {r.area_cm2:4.0f} {r.crater_um:5.0f} um "
            f"{r.coagulation_depth_um:8.0f} um {100 * r.fraction_of_dermis:8.0f} %  "
            f"{r.downtime_days:5.1f} d  {r.peak_bulk_temperature_c:6.1f} C  "
            f"{r.bulk_cem43_min:9.3g}"
        )
    return lines
