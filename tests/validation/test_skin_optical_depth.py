"""The whole-skin reading of a published CO2 penetration depth (validation row col-032)."""

import math
from dataclasses import replace

import pytest

from resurfacer.tissue.skin import skin_for
from resurfacer.validation.column import absorption_coefficient, skin_optical_depth


def test_one_layer_gives_its_absorption_length():
    skin = skin_for("cheek")
    mu = 634e2  # 1/m
    assert skin_optical_depth(skin, [mu] * len(skin.layers)) == pytest.approx(1 / mu)


def test_a_weaker_top_layer_lets_the_light_deeper():
    # stratum corneum 16.8 um at 211 /cm (optical depth 0.355), then 634 /cm: the rest
    # of the unit optical depth, 0.645, takes 10.17 um more
    skin = skin_for("cheek")
    top = skin.layers[0].thickness
    mu = [211e2] + [634e2] * (len(skin.layers) - 1)
    expected = top + (1 - 211e2 * top) / 634e2
    assert skin_optical_depth(skin, mu) == pytest.approx(expected, rel=1e-12)
    assert skin_optical_depth(skin, mu) > 1 / 634e2


def test_transparent_skin_has_no_optical_depth():
    skin = skin_for("cheek")
    thin = replace(skin, layers=skin.layers[:1])
    assert math.isinf(skin_optical_depth(thin, [1.0]))


def test_skin_row_reads_the_layered_skin_and_layer_rows_their_layer():
    # col-032 ('penetrates about 30 um into the skin by absorption', 333 /cm) against the
    # cheek's 27.0 um; col-012 (Ross 1997, porcine dermis) against the reticular dermis
    skin_row = absorption_coefficient({"site": "skin", "wavelength_nm": 10600})
    dermis_row = absorption_coefficient({"site": "dermis", "wavelength_nm": 10600})
    assert skin_row.value == pytest.approx(1 / 27.0e-4, rel=0.01)
    assert dermis_row.detail == "reticular_dermis"
    assert skin_row.value < dermis_row.value
