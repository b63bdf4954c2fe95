"""Natural renewal of the epidermis with age.

The outer skin renews itself continuously: basal keratinocytes divide, move up through
the viable epidermis, cornify and are shed from the stratum corneum (desquamation).
Resurfacing removes this "build-up" and makes the skin rebuild faster; the healing
model uses the same turnover to time the shedding of treated tissue (MENDs, crusts).
"""

from __future__ import annotations

from dataclasses import dataclass

from resurfacer.data import load_toml
from resurfacer.errors import check_range

DAY = 86400.0
AGE_RANGE = (18.0, 100.0)


@dataclass(frozen=True)
class Renewal:
    """Epidermal turnover and stratum corneum transit at one age (SI: seconds)."""

    age_years: float
    turnover: float  # s, whole epidermis, basal layer to shedding
    turnover_sd: float  # s, published spread scaled to this age
    sc_transit: float  # s, stratum corneum only

    def summary(self) -> dict:
        return {
            "age_years": self.age_years,
            "turnover_days": self.turnover / DAY,
            "turnover_sd_days": self.turnover_sd / DAY,
            "sc_transit_days": self.sc_transit / DAY,
        }


def _sc_transit_days(age: float) -> float:
    c = load_toml("healing.toml")["renewal"]
    slope = c["sc_transit_extra_days_old"] / (c["age_old_years"] - c["age_young_years"])
    return c["sc_transit_days_young"] + slope * (age - c["age_young_years"])


def natural_renewal(age_years: float, site: str | None = None) -> Renewal:
    r"""Epidermal turnover and stratum corneum (SC) transit time versus age.

    .. math::

        T_{SC}(a) = T_{SC,y} + \Delta T \, \frac{a - a_y}{a_o - a_y}, \qquad
        T_{epi}(a) = T_{epi,ref} \, \frac{T_{SC}(a)}{T_{SC}(a_{ref})}

    with :math:`T_{SC,y}` = 20 d at :math:`a_y` = 22 y and :math:`\Delta T` = 10 d more at
    :math:`a_o` = 70 y (Grove & Kligman 1983, cited by Maeda 2017), and
    :math:`T_{epi,ref}` = 36 +/- 6 d at :math:`a_{ref}` = 37 y (Maeda, Cosmetics 2017;4:47).
    The whole epidermis is assumed to slow in proportion to its stratum corneum.

    Parameters
    ----------
    age_years : float
        Age, 18-100 years.
    site : str, optional
        Body site (accepted for the interface; no site-resolved data: forearm figures are used).

    Returns
    -------
    Renewal
        ``turnover``, ``turnover_sd`` and ``sc_transit`` in seconds.
    """
    age = check_range("age_years", float(age_years), *AGE_RANGE, "years")
    if site is not None:
        from resurfacer.errors import check_choice
        from resurfacer.tissue.skin import SITES

        check_choice("site", site, SITES)
    c = load_toml("healing.toml")["renewal"]
    ratio = _sc_transit_days(age) / _sc_transit_days(c["age_ref_years"])
    return Renewal(
        age_years=age,
        turnover=c["turnover_days_ref"] * ratio * DAY,
        turnover_sd=c["turnover_days_sd"] * ratio * DAY,
        sc_transit=_sc_transit_days(age) * DAY,
    )
