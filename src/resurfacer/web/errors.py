"""Bad input as FastAPI-style 422 answers, built from the plan's `InputError`.

``{"detail": [{"type": "value_error", "loc": ["passes", 1, "density_percent"],
"msg": ..., "input": ..., "field": ..., "allowed": ...}]}``
"""

from __future__ import annotations

import json
import re
import typing

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from resurfacer.common.units import human_text, unit_of
from resurfacer.errors import InputError, pass_note, shown
from resurfacer.plan.schema import MISSING


def loc_of(path: str) -> list:
    """``passes[1].density_percent`` -> ``["passes", 1, "density_percent"]``."""
    parts: list = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    return parts or ["body"]


def jsonable(value):
    """`value` if strict JSON can carry it, else its repr."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return repr(value)


def input_error_detail(exc: InputError) -> dict:
    """An InputError as one FastAPI-style 422 detail entry."""
    allowed = human_text(f"{exc.allowed}{pass_note(exc.field)}")
    return {
        "type": "value_error",
        "loc": loc_of(exc.field),
        "msg": f"got {shown(exc.value)}; allowed: {allowed}",
        "input": jsonable(exc.value),
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


def request_errors(exc: ValidationError, model: type[BaseModel], skip=()) -> list[InputError]:
    """The errors of a flat request `model` as InputErrors naming the field, the value
    and what it allows; errors under the fields in `skip` (checked elsewhere) left out."""
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper())]
        if loc and loc[0] in skip:
            continue
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
