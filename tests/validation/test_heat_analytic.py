"""`run_column` against closed-form conduction solutions (Carslaw & Jaeger,
Conduction of Heat in Solids, 2nd ed., 1959, sections 2.4, 2.9 and 10.2).

The kernel is driven directly on a 1-D stack: one ring (nr = 1) with an
insulated outer face, so heat flows only in depth. Uniform properties
k = 0.5 W/m/K, rho c = 4e6 J/m^3/K (alpha = 1.25e-7 m^2/s); no boiling plateau
(T_boil far away), no ablation (h_abl = inf), no convection, no perfusion,
damage skipped (t_negligible far above any temperature); min_steps =
max_steps so the run lasts exactly the chosen time. Time step 0.225 dz^2 /
alpha (what ``column.solve._stable_time_step`` gives at safety 0.9 for one ring).
"""

import math

import numpy as np
import pytest
from scipy.special import erfc, erfcx

from resurfacer.kernels.deposition import no_wall_optics
from resurfacer.kernels.driver import BeamDrive, ColumnFields, History, RunControl, run_column
from resurfacer.kernels.state import (
    ColumnBoundary,
    ColumnGeometry,
    ColumnMaterial,
    DamageSchedule,
    SuperStepping,
)

K = 0.5
RHO_C = 4e6
ALPHA = K / RHO_C
T0 = 37.0


def _run(nz, dz, n_steps, step_energy=None, attenuation=None, t_far=T0, dt=None, fraction=0.0):
    """Run the 1-D stack for `n_steps` (or as long, with RKL2 super steps of up to
    `fraction` x the time since the last pulse step once they pay); returns (T by row,
    energy terms, stored, dt, area)."""
    nr = 1
    dr = dz
    edges = np.arange(nr + 1) * dr
    area_axial = math.pi * (edges[1:] ** 2 - edges[:-1] ** 2)
    volume = area_axial * dz
    area_radial = 2.0 * math.pi * edges * dz
    dt = dt or 0.225 * dz**2 / ALPHA
    shape = (nz, nr)
    enthalpy = np.zeros(shape)
    void = np.zeros(shape, dtype=np.bool_)
    temperature = np.full(shape, T0)
    peak = np.full(shape, T0)
    omega = np.zeros(shape)
    end_of_pulse = np.full(shape, T0)
    surface_row = np.zeros(nr, dtype=np.int64)
    step_energy = np.zeros(0) if step_energy is None else step_energy
    attenuation = np.ones(nz) if attenuation is None else attenuation
    damage_every = 1 if fraction > 0.0 else 1000  # super steps start on a damage step
    n_hist = n_steps // damage_every + 2
    energy = np.zeros(5)
    end = n_steps * dt
    steps, _, _, n_super, _, simulated = run_column(
        ColumnFields(enthalpy, void, temperature, peak, omega, end_of_pulse),
        # no photon-transport map: the beam is traced Beer-Lambert
        BeamDrive(
            step_energy, np.ones(nr), surface_row, np.zeros((1, 1)), 0, no_wall_optics(nz),
            False, 1, np.ones(nz), np.zeros(1),
        ),
        ColumnGeometry(dr, dz, volume, area_axial, area_radial),
        # uniform k and rho c, no perfusion, no plateau (huge latent heat and boiling
        # point), nothing ever ablated
        ColumnMaterial(
            np.full(nz, K),
            np.full(nz - 1, K),
            np.full(nz, RHO_C),
            np.full(nz, 1e9),
            np.zeros(nz),
            attenuation,
            np.full(nz, np.inf),
        ),
        ColumnBoundary(T0, 1e9, T0, 0.0, T0, t_far, False),  # insulated top and sides
        DamageSchedule(
            damage_every, np.array([0.0]), np.array([1.0]), np.array([-273.15]), 1e30
        ),  # damage never computed
        RunControl(dt, n_steps, n_steps, -1.0),
        History(np.zeros(n_hist), np.zeros(n_hist)),
        energy,
        SuperStepping(fraction, 5, 40, end),
    )
    assert (n_super > 0) == (fraction > 0.0)
    if n_super == 0:
        assert steps == n_steps
    assert simulated == pytest.approx(end, rel=1e-12)
    stored = float(np.sum(enthalpy * volume[None, :]))
    return temperature[:, 0], energy, stored, dt, float(area_axial[0])


