"""Benchmark: this machine's memory bandwidth, the yardstick for the heat kernel.

A STREAM-style triad a = b + s c on float64 arrays far larger than the caches
(3 x 128 MiB), with numba on all cores, best of 10; bytes counted as STREAM
does (24 per element: two reads, one write). `bench_column.py` reports the
heat kernel's effective traffic to compare with it.

    python benchmarks/bench_memory.py
"""

import time

import numpy as np
from numba import njit, prange

ELEMENTS = 16 * 1024 * 1024  # 128 MiB per array
BYTES_PER_ELEMENT = 24


@njit(parallel=True, cache=True)
def triad(a, b, c, scalar):
    for i in prange(a.size):
        a[i] = b[i] + scalar * c[i]


def main() -> None:
    a = np.zeros(ELEMENTS)
    b = np.ones(ELEMENTS)
    c = np.full(ELEMENTS, 2.0)
    triad(a, b, c, 3.0)  # compile or load, and touch every page
    best = float("inf")
    for _ in range(10):
        started = time.perf_counter()
        triad(a, b, c, 3.0)
        best = min(best, time.perf_counter() - started)
    print(f"triad bandwidth (best of 10): {ELEMENTS * BYTES_PER_ELEMENT / best / 1e9:.1f} GB/s")


if __name__ == "__main__":
    main()
