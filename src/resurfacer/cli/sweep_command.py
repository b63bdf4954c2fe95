"""`resurfacer sweep`: run a parameter sweep on Dask, or plot its dose-response.

resurfacer sweep [run] SWEEP.toml --out results.parquet [--scheduler tcp://HOST:PORT]
                 [--workers N] [--batch-size N] [--connect-timeout S] [--no-progress]
                 [--allow-long]
resurfacer sweep plot results.parquet --x COLUMN --y COLUMN [--by COLUMN] --out IMAGE
"""

import sys

ACTIONS = ("run", "plot")
#: sweep points run without --allow-long (a few hours at 1-2 points/s)
MAX_POINTS_WITHOUT_OVERRIDE = 10_000
#: options of `run` only, refused by `plot` (given: not None, not False)
RUN_ONLY = ("scheduler", "workers", "batch_size", "connect_timeout", "no_progress", "allow_long")
#: matplotlib's formats that need more than matplotlib (.pgf: a TeX installation)
NEEDS_MORE = {"pgf"}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (Dask, Parquet results) or plot its dose-response",
        description="`resurfacer sweep [run] SWEEP.toml --out DIR` simulates every point of "
        "a sweep file on a Dask cluster (local by default) and appends the rows to a "
        "Parquet dataset folder; re-running resumes. `resurfacer sweep plot DIR --x F --y F "
        "[--by F] --out IMAGE` plots any results column against another (swept values: "
        "set.PATH). See docs/sweeps.md.",
    )
    p.add_argument("action", help="run (default, may be left out) or plot", metavar="[run|plot]")
    p.add_argument("file", nargs="?", help="sweep file (run) or results folder (plot)")
    p.add_argument(
        "--out", required=True, help="results folder (run) or image file, .png/.svg/.pdf (plot)"
    )
    p.add_argument("--scheduler", help="run: address of a Dask scheduler, tcp://HOST:PORT")
    p.add_argument("--workers", type=int, help="run: local worker processes (default 2)")
    p.add_argument("--batch-size", type=int, help="run: points per Dask task (default: auto)")
    p.add_argument(
        "--connect-timeout", type=float, help="run: seconds to reach --scheduler (default 5)"
    )
    p.add_argument("--no-progress", action="store_true", help="run: no progress bar")
    p.add_argument(
        "--allow-long",
        action="store_true",
        help=f"run: more than {MAX_POINTS_WITHOUT_OVERRIDE:,} points",
    )
    p.add_argument(
        "--x", dest="x", help="plot: column on the x axis, e.g. set.passes.0.pulse_energy_mj"
    )
    p.add_argument(
        "--y", dest="y", help="plot: column on the y axis, e.g. passes.0.ablation_depth_um"
    )
    p.add_argument("--by", help="plot: one line per value of this column")
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
        for name in RUN_ONLY:
            if getattr(args, name) is not None and getattr(args, name) is not False:
                raise InputError(f"--{name.replace('_', '-')}", getattr(args, name), "run only")
        return _plot(args, target)
    for name in ("x", "y", "by"):
        if getattr(args, name) is not None:
            raise InputError(f"--{name}", getattr(args, name), "plot only")
    return _run(args, target)


def _run(args, target) -> int:
    from resurfacer.common.files import check_output_path
    from resurfacer.errors import InputError
    from resurfacer.sweeps.sweep import DEFAULT_CONNECT_TIMEOUT_S, load_sweep, run_sweep

    sweep = load_sweep(target)
    check_output_path(args.out, "--out", folder=True)
    if args.connect_timeout is None:
        args.connect_timeout = DEFAULT_CONNECT_TIMEOUT_S
    _check_options(args)
    n = len(sweep)
    if n > MAX_POINTS_WITHOUT_OVERRIDE and not args.allow_long:
        raise InputError(
            target, f"{n:,} points", f"at most {MAX_POINTS_WITHOUT_OVERRIDE:,} without --allow-long"
        )
    print(
        f"estimated cost: {n:,} points (those already in {args.out} are skipped)", file=sys.stderr
    )
    report = run_sweep(
        sweep,
        args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        progress=not args.no_progress and sys.stderr.isatty(),
        batch_size=args.batch_size,
        connect_timeout=args.connect_timeout,
    )
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


def _check_options(args) -> None:
    """The run options' checks (`check_run_options`), before the cost is printed, naming
    the options as typed."""
    from resurfacer.errors import InputError
    from resurfacer.sweeps.sweep import check_run_options

    try:
        check_run_options(args.workers, args.batch_size, args.connect_timeout)
    except InputError as exc:  # named as run_sweep's arguments (batch_size): as options here
        raise InputError(
            f"--{exc.field.lstrip('-').replace('_', '-')}", exc.value, exc.allowed
        ) from None


def _image_format(out: str) -> str:
    """The image format `out`'s suffix names (``.png``, ``.svg``, ``.pdf``, ...);
    InputError for a suffix matplotlib does not write (``z.txt`` was written as PNG)."""
    from pathlib import Path

    from matplotlib.backend_bases import FigureCanvasBase

    from resurfacer.errors import InputError

    formats = set(FigureCanvasBase.get_supported_filetypes()) - NEEDS_MORE
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in formats:
        shown = ", ".join(f".{f}" for f in sorted(formats))
        raise InputError("--out", out, f"an image file named by its format: {shown}")
    return suffix


def _plot(args, target) -> int:
    from resurfacer.common.files import check_output_path, write_file
    from resurfacer.errors import InputError
    from resurfacer.sweeps.sweep import dose_response

    if not args.x or not args.y:
        raise InputError("--x/--y", None, "both given for plot")
    check_output_path(args.out, "--out")
    fmt = _image_format(args.out)
    fig = dose_response(target, args.x, args.y, by=args.by)
    write_file(args.out, lambda path: fig.savefig(path, format=fmt, dpi=120))
    print(f"wrote {args.out}")
    return 0
