"""A job's status, its plan and its report (``/api/jobs/{id}...``).

A job's id is its plan's store key; a done job is answered from the store (so also
after a restart), one still queued, running or failed from the `JobManager`. A planner
job (``POST /api/plan``) answers its plans as `result` and has no report.
"""

from __future__ import annotations

import gzip
import re
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from resurfacer.web.jobs import stage_of
from resurfacer.web.models import JobView, errors
from resurfacer.web.plan_jobs import is_planner, planner_stage

KEY_RE = re.compile(r"^[0-9a-f]{64}$")

router = APIRouter()


def _not_found() -> JSONResponse:
    return JSONResponse({"detail": "no such job"}, status_code=404)


def stored_view(key: str, stored: dict) -> dict:
    """The view of a done job from its stored result (its run time to 0.01 s, as
    `elapsed_s`; the store keeps it whole)."""
    if is_planner(stored["plan"]):
        return {
            "job_id": key,
            "status": "done",
            "kind": "plan",
            "error": None,
            "result": stored["summary"],
            "runtime_s": round(stored["runtime_s"], 2),
        }
    return {
        "job_id": key,
        "status": "done",
        "kind": "simulate",
        "error": None,
        "plan_name": stored["plan"].get("name"),
        "summary": stored["summary"],
        "runtime_s": round(stored["runtime_s"], 2),
        "report_url": f"/api/jobs/{key}/report",
    }


def job_view(state, key: str) -> dict | None:
    """What ``GET /api/jobs/{key}`` answers (None: no such job); `state` is the app's."""
    job = state.jobs.get(key)
    if job is None or job.status == "done":
        stored = state.store.get(key)
        if stored is not None:
            return stored_view(key, stored)
        if job is not None:  # done, but its result was evicted: as if never run
            state.jobs.forget(key)
            return None
    if job is None:
        return None
    stage = planner_stage if job.kind == "plan" else stage_of
    view = {
        "job_id": key,
        "status": job.status,
        "kind": job.kind,
        "error": job.error,
        "plan_name": job.plan.get("name"),
        "elapsed_s": round(job.elapsed_s(), 2),
        "progress": round(job.progress, 3),
        "stage": stage(job.progress) if job.status == "running" else None,
    }
    if job.status == "queued":
        view["queue_position"] = state.jobs.queue_position(job)
    return view


def fallback_report(stored: dict) -> str:
    """A plain report from the summary, for results stored without an HTML report."""
    summary = stored["summary"]
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
        for k, v in summary.items()
        if not isinstance(v, list | dict)
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>resurfacer summary</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:1rem}th{text-align:left;"
        "padding-right:1rem}</style><h1>Summary</h1><p>The full report was not "
        f"available when this result was computed.</p><table>{rows}</table>"
    )


@router.get(
    "/api/jobs/{job_id}",
    summary="A job's status and progress; the summary when done",
    response_model=JobView,
    response_model_exclude_none=True,
    responses=errors(404, 421),
)
def job_status(job_id: str, request: Request):
    view = job_view(request.app.state, job_id) if KEY_RE.match(job_id) else None
    if view is None:
        return _not_found()
    return view


@router.get(
    "/api/jobs/{job_id}/plan",
    summary="The (expanded) plan of a job",
    response_model=dict[str, Any],
    responses=errors(404, 421),
)
def job_plan(job_id: str, request: Request):
    state = request.app.state
    # a job whose result was evicted is gone, as for its status and report
    if not KEY_RE.match(job_id) or job_view(state, job_id) is None:
        return _not_found()
    stored = state.store.get(job_id)
    if stored is not None:
        return stored["plan"]
    job = state.jobs.get(job_id)
    return _not_found() if job is None else job.plan


@router.get(
    "/api/jobs/{job_id}/report",
    summary="The HTML report of a done job",
    response_class=HTMLResponse,
    responses={200: {"description": "the report, one HTML document"}, **errors(404, 409, 421)},
)
def job_report(job_id: str, request: Request):
    state = request.app.state
    view = job_view(state, job_id) if KEY_RE.match(job_id) else None
    if view is None:
        return _not_found()
    if view.get("kind") == "plan":
        return JSONResponse(
            {"detail": "a planner job has no report: its plans are in the job's result"},
            status_code=404,
        )
    if view["status"] != "done":
        return JSONResponse({"detail": f"job is {view['status']}"}, status_code=409)
    gz = state.store.report_gz(job_id)
    if gz is None:
        stored = state.store.get(job_id)
        if stored is None:  # evicted between the two reads
            return _not_found()
        return HTMLResponse(fallback_report(stored))
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(
            gz,
            media_type="text/html; charset=utf-8",
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    return HTMLResponse(gzip.decompress(gz).decode("utf-8"))
