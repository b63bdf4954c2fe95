"""The planner in a real browser (issue 19, item 5): "Suggest settings" asks the planner
(``POST /api/plan``) for a cheek, acne scars and a type II patient, shows the ranked
plans with their downtime-against-depth trade-off, loads the first into the form (which
then holds the plan's settings as the planner wrote them: device preset, the pulse
duration left to the source's power), runs it, and sees the result. The same plan moved
to the eyelids at a higher energy breaks a safety rule: a red banner names the rule and
the region on the result cards, and on the compare page with a warnings row.

The planner is the real one with the planner tests' coarser solver
(`web_support.fast_plan_job`); the simulations are the server's own. Skipped only when
/usr/bin/chromium is missing.
"""

import os

import pytest
from web_support import CHROMIUM, LiveServer, fast_plan_job, guarded_page

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)",
)

LONG = 300_000  # ms: a planner job or a simulation on a busy 2-core machine


@pytest.fixture
def server(tmp_path, monkeypatch):
    from resurfacer.web import create_app

    # the workers (spawned with this environment) keep their surrogate tables here
    monkeypatch.setenv("RESURFACER_CACHE", str(tmp_path / "tables"))
    app = create_app(tmp_path / "store.sqlite", workers=2, plan_fn=fast_plan_job)
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def page(server):
    with guarded_page(server.url, 1400, 30_000) as page:
        yield page


def suggest(page):
    """Ask for settings in the "Suggest settings" mode; the planner's answer."""
    page.get_by_role("tab", name="Suggest settings").click()
    form = page.locator("#suggest-form")
    form.locator('[data-path="areas.0.site"] select').select_option("cheek")
    form.locator('[data-path="areas.0.area_cm2"] input').fill("50")
    form.locator('[data-path="indication"] select').select_option("acne_scars")
    assert "500–1000 µm" in form.locator('[data-role="target"]').inner_text()
    form.locator('[data-path="patient.age_years"] input').fill("45")
    form.locator('[data-path="patient.phototype"] select').select_option("2")
    form.locator('[data-path="n_best"] input').fill("2")

    # a bad request: the error is shown next to its field
    form.locator('[data-path="patient.age_years"] input').fill("12")
    form.get_by_role("button", name="Suggest plans").click()
    error = form.locator('[data-path="patient.age_years"] .error')
    error.wait_for(state="visible")
    assert "18" in error.inner_text() and "100" in error.inner_text()
    form.locator('[data-path="patient.age_years"] input').fill("45")

    with page.expect_response(lambda r: r.url.endswith("/api/plan")) as posted:
        form.get_by_role("button", name="Suggest plans").click()
    job_id = posted.value.json()["job_id"]
    page.locator("#suggestions .plan-card").first.wait_for(timeout=LONG)
    return page.request.get(f"{page.url.rstrip('/')}/api/jobs/{job_id}").json()["result"]


