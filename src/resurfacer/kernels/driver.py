"""The column run: explicit pulse steps (deposition, conduction, damage) until the
pulse train ends, then RKL2 super steps until the damage has stopped growing.

NumPy reference: ``tests/kernels/heat_reference.py``.
"""

from collections import namedtuple

import numpy as np
from numba import njit

from resurfacer.kernels.conduction import conduction_step
from resurfacer.kernels.damage import accumulate_damage
from resurfacer.kernels.deposition import Crater, deposit_beam, deposit_map
from resurfacer.kernels.rkl2 import run_super_steps, super_steps_pay
from resurfacer.kernels.state import (
    ACTIVE_TOLERANCE_K,
    deepest_heated_row,
    max_tissue_temperature,
    refresh_temperatures,
    restore_wall_temperatures,
    update_void_extent,
    wall_cell_temperatures,
)

#: The column's fields, changed in place by the run: enthalpy H [J/m^3], the void
#: (ablated) mask, temperature [C] (T(H) on entry), peak temperature [C], damage
#: Omega [-] and the temperatures at the end of the last pulse step [C].
ColumnFields = namedtuple(
    "ColumnFields", "enthalpy void temperature peak omega temperature_end_of_pulse"
)
#: What the laser does: the energy [J] delivered to the tissue in each explicit step
#: (the pulse train, zeros between pulses), each ring's share of it, the ray radius
#: factor s(z) per row (`deposit_beam`), when `deposition_rows` > 0 a fixed map of the
#: share absorbed in each cell (photon transport) used instead of the rays, the
#: crater's optics as a hollow waveguide (`kernels.deposition.WallOptics`), whether
#: each step's rays go as two symmetric half sweeps (`_deposit_rays`: a column; a 1-D
#: wide stack, whose rays all fall on its floor, takes one sweep), and how many such
#: pairs of half sweeps share each step's energy (`column.solve.sweep_pairs`); with a
#: map, per row the share of the absorption coefficient that a cell keeps once boiled
#: dry and the map's absorption at and under the row (`dry_share`, `deposition_below`:
#: `kernels.deposition.deposit_map`, `map_below`).
BeamDrive = namedtuple(
    "BeamDrive",
    "step_energy ring_fraction spread deposition deposition_rows optics symmetric sweep_pairs"
    " dry_share deposition_below",
)
#: Time stepping and stop: explicit step [s], fewest and most explicit steps, and the
#: damage growth [-] below which the run stops (see `run_column`).
RunControl = namedtuple("RunControl", "dt min_steps max_steps growth_tolerance")
#: History samples written by the run: times [s] and the hottest tissue temperature [C].
History = namedtuple("History", "time max_temperature")


@njit(cache=True)
def _record_history(history, n_history, t, temperature, void, n_rows, floor):
    """Write sample `n_history` (time `t`, hottest tissue cell) while there is room."""
    if n_history < history.time.shape[0]:
        history.time[n_history] = t
        history.max_temperature[n_history] = max_tissue_temperature(
            temperature, void, n_rows, floor
        )
        n_history += 1
    return n_history


@njit(cache=True)
def _damage_step(fields, current, damage, control, step, n_pulse_steps, n_active, cold_rows):
    """Advance Omega by `damage.every` explicit steps at the present temperatures; True
    when the run may stop: after `min_steps` and the last pulse step, once
    max_rate * (t - t_pulse_end) < growth_tolerance."""
    rows = n_active if cold_rows else current.shape[0]
    max_rate = accumulate_damage(
        current[:rows],
        fields.void[:rows],
        fields.omega[:rows],
        control.dt * damage.every,
        damage.ln_a,
        damage.ea_over_r,
        damage.t_min_c,
        damage.t_negligible,
    )
    if step >= control.min_steps and step > n_pulse_steps:
        since_pulse = (step - n_pulse_steps) * control.dt
        return max_rate * since_pulse < control.growth_tolerance
    return False


