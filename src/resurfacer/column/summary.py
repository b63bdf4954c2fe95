"""What a column run reports: fields (xarray), summary geometry and the energy balance."""

import math
from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from scipy import ndimage


@dataclass(frozen=True)
class EnergyBalance:
    """Where the pulse energy went [J]; `relative_error` is |residual| / incident."""

    incident: float
    reflected: float
    outside_grid: float
    ablation: float
    transmitted: float
    stored: float
    conducted_out: float
    perfused: float
    surface_loss: float

    @property
    def residual(self) -> float:
        return self.incident - (
            self.reflected
            + self.outside_grid
            + self.ablation
            + self.transmitted
            + self.stored
            + self.conducted_out
            + self.perfused
            + self.surface_loss
        )

    @property
    def relative_error(self) -> float:
        return abs(self.residual) / self.incident

@dataclass(frozen=True)
class ColumnSummary:
    """Geometry and energetics of one MTZ, SI units (m, m^3, C, J, s).

    Widths are diameters. The coagulation boundary is where Omega = 1,
    interpolated in ln(Omega) between cell centres. `coagulation_thickness_wall`
    is the cuff beside the crater averaged over the middle half of its depth
    (from 1/4 to 3/4); `coagulation_thickness_floor` lies below the crater
    floor on the axis (without a crater: the coagulation depth).
    `coagulation_thickness` is the lateral cuff (`coagulation_thickness` below); a
    column whose removed cells lie under an intact top cell (a steam pocket) has no
    wall. Width fields are NaN for the wide (1-D) geometry.
    `desiccation_depth` is the bottom of the deepest tissue cell that boiled dry
    (its temperature passed the boiling point, so all its water had gone) and
    was not removed: the charred, dried debris that is wiped off between
    full-field passes (Yuksel et al., Aesthetic Plast Surg 2001;25:184); 0 if
    none. Cells 2-4 um wide do not resolve the thin dry rim of a crater wall
    (``docs/column.md``), so it is reported as a depth only.
    `lining_necrosis` is the necrosis lining an open crater above the subcutis, its cuffs
    and floor averaged over the crater's wall and floor (`lining_necrosis`); NaN for the
    wide (1-D) geometry and without an open crater.
    `surface_opening` (0..1) says how far the surface was opened: 1 with a crater,
    0 where the top row's cells stayed on or below the boiling plateau, and in between
    the furthest progress of one of them (the hottest, on the axis) from boiled dry to
    removed, as far as the beam drives it (`surface_opening`).
    """

    ablation_depth: float
    ablation_width_surface: float
    ablation_width_half_depth: float
    coagulation_thickness_wall: float
    coagulation_thickness_floor: float
    coagulation_depth: float
    coagulation_width: float
    desiccation_depth: float
    surface_opening: float
    lining_necrosis: float
    ablated_volume: float
    coagulated_volume: float
    peak_temperature: float
    simulated_time: float
    runtime: float
    energy: EnergyBalance

    @property
    def coagulation_thickness(self) -> float:
        """The coagulated cuff [m], what every output calls "cuff": beside an open
        crater's wall (`coagulation_thickness_wall`); without one, half the coagulated
        zone's width, its lateral extent (as the published cuffs of non-ablative zones
        are read, `column.published`); for the wide (1-D) geometry, which has no width,
        the floor under the crater. Until session 24 a column without a wall gave its
        floor, the whole depth of a non-ablative zone: a 1,550 nm zone read 500 um of
        "cuff" at 16 mJ and 61 um at 20 mJ, once a crater opened (a probe)."""
        if not math.isnan(self.coagulation_thickness_wall):
            return self.coagulation_thickness_wall
        if not math.isnan(self.coagulation_width):
            return 0.5 * self.coagulation_width
        return self.coagulation_thickness_floor

    def clinical(self) -> dict:
        """The summary in clinical units (um, C, mJ), as the CLI and reports show it."""
        um = 1e6

        def length(x):
            return None if math.isnan(x) else round(x * um, 3)

        return {
            "ablation_depth_um": length(self.ablation_depth),
            "ablation_width_um": length(self.ablation_width_surface),
            "ablation_width_half_depth_um": length(self.ablation_width_half_depth),
            "coagulation_thickness_um": length(self.coagulation_thickness),
            "coagulation_thickness_wall_um": length(self.coagulation_thickness_wall),
            "coagulation_thickness_floor_um": length(self.coagulation_thickness_floor),
            "coagulation_depth_um": length(self.coagulation_depth),
            "coagulation_width_um": length(self.coagulation_width),
            "desiccation_depth_um": length(self.desiccation_depth),
            "lining_necrosis_um": length(self.lining_necrosis),
            "surface_opening": round(self.surface_opening, 4),
            "ablated_volume_nl": self.ablated_volume * 1e12,
            "coagulated_volume_nl": self.coagulated_volume * 1e12,
            "peak_temperature_c": round(self.peak_temperature, 3),
            "simulated_time_ms": self.simulated_time * 1e3,
            "incident_energy_mj": self.energy.incident * 1e3,
            "energy_balance_mj": {k: v * 1e3 for k, v in vars(self.energy).items()},
            "energy_balance_error": self.energy.relative_error,
            "runtime_s": round(self.runtime, 4),
        }

