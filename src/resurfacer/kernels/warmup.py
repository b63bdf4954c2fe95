"""Compile and cache every numba kernel once, in this one process.

    python -m resurfacer.kernels.warmup

numba's on-disk cache (``cache=True``) is not safe when several processes
compile and write the same entry at once: a cache written that way was seen
to crash later runs. Everything that starts several processes (the test
suite, the web server's worker pool, a Dask sweep) therefore runs this first:
afterwards the worker processes only read the cache. It runs the production
code paths on tiny cases so that the cached signatures are the ones used.
"""

import sys
import time

from resurfacer.plan.schema import Plan
from resurfacer.treatment import simulate

#: One plan touching every kernel: a Beer-Lambert column with ablation, a
#: wide-spot 1-D column, a Monte Carlo (1,550 nm) column, and the pattern
#: superposition of each.
WARMUP_PLAN = {
    "name": "numba cache warm-up",
    "patient": {"sex": "female", "age_years": 40, "phototype": 2},
    "areas": [{"site": "cheek", "area_cm2": 1.0}],
    "passes": [
        {
            "device": "co2_dual",
            "mode": "deep",
            "pulse_energy_mj": 2.5,
            "density_percent": 5,
            "pattern_size_mm": 2,
        },
        {"device": "co2_dual", "mode": "surface", "pulse_energy_mj": 50, "pattern_size_mm": 4},
        {
            "device": "nonablative_1550",
            "mode": "fractional",
            "pulse_energy_mj": 4,
            "pattern_size_mm": 5,
        },
    ],
}


def warm_up() -> float:
    """Run the warm-up plan; return the seconds it took."""
    started = time.perf_counter()
    simulate(Plan.from_data(WARMUP_PLAN))
    return time.perf_counter() - started


def main() -> int:
    seconds = warm_up()
    print(f"numba kernels compiled or loaded from the cache in {seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
