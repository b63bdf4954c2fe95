"""The one exception type for bad input, and the validators every layer uses.

Every validation failure names the field, the value it was given and what is
allowed, so the CLI can print it as one line and exit with status 2. A field
inside a pass keeps its 0-based data path and names the pass as people count it:
``passes[1].density_percent (pass 2): got 150; allowed: ...``.
"""

import math
import numbers
import re

_PASS_PATH = re.compile(r"passes\[(\d+)\]")


def pass_note(field: str) -> str:
    """" (pass 2)" for a field path that starts in ``passes[1]``, else ""."""
    m = _PASS_PATH.search(field)
    return f" (pass {int(m.group(1)) + 1})" if m else ""


class InputError(ValueError):
    """Bad input: `field` had `value`, and `allowed` says what would be accepted."""

    #: every error of a plan, this one first, when the plan schema found several (the
    #: web form shows them all); not set otherwise: read it as
    #: ``getattr(exc, "errors", [exc])``
    errors: list["InputError"]

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}{pass_note(field)}: got {shown(value)}; allowed: {allowed}")


#: the longest echo of a refused value in a message [characters]
MAX_SHOWN = 200


def shown(value: object) -> str:
    """`value` as the user would have typed it: a whole float without its ".0" (a plan's
    ``80`` arrives as 80.0 once validated as a number), anything else as its repr, cut
    to `MAX_SHOWN` characters (a list of 60 areas was echoed whole, session 21)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(int(value))
    text = repr(value)
    if len(text) <= MAX_SHOWN:
        return text
    count = f", {len(value)} items" if isinstance(value, list | tuple | dict) else ""
    return f"{text[:MAX_SHOWN]}... ({len(text)} characters{count})"


def check_range(
    field: str,
    value: float,
    low: float,
    high: float,
    unit: str = "",
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return `value` if it lies in [low, high] (ends as flagged), else raise InputError."""
    ok_low = value >= low if low_inclusive else value > low
    ok_high = value <= high if high_inclusive else value < high
    if not (ok_low and ok_high) or value != value:  # NaN fails too
        lo = "[" if low_inclusive else "("
        hi = "]" if high_inclusive else ")"
        suffix = f" {unit}" if unit else ""
        raise InputError(field, value, f"{lo}{low:g}, {high:g}{hi}{suffix}")
    return value


def check_choice(field: str, value: str, choices) -> str:
    """Return `value` if it is one of `choices`, else raise InputError listing them."""
    if value not in choices:
        raise InputError(field, value, "one of " + ", ".join(sorted(choices)))
    return value


def _real(field: str, value, expected: str) -> float:
    """`value` as a float if it is a real number (not a bool), else InputError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(field, value, expected)
    return float(value)


def check_positive(field: str, value, unit: str = "") -> float:
    """`value` as a finite float > 0, else InputError naming `field`."""
    value = _real(field, value, f"a number > 0 {unit}".rstrip())
    if not (math.isfinite(value) and value > 0.0):
        raise InputError(field, value, f"(0, inf) {unit}".rstrip())
    return value


def check_non_negative(field: str, value, unit: str = "") -> float:
    """`value` as a finite float >= 0, else InputError naming `field`."""
    value = _real(field, value, f"a number >= 0 {unit}".rstrip())
    if not (math.isfinite(value) and value >= 0.0):
        raise InputError(field, value, f"[0, inf) {unit}".rstrip())
    return value


def check_fraction(field: str, value) -> float:
    """`value` as a float in [0, 1], else InputError naming `field`."""
    value = _real(field, value, "a number in [0, 1]")
    if not (0.0 <= value <= 1.0):
        raise InputError(field, value, "[0, 1]")
    return value


def check_count(field: str, value) -> int:
    """`value` as an int >= 1 (not a bool), else InputError naming `field`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InputError(field, value, "an integer >= 1")
    return int(value)


class SelfCheckError(RuntimeError):
    """A solve whose result failed one of its own checks (energy balance, simulated
    time, physical bounds): `check` names the check, `detail` says by how much.

    The CLI prints it as one line and exits 2; a web job fails with it."""

    def __init__(self, check: str, detail: str):
        self.check = check
        self.detail = detail
        super().__init__(f"self-check failed: {check}: {detail}")


class OutputError(RuntimeError):
    """An output could not be written (disk full, permission): `path` and `reason`.
    Nothing is left behind; the CLI prints it as one line and exits 2."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot write {self.path}: {reason}")
