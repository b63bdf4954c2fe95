"""Sweeps: sweep files, the Parquet store, runs on a local Dask cluster, resume, plots, CLI."""

import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from resurfacer.cli import main
from resurfacer.errors import InputError
from resurfacer.sweeps.sweep import (
    ID,
    PLAN_HASH,
    WARNINGS,
    ResultStore,
    dose_response,
    load_sweep,
    point_id,
    read_results,
    run_sweep,
    sweep_from_data,
    swept_column,
)

BASE = {
    "name": "Er:YAG perioral, one pass",
    "patient": {"sex": "female", "age_years": 62, "phototype": 2},
    "areas": [{"site": "perioral", "area_cm2": 40}],
    "passes": [{"device": "erbium_fractional", "pulse_energy_mj": 30, "density_percent": 11}],
}
ENERGY, DENSITY = "passes.0.pulse_energy_mj", "passes.0.density_percent"
#: the results column of the density set (the summary has no density of its own)
SET_DENSITY = swept_column(DENSITY)

#: 6 points sharing one column per worker: 5 valid densities and one (40 %) the
#: device refuses (erbium_fractional allows 1-30 %).
SMALL = {"name": "small", "base": BASE, "parameters": {DENSITY: [5, 10, 15, 20, 25, 40]}}


def small_sweep():
    return sweep_from_data(SMALL)


@pytest.fixture(scope="module")
def cluster():
    """One 2-worker local cluster shared by the resume tests (columns stay cached)."""
    import logging

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as c:
        yield c


# --- sweep files ---------------------------------------------------------------------------


def test_grid_product_zip_and_ranges():
    sweep = sweep_from_data(
        {
            "base": BASE,
            "parameters": {
                ENERGY: {"start": 10, "stop": 30, "num": 3},
                DENSITY: {"start": 1, "stop": 100, "num": 3, "log": True},
            },
        }
    )
    assert sweep.parameters[ENERGY] == [10, 20, 30]
    assert sweep.parameters[DENSITY] == [1.0, 10.0, 100.0]
    points = sweep.points()
    assert len(points) == len(sweep) == 9
    assert points[0].values == {ENERGY: 10, DENSITY: 1.0}
    assert points[1].values == {ENERGY: 10, DENSITY: 10.0}  # last field varies fastest
    zipped = sweep_from_data(
        {"base": BASE, "mode": "zip", "parameters": {ENERGY: [10, 20], DENSITY: [5, 6]}}
    )
    assert [p.values for p in zipped.points()] == [
        {ENERGY: 10, DENSITY: 5},
        {ENERGY: 20, DENSITY: 6},
    ]


def test_point_id_is_stable_and_ignores_int_float():
    assert point_id({ENERGY: 10, DENSITY: 5}) == point_id({DENSITY: 5.0, ENERGY: 10.0})
    assert point_id({ENERGY: 10}) != point_id({ENERGY: 11})
    assert len(point_id({ENERGY: 10})) == 16 and int(point_id({ENERGY: 10}), 16) >= 0


def test_base_file_relative_to_sweep_file(tmp_path):
    examples = Path(__file__).parents[1] / "examples"
    sweep_file = examples / "sweep-deep-energy-density.toml"
    sweep = load_sweep(sweep_file)
    assert sweep.base["passes"][0]["device"] == "co2_fractional_deep"
    assert len(sweep) >= 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"base": BASE, "parameters": {}}, "parameters"),
        ({"base": BASE}, "parameters"),
        ({"base": BASE, "parameters": {ENERGY: []}}, f'parameters."{ENERGY}"'),
        (
            {"base": BASE, "parameters": {ENERGY: {"start": 5, "stop": 30, "num": 0}}},
            f'parameters."{ENERGY}".num',
        ),
        (
            {"base": BASE, "parameters": {ENERGY: {"start": 30, "stop": 5, "num": 3}}},
            f'parameters."{ENERGY}".stop',
        ),
        (
            {"base": BASE, "parameters": {ENERGY: {"start": 0, "stop": 5, "num": 3, "log": True}}},
            f'parameters."{ENERGY}".start',
        ),
        (
            {"base": BASE, "parameters": {ENERGY: {"start": 5, "stop": 30, "step": 5}}},
            f'parameters."{ENERGY}"',
        ),
        ({"base": BASE, "parameters": {"passes.0.pulse_energy": [1]}}, 'parameters."passes.0'),
        ({"base": BASE, "parameters": {"passes.3.pulse_energy_mj": [1]}}, 'parameters."passes.3'),
        ({"base": BASE, "parameters": {"patient": [1]}}, 'parameters."patient"'),
        ({"base": BASE, "parameters": {ENERGY: [1, 1]}}, "parameters"),
        (
            {"base": BASE, "mode": "zip", "parameters": {ENERGY: [1, 2], DENSITY: [3]}},
            "mode",
        ),
        ({"base": BASE, "mode": "grid", "parameters": {ENERGY: [1]}}, "mode"),
        ({"base": 3, "parameters": {ENERGY: [1]}}, "base"),
        ({"base": {**BASE, "name": ""}, "parameters": {ENERGY: [1]}}, "base.name"),
        ({"base": BASE, "parameters": {ENERGY: [1]}, "extra": 1}, "extra"),
    ],
)
def test_malformed_sweeps_name_the_field(data, field):
    with pytest.raises(InputError) as info:
        sweep_from_data(data)
    assert info.value.field.startswith(field), str(info.value)


