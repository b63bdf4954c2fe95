"""Helpers of the web tests: plans, a stand-in job function and a live server.

The job functions here run in the server's spawned worker processes, which import
this module by name (``web_support``, from ``tests/web`` on ``sys.path``); a
unique name, because a module called ``conftest`` would be ambiguous there.
"""

import contextlib
import os
import socket
import threading
import time

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

SMALL_PLAN = {
    "name": "erbium, perioral, small",
    "patient": {"sex": "female", "age_years": 45, "phototype": 2},
    "areas": [{"site": "perioral", "area_cm2": 20}],
    "passes": [{"device": "erbium_fractional", "pulse_energy_mj": 5, "density_percent": 5}],
}

DUAL_PLAN = {
    "name": "CO2 dual, full face",
    "patient": {"sex": "female", "age_years": 50, "phototype": 2},
    "areas": [{"preset": "full_face"}],
    "passes": [
        {"device": "co2_dual", "mode": "surface"},
        {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 15, "density_percent": 5},
    ],
}


def fake_job(plan: dict, progress) -> dict:
    """A quick stand-in for `simulate_plan`, steered by the plan's name."""
    name = plan["name"]
    if name == "halfway":  # says it is half done, then takes a while
        progress(0.5)
        time.sleep(1.0)
    if name == "boom":
        raise RuntimeError("the model refused this plan")
    if name == "crash":
        os._exit(3)
    if name == "slow":
        time.sleep(60)
    if name.startswith("nap"):  # a job that takes a while: restart tests
        time.sleep(3.0)
    time.sleep(0.05)
    return {
        "summary": {"plan_name": name, "session_minutes": 1.0, "passes": []},
        "report_html": f"<!doctype html><title>{name}</title><p>report of {name}</p>",
        "runtime_s": 0.05,
    }


def fast_plan_job(payload: dict, progress) -> dict:
    """The real planner job (`web.plan_jobs.suggest_plans`) with the planner tests'
    coarser solver (8 µm cells, 5 energy nodes per surrogate table, one pulse per spot):
    a one-site plan in a few seconds instead of about 30 s on a cold table cache."""
    from dataclasses import replace

    from resurfacer.treatment import TREATMENT_SOLVER
    from resurfacer.web.plan_jobs import suggest_plans

    options = replace(TREATMENT_SOLVER, grid=8e-6)
    return suggest_plans(payload, progress, options=options, table_nodes=5, stacks=(1,))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving `app` in a thread on a free loopback port."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=30)


def local_client(app, **kwargs):
    """A TestClient that talks to `app` as a browser on this machine would (Host:
    localhost, which the server's Host allow-list accepts)."""
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="http://localhost", **kwargs)


def serve(store: str, port: int, workers: int = 2) -> None:
    """Serve the app with `fake_job` on loopback (run in a subprocess by the restart
    tests: ``python -c "from web_support import serve; serve(...)"``)."""
    import uvicorn

    from resurfacer.web import create_app

    app = create_app(store, workers=workers, job_timeout_s=60, job_fn=fake_job)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@contextlib.contextmanager
def guarded_page(server_url: str, width: int, timeout_ms: int):
    """A headless chromium page whose requests outside `server_url` (and data:, blob:,
    about:) are aborted and recorded in ``page.outside``: the web app must not reach out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": width, "height": 1000}).new_page()
        outside: list[str] = []

        def guard(route):
            url = route.request.url
            if url.startswith((server_url, "data:", "blob:", "about:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        page.route("**/*", guard)
        page.set_default_timeout(timeout_ms)
        page.outside = outside
        try:
            yield page
        finally:
            browser.close()
