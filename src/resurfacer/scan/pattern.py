"""Fractional patterns: where the columns go, when they fire, and the bulk heat they leave.

Three jobs, each a plain function of plain SI arguments:

* **Layout**: column positions of one scanner pattern on a square lattice
  (`pattern_positions`), the fraction of surface it treats
  (`coverage_fraction`), its column density (`mtz_per_area`) and the union of
  two passes (`combine_passes`).
* **Scan order and timing**: the order in which the scanner fires the columns
  (`firing_order`, `scan_order`) and when (`firing_times`).
* **Bulk heating**: each column leaves residual heat in the tissue
  (``ColumnResult.fields.residual_enthalpy``). Reduced to a few Gaussian heat
  sources on the column axis (`column_sources`), released when the column is
  done and spread by the heat kernel of a perfused half-space with an
  insulated surface (`bulk_temperature`, kernel in
  ``kernels/superposition.py``), they give the temperature between columns and
  in the deep dermis while the scanner fires (`pattern_heating`). A coarse
  3-D finite-difference solver (`validation_grid_temperature`) exists only to
  check the superposition.

The bulk model is linear: heat from different passes (a surface and a deep
pass) adds, so their temperature rises may be summed.

References
----------
.. [1] H. S. Carslaw and J. C. Jaeger, Conduction of Heat in Solids, 2nd ed.,
   Oxford 1959: instantaneous point source, section 10.2; method of images
   for an insulated plane, section 10.10.
.. [2] H. H. Pennes, "Analysis of tissue and arterial blood temperatures in
   the resting human forearm", J Appl Physiol 1:93-122, 1948.
.. [3] D. Manstein et al., "Fractional photothermolysis: a new concept for
   cutaneous remodeling using microscopic patterns of thermal injury",
   Lasers Surg Med 34:426-438, 2004 (coverage = MTZ density x MTZ area).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.interpolate import RegularGridInterpolator
from scipy.optimize import brentq
from scipy.special import ndtr

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice
from resurfacer.kernels.superposition import superpose
from resurfacer.tissue.skin import Skin

PATTERN_SHAPES = ("square", "hexagon", "line")
SCAN_ORDERS = ("raster", "interlaced", "random")
#: Report thresholds [C] of the bulk-heating summary (set by the project's issue 3:
#: "time above 45 C / 60 C"); they are report settings, not model parameters.
REPORT_THRESHOLDS_C = (45.0, 60.0)
#: Default probe depths below the surface [m].
DEFAULT_PROBE_DEPTHS = (100e-6, 300e-6, 500e-6)
#: Fraction of a column's residual heat that the sources cover; the deeper tail
#: (at most this complement) is lumped into the deepest source.
_SOURCE_ENERGY_EXTENT = 0.999


def _positive(field: str, value, unit: str) -> float:
    """`value` as a finite float > 0, else InputError naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InputError(field, value, f"a number > 0 {unit}".rstrip())
    value = float(value)
    if not (math.isfinite(value) and value > 0.0):
        raise InputError(field, value, f"(0, inf) {unit}".rstrip())
    return value