@dataclass
class ColumnResult:
    """Fields (xarray Dataset, units in attrs) and summary of one MTZ.

    `warnings` are plain-language cautions about this result: cells coarse
    against the light's absorption length, a crater front that crossed many cells
    per time step, a lesion that leaves the dermis.
    """

    fields: xr.Dataset
    summary: ColumnSummary
    geometry: str
    inputs: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

def column_fields(
    grid, void, enthalpy, omega, peak, end_of_pulse, hist_t, hist_tmax, model, t_boil
) -> xr.Dataset:
    z = (np.arange(grid.nz) + 0.5) * grid.dz
    r = (np.arange(grid.nr) + 0.5) * grid.dr
    tissue = ~void
    ds = xr.Dataset(
        {
            "temperature_end_of_pulse": (
                ("z", "r"),
                np.where(tissue, end_of_pulse, np.nan),
                {"units": "degC", "long_name": "temperature at the end of the last pulse"},
            ),
            "peak_temperature": (
                ("z", "r"),
                np.where(tissue, peak, np.nan),
                {"units": "degC", "long_name": "highest temperature reached"},
            ),
            "damage": (
                ("z", "r"),
                np.where(tissue, omega, np.nan),
                {"units": "1", "long_name": f"Arrhenius damage integral Omega ({model})"},
            ),
            "residual_enthalpy": (
                ("z", "r"),
                np.where(tissue, enthalpy, 0.0),
                {
                    "units": "J m-3",
                    "long_name": "enthalpy above the initial state at the end "
                    "of the run (the column's residual heat)",
                },
            ),
            "ablated": (("z", "r"), void, {"units": "1", "long_name": "cell removed by ablation"}),
            "coagulated": (
                ("z", "r"),
                lesion_cells(omega, void, grid.volume[None, :]),
                {
                    "units": "1",
                    "long_name": "coagulated lesion: Omega >= 1, not ablated, joined to "
                    "the lesion (as the summary's coagulation figures)",
                },
            ),
            "desiccated": (
                ("z", "r"),
                desiccated(peak, void, t_boil),
                {"units": "1", "long_name": "boiled dry (peak above boiling point), not ablated"},
            ),
            "max_temperature_history": (
                ("time",),
                hist_tmax,
                {"units": "degC", "long_name": "hottest tissue cell"},
            ),
        },
        coords={
            "z": ("z", z, {"units": "m", "long_name": "depth below the skin surface"}),
            "r": ("r", r, {"units": "m", "long_name": "distance from the beam axis"}),
            "time": (
                "time",
                hist_t,
                {"units": "s", "long_name": "time since the first pulse began"},
            ),
        },
    )
    return ds

