"""One microscopic treatment zone (MTZ): light, heat, ablation and damage in r-z.

The column is axisymmetric about the beam axis. On a uniform finite-volume
grid the solver advances the Pennes bioheat equation in enthalpy form,

    dH/dt = div(k grad T) - w_b rho_b c_b (T - T_a) + q_laser,
    T = T(H): sensible heating to 100 C, a plateau while the water's latent
    heat is absorbed, then the dry residue,

removes a cell (it becomes void) once H passes the ablation enthalpy
(``ablation.py``: a fraction of the water's latent heat calibrated on
published removal rates), deposits the beam Beer-Lambert fashion where it
meets tissue: the light crosses the void unattenuated, as rays that follow
the Gaussian beam's widening below its focus (``laser.Beam.spread``), so a
deep crater's floor receives a wider, weaker beam and its wall the rays that
the widening takes into it; and it accumulates the Arrhenius damage integral
on a coarser time grid (``damage.py``). Time steps are explicit while the
laser is on; after the last pulse the cooling is advanced with RKL2 super
steps (Meyer, Balsara & Aslam, J. Comput. Phys. 257 (2014) 594;
`SolverOptions.super_step_fraction`, ``kernels/heat.py``).

Two geometries:

* ``column``: a narrow beam, domain radius a few beam radii plus the heat
  diffusion length; far-field (body) temperature on the outer and bottom
  faces.
* ``wide``: a full-field spot much wider than the depths involved (spot
  diameter >= 1 mm): the centre of the spot is solved as a 1-D stack of
  cells with insulated sides under the peak fluence.

Every run closes its energy balance: incident = reflected + beam outside the
grid + ablation + transmitted + stored + conducted out + perfused + surface
loss.
"""

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import xarray as xr

from resurfacer.column import checks
from resurfacer.column.ablation import ablation_enthalpy
from resurfacer.column.damage import arrhenius_parameters
from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice, check_range
from resurfacer.kernels.heat import (
    KELVIN_OFFSET,
    ColumnBoundary,
    ColumnGeometry,
    ColumnMaterial,
    DamageSchedule,
    SuperStepping,
    run_column,
)
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.optics.absorption import layer_absorption_coefficient, surface_reflectance
from resurfacer.optics.montecarlo import RZGrid, run_monte_carlo
from resurfacer.optics.scattering import scattering_matters
from resurfacer.optics.skin_optics import optical_layers
from resurfacer.tissue.skin import Skin

WIDE_BEAM_DIAMETER = 1e-3  # m: spots at least this wide are solved as 1-D stacks
WIDE_BEAM_RINGS = 2  # cells across the 1-D stack (radial direction is insulated)
MIN_CELLS_PER_SPOT = 4
GRID_RANGE = (0.05e-6, 20e-6)  # m
MAX_CELLS = 3_000_000
MAX_DOMAIN_GROWTHS = 3
MAX_RADIAL_REFINEMENT = 16  # radial cells per grid cell
GEOMETRIES = ("auto", "column", "wide")
TRANSPORT_LENGTHS = 5.0  # effective attenuation lengths a photon-transport grid reaches
SUPER_STAGES = (5, 40)  # fewest and most RKL2 stages per super step (see SolverOptions)


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
    radius, depth : domain size [m]; None chooses from beam and pulse.
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
        through their mean temperature (`kernels.heat.wall_cell_temperatures`).
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


@dataclass(frozen=True)
class EnergyBalance:
    """Where the pulse energy went [J]; `relative_error` is |residual| / incident."""

    incident: float
    reflected: float
    outside_grid: float
    ablation: float
    transmitted: float
    stored: float
    conducted_out: float
    perfused: float
    surface_loss: float

    @property
    def residual(self) -> float:
        return self.incident - (
            self.reflected
            + self.outside_grid
            + self.ablation
            + self.transmitted
            + self.stored
            + self.conducted_out
            + self.perfused
            + self.surface_loss
        )

    @property
    def relative_error(self) -> float:
        return abs(self.residual) / self.incident


