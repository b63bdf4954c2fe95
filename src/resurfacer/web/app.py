"""FastAPI app: the planner pages and the JSON API (see docs/web.md).

Endpoints
---------
``GET /``                      the planner: form, run with progress, result and report
``GET /compare``               two plans side by side
``GET /docs``                  API documentation that works offline (``/openapi.json``)
``GET /api/schema``            the plan JSON Schema
``GET /api/presets``           devices (modes, defaults, ranges), sites, area presets, caps
``POST /api/validate``         a plan -> 200 with the expanded plan, or 422
``POST /api/simulate``         a plan -> 202 {job_id, status}, or 200 with the stored result
``GET /api/jobs/{id}``         queued / running / done (summary) / failed (error)
``GET /api/jobs/{id}/report``  the HTML report of a done job
``GET /api/health``            workers, queue and store counts

Bad input is a 422 in FastAPI's shape, ``{"detail": [{"loc": ["passes", 1,
"density_percent"], "msg": ..., "input": ..., "type": "value_error"}]}``, built
from the plan's `InputError`; a request body over ``max_body_bytes`` is a 413.
"""

from __future__ import annotations

import gzip
import json
import re
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from resurfacer import __version__
from resurfacer.errors import InputError
from resurfacer.plan.schema import AREA_PRESETS, DEVICES, Plan
from resurfacer.tissue.skin import SITES
from resurfacer.web import limits
from resurfacer.web.jobs import JobManager, QueueFull, simulate_plan
from resurfacer.web.store import DEFAULT_MAX_RESULTS, ResultStore, plan_key

HERE = Path(__file__).parent
KEY_RE = re.compile(r"^[0-9a-f]{64}$")
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; frame-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
REPORT_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)


# --- errors -----------------------------------------------------------------------------


def loc_of(path: str) -> list:
    """``passes[1].density_percent`` -> ``["passes", 1, "density_percent"]``."""
    parts: list = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    return parts or ["body"]


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def input_error_detail(exc: InputError) -> dict:
    """An InputError as one FastAPI-style 422 detail entry."""
    return {
        "type": "value_error",
        "loc": loc_of(exc.field),
        "msg": f"got {exc.value!r}; allowed: {exc.allowed}",
        "input": _jsonable(exc.value),
        "field": exc.field,
        "allowed": exc.allowed,
    }


def _unprocessable(detail: list[dict]) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=422)


# --- request size -----------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: a request body over `limit` bytes gets 413 before it is parsed.

    Checks the declared Content-Length first, then counts the bytes as they
    arrive (a chunked body has no length to declare).
    """

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = int(limit)

    async def _reject(self, send) -> None:
        body = json.dumps(
            {"detail": f"request body too large: at most {self.limit} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                await self._reject(send)
                return
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)


class SecurityHeaders:
    """ASGI middleware: CSP (no external sources), nosniff, no referrer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_report = scope["path"].endswith("/report")

        async def add_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    csp = REPORT_CSP if is_report else PAGE_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)


# --- the app ----------------------------------------------------------------------------


#: the pages: template (their <main>), title, scripts, path; all share templates/_frame.html
PAGES = {
    "index.html": ("plan a treatment", ("planner.js", "index.js"), "/"),
    "compare.html": ("compare two plans", ("planner.js", "compare.js"), "/compare"),
    "docs.html": ("API", ("docs.js",), "/docs"),
}
NAV = (("/", "Plan"), ("/compare", "Compare"), ("/docs", "API"))


def _page(name: str) -> str:
    """A page: its template's content in the shared frame (head, header, navigation)."""
    title, scripts, path = PAGES[name]
    templates = HERE / "templates"
    nav = "".join(
        f'<a href="{href}" aria-current="page">{label}</a>'
        if href == path
        else f'<a href="{href}">{label}</a>'
        for href, label in NAV
    )
    fills = {
        "{{title}}": title,
        "{{scripts}}": "\n".join(f'<script src="/static/{s}" defer></script>' for s in scripts),
        "{{nav}}": nav,
        "{{content}}": (templates / name).read_text(encoding="utf-8"),
    }
    text = (templates / "_frame.html").read_text(encoding="utf-8")
    for key, value in fills.items():
        text = text.replace(key, value)
    return text.replace("{{version}}", __version__)