@njit(cache=True)
def _deposit_rays(fields, drive, step, material, boundary, geometry, scratch, n_active, energy):
    """One step of the traced beam (`deposit_beam`); returns the new active bound. With
    `drive.symmetric` the step goes as two half sweeps: the rays from the axis outwards,
    then from the outermost ring inwards.

    Rays run one after the other, so in one sweep the first rays drill before the
    others arrive; where the crater front crosses several cells in a step that biases
    it (a 120 um column at 6.5 mJ and 30 W on 4 um cells, about 7 cells per step:
    248 um deep axis-first, 320 um outside-in). The symmetric composition cancels the
    first-order bias as Strang splitting does: 288 um, against 280 um with the step's
    energy sent in eight outward sweeps or in one with dt_safety 0.1 (docs/column.md,
    "Time step"). Where the front would cross many more cells in a step (a pulse of a
    few explicit steps) the step's energy goes as `drive.sweep_pairs` such pairs.
    """
    ring_energy, rows, void_extent, void_rows, lumen = scratch
    nz, nr = fields.enthalpy.shape
    sweeps = (2 if drive.symmetric else 1) * drive.sweep_pairs
    for j in range(nr):
        ring_energy[j] = drive.step_energy[step] * drive.ring_fraction[j] / sweeps
    crater = Crater(
        drive.optics, void_extent, lumen, rows[0], rows[1], rows[2, :1], geometry.dr, geometry.dz
    )
    reach = 0
    for sweep in range(sweeps):
        ablated, transmitted, step_void_rows, sweep_reach = deposit_beam(
            fields.enthalpy,
            fields.void,
            ring_energy,
            material.attenuation,
            geometry.volume,
            material.h_ablation,
            drive.spread,
            crater,
            drive.symmetric and sweep % 2 == 1,  # the second of each pair runs inwards
        )
        energy[0] += ablated
        energy[1] += transmitted
        void_rows[0] = max(void_rows[0], step_void_rows)
        reach = max(reach, sweep_reach)
    # the beam's tail heats rows below the active bound by far less than the
    # tolerance: they stay unadvanced (their enthalpy is kept and counted as
    # stored) until they or the rows above them are warmer than that
    deepest = deepest_heated_row(
        fields.enthalpy, fields.void, material, boundary, n_active, reach, ACTIVE_TOLERANCE_K
    )
    update_void_extent(fields.void, void_extent, void_rows[0])
    return min(nz, max(n_active, deepest + 3))


@njit(cache=True)
def _deposit(fields, drive, step, current, material, boundary, geometry, scratch, n_active, energy):
    """This step's laser energy (map or rays), then T(H) refreshed on the active rows so
    that the conduction reads the temperatures after the deposition (first-order
    splitting deposit-then-conduct: a cell the beam heats conducts that heat in the
    same step, even if the next step ablates it; docs/radial_10mj.md). Returns the new
    active bound."""
    nz = fields.enthalpy.shape[0]
    if drive.deposition_rows > 0:
        ablated, transmitted = deposit_map(
            fields.enthalpy,
            fields.void,
            drive.deposition,
            drive.step_energy[step],
            geometry.volume,
            material.h_ablation,
            material.rho_c,
            boundary.t_boil - boundary.t_initial,
            material.latent,
            drive.dry_share,
            drive.deposition_below,
        )
        energy[0] += ablated
        energy[1] += transmitted
        n_active = min(nz, max(n_active, drive.deposition_rows + 2))
        update_void_extent(fields.void, scratch[2], drive.deposition_rows)
    else:
        n_active = _deposit_rays(
            fields, drive, step, material, boundary, geometry, scratch, n_active, energy
        )
    refresh_temperatures(fields.enthalpy, fields.void, current, material, boundary, n_active)
    return n_active


@njit(cache=True)
def _conduct(
    fields, current, following, control, geometry, material, boundary, walls, n_active, energy
):
    """One explicit conduction step from `current` into `following` with the crater-wall
    cells at their mean temperatures; returns the new active bound."""
    row_deviation, void_extent, all_columns, wall_saved = walls
    nz, nr = fields.enthalpy.shape
    wall_cell_temperatures(
        fields.enthalpy,
        fields.void,
        current,
        material,
        boundary,
        n_active,
        all_columns,
        fields.enthalpy,
        void_extent,
        wall_saved,
    )
    conducted, surface, perfused = conduction_step(
        current,
        fields.void,
        fields.enthalpy,
        control.dt,
        geometry,
        material,
        boundary,
        n_active,
        following,
        fields.peak,
        row_deviation,
        void_extent,
    )
    restore_wall_temperatures(current, void_extent, n_active, wall_saved)
    energy[2] += conducted
    energy[3] += surface
    energy[4] += perfused
    for k in range(n_active - 1, -1, -1):
        if row_deviation[k] > ACTIVE_TOLERANCE_K:
            return min(nz, max(n_active, k + 3))
    return n_active


