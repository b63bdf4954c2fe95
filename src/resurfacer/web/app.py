"""FastAPI app factory of the web planner (see docs/web.md).

Endpoints (one module per group in `resurfacer.web.routes`)
-----------------------------------------------------------
``GET /``                      the planner: form, run with progress, result and report
``GET /compare``               two plans side by side
``GET /docs``, ``GET /redoc``  Swagger UI (try-it-out) and ReDoc, offline (``/openapi.json``)
``GET /api/schema``            the plan JSON Schema
``GET /api/presets``           devices (modes, defaults, ranges), sites, area presets, caps
``POST /api/validate``         a plan -> 200 with the expanded plan, or 422
``POST /api/simulate``         a plan -> 202 {job_id, status}, or 200 with the stored result
``POST /api/plan``             indication, patient, areas -> 202 {job_id}: the planner's
                               ranked plans (or 200 with the stored answer)
``GET /api/jobs/{id}``         queued / running / done (summary, or the planner's result) /
                               failed (error)
``GET /api/jobs/{id}/report``  the HTML report of a done job
``GET /api/health``            workers, queue and store counts

Bad input is a 422 in FastAPI's shape, ``{"detail": [{"loc": ["passes", 1,
"density_percent"], "msg": ..., "input": ..., "type": "value_error"}]}``, built
from the plan's `InputError` (`web.errors`); a request body over ``max_body_bytes``
is a 413 (`web.middleware`).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles

from resurfacer import __version__
from resurfacer.errors import InputError
from resurfacer.web import limits
from resurfacer.web.errors import Unprocessable, error_details, unprocessable
from resurfacer.web.jobs import JobManager, simulate_plan
from resurfacer.web.middleware import LOOPBACK_HOSTS, BodySizeLimit, RequestGuard, SecurityHeaders
from resurfacer.web.plan_jobs import suggest_plans
from resurfacer.web.routes import ROUTERS
from resurfacer.web.routes.docs import DOCS_ASSETS_URL, assets_dir
from resurfacer.web.store import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_RESULTS,
    ResultStore,
    default_store_path,
)

HERE = Path(__file__).parent


def _lifespan(store_path, store_options: dict, job_options: dict):
    """Open the store and start the workers with the app; stop them with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        path = default_store_path() if store_path is None else store_path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        store = ResultStore(path, **store_options)
        app.state.store = store
        app.state.jobs = JobManager(store, **job_options)
        try:
            yield
        finally:
            await run_in_threadpool(app.state.jobs.shutdown)
            store.close()

    return lifespan


async def _input_error(request: Request, exc: InputError):
    return unprocessable(error_details(exc))


async def _unprocessable(request: Request, exc: Unprocessable):
    return unprocessable(exc.detail)


def _without_framework_422(app: FastAPI):
    """`app.openapi` less the 422 FastAPI documents on every route with a parameter (its
    `HTTPValidationError`): a job id is any text and never refused, and the routes that
    do refuse bad input document their own 422 (`web.models.ValidationFailed`)."""
    generate = app.openapi

    def openapi() -> dict:
        fresh = app.openapi_schema is None
        doc = generate()
        if fresh:
            for operations in doc["paths"].values():
                for op in operations.values():
                    if "HTTPValidationError" in str(op.get("responses", {}).get("422")):
                        del op["responses"]["422"]
            for name in ("HTTPValidationError", "ValidationError"):
                doc.get("components", {}).get("schemas", {}).pop(name, None)
        return doc

    return openapi


def create_app(
    store_path=None,
    workers: int = 2,
    job_timeout_s: float = 600.0,
    job_fn=simulate_plan,
    max_body_bytes: int = limits.MAX_BODY_BYTES,
    max_queued: int = 200,
    max_results: int = DEFAULT_MAX_RESULTS,
    max_store_bytes: int = DEFAULT_MAX_BYTES,
    allowed_hosts=LOOPBACK_HOSTS,
    plan_fn=suggest_plans,
) -> FastAPI:
    """The web planner app.

    Parameters
    ----------
    store_path : SQLite file of computed results (created if missing; default
        `store.default_store_path`, the user's data folder).
    workers : simulation worker processes.
    job_timeout_s : wall-clock limit of one job; a job over it is failed and its
        worker replaced.
    job_fn : the function a worker runs as job_fn(plan dict, progress), where
        progress(fraction) reports the share of the work done (tests replace
        it; it is never taken from a request).
    max_body_bytes : request bodies over this get 413.
    max_queued : jobs waiting beyond this get 503 with Retry-After.
    max_results : stored results kept (the least recently used go first).
    max_store_bytes : bytes of stored results kept (same order).
    allowed_hosts : Host header values served (`web.middleware.RequestGuard`); the
        default is loopback (``resurfacer serve`` adds the bound address).
    plan_fn : the function a worker runs for a planner request (``POST /api/plan``),
        plan_fn(payload, progress) (tests give the planner a coarser solver).
    """
    job_options = {
        "workers": workers,
        "job_timeout_s": job_timeout_s,
        "job_fn": job_fn,
        "max_queued": max_queued,
        "plan_fn": plan_fn,
    }
    app = FastAPI(
        title="resurfacer web planner",
        version=__version__,
        description="Simulate laser skin resurfacing plans (plans follow `GET /api/schema`) "
        "and ask the planner for settings (`POST /api/plan`).",
        docs_url=None,  # FastAPI's own pages load their assets from a CDN: routes.docs
        redoc_url=None,
        lifespan=_lifespan(
            store_path, {"max_results": max_results, "max_bytes": max_store_bytes}, job_options
        ),
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, limit=max_body_bytes)
    app.add_middleware(RequestGuard, allowed_hosts=allowed_hosts)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")
    # starlette types a handler as taking any Exception; this one is for InputError only
    app.add_exception_handler(InputError, _input_error)  # type: ignore[arg-type]
    app.add_exception_handler(Unprocessable, _unprocessable)  # type: ignore[arg-type]
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = _without_framework_422(app)  # type: ignore[method-assign]
    return app
