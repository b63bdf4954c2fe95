"""The details of the API's answers a probe found wrong: the planner's area errors, the
`loc` of a key that holds "." or "[n]", a 422 for a missing field, a body that is not
JSON and a key given twice, the run time's digits, the 202's `kind`, the documented
errors, and the done jobs counted after a restart."""

import json

import pytest
from web_support import SMALL_PLAN, fake_job, local_client

from resurfacer.web import create_app
from resurfacer.web.store import ResultStore

REQUEST = {
    "indication": "acne_scars",
    "patient": {"sex": "female", "age_years": 45, "phototype": 2},
    "areas": [{"site": "cheek", "area_cm2": 50}],
}
JSON = {"content-type": "application/json"}
PLANNER_AREAS = "a list of 1 to 10 areas, each {site, area_cm2} or {preset}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = tmp_path_factory.mktemp("details") / "store.sqlite"
    with local_client(create_app(store, workers=1, job_fn=fake_job)) as c:
        yield c


def detail(response) -> list[dict]:
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def test_two_areas_of_one_name_are_named_as_simulate_names_them(client):
    areas = [{"site": "cheek", "area_cm2": 30}] * 2
    (planner,) = detail(client.post("/api/plan", json={**REQUEST, "areas": areas}))
    (simulate,) = detail(client.post("/api/simulate", json={**SMALL_PLAN, "areas": areas}))
    assert planner["msg"] == simulate["msg"]
    assert "distinct area names" in planner["allowed"]


def test_too_many_areas_of_one_name_give_both_reasons(client):
    areas = [{"site": "cheek", "area_cm2": 30}] * 11
    errors = detail(client.post("/api/plan", json={**REQUEST, "areas": areas}))
    assert [e["field"] for e in errors] == ["areas", "areas"]
    assert {e["allowed"] for e in errors} == {
        PLANNER_AREAS,
        "distinct area names (give each area a name)",
    }


@pytest.mark.parametrize(
    ("areas", "allowed"),
    [(None, f"a value (required): {PLANNER_AREAS}"), ("cheek", PLANNER_AREAS), ([], PLANNER_AREAS)],
)
def test_a_bad_list_of_areas_is_one_error_in_the_planners_words(client, areas, allowed):
    request = {**REQUEST, "areas": areas} if areas is not None else {
        k: v for k, v in REQUEST.items() if k != "areas"}  # fmt: skip
    errors = [e for e in detail(client.post("/api/plan", json=request)) if e["field"] == "areas"]
    assert [e["allowed"] for e in errors] == [allowed]


@pytest.mark.parametrize("name", ["a.b", "x[1]", "regions.stack"])
@pytest.mark.parametrize("endpoint", ["/api/validate", "/api/simulate"])
def test_an_area_name_is_one_part_of_loc(client, endpoint, name):
    plan = json.loads(json.dumps(SMALL_PLAN))
    plan["areas"][0]["name"] = name
    plan["passes"][0]["regions"] = {name: {"pulse_energy_mj": 999}}
    (entry,) = detail(client.post(endpoint, json=plan))
    assert entry["loc"] == ["passes", 0, "regions", name, "pulse_energy_mj"]
    assert entry["field"] == f"passes[0].regions.{name}.pulse_energy_mj"


def test_an_unknown_key_with_a_dot_is_one_part_of_loc(client):
    (entry,) = detail(client.post("/api/validate", json={**SMALL_PLAN, "a.b": 1}))
    assert entry["loc"] == ["a.b"]


def test_a_missing_field_has_no_input(client):
    plan = json.loads(json.dumps(SMALL_PLAN))
    del plan["patient"]["sex"]
    (entry,) = detail(client.post("/api/validate", json=plan))
    assert entry["loc"] == ["patient", "sex"] and entry["input"] is None
    missing = detail(client.post("/api/plan", json={}))
    assert missing and all(e["input"] is None for e in missing)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"name": 1,', "the body is not JSON: Expecting property name enclosed in double "
                         "quotes at line 1, column 12"),
        (b"", "the body is empty"),
        (b"\xff\xfe\xfd", "the body is not UTF-8 text"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("endpoint", ["/api/validate", "/api/simulate", "/api/plan"])
def test_a_body_that_is_not_json_says_what_is_wrong(client, endpoint, body, says):
    (entry,) = detail(client.post(endpoint, content=body, headers=JSON))
    assert entry["msg"].startswith(says), entry
    assert entry["loc"] == ["body"] and entry["input"] is None
    assert "line 1" not in str(entry["input"])


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (b'{"patient": {"sex": "female", "sex": "male"}}', ["patient", "sex"]),
        (b'{"passes": [{"regions": {"a.b": {"stack": 1, "stack": 2}}}]}',
         ["passes", 0, "regions", "a.b", "stack"]),
        (b'{"name": "x", "name": "y"}', ["name"]),
        (b'{"passes": [{"regions": {"a.b": {"stack": NaN}}}]}',
         ["passes", 0, "regions", "a.b", "stack"]),
    ],
)  # fmt: skip
def test_a_key_given_twice_or_a_nan_is_named_at_its_path(client, body, loc):
    (entry,) = detail(client.post("/api/validate", content=body, headers=JSON))
    assert entry["loc"] == loc, entry


def test_the_run_time_is_rounded(client):
    key = "ab" * 32
    client.app.state.store.put(key, SMALL_PLAN, {"plan_name": "x"}, None, 1.23456789)
    assert client.get(f"/api/jobs/{key}").json()["runtime_s"] == 1.23


def test_the_202_of_a_simulation_says_its_kind_as_the_planners_does(client):
    submitted = client.post("/api/simulate", json={**SMALL_PLAN, "name": "kind"})
    assert submitted.status_code == 202 and submitted.json()["kind"] == "simulate"


def test_the_document_lists_the_errors_each_route_returns(client):
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert "421" in codes, (method, path)
            if path.startswith("/api/jobs/"):
                assert "422" not in codes, (method, path)  # a job id is never refused
            if method == "post":
                assert {"403", "413", "415", "422"} <= codes, (method, path)
    assert "HTTPValidationError" not in json.dumps(spec)


def test_health_counts_the_stored_results_as_done_after_a_restart(tmp_path):
    store_path = tmp_path / "store.sqlite"
    store = ResultStore(store_path)
    for i in range(3):
        store.put(f"{i:064x}", {**SMALL_PLAN, "name": f"n{i}"}, {"plan_name": "n"}, None, 0.1)
    store.close()
    with local_client(create_app(store_path, workers=1, job_fn=fake_job)) as c:
        health = c.get("/api/health").json()
    assert health["stored_results"] == 3 and health["jobs"]["done"] == 3
