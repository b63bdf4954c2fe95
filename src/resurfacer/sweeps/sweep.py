"""Parameter sweeps on Dask, results in a Parquet dataset (docs/sweeps.md).

A sweep is a base plan and, for any dotted field paths of it, lists or ranges of
values; the grid is their Cartesian product (or, with ``mode = "zip"``, the
values taken side by side). `run_sweep` simulates every point on a Dask
cluster (a local one by default) and appends the finished rows to a Parquet
dataset, a folder of ``part-XXXXX.parquet`` files, each written under a
temporary name and renamed into place, so a crash never leaves a partial file.

A row holds the point's values as ``set.`` + path and every figure of the summary
under its own name, as `simulate` reports it (docs/sweeps.md, "Results").

Each point has an id, a stable hash of its swept values; re-running a sweep
into the same folder skips the ids already there. Rows are written only by the
client, once per id, so a task that Dask re-runs after losing a worker never
duplicates a row.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import time
import tomllib
import types
import typing
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from pydantic import BaseModel

from resurfacer.common.files import write_file, write_text
from resurfacer.errors import InputError, SelfCheckError

#: Columns every row has, before the swept fields and the summary.
ID, STATUS, MESSAGE, RUNTIME = "point_id", "status", "message", "runtime_s"
#: per row: the safety rules the point's plan breaks ("; "-joined, "" for none) and a
#: hash of the point's full plan data (`plan_hash`), to trace a row to its settings
WARNINGS, NOTES, PLAN_HASH = "warnings", "model_notes", "plan_hash"
#: summary fields that are lists of varying length: kept out of the flat columns
#: (warnings and model notes are their own "; "-joined columns; the per-area figures
#: come from `simulate` on the point's plan, see `plan_hash`)
NOT_FLATTENED = ("warnings", "model_notes", "regions", "broken_rules")
MANIFEST = "_sweep.json"  # ignored by Parquet readers (leading underscore)
#: a swept field's column: its path after this prefix (``set.passes.0.pulse_energy_mj``,
#: the value set as ``--set`` sets it), apart from the summary's figure of the same path
#: (``passes.0.pulse_energy_mj``: the energy fired, area-weighted, as `simulate` reports it)
SET_PREFIX = "set."
#: the results folder's layout, in its manifest; 2: swept values under `SET_PREFIX` (a
#: folder without it stored them under their paths, in place of the summary's figures)
LAYOUT = 2
PART_PREFIX = "part-"
RANGE_KEYS = {"start", "stop", "num", "log"}
MAX_POINTS = 1_000_000
DEFAULT_CONNECT_TIMEOUT_S = 5.0

log = logging.getLogger(__name__)


# --- sweep files --------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its id and {field path: value}."""

    id: str
    values: dict


@dataclass
class Sweep:
    """A validated sweep: base plan data, {field path: values} and the grid mode."""

    base: dict
    parameters: dict[str, list]
    mode: str = "product"
    name: str = "sweep"
    n_passes: int = 1
    source: str | None = None

    def points(self) -> list[Point]:
        """Every point, the first field varying slowest (product) or side by side (zip)."""
        fields = list(self.parameters)
        columns = [self.parameters[f] for f in fields]
        combos = zip(*columns, strict=True) if self.mode == "zip" else product(*columns)
        out = []
        for combo in combos:
            values = dict(zip(fields, combo, strict=True))
            out.append(Point(point_id(values), values))
        return out

    def __len__(self) -> int:
        sizes = [len(v) for v in self.parameters.values()]
        return sizes[0] if self.mode == "zip" else math.prod(sizes)


def point_id(values: dict) -> str:
    """A stable id of a point's swept values: 16 hex digits of SHA-256 over canonical JSON.

    Integers and floats of equal value give the same id (``10`` and ``10.0``).
    """
    canonical = {k: _canonical(v) for k, v in values.items()}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _canonical(value):
    if isinstance(value, bool) or isinstance(value, str):
        return value
    return float(value)


