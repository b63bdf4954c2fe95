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
`SolverOptions.super_step_fraction`, ``kernels/``).

Two geometries:

* ``column``: a narrow beam, domain radius a few beam radii plus the heat
  diffusion length; far-field (body) temperature on the outer and bottom
  faces.
* ``wide``: a full-field top-hat spot much wider than the depths involved
  (diameter >= 1 mm; a Gaussian of any size is a column): the centre of the
  spot is solved as a 1-D stack of cells with insulated sides under the peak
  fluence.

Every run closes its energy balance: incident = reflected + beam outside the
grid + ablation + transmitted + stored + conducted out + perfused + surface
loss.
"""

import functools
import math
import time
from dataclasses import dataclass, replace

import numpy as np

from resurfacer.column import checks
from resurfacer.column.cautions import (
    depth_cautions,
    front_cautions,
    grid_cautions,
    photon_cautions,
    pocket_cautions,
    scattering_source_cautions,
    threshold_cautions,
)
from resurfacer.column.damage import arrhenius_parameters
from resurfacer.column.grid import (
    MAX_CELLS,
    ColumnGrid,
    choose_geometry,
    column_domain,
    domain_time,
    layer_rows,
    stable_time_step,
)
from resurfacer.column.materials import (
    body_boundary,
    layer_materials,
    row_material,
    thermal_constants,
    wall_optics,
)
from resurfacer.column.options import SUPER_STAGES, SolverOptions
from resurfacer.column.published import intact_surface_cautions
from resurfacer.column.summary import ColumnResult, EnergyBalance, column_fields, summarise
from resurfacer.common.units import KELVIN_OFFSET
from resurfacer.errors import InputError
from resurfacer.kernels.deposition import map_below
from resurfacer.kernels.driver import BeamDrive, ColumnFields, History, RunControl, run_column
from resurfacer.kernels.state import ColumnGeometry, DamageSchedule, SuperStepping
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.optics.absorption import surface_reflectance
from resurfacer.optics.montecarlo import RZGrid, run_monte_carlo
from resurfacer.optics.scattering import scattering_matters
from resurfacer.optics.skin_optics import optical_layers
from resurfacer.tissue.skin import Skin

__all__ = ["ColumnResult", "SolverOptions", "simulate_column"]


MIN_CELLS_PER_SPOT = 4
MAX_DOMAIN_GROWTHS = 3
#: share of the incident energy that the light dried cells let on may carry past the
#: photon-transport map's last row before the domain is grown (`_solve`; a numerical
#: setting: session 29's review found a 1,927 nm column on a 100 um spot cut 18 % short)
DEEPER_TRANSMITTED = 0.01
TRANSPORT_LENGTHS = 5.0  # effective attenuation lengths a photon-transport grid reaches


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
    Carlo run on the same grid (``optics.montecarlo``), computed once on the
    intact skin; a cell that boils loses its absorption with its water and
    passes the light on to the rows below, as the map shares its absorption
    there (``kernels.deposition.deposit_map``), so a column at these
    wavelengths dries instead of ablating unless a cell's non-water absorbers
    (melanin) carry it to its ablation enthalpy; elsewhere the beam is traced
    Beer-Lambert fashion with ablation.
    """
    options = options or SolverOptions()
    started = time.perf_counter()
    geometry = choose_geometry(beam, options)
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
    for attempt in range(MAX_DOMAIN_GROWTHS + 1):
        result = _solve(skin, beam, pulse, options, geometry, depth, started)
        deeper = result.inputs.pop("_needs_deeper_domain")
        outran = heat_outran_domain(result, pulse, options)
        if not deeper and (not outran or attempt == MAX_DOMAIN_GROWTHS):
            result.warnings = (
                grid_cautions(result.inputs)
                + front_cautions(result.summary, result.inputs)
                + depth_cautions(result.summary, skin)
                + threshold_cautions(result.summary, result.inputs)
                + pocket_cautions(result.summary, result.fields, result.inputs)
                + photon_cautions(result.inputs)
                + scattering_source_cautions(result.summary, result.inputs, skin)
                + intact_surface_cautions(result.summary, result.inputs)
                + [OUTRAN_CAUTION] * outran
            )
            checks.check_result(result, skin, pulse, options)
            return result
        depth = result.inputs["domain_depth_m"] * 1.6
    raise InputError(
        "pulse.energy",
        pulse.energy,
        f"an energy whose crater fits the skin model's depth ({skin.layer_boundaries()[-1]:g} m)",
    )

