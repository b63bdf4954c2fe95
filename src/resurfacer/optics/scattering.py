"""Scattering of skin layers and the test of whether it matters.

Notes
-----
Reduced scattering from the power law of Jacques' review [1]:

    mu_s' = a (lambda / 500 nm)^-b,

with a, b per layer and the anisotropy g in ``data/chromophores.toml``
([scattering] tables; a skin average is used for every layer, an assumption).
The scattering coefficient is mu_s = mu_s' / (1 - g).

The fits cover the visible and near infrared; their use to 11 um is an
extrapolation. It only matters where scattering is comparable to absorption,
i.e. at 1.4-2 um, where the model should use Monte Carlo transport anyway.

References
----------
.. [1] S. L. Jacques, Optical properties of biological tissues: a review,
   Phys Med Biol 2013;58:R37.

Examples
--------
>>> from resurfacer.tissue.skin import skin_for
>>> scattering_matters(skin_for("cheek"), 10.6e-6)
False
>>> scattering_matters(skin_for("cheek"), 1.55e-6)
True
"""

from __future__ import annotations

import numpy as np

from resurfacer.data import load_toml
from resurfacer.errors import check_choice
from resurfacer.optics.absorption import (
    MAX_WAVELENGTH,
    MIN_WAVELENGTH,
    check_wavelength,
    layer_absorption_coefficient,
)
from resurfacer.tissue.skin import LAYER_NAMES, Skin


def _params(layer_name: str) -> dict:
    check_choice("layer_name", layer_name, LAYER_NAMES)
    return load_toml("chromophores.toml")["scattering"]["layers"][layer_name]


def _out(x):
    return float(x) if np.ndim(x) == 0 else x


def reduced_scattering_coefficient(layer_name: str, wavelength_m):
    """Reduced scattering coefficient mu_s' = a (lambda / 500 nm)^-b [1/m].

    Parameters
    ----------
    layer_name : str
        One of `resurfacer.tissue.skin.LAYER_NAMES`.
    wavelength_m : float or array_like
        Vacuum wavelength [m], `MIN_WAVELENGTH` to `MAX_WAVELENGTH`.

    Returns
    -------
    float or numpy.ndarray
        mu_s' [1/m].
    """
    p = _params(layer_name)
    lam = check_wavelength(wavelength_m, MIN_WAVELENGTH, MAX_WAVELENGTH)
    return _out(p["a_per_cm"] * 100.0 * (lam / 500e-9) ** (-p["b"]))


def anisotropy(layer_name: str, wavelength_m):
    """Scattering anisotropy g (mean cosine of the scattering angle) [-].

    Constant ~0.9 over 1.4-11 um (``data/chromophores.toml``; an assumption).
    """
    p = _params(layer_name)
    lam = check_wavelength(wavelength_m, MIN_WAVELENGTH, MAX_WAVELENGTH)
    return _out(np.full(lam.shape, float(p["g"])))


def scattering_coefficient(layer_name: str, wavelength_m):
    """Scattering coefficient mu_s = mu_s' / (1 - g) [1/m]."""
    mus_r = np.asarray(reduced_scattering_coefficient(layer_name, wavelength_m))
    g = np.asarray(anisotropy(layer_name, wavelength_m))
    return _out(mus_r / (1.0 - g))


def scattering_ratio(skin: Skin, wavelength_m: float) -> float:
    """Largest mu_s' / mu_a over the layers that start within the criterion depth.

    The depth (2 mm) is in ``data/chromophores.toml`` [criterion].
    """
    crit = load_toml("chromophores.toml")["criterion"]
    tops = skin.layer_boundaries()[:-1]
    ratios = [
        reduced_scattering_coefficient(layer.name, wavelength_m)
        / layer_absorption_coefficient(layer, wavelength_m)
        for layer, top in zip(skin.layers, tops, strict=True)
        if top < crit["depth_m"]
    ]
    return float(max(ratios))


def scattering_matters(skin: Skin, wavelength_m: float) -> bool:
    """Whether scattering must be modelled (Beer-Lambert is not valid).

    True when, in any layer starting within the first 2 mm, mu_s' exceeds 5 % of
    mu_a (criterion and its rationale in ``data/chromophores.toml`` [criterion]).
    For skin this is False at 2.94 and 10.6 um (water absorption dominates) and
    True at 1.55 and 1.927 um.

    Parameters
    ----------
    skin : resurfacer.tissue.skin.Skin
    wavelength_m : float
        Vacuum wavelength [m], `MIN_WAVELENGTH` to `MAX_WAVELENGTH`.
    """
    crit = load_toml("chromophores.toml")["criterion"]
    return scattering_ratio(skin, wavelength_m) > crit["fraction"]


__all__ = [
    "anisotropy",
    "reduced_scattering_coefficient",
    "scattering_coefficient",
    "scattering_matters",
    "scattering_ratio",
]
