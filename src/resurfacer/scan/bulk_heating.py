"""Bulk heating of a scanned pattern: each column leaves residual heat in the tissue
(``ColumnResult.fields.residual_enthalpy``). Reduced to a few Gaussian heat sources
on the column axis (`column_sources`), released when the column is done and spread
by the heat kernel of a perfused half-space with an insulated surface
(`bulk_temperature`, kernel in ``kernels/superposition.py``), they give the
temperature between columns and in the deep dermis while the scanner fires
(`pattern_heating`). A coarse 3-D finite-difference solver in
``tests/support/grid_solver.py`` checks the superposition. Each pattern reports its
energy balance: the heat released against the heat the kernels hold (`held_heat`, a
quadrature of the same kernels) plus the heat the blood carried off.

The model is linear: heat from different passes (a surface and a deep pass) adds,
so their temperature rises may be summed. `pattern_heating` does so: the earlier
passes' patterns on the same area (`EarlierPattern`, their columns fired at negative
times on the later pattern's clock) are superposed with the pattern's own columns at
its probes, so a pass starts from the heat the earlier passes left. Where the earlier
lattice lies against the later probes is unknown (the scanner is set down anew), so
the earlier columns enter averaged over a uniform offset within their lattice cell
(`EarlierPattern`).

References
----------
.. [1] H. S. Carslaw and J. C. Jaeger, Conduction of Heat in Solids, 2nd ed.,
   Oxford 1959: instantaneous point source, section 10.2; method of images
   for an insulated plane, section 10.10.
.. [2] H. H. Pennes, "Analysis of tissue and arterial blood temperatures in
   the resting human forearm", J Appl Physiol 1:93-122, 1948.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_non_negative, check_positive
from resurfacer.kernels.superposition import superpose
from resurfacer.scan.pattern import centre_index
from resurfacer.tissue.skin import Skin

#: Report thresholds [C] of the bulk-heating summary (set by the project's issue 3:
#: "time above 45 C / 60 C"); they are report settings, not model parameters.
REPORT_THRESHOLDS_C = (45.0, 60.0)
#: Default probe depths below the surface [m].
DEFAULT_PROBE_DEPTHS = (100e-6, 300e-6, 500e-6)
#: Fraction of a column's residual heat that the sources cover; the deeper tail
#: (at most this complement) is lumped into the deepest source.
_SOURCE_ENERGY_EXTENT = 0.999
#: Quadrature of `held_heat`: kernels whose widths lie within this ratio share one rule,
#: integrated with this many Gauss-Laguerre nodes in r^2 and down to this many widths
#: below the deepest source (error analysis in `held_heat`).
_HELD_WIDTH_RATIO = 1.3
_HELD_RADIAL_NODES = 5
_HELD_DEPTH_WIDTHS = 6.5
#: ... and cell-averaged kernels (`EarlierPattern`) on a lateral grid of this many steps
#: per narrowest width (error analysis in `held_heat`).
_HELD_CELL_STEPS = 1.1

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
    c = 3391 J/kg/K, w_b = 2.0e-3 1/s in ``data/layer_properties.toml``):
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
    delay = check_non_negative("release_delay", release_delay, "s")
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


def flatten_sources(sources: ColumnSources, positions, fire_times):
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


@dataclass(frozen=True)
class EarlierPattern:
    """An earlier pass's scanner pattern on the same area, on a later pattern's clock (SI).

    Its columns enter the later pattern's sum averaged over its lattice `cell`: a
    hand-held scanner is set down anew for each pass, so where the earlier lattice lies
    against the later pattern's probes is unknown and random, and the heat to expect at
    a probe is the earlier columns' heat averaged over a uniform offset of their lattice.
    Offsets one lattice vector apart place the same lattice, so one cell's worth of
    offsets spans them. Averaged over an offset u uniform on the cell
    ``[-p_x/2, p_x/2] x [-p_y/2, p_y/2]``, a column's Gaussian term (lateral variance
    s^2) keeps its depth factor and decay, and its lateral factor becomes

    .. math::

        \\frac{1}{p_x p_y}\\int_\\mathrm{cell} \\frac{e^{-|\\mathbf{d}-\\mathbf{u}|^2/2s^2}}
            {2\\pi s^2}\\, d^2u = X(d_x)\\, Y(d_y),\\quad
        X(d) = \\frac{1}{4a}\\left[\\mathrm{erf}\\frac{d + a}{\\sqrt{2}\\, s}
            - \\mathrm{erf}\\frac{d - a}{\\sqrt{2}\\, s}\\right]\\ [1/\\mathrm{m}],

    a = p_x / 2 (Y likewise with b = p_y / 2): the Gaussian convolved with the cell's
    box (kernel: ``kernels/superposition.py``). Each is a mean of solutions of the heat
    equation (Carslaw & Jaeger 1959 [1]_, 10.2), so it solves it, and it holds the
    source's heat (X and Y integrate to one): the energy balance is unchanged.

    The cell. For the infinite lattice every fundamental cell C gives the same average,
    the periodic mean: the cells ``C + x_i`` tile the plane at any offset, so
    ``sum_i (1/|C|) int_{C + x_i} G(x - v) dv = (1/|C|) int G``, whatever the registration.
    For a finite pattern the choice shows at its edge only; the cell centred on each
    column keeps the column's mean position where the scanner put it. `pattern_positions`
    lays every pattern (the hexagonal footprint too) on a square lattice of pitch p, whose
    cell centred on a column is the p x p square. A hexagonal lattice (rows sqrt(3)/2 p
    apart, every other row shifted p/2) would take the rectangle p x sqrt(3)/2 p centred
    on each column: of the cell's area, it tiles the plane under the lattice's
    translations (a brick wall), and keeps the product form. The columns were released
    at different times, so neighbouring cells carry kernels of different widths: the sum
    is then independent of the registration only as far as neighbouring kernels agree
    (which column's cell holds a probe still depends on the registration while the newest
    columns' heat has not spread over a cell; docs/pattern.md gives the measured spread).

    Attributes
    ----------
    sources : ColumnSources
        Heat left by each of its columns.
    positions : array (n_columns, 2)
        Its column centres (x, y) [m], in the later pattern's frame (both patterns are
        centred on the same point of the area).
    fire_times : array (n_columns,)
        Firing time of each column [s] on the later pattern's clock (its first shot at 0):
        negative for a pass fired before it.
    cell : (p_x, p_y)
        Sides [m] of the lattice cell its columns are averaged over, centred on each
        column: (p, p) for the square lattice of pitch p. A side of 0 averages nothing
        in that direction (a registration known there: the columns stay Gaussians).
    """

    sources: ColumnSources
    positions: np.ndarray
    fire_times: np.ndarray
    cell: tuple[float, float]

    def __post_init__(self):
        cell = self.cell
        if isinstance(cell, str) or not hasattr(cell, "__len__") or len(cell) != 2:
            raise InputError("cell", cell, "two cell sides (p_x, p_y) >= 0 [m]")
        sides = tuple(check_non_negative(f"cell[{k}]", v, "m") for k, v in enumerate(cell))
        object.__setattr__(self, "cell", sides)


def _concatenate(parts):
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _with_cell(flat, cell=(0.0, 0.0)):
    """`flatten_sources`' arrays and the half-widths (p_x / 2, p_y / 2) [m] of the cell
    each source is averaged over (0: a Gaussian source)."""
    n = flat[0].size
    return (*flat, np.full(n, cell[0] / 2.0), np.full(n, cell[1] / 2.0))


def _flatten_earlier(earlier):
    """`flatten_sources` of `EarlierPattern` s with their cells' half-widths (`_with_cell`),
    concatenated (at least one)."""
    return _concatenate(
        [_with_cell(flatten_sources(e.sources, e.positions, e.fire_times), e.cell) for e in earlier]
    )


def _flatten_all(sources: ColumnSources, positions, fire_times, earlier=()):
    """`_with_cell` arrays of a pattern (its own columns Gaussian) and of its `earlier`
    patterns (averaged over their cells), concatenated."""
    own = _with_cell(flatten_sources(sources, positions, fire_times))
    return _concatenate([own, _flatten_earlier(earlier)]) if earlier else own


def _rise(flat, probe_points, times, props: BulkProperties) -> np.ndarray:
    """`bulk_temperature_rise` of flattened sources (`_flatten_all`) [K]."""
    probes = np.asarray(probe_points, float)
    if probes.ndim != 2 or probes.shape[1] != 3 or np.any(probes[:, 2] < 0.0):
        raise InputError("probe_points", probes.shape, "an array (n, 3) of (x, y, depth>=0) [m]")
    times = np.atleast_1d(np.asarray(times, float))
    # a numba dispatcher: its signature is the kernel's, which mypy does not see
    return superpose(  # type: ignore[call-arg]
        *flat,
        np.ascontiguousarray(probes[:, 0]),
        np.ascontiguousarray(probes[:, 1]),
        np.ascontiguousarray(probes[:, 2]),
        times,
        props.diffusivity,
        props.rho_c,
        props.perfusion_rate,
    )


def bulk_temperature_rise(
    sources: ColumnSources,
    positions,
    fire_times,
    probe_points,
    times,
    props: BulkProperties,
    earlier=(),
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
    earlier : sequence of EarlierPattern
        Patterns of earlier passes on the same place, their terms added to the sum
        (the equation is linear, so their rises add), each column's lateral Gaussian
        averaged over its lattice cell (`EarlierPattern`).

    Returns
    -------
    numpy.ndarray, shape (n_probes, n_times)
    """
    flat = _flatten_all(sources, positions, fire_times, earlier)
    return _rise(flat, probe_points, times, props)