@dataclass(frozen=True)
class _HeatSource:
    """The laser side of a run: energy per explicit step delivered to the tissue [J],
    the rings' shares of it (traced beam) or a photon-transport map (`deposition`,
    rows with energy `deposition_rows`, 0 for none), and the energy terms outside
    the solve: incident, reflected fraction, beam outside the grid [J]."""

    step_energy: np.ndarray
    ring_fraction: np.ndarray
    deposition: np.ndarray
    deposition_rows: int
    incident: float
    reflectance: float
    outside: float


@functools.lru_cache(maxsize=8)
def photon_transport(
    optics: tuple, profile: str, radius: float, grid: RZGrid, photons: int, seed: int
):
    """`optics.montecarlo.run_monte_carlo` on intact tissue, kept for the next column with
    the same skin optics, beam shape and grid: the map of absorbed light is linear in the
    energy and does not depend on the pulse, and a seed and a photon count reproduce a run
    exactly (whatever the thread count), so columns that differ only in energy, duration
    or stacking share it. Session 24: a 1,550 nm planning search (type V cheek, fine
    lines) ran 42 transports for 6 distinct grids, 30 of its 60 s cold. The result is
    shared, so its arrays are made read-only (`pooled_near_axis` copies the map). At most 8
    kept (a map of 700 x 330 cells is 1.8 MB)."""
    result = run_monte_carlo(
        list(optics), beam=profile, beam_radius=radius, grid=grid, photons=photons, seed=seed
    )
    for value in vars(result).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return result


def _heat_source(optics, beam, pulse, grid, geometry, dt, options) -> _HeatSource:
    """Beer-Lambert rays with Fresnel reflection once at the surface, or, where
    scattering matters (`optics` given), the Monte Carlo absorption map on the grid;
    a wide (1-D) geometry receives the peak fluence over its area."""
    deposition = np.zeros((1, 1))
    deposition_rows = 0
    if optics is not None:
        # launched as the beam meets the surface, w(0) = w0 s(0), as the rays below are:
        # a waist below (or above) the skin widens the spot there (session 25, a probe:
        # a 4 mm focal offset left a 1,550 nm zone unchanged to six figures)
        surface_radius = beam.radius * float(beam.spread(0.0))
        photons = photon_transport(
            tuple(optics),
            beam.profile,
            surface_radius,
            RZGrid(grid.dr, grid.dz, grid.nr, grid.nz),
            options.photons,
            options.seed,
        )
        deposition = pooled_near_axis(photons.absorbed_rz, grid, surface_radius)
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
        # the rings as the beam meets the surface: w(0) = w0 s(0) (s(0) = 1 focused there)
        ring_fraction = beam.ring_fractions(grid.r_edges / float(beam.spread(0.0)))
    step_energy = pulse.energy_per_step(dt) * (incident / pulse.total_energy)
    if optics is not None:
        outside = incident * (photons.absorbed_outside_grid + photons.transmittance)
    else:
        # the part of the beam that meets the skin beyond the grid (a beam wider there than
        # its waist) is reflected there as inside it: only the rest enters the skin outside
        outside = incident * (1.0 - reflectance) * (1.0 - ring_fraction.sum())
        step_energy *= 1 - reflectance
    return _HeatSource(
        step_energy, ring_fraction, deposition, deposition_rows, incident, reflectance, outside
    )


#: cells the crater front may cross per symmetric pair of ray sweeps, as `sweep_pairs`
#: estimates it (a steady front at the beam's peak: about 4x the mean crossing measured
#: over the pulse, 31 / 7.8 at 15 mJ and 30 W on 4 um cells, 122 / 24.8 at 60 mJ in 0.5
#: ms). 32 keeps the measured mean near 8 cells per pair, where a pair is within 1 % of
#: a converged step in depth and 3 % in cuff (docs/column.md, "Time step"); the 30 W
#: columns of the presets (estimate 31 on 4 um cells) keep one pair and their figures
CELLS_PER_SWEEP_PAIR = 32

#: pairs of ray sweeps a pulse (train) is delivered in, at least (`sweep_pairs`)
MIN_SWEEP_PAIRS_PER_PULSE = 8


