"""The CLI under hostile or unlucky input (issue 17, cases 1, 6, 7, 9, 10): exit 2 with
one line naming the problem, before any work where the problem is known up front;
never a traceback, never exit 0 with a failed self-check, nothing left behind."""

import json
import os
import resource
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from resurfacer.cli import build_parser, main
from resurfacer.column import checks

EXAMPLES = Path(__file__).parents[1] / "examples"
FAST = ["--grid-um", "20", "--energy-mj", "10"]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --- case 1: silently wrong physics -------------------------------------------------------


@pytest.mark.parametrize(
    "train",
    [["--pulse-ms", "1", "--stack", "20", "--spacing-ms", "1000"], ["--pulse-ms", "1000"]],
)
def test_a_train_the_solver_cannot_cover_exits_2(capsys, train):
    code, out, err = run_cli(capsys, "mtz", *FAST, *train, "--json")
    assert code == 2 and out == ""
    assert "--pulse-ms / --stack / --spacing-ms" in err and "--after-ms" in err


def test_a_failed_self_check_exits_2_with_the_reason(capsys, monkeypatch):
    monkeypatch.setattr(checks, "MAX_PEAK_TEMPERATURE_C", 50.0)  # any ablation passes it
    code, out, err = run_cli(capsys, "mtz", *FAST, "--json")
    assert code == 2 and out == ""
    assert "self-check failed: peak temperature" in err


# --- case 6: disk full during --out -------------------------------------------------------


def test_a_full_disk_during_out_exits_2_and_leaves_nothing(tmp_path):
    """A file-size limit makes every write past 20 kB fail as a full disk would (EFBIG);
    the HDF5 library crashed the process there (exit -11), leaving a temporary."""
    limit = 20_000

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "out" / "column.nc"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    code = "import sys; from resurfacer.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "mtz", *FAST, "--out", str(out)]
    done = subprocess.run(argv, preexec_fn=limited, env=env, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"cannot write {out}" in done.stderr and "Traceback" not in done.stderr
    assert list(out.parent.iterdir()) == []


# --- case 7: late or raw CLI errors -------------------------------------------------------


def nested(depth: int):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("name", "text", "shown"),
    [
        ("deep.json", '{"name": ' + nested(5000) + "}", "nested"),
        ("deep.toml", "name = " + nested(2000) + "\n", "nested"),
        ("bigint.json", '{"name": "x", "seed": ' + "9" * 5000 + "}", "digits"),
        ("bigint.toml", "seed = " + "9" * 5000 + "\n", "too long"),
        ("nan.json", '{"name": NaN}', "finite"),
        ("inf.toml", "x = inf\n", "finite"),
    ],
)
def test_hostile_plan_files_exit_2_with_one_line(capsys, tmp_path, name, text, shown):
    path = tmp_path / name
    path.write_text(text)
    code, out, err = run_cli(capsys, "simulate", str(path))
    assert code == 2 and shown in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "item",
    [
        "passes.0=1",
        "patient.age_years.x=1",
        "=3",
        "passes.99999999999999999999.x=1",
        "passes.-1.density_percent=5",
        "name=" + "9" * 5000,
        "name=" + nested(3000),
        "notes=nan",
        "patient.age_years=inf",
        "areas.0.area_cm2=1e400",
    ],
)
def test_odd_set_items_exit_2(capsys, item):
    plan = str(EXAMPLES / "erbium-perioral.toml")
    code, _, err = run_cli(capsys, "simulate", plan, "--set", item)
    assert code == 2, err


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", str(EXAMPLES / "erbium-perioral.toml"), "--out", "/proc/none/out"],
        ["simulate", str(EXAMPLES / "erbium-perioral.toml"), "--report", "/dev/null"],
        ["mtz", "--out", "/proc/none/x.nc"],
        ["mtz", "--plot", "/sys/x.png"],
    ],
)
def test_impossible_output_paths_fail_before_the_solve(capsys, monkeypatch, argv):
    def no_solve(*args, **kwargs):
        raise AssertionError("the solve ran before the output path was checked")

    monkeypatch.setattr("resurfacer.treatment.simulate", no_solve)
    monkeypatch.setattr("resurfacer.column.solve.simulate_column", no_solve)
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and argv[-2] in err


# --- case 9: unbounded work ---------------------------------------------------------------


