"""The web planner's endpoints, one module per group: `pages` (HTML pages), `meta`
(schema, presets, health), `simulate` (validate and submit a plan) and `jobs` (a job's
status, plan and report). Each module has a FastAPI ``router``; `web.app.create_app`
includes them all."""

from resurfacer.web.routes import jobs, meta, pages, simulate

ROUTERS = (pages.router, meta.router, simulate.router, jobs.router)

__all__ = ["ROUTERS"]
