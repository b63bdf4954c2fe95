"""One pass's wound and how it closes and sheds its debris.

Closure (re-epithelialisation) and debris shedding are computed per pass from the
column geometry the treatment chain knows (`WoundedPass`). Every constant is read
from ``data/healing.toml`` with its source and the data that calibrated it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice, check_range

from .renewal import DAY, natural_renewal

HOUR = 3600.0
UM = 1e-6
KINDS = ("ablative_fractional", "nonablative_fractional", "full_field")


@dataclass(frozen=True)
class WoundedPass:
    """One pass's wound as the treatment chain knows it (SI units)."""

    kind: str  # "ablative_fractional" | "nonablative_fractional" | "full_field"
    ablation_depth: float  # m (0 for non-ablative)
    ablation_width: float  # m, column diameter at the surface (full field: ignored)
    coagulation_depth: float  # m, deepest coagulation
    coagulation_width: float  # m, diameter of the coagulated zone (full field: ignored)
    coverage: float  # fraction of surface treated, 0..1 (1 for full field)
    spacing: float | None  # m, column centre distance (None for full field)
    pulse_energy: float  # J per column

    @property
    def fractional(self) -> bool:
        return self.kind != "full_field"

    @property
    def ablative(self) -> bool:
        return self.kind != "nonablative_fractional"


