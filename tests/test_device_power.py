"""Pulse duration from the source's power, beam quality and focus as device data."""

import json
from pathlib import Path

import pytest

from resurfacer.cli import main
from resurfacer.data import load_toml
from resurfacer.laser.beam import Beam
from resurfacer.plan.schema import Pass


def test_every_mode_has_power_beam_quality_and_focus_with_a_source():
    for device in load_toml("devices.toml").values():
        if not isinstance(device, dict) or "modes" not in device:
            continue
        for mode in device["modes"].values():
            if "combines" in mode:
                continue
            assert mode["peak_power_w"] > 0 and mode["power_source"]
            assert mode["m_squared"] >= 1 and "focal_offset_um" in mode and mode["beam_source"]


@pytest.mark.parametrize("energy", [5.0, 15.0, 50.0])
def test_fixed_power_mode_lengthens_the_pulse_with_energy(energy):
    p = Pass(device="co2_dual", mode="deep", pulse_energy_mj=energy, density_percent=5.0)
    assert p.pulse_duration_ms == pytest.approx(energy / 30.0)
    assert p.cautions() == []


def test_plan_duration_wins_and_too_much_power_is_warned():
    p = Pass(
        device="co2_dual",
        mode="deep",
        pulse_energy_mj=30.0,
        pulse_duration_ms=0.5,
        density_percent=5.0,
    )
    assert p.pulse_duration_ms == 0.5
    (caution,) = p.cautions()
    assert "60 W" in caution and "30 W" in caution


def test_flashlamp_mode_keeps_its_duration():
    p = Pass(device="erbium_fractional", pulse_energy_mj=5.0, density_percent=5.0)
    assert p.pulse_duration_ms == 0.25


def test_focal_offset_moves_the_waist():
    beam = Beam(10.6e-6, 120e-6, m_squared=1.0, focal_offset=200e-6)
    assert float(beam.spread(200e-6)) == pytest.approx(1.0)
    assert float(beam.spread(0.0)) > 1.0
    assert float(Beam(10.6e-6, 120e-6, m_squared=2.0).spread(1e-3)) > float(
        Beam(10.6e-6, 120e-6).spread(1e-3)
    )


def test_mtz_power_sets_the_duration_and_warns(capsys):
    args = ["mtz", "--energy-mj", "3", "--spot-um", "60", "--grid-um", "4", "--json"]
    assert main([*args, "--power-w", "30", "--after-ms", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["m2_band_ablation_depth_um"][0] >= out["m2_band_ablation_depth_um"][1]
    assert (
        main([*args, "--power-w", "30", "--pulse-ms", "0.05", "--after-ms", "1", "--no-m2-band"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert any("more than the source's 30 W" in w for w in out["warnings"])
    assert "m2_band_ablation_depth_um" not in out


@pytest.mark.parametrize("m_squared, focal_offset", [(4.0, -500e-6), (1.0, -2e-3), (4.0, 500e-6)])
def test_a_beam_wider_than_the_grid_at_the_skin_closes_its_balance(m_squared, focal_offset):
    """A waist away from the skin widens the beam where it meets it. On a grid narrower
    than that (radius set), the part beyond the edge is reflected as the rest is and only
    (1 - R) of it enters the skin outside the grid: counting it whole there, and its
    reflection again, over-accounted 3.7e-5 of the pulse and the column was refused by its
    energy self-check. The grid chosen by default now holds the beam as it meets the skin."""
    from resurfacer.column.solve import SolverOptions, simulate_column
    from resurfacer.laser.beam import Pulse
    from resurfacer.tissue.skin import skin_for

    beam = Beam(10.6e-6, 120e-6, m_squared=m_squared, focal_offset=focal_offset)
    skin, pulse = skin_for("forehead", sex="male"), Pulse(5e-3, 5e-3 / 30.0)
    narrow = simulate_column(
        skin, beam, pulse, SolverOptions(grid=4e-6, after_pulse=5e-3, radius=200e-6)
    ).summary.energy
    assert narrow.outside_grid > 1e-3 * narrow.incident  # the beam does leave this grid
    reflectance = narrow.reflected / narrow.incident
    assert narrow.outside_grid < (1 - reflectance) * narrow.incident
    assert narrow.relative_error < 1e-9
    chosen = simulate_column(skin, beam, pulse, SolverOptions(grid=4e-6, after_pulse=5e-3))
    assert chosen.summary.energy.outside_grid < 1e-5 * chosen.summary.energy.incident


def test_a_repetition_rate_faster_than_the_pulses_is_fired_as_they_allow():
    # found in session 21: 0.8 ms pulses asked at 100 kHz were fired back to back (the
    # scanner waits for each spot's pulses, `firing_times`) while the session time took
    # 100 kHz and nothing said so
    p = Pass(device="co2_full_field", pulse_energy_mj=300.0, repetition_rate_hz=1e5)
    train = p.pulse_duration_ms
    assert p.firing_rate_hz == pytest.approx(1e3 / train)
    (caution,) = p.cautions()
    assert "repetition_rate_hz 100000 Hz" in caution and f"{1e3 / train:.4g} Hz" in caution
    slow = Pass(device="co2_full_field", pulse_energy_mj=300.0, repetition_rate_hz=100.0)
    assert slow.firing_rate_hz == 100.0 and slow.cautions() == []


def test_a_source_caution_is_not_printed_as_a_broken_safety_rule(capsys, tmp_path):
    plan = str(Path(__file__).resolve().parents[1] / "examples" / "co2-full-field-periorbital.toml")
    assert main(["simulate", plan, "--set", "passes.0.repetition_rate_hz=100000"]) == 0
    out = capsys.readouterr().out
    assert "safety rules broken" not in out
    assert "settings the source cannot deliver as given:" in out
