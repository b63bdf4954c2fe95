"""Fuzzing the JSON API: plans, arbitrary JSON, raw bytes, headers and paths.

Never a 5xx, every answer JSON (or the HTML it should be), every 422 naming a
place; what /api/validate accepts, /api/simulate accepts too (202 or 200); a planner
request (/api/plan) is 202/200 or a 422 naming a place. Jobs run `fake_job` (the
model's own answers are fuzzed through the CLI)."""

import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from fuzz_strategies import TOKENS, bodies, json_values, mutated_plans, scalars
from fuzz_support import examples
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from web_support import fake_job, local_client  # noqa: E402

from resurfacer.web import create_app  # noqa: E402

ACCEPTED = {200, 202, 413, 422, 503}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = tmp_path_factory.mktemp("fuzz") / "store.sqlite"
    app = create_app(
        store, workers=1, job_timeout_s=5, job_fn=fake_job, max_queued=10_000, plan_fn=fake_job
    )
    with local_client(app) as client:
        yield client


def post(client, path, body: bytes, headers=None):
    r = client.post(
        path, content=body, headers={"content-type": "application/json", **(headers or {})}
    )
    assert r.status_code < 500, (path, body[:300], r.status_code, r.text[:300])
    return r


def check_422(r):
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail and "loc" in detail[0] and detail[0]["msg"]


@examples(700)
@given(data=bodies)
def test_validate_and_simulate_never_fail_on_a_body(client, counted, data):
    counted()
    body = json.dumps(data, allow_nan=True, default=str).encode()
    r = post(client, "/api/validate", body)
    assert r.status_code in {200, 413, 422}, r.text[:300]
    if r.status_code == 422:
        check_422(r)
        assert post(client, "/api/simulate", body).status_code == 422
    elif r.status_code == 200:
        # what validates is accepted: queued, or answered from the store
        again = post(client, "/api/simulate", body)
        assert again.status_code in {200, 202, 503}, again.text[:300]


PLANNER_REQUEST = {
    "indication": "acne_scars",
    "patient": {"sex": "female", "age_years": 45, "phototype": 2},
    "areas": [{"site": "cheek", "area_cm2": 50}],
    "n_best": 2,
}
#: where a planner request is changed: (parent path, field)
PLANNER_FIELDS = (
    [
        ((), name)
        for name in ("indication", "patient", "areas", "device", "max_downtime_days", "n_best", "x")
    ]
    + [(("patient",), name) for name in ("sex", "age_years", "phototype", "x")]
    + [(("areas", 0), name) for name in ("site", "area_cm2", "preset", "name", "x")]
)


@st.composite
def planner_requests(draw):
    """The valid planner request with 0-3 fields set to hostile or plausible values."""
    data = json.loads(json.dumps(PLANNER_REQUEST))
    for _ in range(draw(st.integers(0, 3))):
        parent, name = draw(st.sampled_from(PLANNER_FIELDS))
        node = data
        try:
            for part in parent:
                node = node[part]
        except (KeyError, IndexError, TypeError):
            continue  # the parent was changed before: nothing to set
        if isinstance(node, dict):
            node[name] = draw(st.one_of(scalars, json_values))
    return data


@examples(300)
@given(data=planner_requests())
def test_planner_requests_are_queued_or_422_naming_a_place(client, counted, data):
    counted()
    r = post(client, "/api/plan", json.dumps(data, allow_nan=True, default=str).encode())
    assert r.status_code in ACCEPTED, r.text[:300]
    if r.status_code == 422:
        check_422(r)
        assert all(d["field"] and d["allowed"] for d in r.json()["detail"])


@examples(300)
@given(
    text=st.one_of(
        st.binary(max_size=200),
        st.lists(
            st.sampled_from(["{", "}", "[", "]", ",", ":", '"a"', "1", "NaN", "-", "e", *TOKENS]),
            max_size=60,
        ).map(lambda parts: "".join(parts).encode()),
    )
)
def test_raw_bytes_are_422_or_413(client, counted, text):
    counted()
    r = post(client, "/api/validate", text)
    assert r.status_code in {200, 413, 422}


@examples(200)
@given(
    host=st.one_of(
        st.sampled_from(["localhost", "127.0.0.1:8000", "[::1]", "evil.example", ""]),
        st.text(max_size=20),
    ),
    origin=st.one_of(
        st.none(),
        st.sampled_from(["http://localhost", "null", "http://evil.example"]),
        st.text(max_size=20),
    ),
    media=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
            "application/json; charset=utf-8",
        ]
    ),
    plan=mutated_plans(max_changes=0),
)
def test_headers_never_give_a_server_error(client, counted, host, origin, media, plan):
    counted()
    headers = {"content-type": media}
    if host.isprintable() and host.isascii():
        headers["host"] = host
    if origin is not None and origin.isprintable() and origin.isascii():
        headers["origin"] = origin
    body = json.dumps(plan).encode()
    r = client.post("/api/validate", content=body, headers=headers)
    assert r.status_code in {200, 403, 415, 421, 422}, r.text[:300]


@examples(150)
@given(
    path=st.one_of(
        st.text(max_size=80), st.sampled_from(["0" * 64, "../../etc/passwd", "%00", "a" * 64])
    )
)
def test_job_paths_are_404_or_answered(client, counted, path):
    counted()
    for suffix in ("", "/report", "/plan"):
        r = client.get("/api/jobs/" + quote(path, safe="/") + suffix)
        assert r.status_code in {200, 404, 405, 409}, (path, r.status_code)
