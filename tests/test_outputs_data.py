"""Traceable data files and CLI conventions (issue 16): outcome.nc gives the plan
back with CF units on every variable, summary.json is rounded and per region, the
CLI lists what it knows and shows its choices."""

import contextlib
import io
import json
import math
from pathlib import Path

import pytest
import xarray as xr

from resurfacer.cli import main
from resurfacer.cli.choices import parse_phototype
from resurfacer.errors import InputError
from resurfacer.plan.schema import DEVICE_NAMES, Plan, load_plan
from resurfacer.tissue.skin import SITES
from resurfacer.treatment import round_summary

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PLAN = {
    "name": "data test",
    "patient": {"sex": "male", "age_years": 40, "phototype": 3},
    "areas": [{"site": "cheek", "area_cm2": 10}, {"site": "forehead", "area_cm2": 6}],
    "passes": [
        {"device": "co2_dual", "mode": "surface"},
        {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 5, "density_percent": 5},
    ],
}


def run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    plan_file = folder / "plan.json"
    plan_file.write_text(json.dumps(PLAN))
    code, out, _ = run(["simulate", str(plan_file), "--out", str(folder / "out"), "--json"])
    assert code == 0
    return folder / "out", json.loads(out)


def test_outcome_nc_gives_the_plan_back(written):
    folder, _ = written
    with xr.open_dataset(folder / "outcome.nc") as ds:
        plan = Plan.from_data(json.loads(ds.attrs["plan_json"]))
        assert plan.to_dict() == Plan.from_data(PLAN).to_dict()
        assert ds.attrs["patient_sex"] == "male" and ds.attrs["patient_phototype"] == 3
        assert ds.attrs["resurfacer_version"]
        assert len(ds.attrs["model_fingerprint"]) == 12


def test_cf_xarray_finds_units_on_every_variable(written):
    import h5py
    from cf_xarray.units import units

    folder, _ = written
    with xr.open_dataset(folder / "outcome.nc") as ds:
        for name, var in ds.variables.items():
            assert "long_name" in var.attrs, name
            if var.dtype.kind in "fi":  # numbers have units; text has none (CF 3.1)
                units(var.attrs["units"])  # parses as a unit (pint with CF names)
            else:
                assert "units" not in var.attrs, name
        # time is a duration from the first spot, not a date: no T axis, which CF 4.4
        # gives only to times with a reference ("s since ..."; until session 20 it had one)
        assert "axis" not in ds["time"].attrs and "standard_name" not in ds["time"].attrs
        assert units(ds["bulk_temperature_history"].attrs["units"]) == units("degC")
        assert ds.attrs["date_created"].endswith("Z")  # ISO 8601, UTC
        # a real time coordinate: increasing seconds, each pass sampled on it
        t = ds["time"].values
        assert (t[1:] > t[:-1]).all() and t[0] == 0.0
        hottest = ds["bulk_temperature_history"].max("time")
        assert (abs(hottest - ds["peak_bulk_temperature"]) < 0.05).all()
    with h5py.File(folder / "outcome.nc") as f:  # coordinates hold no missing values (CF 5)
        for name in ("time", "probe_depth", "day"):
            assert "_FillValue" not in f[name].attrs, name


def test_summary_json_is_rounded_and_per_region(written):
    folder, printed = written
    saved = json.loads((folder / "summary.json").read_text())
    assert saved == printed
    assert [r["site"] for r in saved["regions"]] == ["cheek", "forehead"]
    assert all(len(r["passes"]) == 2 for r in saved["regions"])
    assert saved["passes"][1]["fluence_j_per_cm2"] > 0

    def digits(x):
        """Significant digits of x as JSON writes it (trailing zeros are not)."""
        mantissa = repr(x).split("e")[0].replace("-", "").replace(".", "")
        return len(mantissa.strip("0"))

    numbers = []

    def walk(v):
        if isinstance(v, float):
            numbers.append(v)
        elif isinstance(v, dict):
            for k, w in v.items():
                if k != "max_energy_balance_error":
                    walk(w)
        elif isinstance(v, list):
            for w in v:
                walk(w)

    walk(saved)
    assert numbers and max(digits(x) for x in numbers) <= 4


def test_round_summary():
    assert round_summary({"spots": 9974.965427392637, "n": 3, "s": "x"}) == {
        "spots": 9975.0,
        "n": 3,
        "s": "x",
    }
    assert round_summary([0.000123456, 0.0, float("nan")])[:2] == [0.0001235, 0.0]
    assert math.isnan(round_summary([float("nan")])[0])
    assert round_summary({"max_energy_balance_error": 1.8639e-15}) == {
        "max_energy_balance_error": 1.9e-15
    }


@pytest.mark.parametrize("what", ["devices", "sites", "indications", "protocols", "rules"])
def test_list_text_and_json(what):
    code, text, _ = run(["list", what])
    assert code == 0 and text.strip()
    code, out, _ = run(["list", what, "--json"])
    assert code == 0
    assert isinstance(json.loads(out), list)


def test_list_devices_json_names_every_device():
    _, out, _ = run(["list", "devices", "--json"])
    devices = json.loads(out)
    assert [d["name"] for d in devices] == list(DEVICE_NAMES)
    deep = next(m for m in devices[0]["modes"] if m["mode"] == "deep")
    assert deep["wavelength_nm"] == 10600 and deep["pulse_energy_range_mj"][0] > 0


def test_list_unknown_exits_2():
    code, _, err = run(["list", "lasers"])
    assert code == 2 and "WHAT" in err and "devices" in err


def help_text(argv) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(argv)
    return " ".join(out.getvalue().split())  # argparse wraps lines


