"""Measured removal data per layer (data/ablation.toml [[measured]]) replace the
water formula at their laser line only."""

import pytest

from resurfacer.column.ablation import measured_removal
from resurfacer.column.materials import layer_materials, thermal_constants
from resurfacer.optics.absorption import layer_absorption_coefficient
from resurfacer.tissue.skin import LAYER_NAMES, skin_for


def test_fat_at_co2_line_takes_ross_1997_values():
    fat = measured_removal("subcutis", 10.6e-6)
    assert fat is not None
    assert fat.heat_of_ablation == pytest.approx(2.4e9)  # 2.4 kJ/cm3
    assert fat.mu_a == pytest.approx(2.5e4)  # 250 /cm
    assert fat.threshold == pytest.approx(1.05e4)  # 1.05 J/cm2
    # removed at mu_a F_th = 262 J/cm3; the ejecta take the rest of the 2.4 kJ/cm3
    assert fat.onset_enthalpy == pytest.approx(2.625e8)
    assert fat.onset_enthalpy + fat.ejecta_absorption == pytest.approx(fat.heat_of_ablation)
    assert "Ross" in fat.source


@pytest.mark.parametrize("wavelength", [2.94e-6, 9.3e-6, 1.927e-6])
def test_other_lines_and_layers_use_the_water_formula(wavelength):
    assert measured_removal("subcutis", wavelength) is None
    for name in LAYER_NAMES[:-1]:
        assert measured_removal(name, 10.6e-6) is None


def test_layer_materials_apply_the_measured_values_to_the_fat_only():
    skin = skin_for("cheek")
    co2 = layer_materials(skin, 10.6e-6, thermal_constants())
    erbium = layer_materials(skin, 2.94e-6, thermal_constants())
    assert co2.h_ablation[-1] == pytest.approx(2.625e8)
    assert co2.ejecta[-1] == pytest.approx(2.4e9 - 2.625e8)
    assert co2.mu_a[-1] == pytest.approx(2.5e4)
    assert erbium.ejecta[-1] == 0.0 and not co2.ejecta[:-1].any()
    # the water formula: fat about 0.7 kJ/cm3 and 127 /cm at 10.6 um; here at 2.94 um
    fat = skin.layers[-1]
    assert erbium.mu_a[-1] == pytest.approx(layer_absorption_coefficient(fat, 2.94e-6))
    assert erbium.h_ablation[-1] < 1.0e9
    for i, layer in enumerate(skin.layers[:-1]):
        assert co2.mu_a[i] == pytest.approx(layer_absorption_coefficient(layer, 10.6e-6))
