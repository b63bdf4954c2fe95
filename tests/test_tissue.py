"""Tests for resurfacer.tissue.skin: presets, ordering, overrides and validation."""

import numpy as np
import pytest

from resurfacer.errors import InputError
from resurfacer.tissue.skin import LAYER_NAMES, SEXES, SITES, Layer, Skin, skin_for

REQUIRED_SITES = {
    "cheek",
    "forehead",
    "periorbital",
    "perioral",
    "nose",
    "neck",
    "chest",
    "dorsal_hand",
}


def test_required_sites_present():
    assert REQUIRED_SITES <= set(SITES)
    assert SEXES == ("female", "male")


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("sex", SEXES)
def test_presets_exist_and_are_physical(site, sex):
    skin = skin_for(site, sex)
    assert isinstance(skin, Skin)
    assert tuple(layer.name for layer in skin.layers) == LAYER_NAMES
    for layer in skin.layers:
        assert isinstance(layer, Layer)
        assert layer.thickness > 0
        for f in ("water_fraction", "melanin_fraction", "blood_fraction"):
            assert 0.0 <= getattr(layer, f) <= 1.0
        assert layer.density > 0 and layer.heat_capacity > 0 and layer.conductivity > 0
        assert layer.perfusion >= 0
        assert 1.3 <= layer.refractive_index <= 1.6
    b = skin.layer_boundaries()
    assert b[0] == 0.0 and len(b) == len(LAYER_NAMES) + 1
    assert np.all(np.diff(b) > 0)


@pytest.mark.parametrize("site", SITES)
def test_thickness_ordering(site):
    skin = skin_for(site)
    t = {layer.name: layer.thickness for layer in skin.layers}
    assert t["stratum_corneum"] < t["epidermis"] < t["reticular_dermis"] < t["subcutis"]
    # Histological ranges from published.md (SC 10-40 um; epidermis 29-125 um;
    # dermis 0.5-2 mm).
    assert 10e-6 <= t["stratum_corneum"] <= 40e-6
    assert 29e-6 <= t["epidermis"] <= 125e-6
    assert 0.5e-3 <= t["papillary_dermis"] + t["reticular_dermis"] <= 2.0e-3


def test_meng_dermis_by_sex():
    # Meng et al. 2022 table 2: forehead 1.17 mm (men) / 0.86 mm (women).
    for sex, expected in (("male", 1.17e-3), ("female", 0.86e-3)):
        skin = skin_for("forehead", sex)
        dermis = skin.layer("papillary_dermis").thickness + skin.layer("reticular_dermis").thickness
        assert dermis == pytest.approx(expected)


def test_eyelid_thinner_than_cheek():
    assert (
        skin_for("periorbital").layer("epidermis").thickness
        < skin_for("cheek").layer("epidermis").thickness
    )
    assert skin_for("periorbital").layer_boundaries()[4] < skin_for("cheek").layer_boundaries()[4]


def test_no_melanin_outside_epidermis_no_perfusion_in_epidermis():
    skin = skin_for("cheek", phototype=5)
    for layer in skin.layers:
        if layer.name != "epidermis":
            assert layer.melanin_fraction == 0.0
    assert skin.layer("epidermis").perfusion == 0.0
    assert skin.layer("papillary_dermis").perfusion == pytest.approx(2.0e-3)
    assert skin.layer("stratum_corneum").water_fraction < skin.layer("epidermis").water_fraction


def test_darker_phototype_more_melanin():
    mel = [skin_for("cheek", phototype=p).layer("epidermis").melanin_fraction for p in range(1, 7)]
    assert np.all(np.diff(mel) > 0)
    # Jacques 1998 bands: light 1.3-6.3 %, moderate 11-16 %, dark 18-43 %.
    assert 0.013 <= mel[0] <= mel[1] <= 0.063
    assert 0.11 <= mel[2] <= mel[3] <= 0.16
    assert 0.18 <= mel[4] <= mel[5] <= 0.43


def test_age_default_leaves_dermis_and_sc_unchanged():
    young, old = skin_for("cheek", age=25), skin_for("cheek", age=80)
    assert young.layers == old.layers
    assert young.age == 25.0 and old.age == 80.0


