"""The result store: bounded size, oldest first out, other versions dropped on open."""

import sqlite3
from pathlib import Path

import pytest

from resurfacer import __version__
from resurfacer.common.fingerprint import model_fingerprint
from resurfacer.plan.schema import Plan
from resurfacer.web.store import ResultStore, model_version, plan_key


def put(store, key, created=None):
    store.put(key, {"name": key}, {"plan_name": key}, f"<p>{key}</p>", 0.1)
    if created is not None:  # make the order of arrival explicit
        with sqlite3.connect(store.path) as db:
            db.execute("UPDATE results SET created = ? WHERE key = ?", (created, key))


def test_the_oldest_results_go_beyond_the_limit(tmp_path):
    store = ResultStore(tmp_path / "s.sqlite", max_results=3)
    for i, key in enumerate("abc"):
        put(store, key, created=float(i))
    put(store, "d")  # now: newer than a, b, c
    assert len(store) == 3
    assert store.get("a") is None
    assert [store.get(k)["summary"]["plan_name"] for k in "bcd"] == ["b", "c", "d"]
    store.close()


def test_opening_drops_other_versions_and_applies_the_limit(tmp_path):
    path = tmp_path / "s.sqlite"
    store = ResultStore(path, max_results=10)
    for i, key in enumerate("abcd"):
        put(store, key, created=float(i))
    store.close()
    with sqlite3.connect(path) as db:
        # an older model: same version, other code or data
        db.execute(f"UPDATE results SET version = '{__version__}+0' WHERE key = 'a'")
    again = ResultStore(path, max_results=2)
    assert len(again) == 2
    assert again.get("a") is None and again.get("b") is None
    assert again.get("d") is not None
    with sqlite3.connect(path) as db:
        versions = {v for (v,) in db.execute("SELECT version FROM results")}
    assert versions == {model_version()}
    again.close()


def test_the_model_version_names_code_and_data():
    assert model_version() == f"{__version__}+{model_fingerprint()}"
    assert len(model_fingerprint()) == 12 and int(model_fingerprint(), 16) >= 0


def test_keys_differ_between_model_versions():
    plan = Plan.from_toml(Path(__file__).parents[2] / "examples" / "erbium-perioral.toml")
    assert plan_key(plan) != plan_key(plan, version=f"{__version__}+0")


def test_a_store_holds_at_least_one_result(tmp_path):
    with pytest.raises(ValueError, match="max_results"):
        ResultStore(tmp_path / "s.sqlite", max_results=0)
