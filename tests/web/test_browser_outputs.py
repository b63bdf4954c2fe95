"""The API docs and the form in a real browser (issue 16): Swagger UI and ReDoc render
offline with try-it-out, every validation error shows next to its field, and the
progress bar is drawn from the job's progress fraction.

Playwright drives Debian's chromium headless against a server whose jobs are the
quick stand-ins of `web_support.fake_job`; every request that leaves the server is
refused and recorded. Skipped only when /usr/bin/chromium is missing.
"""

import os

import pytest
from web_support import CHROMIUM, LiveServer, fake_job, guarded_page

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)",
)


@pytest.fixture
def server(tmp_path):
    from resurfacer.web import create_app

    app = create_app(tmp_path / "store.sqlite", workers=1, job_timeout_s=30, job_fn=fake_job)
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def browser_page(server):
    with guarded_page(server.url, 1300, 20_000) as page:
        yield page


def test_swagger_ui_renders_offline_with_try_it_out(server, browser_page):
    page = browser_page
    page.goto(server.url + "/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() >= 8
    health = page.locator(".opblock", has_text="/api/health")
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Execute").click()  # try-it-out is on
    health.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
    # the schemas are there (response models)
    models = page.locator("section.models")
    models.wait_for()
    assert "JobView" in models.inner_text() and "ValidationFailed" in models.inner_text()
    assert page.outside == [], page.outside


def test_redoc_renders_offline(server, browser_page):
    page = browser_page
    page.goto(server.url + "/redoc")
    page.get_by_text("resurfacer web planner").first.wait_for()
    page.get_by_text("/api/simulate").first.wait_for(state="attached")
    assert page.outside == [], page.outside


def test_two_invalid_fields_both_show_next_to_their_fields(server, browser_page):
    page = browser_page
    page.goto(server.url + "/")
    form = page.locator("#plan-form")
    form.locator(".pass-card").nth(1).wait_for()
    second = form.locator(".pass-card").nth(1)
    density = second.locator('[data-path="passes.1.density_percent"]')
    energy = second.locator('[data-path="passes.1.pulse_energy_mj"]')
    density.locator("input").fill("150")
    energy.locator("input").fill("-5")
    form.get_by_role("button", name="Run simulation").click()
    for field, shown in ((density, "100"), (energy, "mJ")):
        error = field.locator(".error")
        error.wait_for(state="visible")
        assert "allowed" in error.inner_text() and shown in error.inner_text()
        assert field.locator("input").get_attribute("aria-invalid") == "true"
    banner = form.locator(".banner, [role=alert]").first
    assert "density_percent" in banner.inner_text() and "pulse_energy_mj" in banner.inner_text()
    assert page.outside == []


def test_progress_bar_is_drawn_from_the_job_fraction(server, browser_page):
    page = browser_page
    page.goto(server.url + "/")
    form = page.locator("#plan-form")
    form.locator(".pass-card").nth(1).wait_for()
    # fake_job reports 0.5 and then works for a second for a plan named "halfway"
    form.locator('[data-path="name"] input').fill("halfway")
    form.get_by_role("button", name="Run simulation").click()
    bar = form.locator(".progress.determinate .bar span")
    bar.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#plan-form .progress .bar span').style.width === '50%'"
    )
    assert "50 %" in form.locator(".progress .status").inner_text()
    assert page.outside == []
