"""Literature tables. Every number here carries its source in the file beside it.

`load_toml(name)`, `read_csv_rows(name)` and `data_path(name)` are the only ways code
reads this folder.
"""

import csv
import io
import tomllib
from functools import cache
from importlib.resources import files
from pathlib import Path


def data_path(name: str) -> Path:
    """Path of a file shipped in resurfacer/data."""
    return Path(str(files(__package__).joinpath(name)))


@cache
def load_toml(name: str) -> dict:
    """Parse a TOML table from resurfacer/data (cached; treat the result as read-only)."""
    with open(data_path(name), "rb") as fh:
        return tomllib.load(fh)


def read_csv_rows(name: str) -> list[dict]:
    """Rows of a CSV table in resurfacer/data as dicts of stripped strings (lines
    starting with ``#`` are comments)."""
    with open(data_path(name), newline="") as fh:
        text = "".join(line for line in fh if not line.startswith("#"))
    return [
        {k.strip(): (v or "").strip() for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


def indications() -> dict:
    """The planner's indications: the tables of ``indications.toml`` that give a target
    (a `metric`); the file's other tables hold planner preferences
    (``dark_skin_preference``)."""
    table = load_toml("indications.toml")
    return {k: v for k, v in table.items() if isinstance(v, dict) and "metric" in v}
