"""Ask the planner for settings (``POST /api/plan``): a job like ``POST /api/simulate``.

The body is a `web.models.PlanRequest` (indication, patient, areas; optionally device,
max_downtime_days, n_best), read as strict JSON (`web.body.read_json`) and checked by
`plan_jobs.read_plan_request` (a bad request is answered as a 422 naming each bad field
and what it allows, `web.errors.checked_against`). The job runs
`planning.planner.plan_treatment` in a worker; ``GET /api/jobs/{id}`` answers its
progress, then its ranked plans (`result`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from resurfacer.web.body import read_json
from resurfacer.web.errors import checked_against
from resurfacer.web.jobs import QueueFull
from resurfacer.web.models import JobView, PlanRequest, Submitted, errors
from resurfacer.web.plan_jobs import planner_payload, read_plan_request
from resurfacer.web.routes.jobs import job_view
from resurfacer.web.store import data_key

router = APIRouter()

EXAMPLE = {
    "indication": "acne_scars",
    "patient": {"sex": "female", "age_years": 45, "phototype": 2},
    "areas": [{"site": "cheek", "area_cm2": 50}],
    "n_best": 3,
}


def _inline(schema, defs: dict):
    """`schema` with its ``#/$defs/...`` references replaced by the definitions (the
    OpenAPI document keeps no $defs of a hand-written request body)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.split("/")[-1]], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def request_schema() -> dict:
    """The JSON Schema of a planner request, self-contained."""
    schema = PlanRequest.model_json_schema()
    return _inline(schema, schema.get("$defs", {}))


@router.post(
    "/api/plan",
    status_code=202,
    summary="Suggest settings (planner): 202 with a job id, or 200 with the stored plans",
    response_model=Submitted,
    responses={
        200: {"model": JobView, "description": "asked before: the planner's stored answer"},
        **errors(403, 413, 415, 421, 422, 503),
    },
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": request_schema(), "example": EXAMPLE}}
        }
    },
)
async def plan(request: Request):
    data = read_json(await request.body())
    with checked_against(data):
        planner_request, _ = read_plan_request(data)
    payload = planner_payload(planner_request.model_dump(mode="json", exclude_none=True))
    key = data_key(payload)
    state = request.app.state
    view = await run_in_threadpool(job_view, state, key)
    if view is not None and view["status"] == "done":
        return JSONResponse({**view, "cached": True}, status_code=200)
    try:
        job = state.jobs.submit(key, payload)
    except QueueFull as exc:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "10"})
    return JSONResponse(
        {
            "job_id": job.id,
            "status": job.status,
            "kind": "plan",
            "cached": False,
            "status_url": f"/api/jobs/{job.id}",
        },
        status_code=202,
    )
