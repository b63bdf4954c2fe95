"""Figures of docs/column.md: the wall-cuff grid study and one column's cross-section.

    .venv/bin/python docs/figures/make_column_figures.py

Fractional CO2, 120 um spot, 0.5 ms, cheek, 10 ms after the pulse, at 5, 10
and 20 mJ: the coagulation cuff beside the crater wall against the radial cell
size dr, with square cells (dz = dr) and with dz held at 4 um (radial
refinement). Writes column_convergence.png and column_cross_section.png beside
this script (about a minute on two cores).
"""

from pathlib import Path

from matplotlib.figure import Figure

from resurfacer.laser.beam import Beam, Pulse
from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.report.figures import cross_section
from resurfacer.tissue.skin import skin_for

HERE = Path(__file__).parent
ENERGIES_MJ = (5.0, 10.0, 20.0)
SQUARE_UM = (4.0, 2.0, 1.0)
REFINED_UM = (4.0, 2.0, 1.0, 0.5)  # dr at dz = 4 um
UM = 1e6


def cuff_um(energy_mj, grid_um, refinement=1):
    summary = simulate_column(
        skin_for("cheek"),
        Beam(10.6e-6, 120e-6),
        Pulse(energy_mj * 1e-3, 0.5e-3),
        SolverOptions(grid=grid_um * 1e-6, radial_refinement=refinement, after_pulse=10e-3),
    ).summary
    return summary.coagulation_thickness_wall * UM


def convergence_figure() -> Figure:
    fig = Figure(figsize=(6.0, 4.0))
    ax = fig.add_subplot()
    for energy, color in zip(ENERGIES_MJ, ("#1f77b4", "#d62728", "#2ca02c"), strict=True):
        square = [cuff_um(energy, g) for g in SQUARE_UM]
        refined = [cuff_um(energy, 4.0, round(4.0 / dr)) for dr in REFINED_UM]
        ax.plot(SQUARE_UM, square, "o--", color=color, mfc="none", label=f"{energy:g} mJ, dz = dr")
        ax.plot(REFINED_UM, refined, "s-", color=color, label=f"{energy:g} mJ, dz = 4 um")
        print(energy, "square", [f"{c:.2f}" for c in square], "dz=4", [f"{c:.2f}" for c in refined])
    ax.set_xscale("log", base=2)
    ax.set_xticks(REFINED_UM, [f"{dr:g}" for dr in REFINED_UM])
    ax.invert_xaxis()
    ax.set_xlabel("radial cell size dr [um] (finer to the right)")
    ax.set_ylabel("wall coagulation cuff [um]")
    ax.set_title("CO2 column, 120 um spot, 0.5 ms, cheek: cuff vs radial cell", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def main() -> None:
    convergence_figure().savefig(HERE / "column_convergence.png", dpi=110)
    result = simulate_column(
        skin_for("cheek"),
        Beam(10.6e-6, 120e-6),
        Pulse(10e-3, 0.5e-3),
        SolverOptions(grid=2e-6, radial_refinement=2, after_pulse=20e-3),
    )
    cross_section(result, skin_for("cheek")).savefig(HERE / "column_cross_section.png", dpi=90)


if __name__ == "__main__":
    main()