@dataclass(frozen=True)
class ColumnSummary:
    """Geometry and energetics of one MTZ, SI units (m, m^3, C, J, s).

    Widths are diameters. The coagulation boundary is where Omega = 1,
    interpolated in ln(Omega) between cell centres. `coagulation_thickness_wall`
    is the cuff beside the crater averaged over the middle half of its depth
    (from 1/4 to 3/4); `coagulation_thickness_floor` lies below the crater
    floor on the axis (without a crater: the coagulation depth).
    `coagulation_thickness` is the wall value for columns and the floor value
    otherwise. Width fields are NaN for the wide (1-D) geometry.
    `desiccation_depth` is the bottom of the deepest tissue cell that boiled dry
    (its temperature passed the boiling point, so all its water had gone) and
    was not removed: the charred, dried debris that is wiped off between
    full-field passes (Yuksel et al., Aesthetic Plast Surg 2001;25:184); 0 if
    none. Cells 2-4 um wide do not resolve the thin dry rim of a crater wall
    (``docs/column.md``), so it is reported as a depth only.
    """

    ablation_depth: float
    ablation_width_surface: float
    ablation_width_half_depth: float
    coagulation_thickness_wall: float
    coagulation_thickness_floor: float
    coagulation_depth: float
    coagulation_width: float
    desiccation_depth: float
    ablated_volume: float
    coagulated_volume: float
    peak_temperature: float
    simulated_time: float
    runtime: float
    energy: EnergyBalance

    @property
    def coagulation_thickness(self) -> float:
        if math.isnan(self.coagulation_thickness_wall):
            return self.coagulation_thickness_floor
        return self.coagulation_thickness_wall

    def clinical(self) -> dict:
        """The summary in clinical units (um, C, mJ), as the CLI and reports show it."""
        um = 1e6

        def length(x):
            return None if math.isnan(x) else round(x * um, 3)

        return {
            "ablation_depth_um": length(self.ablation_depth),
            "ablation_width_um": length(self.ablation_width_surface),
            "ablation_width_half_depth_um": length(self.ablation_width_half_depth),
            "coagulation_thickness_um": length(self.coagulation_thickness),
            "coagulation_thickness_wall_um": length(self.coagulation_thickness_wall),
            "coagulation_thickness_floor_um": length(self.coagulation_thickness_floor),
            "coagulation_depth_um": length(self.coagulation_depth),
            "coagulation_width_um": length(self.coagulation_width),
            "desiccation_depth_um": length(self.desiccation_depth),
            "ablated_volume_nl": self.ablated_volume * 1e12,
            "coagulated_volume_nl": self.coagulated_volume * 1e12,
            "peak_temperature_c": round(self.peak_temperature, 3),
            "simulated_time_ms": self.simulated_time * 1e3,
            "incident_energy_mj": self.energy.incident * 1e3,
            "energy_balance_mj": {k: v * 1e3 for k, v in vars(self.energy).items()},
            "energy_balance_error": self.energy.relative_error,
            "runtime_s": round(self.runtime, 4),
        }


@dataclass
class ColumnResult:
    """Fields (xarray Dataset, units in attrs) and summary of one MTZ.

    `warnings` are plain-language cautions about this result: cells coarse
    against the light's absorption length, a crater front that crossed many cells
    per time step, a lesion that leaves the dermis.
    """

    fields: xr.Dataset
    summary: ColumnSummary
    geometry: str
    inputs: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Grid:
    dr: float
    dz: float
    nr: int
    nz: int
    lateral_far_field: bool

    @property
    def r_edges(self):
        return np.arange(self.nr + 1) * self.dr

    @property
    def volume(self):
        edges = self.r_edges
        return math.pi * (edges[1:] ** 2 - edges[:-1] ** 2) * self.dz

    @property
    def area_axial(self):
        edges = self.r_edges
        return math.pi * (edges[1:] ** 2 - edges[:-1] ** 2)

    @property
    def area_radial(self):
        return 2.0 * math.pi * self.r_edges * self.dz


def _choose_geometry(beam: Beam, options: SolverOptions) -> str:
    if options.geometry != "auto":
        return options.geometry
    wide = beam.profile == "tophat" and beam.spot_diameter >= WIDE_BEAM_DIAMETER
    return "wide" if wide else "column"


