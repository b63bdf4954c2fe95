"""Validate a plan (``POST /api/validate``) and submit it (``POST /api/simulate``).

Both read the body the same way (`read_plan`): strict JSON (`web.body.read_json`, the
CLI's `plan.input.parse_json`: no NaN or Infinity, bounded nesting and integers), an
object, the plan schema (the CLI's `Plan.from_data`), the server's caps
(`web.limits.check_plan`); a bad plan is answered as a 422 naming every bad field, each
`loc` following the body's keys (`web.errors.checked_against`). The job runs the same checks again
in its worker, so what validates here is what runs.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from resurfacer.errors import InputError
from resurfacer.plan.schema import Plan
from resurfacer.web import limits
from resurfacer.web.body import read_json
from resurfacer.web.errors import checked_against
from resurfacer.web.jobs import QueueFull
from resurfacer.web.models import JobView, Submitted, Validated, errors
from resurfacer.web.routes.jobs import job_view
from resurfacer.web.store import plan_key

router = APIRouter()

JSON_BODY = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}


async def read_plan(request: Request) -> Plan:
    """The request's plan, validated and inside the server's caps (else a 422,
    `web.errors.Unprocessable`)."""
    data = read_json(await request.body())
    with checked_against(data):
        if not isinstance(data, dict):
            raise InputError("body", type(data).__name__, "a plan as a JSON object")
        return limits.check_plan(Plan.from_data(data))


@router.post(
    "/api/validate",
    summary="Validate a plan (same schema as the CLI, plus the server's caps)",
    response_model=Validated,
    responses=errors(403, 413, 415, 421, 422),
    openapi_extra=JSON_BODY,
)
async def validate(request: Request):
    plan = await read_plan(request)
    key = plan_key(plan)
    cached = await run_in_threadpool(request.app.state.store.get, key)
    return {"valid": True, "plan": plan.to_dict(), "key": key, "cached": cached is not None}


@router.post(
    "/api/simulate",
    status_code=202,
    summary="Submit a plan: 202 with a job id, or 200 with the stored result",
    response_model=Submitted,
    responses={
        200: {"model": JobView, "description": "the plan was computed before: its result"},
        **errors(403, 413, 415, 421, 422, 503),
    },
    openapi_extra=JSON_BODY,
)
async def simulate(request: Request):
    plan = await read_plan(request)
    key = plan_key(plan)
    state = request.app.state
    view = await run_in_threadpool(job_view, state, key)
    if view is not None and view["status"] == "done":
        return JSONResponse({**view, "cached": True}, status_code=200)
    try:
        job = state.jobs.submit(key, plan.to_dict())
    except QueueFull as exc:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "10"})
    return JSONResponse(
        {
            "job_id": job.id,
            "status": job.status,
            "kind": "simulate",
            "cached": False,
            "status_url": f"/api/jobs/{job.id}",
        },
        status_code=202,
    )
