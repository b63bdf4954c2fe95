"""`resurfacer validate`: the model against the published measurements in the package.

Simulates every row of the validation tables (``data/validation/*.csv``, see
``resurfacer.validation``) in parallel, with results cached on disk, prints model
against measurement with the error (calibration rows marked, rows the model cannot
simulate said so), and writes a figure per quantity and the markdown page.
"""

import json
import os
import sys
from pathlib import Path

#: the project's page and figures, written by a run over every row from a source checkout
DEFAULT_PAGE = "docs/validation.md"
DEFAULT_FIGURES = "docs/figures/validation"


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
        default=None,
        help=f"folder for the figures (default {DEFAULT_FIGURES} in a source checkout, "
        "for a run over every row; none otherwise)",
    )
    p.add_argument(
        "--markdown",
        default=None,
        help=f"markdown page to write ('-' for none; default {DEFAULT_PAGE} in a source "
        "checkout, for a run over every row; none otherwise)",
    )
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from resurfacer.errors import check_range
    from resurfacer.validation.report import markdown, text_table, write_figures
    from resurfacer.validation.run import as_dict, run_validation

    check_range("--workers", args.workers, 1, 64)
    _check_tables_and_ids(args)
    page, figures_dir = _outputs(args)
    ids = set(args.id) if args.id else None
    results = run_validation(
        args.table, args.workers, not args.no_cache, ids, progress=sys.stderr.isatty()
    )
    if args.json:
        print(json.dumps([as_dict(r) for r in results]))
    else:
        print(text_table(results))
    if figures_dir is not None:
        figures = write_figures(results, figures_dir)
        if page is not None:
            paths = [f.resolve() for f in figures]
            page.write_text(markdown(results, paths, page.resolve().parent))
    return 0


def _check_tables_and_ids(args) -> None:
    """Refuse a --table or --id the package does not have, naming the known ones
    (session 22: an unknown id printed an empty table and exited 0)."""
    from resurfacer.errors import InputError
    from resurfacer.validation.tables import read_rows, registered_tables

    known = registered_tables()
    for name in args.table or []:
        if name not in known:
            raise InputError("--table", name, "one of " + ", ".join(known))
    rows = {r["id"] for name in args.table or known for r in read_rows(known[name])}
    for row_id in args.id or []:
        if row_id not in rows:
            series: dict[str, list[str]] = {}
            for known_id in sorted(rows):
                series.setdefault(known_id.split("-")[0], []).append(known_id)
            spans = ", ".join(f"{ids[0]} ... {ids[-1]}" for ids in series.values())
            raise InputError("--id", row_id, f"a row id of the tables run ({spans})")


def _outputs(args) -> tuple[Path | None, Path | None]:
    """(page, figures folder) to write: as given; by default the project's own
    (`DEFAULT_PAGE`, `DEFAULT_FIGURES`) only for a run over every row from a source
    checkout, so that a run over some rows, or from an installed package, does not
    overwrite the project's page with a part of it (session 22)."""
    whole = not args.table and not args.id
    checkout = Path(DEFAULT_PAGE).is_file() and Path(DEFAULT_FIGURES).is_dir()
    default = whole and checkout
    figures = args.figures or (DEFAULT_FIGURES if default else None)
    page = args.markdown if args.markdown is not None else (DEFAULT_PAGE if default else "-")
    if page != "-" and figures is None:
        figures = str(Path(page).resolve().parent / "figures" / "validation")
    if figures is None and page == "-":
        print("no page or figures written (give --markdown / --figures)", file=sys.stderr)
    return (None if page == "-" else Path(page)), (Path(figures) if figures else None)
