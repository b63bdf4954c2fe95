"""The column table (``data/validation/column.csv``) and its model functions.

Each row is simulated with the column solver as the study describes it, where
the row is silent with the choices below (stated in each prediction's detail):

* Skin: human rows on their site (face: cheek; forearm: the male forehead stands
  in, as in tests/validation); animal or in vitro skin as the bulk, skin made of
  dermis throughout (`Skin.dermis_throughout`), since those rates are measured by
  drilling many pulses deep; fat rows on fat throughout.
* Beam: fractional rows as a Gaussian microbeam of the row's spot, on the column
  geometry; full-field rows as the 1-D centre of a 3 mm top-hat at the row's fluence.
  A fractional row without spot or duration takes them from the device preset of
  its wavelength (``data/devices.toml``: spot, and duration = energy / peak power).
* Pulse: full-field CO2 without a stated duration 1 ms (under the ~1 ms thermal
  relaxation time, as the calibration), Er:YAG 0.25 ms.
* Grid: 0.1 um for Er:YAG (mu_a dz <= 0.1), 2 um for full-field CO2, 4 um for
  columns (docs/column.md); columns are followed 5 ms after the pulse (20 ms with
  photon transport at 1,550 nm).

Rows the model cannot simulate (continuous-wave exposure, no energy or fluence,
an unknown number of stacked pulses) raise `NotSimulable` with the reason.
"""

from __future__ import annotations

import math
from dataclasses import replace

from resurfacer.column.grid import WIDE_BEAM_DIAMETER
from resurfacer.column.materials import layer_materials, thermal_constants
from resurfacer.column.published import (
    BOUNDS,
    COLUMN_TABLE,
    SUMMARY_READINGS,
    number,
    row_stack,
)
from resurfacer.column.solve import SolverOptions, simulate_column
from resurfacer.data import load_toml
from resurfacer.laser.beam import E2_DIAMETER_PER_FWHM, M2_BAND, Beam, Pulse
from resurfacer.tissue.skin import Skin, skin_for
from resurfacer.validation.tables import ModelFunction, NotSimulable, Prediction, Table

CO2_NM, ERBIUM_NM = 10600.0, 2940.0
FULL_FIELD_SPOT = 3e-3  # m, top-hat, solved as its 1-D centre
FULL_FIELD_PULSE_S = {CO2_NM: 1e-3, ERBIUM_NM: 250e-6}
J_PER_CM2 = 1e4
EFFICIENCY_FLUENCE = 20.0  # J/cm2: the Er:YAG calibration's fluence (data/ablation.toml)
THRESHOLD_RANGE = (0.2, 40.0)  # J/cm2 bracket of the threshold bisection
THRESHOLD_STEPS = 9  # geometric bisection: the bracket narrows to 1.4 % of a decade
SLOPE_FLUENCES = (20.0, 40.0)  # J/cm2: heat of ablation from the depth slope


def _wavelength(row) -> float:
    nm = number(row, "wavelength_nm")
    if nm is None:
        raise NotSimulable("no wavelength")
    return nm


def _fat_throughout(skin: Skin) -> Skin:
    """`skin` with every layer made of its subcutis (name included, so the fat's
    measured removal data apply throughout)."""
    fat = skin.layers[-1]
    return replace(
        skin, layers=tuple(replace(fat, thickness=layer.thickness) for layer in skin.layers)
    )


def row_skin(row) -> tuple[Skin, str]:
    """The skin a row is simulated on, and what it stands for."""
    site = row.get("site", "").lower()
    if "fat" in site:
        return _fat_throughout(skin_for("cheek")), "fat throughout"
    if row.get("species", "").lower() != "human":
        return skin_for("cheek").dermis_throughout(), "bulk skin (dermis throughout)"
    if "forearm" in site:
        return skin_for("forehead", sex="male"), "male forehead for the forearm"
    for name in ("periorbital", "perioral", "forehead", "neck", "chest", "nose"):
        if name in site:
            return skin_for(name), name
    return skin_for("cheek"), "cheek"


def _preset(wavelength_nm: float) -> dict:
    """The fractional device mode of this wavelength in data/devices.toml."""
    for name, device in load_toml("devices.toml").items():
        if not isinstance(device, dict):
            continue
        for mode_name, mode in device.get("modes", {}).items():
            if mode.get("kind") == "fractional" and mode.get("wavelength_nm") == wavelength_nm:
                if "peak_power_w" in mode and mode.get("spot_um", 1e9) < 500:
                    return {"_name": f"{name}.{mode_name}", **mode}
    raise NotSimulable(f"no spot or duration given and no fractional preset at {wavelength_nm} nm")


