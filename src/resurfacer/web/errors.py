"""Bad input as FastAPI-style 422 answers, built from the plan's `InputError`.

``{"detail": [{"type": "value_error", "loc": ["passes", 1, "density_percent"],
"msg": ..., "input": ..., "field": ..., "allowed": ...}]}``
"""

from __future__ import annotations

import json
import re

from fastapi.responses import JSONResponse

from resurfacer.common.units import human_text
from resurfacer.errors import InputError, pass_note


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
    return {
        "type": "value_error",
        "loc": loc_of(exc.field),
        "msg": human_text(f"got {exc.value!r}; allowed: {exc.allowed}{pass_note(exc.field)}"),
        "input": jsonable(exc.value),
        "field": exc.field,
        "allowed": exc.allowed,
    }


def unprocessable(detail: list[dict]) -> JSONResponse:
    """A 422 with `detail`."""
    return JSONResponse({"detail": detail}, status_code=422)
