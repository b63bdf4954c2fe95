"""The one exception type for bad input, and the validators every layer uses.

Every validation failure names the field, the value it was given and what is
allowed, so the CLI can print it as one line and exit with status 2.
"""


import math
import numbers


class InputError(ValueError):
    """Bad input: `field` had `value`, and `allowed` says what would be accepted."""

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")


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
