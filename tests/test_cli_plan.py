"""`resurfacer plan` refuses bad arguments before the search, and `list protocols` keeps
its columns. No test here runs a search: `plan_treatment` is replaced by one that fails."""

import pytest

from resurfacer.cli import main

BASE = ["plan", "--indication", "acne_scars", "--phototype", "2", "--age", "50", "--quiet"]


class Searched(Exception):
    """The search was started (the argument should have been refused before it)."""


@pytest.fixture
def areas_searched(monkeypatch):
    """Replace the search with one that records its areas and stops."""
    seen = []

    def no_search(patient, areas, *args, **kwargs):
        seen.append(areas)
        raise Searched

    monkeypatch.setattr("resurfacer.planning.planner.plan_treatment", no_search)
    return seen


def refused(argv, capsys) -> str:
    """The one line `main(argv)` printed on refusing it with exit status 2, less its
    ``resurfacer plan: error:`` prefix."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0].split("error: ", 1)[1]


def test_area_cm2_beside_a_preset_site_is_refused_before_the_search(areas_searched, capsys):
    # found by probes: --area-cm2 10 with --site cheeks planned the preset's 120 cm²
    line = refused([*BASE, "--site", "cheeks", "--area-cm2", "10"], capsys)
    assert line.startswith("--area-cm2: got 10;")
    assert "not with a preset site" in line and "cheeks is 120 cm²" in line
    assert areas_searched == []


def test_a_site_takes_area_cm2_or_50_and_a_preset_its_own(areas_searched):
    from resurfacer.plan.schema import Area, AreaPreset

    site, preset = ["--site", "cheek"], ["--site", "cheeks"]
    for argv in (site, [*site, "--area-cm2", "12"], preset):
        with pytest.raises(Searched):
            main([*BASE, *argv])
    assert areas_searched == [
        [Area(site="cheek", area_cm2=50.0)],
        [Area(site="cheek", area_cm2=12.0)],
        [AreaPreset(preset="cheeks")],
    ]


def test_out_under_a_file_is_refused_before_the_search(areas_searched, tmp_path, capsys):
    # found by probes: the search ran 3.5 min, then failed with "File exists"
    afile = tmp_path / "afile"
    afile.write_text("")
    line = refused([*BASE, "--site", "cheek", "--out", str(afile / "x.toml")], capsys)
    assert line.startswith("--out:") and "is a file" in line
    assert areas_searched == []


@pytest.mark.parametrize("name", ["plan.yaml", "plan", "plan.toml.bak"])
def test_out_other_than_toml_or_json_is_refused(areas_searched, tmp_path, capsys, name):
    # found by probes: --out x.yaml wrote TOML
    line = refused([*BASE, "--site", "cheek", "--out", str(tmp_path / name)], capsys)
    assert line.startswith("--out:") and ".toml or .json" in line
    assert areas_searched == [] and not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["plan.toml", "plan.JSON"])
def test_out_toml_or_json_reaches_the_search(areas_searched, tmp_path, name):
    with pytest.raises(Searched):
        main([*BASE, "--site", "cheek", "--out", str(tmp_path / name)])


def test_site_error_names_each_site_once(capsys):
    # found by probes: "one of cheek, cheeks, chest, chest, forehead, forehead, ..."
    line = refused([*BASE, "--site", "elbow"], capsys)
    names = line.split("allowed: one of ", 1)[1].split(", ")
    assert len(names) == len(set(names)) and {"cheek", "cheeks", "chest"} <= set(names)


def plan_help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_device_help_says_what_is_used_without_device(capsys):
    # found by probes: the help said "(default any)"
    from resurfacer.planning.planner import DEFAULT_DEVICE

    text = plan_help(capsys)
    assert "default any" not in text
    assert f"(default {DEFAULT_DEVICE}; for phototypes IV-VI the device" in text


def test_area_help_says_a_preset_sets_its_own(capsys):
    assert "default 50; a preset sets its own" in plan_help(capsys)


def test_list_protocols_columns_line_up_for_long_ids(capsys):
    # found by probes: chan2007-high-energy-low-density pushed its line's columns right
    assert main(["list", "protocols"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(len(line.split()[0]) > 28 for line in lines)  # an id past the old width
    for k in (1, 2, 3):  # device class, indication, region start in one column each
        starts = {line.index(" " + line.split()[k] + " ") for line in lines}
        assert len(starts) == 1, (k, starts)


@pytest.mark.parametrize("what", ["devices", "sites", "indications", "protocols", "rules"])
def test_list_text_carries_no_maintainer_remarks(capsys, what):
    # session 24 (an audit): the remarks stay in the data and in `--json` (the data with
    # its provenance, for programs); the text a clinician reads has none
    import re

    from resurfacer.cli import main

    assert main(["list", what]) == 0
    text = capsys.readouterr().out
    assert text.strip()
    assert not re.search(r"verify|MODEL VALUE|MODEL RULE|PLACEHOLDER|TODO", text, re.I), what


def test_out_in_a_folder_that_takes_no_file_names_it_not_writable(areas_searched, capsys):
    # session 24 probe: --out /proc/x.toml said "(/proc: No such file or directory)";
    # /proc exists and takes no new file
    line = refused([*BASE, "--site", "cheek", "--out", "/proc/x.toml"], capsys)
    assert line.startswith("--out:") and "/proc exists but is not writable" in line
    assert "No such file" not in line and areas_searched == []


def test_out_in_a_missing_folder_creates_it(tmp_path):
    # docs/planner.md says so: a missing folder of --out is created when the plan is written
    from resurfacer.cli.plan_command import _check_out, _write_plan
    from resurfacer.plan.schema import Area, Patient
    from resurfacer.planning.candidates import make_plan

    out = tmp_path / "new" / "deeper" / "plan.toml"
    _check_out(str(out))
    patient = Patient(sex="female", age_years=50, phototype=2)
    plan = make_plan(patient, [Area(site="cheek", area_cm2=5)], [{"device": "co2_dual"}], "p")
    _write_plan(str(out), plan)
    assert out.is_file()
