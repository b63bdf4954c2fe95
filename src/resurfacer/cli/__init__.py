"""The `resurfacer` command.

Each sub-command lives in its own module exposing `register(subparsers)`, which
adds its parser and sets `func` to a callable taking the parsed arguments and
returning an exit status. Bad input (`InputError`) becomes one line on stderr
and exit status 2, with nothing written.
"""

import argparse
import sys

from resurfacer import __version__
from resurfacer.errors import InputError

EXIT_BAD_INPUT = 2
#: optional packages -> the extra of pyproject.toml that installs them
EXTRAS = {
    "h5netcdf": "netcdf",
    "h5py": "netcdf",
    "matplotlib": "report",
    "plotly": "report",
    "jinja2": "report",
    "fastapi": "web",
    "uvicorn": "web",
    "dask": "sweeps",
    "distributed": "sweeps",
    "pyarrow": "sweeps",
}


def _subcommand_modules():
    from resurfacer.cli import (
        healing_command,
        mtz_command,
        optics_command,
        plan_command,
        schema_command,
        serve_command,
        simulate_command,
        sweep_command,
        validate_command,
    )

    return [
        mtz_command,
        optics_command,
        schema_command,
        simulate_command,
        healing_command,
        sweep_command,
        serve_command,
        plan_command,
        validate_command,
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resurfacer", description="Simulate and plan laser skin resurfacing."
    )
    parser.add_argument("--version", action="version", version=f"resurfacer {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in _subcommand_modules():
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"resurfacer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").partition(".")[0])
        if extra is None:
            raise
        print(
            f"resurfacer {args.command}: error: this needs {exc.name}, installed with the "
            f"'{extra}' extra: pip install 'resurfacer[{extra}]'",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