#: K past the boiling point that marks a cell as boiled dry (on the boiling plateau
#: the temperature is the boiling point itself)
DRY_MARGIN_K = 0.1

def desiccated(peak, void, t_boil):
    """Tissue that left the boiling plateau: all its water boiled off (peak > T_boil)."""
    return ~void & (peak > t_boil + DRY_MARGIN_K)

def removal_progress(peak, void, t_boil, removal_rise) -> np.ndarray:
    r"""Each cell's progress towards removal, 0..1 (1 once removed).

    .. math:: \phi = \min\left(1, \frac{\max(T_{peak} - T_{boil}, 0)}{\Delta T_{abl}}\right),
        \quad \Delta T_{abl} = \frac{H_{abl} - H_{dry}}{\rho c}

    A cell's dry residue heats from boiled dry (:math:`H_{dry}`, all its water gone,
    :math:`T_{peak}` leaves the boiling plateau) to the ablation enthalpy of its layer,
    :math:`H_{abl}`, at which the solver removes it: `removal_rise` [K] per row is
    :math:`\Delta T_{abl}`. A cell still on the plateau gives 0 (the peak temperature does
    not tell how much of its water went); a row removed before it dries (measured fat
    removal, :math:`\Delta T_{abl} \le 0`) gives 1 once dry.
    """
    rise = np.asarray(removal_rise, float)[:, None]
    peak = np.asarray(peak, float)
    over = np.maximum(peak - t_boil, 0.0)
    dry = peak > t_boil + DRY_MARGIN_K
    phi = np.where(rise > 0.0, np.minimum(1.0, over / np.where(rise > 0.0, rise, 1.0)), dry * 1.0)
    return np.where(void, 1.0, phi)


def surface_opening(peak, void, t_boil, removal_rise, dry_top_share: float = 1.0) -> float:
    r"""How far a pass opened the skin surface, 0..1: the top row's largest
    `removal_progress` as far as the beam drives it, :math:`\max_j (1 \text{ removed};
    s\,\phi_j \text{ otherwise})` (1 with a crater; 0 while the top cell keeps water).

    Continuous in energy across the ablation threshold, where the crater steps from
    none to one whole cell (MODEL ASSUMPTION with no free parameter: both ends are
    states of the column model; docs/healing.md, "The opened surface"). The progress
    stands for the crater that the beam, still absorbed by the dry residue, is about to
    open; `dry_top_share` s is the share of its absorption the top row keeps once boiled
    dry: 1 where the light is rays (CO2, Er:YAG: dry protein absorbs, the calibrated
    removal), the row's non-water share where the light scatters (1,550, 1,927 nm:
    `LayerMaterials.dry_share`, session 29). There a dried stratum corneum (s = 0)
    absorbs none of the beam: it was dried by the heat from below and is not on its way
    to removal, and stays the intact surface over the MENDs (Manstein 2004, col-049;
    until session 30 it counted up to 58 % opened at 50 mJ on a type III cheek).
    """
    progress = removal_progress(peak[:1], void[:1], t_boil, removal_rise[:1])
    return float(np.where(void[:1], 1.0, dry_top_share * progress).max())


def outer_edge(mask_row, dr) -> float:
    """Outer face of the last True cell in a row [m] (`outer_edges` of one row)."""
    return float(outer_edges(np.asarray(mask_row)[None, :], dr)[0])


def coagulation_edge(omega_line, coagulated_line, spacing) -> float:
    """Where Omega falls through 1 past the last coagulated cell of a line [m]
    (`coagulation_edges` of one line)."""
    return float(
        coagulation_edges(np.asarray(omega_line)[None, :], np.asarray(coagulated_line)[None, :],
                          spacing)[0]
    )


