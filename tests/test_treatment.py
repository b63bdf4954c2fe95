"""The treatment chain: plans in, outcomes out (issue 3's must-show list)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from resurfacer.cli import main
from resurfacer.plan.schema import Plan, load_plan
from resurfacer.report.context import region_table
from resurfacer.treatment import is_finite_summary, simulate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def deep_plan(**changes) -> Plan:
    data = {
        "name": "deep test",
        "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"site": "cheek", "area_cm2": 50.0}],
        "passes": [
            {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 10, "density_percent": 5}
        ],
    }
    for key, value in changes.items():
        if key.startswith("pass_"):
            data["passes"][0][key[5:]] = value
        else:
            data[key] = value
    return Plan.from_data(data)


PLAN_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.toml") if not p.name.startswith("sweep"))


@pytest.mark.parametrize("name", PLAN_EXAMPLES)
def test_examples_simulate_with_finite_results(name):
    outcome = simulate(load_plan(EXAMPLES / name))
    assert is_finite_summary(outcome.summary)
    assert outcome.summary.max_energy_balance_error < 5e-3
    assert outcome.summary.session_minutes > 0


def test_the_summary_carries_the_bulk_heating_energy_balance(monkeypatch):
    """`max_energy_balance_error` covers the bulk-heating solver as well as the columns:
    a pattern whose balance is off by 0.25 shows in it (the columns close to ~1e-15)."""
    import dataclasses

    import resurfacer.treatment as treatment

    def off(*args, **kwargs):
        heat = true_heating(*args, **kwargs)
        assert heat.energy_balance_error < 1e-8  # the true balance closes
        return dataclasses.replace(heat, energy_balance_error=0.25)

    true_heating = treatment.pattern_heating
    monkeypatch.setattr(treatment, "pattern_heating", off)
    assert simulate(deep_plan()).summary.max_energy_balance_error == 0.25


def test_coverage_and_mtz_density_match_the_request():
    p = simulate(deep_plan()).summary.passes[0]
    assert p.coverage_percent == pytest.approx(5.0)
    spot_area_cm2 = math.pi * (120e-4 / 2) ** 2
    assert p.mtz_per_cm2 == pytest.approx(0.05 / spot_area_cm2, rel=1e-9)


def test_coverage_counts_overlapping_spots_once():
    """Session 25 (a probe): a density above pi/4 (spots that overlap) was reported as its
    coverage, 100 % where the discs cover 90.9 % (`scan.pattern.coverage_fraction`); the
    pass's coverage and the combined coverage now count the skin inside at least one
    spot. Up to pi/4 the coverage is the density."""
    surface = {"device": "co2_dual", "mode": "surface", "pulse_energy_mj": 90}
    for density, covered in ((40.0, 40.0), (100.0, 90.95)):
        plan = deep_plan(passes=[{**surface, "density_percent": density}])
        summary = simulate(plan).summary
        assert summary.passes[0].coverage_percent == pytest.approx(covered, abs=0.01)
        assert summary.combined_coverage_percent == pytest.approx(covered, abs=0.01)


def test_energy_over_the_pattern_adds_up():
    outcome = simulate(deep_plan())
    p = outcome.summary.passes[0]
    assert p.spots == pytest.approx(50.0 * p.mtz_per_cm2, rel=1e-9)
    assert p.energy_j == pytest.approx(p.spots * 10e-3, rel=1e-9)
    assert outcome.summary.total_energy_j == pytest.approx(p.energy_j)


def test_session_time_scales_with_area_and_passes():
    base = simulate(deep_plan()).summary.session_minutes
    double_area = simulate(deep_plan(areas=[{"site": "cheek", "area_cm2": 100.0}]))
    assert double_area.summary.session_minutes == pytest.approx(2 * base, rel=1e-6)
    one = deep_plan().passes[0].model_dump(exclude_none=True)
    two = simulate(deep_plan(passes=[one, one])).summary.session_minutes
    assert two == pytest.approx(2 * base, rel=1e-6)


def test_denser_and_stacked_passes_raise_bulk_temperature():
    base = simulate(deep_plan()).summary.peak_bulk_temperature_c
    denser = simulate(deep_plan(pass_density_percent=15)).summary.peak_bulk_temperature_c
    stacked = simulate(deep_plan(pass_stack=2, pass_stack_spacing_ms=1.0)).summary
    assert denser > base
    assert stacked.peak_bulk_temperature_c > base


def test_cli_json_summary_and_atomic_output(capsys, tmp_path):
    plan = EXAMPLES / "co2-dual-full-face.toml"
    out = tmp_path / "run"
    assert main(["simulate", str(plan), "--json", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("session_minutes", "total_energy_j", "peak_bulk_temperature_c", "passes"):
        assert key in summary
    for key in ("coverage_percent", "mtz_per_cm2", "ablation_depth_um", "coagulation_thickness_um"):
        assert key in summary["passes"][0]
    assert sorted(p.name for p in out.iterdir()) == ["outcome.nc", "summary.json"]
    assert json.loads((out / "summary.json").read_text()) == summary


@pytest.mark.parametrize(
    "override, field",
    [
        ("passes.1.density_percent=150", "passes[1].density_percent"),
        ("passes.1.density_percent=-5", "passes[1].density_percent"),
        ("passes.1.densty=15", "passes[1].densty"),
        ("passes.1.device=laser9000", "passes[1].device"),
        ("passes.1.pulse_energy_mj=500", "passes[1].pulse_energy_mj"),
        ("areas.0.preset=whole_body", "areas[0]"),
    ],
)
def test_cli_bad_plan_exits_2_and_writes_nothing(override, field, capsys, tmp_path):
    out = tmp_path / "never"
    plan = EXAMPLES / "co2-dual-full-face.toml"
    assert main(["simulate", str(plan), "--set", override, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and field in err
    assert not out.exists()


def test_cli_malformed_toml_exits_2(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[patient\nsex = 'female'\n")
    assert main(["simulate", str(bad)]) == 2
    assert "line" in capsys.readouterr().err


def test_cli_uncertainty_bands_bracket_their_median(capsys):
    plan = EXAMPLES / "co2-deep-acne-scars-cheek.toml"
    assert main(["simulate", str(plan), "--uncertainty", "3", "--json"]) == 0
    bands = json.loads(capsys.readouterr().out)["uncertainty"]
    assert bands["n_samples"] == 3 and bands["percentiles"] == [10.0, 90.0]
    for quantity in (bands["passes"][0]["ablation_depth_um"], bands["downtime_days"]):
        assert quantity["p10"] <= quantity["p50"] <= quantity["p90"]


def test_treatment_cells_resolve_the_absorption_length():
    from resurfacer.laser.beam import Beam
    from resurfacer.tissue.skin import skin_for
    from resurfacer.treatment import TREATMENT_SOLVER, within_absorption_length

    skin = skin_for("perioral")
    co2 = within_absorption_length(TREATMENT_SOLVER, skin, Beam(10.6e-6, 120e-6))
    assert co2 == TREATMENT_SOLVER  # 1/mu_a about 16 um: the 4 um cells stay
    erbium = within_absorption_length(TREATMENT_SOLVER, skin, Beam(2.94e-6, 250e-6))
    assert 1.0e-6 < erbium.grid < 1.2e-6  # 1/mu_a of the epidermis (75 % water)
    assert erbium.after_pulse == TREATMENT_SOLVER.after_pulse


def test_the_area_table_prints_an_area_under_one_cm2():
    # session 26, a probe: 0.4 cm2 printed as "0" in the per-area table
    from resurfacer.cli.simulate_command import summary_table

    outcome = simulate(deep_plan(areas=[{"site": "cheek", "area_cm2": 0.4}]))
    (row,) = [x for x in summary_table(outcome.summary).splitlines() if x.startswith("cheek ")]
    assert row.split()[2] == "0.4", row


def test_an_area_every_pass_skips_is_reported_as_not_treated(capsys, tmp_path):
    """A full face whose lips every pass skips: the perioral row has no bulk peak (JSON
    null; it was NaN, which strict JSON parsers refuse), the table says the area was not
    treated, and no antiviral course is prescribed for lips that were not treated (the
    plan's area list used to count them)."""
    plan = Plan.from_data(
        {
            "name": "no lips",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"preset": "full_face"}],
            "passes": [
                {"device": "co2_dual", "mode": "deep", "regions": {"perioral": {"skip": True}}}
            ],
        }
    )
    outcome = simulate(plan)
    (lips,) = [r for r in outcome.summary.regions if r.name == "perioral"]
    assert lips.passes == [] and lips.peak_bulk_temperature_c is None
    # the treated area leaves the lips out (session 20: it counted every area of the plan)
    assert outcome.summary.total_area_cm2 == pytest.approx(plan.total_area_cm2 - lips.area_cm2)
    _, rows = region_table(outcome)  # the report says so too, not "0.0 d" of downtime
    assert [r["cells"][-1] for r in rows if r["cells"][0] == "perioral"] == ["not treated"]
    assert is_finite_summary(outcome.summary)
    json.loads(outcome.summary.model_dump_json(), parse_constant=pytest.fail)
    assert not any(a["name"] == "antiviral prophylaxis" for a in outcome.healing.aftercare)
    with_lips = simulate(Plan.from_data({**plan.to_dict(), "passes": [
        {"device": "co2_dual", "mode": "deep"}]}))  # fmt: skip
    assert any(a["name"] == "antiviral prophylaxis" for a in with_lips.healing.aftercare)
    path = tmp_path / "no-lips.json"
    path.write_text(plan.to_json())
    assert main(["simulate", str(path)]) == 0
    row = "perioral     perioral       40  not treated (every pass skips it)"
    assert row in capsys.readouterr().out