def steps_per_pulse(source, stack: int) -> int:
    """Explicit steps that carry one pulse's energy [-]: the steps with energy over the
    pulses of the train (at least one)."""
    return max(1, math.ceil(int(np.count_nonzero(source.step_energy)) / max(stack, 1)))


def sweep_pairs(source, grid, layers, geometry: str, stack: int = 1) -> int:
    r"""How many symmetric pairs of ray sweeps share each explicit step's energy: enough
    that the front crosses at most `CELLS_PER_SWEEP_PAIR` cells per pair, and that the
    pulse (its :math:`n_p` steps with energy, `steps_per_pulse`: each pulse of a stack,
    not the train) goes in at least `MIN_SWEEP_PAIRS_PER_PULSE` (:math:`M`) pairs,

    .. math:: n = \max\left(1, \left\lceil \frac{\max_j E_j / A_j}
        {h_{min}\, \Delta z\, N} \right\rceil,
        \left\lceil \frac{M}{n_p} \right\rceil\right)

    with :math:`E_j / A_j` the largest energy per area a ring takes in a step, :math:`h_{min}`
    the least energy per removed volume of the layers (ablation plus ejecta) and N =
    `CELLS_PER_SWEEP_PAIR`: a steady front's depth per unit energy, the most it can cross.
    A step's conduction is negligible beside a pulse this short, so the pairs do what a
    shorter step would at no cost in steps (session 21: a 10 us pulse, one or two steps
    of the stability limit, drilled 464 um against 410 um converged in time). The second
    bound is for a wide beam's shallow dish, which the first leaves at one pair: a 1.3 mm
    Gaussian spot of 90 mJ in 10 us (one step) drilled a 124 um needle on the axis, 50 us
    (5 steps) 168 um, against 40-44 um converged in time and grid (session 23, a probe);
    the rays of one sweep drill ring after ring, so a dish drilled in one or two sweeps
    leaves rings far ahead of their neighbours. 1 for a photon-transport map or a 1-D wide
    spot (one ray)."""
    if geometry != "column" or source.deposition_rows > 0:
        return 1
    per_area = float(source.step_energy.max()) * float(
        np.max(source.ring_fraction / grid.area_axial)
    )
    removal = float((layers.h_ablation + layers.ejecta).min())
    crossing = math.ceil(per_area / (removal * grid.dz * CELLS_PER_SWEEP_PAIR))
    pulse_steps = steps_per_pulse(source, stack)
    return max(1, crossing, math.ceil(MIN_SWEEP_PAIRS_PER_PULSE / pulse_steps))


#: rings inside this share of the beam's (1/e^2) radius share one Monte Carlo estimate
AXIS_POOL_FRACTION = 1.0 / 8.0


def pooled_near_axis(absorbed_rz: np.ndarray, grid, beam_radius: float) -> np.ndarray:
    r"""The Monte Carlo absorption map with its rings pooled into annuli of about the area
    of the beam's central disc of radius :math:`w_0/8`, row by row.

    .. math:: q_j \leftarrow \frac{A_j}{\sum_{k \in S} A_k} \sum_{k \in S} q_k,
        \quad j \in S

    for each annulus :math:`S` of consecutive rings: the first holds the rings inside
    :math:`w_0/8`; each next one the following rings while their summed area
    :math:`A_S` stays within :math:`\pi w_0^2/64` (a ring already that large stands alone).
    A ring's packet count falls with its area, so small rings carry the noisiest
    estimates: unpooled, the seed moved the opened surface `w` of a 1,927 nm column from
    0 to 0.34 (session 20, when only the central disc was pooled), and the hot cells just
    outside that disc set its dried depth and peak temperature (40 / 24 / 34 / 48 um and
    110-125 C over four seeds, more on finer grids, session 21). A Gaussian's irradiance
    :math:`e^{-2r^2/w_0^2}` changes across an annulus of width :math:`\Delta r` at
    :math:`r` by :math:`4 r \Delta r / w_0^2 = 2 A_S / (\pi w_0^2)`: within
    :math:`1 - e^{-2/64}` = 3 % for :math:`A_S \le \pi w_0^2/64`, the central disc's own
    bound, so a pooled estimate holds up to as many packets as the disc (at least half
    where rings pair up; a ring between half and all of the disc's area stands alone, as
    just outside a disc only a few rings wide) and costs the deterministic profile at most
    that much, whatever the cell size. Each row's absorbed energy is kept exactly. A map
    whose rings are all that large: unchanged.
    """
    edges = grid.r_edges
    area = grid.area_axial
    disc = math.pi * (AXIS_POOL_FRACTION * beam_radius) ** 2
    pooled = np.array(absorbed_rz, dtype=float, copy=True)
    first = int(np.count_nonzero(edges[1:] <= AXIS_POOL_FRACTION * beam_radius + 1e-12))
    start, end = 0, max(first, 1)
    while start < area.size:
        while end < area.size and area[start:end + 1].sum() <= disc * (1 + 1e-9):
            end += 1
        if end - start >= 2:
            share = area[start:end] / area[start:end].sum()
            pooled[:, start:end] = absorbed_rz[:, start:end].sum(axis=1, keepdims=True) * share
        if area[end - 1] > disc:  # rings this large need no pooling, nor do those beyond
            break
        start, end = end, end + 1
    return pooled


