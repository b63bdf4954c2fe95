"""The web planner: a FastAPI app (`create_app`) serving a plan form, a compare page
and a JSON API; simulations run in a worker process pool (`jobs`) and results are
kept in an embedded SQLite store keyed by the plan's canonical hash (`store`).

Start it with ``resurfacer serve`` (see docs/web.md).
"""

from resurfacer.web.app import create_app

__all__ = ["create_app"]
