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

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from resurfacer.kernels import heat as kernel

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


def _conduction(module, s, n_active, h_conv, t_ambient, t_far, t_arterial):
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
        kernel.ColumnBoundary(T0, T_BOIL, t_arterial, h_conv, t_ambient, t_far, s["lateral"]),
        n_active,
        following,
        peak,
        row_deviation,
        _void_extent(void),
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


@pytest.mark.parametrize(
    ("seed", "lateral", "t_amb", "t_far", "t_art"),
    [(8, True, 25.0, 37.0, 37.0), (9, False, 20.0, 60.0, 30.0), (10, True, 90.0, 5.0, 45.0)],
)
def test_conduction_step_conserves_energy(seed, lateral, t_amb, t_far, t_art):
    """Without a source, the change of sum(H V) is minus the returned losses."""
    s = _state(seed, lateral=lateral)
    s["rng_peak"] = np.zeros((NZ, NR))
    # a blood flow far above physiological, so the perfusion term is not negligible
    s["perfusion"] = s["rng"].uniform(1e10, 3e10, NZ)
    (conducted, surface, perfused), enthalpy, *_ = _conduction(
        kernel, s, NZ, 1e5, t_amb, t_far, t_art
    )
    v = s["volume"][None, :]
    tissue = ~s["void"]
    change = np.sum(np.where(tissue, enthalpy - s["enthalpy"], 0.0) * v)
    losses = conducted + surface + perfused
    # each term is well away from zero, so the relative comparison is meaningful
    assert min(abs(conducted), abs(surface), abs(perfused)) > 1e-6 * abs(losses)
    assert change == pytest.approx(-losses, rel=1e-12)


def _deposit(module, s, ring_energy, attenuation, h_ablation, spread=None):
    enthalpy = s["enthalpy"].copy()
    void = s["void"].copy()
    spread = np.ones(NZ) if spread is None else spread
    entry_row = np.zeros(NR * kernel.RAYS_PER_RING, dtype=np.int64)
    extra = () if module is kernel else (kernel.RAYS_PER_RING,)
    energies = module.deposit_beam(
        enthalpy, void, ring_energy, attenuation, s["volume"], h_ablation, spread, entry_row, *extra
    )
    return np.array(energies, dtype=float), enthalpy, void, entry_row


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
def test_deposit_beam_diverging_rays_match_reference(seed):
    """Rays that widen with depth: ablation, undercut walls and rays leaving the side."""
    s = _state(seed)
    h_ablation = s["h_boil"] + 0.6 * s["latent"]
    attenuation, ring_energy = _beam(s, mu=1e5, scale=3e4)
    spread = 1.0 + 0.25 * np.arange(NZ)
    got = _deposit(kernel, s, ring_energy, attenuation, h_ablation, spread)
    _assert_same(got, _deposit(ref, s, ring_energy, attenuation, h_ablation, spread))
    (ablated, transmitted, _, _), enthalpy, _, entry_row = got
    v = s["volume"][None, :]
    stored_change = np.sum(enthalpy * v) - np.sum(s["enthalpy"] * v)
    assert stored_change + ablated + transmitted == pytest.approx(ring_energy.sum(), rel=1e-12)
    assert np.any(entry_row > 0)


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
    entry_row = np.zeros(nr * kernel.RAYS_PER_RING, dtype=np.int64)
    kernel.deposit_beam(
        enthalpy, void, ring_energy, attenuation, volume, np.full(nz, np.inf), spread, entry_row
    )
    got = enthalpy[-1] * volume
    w = w0 * spread_floor
    want = np.diff(1.0 - np.exp(-2.0 * edges**2 / w**2))
    # rays carry 1/8 of a ring: the columns' power is right to about one ray's share
    assert_allclose(got, want, rtol=0.0, atol=0.15 * want.max())
    # and the energy-weighted mean radius to 1 %
    centres = 0.5 * (edges[1:] + edges[:-1])
    assert np.sum(got * centres) == pytest.approx(np.sum(want * centres), rel=0.01)


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
