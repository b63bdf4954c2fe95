"""Skin model: layers and their SI properties for a body site, sex, age and phototype.

The numbers come from ``data/skin_sites.toml`` (thickness by site and sex) and
``data/layer_properties.toml`` (water, thermal, perfusion, blood, melanin,
refractive index); each value there carries its published source.

Layers, surface first: stratum corneum, viable epidermis, papillary dermis,
reticular dermis, subcutis (a finite 5 mm stand-in for a semi-infinite fat layer).

Examples
--------
>>> skin = skin_for("cheek", sex="female", age=45, phototype=2)
>>> [layer.name for layer in skin.layers][:2]
['stratum_corneum', 'epidermis']
>>> round(skin.layers[1].thickness * 1e6)
75
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from resurfacer.data import load_toml
from resurfacer.data.vocabulary import site_problem
from resurfacer.errors import InputError, check_choice, check_range

LAYER_NAMES = ("stratum_corneum", "epidermis", "papillary_dermis", "reticular_dermis", "subcutis")
SEXES = ("female", "male")
SITES: tuple[str, ...] = tuple(load_toml("skin_sites.toml")["sites"])

AGE_RANGE = (18.0, 100.0)
PHOTOTYPES = (1, 2, 3, 4, 5, 6)
#: Bound on a user-given relative change of dermis thickness per year [1/year]: at the
#: bound and 55 years from the reference age the dermis changes by 55 %.
MAX_DERMIS_CHANGE_PER_YEAR = 0.01


@dataclass(frozen=True)
class Layer:
    """One skin layer with uniform properties (SI units).

    Attributes
    ----------
    name : str
        One of `LAYER_NAMES`.
    thickness : float
        Layer thickness [m].
    water_fraction : float
        Water volume fraction [-], 0..1 (includes the water of the blood in the layer).
    density : float
        Mass density [kg/m^3].
    heat_capacity : float
        Specific heat capacity [J/(kg K)].
    conductivity : float
        Thermal conductivity [W/(m K)].
    perfusion : float
        Pennes blood perfusion w_b, blood volume flow per tissue volume [1/s].
    melanin_fraction : float
        Melanosome volume fraction [-] (0 outside the viable epidermis).
    blood_fraction : float
        Blood volume fraction [-].
    refractive_index : float
        Real refractive index used for optics [-].
    """

    name: str
    thickness: float
    water_fraction: float
    density: float
    heat_capacity: float
    conductivity: float
    perfusion: float
    melanin_fraction: float
    blood_fraction: float
    refractive_index: float


#: Layer fields a caller may override, with the physical range each must lie in
#: (low, high, unit, low_inclusive).
_FIELD_LIMITS: dict[str, tuple[float, float, str, bool]] = {
    "thickness": (0.0, 0.1, "m", False),
    "water_fraction": (0.0, 1.0, "", True),
    "density": (0.0, 5000.0, "kg/m^3", False),
    "heat_capacity": (0.0, 10000.0, "J/(kg K)", False),
    "conductivity": (0.0, 10.0, "W/(m K)", False),
    "perfusion": (0.0, 1.0, "1/s", True),
    "melanin_fraction": (0.0, 1.0, "", True),
    "blood_fraction": (0.0, 1.0, "", True),
    "refractive_index": (1.0, 2.0, "", True),
}


@dataclass(frozen=True)
class Skin:
    """A layered skin for one patient and body site.

    Attributes
    ----------
    site : str
        Body site, one of `SITES`.
    sex : str
        One of `SEXES`.
    age : float
        Age [years].
    phototype : int
        Fitzpatrick phototype, 1..6.
    layers : tuple of Layer
        Surface first, in `LAYER_NAMES` order.
    """

    site: str
    sex: str
    age: float
    phototype: int
    layers: tuple[Layer, ...]

    def layer_boundaries(self) -> np.ndarray:
        """Depth of each layer's top and of the last layer's bottom [m].

        Returns
        -------
        numpy.ndarray
            Length ``len(layers) + 1``, starting at 0, strictly increasing.
        """
        return np.concatenate(([0.0], np.cumsum([layer.thickness for layer in self.layers])))

    def layer_index(self, z: np.ndarray) -> np.ndarray:
        """Index of the layer holding each depth `z` [m].

        A depth exactly on a boundary belongs to the deeper layer; depths below the
        last layer's bottom belong to the last layer (the subcutis continues).
        """
        z = np.asarray(z, dtype=float)
        if np.any(z < 0) or np.any(np.isnan(z)):
            raise InputError("z", float(np.min(z)), "depths >= 0 m (0 at the skin surface)")
        idx = np.searchsorted(self.layer_boundaries(), z, side="right") - 1
        return np.clip(idx, 0, len(self.layers) - 1)

    def property_profile(self, name: str, z: np.ndarray) -> np.ndarray:
        """Value of the Layer field `name` at depths `z` [m] (piecewise constant).

        Parameters
        ----------
        name : str
            A numeric `Layer` field, e.g. ``"water_fraction"`` or ``"conductivity"``.
        z : array_like
            Depths below the surface [m], >= 0.

        Returns
        -------
        numpy.ndarray
            Same shape as `z`, in the field's SI unit.
        """
        check_choice("name", name, _FIELD_LIMITS)
        values = np.array([getattr(layer, name) for layer in self.layers], dtype=float)
        return values[self.layer_index(z)]

    def layer(self, name: str) -> Layer:
        """The layer called `name`."""
        check_choice("layer", name, LAYER_NAMES)
        return self.layers[LAYER_NAMES.index(name)]

    def stripped(self, depth: float) -> Skin:
        """This skin with its top `depth` [m] removed (a full-field pass's crater and
        the desiccated layer wiped off after it): layers are thinned from the surface;
        a layer removed whole keeps its place with zero thickness, so layer names and
        indices stay; the last layer (subcutis) keeps at least its own thickness."""
        check_range("depth", depth, 0.0, float(self.layer_boundaries()[-2]), "m")
        left, layers = depth, []
        for i, layer in enumerate(self.layers):
            last = i == len(self.layers) - 1
            cut = 0.0 if last else min(left, layer.thickness)
            left -= cut
            layers.append(replace(layer, thickness=layer.thickness - cut))
        return replace(self, layers=tuple(layers))

    def dermis_throughout(self) -> Skin:
        """This skin with the stratum corneum and epidermis made of papillary dermis.

        Thicknesses are kept; every material property of the two surface layers
        becomes the papillary dermis's. It stands for the bulk tissue that
        ablation-rate experiments measure when many pulses drill or perforate
        skin (Walsh & Deutsch 1989; Hibst & Kaufmann 1991), where the surface
        layers are a small part of what is removed.
        """
        dermis = self.layer("papillary_dermis")
        material = {f.name: getattr(dermis, f.name) for f in fields(Layer)}
        surface = ("stratum_corneum", "epidermis")
        layers = tuple(
            replace(layer, **{k: v for k, v in material.items() if k not in ("name", "thickness")})
            if layer.name in surface
            else layer
            for layer in self.layers
        )
        return replace(self, layers=layers)


def _thicknesses(site: str, sex: str, age: float, dermis_change_per_year: float) -> dict:
    """Layer thicknesses [m] for a site, sex and age (see data/skin_sites.toml)."""
    table = load_toml("skin_sites.toml")
    age_table = table["age"]
    dermis = table["dermis"][site][sex]
    dermis *= 1.0 + dermis_change_per_year * (age - age_table["reference_age"])
    papillary = table["papillary_dermis"]["thickness"]
    return {
        "stratum_corneum": table["stratum_corneum"][site]["value"],
        "epidermis": table["epidermis"][site]["value"],
        "papillary_dermis": papillary,
        "reticular_dermis": max(dermis - papillary, 0.0),
        "subcutis": table["subcutis"]["thickness"],
    }


def _check_overrides(overrides: dict) -> None:
    if not isinstance(overrides, dict):
        raise InputError("overrides", overrides, "a dict {layer: {field: value}}")
    for layer_name, changes in overrides.items():
        check_choice(f"overrides.{layer_name}", layer_name, LAYER_NAMES)
        if not isinstance(changes, dict):
            raise InputError(f"overrides.{layer_name}", changes, "a dict {field: value}")
        for field, value in changes.items():
            key = f"overrides.{layer_name}.{field}"
            check_choice(key, field, _FIELD_LIMITS)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(key, value, "a number")
            low, high, unit, low_inclusive = _FIELD_LIMITS[field]
            check_range(key, float(value), low, high, unit, low_inclusive=low_inclusive)


def skin_for(
    site: str,
    sex: str = "female",
    age: float = 45.0,
    phototype: int = 2,
    overrides: dict[str, dict[str, float]] | None = None,
    dermis_change_per_year: float | None = None,
) -> Skin:
    """Build the layered skin for a body site, sex, age and Fitzpatrick phototype.

    Parameters
    ----------
    site : str
        Body site, one of `SITES`.
    sex : str
        ``"female"`` or ``"male"``; the dermis thickness depends on it (Meng et al. 2022).
    age : float
        Age [years], 18..100. Changes the dermis thickness only, by
        `dermis_change_per_year` relative to the reference age in the data.
    phototype : int
        Fitzpatrick phototype 1..6; sets the epidermal melanosome fraction (Jacques 1998).
    overrides : dict, optional
        ``{layer_name: {field: value}}`` in SI units, applied last, e.g.
        ``{"epidermis": {"thickness": 80e-6}}``. Any numeric `Layer` field may be set.
    dermis_change_per_year : float, optional
        Relative change of dermis thickness per year of age [1/year], within
        +/- `MAX_DERMIS_CHANGE_PER_YEAR`. Default: the data value (0, because
        published age trends disagree in sign; see data/skin_sites.toml).

    Returns
    -------
    Skin

    Raises
    ------
    InputError
        For an unknown site or sex, an age outside [18, 100] years, a phototype not
        in 1..6, or an override naming an unknown layer or field or holding a
        non-physical value (field named like ``"overrides.epidermis.thickness"``).
    """
    problem = site_problem(site)
    if problem:
        raise InputError("site", site, problem)
    check_choice("sex", sex, SEXES)
    if isinstance(age, bool) or not isinstance(age, int | float):
        raise InputError("age", age, "[18, 100] years")
    check_range("age", float(age), *AGE_RANGE, "years")
    if phototype not in PHOTOTYPES or isinstance(phototype, bool):
        raise InputError("phototype", phototype, "an integer 1..6 (Fitzpatrick)")
    if dermis_change_per_year is None:
        dermis_change_per_year = load_toml("skin_sites.toml")["age"][
            "dermis_relative_change_per_year"
        ]
    check_range(
        "dermis_change_per_year",
        float(dermis_change_per_year),
        -MAX_DERMIS_CHANGE_PER_YEAR,
        MAX_DERMIS_CHANGE_PER_YEAR,
        "1/year",
    )
    overrides = {} if overrides is None else overrides
    _check_overrides(overrides)

    props = load_toml("layer_properties.toml")
    melanin = props["melanin_by_phototype"][str(int(phototype))]
    thickness = _thicknesses(site, sex, float(age), float(dermis_change_per_year))
    layers = []
    for name in LAYER_NAMES:
        p = props[name]
        layer = Layer(
            name=name,
            thickness=thickness[name],
            water_fraction=p["water_fraction"]["value"],
            density=p["density"]["value"],
            heat_capacity=p["heat_capacity"]["value"],
            conductivity=p["conductivity"]["value"],
            perfusion=p["perfusion"]["value"],
            melanin_fraction=melanin if p["melanin"]["value"] else 0.0,
            blood_fraction=p["blood_fraction"]["value"],
            refractive_index=p["refractive_index"]["value"],
        )
        if name in overrides:
            changes: dict[str, Any] = {k: float(v) for k, v in overrides[name].items()}
            layer = replace(layer, **changes)
        if layer.thickness <= 0:
            raise InputError(
                f"{name}.thickness", layer.thickness, "> 0 m (dermis thinner than papillary layer?)"
            )
        layers.append(layer)
    return Skin(site=site, sex=sex, age=float(age), phototype=int(phototype), layers=tuple(layers))


__all__ = [
    "LAYER_NAMES",
    "SEXES",
    "SITES",
    "Layer",
    "Skin",
    "skin_for",
]

# Keep the field list in step with the override limits.
assert set(_FIELD_LIMITS) == {f.name for f in fields(Layer)} - {"name"}