def test_a_bulk_past_the_boiling_point_is_noted_and_its_dose_stays_finite():
    # found in session 19 by a fuzzed web request: 1,550 nm at 100 kHz, 100 % density,
    # stacked ten times, heats the bulk to a linear 4164 C; its CEM43 was inf, which the
    # web store turned into null and `simulate --json` printed as Infinity
    plan = Plan.from_data(
        {
            "name": "hot",
            "patient": {"sex": "female", "age_years": 45, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 10}],
            "passes": [
                {
                    "kind": "fractional", "wavelength_nm": 1550, "spot_um": 100,
                    "pulse_energy_mj": 50, "pulse_duration_ms": 0.9, "stack": 10,
                    "stack_spacing_ms": 1.0, "density_percent": 100, "pattern_size_mm": 8,
                    "repetition_rate_hz": 100000, "scan_order": "raster",
                }
            ],
        }
    )
    summary = simulate(plan).summary
    assert summary.peak_bulk_temperature_c > 1000.0
    assert math.isfinite(summary.bulk_thermal_dose_cem43_min)
    (note,) = [n for n in summary.model_notes if "would boil" in n]
    assert note.startswith("pass 1: ")
    assert is_finite_summary(summary)
    json.dumps(summary.rounded(), allow_nan=False)