def _non_negative(field: str, value, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InputError(field, value, f"a number >= 0 {unit}".rstrip())
    value = float(value)
    if not (math.isfinite(value) and value >= 0.0):
        raise InputError(field, value, f"[0, inf) {unit}".rstrip())
    return value


def _fraction(field: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InputError(field, value, "a number in [0, 1]")
    value = float(value)
    if not (0.0 <= value <= 1.0):
        raise InputError(field, value, "[0, 1]")
    return value


# --------------------------------------------------------------------------- layout


def pattern_area(pattern_shape: str, pattern_size: float, spacing: float) -> float:
    """Skin area one pattern treats [m^2].

    Parameters
    ----------
    pattern_shape : str
        ``"square"`` (side `pattern_size`), ``"hexagon"`` (regular, flat to flat
        `pattern_size`) or ``"line"`` (one row of length `pattern_size`).
    pattern_size : float
        Pattern size [m], see `pattern_shape`.
    spacing : float
        Centre-to-centre column spacing [m].

    Returns
    -------
    float
        ``L^2`` (square), ``sqrt(3)/2 L^2`` (hexagon), ``L s`` (line: the strip a
        row of columns stands for when rows are laid side by side at the spacing).
    """
    check_choice("pattern_shape", pattern_shape, PATTERN_SHAPES)
    size = _positive("pattern_size", pattern_size, "m")
    spacing = _positive("spacing", spacing, "m")
    if pattern_shape == "square":
        return size * size
    if pattern_shape == "hexagon":
        return math.sqrt(3.0) / 2.0 * size * size
    return size * spacing


def pattern_positions(
    pattern_shape: str, pattern_size: float, spacing: float
) -> tuple[np.ndarray, np.ndarray]:
    """Column positions of one pattern on a square lattice [m].

    The lattice has pitch `spacing` in x and y; each column stands for one
    lattice cell of area ``spacing^2``. Positions are centred on (0, 0) and
    returned row by row (y, then x increasing), the order a raster scan fires.

    * ``square``: ``n = max(1, round(L / s))`` columns per side, at
      ``(i - (n - 1)/2) s``.
    * ``hexagon``: the lattice points (centred like the square) that fall
      inside a regular hexagon with two horizontal flats, flat to flat ``L``.
      The lattice stays square (a model choice: scanners with hexagonal
      footprints are reported, their inner lattice usually is not).
    * ``line``: ``n = max(1, round(L / s))`` columns along x at y = 0.

    Parameters
    ----------
    pattern_shape : str
        ``"square"``, ``"hexagon"`` or ``"line"``.
    pattern_size : float
        Side (square), flat-to-flat width (hexagon) or length (line) [m].
    spacing : float
        Centre-to-centre spacing [m].

    Returns
    -------
    x, y : numpy.ndarray
        Column centres [m].

    Notes
    -----
    Density reproduced: ``count s^2 / pattern_area`` differs from 1 by the
    edge rounding only; for a square pattern it lies within
    ``(1 +/- s / (2 L))^2``, under 5 % once ``L >= 25 s``.

    Examples
    --------
    >>> x, y = pattern_positions("square", 1e-3, 250e-6)
    >>> x.size
    16
    """
    pattern_area(pattern_shape, pattern_size, spacing)  # validates the arguments
    size, s = float(pattern_size), float(spacing)
    n = max(1, int(round(size / s)))
    offsets = (np.arange(n) - (n - 1) / 2.0) * s
    if pattern_shape == "line":
        return offsets.copy(), np.zeros(n)
    if pattern_shape == "square":
        yy, xx = np.meshgrid(offsets, offsets, indexing="ij")
        return xx.ravel(), yy.ravel()
    # hexagon, flats at y = +/- L/2, corners at x = +/- L/sqrt(3)
    half = size / 2.0
    m = int(math.ceil(size / math.sqrt(3.0) / s)) + 1
    grid = (np.arange(-m, m + 1) + (0.5 if n % 2 == 0 else 0.0)) * s
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    inside = (np.abs(yy) <= half) & (np.abs(yy) + math.sqrt(3.0) * np.abs(xx) <= 2.0 * half)
    return xx[inside], yy[inside]


def coverage_fraction(spot_diameter: float, spacing: float) -> float:
    """Fraction of the skin surface inside at least one column [-].

    Columns of diameter ``d`` on a square lattice of pitch ``s``:

    * ``d <= s``: ``f = pi d^2 / (4 s^2)`` (MTZ density x MTZ area, [3]_);
    * ``s < d < sqrt(2) s``: neighbouring discs overlap in lenses of area
      ``A = 2 R^2 acos(s / 2R) - (s/2) sqrt(4 R^2 - s^2)`` (R = d/2); each cell
      holds one disc and two lenses, no point lies in three discs, so
      ``f = (pi R^2 - 2 A) / s^2`` exactly;
    * ``d >= sqrt(2) s``: every point is covered, ``f = 1``.

    Parameters
    ----------
    spot_diameter : float
        Diameter of the treated zone at the surface [m].
    spacing : float
        Centre-to-centre spacing [m].

    Returns
    -------
    float
        Covered fraction, 0..1.

    Examples
    --------
    >>> round(coverage_fraction(120e-6, 500e-6), 4)
    0.0452
    """
    d = _positive("spot_diameter", spot_diameter, "m")
    s = _positive("spacing", spacing, "m")
    radius = d / 2.0
    if d <= s:
        return math.pi * radius * radius / (s * s)
    if d >= math.sqrt(2.0) * s:
        return 1.0
    lens = 2.0 * radius**2 * math.acos(s / d) - (s / 2.0) * math.sqrt(d * d - s * s)
    return (math.pi * radius**2 - 2.0 * lens) / (s * s)


def mtz_per_area(spacing: float) -> float:
    """Columns (MTZ) per unit area of a square lattice, ``1 / s^2`` [1/m^2].

    Multiply by 1e-4 for MTZ/cm^2.

    Examples
    --------
    >>> round(mtz_per_area(500e-6) * 1e-4)
    400
    """
    s = _positive("spacing", spacing, "m")
    return 1.0 / (s * s)


def spacing_for_coverage(spot_diameter: float, coverage: float) -> float:
    """Lattice spacing [m] at which `coverage_fraction` equals `coverage`.

    ``s = d sqrt(pi / (4 f))`` while the discs do not overlap (f <= pi/4),
    otherwise solved from the lens formula of `coverage_fraction`.

    Parameters
    ----------
    spot_diameter : float
        Column diameter at the surface [m].
    coverage : float
        Target covered fraction, in (0, 1).
    """
    d = _positive("spot_diameter", spot_diameter, "m")
    f = _fraction("coverage", coverage)
    if f <= 0.0 or f >= 1.0:
        raise InputError("coverage", coverage, "(0, 1)")
    if f <= math.pi / 4.0:
        return d * math.sqrt(math.pi / (4.0 * f))
    return brentq(lambda s: coverage_fraction(d, s) - f, d / math.sqrt(2.0) * (1 + 1e-12), d)


def combine_passes(coverage_surface: float, coverage_deep: float) -> float:
    """Fraction of surface treated by either of two passes [-].

    ``f = 1 - (1 - a)(1 - b)``: the two passes are placed independently of
    each other (the scanner does not register the second pattern on the
    first), so a point is missed by both with probability ``(1-a)(1-b)``.

    Parameters
    ----------
    coverage_surface, coverage_deep : float
        Covered fraction of each pass, 0..1.
    """
    a = _fraction("coverage_surface", coverage_surface)
    b = _fraction("coverage_deep", coverage_deep)
    return 1.0 - (1.0 - a) * (1.0 - b)


# --------------------------------------------------------------------------- scan order


def _order_from_lattice(row: np.ndarray, col: np.ndarray, order: str, seed: int) -> np.ndarray:
    n = row.size
    if order == "random":
        return np.random.default_rng(seed).permutation(n)
    raster = np.lexsort((col, row))  # by row, then column
    if order == "raster":
        return raster
    # interlaced: sub-lattice (row even, col even), (even, odd), (odd, even), (odd, odd)
    sub = 2 * (row % 2) + (col % 2)
    return np.lexsort((col, row, sub))


def firing_order(
    n: int, order: str = "raster", columns_per_row: int | None = None, seed: int = 0
) -> np.ndarray:
    """Order in which the scanner fires `n` columns laid out row by row.

    Column ``i`` sits in row ``i // columns_per_row``, column ``i % columns_per_row``
    (the order `pattern_positions` returns for square and line patterns; for a
    hexagon use `scan_order`, which reads the lattice from the positions).

    * ``raster``: row by row, ``0, 1, ..., n-1``.
    * ``interlaced``: every other column of every other row first, then the
      gaps (four sub-lattices: even/even, even/odd, odd/even, odd/odd), so that
      consecutive shots are two pitches apart and heat can spread before the
      neighbours fire. On a line: even columns, then odd.
    * ``random``: a seeded random permutation.

    Parameters
    ----------
    n : int
        Number of columns, >= 1.
    order : str
        ``"raster"``, ``"interlaced"`` or ``"random"``.
    columns_per_row : int, optional
        Row length; default `n` (one row).
    seed : int
        Seed of the random order.

    Returns
    -------
    numpy.ndarray of int
        A permutation of ``range(n)``: entry k is the column fired k-th.

    Examples
    --------
    >>> firing_order(6, "interlaced").tolist()
    [0, 2, 4, 1, 3, 5]
    """
    check_choice("order", order, SCAN_ORDERS)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError("n", n, "an integer >= 1")
    if columns_per_row is None:
        columns_per_row = int(n)
    if (
        isinstance(columns_per_row, bool)
        or not isinstance(columns_per_row, int | np.integer)
        or columns_per_row < 1
    ):
        raise InputError("columns_per_row", columns_per_row, "an integer >= 1")
    index = np.arange(int(n))
    return _order_from_lattice(index // columns_per_row, index % columns_per_row, order, seed)


def scan_order(
    x: np.ndarray, y: np.ndarray, spacing: float, order: str = "raster", seed: int = 0
) -> np.ndarray:
    """`firing_order` for columns given by position (any footprint on the lattice).

    Rows and lattice columns are ``round((y - min y) / s)`` and
    ``round((x - min x) / s)``; the parity of the lattice index (not the index
    within a row) picks the interlaced sub-lattice.
    """
    check_choice("order", order, SCAN_ORDERS)
    s = _positive("spacing", spacing, "m")
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.size < 1 or x.shape != y.shape:
        raise InputError("x", x.shape, "1-D arrays x, y of equal, nonzero length")
    row = np.rint((y - y.min()) / s).astype(np.int64)
    col = np.rint((x - x.min()) / s).astype(np.int64)
    return _order_from_lattice(row, col, order, seed)


def firing_times(
    n: int, repetition_rate_hz: float, pulse_train_duration_s: float = 0.0
) -> np.ndarray:
    """Start time [s] of the k-th shot of a pattern.

    ``t_k = k * max(1 / f_rep, tau_train)``: the scanner fires at the
    repetition rate, but cannot start a column before the previous column's
    pulse train (stacked pulses) has ended.

    Parameters
    ----------
    n : int
        Number of shots, >= 1.
    repetition_rate_hz : float
        Column (shot) repetition rate [Hz], > 0.
    pulse_train_duration_s : float
        Duration of one column's pulse train [s], >= 0.

    Returns
    -------
    numpy.ndarray
        Length n, in firing order (pair with `firing_order`).

    Examples
    --------
    >>> firing_times(3, 250.0).tolist()
    [0.0, 0.004, 0.008]
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError("n", n, "an integer >= 1")
    rate = _positive("repetition_rate_hz", repetition_rate_hz, "Hz")
    train = _non_negative("pulse_train_duration_s", pulse_train_duration_s, "s")
    return np.arange(int(n)) * max(1.0 / rate, train)


# --------------------------------------------------------------------------- bulk heating


@dataclass(frozen=True)
class BulkProperties:
    """Homogeneous tissue of the bulk-heating model (SI).

    Attributes
    ----------
    conductivity : thermal conductivity k [W/(m K)].
    density : rho [kg/m^3].
    heat_capacity : c [J/(kg K)].
    perfusion_rate : w = w_b rho_b c_b / (rho c) [1/s], the Pennes decay rate
        of a temperature rise.
    body_temperature : far-field and initial temperature [C].
    """

    conductivity: float
    density: float
    heat_capacity: float
    perfusion_rate: float
    body_temperature: float

    @property
    def rho_c(self) -> float:
        """Volumetric heat capacity [J/(m^3 K)]."""
        return self.density * self.heat_capacity

    @property
    def diffusivity(self) -> float:
        """Thermal diffusivity k / (rho c) [m^2/s]."""
        return self.conductivity / self.rho_c


def bulk_properties(skin: Skin, layer: str = "reticular_dermis") -> BulkProperties:
    """Effective properties of the bulk-heating half-space: one layer's values.

    The default is the reticular dermis (k = 0.29 W/m/K, rho = 1116 kg/m^3,
    c = 3391 J/kg/K, w_b = 2.1e-3 1/s in ``data/layer_properties.toml``):
    between the columns the stored heat lies mostly in the dermis, and the
    papillary dermis has the same thermal values. The thin epidermis
    (k = 0.21) and the deeper fat are not resolved (a model assumption).

    ``w = w_b rho_b c_b / (rho c)`` with blood values from ``data/thermal.toml``
    (Pennes 1948 [2]_).
    """
    chosen = skin.layer(layer)
    thermal = load_toml("thermal.toml")
    blood = thermal["blood"]
    rho_c = chosen.density * chosen.heat_capacity
    w = chosen.perfusion * blood["density_kg_per_m3"] * blood["heat_capacity_j_per_kg_k"] / rho_c
    return BulkProperties(
        conductivity=chosen.conductivity,
        density=chosen.density,
        heat_capacity=chosen.heat_capacity,
        perfusion_rate=w,
        body_temperature=thermal["body"]["core_temperature_c"],
    )


@dataclass(frozen=True)
class ColumnSources:
    """A column's residual heat as Gaussian sources on its axis (SI).

    Attributes
    ----------
    depth : depth of each source below the surface [m].
    energy : heat of each source [J].
    variance : initial per-axis variance of each Gaussian [m^2] (0: point source).
    release_delay : time from the column's firing to the release of its heat [s]
        (the column solver's simulated time).
    """

    depth: np.ndarray
    energy: np.ndarray
    variance: np.ndarray
    release_delay: float = 0.0

    @property
    def total_energy(self) -> float:
        return float(np.sum(self.energy))


def column_sources(
    residual_enthalpy: np.ndarray,
    z: np.ndarray,
    r: np.ndarray,
    n_sources: int = 5,
    release_delay: float = 0.0,
    point: bool = False,
) -> ColumnSources:
    """Reduce an axisymmetric residual-heat field to a few sources on the axis.

    With cell centres ``z_k``, ``r_j`` (uniform steps dz, dr) and ring volumes
    ``V_j = 2 pi r_j dr dz``, the heat per depth row is
    ``E_k = sum_j H_kj V_j``. Rows are grouped into `n_sources` slabs of equal
    thickness from the surface to the depth that holds 99.9 % of the heat (the
    rest joins the deepest slab). Each slab becomes one source with

    * energy ``Q = sum E_k`` (so the sources hold the whole residual heat),
    * depth: the heat-weighted mean depth of the slab,
    * per-axis variance ``sigma^2 = <r^2> / 2`` (the lateral spread of the slab's
      heat, ``<r^2> = sum H V (r^2 + dr^2/4) / Q``, the ring's exact mean of r^2, taken
      as isotropic), or 0 if `point`.

    Parameters
    ----------
    residual_enthalpy : array (nz, nr)
        Enthalpy above the initial state [J/m^3], 0 in ablated cells.
    z, r : array
        Cell centres in depth and radius [m], uniform spacing.
    n_sources : int
        Number of slabs (1..50); empty slabs are dropped.
    release_delay : float
        Stored in the result (see `ColumnSources`) [s].
    point : bool
        Point sources (variance 0) instead of Gaussians.

    Returns
    -------
    ColumnSources
    """
    h = np.asarray(residual_enthalpy, float)
    z = np.asarray(z, float)
    r = np.asarray(r, float)
    if h.ndim != 2 or h.shape != (z.size, r.size) or z.size < 1 or r.size < 1:
        raise InputError("residual_enthalpy", h.shape, "a 2-D array of shape (len(z), len(r))")
    if isinstance(n_sources, bool) or not isinstance(n_sources, int) or not 1 <= n_sources <= 50:
        raise InputError("n_sources", n_sources, "an integer in [1, 50]")
    delay = _non_negative("release_delay", release_delay, "s")
    dz = float(z[1] - z[0]) if z.size > 1 else 2.0 * float(z[0])
    dr = float(r[1] - r[0]) if r.size > 1 else 2.0 * float(r[0])
    volume = 2.0 * math.pi * r * dr * dz
    row_energy = h @ volume
    row_r2 = h @ (volume * (r * r + dr * dr / 4.0))  # exact <r^2> of each ring
    total = float(np.sum(row_energy))
    if not total > 0.0:
        raise InputError("residual_enthalpy", total, "a field holding positive heat [J]")
    cumulative = np.cumsum(row_energy) / total
    last = int(np.searchsorted(cumulative, _SOURCE_ENERGY_EXTENT))
    extent = z[min(last, z.size - 1)] + dz / 2.0
    slab = np.minimum((z / extent * n_sources).astype(int), n_sources - 1)
    energy = np.bincount(slab, row_energy, n_sources)
    keep = energy > 0.0
    depth = np.bincount(slab, row_energy * z, n_sources)[keep] / energy[keep]
    variance = np.bincount(slab, row_r2, n_sources)[keep] / energy[keep] / 2.0
    if point:
        variance = np.zeros_like(variance)
    return ColumnSources(
        depth=depth,
        energy=energy[keep],
        variance=np.maximum(variance, 0.0),
        release_delay=delay,
    )


def sources_from_column(result, n_sources: int = 5, point: bool = False) -> ColumnSources:
    """`column_sources` of a `resurfacer.column.solve.ColumnResult` (column geometry).

    The heat is released ``result.summary.simulated_time`` after the column
    fires: until then the column solver holds it. Its energies sum to
    ``result.summary.energy.stored``.
    """
    if getattr(result, "geometry", None) != "column":
        raise InputError(
            "result.geometry", getattr(result, "geometry", None), "'column' (a fractional MTZ)"
        )
    fields = result.fields
    return column_sources(
        fields["residual_enthalpy"].values,
        fields["z"].values,
        fields["r"].values,
        n_sources=n_sources,
        release_delay=result.summary.simulated_time,
        point=point,
    )


def _flatten_sources(sources: ColumnSources, positions, fire_times):
    """Per-source arrays (x, y, z, q, s0^2, t_release) over all columns."""
    xy = np.asarray(positions, float)
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 1:
        raise InputError("positions", xy.shape, "an array of shape (n_columns, 2) [m]")
    fire = np.asarray(fire_times, float)
    if fire.shape != (xy.shape[0],) or not np.all(np.isfinite(fire)):
        raise InputError("fire_times", fire.shape, f"{xy.shape[0]} finite times [s]")
    if np.any(np.asarray(sources.depth) < 0.0):
        raise InputError("sources.depth", float(np.min(sources.depth)), "depths >= 0 m")
    n_col, n_src = xy.shape[0], len(sources.energy)
    sx = np.repeat(xy[:, 0], n_src)
    sy = np.repeat(xy[:, 1], n_src)
    sz = np.tile(np.asarray(sources.depth, float), n_col)
    q = np.tile(np.asarray(sources.energy, float), n_col)
    s0sq = np.tile(np.asarray(sources.variance, float), n_col)
    t_release = np.repeat(fire + sources.release_delay, n_src)
    return sx, sy, sz, q, s0sq, t_release


def bulk_temperature_rise(
    sources: ColumnSources,
    positions,
    fire_times,
    probe_points,
    times,
    props: BulkProperties,
) -> np.ndarray:
    """Temperature rise [K] above body temperature from superposed column heat.

    .. math::

        \\Delta T(\\mathbf{x}, t) = \\sum_{i,k} Q_k\\, e^{-w \\tau}
        \\frac{e^{-|\\mathbf{x}-\\mathbf{x}_{ik}|^2 / 2 s^2}
              + e^{-|\\mathbf{x}-\\mathbf{x}''_{ik}|^2 / 2 s^2}}
             {\\rho c\\, (2 \\pi s^2)^{3/2}},
        \\quad s^2 = \\sigma_k^2 + 2 \\alpha \\tau,\\;
        \\tau = t - t_i - t_\\mathrm{delay} \\ge 0,

    summed over columns i (at ``positions[i]``, fired at ``fire_times[i]``) and
    sources k of `sources`; ``x''`` is the image of the source above the
    surface. For sigma = 0 this is the instantaneous point source of a
    semi-infinite solid with an insulated surface (Carslaw & Jaeger 1959 [1]_,
    10.2 and 10.10) with the Pennes perfusion decay ``w = w_b rho_b c_b / (rho c)``
    ([2]_); the Gaussian is the same source observed ``sigma^2 / 2 alpha``
    later, so it solves the same equation.

    Parameters
    ----------
    sources : ColumnSources
        Heat left by one column (the same for every column).
    positions : array (n_columns, 2)
        Column centres (x, y) [m].
    fire_times : array (n_columns,)
        Firing time of each column [s].
    probe_points : array (n_probes, 3)
        (x, y, depth) [m], depth >= 0.
    times : array (n_times,)
        Times [s].
    props : BulkProperties
        Homogeneous half-space (`bulk_properties`).

    Returns
    -------
    numpy.ndarray, shape (n_probes, n_times)
    """
    flat = _flatten_sources(sources, positions, fire_times)
    probes = np.asarray(probe_points, float)
    if probes.ndim != 2 or probes.shape[1] != 3 or np.any(probes[:, 2] < 0.0):
        raise InputError("probe_points", probes.shape, "an array (n, 3) of (x, y, depth>=0) [m]")
    times = np.atleast_1d(np.asarray(times, float))
    return superpose(
        *flat,
        np.ascontiguousarray(probes[:, 0]),
        np.ascontiguousarray(probes[:, 1]),
        np.ascontiguousarray(probes[:, 2]),
        times,
        props.diffusivity,
        props.rho_c,
        props.perfusion_rate,
    )


def bulk_temperature(
    sources: ColumnSources,
    positions,
    fire_times,
    probe_points,
    times,
    props: BulkProperties,
) -> np.ndarray:
    """Tissue temperature [C] at probes x times: body temperature + `bulk_temperature_rise`.

    Same arguments as `bulk_temperature_rise`; returns shape (n_probes, n_times).
    """
    rise = bulk_temperature_rise(sources, positions, fire_times, probe_points, times, props)
    return props.body_temperature + rise


def released_heat(sources: ColumnSources, fire_times, times, props: BulkProperties) -> np.ndarray:
    """Heat the superposition holds at each time [J]: ``sum Q_k exp(-w tau)``, tau >= 0.

    The space integral of ``rho c dT`` over the half-space equals this at any
    time (each kernel and its image integrate to one over z >= 0); the rest has
    been carried off by the blood.
    """
    fire = np.asarray(fire_times, float)
    times = np.atleast_1d(np.asarray(times, float))
    tau = times[:, None] - (fire[None, :] + sources.release_delay)
    decay = np.where(tau >= 0.0, np.exp(-props.perfusion_rate * np.maximum(tau, 0.0)), 0.0)
    return sources.total_energy * decay.sum(axis=1)


def between_column_probes(x, y, spacing: float, depths=DEFAULT_PROBE_DEPTHS) -> np.ndarray:
    """Probe points at the centre of the lattice cell nearest the pattern centre.

    The column nearest the centroid of (x, y) is taken and the probe placed half
    a pitch from it in x and y, halfway between four columns (on a single row:
    half a pitch in x, between two columns), at each of `depths` [m].

    Returns
    -------
    numpy.ndarray, shape (len(depths), 3)
        (x, y, depth) [m].
    """
    s = _positive("spacing", spacing, "m")
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    depths = np.atleast_1d(np.asarray(depths, float))
    if np.any(depths < 0.0):
        raise InputError("depths", float(depths.min()), "depths >= 0 m")
    nearest = int(np.argmin((x - x.mean()) ** 2 + (y - y.mean()) ** 2))
    single_row = np.ptp(y) < 0.5 * s
    px = x[nearest] + s / 2.0
    py = y[nearest] + (0.0 if single_row else s / 2.0)
    return np.column_stack([np.full(depths.size, px), np.full(depths.size, py), depths])


def time_above(temperature: np.ndarray, times: np.ndarray, threshold: float) -> np.ndarray:
    """Time [s] each row of `temperature` spends above `threshold` [C].

    The temperature is taken as piecewise linear between samples; crossings are
    interpolated.
    """
    temp = np.atleast_2d(np.asarray(temperature, float))
    times = np.asarray(times, float)
    a = temp[:, :-1] - threshold
    b = temp[:, 1:] - threshold
    dt = np.diff(times)[None, :]
    both = (a > 0) & (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where((a <= 0) & (b > 0), b / (b - a), 0.0)
        down = np.where((a > 0) & (b <= 0), a / (a - b), 0.0)
    return np.sum(dt * (both + up + down), axis=1)


@dataclass
class PatternHeating:
    """Bulk heating at a set of probes while a pattern fires (SI, temperatures in C).

    Attributes
    ----------
    probe_points : (n_probes, 3) (x, y, depth) [m].
    times : (n_times,) [s] from the first shot.
    temperature : (n_probes, n_times) [C].
    peak_temperature : (n_probes,) [C].
    time_above_45 : (n_probes,) time above 45 C [s].
    time_above_60 : (n_probes,) time above 60 C [s].
    released_energy : residual heat released by all columns [J].
    """

    probe_points: np.ndarray
    times: np.ndarray
    temperature: np.ndarray
    peak_temperature: np.ndarray
    time_above_45: np.ndarray
    time_above_60: np.ndarray
    released_energy: float

    def to_dataset(self) -> xr.Dataset:
        """The probe histories as an xarray Dataset (units in attrs)."""
        probe = np.arange(self.probe_points.shape[0])
        return xr.Dataset(
            {
                "temperature": (("probe", "time"), self.temperature, {"units": "degC"}),
                "peak_temperature": ("probe", self.peak_temperature, {"units": "degC"}),
                "time_above_45c": ("probe", self.time_above_45, {"units": "s"}),
                "time_above_60c": ("probe", self.time_above_60, {"units": "s"}),
            },
            coords={
                "probe": probe,
                "time": ("time", self.times, {"units": "s"}),
                "x": ("probe", self.probe_points[:, 0], {"units": "m"}),
                "y": ("probe", self.probe_points[:, 1], {"units": "m"}),
                "depth": ("probe", self.probe_points[:, 2], {"units": "m"}),
            },
            attrs={"released_energy_j": self.released_energy},
        )


def pattern_heating(
    sources: ColumnSources,
    positions,
    fire_times,
    props: BulkProperties,
    probe_points,
    cooling_time: float = 0.5,
    n_times: int = 501,
) -> PatternHeating:
    """Bulk temperature histories at probes over a pattern and its cooling.

    Times run uniformly from the first shot to the last release plus
    `cooling_time` [s] in `n_times` samples; peaks are the largest sample (the
    rise between columns is smooth on the ~0.1 s diffusion time between
    neighbours, so a ms-scale grid resolves it). See `bulk_temperature`.

    Returns
    -------
    PatternHeating
    """
    cooling = _non_negative("cooling_time", cooling_time, "s")
    if isinstance(n_times, bool) or not isinstance(n_times, int) or n_times < 2:
        raise InputError("n_times", n_times, "an integer >= 2")
    fire = np.asarray(fire_times, float)
    start = float(np.min(fire))
    end = float(np.max(fire)) + sources.release_delay + cooling
    times = np.linspace(start, end, n_times)
    probes = np.asarray(probe_points, float)
    temp = bulk_temperature(sources, positions, fire, probes, times, props)
    return PatternHeating(
        probe_points=probes,
        times=times,
        temperature=temp,
        peak_temperature=temp.max(axis=1),
        time_above_45=time_above(temp, times, REPORT_THRESHOLDS_C[0]),
        time_above_60=time_above(temp, times, REPORT_THRESHOLDS_C[1]),
        released_energy=sources.total_energy * fire.size,
    )


# --------------------------------------------------------------------------- validation grid


def _cell_weights(edges: np.ndarray, centre: float, sigma: float) -> np.ndarray:
    """Fraction of a 1-D Gaussian (mean `centre`, sd `sigma`) in each cell between `edges`."""
    if sigma <= 0.0:
        weights = np.zeros(edges.size - 1)
        idx = np.searchsorted(edges, centre, side="right") - 1
        if 0 <= idx < weights.size:
            weights[idx] = 1.0
        return weights
    return np.diff(ndtr((edges - centre) / sigma))


def validation_grid_temperature(
    sources: ColumnSources,
    positions,
    fire_times,
    probe_points,
    times,
    props: BulkProperties,
    cell: float = 20e-6,
    margin: float = 600e-6,
    depth: float = 1.5e-3,
    dt_safety: float = 0.9,
) -> np.ndarray:
    """Same answer as `bulk_temperature`, from a coarse 3-D explicit grid (validation only).

    Solves ``rho c dT/dt = k lap T - w rho c (T - T_body)`` on a box of cubic cells
    of side `cell` covering the columns plus `margin` on each side and
    `depth` deep: insulated top (zero flux at z = 0), body temperature at the
    sides and bottom (a ghost layer one cell outside held at T_body), explicit
    7-point steps at `dt_safety` of the stability limit ``dt = h^2 / (6 alpha + w h^2)``.

    Time steps end on every release time; a source enters then as its Gaussian
    (with its surface image; if the first requested time is later than the
    release, as the analytic blob it has become by then: variance
    ``sigma^2 + 2 alpha tau``, decay ``exp(-w tau)``), integrated exactly over
    the cells (products of normal-CDF differences), so a source narrower than a
    cell is still placed without loss. Probe temperatures are interpolated trilinearly
    between cell centres. Slow (pure NumPy) and meant for small cases: tests
    compare it with the superposition.

    Returns
    -------
    numpy.ndarray, shape (n_probes, n_times), temperature [C].
    """
    h = _positive("cell", cell, "m")
    margin = _positive("margin", margin, "m")
    depth = _positive("depth", depth, "m")
    flat = _flatten_sources(sources, positions, fire_times)
    sx, sy, sz, q, s0sq, t_release = flat
    xy = np.asarray(positions, float)
    probes = np.asarray(probe_points, float)
    times = np.atleast_1d(np.asarray(times, float))
    if np.any(np.diff(times) <= 0.0):
        raise InputError("times", times.tolist()[:5], "strictly increasing times [s]")
    lo = xy.min(axis=0) - margin
    hi = xy.max(axis=0) + margin
    nx = int(math.ceil((hi[0] - lo[0]) / h))
    ny = int(math.ceil((hi[1] - lo[1]) / h))
    nz = int(math.ceil(depth / h))
    if nx * ny * nz > 4_000_000:
        raise InputError("cell", h, f"a grid of at most 4e6 cells (got {nx * ny * nz})")
    xe = lo[0] + np.arange(nx + 1) * h
    ye = lo[1] + np.arange(ny + 1) * h
    ze = np.arange(nz + 1) * h
    alpha, rho_c, w = props.diffusivity, props.rho_c, props.perfusion_rate
    dt_max = dt_safety * h * h / (6.0 * alpha + w * h * h)

    temp = np.zeros((nx, ny, nz))  # rise above body temperature
    padded = np.zeros((nx + 2, ny + 2, nz + 2))
    pending = np.argsort(t_release, kind="stable")
    next_src = 0

    def add_released(now):
        nonlocal next_src
        while next_src < pending.size and t_release[pending[next_src]] <= now + 1e-15:
            i = pending[next_src]
            tau = max(now - t_release[i], 0.0)
            sigma = math.sqrt(s0sq[i] + 2.0 * alpha * tau)
            wz = _cell_weights(ze, sz[i], sigma) + _cell_weights(ze, -sz[i], sigma)
            wx = _cell_weights(xe, sx[i], sigma)
            wy = _cell_weights(ye, sy[i], sigma)
            amount = q[i] * math.exp(-w * tau) / (rho_c * h**3)
            temp[...] += amount * wx[:, None, None] * wy[None, :, None] * wz[None, None, :]
            next_src += 1

    def step(dt):
        padded[1:-1, 1:-1, 1:-1] = temp
        padded[1:-1, 1:-1, 0] = temp[:, :, 0]  # insulated top: mirror ghost
        c = alpha * dt / (h * h)
        lap = (
            padded[2:, 1:-1, 1:-1]
            + padded[:-2, 1:-1, 1:-1]
            + padded[1:-1, 2:, 1:-1]
            + padded[1:-1, :-2, 1:-1]
            + padded[1:-1, 1:-1, 2:]
            + padded[1:-1, 1:-1, :-2]
            - 6.0 * temp
        )
        temp[...] = temp * (1.0 - w * dt) + c * lap

    centres = (
        (xe[:-1] + xe[1:]) / 2.0,
        (ye[:-1] + ye[1:]) / 2.0,
        (ze[:-1] + ze[1:]) / 2.0,
    )
    out = np.zeros((probes.shape[0], times.size))
    now = min(float(times[0]), float(t_release.min()))
    add_released(now)
    for k, target in enumerate(times):
        while now < target - 1e-15:
            # stop at the next release so sources enter on time
            upcoming = t_release[pending[next_src]] if next_src < pending.size else np.inf
            stop = min(target, upcoming) if upcoming > now else target
            n_steps = max(1, int(math.ceil((stop - now) / dt_max - 1e-9)))
            dt = (stop - now) / n_steps
            for _ in range(n_steps):
                step(dt)
            now = stop
            add_released(now)
        interp = RegularGridInterpolator(centres, temp, bounds_error=False, fill_value=None)
        out[:, k] = interp(probes)
    return props.body_temperature + out