def ierfc(x):
    """First repeated integral of erfc: exp(-x^2)/sqrt(pi) - x erfc(x)."""
    return np.exp(-x * x) / math.sqrt(math.pi) - x * erfc(x)


def _open_window():
    """A transparent first "pulse" step (1 J, attenuation 1 everywhere): nothing is
    absorbed, all of it is counted as transmitted. The run then has a pulse, after which
    super steps may start; with T_far != T0 every row is advanced from the start anyway
    (see the test without it below)."""
    return np.array([1.0])


# --- (a) semi-infinite solid, surface temperature step (C&J 2.4) -------------------------
# Surface = the bottom far-field face (T_far held half a cell beyond the last row centre,
# i.e. on the bottom face), d = distance from that face:
#     T(d, t) = T0 + dT erfc(d / (2 sqrt(alpha t))).
# Grid dz = 1 um, nz = 100 (the top is 6 diffusion lengths away: erfc(6) ~ 2e-17),
# 250 steps: 2 sqrt(alpha t) = 15 cells. The scheme is 2nd order in dz and 1st in dt;
# the truncation error scales like (dz / 2 sqrt(alpha t))^2 = 4e-3 times a small
# constant. Measured max |T - T_exact| = 1.1e-4 dT; tolerance 1e-3 dT.
A_DZ, A_NZ, A_STEPS, A_DT = 1e-6, 100, 250, 10.0


def _step_profile(temperature, dt):
    t = A_STEPS * dt
    d = (A_NZ - np.arange(A_NZ) - 0.5) * A_DZ
    return T0 + A_DT * erfc(d / (2.0 * math.sqrt(ALPHA * t)))


def test_surface_temperature_step():
    temperature, energy, stored, dt, _ = _run(
        A_NZ, A_DZ, A_STEPS, step_energy=_open_window(), t_far=T0 + A_DT
    )
    assert 2.0 * math.sqrt(ALPHA * A_STEPS * dt) / A_DZ >= 15.0
    error = np.max(np.abs(temperature - _step_profile(temperature, dt)))
    assert error < 1e-3 * A_DT
    # (d) energy: what came in through the far-field face (conducted out < 0) is stored;
    # the transparent step is all transmitted
    assert energy[1] == 1.0 and stored > 0.0
    assert abs(stored + energy[2]) <= 1e-10 * stored
    assert np.all(energy[[0, 3, 4]] == 0.0)


def test_surface_temperature_step_with_super_steps():
    """The same after the transparent step with RKL2 super steps (super_step_fraction
    0.1: 71 explicit steps, then 14 super steps of 102 stages in all, instead of 179
    more steps). Measured max |T - T_exact| = 5.2e-4 dT (explicit: 1.1e-4 dT; 8.7e-4
    dT at fraction 0.2); same tolerance as the explicit run."""
    temperature, energy, stored, dt, _ = _run(
        A_NZ, A_DZ, A_STEPS, step_energy=_open_window(), t_far=T0 + A_DT, fraction=0.1
    )
    error = np.max(np.abs(temperature - _step_profile(temperature, dt)))
    assert error < 1e-3 * A_DT
    assert abs(stored + energy[2]) <= 1e-10 * stored


def test_surface_temperature_step_without_opening_the_window():
    """With T_far != T0 every row is advanced from the start: heat enters from below."""
    temperature, energy, stored, dt, _ = _run(A_NZ, A_DZ, A_STEPS, t_far=T0 + A_DT)
    assert np.max(np.abs(temperature - _step_profile(temperature, dt))) < 1e-3 * A_DT


