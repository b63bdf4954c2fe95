"""`resurfacer sweep`: run a parameter sweep on Dask, or plot its dose-response.

resurfacer sweep [run] SWEEP.toml --out results.parquet [--scheduler tcp://HOST:PORT]
                 [--workers N] [--batch-size N] [--no-progress]
resurfacer sweep plot results.parquet --x FIELD --y FIELD [--by FIELD] --out PNG
"""

import sys

ACTIONS = ("run", "plot")
#: sweep points run without --allow-long (a few hours at 1-2 points/s)
MAX_POINTS_WITHOUT_OVERRIDE = 10_000


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (Dask, Parquet results) or plot its dose-response",
        description="`resurfacer sweep [run] SWEEP.toml --out DIR` simulates every point of "
        "a sweep file on a Dask cluster (local by default) and appends the rows to a "
        "Parquet dataset folder; re-running resumes. `resurfacer sweep plot DIR --x F --y F "
        "[--by F] --out PNG` plots any output against any swept field. See docs/sweeps.md.",
    )
    p.add_argument("action", help="run (default, may be left out) or plot", metavar="[run|plot]")
    p.add_argument("file", nargs="?", help="sweep file (run) or results folder (plot)")
    p.add_argument("--out", required=True, help="results folder (run) or PNG file (plot)")
    p.add_argument("--scheduler", help="run: address of a Dask scheduler, tcp://HOST:PORT")
    p.add_argument("--workers", type=int, help="run: local worker processes (default 2)")
    p.add_argument("--batch-size", type=int, help="run: points per Dask task (default: auto)")
    p.add_argument(
        "--connect-timeout", type=float, default=5.0, help="run: seconds to reach --scheduler"
    )
    p.add_argument("--no-progress", action="store_true", help="run: no progress bar")
    p.add_argument(
        "--allow-long",
        action="store_true",
        help=f"run: more than {MAX_POINTS_WITHOUT_OVERRIDE:,} points",
    )
    p.add_argument("--x", dest="x", help="plot: field on the x axis (a swept field)")
    p.add_argument(
        "--y", dest="y", help="plot: output on the y axis, e.g. passes.0.ablation_depth_um"
    )
    p.add_argument("--by", help="plot: one line per value of this field")
    p.set_defaults(func=run)


def run(args) -> int:
    from resurfacer.errors import InputError

    action, target = args.action, args.file
    if action not in ACTIONS:
        if target is not None:
            raise InputError("action", action, "run or plot (then one file)")
        action, target = "run", action
    if target is None:
        raise InputError("file", None, "a sweep file (run) or a results folder (plot)")
    if action == "plot":
        for name in ("scheduler", "workers", "batch_size"):
            if getattr(args, name) is not None:
                raise InputError(f"--{name.replace('_', '-')}", getattr(args, name), "run only")
        return _plot(args, target)
    for name in ("x", "y", "by"):
        if getattr(args, name) is not None:
            raise InputError(f"--{name}", getattr(args, name), "plot only")
    return _run(args, target)


def _run(args, target) -> int:
    from resurfacer.common.files import check_output_path
    from resurfacer.errors import InputError
    from resurfacer.sweeps.sweep import load_sweep, run_sweep

    sweep = load_sweep(target)
    check_output_path(args.out, "--out", folder=True)
    n = len(sweep)
    if n > MAX_POINTS_WITHOUT_OVERRIDE and not args.allow_long:
        raise InputError(
            target, f"{n:,} points", f"at most {MAX_POINTS_WITHOUT_OVERRIDE:,} without --allow-long"
        )
    print(
        f"estimated cost: {n:,} points (those already in {args.out} are skipped)", file=sys.stderr
    )
    try:
        report = run_sweep(
            sweep,
            args.out,
            scheduler=args.scheduler,
            workers=args.workers,
            progress=not args.no_progress and sys.stderr.isatty(),
            batch_size=args.batch_size,
            connect_timeout=args.connect_timeout,
        )
    except InputError as exc:  # run_sweep's own checks name its arguments: the options
        if exc.field in ("batch_size", "connect_timeout"):
            raise InputError(f"--{exc.field.replace('_', '-')}", exc.value, exc.allowed) from None
        raise
    ran = report.written + len(report.failed)
    print(
        f"{report.total} points: {report.skipped} already in {args.out}, {report.written} "
        f"written ({report.ok} ok, {report.refused} refused), {len(report.failed)} failed; "
        f"{report.seconds:.1f} s"
        + (f", {ran / report.seconds:.2f} points/s on {report.workers} workers" if ran else "")
    )
    for pid, message in report.failed[:10]:
        print(f"failed {pid}: {message}", file=sys.stderr)
    return 1 if report.failed else 0


def _plot(args, target) -> int:
    from pathlib import Path

    from resurfacer.common.files import check_output_path, write_file
    from resurfacer.errors import InputError
    from resurfacer.sweeps.sweep import dose_response

    if not args.x or not args.y:
        raise InputError("--x/--y", None, "both given for plot")
    check_output_path(args.out, "--out")
    fig = dose_response(target, args.x, args.y, by=args.by)
    # the format the file's name asks for (matplotlib's: .png, .svg, .pdf); PNG otherwise
    suffix = Path(args.out).suffix.lower().lstrip(".")
    fmt = suffix if suffix in ("png", "svg", "pdf") else "png"
    write_file(args.out, lambda path: fig.savefig(path, format=fmt, dpi=120))
    print(f"wrote {args.out}")
    return 0
