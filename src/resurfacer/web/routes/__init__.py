"""The web planner's endpoints, one module per group: `pages` (HTML pages), `docs`
(Swagger UI and ReDoc, offline), `meta` (schema, presets, health), `simulate` (validate
and submit a plan), `plan` (ask the planner for settings) and `jobs` (a job's status,
plan and report). Each module has a FastAPI ``router``; `web.app.create_app` includes
them all."""

from resurfacer.web.routes import docs, jobs, meta, pages, plan, simulate

ROUTERS = (pages.router, docs.router, meta.router, simulate.router, plan.router, jobs.router)

__all__ = ["ROUTERS"]
