"""The report: small, offline, clinical layout, numbers equal to --json, figures with
units, a PDF of 1-3 pages, interactive figures only with a local plotly.js."""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from resurfacer import __version__
from resurfacer.cli import main
from resurfacer.errors import InputError
from resurfacer.plan.schema import Plan
from resurfacer.report import (
    build,
    figures,
    format_value,
    page_count,
    render_html,
    summary_rows,
    write_pdf,
    write_report,
)
from resurfacer.report.html import REPORT_MANIFEST
from resurfacer.sweeps.dose import dose_curve
from resurfacer.treatment import simulate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"
)
#: issue 16: the reference plan's report stays under this many bytes
MAX_REPORT_BYTES = 1_500_000


def small_plan() -> Plan:
    """A cheap dual plan on two sites: a surface and a low-energy deep pass."""
    return Plan.from_data(
        {
            "name": "report test <dual>",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 20.0}, {"site": "periorbital", "area_cm2": 5}],
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


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference plan through the CLI: --json printed, report written, and the PDF
    where a browser can print it (the PDF tests skip without one)."""
    out = tmp_path_factory.mktemp("reference") / "report"
    plan = str(EXAMPLES / "co2-dual-full-face.toml")
    import contextlib
    import io

    pdf = ["--pdf"] if os.path.exists(CHROMIUM) else []
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["simulate", plan, "--json", "--report", str(out), *pdf]) == 0
    return json.loads(buf.getvalue()), out


@dataclass
class NoHealing:
    """An outcome as it was before the healing model: no `healing` attribute."""

    dataset: object
    summary: object
    columns: dict
    site_columns: dict
    skins: dict


def _without_healing(outcome) -> NoHealing:
    return NoHealing(
        outcome.dataset, outcome.summary, outcome.columns, outcome.site_columns, outcome.skins
    )


def embedded_json(html: str, element_id: str):
    m = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.DOTALL
    )
    assert m, element_id
    return json.loads(m.group(1))


def test_static_report_is_self_contained_without_script(html):
    assert html.startswith("<!DOCTYPE html>")
    # the figures are inline base64 (data: URIs), whose letters can spell anything
    lowered = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "data:", html).lower()
    for needle in ("<script src", "<link", "url(", "@import", "@font-face", "<iframe", "http"):
        assert needle not in lowered, needle
    assert "plotly" not in lowered  # no inlined plotly.js
    # the only scripts are the two JSON data blocks
    assert len(re.findall(r"<script", html)) == 2
    sources = re.findall(r'src="([^"]*)"', html)
    assert len(sources) >= 6
    assert all(s.startswith("data:image/png;base64,") for s in sources)


def test_embedded_summary_is_the_rounded_summary_and_table_cells(html, outcome):
    data = embedded_json(html, "summary")
    assert data == outcome.summary.rounded()
    s = outcome.summary
    for cell in (
        format_value(s.session_minutes, "min"),
        format_value(s.total_energy_j, "J"),
        format_value(s.peak_bulk_temperature_c, "°C"),
        format_value(s.combined_coverage_percent, "%"),
        format_value(s.passes[1].ablation_depth_um, "µm"),
        format_value(s.passes[1].fluence_j_per_cm2, "J/cm²"),
    ):
        assert cell in html, cell
    assert f"{s.session_minutes:.1f} min" in html  # the CLI text table's precision


def test_summary_rows_number_passes_from_one(outcome):
    rows = dict(summary_rows(outcome))
    s = outcome.summary
    assert rows["plan"] == s.plan_name
    assert rows["session time"] == f"{s.session_minutes:.1f} min"
    assert rows["pass 2 (deep): pulse energy"] == f"{s.passes[1].pulse_energy_mj:.1f} mJ"
    assert rows["pass 1 (surface): fluence per spot"].endswith("J/cm²")
    assert not any(k.startswith("pass 0") for k in rows)


def test_cards_regions_and_appendix(html, outcome):
    assert html.count('class="card"') == 8
    # one row per region in the region table
    region_table = html.split('class="num regions"')[1].split("</table>")[0]
    assert region_table.count("<tr") == 1 + len(outcome.summary.regions)
    for site in ("cheek", "periorbital"):
        assert f"<td>{site}</td>" in region_table
    # developer figures live in the appendix only, after the clinical sections
    appendix = html.index('id="appendix"')
    assert html.index("energy-balance error") > appendix
    assert html.index("beer_lambert") > appendix


def test_broken_rule_banner_names_region_pass_and_rule(plan):
    data = plan.to_dict()
    data["passes"][1]["pulse_energy_mj"] = 10  # over the 7.5 mJ periorbital cap
    bad = Plan.from_data(data)
    out = simulate(bad)
    text = render_html(out, bad)
    banner = text.split('id="broken-rules"')[1].split("</div>")[0]
    assert 'class="banner"' in text and "energy_deep_periorbital" in banner
    assert "<strong>periorbital</strong>, pass 2" in banner
    assert "10 mJ exceeds 7.5 mJ" in banner
    assert 'class="flagged"' in text  # the region's row is marked


def test_no_banner_when_no_rule_is_broken(html, outcome):
    assert outcome.summary.broken_rules == []
    assert 'class="banner"' not in html and "No safety rule" in html


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
    assert not any("[um]" in label for label in labels), labels
    assert any(x for x, _ in axes_labels(fig))
    if need_y:
        assert any(y for _, y in axes_labels(fig))


def test_every_figure_has_axes_labelled_with_units(outcome, plan):
    skin = outcome.skins["cheek"]
    for i in range(len(plan.passes)):
        check_units(figures.cross_section(outcome.site_columns[i, "cheek"], skin))
        check_units(figures.dose_response(plan, i, dose_curve(plan, i)))
        check_units(figures.pattern_top_view(plan, i))
    check_units(figures.bulk_temperature(outcome))
    check_units(figures.healing_timeline(outcome), need_y=False)
    check_units(
        figures.healing_timeline(_without_healing(outcome)),
        need_y=False,
    )


def test_healing_axes_are_linear_days_and_months(outcome):
    fig = figures.healing_timeline(outcome)
    days, months = fig.axes[:2]
    assert days.get_xscale() == "linear" and months.get_xscale() == "linear"
    assert "days" in days.get_xlabel() and "months" in months.get_xlabel()
    assert days.get_xlim()[1] >= 21


def test_dose_curve_marks_the_chosen_setting(plan):
    curve = dose_curve(plan, 1)
    assert 5.0 in curve.energies_mj
    assert curve.energies_mj.min() == 2.5  # the device mode's minimum
    assert curve.energies_mj.max() <= 10.0  # capped at 2 x the chosen energy
    assert (curve.ablation_depth_um > 0).all()
    assert curve.ablation_depth_um[0] < curve.ablation_depth_um[-1]


def test_report_draws_given_dose_curves_and_all_regions(outcome, plan):
    curves = {1: dose_curve(plan, 1)}
    report = build(outcome, plan, dose_curves=curves, all_regions=True)
    assert "dose_response_pass2.png" in report.files
    assert "dose_response_pass1.png" not in report.files
    assert "cross_section_pass2_periorbital.png" in report.files


def test_healing_section_without_a_healing_model(outcome, plan):
    html = render_html(_without_healing(outcome), plan)
    assert "healing model not available" in html


def test_healing_section_with_the_model(html, outcome):
    assert "healing model not available" not in html
    assert format_value(outcome.healing.downtime_days, "d") in html
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
        *(f"{k}_pass{n}.png" for n in (1, 2) for k in ("cross_section", "pattern")),
    }
    assert names == expected | {REPORT_MANIFEST}
    for name in expected - {"report.html"}:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging left


def test_interactive_report_loads_plotly_from_beside_it(outcome, plan, tmp_path):
    out = tmp_path / "interactive"
    path = write_report(outcome, plan, out, interactive=True)
    text = path.read_text()
    assert '<script src="plotly.min.js"></script>' in text
    assert "plotly.js v" not in text  # not inlined
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    assert path.stat().st_size < MAX_REPORT_BYTES
    srcs = re.findall(r'<script src="([^"]*)"', text)
    assert srcs == ["plotly.min.js"]


def test_reference_report_is_small_and_matches_json(reference):
    printed, out = reference
    html = (out / "report.html").read_text()
    assert (out / "report.html").stat().st_size < MAX_REPORT_BYTES
    assert embedded_json(html, "summary") == printed
    assert (out / "cross_section_pass2.png").exists()
    # the reference plan lowers the eyelid settings: no rule broken, and the banner says so
    assert "No safety rule" in html.split('id="broken-rules"')[1].split("</div>")[0]


@needs_chromium
def test_reference_pdf_has_one_to_three_pages(reference):
    _, out = reference
    pdf = out / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert 1 <= page_count(pdf) <= 3


@needs_chromium
def test_write_pdf_beside_a_report(outcome, plan, tmp_path):
    path = write_report(outcome, plan, tmp_path / "r")
    pdf = write_pdf(path)
    assert pdf == tmp_path / "r" / "report.pdf"
    assert 1 <= page_count(pdf) <= 3


def open_offline(path, wait_for: str):
    """Open `path` in Chromium with every request outside its folder refused; returns
    (refused URLs, number of elements matching `wait_for`, every image decoded)."""
    from playwright.sync_api import sync_playwright

    folder = path.parent.as_uri() + "/"
    outside = []

    def guard(route):
        url = route.request.url
        if url.startswith((folder, "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            page.route("**/*", guard)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_selector(wait_for, timeout=20_000)
            drawn = page.locator(wait_for).count()
            images = page.evaluate("[...document.images].every(i => i.naturalWidth > 100)")
        finally:
            browser.close()
    return outside, drawn, images


@needs_chromium
def test_interactive_report_opens_offline_in_chromium(outcome, plan, tmp_path):
    """Network blocked: every request outside the report's folder is refused and
    recorded; there must be none, and the plotly figures must draw."""
    path = write_report(outcome, plan, tmp_path / "offline", interactive=True)
    outside, drawn, images = open_offline(path, ".js-plotly-plot .main-svg")
    assert outside == []
    assert drawn >= 3
    assert images


@needs_chromium
def test_reference_report_opens_offline_in_chromium(reference):
    _, out = reference
    outside, drawn, images = open_offline(out / "report.html", "figure img")
    assert outside == []
    assert drawn == 6 and images


def test_cli_bad_plan_writes_no_report(tmp_path, capsys):
    out = tmp_path / "rep"
    plan = str(EXAMPLES / "co2-dual-full-face.toml")
    code = main(["simulate", plan, "--set", "passes.1.density_percent=150", "--report", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "passes[1].density_percent (pass 2)" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_report_options_need_a_report(capsys):
    plan = str(EXAMPLES / "co2-dual-full-face.toml")
    assert main(["simulate", plan, "--pdf"]) == 2
    assert "--pdf" in capsys.readouterr().err


def test_the_appendix_counts_each_treated_area_once_and_lists_the_model_notes():
    # simulate keeps the largest area's column of each site under its site too; the
    # appendix counts areas, not keys (a full face: 6, not 7), and its notes are the
    # summary's model notes, which name the areas
    from resurfacer.plan.schema import load_plan
    from resurfacer.report.context import technical_rows

    # the surface pass at 60 mJ boils the surface dry without a crater: a model note
    plan = load_plan(EXAMPLES / "co2-dual-full-face.toml", ["passes.0.pulse_energy_mj=60"])
    outcome = simulate(plan)
    rows = dict(technical_rows(outcome, plan, "fingerprint"))
    assert "pass 1: column solver (6 areas)" in rows
    notes = [v for k, v in technical_rows(outcome, plan, "") if k == "model note"]
    assert outcome.summary.model_notes and len(notes) == len(outcome.summary.model_notes)
    # a pass's notes name the pass, an area's (healing.sensitivity) the area
    regions = [a.region for a in plan.site_areas]
    assert all(n.startswith("pass ") or n.split(":")[0] in regions for n in notes)


def test_dose_curve_points_fire_as_the_plan_would_at_that_energy(plan):
    """Each point of a fixed-power mode's curve is the column `simulate` gives at that
    energy: its pulse lasts energy / power. The curve kept the chosen energy's pulse
    length at every energy until session 18."""
    from resurfacer.tissue.skin import skin_for
    from resurfacer.treatment import column_for

    curve = dose_curve(plan, 1, energies_mj=[2.5])
    p = plan.passes[1]
    assert p.peak_power_w is not None
    skin = skin_for(curve.site, sex=plan.patient.sex, age=plan.patient.age_years,
                    phototype=plan.patient.phototype)  # fmt: skip
    at_low = column_for(skin, p.beam(), p.with_settings(pulse_energy_mj=2.5).pulse())
    assert at_low.inputs["pulse_duration_s"] == pytest.approx(2.5e-3 / p.peak_power_w)
    assert curve.ablation_depth_um[0] == pytest.approx(at_low.summary.ablation_depth * 1e6)


def test_labels_spell_units_and_words_one_way():
    # found in session 20: "bulk thermal dose cem43 min" beside "CEM43 min", two rows
    # named "downtime", "remodeling" beside "remodelling", and a raw "True"
    from resurfacer.report.context import format_value, label_and_unit

    assert label_and_unit("bulk_thermal_dose_cem43_min") == ("bulk thermal dose", "CEM43 min")
    assert label_and_unit("bulk_cem43_min") == ("bulk thermal dose", "CEM43 min")
    assert label_and_unit("downtime_days_range")[0] != label_and_unit("downtime_days")[0]
    assert label_and_unit("remodeling_weeks") == ("remodelling", "weeks")
    assert (format_value(True), format_value(False)) == ("yes", "no")


def test_an_interactive_report_of_a_pass_that_skips_the_largest_area(tmp_path):
    # found in review, session 20: the interactive cross-section took the largest area's
    # site for every pass and stopped (KeyError, then StopIteration) where a pass skips it
    plan = Plan.from_data(
        {
            "name": "forehead only on pass 2",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 100}, {"site": "forehead", "area_cm2": 20}],
            "passes": [
                {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 5},
                {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 5,
                 "regions": {"cheek": {"skip": True}}},
            ],
        }
    )  # fmt: skip
    path = write_report(simulate(plan), plan, tmp_path / "r", interactive=True)
    assert 'id="xs1"' in path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def intact():
    """A non-ablative plan (the skin surface stays intact), simulated and rendered."""
    plan = Plan.from_data(
        {
            "name": "non-ablative cheek",
            "patient": {"sex": "female", "age_years": 45, "phototype": 3},
            "areas": [{"site": "cheek", "area_cm2": 10}],
            "passes": [{"device": "nonablative_1550", "mode": "fractional", "pulse_energy_mj": 10,
                        "pulse_duration_ms": 3, "mtz_per_cm2": 150}],
        }
    )  # fmt: skip
    outcome = simulate(plan)
    return outcome, render_html(outcome, plan)


def test_a_plan_that_never_opens_the_skin_reads_intact_as_the_text_does(intact):
    # found by a probe: the report said "skin closed after 13.0 h" / "re-epithelialisation"
    # for a non-ablative plan, on the card and in the healing table, where `resurfacer
    # healing` says "skin surface intact (treated skin repaired after 13.0 h)"
    from resurfacer.healing import timeline_table
    from resurfacer.report.context import cards, healing_rows

    outcome, html = intact
    assert not outcome.healing.skin_opened
    hours = format_value(outcome.healing.reepithelialization_hours, "h")
    rows = dict(healing_rows(outcome.healing))
    assert rows["skin surface"] == f"intact (treated skin repaired after {hours})"
    assert f"intact (treated skin repaired after {hours})" in timeline_table(outcome.healing)
    card = next(c for c in cards(outcome) if c["label"] == "skin surface")
    assert (card["value"], card["note"]) == ("intact", f"treated skin repaired after {hours}")
    assert "skin closed" not in html and "re-epithelialisation" not in html
    assert dict(summary_rows(outcome))["treated skin repaired after"].endswith(" h")


def test_simulate_words_an_intact_surface_as_healing_and_the_report_do(intact):
    # `simulate` said "intact (zones repaired after 13 h)" where `healing` and the report
    # say "treated skin repaired after"
    from resurfacer.cli.simulate_command import summary_table

    outcome, _ = intact
    hours = f"{outcome.summary.reepithelialization_hours:.0f} h"
    line = next(x for x in summary_table(outcome.summary).splitlines() if "intact" in x)
    assert line.split(None, 2)[2] == f"intact (treated skin repaired after {hours})"


def _healing_section(html: str) -> str:
    return html[html.index('<section id="healing">') : html.index('<section id="appendix"')]


def test_the_report_says_when_to_call_the_clinic_and_how_long_crusts_show(outcome, intact):
    # found by a probe: `resurfacer healing` (text and JSON) lists when to call the clinic
    # and the visible crust/debris; the report had neither (the crust as a milestone only)
    from resurfacer.report.context import healing_rows

    for case, html in ((outcome, render_html(outcome, small_plan())), intact):
        h = case.healing
        section = _healing_section(html)
        assert "When to call the clinic" in section
        assert h.call_clinic and all(note in section for note in h.call_clinic)
        crust = dict(healing_rows(h))["visible crust/debris"]
        assert f"<td>{crust}</td>" in section
    assert outcome.healing.skin_opened
    assert crust == "none (the surface stays intact)"
    ablative = dict(healing_rows(outcome.healing))["visible crust/debris"]
    assert ablative == f"until day {outcome.healing.crust_end_days:.1f}"
    assert any("not closed by day" in n for n in outcome.healing.call_clinic)


def test_area_names_read_as_words_in_the_clinical_tables():
    # found by a probe: the region table printed "chin_jaw", as did the downtime card's
    # slowest area
    from resurfacer.report.context import cards

    plan = Plan.from_data(
        {
            "name": "cheek and jaw",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 20}, {"preset": "chin_jaw"}],
            "passes": [{"device": "co2_dual", "mode": "surface"},
                       {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 5,
                        "density_percent": 5, "regions": {"cheek": {"skip": True}}}],
        }
    )  # fmt: skip
    outcome = simulate(plan)
    assert outcome.summary.downtime_set_by == "chin_jaw"
    html = render_html(outcome, plan)
    assert "chin_jaw" not in html[: html.index('<section id="appendix"')]
    region_table = html.split('class="num regions"')[1].split("</table>")[0]
    assert "<td>chin jaw</td>" in region_table
    assert cards(outcome)[0]["note"].endswith("slowest area: chin jaw")


def test_a_report_folder_keeps_no_files_of_an_earlier_report(outcome, plan, tmp_path):
    # found by a probe: a two-pass report, then a one-pass report into the same folder
    # left cross_section_pass2.png, pattern_pass2.png (and plotly.min.js, the dose
    # curves, report.pdf of earlier runs) beside the new report.html. Only what an
    # earlier report wrote (its manifest) goes: the user's files stay, even named like a
    # report's (a name pattern removed a user's own report.pdf, session 22 review)
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep").mkdir()
    user = ["notes.txt", "report.pdf", "pattern_pass7.png", "plotly.min.js"]
    for name in user:
        (out / name).write_bytes(b"user")
    earlier = ["cross_section_pass3.png", "pattern_pass3.png", "dose_response_pass1.png"]
    for name in earlier:
        (out / name).write_bytes(b"old")
    (out / REPORT_MANIFEST).write_text(json.dumps(earlier + ["report.html"]))
    write_report(outcome, plan, out)
    names = {p.name for p in out.iterdir()}
    pngs = {f"{k}_pass{n}.png" for n in (1, 2) for k in ("cross_section", "pattern")}
    written = {"report.html", "bulk_temperature.png", "healing_timeline.png", *pngs}
    assert names == written | set(user) | {"keep", REPORT_MANIFEST}
    assert all((out / name).read_bytes() == b"user" for name in user)
    assert set(json.loads((out / REPORT_MANIFEST).read_text())) == written


def test_write_directory_removes_only_what_its_manifest_listed(tmp_path):
    # `simulate --out` writes outcome.nc and summary.json without a manifest: nothing
    # else in its folder is touched
    from resurfacer.common.files import write_directory

    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.old", "b.old", "user.txt"):
        (out / name).write_text("x")
    files = {"summary.json": lambda path: Path(path).write_text("{}")}
    write_directory(out, files)
    assert {p.name for p in out.iterdir()} == {"a.old", "b.old", "user.txt", "summary.json"}
    (out / "list").write_text(json.dumps(["a.old", "../user.txt", "summary.json"]))
    write_directory(out, files, manifest="list")
    assert {p.name for p in out.iterdir()} == {"b.old", "user.txt", "summary.json", "list"}


def neck_plan() -> Plan:
    """The neck preset fires a deep CO2 pass at half its energy (`energy_scale`)."""
    return Plan.from_data(
        {
            "name": "neck deep",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"preset": "neck"}],
            "passes": [{"device": "co2_fractional_deep", "pulse_energy_mj": 20,
                        "density_percent": 10}],
        }
    )  # fmt: skip


def test_the_dose_curve_marks_the_pass_as_fired_on_the_area_shown():
    # found by a probe: on the neck (fired at 10 mJ) the curve said "plan: 20 mJ, 704 um
    # deep", ran to 40 mJ and its title gave the 20 mJ pulse's 0.666667 ms
    from resurfacer.sweeps.dose import dose_energies

    plan = neck_plan()
    out = simulate(plan)
    curve = dose_curve(plan, 0, energies_mj=[5.0])
    fired = plan.region_pass(0, plan.site_areas[0])
    assert fired.pulse_energy_mj == 10.0 and curve.fired == fired
    assert (curve.area, curve.chosen_mj) == ("neck", 10.0)
    shown = out.site_columns[0, "neck"].summary  # the cross-section beside the curve
    assert curve.chosen_ablation_depth_um == pytest.approx(shown.ablation_depth * 1e6)
    assert dose_energies(fired)[0].max() <= 2 * 10.0
    fig = figures.dose_response(plan, 0, curve)
    title = fig.axes[0].get_title()
    assert title.endswith(f", {fired.pulse_duration_ms:.3g} ms, on neck"), title
    assert fired.pulse_duration_ms < plan.passes[0].pulse_duration_ms
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("plan: 10 mJ\n") for t in texts), texts


@pytest.fixture(scope="module")
def untreated():
    """A plan whose largest area every pass skips, the treated one named unlike its
    site, simulated and rendered."""
    plan = Plan.from_data(
        {
            "name": "brow only",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"site": "cheek", "area_cm2": 100},
                      {"site": "forehead", "area_cm2": 30, "name": "brow"}],
            "passes": [{"device": "co2_dual", "mode": "surface",
                        "regions": {"cheek": {"skip": True}}}],
        }
    )  # fmt: skip
    outcome = simulate(plan)
    return plan, outcome, build(outcome, plan)


def test_the_header_counts_treated_areas_and_the_inputs_name_them(untreated):
    # found by a probe: "3 region(s)" with one area untreated; the inputs listed sites
    # ("cheek 120 cm2, ... cheek 50 cm2"), not the areas
    from resurfacer.report.context import cards, inputs_rows

    plan, outcome, report = untreated
    header = report.html.split("<header>")[1].split("</header>")[0]
    assert "· 1 area, 30 cm² ·" in header
    card = next(c for c in cards(outcome) if c["label"] == "treated area")
    assert card["note"] == "1 area"
    assert next(c for c in cards(outcome) if c["label"] == "combined coverage")["note"] == "1 pass"
    assert dict(inputs_rows(plan))["areas"] == "cheek 100 cm², brow (forehead) 30 cm²"


def test_figures_show_the_largest_treated_area_and_the_dose_curve_names_it(untreated):
    # the largest area (cheek) is skipped: the figures were on its site, with no column
    # to draw; the dose curve's area is the one drawn, named with its site
    plan, outcome, report = untreated
    assert "cross_section_pass1.png" in report.files
    assert "Figures on forehead" in report.html
    curve = dose_curve(plan, 0, energies_mj=[])
    assert (curve.area, curve.site, curve.shown_on) == ("brow", "forehead", "brow (forehead)")
    assert curve.chosen_ablation_depth_um == pytest.approx(
        outcome.site_columns[0, "forehead"].summary.ablation_depth * 1e6
    )


def test_pass_rows_round_as_the_cli_and_leave_out_full_field_layers(outcome, plan):
    # found by a probe: "14.2749 mJ" (an area-weighted mean) in the pass table, where the
    # CLI prints 14.3; "ablated / wiped / removed 0.0 um" on fractional passes; a bulk
    # thermal dose of "0.6" where the CLI prints 0.58
    from types import SimpleNamespace

    from resurfacer.cli.simulate_command import summary_table
    from resurfacer.report.context import pass_table

    s = outcome.summary
    passes = [s.passes[0], s.passes[1].model_copy(update={"pulse_energy_mj": 14.2749})]
    summary = s.model_copy(update={"passes": passes, "bulk_thermal_dose_cem43_min": 0.58})
    mixed = SimpleNamespace(summary=summary)
    assert pass_table(mixed, plan)[1][1][4] == "14.3 mJ"
    assert " 14.3 mJ " in summary_table(summary)
    rows = dict(summary_rows(mixed))
    assert rows["bulk thermal dose"] == "0.58 CEM43 min"
    assert "bulk thermal dose         0.58 CEM43 min" in summary_table(summary)
    assert not any(k.endswith((": ablated", ": wiped", ": removed")) for k in rows)
    full = s.model_copy(update={"passes": [s.passes[0].model_copy(update={"kind": "full_field"})]})
    rows = dict(summary_rows(SimpleNamespace(summary=full)))
    assert {"pass 1 (surface): ablated", "pass 1 (surface): removed"} <= set(rows)


def test_a_dose_curve_on_a_site_the_plan_lacks_is_refused(plan):
    # session 22 review: a misspelt site gave the curve of another site's area
    with pytest.raises(InputError, match="site"):
        dose_curve(plan, 0, site="cheeks")


def test_a_pass_that_skips_the_largest_area_is_drawn_where_it_is_fired():
    # session 23 (a probe): a second pass skipping the cheek, the largest area, had no
    # cross-section; it is drawn on the largest area it treats, as its dose curve is
    data = small_plan().model_dump(exclude_none=True)
    data["passes"][1]["regions"] = {"cheek": {"skip": True}}
    plan = Plan.from_data(data)
    report = build(simulate(plan), plan)
    assert "cross_section_pass2.png" in report.files
    assert "one column on periorbital" in report.html


def test_the_pattern_figure_prints_the_coverage_the_tables_print():
    """Session 25 (a review): the pattern figure's title printed the density, 100 %, beside
    the table's coverage, 90.9 %, for spots that overlap; both now count the overlap once."""
    from resurfacer.plan.schema import Plan
    from resurfacer.report.figures import pattern_top_view

    plan = Plan.from_data({
        "name": "overlap", "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"site": "cheek", "area_cm2": 10.0}],
        "passes": [{"device": "co2_dual", "mode": "surface", "density_percent": 100}],
    })  # fmt: skip
    title = pattern_top_view(plan, 0).axes[0].get_title()
    assert "coverage 90.9 %" in title