def bulk_temperature(
    sources: ColumnSources,
    positions,
    fire_times,
    probe_points,
    times,
    props: BulkProperties,
    earlier=(),
) -> np.ndarray:
    """Tissue temperature [C] at probes x times: body temperature + `bulk_temperature_rise`.

    Same arguments as `bulk_temperature_rise`; returns shape (n_probes, n_times).
    """
    rise = bulk_temperature_rise(
        sources, positions, fire_times, probe_points, times, props, earlier
    )
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


def held_heat(
    sources: ColumnSources,
    positions,
    fire_times,
    time: float,
    props: BulkProperties,
    earlier=(),
) -> float:
    """Heat the superposed kernels hold in the half-space at `time` [J], by quadrature.

    .. math::

        E_\\mathrm{held}(t) = \\rho c \\int_{z \\ge 0}\\int\\!\\!\\int \\Delta T\\,
        dx\\, dy\\, dz = \\rho c \\sum_{i,k} \\int_0^\\infty \\pi \\int_0^\\infty
        \\Delta T_{ik}(r = \\sqrt{u}, z, t)\\, du\\, dz,

    ``Delta T_ik`` being the term of column i and source k in `bulk_temperature_rise`,
    evaluated by the same kernel (``kernels/superposition.superpose``, image included).
    Each term's integral over the laterally infinite half-space does not depend on where
    its column lies, so every column is put on one axis (x = y = 0). Kernels are grouped
    so that their widths s (``s^2 = sigma^2 + 2 alpha tau``) lie within a ratio 1.3,
    s_lo..s_hi, and the Gaussian and the cell-averaged ones (`EarlierPattern`) apart;
    per group:

    * Gaussian kernels, symmetric about the axis, in u = r^2: 5-node Gauss-Laguerre rule
      scaled by ``c = 2 s_lo s_hi`` (exact for a Gaussian of width sqrt(s_lo s_hi));
      relative error below 7e-9 for widths within 1.3;
    * cell-averaged kernels, even in x and in y, on the midpoints of a uniform grid of
      step h <= s_lo / 1.1 over the quadrant x, y >= 0 out to the largest half-width
      plus 6.5 s_hi (mirrored: weight 4 h_x h_y). Sampled at the midpoints of the whole
      line, X integrates with error ``sum_{m != 0} |X^(2 pi m / h)| <= 2 exp(-2 pi^2
      s^2 / h^2)`` <= 9e-11 (its Fourier transform ``X^(k) = sin(k a) / (k a)
      exp(-k^2 s^2 / 2)`` is at most the Gaussian's), cut tail < 1e-10; likewise Y;
    * z: midpoint rule from the surface to ``z_max + 6.5 s_hi`` with a step h <= s_lo.
      A kernel and its image, sampled at the midpoints of z >= 0, are one Gaussian
      sampled on a uniform grid of the whole line: error ``2 exp(-2 pi^2 s^2 / h^2)``
      <= 6e-9, cut tail < 1e-10.

    Exactly, this is ``sum Q exp(-w tau)`` (`released_heat`): each kernel and its image
    integrate to one over z >= 0 (Carslaw & Jaeger 1959 [1]_, 10.10), and the cell
    average keeps the lateral integral. A point source released at `time` itself (s = 0)
    is a delta the kernel does not sample; its heat is counted whole. Sources released
    after `time` hold nothing. The columns of `earlier` patterns (`EarlierPattern`) are
    summed with the pattern's own.
    """
    return _held(_flatten_all(sources, positions, fire_times, earlier), time, props)


