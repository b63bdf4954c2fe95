"""A request body read as JSON, its refusals worded for a client.

`read_json` reads a body with the CLI's reader (`plan.input.parse_json`: strict JSON,
bounded in depth, size and numbers) and restates what that reader says in a plan file's
terms: a body that is not JSON is answered with what is wrong and where (the reader's
"got 'line 1'" reads as if "line 1" had been sent), and a key given twice, a non-finite
number or an integer too long is named at its place in the body, its `loc` following
the body's own keys (the reader's duplicate-key hook sees an object, not where it sits).
"""

from __future__ import annotations

import json

from resurfacer.errors import InputError
from resurfacer.plan.input import parse_json
from resurfacer.web.errors import Unprocessable, error_details

#: what `parse_json` allows where an object gives a key twice
ONCE = "each key once in an object"


def read_json(body: bytes):
    """`body` as plain data; `Unprocessable` (a 422) if it is not JSON or breaks a bound
    of `parse_json`, each refusal at its place in the body."""
    try:
        return parse_json(body, "body")
    except InputError as exc:
        if exc.allowed.startswith("valid JSON"):
            raise Unprocessable([not_json_detail(body)]) from None
        raise _located(body, exc) from None


def not_json_detail(body: bytes) -> dict:
    """The 422 entry of a body that is not JSON: its message says what is wrong and
    where; no `input` (there is no value to echo)."""
    allowed = "a JSON object"
    return {"type": "json_invalid", "loc": ["body"], "msg": not_json_problem(body),
            "input": None, "field": "body", "allowed": allowed}  # fmt: skip


def not_json_problem(body: bytes) -> str:
    """What is wrong with a body that `parse_json` could not read as JSON."""
    if not body.strip():
        return "the body is empty"
    try:
        json.loads(body, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        return f"the body is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    except UnicodeDecodeError as exc:
        return f"the body is not UTF-8 text: {exc.reason} at byte {exc.start}"
    except (ValueError, RecursionError):
        pass
    return "the body is not JSON"


def _located(body: bytes, exc: InputError) -> Unprocessable:
    """`exc`, raised by `parse_json` on JSON text, as a 422 at its place: the body read
    again without the bounds (numbers kept as text), so that `loc` follows its keys and
    a key given twice is named at its path."""
    twice: list[tuple[dict, str]] = []

    def pairs(items: list) -> dict:
        obj = dict(items)
        if not twice and len(obj) < len(items):
            twice.append((obj, first_repeated(k for k, _ in items)))
        return obj

    try:
        data = json.loads(body, object_pairs_hook=pairs, parse_int=str, parse_float=str,
                          parse_constant=str)  # fmt: skip
    except (ValueError, RecursionError):  # deeper than Python parses: no place to name
        return Unprocessable(error_details(exc))
    if exc.allowed == ONCE and twice:
        obj, key = twice[0]
        where = path_to(data, obj)
        exc = InputError(f"{where}.{key}" if where else key, key, exc.allowed)
    return Unprocessable(error_details(exc, data))


def first_repeated(keys) -> str:
    """The first of `keys` that comes a second time ("" if none does)."""
    seen: set = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return ""


def path_to(data, target) -> str:
    """The field path (``passes[0].regions``) of the object `target` inside `data`
    ("" for `data` itself), walked without recursion (a body the reader refused for
    its depth may be deeper than Python recurses)."""
    stack = [("", data)]
    while stack:
        path, node = stack.pop()
        if node is target:
            return path
        if isinstance(node, dict):
            stack += [(f"{path}.{k}" if path else k, v) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(f"{path}[{i}]", v) for i, v in enumerate(node)]
    return ""
