"""One pass's wound and how it closes and sheds its debris.

Closure (re-epithelialisation) and debris shedding are computed per pass from the
column geometry the treatment chain knows (`WoundedPass`). Every constant is read
from ``data/healing.toml`` with its source and the data that calibrated it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from resurfacer.common.units import METRE_PER_UM
from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice, check_range

from .renewal import DAY, natural_renewal

HOUR = 3600.0
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
    #: how far the surface was opened, 0..1 (`ColumnSummary.surface_opening`): 1 with a
    #: crater, less for a surface boiled dry but not removed; ignored for non-ablative kinds
    surface_opening: float = 1.0
    #: m, width of the cylinder that holds the tissue a fractional column removed or
    #: coagulated to the swelling's depth over its depth to it (`swelling_depth`,
    #: `treatment.shallow_injury_width`); NaN when not known: the wider of the ablation
    #: and coagulation widths (`injury_width_of`); ignored for full field
    injury_width: float = math.nan
    #: m, below the original surface: the bottom of the tissue the pass boiled dry and
    #: left in place (`ColumnSummary.desiccation_depth`), an eschar that sheds with the
    #: crust; 0, or no deeper than `ablation_depth`, where none was left (a wiped
    #: full-field pass counts its dried layer as removed)
    desiccation_depth: float = 0.0
    #: m, the necrosis lining an open crater above the subcutis, its cuffs and floor
    #: averaged over the crater's wall and floor (`ColumnSummary.lining_necrosis`); NaN where the
    #: column has none (wide spots, full field, no crater): the bed's necrosis lines the
    #: whole wound (`lining_necrosis`)
    lining_necrosis: float = math.nan

    @property
    def fractional(self) -> bool:
        return self.kind != "full_field"

    @property
    def ablative(self) -> bool:
        return self.kind != "nonablative_fractional"

    @property
    def opening(self) -> float:
        """The share of the wound that counts as opened (crust, wound care): 0 for a
        non-ablative pass, else `surface_opening`."""
        return float(self.surface_opening) if self.ablative else 0.0


def surface_opened(
    surface_opening: float, top: float = 0.0, stratum_corneum: float | None = None
) -> float:
    """The opened share w (0..1) of a pass's wound, from its column's `surface_opening`
    (0..1), the depth `top` [m] of the surface it was fired on and the intact skin's
    `stratum_corneum` thickness [m] (needed when `top` > 0).

    w = max(surface_opening, min(1, top / stratum_corneum)): the column opens the surface
    (its top cell removed or boiled dry), or earlier full-field passes stripped the
    barrier over it, in the share of the stratum corneum they took (all of it: the
    wounds lie open). w rises continuously from 0 as either does. The rule of fractional
    and full-field passes alike (`fractional_wound_kind`, `treatment.wound_for`; until
    session 26 a full-field pass on a surface earlier passes had stripped took only its
    own column's opening)."""
    stripped = 0.0
    if top > 0.0:
        if stratum_corneum is None or not stratum_corneum > 0.0:
            raise ValueError("surface_opened: top > 0 needs the stratum corneum [m]")
        stripped = min(1.0, top / stratum_corneum)
    return max(min(float(surface_opening), 1.0), stripped)


def fractional_wound_kind(
    surface_opening: float, top: float = 0.0, stratum_corneum: float | None = None
) -> tuple[str, float]:
    """Kind and opened share w of a fractional pass's wound (`surface_opened`: the
    column's `surface_opening`, or the share of the `stratum_corneum` [m] earlier
    full-field passes took down to `top` [m]). A pass with w > 0 is ablative; with w = 0
    non-ablative: the zones are repaired under an intact surface, and tissue the column
    removed below its intact top cell (a steam pocket) is no crater. Used by
    `treatment.wound_for` and the planner's surrogate wounds alike."""
    opening = surface_opened(surface_opening, top, stratum_corneum)
    return ("ablative_fractional" if opening > 0.0 else "nonablative_fractional"), opening


def _is_nan(value) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _finite(field: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(field, value, "a finite number") from None
    if not math.isfinite(v):
        raise InputError(field, value, "a finite number")
    return v


#: deepest wound [m] a pass may hand to healing: past the bottom of every modelled skin
#: (6.1 mm with its subcutis, ``tissue.skin``), so a crater the column solver accepts
#: (it refuses one deeper than the skin, ``column.checks.check_crater``) always heals;
#: the column's own check names the energy
MAX_WOUND_DEPTH = 10e-3


def validate_pass(p: WoundedPass, index: int = 0) -> WoundedPass:
    """Check one pass; raise `InputError` naming ``passes[i].field`` on bad geometry."""
    pre = f"passes[{index}]."
    if not isinstance(p, WoundedPass):
        raise InputError(f"passes[{index}]", type(p).__name__, "a WoundedPass")
    check_choice(pre + "kind", p.kind, KINDS)
    check_range(
        pre + "ablation_depth",
        _finite(pre + "ablation_depth", p.ablation_depth),
        0,
        MAX_WOUND_DEPTH,
        "m",
    )
    check_range(
        pre + "coagulation_depth",
        _finite(pre + "coagulation_depth", p.coagulation_depth),
        0,
        MAX_WOUND_DEPTH,
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
    _check_kind_geometry(p, pre)
    if p.ablative:
        check_range(
            pre + "surface_opening",
            _finite(pre + "surface_opening", p.surface_opening),
            0,
            1,
        )
    check_range(
        pre + "coverage", _finite(pre + "coverage", p.coverage), 0, 1, "", low_inclusive=False
    )
    check_range(pre + "pulse_energy", _finite(pre + "pulse_energy", p.pulse_energy), 0, 100, "J")
    check_range(
        pre + "desiccation_depth",
        _finite(pre + "desiccation_depth", p.desiccation_depth),
        0,
        p.coagulation_depth,
        "m",
    )
    if not _is_nan(p.injury_width):  # NaN: from the widths (`injury_width_of`)
        width = _finite(pre + "injury_width", p.injury_width)
        check_range(pre + "injury_width", width, 0, 0.02, "m")
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


def _check_kind_geometry(p: WoundedPass, pre: str) -> None:
    """Refuse what contradicts the pass's kind (session 23, a probe): a crater under a
    surface that opened nothing (it healed as intact skin under a 500 um crater; tissue
    removed under an intact top cell is no crater, `fractional_wound_kind`), and a
    full-field pass with a coverage or a column spacing (ignored before)."""
    if p.kind == "ablative_fractional" and p.ablation_depth > 0 and not p.surface_opening > 0:
        raise InputError(
            pre + "surface_opening",
            p.surface_opening,
            f"(0, 1] under a crater ({p.ablation_depth:g} m): a column that opened nothing "
            "has no crater",
        )
    if p.kind == "full_field" and (p.coverage != 1.0 or p.spacing is not None):
        field, value = ("coverage", p.coverage) if p.coverage != 1.0 else ("spacing", p.spacing)
        raise InputError(pre + field, value, "1 and None for a full-field pass (whole surface)")


def migration_constants() -> tuple[float, float]:
    """(speed [m/s], lag [s]) of the keratinocyte front, from healing.toml [migration]."""
    m = load_toml("healing.toml")["migration"]
    return m["speed_um_per_hour"] * METRE_PER_UM / HOUR, m["lag_hours"] * HOUR


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
        -damage_depth / (a["depth_scale_um"] * METRE_PER_UM)
    )
    n = n_cm2 * 1e4  # per m2
    r = 1.0 / math.sqrt(2.0 * n)
    v, lag = migration_constants()
    k = c["full_field"]["depth_lag_hours_per_um"] * HOUR / METRE_PER_UM
    return lag + k * damage_depth + r / v


def wound_bed_lag(p: WoundedPass) -> float:
    r"""Extra delay [s] before a full-field wound can close, :math:`k_z z` (z its damage depth).

    The depth-dependent lag of `adnexal_closure` belongs to the wound bed (the coagulated layer
    the new epidermis must creep under), not to the cells that cover it: basal cells that
    survive under a full-field wound wait as long as the adnexa do. Collawn (validation
    heal-015) saw no migration under the eschar of open full-field CO2 wounds at 48 h.
    Zero for fractional columns, whose intact margins close them within 48 h (Hantash 2007).
    """
    if p.fractional:
        return 0.0
    k = load_toml("healing.toml")["full_field"]["depth_lag_hours_per_um"] * HOUR / METRE_PER_UM
    return k * p.coagulation_depth


def debris_speed(age_years: float) -> float:
    r"""Upward speed [m/s] at which the healing epidermis carries necrotic debris out.

    .. math::

        u(a) = \frac{h_{ref}\, e^{\sigma}}{7\,d - t_{close}(5\,mJ)} \,
        \frac{T_{epi}(37)}{T_{epi}(a)}

    calibrated on Laubach 2006 (MENDs shed within 7 days after 5 mJ at 1500 nm, epidermis
    122 um) at the reference age of Maeda's turnover, slower with age as the turnover.
    "Within 7 days" is read as the model's MEND clearance, the ED84 of the shedding
    (closure + median x exp(sigma)), as `PassHealing.mend_clear` defines it.
    """
    c = load_toml("healing.toml")
    lb, sw = c["laubach"], c["stumpp_widths"]
    p = math.log(sw["width_um"][1] / sw["width_um"][0]) / math.log(
        sw["energy_mj"][1] / sw["energy_mj"][0]
    )
    w5 = sw["width_um"][0] * (lb["energy_mj"] / sw["energy_mj"][0]) ** p * METRE_PER_UM
    t5 = column_closure(w5 / 2)
    sigma = c["debris"]["shed_sigma"]
    u_ref = lb["epidermis_um"] * METRE_PER_UM * math.exp(sigma) / (lb["mend_shed_days"] * DAY - t5)
    ref = natural_renewal(c["renewal"]["age_ref_years"]).turnover
    return u_ref * ref / natural_renewal(age_years).turnover


def opened_shed_ratio() -> float:
    r"""Shedding time of an opened wound's necrotic layer over that of the same layer under
    an intact surface, :math:`k_o` (healing.toml [debris] ``opened_shed_ratio``).

    A MEND crosses the living epidermis at its transit speed (`debris_speed`, Laubach 2006);
    the necrotic layer of an opened wound forms a crust on the surface (Del Rio-Sancho
    2025, qualitative: the debris moves up and out and forms an external crust), taken to
    lift off k_o times as long after closure (a model assumption). Calibrated on Newman
    2000's crusting after pulsed CO2 (7.7 d, heal-042; ``scripts/calibrate_opened_shedding.py``)
    on the model's closure of that case; the check rows bound it from above (the same ones
    are met from 0 to 0.4) rather than fix it (healing.toml, docs/healing.md).
    """
    return float(load_toml("healing.toml")["debris"]["opened_shed_ratio"])


@dataclass(frozen=True)
class PassHealing:
    """What one pass does: how much of the basal layer it kills, closure, debris shedding."""

    closure: float  # s, re-epithelialisation (ED50)
    mode: str  # the route that closes it first: "basal_sparing" (from surviving basal
    # cells) | "edge_migration" | "adnexal"
    basal_killed: float  # fraction of the basal layer killed under the wound, 0..1
    debris_depth: float  # m, necrotic tissue the healing epidermis must carry up
    shed_median: float  # s after closure, median shedding: of the opened share's crust for
    # an ablative pass (k_o x the MEND time), of its MENDs for a non-ablative one
    footprint: float  # fraction of the surface under the necrotic zone, 0..1
    area_ratio: float  # necrotic area per unit surface (may exceed 1 where zones overlap)
    open_ratio: float  # ablated area per unit surface (0 non-ablative, inf full field)
    necrosis: float  # m, residual thermal necrosis lining the wound: the coagulated tissue
    # under what the pass removed or boiled dry and beside its crater's wall, averaged
    # over the wound's surface (`lining_necrosis`), what erythema reads
    swelling_injury: float  # m, tissue removed or killed per unit surface to the swelling's
    # depth under the opened share (`swelling_injury`), what the oedema reads
    layer: bool  # the wound is a layer over the whole surface (full field)
    opening: float  # 0..1, how far the surface was opened (crust); 0: intact (MENDs under it)
    mend_clear: float  # s, all debris shed (ED84 of the shedding, opened and intact shares)

    @property
    def ablative(self) -> bool:
        """The surface was opened at all (crust) rather than left intact."""
        return self.opening > 0.0


def wound_bed_necrosis(p: WoundedPass) -> float:
    r"""Residual thermal necrosis of the wound bed [m]:
    :math:`h = z_c - \max(z_a, z_d)`, coagulation depth less the deeper of the crater and
    the tissue boiled dry and left in place (`WoundedPass.desiccation_depth`).

    The dried tissue is an eschar that sheds with the crust, as a wiped full-field pass's
    is wiped off (`column.ablation.pass_removal`); the coagulated tissue that kept its
    water is the living wound's necrotic bed, as the residual thermal damage of the
    erythema anchors (healing.toml [erythema]) lies under wiped wounds. Counting the
    dried layer in, the necrosis fell by as much as the crater ate into that layer where a
    pass crossed its ablation threshold (the surface pass's 80 -> 90 mJ: 79 -> 64 um,
    while the wet layer stayed at 47-50 um; docs/healing.md, "Erythema")."""
    bed_top = max(p.ablation_depth, p.desiccation_depth)
    return max(p.coagulation_depth - bed_top, 0.0)


def lining_necrosis(p: WoundedPass) -> float:
    """Residual thermal necrosis lining the wound [m], what erythema reads: a fractional
    column's `WoundedPass.lining_necrosis` (its cuffs and floor averaged over its crater's
    wall and floor, above the subcutis) where the column gives one, else the bed's
    (`wound_bed_necrosis`): a layer, a wide spot or a surface opened without a crater.

    A deep column is lined almost wholly by its cuff (its floor is about 3 % of its
    surface at 120 um and 1 mm deep); until session 31 erythema read the floor alone,
    which fell from 65 to 42 um where the perioral deep columns reached the fat
    (35 -> 37.3 mJ: erythema 6.01 -> 5.74 d; docs/healing.md, "Erythema")."""
    if p.fractional and p.lining_necrosis > 0.0:
        return float(p.lining_necrosis)
    return wound_bed_necrosis(p)


def basal_killed_fraction(coagulation_depth: float, epidermis: float) -> float:
    r"""Fraction of the basal layer killed under a wound of coagulation depth `z` [m].

    .. math:: k = \Phi\left(\frac{z - E}{s_{DEJ}\,E}\right)

    E = stratum corneum + viable epidermis of the skin given; the dermo-epidermal junction
    undulates (rete ridges) with a relative spread :math:`s_{DEJ}` (healing.toml
    [basal_layer]), so a wound reaching the nominal junction kills half the basal cells.
    Continuous in depth (the former rule switched at z = E).
    """
    s = load_toml("healing.toml")["basal_layer"]["junction_relative_sd"]
    return float(norm.cdf((coagulation_depth - epidermis) / (s * epidermis)))


def survivor_distance(killed: float) -> float:
    r"""Farthest distance [m] from a killed basal cell to a surviving one, for a fraction
    `killed` of the basal layer killed in patches of the junction's scale L:

    .. math:: d_s = \frac{L}{2} \sqrt{\frac{k}{1 - k}}

    (the killed area per surviving patch grows as k/(1-k); L = healing.toml
    [basal_layer] patch_um). Zero when nothing is killed, unbounded as k -> 1, where
    the wound's edge or the adnexa take over (`pass_healing`).
    """
    L = load_toml("healing.toml")["basal_layer"]["patch_um"] * METRE_PER_UM
    k = min(max(killed, 0.0), 1.0 - 1e-12)
    return 0.5 * L * math.sqrt(k / (1.0 - k))


def necrotic_area_ratio(p: WoundedPass) -> float:
    r"""Necrotic area of one pass per unit surface, :math:`\lambda = \pi w^2 / (4 s^2)` (may
    exceed 1 where zones overlap).

    w = the wider of the ablation and coagulation zones at the surface, s = the column
    spacing (square lattice); full field: 1; fractional without a spacing: its coverage.
    """
    if not p.fractional:
        return 1.0
    w = max(p.ablation_width if p.ablative else 0.0, p.coagulation_width)
    if p.spacing is None:
        return p.coverage
    return math.pi * w * w / (4.0 * p.spacing * p.spacing)


def necrotic_footprint(p: WoundedPass) -> float:
    """Fraction of the surface under one pass's necrotic zone, min(1, lambda)."""
    return min(1.0, necrotic_area_ratio(p))


def open_area_ratio(p: WoundedPass) -> float:
    """Ablated (open) area of one pass per unit surface: w pi a^2 / (4 s^2) for columns of
    ablation width a at spacing s (may exceed 1 where craters overlap), w the pass's
    `WoundedPass.opening`; full field -ln(1 - w), so that its open footprint
    (`visibility.open_footprint`, 1 - exp(-sum)) is w, and infinite at w = 1;
    non-ablative 0."""
    w = p.opening
    if w <= 0.0:
        return 0.0
    if not p.fractional:
        return math.inf if w >= 1.0 else -math.log1p(-w)
    if p.spacing is None:
        return w * p.coverage
    return w * math.pi * p.ablation_width**2 / (4.0 * p.spacing**2)


def injury_width_of(p: WoundedPass) -> float:
    """Width [m] of a fractional column's injured tissue (`WoundedPass.injury_width`), or
    where that is NaN the wider of its ablation and coagulation widths."""
    if not math.isnan(p.injury_width):
        return float(p.injury_width)
    return max(p.ablation_width if p.ablative else 0.0, p.coagulation_width)


def swelling_depth() -> float:
    """Depth D [m] to which a wound counts for the swelling, and the wound per unit surface
    that swells as long as full-field resurfacing does (healing.toml [oedema]
    ``injury_depth_um``: the full-field CO2 anchor's wound, 90 um ablated + 100 um residual
    damage)."""
    return load_toml("healing.toml")["oedema"]["injury_depth_um"] * METRE_PER_UM


def swelling_injury(p: WoundedPass, depth: float) -> float:
    r"""Tissue one pass removed or killed per unit surface within the top `depth` D of
    the skin [m], under the share of it that lies open: what the swelling reads
    (`visibility.oedema_days`).

    Each fractional column is a cylinder of injured tissue, of width W (`injury_width_of`:
    the chain's W holds the column's injured volume to D) to its coagulation depth
    :math:`z_c`; a full-field wound is a layer over the whole surface:

    .. math:: V = w\,n\,\frac{\pi W^2}{4} \min(z_c, D), \qquad V_{ff} = w \min(z_c, D)

    with n columns per unit surface (:math:`1/s^2` at spacing s; without a spacing, the
    coverage over the necrotic zone's area, `necrotic_area_ratio`) and w =
    `WoundedPass.opening` (0 for a non-ablative pass, whose surface stays intact). Removed
    and killed tissue count alike, so V does not fall as energy turns killed tissue into a
    crater: the injured zone only widens and deepens. At like craters the coagulated cuff
    carries the modality: Er:YAG's thin cuffs (about 10 um) injure less than CO2's (about
    30 um). Below D a deep column does not count. Full-field passes are layers
    of one wound (`visibility.oedema_days` takes the deepest); fractional passes add, their
    overlaps, within a pass and between passes, counted twice (docs/healing.md, "Oedema").
    """
    if p.opening <= 0.0:
        return 0.0
    zc = min(p.coagulation_depth, depth)
    if not p.fractional:
        return p.opening * zc
    width = injury_width_of(p)
    if p.spacing is not None:
        section = 0.25 * math.pi * width**2 / p.spacing**2
    else:
        necrotic = max(p.ablation_width if p.ablative else 0.0, p.coagulation_width)
        section = p.coverage * (width / necrotic) ** 2
    return p.opening * section * zc


def _migration(p: WoundedPass, site: str, area_ratio: float) -> tuple[float, str]:
    """Closure [s] of the part whose basal layer is killed: from the wound edge or the adnexa.

    Edge distance r = half the necrotic width, lengthened by exp(lambda/2) as the wounds
    of all passes (necrotic area per surface lambda, summed) leave less intact margin:
    for wounds laid at random the intact fraction is exp(-lambda), and the distance to
    intact skin grows as its inverse square root (MODEL ASSUMPTION; it makes the change
    to adnexal healing at confluence continuous, and a pass split in two at half density
    leaves the same margin).
    """
    adn = adnexal_closure(p.coagulation_depth, site)
    if not p.fractional:
        return adn, "adnexal"
    r = max(p.ablation_width if p.ablative else 0.0, p.coagulation_width) / 2
    edge = column_closure(r * math.exp(0.5 * area_ratio))
    return (edge, "edge_migration") if edge <= adn else (adn, "adnexal")


def pass_healing(
    p: WoundedPass,
    epidermis: float,
    site: str,
    age_years: float,
    area_ratio: float | None = None,
) -> PassHealing:
    r"""Closure and shedding of one pass (docs/healing.md, "Models").

    .. math::

        t_c = \min(t_{mig},\ t_{lag} + d_s(k) / v), \qquad
        h = \min(z - a, E), \qquad T_{MEND} = \frac{h}{u(age)}, \qquad
        T_{crust} = k_o\, T_{MEND}

    k = `basal_killed_fraction`, :math:`d_s` = `survivor_distance` (basal cells that survive
    under the wound close it from nearby), :math:`t_{mig}` = edge migration or adnexal
    closure (`_migration`), h the necrotic layer (coagulation minus ablation depth, at most the
    epidermis the debris crosses), u = `debris_speed`, :math:`k_o` = `opened_shed_ratio`:
    debris under an intact surface (MENDs) is carried out at the epidermal transit speed;
    the crust of an ablative pass's opened share (w = `WoundedPass.opening`, the share that
    shows, `visibility.crust_fraction`) lifts off its closed bed in the fraction
    :math:`k_o` of that time. All the debris is shed (`PassHealing.mend_clear`) after
    closure + :math:`e^{\sigma} T_{MEND} ((1 - w) + w\,k_o)`, the two shares weighted by
    their areas. All continuous in the geometry.

    Parameters
    ----------
    p : WoundedPass
    epidermis : float
        Stratum corneum + viable epidermis thickness of the skin given [m].
    site : str
        Body site (adnexal density).
    age_years : float
    area_ratio : float, optional
        Necrotic area per surface of all the treatment's passes (sum of
        `necrotic_area_ratio`); it sets the intact margin left between wounds. Default:
        this pass's own.
    """
    c = load_toml("healing.toml")["debris"]
    foot = necrotic_footprint(p)
    own = necrotic_area_ratio(p)
    around = own if area_ratio is None else max(own, area_ratio)
    k = basal_killed_fraction(p.coagulation_depth, epidermis)
    t_mig, mode = _migration(p, site, around)
    from_survivors = column_closure(survivor_distance(k)) + wound_bed_lag(p)
    closure = min(t_mig, from_survivors)
    if from_survivors < t_mig:  # the route that sets the closure names it
        mode = "basal_sparing"
    necrosis = p.coagulation_depth - p.ablation_depth
    debris = min(necrosis, epidermis)
    under_intact = debris / debris_speed(age_years)
    k_o = opened_shed_ratio()
    shed = under_intact * k_o if p.ablative else under_intact
    return PassHealing(
        closure=closure,
        mode=mode,
        basal_killed=k,
        debris_depth=debris,
        shed_median=shed,
        footprint=foot,
        area_ratio=own,
        open_ratio=open_area_ratio(p),
        necrosis=lining_necrosis(p),
        swelling_injury=swelling_injury(p, swelling_depth()),
        layer=not p.fractional,
        opening=p.opening,
        mend_clear=closure
        + under_intact * ((1.0 - p.opening) + p.opening * k_o) * math.exp(c["shed_sigma"]),
    )
