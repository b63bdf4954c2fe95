"""The column's uniform r-z grid: cell sizes, extent, and the explicit time step."""

import math
from dataclasses import dataclass

import numpy as np

from resurfacer.column.options import SolverOptions
from resurfacer.laser.beam import Beam
from resurfacer.tissue.skin import Skin

#: most cells a column grid may have (memory and time bound)
MAX_CELLS = 3_000_000
WIDE_BEAM_DIAMETER = 1e-3  # m: spots at least this wide are solved as 1-D stacks
WIDE_BEAM_RINGS = 2  # cells across the 1-D stack (radial direction is insulated)


@dataclass
class ColumnGrid:
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

def choose_geometry(beam: Beam, options: SolverOptions) -> str:
    if options.geometry != "auto":
        return options.geometry
    wide = beam.profile == "tophat" and beam.spot_diameter >= WIDE_BEAM_DIAMETER
    return "wide" if wide else "column"

def layer_rows(skin: Skin, nz: int, dz: float) -> np.ndarray:
    """Index of the layer holding each row's centre."""
    centres = (np.arange(nz) + 0.5) * dz
    bounds = skin.layer_boundaries()
    return np.clip(np.searchsorted(bounds, centres, side="right") - 1, 0, len(skin.layers) - 1)

def stable_time_step(grid: ColumnGrid, k_row, rho_c_row, safety: float) -> float:
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

#: Time after the pulse a run without `after_pulse` is expected to stop by [s] (its damage
#: criterion), for which `column_domain` sizes the heat's spread
EXPECTED_STOP_AFTER_PULSE = 0.02


def domain_time(pulse, options) -> float:
    """The simulated time [s] `column_domain` sizes the heat's spread for: the train
    and `after_pulse`, or `EXPECTED_STOP_AFTER_PULSE` where the damage criterion stops
    the run (`column.solve.simulate_column` grows the domain where a run outlasts it and
    its heat reaches the bottom)."""
    after = options.after_pulse if options.after_pulse is not None else EXPECTED_STOP_AFTER_PULSE
    return pulse.end_time + after


def column_domain(
    skin, beam, pulse, options, geometry, h_ablation_min, mu_a_min, alpha_max, transport_length=None
):
    """Grid for this beam and pulse: wide enough for the beam and the heat it spreads.

    `transport_length` [m] (photon-transport sources): the light's own spread,
    taken as several effective attenuation lengths, sets the extent instead of
    the crater estimate.
    """
    dx = options.grid
    diffusion = 2.0 * math.sqrt(alpha_max * domain_time(pulse, options))
    # the beam as it meets the skin: wider than its waist when focused above or below it
    at_skin = beam.radius * float(beam.spread(0.0))
    beam_extent = 2.63 * at_skin if beam.profile == "gaussian" else at_skin
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
    return ColumnGrid(dr, dx, nr, nz, lateral_far_field=(geometry == "column"))
