"""When tissue is removed: the ablation enthalpy of each layer at a wavelength.

H_abl = rho c (T_boil - T0) + f(lambda) W rho_w L_v  [J/m^3]

with f the calibrated fraction of the water's latent heat taken up before the
tissue is ejected (``data/ablation.toml`` gives the points, their data and the
script that calibrated them). Between points f is linear in ln(mu_a,water).
"""

import numpy as np

from resurfacer.data import load_toml
from resurfacer.optics.absorption import water_absorption_coefficient


def latent_fraction(wavelength: float) -> float:
    """Fraction f of the water's latent heat absorbed before removal at `wavelength` [m]."""
    points = load_toml("ablation.toml")["points"]
    log_mu = np.log([water_absorption_coefficient(p["wavelength_um"] * 1e-6) for p in points])
    f = np.array([p["latent_fraction"] for p in points])
    order = np.argsort(log_mu)
    x = np.log(water_absorption_coefficient(wavelength))
    return float(np.interp(x, log_mu[order], f[order]))


def ablation_enthalpy(
    rho_c, water_fraction, wavelength, t_initial, t_boil, latent_water, fraction=None
):
    """Volumetric ablation enthalpy [J/m^3] above `t_initial`, per layer (arrays allowed).

    rho_c [J/m^3/K], water_fraction [-], latent_water = rho_w L_v [J/m^3];
    `fraction` overrides the calibrated f (for calibration and sensitivity runs).
    """
    f = latent_fraction(wavelength) if fraction is None else fraction
    return np.asarray(rho_c) * (t_boil - t_initial) + f * np.asarray(water_fraction) * latent_water
