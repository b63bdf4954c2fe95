"""Benchmark: one fractional CO2 column (issue: single-column engine).

10 mJ, 120 um 1/e^2 Gaussian spot, 0.5 ms square pulse, cheek skin, 2 um grid,
simulated to 20 ms after the pulse. Prints warm runtime (best of 3), the
conduction evaluations (explicit steps and RKL2 stages), cell updates per
second and the effective memory traffic, and the first-call time (numba cache
load or compile). `--explicit` runs with super_step_fraction = 0 (explicit
steps throughout), for comparison; `--radial-refinement N` splits each radial
cell in N (dr = 2/N um), the setting that resolves the wall cuff.

    python benchmarks/bench_column.py [--explicit] [--radial-refinement N]
"""

import sys
import time

from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.tissue.skin import skin_for

# float64: H read+write, T read x5 (stencil), T_next, peak (approx.; an RKL2 stage reads
# Y_{j-1}, Y_{j-2}, Y_0, L(Y_0), T and writes Y_j, T_next: about as much)
BYTES_PER_CELL_UPDATE = 8 * 8


def case():
    args = sys.argv[1:]
    refinement = 1
    if "--radial-refinement" in args:
        refinement = int(args[args.index("--radial-refinement") + 1])
    options = SolverOptions(
        grid=2e-6,
        after_pulse=20e-3,
        super_step_fraction=0.0 if "--explicit" in args else SolverOptions.super_step_fraction,
        radial_refinement=refinement,
    )
    return skin_for("cheek"), Beam(10.6e-6, 120e-6), Pulse(10e-3, 0.5e-3), options


def main() -> None:
    started = time.perf_counter()
    result = simulate_column(*case())
    first = time.perf_counter() - started
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        result = simulate_column(*case())
        runs.append(time.perf_counter() - started)
    warm = min(runs)
    inputs = result.inputs
    evaluations = inputs["stage_evaluations"]
    cells = result.fields.sizes["z"] * result.fields.sizes["r"]
    s = result.summary
    print(f"first call (cache load or compile): {first:.2f} s")
    print(
        f"warm runtime (best of 3): {warm:.3f} s on a "
        f"{result.fields.sizes['z']} x {result.fields.sizes['r']} grid: {inputs['steps']} "
        f"explicit steps and {inputs['super_steps']} RKL2 super steps, "
        f"{evaluations} conduction evaluations"
    )
    updates = inputs["cell_updates"]
    print(
        f"cell updates: {updates:.3g} ({updates / (evaluations * cells):.0%} of the grid x "
        f"evaluations), {updates / warm:.3g} per s, "
        f"about {updates * BYTES_PER_CELL_UPDATE / warm / 1e9:.1f} GB/s"
    )
    print(
        f"crater {s.ablation_depth * 1e6:.0f} um, cuff {s.coagulation_thickness * 1e6:.1f} um, "
        f"energy balance error {s.energy.relative_error:.1e}"
    )


if __name__ == "__main__":
    main()
