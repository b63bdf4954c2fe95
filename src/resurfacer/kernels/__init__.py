"""Numba kernels of the column solver and the Monte Carlo light transport.

Their on-disk cache (``cache=True``) lives in a folder named by a digest of this
package's sources. Numba checks only the file a function is defined in, so an edit to
``deposition.py`` would otherwise leave ``driver.run_column``, which compiles the
deposition into itself, loading its old machine code in silence; with the digest any
change to any kernel file starts a fresh cache. ``NUMBA_CACHE_DIR``, when set, wins.
"""

import hashlib
import os
from pathlib import Path

import numba

_HERE = Path(__file__).resolve().parent


def kernel_digest() -> str:
    """12 hex digits of a SHA-256 over the names and bytes of the kernels' sources."""
    digest = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_dir() -> Path:
    """``kernels/__pycache__/numba-<digest>``, or under ~/.cache/resurfacer when the
    package folder is read-only (an installed package)."""
    name = f"numba-{kernel_digest()}"
    in_tree = _HERE / "__pycache__"
    if os.access(_HERE, os.W_OK) and (not in_tree.exists() or os.access(in_tree, os.W_OK)):
        return in_tree / name
    return Path.home() / ".cache" / "resurfacer" / name


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = str(_cache_dir())  # type: ignore[attr-defined]
