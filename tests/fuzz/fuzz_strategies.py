"""Hypothesis strategies for the fuzz suite: plans (valid ones mutated), arbitrary JSON,
hostile numbers and tokens, CLI option values."""

import json
import tomllib
from pathlib import Path

from hypothesis import strategies as st

from resurfacer.plan.schema import Plan

EXAMPLES = Path(__file__).parents[2] / "examples"
PLAN_FILES = sorted(p for p in EXAMPLES.glob("*.toml") if not p.name.startswith("sweep"))
BASE_PLANS = [tomllib.loads(p.read_text()) for p in PLAN_FILES]


def _schema_names(node, out: set) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out.update(value)
            _schema_names(value, out)
    elif isinstance(node, list):
        for item in node:
            _schema_names(item, out)
    return out


#: every field name the plan schema knows
FIELD_NAMES = sorted(_schema_names(Plan.json_schema(), set()))

#: values that broke something once, or sit on an edge
TOKENS = [
    "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "0", "-0", "-1",
    "1e308", "9" * 30, "9" * 5000, "0x10", "1_000", "true", "", " ", "[]", "{}", "[[[[[[]]]]]]",
    "line", "hexagon", "square", "full_face", "co2_dual", "erbium_fractional", "tophat",
    "gaussian", "female", "male", "12000", "11000", "10600", "2940", "1400", "\u00e9\u00e8",
    "\x00", "'", '"', "\\", "a=b", "passes", "../../etc/passwd",
]  # fmt: skip

big_ints = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=10**15, max_value=10**40),
    st.sampled_from([2**53, 2**53 + 1, -(2**63), 10**4000]),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e4, max_value=1e5),
    st.integers(min_value=-10, max_value=20_000),
    big_ints,
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, st.text(max_size=12), st.sampled_from(TOKENS)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(data, prefix=()):
    """Every path into `data` (dict keys and list indices), for mutation."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


def _set(data, path, value, delete: bool):
    node = data
    for part in path[:-1]:
        node = node[part]
    if delete and isinstance(node, dict):
        node.pop(path[-1], None)
    elif isinstance(node, list) and isinstance(path[-1], int):
        node[path[-1]] = value
    elif isinstance(node, dict):
        node[path[-1]] = value


@st.composite
def mutated_plans(draw, max_changes: int = 3):
    """A valid example plan with 0-3 changes: a field set to a hostile or plausible
    value, a field deleted, an unknown or known field added, a nesting added."""
    data = json.loads(json.dumps(draw(st.sampled_from(BASE_PLANS))))
    for _ in range(draw(st.integers(0, max_changes))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()):  # a new field beside an existing one
            path = (*path[:-1], draw(st.sampled_from(FIELD_NAMES)))
        value = draw(st.one_of(scalars, json_values))
        try:
            _set(data, path, value, delete=draw(st.integers(0, 5)) == 0)
        except (KeyError, IndexError, TypeError):
            pass
    return data


bodies = st.one_of(mutated_plans(), json_values)


def option_value():
    return st.one_of(
        st.sampled_from(TOKENS),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**6), 10**6).map(str),
        st.text(max_size=10).filter(lambda s: not s.startswith("-")),
    )
