"""Sweep throughput vs number of local Dask workers.

The reference deep CO2 cheek plan (examples/co2-deep-acne-scars-cheek.toml, with
stacked pulses 2 ms apart allowed) over pulse energy x stack x density:

* ``--points 1000``: 10 energies (5-20 mJ) x stack 1, 2 x 50 densities (1-25 %);
* ``--points 200``: 2 energies (10, 15 mJ) x stack 1, 2 x 50 densities: the same
  share of column solves (one per 50 points), for a quicker, extrapolated figure.

Each run starts a fresh local cluster (start-up and numba cache loading on every
worker included) and writes to a fresh results folder.

    python benchmarks/bench_sweep.py --points 200 --workers 1 2
"""

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from resurfacer.plan.files import read_plan_data
from resurfacer.sweeps.sweep import read_results, run_sweep, sweep_from_data, swept_column

ROOT = Path(__file__).resolve().parents[1]
ENERGY = "passes.0.pulse_energy_mj"
STACK = "passes.0.stack"
DENSITY = "passes.0.density_percent"


def bench_sweep(points: int):
    base = read_plan_data(ROOT / "examples" / "co2-deep-acne-scars-cheek.toml", "toml")
    base["passes"][0]["stack_spacing_ms"] = 2.0
    energies = {"start": 5, "stop": 20, "num": 10} if points == 1000 else [10, 15]
    return sweep_from_data(
        {
            "name": f"bench {points}",
            "base": base,
            "parameters": {
                ENERGY: energies,
                STACK: [1, 2],
                DENSITY: {"start": 1, "stop": 25, "num": 50},
            },
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, choices=(200, 1000), default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    sweep = bench_sweep(args.points)
    print(
        f"# {date.today()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            report = run_sweep(
                sweep, Path(tmp) / "r.parquet", workers=workers, progress=args.progress
            )
            wall = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU seconds of the (ended) worker processes: what the sweep costs on cores
            # it has to itself; other jobs on a shared machine only stretch the wall time
            worker_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            frame = read_results(Path(tmp) / "r.parquet")
            refused = frame[frame.status == "refused"]
            energy, stack, density = (swept_column(f) for f in (ENERGY, STACK, DENSITY))
            reasons = sorted(
                {
                    f"{r[energy]:g} mJ x{r[stack]:g}: {r['message'][:160]}"
                    for r in refused.to_dict("records")
                    if r[density] == refused[density].min()
                }
            )
        line = {
            "points": len(sweep),
            "workers": workers,
            "wall_s": round(wall, 1),
            "points_per_s": round(len(sweep) / wall, 3),
            "ok": report.ok,
            "refused": report.refused,
            "failed": len(report.failed),
            "minutes_for_1000": round(1000 / (len(sweep) / wall) / 60, 1),
            "worker_cpu_s": round(worker_cpu, 1),
            # each local worker runs cores / workers numba threads: all cores in use
            "idle_estimate_s": round(worker_cpu / (os.cpu_count() or 1), 1),
            "load_average_after": round(os.getloadavg()[0], 1),
        }
        print(json.dumps(line), flush=True)
        for reason in reasons:
            print(f"  refused: {reason}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
