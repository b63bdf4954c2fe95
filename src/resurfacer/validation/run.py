"""Simulate every row of the registered validation tables, in parallel and cached.

Each row's prediction is cached on disk (JSON under
``planning.surrogate.cache_dir() / "validation"``) keyed on the row's text, its
table and the model fingerprint (`common.fingerprint.model_fingerprint`), so a
change to the code or the data never serves an old figure.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass

from resurfacer.column.published import number, within_bound
from resurfacer.common.files import write_text
from resurfacer.common.fingerprint import model_fingerprint
from resurfacer.errors import InputError, SelfCheckError
from resurfacer.planning.surrogate import cache_dir
from resurfacer.validation.tables import (
    NotSimulable,
    Table,
    read_rows,
    registered_tables,
)


@dataclass(frozen=True)
class RowResult:
    """One published figure against the model (the row's unit).

    role: "calibration", "check" or "input" (a figure the model takes as data).
    model: None when the row cannot be simulated (`reason` says why).
    error: model / measured - 1 (None for a measured zero). within: whether a check row
    meets its bound.
    disagreement: why the row is known to lie outside its bound, where its table says.
    """

    table: str
    id: str
    quantity: str
    unit: str
    role: str
    measured: float
    low: float | None
    high: float | None
    source: str
    model: float | None
    error: float | None
    within: bool | None
    bound: str
    balance_error: float | None
    detail: str
    reason: str
    disagreement: str = ""


def _cache_path(table: Table, row: dict):
    text = json.dumps([table.name, row, model_fingerprint()], sort_keys=True)
    return cache_dir() / "validation" / (hashlib.sha256(text.encode()).hexdigest()[:24] + ".json")


def _predict(job) -> dict:
    """Worker: one row's prediction as a dict (cached)."""
    table_name, row, use_cache = job
    table = registered_tables()[table_name]
    path = _cache_path(table, row)
    if use_cache and path.exists():
        return json.loads(path.read_text())
    model = table.models.get(row["quantity"])
    try:
        if model is None:
            raise NotSimulable(f"no model function for quantity '{row['quantity']}'")
        p = model(row)
        out = {"model": p.value, "balance_error": p.balance_error, "detail": p.detail}
    except NotSimulable as exc:
        out = {"reason": str(exc)}
    except (InputError, SelfCheckError) as exc:  # refused or failed its own checks
        out = {"reason": f"the solver refused it: {exc}"}
    # atomically (session 26, a review): two processes may fill the cache at once (the
    # suite's xdist workers, or two validate runs), and a reader between a truncate and a
    # write read broken JSON
    write_text(path, json.dumps(out))
    return out


def _result(table: Table, row: dict, out: dict) -> RowResult:
    measured = number(row, "measured")
    low, high = number(row, "measured_low"), number(row, "measured_high")
    role = "input" if row["id"] in table.inputs else row.get("role", "check")
    model = out.get("model")
    error = within = None
    bound = ""
    if model is not None and measured is not None:
        # a measured zero (no crater: an intact surface) has a bound but no relative error
        error = model / measured - 1.0 if measured else None
        if table.check is not None:
            within, bound = table.check(row, model)
        else:
            factor = table.bounds.get(row["quantity"], 2.0)
            within, bound = within_bound(model, measured, low, high, factor)
        # a plain bool: a NumPy one (a fresh solve's float64 compared) is never `is False`,
        # and the figures drew a fresh run's rows outside their bound as inside
        within = bool(within)
    reason = out.get("reason", "")
    if role == "input":
        reason = reason or f"model input: {table.inputs[row['id']]}"
    return RowResult(
        table=table.name,
        id=row["id"],
        quantity=row["quantity"],
        unit=row.get("unit", ""),
        role=role,
        measured=measured if measured is not None else math.nan,
        low=low,
        high=high,
        source=row.get("source", ""),
        model=model,
        error=error,
        within=within,
        bound=bound,
        balance_error=out.get("balance_error"),
        detail=out.get("detail", ""),
        reason=reason,
        disagreement=table.disagreement(row) if table.disagreement else "",
    )


def run_validation(
    names=None, workers: int = 2, use_cache: bool = True, ids=None, progress: bool = False
) -> list[RowResult]:
    """Every row of the named tables (all registered when None; only `ids` if given),
    simulated in `workers` processes (1: in this process), with a progress bar over the
    rows on stderr if `progress`."""
    from tqdm import tqdm

    tables = registered_tables()
    jobs, owners = [], []
    for name in names or tables:
        for row in read_rows(tables[name]):
            if ids is None or row["id"] in ids:
                jobs.append((name, row, use_cache))
                owners.append((tables[name], row))
    bar = tqdm(total=len(jobs), desc="validation rows", unit="row", leave=False,
               disable=not progress)  # fmt: skip
    with bar:
        outputs = _predict_all(jobs, workers, bar)
    return [_result(t, row, out) for (t, row), out in zip(owners, outputs, strict=True)]


def _predict_all(jobs: list, workers: int, bar) -> list[dict]:
    """`_predict` of every job, in job order, in `workers` processes, ticking `bar`."""
    if workers <= 1 or len(jobs) <= 1:
        outputs = []
        for job in jobs:
            outputs.append(_predict(job))
            bar.update()
        return outputs
    # longest first: threshold and slope rows run several solves
    order = sorted(range(len(jobs)), key=lambda i: -_weight(jobs[i][1]))
    # spawn, not fork: a fork after numba's parallel kernels have started their
    # threads in this process leaves the children's thread pool broken
    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_share_the_cores, initargs=(threads,)
    ) as pool:
        futures = {pool.submit(_predict, jobs[i]): i for i in order}
        outs = {}
        for future in as_completed(futures):
            outs[futures[future]] = future.result()
            bar.update()
    return [outs[i] for i in range(len(jobs))]


def _share_the_cores(threads: int) -> None:
    """Worker start: numba's parallel kernels take `threads` threads, the cores divided
    among the workers. Each would otherwise start one thread per core, and two workers
    on two cores ran `validate` in 3 min 31 s against 52 s in one process."""
    import numba

    numba.set_num_threads(threads)


def _weight(row: dict) -> float:
    return {"ablation_threshold": 9.0, "heat_of_ablation": 2.0}.get(row["quantity"], 1.0)


def as_dict(result: RowResult) -> dict:
    return asdict(result)
