"""The planner in a real browser: Playwright (Python) driving Debian's chromium headless.

Fills the form with the dual CO2 plan (co2_dual surface + deep, full face), runs it,
sees the cross-section figure and the downtime, triggers a validation error and
sees it next to its field, and saves screenshots under the test's tmp folder.
Skipped only when /usr/bin/chromium is missing (`.ci/run` installs it).
"""

import os

import pytest
from web_support import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)",
)


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        external = []
        page.on(
            "request",
            lambda r: (
                external.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "about:", "blob:"))
                else None
            ),
        )
        page.external_requests = external
        yield page
        browser.close()


def test_plan_run_and_validation(live_server, page, tmp_path):
    page.set_default_timeout(30_000)
    page.goto(live_server.url + "/")
    form = page.locator("#plan-form")
    form.locator(".pass-card").nth(1).wait_for()

    # The form opens on the reference plan; set it explicitly, as a user would.
    form.locator('[data-path="name"] input').fill("CO2 dual, full face (browser)")
    form.locator('[data-path="patient.age_years"] input').fill("50")
    form.locator('[data-path="patient.phototype"] select').select_option("2")
    form.locator('[data-path="areas.0.preset"] select').select_option("preset:full_face")
    first, second = form.locator(".pass-card").nth(0), form.locator(".pass-card").nth(1)
    first.locator('[data-name="device"] select').select_option("co2_dual")
    first.locator('[data-name="mode"] select').select_option("surface")
    # 60 mJ: the surface boils dry without a crater, a model note to show (below)
    first.locator('[data-path="passes.0.pulse_energy_mj"] input').fill("60")
    second.locator('[data-name="device"] select').select_option("co2_dual")
    second.locator('[data-name="mode"] select').select_option("deep")
    second.locator('[data-path="passes.1.pulse_energy_mj"] input').fill("15")
    second.locator('[data-path="passes.1.pass_delay_s"] input').fill("0")

    # A validation error, shown next to its field.
    density = second.locator('[data-path="passes.1.density_percent"]')
    density.locator("input").fill("150")
    form.get_by_role("button", name="Run simulation").click()
    error = density.locator(".error")
    error.wait_for(state="visible")
    assert "allowed" in error.inner_text() and "100" in error.inner_text()
    assert density.locator("input").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(tmp_path / "validation-error.png"), full_page=True)

    # Fixed, run: progress, then the result with the downtime and the report's figures.
    density.locator("input").fill("5")
    form.get_by_role("button", name="Run simulation").click()
    assert not error.is_visible()
    page.locator("#result .stats").wait_for(timeout=540_000)
    result = page.locator("#result")
    downtime = result.locator('[data-stat="downtime"]')
    if downtime.count():
        assert "day" in downtime.inner_text().lower()
        assert "set by" in downtime.inner_text()  # a full face: the slowest area named
    else:  # healing not integrated: the session time and depth stand in
        assert "min" in result.locator('[data-stat="session"]').inner_text()
    assert "µm" in result.locator('[data-stat="depth"]').inner_text()
    assert result.locator('table.passes-table:not([data-role="regions"]) tbody tr').count() == 2
    # per treated area, the deepest named (never an area-weighted mean called "deepest")
    regions = result.locator('table[data-role="regions"]')
    assert regions.locator("tbody tr").count() >= 1
    assert "(deepest)" in regions.inner_text()
    assert "of its dermis" in result.locator('[data-stat="depth"]').inner_text()
    # the solver's cautions: the surface pass at its ablation threshold, naming the pass
    notes = result.locator('[data-role="model-notes"]')
    assert "pass 1" in notes.text_content() and "threshold" in notes.text_content()

    report = page.frame_locator("#result iframe.report")
    # the report names each figure's PNG in its caption: cross_section_pass0.png, ...
    figure = report.locator("figure", has_text="cross_section_pass1.png").locator("img")
    figure.wait_for(timeout=60_000)
    assert figure.evaluate("img => img.naturalWidth") > 100
    figure.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "result.png"), full_page=False)
    assert page.external_requests == [], page.external_requests
