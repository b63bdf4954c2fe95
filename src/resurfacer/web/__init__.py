"""The web planner: a FastAPI app (`create_app`) serving a plan form, a compare page
and a JSON API; simulations run in a worker process pool (`jobs`, `worker`) and
results are kept in an embedded SQLite store keyed by the plan's canonical hash
(`store`).

Start it with ``resurfacer serve`` (see docs/web.md). `create_app` is loaded on first
use, so that a worker process importing `resurfacer.web.worker` starts without
FastAPI and the model (and can arm its parent-death signal first).
"""

__all__ = ["create_app"]


def __getattr__(name):
    if name == "create_app":
        from resurfacer.web.app import create_app

        return create_app
    raise AttributeError(f"module 'resurfacer.web' has no attribute {name!r}")