def _finite(field: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(field, value, "a finite number") from None
    if not math.isfinite(v):
        raise InputError(field, value, "a finite number")
    return v


def validate_pass(p: WoundedPass, index: int = 0) -> WoundedPass:
    """Check one pass; raise `InputError` naming ``passes[i].field`` on bad geometry."""
    pre = f"passes[{index}]."
    if not isinstance(p, WoundedPass):
        raise InputError(f"passes[{index}]", type(p).__name__, "a WoundedPass")
    check_choice(pre + "kind", p.kind, KINDS)
    check_range(
        pre + "ablation_depth", _finite(pre + "ablation_depth", p.ablation_depth), 0, 5e-3, "m"
    )
    check_range(
        pre + "coagulation_depth",
        _finite(pre + "coagulation_depth", p.coagulation_depth),
        0,
        5e-3,
        "m",
    )
    if p.coagulation_depth < p.ablation_depth:
        raise InputError(
            pre + "coagulation_depth",
            p.coagulation_depth,
            f">= ablation_depth ({p.ablation_depth:g} m)",
        )
    if p.coagulation_depth == 0:
        raise InputError(pre + "coagulation_depth", 0.0, "> 0 m (a pass without a wound)")
    if p.kind == "nonablative_fractional" and p.ablation_depth > 0:
        raise InputError(pre + "ablation_depth", p.ablation_depth, "0 for a non-ablative pass")
    check_range(
        pre + "coverage", _finite(pre + "coverage", p.coverage), 0, 1, "", low_inclusive=False
    )
    check_range(pre + "pulse_energy", _finite(pre + "pulse_energy", p.pulse_energy), 0, 100, "J")
    if p.fractional:
        w = max(
            _finite(pre + "ablation_width", p.ablation_width) if p.ablative else 0.0,
            _finite(pre + "coagulation_width", p.coagulation_width),
        )
        check_range(pre + "coagulation_width", w, 0, 0.02, "m", low_inclusive=False)
        if p.spacing is not None:
            check_range(
                pre + "spacing",
                _finite(pre + "spacing", p.spacing),
                0,
                0.1,
                "m",
                low_inclusive=False,
            )
    return p


def migration_constants() -> tuple[float, float]:
    """(speed [m/s], lag [s]) of the keratinocyte front, from healing.toml [migration]."""
    m = load_toml("healing.toml")["migration"]
    return m["speed_um_per_hour"] * UM / HOUR, m["lag_hours"] * HOUR


def column_closure(radius: float) -> float:
    r"""Closure time [s] of a round epidermal defect by edge migration.

    .. math:: t = t_{lag} + r / v

    :math:`v` = 6.86 um/h and :math:`t_{lag}` = 2.71 h, calibrated on the two ends of the
    ED50 of Stumpp et al. 2009 (10 h at 10 mJ, 22 h at 70 mJ; widths in healing.toml).
    """
    v, lag = migration_constants()
    return lag + radius / v


def adnexal_closure(damage_depth: float, site: str) -> float:
    r"""Closure time [s] of a full-field wound re-epithelialised from adnexa.

    .. math::

        n = (n_{HF}(site) + n_{ecc})\, e^{-z/z_a}, \quad
        r = 1/\sqrt{2 n}, \quad
        t = t_{lag} + k_z z + r / v

    :math:`n_{HF}` Otberg 2004, :math:`n_{ecc}` Xu 2017, :math:`z_a` a model value; :math:`r`
    is the farthest point from the nearest surviving adnexum on a square lattice;
    :math:`k_z` (depth-dependent lag) calibrated on full-field Er:YAG (5.5 d).
    """
    c = load_toml("healing.toml")
    a = c["adnexa"]
    n_cm2 = (a["follicles_per_cm2"][site] + a["eccrine_per_cm2"]) * math.exp(
        -damage_depth / (a["depth_scale_um"] * UM)
    )
    n = n_cm2 * 1e4  # per m2
    r = 1.0 / math.sqrt(2.0 * n)
    v, lag = migration_constants()
    k = c["full_field"]["depth_lag_hours_per_um"] * HOUR / UM
    return lag + k * damage_depth + r / v


@dataclass(frozen=True)
class PassHealing:
    """What one pass does: closure, debris shedding, and how it closes."""

    closure: float  # s
    mode: str  # "basal_sparing" | "edge_migration" | "adnexal" | "confluent_adnexal"
    debris_depth: float  # m, necrotic tissue the epidermis must carry up
    shed_median: float  # s after closure, median debris shedding
    visible_end: float  # s, end of visible crusting/flaking (= closure where none is visible)
    mend_clear: float  # s, all debris shed (ED84 of the shedding)


def debris_speed(age_years: float) -> float:
    r"""Upward speed [m/s] at which the healing epidermis carries necrotic debris out.

    .. math:: u(a) = \frac{h_{ref}}{7\,d - t_{close}(5\,mJ)} \, \frac{T_{epi}(37)}{T_{epi}(a)}

    calibrated on Laubach 2006 (MENDs shed within 7 days after 5 mJ at 1500 nm, epidermis
    122 um) at the reference age of Maeda's turnover, slower with age as the turnover.
    """
    c = load_toml("healing.toml")
    lb, sw = c["laubach"], c["stumpp_widths"]
    p = math.log(sw["width_um"][1] / sw["width_um"][0]) / math.log(
        sw["energy_mj"][1] / sw["energy_mj"][0]
    )
    w5 = sw["width_um"][0] * (lb["energy_mj"] / sw["energy_mj"][0]) ** p * UM
    t5 = column_closure(w5 / 2)
    u_ref = lb["epidermis_um"] * UM / (lb["mend_shed_days"] * DAY - t5)
    ref = natural_renewal(c["renewal"]["age_ref_years"]).turnover
    return u_ref * ref / natural_renewal(age_years).turnover


def pass_healing(p: WoundedPass, epidermis: float, site: str, age_years: float) -> PassHealing:
    """Closure and shedding of one pass (see docs/healing.md for the rules).

    Parameters
    ----------
    p : WoundedPass
    epidermis : float
        Stratum corneum + viable epidermis thickness at the site [m].
    site : str
    age_years : float
    """
    c = load_toml("healing.toml")["debris"]
    basal_sparing = p.coagulation_depth < epidermis
    if basal_sparing:
        # The basal layer survives everywhere under the wound: no migration needed.
        _, lag = migration_constants()
        closure, mode = lag, "basal_sparing"
        debris = p.coagulation_depth - p.ablation_depth
    else:
        debris = epidermis
        if p.fractional:
            r = max(p.ablation_width if p.ablative else 0.0, p.coagulation_width) / 2
            confluent = p.spacing is not None and r >= p.spacing / math.sqrt(2)
            if confluent:
                closure, mode = adnexal_closure(p.coagulation_depth, site), "confluent_adnexal"
            else:
                edge = column_closure(r)
                adn = adnexal_closure(p.coagulation_depth, site)
                closure, mode = (edge, "edge_migration") if edge <= adn else (adn, "adnexal")
        else:
            closure, mode = adnexal_closure(p.coagulation_depth, site), "adnexal"
    shed = debris / debris_speed(age_years)
    sigma = c["shed_sigma"]
    cover = 1.0 if not p.fractional else min(p.coverage, 1.0)
    c_vis = c["visible_cover_fraction"]
    if p.ablative and cover > c_vis:
        z = float(norm.ppf(1.0 - c_vis / cover))
        visible_end = closure + shed * math.exp(sigma * z)
    else:
        visible_end = closure
    return PassHealing(
        closure=closure,
        mode=mode,
        debris_depth=debris,
        shed_median=shed,
        visible_end=visible_end,
        mend_clear=closure + shed * math.exp(sigma),
    )
