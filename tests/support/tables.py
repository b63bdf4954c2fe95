"""A private surrogate-table cache for a test module (no table leaks between modules)."""

import pytest

import resurfacer.planning.surrogate as surrogate


def private_table_cache(tmp_path_factory, name: str):
    """Generator for a module fixture: RESURFACER_CACHE points at a fresh folder and the
    in-memory tables are cleared before and after."""
    mp = pytest.MonkeyPatch()
    mp.setenv("RESURFACER_CACHE", str(tmp_path_factory.mktemp(name)))
    surrogate.clear_memory()
    yield
    mp.undo()
    surrogate.clear_memory()
