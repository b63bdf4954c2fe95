"""Planner jobs (``POST /api/plan``): the request read and checked, the planner run in a
worker process, and its answer.

A planner job's payload is ``{"planner": request}`` (`planner_payload`), so the job
queue, the store and ``GET /api/jobs/{id}`` tell it from a plan (a plan has no
``planner`` field). The job runs `planning.planner.plan_treatment`, the function behind
``resurfacer plan``, with the server's solver; nothing of the planner is redone here.
Its answer is the planner's JSON (``resurfacer plan --json``) plus the request and, per
plan, ``form_plan``: the plan as the planner's settings tables (device presets; a
fixed-power source keeps deriving its pulse duration from its power) on the areas as
requested (a preset stays a preset), which the web form loads and ``POST /api/simulate``
runs.

Only the standard library is imported at the top: a worker process resolves
`suggest_plans` by importing this module.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: a worker imports this module cold
    from resurfacer.plan.schema import Plan
    from resurfacer.web.models import PlanRequest

#: the payload key of a planner request
PLANNER = "planner"
#: share of a planner job done when each of its stages starts (the planner's progress
#: lines, `planning.planner._Search.say`); verifying, one simulation per plan, takes the
#: rest up to VERIFIED
SCREENING, VERIFYING, VERIFIED = 0.45, 0.5, 0.95
TABLES = 0.02
#: the pass of the probe plan that checks a request's patient and areas
PROBE_PASS = {"device": "co2_dual", "mode": "deep"}


def planner_payload(request: dict) -> dict:
    """The job payload of a (validated, plain-data) planner request."""
    return {PLANNER: request}


def is_planner(payload) -> bool:
    """Whether a job payload is a planner request (else it is a plan)."""
    return isinstance(payload, dict) and set(payload) == {PLANNER}


def planner_stage(progress: float) -> str:
    """What a running planner job is doing at `progress`."""
    if progress < SCREENING:
        return "surrogate tables"
    return "screening" if progress < VERIFYING else "verifying"


#: what a planner request's `areas` accepts (`web.models.PlanRequest`)
_PLANNER_AREAS = "a list of 1 to {} areas, each {{site, area_cm2}} or {{preset}}"


def read_plan_request(data: object) -> tuple[PlanRequest, Plan]:
    """`data` as a `web.models.PlanRequest`, with a probe `Plan` of its patient and areas;
    InputError (every error at once, on ``errors``) if it is bad.

    Patient and areas are checked by the plan schema (the messages of ``POST
    /api/simulate``) and the server's area cap (`web.limits.check_plan`); the list of
    areas (at most `limits.MAX_PLAN_AREAS`, fewer than a plan file's) and the planner's
    own fields by the request model, each error naming the field and what it allows.
    """
    from pydantic import ValidationError

    from resurfacer.errors import InputError
    from resurfacer.plan.schema import MISSING, Plan
    from resurfacer.web import limits
    from resurfacer.web.errors import request_errors
    from resurfacer.web.models import PlanRequest

    if not isinstance(data, dict):
        raise InputError("body", type(data).__name__, "a planner request as a JSON object")
    errors: list = []
    probe = request = None
    given = {k: data[k] for k in ("patient", "areas") if k in data}
    try:
        # a plan of the request's patient and areas, one default pass (always valid)
        probe = Plan.from_data({"name": "planner request", **given, "passes": [PROBE_PASS]})
    except InputError as exc:
        errors += getattr(exc, "errors", [exc])
    try:
        request = PlanRequest.model_validate(data)
    except ValidationError as exc:
        # the schema has named what is wrong with a patient or an area it refused
        errors += [
            e
            for e in request_errors(exc, PlanRequest)
            if probe is not None or not _schema_checked(e.field)
        ]
    errors = _areas_as_planner_list(errors, data.get("areas", MISSING))
    if errors or request is None or probe is None:
        first = errors[0] if errors else InputError("body", data, "a planner request")
        first.errors = errors or [first]
        raise first
    limits.check_plan(probe)
    return request, probe


def _schema_checked(field: str) -> bool:
    """Whether the plan schema reports the errors at `field` of a planner request: the
    patient's and each area's (the list of areas itself is the request model's)."""
    return field == "patient" or field.startswith(("patient.", "areas["))


def _areas_as_planner_list(errors: list, areas) -> list:
    """`errors` with the one about the list of `areas` as a whole (missing, not a list, too
    few or too many: it echoes the list, or nothing) in the planner's words, once; the
    rest as they came: two areas of one name keep the plan schema's words, which a
    rewording of every error at "areas" hid behind "a list of 1 to 10 areas"."""
    from resurfacer.errors import InputError
    from resurfacer.plan.schema import MISSING
    from resurfacer.web import limits

    allowed = _PLANNER_AREAS.format(limits.MAX_PLAN_AREAS)
    out, worded = [], False
    for e in errors:
        if e.field == "areas" and (e.value is MISSING or e.value == areas):
            if worded:
                continue  # the plan schema and the request model both refused the list
            worded = True
            required = f"a value (required): {allowed}" if e.value is MISSING else allowed
            e = InputError("areas", e.value, required)
        out.append(e)
    return out


class _Stages:
    """The planner's progress lines as the share of the job done."""

    def __init__(self, n_best: int, progress):
        self.n_best = n_best
        self.progress = progress
        self.verified = 0
        self.done = 0.0

    def __call__(self, text: str) -> None:
        if text.startswith("simulate "):
            self.verified += 1
            share = VERIFYING + (VERIFIED - VERIFYING) * min(self.verified / self.n_best, 1.0)
        elif "verifying" in text:
            share = VERIFYING
        elif "candidates" in text:
            share = SCREENING
        else:
            share = TABLES
        self.done = max(self.done, share)
        self.progress(self.done)


def planner_answer(result, request: dict) -> dict:
    """The planner's JSON with the request and each plan's `form_plan` (validated: what
    the form loads is a plan the server accepts)."""
    from resurfacer.common.units import human_text
    from resurfacer.plan.schema import Plan
    from resurfacer.treatment import round_summary

    answer = result.to_dict()
    answer["message"] = human_text(answer["message"])
    answer["shortfall"] = human_text(answer["shortfall"])
    for p in answer["plans"]:
        p["rationale"] = human_text(p["rationale"])
        p["shortfall"] = human_text(p["shortfall"])
        p["form_plan"] = {
            "name": p["plan"]["name"],
            "patient": request["patient"],
            "areas": request["areas"],
            "passes": p["passes"],
        }
        Plan.from_data(p["form_plan"])
        p["predicted"] = round_summary(p["predicted"])
    answer["request"] = request
    return answer


def suggest_plans(payload: dict, progress=lambda fraction: None, **planner_options) -> dict:
    """The planner job: check the request again, run the planner, return its answer.

    Runs in a worker process; `progress(fraction)` follows the planner's stages
    (surrogate tables, screening, one verification per plan). `planner_options` go to
    `plan_treatment` (the server passes none; tests pass a coarser solver). Returns
    the answer (`planner_answer`) as the job's result, no report, and the run time.
    """
    from resurfacer.planning.planner import plan_treatment

    start = time.perf_counter()
    data = payload[PLANNER]
    request, _ = read_plan_request(data)
    result = plan_treatment(
        request.patient,
        request.areas,
        request.indication,
        device=request.device,
        max_downtime_days=request.max_downtime_days,
        n_best=request.n_best,
        progress=_Stages(request.n_best, progress),
        **planner_options,
    )
    progress(1.0)
    return {
        "summary": planner_answer(result, data),
        "report_html": None,
        "runtime_s": time.perf_counter() - start,
    }