def _held(flat, time: float, props: BulkProperties) -> float:
    """`held_heat` of flattened sources (`_flatten_all`) [J]."""
    _, _, _, q, s0sq, t_release, ax, ay = flat
    t = float(time)
    tau = t - t_release
    released = tau >= 0.0
    s2 = s0sq + 2.0 * props.diffusivity * np.maximum(tau, 0.0)
    spread = np.flatnonzero(released & (s2 > 0.0))
    held = float(np.sum(q[released & (s2 <= 0.0)]))
    if spread.size == 0:
        return held
    width = np.sqrt(s2[spread])
    group = np.floor(np.log(width / width.min()) / math.log(_HELD_WIDTH_RATIO)).astype(int)
    averaged = (ax[spread] > 0.0) | (ay[spread] > 0.0)
    for g in np.unique(group):
        for cells in (False, True):
            mine = (group == g) & (averaged == cells)
            if np.any(mine):
                lo, hi = float(width[mine].min()), float(width[mine].max())
                held += _held_group(flat, spread[mine], lo, hi, t, props)
    return held


def _held_group(flat, pick, lo: float, hi: float, t: float, props: BulkProperties) -> float:
    """rho c times the integral over the half-space of the kernels `pick` of `flat`, of
    widths lo..hi [m], all Gaussian or all cell-averaged, put on the axis x = y = 0 [J]
    (the rules of `held_heat`)."""
    _, _, sz, q, s0sq, t_release, ax, ay = flat
    bottom = float(np.max(sz[pick])) + _HELD_DEPTH_WIDTHS * hi
    m = math.ceil(bottom / lo)
    z = (np.arange(m) + 0.5) * (bottom / m)
    if np.any(ax[pick] > 0.0) or np.any(ay[pick] > 0.0):
        x, wx = _mirrored_midpoints(float(np.max(ax[pick])) + _HELD_DEPTH_WIDTHS * hi, lo)
        y, wy = _mirrored_midpoints(float(np.max(ay[pick])) + _HELD_DEPTH_WIDTHS * hi, lo)
        xx, yy = (g.ravel() for g in np.meshgrid(x, y, indexing="ij"))
        lateral = np.outer(wx, wy).ravel()
    else:
        c = 2.0 * lo * hi
        nodes, weights = np.polynomial.laguerre.laggauss(_HELD_RADIAL_NODES)
        xx, yy = np.sqrt(c * nodes), np.zeros(nodes.size)
        lateral = math.pi * c * weights * np.exp(nodes)
    cell = np.repeat(lateral * (bottom / m), m)
    axis = np.zeros(pick.size)
    # a numba dispatcher: its signature is the kernel's, which mypy does not see
    rise = superpose(  # type: ignore[call-arg]
        axis, axis, sz[pick], q[pick], s0sq[pick], t_release[pick], ax[pick], ay[pick],
        np.repeat(xx, m), np.repeat(yy, m), np.tile(z, xx.size), np.array([t]),
        props.diffusivity, props.rho_c, props.perfusion_rate,
    )  # fmt: skip
    return props.rho_c * float(cell @ rise[:, 0])


