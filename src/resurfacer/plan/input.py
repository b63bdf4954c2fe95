"""Raw input before the plan schema sees it: parsed safely and bounded in shape.

One path for every way a plan arrives (a TOML or JSON file with ``--set``
overrides in the CLI, a JSON body in the web API): `parse_json` / `parse_toml`
turn text into plain data, `check_structure` bounds it, and `Plan.from_data`
(which calls `check_structure` itself) validates the fields. Refused, each as an
`InputError` naming where (so a 422 in the API, exit 2 in the CLI), before any
model code runs:

* non-finite numbers (JSON ``NaN`` / ``Infinity``, ``1e400``, TOML ``nan`` /
  ``inf``): no plan field is infinite or undefined;
* nesting deeper than `MAX_DEPTH` (a plan is 4 levels deep: plan, passes, a
  pass, its fields; the parsers' own limit is Python's recursion limit);
* integers beyond +/- `MAX_INT` (2^53, the exact range of a JSON number in
  most parsers), including those too long for Python to parse (over 4,300 digits);
* more than `MAX_ITEMS` values in all, and keys that are not short strings.
"""

from __future__ import annotations

import json
import math
import tomllib

from resurfacer.errors import InputError

MAX_DEPTH = 16
MAX_INT = 2**53
MAX_ITEMS = 10_000
MAX_KEY_LENGTH = 100


def _describe(value) -> object:
    """A short, JSON-safe stand-in for a refused value."""
    if isinstance(value, float):
        return repr(value)  # 'nan', 'inf'
    if isinstance(value, int):
        digits = len(str(abs(value))) if abs(value) < 10**4000 else "thousands of"
        return f"an integer of {digits} digits"
    return value


def _walk(data):
    """(path, value, depth) for every value in `data`, iteratively (no recursion)."""
    stack = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH:
                    raise InputError(path or "body", str(key)[:40] + "...", "short text keys")
                stack.append((f"{path}.{key}" if path else key, item, depth + 1))
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                stack.append((f"{path}[{i}]", item, depth + 1))


def check_structure(data, where: str = "body"):
    """Return `data` if it is plain data inside the bounds above, else InputError."""
    for count, (path, value, depth) in enumerate(_walk(data)):
        field = path or where
        if count > MAX_ITEMS:
            raise InputError(where, f"more than {MAX_ITEMS} values", f"at most {MAX_ITEMS}")
        if depth > MAX_DEPTH:
            raise InputError(field, f"nesting depth {depth}", f"at most {MAX_DEPTH} levels")
        if isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(field, _describe(value), "a finite number")
        if isinstance(value, _LongInteger):
            raise InputError(
                field, f"an integer of {value.digits} digits", f"at most {MAX_JSON_DIGITS} digits"
            )
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise InputError(field, _describe(value), f"an integer within +/- 2^53 ({MAX_INT})")
    return data


class _LongInteger:
    """A JSON integer of more than `MAX_JSON_DIGITS` digits, left unconverted (Python's
    int() is slow on long text) for `check_structure` to refuse where it stands."""

    def __init__(self, digits: int):
        self.digits = digits


#: the longest JSON integer converted (2^53 has 16 digits)
MAX_JSON_DIGITS = 16


def _constant(name: str) -> float:
    """JSON's NaN / Infinity / -Infinity as floats, for `check_structure` to refuse at
    their field."""
    return float(name)


def _json_int(text: str) -> int | _LongInteger:
    digits = len(text.lstrip("-"))
    return _LongInteger(digits) if digits > MAX_JSON_DIGITS else int(text)


def _unique_keys(where: str):
    """A json `object_pairs_hook` that refuses a key given twice in one object (JSON
    parsers keep the last silently; TOML refuses it: session 21 found a plan's energy
    given as 10 then 40 simulated at 40 without a word)."""

    def hook(pairs: list) -> dict:
        out: dict = {}
        for key, value in pairs:
            if key in out:
                raise InputError(where, key, "each key once in an object")
            out[key] = value
        return out

    return hook


def parse_json(text: str | bytes, where: str = "body"):
    """JSON text as plain data (InputError if malformed, non-finite, too deep or too big,
    or if an object gives a key twice)."""
    try:
        data = json.loads(
            text,
            parse_constant=_constant,
            parse_int=_json_int,
            object_pairs_hook=_unique_keys(where),
        )
    except json.JSONDecodeError as exc:
        raise InputError(where, f"line {exc.lineno}", f"valid JSON ({exc.msg})") from None
    except UnicodeDecodeError as exc:
        raise InputError(where, "not JSON", f"valid JSON ({exc})") from None
    except RecursionError:
        raise InputError(where, "nested too deeply", f"at most {MAX_DEPTH} levels") from None
    return check_structure(data, where)


def parse_toml(text: str, where: str):
    """TOML text as plain data (InputError as for `parse_json`; TOMLDecodeError passes)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except RecursionError:
        raise InputError(where, "nested too deeply", f"at most {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer past Python's 4,300-digit conversion limit
        raise InputError(
            where, "an integer too long to read", f"numbers within +/- 2^53 ({exc})"
        ) from None
    return check_structure(data, where)