def test_age_trend_parameter():
    young = skin_for("cheek", age=25, dermis_change_per_year=-0.005)
    old = skin_for("cheek", age=80, dermis_change_per_year=-0.005)
    assert old.layer("reticular_dermis").thickness < young.layer("reticular_dermis").thickness
    assert old.layer("stratum_corneum").thickness == young.layer("stratum_corneum").thickness
    with pytest.raises(InputError) as err:
        skin_for("cheek", dermis_change_per_year=0.5)
    assert err.value.field == "dermis_change_per_year"


def test_overrides_apply():
    skin = skin_for("cheek", overrides={"epidermis": {"thickness": 80e-6, "water_fraction": 0.7}})
    assert skin.layer("epidermis").thickness == 80e-6
    assert skin.layer("epidermis").water_fraction == 0.7
    assert skin.layer("stratum_corneum") == skin_for("cheek").layer("stratum_corneum")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"epidermis": {"thickness": -1e-6}}, "overrides.epidermis.thickness"),
        ({"epidermis": {"thickness": 0.0}}, "overrides.epidermis.thickness"),
        (
            {"papillary_dermis": {"water_fraction": 1.2}},
            "overrides.papillary_dermis.water_fraction",
        ),
        ({"epidermis": {"melanin_fraction": -0.1}}, "overrides.epidermis.melanin_fraction"),
        ({"epidermis": {"colour": 1.0}}, "overrides.epidermis.colour"),
        ({"epidermis": {"name": 1.0}}, "overrides.epidermis.name"),
        ({"hypodermis": {"thickness": 1e-3}}, "overrides.hypodermis"),
        ({"epidermis": {"thickness": float("nan")}}, "overrides.epidermis.thickness"),
        ({"epidermis": {"thickness": "80um"}}, "overrides.epidermis.thickness"),
    ],
)
def test_bad_overrides_refused_naming_field(overrides, field):
    with pytest.raises(InputError) as err:
        skin_for("cheek", overrides=overrides)
    assert err.value.field == field
    assert field in str(err.value)


def test_validation_site_sex_age_phototype():
    with pytest.raises(InputError) as err:
        skin_for("elbow")
    assert err.value.field == "site" and "cheek" in err.value.allowed
    with pytest.raises(InputError) as err:
        skin_for("cheek", sex="other")
    assert err.value.field == "sex" and "female" in err.value.allowed
    for age in (17.9, 100.5, float("nan")):
        with pytest.raises(InputError) as err:
            skin_for("cheek", age=age)
        assert err.value.field == "age" and "[18, 100] years" in err.value.allowed
    for p in (0, 7, 2.5, True):
        with pytest.raises(InputError) as err:
            skin_for("cheek", phototype=p)
        assert err.value.field == "phototype"
    assert isinstance(err.value, ValueError)


def test_property_profile():
    skin = skin_for("cheek")
    b = skin.layer_boundaries()
    z = np.array([0.0, 0.5 * (b[0] + b[1]), b[1], 0.5 * (b[2] + b[3]), b[-1] + 1e-3])
    w = skin.property_profile("water_fraction", z)
    expected = [skin.layers[i].water_fraction for i in (0, 0, 1, 2, 4)]
    np.testing.assert_allclose(w, expected)
    assert skin.property_profile("conductivity", z.reshape(5, 1)).shape == (5, 1)
    with pytest.raises(InputError):
        skin.property_profile("colour", z)
    with pytest.raises(InputError):
        skin.property_profile("density", np.array([-1e-6]))


def test_dermis_throughout_keeps_thicknesses_and_makes_the_surface_dermal():
    skin = skin_for("perioral", phototype=5)
    bulk = skin.dermis_throughout()
    dermis = skin.layer("papillary_dermis")
    assert np.array_equal(bulk.layer_boundaries(), skin.layer_boundaries())
    for name in ("stratum_corneum", "epidermis"):
        layer = bulk.layer(name)
        assert layer.name == name
        assert layer.water_fraction == dermis.water_fraction
        assert layer.conductivity == dermis.conductivity
        assert layer.melanin_fraction == 0.0  # the dermis has no melanosomes
    for name in ("papillary_dermis", "reticular_dermis", "subcutis"):
        assert bulk.layer(name) == skin.layer(name)
    assert (bulk.site, bulk.sex, bulk.age, bulk.phototype) == (
        skin.site,
        skin.sex,
        skin.age,
        skin.phototype,
    )
