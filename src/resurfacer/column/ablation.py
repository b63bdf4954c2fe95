"""When tissue is removed: the ablation enthalpy of each layer at a wavelength.

H_abl = rho c (T_boil - T0) + f(lambda) W rho_w L_v  [J/m^3]

with f the calibrated fraction of the water's latent heat taken up before the
tissue is ejected (``data/ablation.toml`` gives the points, their data and the
script that calibrated them). Between points f is linear in ln(mu_a,water).

Where a layer's removal was measured at the laser line (``[[measured]]`` in
``data/ablation.toml``: porcine fat at 10.6 um, Ross, Domankevitz & Anderson,
Lasers Surg Med 1997;21:59, threshold 1.05 J/cm2, heat of ablation 2.4 kJ/cm3
and mu_a 250 /cm), the measured data replace the water formula for that layer
(`measured_removal`). A mass-loss study gives two numbers: the threshold F_th,
where removal starts, and the heat of ablation h (the inverse slope of removed
volume against fluence above it). At the threshold the top of the tissue has
absorbed mu_a F_th per volume (Beer-Lambert), so a cell is removed at that
onset enthalpy, H_abl = mu_a F_th (fat: 262 J/cm3, about heating it to
100 C and boiling a third of its water: removal by explosive vaporisation of
the water between fat cells, as the authors describe); the rest of the energy
each removed volume costs, h - mu_a F_th, is taken from the beam by the
ejecta (the fat droplets they saw thrown out and igniting), so removal above
threshold proceeds at h per volume. One enthalpy alone cannot give both
numbers: its threshold is H_abl / mu_a (2.4 kJ/cm3 / 250 /cm = 9.6 J/cm2,
nine times the measured 1.05 J/cm2).
"""

from dataclasses import dataclass

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


@dataclass(frozen=True)
class MeasuredRemoval:
    """A layer's measured heat of ablation [J/m^3], absorption coefficient [1/m] and
    ablation threshold [J/m^2] at one laser line, with the source."""

    heat_of_ablation: float
    mu_a: float
    threshold: float
    source: str

    @property
    def onset_enthalpy(self) -> float:
        """Enthalpy [J/m^3] at which a cell is removed: mu_a F_th, what the top of the
        tissue absorbs per volume at the threshold fluence (module docstring)."""
        return self.mu_a * self.threshold

    @property
    def ejecta_absorption(self) -> float:
        """Beam energy per removed volume [J/m^3] taken by the ejecta,
        h - mu_a F_th (0 if the threshold's energy density already reaches h)."""
        return max(self.heat_of_ablation - self.onset_enthalpy, 0.0)


def measured_removal(layer_name: str, wavelength: float) -> MeasuredRemoval | None:
    """The measured removal data of layer `layer_name` at `wavelength` [m], or None
    (then the water formula applies). An entry applies within the table's relative
    `wavelength_tolerance` of its wavelength."""
    table = load_toml("ablation.toml")
    tolerance = table["wavelength_tolerance"]
    for entry in table.get("measured", []):
        line = entry["wavelength_um"] * 1e-6
        if entry["layer"] == layer_name and abs(wavelength / line - 1.0) <= tolerance:
            return MeasuredRemoval(
                heat_of_ablation=entry["heat_of_ablation_kj_per_cm3"] * 1e9,
                mu_a=entry["absorption_coefficient_per_cm"] * 100.0,
                threshold=entry["threshold_j_per_cm2"] * 1e4,
                source=entry["source"],
            )
    return None


def pass_removal(ablation_depth: float, desiccation_depth: float, wipe: bool):
    """What one full-field pass removes [m]: (ablated, wiped). The crater is ablated;
    wiping with wet gauze between passes (clinical practice for full-field CO2 and
    Er:YAG) takes the desiccated layer below it, desiccation depth - crater depth,
    and leaves the coagulated tissue under it in place."""
    wiped = max(desiccation_depth - ablation_depth, 0.0) if wipe else 0.0
    return ablation_depth, wiped
