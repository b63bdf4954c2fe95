"""The report as a PDF: headless Chromium prints ``report.html`` with its print CSS.

Chromium is the system's (Debian's ``/usr/bin/chromium``, or `CHROMIUM` /
``$RESURFACER_CHROMIUM``), driven by Playwright's ``page.pdf()``; nothing downloads a
browser. The page is opened from its file with every request outside the report's
folder refused, so the PDF is made offline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from resurfacer.common.files import add_to_manifest
from resurfacer.errors import InputError
from resurfacer.report.html import REPORT_MANIFEST

#: Debian's chromium; override with $RESURFACER_CHROMIUM
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    """The Chromium executable to print with; InputError naming --pdf when none."""
    for candidate in (os.environ.get("RESURFACER_CHROMIUM"), CHROMIUM, shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    raise InputError("--pdf", True, f"a Chromium browser at {CHROMIUM} (apt-get install chromium)")


def write_pdf(html_path, pdf_path=None) -> Path:
    """Print `html_path` to `pdf_path` (default: beside it, ``report.pdf``), A4, with
    the report's print CSS; returns the PDF's path."""
    from playwright.sync_api import sync_playwright

    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    folder = html_path.parent.as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(
                "**/*",
                lambda route: route.continue_()
                if route.request.url.startswith((folder, "data:"))
                else route.abort(),
            )
            page.goto(html_path.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            page.pdf(path=str(pdf_path), format="A4", print_background=True,
                     margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})  # fmt: skip
        finally:
            browser.close()
    if pdf_path.resolve().parent == html_path.parent:  # the report's own: a later report
        add_to_manifest(html_path.parent, REPORT_MANIFEST, pdf_path.name)  # removes it
    return pdf_path


def page_count(pdf_path) -> int:
    """Pages of a PDF written by `write_pdf` (counts its ``/Type /Page`` objects)."""
    import re

    data = Path(pdf_path).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
