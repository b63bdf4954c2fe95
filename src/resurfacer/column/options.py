"""Numerical settings of the column solver (`SolverOptions`) and their limits."""

from dataclasses import dataclass

from resurfacer.errors import InputError, check_choice, check_range

GRID_RANGE = (0.05e-6, 20e-6)  # m
MAX_RADIAL_REFINEMENT = 16  # radial cells per grid cell
GEOMETRIES = ("auto", "column", "wide")
SUPER_STAGES = (5, 40)  # fewest and most RKL2 stages per super step (see SolverOptions)
MAX_DOMAIN_SIZE = 0.05  # m, largest radius or depth a plan may ask of the domain


@dataclass(frozen=True)
class SolverOptions:
    """Numerical settings of the column solver.

    Parameters
    ----------
    grid : cell size [m]: dz, and dr unless `radial_refinement` > 1.
    after_pulse : simulate exactly this long after the last pulse [s]; None
        (default) stops by the damage-growth criterion (see `run_column`).
    growth_tolerance : the criterion's bound on further Omega growth.
    max_time : hard limit on simulated time [s].
    damage_interval : longest Arrhenius step [s]; the damage integral is
        advanced every ceil(damage_interval / dt) heat steps.
    damage_model : Arrhenius parameter set name (``data/arrhenius.toml``).
    geometry : "column", "wide" (1-D centre of a full-field spot) or "auto".
    radius, depth : domain size [m], one cell to `MAX_DOMAIN_SIZE`; None chooses from
        beam and pulse.
    dt_safety : fraction of the explicit stability limit used as time step.
    super_step_fraction : after the last pulse, advance by RKL2 super steps
        (Meyer, Balsara & Aslam 2014) of at most this fraction of the time
        since the pulse ended, instead of explicit steps; 0 keeps explicit
        steps throughout. Super steps are used once they need at least
        SUPER_STAGES[0] stages (where they start to beat explicit steps: a
        stage costs about 1.2 explicit steps) and take at most
        SUPER_STAGES[1]. At the default 0.1, against explicit steps
        throughout (``tests/test_mtz.py``): crater identical, coagulation
        thicknesses within 0.7 %, peak temperatures within 1.5 % of their rise.
    radial_refinement : radial cells per `grid` (dr = grid / radial_refinement,
        dz = grid; column geometry only). The coagulation cuff beside the
        crater wall depends mostly on dr: a dried rim of the crater edge about
        a micrometre thick feeds the wall, which cells of 2-4 um represent only
        through their mean temperature (`kernels.state.wall_cell_temperatures`).
        The 10 mJ, 120 um CO2 column's cuff is 13.2 / 13.3 / 14.3 um at
        dr = dz = 4 / 2 / 1 um and 14.6 / 14.8 um at dz = 4, dr = 1 / 0.5 um
        (5 mJ: 21.4 / 21.5 / 22.0 and 22.1 / 22.2 um); dz = 4, dr = 1 um costs
        about a sixth of a 1 um grid
        (``tests/validation/test_column_convergence.py``).
    latent_fraction : override of the calibrated ablation parameter f
        (``ablation.py``), for calibration and sensitivity studies.
    photons, seed : Monte Carlo photon packets and random seed, used where
        scattering matters (1,550 and 1,927 nm).
    """

    grid: float = 2e-6
    after_pulse: float | None = None
    growth_tolerance: float = 1e-2
    max_time: float = 0.5
    damage_interval: float = 10e-6
    damage_model: str | None = None
    geometry: str = "auto"
    radius: float | None = None
    depth: float | None = None
    dt_safety: float = 0.9
    super_step_fraction: float = 0.1
    latent_fraction: float | None = None
    photons: int = 200_000
    seed: int = 1
    radial_refinement: int = 1

    def __post_init__(self):
        check_range("grid", self.grid, *GRID_RANGE, "m")
        if self.after_pulse is not None:
            check_range("after_pulse", self.after_pulse, 0.0, 10.0, "s")
        check_range("max_time", self.max_time, 1e-6, 10.0, "s")
        # session 23 (a probe): a negative radius ran a 4 um crater, NaN raised a bare
        # ValueError, and a negative or NaN growth tolerance was taken
        check_range("growth_tolerance", self.growth_tolerance, 0.0, 1.0, low_inclusive=False)
        for name in ("radius", "depth"):
            if getattr(self, name) is not None:
                check_range(name, getattr(self, name), self.grid, MAX_DOMAIN_SIZE, "m")
        check_range("damage_interval", self.damage_interval, 1e-8, 1e-2, "s")
        check_range("dt_safety", self.dt_safety, 0.05, 1.0)
        check_range("super_step_fraction", self.super_step_fraction, 0.0, 1.0)
        check_choice("geometry", self.geometry, GEOMETRIES)
        check_range("photons", self.photons, 1000, 10**8)
        if self.radial_refinement not in range(1, MAX_RADIAL_REFINEMENT + 1):
            raise InputError(
                "radial_refinement",
                self.radial_refinement,
                f"an integer in [1, {MAX_RADIAL_REFINEMENT}]",
            )
        if self.latent_fraction is not None:
            check_range("latent_fraction", self.latent_fraction, 0.0, 5.0)
