"""`resurfacer schema`: print the JSON Schema of a plan file."""

import json


def register(subparsers) -> None:
    """Add ``schema``."""
    p = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of a plan file",
        description="Print the JSON Schema of a treatment plan (TOML or JSON file). "
        "See docs/plan-files.md.",
    )
    p.set_defaults(func=_run)


def _run(args) -> int:
    from resurfacer.plan.schema import Plan

    print(json.dumps(Plan.json_schema(), indent=2))
    return 0
