"""`resurfacer validate`'s options: unknown rows refused, the project's page written only
by a run over every row (session 22)."""

import pytest

from resurfacer.cli import main


def test_an_unknown_row_id_is_refused_naming_the_option(capsys):
    # it printed an empty table and exited 0; a second, unknown id was dropped
    assert main(["validate", "--id", "col-001", "--id", "col-1", "--markdown", "-"]) == 2
    err = capsys.readouterr().err
    assert "--id: got 'col-1'" in err
    assert "col-001 ... col-" in err and ", heal-001 ... heal-" in err  # each series


@pytest.mark.parametrize("option", [["--id", "col-001"], ["--table", "column", "--id", "col-001"]])
def test_a_run_over_some_rows_leaves_the_project_page_alone(tmp_path, monkeypatch, option):
    # the default page was docs/validation.md, relative to where it ran: a run over one
    # row replaced the project's page (and figures) with that one row
    page = tmp_path / "docs" / "validation.md"
    page.parent.mkdir()
    (tmp_path / "docs" / "figures" / "validation").mkdir(parents=True)
    page.write_text("the project's page")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--workers", "1", *option]) == 0
    assert page.read_text() == "the project's page"
    assert not any((tmp_path / "docs" / "figures" / "validation").iterdir())
