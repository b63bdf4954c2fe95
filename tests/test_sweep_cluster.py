"""A worker killed mid-sweep loses no point and duplicates none."""

import logging
import os
import signal
import threading
import time

from distributed import Client, LocalCluster

from resurfacer.sweeps.sweep import ID, read_results, run_sweep, sweep_from_data

BASE = {
    "name": "Er:YAG perioral, one pass",
    "patient": {"sex": "female", "age_years": 62, "phototype": 2},
    "areas": [{"site": "perioral", "area_cm2": 40}],
    "passes": [{"device": "erbium_fractional", "pulse_energy_mj": 30, "density_percent": 11}],
}
DENSITY = "passes.0.density_percent"
N_POINTS = 14


def test_killed_worker_loses_no_point_and_duplicates_none(tmp_path):
    sweep = sweep_from_data(
        {"base": BASE, "parameters": {DENSITY: {"start": 2, "stop": 28, "num": N_POINTS}}}
    )
    out = tmp_path / "results.parquet"
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        result = {}

        def sweep_thread():
            result["report"] = run_sweep(
                sweep, out, scheduler=cluster.scheduler_address, progress=False, batch_size=1
            )

        runner = threading.Thread(target=sweep_thread)
        runner.start()
        # wait for the first finished point, then kill a worker that is busy with another
        deadline = time.monotonic() + 60
        while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        processing = client.processing()
        busy = [w for w, keys in processing.items() if keys] or list(processing)
        in_flight = len(processing.get(busy[0], ()))
        pids = client.run(os.getpid, workers=busy[:1])
        done_at_kill = len(list(out.glob("part-*.parquet")))
        os.kill(next(iter(pids.values())), signal.SIGKILL)
        runner.join(timeout=120)
        assert not runner.is_alive()

    assert 0 < done_at_kill < N_POINTS, "the kill did not land mid-sweep"
    assert in_flight > 0, "the killed worker held no task"
    report = result["report"]
    assert report.failed == [] and report.written == N_POINTS
    frame = read_results(out)
    assert len(frame) == N_POINTS
    assert frame[ID].is_unique
    assert set(frame[ID]) == {p.id for p in sweep.points()}
    assert (frame["status"] == "ok").all()
