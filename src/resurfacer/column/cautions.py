"""Plain-language cautions about a column result (coarse grid, fast crater front,
lesion beyond the dermis, a pass at its ablation threshold, tissue removed under an
intact surface)."""

import numpy as np

from resurfacer.column.options import GRID_RANGE
from resurfacer.column.summary import ColumnSummary
from resurfacer.optics.absorption import MAX_WAVELENGTH, MIN_WAVELENGTH
from resurfacer.optics.scattering import scattering_matters
from resurfacer.tissue.skin import Skin

#: mu_a dz above which cells are coarse against the absorption length: the cell under
#: the crater floor ends the pulse part-heated, so the floor damage scatters by about
#: +/- mu_a dz / 2 (docs/column.md)
COARSE_ABSORPTION_PER_CELL = 0.3
#: the finest cell `simulate --grid-um` takes [um] (cli.simulate_command)
SIMULATE_FINEST_GRID_UM = 0.5

def grid_cautions(inputs: dict) -> list[str]:
    """A caution when mu_a,max dz > COARSE_ABSORPTION_PER_CELL, naming the grid for
    mu_a dz = 0.1 (floor damage within about 5 %)."""
    per_cell = inputs["absorption_per_cell"]
    if per_cell <= COARSE_ABSORPTION_PER_CELL:
        return []
    dz_um = inputs["grid_m"] * 1e6
    finer = dz_um * 0.1 / per_cell  # mu_a dz = 0.1: about +/- 5 %
    reach = ""
    if finer < SIMULATE_FINEST_GRID_UM:  # session 21: simulate was told of a grid it refuses
        at_finest = 50 * per_cell * SIMULATE_FINEST_GRID_UM / dz_um
        mtz = "resurfacer mtz solves one column that fine; " if finer >= GRID_RANGE[0] * 1e6 else ""
        reach = (
            f" ({mtz}simulate's finest, {SIMULATE_FINEST_GRID_UM:g} um, gives about "
            f"{at_finest:.0f} %)"
        )
    return [
        f"the grid is coarse for this wavelength (mu_a dz = {per_cell:.2g}: light is absorbed "
        f"within {dz_um / per_cell:.2g} um); floor damage may be off by about "
        f"{50 * per_cell:.0f} %: a {finer:.2g} um grid brings that to about 5 %{reach}"
    ]

#: Crater-front cells per time step (mean over the pulse) above which a column's wall cuff
#: moves with the time step. Measured on 4 um cells since each step's rays are sent as
#: two symmetric half sweeps (`kernels.driver._deposit_rays`; docs/column.md, "Time
#: step"), cuff and depth at the default step against dt_safety = 0.1, 120 um, cheek:
#: 5 mJ / 0.5 ms (3 cells per step) 0 % / 0 %; 15 mJ / 0.5 ms (8) +3.2 % / -0.7 %;
#: 30 mJ / 0.5 ms (13) +2.9 % / -0.4 %; 20 mJ / 0.25 ms (19) +5.5 % / +0.6 %; 10 mJ /
#: 0.125 ms (23) +5.8 % / +2.9 %. (Before, with one sweep, 8 cells per step cost the
#: cuff +6 % and the depth -7 %.)
FAST_FRONT_CELLS_PER_STEP = 15.0

#: Photon packets below which a Monte Carlo heat source (1,550 and 1,927 nm) is too noisy
#: for the column it drives. Measured (session 19, `resurfacer mtz`, 4 um cells): 1,550 nm,
#: 10 mJ, 100 um: 1,000 packets give a 96 um crater and a 318 C peak, 3,000 an 84 um
#: crater, 10,000 no crater but a 184 C peak, 50,000, 200,000 (the default) and 1e6 no
#: crater and a 100 C peak; 1,927 nm, 5 mJ, 140 um: 1,000 packets a 388 um crater against
#: 76 um at 200,000 and 1e6.
MIN_STEADY_PHOTONS = 50_000


def photon_cautions(inputs: dict) -> list[str]:
    """A caution when a Monte Carlo heat source ran on fewer than MIN_STEADY_PHOTONS
    packets: its hottest cells carry the noise of a few packets each."""
    photons = inputs.get("photons")
    if inputs["heat_source"] != "monte_carlo" or photons is None:
        return []
    if photons >= MIN_STEADY_PHOTONS:
        return []
    return [
        f"the light's absorption map comes from {photons:,} photon packets, too few for a "
        f"steady column: craters and peak temperatures can be far off (at 1,550 nm, 10 mJ, "
        f"1,000 packets gave a 96 um crater where {MIN_STEADY_PHOTONS:,} and more give "
        "none); use at least that many"
    ]


