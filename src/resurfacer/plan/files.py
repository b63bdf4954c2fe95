"""Plan files: reading TOML or JSON into plain data (errors name the file and line),
``--set key=value`` overrides, and writing plan data back as TOML. No validation
here: `resurfacer.plan.schema` validates what these return.
"""

import re
import tomllib
from copy import deepcopy
from pathlib import Path

from resurfacer.errors import InputError
from resurfacer.plan.input import parse_json, parse_toml

#: the three ways to give a fractional pass's density; setting one drops the others
DENSITY_FIELDS = ("density_percent", "spot_spacing_um", "mtz_per_cm2")


def read_plan_data(path: Path, fmt: str) -> dict:
    """Parse a plan file; InputError naming the file (and line) if it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), exc.strerror, "a readable plan file") from None
    try:
        if fmt == "json":
            return parse_json(raw, str(path))
        return parse_toml(raw.decode("utf-8"), str(path))
    except InputError as exc:
        # a value refused where it stands keeps its field path; the file is named too
        inside = exc.field if exc.field not in (str(path), "body") else None
        field = f"{path}: {inside}" if inside else str(path)
        raise InputError(field, exc.value, exc.allowed) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        where = f"line {match.group(1)}" if match else "the file"
        raise InputError(str(path), where, f"valid TOML ({exc})") from None


def _scalar(text: str, key: str = "--set"):
    """A --set value as a TOML scalar (``15``, ``1e-3``, ``"a b"``, ``true``); else the text.
    InputError naming `key` (the dotted path set) for a value no plan field takes
    (``nan``, ``inf``)."""
    try:
        return parse_toml(f"v = {text}", key)["v"]
    except tomllib.TOMLDecodeError:
        return text
    except InputError as exc:
        raise InputError(key, exc.value, exc.allowed) from None


def apply_overrides(data: dict, overrides) -> dict:
    """Apply ``key=value`` overrides to plan data (a copy is returned).

    Parameters
    ----------
    data : dict
        Plan data as parsed from a file.
    overrides : iterable of str
        ``dotted.path=value``; list indices count from 0, as in error messages
        (``passes.1.density_percent=15`` is the second pass). Values are TOML scalars;
        text that is not one is taken as a string (``patient.sex=male``). Setting one
        of density_percent, spot_spacing_um, mtz_per_cm2 drops the other two.

    Raises
    ------
    InputError
        For an item without ``=`` or a path through a missing list item or a scalar.
    """
    data = deepcopy(data)
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError("--set", item, "key=value, e.g. passes.1.density_percent=15")
        parts: list = [int(p) if p.isascii() and p.isdigit() else p for p in key.split(".")]
        node = data
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            where = ".".join(map(str, parts[: i + 1]))
            if isinstance(node, list) and isinstance(part, int):
                if part >= len(node):
                    raise InputError(where, part, f"an index 0..{len(node) - 1}")
            elif not isinstance(node, dict) or isinstance(part, int):
                raise InputError(key, text, f"a path to a field (stopped at {where})")
            if last:
                if isinstance(node, dict) and part in DENSITY_FIELDS:
                    for other in DENSITY_FIELDS:
                        node.pop(other, None)
                node[part] = _scalar(text.strip(), key)
            elif isinstance(node, dict) and part not in node:
                node[part] = {}
                node = node[part]
            else:
                node = node[part]
    return data


# --- TOML writer -------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):  # an inline table (per-region pass settings)
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return _toml_string(str(value))


def _toml_pairs(table: dict) -> list[str]:
    return [f"{k} = {_toml_value(v)}" for k, v in table.items()]


def toml_text(data: dict) -> str:
    """TOML for this schema: top-level scalars, tables, arrays of tables."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict | list)}
    lines = _toml_pairs(scalars)
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]", *_toml_pairs(value)]
        elif isinstance(value, list):
            for item in value:
                lines += ["", f"[[{key}]]", *_toml_pairs(item)]
    return "\n".join(lines) + "\n"


