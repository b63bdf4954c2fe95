"""The `resurfacer` command.

Each sub-command lives in its own module exposing `register(subparsers)`, which
adds its parser and sets `func` to a callable taking the parsed arguments and
returning an exit status. Bad input (`InputError`), a result that failed its own
checks (`SelfCheckError`: energy balance, simulated time, physical bounds) and an
output that could not be written (`OutputError`, naming the path) each become one
line on stderr and exit status 2, with nothing written.
"""

import argparse
import re
import sys

from resurfacer import __version__
from resurfacer.common.units import human_text
from resurfacer.errors import InputError, OutputError, SelfCheckError

EXIT_BAD_INPUT = 2
#: optional packages -> the extra of pyproject.toml that installs them
EXTRAS = {
    "h5netcdf": "netcdf",
    "h5py": "netcdf",
    "matplotlib": "report",
    "plotly": "report",
    "jinja2": "report",
    "fastapi": "web",
    "fastapi_offline": "web",
    "platformdirs": "web",
    "uvicorn": "web",
    "dask": "sweeps",
    "distributed": "sweeps",
    "pyarrow": "sweeps",
}


def _subcommand_modules():
    from resurfacer.cli import (
        healing_command,
        list_command,
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
        list_command,
    ]


def one_line(text: str) -> str:
    """`text` with control characters escaped: an error stays one line, and input
    echoed in it cannot drive the terminal (escape sequences)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


#: integers given on the command line beyond this are refused (seeds, counts, ...)
MAX_OPTION_INT = 2**53


def check_numbers(args) -> None:
    """Refuse non-finite floats (nan, inf, 1e400) and huge integers in any option,
    before a command sees them."""
    import math

    for name, value in vars(args).items():
        option = "--" + name.replace("_", "-")
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(option, value, "a finite number")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_OPTION_INT:
            raise InputError(option, f"{len(str(abs(value)))} digits", "within +/- 2^53")


#: a negative number in a form argparse reads as an option: exponent or leading point
#: (``-1e3``, ``-.5e-2``); plain ``-5`` and ``-0.5`` it already reads as values
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def join_negative_values(argv: list[str]) -> list[str]:
    """`argv` with ``--option -1e3`` written as ``--option=-1e3``.

    argparse takes a token that starts with "-" for an option unless it is a plain
    negative number, so ``mtz --focal-offset-um -1e3`` stopped with "expected one
    argument". A long option without "=" followed by a negative number in exponent
    form is joined to it; no command has a positional argument that is a number.
    """
    out: list[str] = []
    for token in argv:
        previous = out[-1] if out else ""
        if _NEGATIVE_NUMBER.match(token) and previous.startswith("--") and "=" not in previous:
            out[-1] = f"{previous}={token}"
        else:
            out.append(token)
    return out


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
    args = parser.parse_args(join_negative_values(sys.argv[1:] if argv is None else argv))
    try:
        check_numbers(args)
        return int(args.func(args) or 0)
    except (InputError, SelfCheckError, OutputError) as exc:
        text = one_line(human_text(str(exc)))
        print(f"resurfacer {args.command}: error: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RecursionError:  # a plan nested past what the parser can follow
        print(f"resurfacer {args.command}: error: input nested too deeply", file=sys.stderr)
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
