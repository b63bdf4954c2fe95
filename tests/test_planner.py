"""Planner: plans obey every rule, darker skin never gets denser plans, unreachable goals,
bad input. Small tables (5 nodes) on an 8 um grid, cached per test session."""

import json
from dataclasses import replace

import pytest

from resurfacer.cli import main
from resurfacer.errors import InputError
from resurfacer.plan.rules import check_plan
from resurfacer.plan.schema import Area, AreaPreset, Patient
from resurfacer.planning.planner import (
    DOWNTIME_RESOLUTION,
    SURROGATE_TOLERANCE,
    PlannerResult,
    plan_treatment,
)
from resurfacer.treatment import TREATMENT_SOLVER, simulate
from support.tables import private_table_cache

FAST = replace(TREATMENT_SOLVER, grid=8e-6)
KW = {"options": FAST, "table_nodes": 5, "stacks": (1,), "repeats": (1, 2), "n_best": 2}


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    yield from private_table_cache(tmp_path_factory, "tables")


def run(indication, phototype=2, site="cheek", **kw):
    patient = Patient(sex="female", age_years=50, phototype=phototype)
    return plan_treatment(patient, [Area(site=site, area_cm2=50)], indication, **{**KW, **kw})


@pytest.fixture(scope="module")
def scars():
    return {pt: run("acne_scars", pt) for pt in (2, 5)}


@pytest.fixture(scope="module")
def wrinkles():
    # deep wrinkles on the cheek: 600-1000 um at >= 5 % coverage, reachable well inside the
    # bulk-temperature limits (acne scars, 500 um at >= 10 %, sit right at the 45 C limit:
    # docs/planner.md, known gaps)
    return run("deep_wrinkles", 2)


def test_plans_reach_the_target_and_pass_every_rule(wrinkles):
    r = wrinkles
    assert r.reachable and r.plans
    for i, p in enumerate(r.plans):
        plan = r.plan(i)
        assert check_plan(plan) == []
        assert p.target_met
        assert 600 <= p.depth_um <= 1000
        assert p.rationale and isinstance(p.rules, list)
        assert p.predicted["warnings"] == []
    d = r.to_dict()
    assert {"passes", "predicted", "rules", "rationale"} <= set(d["plans"][0])
    # the indication's source, with its "MODEL VALUES (verify)", stays in the data file
    # (session 19: it reached `plan --json` and the web page's answer)
    assert "verify" not in json.dumps(d["target"]) and "MODEL VALUE" not in json.dumps(d)
    pairs = zip(r.tradeoff, r.tradeoff[1:], strict=False)
    assert r.tradeoff and all(a["downtime_days"] <= b["downtime_days"] for a, b in pairs)


def test_plans_are_ordered_on_the_full_simulation_and_only_the_first_claims_the_least(
    wrinkles, scars
):
    # the surrogate ranks the candidates, the full simulation may move a downtime by a
    # tenth of a day: the plans are shown in order of their verified downtime (0.1 d), then
    # energy per area, and only the first says it has the least downtime (every plan did,
    # and a neck texture search showed 5.1 d as plan 1 above plan 2's 5.0 d)
    for r in (wrinkles, *scars.values()):
        keys = [
            (round(p.predicted["downtime_days"] / 0.1), round(p.surrogate["heat_j_per_cm2"], 3))
            for p in r.plans
        ]
        assert keys == sorted(keys)
        claims = ["it has the least downtime" in p.rationale for p in r.plans]
        assert claims == [True] + [False] * (len(r.plans) - 1)
        for p in r.plans[1:]:
            assert f"{p.kind} plan" in p.rationale


def test_the_front_does_not_promise_less_downtime_than_the_plans_in_the_target(wrinkles):
    # the front counts only candidates giving the indication's coverage at their own depth,
    # so a point inside the target's depth range is a plan the planner could have proposed:
    # none may heal sooner than the best plan by more than the ranking's resolution. Before,
    # sparser candidates set the front (acne scars on a cheek: 3.1 d at 519 um against the
    # proposed plan's 4.6 d at the same depth)
    r = wrinkles
    best = r.plans[0].surrogate["downtime_days"]
    inside = [
        t for t in r.tradeoff if r.target["min_um"] <= t["depth_um"] <= r.target["max_um"]
    ]
    assert inside
    assert min(t["downtime_days"] for t in inside) >= best - DOWNTIME_RESOLUTION


def test_verified_plan_passes_the_outcome_rules(scars, wrinkles):
    for r in [*scars.values(), wrinkles]:
        for i in range(len(r.plans)):
            plan = r.plan(i)
            assert check_plan(plan, simulate(plan, FAST)) == []


def test_darker_phototype_never_gets_a_denser_plan(scars):
    def density(r):
        return max(
            sum(t.get("density_percent", 100.0) for t in p.passes if t["mode"] == "deep")
            for p in r.plans
        )

    assert scars[5].plans
    assert density(scars[5]) <= density(scars[2])
    assert density(scars[5]) <= 10.0  # density_deep_phototype_4_6


def test_unreachable_goal_reports_the_nearest_plan():
    r = run("deep_wrinkles", 2, "periorbital", n_best=1)
    assert not r.reachable
    assert "not reached" in r.message and r.shortfall.startswith("depth")
    assert r.shortfall in r.message and r.to_dict()["reached"] is False
    assert len(r.plans) == 1 and not r.plans[0].target_met
    assert check_plan(r.plan(0)) == []
    assert r.plans[0].depth_um < 600