def _layer_rows(skin: Skin, nz: int, dz: float) -> np.ndarray:
    """Index of the layer holding each row's centre."""
    centres = (np.arange(nz) + 0.5) * dz
    bounds = skin.layer_boundaries()
    return np.clip(np.searchsorted(bounds, centres, side="right") - 1, 0, len(skin.layers) - 1)


def _stable_time_step(grid: _Grid, k_row, rho_c_row, safety: float) -> float:
    """Largest explicit step: dt <= safety * min over cells of rho c V / sum(G)."""
    area_radial, area_axial, volume = grid.area_radial, grid.area_axial, grid.volume
    radial = (area_radial[:-1] + area_radial[1:]) / grid.dr
    if grid.lateral_far_field:
        radial[-1] += area_radial[-1] / grid.dr  # far-field face half a cell away
    axial = 3.0 * area_axial / grid.dz  # top face k A / dz + bottom far-field face 2 k A / dz
    rate = np.max(
        k_row[:, None] * (radial + axial)[None, :] / (rho_c_row[:, None] * volume[None, :])
    )
    return safety / rate


def _domain(
    skin, beam, pulse, options, geometry, h_ablation_min, mu_a_min, alpha_max, transport_length=None
):
    """Grid for this beam and pulse: wide enough for the beam and the heat it spreads.

    `transport_length` [m] (photon-transport sources): the light's own spread,
    taken as several effective attenuation lengths, sets the extent instead of
    the crater estimate.
    """
    dx = options.grid
    t_est = pulse.end_time + (options.after_pulse if options.after_pulse is not None else 0.02)
    diffusion = 2.0 * math.sqrt(alpha_max * t_est)
    beam_extent = 2.63 * beam.radius if beam.profile == "gaussian" else beam.radius
    if geometry == "wide":
        radius = WIDE_BEAM_RINGS * dx
    elif transport_length is not None:
        radius = options.radius or (beam_extent + 0.4 * transport_length + diffusion)
    else:
        radius = options.radius or (beam_extent + diffusion)
    if transport_length is not None:
        reach = transport_length + diffusion
    else:
        # deepest the crater could go: all the axial fluence spent at the ablation enthalpy
        reach = beam.peak_fluence(pulse.total_energy) / h_ablation_min + 12.0 / mu_a_min
        reach += diffusion + 50e-6
    depth = options.depth or min(reach, skin.layer_boundaries()[-1])
    nz = int(math.ceil(depth / dx))
    dr = dx if geometry == "wide" else dx / options.radial_refinement
    nr = max(int(math.ceil(radius / dr)), 1)
    return _Grid(dr, dx, nr, nz, lateral_far_field=(geometry == "column"))