@pytest.mark.parametrize("command", ["mtz", "plan"])
def test_help_shows_the_allowed_choices(command):
    text = help_text([command, "--help"])
    assert "periorbital" in text and "dorsal_hand" in text  # --site
    assert "female, male" in text  # --sex
    assert "I-VI" in text  # --phototype
    if command == "plan":
        assert "acne_scars" in text and "co2_fractional_deep" in text


@pytest.mark.parametrize(
    ("given", "expected"), [("IV", 4), ("iv", 4), ("4", 4), ("I", 1), ("VI", 6), (6, 6)]
)
def test_phototype_accepts_arabic_and_roman(given, expected):
    assert parse_phototype(given) == expected


@pytest.mark.parametrize("given", ["0", "7", "VII", "four", ""])
def test_phototype_refuses_the_rest(given):
    with pytest.raises(InputError, match="--phototype"):
        parse_phototype(given)


def test_mtz_takes_phototype_iv():
    code, out, _ = run(["mtz", "--phototype", "IV", "--after-ms", "1", "--grid-um", "4", "--json"])
    assert code == 0
    assert json.loads(out)["ablation_depth_um"] > 0


def test_optics_mc_builds_layers_from_the_skin_model():
    argv = ["optics", "mc", "--site", "cheek", "--wavelength-nm", "1550", "--photons", "3000"]
    code, out, _ = run([*argv, "--json"])
    assert code == 0
    result = json.loads(out)
    assert len(result["absorbed_by_layer"]) == 5  # the five skin layers
    total = result["specular"] + result["diffuse_reflectance"] + result["absorbed"]
    assert abs(total + result["transmittance"] - 1.0) < 1e-6
    code, _, err = run(["optics", "mc", "--site", "cheek"])
    assert code == 2 and "--wavelength-nm" in err
    code, _, err = run(["optics", "mc", "--site", "elbow", "--wavelength-nm", "1550"])
    assert code == 2 and "elbow" in err


def test_reference_plan_sites_are_known():
    plan = load_plan(EXAMPLES / "co2-dual-full-face.toml")
    assert {a.site for a in plan.site_areas} <= set(SITES)


def test_outcome_nc_keeps_every_area_of_a_site(tmp_path):
    """Session 22 (a probe): two perioral areas at 10 and 20 mJ were one `site` entry in
    outcome.nc, the larger area's (199 um), while the summary called the other the
    deepest (396 um). The data are now per treated area."""
    plan = {
        "name": "two lips",
        "patient": {"sex": "female", "age_years": 62, "phototype": 2},
        "areas": [{"site": "perioral", "area_cm2": 40, "name": "lip_a"},
                  {"site": "perioral", "area_cm2": 10, "name": "lip_b"}],
        "passes": [{"device": "co2_fractional_deep", "pulse_energy_mj": 10,
                    "regions": {"lip_b": {"pulse_energy_mj": 20}}}],
    }  # fmt: skip
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    code, out, _ = run(["simulate", str(plan_file), "--out", str(tmp_path / "out"), "--json"])
    assert code == 0
    summary = json.loads(out)
    with xr.open_dataset(tmp_path / "out" / "outcome.nc") as ds:
        assert list(ds.area.values) == ["lip_a", "lip_b"]
        assert list(ds.site.values) == ["perioral", "perioral"]
        for region in summary["regions"]:
            depth = float(ds.coagulation_depth.sel(area=region["name"], **{"pass": 0})) * 1e6
            assert depth == pytest.approx(region["passes"][0]["coagulation_depth_um"], rel=1e-3)
        assert float(ds.area_size.sum()) == pytest.approx(50e-4)


def test_outcome_nc_holds_the_treated_areas_only():
    # session 22 review: an area every pass skips was in outcome.nc, so its "treated
    # area" sizes added up past the summary's treated area
    from resurfacer.treatment import simulate

    plan = Plan.from_data({
        "name": "forehead skipped",
        "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"site": "cheek", "area_cm2": 20}, {"site": "forehead", "area_cm2": 10}],
        "passes": [{"device": "co2_fractional_deep", "pulse_energy_mj": 5,
                    "regions": {"forehead": {"skip": True}}}],
    })  # fmt: skip
    outcome = simulate(plan)
    ds = outcome.dataset
    assert list(ds.area.values) == ["cheek"]
    assert float(ds.area_size.sum()) * 1e4 == pytest.approx(outcome.summary.total_area_cm2)


def test_outcome_dataset_carries_the_headline_figures():
    """Session 31's probe: outcome.nc held no downtime, erythema, closure, dose or
    energy, which only summary.json (rounded to 4 digits) carried."""
    from resurfacer.plan.schema import Plan
    from resurfacer.treatment import simulate

    plan = Plan.from_data(
        {
            "name": "headline",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 20}, {"site": "forehead", "area_cm2": 10}],
            "passes": [{"device": "co2_dual", "mode": "deep"}],
        }
    )
    out = simulate(plan)
    ds, s = out.dataset, out.summary
    assert float(ds["downtime"]) == s.downtime_days
    assert list(ds["downtime_band"].values) == list(s.downtime_days_range)
    assert float(ds["erythema"]) == s.erythema_days
    assert float(ds["reepithelialization"]) == s.reepithelialization_hours
    assert float(ds["total_energy"]) == s.total_energy_j
    by_area = {r.name: r.downtime_days for r in s.regions}
    for area in ds["area"].values:
        assert float(ds["area_downtime"].sel(area=area)) == by_area[str(area)]
    for name in ("downtime", "area_downtime", "bulk_thermal_dose", "remodeling"):
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"]
