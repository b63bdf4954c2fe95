"""resurfacer: simulator and treatment planner for laser skin resurfacing.

SI units inside; clinical units (mJ, um, ms, %, J/cm2) only at the edges
(plan files, CLI, report). See README.md for the physics and a worked example.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("resurfacer")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"