def coagulation_edges(omega, coagulated, spacing) -> np.ndarray:
    """Where Omega falls through 1 past the last coagulated cell of each row of 2-D
    arrays [m], 0 for a row with none. ln(Omega) is interpolated linearly between the
    centres of the last coagulated cell and the next one, which gives the boundary to a
    fraction of a cell (it grows as an exponential of temperature, so ln is smooth); a
    row coagulated to its end gives that end."""
    n = coagulated.shape[1]
    has = coagulated.any(axis=1)
    last = n - 1 - np.argmax(coagulated[:, ::-1], axis=1)
    lines = np.arange(coagulated.shape[0])
    inside = np.log(np.maximum(omega[lines, last], 1.0))
    outside = np.log(np.maximum(omega[lines, np.minimum(last + 1, n - 1)], 1e-300))
    centre = (last + 0.5) * spacing
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = np.where(
            last + 1 >= n, centre + 0.5 * spacing, centre + spacing * inside / (inside - outside)
        )
    return np.where(has, edge, 0.0)


def outer_edges(mask, spacing) -> np.ndarray:
    """Outer face of the last True cell of each row of a 2-D mask [m], 0 for none."""
    n = mask.shape[1]
    return np.where(mask.any(axis=1), (n - np.argmax(mask[:, ::-1], axis=1)) * spacing, 0.0)


def row_cuffs(omega, coag, void, dr, rows) -> np.ndarray:
    """Lateral cuff of each row in `rows` [m]: from the crater wall (outer face of
    the row's last removed cell) to the Omega = 1 boundary (`coagulation_edge`),
    0 where the row has no coagulated tissue beyond its wall."""
    rows = np.asarray(list(rows), dtype=int)
    if not rows.size:
        return np.zeros(0)
    edges = coagulation_edges(omega[rows], coag[rows], dr)
    return np.maximum(edges - outer_edges(void[rows], dr), 0.0)


def wall_cuff_profile(fields: xr.Dataset) -> xr.DataArray:
    """The cuff beside the crater wall row by row, from a column's fields [m].

    One value per row of the crater (z = cell centres, from the surface to the
    floor's row), measured as `ColumnSummary.coagulation_thickness_wall` measures
    it: laterally from the wall to where Omega falls through 1. The summary's
    value is this profile's mean over the middle half of the crater's depth; the
    profile shows how the cuff changes with depth (thick by the rim, which the
    beam's sub-ablative wing heats, thinner down the wall, thin in fat) and lets a
    comparison between columns be made at the same depth in the same layer
    (``docs/column.md``). Empty without a crater; column geometry only.
    """
    void = fields["ablated"].values.astype(bool)
    omega = np.nan_to_num(fields["damage"].values, nan=0.0)
    z, r = fields["z"].values, fields["r"].values
    dr = float(r[1] - r[0])
    rows = np.flatnonzero(void.any(axis=1))
    nrows = rows[-1] + 1 if rows.size else 0
    # annulus volumes up to a constant, enough to rank the connected regions
    coag = lesion_cells(omega, void, (2.0 * np.arange(r.size) + 1.0)[None, :])
    cuffs = row_cuffs(omega, coag, void, dr, range(nrows))
    return xr.DataArray(
        cuffs,
        coords={"z": ("z", z[:nrows], fields["z"].attrs)},
        dims="z",
        attrs={"units": "m", "long_name": "coagulated cuff beside the crater wall"},
    )


def mean_wall_cuff(fields: xr.Dataset, top: float, bottom: float) -> float:
    """Mean of `wall_cuff_profile` over the rows whose centres lie in [top, bottom) [m]
    (NaN when no crater row does)."""
    profile = wall_cuff_profile(fields)
    z = profile["z"].values
    inside = (z >= top) & (z < bottom)
    return float(profile.values[inside].mean()) if inside.any() else float("nan")


