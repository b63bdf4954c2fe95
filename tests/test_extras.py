"""The physics core runs without the optional extras; a command that needs one says
which to install (pyproject.toml: netcdf, report, web, sweeps)."""

import subprocess
import sys

from resurfacer.cli import EXTRAS, main

CORE = "import resurfacer.treatment, resurfacer.planning.planner, resurfacer.cli"


def test_core_imports_no_optional_package():
    code = (
        f"import sys; {CORE}; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(EXTRAS)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # pyarrow may come in through pandas (an xarray dependency) when it is installed
    assert set(eval(out.stdout)) <= {"pyarrow"}


def test_a_missing_extra_is_named_with_its_install_command(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the web extra were absent
    assert main(["serve", "--port", "8765"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'resurfacer[web]'" in err and "uvicorn" in err
