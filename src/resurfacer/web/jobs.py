"""Simulation jobs in a pool of worker processes, each job under a time limit.

`JobManager` owns `workers` long-lived worker processes (``spawn`` start method,
so nothing of the server's threads or sockets is inherited). Each worker has
one dispatcher thread in the server that takes the next job from a shared queue,
sends it down a pipe and waits for the answer at most `job_timeout_s`, taking
the progress messages the worker sends meanwhile (the fraction of the work done,
shown by the planner page):

* the answer is a result: it is written to the `ResultStore`, the job is ``done``;
* the job function raised: the job is ``failed`` with the exception as text;
* no answer in time: the worker is killed and replaced, the job is ``failed``
  with "timed out after N s";
* the worker died (a crash, out of memory): it is replaced, the job is ``failed``
  with its exit code.

So a bad job costs one worker restart, never the server. Two kinds of job share the
pool: a plan to simulate (`job_fn`, default `simulate_plan`) and a planner request
(``{"planner": request}``, `plan_fn`, default `web.plan_jobs.suggest_plans`); the
dispatcher names the function of each job to the worker. Workers keep the column
cache of `treatment.column_for` between jobs: a plan that differs from an earlier
one only in density, pattern or area reuses its columns and runs in well under a
second.

A job's id is the plan's store key, so identical plans submitted while one is
queued or running share one job, and a finished job's id stays valid after a
restart (it is looked up in the store). The queue is bounded (`max_queued`).

Every job is also a row of the store's ``jobs`` table, written at each change of
state. A new `JobManager` on the same store resumes the jobs left queued (in the
order they came) and fails those left running with the reason ("the server
stopped while this job was running"), so no accepted job is lost to a restart,
even after SIGKILL. Workers die with the server (`web.worker`: the kernel's
parent-death signal, armed before the worker imports anything heavy, and a
thread that watches the parent's pid).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass, field

from resurfacer.web.plan_jobs import is_planner, suggest_plans
from resurfacer.web.store import ResultStore
from resurfacer.web.worker import function_ref, worker_main

STATUSES = ("queued", "running", "done", "failed")
#: why a job that was running when the server stopped failed
STOPPED_WHILE_RUNNING = (
    "the server stopped while this job was running (restart); submit the plan again"
)


#: share of a job's progress given to the column solves (columns solved / total); the
#: report is the rest. The reference full-face plan takes about 9 s of column solves
#: and 1.6 s of report (docs/report.md), so the report is about 15 %.
SIMULATION_SHARE = 0.85


def stage_of(progress: float) -> str:
    """What a running job is doing at `progress`: "columns" or "report"."""
    return "columns" if progress < SIMULATION_SHARE else "report"


def simulate_plan(plan_data: dict, progress=lambda fraction: None) -> dict:
    """The default job: validate, check the caps, simulate, render the report.

    Runs in a worker process; `progress(fraction)` is called as the column
    solves finish (up to SIMULATION_SHARE) and when the report is rendered (1).
    Returns the summary (plain JSON data), the report HTML (None while
    `resurfacer.report` is not installed) and the run time.
    """
    from resurfacer.plan.schema import Plan
    from resurfacer.treatment import TREATMENT_SOLVER, simulate
    from resurfacer.web.limits import check_plan, check_solver

    start = time.perf_counter()
    plan = check_plan(Plan.from_data(plan_data))
    outcome = simulate(
        plan,
        check_solver(TREATMENT_SOLVER),
        on_progress=lambda done: progress(SIMULATION_SHARE * done),
    )
    try:
        from resurfacer.report import render_html
    except ImportError:
        report = None
    else:
        report = render_html(outcome, plan)
    progress(1.0)
    return {
        "summary": outcome.summary.rounded(),
        "report_html": report,
        "runtime_s": time.perf_counter() - start,
    }


@dataclass
class Job:
    """One submitted plan (its id is the plan's store key)."""

    id: str
    plan: dict
    status: str = "queued"
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    progress: float = 0.0  # fraction of the work done, as the worker last said

    @property
    def kind(self) -> str:
        """The kind of job: "plan" (a planner request) or "simulate" (a plan)."""
        return "plan" if is_planner(self.plan) else "simulate"

    def elapsed_s(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started


class QueueFull(Exception):
    """More jobs are waiting than the server accepts."""


class JobManager:
    """Worker processes, a bounded job queue and the jobs' states."""

    def __init__(
        self,
        store: ResultStore,
        workers: int = 2,
        job_timeout_s: float = 600.0,
        job_fn=simulate_plan,
        max_queued: int = 200,
        keep_jobs: int = 1000,
        start_timeout_s: float = 300.0,
        plan_fn=suggest_plans,
    ):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.store = store
        self.job_timeout_s = float(job_timeout_s)
        self.start_timeout_s = float(start_timeout_s)
        self.job_fn = job_fn
        self.plan_fn = plan_fn
        self.max_queued = max_queued
        self.keep_jobs = keep_jobs
        self._ctx = multiprocessing.get_context("spawn")
        self._queue: queue.Queue = queue.Queue()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._procs: list = [None] * workers
        self._ready: list[bool] = [False] * workers
        self._threads = [
            threading.Thread(target=self._dispatch, args=(i,), daemon=True, name=f"job-worker-{i}")
            for i in range(workers)
        ]
        self.restarts = 0
        self._restore()
        for t in self._threads:
            t.start()

    # --- public -------------------------------------------------------------------------

    def submit(self, key: str, plan: dict) -> Job:
        """Queue a plan (or return the job already queued, running or done for it)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.status in ("queued", "running"):
                return job
            if job is not None and job.status == "done" and self.store.get(key) is not None:
                return job
            waiting = sum(1 for j in self._jobs.values() if j.status == "queued")
            if waiting >= self.max_queued:
                raise QueueFull(f"{waiting} jobs are waiting; try again later")
            job = Job(id=key, plan=plan)
            self._jobs[key] = job
            self._prune()
            self.store.save_job(job)
        self._queue.put(job)
        return job

    def forget(self, key: str) -> None:
        """Drop a done job whose result the store no longer has (evicted), so that its
        plan is computed again when it comes back."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.status == "done":
                del self._jobs[key]
        self.store.forget_job(key)

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def queue_position(self, job: Job) -> int:
        """Jobs queued before this one (0 when it is next)."""
        with self._lock:
            return sum(
                1
                for j in self._jobs.values()
                if j.status == "queued" and j.submitted < job.submitted
            )

    def stats(self) -> dict:
        """Workers, the time limit, restarts and the jobs by status; done ones are the
        stored results (a restart takes up no done job: they are answered from the
        store, so counting those in memory said 0 beside a full store)."""
        with self._lock:
            counts = {s: 0 for s in STATUSES}
            for j in self._jobs.values():
                counts[j.status] += 1
        counts["done"] = len(self.store)
        return {
            "workers": len(self._threads),
            "job_timeout_s": self.job_timeout_s,
            "worker_restarts": self.restarts,
            "jobs": counts,
        }

    def shutdown(self) -> None:
        """Stop the dispatchers and end every worker process."""
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        for i, proc in enumerate(self._procs):
            if proc is not None:
                conn, p = proc
                try:
                    conn.send(None)
                except (OSError, ValueError):
                    pass
                p.join(timeout=2)
                if p.is_alive():
                    p.kill()
                    p.join(timeout=2)
                self._procs[i] = None
        for t in self._threads:
            t.join(timeout=2)

    # --- internals ----------------------------------------------------------------------

    def _restore(self) -> None:
        """Take up the jobs of the store: queued ones queue again (oldest first),
        running ones fail with the reason, failed ones keep their error."""
        for record in self.store.load_jobs():
            job = Job(**record)
            if job.status == "running":
                job.status, job.error, job.finished = "failed", STOPPED_WHILE_RUNNING, time.time()
                self.store.save_job(job)
            elif job.status == "done":
                continue  # answered from the store (or recomputed if evicted)
            self._jobs[job.id] = job
            if job.status == "queued":
                self._queue.put(job)

    def _set(self, job: Job, **changes) -> None:
        """Change a job's state, in memory and in the store."""
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)
        self.store.save_job(job)

    def _prune(self) -> None:
        if len(self._jobs) <= self.keep_jobs:
            return
        finished = [j for j in self._jobs.values() if j.status in ("done", "failed")]
        finished.sort(key=lambda j: j.finished or 0)
        for j in finished[: len(self._jobs) - self.keep_jobs]:
            del self._jobs[j.id]
            if j.status == "failed":
                self.store.forget_job(j.id)

    def _start_worker(self, i: int):
        parent, child = self._ctx.Pipe()
        p = self._ctx.Process(
            target=worker_main,
            args=(child, function_ref(self.job_fn), os.getpid()),
            daemon=True,
            name=f"resurfacer-{i}",
        )
        p.start()
        child.close()
        self._procs[i] = (parent, p)
        self._ready[i] = False
        return parent, p

    def _kill_worker(self, i: int) -> int | None:
        conn, p = self._procs[i]
        self._procs[i] = None
        self._ready[i] = False
        if p.is_alive():
            p.kill()
        p.join(timeout=5)
        conn.close()
        self.restarts += 1
        return p.exitcode

    def _dispatch(self, i: int) -> None:
        self._start_worker(i)
        while not self._stopping.is_set():
            job = self._queue.get()
            if job is None:
                return
            try:
                self._run_and_record(i, job)
            except Exception as exc:  # noqa: BLE001 - one job must not stop the dispatcher
                with self._lock:
                    job.status, job.finished = "failed", time.time()
                    job.error = f"the server failed while running the job: {exc!r}"

    def _run_and_record(self, i: int, job: Job) -> None:
        """Run `job` on worker `i` and record its end (status, error, stored result)."""
        if self._procs[i] is None:
            self._start_worker(i)
        self._set(job, status="running")
        status, error, result = self._run_one(i, job)
        if self._stopping.is_set() and status == "failed":
            status, error = "failed", STOPPED_WHILE_RUNNING
        if status == "done":
            try:
                self.store.put(
                    job.id,
                    job.plan,
                    result["summary"],
                    result.get("report_html"),
                    result.get("runtime_s", job.elapsed_s()),
                )
            except Exception as exc:  # noqa: BLE001
                status, error = "failed", f"could not store the result: {exc}"
        self._set(job, status=status, error=error, finished=time.time())

    def _run_one(self, i: int, job: Job):
        conn, p = self._procs[i]
        try:
            if not self._ready[i]:
                # the time limit counts from the hand-over, not from the worker's start
                if not conn.poll(self.start_timeout_s) or conn.recv() != ("ready",):
                    self._kill_worker(i)
                    return "failed", "the worker process did not start", None
                self._ready[i] = True
            with self._lock:
                job.started = time.time()
            # the worker runs its own job_fn, or the function named here (planner jobs)
            ref = function_ref(self.plan_fn) if job.kind == "plan" else None
            conn.send((job.id, job.plan, ref))
            deadline = time.monotonic() + self.job_timeout_s
            while True:
                if not conn.poll(max(deadline - time.monotonic(), 0.0)):
                    self._kill_worker(i)
                    return (
                        "failed",
                        f"timed out after {self.job_timeout_s:g} s (worker restarted)",
                        None,
                    )
                answer = conn.recv()
                if answer[0] != "progress":
                    break
                with self._lock:
                    job.progress = float(answer[1])
        except (EOFError, OSError, BrokenPipeError):
            code = self._kill_worker(i)
            return "failed", f"the worker process died (exit code {code}); it was restarted", None
        if answer[0] == "ok":
            return "done", None, answer[1]
        return "failed", answer[1], None