def test_stacked_pulses_keep_under_a_cap_on_the_energy_per_column():
    """Session 31's probe: the first chest plan for deep wrinkles fired two stacked
    7.5 mJ deep pulses, 15 mJ per column, past the neck and chest cap of 10 mJ
    (`energy_deep_neck_chest`), which read the single pulse; it now reads the column's
    energy (`rules.column_energy_mj`), and the planner keeps each stack under it."""
    r = run("deep_wrinkles", 3, "chest", stacks=(1, 2), n_best=3)
    assert r.plans
    for i in range(len(r.plans)):
        assert check_plan(r.plan(i)) == []
        for p in r.plan(i).passes:
            assert p.pulse_energy_mj * p.stack <= 10.0 + 1e-9


def test_bulk_limit_bounds_the_next_plans_heat():
    # the bulk rise over body temperature is linear in energy per area: a plan of
    # 10 J/cm2 that peaks at 47 C against a 45 C limit bounds the next at 8 J/cm2
    from resurfacer.plan.rules import RuleViolation
    from resurfacer.planning.planner import _heat_within

    def over(peak, limit):
        return RuleViolation("bulk", "max_peak_bulk_temperature_c", peak, limit, (), "")

    assert _heat_within(10.0, over(47.0, 45.0), 37.0) == pytest.approx(8.0)
    assert _heat_within(10.0, over(45.04, 45.0), 37.0) == pytest.approx(9.95, abs=1e-3)
    assert _heat_within(10.0, over(47.0, 36.0), 37.0) == 0.0  # limit below body temperature


def test_max_downtime_excludes_longer_plans():
    r = run("pigment", 2, max_downtime_days=0.01, n_best=1)
    assert not r.reachable and "max_downtime_days" in r.message


CHEEK_AND_EYELIDS = [Area(site="cheek", area_cm2=50), Area(site="periorbital", area_cm2=10)]


def test_candidates_are_ranked_on_their_slowest_area():
    # moderate wrinkles, 7.5 mJ at 5 %: 4.34 d on the cheek, 4.58 d on the thinner eyelid
    # skin; the plan's downtime is the slowest area's, and so is the candidate's: under a
    # 4.5 d cap no plan is proposed that the full simulation finds over it, and only
    # candidates the surrogate put within its tolerance of the cap reach the full
    # simulation (since session 21 those may be dropped there: 'deep x2', 4.64 d)
    patient = Patient(sex="female", age_years=50, phototype=2)
    r = plan_treatment(patient, CHEEK_AND_EYELIDS, "moderate_wrinkles", max_downtime_days=4.5, **KW)
    assert r.plans and all(p.predicted["downtime_days"] <= 4.5 for p in r.plans)
    for p in r.plans:  # the rationale names the area that sets the downtime
        assert f"set by the {p.predicted['downtime_region']} area" in p.rationale
        assert p.surrogate["downtime_region"] in {"cheek", "periorbital"}
        assert p.surrogate["downtime_days"] <= 4.5 * (1 + SURROGATE_TOLERANCE)
    for d in r.dropped:  # each one over the cap in the full simulation, named as such
        assert d["rule"] != "max_downtime_days" or "in the full simulation" in d["message"]


def test_the_full_simulation_rechecks_the_downtime_cap(monkeypatch):
    # the cap is checked again on the verified plan: with a surrogate that sees no
    # downtime at all, every plan over the cap is dropped there, with the reason
    import resurfacer.planning.candidates as candidates

    monkeypatch.setattr(candidates, "wounds_downtime_days", lambda wounds, skin: 0.0)
    patient = Patient(sex="female", age_years=50, phototype=2)
    # 2.98 d: the verified plans take 2.92 d and more, so some pass it and some do not
    # (2.92 d against 2.88 d and more until session 28, when the swelling came to read the
    # whole wound to 190 um; 4.36 d and a cap of 4.4 d before session 27 shed an opened
    # wound's crust at the MEND speed; 4.07 d and 4.2 d before session 23 sent a short pulse
    # in at least 8 ray sweep pairs, which made these coarse-grid eyelid columns shallower)
    cap = 2.98
    r = plan_treatment(patient, CHEEK_AND_EYELIDS, "moderate_wrinkles", max_downtime_days=cap, **KW)
    assert r.plans and all(p.predicted["downtime_days"] <= cap for p in r.plans)
    dropped = [d for d in r.dropped if d["rule"] == "max_downtime_days"]
    assert dropped and all("full simulation" in d["message"] for d in dropped)


def test_eyelid_rules_bind_the_eyelids_not_the_whole_face():
    # a full face scales deep passes on the eyelids (0.33 x energy, 0.5 x density); the
    # eyelid caps (7.5 mJ, 10 %) hold there, as fired, and no longer cap the other areas
    patient = Patient(sex="female", age_years=50, phototype=2)
    r = plan_treatment(patient, [{"preset": "full_face"}], "deep_wrinkles", **KW)
    assert r.plans
    plan = r.plan(0)
    assert not check_plan(plan)
    deep = [i for i, p in enumerate(plan.passes) if p.mode == "deep"]
    lids = next(a for a in plan.site_areas if a.region == "periorbital")
    assert any(plan.passes[i].pulse_energy_mj > 7.5 for i in deep)
    assert all(plan.region_pass(i, lids).pulse_energy_mj <= 7.5 for i in deep)
    # the eyelid cap may bind as fired on the lids: at 20 mJ they take 6.5 mJ, and the
    # next energy node would take them past 7.5 mJ (it bound no plan while the deep
    # columns were 5-13 % shallower, before session 14's symmetric ray sweeps)
    for n in range(len(r.plans)):
        other = r.plan(n)
        for i, p in enumerate(other.passes):
            if p.mode == "deep":
                assert other.region_pass(i, lids).pulse_energy_mj <= 7.5 < p.pulse_energy_mj


