"""Absorption of skin in the infrared: water, melanin and blood.

Water dominates skin absorption from 1.4 to 11 um, the range of the Er:glass
(1.55 um), thulium (1.927 um), Er:YAG (2.94 um) and CO2 (10.6 um) lasers.

Notes
-----
Water: complex index n + ik of liquid water at 25 C from Segelstein (1981) [1],
tabulated in ``data/water_optical_constants.csv`` (0.4-12.1 um). The absorption
coefficient is

    mu_a,water = 4 pi k / lambda.

Melanin: melanosome interior [2], mu_a,mel = a (lambda / 500 nm)^-b per unit
melanosome volume fraction (``data/chromophores.toml``).

Blood: beyond 1.4 um whole blood absorbs as its water; haemoglobin is negligible
there [3]. See `layer_absorption_coefficient` for how blood is counted.

References
----------
.. [1] D. J. Segelstein, The complex refractive index of water, MSc thesis,
   University of Missouri-Kansas City, 1981 (via refractiveindex.info).
.. [2] S. L. Jacques, Melanosome absorption coefficient, omlc.org, 1998.
.. [3] A. Roggan et al., J Biomed Opt 1999;4:36 (verify); S. L. Jacques,
   Phys Med Biol 2013;58:R37.

Examples
--------
>>> round(water_absorption_coefficient(10.6e-6) / 100)  # 1/cm
846
"""

from __future__ import annotations

from functools import cache

import numpy as np

from resurfacer.common.units import to_si
from resurfacer.data import data_path, load_toml
from resurfacer.errors import InputError
from resurfacer.tissue.skin import Layer

#: Wavelengths the tissue absorption model covers [nm] (the water and chromophore
#: tables of data/); every layer that takes a wavelength (plan schema, CLI, solver)
#: uses this one range.
WAVELENGTH_RANGE_NM = (1400.0, 11000.0)
#: the same range in SI [m]
MIN_WAVELENGTH = to_si("wavelength_nm", WAVELENGTH_RANGE_NM[0])
MAX_WAVELENGTH = to_si("wavelength_nm", WAVELENGTH_RANGE_NM[1])