def _fractional(row, nm):
    """(beam, pulse, notes) of a fractional row."""
    energy = number(row, "pulse_energy_mj")
    if energy is None:
        raise NotSimulable("no pulse energy given")
    spot, notes = number(row, "spot_um"), []
    duration, power = number(row, "pulse_duration_ms"), number(row, "peak_power_w")
    if spot is None or (duration is None and power is None):
        preset = _preset(nm)
        if spot is None:
            spot = preset["spot_um"]
            notes.append(f"spot {spot:g} um ({preset['_name']})")
        if duration is None and power is None:
            power = preset["peak_power_w"]
            notes.append(f"{power:g} W ({preset['_name']})")
    if duration is None:
        duration = energy / power
    profile = row.get("profile") or "gaussian"
    pulse = Pulse(energy * 1e-3, duration * 1e-3, stack=_stack(row), spacing=2 * duration * 1e-3)
    return Beam(nm * 1e-9, spot * 1e-6, profile), pulse, notes


def _full_field(row, nm, fluence=None):
    """(beam, pulse, notes) of a full-field row at its fluence (or `fluence`)."""
    fluence = number(row, "fluence_j_cm2") if fluence is None else fluence
    if fluence is None:
        raise NotSimulable("no fluence given")
    duration = number(row, "pulse_duration_ms")
    notes = []
    if duration is None:
        if nm not in FULL_FIELD_PULSE_S:
            raise NotSimulable("no pulse duration given")
        duration = FULL_FIELD_PULSE_S[nm] * 1e3
        notes.append(f"{duration:g} ms pulse (assumed)")
    area = math.pi * (FULL_FIELD_SPOT / 2) ** 2
    pulse = Pulse(fluence * J_PER_CM2 * area, duration * 1e-3)
    return Beam(nm * 1e-9, FULL_FIELD_SPOT, "tophat"), pulse, notes


def _stack(row) -> int:
    stack = row_stack(row)
    if stack is None:
        raise NotSimulable(f"stacked pulses, number not given ('{row['stack']}')")
    return stack


def _options(nm, beam: Beam) -> SolverOptions:
    if beam.spot_diameter >= 1e-3:
        return SolverOptions(grid=0.1e-6 if nm == ERBIUM_NM else 2e-6, max_time=0.1)
    after = 20e-3 if nm < 2000 else 5e-3
    return SolverOptions(grid=4e-6, after_pulse=after, photons=100_000)


def _check_exposure(row) -> None:
    if (
        "continuous-wave" in row.get("device", "").lower()
        or "cw co2" in row.get("device", "").lower()
    ):
        raise NotSimulable("continuous-wave exposure: the column model simulates pulses")


def _beam(row, nm, fluence=None):
    """(beam, pulse, notes) of the row, full-field ones at `fluence` if given."""
    if (row.get("mode") or "full_field") == "fractional":
        return _fractional(row, nm)
    return _full_field(row, nm, fluence)


def _solve(row, fluence=None, m_squared=None, spot_scale=1.0):
    """(summary, notes) of the row's column, full-field ones at `fluence` if given, with
    the beam quality `m_squared` instead of the beam's own if given, and the spot
    `spot_scale` x the row's (same energy)."""
    _check_exposure(row)
    nm = _wavelength(row)
    skin, skin_note = row_skin(row)
    beam, pulse, notes = _beam(row, nm, fluence)
    if m_squared is not None:
        beam = replace(beam, m_squared=m_squared)
    if spot_scale != 1.0:
        beam = replace(beam, spot_diameter=beam.spot_diameter * spot_scale)
    summary = simulate_column(skin, beam, pulse, _options(nm, beam)).summary
    return summary, [skin_note, *notes]


def _narrow_gaussian(row) -> bool:
    """A fractional Gaussian column (not a wide spot solved in 1-D): the rows whose
    reading depends on the unpublished beam quality."""
    if (row.get("mode") or "full_field") != "fractional":
        return False
    beam = _beam(row, _wavelength(row))[0]
    return beam.profile == "gaussian" and beam.spot_diameter < WIDE_BEAM_DIAMETER


def _reading(quantity: str) -> ModelFunction:
    """The model function of a quantity read from one column (um); for a narrow Gaussian
    column the detail adds the reading at the top of `M2_BAND` (the presets' M^2 = 1 is
    idealised) and with the row's spot read as a FWHM (`E2_DIAMETER_PER_FWHM`: most rows
    do not say whether their spot is the 1/e^2 diameter the model takes)."""

    def predict(row) -> Prediction:
        summary, notes = _solve(row)
        value = SUMMARY_READINGS[quantity](summary) * 1e6
        worst = summary.energy.relative_error
        if _narrow_gaussian(row):
            poorer, _ = _solve(row, m_squared=M2_BAND[1])
            wider, _ = _solve(row, spot_scale=E2_DIAMETER_PER_FWHM)
            worst = max(worst, poorer.energy.relative_error, wider.energy.relative_error)
            poorer_um = SUMMARY_READINGS[quantity](poorer) * 1e6
            wider_um = SUMMARY_READINGS[quantity](wider) * 1e6
            notes.append(f"at M^2 = {M2_BAND[1]:g}: {poorer_um:.4g} um")
            notes.append(f"spot read as FWHM: {wider_um:.4g} um")
        return Prediction(value, worst, "; ".join(notes))

    predict.__name__ = quantity
    return predict


