"""``POST /api/plan``: the planner as a job like ``POST /api/simulate`` (submit, poll,
result), its answer (ranked plans that keep every rule, each with the plan the form
loads), the store across a restart, and bad requests (422 naming each field and what it
allows).

The planner is the real one (`web.plan_jobs.suggest_plans`) with the planner tests'
coarser solver (`web_support.fast_plan_job`) and tables cached per module.
"""

import time

import pytest
from web_support import fake_job, fast_plan_job, local_client

from resurfacer.plan.rules import check_plan
from resurfacer.plan.schema import Plan
from resurfacer.web import create_app

REQUEST = {
    "indication": "acne_scars",
    "patient": {"sex": "female", "age_years": 45, "phototype": 2},
    "areas": [{"site": "cheek", "area_cm2": 50}],
    "n_best": 2,
}


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """One surrogate-table folder for the module (the workers inherit the variable)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("RESURFACER_CACHE", str(tmp_path_factory.mktemp("plan-tables")))
    yield
    mp.undo()


def wait_done(client, job_id, timeout=600.0):
    """Poll a job until it is done or failed; (view, [(progress, stage) seen])."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        view = client.get(f"/api/jobs/{job_id}").json()
        if view["status"] in ("done", "failed"):
            return view, seen
        if view["status"] == "running":
            seen.append((view["progress"], view["stage"]))
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {view['status']} after {timeout} s")


def test_plan_job_returns_ranked_plans(tables, tmp_path):
    store = tmp_path / "store.sqlite"
    with local_client(create_app(store, workers=1, plan_fn=fast_plan_job)) as client:
        r = client.post("/api/plan", json=REQUEST)
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["kind"] == "plan" and job["status_url"] == f"/api/jobs/{job['job_id']}"
        view, seen = wait_done(client, job["job_id"])
        assert view["status"] == "done", view
        assert view["kind"] == "plan" and "summary" not in view
        progress = [p for p, _ in seen]
        assert progress == sorted(progress) and all(0 <= p <= 1 for p in progress)
        assert {s for _, s in seen} <= {"surrogate tables", "screening", "verifying"}
        answer = view["result"]
        print(f"planner job: {view['runtime_s']:.1f} s in the worker")

        # ranked plans that reach the target and keep every rule
        assert answer["reached"] and answer["message"] == "acne_scars: target reached"
        assert 1 <= len(answer["plans"]) <= REQUEST["n_best"]
        assert answer["request"]["indication"] == "acne_scars"
        assert answer["dropped"] == [] or all(
            {"plan", "rule", "sites", "message"} <= set(d) for d in answer["dropped"]
        )
        target = answer["target"]
        for p in answer["plans"]:
            assert p["target_met"] and target["min_um"] <= p["depth_um"] <= target["max_um"]
            assert p["predicted"]["broken_rules"] == [] and p["rationale"]
            assert "um " not in p["rationale"]  # units as people read them (µm)
            # the plan the form loads: the planner's tables on the areas as requested,
            # the same plan as the planner's complete one
            form, full = Plan.from_data(p["form_plan"]), Plan.from_data(p["plan"])
            assert p["form_plan"]["areas"] == answer["request"]["areas"]
            assert p["form_plan"]["passes"] == p["passes"]
            assert form.passes == full.passes and form.site_areas == full.site_areas
            assert check_plan(form) == []
        front = answer["tradeoff"]
        assert front and all(
            a["depth_um"] < b["depth_um"] and a["downtime_days"] <= b["downtime_days"]
            for a, b in zip(front, front[1:], strict=False)
        )

        # no report; the job's payload; the same request again from the store
        assert client.get(f"/api/jobs/{job['job_id']}/report").status_code == 404
        assert client.get(f"/api/jobs/{job['job_id']}/plan").json() == {
            "planner": answer["request"]
        }
        again = client.post("/api/plan", json=REQUEST)
        assert again.status_code == 200 and again.json()["cached"] is True
        assert again.json()["result"] == answer
        # a plan with the same patient and areas is another job
        other = client.post("/api/simulate", json=answer["plans"][0]["form_plan"])
        assert other.status_code == 202 and other.json()["job_id"] != job["job_id"]

    # after a restart the answer comes from the store
    with local_client(create_app(store, workers=1, job_fn=fake_job)) as client:
        view = client.get(f"/api/jobs/{job['job_id']}").json()
        assert view["status"] == "done" and view["kind"] == "plan"
        assert view["result"] == answer


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = tmp_path_factory.mktemp("plan-errors") / "store.sqlite"
    with local_client(create_app(store, workers=1, job_fn=fake_job)) as c:
        yield c


