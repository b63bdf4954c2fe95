"""Literature tables. Every number here carries its source in the file beside it.

`load_toml(name)` and `data_path(name)` are the only ways code reads this folder.
"""

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

