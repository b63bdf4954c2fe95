"""Optical properties of a Skin's layers at one wavelength, for photon transport.

mu_a from the chromophores (``absorption.layer_absorption_coefficient``),
mu_s and g from the scattering power law (``scattering``), n from the layer
data. The deepest layer is taken as semi-infinite.
"""

import math

from resurfacer.optics.absorption import layer_absorption_coefficient
from resurfacer.optics.montecarlo import OpticalLayer
from resurfacer.optics.scattering import anisotropy, scattering_coefficient
from resurfacer.tissue.skin import Skin


def optical_layers(skin: Skin, wavelength: float) -> list[OpticalLayer]:
    """One OpticalLayer (n, mu_a [1/m], mu_s [1/m], g, thickness [m]) per skin layer
    (a layer of zero thickness, removed by an earlier pass, has none)."""
    layers = []
    for i, layer in enumerate(skin.layers):
        last = i == len(skin.layers) - 1
        if not last and layer.thickness <= 0.0:
            continue
        layers.append(
            OpticalLayer(
                n=layer.refractive_index,
                mu_a=float(layer_absorption_coefficient(layer, wavelength)),
                mu_s=float(scattering_coefficient(layer.name, wavelength)),
                g=float(anisotropy(layer.name, wavelength)),
                thickness=math.inf if last else layer.thickness,
            )
        )
    return layers
