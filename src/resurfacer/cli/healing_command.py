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
    p.add_argument("--json", action="store_true", help="print the healing summary as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from resurfacer.healing import timeline_table
    from resurfacer.plan.schema import load_plan
    from resurfacer.treatment import simulate

    outcome = simulate(load_plan(args.plan, args.overrides), progress=sys.stderr.isatty())
    if args.json:
        print(json.dumps(outcome.healing.summary(), indent=2))
    else:
        print(timeline_table(outcome.healing))
    return 0