def test_bad_input():
    patient = Patient(sex="female", age_years=50, phototype=2)
    with pytest.raises(InputError, match="indication"):
        plan_treatment(patient, [Area(site="cheek", area_cm2=5)], "warts")
    with pytest.raises(InputError, match="device"):
        plan_treatment(patient, [Area(site="cheek", area_cm2=5)], "pigment", device="ruby")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--indication", "warts"], "--indication"),
        (["--site", "scalp"], "--site"),
        (["--device", "ruby"], "--device"),
        (["--phototype", "7"], "--phototype"),
        # session 31's probe: under the schema's 0.01 cm² it passed the CLI's own check
        # and ended in a pydantic traceback
        (["--area-cm2", "0.001"], "--area-cm2"),
    ],
)
def test_cli_bad_input_exits_2(args, option, capsys):
    base = {"--site": "cheek", "--indication": "acne_scars", "--phototype": "2", "--age": "50"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = ["plan"] + [x for kv in base.items() for x in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and option in err[0]


def test_shortfall_is_named():
    from resurfacer.planning.planner import INDICATIONS, shortfall

    target = INDICATIONS["acne_scars"]
    assert shortfall(target, 520.0, 7.5) == "summed density 7.5 % < 10 %"
    assert shortfall(target, 420.0, 12.0) == "depth 420 um < 500 um"
    assert shortfall(target, 600.0, 10.0) == ""


def test_plan_of_a_result_without_its_patient_names_the_field():
    r = PlannerResult("deep_wrinkles", {}, False, "not reached", [], [], 0, 0.0)
    with pytest.raises(ValueError, match="PlannerResult.patient"):
        r.plan(0)


def test_cli_unreached_target_exits_0_with_the_shortfall(monkeypatch, capsys):
    import json

    def unreached(*a, **k):
        return PlannerResult(
            "deep_wrinkles", {}, False, "not reached", [], [], 0, 0.0, shortfall="depth 410 um"
        )

    monkeypatch.setattr("resurfacer.planning.planner.plan_treatment", unreached)
    argv = ["plan", "--site", "periorbital", "--indication", "deep_wrinkles"]
    argv += ["--phototype", "2", "--age", "50", "--json", "--quiet"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reached"] is False and out["shortfall"] == "depth 410 um"


def test_cli_out_writes_a_plan_simulate_runs_with_the_predicted_figures(
    monkeypatch, tmp_path, wrinkles
):
    from resurfacer.plan.schema import load_plan

    monkeypatch.setattr("resurfacer.planning.planner.plan_treatment", lambda *a, **k: wrinkles)
    out = tmp_path / "plan.toml"
    argv = ["plan", "--site", "cheek", "--indication", "deep_wrinkles", "--phototype", "2"]
    argv += ["--age", "50", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    summary = simulate(load_plan(out), FAST).summary
    predicted = wrinkles.plans[0].predicted
    for name in ("downtime_days", "peak_bulk_temperature_c", "session_minutes"):
        assert summary.model_dump()[name] == pytest.approx(predicted[name], rel=0.05)
    depth = max(p.coagulation_depth_um for p in summary.passes)
    assert depth == pytest.approx(wrinkles.plans[0].depth_um, rel=0.05)


def test_cli_json(monkeypatch, capsys, wrinkles):
    import json

    monkeypatch.setattr("resurfacer.planning.planner.plan_treatment", lambda *a, **k: wrinkles)
    argv = [
        "plan",
        "--site",
        "cheek",
        "--indication",
        "deep_wrinkles",
        "--phototype",
        "2",
        "--age",
        "50",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"passes", "predicted", "rules", "rationale"} <= set(out["plans"][0])


def _single_of_split(plan):
    """The plan with each run of identical consecutive passes merged into one pass at the
    summed density (same pulse energy, same total energy): None if nothing is repeated."""
    merged, changed = [], False
    for p in plan.passes:
        if merged and p == merged[-1][0]:
            merged[-1][1] += 1
            changed = True
        else:
            merged.append([p, 1])
    if not changed:
        return None
    passes = [
        p.model_copy(update={"density_percent": min(100.0, n * p.density_percent)})
        for p, n in merged
    ]
    return plan.model_copy(update={"passes": passes})


def test_no_split_pass_plan_below_its_single_pass_by_more_than_25_percent(scars, wrinkles):
    """Issue 15: two passes at half density used to show far less downtime than the one
    pass they replace (0.1 d against 3.7 d), so the planner recommended the split. Every
    recommended plan with a repeated pass is simulated against its merged single pass;
    a search restricted to two passes makes sure there is one."""
    checked = 0
    forced = run("deep_wrinkles", 2, repeats=(2,), n_best=1)
    for r in [*scars.values(), wrinkles, forced]:
        for i in range(len(r.plans)):
            split = r.plan(i)
            single = _single_of_split(split)
            if single is None:
                continue
            a = simulate(split, FAST).summary.downtime_days
            b = simulate(single, FAST).summary.downtime_days
            assert a >= 0.75 * b, (r.indication, i, a, b)
            checked += 1
    assert checked >= 1


def test_stacked_plans_of_a_fixed_power_source_are_valid_plans():
    # co2_dual's deep mode derives its pulse duration from its power (energy / 30 W), so
    # the spacing of stacked pulses must follow each energy; a spacing taken from the
    # mode's default energy made every stacked plan above it invalid (stack_spacing_ms
    # < pulse_duration_ms), and the planner failed
    r = run("acne_scars", stacks=(2,), repeats=(1,), n_best=1)
    assert r.plans
    for i, p in enumerate(r.plans):
        plan = r.plan(i)
        for t, q in zip(p.passes, plan.passes, strict=True):
            assert t["stack"] == 2 and "pulse_duration_ms" not in t
            assert q.stack_spacing_ms >= q.pulse_duration_ms
            assert q.pulse_duration_ms == pytest.approx(q.pulse_energy_mj / q.peak_power_w)


@pytest.mark.slow
def test_cli_acne_scars_on_a_type_ii_cheek_is_reached_end_to_end(tmp_path, capsys):
    """The issue's command, as a user types it (default solver, tables built here):
    exit 0, a reached plan, and `--out` a plan `simulate` runs to the predicted depth."""
    import json

    from resurfacer.common.units import human_text
    from resurfacer.plan.schema import load_plan

    out = tmp_path / "plan.toml"
    argv = ["plan", "--site", "cheek", "--indication", "acne_scars", "--phototype", "2"]
    argv += ["--age", "45", "--json", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["reached"] is True and result["plans"][0]["target_met"]
    summary = simulate(load_plan(out)).summary
    depth = max(p.coagulation_depth_um for p in summary.passes)
    assert depth == pytest.approx(result["plans"][0]["depth_um"], rel=0.05)
    # the text names the solver's cautions under each plan, as the JSON carries them
    # (none here since session 14 removed the fast-front note from 30 W columns; the
    # printing of a note: test_the_plan_text_prints_each_model_note)
    notes = result["plans"][0]["predicted"]["model_notes"]
    assert notes == summary.model_notes
    assert main(argv[:-4]) == 0
    text = capsys.readouterr().out
    assert all(f"model note: {human_text(n)}" in text for n in notes)


def test_the_plan_text_prints_each_model_note():
    from types import SimpleNamespace

    from resurfacer.cli.plan_command import _table

    note = "pass 1 (cheek): the lesion reaches the subcutis (1100 um)"
    predicted = {
        "downtime_days_range": (4.0, 5.0),
        "session_minutes": 3.0,
        "downtime_days": 4.5,
        "peak_bulk_temperature_c": 41.0,
        "model_notes": [note],
    }
    plan = SimpleNamespace(
        predicted=predicted, depth_um=900.0, rules=[], passes=[], rationale="", uncertainty=None
    )
    result = SimpleNamespace(
        message="", device="co2_dual", device_reason="default", reachable=True, shortfall="",
        broken=[], plans=[plan], tradeoff=[],
    )
    assert "    model note: pass 1 (cheek): the lesion reaches the subcutis (1100 µm)" in _table(
        result
    )


def test_the_plan_text_names_a_figure_outside_its_band():
    from types import SimpleNamespace

    from resurfacer.cli.plan_command import _table

    predicted = {
        "downtime_days_range": (7.1, 10.8),
        "session_minutes": 16.0,
        "downtime_days": 8.7,
        "peak_bulk_temperature_c": 41.5,
        "model_notes": [],
    }
    bands = {"downtime_days": {"p10": 4.7, "p50": 8.2, "p90": 8.6}}
    plan = SimpleNamespace(
        predicted=predicted, depth_um=600.0, rules=[], passes=[], rationale="",
        uncertainty={**bands, "outside_the_band": ["downtime (above the 90th percentile)"]},
    )  # fmt: skip
    result = SimpleNamespace(
        message="", device="co2_dual", device_reason="default", reachable=True, shortfall="",
        broken=[], plans=[plan], tradeoff=[],
    )
    text = _table(result)
    # two spreads, two names (session 24 probe: both were called "band")
    assert "downtime 8.7 d (band 7.1-10.8)" in text and text.count("band 7.1") == 1
    assert "    downtime over sampled people (10-90 %): 4.7-8.6 d" in text
    assert "outside the sampled-people band for downtime (above the 90th percentile)" in text
    plan.uncertainty = {**bands, "outside_the_band": []}
    assert "outside the band" not in _table(result)


def test_plan_help_lists_what_the_command_accepts():
    # found in session 19: --indication listed dark_skin_preference (refused) and --site
    # left out the area presets cheeks, chin_jaw and hands (accepted)
    from resurfacer.cli.choices import indications, sites_and_presets
    from resurfacer.plan.schema import AREA_PRESETS
    from resurfacer.planning.planner import INDICATIONS
    from resurfacer.tissue.skin import SITES

    assert set(indications()) == set(INDICATIONS)
    assert set(sites_and_presets()) == {*SITES, *AREA_PRESETS}


def test_a_downtime_cap_no_plan_meets_is_named_and_no_file_is_written(
    monkeypatch, tmp_path, capsys
):
    # found in session 19: "reached": false with an empty shortfall, no plan, and --out
    # silently not written
    r = run("deep_wrinkles", max_downtime_days=1.0)  # the cheek's tables, as above
    assert r.plans == [] and not r.reachable
    assert "1 d downtime cap" in r.shortfall and "least downtime" in r.shortfall
    monkeypatch.setattr("resurfacer.planning.planner.plan_treatment", lambda *a, **k: r)
    out = tmp_path / "plan.toml"
    argv = ["plan", "--site", "cheek", "--indication", "deep_wrinkles"]
    argv += ["--phototype", "2", "--age", "50", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "shortfall: no plan within the 1 d downtime cap" in captured.out
    assert "none (no plan within the limits)" in captured.out
    assert not out.exists() and "was not written" in captured.err


def test_a_preset_plan_reaches_its_coverage_as_fired_not_as_set():
    # found in session 21: on the neck and hands presets a deep pass fires at 0.5 x its
    # density, yet "target reached" counted the density set (5 %) against a 5 % minimum
    # (hands: a stack of 2 reaches the depth; before, "deep stack 2" was reached with a
    # surrogate coverage of 5 % and 2.5 % fired)
    patient = Patient(sex="female", age_years=50, phototype=2)
    kw = {**KW, "stacks": (1, 2), "repeats": (1,), "n_best": 1}
    result = plan_treatment(patient, [AreaPreset(preset="hands")], "moderate_wrinkles", **kw)
    target = result.target
    assert result.plans
    for p in result.plans:
        passes = p.predicted["passes"]
        # the surrogate counts at most the coverage fired on the hands (half the density
        # set, kept inside the device's range), never the density set
        fired = sum(pp["coverage_percent"] for pp in passes)
        assert p.surrogate["coverage_percent"] <= fired + 1e-6
        if fired < sum(t["density_percent"] for t in p.passes) - 1e-6:
            assert "as fired, area-weighted" in p.rationale
        reaching = sum(
            pp["coverage_percent"] for pp in passes
            if pp[f"{target['metric']}_um"] >= target["min_um"]
        )  # fmt: skip
        assert p.target_met == (reaching >= target["min_coverage_percent"] - 1e-6) or not (
            target["min_um"] <= p.depth_um <= target["max_um"]
        )


def test_a_plan_the_surrogate_puts_just_over_the_cap_is_verified_against_it(wrinkles):
    # found in session 21: a 4.4 d cap dropped a plan the surrogate put at 4.49 d and the
    # full simulation at 4.398 d. Here a plan's surrogate and full downtimes lie either
    # side of a cap set between them, within the surrogate's 3 % (the best plan's until
    # session 27 and since session 28, 3.101 and 3.097 d; the second's in session 27, 3.001
    # and 2.955 d), and the plan is kept
    over = [
        p for p in wrinkles.plans
        if p.predicted["downtime_days"] < p.surrogate["downtime_days"]
        < p.predicted["downtime_days"] * 1.03
    ]  # fmt: skip
    assert over  # the case this test is about
    plan = over[0]
    cap = (plan.surrogate["downtime_days"] + plan.predicted["downtime_days"]) / 2
    result = run("deep_wrinkles", max_downtime_days=cap)
    assert result.reachable
    assert all(p.predicted["downtime_days"] <= cap for p in result.plans)
    assert any(p.passes == plan.passes for p in result.plans)


@pytest.mark.parametrize(
    "site, phototype, rule",
    [("neck", 2, "full_field_off_face"), ("cheek", 5, "full_field_phototype_4_6")],
)
def test_a_rule_that_excludes_the_whole_device_is_named(site, phototype, rule):
    # session 23 (a probe): "excluded by: nothing verified", binding rules [] and no
    # candidate, where a safety rule refuses every setting of a full-field device there
    r = run("texture", phototype, site=site, device="co2_full_field")
    assert not r.reachable and r.candidates == 0
    assert r.excluded_by == [rule]
    assert f"excluded by: {rule}" in r.message


def test_an_unreached_plan_names_its_coverage_shortfall_and_the_binding_cap():
    # session 23 (a probe): acne scars on a 3 d cap gave the nearest plan (deep 9.5 mJ at
    # 1 %) a shortfall of "depth 444 um < 500 um" alone and no binding rule; since session
    # 27 the nearest plan (12.5 mJ at 5 %) reaches the depth and falls short on density
    from resurfacer.planning.planner import INDICATIONS, shortfall

    target = INDICATIONS["acne_scars"]
    assert shortfall(target, 444.0, 1.0) == "depth 444 um < 500 um, summed density 1 % < 10 %"
    r = run("acne_scars", max_downtime_days=3, repeats=(1,), n_best=1)
    assert not r.reachable and r.plans
    nearest = r.plans[0]
    assert "summed density" in nearest.shortfall
    assert "max_downtime_days" in nearest.rules


def test_the_rules_named_when_no_plan_is_proposed_are_the_binding_rules():
    # session 23 review: with candidates that all broke a rule the message named them and
    # the JSON's binding rules were empty
    r = run(
        "moderate_wrinkles", site="perioral", device="co2_fractional_deep", max_downtime_days=1
    )
    assert not r.plans and r.candidates > 0
    rules = r.to_dict()["binding_rules"]
    assert rules and f"excluded by: {', '.join(rules)}" in r.message


def test_a_density_cap_under_every_density_step_is_named(monkeypatch):
    # session 24: `excluding_rules` named a passes or energy cap that leaves a mode no
    # setting, but not a density cap under the mode's least density step, which
    # `mode_options` excludes just as well ("excluded by: nothing verified")
    from resurfacer.planning import candidates

    real = candidates.pass_caps

    def capped(phototype, sites, p):
        return {**real(phototype, sites, p), "max_density_percent": (0.5, "a_density_cap")}

    monkeypatch.setattr(candidates, "pass_caps", capped)
    r = run("texture", device="thulium_1927")
    assert not r.reachable and r.candidates == 0
    assert r.excluded_by == ["a_density_cap"]
    assert "excluded by: a_density_cap" in r.message


def test_a_looser_downtime_cap_never_gives_a_worse_answer(monkeypatch):
    # session 24 probe: a 4.4 d cap gave "no plan" (and quoted 4.5 d as the least downtime)
    # where a 4.2 d cap gave a plan at 4.20 d: all 7 tries were candidates the surrogate
    # put just under the cap x 1.03, over it in the full simulation. Here the surrogate's
    # downtime is made 4 % low, so every candidate near a cap goes over it when verified;
    # each drop now lowers the surrogate downtime later tries may have
    import resurfacer.planning.candidates as candidates

    real = candidates.wounds_downtime_days
    monkeypatch.setattr(candidates, "wounds_downtime_days", lambda w, s: 0.96 * real(w, s))
    caps = (3.5, 4.0, 4.4, 5.0)
    results = [run("acne_scars", max_downtime_days=cap, n_best=1) for cap in caps]
    short = []
    for cap, r in zip(caps, results, strict=True):
        assert r.plans, (cap, r.message, r.shortfall)
        assert r.plans[0].predicted["downtime_days"] <= cap
        p = r.plans[0]
        given = p.surrogate["coverage_percent"]
        distance = max(0.0, r.target["min_um"] - p.depth_um, p.depth_um - r.target["max_um"])
        short.append((not r.reachable, round(distance, -1), max(0.0, 10.0 - given)))
    assert short == sorted(short, reverse=True), short  # never worse as the cap loosens


def test_the_least_downtime_of_no_plan_counts_the_candidates_within_the_cap():
    # session 24 probe: "the least downtime of the plans within every other limit is 4.5 d"
    # counted only candidates over the cap; feasible ones at 3.9 d were left out
    from types import SimpleNamespace

    from resurfacer.planning.planner import _no_plan_shortfall

    ctx = SimpleNamespace(max_downtime_days=4.4)
    cands = [
        SimpleNamespace(violations=("max_downtime_days",), downtime=4.5),
        SimpleNamespace(violations=(), downtime=3.9),
        SimpleNamespace(violations=("depth_within_dermis",), downtime=1.0),
    ]
    dropped = [{"rule": "max_downtime_days", "downtime_days": d} for d in (4.45, 4.61)]
    text = _no_plan_shortfall(ctx, cands, dropped)
    assert "4.5 d" not in text and "at 3.9 d" in text
    assert "2 verified with the full simulation went over it (4.45-4.61 d)" in text
    assert "least downtime of the plans within every other limit is 4.5 d" in (
        _no_plan_shortfall(ctx, cands[:1])
    )
    # session 24 (a review): every try dropped for another rule: the cap is not the reason
    # ("the 0 verified with the full simulation went over it"); `_excluded` names the rule
    assert _no_plan_shortfall(ctx, cands, [{"rule": "bulk_temperature_cap"}]) == ""


def test_the_nearest_plan_gives_the_least_coverage_shortfall_the_limits_allow():
    # session 24 probe: deep wrinkles on the eyelids (short of depth) got the nearest plan
    # at 1 % ("coverage 1 % < 5 %"): candidates short of the depth were ranked on the
    # coverage at the target's floor, 0 for all, so the sparsest won; 5 % is within limits
    r = run("deep_wrinkles", 2, "periorbital", n_best=1)
    assert not r.reachable and r.plans
    nearest = r.plans[0]
    assert nearest.shortfall.startswith("depth") and "density" not in nearest.shortfall
    assert nearest.surrogate["coverage_percent"] >= r.target["min_coverage_percent"]
    assert sum(t.get("density_percent", 100.0) for t in nearest.passes) >= 5.0


def test_the_rules_named_as_reasons_are_those_that_alone_kept_a_candidate_out():
    # session 24 probe: the union of every rule broken named the eyelid density cap for
    # plans that all broke depth_within_dermis already
    from types import SimpleNamespace

    from resurfacer.planning.planner import _reasons

    deep = SimpleNamespace(violations=("depth_within_dermis",))
    both = SimpleNamespace(violations=("density_deep_periorbital", "depth_within_dermis"))
    assert _reasons([deep, both]) == ["depth_within_dermis"]
    assert _reasons([both]) == ["density_deep_periorbital", "depth_within_dermis"]
    assert _reasons([]) == []


def test_a_full_face_plan_names_the_regions_short_of_the_target():
    # session 24 probe: a full face "reached" moderate wrinkles (300-700 um, >= 5 %) with
    # the eyelids, scaled by their regional defaults, at 173 um and 3 %, said nowhere
    patient = Patient(sex="female", age_years=50, phototype=2)
    kw = {**KW, "n_best": 1}
    r = plan_treatment(patient, [AreaPreset(preset="full_face")], "moderate_wrinkles", **kw)
    assert r.plans
    p = r.plans[0]
    shallow = [
        reg["name"] for reg in p.predicted["regions"]
        if reg["passes"] and reg["coagulation_depth_um"] < r.target["min_um"]
    ]  # fmt: skip
    assert "periorbital" in shallow  # the case this test is about
    named = [line.split(":")[0] for line in p.regions_short]
    assert set(shallow) <= set(named)
    for name in shallow:
        assert f"{name}: depth" in r.message and f"{name}: depth" in p.rationale
    assert "regional defaults" in p.rationale
    assert r.to_dict()["plans"][0]["regions_below_target"] == p.regions_short
    if r.reachable:
        assert "target reached area-weighted; short of it on periorbital" in r.message


def test_a_shortfall_caused_by_regional_defaults_says_so():
    # session 24 probe: a full face at type IV (9.64 % against 10 %) blamed "the device
    # and mode ranges and the rules' caps"; the eyelids' 0.5 x density was the cause
    from types import SimpleNamespace

    from resurfacer.planning.planner import _by_regional_defaults

    ctx = SimpleNamespace(regions=[1, 2, 3])
    lids = "periorbital: summed density 5 % < 10 % (regional defaults, data/face_areas.toml: x)"
    assert _by_regional_defaults(ctx, SimpleNamespace(regions_short=[lids])) == ["periorbital"]
    other = "cheek: summed density 5 % < 10 %"
    assert _by_regional_defaults(ctx, SimpleNamespace(regions_short=[lids, other])) == []
    assert _by_regional_defaults(ctx, SimpleNamespace(regions_short=[])) == []


def test_an_area_weighted_shortfall_is_rounded_like_every_figure():
    # session 24 probe: "coverage 9.63746 % < 10 %" (printed with %g)
    from resurfacer.planning.planner import INDICATIONS, shortfall

    target = INDICATIONS["acne_scars"]
    assert shortfall(target, 520.0, 9.63746) == "summed density 9.64 % < 10 %"
    assert shortfall(target, 520.0, 9.9996) == "summed density 9.9996 % < 10 %"  # never "10 % < 10"


def test_the_tradeoff_counts_coverage_as_the_target_does():
    # session 24 probe: on the neck for texture the curve counted only the passes reaching
    # a candidate's own depth (a deep + surface plan: 10 %), the target every pass past
    # its floor (20 %): the curve put 156-182 um at 9.3-9.6 d beside a plan at 170 um, 4.6 d
    from types import SimpleNamespace

    from resurfacer.planning.planner import INDICATIONS, _tradeoff

    target = INDICATIONS["texture"]
    ctx = SimpleNamespace(target=target, lo_m=target["min_um"] * 1e-6)
    both = SimpleNamespace(depth=170e-6, coverage=20.0, own_coverage=10.0, downtime=4.6,
                           kind="deep x2 + surface")  # fmt: skip
    short = SimpleNamespace(depth=60e-6, coverage=0.0, own_coverage=30.0, downtime=2.0,
                            kind="surface")  # fmt: skip
    points = _tradeoff(ctx, [both, short])
    assert [(round(p["depth_um"]), p["downtime_days"]) for p in points] == [(60, 2.0), (170, 4.6)]


def test_the_tradeoff_line_does_not_say_no_plan_beside_a_plan():
    # session 24 probe: "none (no plan within the limits)" under a plan that broke no limit
    from types import SimpleNamespace

    from resurfacer.cli.plan_command import _table

    predicted = {"downtime_days_range": [1.0, 2.0], "session_minutes": 3.0,
                 "downtime_days": 1.5, "peak_bulk_temperature_c": 40.0}  # fmt: skip
    plan = SimpleNamespace(predicted=predicted, depth_um=500.0, rules=[], passes=[],
                           rationale="r", uncertainty=None, target_met=False)  # fmt: skip
    result = SimpleNamespace(message="m", device="d", device_reason="x", reachable=False,
                             shortfall="s", broken=[], plans=[plan], tradeoff=[])  # fmt: skip
    text = _table(result)
    assert "no plan within the limits" not in text
    assert "no candidate within the limits gives the indication's coverage" in text


def test_the_search_pass_limit_is_named_when_it_keeps_the_coverage_short(monkeypatch):
    # session 24 probe: 1,550 nm acne scars (6 % < 10 %) blamed "the device and mode ranges
    # and the rules' caps"; no rule caps non-ablative passes, the search's 2 passes did,
    # and the dark-skin device reason said the device "does not give the 10 % coverage"
    from types import SimpleNamespace

    from resurfacer.planning import planner

    ctx = SimpleNamespace(
        repeats=(1, 2), target={"min_coverage_percent": 10.0}, device="nonablative_1550"
    )
    monkeypatch.setattr(planner, "device_modes", lambda device: ["fractional"])
    monkeypatch.setattr(planner, "pass_room", lambda ctx, mode: (3.0, float("inf")))
    text = planner._pass_limited(ctx)
    assert "searched at most 2 passes" in text and "4 passes" in text and "12 %" in text
    monkeypatch.setattr(planner, "pass_room", lambda ctx, mode: (3.0, 2.0))  # a rule caps
    assert planner._pass_limited(ctx) == ""
    _, reason = planner.choose_device(None, "acne_scars", 5)
    assert "does not give the 10 % coverage" not in reason and "passes" in reason


def test_more_passes_are_offered_only_where_the_depth_is_in_reach(monkeypatch):
    """Session 30's probe: a 1,550 nm texture plan on type V skin, 349 um deep at the
    device's least energy over a 300 um band, was told that 7 passes would give the
    coverage; more passes cannot bring it into the band."""
    from types import SimpleNamespace

    from resurfacer.planning import planner

    ctx = SimpleNamespace(
        repeats=(1, 2), target={"min_coverage_percent": 20.0}, device="nonablative_1550",
        lo_m=80e-6, hi_m=300e-6,
    )  # fmt: skip
    monkeypatch.setattr(planner, "device_modes", lambda device: ["fractional"])
    monkeypatch.setattr(planner, "pass_room", lambda ctx, mode: (3.0, float("inf")))
    too_deep = [SimpleNamespace(met=False, depth=349e-6)]
    assert "searched at most" not in planner._why_unreachable(ctx, too_deep)
    in_band = [SimpleNamespace(met=False, depth=250e-6)]
    text = planner._why_unreachable(ctx, in_band)
    assert "searched at most 2 passes" in text and "7 passes" in text
    assert text.strip(" ()").count("(") == text.strip(" ()").count(")")


def test_a_plan_names_the_summed_density_and_simulates_combined_coverage(scars):
    # session 24 probe: acne scars plan 2 (11.5 mJ at 5 % x 2) "reached" 10 % while
    # simulate reported a combined coverage of 9.8 %: the target counts the summed density
    # (indications.toml); both figures are now given, each named
    for p in scars[2].plans:
        d = p.to_dict()
        assert d["combined_coverage_percent"] == p.predicted["combined_coverage_percent"]
        assert "summed density" in p.rationale and "combined coverage" in p.rationale
        if p.target_met:  # every deep pass reaches the floor: all their densities count
            summed = sum(t["density_percent"] for t in p.passes)
            assert d["summed_density_percent"] == pytest.approx(summed)
            assert f"summed density {summed:.3g} %" in p.rationale


def test_limits_a_plan_sits_at_are_told_apart_from_rules_that_kept_others_out(scars):
    # session 24 probe: "Bound by: density_deep_neck_chest" on a surface-only plan, and
    # "excluded by: depth_within_dermis, max_downtime_days" for a pigment target that only
    # a 2.4 d cap kept out (depth_within_dermis came from deep candidates far off target)
    from types import SimpleNamespace

    from resurfacer.planning.planner import _better_excluded, _excluded

    for p in scars[2].plans:
        assert "Bound by" not in p.rationale
        assert p.rules == sorted(set(p.at_limits + p.kept_out_by))
        assert p.to_dict()["at_limits"] == p.at_limits
        for rule in p.at_limits:
            assert "At its limits: " in p.rationale and rule in p.rationale

    def cand(violations, met, downtime):
        return SimpleNamespace(violations=violations, met=met, downtime=downtime, heat=1.0,
                               options=(), depth=1e-4)  # fmt: skip

    capped = cand(("max_downtime_days",), True, 2.5)
    deep = cand(("depth_within_dermis",), False, 2.0)
    assert _excluded(None, [], [capped, deep]) == ["max_downtime_days"]
    assert _excluded(None, [], [deep]) == ["depth_within_dermis"]
    mine = cand((), True, 3.0)
    assert _better_excluded(mine, [capped, deep, mine]) == ["max_downtime_days"]


def test_a_plan_carries_its_protocol_notes(scars):
    # session 24 probe (finding 5): the planner never read data/protocols.toml
    from resurfacer.planning.protocols import protocol_notes

    for r in scars.values():
        for p in r.plans:
            assert p.protocol_notes == protocol_notes(p.passes, r.indication)
            assert p.to_dict()["protocol_notes"] == p.protocol_notes
            for note in p.protocol_notes:
                assert note in p.rationale


def test_the_planner_s_wound_carries_the_dried_layer_as_the_chain_s_does():
    """Session 30's review: the planner's wound (`candidates.surrogate_wound`, "as
    `treatment.wound_for`") left out the tissue a pass boiled dry and left in place, so
    its wound bed under a surface pass read 64 um where the chain's reads 50 um."""
    from resurfacer.healing.wound import wound_bed_necrosis
    from resurfacer.planning.candidates import Option, surrogate_wound

    nan = float("nan")
    surface = {
        "ablation_depth": 17e-6, "desiccation_depth": 31e-6, "coagulation_depth": 81e-6,
        "ablation_width_surface": nan, "coagulation_width": nan, "surface_opening": 1.0,
        "injury_width": nan, "lining_necrosis": nan, "pulse_energy_mj": 90.0,
    }  # fmt: skip
    option = Option("surface", {"device": "co2_dual"}, 1, {"forehead": surface}, {"forehead": 40})
    wound = surrogate_wound(option, "forehead", top=10e-6, stratum_corneum=17e-6)
    assert wound.desiccation_depth == pytest.approx(41e-6)
    assert wound_bed_necrosis(wound) == pytest.approx(50e-6)


def test_a_second_plan_of_the_same_kind_does_not_claim_to_be_another_kind():
    """Session 30's probe: on type VI skin every pigment plan was "2 passes" of the
    1,927 nm device, yet plans 2 and 3 said "after the best plan the planner shows one
    plan of each other kind"."""
    from resurfacer.planning.planner import CAVEAT, PlannedTreatment, _with_standing

    def planned(kind):
        return PlannedTreatment(
            passes=[], predicted={}, rules=[], rationale="Why." + CAVEAT, target_met=True,
            depth_um=220.0, surrogate={"heat_j_per_cm2": 1.0}, kind=kind,
        )  # fmt: skip

    best, same, other = planned("x2"), planned("x2"), planned("x1")
    text = _with_standing(same, 1, [best])
    assert "another x2 plan" in text and "each other kind" not in text
    assert "one plan of each other kind" in _with_standing(other, 1, [best])