def load_sweep(path) -> Sweep:
    """Read and validate a sweep file (TOML); InputError naming the sweep field if bad."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), exc.strerror, "a readable sweep file (TOML)") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), "the file", f"valid TOML ({exc})") from None
    return sweep_from_data(data, base_dir=path.parent, source=str(path))


def sweep_from_data(data: dict, base_dir=".", source: str | None = None) -> Sweep:
    """Validate sweep data (as parsed from TOML).

    ``base``: a plan file path (relative to `base_dir`) or an inline plan table;
    ``parameters``: {dotted field path: list of values or {start, stop, num, log}};
    ``mode``: "product" (default) or "zip"; ``name``: optional label.
    """
    from resurfacer.plan.files import read_plan_data
    from resurfacer.plan.schema import load_plan

    allowed_keys = {"base", "parameters", "mode", "name"}
    unknown = sorted(set(data) - allowed_keys)
    if unknown:
        raise InputError(unknown[0], data[unknown[0]], "keys " + ", ".join(sorted(allowed_keys)))
    base = data.get("base")
    if isinstance(base, str):
        base_path = Path(base_dir) / base
        try:
            load_plan(base_path)
        except InputError as exc:
            raise InputError(f"base ({base}): {exc.field}", exc.value, exc.allowed) from None
        fmt = "json" if base_path.suffix.lower() == ".json" else "toml"
        base_data = read_plan_data(base_path, fmt)
    elif isinstance(base, dict):
        base_data = base
    else:
        raise InputError(
            "base", base, "a plan file path (relative to the sweep file) or a [base] plan table"
        )
    from resurfacer.plan.schema import Plan

    try:
        plan = Plan.from_data(base_data)
    except InputError as exc:
        raise InputError(f"base.{exc.field}", exc.value, exc.allowed) from None

    mode = data.get("mode", "product")
    if mode not in ("product", "zip"):
        raise InputError("mode", mode, '"product" (Cartesian grid, default) or "zip"')
    raw = data.get("parameters")
    if not isinstance(raw, dict) or not raw:
        raise InputError(
            "parameters",
            raw if raw is not None else "(missing)",
            'a table of at least one field path, e.g. "passes.0.pulse_energy_mj" = [5, 10, 20]',
        )
    parameters = {}
    for key, spec in raw.items():
        where = f'parameters."{key}"'
        _check_path(plan, key, where)
        parameters[key] = _values(where, spec)
    _check_density_once(parameters)
    if mode == "zip":
        sizes = {k: len(v) for k, v in parameters.items()}
        if len(set(sizes.values())) > 1:
            raise InputError(
                "mode",
                "zip",
                "equal numbers of values for every field with zip (have "
                + ", ".join(f"{k}: {n}" for k, n in sizes.items())
                + ")"
                + '; or mode = "product"',
            )
    sweep = Sweep(
        base=base_data,
        parameters=parameters,
        mode=mode,
        name=str(data.get("name", Path(source).stem if source else "sweep")),
        n_passes=len(plan.passes),
        source=source,
    )
    if len(sweep) > MAX_POINTS:
        raise InputError("parameters", f"{len(sweep)} points", f"at most {MAX_POINTS:,} points")
    ids = [p.id for p in sweep.points()]
    if len(set(ids)) != len(ids):
        for key, values in parameters.items():  # name the field (session 21: "parameters")
            seen = [v for i, v in enumerate(values) if v in values[:i]]
            if seen:
                raise InputError(f'parameters."{key}"', seen[0], "each value once")
        raise InputError("parameters", "repeated points", "distinct values for every field")
    return sweep


def _check_path(plan, key: str, where: str) -> None:
    """InputError unless `key` (dotted, list indices from 0) names one value of the plan,
    as ``--set`` takes it: a field, a field of a list item, or a field of a pass's
    entry for a treated area in `regions` (``passes.1.regions.periorbital.pulse_energy_mj``,
    an entry the base may lack: the override creates it)."""
    if not isinstance(key, str) or not key:
        raise InputError(where, key, "a dotted field path, e.g. passes.0.pulse_energy_mj")
    parts = key.split(".")
    node, table = plan, True
    for i, part in enumerate(parts):
        if not table:
            raise InputError(where, key, f"a path to a field (stopped at {'.'.join(parts[:i])})")
        node, table = _child(plan, node, part, where, ".".join(parts[: i + 1]))
    if table:
        raise InputError(where, key, "a path to a single value, not a table or list")


def _child(plan, node, part: str, where: str, at: str) -> tuple:
    """(the item `part` of `node`, whether it is a table or list rather than one value);
    InputError naming what `node` has where it has no `part`."""
    if isinstance(node, list):
        if not part.isdigit() or int(part) >= len(node):
            raise InputError(where, at, f"an index 0..{len(node) - 1} of the base plan")
        return node[int(part)], True
    if isinstance(node, dict):  # a table keyed by area name (`regions`)
        treated = [name for name, setting in node.items() if not getattr(setting, "skip", False)]
        if part not in treated:  # a skipped area: every point would be refused at run
            raise InputError(where, at, "a treated area of the base plan: " + ", ".join(treated))
        return node[part], True
    fields = type(node).model_fields
    if part not in fields:
        raise InputError(where, at, "a field of the base plan: " + ", ".join(sorted(fields)))
    value, annotation = getattr(node, part), fields[part].annotation
    entry = _keyed_model(annotation)
    if entry is not None:  # every area of the plan, given or not (--set creates it)
        given = value or {}
        return {a.region: given.get(a.region) or entry() for a in plan.site_areas}, True
    return value, isinstance(value, BaseModel | list | dict)


def _keyed_model(annotation):
    """The model of the entries of a table keyed by name (``dict[str, RegionSetting] |
    None``), None for any other field type."""
    for t in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(t) is dict:
            return typing.get_args(t)[1]
    return None


def _check_density_once(parameters: dict) -> None:
    """InputError naming both fields when two swept fields give one pass's density: each
    of `DENSITY_FIELDS` drops the others (as with ``--set``), so every point would use
    the later one and the grid would repeat the same plans."""
    from resurfacer.plan.files import DENSITY_FIELDS

    seen: dict = {}
    for key in parameters:
        parent, _, name = key.rpartition(".")
        if name not in DENSITY_FIELDS:
            continue
        if parent in seen:
            raise InputError(
                f'parameters."{key}"',
                f"{key} with {seen[parent]}",
                f"one of {', '.join(DENSITY_FIELDS)} per pass: each gives the density and "
                f"drops the others, so sweep {seen[parent]} or {key}, not both",
            )
        seen[parent] = key


def _values(where: str, spec) -> list:
    """The values of one swept field from a list or a range table."""
    if isinstance(spec, list):
        if not spec:
            raise InputError(where, [], "a non-empty list of values or {start, stop, num}")
        for v in spec:
            ok = isinstance(v, bool | str) or (isinstance(v, int | float) and math.isfinite(v))
            if not ok:
                raise InputError(where, v, "numbers, strings or booleans (finite)")
        return list(spec)
    if not isinstance(spec, dict):
        raise InputError(
            where, spec, "a list of values or a range table { start = 5, stop = 30, num = 6 }"
        )
    unknown = sorted(set(spec) - RANGE_KEYS)
    if unknown or not {"start", "stop", "num"} <= set(spec):
        raise InputError(
            where, spec, "a range table with start, stop, num (and optionally log = true)"
        )
    start, stop, num, log_ = spec["start"], spec["stop"], spec["num"], spec.get("log", False)
    for name, v in (("start", start), ("stop", stop)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(f"{where}.{name}", v, "a finite number")
    if isinstance(num, bool) or not isinstance(num, int) or not 1 <= num <= MAX_POINTS:
        raise InputError(f"{where}.num", num, f"an integer in [1, {MAX_POINTS:,}]")
    if not isinstance(log_, bool):
        raise InputError(f"{where}.log", log_, "true or false")
    if stop < start:
        raise InputError(f"{where}.stop", stop, f">= start ({start:g})")
    if num > 1 and stop == start:
        raise InputError(f"{where}.num", num, "1 when start == stop (else stop > start)")
    if log_ and start <= 0:
        raise InputError(f"{where}.start", start, "> 0 with log = true")
    if num == 1:
        values = [float(start)]
    elif log_:
        ratio = (stop / start) ** (1.0 / (num - 1))
        values = [start * ratio**i for i in range(num)]
        values[-1] = float(stop)
    else:
        step = (stop - start) / (num - 1)
        values = [start + step * i for i in range(num)]
        values[-1] = float(stop)
    values = [float(f"{v:.12g}") for v in values]
    if isinstance(start, int) and isinstance(stop, int) and all(v.is_integer() for v in values):
        values = [int(v) for v in values]
    return values


def swept_column(path: str) -> str:
    """The results column of a swept field's values: ``set.`` + its path (`SET_PREFIX`)."""
    return SET_PREFIX + path