def injured_volume(fields: xr.Dataset, depth: float) -> float:
    r"""Volume [m^3] of the tissue a column removed or coagulated above `depth` [m]:

    .. math:: V = \sum_k \pi R_k^2\,\Delta z, \quad
        R_k = \max(\text{crater edge}_k, \text{coagulation edge}_k),

    over the rows whose centres lie above `depth`. The coagulation edge is interpolated
    in ln(Omega) (`coagulation_edge`), so V moves continuously with energy where the
    crater's width steps one cell at a time, and a row joins the lesion with the small
    radius of its first coagulated cell. Column geometry only: a wide spot's wound is a
    layer (`treatment.shallow_injury_width` gives NaN for it)."""
    void = fields["ablated"].values.astype(bool)
    omega = np.nan_to_num(fields["damage"].values, nan=0.0)
    coag = fields["coagulated"].values.astype(bool)  # the lesion's cells (`lesion_cells`)
    z, r = fields["z"].values, fields["r"].values
    dz, dr = float(z[1] - z[0]), float(r[1] - r[0])
    radii = np.array(
        [
            max(outer_edge(void[k], dr), coagulation_edge(omega[k], coag[k], dr))
            for k in range(z.size)
            if z[k] < depth
        ]
    )
    return float(np.pi * np.sum(radii**2) * dz)


def lesion_cells(omega, void, volume) -> np.ndarray:
    """The coagulated cells of the lesion: Omega >= 1, not removed, and joined (sides,
    not corners) to the largest connected region of coagulated or removed tissue (by
    volume), among those that hold the crater where there is one. A cell that passes
    Omega = 1 apart from it is a sample of noise, not tissue the lesion reaches: a Monte
    Carlo source's axis cells (the smallest, with the fewest
    photons) put single cells 24-32 um under the 1,550 nm lesion, and the coagulation
    depth stepped 6 % for a 0.01 ms change of the pulse (session 24, a probe)."""
    coag = (omega >= 1.0) & ~void
    labels, n = ndimage.label(coag | void)
    if n <= 1:
        return coag
    sizes = ndimage.sum_labels(np.broadcast_to(volume, labels.shape), labels, range(1, n + 1))
    # the region holding the crater is the lesion where there is one (a review: on a
    # one-column grid a deeper region could outweigh the crater's); not the top row's,
    # where a Monte Carlo source's axis cell is at its noisiest
    anchored = np.zeros(n + 1, dtype=bool)
    anchored[np.unique(labels[void])] = True
    anchored[0] = False
    if anchored.any():
        sizes = np.where(anchored[1:], sizes, -1.0)
    return coag & (labels == 1 + int(np.argmax(sizes)))


def lining_necrosis(omega, coag, void, dried, grid, skin_rows) -> float:
    r"""Necrosis lining an open crater [m], averaged over its surface above the subcutis
    (`skin_rows`, bool per row): :math:`h = \sum_k A_k t_k / \sum_k A_k`. Row k of the
    crater (radius :math:`r_k`) has the wall :math:`2\pi r_k \Delta z` and the ledge
    :math:`\pi (r_k^2 - r_{k+1}^2)` where the crater narrows below it, lined by the row's
    cuff :math:`t_k` (from the wall, or the dried rim beside it, out to where Omega falls
    through 1); the floor, :math:`\pi r_K^2` under the last row, by the coagulated tissue
    under it on the axis (from the floor, or the dried tissue under it, down to Omega = 1).
    The dried tissue is an eschar that sheds (as `healing.wound.wound_bed_necrosis` counts
    a layer's bed).

    A deep column is lined almost wholly by its cuff, its floor being about 3 % of its
    surface; a crater a cell deep by the coagulation under its floor, as a layer's bed.
    Erythema reads it (`healing.wound.lining_necrosis`): the redness is the dermis's, and
    a crater's wall in the fat, with its thin cuff, is not part of it (session 31: the
    floor alone fell from 65 to 42 um where the perioral deep columns reached the fat,
    35 -> 37.3 mJ). A first form, the necrotic volume over the faces' area, counted the
    lesion beside a shallow crater's mouth and ran to 922 um over a 4 um crater (session
    31's review). NaN without a crater open at the surface."""
    if not void[0].any():
        return float("nan")
    gone = void | dried
    rows = np.flatnonzero(void.any(axis=1))
    radii = outer_edges(void[rows], grid.dr)
    below = np.append(radii[1:], radii[-1])  # the last row's ledge is the floor's
    walls = 2.0 * math.pi * radii * grid.dz + math.pi * np.maximum(radii**2 - below**2, 0.0)
    cuffs = coagulation_edges(omega[rows], coag[rows], grid.dr) - outer_edges(gone[rows], grid.dr)
    # rows in the subcutis, or that the crater fills (no wall in the domain), are left out
    kept = np.asarray(skin_rows)[rows] & (radii < grid.nr * grid.dr)
    area = float(np.sum(walls[kept]))
    lined = float(np.sum(walls[kept] * np.maximum(cuffs[kept], 0.0)))
    floor = int(rows[-1]) + 1
    if floor < grid.nz and skin_rows[floor]:
        under = coagulation_edge(omega[:, 0], coag[:, 0], grid.dz) - (
            int(np.flatnonzero(gone[:, 0])[-1]) + 1
        ) * grid.dz
        face = math.pi * radii[-1] ** 2
        area += face
        lined += face * max(under, 0.0)
    return lined / area if area > 0.0 else float("nan")