def test_malformed_sweep_file_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'base = "../examples/nowhere.toml"\n[parameters]\n"passes.0.pulse_energy_mj" = [5]\n'
    )
    out = tmp_path / "results.parquet"
    assert main(["sweep", str(bad), "--out", str(out)]) == 2
    assert "base" in capsys.readouterr().err
    ranges = tmp_path / "ranges.toml"
    examples = Path(__file__).parents[1] / "examples"
    ranges.write_text(
        f'base = "{examples / "co2-deep-acne-scars-cheek.toml"}"\n'
        '[parameters]\n"passes.0.pulse_energy_mj" = { start = 30, stop = 5, num = 6 }\n'
    )
    assert main(["sweep", "run", str(ranges), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert 'parameters."passes.0.pulse_energy_mj".stop: got 5; allowed: >= start' in err
    assert not out.exists()


def test_unreachable_scheduler_is_input_error_and_writes_nothing(tmp_path, capsys):
    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "results.parquet"
    with pytest.raises(InputError, match="could not connect to tcp://127.0.0.1"):
        run_sweep(small_sweep(), out, scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=1)
    assert not out.exists()
    sweep_file = tmp_path / "s.toml"
    sweep_file.write_text(
        'base = "'
        + str(Path(__file__).parents[1] / "examples" / "erbium-perioral.toml")
        + '"\n[parameters]\n"passes.0.pulse_energy_mj" = [5, 10]\n'
    )
    code = main(
        [
            "sweep",
            str(sweep_file),
            "--out",
            str(out),
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
            "--connect-timeout",
            "1",
        ]
    )
    assert code == 2
    assert "--scheduler" in capsys.readouterr().err
    assert not out.exists()


# --- the store -------------------------------------------------------------------------------


def test_store_writes_each_id_once_and_atomically(tmp_path):
    sweep = small_sweep()
    store = ResultStore(tmp_path / "r", sweep)
    assert not (tmp_path / "r").exists()  # nothing until rows arrive
    row = {ID: "a" * 16, SET_DENSITY: 5, "status": "refused", "message": "x", "runtime_s": 0.1}
    assert store.write([row, dict(row)]) == 1
    assert store.write([row]) == 0  # a re-run task's rows are dropped
    assert store.write([{**row, ID: "b" * 16}]) == 1
    files = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert files == ["_sweep.json", "part-00000.parquet", "part-00001.parquet"]
    again = ResultStore(tmp_path / "r", sweep)
    assert again.done == {"a" * 16, "b" * 16} and again.next_part == 2
    frame = pd.read_parquet(tmp_path / "r")  # plain pandas reads the folder
    assert sorted(frame[ID]) == ["a" * 16, "b" * 16]
    other = sweep_from_data({**SMALL, "base": {**BASE, "name": "another"}})
    with pytest.raises(InputError, match="--out"):
        ResultStore(tmp_path / "r", other)


# --- runs --------------------------------------------------------------------------------------


def test_sweep_on_local_cluster_resumes(tmp_path, cluster):
    out = tmp_path / "results.parquet"
    report = run_sweep(small_sweep(), out, workers=2, progress=False, batch_size=1)
    assert (report.total, report.written, report.ok, report.refused) == (6, 6, 5, 1)
    assert report.workers == 2
    frame = read_results(out)
    assert len(frame) == 6 and frame[ID].is_unique
    ok = frame[frame.status == "ok"].sort_values(SET_DENSITY)
    assert list(ok[SET_DENSITY]) == [5, 10, 15, 20, 25]
    assert ok["passes.0.ablation_depth_um"].nunique() == 1  # density leaves the column
    assert ok["passes.0.energy_j"].is_monotonic_increasing
    # traceable rows: the plan's hash and the rules it breaks ("" for none)
    assert frame[PLAN_HASH].str.fullmatch(r"[0-9a-f]{16}").all() and frame[PLAN_HASH].is_unique
    assert ok[WARNINGS].map(lambda w: isinstance(w, str)).all()
    assert not any(c.startswith(("regions.", "broken_rules.")) for c in frame.columns)
    # found in session 20: the band and the model notes were dropped, integers stored as
    # floats, and no column said its unit beyond its name
    low, high = ok["downtime_days_range.0"], ok["downtime_days_range.1"]
    assert (low <= ok["downtime_days"]).all() and (ok["downtime_days"] <= high).all()
    assert ok["model_notes"].map(lambda n: isinstance(n, str)).all()
    import pyarrow.parquet as pq

    schema = pq.read_schema(next(out.glob("part-*.parquet")))
    assert str(schema.field("passes.0.index").type) == "int64"
    assert schema.field("passes.0.ablation_depth_um").metadata == {b"units": "µm".encode()}
    refused = frame[frame.status == "refused"].iloc[0]
    assert refused[SET_DENSITY] == 40 and "density_percent" in refused["message"]
    assert len(list(out.glob("part-*.parquet"))) == 6

    again = run_sweep(small_sweep(), out, scheduler=cluster.scheduler_address, progress=False)
    assert (again.skipped, again.written) == (6, 0)

    victim = sorted(out.glob("part-*.parquet"))[2]
    lost = set(pd.read_parquet(victim)[ID])
    victim.unlink()
    third = run_sweep(
        small_sweep(), out, scheduler=cluster.scheduler_address, progress=False, batch_size=1
    )
    assert (third.skipped, third.written) == (5, 1)
    frame = read_results(out)
    assert len(frame) == 6 and frame[ID].is_unique and lost <= set(frame[ID])

    # the grid grows: only the new points run
    grown = sweep_from_data({**SMALL, "parameters": {DENSITY: [5, 10, 15, 20, 25, 40, 30]}})
    fourth = run_sweep(grown, out, scheduler=cluster.scheduler_address, progress=False)
    assert (fourth.skipped, fourth.written, fourth.ok) == (6, 1, 1)

    fig = dose_response(out, SET_DENSITY, "passes.0.energy_j")
    assert fig.axes[0].get_xlabel() == "pass 1 density (set) [%]"
    with pytest.raises(InputError, match="--y"):
        dose_response(out, SET_DENSITY, "passes.0.nothing")
    # a text column: an error naming the numeric columns (session 19: a traceback)
    with pytest.raises(InputError, match="a numeric results column"):
        dose_response(out, SET_DENSITY, "status")


def test_cli_run_and_plot(tmp_path, cluster, capsys):
    sweep_file = tmp_path / "s.toml"
    base = tmp_path / "base.toml"
    from resurfacer.plan.schema import Plan

    base.write_text(Plan.from_data(BASE).to_toml())
    sweep_file.write_text(
        'base = "base.toml"\n[parameters]\n'
        '"passes.0.density_percent" = { start = 10, stop = 20, num = 2 }\n'
        '"patient.phototype" = [2, 4]\n'
    )
    out = tmp_path / "r.parquet"
    args = ["sweep", str(sweep_file), "--out", str(out), "--scheduler", cluster.scheduler_address]
    assert main(args) == 0
    assert "4 points: 0 already" in capsys.readouterr().out
    assert main(args) == 0
    assert "4 already" in capsys.readouterr().out
    png = tmp_path / "dr.png"
    plot = ["sweep", "plot", str(out), "--x", SET_DENSITY, "--y", "passes.0.energy_j"]
    assert main([*plot, "--by", "set.patient.phototype", "--out", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main([*plot, "--by", "nothing", "--out", str(png)]) == 2
    assert "--by: got 'nothing'" in capsys.readouterr().err
    svg = tmp_path / "dr.svg"  # the format the name asks for (session 19: PNG bytes)
    assert main([*plot, "--out", str(svg)]) == 0
    assert b"<svg" in svg.read_bytes()[:400]
    for option in (["--connect-timeout", "0"], ["--batch-size", "0"]):
        assert main([*args, *option]) == 2
        assert f"{option[0]}: got" in capsys.readouterr().err
    manifest = json.loads((out / "_sweep.json").read_text())
    assert manifest["fields"] == [DENSITY, "patient.phototype"]


def test_auto_batch_follows_the_fastest_field():
    from resurfacer.sweeps.sweep import _auto_batch

    sweep = sweep_from_data(
        {"base": BASE, "parameters": {ENERGY: [10, 20], DENSITY: list(range(1, 31))}}
    )
    assert _auto_batch(sweep, 60, 2) == 15  # enough tasks for both workers
    assert _auto_batch(sweep, 600, 2) == 30  # one run of densities = one column per task
    zipped = sweep_from_data(
        {"base": BASE, "mode": "zip", "parameters": {ENERGY: [10, 20], DENSITY: [5, 6]}}
    )
    assert _auto_batch(zipped, 2, 2) == 1


def test_a_value_given_twice_is_named_with_its_field():
    # found in session 21: the refusal named only "parameters"
    data = {"name": "twice", "base": BASE, "parameters": {DENSITY: [5, 10, 5]}}
    with pytest.raises(InputError) as info:
        sweep_from_data(data)
    assert info.value.field == f'parameters."{DENSITY}"' and info.value.value == 5