def errors_of(response) -> dict:
    assert response.status_code == 422, response.text
    return {d["field"]: d for d in response.json()["detail"]}


def test_bad_requests_name_each_field_and_what_it_allows(client):
    bad = {
        "indication": "acne",
        "patient": {"sex": "female", "age_years": 12, "phototype": 2},
        "areas": [{"site": "chin", "area_cm2": 50}],
        "device": "ruby",
        "max_downtime_days": 0,
        "n_best": 9,
        "budget": 100,
    }
    errors = errors_of(client.post("/api/plan", json=bad))
    assert errors["patient.age_years"]["allowed"] == "a number in [18, 100] years"
    assert errors["patient.age_years"]["loc"] == ["patient", "age_years"]
    assert errors["areas[0].site"]["loc"] == ["areas", 0, "site"]
    assert "cheek" in errors["areas[0].site"]["allowed"]
    assert "acne_scars" in errors["indication"]["allowed"]
    assert "co2_dual" in errors["device"]["allowed"]
    assert errors["max_downtime_days"]["allowed"] == "a number in (0, 365] days"
    assert errors["n_best"]["allowed"] == "an integer in [1, 5]"
    assert "indication" in errors["budget"]["allowed"]
    assert errors["n_best"]["msg"] == "got 9; allowed: an integer in [1, 5]"


def test_missing_fields_caps_and_malformed_bodies(client):
    errors = errors_of(client.post("/api/plan", json={}))
    assert set(errors) == {"patient", "areas", "indication"}
    assert all("required" in e["allowed"] for e in errors.values())
    too_much = {
        **REQUEST,
        "areas": [{"site": "cheek", "area_cm2": 900}, {"site": "neck", "area_cm2": 900}],
    }
    assert "1000" in errors_of(client.post("/api/plan", json=too_much))["areas"]["allowed"]
    many = [{"site": "cheek", "area_cm2": 5, "name": f"c{i}"} for i in range(11)]
    many_errors = errors_of(client.post("/api/plan", json={**REQUEST, "areas": many}))
    planner_areas = "a list of 1 to 10 areas, each {site, area_cm2} or {preset}"
    assert many_errors["areas"]["allowed"] == planner_areas
    # none, or more than a plan file allows: the planner's limit all the same (session 19)
    for areas in ([], many * 5):
        errors = errors_of(client.post("/api/plan", json={**REQUEST, "areas": areas}))
        assert errors["areas"]["allowed"] == planner_areas
    assert "n_best" in errors_of(client.post("/api/plan", json={**REQUEST, "n_best": 2.5}))
    assert "body" in errors_of(client.post("/api/plan", json=[REQUEST]))
    r = client.post(
        "/api/plan", content=b'{"n_best": NaN}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422


def test_openapi_documents_the_planner_and_presets_carry_indications(client):
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/api/plan"]["post"]
    body = op["requestBody"]["content"]["application/json"]
    assert "$defs" not in str(body) and "#/$defs" not in str(body)
    assert set(body["schema"]["properties"]) >= {"indication", "patient", "areas", "n_best"}
    assert body["example"]["indication"] == "acne_scars"
    assert {"202", "200", "422"} <= set(op["responses"])
    presets = client.get("/api/presets").json()
    acne = presets["indications"]["acne_scars"]
    assert acne["min_um"] < acne["max_um"] and acne["min_coverage_percent"] > 0
    assert presets["limits"]["max_plan_n_best"] == 5