def _transport_length(optics) -> float | None:
    """TRANSPORT_LENGTHS effective attenuation lengths of the thickest dermal layer,
    1 / mu_eff with mu_eff = sqrt(3 mu_a (mu_a + (1 - g) mu_s)) [m]; None without
    photon transport."""
    if optics is None:
        return None
    dermis = max(optics[:-1], key=lambda layer: layer.thickness)
    mu_eff = math.sqrt(3 * dermis.mu_a * (dermis.mu_a + (1 - dermis.g) * dermis.mu_s))
    return TRANSPORT_LENGTHS / mu_eff


def _run_control(options, pulse, dt, n_pulse_steps) -> tuple[RunControl, float]:
    """Explicit-step bounds and stop tolerance, and the time the run ends at [s]:
    exactly `after_pulse` after the train (tolerance -1: never stop early), else
    by the damage-growth criterion within `max_time`."""
    if options.after_pulse is not None:
        total = pulse.end_time + options.after_pulse
        max_steps = int(math.ceil(total / dt))
        return RunControl(dt, max_steps, max_steps, -1.0), total
    max_steps = int(math.ceil(options.max_time / dt))
    control = RunControl(dt, n_pulse_steps + 1, max_steps, options.growth_tolerance)
    return control, max_steps * dt


def _build_grid(skin, beam, pulse, options, geometry, depth, layers, optics) -> ColumnGrid:
    """The domain (`column_domain`), refused beyond MAX_CELLS cells. Its crater
    estimate takes the least energy per removed volume: the ablation enthalpy plus
    what the ejecta take (`LayerMaterials.ejecta`)."""
    opts = options if depth is None else replace(options, depth=depth)
    grid = column_domain(
        skin,
        beam,
        pulse,
        opts,
        geometry,
        float((layers.h_ablation + layers.ejecta).min()),
        float(layers.mu_a.max()),
        layers.alpha_max,
        _transport_length(optics),
    )
    if grid.nr * grid.nz > MAX_CELLS:
        raise InputError(
            "grid",
            options.grid,
            f"a cell size giving at most {MAX_CELLS} cells (this case needs {grid.nr * grid.nz})",
        )
    return grid


