"""The numba heat kernels against the plain NumPy reference beside them.

Small random but physical states: a 12 x 7 r-z grid of 1-2 um cells, three
layers with different k and rho c (harmonic-mean k between rows), a crater of
void cells at the top of the inner rings, enthalpies below, on and above the
boiling plateau. Kernel and reference must agree to rtol 1e-12 (they sum the
same terms, possibly in another order).
"""

import importlib.util
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from resurfacer.kernels import conduction, damage, deposition, rkl2, state
from resurfacer.kernels.deposition import map_below
from resurfacer.optics.waveguide import channel_power_loss, wall_reflectance

#: the kernels of every job under one name, as the reference module has them
kernel = SimpleNamespace(
    **{
        name: getattr(module, name)
        for module in (state, conduction, deposition, damage, rkl2)
        for name in dir(module)
        if not name.startswith("_")
    }
)

_spec = importlib.util.spec_from_file_location(
    "heat_reference", Path(__file__).with_name("heat_reference.py")
)
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

RTOL = 1e-12
NZ, NR = 12, 7
T0, T_BOIL = 37.0, 100.0


def _state(seed, nz=NZ, nr=NR, lateral=True):
    """A random physical state, as ``mtz._solve`` would prepare it."""
    rng = np.random.default_rng(seed)
    dr, dz = 1.5e-6, 1e-6
    edges = np.arange(nr + 1) * dr
    area_axial = math.pi * (edges[1:] ** 2 - edges[:-1] ** 2)
    volume = area_axial * dz
    area_radial = 2.0 * math.pi * edges * dz
    layer = np.minimum(np.arange(nz) // 4, 2)
    k_row = np.array([0.25, 0.45, 0.5])[layer] * rng.uniform(0.9, 1.1, nz)
    k_face_z = 2.0 * k_row[:-1] * k_row[1:] / (k_row[:-1] + k_row[1:])
    rho_c = np.array([2.5e6, 3.6e6, 3.8e6])[layer] * rng.uniform(0.95, 1.05, nz)
    latent = np.array([0.3, 0.65, 0.7])[layer] * 2.26e9
    h_boil = rho_c * (T_BOIL - T0)
    # enthalpy: below the plateau, exactly on its edges, inside it, above it
    frac = rng.uniform(-0.2, 1.6, (nz, nr))
    enthalpy = np.where(
        frac < 1.0, frac * h_boil[:, None], h_boil[:, None] + (frac - 1.0) * 1.5 * latent[:, None]
    )
    enthalpy[2, 3] = h_boil[2]
    enthalpy[3, 4] = h_boil[3] + latent[3]
    enthalpy[5, 5] = h_boil[5] + 0.5 * latent[5]
    # crater: void at the top of the inner rings
    surface_row = np.array([4, 3, 2, 1, 0, 0, 0][:nr] + [0] * max(0, nr - 7), dtype=np.int64)
    void = np.arange(nz)[:, None] < surface_row[None, :]
    enthalpy[void] = 0.0
    temperature = np.where(
        void, T0, ref.temperature_of_enthalpy(enthalpy, rho_c[:, None], latent[:, None], T0, T_BOIL)
    )
    return dict(
        rng=rng,
        dr=dr,
        dz=dz,
        volume=volume,
        area_axial=area_axial,
        area_radial=area_radial,
        k_row=k_row,
        k_face_z=k_face_z,
        rho_c=rho_c,
        latent=latent,
        h_boil=h_boil,
        enthalpy=enthalpy,
        void=void,
        surface_row=surface_row,
        temperature=temperature,
        perfusion=rng.uniform(0.0, 4e4, nz),
        lateral=lateral,
        dt=0.2 * dz**2 * rho_c.min() / k_row.max(),
    )


def test_temperature_of_enthalpy_matches_reference():
    s = _state(1)
    h = np.concatenate([s["enthalpy"].ravel(), [-1e7, 0.0]])
    rows = np.concatenate([np.repeat(np.arange(NZ), NR), [0, 0]])
    got = np.array(
        [
            kernel.temperature_of_enthalpy(x, s["rho_c"][k], s["latent"][k], T0, T_BOIL)
            for x, k in zip(h, rows, strict=True)
        ]
    )
    want = ref.temperature_of_enthalpy(h, s["rho_c"][rows], s["latent"][rows], T0, T_BOIL)
    assert_allclose(got, want, rtol=RTOL)
    # the plateau edges and its inside are exactly T_boil
    for k, j in [(2, 3), (3, 4), (5, 5)]:
        assert (
            kernel.temperature_of_enthalpy(
                s["enthalpy"][k, j], s["rho_c"][k], s["latent"][k], T0, T_BOIL
            )
            == T_BOIL
        )
    # continuity at both plateau edges
    hb, lat, rc = s["h_boil"][0], s["latent"][0], s["rho_c"][0]
    for edge in (hb, hb + lat):
        lo = kernel.temperature_of_enthalpy(edge * (1 - 1e-12), rc, lat, T0, T_BOIL)
        hi = kernel.temperature_of_enthalpy(edge * (1 + 1e-12), rc, lat, T0, T_BOIL)
        assert abs(hi - lo) < 1e-6


def _column_tuples(s, h_conv=1e5, t_amb=25.0, t_far=37.0, t_art=37.0):
    return (
        kernel.ColumnGeometry(s["dr"], s["dz"], s["volume"], s["area_axial"], s["area_radial"]),
        kernel.ColumnMaterial(
            s["k_row"],
            s["k_face_z"],
            s["rho_c"],
            s["latent"],
            s["perfusion"],
            np.ones(NZ),
            np.full(NZ, np.inf),
        ),
        kernel.ColumnBoundary(T0, T_BOIL, t_art, h_conv, t_amb, t_far, s["lateral"]),
    )


def _conduction(module, s, n_active, h_conv, t_ambient, t_far, t_arterial, row_stop=None):
    enthalpy = s["enthalpy"].copy()
    void = s["void"].copy()
    temperature = s["temperature"].copy()
    following = np.full_like(temperature, -999.0)  # marks cells left untouched
    peak = temperature + s["rng_peak"]
    row_deviation = np.full(NZ, -1.0)
    energies = module.conduction_step(
        temperature,
        void,
        enthalpy,
        s["dt"],
        *_column_tuples(s, h_conv, t_ambient, t_far, t_arterial),
        n_active,
        following,
        peak,
        row_deviation,
        _void_extent(void),
        None,
        None,
        row_stop,
    )
    return np.array(energies), enthalpy, following, peak, row_deviation


def _void_extent(void) -> np.ndarray:
    """One past the outermost void column of each row (0 without void)."""
    extent = np.zeros(void.shape[0], dtype=np.int64)
    for k, row in enumerate(void):
        cols = np.flatnonzero(row)
        extent[k] = cols[-1] + 1 if cols.size else 0
    return extent


CONDUCTION_CASES = [
    # (seed, lateral_far_field, n_active, h_conv, t_ambient, t_far, t_arterial)
    (2, True, NZ, 1e5, 25.0, 37.0, 37.0),
    (3, False, NZ, 1e5, 25.0, 37.0, 37.0),
    (4, True, NZ, 3e4, 20.0, 50.0, 30.0),
    (5, False, NZ, 0.0, 37.0, 10.0, 45.0),
    (6, True, 7, 1e5, 25.0, 37.0, 37.0),
    (7, False, 1, 1e5, 25.0, 37.0, 37.0),
]


@pytest.mark.parametrize(
    ("seed", "lateral", "n_active", "h_conv", "t_amb", "t_far", "t_art"), CONDUCTION_CASES
)
def test_conduction_step_matches_reference(seed, lateral, n_active, h_conv, t_amb, t_far, t_art):
    s = _state(seed, lateral=lateral)
    s["rng_peak"] = s["rng"].uniform(-5.0, 5.0, (NZ, NR))
    got = _conduction(kernel, s, n_active, h_conv, t_amb, t_far, t_art)
    want = _conduction(ref, s, n_active, h_conv, t_amb, t_far, t_art)
    assert np.all(np.abs(got[0]) > 0.0) or h_conv == 0.0 or not lateral
    for g, w in zip(got, want, strict=True):
        assert_allclose(g, w, rtol=RTOL, atol=0.0)
    energies, enthalpy, following, _, row_deviation = got
    # rows at or below n_active and void cells are untouched
    assert_array_equal(enthalpy[n_active:], s["enthalpy"][n_active:])
    assert np.all(following[n_active:] == -999.0)
    assert np.all(following[s["void"]] == -999.0)
    assert np.all(row_deviation[n_active:] == -1.0)


# which cells of each row are advanced (j < row_stop[k]); the others are held
ROW_STOPS = {
    "narrowing": np.array([7, 7, 6, 6, 5, 4, 4, 3, 3, 2, 1, 0]),
    "ragged": np.array([7, 2, 6, 0, 5, 7, 1, 4, 6, 3, 7, 5]),
    "all": np.full(NZ, NR),
}


@pytest.mark.parametrize("pattern", ROW_STOPS)
@pytest.mark.parametrize(("seed", "lateral", "n_active"), [(11, True, NZ), (12, False, 9)])
def test_conduction_step_with_held_cells_matches_reference(seed, lateral, n_active, pattern):
    """Cells beyond their row's stop are held; heat into them is booked as conducted out."""
    s = _state(seed, lateral=lateral)
    s["rng_peak"] = s["rng"].uniform(-5.0, 5.0, (NZ, NR))
    row_stop = ROW_STOPS[pattern]
    got = _conduction(kernel, s, n_active, 1e5, 25.0, 37.0, 37.0, row_stop)
    want = _conduction(ref, s, n_active, 1e5, 25.0, 37.0, 37.0, row_stop)
    for g, w in zip(got, want, strict=True):
        assert_allclose(g, w, rtol=RTOL, atol=0.0)
    _, enthalpy, following, _, _ = got
    held = (np.arange(NR)[None, :] >= row_stop[:, None]) | (np.arange(NZ)[:, None] >= n_active)
    assert_array_equal(enthalpy[held], s["enthalpy"][held])
    assert np.all(following[held] == -999.0)


@pytest.mark.parametrize(
    ("seed", "lateral", "t_amb", "t_far", "t_art", "pattern"),
    [
        (8, True, 25.0, 37.0, 37.0, "all"),
        (9, False, 20.0, 60.0, 30.0, "all"),
        (10, True, 90.0, 5.0, 45.0, "all"),
        (8, True, 25.0, 37.0, 37.0, "narrowing"),
        (9, False, 20.0, 60.0, 30.0, "ragged"),
    ],
)
def test_conduction_step_conserves_energy(seed, lateral, t_amb, t_far, t_art, pattern):
    """Without a source, the change of sum(H V) is minus the returned losses (with held
    cells too: what flows into them is booked as conducted out)."""
    s = _state(seed, lateral=lateral)
    s["rng_peak"] = np.zeros((NZ, NR))
    # a blood flow far above physiological, so the perfusion term is not negligible
    s["perfusion"] = s["rng"].uniform(1e10, 3e10, NZ)
    row_stop = None if pattern == "all" else ROW_STOPS[pattern]
    (conducted, surface, perfused), enthalpy, *_ = _conduction(
        kernel, s, NZ, 1e5, t_amb, t_far, t_art, row_stop
    )
    v = s["volume"][None, :]
    tissue = ~s["void"]
    change = np.sum(np.where(tissue, enthalpy - s["enthalpy"], 0.0) * v)
    losses = conducted + surface + perfused
    # each term is well away from zero, so the relative comparison is meaningful
    assert min(abs(conducted), abs(surface), abs(perfused)) > 1e-6 * abs(losses)
    assert change == pytest.approx(-losses, rel=1e-12)


#: a wall of complex index 1.25 + 0.07i at 10.6 um (about dermis), and its EH11 loss
#: coefficient 2 alpha a^3 [m^2], scaled up so that the small test grids feel it
WAVELENGTH, INDEX = 10.6e-6, complex(1.25, 0.07)


def _optics(nz=NZ, wavelength=WAVELENGTH):
    """Wall optics of INDEX at `wavelength`: at 10.6 um the mode's grazing angle in a
    channel a few um wide is large (every wall hit is one of its bounces); a short
    wavelength makes it small, so that steep hits take the Fresnel branch."""
    loss = float(channel_power_loss(1.0, wavelength, INDEX))
    return kernel.WallOptics(
        True,
        np.full(nz, loss),
        np.full(nz, INDEX.real),
        np.full(nz, INDEX.imag),
        wavelength,
        np.where(np.arange(nz) % 3 == 2, 2e9, 0.0),  # ejecta in every third row
    )


def _crater(void, dr, dz, optics):
    nz = void.shape[0]
    extent = _void_extent(void)
    lumen = np.zeros(nz, dtype=np.int64)  # set by deposit_beam from the void
    return kernel.Crater(optics, extent, lumen, np.zeros(nz), np.zeros(nz), np.zeros(1), dr, dz)


def _deposit(
    module, s, ring_energy, attenuation, h_ablation, spread=None, optics=None, inward=False
):
    enthalpy = s["enthalpy"].copy()
    void = s["void"].copy()
    spread = np.ones(NZ) if spread is None else spread
    optics = kernel.no_wall_optics(NZ) if optics is None else optics
    crater = _crater(void, s["dr"], s["dz"], optics)
    if module is kernel:
        energies = kernel.deposit_beam(
            enthalpy, void, ring_energy, attenuation, s["volume"], h_ablation, spread, crater,
            inward,
        )
    else:
        energies = ref.deposit_beam(
            enthalpy, void, ring_energy, attenuation, s["volume"], h_ablation, spread, crater,
            kernel.RAYS_PER_RING, kernel.BEAM_CUTOFF, inward,
        )
    return np.array(energies, dtype=float), enthalpy, void, crater.void_extent


def _beam(s, mu, scale):
    attenuation = np.exp(-mu * s["dz"]) * np.ones(NZ)
    ring_energy = scale * s["volume"] / s["dz"] * s["rng"].uniform(0.2, 1.0, NR)
    return attenuation, ring_energy


def _assert_same(got, want):
    for g, w in zip(got, want, strict=True):
        assert_allclose(g, w, rtol=RTOL, atol=0.0)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_deposit_beam_without_ablation(seed):
    s = _state(seed)
    attenuation, ring_energy = _beam(s, mu=2e5, scale=1e3)  # ~ J/m^2 per step
    ring_energy[2] = 0.0  # a ring without light
    h_ablation = np.full(NZ, np.inf)
    got = _deposit(kernel, s, ring_energy, attenuation, h_ablation)
    _assert_same(got, _deposit(ref, s, ring_energy, attenuation, h_ablation))
    assert_array_equal(got[2], s["void"])
    # energy: absorbed + transmitted = delivered
    absorbed = np.sum((got[1] - s["enthalpy"]) * s["volume"][None, :])
    assert absorbed + got[0][1] == pytest.approx(ring_energy.sum(), rel=1e-12)
    # without spread each ring's light stays in its own column
    assert np.all(got[1][:, 2] == s["enthalpy"][:, 2])


@pytest.mark.parametrize("seed", [14, 15, 16])
def test_deposit_beam_ablates_mid_step(seed):
    """Cells reach the ablation enthalpy within the step: removed, rest goes on."""
    s = _state(seed)
    h_ablation = s["h_boil"] + 0.6 * s["latent"]
    # one cell already beyond its ablation enthalpy (removed at no cost, f = 0)
    j = 5
    s["enthalpy"][s["surface_row"][j], j] = h_ablation[s["surface_row"][j]] * 1.01
    attenuation, ring_energy = _beam(s, mu=1e5, scale=3e4)
    before_void = s["void"].sum()
    got = _deposit(kernel, s, ring_energy, attenuation, h_ablation)
    _assert_same(got, _deposit(ref, s, ring_energy, attenuation, h_ablation))
    (ablated, transmitted, void_rows, _), enthalpy, void, _ = got
    assert void.sum() >= before_void + 2 and ablated > 0.0
    # without spread the void stays a crater open to the top in every column
    surface_row = void.sum(axis=0)
    assert_array_equal(void, np.arange(NZ)[:, None] < surface_row[None, :])
    assert void_rows == surface_row.max()
    assert np.all(enthalpy[void] == 0.0)
    # some column ablated a cell and still heated the cell below it in the same step
    grew = surface_row > s["surface_row"]
    below = np.minimum(surface_row, NZ - 1)
    heated = enthalpy[below, np.arange(NR)] > s["enthalpy"][below, np.arange(NR)]
    assert np.any(grew & (surface_row < NZ) & heated)
    # energy: stored change + ablation + transmitted = delivered (removed cells counted
    # with their H V in `ablated`)
    v = s["volume"][None, :]
    stored_change = np.sum(enthalpy * v) - np.sum(s["enthalpy"] * v)
    assert stored_change + ablated + transmitted == pytest.approx(ring_energy.sum(), rel=1e-12)


def test_deposit_beam_through_the_whole_grid():
    """A fully ablated column passes its light through (transmitted)."""
    s = _state(17)
    s["void"][:, 0] = True
    s["enthalpy"][:, 0] = 0.0
    attenuation, ring_energy = _beam(s, mu=1e4, scale=1e3)
    got = _deposit(kernel, s, ring_energy, attenuation, np.full(NZ, np.inf))
    _assert_same(got, _deposit(ref, s, ring_energy, attenuation, np.full(NZ, np.inf)))
    assert got[0][1] > ring_energy[0]


@pytest.mark.parametrize("seed", [20, 21, 22])
@pytest.mark.parametrize("inward", [False, True])
def test_deposit_beam_diverging_rays_match_reference(seed, inward):
    """Rays that widen with depth: ablation, undercut walls and rays leaving the side;
    traced from the axis out and from the outermost ring in."""
    s = _state(seed)
    h_ablation = s["h_boil"] + 0.6 * s["latent"]
    attenuation, ring_energy = _beam(s, mu=1e5, scale=3e4)
    spread = 1.0 + 0.25 * np.arange(NZ)
    got = _deposit(kernel, s, ring_energy, attenuation, h_ablation, spread, inward=inward)
    want = _deposit(ref, s, ring_energy, attenuation, h_ablation, spread, inward=inward)
    _assert_same(got, want)
    (ablated, transmitted, _, _), enthalpy, void, extent = got
    v = s["volume"][None, :]
    stored_change = np.sum(enthalpy * v) - np.sum(s["enthalpy"] * v)
    assert stored_change + ablated + transmitted == pytest.approx(ring_energy.sum(), rel=1e-12)
    assert_array_equal(extent, _void_extent(void))


def test_diverging_rays_reproduce_the_widened_gaussian():
    """Through an open crater the power reaching a floor at depth z is the Gaussian
    profile of radius w0 s(z): in every column, to within the rays' sampling."""
    nz, nr, dr = 40, 60, 1e-6
    w0, spread_floor = 12e-6, 1.6
    edges = np.arange(nr + 1) * dr
    volume = math.pi * (edges[1:] ** 2 - edges[:-1] ** 2) * dr
    enthalpy = np.zeros((nz, nr))
    void = np.zeros((nz, nr), dtype=np.bool_)
    void[: nz - 1, :] = True  # everything open down to the last row
    spread = np.linspace(1.0, spread_floor, nz)
    ring_energy = np.diff(1.0 - np.exp(-2.0 * edges**2 / w0**2))
    attenuation = np.zeros(nz)  # the floor absorbs everything that reaches it
    crater = _crater(void, dr, dr, kernel.no_wall_optics(nz))  # no wall losses
    kernel.deposit_beam(
        enthalpy, void, ring_energy, attenuation, volume, np.full(nz, np.inf), spread, crater,
        False,
    )
    got = enthalpy[-1] * volume
    w = w0 * spread_floor
    want = np.diff(1.0 - np.exp(-2.0 * edges**2 / w**2))
    # rays carry 1/8 of a ring: the columns' power is right to about one ray's share
    assert_allclose(got, want, rtol=0.0, atol=0.15 * want.max())
    # and the energy-weighted mean radius to 1 %
    centres = 0.5 * (edges[1:] + edges[:-1])
    assert np.sum(got * centres) == pytest.approx(np.sum(want * centres), rel=0.01)


@pytest.mark.parametrize("seed", [20, 21, 22, 25])
@pytest.mark.parametrize("wavelength", [WAVELENGTH, 0.3e-6])
@pytest.mark.parametrize("ablating", [False, True])
@pytest.mark.parametrize("inward", [False, True])
def test_deposit_beam_with_wall_optics_matches_reference(seed, wavelength, ablating, inward):
    """The crater as a lossy waveguide: channel loss into each row's wall, Fresnel at
    steep wall hits, guided rays; with and without ablation of floor and wall; traced
    from the axis out and from the outermost ring in."""
    s = _state(seed)
    h_ablation = s["h_boil"] + 0.6 * s["latent"] if ablating else np.full(NZ, np.inf)
    attenuation, ring_energy = _beam(s, mu=1e5, scale=3e4)
    spread = 1.0 + 0.25 * np.arange(NZ)
    optics = _optics(wavelength=wavelength)
    got = _deposit(kernel, s, ring_energy, attenuation, h_ablation, spread, optics, inward)
    want = _deposit(ref, s, ring_energy, attenuation, h_ablation, spread, optics, inward)
    _assert_same(got, want)
    (ablated, transmitted, _, _), enthalpy, void, extent = got
    v = s["volume"][None, :]
    stored_change = np.sum(enthalpy * v) - np.sum(s["enthalpy"] * v)
    assert stored_change + ablated + transmitted == pytest.approx(ring_energy.sum(), rel=1e-12)
    assert_array_equal(extent, _void_extent(void))
    # the walls took light: cells beside the crater, in rows the crater was open in,
    # gained enthalpy even where no ray's own column reached them
    without = _deposit(kernel, s, ring_energy, attenuation, h_ablation, spread)
    assert not np.allclose(enthalpy, without[1])


def test_open_channel_passes_the_eh11_fraction_to_its_floor():
    """Light sent straight down an open channel of radius a reaches the floor with
    exp(-2 alpha(a) L) of its power; the rest is in the walls of the rows it crossed."""
    nz, nr, dr, dz = 30, 40, 1e-6, 1e-6
    edges = np.arange(nr + 1) * dr
    volume = math.pi * (edges[1:] ** 2 - edges[:-1] ** 2) * dz
    enthalpy = np.zeros((nz, nr))
    void = np.zeros((nz, nr), dtype=np.bool_)
    void[: nz - 1, :10] = True  # a channel of radius 10 um, floor in the last row
    ring_energy = np.zeros(nr)
    ring_energy[:5] = 1.0
    optics = _optics(nz)
    crater = _crater(void, dr, dz, optics)
    attenuation = np.zeros(nz)  # the floor absorbs all that reaches it
    _, transmitted, _, _ = kernel.deposit_beam(
        enthalpy, void, ring_energy, attenuation, volume, np.full(nz, np.inf), np.ones(nz), crater,
        False,
    )
    floor = np.sum(enthalpy[-1] * volume)
    loss = channel_power_loss(10e-6, WAVELENGTH, INDEX)
    assert floor == pytest.approx(5.0 * math.exp(-loss * (nz - 1) * dz), rel=1e-9)
    walls = np.sum(enthalpy[: nz - 1] * volume[None, :], axis=1)
    assert np.all(walls > 0.0) and np.all(enthalpy[: nz - 1, :10] == 0.0)
    # what the walls do not hold left the grid's side
    assert floor + walls.sum() + transmitted == pytest.approx(5.0, rel=1e-12)


@pytest.mark.parametrize("degrees", [0.0, 30.0, 60.0, 85.0, 89.5])
def test_wall_fresnel_and_absorption_match_the_optics_module(degrees):
    angle = math.radians(degrees)
    assert kernel.wall_reflectance(angle, INDEX) == pytest.approx(
        wall_reflectance(angle, INDEX), rel=1e-12
    )
    mu_a = 4 * math.pi * INDEX.imag / WAVELENGTH
    mu = kernel.wall_absorption(angle, INDEX, WAVELENGTH)
    # mu_a / cos(theta_t) with Snell's law on the real index, to first order in k / n
    cos_t = math.sqrt(1.0 - (math.sin(angle) / INDEX.real) ** 2)
    assert mu == pytest.approx(mu_a / cos_t, rel=0.05)
    if degrees == 0.0:
        assert mu == pytest.approx(mu_a, rel=1e-3)


def _deposition_map(rng):
    """A photon-transport-like source map: random, decaying with depth and radius,
    non-zero on every cell (void ones too), summing to 0.8 (the rest reflected)."""
    decay = np.exp(-np.arange(NZ) / 5.0)[:, None] * np.exp(-np.arange(NR) / 4.0)[None, :]
    fraction = rng.uniform(0.2, 1.0, (NZ, NR)) * decay
    return 0.8 * fraction / fraction.sum()


def _map_inputs(s, rng):
    """A map and per-row shares of mu_a kept once dry (0-0.3)."""
    return _deposition_map(rng), rng.uniform(0.0, 0.3, s["enthalpy"].shape[0])


def _run_map(module, s, fraction, energy, h_ablation, dry_share):
    enthalpy, void = s["enthalpy"].copy(), s["void"].copy()
    out = module.deposit_map(
        enthalpy, void, fraction, energy, s["volume"], h_ablation, s["rho_c"], T_BOIL - T0,
        s["latent"], dry_share, map_below(fraction),
    )
    return enthalpy, void, out


@pytest.mark.parametrize("seed", [51, 52, 53])
def test_deposit_map_matches_reference(seed):
    """`deposit_map` (the Monte Carlo heat source of the 1,550 and 1,927 nm columns,
    `kernels.driver._deposit`) against `heat_reference.deposit_map`, written row by row
    with the same semantics: the enthalpy array, the void mask, the ablation energy, the
    light passed out of the bottom and the deepest row that took carried light must
    agree (rtol 1e-12; the kernel sums per column, the reference per row).

    The random state has a crater of void cells (transparent: their share of the map
    goes on down), two cells with a negative share (kept in the cell, not passed on:
    session 29's review found it sent on as negative light), cells below the boiling
    plateau (absorb their share), on it (absorb
    in proportion to the water left) and boiled dry (keep only the row's dry share),
    cells the step pushes past the ablation enthalpy (removed: H V booked, H = 0, void),
    one pushed exactly onto it (removed: the kernel tests H >= H_abl) and cells that
    stay tissue. A kernel that reads the map one row off in depth, books a void's
    share as ablation, absorbs as if every cell were wet, or tests H > H_abl fails here.
    The energy balance (stored change + ablation + transmitted = energy x sum of the
    map) is checked as well, independently of the reference.
    """
    s = _state(seed)
    rng = s["rng"]
    fraction, dry_share = _map_inputs(s, rng)
    # two cells deep in the map with a small negative share (its Monte Carlo noise)
    fraction[-1, -1] = fraction[-2, 0] = -0.01 * fraction.max()
    volume = s["volume"]
    h_dry = (s["h_boil"] + s["latent"])[:, None]
    h_ablation = s["h_boil"] + s["latent"] + 200.0 * s["rho_c"]
    # a fifth of the tissue boiled dry, its residue 0-150 K over the boiling point
    dried = ~s["void"] & (rng.uniform(size=s["void"].shape) < 0.2)
    s["enthalpy"] = np.where(
        dried, h_dry + rng.uniform(0.0, 150.0, dried.shape) * s["rho_c"][:, None], s["enthalpy"]
    )
    need = (h_ablation[:, None] - s["enthalpy"]) * volume[None, :]
    tissue = ~s["void"]
    wet = s["enthalpy"] <= s["h_boil"][:, None]
    energy = float(np.median((need / fraction)[tissue & wet & (need > 0.0)]))
    # a wet top-row cell (no light carried to it) is pushed exactly onto its ablation
    # enthalpy: its row's other cells are then removed or not by the same test
    # (its share of the map cut so that the step leaves it under the plateau, where the
    # kernel and the reference both take all it is sent)
    j = int(np.flatnonzero(tissue[0] & (s["enthalpy"][0] < s["h_boil"][0]))[0])
    fraction[0, j] = 0.5 * (s["h_boil"][0] - s["enthalpy"][0, j]) * volume[j] / energy
    h_ablation[0] = s["enthalpy"][0, j] + energy * fraction[0, j] / volume[j]

    kernel_run = _run_map(kernel, s, fraction, energy, h_ablation, dry_share)
    ref_run = _run_map(ref, s, fraction, energy, h_ablation, dry_share)
    (enthalpy, void, (ablated, transmitted)) = kernel_run
    (ref_enthalpy, ref_void, (ref_ablated, ref_transmitted)) = ref_run
    assert_allclose(enthalpy, ref_enthalpy, rtol=RTOL, atol=0.0)
    assert_array_equal(void, ref_void)
    assert ablated == pytest.approx(ref_ablated, rel=RTOL)
    assert transmitted == pytest.approx(ref_transmitted, rel=RTOL)

    # the cases the docstring names are all present
    removed = void & ~s["void"]
    dry = s["enthalpy"] >= h_dry
    boiling = ~wet & ~dry
    assert s["void"].sum() >= 5 and np.all(fraction[s["void"]] > 0.0)
    assert removed[0, j] and enthalpy[0, j] == 0.0
    assert removed.sum() >= 5 and (tissue & ~removed).sum() >= 10
    assert (tissue & dry).sum() >= 5 and (tissue & boiling).sum() >= 5
    assert np.all(enthalpy[s["void"]] == s["enthalpy"][s["void"]])
    stored_change = np.sum((enthalpy - s["enthalpy"]) * volume[None, :])
    total = stored_change + ablated + transmitted
    assert total == pytest.approx(energy * fraction.sum(), rel=1e-12)
    assert transmitted > 0.0


@pytest.mark.parametrize("dry_share", [0.0, 0.05, 0.4])
@pytest.mark.parametrize("start", [0.3, 1.0, 1.25, 1.9, 2.5])
def test_a_boiling_cell_absorbs_as_the_water_it_has_left(dry_share, start):
    """`absorb_as_water_allows`' closed form against the light sent in 20,000 small
    equal parts, each absorbed at the cell's share q = s + (1 - s) w of the moment (w the
    water left): enthalpy and light passed on agree to 1e-4 of the light sent, from below
    the plateau (start < 1, in units of H_b), on it (1-2: start - 1 of L boiled) and dry
    (> 2), with and without a dry share."""
    h_boil, latent, volume = 1.0e8, 1.0e9, 1.0e-15
    h0 = start * h_boil if start <= 1.0 else h_boil + (start - 1.0) * latent
    sent = 1.2 * latent * volume
    h = deposition.absorb_as_water_allows(h0, sent, volume, h_boil, latent, dry_share)
    passed = sent - (h - h0) * volume
    parts = 20_000
    h_num, passed_num = h0, 0.0
    for _ in range(parts):
        x = h_num - h_boil
        w = 1.0 if x <= 0.0 else max(0.0, 1.0 - x / latent)
        q = dry_share + (1.0 - dry_share) * w
        h_num += q * (sent / parts) / volume
        passed_num += (1.0 - q) * sent / parts
    assert (h - h_num) * volume == pytest.approx(0.0, abs=1e-4 * sent)
    assert passed == pytest.approx(passed_num, abs=1e-4 * sent)


def test_deposit_map_on_wet_tissue_is_the_map():
    """Below the boiling plateau, with no crater, every cell absorbs exactly its share
    of the map and nothing is carried or transmitted (the photon transport's own
    result, as before cells lost absorption with their water)."""
    s = _state(54)
    rng = s["rng"]
    fraction, dry_share = _map_inputs(s, rng)
    s["void"][:] = False
    s["enthalpy"] = 0.5 * s["h_boil"][:, None] * np.ones_like(s["enthalpy"])
    energy = 1e-9
    h_ablation = np.full(s["enthalpy"].shape[0], np.inf)
    enthalpy, void, (ablated, transmitted) = _run_map(
        kernel, s, fraction, energy, h_ablation, dry_share
    )
    assert_allclose(enthalpy, s["enthalpy"] + energy * fraction / s["volume"][None, :], rtol=RTOL)
    assert ablated == 0.0 and not void.any()
    assert transmitted == pytest.approx(0.0, abs=1e-12 * energy)


def test_a_dried_cell_passes_its_light_to_the_rows_below_as_the_map_shares_them():
    """A cell boiled dry with no non-water absorber keeps none of what reaches it; the
    rows under it share that light as the map shares its absorption there (a row with
    a quarter of the map under the dry cell gets a quarter of its light; one column of
    three rows, the map 0.5 / 0.125 / 0.375); a removed cell passes all of it, and
    nothing is transmitted while tissue under the map is wet."""
    rho_c, rise, latent = np.full(3, 1e6), 100.0, np.full(3, 1e9)  # H_b = 1e8 J/m^3
    fraction = np.array([[0.5], [0.125], [0.375]])
    volume = np.array([1e-15])
    for top, void_top in ((rho_c[0] * rise + latent[0] + 1.0, False), (0.0, True)):
        enthalpy = np.array([[top], [0.0], [0.0]])
        void = np.array([[void_top], [False], [False]])
        before = enthalpy.copy()
        ablated, transmitted = kernel.deposit_map(
            enthalpy, void, fraction, 1e-9, volume, np.full(3, np.inf), rho_c, rise, latent,
            np.zeros(3), map_below(fraction),
        )
        gained = (enthalpy - before)[:, 0] * volume[0]
        assert gained[0] == 0.0
        assert gained[1] == pytest.approx(1e-9 * (0.125 + 0.5 * 0.25), rel=1e-12)
        assert gained[2] == pytest.approx(1e-9 * (0.375 + 0.5 * 0.75), rel=1e-12)
        assert transmitted == pytest.approx(0.0, abs=1e-24) and ablated == 0.0


@pytest.mark.parametrize("seed", [18, 19])
@pytest.mark.parametrize("segments", [1, 2])
def test_accumulate_damage_matches_reference(seed, segments):
    s = _state(seed)
    if segments == 1:
        ln_a, ea_over_r, t_min = np.array([226.7847]), np.array([75531.04]), np.array([-273.15])
    else:
        ln_a = np.array([286.3022, 118.0323])
        ea_over_r = np.array([93534.9, 39109.8])
        t_min = np.array([-273.15, 50.0])
    temperature = s["rng"].uniform(30.0, 90.0, (NZ, NR))
    temperature[0, -1] = 50.0  # exactly on the segment switch
    omega0 = s["rng"].uniform(0.0, 2.0, (NZ, NR))
    results = []
    for module in (kernel, ref):
        omega = omega0.copy()
        rate = module.accumulate_damage(
            temperature, s["void"], omega, 1e-4, ln_a, ea_over_r, t_min, 45.0
        )
        results.append((rate, omega))
    assert_allclose(results[0][0], results[1][0], rtol=RTOL)
    assert_allclose(results[0][1], results[1][1], rtol=RTOL, atol=0.0)
    cold_or_void = s["void"] | (temperature <= 45.0)
    assert_array_equal(results[0][1][cold_or_void], omega0[cold_or_void])
    assert np.all(results[0][1][~cold_or_void] > omega0[~cold_or_void])


@pytest.mark.parametrize("n_rows", [1, 5, 12])
def test_max_tissue_temperature_matches_reference(n_rows):
    rng = np.random.default_rng(n_rows)
    temperature = rng.uniform(30.0, 300.0, (12, 7))
    void = rng.random((12, 7)) < 0.3
    for module in (kernel, ref):
        assert module.max_tissue_temperature(temperature, void, n_rows, 37.0) == (
            ref.max_tissue_temperature(temperature, void, n_rows, 37.0)
        )


# --- RKL2 super steps ----------------------------------------------------------------------


def _stage(module, s, n_active, first, coefficients, case, row_stop=None):
    """Run one RKL2 stage (`first`: stage 1, storing L(Y_0)) of `module` on state `s`."""
    mu, nu, gamma_tau = coefficients
    rng = np.random.default_rng(case)
    enthalpy = s["enthalpy"].copy()
    # Y_{j-2}, Y_0: the state shifted by a few percent; L(Y_0): random, finite
    prev2 = enthalpy * rng.uniform(0.97, 1.03, enthalpy.shape)
    start = enthalpy * rng.uniform(0.97, 1.03, enthalpy.shape)
    rate_start = rng.uniform(-1e12, 1e12, enthalpy.shape)
    out = np.full_like(enthalpy, -999.0)
    rate_out = np.full_like(enthalpy, -999.0) if first else None
    following = np.full_like(enthalpy, -999.0)
    peak = s["temperature"] + 5.0
    row_deviation = np.full(NZ, -1.0)
    stage = kernel.RKLStage(out, prev2, start, rate_start, mu, nu, 1.0 - mu - nu, gamma_tau)
    energies = module.conduction_step(
        s["temperature"].copy(),
        s["void"],
        enthalpy,
        s["dt"] * 0.4,
        *_column_tuples(s),
        n_active,
        following,
        peak,
        row_deviation,
        _void_extent(s["void"]),
        stage,
        rate_out,
        row_stop,
    )
    results = [np.array(energies), enthalpy, out, following, peak, row_deviation]
    if first:
        results.append(rate_out)
    return results


@pytest.mark.parametrize(
    ("seed", "lateral", "n_active", "first", "coefficients", "pattern"),
    [
        (20, True, NZ, True, (1.0, 0.0, 0.0), "all"),
        (21, False, NZ, False, (1.8, -0.85, -2.1e-7), "all"),
        (22, True, 8, False, (1.95, -0.96, -3e-8), "all"),
        (23, False, 1, True, (1.0, 0.0, 0.0), "all"),
        (25, True, NZ, True, (1.0, 0.0, 0.0), "narrowing"),
        (26, False, 10, False, (1.8, -0.85, -2.1e-7), "ragged"),
    ],
)
def test_conduction_stage_matches_reference(seed, lateral, n_active, first, coefficients, pattern):
    """An RKL2 stage: Y_j out of place, the state and the peak untouched."""
    s = _state(seed, lateral=lateral)
    row_stop = ROW_STOPS[pattern]
    got = _stage(kernel, s, n_active, first, coefficients, seed, row_stop)
    want = _stage(ref, s, n_active, first, coefficients, seed, row_stop)
    for g, w in zip(got, want, strict=True):
        assert_allclose(g, w, rtol=RTOL, atol=0.0)
    _, enthalpy, out, following, peak, _ = got[:6]
    assert_array_equal(enthalpy, s["enthalpy"])
    assert_array_equal(peak, s["temperature"] + 5.0)
    advanced = (
        ~s["void"]
        & (np.arange(NZ)[:, None] < n_active)
        & (np.arange(NR)[None, :] < row_stop[:, None])
    )
    assert np.all(out[advanced] != -999.0) and np.all(out[~advanced] == -999.0)
    assert np.all(following[~advanced] == -999.0)


def test_explicit_step_is_a_stage_with_unit_weights():
    """mu = 1, nu = gamma = 0 out of place gives the explicit step's enthalpy."""
    s = _state(24)
    s["rng_peak"] = np.zeros((NZ, NR))
    explicit = _conduction(kernel, s, NZ, 1e5, 25.0, 37.0, 37.0)
    s["dt"] /= 0.4  # _stage runs at 0.4 dt
    staged = _stage(kernel, s, NZ, True, (1.0, 0.0, 0.0), 24)
    assert_allclose(staged[0], explicit[0], rtol=RTOL)
    tissue = ~s["void"]
    assert_allclose(staged[2][tissue], explicit[1][tissue], rtol=RTOL)
    assert_allclose(staged[3][tissue], explicit[2][tissue], rtol=RTOL)


@pytest.mark.parametrize("n_stages", [2, 3, 7, 40])
def test_rkl2_coefficients(n_stages):
    """Match the reference; the stability polynomial R(z) of y' = z y / tau is second order
    (R = 1 + z + z^2/2 + O(z^3)) and |R| <= 1 on -(s^2 + s - 2)/2 <= z <= 0 (the explicit
    step's interval [-2, 0] stretched by (s^2 + s - 2)/4)."""
    got = kernel.rkl2_coefficients(n_stages)
    for g, w in zip(got, ref.rkl2_coefficients(n_stages), strict=True):
        assert_allclose(g, w, rtol=RTOL, atol=1e-300)
    mu, nu, mu_tilde, gamma_tilde = got

    def amplification(z):
        y0 = np.ones_like(z)
        previous, current = y0, y0 + mu_tilde[1] * z * y0
        for j in range(2, n_stages + 1):
            following = (
                mu[j] * current
                + nu[j] * previous
                + (1 - mu[j] - nu[j]) * y0
                + mu_tilde[j] * z * current
                + gamma_tilde[j] * z * y0
            )
            previous, current = current, following
        return current

    small = np.array([-1e-2, -2e-2])
    error = amplification(small) - (1 + small + small**2 / 2)
    assert np.all(np.abs(error) < 0.2 * np.abs(small) ** 3)
    z = np.linspace(-(n_stages**2 + n_stages - 2) / 2, 0.0, 4001)
    assert np.max(np.abs(amplification(z))) <= 1.0 + 1e-12
    for ratio in [0.0, 1.0, 2.5, 2.6, 7.0, 100.0, 409.5]:
        assert kernel.rkl2_stages_for(ratio) == ref.rkl2_stages_for(ratio)


def _super_step(module, s, tau, n_stages, n_rows, case, row_stop=None):
    enthalpy = s["enthalpy"].copy()
    temperature = s["temperature"].copy()
    temperature_end = np.full_like(temperature, -999.0)
    row_deviation = np.full(NZ, -1.0)
    work = kernel.super_step_work(enthalpy, temperature)
    losses = module.rkl2_super_step(
        temperature,
        s["void"],
        enthalpy,
        tau,
        n_stages,
        *_column_tuples(s, *case),
        n_rows,
        np.full(NZ, NR) if row_stop is None else row_stop,
        temperature_end,
        row_deviation,
        _void_extent(s["void"]),
        work,
    )
    return np.array(losses), enthalpy, temperature, temperature_end, row_deviation


def _smooth_state(seed, lateral):
    """A state with smooth temperatures below the plateau (a super step is meant for
    such states; the random one has a grid-scale pattern and plateau cells)."""
    s = _state(seed, lateral=lateral)
    z = np.arange(NZ)[:, None] * s["dz"]
    r = np.arange(NR)[None, :] * s["dr"]
    rise = 55.0 * np.exp(-(z**2 + r**2) / (8e-6) ** 2)
    h = rise * s["rho_c"][:, None]
    s["enthalpy"] = np.where(s["void"], 0.0, h)
    s["temperature"] = np.where(s["void"], T0, T0 + rise)
    return s


SUPER_CASES = [
    # (seed, lateral, n_stages, n_rows, (h_conv, t_ambient, t_far, t_arterial), row stops)
    (30, True, 2, NZ, (1e5, 25.0, 37.0, 37.0), "all"),
    (31, False, 5, NZ, (3e4, 20.0, 50.0, 30.0), "all"),
    (32, True, 9, 9, (1e5, 25.0, 37.0, 37.0), "all"),
    (33, False, 3, 4, (0.0, 37.0, 10.0, 45.0), "all"),
    (34, True, 4, NZ, (1e5, 25.0, 37.0, 37.0), "narrowing"),
    (35, False, 6, 10, (3e4, 20.0, 50.0, 30.0), "ragged"),
]


@pytest.mark.parametrize(("seed", "lateral", "n_stages", "n_rows", "case", "pattern"), SUPER_CASES)
@pytest.mark.parametrize("smooth", [False, True])
def test_rkl2_super_step_matches_reference(seed, lateral, n_stages, n_rows, case, pattern, smooth):
    s = _smooth_state(seed, lateral) if smooth else _state(seed, lateral=lateral)
    s["perfusion"] = s["rng"].uniform(1e9, 3e9, NZ)  # strong, so that its share is visible
    tau = s["dt"] * (n_stages**2 + n_stages - 2) / 4.0
    row_stop = ROW_STOPS[pattern]
    got = _super_step(kernel, s, tau, n_stages, n_rows, case, row_stop)
    want = _super_step(ref, s, tau, n_stages, n_rows, case, row_stop)
    # the stages combine values several times larger than their sum (|mu|, |nu| ~ 1-2):
    # rounding is amplified a little
    for g, w in zip(got, want, strict=True):
        assert_allclose(g, w, rtol=1e-10, atol=0.0)
    losses, enthalpy, temperature, temperature_end, _ = got
    assert_array_equal(temperature, s["temperature"])  # T(Y_0) is kept
    held = (np.arange(NZ)[:, None] >= n_rows) | (np.arange(NR)[None, :] >= row_stop[:, None])
    assert_array_equal(enthalpy[held], s["enthalpy"][held])
    # held cells down to the first held row get T(Y_0) (the stages read them); no others
    assert np.all(temperature_end[n_rows + 1 :] == -999.0)
    # energy: the stored change is minus the combined losses
    v = s["volume"][None, :]
    tissue = ~s["void"]
    change = np.sum(np.where(tissue, enthalpy - s["enthalpy"], 0.0) * v)
    assert change == pytest.approx(-losses.sum(), rel=1e-9, abs=1e-12 * np.abs(losses).max())


def _fine_explicit(s, tau, n_steps):
    """`n_steps` explicit steps of tau / n_steps from state `s`: (losses, temperatures)."""
    fine = dict(s, dt=tau / n_steps, rng_peak=np.zeros((NZ, NR)))
    total = np.zeros(3)
    for _ in range(n_steps):
        energies, fine["enthalpy"], temperature, _, _ = _conduction(
            kernel, fine, NZ, 1e5, 25.0, 37.0, 37.0
        )
        fine["temperature"] = np.where(s["void"], T0, temperature)
        total += energies
    return total, fine["temperature"]


@pytest.mark.parametrize("lateral", [True, False])
def test_rkl2_super_step_is_second_order(lateral):
    """On a smooth state, a 4-stage super step against 1000 explicit steps of the same
    span: the error falls like tau^3 per step (second order; measured ratio 7.1 from
    tau = dt to dt/2) and is 1.2e-3 of the temperature change at tau = dt/2."""
    s = _smooth_state(40, lateral)
    tissue = ~s["void"]
    errors = []
    for tau in (s["dt"], 0.5 * s["dt"]):
        losses, _, _, temperature_end, _ = _super_step(kernel, s, tau, 4, NZ, (1e5, 25, 37, 37))
        fine_losses, fine_temperature = _fine_explicit(s, tau, 1000)
        errors.append(np.max(np.abs(temperature_end - fine_temperature)[tissue]))
    change = np.max(np.abs(temperature_end - s["temperature"])[tissue])
    assert errors[0] / errors[1] > 6.0
    assert errors[1] < 2e-3 * change
    assert_allclose(losses, fine_losses, rtol=2e-3)


def test_accumulate_damage_interval_matches_reference():
    s = _state(50)
    rng = s["rng"]
    ln_a = np.array([286.3022, 118.0323])
    ea_over_r = np.array([93534.9, 39109.8])
    t_min = np.array([-273.15, 50.0])
    start = rng.uniform(30.0, 90.0, (NZ, NR))
    end = rng.uniform(30.0, 90.0, (NZ, NR))
    end[1, 5] = start[1, 5]  # equal rates: tau r
    end[2, 5] = 40.0  # cold at the end only
    start[3, 6] = 40.0  # cold at the start only
    omega0 = rng.uniform(0.0, 2.0, (NZ, NR))
    results = []
    for module in (kernel, ref):
        omega = omega0.copy()
        rate = module.accumulate_damage_interval(
            start, end, s["void"], omega, 9, 2e-4, ln_a, ea_over_r, t_min, 45.0
        )
        results.append((rate, omega))
    # the reference's (r1 - r0) / ln(r1/r0) loses digits when r1 ~ r0
    assert_allclose(results[0][0], results[1][0], rtol=RTOL)
    assert_allclose(results[0][1], results[1][1], rtol=1e-9, atol=0.0)
    omega = results[0][1]
    skipped = s["void"] | ((start <= 45.0) & (end <= 45.0)) | (np.arange(NZ)[:, None] >= 9)
    assert_array_equal(omega[skipped], omega0[skipped])
    rate = kernel.arrhenius_rate(start[1, 5], ln_a, ea_over_r, t_min)
    assert omega[1, 5] - omega0[1, 5] == pytest.approx(2e-4 * rate, rel=1e-12)


def test_damage_interval_is_exact_for_an_exponential_rate():
    """If ln r is linear in time the integral is exact: two halves give the same sum."""
    ln_a, ea_over_r, t_min = np.array([226.7847]), np.array([75531.04]), np.array([-273.15])
    t_start, t_end = 80.0, 55.0
    ln_r = [ln_a[0] - ea_over_r[0] / (t + ref.KELVIN_OFFSET) for t in (t_start, t_end)]
    t_mid = ea_over_r[0] / (ln_a[0] - 0.5 * (ln_r[0] + ln_r[1])) - ref.KELVIN_OFFSET
    void = np.zeros((1, 1), dtype=bool)
    whole = np.zeros((1, 1))
    halves = np.zeros((1, 1))

    def add(omega, a, b, tau):
        kernel.accumulate_damage_interval(
            np.full((1, 1), a), np.full((1, 1), b), void, omega, 1, tau, ln_a, ea_over_r, t_min, 45
        )

    add(whole, t_start, t_end, 1e-3)
    add(halves, t_start, t_mid, 0.5e-3)
    add(halves, t_mid, t_end, 0.5e-3)
    assert whole[0, 0] == pytest.approx(halves[0, 0], rel=1e-12)
    exact = 1e-3 * (math.exp(ln_r[1]) - math.exp(ln_r[0])) / (ln_r[1] - ln_r[0])
    assert whole[0, 0] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("n_rows", [1, 5, 12])
def test_raise_peak_matches_reference(n_rows):
    rng = np.random.default_rng(60 + n_rows)
    temperature = rng.uniform(30.0, 300.0, (12, 7))
    void = rng.random((12, 7)) < 0.3
    peak0 = rng.uniform(30.0, 300.0, (12, 7))
    results = []
    for module in (kernel, ref):
        peak = peak0.copy()
        results.append((module.raise_peak(temperature, void, peak, n_rows, 37.0), peak))
    assert results[0][0] == results[1][0]
    assert_array_equal(results[0][1], results[1][1])
    assert_array_equal(results[0][1][n_rows:], peak0[n_rows:])


@pytest.mark.parametrize(("start", "stop"), [(0, NZ), (4, 9), (9, 30), (11, 12)])
def test_deepest_heated_row_matches_reference(start, stop):
    s = _state(70)
    enthalpy = s["enthalpy"].copy()
    enthalpy[7:] *= 1e-12  # a faint tail: about 1e-10 K and less
    enthalpy[7, 3] = 2e-6 * s["rho_c"][7]  # 2e-6 K
    _, material, boundary = _column_tuples(s)
    for tolerance in (1e-6, 1e-12):
        got = kernel.deepest_heated_row(
            enthalpy, s["void"], material, boundary, start, stop, tolerance
        )
        want = ref.deepest_heated_row(
            enthalpy, s["void"], material, boundary, start, stop, tolerance
        )
        assert got == want


@pytest.mark.parametrize("n_rows", [0, 5, NZ, NZ + 3])
def test_refresh_temperatures_matches_reference(n_rows):
    s = _state(75)
    _, material, boundary = _column_tuples(s)
    stale = np.full_like(s["temperature"], -999.0)  # marks cells left untouched
    got, want = stale.copy(), stale.copy()
    kernel.refresh_temperatures(s["enthalpy"], s["void"], got, material, boundary, n_rows)
    ref.refresh_temperatures(s["enthalpy"], s["void"], want, material, boundary, n_rows)
    assert_allclose(got, want, rtol=RTOL)
    assert np.all(got[min(n_rows, NZ) :] == -999.0)
    assert np.all(got[s["void"]] == -999.0)


@pytest.mark.parametrize("n_rows", [1, 7, 12])
def test_heated_extent_matches_reference(n_rows):
    s = _state(80)
    temperature = s["temperature"].copy()
    temperature[6:] = T0 + 1e-7  # below the tolerance
    temperature[8, 2] = T0 - 2e-6  # a cooled cell counts too
    got = np.full(NZ, -1)
    want = np.full(NZ, -1)
    kernel.heated_extent(temperature, s["void"], n_rows, T0, 1e-6, got)
    ref.heated_extent(temperature, s["void"], n_rows, T0, 1e-6, want)
    assert_array_equal(got, want)
    assert np.all(got[n_rows:] == -1)


@pytest.mark.parametrize("n_stages", [1, 3, 20])
def test_stage_extent_matches_reference(n_stages):
    extent = np.array([9, 9, 8, 0, 0, 5, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    got = np.full(extent.size, -1)
    want = np.full(extent.size, -1)
    kernel.stage_extent(extent, 18, n_stages, 30, got)
    ref.stage_extent(extent, 18, n_stages, 30, want)
    assert_array_equal(got, want)
    # every cell within n_stages moves (rows + columns) of a heated one is advanced
    for k in range(18):
        for k2 in np.flatnonzero(extent):
            assert got[k] >= min(30, extent[k2] + n_stages - abs(k2 - k) + 1) or abs(k2 - k) > (
                n_stages
            )


def _deposit_ray_by_ray(enthalpy, void, ring_energy, attenuation, volume, h_ablation, spread):
    """Each ray on its own, followed to the grid bottom (no pending sums, no cutoff)."""
    nz, nr = enthalpy.shape
    rays = kernel.RAYS_PER_RING
    ablated = transmitted = 0.0
    for j0 in range(nr):
        for m in range(rays):
            remaining = ring_energy[j0] / rays
            r0 = math.sqrt(j0**2 + (m + 0.5) * (2 * j0 + 1) / rays)
            k = 0
            while remaining > 0.0 and k < nz:
                j = int(r0 * spread[k])
                if j >= nr:
                    break
                if void[k, j]:
                    k += 1
                    continue
                share = remaining * (1.0 - attenuation[k])
                need = (h_ablation[k] - enthalpy[k, j]) * volume[j]
                sent = remaining * need / share if need <= share else remaining
                sent = max(sent, 0.0)
                left, _ = ref._beer_lambert(enthalpy, void, j, k, sent, attenuation, volume[j], 0.0)
                transmitted += left
                remaining -= sent
                if need <= share:
                    ablated += enthalpy[k, j] * volume[j]
                    enthalpy[k, j] = 0.0
                    void[k, j] = True
                    k += 1
            transmitted += remaining
    return ablated, transmitted


@pytest.mark.parametrize("seed", [23, 24])
def test_pending_sums_equal_sending_each_ray_on_its_own(seed):
    s = _state(seed)
    h_ablation = s["h_boil"] + 0.6 * s["latent"]
    attenuation, ring_energy = _beam(s, mu=1e5, scale=3e4)
    spread = 1.0 + 0.1 * np.arange(NZ)
    merged_h, merged_void = s["enthalpy"].copy(), s["void"].copy()
    merged = ref.deposit_beam(
        merged_h,
        merged_void,
        ring_energy,
        attenuation,
        s["volume"],
        h_ablation,
        spread,
        _crater(merged_void, s["dr"], s["dz"], kernel.no_wall_optics(NZ)),
        kernel.RAYS_PER_RING,
        0.0,
    )
    alone_h, alone_void = s["enthalpy"].copy(), s["void"].copy()
    alone = _deposit_ray_by_ray(
        alone_h, alone_void, ring_energy, attenuation, s["volume"], h_ablation, spread
    )
    assert_array_equal(merged_void, alone_void)
    assert_allclose(merged_h, alone_h, rtol=1e-12, atol=1e-12 * np.abs(alone_h).max())
    assert_allclose(merged[:2], alone, rtol=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("stop", [None, 3])
def test_wall_cell_temperatures_match_reference_and_restore(seed, stop):
    s = _state(seed)
    _, material, boundary = _column_tuples(s)
    row_stop = np.full(NZ, NR if stop is None else stop, dtype=np.int64)
    held = s["enthalpy"] + s["rng"].uniform(-1e8, 1e8, s["enthalpy"].shape)
    extent = _void_extent(s["void"])
    want = ref.wall_cell_temperatures(
        s["enthalpy"], s["void"], s["temperature"], material, boundary, NZ, row_stop, held, extent
    )
    got = s["temperature"].copy()
    saved = np.full(got.shape, np.nan)
    kernel.wall_cell_temperatures(
        s["enthalpy"], s["void"], got, material, boundary, NZ, row_stop, held, extent, saved
    )
    assert_allclose(got, want, rtol=RTOL, atol=1e-9)
    changed = got != s["temperature"]
    assert_array_equal(~np.isnan(saved) & changed, changed)  # every change is saved
    kernel.restore_wall_temperatures(got, extent, NZ, saved)
    assert_array_equal(got, s["temperature"])
    assert np.isnan(saved).all()


def test_wall_cell_temperature_is_the_mean_over_a_dried_rim():
    # a wall cell on the plateau beside a cooler neighbour: its reconstructed range
    # reaches past the plateau's end, so its mean temperature exceeds 100 C
    s = _state(0)
    _, material, boundary = _column_tuples(s)
    k, j = 6, 1
    void = np.zeros((NZ, NR), dtype=bool)
    void[k, 0] = True
    enthalpy = np.full((NZ, NR), 0.5 * s["h_boil"][k])
    enthalpy[k, j] = s["h_boil"][k] + 0.9 * s["latent"][k]
    enthalpy[k, j + 1] = s["h_boil"][k] + 0.6 * s["latent"][k]
    temperature = ref.temperature_of_enthalpy(
        enthalpy, s["rho_c"][:, None], s["latent"][:, None], T0, T_BOIL
    )
    saved = np.full((NZ, NR), np.nan)
    kernel.wall_cell_temperatures(
        enthalpy, void, temperature, material, boundary, NZ, np.full(NZ, NR), enthalpy,
        _void_extent(void), saved,
    )
    assert temperature[k, j] > T_BOIL and saved[k, j] == T_BOIL
    assert np.isnan(np.delete(saved.ravel(), k * NR + j)).all()