def _mirrored_midpoints(extent: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints x > 0 of a uniform grid of step h <= width / 1.1 on [0, extent] [m] and
    their weights 2h (each stands for itself and its mirror -x)."""
    n = math.ceil(extent * _HELD_CELL_STEPS / width)
    h = extent / n
    return (np.arange(n) + 0.5) * h, np.full(n, 2.0 * h)


def between_column_probes(x, y, spacing: float, depths=DEFAULT_PROBE_DEPTHS) -> np.ndarray:
    """Probe points at the centre of the lattice cell nearest the pattern centre.

    The column nearest the centroid of (x, y) is taken (`pattern.centre_index`, the
    first of tied columns, as the random scan order counts from it) and the probe placed half
    a pitch from it in x and y, halfway between four columns (on a single row:
    half a pitch in x, between two columns), at each of `depths` [m].

    Returns
    -------
    numpy.ndarray, shape (len(depths), 3)
        (x, y, depth) [m].
    """
    s = check_positive("spacing", spacing, "m")
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    depths = np.atleast_1d(np.asarray(depths, float))
    if np.any(depths < 0.0):
        raise InputError("depths", float(depths.min()), "depths >= 0 m")
    nearest = centre_index(x, y, s)
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
    released_energy : residual heat released by all columns by the last time [J], the
        earlier passes' (`pattern_heating`'s ``earlier``) included.
    earlier_energy : the part of `released_energy` released by the earlier passes [J].
    held_energy : heat the superposed field holds at the last time [J]: rho c Delta T
        integrated over the half-space by quadrature of the solver's own kernel
        (`held_heat`).
    perfused_energy : heat the blood carried off by the last time [J]: the Pennes sink
        w rho c Delta T integrated over space and time, ``sum Q (1 - exp(-w tau))``.
    energy_balance_error : relative residual of the energy balance at the last time [1]:
        ``|released - held - perfused| / released``. The surface is insulated and the
        half-space unbounded, so nothing else leaves; the residual measures the kernel's
        normalisation, image and decay (quadrature error below 1e-8).
    """

    probe_points: np.ndarray
    times: np.ndarray
    temperature: np.ndarray
    peak_temperature: np.ndarray
    time_above_45: np.ndarray
    time_above_60: np.ndarray
    released_energy: float
    earlier_energy: float
    held_energy: float
    perfused_energy: float
    energy_balance_error: float

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
            attrs={
                "released_energy_j": self.released_energy,
                "earlier_energy_j": self.earlier_energy,
                "held_energy_j": self.held_energy,
                "perfused_energy_j": self.perfused_energy,
                "energy_balance_error": self.energy_balance_error,
            },
        )


