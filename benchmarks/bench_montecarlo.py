"""Benchmark: Monte Carlo photons per second on a three-layer skin stack.

Run: ``.venv/bin/python benchmarks/bench_montecarlo.py [--photons N] [--repeats K]``

Stack at 1550 nm (illustrative round values, not fitted data):

=========== ========= ==== ========== ========== ====
layer       thickness n    mu_a 1/cm  mu_s 1/cm  g
=========== ========= ==== ========== ========== ====
epidermis   0.1 mm    1.40 10         200        0.8
dermis      1.5 mm    1.40 7          100        0.9
subcutis    inf       1.44 5          100        0.9
=========== ========= ==== ========== ========== ====

Air above (n = 1), pencil beam, default 100 x 100 grid. Reports warm
throughput (after a first compile) on 2 threads and on 1 (best of
``repeats``), and the time of the first call in a fresh process with an
empty numba cache (compile) and with the cache filled (load).
"""

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

from resurfacer.optics.montecarlo import OpticalLayer, run_monte_carlo

SKIN_1550 = [
    OpticalLayer(n=1.40, mu_a=10e2, mu_s=200e2, g=0.8, thickness=0.1e-3),
    OpticalLayer(n=1.40, mu_a=7e2, mu_s=100e2, g=0.9, thickness=1.5e-3),
    OpticalLayer(n=1.44, mu_a=5e2, mu_s=100e2, g=0.9, thickness=math.inf),
]

_FIRST_CALL = """
import math, time
t0 = time.perf_counter()
from resurfacer.optics.montecarlo import OpticalLayer, run_monte_carlo
t1 = time.perf_counter()
run_monte_carlo([OpticalLayer(1.4, 1e3, 2e4, 0.8, math.inf)], photons=1, seed=1)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def first_call_seconds(cache_dir: str) -> tuple[float, float]:
    """(import, first call) seconds in a fresh interpreter using ``cache_dir``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True, check=True
    )
    imp, call = (float(v) for v in out.stdout.split())
    return imp, call


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photons", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        _, compile_s = first_call_seconds(cache)
        _, cached_s = first_call_seconds(cache)

    run_monte_carlo(SKIN_1550, photons=1000, seed=1)  # warm up in this process
    rows = []
    for threads in (2, 1):
        best = None
        for _ in range(args.repeats):
            res = run_monte_carlo(SKIN_1550, photons=args.photons, seed=1, threads=threads)
            if best is None or res.photons_per_s > best.photons_per_s:
                best = res
        rows.append((threads, best))

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} logical CPUs; python {platform.python_version()}"
    )
    print(f"date: {time.strftime('%Y-%m-%d')}")
    print(f"photons per run: {args.photons}, best of {args.repeats}")
    print()
    print(f"{'threads':>7} {'photons/s':>12} {'runtime s':>10} {'R_sp':>7} {'R_d':>8} {'A':>8}")
    for threads, res in rows:
        print(
            f"{threads:>7} {res.photons_per_s:>12,.0f} {res.runtime_s:>10.2f} "
            f"{res.specular:>7.4f} {res.diffuse_reflectance:>8.5f} {res.absorbed:>8.5f}"
        )
    print()
    print(f"first call, empty numba cache (compile): {compile_s:6.2f} s")
    print(f"first call, numba cache filled (load):   {cached_s:6.2f} s")


if __name__ == "__main__":
    main()