# --- (b) constant surface flux into an insulated surface (C&J 2.9) -----------------------
# All of a constant step energy E is absorbed in the top row (attenuation[0] = 0), so the
# flux into the solid is q0 = E / (dt A); top face insulated (h_conv = 0):
#     T - T0 = (2 q0 / k) sqrt(alpha t) ierfc(z / (2 sqrt(alpha t))).
# Grid dz = 1 um, nz = 150, 500 steps: 2 sqrt(alpha t) = 21 cells, surface rise 48 K.
# The flux enters as a source spread over the top cell (an O(dz^2) change to the
# boundary condition); measured max error at rows >= 1: 2.5e-4 of the surface rise;
# tolerance 1e-2 (the brief's 1 %), comfortably above.
B_DZ, B_NZ, B_STEPS, B_Q0 = 1e-6, 150, 500, 2e6


def _flux_run():
    dt = 0.225 * B_DZ**2 / ALPHA
    area = math.pi * B_DZ**2
    step = B_Q0 * dt * area
    attenuation = np.ones(B_NZ)
    attenuation[0] = 0.0
    out = _run(B_NZ, B_DZ, B_STEPS, step_energy=np.full(B_STEPS, step), attenuation=attenuation)
    return out, B_STEPS * step


def test_constant_surface_flux():
    (temperature, _, _, dt, _), _ = _flux_run()
    s = math.sqrt(ALPHA * B_STEPS * dt)
    z = (np.arange(B_NZ) + 0.5) * B_DZ
    exact = 2.0 * B_Q0 / K * s * ierfc(z / (2.0 * s))
    rise = 2.0 * B_Q0 / K * s / math.sqrt(math.pi)
    assert 2.0 * s / B_DZ >= 20.0
    assert np.max(np.abs(temperature - T0 - exact)[1:]) < 1e-2 * rise


def test_constant_surface_flux_energy_conserved():
    """Heat passed below the active window is booked as conducted out: the balance is exact."""
    (_, energy, stored, _, _), delivered = _flux_run()
    assert abs(delivered - stored - energy.sum()) <= 1e-10 * delivered


# --- (c) Beer-Lambert source under an insulated surface (C&J 2.9 / 10.2 form) -------------
# Absorbed irradiance I0, absorption mu: volumetric source I0 mu exp(-mu z), T(z, 0) = T0,
# dT/dz(0, t) = 0. With s = sqrt(alpha t):
#   dT = (2 I0/k) s ierfc(z/2s) - I0/(k mu) exp(-mu z)
#        + I0/(2 k mu) exp(mu^2 s^2 - mu z) erfc(mu s - z/2s)
#        + I0/(2 k mu) exp(mu^2 s^2 + mu z) erfc(mu s + z/2s);
# exp(mu^2 s^2 -+ mu z) erfc(mu s -+ z/2s) = exp(-z^2/4s^2) erfcx(mu s -+ z/2s) (no overflow).
# Checked below against the PDE and the boundary condition by finite differences.
# Grid dz = 1 um, mu = 1/(20 um): attenuation = exp(-mu dz) per row deposits the exact
# cell integral of the source; nz = 400 rows (exp(-20) of the light passes the grid),
# 1000 steps: 2 sqrt(alpha t) = 30 cells, surface rise 14 K, no boiling.
# Measured max error 1.7e-4 of the surface rise; tolerance 2e-3.
C_DZ, C_NZ, C_STEPS, C_MU, C_I0 = 1e-6, 400, 1000, 5e4, 1e6


