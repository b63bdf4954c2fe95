"""Benchmark: the reference full-face dual CO2 plan (examples/co2-dual-full-face.toml).

Cold: a fresh Python process (imports, numba cache load, all column solves).
Warm: the same process again, with the column cache emptied so every column is
solved anew. Targets (issue 3): at most 30 s cold and 10 s warm on 2 cores.

    python benchmarks/bench_treatment.py
"""

import subprocess
import sys
import time
from pathlib import Path

PLAN = Path(__file__).resolve().parents[1] / "examples" / "co2-dual-full-face.toml"

CHILD = f"""
import time
started = time.perf_counter()
from resurfacer.plan.schema import load_plan
from resurfacer.treatment import simulate, _column
outcome = simulate(load_plan({str(PLAN)!r}))
cold = time.perf_counter() - started
warm = []
for _ in range(3):
    _column.cache_clear()
    started = time.perf_counter()
    outcome = simulate(load_plan({str(PLAN)!r}))
    warm.append(time.perf_counter() - started)
print(cold, min(warm), outcome.summary.session_minutes, len(outcome.columns))
"""


def main() -> None:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
    ).stdout.split()
    process = time.perf_counter() - started
    cold, warm, minutes, columns = float(out[0]), float(out[1]), float(out[2]), int(out[3])
    print(f"full-face dual plan: {columns} column solves, session {minutes:.1f} min")
    print(f"cold (fresh process, incl. imports): {cold:.2f} s (process {process:.2f} s)")
    print(f"warm (columns re-solved, best of 3): {warm:.2f} s")


if __name__ == "__main__":
    main()
