"""Planner benchmark and surrogate accuracy at the treatment grid (4 um).

    RESURFACER_CACHE=/tmp/bench-cache .venv/bin/python benchmarks/bench_planner.py

1. Surrogate error: the co2_dual deep and surface tables (cheek, 50 y, type II) against
   direct column solves at the geometric midpoints between nodes (the worst place).
2. Planner wall time for acne scars on the cheek: cold (empty table cache: builds the
   tables) and warm (tables on disk, a fresh in-process cache), 2 cores.
"""

import os
import sys
import tempfile
import time
from dataclasses import replace

import numpy as np

os.environ.setdefault("RESURFACER_CACHE", tempfile.mkdtemp(prefix="resurfacer-bench-"))

from resurfacer.laser.beam import Beam, Pulse  # noqa: E402
from resurfacer.plan.schema import Area, Patient  # noqa: E402
from resurfacer.planning.planner import plan_treatment  # noqa: E402
from resurfacer.planning.surrogate import clear_memory, column_table  # noqa: E402
from resurfacer.tissue.skin import skin_for  # noqa: E402
from resurfacer.treatment import TREATMENT_SOLVER, column_for  # noqa: E402

QS = ("ablation_depth", "coagulation_depth", "coagulation_width")


def surrogate_error():
    skin = skin_for("cheek", "female", 50, 2)
    rows = []
    for name, beam, pulse, lo, hi in [
        ("deep", Beam(10.6e-6, 120e-6), Pulse(1e-3, 0.5e-3), 2.5e-3, 12e-3),
        ("surface", Beam(10.6e-6, 1.3e-3, "tophat"), Pulse(1e-3, 0.8e-3), 50e-3, 225e-3),
    ]:
        t = time.perf_counter()
        table = column_table(skin, beam, pulse, TREATMENT_SOLVER, lo, hi, 7)
        build = time.perf_counter() - t
        e = np.sqrt(np.array(table.energies[:-1]) * np.array(table.energies[1:]))
        worst = {q: 0.0 for q in QS}
        # beside a crater of a few um a relative error overstates a fraction of a cell
        worst_um = {q: 0.0 for q in QS}
        opening = 0.0  # the surface opening is 0..1: its worst absolute error
        for ei in e:
            s = column_for(skin, beam, replace(pulse, energy=float(ei))).summary
            p = table.predict(float(ei))
            opening = max(opening, abs(float(p["surface_opening"]) - s.surface_opening))
            for q in QS:
                ref = getattr(s, q)
                if np.isfinite(ref) and ref > 0:
                    worst[q] = max(worst[q], abs(float(p[q]) - ref) / ref)
                    worst_um[q] = max(worst_um[q], abs(float(p[q]) - ref) * 1e6)
                    print(
                        f"{name} {ei * 1e3:7.2f} mJ {q:20s} direct {ref * 1e6:8.1f} um "
                        f"surrogate {float(p[q]) * 1e6:8.1f} um"
                    )
        rows.append((name, build, worst, worst_um, opening))
    for name, build, worst, worst_um, opening in rows:
        print(
            f"{name}: table build {build:.1f} s; worst error between nodes: "
            + ", ".join(f"{q} {100 * v:.2f} % ({worst_um[q]:.1f} um)" for q, v in worst.items())
            + f", surface_opening {opening:.3f} (absolute)"
        )


def planner(label):
    t = time.perf_counter()
    r = plan_treatment(
        Patient(sex="female", age_years=50, phototype=2),
        [Area(site="cheek", area_cm2=60)],
        "acne_scars",
    )
    dt = time.perf_counter() - t
    print(f"planner {label}: {dt:.1f} s, {r.candidates} candidates, {r.message}")
    for p in r.plans:
        print(
            "   ",
            p.passes,
            f"{p.depth_um:.0f} um",
            f"{p.predicted['downtime_days']:.2f} d",
            p.rules,
        )
    return dt


#: the slowest cases of issue 19 (58 s full-face pigment, 126 s Er:YAG perioral before it)
WORST = [
    ["--site", "full_face", "--indication", "pigment"],
    ["--site", "perioral", "--indication", "texture", "--device", "erbium_fractional"],
    ["--site", "perioral", "--indication", "fine_lines", "--device", "erbium_fractional"],
    ["--site", "cheek", "--indication", "acne_scars"],
    ["--site", "cheek", "--indication", "pigment", "--device", "thulium_1927"],
]


def worst_cases():
    """Each worst case as `resurfacer plan` in a fresh process, twice on one table cache:
    cold (tables built) and warm (tables on disk; columns solved again for the checks)."""
    import subprocess

    for args in WORST:
        for run in ("cold", "warm"):
            argv = [sys.executable, "-m", "resurfacer", "plan", *args]
            argv += ["--phototype", "2", "--age", "50", "--quiet", "--json"]
            t = time.perf_counter()
            out = subprocess.run(argv, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - t
            message = (
                out.stdout.split('"message": ')[1].split("\n")[0] if out.stdout else out.stderr
            )
            print(f"{' '.join(args)} ({run}): {seconds:.1f} s, exit {out.returncode}, {message}")


if __name__ == "__main__":
    if "--worst" in sys.argv:
        worst_cases()
        sys.exit(0)
    if "--planner-only" not in sys.argv:
        surrogate_error()
    clear_memory()
    planner("cold tables" if "--planner-only" in sys.argv else "tables from the error run")
    clear_memory()
    planner("warm (disk tables)")
