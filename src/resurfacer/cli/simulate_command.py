"""`resurfacer simulate PLAN`: run a treatment plan and print or save its outcome."""

import json
import sys

from resurfacer.common.files import netcdf_bytes, write_directory
from resurfacer.common.units import human_text, words
from resurfacer.healing import closure_words


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
        help="write report.html (self-contained, static figures) and its PNGs to this folder",
    )
    p.add_argument("--pdf", action="store_true", help="with --report: also report.pdf (Chromium)")
    p.add_argument(
        "--interactive",
        action="store_true",
        help="with --report: add plotly figures (plotly.min.js written beside the report)",
    )
    p.add_argument(
        "--all-regions", action="store_true", help="with --report: column figures on every region"
    )
    p.add_argument(
        "--dose-curves",
        action="store_true",
        help="with --report: dose-response curves (a few extra column solves per pass)",
    )
    p.add_argument(
        "--grid-um", type=float, default=None, help="column solver cell size [µm] (default 4)"
    )
    p.add_argument(
        "--uncertainty",
        type=int,
        default=0,
        metavar="N",
        help="10th-90th percentile bands from N sampled people (resurfacer.planning.uncertainty)",
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

    from resurfacer.column.cautions import SIMULATE_FINEST_GRID_UM
    from resurfacer.common.files import check_output_path
    from resurfacer.errors import InputError, check_range
    from resurfacer.plan.schema import load_plan
    from resurfacer.treatment import TREATMENT_SOLVER, round_summary, simulate

    plan = load_plan(args.plan, args.overrides)
    for option, value in (("--out", args.out), ("--report", args.report)):
        if value is not None:
            check_output_path(value, option, folder=True)
    options = TREATMENT_SOLVER
    if args.grid_um is not None:
        check_range("--grid-um", args.grid_um, SIMULATE_FINEST_GRID_UM, 20.0, "µm")
        options = replace(options, grid=args.grid_um * 1e-6)
    if args.uncertainty and not 2 <= args.uncertainty <= 1000:
        raise InputError("--uncertainty", args.uncertainty, "0 (off) or 2..1000 samples")
    report_options = ("pdf", "interactive", "all_regions", "dose_curves")
    report_only = [o for o in report_options if getattr(args, o)]
    if report_only and not args.report:
        raise InputError("--" + report_only[0].replace("_", "-"), True, "only with --report DIR")
    outcome = simulate(plan, options, progress=sys.stderr.isatty())
    summary = outcome.summary.rounded()
    bands = None
    if args.uncertainty:
        from resurfacer.planning.uncertainty import propagate

        bands = propagate(
            plan, args.uncertainty, reference=outcome.summary, progress=sys.stderr.isatty()
        )
        summary["uncertainty"] = round_summary(bands.to_dict())
    if args.out:
        netcdf = netcdf_bytes(outcome.dataset)  # in memory: HDF5 never meets a full disk
        write_directory(
            args.out,
            {
                "outcome.nc": lambda path: _write_bytes(path, netcdf),
                "summary.json": lambda path: _write_json(path, summary),
            },
        )
    if args.report:
        _write_report(args, outcome, plan)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(summary_table(outcome.summary))
        if bands is not None:
            from resurfacer.planning.uncertainty import band_table

            print()
            print(human_text(band_table(bands)))
    return 0


def _write_report(args, outcome, plan) -> None:
    """The report of a simulated plan; dose curves computed here when asked for."""
    from resurfacer.report import write_pdf, write_report

    curves = None
    if args.dose_curves:
        from tqdm import tqdm

        from resurfacer.sweeps.dose import dose_curve

        passes = range(len(plan.passes))
        bar = tqdm(passes, desc="dose curves", unit="pass", leave=False,
                   disable=not sys.stderr.isatty())  # fmt: skip
        curves = {i: dose_curve(plan, i) for i in bar}
    path = write_report(
        outcome,
        plan,
        args.report,
        dose_curves=curves,
        interactive=args.interactive,
        all_regions=args.all_regions,
    )
    if args.pdf:
        write_pdf(path)


def _write_bytes(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _write_json(path: str, data: dict) -> None:
    with open(path, "w") as fh:
        json.dump(data, fh, indent=2)


def _magnitude(x: float) -> str:
    """A figure in whole units from 10 up, to two significant digits under it (a review
    of session 24: a 0.5 cm2 area read "treated area 0 cm²")."""
    return f"{x:.0f}" if x >= 10 else f"{x:.2g}"


def _duration(minutes: float) -> str:
    """Minutes to 0.1 min from one minute up, seconds under it ("session time 0.0 min"
    for a 0.5 cm2 area, a review of session 24)."""
    return f"{minutes:.1f} min" if minutes >= 1 else f"{minutes * 60:.2g} s"


def summary_table(summary) -> str:
    """The outcome summary as a readable text table (passes numbered from 1)."""
    lo, hi = summary.downtime_days_range
    closed_hours = summary.reepithelialization_hours
    lines = [
        f"plan                      {summary.plan_name}",
        f"treated area              {_magnitude(summary.total_area_cm2)} cm²",
        f"session time              {_duration(summary.session_minutes)}",
        f"energy on treated areas   {_magnitude(summary.total_energy_j)} J",
        f"combined coverage         {summary.combined_coverage_percent:.1f} %",
        f"peak bulk temperature     {summary.peak_bulk_temperature_c:.1f} °C",
        f"bulk thermal dose         {summary.bulk_thermal_dose_cem43_min:.3g} CEM43 min",
        f"deepest area              {summary.deepest_region}",
        "{:<26}{}".format(*closure_words(summary.skin_opened, f"{closed_hours:.0f} h")),
        f"downtime                  {summary.downtime_days:.1f} days (band {lo:.1f}-{hi:.1f})"
        + (f", set by {words(summary.downtime_set_by)}" if summary.downtime_set_by else ""),
        f"erythema                  {summary.erythema_days:.1f} days",
        "",
        "pass settings and figures: area-weighted means over the areas each pass treats",
        "pass  mode       energy   fluence      coverage  MTZ/cm²  crater    coag. depth  "
        "cuff     bulk peak  minutes",
    ]
    for p in summary.passes:
        mtz = "-" if p.mtz_per_cm2 is None else f"{p.mtz_per_cm2:.0f}"
        lines.append(
            f"{p.index + 1:<5} {(p.mode or p.kind)[:10]:<10} {p.pulse_energy_mj:5.1f} mJ "
            f"{p.fluence_j_per_cm2:6.1f} J/cm² {p.coverage_percent:6.1f} %  {mtz:>7}  "
            f"{p.ablation_depth_um:5.0f} µm {p.coagulation_depth_um:8.0f} µm  "
            f"{p.coagulation_thickness_um:4.0f} µm {p.peak_bulk_temperature_c:6.1f} °C  "
            f"{p.minutes:6.1f}"
        )
    lines += _region_lines(summary)
    lines += warning_lines(summary)
    if summary.model_notes:
        lines += ["", "model notes (figures to read with care):"]
        lines += [f"  - {human_text(note)}" for note in summary.model_notes]
    return "\n".join(lines)


def warning_lines(summary) -> list[str]:
    """The plan's warnings as `simulate` and `healing` print them: the broken rules'
    messages, then what a pass asks of its source that it cannot deliver
    (`Pass.cautions`), which is no rule of safety_rules.toml; nothing when there are none."""
    n_rules = len(summary.broken_rules)
    lines: list[str] = []
    for title, warnings in (
        ("safety rules broken (data/safety_rules.toml):", summary.warnings[:n_rules]),
        ("settings the source cannot deliver as given:", summary.warnings[n_rules:]),
    ):
        if warnings:
            lines += ["", title] + [f"  - {human_text(w)}" for w in warnings]
    return lines


def _region_lines(summary) -> list[str]:
    """One line per treated area: deepest crater and coagulation, share of the dermis,
    downtime, bulk peak and thermal dose."""
    if not summary.regions:
        return []
    lines = [
        "",
        "area         site         cm²  crater    coag. depth  of dermis  downtime  bulk peak"
        "  CEM43 min",
    ]
    for r in summary.regions:
        if not r.treated:
            head = f"{r.name[:12]:<12} {r.site[:12]:<12} {_magnitude(r.area_cm2):>4}"
            lines.append(f"{head}  not treated (every pass skips it)")
            continue
        lines.append(
            f"{r.name[:12]:<12} {r.site[:12]:<12} {_magnitude(r.area_cm2):>4} "
            f"{r.crater_um:5.0f} µm "
            f"{r.coagulation_depth_um:8.0f} µm {100 * r.fraction_of_dermis:8.0f} %  "
            f"{r.downtime_days:5.1f} d  {r.peak_bulk_temperature_c:6.1f} °C  "
            f"{r.bulk_cem43_min:9.3g}"
        )
    return lines