def plan_data_for(base: dict, values: dict) -> dict:
    """Base plan data with a point's values set (as ``--set`` overrides)."""
    from resurfacer.plan.schema import apply_overrides

    return apply_overrides(base, [f"{k}={json.dumps(v)}" for k, v in values.items()])


# --- one batch of points (runs on a worker) ---------------------------------------------


def run_points(base: dict, points: list[tuple[str, dict]]) -> list[dict]:
    """Simulate each point; a point the plan refuses is a row with status "refused".

    A row holds the point's values (`swept_column`) and every figure of the summary
    under its own name, also where a swept path names one (``passes.1.pulse_energy_mj``
    set to 12 fires 11.49 mJ over the face when the eyelids get 5). Any other exception
    gives a row with status "failed" (not written to the results; the next run retries
    it).
    """
    from resurfacer.plan.schema import Plan
    from resurfacer.treatment import simulate

    rows = []
    for pid, values in points:
        t0 = time.perf_counter()
        row = {ID: pid, **{swept_column(k): v for k, v in values.items()}}
        try:
            data = plan_data_for(base, values)
            row[PLAN_HASH] = plan_hash(data)
            outcome = simulate(Plan.from_data(data))
        except (InputError, SelfCheckError) as exc:  # the same every time: stored
            row.update({STATUS: "refused", MESSAGE: str(exc)})
        except Exception as exc:  # noqa: BLE001 - recorded, retried on the next run
            row.update({STATUS: "failed", MESSAGE: f"{type(exc).__name__}: {exc}"})
        else:
            summary = outcome.summary.model_dump(exclude=set(NOT_FLATTENED))
            row.update(flatten(summary))
            row[WARNINGS] = "; ".join(outcome.summary.warnings)
            row[NOTES] = "; ".join(outcome.summary.model_notes)
            row.update({STATUS: "ok", MESSAGE: None})
        row[RUNTIME] = time.perf_counter() - t0
        rows.append(row)
    return rows


