r"""How long a treatment shows: crust and debris over time, swelling, redness.

All three are smooth functions of the passes' wounds (`PassHealing`), so that downtime
moves continuously with density, energy and the number of passes (docs/healing.md).

Visible wound. Pass i covers a surface fraction :math:`f_i` (its necrotic footprint)
with wounds that stay open until closure :math:`t_{c,i}` and then shed their debris
after a lognormal time (median :math:`T_i`, spread :math:`\sigma`); :math:`w_i` is how far
the pass opened the surface (1 with a crater, 0 for an intact one, in between for a
surface boiled dry but not removed: `WoundedPass.opening`):

.. math::

    a_i(t) = w_i\,f_i\,S_i(t), \quad
    S_i(t) = 1 - \Phi\!\left(\frac{\ln((t - t_{c,i})/T_i)}{\sigma}\right)
    \ (t > t_{c,i}), \quad S_i = 1 \ (t \le t_{c,i})

Passes overlap at random: :math:`F(t) = 1 - \prod_i (1 - a_i(t))`. Visibility grows with
the logarithm of the covered fraction (Weber-Fechner: perceived magnitude ~ log of the
stimulus) from a detection level :math:`F_0` and is full from :math:`F_v` on,

.. math:: g(F) = \min\left(1, \frac{\ln(1 + F/F_0)}{\ln(1 + F_v/F_0)}\right),

and the visible-wound days are :math:`\int_0^\infty g(F(t))\,dt`.
Downtime = the longer of the visible-wound days and the oedema.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr

from resurfacer.data import load_toml

from .renewal import DAY
from .wound import PassHealing, swelling_depth

#: Time step of the visible-wound integral [s] (0.01 d: the integral is exact to < 0.5 %).
STEP = 0.01 * DAY


def crust_fraction(
    t: np.ndarray, passes: Sequence[PassHealing], closure_scale=1.0, shed_scale=1.0
) -> np.ndarray:
    """Fraction of the surface still open or crusted at times `t` [s] (ablative passes).

    `closure_scale` and `shed_scale` stretch every pass's closure and shedding time (the
    band of `visible_wound_days`).
    """
    sigma = load_toml("healing.toml")["debris"]["shed_sigma"]
    intact = np.ones_like(t)
    for p in passes:
        if not p.ablative:
            continue
        tc = p.closure * closure_scale
        shed = max(p.shed_median * shed_scale, 1.0)
        after = np.maximum(t - tc, 1e-9)
        survive = np.where(t > tc, 1.0 - ndtr(np.log(after / shed) / sigma), 1.0)
        intact *= 1.0 - p.opening * p.footprint * survive
    return 1.0 - intact


def _horizon(passes: Sequence[PassHealing], closure_scale, shed_scale) -> float:
    sigma = load_toml("healing.toml")["debris"]["shed_sigma"]
    ends = [
        p.closure * closure_scale + p.shed_median * shed_scale * math.exp(6 * sigma) for p in passes
    ]
    return max(ends + [DAY])


def visibility(covered: np.ndarray) -> np.ndarray:
    """Visibility g(F) (0..1) of wounds covering the surface fraction F (module docstring)."""
    d = load_toml("healing.toml")["debris"]
    f0, f_v = d["detection_cover_fraction"], d["visible_cover_fraction"]
    return np.minimum(1.0, np.log1p(covered / f0) / math.log1p(f_v / f0))


def visible_wound_days(
    passes: Sequence[PassHealing], closure_scale: float = 1.0, shed_scale: float = 1.0
) -> float:
    r"""Days the wounds show: :math:`\int_0^\infty g(F(t))\,dt` [d] (`visibility`).

    Zero for non-ablative passes (their debris lies under an intact stratum corneum).
    """
    t = np.arange(0.0, _horizon(passes, closure_scale, shed_scale) + STEP, STEP)
    g = visibility(crust_fraction(t, passes, closure_scale, shed_scale))
    return float(np.trapezoid(g, t) / DAY)


#: Cover of the surface [fraction] below which the crust counts as gone (aftercare)
CRUST_END_COVER = 0.01


def crust_end_days(
    passes: Sequence[PassHealing], closure_scale: float = 1.0, shed_scale: float = 1.0
) -> float:
    r"""Day the visible crust and debris end [d]:
    :math:`\int_0^\infty \min(1, F(t)/F_c)\,dt`, :math:`F_c` = 1 % of the surface.

    F never rises, so for a crust that covers more than 1 % this is the time its cover
    falls below 1 % plus the short tail under it; one that never covers 1 % counts the
    share of that level it reaches. The day therefore moves continuously with density,
    energy and how far the surface was opened (the former "last time F >= 1 %" jumped
    from days to zero where the crust's largest cover crossed 1 %). Used to key
    aftercare (make-up, exercise, swimming); zero without ablative passes. The scales
    stretch closure and shedding as in `visible_wound_days` (the band's ends).
    """
    t = np.arange(0.0, _horizon(passes, closure_scale, shed_scale) + STEP, STEP)
    f = crust_fraction(t, passes, closure_scale, shed_scale)
    return float(np.trapezoid(np.minimum(1.0, f / CRUST_END_COVER), t) / DAY)


def open_footprint(passes: Sequence[PassHealing]) -> float:
    r"""Fraction of the surface ablated open by all passes, :math:`1 - e^{-\sum_i \lambda_{o,i}}`
    (craters laid at random; :math:`\lambda_o` the open area per unit surface, so that a pass
    split in two at half density opens the same fraction); 1 with a full-field pass."""
    return 1.0 - math.exp(-sum(p.open_ratio for p in passes))


def necrosis_per_area(passes: Sequence[PassHealing]) -> float:
    r"""Necrosis lining the wounds per unit surface of the ablative passes [m]:
    :math:`\sum_i w_i \lambda_i \min(h_i, h_{CO2})`, opening x necrotic area per surface x
    the necrosis lining the wound (`wound.lining_necrosis`: a column's crater wall and
    floor above the subcutis, else the bed under the crater and the tissue boiled dry;
    overlaps count twice; a surface boiled dry but not removed counts in part,
    `WoundedPass.opening`).

    A bed thicker than the thickest erythema anchor, the full-field CO2 wound's 100 um
    (healing.toml [erythema]), counts as that anchor: no erythema was found for thicker
    necrosis, as the swelling counts no wound deeper than its anchor (`oedema_days`). Such
    a bed is the deep coagulation column of a non-ablative pass fired on a surface a
    full-field pass opened (630 um of necrosis: erythema 297 d at 70 mJ after a 300 mJ
    full-field pass, against 40.5 d for that pass alone, until session 30's probe)."""
    cap = load_toml("healing.toml")["erythema"]["full_field_necrosis_um"] * 1e-6
    return sum(p.opening * p.area_ratio * min(p.necrosis, cap) for p in passes)


def oedema_days(passes: Sequence[PassHealing]) -> float:
    r"""Duration of visible swelling [d].

    .. math:: O = O_{na} + (O_{ff} - O_{na}) \min(1, V / D)

    V = the tissue the passes removed or killed per unit surface under an opened surface,
    to the depth D of the full-field CO2 anchor's wound, which that anchor injures whole
    (`PassHealing.swelling_injury`, `wound.swelling_injury`): the deepest of the
    full-field passes' layers (each fired under the one before, one wound; two at half the
    energy leave the wound one pass leaves) plus the fractional passes' columns;
    :math:`O_{na}` the oedema after non-ablative treatment, :math:`O_{ff}` that of
    full-field resurfacing (healing.toml [oedema], sources there).
    """
    o = load_toml("healing.toml")["oedema"]
    layers = max((p.swelling_injury for p in passes if p.layer), default=0.0)
    v = layers + sum(p.swelling_injury for p in passes if not p.layer)
    return o["nonablative_days"] + (o["full_field_days"] - o["nonablative_days"]) * min(
        1.0, v / swelling_depth()
    )


def erythema_model_days(passes: Sequence[PassHealing]) -> float:
    r"""Redness from the open footprint and the necrosis lining the wounds [d].

    Open fraction :math:`c` (`open_footprint`, ablated surface), necrotic-footprint-weighted
    necrosis :math:`h` lining the ablative passes' wounds (`necrosis_per_area`):

    .. math::

        E_{ff}(h) = E_{Er} (h / h_{Er})^{p}, \quad p = \ln(E_{CO2}/E_{Er}) / \ln(h_{CO2}/h_{Er})

        E = E_{na} + (E_{f} - E_{na})\, c / c_f \ (c < c_f), \qquad
        E = E_f (\max(E_{ff}, E_f)/E_f)^{(c - c_f)/(1 - c_f)} \ (c \ge c_f)

    Anchors (healing.toml [erythema]): non-ablative, fractional ablative, full-field
    Er:YAG (little residual necrosis) and full-field CO2 (much): thermal necrosis, not
    depth, is what separates the CO2's months from the Er:YAG's weeks.
    """
    e = load_toml("healing.toml")["erythema"]
    c = open_footprint(passes)
    if c <= 0:
        return e["nonablative_days"]
    h = necrosis_per_area(passes) / sum(p.opening * p.area_ratio for p in passes)
    c_f, e_f = e["fractional_open_cover"], e["fractional_days"]
    if c < c_f:
        return e["nonablative_days"] + (e_f - e["nonablative_days"]) * c / c_f
    h_er, h_co2 = e["full_field_erbium_necrosis_um"] * 1e-6, e["full_field_necrosis_um"] * 1e-6
    pw = math.log(e["full_field_days"] / e["full_field_erbium_days"]) / math.log(h_co2 / h_er)
    e_ff = e["full_field_erbium_days"] * (max(h, 1e-9) / h_er) ** pw
    return e_f * (max(e_ff, e_f) / e_f) ** ((c - c_f) / (1 - c_f))