def _solve(skin, beam, pulse, options, geometry, depth, started) -> ColumnResult:
    """One run on a fixed domain (`simulate_column` grows it when the crater or the
    damage reaches its bottom): materials, grid, heat source, the kernel run, then the
    energy balance, fields and summary."""
    constants = thermal_constants()
    t0, t_boil = constants.body_temperature, constants.boiling_point
    layers = layer_materials(skin, beam.wavelength, constants, options.latent_fraction)
    optics = (
        optical_layers(skin, beam.wavelength) if scattering_matters(skin, beam.wavelength) else None
    )
    grid = _build_grid(skin, beam, pulse, options, geometry, depth, layers, optics)
    rows = layer_rows(skin, grid.nz, grid.dz)
    material = row_material(layers, rows, grid.dz)
    dt = stable_time_step(grid, material.k_row, material.rho_c, options.dt_safety)
    source = _heat_source(optics, beam, pulse, grid, geometry, dt, options)
    params = arrhenius_parameters(options.damage_model)
    control, end_time = _run_control(options, pulse, dt, source.step_energy.size)
    damage_every = max(1, int(math.ceil(options.damage_interval / dt)))
    damage = DamageSchedule(
        damage_every,
        *params.arrays(),
        _negligible_damage_temperature(params, options.max_time),
    )
    shape = (grid.nz, grid.nr)
    fields = ColumnFields(
        np.zeros(shape),
        np.zeros(shape, dtype=np.bool_),
        np.full(shape, t0),
        np.full(shape, t0),
        np.zeros(shape),
        np.full(shape, t0),
    )
    row_centres = (np.arange(grid.nz) + 0.5) * grid.dz
    axis = float(beam.spread(0.0))
    spread = np.ones(grid.nz) if geometry == "wide" else beam.spread(row_centres) / axis
    n_hist = control.max_steps // damage_every + 2
    history = History(np.zeros(n_hist), np.zeros(n_hist))
    energy = np.zeros(5)
    pairs = sweep_pairs(source, grid, layers, geometry, pulse.stack)
    run = run_column(
        fields,
        BeamDrive(
            source.step_energy, source.ring_fraction, spread, source.deposition,
            source.deposition_rows,
            # the crater guides the light in a column; a 1-D wide spot has no walls
            wall_optics(skin, layers, rows, beam.wavelength, geometry == "column"),
            geometry == "column",
            pairs,
            layers.dry_share[rows],
            map_below(source.deposition),
        ),
        ColumnGeometry(grid.dr, grid.dz, grid.volume, grid.area_axial, grid.area_radial),
        material,
        body_boundary(constants, grid.lateral_far_field),
        damage,
        control,
        history,
        energy,
        SuperStepping(options.super_step_fraction, *SUPER_STAGES, end_time),
    )
    balance = _energy_balance(source, energy, fields, grid)
    summary = summarise(
        grid, fields.void, fields.omega, fields.peak, t_boil, run[5], balance, geometry,
        time.perf_counter() - started, _removal_rise(material, t0, t_boil),
        _dry_top_share(layers, rows, source), _above_subcutis(skin, rows),
    )
    n_written = run[1]
    dataset = column_fields(
        grid, fields.void, fields.enthalpy, fields.omega, fields.peak,
        fields.temperature_end_of_pulse, history.time[:n_written],
        history.max_temperature[:n_written], params.name, t_boil,
    )
    needs_deeper = _needs_deeper_domain(summary, fields.omega, grid, layers, optics is not None)
    inputs = _inputs_record(
        skin, beam, pulse, grid, layers, dt, params, geometry, source, run, options
    )
    per_pulse = steps_per_pulse(source, pulse.stack)
    inputs |= {"sweep_pairs": pairs, "pulse_steps": per_pulse, "_needs_deeper_domain": needs_deeper}
    dataset.attrs.update(
        {k: v for k, v in inputs.items() if not k.startswith("_") and v is not None}
    )
    return ColumnResult(fields=dataset, summary=summary, geometry=geometry, inputs=inputs)


#: Warming [K] of the row at 90 % of the domain's depth past which a run that outlasted
#: the time its domain was sized for (`grid.domain_time`) is repeated on a deeper one (a
#: numerical setting: session 31's audit found the reference surface pass's 1-D stack
#: coagulating to 205 um by 500 ms on a 383 um domain sized for 20 ms, 224 um on one
#: sized for 500 ms; that row had warmed 4.3 K by 300 ms, 0.0006 K by 20 ms)
BOTTOM_WARMING_K = 1.0


#: The caution of a run whose heat still reached its domain's bottom after the last
#: growth (`simulate_column`; a `max_time` of seconds)
OUTRAN_CAUTION = (
    "the run's heat reached the bottom of its domain after its last growth, where the "
    "body-temperature boundary drew it: the coagulation depth may read short (set a "
    "shorter time after the pulse)"
)


def heat_outran_domain(result: ColumnResult, pulse, options) -> bool:
    """Whether a run went on past the time its domain was sized for (`grid.domain_time`:
    only a run the damage criterion stops can) and its heat reached the domain's bottom:
    the row at 90 % of its depth peaked more than `BOTTOM_WARMING_K` above body
    temperature, so the body-temperature bottom drew heat the tissue below would have
    kept (the row next to it stays near body temperature)."""
    if result.summary.simulated_time <= domain_time(pulse, options) * (1.0 + 1e-9):
        return False
    peak = result.fields["peak_temperature"].values
    probe = np.nan_to_num(peak[int(0.9 * peak.shape[0])], nan=-np.inf)
    return float(probe.max()) > thermal_constants().body_temperature + BOTTOM_WARMING_K