def front_cautions(summary: ColumnSummary, inputs: dict) -> list[str]:
    """A caution when the crater front crossed many cells per sweep of the rays (columns
    only).

    Mean front speed in cells per sweep pair: depth / dz / (stack x steps x pairs), over
    the whole steps each pulse is delivered in (`solve.steps_per_pulse`, the count the
    solver's own bound reads; until session 23 a pulse shorter than a step counted as a
    fraction of one: a 10 us pulse read "45 cells per sweep" where its 4 pairs crossed
    about 15 each) and the symmetric ray-sweep pairs each step's energy goes in
    (`solve.sweep_pairs`).
    """
    if inputs["geometry"] != "column" or summary.ablation_depth <= 0:
        return []
    dz = inputs["grid_m"]
    sweeps_on = inputs["stack"] * inputs["pulse_steps"] * inputs["sweep_pairs"]
    per_step = summary.ablation_depth / dz / max(sweeps_on, 1.0)
    if per_step <= FAST_FRONT_CELLS_PER_STEP:
        return []
    return [
        f"the crater front crossed about {per_step:.0f} cells per sweep of the rays during "
        "the pulse: "
        "the wall cuff comes out thick (about +6 % at 20 cells per sweep, more where the "
        "crater runs through fat); a finer grid (mtz --grid-um) or a smaller time step "
        "(SolverOptions.dt_safety in Python) "
        "resolves it (docs/column.md, \"Time step\")"
    ]


def depth_cautions(summary: ColumnSummary, skin: Skin) -> list[str]:
    """A caution when the coagulation depth passes the dermis or the modelled skin.

    In the subcutis fat is removed at 262 J/cm3 (``column.ablation``), a tenth of the
    dermis's cost, and no histology of columns in fat was found to check the crater or
    the thin cuff beside it (docs/column.md, "The cuff against energy")."""
    bounds = skin.layer_boundaries()  # surface, ..., dermis bottom, subcutis bottom [m]
    dermis_bottom, skin_bottom = bounds[-2], bounds[-1]
    if summary.coagulation_depth >= skin_bottom:
        return [f"the lesion passes the bottom of the modelled skin ({skin_bottom * 1e6:.0f} um)"]
    if summary.coagulation_depth > dermis_bottom:
        return [
            f"the lesion reaches the subcutis ({summary.coagulation_depth * 1e6:.0f} um; the "
            f"dermis ends at {dermis_bottom * 1e6:.0f} um): no histology of columns in fat "
            "was found to check the model there (docs/column.md); read depths there as rough"
        ]
    return []


#: how the caution of a pass at its ablation threshold begins (`treatment.model_notes`
#: leaves it out where earlier passes opened the surface at least as far)
THRESHOLD_CAUTION = "the pass is at its ablation threshold"


def threshold_cautions(summary: ColumnSummary, inputs: dict) -> list[str]:
    """A caution when the pass sits at its ablation threshold: no crater although the
    healing model counts the surface opened (`summary.surface_opening`, which reads every
    cell of the top row, where until session 23 only the cell on the axis was looked at
    and a 1,927 nm column opened 3.6 % off the axis went unflagged; a top row dried by the
    heat under it that the scattered light no longer heats counts 0 since session 30), or
    a crater of at most one cell.

    There the healing model reads how far the skin was opened from the top cell's
    progress from boiled dry to removed (`summary.surface_opening`, a model assumption
    with no published check), and the solver resolves the crater in whole cells
    (docs/healing.md, "The opened surface")."""
    dz = inputs["grid_m"]
    crater = summary.ablation_depth
    if crater > dz * (1 + 1e-9):
        return []
    if crater > 0:
        state = f"a crater of one {dz * 1e6:.2g} um cell"
    elif summary.surface_opening > 0:
        state = f"no crater, the surface boiled dry to {summary.desiccation_depth * 1e6:.0f} um"
    else:
        return []
    return [
        f"{THRESHOLD_CAUTION} ({state}): the healing model counts the "
        f"surface as {summary.surface_opening:.0%} opened, read from how far its top layer went "
        "from boiled dry towards removal, an assumption no published data check; crust and "
        "downtime rest on it (docs/healing.md, \"The opened surface\")"
    ]