def simulate_column(
    skin: Skin, beam: Beam, pulse: Pulse, options: SolverOptions | None = None
) -> ColumnResult:
    """Simulate one microbeam (or the centre of a full-field spot) on `skin`.

    Parameters
    ----------
    skin : layered skin (``tissue.skin_for``).
    beam, pulse : the microbeam and its pulse train (``laser``).
    options : numerical settings.

    Returns
    -------
    ColumnResult with the fields and the summary (crater, coagulation, peak
    temperature, energy balance).

    Raises
    ------
    InputError : a spot narrower than four cells, a domain too large, a
        full-field spot at a wavelength where scattering matters, or a pulse
        train longer than the simulated-time limit (``column.checks``).
    SelfCheckError : the result failed a self-check (``column.checks``: energy
        balance, simulated time, physical bounds).

    Notes
    -----
    Where scattering matters (``optics.scattering.scattering_matters``: 1,550
    and 1,927 nm), the heat source is the absorption map of a layered Monte
    Carlo run on the same grid (``optics.montecarlo``) and no tissue is
    removed unless a cell passes its ablation enthalpy (then the map's later
    energy for it is booked as ablation, an approximation: the map does not
    follow the crater); elsewhere the beam is traced Beer-Lambert fashion
    with ablation.
    """
    options = options or SolverOptions()
    started = time.perf_counter()
    geometry = _choose_geometry(beam, options)
    if geometry == "wide" and scattering_matters(skin, beam.wavelength):
        raise InputError(
            "wavelength",
            beam.wavelength,
            "a wavelength where absorption dominates scattering for full-field spots "
            "(the wide-beam geometry uses Beer-Lambert deposition only)",
        )
    if geometry == "column" and beam.spot_diameter < MIN_CELLS_PER_SPOT * options.grid:
        raise InputError(
            "spot_diameter",
            beam.spot_diameter,
            f">= {MIN_CELLS_PER_SPOT} grid cells ({MIN_CELLS_PER_SPOT * options.grid:g} m)"
            " at this grid",
        )
    checks.check_fits(pulse, options)
    depth = options.depth
    for _ in range(MAX_DOMAIN_GROWTHS + 1):
        result = _solve(skin, beam, pulse, options, geometry, depth, started)
        if not result.inputs.pop("_needs_deeper_domain"):
            result.warnings = (
                _grid_cautions(result.inputs)
                + _front_cautions(result.summary, result.inputs)
                + _depth_cautions(result.summary, skin)
            )
            checks.check_result(result, skin, pulse, options)
            return result
        depth = result.inputs["domain_depth_m"] * 1.6
    raise InputError(
        "pulse.energy",
        pulse.energy,
        f"an energy whose crater fits the skin model's depth ({skin.layer_boundaries()[-1]:g} m)",
    )


