"""Test-only solvers and helpers (not part of the package)."""
