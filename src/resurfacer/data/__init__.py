"""Literature tables. Every number here carries its source in the file beside it.

`load_toml(name)` and `data_path(name)` are the only ways code reads this folder;
`fingerprint()` identifies its contents, for caches of solver results.
"""

import hashlib
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


@cache
def fingerprint() -> str:
    """12 hex digits of a SHA-256 over every data file's name and bytes.

    Results cached across runs (surrogate tables, the web store) are keyed on it
    as well as on the package version, so a recalibration made without a version
    change does not serve stale results.
    """
    folder = Path(str(files(__package__)))
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix != ".py":
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