def _solve(skin, beam, pulse, options, geometry, depth, started) -> ColumnResult:
    thermal = load_toml("thermal.toml")
    t0 = thermal["body"]["core_temperature_c"]
    t_boil = thermal["water"]["boiling_point_c"]
    latent_water = (
        thermal["water"]["latent_heat_vaporisation_j_per_kg"]
        * thermal["water"]["density_kg_per_m3"]
    )
    blood_rho_c = (
        thermal["blood"]["density_kg_per_m3"] * thermal["blood"]["heat_capacity_j_per_kg_k"]
    )

    layers = skin.layers
    rho_c_layer = np.array([ly.density * ly.heat_capacity for ly in layers])
    latent_layer = np.array([ly.water_fraction for ly in layers]) * latent_water
    h_abl_layer = ablation_enthalpy(
        rho_c_layer,
        [ly.water_fraction for ly in layers],
        beam.wavelength,
        t0,
        t_boil,
        latent_water,
        options.latent_fraction,
    )
    mu_a_layer = np.array([layer_absorption_coefficient(ly, beam.wavelength) for ly in layers])
    k_layer = np.array([ly.conductivity for ly in layers])
    alpha_max = float(np.max(k_layer / rho_c_layer))
    opts = options if depth is None else replace(options, depth=depth)
    optics = (
        optical_layers(skin, beam.wavelength) if scattering_matters(skin, beam.wavelength) else None
    )
    transport_length = None
    if optics is not None:
        dermis = max(optics[:-1], key=lambda layer: layer.thickness)
        mu_eff = math.sqrt(3 * dermis.mu_a * (dermis.mu_a + (1 - dermis.g) * dermis.mu_s))
        transport_length = TRANSPORT_LENGTHS / mu_eff
    grid = _domain(
        skin,
        beam,
        pulse,
        opts,
        geometry,
        float(h_abl_layer.min()),
        float(mu_a_layer.max()),
        alpha_max,
        transport_length,
    )
    if grid.nr * grid.nz > MAX_CELLS:
        raise InputError(
            "grid",
            options.grid,
            f"a cell size giving at most {MAX_CELLS} cells (this case needs {grid.nr * grid.nz})",
        )

    rows = _layer_rows(skin, grid.nz, grid.dz)
    rho_c = rho_c_layer[rows]
    k_row = k_layer[rows]
    k_face_z = 2.0 * k_row[:-1] * k_row[1:] / (k_row[:-1] + k_row[1:])
    latent = latent_layer[rows]
    h_ablation = h_abl_layer[rows]
    attenuation = np.exp(-mu_a_layer[rows] * grid.dz)
    perfusion = np.array([ly.perfusion for ly in layers])[rows] * blood_rho_c

    dt = _stable_time_step(grid, k_row, rho_c, options.dt_safety)
    deposition = np.zeros((1, 1))
    deposition_rows = 0
    if optics is not None:
        photons = run_monte_carlo(
            optics,
            beam=beam.profile,
            beam_radius=beam.radius,
            grid=RZGrid(grid.dr, grid.dz, grid.nr, grid.nz),
            photons=options.photons,
            seed=options.seed,
        )
        deposition = photons.absorbed_rz
        deposition_rows = int(np.flatnonzero(deposition.any(axis=1))[-1]) + 1
        reflectance = photons.specular + photons.diffuse_reflectance
    else:
        reflectance = float(surface_reflectance(beam.wavelength))
    if geometry == "wide":
        area = float(grid.area_axial.sum())
        incident = beam.peak_fluence(pulse.total_energy) * area
        ring_fraction = grid.area_axial / area
    else:
        incident = pulse.total_energy
        ring_fraction = beam.ring_fractions(grid.r_edges)
    if optics is not None:
        outside = incident * (photons.absorbed_outside_grid + photons.transmittance)
        step_energy = pulse.energy_per_step(dt) * (incident / pulse.total_energy)
    else:
        outside = incident * (1.0 - ring_fraction.sum())
        step_energy = pulse.energy_per_step(dt) * (incident / pulse.total_energy)
        step_energy *= 1 - reflectance

    params = arrhenius_parameters(options.damage_model)
    ln_a, ea_over_r, t_min = params.arrays()
    n_pulse = step_energy.size
    if options.after_pulse is not None:
        total = pulse.end_time + options.after_pulse
        max_steps = int(math.ceil(total / dt))
        min_steps = max_steps
        tolerance = -1.0
    else:
        max_steps = int(math.ceil(options.max_time / dt))
        min_steps = n_pulse + 1
        tolerance = options.growth_tolerance
    t_negligible = _negligible_damage_temperature(params, options.max_time)

    shape = (grid.nz, grid.nr)
    enthalpy = np.zeros(shape)
    void = np.zeros(shape, dtype=np.bool_)
    temperature = np.full(shape, t0)
    peak = np.full(shape, t0)
    omega = np.zeros(shape)
    end_of_pulse = np.full(shape, t0)
    row_centres = (np.arange(grid.nz) + 0.5) * grid.dz
    spread = np.ones(grid.nz) if geometry == "wide" else beam.spread(row_centres)
    damage_every = max(1, int(math.ceil(options.damage_interval / dt)))
    n_hist = max_steps // damage_every + 2
    history_time = np.zeros(n_hist)
    history_tmax = np.zeros(n_hist)
    energy = np.zeros(5)

    cells = ColumnGeometry(grid.dr, grid.dz, grid.volume, grid.area_axial, grid.area_radial)
    material = ColumnMaterial(k_row, k_face_z, rho_c, latent, perfusion, attenuation, h_ablation)
    boundary = ColumnBoundary(
        t_initial=t0,
        t_boil=t_boil,
        t_arterial=t0,
        h_conv=thermal["surface"]["convection_w_per_m2_k"],
        t_ambient=t0,
        t_far=t0,
        lateral_far_field=grid.lateral_far_field,
    )
    damage = DamageSchedule(damage_every, ln_a, ea_over_r, t_min, t_negligible)
    end_time = total if options.after_pulse is not None else max_steps * dt
    super_stepping = SuperStepping(options.super_step_fraction, *SUPER_STAGES, end_time)
    steps, n_written, cell_updates, super_steps, stages, simulated = run_column(
        enthalpy,
        void,
        temperature,
        peak,
        omega,
        spread,
        end_of_pulse,
        step_energy,
        ring_fraction,
        dt,
        cells,
        material,
        boundary,
        damage,
        min_steps,
        max_steps,
        tolerance,
        history_time,
        history_tmax,
        energy,
        deposition,
        deposition_rows,
        super_stepping,
    )

    stored = float(np.sum(np.where(void, 0.0, enthalpy) * grid.volume[None, :]))
    balance = EnergyBalance(
        incident=incident,
        reflected=incident * reflectance,
        outside_grid=outside,
        ablation=float(energy[0]),
        transmitted=float(energy[1]),
        stored=stored,
        conducted_out=float(energy[2]),
        surface_loss=float(energy[3]),
        perfused=float(energy[4]),
    )
    fields = _fields(
        grid,
        void,
        enthalpy,
        omega,
        peak,
        end_of_pulse,
        history_time[:n_written],
        history_tmax[:n_written],
        params.name,
        t_boil,
    )
    summary = _summarise(
        grid, void, omega, peak, t_boil, simulated, balance, geometry, time.perf_counter() - started
    )
    deepest_void = summary.ablation_depth
    margin = 4 * grid.dz if optics is not None else 6.0 / float(mu_a_layer.max()) + 4 * grid.dz
    needs_deeper = deepest_void > grid.nz * grid.dz - margin or bool(np.any(omega[-1] >= 1.0))
    inputs = {
        "wavelength_m": beam.wavelength,
        "spot_diameter_m": beam.spot_diameter,
        "profile": beam.profile,
        "m_squared": beam.m_squared,
        "rayleigh_range_m": beam.rayleigh_range,
        "pulse_energy_j": pulse.energy,
        "pulse_duration_s": pulse.duration,
        "pulse_shape": pulse.shape,
        "stack": pulse.stack,
        "pulse_spacing_s": pulse.spacing,
        "site": skin.site,
        "sex": skin.sex,
        "age": skin.age,
        "phototype": skin.phototype,
        "grid_m": grid.dz,
        "radial_grid_m": grid.dr,
        "absorption_per_cell": float(mu_a_layer.max() * grid.dz),
        "time_step_s": dt,
        "domain_radius_m": grid.nr * grid.dr,
        "domain_depth_m": grid.nz * grid.dz,
        "damage_model": params.name,
        "geometry": geometry,
        "surface_reflectance": reflectance,
        "heat_source": "monte_carlo" if optics is not None else "beer_lambert",
        "steps": int(steps),
        "super_steps": int(super_steps),
        "stage_evaluations": int(steps + stages),
        "cell_updates": int(cell_updates),
        "_needs_deeper_domain": needs_deeper,
    }
    fields.attrs.update({k: v for k, v in inputs.items() if not k.startswith("_")})
    return ColumnResult(fields=fields, summary=summary, geometry=geometry, inputs=inputs)


