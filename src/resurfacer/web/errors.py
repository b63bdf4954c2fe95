"""Bad input as FastAPI-style 422 answers, built from the plan's `InputError`.

``{"detail": [{"type": "value_error", "loc": ["passes", 1, "density_percent"],
"msg": ..., "input": ..., "field": ..., "allowed": ...}]}``

An error's `field` is a path in the plan's grammar (``passes[1].regions.<area>.stack``,
`plan.schema`), where a key is written as it is: an area named ``a.b`` or ``x[1]``
cannot be told from two steps by the text alone. Its `loc` is therefore read against
the request as parsed (`loc_of`): a route checks a body inside `checked_against`, which
answers its errors as `Unprocessable` with every `loc` following the body's own keys.
"""

from __future__ import annotations

import json
import re
import typing
from contextlib import contextmanager

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from resurfacer.common.units import human_text, unit_of
from resurfacer.errors import InputError, pass_note, shown
from resurfacer.plan.schema import MISSING

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_INDEX = re.compile(r"\[(\d+)\]")


def _split(path: str) -> list:
    """``passes[1].density_percent`` -> ``["passes", 1, "density_percent"]`` (by the text
    alone: a key holding "." or "[n]" comes apart)."""
    return [int(index) if index else name for name, index in _PART.findall(path)]


def _steps(rest: str, node):
    """(part, the path after it, the value there) for each way `rest` can begin in
    `node`: an index of a list, or a key of an object (the longest key first)."""
    if isinstance(node, list):
        m = _INDEX.match(rest)
        if m and int(m.group(1)) < len(node):
            yield int(m.group(1)), rest[m.end() :].removeprefix("."), node[int(m.group(1))]
    elif isinstance(node, dict):  # a key ends where a step may begin, or with the path
        ends = [i for i, c in enumerate(rest) if c in ".["] + [len(rest)]
        for end in reversed(ends):
            if rest[:end] in node:
                yield rest[:end], rest[end:].removeprefix("."), node[rest[:end]]


def _follow(rest: str, node) -> tuple[list, str]:
    """The parts of path `rest` found in `node` and what is left of the path: a reading
    that goes all the way through the data if there is one, else the longest keys'.
    Each value of the data is visited once at most (a path leads to one place)."""
    best: tuple[list, str] = ([], rest)
    for part, after, child in _steps(rest, node):
        parts, left = _follow(after, child)
        if not left:
            return [part, *parts], ""
        if not best[0]:
            best = ([part, *parts], left)
    return best


def loc_of(path: str, data=None) -> list:
    """A field path as a 422 `loc`: ``passes[1].density_percent`` -> ``["passes", 1,
    "density_percent"]``. Followed through `data` (the request as parsed) as far as it
    goes, so a key that holds "." or "[n]" stays one part (``passes[0].regions.a.b.stack``
    with an area ``a.b``: ``["passes", 0, "regions", "a.b", "stack"]``); the rest (a
    missing field, an area of an expanded preset) is split on the grammar."""
    parts, left = _follow(path, data)
    return parts + _split(left) or ["body"]


def jsonable(value):
    """`value` if strict JSON can carry it, else its repr."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return repr(value)


def input_error_detail(exc: InputError, data=None) -> dict:
    """An InputError as one FastAPI-style 422 detail entry, its `loc` read against
    `data` (the request as parsed, when at hand); a missing value's `input` is null."""
    allowed = human_text(f"{exc.allowed}{pass_note(exc.field)}")
    return {
        "type": "value_error",
        "loc": loc_of(exc.field, data),
        "msg": f"got {shown(exc.value)}; allowed: {allowed}",
        "input": None if exc.value is MISSING else jsonable(exc.value),
        "field": exc.field,
        "allowed": exc.allowed,
    }


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: an answer that echoes the request's
    text carries a lone UTF-16 surrogate (``"\\ud800"``, valid in a JSON string) as its
    escape, where UTF-8 encoding would fail."""

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False).encode("ascii")


def unprocessable(detail: list[dict]) -> JSONResponse:
    """A 422 with `detail`."""
    return AsciiJSONResponse({"detail": detail}, status_code=422)


class Unprocessable(Exception):
    """A request refused as a whole: the app answers it 422 with `detail`, entries built
    where the parsed body was at hand (`checked_against`, `web.body.read_json`)."""

    def __init__(self, detail: list[dict]):
        super().__init__(detail)
        self.detail = detail


def error_details(exc: InputError, data=None) -> list[dict]:
    """The 422 entries of `exc`: every error of the plan at once (``errors``, set by the
    plan schema), else this one; located in `data` (`input_error_detail`)."""
    return [input_error_detail(e, data) for e in getattr(exc, "errors", [exc])]


@contextmanager
def checked_against(data):
    """Check a parsed request body inside: an InputError raised there becomes
    `Unprocessable`, each `loc` following the keys of `data` (`loc_of`)."""
    try:
        yield
    except InputError as exc:
        raise Unprocessable(error_details(exc, data)) from None


def _literals(annotation) -> list:
    """The values of the Literal in `annotation` (also inside ``Literal[...] | None``)."""
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return [v for arg in typing.get_args(annotation) for v in _literals(arg)]


def field_allowed(model: type[BaseModel], name: str) -> str | None:
    """What a field of a flat request model accepts: its choices, or its bounds with the
    unit its name carries (``max_downtime_days``: "a number in (0, 365] days")."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    choices = _literals(info.annotation)
    if choices:
        return "one of " + ", ".join(str(c) for c in choices)
    bounds = {}
    for m in info.metadata:
        for key in ("gt", "ge", "lt", "le", "min_length", "max_length"):
            if getattr(m, key, None) is not None:
                bounds[key] = getattr(m, key)
    if "max_length" in bounds:
        return f"a list of {bounds.get('min_length', 0)} to {bounds['max_length']} entries"
    if not bounds:
        return None
    integer = int in (info.annotation, *typing.get_args(info.annotation))
    kind = "an integer" if integer else "a number"
    low = f"({bounds['gt']:g}" if "gt" in bounds else f"[{bounds.get('ge', -float('inf')):g}"
    high = f"{bounds['lt']:g})" if "lt" in bounds else f"{bounds.get('le', float('inf')):g}]"
    return f"{kind} in {low}, {high} {unit_of(name)}".rstrip()


def request_errors(exc: ValidationError, model: type[BaseModel]) -> list[InputError]:
    """The errors of a flat request `model` as InputErrors naming the field, the value
    and what it allows."""
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper())]
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            allowed = "fields " + ", ".join(model.model_fields)
        else:
            allowed = (field_allowed(model, str(loc[0])) if loc else None) or err["msg"]
        if err["type"] == "missing":
            value, allowed = MISSING, f"a value (required): {allowed}"
        out.append(InputError(field or "body", value, allowed))
    return out
