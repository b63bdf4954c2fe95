"""The API documentation, offline: Swagger UI (``/docs``, with try-it-out) and ReDoc
(``/redoc``) on the app's ``/openapi.json``.

Their JavaScript and CSS are the copies shipped in the `fastapi_offline` package
(Swagger UI and ReDoc bundles, MIT), served from ``/docs-assets``; nothing is
fetched from a CDN. The pages start Swagger UI from a static script
(``/static/swagger-init.js``), so no inline script is needed; their CSP allows
inline styles and blob workers, which both viewers use.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

DOCS_ASSETS_URL = "/docs-assets"
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)

router = APIRouter()


def assets_dir() -> Path:
    """The folder of Swagger UI and ReDoc assets in the installed fastapi_offline."""
    return Path(str(files("fastapi_offline") / "static"))


SWAGGER_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>resurfacer API · Swagger UI</title>
<link rel="stylesheet" href="{DOCS_ASSETS_URL}/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head><body>
<p style="font:14px system-ui,sans-serif;margin:.5rem 1rem"><a href="/">planner</a> ·
<a href="/redoc">ReDoc</a> · <a href="/openapi.json">openapi.json</a></p>
<div id="swagger-ui"></div>
<script src="{DOCS_ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body></html>
"""

REDOC_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>resurfacer API · ReDoc</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head><body>
<redoc spec-url="/openapi.json" hide-download-button></redoc>
<script src="{DOCS_ASSETS_URL}/redoc.standalone.js"></script>
</body></html>
"""


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def swagger_ui():
    return HTMLResponse(SWAGGER_PAGE, headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/redoc", response_class=HTMLResponse, include_in_schema=False)
def redoc():
    return HTMLResponse(REDOC_PAGE, headers={"Content-Security-Policy": DOCS_CSP})