def test_a_crater_the_column_refuses_names_the_pass_energy(monkeypatch):
    # found in session 19: the column's refusal of a crater deeper than the skin named
    # "pulse.energy" in J, a field of no plan
    import resurfacer.treatment as treatment
    from resurfacer.errors import InputError

    def refuse(skin, beam, pulse, options):
        raise InputError("pulse.energy", pulse.energy, "an energy whose crater fits")

    monkeypatch.setattr(treatment, "column_for", refuse)
    with pytest.raises(InputError) as info:
        simulate(load_plan(EXAMPLES / "co2-dual-full-face.toml"))
    assert info.value.field == "passes[0].pulse_energy_mj"
    assert "(on forehead)" in info.value.allowed


def test_every_crater_the_column_accepts_can_heal():
    # found in session 19: a 5.96 mm crater, inside the cheek's 5.96 mm of modelled skin,
    # was refused by healing's 5 mm bound with "passes[0].ablation_depth" in metres
    from resurfacer.healing.wound import MAX_WOUND_DEPTH
    from resurfacer.tissue import skin_for
    from resurfacer.tissue.skin import SITES

    for site in SITES:
        for sex in ("female", "male"):
            for age in (18, 100):
                skin = skin_for(site, sex=sex, age=age, phototype=6)
                assert skin.layer_boundaries()[-1] < MAX_WOUND_DEPTH


