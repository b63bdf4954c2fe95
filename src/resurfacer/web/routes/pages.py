"""The HTML pages: the planner (``/``) and ``/compare`` (the API docs: `routes.docs`).

Each page is its template (its ``<main>``) in the shared frame ``templates/_frame.html``.
"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from resurfacer import __version__

TEMPLATES = Path(__file__).parents[1] / "templates"

#: the pages: template (their <main>), title, scripts, path
PAGES = {
    "index.html": ("plan a treatment", ("planner.js", "suggest.js", "index.js"), "/"),
    "compare.html": ("compare two plans", ("planner.js", "compare.js"), "/compare"),
}
NAV = (("/", "Plan"), ("/compare", "Compare"), ("/docs", "API"))

router = APIRouter()


def render_page(name: str) -> str:
    """A page: its template's content in the shared frame (head, header, navigation)."""
    title, scripts, path = PAGES[name]
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
        "{{content}}": (TEMPLATES / name).read_text(encoding="utf-8"),
    }
    text = (TEMPLATES / "_frame.html").read_text(encoding="utf-8")
    for key, value in fills.items():
        text = text.replace(key, value)
    return text.replace("{{version}}", __version__)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index():
    return render_page("index.html")


@router.get("/compare", response_class=HTMLResponse, include_in_schema=False)
def compare():
    return render_page("compare.html")
