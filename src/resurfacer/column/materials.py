"""Material data of the column: thermal constants, per-layer properties at the
beam's wavelength, and the per-row arrays the kernels take.

Sources: ``data/thermal.toml`` (body temperature, water, blood) and
``data/layer_properties.toml`` through the skin's layers; the ablation
enthalpy is ``resurfacer.column.ablation.ablation_enthalpy``.
"""

from dataclasses import dataclass, replace

import numpy as np

from resurfacer.column.ablation import ablation_enthalpy, measured_removal
from resurfacer.data import load_toml
from resurfacer.kernels.deposition import WallOptics
from resurfacer.kernels.state import ColumnBoundary, ColumnMaterial
from resurfacer.optics.absorption import layer_absorption_coefficient
from resurfacer.optics.waveguide import channel_power_loss, tissue_refractive_index
from resurfacer.tissue.skin import Skin


@dataclass(frozen=True)
class ThermalConstants:
    """Body temperature and boiling point [C], water's volumetric latent heat of
    vaporisation [J/m^3], blood rho c [J/m^3/K], surface convection [W/m^2/K]."""

    body_temperature: float
    boiling_point: float
    latent_water: float
    blood_rho_c: float
    convection: float


def thermal_constants() -> ThermalConstants:
    """The constants of ``data/thermal.toml``: L_v rho_w and rho_b c_b as products."""
    thermal = load_toml("thermal.toml")
    water, blood = thermal["water"], thermal["blood"]
    return ThermalConstants(
        body_temperature=thermal["body"]["core_temperature_c"],
        boiling_point=water["boiling_point_c"],
        latent_water=water["latent_heat_vaporisation_j_per_kg"] * water["density_kg_per_m3"],
        blood_rho_c=blood["density_kg_per_m3"] * blood["heat_capacity_j_per_kg_k"],
        convection=thermal["surface"]["convection_w_per_m2_k"],
    )


@dataclass(frozen=True)
class LayerMaterials:
    """Per-layer arrays, surface first: rho c [J/m^3/K], latent heat W rho_w L_v
    [J/m^3], ablation enthalpy [J/m^3], absorption coefficient mu_a [1/m],
    conductivity k [W/m/K], perfusion w_b rho_b c_b [W/m^3/K], the beam energy
    the ejecta of a removed volume absorb [J/m^3] (0 but for measured removal) and the
    share of mu_a that is not water's (`dry_share`: what a cell keeps once boiled dry,
    ``kernels.deposition.deposit_map``; 1 where the removal was measured, whose mu_a is
    not split)."""

    rho_c: np.ndarray
    latent: np.ndarray
    h_ablation: np.ndarray
    mu_a: np.ndarray
    conductivity: np.ndarray
    perfusion: np.ndarray
    ejecta: np.ndarray
    dry_share: np.ndarray

    @property
    def alpha_max(self) -> float:
        """Largest thermal diffusivity k / (rho c) [m^2/s]."""
        return float(np.max(self.conductivity / self.rho_c))


def layer_materials(
    skin: Skin, wavelength: float, constants: ThermalConstants, latent_fraction=None
) -> LayerMaterials:
    """The skin's layers at `wavelength` [m]; `latent_fraction` overrides the
    calibrated ablation parameter f (None: calibrated). A layer whose removal was
    measured at this wavelength (`ablation.measured_removal`) takes the measured
    absorption coefficient, is removed at the onset enthalpy mu_a F_th of its measured
    threshold and its ejecta take the rest of the measured heat of ablation; the
    others the water formula."""
    layers = skin.layers
    rho_c = np.array([ly.density * ly.heat_capacity for ly in layers])
    water = [ly.water_fraction for ly in layers]
    h_ablation = ablation_enthalpy(
        rho_c,
        water,
        wavelength,
        constants.body_temperature,
        constants.boiling_point,
        constants.latent_water,
        latent_fraction,
    )
    mu_a = np.array([layer_absorption_coefficient(ly, wavelength) for ly in layers])
    dry_share = np.array(
        [layer_absorption_coefficient(replace(ly, water_fraction=0.0), wavelength) for ly in layers]
    ) / np.maximum(mu_a, 1e-300)
    ejecta = np.zeros(len(layers))
    for i, layer in enumerate(layers):
        measured = measured_removal(layer.name, wavelength)
        if measured is not None:
            h_ablation[i] = measured.onset_enthalpy
            ejecta[i] = measured.ejecta_absorption
            mu_a[i] = measured.mu_a
            dry_share[i] = 1.0
    return LayerMaterials(
        rho_c=rho_c,
        latent=np.array(water) * constants.latent_water,
        h_ablation=h_ablation,
        mu_a=mu_a,
        conductivity=np.array([ly.conductivity for ly in layers]),
        perfusion=np.array([ly.perfusion for ly in layers]) * constants.blood_rho_c,
        ejecta=ejecta,
        dry_share=np.minimum(dry_share, 1.0),
    )


def row_material(layers: LayerMaterials, rows: np.ndarray, dz: float) -> ColumnMaterial:
    """Per-row arrays for the kernels from each row's layer index `rows`: harmonic-mean
    conductivity between rows, k_face = 2 k_1 k_2 / (k_1 + k_2), and the Beer-Lambert
    attenuation of one cell, exp(-mu_a dz)."""
    k_row = layers.conductivity[rows]
    return ColumnMaterial(
        k_row,
        2.0 * k_row[:-1] * k_row[1:] / (k_row[:-1] + k_row[1:]),
        layers.rho_c[rows],
        layers.latent[rows],
        layers.perfusion[rows],
        np.exp(-layers.mu_a[rows] * dz),
        layers.h_ablation[rows],
    )


def wall_optics(
    skin: Skin, layers: LayerMaterials, rows: np.ndarray, wavelength: float, enabled: bool
) -> WallOptics:
    """The crater's optics per row (`kernels.deposition.WallOptics`): each layer's
    complex index m = n + ik at `wavelength` [m] (``optics.waveguide``: n water-weighted,
    k = mu_a lambda / (4 pi) from the layer's absorption coefficient, measured where
    ``ablation.measured_removal`` has one) and its EH11 power loss per unit length of a
    channel of radius 1 m, 2 alpha a^3 [m^2] (Marcatili & Schmeltzer 1964), and the
    layers' ejecta absorption (`LayerMaterials.ejecta`, every geometry). No fitted
    parameter: the loss is 2 alpha(a) = loss_coefficient / a^3."""
    index = [
        tissue_refractive_index(layer, wavelength, float(mu))
        for layer, mu in zip(skin.layers, layers.mu_a, strict=True)
    ]
    loss = np.array([float(channel_power_loss(1.0, wavelength, m)) for m in index])
    return WallOptics(
        enabled,
        loss[rows],
        np.array([m.real for m in index])[rows],
        np.array([m.imag for m in index])[rows],
        wavelength,
        layers.ejecta[rows],
    )


def body_boundary(constants: ThermalConstants, lateral_far_field: bool) -> ColumnBoundary:
    """Tissue, blood, air and far field at body temperature; water boils at its boiling
    point; convection at exposed surfaces."""
    t0 = constants.body_temperature
    return ColumnBoundary(
        t_initial=t0,
        t_boil=constants.boiling_point,
        t_arterial=t0,
        h_conv=constants.convection,
        t_ambient=t0,
        t_far=t0,
        lateral_far_field=lateral_far_field,
    )
