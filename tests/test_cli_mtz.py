"""`resurfacer mtz`: JSON fields, the table, and one-line errors with exit 2."""

import json
import math

import pytest

from resurfacer.cli import main

FAST = ["--grid-um", "4", "--after-ms", "3", "--energy-mj", "5"]


def test_json_summary(capsys, tmp_path):
    out = tmp_path / "col.nc"
    assert main(["mtz", *FAST, "--json", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in (
        "ablation_depth_um",
        "ablation_width_um",
        "coagulation_thickness_um",
        "coagulation_depth_um",
        "peak_temperature_c",
        "energy_balance_error",
        "runtime_s",
    ):
        assert key in summary
    assert summary["ablation_depth_um"] > 100
    import xarray as xr

    with xr.open_dataset(out) as ds:  # traceable as simulate's outcome.nc is (session 20)
        assert ds.attrs["Conventions"] == "CF-1.10" and ds.attrs["resurfacer_version"]
        assert len(ds.attrs["model_fingerprint"]) == 12 and ds.attrs["age_years"] == 45
        # and carries the figures printed beside the fields (session 21: none of them)
        assert ds.attrs["summary_ablation_depth_um"] == summary["ablation_depth_um"]
        assert ds.attrs["summary_energy_balance_error"] == summary["energy_balance_error"]
        assert ds.attrs["summary_geometry"] == "column"


def test_table(capsys):
    assert main(["mtz", *FAST, "--radial-refinement", "2"]) == 0
    table = capsys.readouterr().out
    assert "ablation depth" in table
    assert "4 x 2 µm" in table  # dz x dr


@pytest.mark.parametrize(
    "args, option, shown",
    [
        (["--energy-mj", "0"], "--energy-mj", "0"),
        (["--energy-mj", "-3"], "--energy-mj", "-3"),
        (["--spot-um", "10", "--grid-um", "4"], "--spot-um", "10"),
        (["--site", "elbow"], "--site", "'elbow'"),
        (["--age", "15"], "--age", "15"),
        (["--wavelength-nm", "20000"], "--wavelength-nm", "20000"),
        (["--wavelength-nm", "1300"], "--wavelength-nm", "1300"),
        (["--m-squared", "0.5"], "--m-squared", "0.5"),
        (["--radial-refinement", "0"], "--radial-refinement", "0"),
        (["--plot", "column.jpg"], "--plot", "'column.jpg'"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, option, shown, capsys, tmp_path):
    out = tmp_path / "never.nc"
    assert main(["mtz", "--after-ms", "1", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert option in err and "allowed" in err
    assert f"got {shown};" in err  # the value as given, in the option's unit
    assert not out.exists()


def test_plot_writes_the_cross_section(tmp_path, capsys):
    out = tmp_path / "column.png"
    assert main(["mtz", *FAST, "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["column.png"]  # no temporary left


def test_wide_spot_energy_balance_is_per_area(capsys):
    # 1 J over a 3 mm top hat: 14.15 J/cm2; the 1-D centre stack is solved, so its
    # balance is given per area, and the table says so
    wide = ["--wavelength-nm", "10600", "--energy-mj", "1000", "--spot-um", "3000"]
    common = [*wide, "--profile", "tophat", "--pulse-ms", "1", "--grid-um", "4"]
    assert main(["mtz", *common, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["geometry"] == "wide"
    per_area = summary["energy_balance_j_per_cm2"]
    assert per_area["incident"] == pytest.approx(1.0 / (math.pi * 0.15**2), rel=1e-6)
    assert sum(v for k, v in per_area.items() if k != "incident") == pytest.approx(
        per_area["incident"], rel=5e-3
    )
    # the mJ and nl figures are the whole spot's (session 20: the 1-D stack's, 0.00x mJ)
    assert summary["incident_energy_mj"] == pytest.approx(1000.0, rel=1e-6)
    assert summary["energy_balance_mj"]["incident"] == pytest.approx(1000.0, rel=1e-6)
    spot_cm2 = math.pi * 0.15**2
    assert summary["ablated_volume_nl"] == pytest.approx(
        summary["ablation_depth_um"] * 1e-4 * spot_cm2 * 1e6, rel=1e-6
    )
    assert main(["mtz", *common]) == 0
    assert "energy (J/cm², 1-D centre of the spot): incident 14.15" in capsys.readouterr().out


def test_a_wide_spot_is_also_read_when_simulate_reads_it(capsys):
    # the reference surface pass (90 mJ on a 1.3 mm top hat, 0.8 ms, forehead): the 1-D
    # column keeps coagulating long after the 20 ms at which simulate reads it (2 um
    # cells: about 80 um then, about 200 um by the end of the run), fed by water that
    # boiled near the surface and condenses again; mtz gives both and says why. An
    # Er:YAG spot, whose run has stopped by then (its damage had stopped growing), gets
    # no second reading and no warning
    co2 = ["--energy-mj", "90", "--spot-um", "1300", "--profile", "tophat"]
    common = ["--pulse-ms", "0.8", "--site", "forehead", "--grid-um", "2", "--json"]
    assert main(["mtz", *co2, *common]) == 0
    summary = json.loads(capsys.readouterr().out)
    read = summary["coagulation_depth_as_simulate_reads_um"]
    assert summary["simulate_reads_after_ms"] == 20.0
    assert 60.0 < read < 100.0 < 1.5 * read < summary["coagulation_depth_um"]
    (warning,) = [w for w in summary["warnings"] if "condenses again" in w]
    assert f"from {read:.1f} um" in warning
    erbium = ["--wavelength-nm", "2940", "--energy-mj", "350", "--spot-um", "3000"]
    args = [*erbium, "--profile", "tophat", "--pulse-ms", "0.25", "--grid-um", "1", "--json"]
    assert main(["mtz", *args]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["simulated_time_ms"] < 20.0 + 0.25
    assert "coagulation_depth_as_simulate_reads_um" not in summary
    assert not [w for w in summary["warnings"] if "condenses again" in w]
    assert main(["mtz", *co2, *common, "--after-ms", "20"]) == 0
    assert "coagulation_depth_as_simulate_reads_um" not in json.loads(capsys.readouterr().out)


def test_a_column_that_keeps_coagulating_is_also_read_when_simulate_reads_it(capsys):
    # found in session 21: a 500 um top hat (a column, not a wide spot) coagulates to
    # about 90 um by 20 ms, where simulate reads it, and to about 160 um by the end of the
    # run; mtz gave only the latter. The default narrow column still gives one figure
    spot = ["--spot-um", "500", "--profile", "tophat", "--energy-mj", "20", "--pulse-ms", "0.8"]
    assert main(["mtz", *spot, "--grid-um", "4", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["geometry"] == "column"
    read = summary["coagulation_depth_as_simulate_reads_um"]
    assert 70.0 < read < 110.0 and summary["coagulation_depth_um"] > 1.4 * read
    assert [w for w in summary["warnings"] if f"grows from {read:.1f} um" in w]
    assert main(["mtz", "--json"]) == 0
    assert "coagulation_depth_as_simulate_reads_um" not in json.loads(capsys.readouterr().out)


def test_column_json_names_its_geometry(capsys):
    assert main(["mtz", *FAST, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["geometry"] == "column"
    assert "energy_balance_j_per_cm2" not in summary


def test_warns_when_the_lesion_leaves_the_dermis(capsys):
    assert main(["mtz", "--grid-um", "4", "--energy-mj", "60", "--json"]) == 0
    deep = json.loads(capsys.readouterr().out)
    (subcutis,) = deep["warnings"]  # 120 W: its steps' rays go in pairs enough for the front
    assert "subcutis" in subcutis
    assert main(["mtz", *FAST, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
    assert main(["mtz", "--grid-um", "4", "--energy-mj", "60"]) == 0
    assert "warning: the lesion reaches the subcutis" in capsys.readouterr().out


def test_warns_when_cells_are_coarse_against_the_absorption_length(capsys):
    # Er:YAG light is absorbed within ~1.1 um: 0.5 um cells (mu_a dz 0.45) get a warning
    # that names a grid for ~5 %; 0.1 um cells do not; CO2 at 4 um (0.25) does not
    erbium = ["--wavelength-nm", "2940", "--energy-mj", "500", "--spot-um", "3000"]
    erbium += ["--profile", "tophat", "--pulse-ms", "0.25", "--json"]
    assert main(["mtz", *erbium, "--grid-um", "0.5"]) == 0
    (warning,) = json.loads(capsys.readouterr().out)["warnings"]
    assert "coarse" in warning and "a 0.11 um grid" in warning
    # which simulate cannot take: the warning says what its finest does (session 21)
    assert "simulate's finest, 0.5 um, gives about 22 %" in warning
    assert main(["mtz", *erbium, "--grid-um", "0.1"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []


def test_a_noisy_photon_count_is_cautioned(capsys):
    # found in session 19: 1,000 packets at 1,550 nm gave a 96 um crater (none from
    # 50,000 on) without a word
    argv = ["mtz", "--wavelength-nm", "1550", "--energy-mj", "10", "--grid-um", "4"]
    argv += ["--no-m2-band", "--photons", "1000", "--json"]
    assert main(argv) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any("1,000 photon packets" in w for w in warnings)
    argv[-2] = "50000"
    assert main(argv) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert not any("photon packets" in w for w in warnings)


def test_beam_options_a_top_hat_ignores_are_named(capsys):
    # found in session 19: --m-squared and --focal-offset-um changed nothing for a top-hat
    # beam, silently
    argv = ["mtz", *FAST, "--profile", "tophat", "--spot-um", "300", "--m-squared", "20"]
    assert main([*argv, "--no-m2-band", "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any("--m-squared does not apply to a top-hat" in w for w in warnings)


def test_whole_numbers_may_be_written_as_plan_files_take_them(capsys):
    # found in session 21: plans take 3.0 where an integer goes, the CLI refused it
    args = ["mtz", *FAST, "--stack", "2.0", "--phototype", "3.0", "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ablation_depth_um"] > 0
    with pytest.raises(SystemExit) as stop:  # argparse's own refusal
        main(["mtz", *FAST, "--stack", "2.5"])
    assert stop.value.code == 2 and "a whole number" in capsys.readouterr().err


def test_out_must_name_a_netcdf_file(tmp_path, capsys):
    # session 22: "--out x.txt" wrote NetCDF into a .txt file
    out = tmp_path / "fields.txt"
    assert main(["mtz", *FAST, "--out", str(out)]) == 2
    assert "--out" in capsys.readouterr().err and not out.exists()
