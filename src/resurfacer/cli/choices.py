"""Allowed values of the CLI's options, for ``--help`` and for checking input.

The options keep their one-line errors (``--site: got 'elbow'; allowed: one of
...``, exit 2) by checking with `resurfacer.errors.check_choice` rather than
argparse's ``choices``; `choices_help` shows the same list in ``--help``.
"""

from __future__ import annotations

import argparse
import math

from resurfacer.errors import InputError

SEXES = ("female", "male")
#: Fitzpatrick phototypes as Roman numerals, I = 1 ... VI = 6
ROMAN = ("I", "II", "III", "IV", "V", "VI")


def choices_help(text: str, choices, default=None) -> str:
    """`text` followed by the allowed values (and the default)."""
    tail = f" (default {default})" if default is not None else ""
    return f"{text}: one of {', '.join(choices)}{tail}"


def parse_phototype(value, option: str = "--phototype") -> int:
    """A Fitzpatrick phototype given as 1-6 or I-VI (any case) -> 1..6."""
    text = str(value).strip()
    if text.upper() in ROMAN:
        return ROMAN.index(text.upper()) + 1
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if number.is_integer() and 1 <= number <= 6:  # "3" or "3.0", as a plan file takes it
        return int(number)
    raise InputError(option, text, "a Fitzpatrick type 1-6 or I-VI")


def sites() -> tuple[str, ...]:
    from resurfacer.tissue.skin import SITES

    return tuple(SITES)


def sites_and_presets() -> tuple[str, ...]:
    """The body sites and the named area presets (``full_face``, ``cheeks``, ...), once each."""
    from resurfacer.plan.schema import AREA_PRESETS

    return tuple(dict.fromkeys((*sites(), *AREA_PRESETS)))


def devices() -> tuple[str, ...]:
    from resurfacer.plan.schema import DEVICE_NAMES

    return tuple(DEVICE_NAMES)


def indications() -> tuple[str, ...]:
    from resurfacer.data import indications

    return tuple(indications())


def whole_number(text: str) -> int:
    """An argparse type: `text` as an int where it is a whole number, also written as a
    float (``1e5``, ``100000.0``); anything else is refused by argparse (exit status 2)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"got {text!r}; allowed: a whole number (100000 or 1e5)")
    return int(value)
