"""Light guided down a crater: a hollow cylindrical channel in lossy tissue.

A crater is a hollow (air) channel of radius a in tissue of complex refractive
index m = n + ik. Its lowest-loss mode, EH11, is attenuated along the channel
(Marcatili & Schmeltzer, Bell Syst Tech J 1964;43:1783, eqs. for the EH_nm
modes of a hollow dielectric waveguide, valid for a >> lambda):

    alpha = (u11 / (2 pi))^2 lambda^2 / a^3 Re(nu_1),
    nu_1 = (eps + 1) / (2 sqrt(eps - 1)),  eps = m^2,

with u11 = 2.405 the first zero of J0. Marcatili & Schmeltzer write the fields
as exp[i(gamma z - omega t)] with gamma = beta + i alpha, so alpha attenuates
the field: the guided power falls as exp(-2 alpha z), which is what
`channel_power_loss` returns (per metre of channel).

The tissue's complex index is water-weighted from the Segelstein constants:
k from the layer's absorption coefficient, k = mu_a lambda / (4 pi) (so a layer
with measured absorption, ``column.ablation.measured_removal``, can be passed its
own mu_a), n = W n_water + (1 - W) n_layer with n_layer the layer's real index
(``data/layer_properties.toml``).

Normal-incidence and oblique Fresnel reflectance at a wall of that index are in
`wall_reflectance` (s and p polarisation averaged: unpolarised light).

The column solver uses these through ``column.materials.wall_optics`` (per row:
the index and 2 alpha a^3) in the ray deposition, ``kernels.deposition.deposit_beam``,
whose numba versions of the Fresnel reflectance are tested against this module.
"""

import cmath
import math

import numpy as np

from resurfacer.optics.absorption import layer_absorption_coefficient, water_refractive_index
from resurfacer.tissue.skin import Layer

#: first zero of the Bessel function J0 (the EH11 mode)
U11 = 2.404825557695773


def tissue_refractive_index(layer: Layer, wavelength: float, mu_a: float | None = None) -> complex:
    """Complex index n + ik of a layer at `wavelength` [m]: n water-weighted between
    water's (Segelstein) and the layer's real index, k = mu_a lambda / (4 pi) with
    mu_a the layer's absorption coefficient [1/m] (or `mu_a` if given)."""
    water = water_refractive_index(wavelength)
    w = layer.water_fraction
    n = w * water.real + (1.0 - w) * layer.refractive_index
    mu = layer_absorption_coefficient(layer, wavelength) if mu_a is None else mu_a
    return complex(n, mu * wavelength / (4.0 * math.pi))


def eh11_field_attenuation(radius, wavelength: float, index: complex):
    """Marcatili-Schmeltzer field attenuation alpha [1/m] of the EH11 mode of a hollow
    channel of `radius` [m] (array allowed) in a medium of complex `index`."""
    eps = index * index
    nu = (eps + 1.0) / (2.0 * cmath.sqrt(eps - 1.0))
    a = np.asarray(radius, dtype=float)
    return (U11 / (2.0 * math.pi)) ** 2 * wavelength**2 / a**3 * nu.real


def channel_power_loss(radius, wavelength: float, index: complex):
    """Power attenuation coefficient 2 alpha [1/m] of the EH11 mode (see module)."""
    return 2.0 * eh11_field_attenuation(radius, wavelength, index)


def wall_reflectance(angle_of_incidence: float, index: complex) -> float:
    """Fresnel power reflectance of unpolarised light from air onto a medium of complex
    `index` at `angle_of_incidence` [rad] from the normal: (R_s + R_p) / 2."""
    cos_i = math.cos(angle_of_incidence)
    sin_i = math.sin(angle_of_incidence)
    cos_t = cmath.sqrt(1.0 - (sin_i / index) ** 2)
    r_s = (cos_i - index * cos_t) / (cos_i + index * cos_t)
    r_p = (index * cos_i - cos_t) / (index * cos_i + cos_t)
    return 0.5 * (abs(r_s) ** 2 + abs(r_p) ** 2)
