"""Response models of the JSON API: what each endpoint answers, for the OpenAPI
document (Swagger UI, ReDoc, clients generated from it), and the error answers
every endpoint documents (404, 409, 413, 422, 503).

The models describe the answers the routes build; they allow extra keys, so a
field added to a view shows up before its model names it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from resurfacer.treatment import OutcomeSummary


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorMessage(BaseModel):
    """An error answer with one message (404, 409, 413, 503)."""

    detail: str = Field(examples=["no such job"])


class FieldError(BaseModel):
    """One bad field of a plan, in FastAPI's shape plus the field path and what is
    allowed (passes counted from 0 in `loc` and `field`, the message names the pass
    as people count it)."""

    type: str = "value_error"
    loc: list[str | int] = Field(examples=[["passes", 1, "density_percent"]])
    msg: str = Field(examples=["got 150; allowed: a number in [0.01, 100] %"])
    input: Any = None
    field: str = Field(examples=["passes[1].density_percent"])
    allowed: str


class ValidationFailed(BaseModel):
    """422: every bad field of the plan at once."""

    detail: list[FieldError]


class Validated(_Open):
    """``POST /api/validate``: the plan with device presets filled in."""

    valid: bool
    plan: dict[str, Any]
    key: str = Field(description="the plan's store key (its job id when submitted)")
    cached: bool = Field(description="a result for this plan is stored already")


class Submitted(_Open):
    """``POST /api/simulate`` 202: the job that will compute the plan."""

    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    cached: bool
    status_url: str


class JobView(_Open):
    """A job: queued / running (with its progress) / done (with the summary) / failed."""

    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    error: str | None = None
    plan_name: str | None = None
    progress: float | None = Field(
        None, ge=0, le=1, description="share done: columns solved / total, then the report"
    )
    stage: str | None = Field(None, description="what the job is doing: columns, report")
    elapsed_s: float | None = None
    queue_position: int | None = None
    summary: OutcomeSummary | dict[str, Any] | None = None
    runtime_s: float | None = None
    report_url: str | None = None
    cached: bool | None = None


class Presets(_Open):
    """``GET /api/presets``: devices, sites, area presets and the server's caps."""

    devices: dict[str, Any]
    sites: list[str]
    area_presets: list[str]
    limits: dict[str, float | int]
    version: str


class Health(_Open):
    """``GET /api/health``: workers, jobs by status and stored results."""

    status: str
    version: str
    stored_results: int
    workers: int
    jobs: dict[str, int]


def errors(*codes: int) -> dict:
    """The documented error answers of a route: {status: {model, description}}."""
    described = {
        404: (ErrorMessage, "no such job (unknown id, or its result was evicted)"),
        409: (ErrorMessage, "the job is not done yet"),
        413: (ErrorMessage, "request body too large"),
        422: (ValidationFailed, "bad plan: every bad field, each with what is allowed"),
        503: (ErrorMessage, "the job queue is full; retry after the Retry-After seconds"),
    }
    return {c: {"model": described[c][0], "description": described[c][1]} for c in codes}