def plan_hash(plan_data: dict) -> str:
    """16 hex digits of a SHA-256 over the plan data as canonical JSON (sorted keys)."""
    text = json.dumps(plan_data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def flatten(data, prefix: str = "") -> dict:
    """Nested dicts and lists as {dotted.path: scalar}; list items by index from 0."""
    out = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list | tuple):
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}{i}."))
    elif data is None or isinstance(data, bool | int | float | str):
        out[prefix[:-1]] = data
    return out


# --- the Parquet dataset --------------------------------------------------------------------


def _scalar_type(annotation):
    """The Arrow type of a scalar model field (None if not a scalar)."""
    import pyarrow as pa

    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _scalar_type(args[0]) if len(args) == 1 else None
    if origin is typing.Literal:
        return pa.string() if all(isinstance(a, str) for a in typing.get_args(annotation)) else None
    return {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}.get(
        annotation
    )


def _model_columns(model: type[BaseModel], prefix: str, n_list: int) -> list:
    cols = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        inner = args[0] if len(args) == 1 else ann
        if typing.get_origin(ann) is list:
            (item,) = typing.get_args(ann) or (None,)
            if isinstance(item, type) and issubclass(item, BaseModel):
                for i in range(n_list):
                    cols += _model_columns(item, f"{prefix}{name}.{i}.", n_list)
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            cols += _model_columns(inner, f"{prefix}{name}.", n_list)
        elif typing.get_origin(ann) is tuple:  # a band: (low, high) by index
            for i, item in enumerate(typing.get_args(ann)):
                t = _scalar_type(item)
                if t is not None:
                    cols.append(_field(f"{prefix}{name}.{i}", name, t))
        else:
            t = _scalar_type(ann)
            if t is not None:
                cols.append(_field(f"{prefix}{name}", name, t))
    return cols


