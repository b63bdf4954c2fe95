"""Fractional patterns: where the columns go and when they fire.

Two jobs, each a plain function of plain SI arguments (the bulk heat the columns
leave is `resurfacer.scan.bulk_heating`):

* **Layout**: column positions of one scanner pattern on a square lattice
  (`pattern_positions`), the fraction of surface it treats
  (`coverage_fraction`), its column density (`mtz_per_area`) and the union of
  two passes (`combine_passes`).
* **Scan order and timing**: the order in which the scanner fires the columns
  (`firing_order`, `scan_order`) and when (`firing_times`).
References
----------
.. [1] D. Manstein et al., "Fractional photothermolysis: a new concept for
   cutaneous remodeling using microscopic patterns of thermal injury",
   Lasers Surg Med 34:426-438, 2004 (coverage = MTZ density x MTZ area; here the
   area is the nominal 1/e^2 spot disc, not the lesion, which is wider: see
   docs/pattern.md, Layout).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from resurfacer.errors import (
    InputError,
    check_choice,
    check_fraction,
    check_non_negative,
    check_positive,
)

PATTERN_SHAPES = ("square", "hexagon", "line")
SCAN_ORDERS = ("raster", "interlaced", "random")


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
    size = check_positive("pattern_size", pattern_size, "m")
    spacing = check_positive("spacing", spacing, "m")
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

    * ``d <= s``: ``f = pi d^2 / (4 s^2)`` (MTZ density x MTZ area, [3]_, with the
      area of whatever disc ``d`` is: a pass's density takes the 1/e^2 spot);
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
    d = check_positive("spot_diameter", spot_diameter, "m")
    s = check_positive("spacing", spacing, "m")
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
    s = check_positive("spacing", spacing, "m")
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
    d = check_positive("spot_diameter", spot_diameter, "m")
    f = check_fraction("coverage", coverage)
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
    a = check_fraction("coverage_surface", coverage_surface)
    b = check_fraction("coverage_deep", coverage_deep)
    return 1.0 - (1.0 - a) * (1.0 - b)


# --------------------------------------------------------------------------- scan order


def centre_index(x: np.ndarray, y: np.ndarray, spacing: float) -> int:
    """Index of the column nearest the centroid of (x, y); of columns tied for it (an
    even number of rows or columns), the first. Distances are compared in pitches,
    rounded to 1e-6, so that rounding in the positions does not break the tie one way
    here and another in `bulk_heating.between_column_probes`, which reads the bulk
    heating beside this column, and `_random_order`, which keys the firing order to it."""
    d2 = ((x - x.mean()) / spacing) ** 2 + ((y - y.mean()) / spacing) ** 2
    return int(np.argmin(np.round(d2, 6)))


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (Steele, Lea & Flood 2014): a bijective mix of 64-bit
    keys into uniformly spread 64-bit values."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _random_order(row: np.ndarray, col: np.ndarray, centre: int, seed: int) -> np.ndarray:
    """A seeded random order that is a property of each lattice cell's place relative to
    the `centre` cell (`centre_index`): cells fire by a hash of their (row, column)
    offsets from it. Around the centre, where `between_column_probes` reads the bulk
    heating, the neighbours keep their share of the firing sequence as the lattice grows
    or shrinks with density, so the bulk peak moves smoothly with density; a fresh
    permutation per lattice made it jump (session 22: 53.6 C at 15 % and 50.6 C at
    16 %, a thermal dose of 91 and 2313 CEM43 min at 23 and 24 %)."""
    offset = np.uint64(1 << 31)
    dr = (row - row[centre]).astype(np.int64).astype(np.uint64) + offset
    dc = (col - col[centre]).astype(np.int64).astype(np.uint64) + offset
    with np.errstate(over="ignore"):
        key = (dr << np.uint64(32)) ^ dc ^ _splitmix64(np.array([seed], np.uint64))
        return np.argsort(_splitmix64(key), kind="stable")


def _order_from_lattice(
    row: np.ndarray, col: np.ndarray, order: str, seed: int, centre: int
) -> np.ndarray:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not (
        0 <= seed < 2**63
    ):  # a bare OverflowError, or 1.5 taken as 1 (session 22 review)
        raise InputError("seed", seed, "an integer in [0, 2**63 - 1]")
    if order == "random":
        return _random_order(row, col, centre, seed)
    raster = np.lexsort((col, row))  # by row, then column
    if order == "raster":
        return raster
    # interlaced: sub-lattice (row even, col even), (even, odd), (odd, even), (odd, odd),
    # parities counted from the centre cell, so that the cells around it keep their
    # sub-lattice as the lattice grows by a row (the bulk peak stepped by 1.3 C, session 22)
    sub = 2 * ((row - row[centre]) % 2) + ((col - col[centre]) % 2)
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
      neighbours fire. Parities are counted from the centre cell (`centre_index`); on a
      line: the columns of the centre's parity, then the others.
    * ``random``: a seeded random permutation, keyed to each column's place relative to
      the pattern's centre (`_random_order`).

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
    row, col = index // columns_per_row, index % columns_per_row
    centre = centre_index(col.astype(float), row.astype(float), 1.0)
    return _order_from_lattice(row, col, order, seed, centre)


def scan_order(
    x: np.ndarray, y: np.ndarray, spacing: float, order: str = "raster", seed: int = 0
) -> np.ndarray:
    """`firing_order` for columns given by position (any footprint on the lattice).

    Rows and lattice columns are ``round((y - min y) / s)`` and
    ``round((x - min x) / s)``; the parity of the lattice index counted from the centre
    cell (`centre_index`; not the index within a row) picks the interlaced sub-lattice.
    """
    check_choice("order", order, SCAN_ORDERS)
    s = check_positive("spacing", spacing, "m")
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.size < 1 or x.shape != y.shape:
        raise InputError("x", x.shape, "1-D arrays x, y of equal, nonzero length")
    row = np.rint((y - y.min()) / s).astype(np.int64)
    col = np.rint((x - x.min()) / s).astype(np.int64)
    return _order_from_lattice(row, col, order, seed, centre_index(x, y, s))


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
    rate = check_positive("repetition_rate_hz", repetition_rate_hz, "Hz")
    train = check_non_negative("pulse_train_duration_s", pulse_train_duration_s, "s")
    return np.arange(int(n)) * max(1.0 / rate, train)


