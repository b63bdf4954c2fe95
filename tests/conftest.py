"""Checks that apply to every test.

The issue's bar for the column solver is an energy balance closed to under 0.5 %
"on every case tested": every column solved in the test process (directly or
through a treatment, the planner or the report) is checked here, not only the
cases of the energy-balance tests.
"""

import os

import numba
import pytest

from resurfacer.column import solve as mtz

ENERGY_BALANCE_BAR = 5e-3  # relative


def pytest_configure(config):
    """Under pytest-xdist (`make test` runs one worker per core) each worker runs the
    numba kernels on one thread: the workers already share the cores, and two threads
    per worker on two cores only made them wait for each other. NUMBA_NUM_THREADS (the
    most a test may ask for) is left as it is."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        numba.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    """Tests marked slow first, in their order, then the rest (a stable sort): under
    pytest-xdist's `--dist loadfile` a file is handed out in collection order, and the
    whole validation run (tests/validation/test_validate.py's fixture, about two minutes
    on one worker) came last and ran alone at the end (session 26: pytest 679 s)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _every_column_closes_its_energy_balance(monkeypatch):
    solve = mtz._solve

    def solve_and_check(*args, **kwargs):
        result = solve(*args, **kwargs)
        error = result.summary.energy.relative_error
        assert error < ENERGY_BALANCE_BAR, (
            f"energy balance error {error:.3e} >= {ENERGY_BALANCE_BAR} for {result.inputs}"
        )
        return result

    monkeypatch.setattr(mtz, "_solve", solve_and_check)
