"""Models of the JSON API: the planner's request (`PlanRequest`, ``POST /api/plan``;
a plan itself follows the plan schema), what each endpoint answers, for the OpenAPI
document (Swagger UI, ReDoc, clients generated from it), and the error answers
every endpoint documents (403, 404, 409, 413, 415, 421, 422, 503).

The models describe the answers the routes build; they allow extra keys, so a
field added to a view shows up before its model names it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from resurfacer.plan.schema import AreaEntry, DeviceName, Patient
from resurfacer.planning.planner import INDICATIONS
from resurfacer.treatment import OutcomeSummary
from resurfacer.web.limits import MAX_PLAN_AREAS, MAX_PLAN_N_BEST

if TYPE_CHECKING:
    # the indications are read from data/indications.toml at import, which a type checker
    # cannot make a Literal of: to it a plain str (as the choices of `plan.schema`)
    IndicationName = str
else:
    IndicationName = Literal[tuple(INDICATIONS)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorMessage(BaseModel):
    """An error answer with one message (403, 404, 409, 413, 415, 421, 503)."""

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


class PlanRequest(BaseModel):
    """``POST /api/plan``: the planner's question (`planning.planner.plan_treatment`):
    which settings reach the indication's target depth on this patient and these areas
    with the least downtime, inside the safety rules. `patient` and `areas` are those of
    a plan file (the plan schema checks them, with its messages)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    indication: IndicationName = Field(
        description="what to treat (data/indications.toml: target depth and coverage)",
        examples=["acne_scars"],
    )
    patient: Patient
    areas: list[AreaEntry] = Field(
        min_length=1,
        max_length=MAX_PLAN_AREAS,
        description="the treated areas, each {site, area_cm2} or {preset}",
    )
    device: DeviceName | None = Field(
        None,
        description="a device preset; default: co2_dual, or for phototypes IV-VI the device "
        "the sources prefer for the indication",
    )
    max_downtime_days: float | None = Field(
        None, gt=0, le=365, description="plans with a longer predicted downtime are left out"
    )
    n_best: int = Field(
        3, ge=1, le=MAX_PLAN_N_BEST, description="plans to propose, each verified by simulation"
    )


class Submitted(_Open):
    """``POST /api/simulate`` and ``POST /api/plan`` 202: the job that will compute the
    plan (or the planner's plans)."""

    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    cached: bool
    status_url: str
    kind: Literal["simulate", "plan"] = "simulate"


class PlannerAnswer(_Open):
    """A done planner job's `result` (`planning.planner.PlannerResult.to_dict`, plus the
    request and, per plan, `form_plan`: the plan the web form loads)."""

    indication: str
    target: dict[str, Any]
    reached: bool
    shortfall: str = Field(description="what the nearest plan lacks when not reached")
    message: str
    device: str
    device_reason: str
    binding_rules: list[str] = Field(
        description="the best plan's rules: those it sits at and those that kept "
        "better-ranked plans out (each plan's at_limits and kept_out_by tell them apart); "
        "with no plan, the rules that excluded every candidate"
    )
    broken_rules: list[str] = Field(description="rules broken by plans tried and dropped")
    dropped: list[dict[str, Any]] = Field(
        description="each plan dropped and the rule it broke: {plan, rule, sites, message, "
        "downtime_days (the full simulation's, where the downtime cap dropped it)}"
    )
    plans: list[dict[str, Any]] = Field(description="the ranked plans, best first")
    tradeoff: list[dict[str, Any]] = Field(
        description="least downtime per depth reached (days against µm), a front"
    )
    request: dict[str, Any]


class JobView(_Open):
    """A job: queued / running (with its progress) / done (with the summary) / failed."""

    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    kind: Literal["simulate", "plan"] | None = Field(
        None, description="simulate: a plan's simulation; plan: a planner request"
    )
    error: str | None = None
    plan_name: str | None = None
    progress: float | None = Field(
        None, ge=0, le=1, description="share done: columns solved / total, then the report"
    )
    stage: str | None = Field(
        None,
        description="what the job is doing: columns, report (simulate); surrogate tables, "
        "screening, verifying (plan)",
    )
    elapsed_s: float | None = None
    queue_position: int | None = None
    summary: OutcomeSummary | dict[str, Any] | None = None
    result: PlannerAnswer | None = Field(None, description="a done planner job's plans")
    runtime_s: float | None = None
    report_url: str | None = None
    cached: bool | None = None


class Presets(_Open):
    """``GET /api/presets``: devices, sites, area presets, the planner's indications and
    the server's caps."""

    devices: dict[str, Any]
    sites: list[str]
    area_presets: list[str]
    indications: dict[str, Any]
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
        403: (ErrorMessage, "cross-origin request: its Origin is not a host served here"),
        404: (ErrorMessage, "no such job (unknown id, or its result was evicted)"),
        409: (ErrorMessage, "the job is not done yet"),
        413: (ErrorMessage, "request body too large"),
        415: (ErrorMessage, "the body is not sent as Content-Type: application/json"),
        421: (ErrorMessage, "the Host header names no host served here"),
        422: (ValidationFailed, "bad plan: every bad field, each with what is allowed"),
        503: (ErrorMessage, "the job queue is full; retry after the Retry-After seconds"),
    }
    return {c: {"model": described[c][0], "description": described[c][1]} for c in codes}
