"""`resurfacer healing PLAN`: the day-by-day healing timeline of a plan as a table."""

import json
import sys

from resurfacer.cli.simulate_command import add_plan_arguments


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "healing",
        help="print the healing timeline and aftercare schedule of a plan",
        description="Simulate a plan and print its healing timeline: skin state, erythema "
        "and aftercare day by day, milestones, downtime. An educational model.",
    )
    add_plan_arguments(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print everything the table shows as JSON: summary, bands, daily schedule, "
        "aftercare items, milestones, phototype notes, when to call the clinic, the plan's "
        "warnings and broken safety rules, the model notes, and for several areas each "
        "area's downtime",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from resurfacer.cli.simulate_command import warning_lines
    from resurfacer.common.units import human_text, words
    from resurfacer.healing import timeline_table
    from resurfacer.plan.schema import load_plan
    from resurfacer.treatment import simulate

    outcome = simulate(load_plan(args.plan, args.overrides), progress=sys.stderr.isatty())
    s = outcome.summary
    # an area every pass skips has no downtime: JSON null, "not treated" (as simulate says)
    by_area = {
        r.name: round(r.downtime_days, 2) if r.treated and r.downtime_days is not None else None
        for r in s.regions
    }
    if args.json:
        data = outcome.healing.summary()
        if s.downtime_set_by:
            data |= {"downtime_region": s.downtime_set_by, "downtime_days_by_area": by_area}
        # session 26, a probe: a plan that breaks the safety rules printed its patient
        # schedule without a word of them
        data["warnings"] = list(s.warnings)
        data["broken_rules"] = [b.model_dump() for b in s.broken_rules]
        data["model_notes"] = list(s.model_notes)
        print(json.dumps(data, indent=2))
    else:
        # the broken rules and undeliverable settings first, as simulate words them
        # (session 26, a probe: a plan the rules refuse got its patient schedule in silence)
        if s.warnings:
            print("\n".join(warning_lines(s)[1:]) + "\n")
        print(timeline_table(outcome.healing))
        if s.downtime_set_by:
            areas = (
                f"{words(name)} " + ("not treated" if days is None else f"{days:.1f} d")
                for name, days in by_area.items()
            )
            print("downtime by area (the slowest sets the course above): " + ", ".join(areas))
        if s.model_notes:  # as simulate prints them (session 21: healing left them out)
            print("\nmodel notes (figures to read with care):")
            print("\n".join(f"  - {human_text(note)}" for note in s.model_notes))
    return 0