#: mu_a dz above which cells are coarse against the absorption length: the cell under
#: the crater floor ends the pulse part-heated, so the floor damage scatters by about
#: +/- mu_a dz / 2 (docs/column.md)
COARSE_ABSORPTION_PER_CELL = 0.3


def _grid_cautions(inputs: dict) -> list[str]:
    """A caution when mu_a,max dz > COARSE_ABSORPTION_PER_CELL, naming the grid for
    mu_a dz = 0.1 (floor damage within about 5 %)."""
    per_cell = inputs["absorption_per_cell"]
    if per_cell <= COARSE_ABSORPTION_PER_CELL:
        return []
    dz_um = inputs["grid_m"] * 1e6
    finer = dz_um * 0.1 / per_cell  # mu_a dz = 0.1: about +/- 5 %
    return [
        f"the grid is coarse for this wavelength (mu_a dz = {per_cell:.2g}: light is absorbed "
        f"within {dz_um / per_cell:.2g} um); floor damage may be off by about "
        f"{50 * per_cell:.0f} %: a {finer:.2g} um grid brings that to about 5 %"
    ]


#: Crater-front cells per time step (mean over the pulse) above which a column's wall cuff
#: comes out thick: each cell the beam heats conducts into the wall for a whole step
#: before the next step removes it. Measured on 4 um cells (docs/cuff_20mj.md), cuff
#: against its dt_safety = 0.1 value: 5 mJ (about 4 cells per step) +0.8 %, 10 mJ (8) +6 %,
#: 20 mJ (14) +24 %.
FAST_FRONT_CELLS_PER_STEP = 5.0


