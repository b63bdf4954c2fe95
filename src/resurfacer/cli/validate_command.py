"""`resurfacer validate`: the model against the published measurements in the package.

Simulates every row of the validation tables (``data/validation/*.csv``, see
``resurfacer.validation``) in parallel, with results cached on disk, prints model
against measurement with the error (calibration rows marked, rows the model cannot
simulate said so), and writes a figure per quantity and the markdown page.
"""

import json
import os
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="compare the model with the published measurements in the package",
        description="Simulate every published measurement in the validation tables and "
        "print model against measured with the error; write a figure per quantity and a "
        "markdown page.",
    )
    p.add_argument(
        "--table",
        action="append",
        default=None,
        help="only this table (repeatable; default: all registered)",
    )
    p.add_argument("--id", action="append", default=None, help="only this row id (repeatable)")
    p.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes (default: 2, or the CPUs if fewer)",
    )
    p.add_argument("--no-cache", action="store_true", help="recompute every row")
    p.add_argument(
        "--figures",
        default="docs/figures/validation",
        help="folder for the figures (default docs/figures/validation)",
    )
    p.add_argument(
        "--markdown",
        default="docs/validation.md",
        help="markdown page to write (default docs/validation.md; '-' for none)",
    )
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from resurfacer.errors import InputError, check_range
    from resurfacer.validation.report import markdown, text_table, write_figures
    from resurfacer.validation.run import as_dict, run_validation
    from resurfacer.validation.tables import registered_tables

    check_range("--workers", args.workers, 1, 64)
    known = registered_tables()
    for name in args.table or []:
        if name not in known:
            raise InputError("--table", name, "one of " + ", ".join(known))
    ids = set(args.id) if args.id else None
    results = run_validation(args.table, args.workers, not args.no_cache, ids)
    if args.json:
        print(json.dumps([as_dict(r) for r in results]))
    else:
        print(text_table(results))
    figures = write_figures(results, Path(args.figures))
    if args.markdown != "-":
        page = Path(args.markdown)
        page.write_text(markdown(results, [f.resolve() for f in figures], page.resolve().parent))
    return 0