def test_long_runs_need_allow_long(capsys, tmp_path):
    layer = "1.4,10,100,0.9,inf"
    code, _, err = run_cli(capsys, "optics", "mc", "--layer", layer, "--photons", "100000000")
    assert code == 2 and "--allow-long" in err
    train = ["--stack", "20", "--spacing-ms", "1000", "--pulse-ms", "1", "--after-ms", "1"]
    code, _, err = run_cli(capsys, "mtz", *train)  # 19 s of explicit steps
    assert code == 2 and "--allow-long" in err and "cell updates" in err
    sweep = tmp_path / "big.toml"
    values = ", ".join(str(1 + i * 0.01) for i in range(200))
    sweep.write_text(
        f'base = "{EXAMPLES / "erbium-perioral.toml"}"\n[parameters]\n'
        f'"passes.0.pulse_energy_mj" = [{values}]\n"passes.0.density_percent" = [{values}]\n'
    )
    code, _, err = run_cli(capsys, "sweep", str(sweep), "--out", str(tmp_path / "r"))
    assert code == 2 and "40,000 points" in err and "--allow-long" in err
    assert not (tmp_path / "r").exists()


def test_the_local_dask_cluster_listens_on_loopback_only(monkeypatch):
    import distributed

    from resurfacer.sweeps import sweep

    seen = {}

    class Recorder:
        def __init__(self, **kwargs):
            seen.update(kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", Recorder)
    monkeypatch.setattr(distributed, "Client", lambda cluster, **kwargs: None)
    monkeypatch.setattr("resurfacer.treatment.warm_up", lambda: None)
    sweep._connect(None, 1, 5.0)
    assert seen["host"] == "127.0.0.1"
    assert seen["dashboard_address"].startswith("127.0.0.1:")


# --- case 10: wrong messages --------------------------------------------------------------


def test_mua_zero_says_why(capsys):
    code, _, err = run_cli(capsys, "optics", "mc", "--layer", "1.4,0,100,0.9,inf")
    assert code == 2
    assert "> 0 1/cm for a scattering semi-infinite layer" in err and "[0, 1e+07]" not in err


def test_wavelength_limits_in_nanometres(capsys):
    code, out, _ = run_cli(capsys, "mtz", *FAST, "--wavelength-nm", "11000", "--json")
    assert code == 0 and json.loads(out)["energy_balance_error"] < 1e-6
    code, _, err = run_cli(capsys, "mtz", *FAST, "--wavelength-nm", "11001")
    assert code == 2 and "[1400, 11000] nm" in err
    code, _, err = run_cli(capsys, "mtz", "--grid-um", "2", "--spot-um", "5")
    assert code == 2 and "8 µm" in err  # human units (issue 16)


def test_a_sweep_point_failing_a_self_check_is_refused_not_retried(monkeypatch):
    from resurfacer.errors import SelfCheckError
    from resurfacer.sweeps import sweep

    def fails(plan, *args, **kwargs):
        raise SelfCheckError("crater depth", "a 13 mm crater in 6 mm of modelled skin")

    monkeypatch.setattr("resurfacer.treatment.simulate", fails)

    plan = tomllib.loads((EXAMPLES / "erbium-perioral.toml").read_text())
    [row] = sweep.run_points(plan, [("p0", {"passes.0.pulse_energy_mj": 5.0})])
    assert row["status"] == "refused" and "self-check failed: crater depth" in row["message"]


def test_a_negative_number_in_exponent_form_is_an_option_value():
    # found in session 19: argparse read "-1e3" as an option ("expected one argument")
    from resurfacer.cli import join_negative_values

    argv = ["mtz", "--focal-offset-um", "-1e3", "--energy-mj", "5", "--pulse-ms", "-.5e-1"]
    assert join_negative_values(argv) == [
        "mtz",
        "--focal-offset-um=-1e3",
        "--energy-mj",
        "5",
        "--pulse-ms=-.5e-1",
    ]
    # plain negative numbers, values given with "=", and short options are left alone
    for argv in (["--x", "-5"], ["--x=-1e3"], ["-o", "-1e3"], ["--x", "-0.5"]):
        assert join_negative_values(argv) == argv
    args = build_parser().parse_args(join_negative_values(["mtz", "--focal-offset-um", "-1e3"]))
    assert args.focal_offset_um == -1000.0