def _front_cautions(summary: ColumnSummary, inputs: dict) -> list[str]:
    """A caution when the crater front crossed many cells per time step (columns only).

    Mean front speed in cells per step: depth / dz / (stack x duration / dt).
    """
    if inputs["geometry"] != "column" or summary.ablation_depth <= 0:
        return []
    dz, dt = inputs["grid_m"], inputs["time_step_s"]
    steps_on = inputs["stack"] * inputs["pulse_duration_s"] / dt
    per_step = summary.ablation_depth / dz / max(steps_on, 1.0)
    if per_step <= FAST_FRONT_CELLS_PER_STEP:
        return []
    return [
        f"the crater front crossed about {per_step:.0f} cells per time step during the pulse: "
        "the wall cuff comes out thick (+6 % at 8 cells per step, +24 % at 14); "
        "a finer grid or a smaller SolverOptions.dt_safety resolves it (docs/cuff_20mj.md)"
    ]


def _depth_cautions(summary: ColumnSummary, skin: Skin) -> list[str]:
    """A caution when the coagulation depth passes the dermis or the modelled skin."""
    bounds = skin.layer_boundaries()  # surface, ..., dermis bottom, subcutis bottom [m]
    dermis_bottom, skin_bottom = bounds[-2], bounds[-1]
    if summary.coagulation_depth >= skin_bottom:
        return [f"the lesion passes the bottom of the modelled skin ({skin_bottom * 1e6:.0f} um)"]
    if summary.coagulation_depth > dermis_bottom:
        return [
            f"the lesion reaches the subcutis ({summary.coagulation_depth * 1e6:.0f} um; the "
            f"dermis ends at {dermis_bottom * 1e6:.0f} um): fat is modelled by its water "
            "content only and plume shielding is not modelled; read depths there with care"
        ]
    return []


def _negligible_damage_temperature(params, horizon: float) -> float:
    """Temperature [C] below which the rate accumulates < 1e-4 Omega over `horizon` [s]."""
    ln_a, ea_over_r, _ = params.arrays()
    # rate(T) * horizon = 1e-4  ->  T = (Ea/R) / (ln A - ln(1e-4 / horizon))
    temps = ea_over_r / (ln_a - math.log(1e-4 / horizon)) - KELVIN_OFFSET
    return float(np.min(temps))


def _fields(
    grid, void, enthalpy, omega, peak, end_of_pulse, hist_t, hist_tmax, model, t_boil
) -> xr.Dataset:
    z = (np.arange(grid.nz) + 0.5) * grid.dz
    r = (np.arange(grid.nr) + 0.5) * grid.dr
    tissue = ~void
    ds = xr.Dataset(
        {
            "temperature_end_of_pulse": (
                ("z", "r"),
                np.where(tissue, end_of_pulse, np.nan),
                {"units": "degC", "long_name": "temperature at the end of the last pulse"},
            ),
            "peak_temperature": (
                ("z", "r"),
                np.where(tissue, peak, np.nan),
                {"units": "degC", "long_name": "highest temperature reached"},
            ),
            "damage": (
                ("z", "r"),
                np.where(tissue, omega, np.nan),
                {"units": "1", "long_name": f"Arrhenius damage integral Omega ({model})"},
            ),
            "residual_enthalpy": (
                ("z", "r"),
                np.where(tissue, enthalpy, 0.0),
                {
                    "units": "J m-3",
                    "long_name": "enthalpy above the initial state at the end "
                    "of the run (the column's residual heat)",
                },
            ),
            "ablated": (("z", "r"), void, {"units": "1", "long_name": "cell removed by ablation"}),
            "coagulated": (
                ("z", "r"),
                tissue & (omega >= 1.0),
                {"units": "1", "long_name": "Omega >= 1 and not ablated"},
            ),
            "desiccated": (
                ("z", "r"),
                _desiccated(peak, void, t_boil),
                {"units": "1", "long_name": "boiled dry (peak above boiling point), not ablated"},
            ),
            "max_temperature_history": (
                ("time",),
                hist_tmax,
                {"units": "degC", "long_name": "hottest tissue cell"},
            ),
        },
        coords={
            "z": ("z", z, {"units": "m", "long_name": "depth below the skin surface"}),
            "r": ("r", r, {"units": "m", "long_name": "distance from the beam axis"}),
            "time": (
                "time",
                hist_t,
                {"units": "s", "long_name": "time since the first pulse began"},
            ),
        },
    )
    return ds