def _presets() -> dict:
    devices = {}
    for name, device in DEVICES.items():
        modes = {
            mode: {k: v for k, v in spec.items() if k not in ("source", "note")}
            for mode, spec in device["modes"].items()
            if "combines" not in spec
        }
        devices[name] = {
            "name": device.get("name", name),
            "default_mode": device["default_mode"],
            "modes": modes,
        }
    return {
        "devices": devices,
        "sites": list(SITES),
        "area_presets": list(AREA_PRESETS),
        "limits": {
            "max_body_bytes": limits.MAX_BODY_BYTES,
            "max_total_area_cm2": limits.MAX_TOTAL_AREA_CM2,
            "max_columns": limits.MAX_COLUMNS,
            "max_spots_per_pattern": limits.MAX_SPOTS_PER_PATTERN,
            "max_pulse_train_ms": limits.MAX_PULSE_TRAIN_MS,
            "max_mean_fluence_j_cm2": limits.MAX_MEAN_FLUENCE_J_CM2,
        },
        "version": __version__,
    }


def _fallback_report(stored: dict) -> str:
    """A plain report from the summary, for results stored without an HTML report."""
    from html import escape

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


def create_app(
    store_path="resurfacer-web.sqlite",
    workers: int = 2,
    job_timeout_s: float = 600.0,
    job_fn=simulate_plan,
    max_body_bytes: int = limits.MAX_BODY_BYTES,
    max_queued: int = 200,
    max_results: int = DEFAULT_MAX_RESULTS,
) -> FastAPI:
    """The web planner app.

    Parameters
    ----------
    store_path : SQLite file of computed results (created if missing).
    workers : simulation worker processes.
    job_timeout_s : wall-clock limit of one job; a job over it is failed and its
        worker replaced.
    job_fn : the function a worker runs as job_fn(plan dict, progress), where
        progress(fraction) reports the share of the work done (tests replace
        it; it is never taken from a request).
    max_body_bytes : request bodies over this get 413.
    max_queued : jobs waiting beyond this get 503 with Retry-After.
    max_results : stored results kept (the oldest go first).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = ResultStore(store_path, max_results)
        app.state.store = store
        app.state.jobs = JobManager(
            store,
            workers=workers,
            job_timeout_s=job_timeout_s,
            job_fn=job_fn,
            max_queued=max_queued,
        )
        try:
            yield
        finally:
            await run_in_threadpool(app.state.jobs.shutdown)
            store.close()

    app = FastAPI(
        title="resurfacer web planner",
        version=__version__,
        description="Simulate laser skin resurfacing plans. Plans follow `GET /api/schema`.",
        docs_url=None,  # FastAPI's Swagger page loads its assets from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, limit=max_body_bytes)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):
        return _unprocessable([input_error_detail(exc)])

    async def read_plan(request: Request) -> Plan:
        body = await request.body()
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError("body", "not JSON", f"a plan as a JSON object ({exc})") from None
        if not isinstance(data, dict):
            raise InputError("body", type(data).__name__, "a plan as a JSON object")
        return limits.check_plan(Plan.from_data(data))

    def job_view(key: str) -> dict | None:
        jobs: JobManager = app.state.jobs
        job = jobs.get(key)
        if job is None or job.status == "done":
            stored = app.state.store.get(key)
            if stored is not None:
                return {
                    "job_id": key,
                    "status": "done",
                    "error": None,
                    "plan_name": stored["plan"].get("name"),
                    "summary": stored["summary"],
                    "runtime_s": stored["runtime_s"],
                    "report_url": f"/api/jobs/{key}/report",
                }
        if job is None:
            return None
        view = {
            "job_id": key,
            "status": job.status,
            "error": job.error,
            "plan_name": job.plan.get("name"),
            "elapsed_s": round(job.elapsed_s(), 2),
            "progress": round(job.progress, 3),
        }
        if job.status == "queued":
            view["queue_position"] = jobs.queue_position(job)
        return view

    # --- pages --------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index():
        return _page("index.html")

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare():
        return _page("compare.html")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs():
        return _page("docs.html")

    # --- API ----------------------------------------------------------------------------

    @app.get("/api/schema", summary="The plan JSON Schema")
    def schema():
        return Plan.json_schema()

    @app.get("/api/presets", summary="Devices, sites, area presets and the server's caps")
    def presets():
        return _presets()

    @app.get("/api/health", summary="Workers, jobs and stored results")
    def health():
        return {
            "status": "ok",
            "version": __version__,
            "stored_results": len(app.state.store),
            **app.state.jobs.stats(),
        }

    @app.post(
        "/api/validate",
        summary="Validate a plan (same schema as the CLI, plus the server's caps)",
        openapi_extra={
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}
        },
    )
    async def validate(request: Request):
        plan = await read_plan(request)
        key = plan_key(plan)
        cached = await run_in_threadpool(app.state.store.get, key)
        return {"valid": True, "plan": plan.to_dict(), "key": key, "cached": cached is not None}

    @app.post(
        "/api/simulate",
        status_code=202,
        summary="Submit a plan: 202 with a job id, or 200 with the stored result",
        responses={
            200: {"description": "the plan was computed before"},
            413: {"description": "body too large"},
            422: {"description": "bad plan"},
            503: {"description": "queue full"},
        },
        openapi_extra={
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}
        },
    )
    async def simulate(request: Request):
        plan = await read_plan(request)
        key = plan_key(plan)
        view = await run_in_threadpool(job_view, key)
        if view is not None and view["status"] == "done":
            return JSONResponse({**view, "cached": True}, status_code=200)
        try:
            job = app.state.jobs.submit(key, plan.to_dict())
        except QueueFull as exc:
            return JSONResponse(
                {"detail": str(exc)}, status_code=503, headers={"Retry-After": "10"}
            )
        return JSONResponse(
            {
                "job_id": job.id,
                "status": job.status,
                "cached": False,
                "status_url": f"/api/jobs/{job.id}",
            },
            status_code=202,
        )

    @app.get("/api/jobs/{job_id}", summary="A job's status; the summary when done")
    def job_status(job_id: str):
        view = job_view(job_id) if KEY_RE.match(job_id) else None
        if view is None:
            return JSONResponse({"detail": "no such job"}, status_code=404)
        return view

    @app.get("/api/jobs/{job_id}/plan", summary="The (expanded) plan of a job")
    def job_plan(job_id: str):
        if KEY_RE.match(job_id):
            stored = app.state.store.get(job_id)
            if stored is not None:
                return stored["plan"]
            job = app.state.jobs.get(job_id)
            if job is not None:
                return job.plan
        return JSONResponse({"detail": "no such job"}, status_code=404)

    @app.get(
        "/api/jobs/{job_id}/report",
        summary="The HTML report of a done job",
        response_class=HTMLResponse,
    )
    def job_report(job_id: str, request: Request):
        view = job_view(job_id) if KEY_RE.match(job_id) else None
        if view is None:
            return JSONResponse({"detail": "no such job"}, status_code=404)
        if view["status"] != "done":
            return JSONResponse({"detail": f"job is {view['status']}"}, status_code=409)
        gz = app.state.store.report_gz(job_id)
        if gz is None:
            return HTMLResponse(_fallback_report(app.state.store.get(job_id)))
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(
                gz,
                media_type="text/html; charset=utf-8",
                headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        return HTMLResponse(gzip.decompress(gz).decode("utf-8"))

    return app