@cache
def _water_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(wavelength [m], n, k) from data/water_optical_constants.csv."""
    with open(data_path("water_optical_constants.csv")) as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    if lines[0].strip() != "wavelength_um,n,k":
        raise RuntimeError("water_optical_constants.csv: unexpected header " + lines[0])
    rows = np.array([[float(x) for x in line.split(",")] for line in lines[1:]])
    return rows[:, 0] * 1e-6, rows[:, 1], rows[:, 2]


def check_wavelength(
    wavelength_m, low: float = MIN_WAVELENGTH, high: float = MAX_WAVELENGTH
) -> np.ndarray:
    """Wavelength(s) as an array [m]; InputError (field "wavelength") outside [low, high]."""
    lam = np.asarray(wavelength_m, dtype=float)
    bad = ~((lam >= low) & (lam <= high))
    if np.any(bad):
        value = float(lam[bad].flat[0]) if lam.ndim else float(lam)
        raise InputError("wavelength", value, f"[{low:g}, {high:g}] m")
    return lam


def _loglog(lam: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.exp(np.interp(np.log(lam), np.log(x), np.log(y)))


def water_refractive_index(wavelength_m):
    """Complex refractive index n + ik of liquid water (25 C), Segelstein 1981.

    Parameters
    ----------
    wavelength_m : float or array_like
        Vacuum wavelength [m], inside the table (0.4-12.1 um).

    Returns
    -------
    complex or numpy.ndarray of complex
        n interpolated linearly in log(lambda), k log-log.

    Raises
    ------
    InputError
        Field ``"wavelength"`` outside the table.
    """
    table_lam, n, k = _water_table()
    lam = check_wavelength(wavelength_m, table_lam[0], table_lam[-1])
    n_i = np.interp(np.log(lam), np.log(table_lam), n)
    k_i = _loglog(lam, table_lam, k)
    out = n_i + 1j * k_i
    return complex(out) if out.ndim == 0 else out


def water_absorption_coefficient(wavelength_m):
    """Absorption coefficient of liquid water, mu_a = 4 pi k / lambda [1/m].

    Parameters
    ----------
    wavelength_m : float or array_like
        Vacuum wavelength [m], inside the Segelstein table (0.4-12.1 um).

    Returns
    -------
    float or numpy.ndarray
        mu_a [1/m], interpolated log-log between table rows.

    Raises
    ------
    InputError
        Field ``"wavelength"`` outside the table.
    """
    table_lam, _, k = _water_table()
    lam = check_wavelength(wavelength_m, table_lam[0], table_lam[-1])
    mua = _loglog(lam, table_lam, 4 * np.pi * k / table_lam)
    return float(mua) if mua.ndim == 0 else mua


def melanin_absorption_coefficient(wavelength_m):
    """Absorption coefficient of the melanosome interior [1/m] (Jacques 1998).

    mu_a,mel = a_500 (lambda / 500 nm)^-b, per unit melanosome volume fraction;
    a_500 and b in ``data/chromophores.toml``. The power law was fitted below
    ~1.1 um; its use in the IR is an extrapolation (minor next to water).
    """
    lam = np.asarray(wavelength_m, dtype=float)
    mel = load_toml("chromophores.toml")["melanin"]
    mua = mel["a_500_per_cm"] * 100.0 * (lam / 500e-9) ** (-mel["b"])
    return float(mua) if mua.ndim == 0 else mua


def blood_non_water_absorption_coefficient(wavelength_m):
    """Absorption of the non-water part of whole blood [1/m], in 1.4-11 um.

    Zero: beyond 1.4 um haemoglobin absorption is negligible next to water
    (``data/chromophores.toml``, [blood] sources). Blood's water is counted in the
    layer water fraction.
    """
    lam = check_wavelength(wavelength_m, MIN_WAVELENGTH, MAX_WAVELENGTH)
    value = load_toml("chromophores.toml")["blood"]["non_water_mu_a_per_cm"] * 100.0
    mua = np.full(lam.shape, value)
    return float(mua) if mua.ndim == 0 else mua


def layer_absorption_coefficient(layer: Layer, wavelength_m):
    """Absorption coefficient of a skin layer [1/m].

    mu_a = W mu_a,water + f_mel mu_a,mel + f_blood (1 - W_blood) mu_a,blood,nonwater

    with W the layer's water volume fraction (which already includes the water
    inside its blood), f_mel its melanosome fraction, f_blood its blood fraction and
    W_blood the water fraction of whole blood (``data/chromophores.toml``). Blood is
    counted for its non-water part only, so its water is not counted twice; in
    1.4-11 um that part absorbs negligibly (haemoglobin), so blood adds nothing.

    Parameters
    ----------
    layer : resurfacer.tissue.skin.Layer
    wavelength_m : float or array_like
        Vacuum wavelength [m], `MIN_WAVELENGTH` to `MAX_WAVELENGTH`.

    Returns
    -------
    float or numpy.ndarray
        mu_a [1/m].
    """
    lam = check_wavelength(wavelength_m, MIN_WAVELENGTH, MAX_WAVELENGTH)
    blood_water = load_toml("chromophores.toml")["blood"]["water_fraction"]
    mua = (
        layer.water_fraction * np.asarray(water_absorption_coefficient(lam))
        + layer.melanin_fraction * np.asarray(melanin_absorption_coefficient(lam))
        + layer.blood_fraction
        * (1.0 - blood_water)
        * np.asarray(blood_non_water_absorption_coefficient(lam))
    )
    return float(mua) if np.ndim(mua) == 0 else mua


def surface_reflectance(wavelength_m):
    """Normal-incidence Fresnel reflectance of an air/water surface [-].

    R = ((n - 1)^2 + k^2) / ((n + 1)^2 + k^2), with n + ik of water
    (`water_refractive_index`); skin's surface is taken as water (model
    assumption: the stratum corneum's own index is not used here).

    Parameters
    ----------
    wavelength_m : float or array_like
        Vacuum wavelength [m], `MIN_WAVELENGTH` to `MAX_WAVELENGTH`.
    """
    lam = check_wavelength(wavelength_m, MIN_WAVELENGTH, MAX_WAVELENGTH)
    m = np.asarray(water_refractive_index(lam))
    n, k = m.real, m.imag
    r = ((n - 1) ** 2 + k**2) / ((n + 1) ** 2 + k**2)
    return float(r) if r.ndim == 0 else r


__all__ = [
    "MAX_WAVELENGTH",
    "WAVELENGTH_RANGE_NM",
    "MIN_WAVELENGTH",
    "blood_non_water_absorption_coefficient",
    "layer_absorption_coefficient",
    "melanin_absorption_coefficient",
    "surface_reflectance",
    "water_absorption_coefficient",
    "water_refractive_index",
]