#: K past the boiling point that marks a cell as boiled dry (on the boiling plateau
#: the temperature is the boiling point itself)
DRY_MARGIN_K = 0.1


def _desiccated(peak, void, t_boil):
    """Tissue that left the boiling plateau: all its water boiled off (peak > T_boil)."""
    return ~void & (peak > t_boil + DRY_MARGIN_K)


def _outer_edge(mask_row, dr) -> float:
    """Outer face of the last True cell in a row [m]."""
    idx = np.flatnonzero(mask_row)
    return (idx[-1] + 1) * dr if idx.size else 0.0


def _coagulation_edge(omega_line, coagulated_line, spacing) -> float:
    """Where Omega falls through 1 past the last coagulated cell of a line [m].

    ln(Omega) is interpolated linearly between the centres of the last
    coagulated cell and the next one, which gives the boundary to a fraction
    of a cell (it grows as an exponential of temperature, so ln is smooth).
    """
    idx = np.flatnonzero(coagulated_line)
    if not idx.size:
        return 0.0
    last = idx[-1]
    centre = (last + 0.5) * spacing
    if last + 1 >= omega_line.size:
        return centre + 0.5 * spacing
    inside = math.log(max(omega_line[last], 1.0))
    outside = math.log(max(omega_line[last + 1], 1e-300))
    return centre + spacing * inside / (inside - outside)


def _summarise(
    grid, void, omega, peak, t_boil, simulated, balance, geometry, runtime
) -> ColumnSummary:
    """Geometry of crater, coagulation and desiccation (definitions in ColumnSummary)."""
    coag = (omega >= 1.0) & ~void
    dried_rows = np.flatnonzero((_desiccated(peak, void, t_boil)).any(axis=1))
    desiccation_depth = (dried_rows[-1] + 1) * grid.dz if dried_rows.size else 0.0
    volume = grid.volume
    void_rows = np.flatnonzero(void.any(axis=1))
    depth = (void_rows[-1] + 1) * grid.dz if void_rows.size else 0.0
    column_edges = [_coagulation_edge(omega[:, j], coag[:, j], grid.dz) for j in range(grid.nr)]
    coag_depth = max(column_edges, default=0.0)
    floor = max(column_edges[0] - depth, 0.0) if depth > 0 else coag_depth
    nan = float("nan")
    if geometry == "wide":
        width_surface = width_half = wall = coag_width = nan
    else:
        half = min(int(depth / 2 / grid.dz), grid.nz - 1)
        width_surface = 2 * _outer_edge(void[0], grid.dr)
        width_half = 2 * _outer_edge(void[half], grid.dr) if depth > 0 else 0.0
        coag_width = 2 * max(_coagulation_edge(omega[k], coag[k], grid.dr) for k in range(grid.nz))
        wall = nan
        if depth > 0:
            # mean cuff over the middle half of the crater depth
            rows = range(int(0.25 * depth / grid.dz), max(int(0.75 * depth / grid.dz), 1))
            cuffs = [
                max(
                    _coagulation_edge(omega[k], coag[k], grid.dr) - _outer_edge(void[k], grid.dr),
                    0.0,
                )
                for k in rows
            ]
            wall = float(np.mean(cuffs))
    tissue_peak = np.where(void, -np.inf, peak)
    return ColumnSummary(
        ablation_depth=depth,
        ablation_width_surface=width_surface,
        ablation_width_half_depth=width_half,
        coagulation_thickness_wall=wall,
        coagulation_thickness_floor=floor,
        coagulation_depth=coag_depth,
        coagulation_width=coag_width,
        desiccation_depth=desiccation_depth,
        ablated_volume=float(np.sum(void * volume[None, :])),
        coagulated_volume=float(np.sum(coag * volume[None, :])),
        peak_temperature=float(tissue_peak.max()),
        simulated_time=simulated,
        runtime=runtime,
        energy=balance,
    )
