"""How long a treatment session takes: scanner patterns, repositioning and passes.

A pass covers the treated area with scanner patterns laid side by side. Each
pattern fires its spots at the repetition rate, then the operator moves the
handpiece to the next place (a repositioning overhead). Passes follow one
another, separated by a pass-to-pass delay:

    N_patterns = A_total * f_edge / A_pattern
    t = n_passes * N_patterns * (n_spots / f_rep + t_reposition)
        + (n_passes - 1) * t_delay

``f_edge`` (extra pattern area for overlap at pattern edges and contours) and
``t_reposition`` come from ``data/session.toml``, where both are flagged as
model assumptions (no published figure found). ``N_patterns`` is kept
fractional: a partial pattern at the edge of an area takes proportionally less
time (an average over the edges of a real area).
"""

from __future__ import annotations

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_count, check_non_negative, check_positive
from resurfacer.scan.pattern import pattern_area


def session_defaults() -> dict:
    """Repositioning time [s], edge/overlap factor [-] and pass delay [s] from the data."""
    table = load_toml("session.toml")
    return {
        "repositioning_s": float(table["repositioning"]["seconds_per_pattern"]),
        "edge_overlap_factor": float(table["coverage"]["edge_overlap_factor"]),
        "pass_delay_s": float(table["pass_delay"]["default_s"]),
    }


def patterns_needed(
    area_cm2_total: float,
    pattern_size_m: float,
    pattern_shape: str = "square",
    edge_overlap_factor: float | None = None,
    spacing_m: float | None = None,
) -> float:
    """Scanner patterns needed to cover an area once (fractional) [-].

    ``N = A_total [cm^2] * 1e-4 * f_edge / A_pattern``, with the pattern's area
    from `resurfacer.scan.pattern.pattern_area`: ``L^2`` (square), ``sqrt(3)/2 L^2``
    (hexagon, flat to flat L) or ``L s`` (line, rows laid at the spacing s).

    Parameters
    ----------
    area_cm2_total : float
        Treated area [cm^2] (a clinical unit at the edge, as plans give it).
    pattern_size_m : float
        Pattern side or flat-to-flat width [m].
    pattern_shape : str
        ``"square"``, ``"hexagon"`` or ``"line"``.
    edge_overlap_factor : float, optional
        Pattern area scanned per area treated, >= 1; default from
        ``data/session.toml`` (an assumption).
    spacing_m : float, optional
        Column spacing [m]; needed for a line pattern only.
    """
    area = check_positive("area_cm2_total", area_cm2_total, "cm^2") * 1e-4
    size = check_positive("pattern_size_m", pattern_size_m, "m")
    if pattern_shape == "line" and spacing_m is None:
        raise InputError("spacing_m", spacing_m, "the column spacing [m] of a line pattern")
    if edge_overlap_factor is None:
        edge_overlap_factor = session_defaults()["edge_overlap_factor"]
    factor = check_positive("edge_overlap_factor", edge_overlap_factor, "")
    if factor < 1.0:
        raise InputError("edge_overlap_factor", factor, "[1, inf)")
    return area * factor / pattern_area(pattern_shape, size, spacing_m or size)


def session_time(
    area_cm2_total: float,
    pattern_size_m: float,
    spots_per_pattern: float,
    repetition_rate_hz: float,
    n_passes: int,
    repositioning_s: float | None = None,
    pass_delay_s: float | None = None,
    pattern_shape: str = "square",
    edge_overlap_factor: float | None = None,
    spacing_m: float | None = None,
) -> float:
    """Duration of a treatment session [s].

    .. math::

        t = n_\\mathrm{pass}\\, N_\\mathrm{pat}
            \\left(\\frac{n_\\mathrm{spots}}{f_\\mathrm{rep}} + t_\\mathrm{repos}\\right)
            + (n_\\mathrm{pass} - 1)\\, t_\\mathrm{delay},
        \\qquad N_\\mathrm{pat} = \\frac{A f_\\mathrm{edge}}{A_\\mathrm{pattern}}

    Parameters
    ----------
    area_cm2_total : float
        Total treated area [cm^2].
    pattern_size_m : float
        Scanner pattern side (square) or flat-to-flat width (hexagon) [m].
    spots_per_pattern : float
        Columns fired per pattern, > 0 (kept fractional like ``N_pat``: the columns a
        pattern's area holds at the pass's density, ``A_pattern / s^2``).
    repetition_rate_hz : float
        Spot repetition rate [Hz], > 0.
    n_passes : int
        Passes over the whole area, >= 1 (a surface and a deep pass: 2).
    repositioning_s : float, optional
        Time to move to the next pattern [s], >= 0; default from
        ``data/session.toml`` (0.5 s, a flagged assumption).
    pass_delay_s : float, optional
        Wait between passes [s], >= 0; default from the data (0).
    pattern_shape, edge_overlap_factor, spacing_m
        See `patterns_needed`.

    Returns
    -------
    float
        Session time [s], excluding preparation, anaesthesia and cooling.

    Examples
    --------
    300 cm^2 with a 10 mm square of 400 spots at 250 Hz, two passes:

    >>> round(session_time(300, 10e-3, 400, 250.0, 2) / 60, 1)
    23.1
    """
    defaults = session_defaults()
    n_patterns = patterns_needed(
        area_cm2_total, pattern_size_m, pattern_shape, edge_overlap_factor, spacing_m
    )
    spots = check_positive("spots_per_pattern", spots_per_pattern, "")
    rate = check_positive("repetition_rate_hz", repetition_rate_hz, "Hz")
    passes = check_count("n_passes", n_passes)
    if repositioning_s is None:
        repositioning_s = defaults["repositioning_s"]
    if pass_delay_s is None:
        pass_delay_s = defaults["pass_delay_s"]
    repos = check_non_negative("repositioning_s", repositioning_s, "s")
    delay = check_non_negative("pass_delay_s", pass_delay_s, "s")
    return passes * n_patterns * (spots / rate + repos) + (passes - 1) * delay


__all__ = ["patterns_needed", "session_defaults", "session_time"]