def _field(column: str, name: str, arrow_type):
    """An Arrow field with the unit of `name` (`common.units.summary_unit`) in its metadata,
    ``{"units": "µm"}``, where it has one."""
    import pyarrow as pa

    from resurfacer.common.units import summary_unit

    unit = summary_unit(name)
    return pa.field(column, arrow_type, metadata={"units": unit} if unit else None)


def _param_type(values: list):
    import pyarrow as pa

    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def results_schema(sweep: Sweep):
    """The Arrow schema of every part file: id, swept fields (``set.`` + path), status,
    message, runtime, warnings, plan hash, then the summary's scalar fields flattened
    (``passes.0.ablation_depth_um``; passes by 0-based index as in plan paths)."""
    import pyarrow as pa

    from resurfacer.treatment import OutcomeSummary

    fields = [pa.field(ID, pa.string())]
    fields += [
        _field(swept_column(k), k.rpartition(".")[2], _param_type(v))
        for k, v in sweep.parameters.items()
    ]
    fields += [
        pa.field(STATUS, pa.string()),
        pa.field(MESSAGE, pa.string()),
        _field(RUNTIME, RUNTIME, pa.float64()),
        pa.field(WARNINGS, pa.string()),
        pa.field(NOTES, pa.string()),
        pa.field(PLAN_HASH, pa.string()),
    ]
    fields += [
        f
        for f in _model_columns(OutcomeSummary, "", sweep.n_passes)
        if f.name.split(".")[0] not in NOT_FLATTENED
    ]
    return pa.schema(fields)


def _conform(row: dict, schema) -> dict:
    import pyarrow as pa

    out = {}
    for f in schema:
        v = row.get(f.name)
        if v is not None and f.type == pa.string() and not isinstance(v, str):
            v = json.dumps(v)
        out[f.name] = v
    return out


@dataclass
class ResultStore:
    """The results folder: reads the ids already there, writes part files atomically.

    Nothing is created until the first rows are written.
    """

    path: Path
    sweep: Sweep
    done: set = field(default_factory=set)
    next_part: int = 0

    def __post_init__(self):
        self.path = Path(self.path)
        self._schema = None
        if self.path.exists() and not self.path.is_dir():
            raise InputError("--out", str(self.path), "a folder for the Parquet dataset")
        if not self.path.exists():
            return
        for stale in self.path.glob(f".{PART_PREFIX}*.tmp"):
            stale.unlink(missing_ok=True)  # left by a crash mid-write
        old = _manifest(self.path)
        if old is not None:
            self._check_manifest(old)
        import pyarrow.parquet as pq

        for i, part in enumerate(self.parts()):
            if i == 0:
                self._check_columns(pq.read_schema(part))
            self.done.update(pq.read_table(part, columns=[ID]).column(ID).to_pylist())
            number = part.stem[len(PART_PREFIX) :]
            if number.isdigit():
                self.next_part = max(self.next_part, int(number) + 1)

    def _check_manifest(self, old: dict) -> None:
        """InputError unless the folder holds this sweep's base and fields, in `LAYOUT`."""
        if old.get("layout") != LAYOUT:
            raise InputError(
                "--out",
                str(self.path),
                "a new folder: this one was written by an older resurfacer, with the "
                "swept values in place of the summary's figures of the same name "
                "(`sweep plot` and read_results still read it)",
            )
        if old.get("base") != self.sweep.base or sorted(old.get("fields", [])) != sorted(
            self.sweep.parameters
        ):
            raise InputError(
                "--out",
                str(self.path),
                "a new folder, or one holding results of the same base plan and swept "
                f"fields (this one has fields {', '.join(old.get('fields', []))} "
                "and possibly another base)",
            )

    def _check_columns(self, stored) -> None:
        """InputError naming the swept field whose values differ in type from its column
        in the folder (text where numbers were stored, numbers where text was): the part
        files of a dataset must share one schema to be read together."""
        for key, values in self.sweep.parameters.items():
            column = swept_column(key)
            if column not in stored.names:
                raise InputError("--out", str(self.path), f"a new folder (it has no {column})")
            kind = stored.field(column).type
            if _param_type(values) != kind:
                odd = next((v for v in values if _param_type([v]) != kind), values[0])
                words = {"double": "numbers", "bool": "true or false"}.get(str(kind), "text")
                raise InputError(
                    f'parameters."{key}"',
                    odd,
                    f"{words}, as the values already in {self.path} (or a new --out folder)",
                )

    @property
    def schema(self):
        """The Arrow schema of the part files (`results_schema`)."""
        if self._schema is None:
            self._schema = results_schema(self.sweep)
        return self._schema

    def parts(self) -> list[Path]:
        return sorted(self.path.glob(f"{PART_PREFIX}*.parquet"))

    def write(self, rows: list[dict]) -> int:
        """Write the rows not written before (by id) as one new part file; return how many."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        fresh, seen = [], set()
        for row in rows:
            if row[ID] in self.done or row[ID] in seen:
                continue
            seen.add(row[ID])
            fresh.append(_conform(row, self.schema))
        if not fresh:
            return 0
        self.path.mkdir(parents=True, exist_ok=True)
        manifest = self.path / MANIFEST
        if not manifest.exists():
            text = json.dumps(
                {
                    "name": self.sweep.name,
                    "base": self.sweep.base,
                    "fields": list(self.sweep.parameters),
                    "mode": self.sweep.mode,
                    "layout": LAYOUT,
                },
                indent=2,
            )
            write_text(manifest, text)
        table = pa.Table.from_pylist(fresh, schema=self.schema)
        target = self.path / f"{PART_PREFIX}{self.next_part:05d}.parquet"
        write_file(target, lambda p: pq.write_table(table, p))
        self.next_part += 1
        self.done.update(seen)
        return len(fresh)


def _manifest(path: Path) -> dict | None:
    """The folder's manifest (base, swept fields, mode, layout), None if it has none."""
    manifest = path / MANIFEST
    return json.loads(manifest.read_text()) if manifest.exists() else None


