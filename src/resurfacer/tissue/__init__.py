"""Layered skin by site, sex, age and phototype; every figure from data/skin_sites.toml
and data/layer_properties.toml with its source."""

from resurfacer.tissue.skin import Layer, Skin, skin_for

__all__ = ["Layer", "Skin", "skin_for"]
