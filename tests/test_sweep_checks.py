"""Sweep files, results columns and `resurfacer sweep` options are checked before any
work, and a results folder keeps one meaning per column (docs/sweeps.md).

Cheap: no Dask cluster; one tiny Er:YAG point is simulated in-process (`run_points`),
every other folder is written from hand-made rows."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from resurfacer.cli import main
from resurfacer.errors import InputError
from resurfacer.plan.schema import Plan
from resurfacer.sweeps.sweep import (
    ID,
    MANIFEST,
    ResultStore,
    column_label,
    dose_response,
    plan_data_for,
    read_results,
    results_schema,
    run_points,
    sweep_from_data,
    swept_column,
)
from resurfacer.treatment import simulate

#: two areas, the cheek fired at a third of the pass's energy (`regions`)
BASE = {
    "name": "Er:YAG perioral and cheek",
    "patient": {"sex": "female", "age_years": 62, "phototype": 2},
    "areas": [{"site": "perioral", "area_cm2": 40}, {"site": "cheek", "area_cm2": 20}],
    "passes": [
        {
            "device": "erbium_fractional",
            "pulse_energy_mj": 30,
            "density_percent": 11,
            "regions": {"cheek": {"pulse_energy_mj": 10}},
        }
    ],
}
ENERGY = "passes.0.pulse_energy_mj"
DENSITY = "passes.0.density_percent"


def _sweep(parameters: dict):
    return sweep_from_data({"base": BASE, "parameters": parameters})


def _hand_rows(sweep, depth=lambda values: 1.0) -> list[dict]:
    """One "ok" row per point, with made-up figures (no simulation)."""
    return [
        {
            ID: p.id,
            **{swept_column(k): v for k, v in p.values.items()},
            "status": "ok",
            "passes.0.ablation_depth_um": depth(p.values),
        }
        for p in sweep.points()
    ]


# --- D4: a swept field the summary also reports ------------------------------------------


def test_a_swept_field_keeps_its_set_value_and_the_summary_figure_apart(tmp_path):
    """Swept to 20 mJ with 10 mJ on the cheek, the pass fires 16.7 mJ area-weighted:
    the row holds both, the figure under the name `simulate` gives it (it held the
    set value there, which disagreed with `simulate`)."""
    sweep = _sweep({ENERGY: [20]})
    (point,) = sweep.points()
    store = ResultStore(tmp_path / "r.parquet", sweep)
    store.write(run_points(sweep.base, [(point.id, point.values)]))
    row = read_results(tmp_path / "r.parquet").iloc[0]
    fired = simulate(Plan.from_data(plan_data_for(BASE, point.values))).summary
    assert row["status"] == "ok"
    assert row[swept_column(ENERGY)] == 20
    assert row[ENERGY] == pytest.approx(fired.passes[0].pulse_energy_mj)
    assert row[ENERGY] == pytest.approx((40 * 20 + 20 * 10) / 60)


def _old_layout_folder(path, sweep):
    """A folder as sessions before the `set.` columns wrote it: swept values under their
    paths, a manifest without a layout."""
    path.mkdir()
    (path / MANIFEST).write_text(
        json.dumps({"base": sweep.base, "fields": list(sweep.parameters), "mode": "product"})
    )
    rows = [{ID: p.id, **p.values, "status": "ok"} for p in sweep.points()]
    pq.write_table(pa.Table.from_pylist(rows), path / "part-00000.parquet")


def test_a_folder_of_the_old_layout_is_read_under_todays_names_and_not_resumed(tmp_path):
    sweep = _sweep({DENSITY: [5, 10]})
    _old_layout_folder(tmp_path / "old.parquet", sweep)
    frame = read_results(tmp_path / "old.parquet")
    assert sorted(frame[swept_column(DENSITY)]) == [5, 10]
    assert DENSITY not in frame.columns
    with pytest.raises(InputError, match="older resurfacer") as err:
        ResultStore(tmp_path / "old.parquet", sweep)
    assert err.value.field == "--out"


# --- D5: two fields that give one pass's density -------------------------------------------


def test_two_density_fields_of_one_pass_are_refused_naming_both():
    with pytest.raises(InputError) as err:
        _sweep({"passes.0.spot_spacing_um": [300, 400], DENSITY: [5, 10]})
    assert err.value.field == f'parameters."{DENSITY}"'
    assert "passes.0.spot_spacing_um" in str(err.value)


def test_one_density_field_per_pass_and_a_regions_density_are_accepted():
    sweep = _sweep({DENSITY: [5, 10], "passes.0.regions.cheek.density_percent": [3]})
    assert len(sweep) == 2


# --- D6: field paths as --set takes them ---------------------------------------------------


@pytest.mark.parametrize("path", ["passes.0", "patient", "passes.0.regions", "areas.1"])
def test_a_path_to_a_table_is_refused_up_front(path):
    with pytest.raises(InputError, match="a path to a single value") as err:
        _sweep({path: [5]})
    assert err.value.field == f'parameters."{path}"'


def test_a_regions_path_is_accepted_as_with_set():
    """Also for an area the base pass has no entry for (the override creates it)."""
    path = "passes.0.regions.perioral.pulse_energy_mj"
    (point,) = _sweep({path: [20]}).points()
    regions = Plan.from_data(plan_data_for(BASE, point.values)).passes[0].regions
    assert regions["perioral"].pulse_energy_mj == 20
    assert regions["cheek"].pulse_energy_mj == 10


def test_a_regions_path_to_an_area_the_plan_lacks_names_its_areas():
    with pytest.raises(InputError, match="a treated area of the base plan: perioral, cheek"):
        _sweep({"passes.0.regions.forehead.pulse_energy_mj": [20]})


# --- D7: resuming with values of another type ------------------------------------------------


def test_resuming_with_text_where_numbers_were_stored_is_refused_naming_the_field(tmp_path):
    out = tmp_path / "r.parquet"
    first = _sweep({ENERGY: [-5]})
    ResultStore(out, first).write(_hand_rows(first))
    with pytest.raises(InputError, match="numbers, as the values already in") as err:
        ResultStore(out, _sweep({ENERGY: [5, "x"]}))
    assert err.value.field == f'parameters."{ENERGY}"'
    assert err.value.value == "x"
    ResultStore(out, _sweep({ENERGY: [5, 7.5]}))  # numbers again: resumed


# --- units and labels ----------------------------------------------------------------------


def test_every_column_with_a_unit_carries_it():
    schema = results_schema(_sweep({ENERGY: [20], DENSITY: [5]}))
    units = {
        f.name: f.metadata[b"units"].decode()
        for f in schema
        if f.metadata and b"units" in f.metadata
    }
    assert units[swept_column(ENERGY)] == "mJ" and units[swept_column(DENSITY)] == "%"
    assert units["downtime_days_range.0"] == units["downtime_days_range.1"] == "days"
    assert units["bulk_thermal_dose_cem43_min"] == units["passes.0.bulk_cem43_min"] == "CEM43 min"
    assert units["passes.0.minutes"] == "min" and units["runtime_s"] == "s"


def test_columns_are_labelled_in_words_and_units():
    assert column_label(ENERGY) == ("pass 1 pulse energy", "mJ")
    assert column_label(swept_column("passes.1.regions.periorbital.pulse_energy_mj")) == (
        "pass 2 periorbital pulse energy (set)",
        "mJ",
    )
    assert column_label("downtime_days_range.1") == ("downtime high", "days")
    assert column_label("peak_bulk_temperature_c") == ("peak bulk temperature", "°C")


def test_the_plot_labels_axes_and_lines_in_words(tmp_path):
    sweep = _sweep({ENERGY: [20, 30], DENSITY: [5, 10]})
    ResultStore(tmp_path / "r.parquet", sweep).write(_hand_rows(sweep, lambda v: v[ENERGY]))
    fig = dose_response(
        tmp_path / "r.parquet",
        swept_column(ENERGY),
        "passes.0.ablation_depth_um",
        by=swept_column(DENSITY),
    )
    ax = fig.axes[0]
    assert ax.get_xlabel() == "pass 1 pulse energy (set) [mJ]"
    assert ax.get_ylabel() == "pass 1 ablation depth [µm]"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["pass 1 density (set) = 5 %", "pass 1 density (set) = 10 %"]
    with pytest.raises(InputError, match=r"set\.passes\.0\.density_percent \(the swept"):
        dose_response(tmp_path / "r.parquet", DENSITY, "passes.0.ablation_depth_um")


# --- CLI options -----------------------------------------------------------------------------


@pytest.fixture
def results(tmp_path):
    sweep = _sweep({ENERGY: [20, 30]})
    ResultStore(tmp_path / "r.parquet", sweep).write(_hand_rows(sweep, lambda v: v[ENERGY]))
    return tmp_path / "r.parquet"


@pytest.mark.parametrize(
    "option",
    [["--no-progress"], ["--allow-long"], ["--connect-timeout", "3"], ["--workers", "0"],
     ["--connect-timeout", "0"]],  # 0 passed as "not given" (session 22 review)
)
def test_plot_refuses_run_only_options(results, tmp_path, capsys, option):
    argv = ["sweep", "plot", str(results), "--x", swept_column(ENERGY)]
    argv += ["--y", "passes.0.ablation_depth_um", "--out", str(tmp_path / "p.png"), *option]
    assert main(argv) == 2
    assert f"{option[0]}: got" in capsys.readouterr().err
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("name", ["z.txt", "z", "z.pgf"])  # .pgf: matplotlib needs TeX
def test_plot_refuses_a_file_name_of_no_image_format(results, tmp_path, capsys, name):
    argv = ["sweep", "plot", str(results), "--x", swept_column(ENERGY)]
    argv += ["--y", "passes.0.ablation_depth_um", "--out", str(tmp_path / name)]
    assert main(argv) == 2
    assert "an image file named by its format: " in capsys.readouterr().err
    assert not (tmp_path / name).exists()
    argv[-1] = str(tmp_path / "z.svg")
    assert main(argv) == 0
    assert (tmp_path / "z.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("option", [["--workers", "0"], ["--batch-size", "0"]])
def test_bad_run_options_are_refused_before_the_cost_is_printed(tmp_path, capsys, option):
    sweep_file = tmp_path / "s.toml"
    sweep_file.write_text(
        'base = "plan.json"\n[parameters]\n"passes.0.pulse_energy_mj" = [20, 30]\n'
    )
    (tmp_path / "plan.json").write_text(json.dumps(BASE))
    argv = ["sweep", str(sweep_file), "--out", str(tmp_path / "r.parquet"), *option]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{option[0]}: got 0" in err and "estimated cost" not in err


def test_a_region_the_base_plan_skips_is_refused_up_front():
    # session 22 review: the path passed the checks, then every point was refused
    base = {**BASE, "passes": [{**BASE["passes"][0], "regions": {"cheek": {"skip": True}}}]}
    with pytest.raises(InputError, match="treated area of the base plan: perioral$"):
        sweep_from_data({"base": base,
                         "parameters": {"passes.0.regions.cheek.pulse_energy_mj": [5, 10]}})