def _needs_deeper_domain(summary, omega, grid, layers, mapped: bool) -> bool:
    """Whether the run must be repeated on a deeper domain: the crater reaches the
    bottom's margin (a few cells, or six absorption lengths for traced rays), damage
    reaches the bottom row, or (a map's source, `mapped`) the light dried cells let on
    leaves past the map's last row with over `DEEPER_TRANSMITTED` of the incident
    energy (`kernels.deposition.deposit_map`)."""
    margin = 4 * grid.dz if mapped else 6.0 / float(layers.mu_a.max()) + 4 * grid.dz
    balance = summary.energy
    return (
        summary.ablation_depth > grid.nz * grid.dz - margin
        or bool(np.any(omega[-1] >= 1.0))
        or (mapped and balance.transmitted > DEEPER_TRANSMITTED * balance.incident)
    )


def _above_subcutis(skin, rows) -> np.ndarray:
    """Whether each row lies in the skin above the subcutis (bool per row)."""
    return np.array([skin.layers[i].name != "subcutis" for i in rows], bool)


def _dry_top_share(layers, rows, source) -> float:
    """Share of the top row's absorption it keeps once boiled dry (`summary.surface_opening`):
    its non-water share where the light is the Monte Carlo map (session 29), 1 for rays."""
    return float(layers.dry_share[rows[0]]) if source.deposition_rows > 0 else 1.0


def _removal_rise(material, t_initial: float, t_boil: float) -> np.ndarray:
    """K from boiled dry to removed, per row: (H_abl - H_dry) / (rho c), with
    H_dry = rho c (T_boil - T0) + latent (`summary.removal_progress`)."""
    h_dry = material.rho_c * (t_boil - t_initial) + material.latent
    return (material.h_ablation - h_dry) / material.rho_c


def _energy_balance(source, energy, fields, grid) -> EnergyBalance:
    """The run's energy terms [J]; stored = sum over tissue cells of H V."""
    stored = float(np.sum(np.where(fields.void, 0.0, fields.enthalpy) * grid.volume[None, :]))
    return EnergyBalance(
        incident=source.incident,
        reflected=source.incident * source.reflectance,
        outside_grid=source.outside,
        ablation=float(energy[0]),
        transmitted=float(energy[1]),
        stored=stored,
        conducted_out=float(energy[2]),
        surface_loss=float(energy[3]),
        perfused=float(energy[4]),
    )


def _inputs_record(
    skin, beam, pulse, grid, layers, dt, params, geometry, source, run, options
) -> dict:
    """What the run was given and did (SI units), kept with its result."""
    steps, _, cell_updates, super_steps, stages, _ = run
    return {
        "wavelength_m": beam.wavelength,
        "spot_diameter_m": beam.spot_diameter,
        "profile": beam.profile,
        "m_squared": beam.m_squared,
        "focal_offset_m": beam.focal_offset,
        "rayleigh_range_m": beam.rayleigh_range,
        "pulse_energy_j": pulse.energy,
        "pulse_duration_s": pulse.duration,
        "pulse_shape": pulse.shape,
        "stack": pulse.stack,
        "pulse_spacing_s": pulse.spacing,
        "site": skin.site,
        "sex": skin.sex,
        "age_years": skin.age,
        "phototype": skin.phototype,
        "grid_m": grid.dz,
        "radial_grid_m": grid.dr,
        "absorption_per_cell": float(layers.mu_a.max() * grid.dz),
        "time_step_s": dt,
        "domain_radius_m": grid.nr * grid.dr,
        "domain_depth_m": grid.nz * grid.dz,
        "damage_model": params.name,
        "geometry": geometry,
        "surface_reflectance": source.reflectance,
        "heat_source": "monte_carlo" if source.deposition_rows > 0 else "beer_lambert",
        "photons": options.photons if source.deposition_rows > 0 else None,
        "steps": int(steps),
        "super_steps": int(super_steps),
        "stage_evaluations": int(steps + stages),
        "cell_updates": int(cell_updates),
    }


def _negligible_damage_temperature(params, horizon: float) -> float:
    """Temperature [C] below which the rate accumulates < 1e-4 Omega over `horizon` [s]."""
    ln_a, ea_over_r, _ = params.arrays()
    # rate(T) * horizon = 1e-4  ->  T = (Ea/R) / (ln A - ln(1e-4 / horizon))
    temps = ea_over_r / (ln_a - math.log(1e-4 / horizon)) - KELVIN_OFFSET
    return float(np.min(temps))