def test_suggest_load_and_run_a_plan(server, page, tmp_path):
    page.goto(server.url + "/")
    page.locator("#plan-form .pass-card").first.wait_for()
    answer = suggest(page)

    # the ranked plans, each with its figures, and the trade-off chart
    assert answer["reached"] and answer["plans"]
    cards = page.locator("#suggestions .plan-card")
    assert cards.count() == len(answer["plans"])
    first = answer["plans"][0]
    assert f"{first['depth_um']:.3g}" in cards.first.locator('[data-stat="depth"]').inner_text()
    assert "day" in cards.first.locator('[data-stat="downtime"]').inner_text()
    chart = page.locator("#suggestions svg.tradeoff-chart")
    assert chart.locator(".plan-point").count() == len(answer["plans"])
    assert chart.locator(".front-point").count() == len(answer["tradeoff"])
    assert page.locator("#suggestions [data-role=broken-rules]").count() == (
        1 if answer["dropped"] else 0
    )
    assert "null" not in page.locator("#suggestions").inner_text()
    page.screenshot(path=str(tmp_path / "suggestions.png"), full_page=True)

    # load the best plan: the form holds the plan's own settings, nothing added
    cards.first.get_by_role("button", name="Load into the form").click()
    form = page.locator("#plan-form")
    assert page.locator("#enter-panel").is_visible()
    assert "Suggested plan 1" in page.locator("#loaded-note").inner_text()
    assert form.locator(".pass-card").count() == len(first["passes"])
    loaded = page.evaluate("window.planForm.getPlan()")
    assert loaded == first["form_plan"]
    assert "pulse_duration_ms" not in loaded["passes"][0]  # the source's power sets it
    assert form.locator('[data-path="passes.0.pulse_duration_ms"] input').input_value() == ""

    # run it: the result, inside every safety rule (no red banner)
    form.get_by_role("button", name="Run simulation").click()
    page.locator("#result .stats").wait_for(timeout=LONG)
    result = page.locator("#result")
    assert first["plan"]["name"] in result.locator("h2").first.inner_text()
    assert "day" in result.locator('[data-stat="downtime"]').inner_text().lower()
    assert result.locator("[data-role=broken-rules]").count() == 0
    assert "null" not in result.inner_text() and "null" not in form.inner_text()

    # as custom settings the pass keeps the source's power, not a fixed duration
    form.locator('[data-path="passes.0"] select').first.select_option("custom")
    custom = page.evaluate("window.planForm.getPlan()")["passes"][0]
    assert custom["peak_power_w"] == 30 and "pulse_duration_ms" not in custom
    assert custom["pulse_energy_mj"] == first["passes"][0]["pulse_energy_mj"]
    assert form.locator('[data-path="passes.0.pulse_duration_ms"] input').input_value() == ""

    # the same plan on the eyelids at 12 mJ breaks the eyelid energy cap: a red banner
    # on the result names the rule and the region
    form.locator('[data-path="areas.0.site"] select').select_option("periorbital")
    form.locator('[data-path="passes.0.pulse_energy_mj"] input').fill("12")
    form.get_by_role("button", name="Run simulation").click()
    banner = result.locator("[data-role=broken-rules]")
    banner.wait_for(timeout=LONG)
    text = banner.inner_text()
    assert "energy_deep_periorbital" in text and "periorbital" in text and "12 mJ" in text
    page.screenshot(path=str(tmp_path / "broken-rule.png"), full_page=True)
    assert page.outside == [], page.outside


def test_compare_page_shows_broken_rules(server, page, tmp_path):
    page.goto(server.url + "/compare")
    b = page.locator("#form-b")
    b.locator(".pass-card").first.wait_for()
    plan = {
        "name": "eyelids, 12 mJ",
        "patient": {"sex": "female", "age_years": 45, "phototype": 2},
        "areas": [{"site": "periorbital", "area_cm2": 10}],
        "passes": [
            {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 12, "density_percent": 5}
        ],
    }
    safe = {
        **plan,
        "name": "eyelids, 6 mJ",
        "passes": [{**plan["passes"][0], "pulse_energy_mj": 6}],
    }
    page.locator("#form-a form").wait_for()
    # the compare page's forms take a plan as the planner page's does
    page.evaluate(
        """([a, b]) => {
          const forms = window.compareForms;
          forms.a.setPlan(a); forms.b.setPlan(b);
        }""",
        [safe, plan],
    )
    page.locator("#run-both").click()
    row = page.locator('#comparison-table tr[data-row="warnings"]')
    row.wait_for(timeout=LONG)
    cells = row.locator("td")
    assert cells.nth(0).inner_text() == "none"
    assert "energy_deep_periorbital (periorbital)" in cells.nth(1).inner_text()
    assert "warn" in cells.nth(1).get_attribute("class")
    banner = page.locator("#comparison-table [data-role=broken-rules]")
    assert banner.count() == 1 and "Plan B" in banner.inner_text()
    deepest = page.locator("#comparison-table tr", has_text="Deepest area").locator("td")
    assert deepest.nth(1).inner_text().strip() == "periorbital"
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
    assert page.outside == [], page.outside
