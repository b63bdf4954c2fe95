"""What cached results depend on: the package's code and data, as one digest.

Surrogate tables on disk and the web store's results are keyed on
`model_fingerprint()` besides the version, so a change to the solver or a
recalibration of its data, made without a version change, never serves
results computed by an older model.
"""

import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]
#: files that can change results: the code and the literature tables
_SUFFIXES = (".py", ".toml", ".csv")


@cache
def model_fingerprint() -> str:
    """12 hex digits of a SHA-256 over the name and bytes of every code and data
    file of the package (computed once per process, about 10 ms)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