def pattern_heating(
    sources: ColumnSources,
    positions,
    fire_times,
    props: BulkProperties,
    probe_points,
    cooling_time: float = 0.5,
    n_times: int = 501,
    earlier=(),
    own: PatternHeating | None = None,
) -> PatternHeating:
    """Bulk temperature histories at probes over a pattern and its cooling.

    Times run uniformly from the pattern's first shot to the last release (its own
    columns' or an earlier pattern's) plus `cooling_time` [s] in `n_times` samples;
    peaks are the largest sample (the rise between columns is smooth on the ~0.1 s
    diffusion time between neighbours, so a ms-scale grid resolves it). See
    `bulk_temperature`.

    `earlier` (`EarlierPattern`, fire times on this pattern's clock, negative before its
    first shot) are the patterns of earlier passes on the same place. The field is
    linear in the released heat, so the temperature at the probes is the sum of the
    pattern's own Green's-function terms and theirs at the same points and times:

    .. math::

        T(\\mathbf{x}_p, t) = T_\\mathrm{body} + \\Delta T_\\mathrm{own}(\\mathbf{x}_p, t)
            + \\sum_{j\\,\\mathrm{earlier}} \\Delta T_j(\\mathbf{x}_p, t),

    each term `bulk_temperature_rise` of that pattern's columns at their own firing
    times, each column averaged over its lattice cell (the registration of the two
    lattices is unknown; `EarlierPattern`): a pass starts from the heat the earlier ones
    left, and the sooner it follows them the more of it is left.

    Energy balance at the last time t_end (``PatternHeating.energy_balance_error``),
    every column released by then (the earlier patterns' included)::

        released = held + perfused,   released = sum_{i,k} Q_k,
        held = rho c int Delta T dV (`held_heat`),
        perfused = sum_{i,k} Q_k (1 - exp(-w tau_i)),   tau_i = t_end - t_i - t_delay.

    `own`, the heating of the same pattern (same arguments) without `earlier`, saves the
    pattern's own terms where its times are these (the earlier patterns end by its last
    time): only the earlier patterns' terms are summed, at the probes and for the held
    heat (both linear in the sources). Several histories of one pattern (areas of one
    site treated at the same settings, of other sizes) share its own terms.

    Returns
    -------
    PatternHeating
    """
    cooling = check_non_negative("cooling_time", cooling_time, "s")
    if isinstance(n_times, bool) or not isinstance(n_times, int) or n_times < 2:
        raise InputError("n_times", n_times, "an integer >= 2")
    fire = np.asarray(fire_times, float)
    earlier = tuple(earlier)
    _, _, _, q, _, t_release, _, _ = _flatten_all(sources, positions, fire, earlier)
    start = float(np.min(fire))
    end = float(np.max(t_release)) + cooling
    times = np.linspace(start, end, n_times)
    probes = np.asarray(probe_points, float)
    if (
        earlier
        and own is not None
        and np.array_equal(own.times, times)
        and np.array_equal(own.probe_points, probes)
    ):
        flat = _flatten_earlier(earlier)
        temp = own.temperature + _rise(flat, probes, times, props)
        held = own.held_energy + _held(flat, end, props)
    else:
        temp = bulk_temperature(sources, positions, fire, probes, times, props, earlier)
        held = held_heat(sources, positions, fire, end, props, earlier)
    tau = end - t_release  # >= 0: every column is released by t_end
    released = float(np.sum(q))
    perfused = -float(np.sum(q * np.expm1(-props.perfusion_rate * tau)))
    return PatternHeating(
        probe_points=probes,
        times=times,
        temperature=temp,
        peak_temperature=temp.max(axis=1),
        time_above_45=time_above(temp, times, REPORT_THRESHOLDS_C[0]),
        time_above_60=time_above(temp, times, REPORT_THRESHOLDS_C[1]),
        released_energy=released,
        earlier_energy=float(np.sum(q[fire.size * len(sources.energy) :])),
        held_energy=held,
        perfused_energy=perfused,
        energy_balance_error=abs(released - held - perfused) / released if released else 0.0,
    )


# --------------------------------------------------------------------------- validation grid


