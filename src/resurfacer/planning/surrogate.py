"""A fast surrogate of the column solver: a table over pulse energy, interpolated.

For one skin x beam x pulse shape (duration, temporal shape, stacking) and one set
of solver options, `column_table` solves the column (`treatment.column_for`) at a
few pulse energies, log-spaced, halves the intervals where the column changes too much
between two of them (a crater or dried layer starting or growing by half, the opened
surface moving by a quarter: the ablation threshold), and interpolates between them with a monotone
cubic (PCHIP, Fritsch & Carlson 1980) in ln(energy), on ln(value) where every node
is positive (depths and widths grow roughly as powers of the energy) and on the
value otherwise. PCHIP keeps the monotone depth-vs-energy of the nodes monotone
between them.

Tables are cached on disk (JSON) under `cache_dir()`: ``$RESURFACER_CACHE``, else
``$XDG_CACHE_HOME/resurfacer``, else ``~/.cache/resurfacer``; the file name is a
hash of the skin, beam, pulse shape, solver options, energy nodes, package
version and the package's code and data (`resurfacer.common.fingerprint`), so a change
to any of them builds a new table.

Measured error against direct solves between the nodes: see docs/planner.md and
tests/test_surrogate.py.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.interpolate import PchipInterpolator

from resurfacer import __version__
from resurfacer.column.options import SolverOptions
from resurfacer.common.files import write_text
from resurfacer.common.fingerprint import model_fingerprint
from resurfacer.errors import InputError, OutputError
from resurfacer.laser.beam import Beam, Pulse
from resurfacer.tissue.skin import Skin

#: Column summary fields the table holds (SI, metres; `surface_opening` 0..1), and
#: `injury_width`, the width of the cylinder holding the injured tissue to the swelling's
#: depth (`treatment.shallow_injury_width` on the skin's own surface, as
#: `treatment.wound_for` hands it to healing for a first pass);
#: widths are NaN for wide spots. The desiccation depth gives what a full-field
#: pass's wipe takes (`column.ablation.pass_removal`).
QUANTITIES = (
    "ablation_depth",
    "ablation_width_surface",
    "coagulation_depth",
    "coagulation_thickness",
    "lining_necrosis",
    "coagulation_width",
    "desiccation_depth",
    "surface_opening",
    "injury_width",
)
FORMAT_VERSION = 7


def _between_figures(x: np.ndarray, y: np.ndarray):
    """Interpolant of a quantity some nodes lack (NaN: the lining of a crater below its
    threshold, `ColumnSummary.lining_necrosis`): between the nodes that have it, NaN
    outside them, so that no value is invented next to a node without one (session 31's
    review: NaN read as 0 drew a lining up from 0 to the first crater's)."""
    if x.size == 1:
        return lambda xx: np.where(np.isclose(xx, x[0]), y[0], np.nan)
    f = PchipInterpolator(x, y)
    return lambda xx: np.where((xx >= x[0]) & (xx <= x[-1]), f(np.clip(xx, x[0], x[-1])), np.nan)


def cache_dir() -> Path:
    """Folder of the on-disk tables (created on first write)."""
    env = os.environ.get("RESURFACER_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "resurfacer"


@dataclass(frozen=True)
class ColumnTable:
    """Column results at energy nodes, and their interpolation.

    Attributes
    ----------
    energies : pulse energies of the nodes [J], increasing.
    values : {quantity: array over the nodes} [m; `surface_opening` 0..1].
    geometry : "column" or "wide" (as the solver chose).
    key : the cache key (hex).
    """

    energies: tuple[float, ...]
    values: dict
    geometry: str
    key: str

    @property
    def e_min(self) -> float:
        return self.energies[0]

    @property
    def e_max(self) -> float:
        return self.energies[-1]

    def covers(self, energy: float) -> bool:
        return self.e_min * (1 - 1e-9) <= energy <= self.e_max * (1 + 1e-9)

    def predict(self, energy) -> dict:
        """Interpolated quantities [m] at pulse energy `energy` [J] (scalar or array)."""
        e = np.asarray(energy, float)
        if np.any(e < self.e_min * (1 - 1e-9)) or np.any(e > self.e_max * (1 + 1e-9)):
            raise InputError(
                "energy",
                float(np.min(e)) if np.any(e < self.e_min) else float(np.max(e)),
                f"[{self.e_min:g}, {self.e_max:g}] J (the table's range)",
            )
        x = np.log(np.clip(e, self.e_min, self.e_max))
        return {q: self._interp(q)(x) for q in QUANTITIES}

    def _interp(self, q):
        cache = self.__dict__.setdefault("_interps", {})
        if q not in cache:
            y = np.asarray(self.values[q], float)
            x = np.log(np.asarray(self.energies))
            finite = np.isfinite(y)
            if not finite.any():
                cache[q] = lambda xx: np.full(np.shape(xx), np.nan)
            elif not finite.all():
                cache[q] = _between_figures(x[finite], y[finite])
            elif np.all(y > 0):
                f = PchipInterpolator(x, np.log(y))
                cache[q] = lambda xx, f=f: np.exp(f(xx))
            else:
                cache[q] = PchipInterpolator(x, np.nan_to_num(y))
        return cache[q]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT_VERSION,
                "key": self.key,
                "geometry": self.geometry,
                "energies": list(self.energies),
                "values": {q: [_jsonable(v) for v in vals] for q, vals in self.values.items()},
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ColumnTable:
        d = json.loads(text)
        if d.get("format") != FORMAT_VERSION:
            raise ValueError("old table format")
        values = {q: [math.nan if v is None else v for v in d["values"][q]] for q in QUANTITIES}
        return cls(tuple(d["energies"]), values, d["geometry"], d["key"])


def _jsonable(v: float):
    return None if v is None or not math.isfinite(v) else float(v)


def table_key(
    skin: Skin,
    beam: Beam,
    pulse: Pulse,
    options: SolverOptions,
    energies,
    stop_depth: float | None,
    peak_power: float | None = None,
) -> str:
    """Hash of everything a table depends on (the pulse's own energy excluded)."""
    shape = replace(pulse, energy=1.0)
    text = repr(
        (
            FORMAT_VERSION,
            __version__,
            model_fingerprint(),
            skin,
            beam,
            shape,
            options,
            [float(f"{e:.9g}") for e in energies],
            stop_depth,
            peak_power,
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_MEMORY: dict[str, ColumnTable] = {}


def column_table(
    skin: Skin,
    beam: Beam,
    pulse: Pulse,
    options: SolverOptions | None = None,
    e_min: float | None = None,
    e_max: float | None = None,
    n: int = 8,
    energies=None,
    stop_depth: float | None = None,
    use_cache: bool = True,
    peak_power: float | None = None,
) -> ColumnTable:
    """The table of one skin x beam x pulse shape, from the cache or built now.

    Parameters
    ----------
    skin, beam : as for the column solver.
    pulse : the pulse shape (duration, shape, stack, spacing); its energy is ignored.
    options : solver options (default `treatment.TREATMENT_SOLVER`).
    e_min, e_max, n : `n` log-spaced nodes in [e_min, e_max] [J]; or give `energies`.
    peak_power : a fixed-power source [W]: each node's pulse lasts energy / peak_power
        (stacked pulses keep their spacing in proportion), as a plan of such a device
        derives it; None keeps the pulse's duration at every node.
    stop_depth : stop adding nodes (upwards in energy) after the first node whose
        coagulation depth passes this [m] (at least 3 nodes are kept); the table's
        range ends there. Saves the slow, deep solves a search never needs.
    use_cache : read/write the on-disk cache (the in-process cache is always used).
    """
    from resurfacer.treatment import TREATMENT_SOLVER, column_for, shallow_injury_width

    options = TREATMENT_SOLVER if options is None else options
    if energies is None:
        if e_min is None or e_max is None or not (0 < e_min < e_max) or n < 2:
            raise InputError("energies", (e_min, e_max, n), "0 < e_min < e_max and n >= 2")
        energies = np.geomspace(e_min, e_max, n)
    energies = [float(e) for e in energies]
    if len(energies) < 2 or any(b <= a for a, b in zip(energies, energies[1:], strict=False)):
        raise InputError("energies", energies, "at least 2 increasing pulse energies [J]")
    key = table_key(skin, beam, pulse, options, energies, stop_depth, peak_power)
    if key in _MEMORY:
        return _MEMORY[key]
    path = cache_dir() / f"column-table-{key}.json"
    if use_cache and path.exists():
        try:
            table = ColumnTable.from_json(path.read_text())
        except (ValueError, KeyError, json.JSONDecodeError):
            table = None
        if table is not None and table.key == key:
            _MEMORY[key] = table
            return table
    geometry, cell = "column", 0.0

    def solve(e: float) -> list[float]:
        nonlocal geometry, cell
        column = column_for(skin, beam, _node_pulse(pulse, e, peak_power), options)
        geometry, cell = column.geometry, float(column.inputs["grid_m"])
        return [float(getattr(column.summary, q)) for q in QUANTITIES[:-1]] + [
            shallow_injury_width(column)
        ]

    done, rows = [], []
    for e in energies:
        done.append(e)
        rows.append(solve(e))
        depth = rows[-1][QUANTITIES.index("coagulation_depth")]
        if stop_depth is not None and len(done) >= 3 and depth > stop_depth:
            break
    done, rows = _refined(done, rows, solve, cell)
    values = {q: [r[i] for r in rows] for i, q in enumerate(QUANTITIES)}
    for q in ("ablation_width_surface", "coagulation_width"):
        if geometry == "wide":
            values[q] = [math.nan] * len(done)
    table = ColumnTable(tuple(done), values, geometry, key)
    _MEMORY[key] = table
    if use_cache:
        _write_atomically(path, table.to_json())
    return table


#: Largest ratio of a crater or dried-layer depth between neighbouring nodes (when they
#: differ by more than STEEP_CELLS solver cells), and largest change of the opened surface,
#: before the interval between them is split.
STEEP_RATIO = 1.5
STEEP_CELLS = 2
STEEP_OPENING = 0.25
#: Rounds of halving steep intervals (in ln energy), and most nodes added to a table.
REFINE_LEVELS = 4
REFINE_NODES = 16


def _steep(a: list[float], b: list[float], cell: float) -> bool:
    """Whether the column changes too much between two nodes' rows for the interpolation:
    a crater or dried layer that differs by more than `STEEP_CELLS` solver cells and starts
    between them (zero at one node) or grows by more than `STEEP_RATIO`, or the opened
    surface moving by more than `STEEP_OPENING`. That is where a pass crosses its ablation
    threshold, and where a layer goes at once (the reference surface pass takes the whole
    stratum corneum between about 81 and 92 mJ): with seven log-spaced nodes its crater
    was interpolated at 9.8 um where the solver gives 17 um (93.6 mJ)."""
    for q in ("ablation_depth", "desiccation_depth"):
        i = QUANTITIES.index(q)
        lo, hi = sorted((a[i], b[i]))
        if hi - lo > STEEP_CELLS * cell and (lo <= 0.0 or hi / lo > STEEP_RATIO):
            return True
    i = QUANTITIES.index("surface_opening")
    return abs(a[i] - b[i]) > STEEP_OPENING


def _refined(energies: list[float], rows: list[list[float]], solve, cell: float):
    """The nodes with every steep interval (`_steep`) halved in ln energy, then the halves
    that are still steep, and so on: `REFINE_LEVELS` rounds, at most `REFINE_NODES` new
    nodes in all (each round from the lowest energy up)."""
    energies, rows = list(energies), list(rows)
    added = 0
    for _ in range(REFINE_LEVELS):
        steep = [i for i in range(len(energies) - 1) if _steep(rows[i], rows[i + 1], cell)]
        if not steep:
            break
        for i in reversed(steep[: REFINE_NODES - added]):  # from the top: indices stay valid
            e = math.sqrt(energies[i] * energies[i + 1])
            energies.insert(i + 1, e)
            rows.insert(i + 1, solve(e))
            added += 1
    return energies, rows


def _node_pulse(pulse: Pulse, energy: float, peak_power: float | None) -> Pulse:
    """`pulse` at `energy` [J]; with `peak_power` [W] it lasts energy / peak_power [s]."""
    if peak_power is None:
        return replace(pulse, energy=energy)
    duration = energy / peak_power
    return replace(
        pulse, energy=energy, duration=duration, spacing=pulse.spacing * duration / pulse.duration
    )


def _write_atomically(path: Path, text: str) -> None:
    try:
        write_text(path, text)
    except OutputError:  # a read-only cache is not an error: the table is rebuilt next time
        pass


def clear_memory() -> None:
    """Forget the in-process tables (the disk cache stays)."""
    _MEMORY.clear()


__all__ = ["QUANTITIES", "ColumnTable", "cache_dir", "clear_memory", "column_table", "table_key"]