def beer_lambert_rise(z, t, i0=C_I0, mu=C_MU, k=K, alpha=ALPHA):
    z = np.asarray(z, float)
    s = math.sqrt(alpha * t)
    x_minus = mu * s - z / (2.0 * s)
    x_plus = mu * s + z / (2.0 * s)
    gauss = np.exp(-(z**2) / (4.0 * s * s))
    # exp(mu^2 s^2 - mu z) erfc(x_minus): via erfcx where x_minus >= 0, directly where it
    # is negative (erfc(x) <= 2 and mu^2 s^2 - mu z < x_minus^2 stays small there)
    minus = np.where(
        x_minus >= 0.0,
        gauss * erfcx(np.maximum(x_minus, 0.0)),
        np.exp(np.minimum(mu * mu * s * s - mu * z, 700.0)) * erfc(x_minus),
    )
    plus = gauss * erfcx(x_plus)  # x_plus > 0 for z >= 0
    return (
        2.0 * i0 / k * s * ierfc(z / (2.0 * s))
        - i0 / (k * mu) * np.exp(-mu * z)
        + i0 / (2.0 * k * mu) * minus
        + i0 / (2.0 * k * mu) * plus
    )


def test_beer_lambert_formula_solves_the_problem():
    """The closed form satisfies dT/dt = alpha T'' + alpha/k I0 mu exp(-mu z), T'(0) = 0,
    T(z, 0+) = 0 (central finite differences), and holds all of I0 t."""
    t = 3e-3
    z = np.linspace(0.5e-6, 80e-6, 60)
    ht, hz = 1e-4 * t, 0.2e-6
    dtdt = (beer_lambert_rise(z, t + ht) - beer_lambert_rise(z, t - ht)) / (2 * ht)
    d2 = (
        beer_lambert_rise(z + hz, t) - 2 * beer_lambert_rise(z, t) + beer_lambert_rise(z - hz, t)
    ) / hz**2
    source = ALPHA / K * C_I0 * C_MU * np.exp(-C_MU * z)
    # truncation of the second difference: mu^2 hz^2 / 12 ~ 1e-5 relative
    assert np.max(np.abs(dtdt - ALPHA * d2 - source)) < 1e-4 * np.max(source)
    slope = beer_lambert_rise(np.array([hz]), t) - beer_lambert_rise(np.array([-hz]), t)
    # vs the gradient I0/k an unabsorbing surface flux would give; truncation mu^2 hz^2/6
    assert abs(slope[0] / (2 * hz)) < 1e-4 * C_I0 / K
    # total energy: integral of rho c dT dz = I0 t (all absorbed, none lost)
    zz = np.linspace(0.0, 2e-3, 400_001)
    assert np.trapezoid(beer_lambert_rise(zz, t), zz) * RHO_C == pytest.approx(C_I0 * t, 1e-6)
    assert np.max(np.abs(beer_lambert_rise(z, 1e-12 * t))) < 1e-4


def _beer_lambert_run():
    dt = 0.225 * C_DZ**2 / ALPHA
    area = math.pi * C_DZ**2
    step = C_I0 * dt * area
    attenuation = np.full(C_NZ, math.exp(-C_MU * C_DZ))
    out = _run(C_NZ, C_DZ, C_STEPS, step_energy=np.full(C_STEPS, step), attenuation=attenuation)
    return out, C_STEPS * step


def test_beer_lambert_source():
    (temperature, energy, stored, dt, _), delivered = _beer_lambert_run()
    t = C_STEPS * dt
    z = (np.arange(C_NZ) + 0.5) * C_DZ
    exact = beer_lambert_rise(z, t)
    assert 2.0 * math.sqrt(ALPHA * t) / C_DZ >= 30.0
    assert np.max(np.abs(temperature - T0 - exact)) < 2e-3 * exact[0]
    # (d) exact balance: the rows where the beam's tail leaves less than ACTIVE_TOLERANCE_K
    # are held until heat reaches them (their enthalpy is stored, what conduction passes
    # to them is booked as conducted out)
    assert abs(delivered - stored - energy.sum()) <= 1e-10 * delivered
