"""The report (issue 6, part 1): offline HTML, numbers equal to --json, figures with units."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from resurfacer import __version__
from resurfacer.cli import main
from resurfacer.plan.schema import Plan
from resurfacer.report import figures, format_value, render_html, summary_rows, write_report
from resurfacer.treatment import simulate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def small_plan() -> Plan:
    """A cheap dual plan: one site, a surface and a low-energy deep pass."""
    return Plan.from_data(
        {
            "name": "report test <dual>",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 20.0}],
            "passes": [
                {"device": "co2_dual", "mode": "surface"},
                {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 5, "density_percent": 5},
            ],
        }
    )


@pytest.fixture(scope="module")
def plan():
    return small_plan()


@pytest.fixture(scope="module")
def outcome(plan):
    return simulate(plan)


@pytest.fixture(scope="module")
def html(outcome, plan):
    return render_html(outcome, plan)


@dataclass
class NoHealing:
    """An outcome as it was before the healing model: no `healing` attribute."""

    dataset: object
    summary: object
    columns: dict


def embedded_json(html: str, element_id: str):
    m = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.DOTALL
    )
    assert m, element_id
    return json.loads(m.group(1))


def test_html_opens_offline(html):
    # plotly's bundled JavaScript contains URLs as *strings* (its licence comments, map
    # tile and topojson defaults, the plotly.com link) that a page without maps never
    # loads; so rather than forbidding "http" anywhere, forbid every construct through
    # which a browser would fetch something: external scripts, stylesheets, images,
    # frames, CSS url()/@import and web fonts.
    assert html.startswith("<!DOCTYPE html>")
    lowered = html.lower()
    for needle in (
        "<script src=",
        "<link href=",
        "<link rel=",
        "url(http",
        "url(//",
        'src="http',
        "src='http",
        'src="//',
        "@import",
        "@font-face",
        "<iframe",
    ):
        assert needle not in lowered, needle
    assert "plotly.js v" in html  # plotly.js is inlined (its version banner)
    # outside the inlined plotly.js: every src is a PNG data URI, and no URL at all
    outside = re.sub(r'<script type="text/javascript">.*?</script>', "", html, flags=re.DOTALL)
    sources = re.findall(r'src="([^"]*)"', outside)
    assert len(sources) >= 7
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in outside and "https://" not in outside


def test_embedded_summary_equals_the_model_and_table_cells(html, outcome):
    data = embedded_json(html, "summary")
    assert data == json.loads(outcome.summary.model_dump_json())
    assert data == outcome.summary.model_dump(mode="json")
    s = outcome.summary
    for cell in (
        format_value(s.session_minutes, "min"),
        format_value(s.total_energy_j, "J"),
        format_value(s.peak_bulk_temperature_c, "°C"),
        format_value(s.combined_coverage_percent, "%"),
        format_value(s.passes[1].ablation_depth_um, "um"),
    ):
        assert f"<td>{cell}</td>" in html, cell
    # the same precision as the CLI text table
    assert f"<td>{s.session_minutes:.1f} min</td>" in html
    assert f"<td>{s.peak_bulk_temperature_c:.1f} °C</td>" in html


def test_summary_rows_come_from_the_summary_model(outcome):
    rows = dict(summary_rows(outcome))
    s = outcome.summary
    assert rows["plan"] == s.plan_name
    assert rows["session time"] == f"{s.session_minutes:.1f} min"
    assert rows["combined coverage"] == f"{s.combined_coverage_percent:.1f} %"
    assert rows["pass 1 (deep): pulse energy"] == f"{s.passes[1].pulse_energy_mj:.1f} mJ"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in summary_rows(outcome))


def test_inputs_and_version_appear(html, plan):
    assert f"resurfacer {__version__}" in html
    assert "report test &lt;dual&gt;" in html  # the plan name, escaped
    assert "<dual>" not in html
    assert "phototype 2" in html
    assert "pulse_energy_mj = 5" in html
    assert embedded_json(html, "plan") == plan.to_dict()


def axes_labels(fig: Figure):
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        yield ax.get_xlabel(), ax.get_ylabel()


UNIT = re.compile(r"\[[^\]]+\]")


def check_units(fig: Figure, need_y: bool = True):
    """Every non-empty axis label names a unit in brackets; there is an x label (and a
    y label unless the y axis is categorical)."""
    assert isinstance(fig, Figure)
    labels = [label for pair in axes_labels(fig) for label in pair if label]
    assert all(UNIT.search(label) for label in labels), labels
    assert any(x for x, _ in axes_labels(fig))
    if need_y:
        assert any(y for _, y in axes_labels(fig))


def test_every_figure_has_axes_labelled_with_units(outcome, plan):
    skin = figures.plan_skin(plan)
    for i in range(len(plan.passes)):
        check_units(figures.cross_section(outcome.columns[i, "cheek"], skin))
        check_units(figures.dose_response(plan, i))
        check_units(figures.pattern_top_view(plan, i))
    check_units(figures.bulk_temperature(outcome))
    healing = getattr(outcome, "healing", None)
    check_units(figures.healing_timeline(outcome), need_y=healing is None)
    check_units(
        figures.healing_timeline(NoHealing(outcome.dataset, outcome.summary, outcome.columns)),
        need_y=False,
    )


def test_dose_response_marks_the_chosen_setting(plan):
    curve = figures.dose_curve(plan, 1)
    assert 5.0 in curve.energies_mj
    assert curve.energies_mj.min() == 2.5  # the device mode's minimum
    assert curve.energies_mj.max() <= 10.0  # capped at 2 x the chosen energy
    assert (curve.ablation_depth_um > 0).all()
    assert (curf := curve.ablation_depth_um)[0] < curf[-1]


def test_healing_section_without_a_healing_model(outcome, plan):
    html = render_html(NoHealing(outcome.dataset, outcome.summary, outcome.columns), plan)
    assert "healing model not available" in html


def test_healing_section_with_the_model(html, outcome):
    healing = getattr(outcome, "healing", None)
    if healing is None:
        pytest.skip("healing not yet part of Outcome")
    assert "healing model not available" not in html
    assert format_value(healing.downtime_days, "d") in html
    assert "sun" in html


def test_write_report_writes_html_and_pngs_atomically(outcome, plan, tmp_path):
    out = tmp_path / "report"
    path = write_report(outcome, plan, out)
    assert path == out / "report.html"
    names = {p.name for p in out.iterdir()}
    expected = {
        "report.html",
        "bulk_temperature.png",
        "healing_timeline.png",
        *(f"{k}_pass{i}.png" for i in (0, 1) for k in ("cross_section", "dose_response")),
        "pattern_pass0.png",
        "pattern_pass1.png",
    }
    assert names == expected
    for name in expected - {"report.html"}:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging left


def test_cli_report_for_the_reference_plan_matches_json(tmp_path, capsys):
    out = tmp_path / "rep"
    plan = str(EXAMPLES / "co2-dual-full-face.toml")
    assert main(["simulate", plan, "--json", "--report", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    html = (out / "report.html").read_text()
    assert embedded_json(html, "summary") == printed
    assert (out / "cross_section_pass1.png").exists()


def test_cli_bad_plan_writes_no_report(tmp_path, capsys):
    out = tmp_path / "rep"
    plan = str(EXAMPLES / "co2-dual-full-face.toml")
    code = main(["simulate", plan, "--set", "passes.1.density_percent=150", "--report", str(out)])
    assert code == 2
    assert "passes[1].density_percent" in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
