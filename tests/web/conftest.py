"""Fixtures of the web tests (helpers in ``web_support``)."""

import pytest
from web_support import LiveServer


@pytest.fixture
def live_server(tmp_path):
    """A real server (real simulations, 2 workers) on a fresh store."""
    from resurfacer.web import create_app

    app = create_app(tmp_path / "store.sqlite", workers=2, job_timeout_s=600)
    with LiveServer(app) as server:
        yield server
