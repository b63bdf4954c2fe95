"""One definition per fact: the site vocabulary against every table, the wavelength
range and pattern shapes shared by the schema, the CLI and the models."""

import pytest

from resurfacer.cli import main
from resurfacer.data import load_toml, vocabulary
from resurfacer.errors import InputError
from resurfacer.optics.absorption import MAX_WAVELENGTH, WAVELENGTH_RANGE_NM
from resurfacer.plan.schema import Plan
from resurfacer.tissue.skin import SITES, skin_for

PLAN = {
    "name": "vocabulary",
    "patient": {"sex": "female", "age_years": 40, "phototype": 2},
    "areas": [{"site": "neck", "area_cm2": 1.0}],
    "passes": [{"device": "co2_dual", "mode": "deep", "pulse_energy_mj": 2.5}],
}


def test_every_site_is_in_every_per_site_table():
    assert {site: vocabulary.missing_site_entries(site) for site in SITES} == {
        site: [] for site in SITES
    }


def test_tables_name_only_listed_sites():
    assert vocabulary.unknown_site_references() == []


def _without_neck_follicles(name):
    table = load_toml(name)
    if name != "healing.toml":
        return table
    adnexa = dict(table["adnexa"])
    adnexa["follicles_per_cm2"] = {
        k: v for k, v in adnexa["follicles_per_cm2"].items() if k != "neck"
    }
    return {**table, "adnexa": adnexa}


def test_a_site_missing_from_a_table_is_refused_naming_the_table(monkeypatch):
    """A site listed in skin_sites.toml but absent from a per-site table fails at the
    plan, before any model, with the table to complete in the message."""
    monkeypatch.setattr(vocabulary, "load_toml", _without_neck_follicles)
    with pytest.raises(InputError) as err:
        Plan.from_data(PLAN)
    assert err.value.field == "areas[0].site"
    assert "healing.toml [adnexa.follicles_per_cm2]" in err.value.allowed
    with pytest.raises(InputError, match=r"healing.toml \[adnexa.follicles_per_cm2\]"):
        skin_for("neck")


def test_a_new_site_listed_only_in_skin_sites_names_every_missing_table():
    def with_chin(name):
        table = load_toml(name)
        return {**table, "sites": [*table["sites"], "chin"]} if name == "skin_sites.toml" else table

    missing = vocabulary.missing_site_entries("chin", with_chin)
    assert missing == [
        "skin_sites.toml [epidermis]",
        "skin_sites.toml [stratum_corneum]",
        "skin_sites.toml [dermis]",
        "healing.toml [adnexa.follicles_per_cm2]",
    ]
    assert "missing in" in vocabulary.site_problem("chin", with_chin)


@pytest.mark.parametrize("nm", [WAVELENGTH_RANGE_NM[1] + 1000, WAVELENGTH_RANGE_NM[0] - 400])
def test_plan_refuses_wavelengths_the_optics_do_not_cover(nm):
    data = {**PLAN, "passes": [{**PLAN["passes"][0], "wavelength_nm": nm}]}
    with pytest.raises(InputError) as err:
        Plan.from_data(data)
    assert err.value.field == "passes[0].wavelength_nm"


def test_top_of_the_wavelength_range_is_accepted_everywhere(capsys):
    """11,000 nm converts to exactly MAX_WAVELENGTH (it was refused by the CLI when the
    product 11000 * 1e-9 came out a rounding error above it)."""
    assert main(
        ["mtz", "--wavelength-nm", "11000", "--energy-mj", "1", "--grid-um", "8", "--json"]
    ) == 0
    capsys.readouterr()
    # a pass written out in full: a device preset fixes its wavelength (session 24)
    free = {"kind": "fractional", "wavelength_nm": 11000, "spot_um": 120,
            "pulse_energy_mj": 2.5, "pulse_duration_ms": 0.1, "density_percent": 5,
            "pattern_size_mm": 10, "repetition_rate_hz": 300}  # fmt: skip
    data = {**PLAN, "passes": [free]}
    assert Plan.from_data(data).passes[0].beam().wavelength == MAX_WAVELENGTH


def test_a_line_pattern_validates_and_simulates():
    """Every pattern shape the schema accepts runs through the whole chain (the
    session model used to refuse "line" after the bulk heating was computed)."""
    from resurfacer.treatment import simulate

    data = {
        **PLAN,
        "passes": [{**PLAN["passes"][0], "pattern_shape": "line", "pattern_size_mm": 2}],
    }
    outcome = simulate(Plan.from_data(data))
    assert outcome.summary.session_minutes > 0
