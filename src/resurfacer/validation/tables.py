"""The registry of validation tables: which published table, and the model function
that predicts each of its quantities.

A table is a CSV under ``data/`` (comment lines start with ``#``; one row per
published figure, with at least the columns id, quantity, measured,
measured_low, measured_high, unit, source, role). A model function takes one row
(a dict of strings) and returns a `Prediction` in the row's unit, or raises
`NotSimulable` saying why the model cannot produce that figure. A second table
plugs in by defining a `Table` in its own module and naming that module in
`TABLE_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from resurfacer.data import read_csv_rows

#: modules that each define ``TABLE``, a `Table` (the registry's built-in entries)
TABLE_MODULES = ("resurfacer.validation.column", "resurfacer.validation.healing")


class NotSimulable(Exception):
    """The model cannot produce this row's figure; the message says why."""


@dataclass(frozen=True)
class Prediction:
    """A model figure in the row's unit; `balance_error` is the largest relative
    energy-balance error of the solver runs behind it (0 when none); `detail` says
    what the model assumed where the row is silent."""

    value: float
    balance_error: float = 0.0
    detail: str = ""


ModelFunction = Callable[[dict], Prediction]


@dataclass(frozen=True)
class Table:
    """A published table and its models.

    name : short name ("column").
    path : the CSV, relative to ``data/``.
    models : quantity -> model function.
    bounds : quantity -> factor f: a check row passes when the model lies within
        [measured / f, measured x f], or inside a published range [low, high] where
        that is wider (`column.published.within_bound`; a lower bound alone:
        >= low / f; an upper bound alone: <= high x f).
    inputs : row id -> where the model takes that figure as an input (such rows
        are shown but are neither checks nor calibrations).
    check : (row, model) -> (within, bound as text), for a table whose rows each state
        their own kind of bound; None: the factor `bounds`.
    title : the table's heading in docs/validation.md ("" for the first table, whose
        quantities head the page).
    description : what the page says under the title (markdown).
    disagreement : row -> why a check row outside its bound is known to be so ("" if
        none is stated); listed under the table in docs/validation.md.
    """

    name: str
    path: str
    models: Mapping[str, ModelFunction]
    bounds: Mapping[str, float]
    inputs: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[dict, float], tuple[bool, str]] | None = None
    title: str = ""
    description: str = ""
    disagreement: Callable[[dict], str] | None = None


def registered_tables() -> dict[str, Table]:
    """Every registered table by name, in `TABLE_MODULES` order."""
    tables = {}
    for name in TABLE_MODULES:
        table = importlib.import_module(name).TABLE
        tables[table.name] = table
    return tables


def read_rows(table: Table) -> list[dict]:
    """The table's rows as dicts of stripped strings (comment lines skipped)."""
    return read_csv_rows(table.path)