@njit(cache=True)
def run_column(
    fields, drive, geometry, material, boundary, damage, control, history, energy,
    super_stepping=None,
):
    """Advance the column from t = 0 until the damage has stopped growing.

    Each heat step: beam deposition with ablation while the pulse train lasts
    (`_deposit`: the rays of `deposit_beam`, or the fixed photon-transport map of
    `deposit_map`), then conduction driven by T(H) after that deposition
    (`_conduct`). Rows deeper than any heat has reached (by more than
    ACTIVE_TOLERANCE_K) are skipped: they keep whatever enthalpy the beam's tail
    left there and their temperatures stay at T0 until the active bound reaches
    them. Every `damage.every` steps the Arrhenius integral is advanced by that
    coarser step and the stop criterion is tested (`_damage_step`): after
    `min_steps`, stop once max_rate * (t - t_pulse_end) < `growth_tolerance`,
    i.e. at the present (falling) rate no cell would gain that much Omega over a
    time as long again as it has cooled; or at `max_steps`.

    Super-stepping: with `super_stepping` (a SuperStepping, fraction > 0), once
    the last pulse step is over and a super step of `fraction` x the time since
    the pulse ended would need at least `min_stages` stages, the run goes on with
    RKL2 super steps (`run_super_steps`: Meyer, Balsara & Aslam, J. Comput. Phys.
    257 (2014) 594) up to `super_stepping.end_time` exactly. The switch happens on
    a damage step, so the explicit damage steps end where the first super step
    begins.

    `fields`, `drive`, `control` and `history` are the ColumnFields, BeamDrive,
    RunControl and History tuples above; `geometry`, `material`, `boundary` and
    `damage` those of `resurfacer.kernels.state`. `energy` (length 5) accumulates
    ablation, transmitted, conducted out, surface loss and perfused energy [J].
    Returns the number of explicit steps taken, the number of history samples
    written, the number of cell updates done (one per cell and explicit step or
    stage), the number of super steps and of their stages, and the simulated time [s].
    """
    t_initial = boundary.t_initial
    nz, nr = fields.enthalpy.shape
    n_pulse_steps = drive.step_energy.shape[0]
    void_extent = np.zeros(nz, dtype=np.int64)  # one past each row's outermost void column
    row_deviation = np.zeros(nz)
    # ring energies; per-row channel transmission and wall energy, and the energy the
    # ejecta are due (`deposit_beam`)
    scratch = (
        np.zeros(nr), np.zeros((3, nz)), void_extent, np.zeros(1, dtype=np.int64),
        np.zeros(nz, dtype=np.int64),
    )
    walls = (row_deviation, void_extent, np.full(nz, nr, dtype=np.int64), np.full((nz, nr), np.nan))
    current = fields.temperature
    following = fields.temperature.copy()
    swapped = False  # whether `current` is the copy
    # heat can enter from the far field only if it differs from the start temperature
    n_active = 1 if boundary.t_far == t_initial else nz
    # rows below n_active are within ACTIVE_TOLERANCE_K of T0: the damage kernels
    # can skip them when that is too cold to matter
    cold_rows = t_initial + ACTIVE_TOLERANCE_K <= damage.t_negligible
    n_history = 0
    cell_updates = 0
    super_phase = False
    step = 0
    while step < control.max_steps:
        if step == n_pulse_steps:
            fields.temperature_end_of_pulse[:, :] = current
        if step % damage.every == 0:
            if super_stepping is not None and step > n_pulse_steps:
                if super_stepping.fraction > 0.0 and super_steps_pay(
                    super_stepping, (step - n_pulse_steps) * control.dt, control.dt
                ):
                    super_phase = True
                    break
            stop = _damage_step(
                fields, current, damage, control, step, n_pulse_steps, n_active, cold_rows
            )
            n_history = _record_history(
                history, n_history, step * control.dt, current, fields.void, n_active, t_initial
            )
            if stop:
                break
        if step < n_pulse_steps and drive.step_energy[step] > 0.0:
            n_active = _deposit(
                fields, drive, step, current, material, boundary, geometry, scratch, n_active,
                energy,
            )
        cell_updates += n_active * nr
        n_active = _conduct(
            fields, current, following, control, geometry, material, boundary, walls, n_active,
            energy,
        )
        current, following = following, current
        swapped = not swapped
        step += 1
    if step <= n_pulse_steps:
        fields.temperature_end_of_pulse[:, :] = current
    t = step * control.dt
    n_super = 0
    n_stages = 0
    if super_stepping is not None and super_phase:
        t, n_active, n_history, n_super, n_stages, super_updates = run_super_steps(
            fields, current, following, (geometry, material, boundary, damage), super_stepping,
            control, history, energy, (t, n_pulse_steps * control.dt, n_active, n_history),
            (row_deviation, void_extent, cold_rows),
        )
        cell_updates += super_updates
    if swapped:  # the latest temperatures live in the scratch array
        fields.temperature[:, :] = current
    return step, n_history, cell_updates, n_super, n_stages, t
