r"""How far one area's downtime hangs on the thickness of its epidermis.

Near the base of the epidermis the share of basal cells a wound kills turns steep
(`wound.basal_killed_fraction`, :math:`k = \Phi((z - E)/(0.1 E))`), and with it the
closure from the cells that survive (`wound.survivor_distance`,
:math:`(L/2)\sqrt{k/(1-k)}`): on the reference plan's eyelids, whose surface pass
coagulates 17 um past their 66 um epidermis, one micrometre of epidermis moves the
downtime by a day (docs/healing.md, worked example). `epidermis_spread` takes an area's
downtime again with the viable epidermis one between-person SD thinner and thicker
(lognormal, the relative SD of ``data/tissue_variability.toml``), the wounds kept as
they are; `epidermis_note` words it for the treatment's model notes when the downtime
moves by more than `NOTE_SPREAD` of its own. `simulate --uncertainty N` samples the
epidermis with every other skin property, columns included.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from resurfacer.data import load_toml
from resurfacer.tissue.skin import Skin

from .timeline import wounds_downtime_days
from .wound import WoundedPass

#: Change of downtime between the thinner and the thicker epidermis, as a fraction of
#: the nominal downtime, from which an area gets a model note (a reporting threshold,
#: not a model constant: the downtimes themselves are continuous).
NOTE_SPREAD = 0.25


def epidermis_relative_sd() -> float:
    """Between-person relative SD of the viable epidermis thickness
    (``data/tissue_variability.toml``, the spread `planning.uncertainty` samples)."""
    for entry in load_toml("tissue_variability.toml")["spread"]:
        if entry["layer"] == "epidermis" and entry["field"] == "thickness":
            return float(entry["relative_sd"])
    raise KeyError("tissue_variability.toml has no epidermis thickness spread")


def with_epidermis_scaled(skin: Skin, factor: float) -> Skin:
    """`skin` with its viable epidermis `factor` times as thick (other layers kept)."""
    layers = tuple(
        replace(layer, thickness=layer.thickness * factor) if layer.name == "epidermis" else layer
        for layer in skin.layers
    )
    return replace(skin, layers=layers)


def epidermis_spread(wounds: Sequence[WoundedPass], skin: Skin) -> tuple[float, float]:
    r"""Downtime [d] of `wounds` on `skin` with the viable epidermis one SD thinner and
    one SD thicker: :math:`E e^{\mp s}`, s = `epidermis_relative_sd`."""
    s = epidermis_relative_sd()
    thin, thick = (
        wounds_downtime_days(wounds, with_epidermis_scaled(skin, math.exp(sign * s)))
        for sign in (-1.0, 1.0)
    )
    return thin, thick


def epidermis_note(
    region: str, wounds: Sequence[WoundedPass], skin: Skin, downtime: float
) -> str | None:
    """A model note for area `region` when its downtime (`downtime` [d], nominal) moves by
    more than `NOTE_SPREAD` of itself between the thinner and the thicker epidermis;
    None otherwise."""
    thin, thick = epidermis_spread(wounds, skin)
    if downtime <= 0.0 or abs(thick - thin) <= NOTE_SPREAD * downtime:
        return None
    s = epidermis_relative_sd()
    e = skin.layer("epidermis").thickness * 1e6
    return (
        f"{region}: the downtime hangs on how many basal cells survive under the wounds, "
        f"which the epidermis's thickness decides: with it one between-person SD thinner or "
        f"thicker ({e * math.exp(-s):.0f} or {e * math.exp(s):.0f} um instead of {e:.0f} um) "
        f"this area takes {thin:.1f} or {thick:.1f} days instead of {downtime:.1f}; "
        f"`simulate --uncertainty N` samples it with the other skin properties"
    )
