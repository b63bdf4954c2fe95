"""API conventions (issue 16): response schemas for every route, documented errors,
every bad field at once, a store outside the working folder."""

import pytest
from web_support import SMALL_PLAN, fake_job, local_client

from resurfacer.web import create_app
from resurfacer.web.store import STORE_NAME, default_store_path


@pytest.fixture
def client(tmp_path):
    app = create_app(tmp_path / "store.sqlite", workers=1, job_timeout_s=3, job_fn=fake_job)
    with local_client(app) as c:
        yield c


def test_every_route_has_a_response_schema_and_documents_its_errors(client):
    spec = client.get("/openapi.json").json()
    assert len(spec["paths"]) >= 7
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ok = next(c for c in op["responses"] if c.startswith("2"))
            content = op["responses"][ok]["content"]
            assert all("schema" in media for media in content.values()), (method, path)
            if path.startswith("/api/jobs/"):
                assert "404" in op["responses"], (method, path)
    simulate = spec["paths"]["/api/simulate"]["post"]["responses"]
    assert {"202", "200", "413", "422", "503"} <= set(simulate)
    schema = simulate["422"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ValidationFailed")
    job = spec["components"]["schemas"]["JobView"]["properties"]
    assert {"progress", "stage", "summary", "status"} <= set(job)


def test_every_bad_field_is_answered_at_once(client):
    bad = {**SMALL_PLAN, "passes": [{**SMALL_PLAN["passes"][0], "density_percent": 150,
                                     "pulse_energy_mj": -5}]}  # fmt: skip
    r = client.post("/api/validate", json=bad)
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["detail"]}
    assert fields == {"passes[0].density_percent", "passes[0].pulse_energy_mj"}
    assert all("(pass 1)" in d["msg"] for d in r.json()["detail"])


def test_store_defaults_to_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("RESURFACER_DATA_DIR", raising=False)
    path = default_store_path()
    assert path.name == STORE_NAME and "resurfacer" in str(path.parent)
    assert path.parent.resolve() != tmp_path.resolve()
    monkeypatch.setenv("RESURFACER_DATA_DIR", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / STORE_NAME
    monkeypatch.chdir(tmp_path)
    with local_client(create_app(workers=1, job_fn=fake_job)) as c:
        assert c.get("/api/health").status_code == 200
    assert (tmp_path / "data" / STORE_NAME).exists()
    assert not list(tmp_path.glob("*.sqlite"))  # nothing in the working folder