def ablation_threshold(row) -> Prediction:
    """Lowest fluence [J/cm2] that removes tissue in a full-field pulse, by geometric
    bisection over THRESHOLD_RANGE."""
    low, high = THRESHOLD_RANGE
    worst, notes = 0.0, []
    for _ in range(THRESHOLD_STEPS):
        middle = math.sqrt(low * high)
        summary, notes = _solve(row, fluence=middle)
        worst = max(worst, summary.energy.relative_error)
        if summary.ablation_depth > 0:
            high = middle
        else:
            low = middle
    return Prediction(high, worst, "; ".join(notes))


def ablation_efficiency(row) -> Prediction:
    """Mass removed per incident energy [ug/J], rho depth / F, at the row's fluence
    (EFFICIENCY_FLUENCE where none is given)."""
    fluence = number(row, "fluence_j_cm2") or EFFICIENCY_FLUENCE
    summary, notes = _solve(row, fluence=fluence)
    density = row_skin(row)[0].layers[0].density
    value = density * summary.ablation_depth / (fluence * J_PER_CM2) * 1e9
    return Prediction(
        value, summary.energy.relative_error, "; ".join([*notes, f"{fluence:g} J/cm2"])
    )


def heat_of_ablation(row) -> Prediction:
    """Incident energy per removed volume [kJ/cm3] from the depth slope between the
    SLOPE_FLUENCES, (F2 - F1) / (d2 - d1), as a mass-loss slope measures it."""
    (f1, f2), runs = SLOPE_FLUENCES, []
    for fluence in SLOPE_FLUENCES:
        runs.append(_solve(row, fluence=fluence))
    depth = runs[1][0].ablation_depth - runs[0][0].ablation_depth
    if depth <= 0:
        raise NotSimulable(f"no removal between {f1:g} and {f2:g} J/cm2")
    value = (f2 - f1) * J_PER_CM2 / depth / 1e9
    worst = max(s.energy.relative_error for s, _ in runs)
    return Prediction(value, worst, "; ".join([*runs[0][1], f"slope {f1:g}-{f2:g} J/cm2"]))


def absorption_coefficient(row) -> Prediction:
    """The model's mu_a [1/cm] of what the row measured at its wavelength: a layer (fat:
    subcutis; dermis: reticular dermis) or, for skin, `skin_optical_depth`'s effective
    coefficient 1 / z_1 of the layered skin from its surface."""
    site = row.get("site", "").lower()
    skin = skin_for("cheek")
    mu_a = layer_materials(skin, _wavelength(row) * 1e-9, thermal_constants()).mu_a
    if site == "skin":
        depth = skin_optical_depth(skin, mu_a)
        return Prediction(
            float(0.01 / depth), 0.0, f"cheek skin from its surface: 1/e at {depth * 1e6:.1f} um"
        )
    index = -1 if "fat" in site else 3
    return Prediction(float(mu_a[index]) / 100.0, 0.0, skin.layers[index].name)


def skin_optical_depth(skin: Skin, mu_a) -> float:
    r"""Depth z_1 [m] below the surface at which absorption alone has taken the light to 1/e:

    .. math:: \int_0^{z_1} \mu_a(z)\,dz = 1

    over the skin's layers (thicknesses [m], `mu_a` [1/m] per layer). What a figure such as
    "penetrates about 30 um into the skin by absorption" measures: the stratum corneum on
    top absorbs less than the water-rich epidermis under it.
    """
    top, remaining = 0.0, 1.0
    for layer, mu in zip(skin.layers, mu_a, strict=True):
        if mu * layer.thickness >= remaining:
            return top + remaining / mu
        remaining -= mu * layer.thickness
        top += layer.thickness
    return math.inf


def known_disagreements() -> dict[str, str]:
    """Check rows known to lie outside their bounds: id -> why
    (``data/validation/column_disagreements.toml``)."""
    entries = load_toml("validation/column_disagreements.toml")["disagreement"]
    return {row_id: " ".join(e["reason"].split()) for e in entries for row_id in e["ids"]}


def disagreement(row) -> str:
    """Why a check row is known to lie outside its bound, or ""."""
    return known_disagreements().get(row["id"], "")


TABLE = Table(
    name="column",
    path=COLUMN_TABLE,
    models={
        **{quantity: _reading(quantity) for quantity in SUMMARY_READINGS},
        "ablation_threshold": ablation_threshold,
        "ablation_efficiency": ablation_efficiency,
        "heat_of_ablation": heat_of_ablation,
        "absorption_coefficient": absorption_coefficient,
    },
    bounds=BOUNDS,
    inputs={
        "col-009": "the fat's threshold in data/ablation.toml [[measured]] (its removal "
        "onset mu_a F_th)",
        "col-010": "the fat's heat of ablation in data/ablation.toml [[measured]]",
        "col-011": "the fat's absorption coefficient in data/ablation.toml [[measured]]",
    },
    disagreement=disagreement,
)