def read_results(path):
    """The results folder as a pandas DataFrame (all part files).

    A folder written before `LAYOUT` 2 held the swept values under their paths: they
    are read under today's names (``set.`` + path); the summary's figures they stood in
    for were not stored."""
    import pyarrow.dataset as ds

    path = Path(path)
    if not path.is_dir() or not any(path.glob(f"{PART_PREFIX}*.parquet")):
        raise InputError("results", str(path), "a sweep results folder with part-*.parquet files")
    frame = ds.dataset(path, format="parquet").to_table().to_pandas()
    old = _manifest(path) or {"layout": LAYOUT}
    if old.get("layout") != LAYOUT:
        frame = frame.rename(columns={f: swept_column(f) for f in old.get("fields", [])})
    return frame


# --- running ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What one `run_sweep` call did."""

    total: int
    skipped: int = 0
    written: int = 0
    ok: int = 0
    refused: int = 0
    failed: list = field(default_factory=list)  # (point id, message)
    seconds: float = 0.0
    workers: int = 0

    @property
    def points_per_second(self) -> float:
        ran = self.written + len(self.failed)
        return ran / self.seconds if self.seconds > 0 else float("nan")


def _probe(address: str, timeout: float) -> None:
    """Connect and handshake with a Dask scheduler once, bounded by `timeout` seconds."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect

    async def handshake():
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        await comm.close()

    with ThreadPoolExecutor(1) as pool:  # its own event loop, also under Jupyter
        pool.submit(asyncio.run, handshake()).result(timeout + 2)


def _unreachable(scheduler, timeout, exc) -> InputError:
    return InputError(
        "--scheduler",
        scheduler,
        f"a reachable Dask scheduler (could not connect to {scheduler} within "
        f"{timeout:g} s: {type(exc).__name__})",
    )


def _connect(scheduler, workers, connect_timeout):
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            _probe(scheduler, connect_timeout)
            client = Client(scheduler, timeout=f"{connect_timeout}s", set_as_default=False)
        except Exception as exc:  # refused, timed out, not a Dask scheduler, bad address
            raise _unreachable(scheduler, connect_timeout, exc) from None
        return client, None
    n = workers or 2
    from resurfacer.treatment import warm_up

    warm_up()  # fill the numba cache in this process, before the workers read it
    # the column and superposition kernels are numba-parallel: share the cores out
    # between the worker processes instead of letting every worker use all of them
    threads = max(1, (os.cpu_count() or 1) // n)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",  # scheduler and workers on loopback
        dashboard_address="127.0.0.1:0",  # the dashboard too: no one else can reach it
        silence_logs=logging.ERROR,
        env={"NUMBA_NUM_THREADS": str(threads)},  # passed on to each Nanny
    )
    return Client(cluster, set_as_default=False), cluster


def _auto_batch(sweep: Sweep, n: int, workers: int) -> int:
    """Points per task: a run of the fastest-varying field (product grids), so points that
    differ only there (and share their column solves) run on one worker; at most 50, and
    small enough to give every worker at least two tasks."""
    last = len(list(sweep.parameters.values())[-1]) if sweep.mode == "product" else 1
    return max(1, min(last, 50, math.ceil(n / (2 * workers))))


def check_run_options(workers, batch_size, connect_timeout) -> None:
    """InputError for a bad option of `run_sweep` (the CLI checks them before it prints
    the sweep's cost)."""
    if workers is not None and not (isinstance(workers, int) and 1 <= workers <= 256):
        raise InputError("--workers", workers, "an integer in [1, 256]")
    if batch_size is not None and not (isinstance(batch_size, int) and batch_size >= 1):
        raise InputError("batch_size", batch_size, "an integer >= 1")
    if not connect_timeout > 0:
        raise InputError("connect_timeout", connect_timeout, "> 0 s")


def run_sweep(
    sweep: Sweep,
    out_path,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    retries: int = 2,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> SweepReport:
    """Run every point of `sweep` not yet in `out_path` (a Parquet dataset folder).

    Parameters
    ----------
    sweep : Sweep (`load_sweep`).
    out_path : results folder; created on the first finished rows, resumed if present.
    scheduler : ``tcp://HOST:PORT`` of a running Dask scheduler (its workers need
        resurfacer installed); None starts a local cluster of `workers` processes.
    workers : local worker processes (default 2), one thread each.
    progress : a tqdm bar over the points on stderr.
    batch_size : points per Dask task (consecutive grid points, so columns cached
        on a worker are reused); default: the number of values of the last field
        (product grids; 1 for zip), at most 50 and at most n / (2 workers).
    retries : times Dask re-runs a task whose worker died.
    connect_timeout : seconds to wait for `scheduler`.

    Raises
    ------
    InputError
        Bad `workers`/`batch_size`, an unreachable scheduler, or an `out_path`
        holding another sweep; nothing is written then.
    """
    from distributed import as_completed
    from tqdm import tqdm

    check_run_options(workers, batch_size, connect_timeout)
    t0 = time.perf_counter()
    if scheduler:  # fail fast, before reading the results folder
        try:
            _probe(scheduler, connect_timeout)
        except Exception as exc:
            raise _unreachable(scheduler, connect_timeout, exc) from None
    store = ResultStore(Path(out_path), sweep)
    points = sweep.points()
    todo = [p for p in points if p.id not in store.done]
    report = SweepReport(total=len(points), skipped=len(points) - len(todo))
    if not todo:
        report.seconds = time.perf_counter() - t0
        return report
    client, cluster = _connect(scheduler, workers, connect_timeout)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        report.workers = n_workers
        size = batch_size or _auto_batch(sweep, len(todo), n_workers)
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        futures = [
            client.submit(
                run_points,
                sweep.base,
                [(p.id, p.values) for p in batch],
                pure=False,
                retries=retries,
            )
            for batch in batches
        ]
        batch_of = {f.key: b for f, b in zip(futures, batches, strict=True)}
        with tqdm(
            total=len(points),
            initial=report.skipped,
            disable=not progress,
            unit="point",
            desc=sweep.name,
        ) as bar:
            for future in as_completed(futures, loop=client.loop):
                try:
                    rows = future.result()
                except Exception as exc:  # e.g. KilledWorker: its worker died too often
                    batch = batch_of[future.key]
                    why = f"{type(exc).__name__} (the whole task of {len(batch)} points): {exc}"
                    report.failed += [(p.id, why) for p in batch]
                    bar.update(len(batch))
                    continue
                good = [r for r in rows if r[STATUS] != "failed"]
                report.failed += [(r[ID], r[MESSAGE]) for r in rows if r[STATUS] == "failed"]
                report.written += store.write(good)
                report.ok += sum(r[STATUS] == "ok" for r in good)
                report.refused += sum(r[STATUS] == "refused" for r in good)
                bar.update(len(rows))
                future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    report.seconds = time.perf_counter() - t0
    return report


# --- dose-response plot ----------------------------------------------------------------------


def _column(frame, name: str, option: str):
    if name not in frame.columns:
        shown = [c for c in frame.columns if c not in (ID, STATUS, MESSAGE)]
        hint = (
            f"{swept_column(name)} (the swept values; {name} is not in the summary); "
            if swept_column(name) in frame.columns
            else ""
        )
        raise InputError(option, name, f"{hint}a results column: " + ", ".join(shown))
    return name


def column_label(column: str) -> tuple[str, str]:
    """(words, unit) of a results column for people: ``passes.0.pulse_energy_mj`` ->
    ("pass 1 pulse energy", "mJ"); a swept value says "(set)", a band's ends "low"
    and "high" (``downtime_days_range.0``: "downtime low", "days")."""
    from resurfacer.common.units import DOSE_SUFFIX, split_unit, summary_unit, words

    path = column.removeprefix(SET_PREFIX)
    band = re.fullmatch(r"(.+_range)\.([01])", path)
    *context, name = (band[1] if band else path).split(".")
    where = re.sub(
        r"\b(pass|area)(?:es|s)\.(\d+)", lambda m: f"{m[1]} {int(m[2]) + 1}", ".".join(context)
    )
    if name.endswith(DOSE_SUFFIX):
        stem = name.removesuffix(DOSE_SUFFIX).removesuffix("_thermal_dose") + "_thermal_dose"
    else:
        stem = split_unit("_" + name.removesuffix("_range"))[0].strip("_") or name
    text = [
        words(where.replace("regions.", "").replace(".", " ")),
        words(stem),
        ("low", "high")[int(band[2])] if band else "",
        "(set)" if column.startswith(SET_PREFIX) else "",
    ]
    return " ".join(t for t in text if t), summary_unit(name)


def _axis_label(column: str) -> str:
    """A column's words with its unit in brackets, ``pass 1 pulse energy [mJ]``."""
    text, unit = column_label(column)
    return f"{text} [{unit}]" if unit else text


def _line_label(column: str, value) -> str:
    """One line's label: the column's words and the value in its unit,
    ``pass 1 pulse energy (set) = 10 mJ``."""
    text, unit = column_label(column)
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} = {shown} {unit}".rstrip()


def dose_response(results_path, x_field: str, y_field: str, by: str | None = None):
    """A matplotlib Figure of `y_field` against `x_field` over the "ok" rows, one line
    per value of `by`; where other swept fields vary too, the line is the mean over
    them and the band their min-max. Axes and lines are labelled in words and units
    (`column_label`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = read_results(results_path)
    for name, option in ((x_field, "--x"), (y_field, "--y")) + (((by, "--by"),) if by else ()):
        _column(frame, name, option)
    from pandas.api.types import is_numeric_dtype

    if not is_numeric_dtype(frame[y_field]):
        numeric = [c for c in frame.columns if is_numeric_dtype(frame[c])]
        raise InputError("--y", y_field, "a numeric results column: " + ", ".join(numeric))
    frame = frame[frame[STATUS] == "ok"]
    if frame.empty:
        raise InputError("results", str(results_path), "at least one point with status ok")
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    groups = list(frame.groupby(by, sort=True)) if by else [(None, frame)]
    cmap = plt.get_cmap("viridis")
    for i, (value, group) in enumerate(groups):
        stats = group.groupby(x_field, sort=True)[y_field].agg(["mean", "min", "max", "size"])
        colour = cmap(i / max(1, len(groups) - 1)) if by else "C0"
        label = _line_label(by, value) if by else None
        ax.plot(stats.index, stats["mean"], "o-", color=colour, label=label, ms=3)
        if (stats["size"] > 1).any():
            ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.15)
    ax.set_xlabel(_axis_label(x_field))
    ax.set_ylabel(_axis_label(y_field))
    ax.grid(alpha=0.3)
    if by:
        ax.legend(fontsize="small", ncols=1 + len(groups) // 12)
    ax.set_title(f"{column_label(y_field)[0]} vs {column_label(x_field)[0]}", fontsize="medium")
    return fig