def pocket_cautions(summary: ColumnSummary, fields, inputs: dict) -> list[str]:
    """A caution when the column removed tissue only below an intact top row: a steam
    pocket under the surface (scattered light peaks below it, as at 1,927 nm). The
    summary counts it in the crater depth; the wound stays closed over it unless the
    surface is on its way to removal (`healing.fractional_wound_kind`,
    `summary.surface_opening`), and the caution says which (until session 23 it said
    "closed unless" where healing counted the skin 18 % open; until session 30's review
    "did not boil dry" over a stratum corneum that had, at 1,550 nm)."""
    removed = fields["ablated"].values
    if not removed.any() or removed[0].any():
        return []
    rows = np.flatnonzero(removed.any(axis=1))
    dz_um = inputs["grid_m"] * 1e6
    if summary.surface_opening > 0:
        surface = (
            f"its surface boiled dry, so the healing model counts the skin over it "
            f"{summary.surface_opening:.0%} opened"
        )
    elif fields["desiccated"].values[0].any():
        surface = (
            "the healing model keeps the skin over it closed (its surface boiled dry but, "
            "once dry, absorbs none of the scattered light)"
        )
    else:
        surface = "the healing model keeps the skin over it closed (its surface did not boil dry)"
    return [
        f"tissue was removed from {rows[0] * dz_um:.0f} to {(rows[-1] + 1) * dz_um:.0f} um "
        f"under an intact surface (a steam pocket): the crater depth counts it, but {surface}"
    ]


#: relative distance in wavelength within which a Monte Carlo column that boiled tissue
#: dry is cautioned about the switch to Beer-Lambert tracing (`scattering_source_cautions`;
#: the caution's reach, not a model constant)
SWITCH_NEIGHBOURHOOD = 0.05


def near_the_light_model_switch(skin: Skin, wavelength: float) -> bool:
    """Whether the model traces the light otherwise (Monte Carlo map or Beer-Lambert rays,
    `optics.scattering.scattering_matters`) at a wavelength within `SWITCH_NEIGHBOURHOOD`
    of `wavelength` [m] (inside the absorption model's range)."""
    here = scattering_matters(skin, wavelength)
    return any(
        scattering_matters(skin, other) != here
        for other in (
            max(wavelength * (1 - SWITCH_NEIGHBOURHOOD), MIN_WAVELENGTH),
            min(wavelength * (1 + SWITCH_NEIGHBOURHOOD), MAX_WAVELENGTH),
        )
    )


def scattering_source_cautions(summary: ColumnSummary, inputs: dict, skin: Skin) -> list[str]:
    """A caution when a column on a Monte Carlo heat source removed tissue, or boiled it
    dry near the wavelength where the model switches to Beer-Lambert tracing.

    The map is computed once, on the intact skin; a cell that boils loses its absorption
    with its water and passes the light on (`kernels.deposition.deposit_map`), so such a
    column dries instead of ablating. The traced rays (scattering under 5 % of
    absorption, `optics.scattering`) follow the crater, and there the calibrated removal
    lets dried tissue go on absorbing to its ablation enthalpy (`column.ablation`). Near
    the switch the two readings of one exposure differ (found by a probe in session 23:
    88 um of crater at 2,680 nm, 560 um at 2,690 nm on the cheek; since session 29 none
    at 2,680 nm). The devices' wavelengths (1,550 and 1,927 nm) lie far from it."""
    if inputs["heat_source"] != "monte_carlo":
        return []
    if summary.ablation_depth > 0:
        return [
            f"the column removed tissue ({summary.ablation_depth * 1e6:.0f} um) on a Monte Carlo "
            "heat source, computed once on the intact skin: the crater does not reshape the "
            "light, so its depth and width are only indicative, and they step where the model "
            "changes to Beer-Lambert tracing (scattering under 5 % of absorption)"
        ]
    if summary.desiccation_depth > 0 and near_the_light_model_switch(skin, inputs["wavelength_m"]):
        return [
            f"the column boiled tissue dry ({summary.desiccation_depth * 1e6:.0f} um) on a Monte "
            "Carlo heat source, where a dried cell lets the light on, and removed none; within "
            f"{SWITCH_NEIGHBOURHOOD:.0%} in wavelength the model traces the light as rays "
            "instead (scattering under 5 % of absorption), and there dried tissue goes on "
            "absorbing to its removal: the same exposure would leave a crater, so this "
            "reading steps across that change"
        ]
    return []