def test_a_pass_that_leaves_no_wound_is_noted_or_refused_at_its_energy():
    # found in session 19: a pass too weak to coagulate anything stopped `simulate` with
    # "passes[0].coagulation_depth ... > 0 m", a field of no plan
    from resurfacer.errors import InputError

    weak = {
        "kind": "fractional", "wavelength_nm": 10600, "spot_um": 120, "pulse_energy_mj": 0.001,
        "pulse_duration_ms": 0.5, "density_percent": 5, "pattern_size_mm": 10,
        "repetition_rate_hz": 300,
    }  # fmt: skip
    data = {
        "name": "weak",
        "patient": {"sex": "female", "age_years": 40, "phototype": 2},
        "areas": [{"site": "cheek", "area_cm2": 10}],
        "passes": [weak],
    }
    with pytest.raises(InputError) as info:
        simulate(Plan.from_data(data))
    assert info.value.field == "passes[0].pulse_energy_mj"
    data["passes"].append({"device": "co2_fractional_deep", "pulse_energy_mj": 10})
    summary = simulate(Plan.from_data(data)).summary
    assert summary.downtime_days > 0
    (note,) = [n for n in summary.model_notes if "leaves no wound" in n]
    assert note.startswith("pass 1 (cheek): ")


def _deep_plan(areas, small_area_energy_mj):
    """A deep pass of 15 mJ, with 5 mJ on the area named by `small_area_energy_mj`."""
    return Plan.from_data(
        {
            "name": "one site, two areas",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": areas,
            "passes": [
                {
                    "device": "co2_dual",
                    "mode": "deep",
                    "pulse_energy_mj": 15,
                    "density_percent": 5,
                    "regions": {small_area_energy_mj: {"pulse_energy_mj": 5}},
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("areas", "gentle", "site"),
    [
        # found in session 20: the first area of a site gave the site's figures
        (
            [
                {"site": "cheek", "area_cm2": 10, "name": "small"},
                {"site": "cheek", "area_cm2": 100, "name": "big"},
            ],
            "small",
            "cheek",
        ),
        # and an area named like another site gave that site's figures
        (
            [
                {"site": "forehead", "area_cm2": 30, "name": "nose"},
                {"site": "nose", "area_cm2": 20, "name": "nasal"},
            ],
            "nose",
            "nose",
        ),
    ],
)
def test_the_dataset_shows_every_area_as_the_summary_does(areas, gentle, site):
    # until session 22 the dataset held one entry per site, the largest area's: the
    # gentler area of a shared site was missing from outcome.nc
    outcome = simulate(_deep_plan(areas, gentle))
    crater = {r.name: r.crater_um for r in outcome.summary.regions}
    largest = max((a for a in areas if a["site"] == site), key=lambda a: a["area_cm2"])
    assert crater[gentle] < crater[largest["name"]]
    ds = outcome.dataset
    for name, um in crater.items():
        assert float(ds["ablation_depth"].sel({"pass": 0, "area": name})) * 1e6 == pytest.approx(
            um, abs=0.01
        )
    assert [str(s) for s in ds["site"].values] == [a["site"] for a in areas]


def test_pass_settings_are_area_weighted_as_the_figures_are():
    # found in session 20: coverage was area-weighted but energy, fluence and MTZ density
    # were the plan's nominal values, under a header saying "area-weighted means", and
    # outcome.nc's coverage was the nominal one
    plan = load_plan(Path(__file__).resolve().parents[1] / "examples" / "co2-dual-full-face.toml")
    outcome = simulate(plan)
    deep = outcome.summary.passes[1]
    areas = {a.region: a.area_cm2 for a in plan.site_areas}
    lids, total = areas["periorbital"], sum(areas.values())
    assert deep.pulse_energy_mj == pytest.approx((15.0 * (total - lids) + 5.0 * lids) / total)
    assert deep.coverage_percent == pytest.approx((5.0 * (total - lids) + 2.5 * lids) / total)
    nominal = plan.passes[1]
    assert deep.mtz_per_cm2 < nominal.mtz_per_m2 * 1e-4
    coverage = outcome.dataset["coverage"].values
    assert coverage == pytest.approx([p.coverage_percent / 100 for p in outcome.summary.passes])


@pytest.mark.parametrize(
    ("plan", "setting", "shown"),
    [
        ("co2-deep-acne-scars-cheek.toml", "passes.0.spot_um=10",
         "passes[0].spot_um (pass 1): got 10; allowed: >= 4 grid cells (16 µm) at this grid"),
        ("co2-full-field-periorbital.toml", "passes.0.wavelength_nm=1550",
         "passes[0].wavelength_nm (pass 1): got 1550; allowed: a wavelength where absorption"),
        ("co2-full-field-periorbital.toml", "passes.0.pulse_energy_mj=10000",
         "passes[1] (periorbital) (pass 2): got 'a surface 993 µm deep under the full-field"),
    ],
)  # fmt: skip
def test_a_column_the_solver_refuses_is_named_in_the_plans_terms(capsys, plan, setting, shown):
    # found in session 21: "spot_diameter (pass 1): got 1e-05", "depth: got 0.000993"
    assert main(["simulate", str(EXAMPLES / plan), "--set", setting]) == 2
    assert shown in capsys.readouterr().err


def test_a_column_over_the_cost_cap_is_refused_naming_its_pulse(monkeypatch):
    # found in session 21: simulate had no cost cap (mtz refuses such runs before solving)
    import resurfacer.treatment as treatment

    monkeypatch.setattr(treatment, "MAX_CELL_UPDATES", 1e3)
    with pytest.raises(treatment.InputError) as info:
        simulate(load_plan(EXAMPLES / "co2-deep-acne-scars-cheek.toml"))
    assert info.value.field == "passes[0].pulse_duration_ms"
    assert "cell updates, over 1e+03" in info.value.allowed


def test_a_regional_default_clamped_into_the_device_range_is_said(tmp_path):
    # found in session 21: the eyelids' regional defaults (0.33 x the energy, 0.5 x the
    # density) asked 1.65 mJ at 0.5 % of a 5-70 mJ, 1-25 % device, which fired the cheek's
    # 5 mJ at 1 % there without a word
    plan = Plan.from_data({
        "name": "eyelids and a cheek",
        "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"preset": "periorbital"}, {"site": "cheek", "area_cm2": 50}],
        "passes": [{"device": "co2_fractional_deep", "pulse_energy_mj": 5,
                    "density_percent": 1}],
    })  # fmt: skip
    notes = [n for n in simulate(plan).summary.model_notes if "regional defaults" in n]
    assert notes == [
        "pass 1 on periorbital: its regional defaults ask this pass for 1.65 mJ at 0.5 %, "
        "outside co2_fractional_deep's range (energy 5-70 mJ, density 1-25 %); it fires "
        "5 mJ at 1 %"
    ]


def test_a_stacked_column_over_the_cost_cap_echoes_its_pulse_as_given(monkeypatch):
    # found in review (session 21): the refusal showed the whole train (8200 ms) as the
    # pass's pulse_duration_ms
    import resurfacer.treatment as treatment

    monkeypatch.setattr(treatment, "MAX_CELL_UPDATES", 1e3)
    plan = load_plan(EXAMPLES / "co2-deep-acne-scars-cheek.toml", ["passes.0.stack=3"])
    with pytest.raises(treatment.InputError) as info:
        simulate(plan)
    assert info.value.field == "passes[0].pulse_duration_ms"
    assert info.value.value == pytest.approx(plan.passes[0].pulse_duration_ms)
    assert "its train of 3 lasts" in info.value.allowed


def test_a_pass_after_full_field_passes_measures_its_crater_from_the_first_surface():
    """Session 22 (a probe): the second full-field pass on the eyelids printed "crater 0
    um, coag. depth 108 um, cuff 71 um" in the pass table and "crater 37 um" in the area
    table: the pass's crater was measured from its own surface, its coagulation from the
    surface before the first pass. Both now start at the first surface, as in the areas."""
    s = simulate(load_plan(EXAMPLES / "co2-full-field-periorbital.toml")).summary
    first, second = s.passes
    (area,) = s.regions
    assert second.ablation_depth_um == pytest.approx(area.passes[1].ablation_depth_um)
    assert second.ablation_depth_um >= first.removed_um
    for p in s.passes:
        assert p.ablation_depth_um + p.coagulation_thickness_um == pytest.approx(
            p.coagulation_depth_um, abs=1.0
        )


def _split(delay_s: float | None = None, density: float = 10.0) -> Plan:
    """A 20 mJ deep CO2 pass on 1 cm2 of cheek, and (`delay_s` given) the same pass again
    `delay_s` after it (probe s24's two-pass case)."""
    one = {"device": "co2_fractional_deep", "pulse_energy_mj": 20, "scan_order": "random"}
    passes = [{**one, "density_percent": density}]
    if delay_s is not None:
        passes.append({**one, "density_percent": density, "pass_delay_s": delay_s})
    return Plan.from_data(
        {
            "name": "split pass",
            "patient": {"sex": "male", "age_years": 28, "phototype": 3},
            "areas": [{"site": "cheek", "area_cm2": 1.0}],
            "passes": passes,
        }
    )


def _bulk(plan: Plan) -> tuple[float, float]:
    s = simulate(plan).summary
    return s.peak_bulk_temperature_c, s.bulk_thermal_dose_cem43_min


def test_a_split_pass_heats_like_the_denser_pass_when_fired_back_to_back():
    """Two 10 % passes on the same 1 cm2 within seconds heat the skin far more than one
    (until session 24 each was solved from body temperature: 48.19 C / 0.73 CEM43 min
    at any delay, against 57.89 C / 72.5 for one 20 % pass); an hour apart they read as
    two single passes. Measured: 53.93 C / 18.7 CEM43 min back to back."""
    single_peak, single_dose = _bulk(_split())
    dense_peak, _ = _bulk(_split(density=20.0))
    back_peak, back_dose = _bulk(_split(0.0))
    apart_peak, apart_dose = _bulk(_split(3600.0))
    assert back_peak > single_peak + 0.5 * (dense_peak - single_peak)
    assert back_peak < dense_peak
    assert back_dose > 10.0 * apart_dose
    assert apart_peak == pytest.approx(single_peak, abs=0.01)
    assert apart_dose == pytest.approx(2.0 * single_dose, rel=0.01)
    assert simulate(_split(0.0)).summary.max_energy_balance_error < 1e-8


DELAYS_S = [0.0, 0.5, 2.0, 10.0, 60.0, 600.0, 3600.0]


@pytest.mark.parametrize("delay", [0.0, 2.0, 60.0, 3599.0])
def test_bulk_peak_and_dose_are_continuous_in_the_pass_delay(delay):
    """A millisecond more between the passes moves the peak by well under a mK and the
    dose by well under 0.1 % (slopes measured at 0 s: 0.05 K/s, 6 CEM43 min/s of 18.7)."""
    peak, dose = _bulk(_split(delay))
    later_peak, later_dose = _bulk(_split(delay + 1e-3))
    assert later_peak <= peak and later_dose <= dose
    assert peak - later_peak < 1e-3
    assert dose - later_dose <= 1e-3 * dose


def test_bulk_peak_and_dose_do_not_fall_as_the_pass_delay_shrinks():
    figures = [_bulk(_split(d)) for d in DELAYS_S]
    peaks, doses = np.array(figures).T
    assert np.all(np.diff(peaks) <= 0.0) and np.all(np.diff(doses) <= 0.0)
    assert peaks[0] > peaks[-1] + 5.0  # back to back against an hour apart


def test_an_area_under_one_scanner_pattern_is_noted():
    """Session 31's probe: a 0.01 cm² nose took 0.15 of a 1.3 mm spot in 6.6 ms, with a
    whole 10 mm pattern's bulk heating, without a word."""

    def notes(area_cm2):
        plan = Plan.from_data(
            {
                "name": "small",
                "patient": {"sex": "female", "age_years": 50, "phototype": 2},
                "areas": [{"site": "nose", "area_cm2": area_cm2}],
                "passes": [{"device": "co2_dual", "mode": "surface"}],
            }
        )
        return [n for n in simulate(plan).summary.model_notes if "scanner pattern" in n]

    tiny = notes(0.01)
    assert len(tiny) == 1 and "than one spot (0.0133 cm²)" in tiny[0]
    assert "upper bound" in tiny[0]
    assert "than one spot" not in notes(0.5)[0]
    assert notes(2.0) == []


def test_a_bulk_dose_that_kills_the_epidermis_is_noted_as_missed_by_healing():
    """Session 31's probe: a 1,550 nm pass at 70 mJ and 500 MTZ/cm2 took 1.1e15 CEM43 min
    between the columns and healed as intact skin in 2.5 d, with no word that healing reads
    the columns alone; the rule's message printed the dose as 16 digits."""

    def outcome(mtz):
        plan = Plan.from_data(
            {
                "name": "hot",
                "patient": {"sex": "female", "age_years": 50, "phototype": 2},
                "areas": [{"site": "cheek", "area_cm2": 50}],
                "passes": [
                    {"device": "nonablative_1550", "pulse_energy_mj": 70, "mtz_per_cm2": mtz}
                ],
            }
        )
        return simulate(plan).summary

    hot = outcome(500)
    notes = [n for n in hot.model_notes if "kills the epidermis" in n]
    assert len(notes) == 1 and "cheek 1.12e+15" in notes[0]
    assert any("1.12e+15 CEM43 min exceeds 720" in w for w in hot.warnings)
    assert not [n for n in outcome(125).model_notes if "kills the epidermis" in n]


def test_a_full_field_pass_that_leaves_the_surface_closed_is_noted():
    """Session 31's probe: the full-field CO2 device at its least energy (150 mJ, under the
    ablation threshold) coagulated 72 um of the cheek's 92 um epidermis and healed as
    intact skin in 2.5 d, without a word; an opened pass (300 mJ) carries no such note."""

    def notes(energy):
        plan = Plan.from_data(
            {
                "name": "full field",
                "patient": {"sex": "female", "age_years": 50, "phototype": 2},
                "areas": [{"site": "cheek", "area_cm2": 50}],
                "passes": [{"device": "co2_full_field", "pulse_energy_mj": energy}],
            }
        )
        return [n for n in simulate(plan).summary.model_notes if "left the surface closed" in n]

    closed = notes(150)
    assert len(closed) == 1 and "cheek 0 %" in closed[0] and "too short" in closed[0]
    assert notes(300) == []