def summarise(
    grid, void, omega, peak, t_boil, simulated, balance, geometry, runtime, removal_rise,
    dry_top_share=1.0, skin_rows=None,
) -> ColumnSummary:
    """Geometry of crater, coagulation and desiccation (definitions in ColumnSummary);
    `removal_rise` [K] per row: see `removal_progress`; `dry_top_share`: see
    `surface_opening`; `skin_rows`: which rows lie above the subcutis (default all), see
    `lining_necrosis`; the coagulated zone is the lesion's (`lesion_cells`)."""
    coag = lesion_cells(omega, void, grid.volume[None, :])
    dried = desiccated(peak, void, t_boil)
    dried_rows = np.flatnonzero(dried.any(axis=1))
    desiccation_depth = (dried_rows[-1] + 1) * grid.dz if dried_rows.size else 0.0
    volume = grid.volume
    void_rows = np.flatnonzero(void.any(axis=1))
    depth = (void_rows[-1] + 1) * grid.dz if void_rows.size else 0.0
    column_edges = coagulation_edges(omega.T, coag.T, grid.dz)
    coag_depth = float(column_edges.max(initial=0.0))
    floor = max(float(column_edges[0]) - depth, 0.0) if depth > 0 else coag_depth
    nan = float("nan")
    if geometry == "wide":
        width_surface = width_half = wall = coag_width = lining = nan
    else:
        above = np.ones(grid.nz, bool) if skin_rows is None else skin_rows
        lining = lining_necrosis(omega, coag, void, dried, grid, above)
        half = min(int(depth / 2 / grid.dz), grid.nz - 1)
        width_surface = 2 * outer_edge(void[0], grid.dr)
        width_half = 2 * outer_edge(void[half], grid.dr) if depth > 0 else 0.0
        coag_width = 2 * float(coagulation_edges(omega, coag, grid.dr).max())
        wall = nan
        if void[0].any():  # a crater open at the surface (a steam pocket has no wall)
            # mean cuff over the middle half of the crater depth
            rows = range(int(0.25 * depth / grid.dz), max(int(0.75 * depth / grid.dz), 1))
            wall = float(np.mean(row_cuffs(omega, coag, void, grid.dr, rows)))
    tissue_peak = np.where(void, -np.inf, peak)
    return ColumnSummary(
        ablation_depth=depth,
        ablation_width_surface=width_surface,
        ablation_width_half_depth=width_half,
        coagulation_thickness_wall=wall,
        coagulation_thickness_floor=floor,
        coagulation_depth=coag_depth,
        coagulation_width=coag_width,
        desiccation_depth=desiccation_depth,
        surface_opening=surface_opening(peak, void, t_boil, removal_rise, dry_top_share),
        lining_necrosis=lining,
        ablated_volume=float(np.sum(void * volume[None, :])),
        coagulated_volume=float(np.sum(coag * volume[None, :])),
        peak_temperature=float(tissue_peak.max()),
        simulated_time=simulated,
        runtime=runtime,
        energy=balance,
    )
