"""Single-column solver: energy balance, trends, geometry choice and bad input."""

import math

import pytest

from resurfacer.errors import InputError
from resurfacer.laser import Beam, Pulse
from resurfacer.mtz import SolverOptions, simulate_column
from resurfacer.tissue import skin_for

CO2 = 10.6e-6
ERBIUM = 2.94e-6
FAST = SolverOptions(grid=4e-6, after_pulse=5e-3)


def column(energy_mj, wavelength=CO2, spot_um=120.0, options=FAST, **pulse):
    return simulate_column(
        skin_for("cheek"),
        Beam(wavelength, spot_um * 1e-6),
        Pulse(energy_mj * 1e-3, 0.5e-3, **pulse),
        options,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(energy_mj=5.0),
        dict(energy_mj=20.0),
        dict(energy_mj=10.0, stack=3, spacing=2e-3),
        dict(energy_mj=2.0, wavelength=ERBIUM, spot_um=200.0),
    ],
)
def test_energy_balance_closes(kwargs):
    balance = column(**kwargs).summary.energy
    assert balance.relative_error < 5e-3  # the bar; the scheme is conservative
    assert balance.relative_error < 1e-9  # ... to rounding, in fact
    assert balance.ablation > 0 and balance.stored > 0 and balance.reflected > 0


def test_depth_grows_with_energy():
    depths = [column(e).summary.ablation_depth for e in (2.0, 5.0, 10.0)]
    assert depths[0] < depths[1] < depths[2]


def test_stacking_deepens_the_column():
    single = column(5.0).summary.ablation_depth
    stacked = column(5.0, stack=2, spacing=2e-3).summary.ablation_depth
    assert stacked > 1.3 * single


def test_fields_carry_units():
    fields = column(5.0).fields
    for name in ("temperature_end_of_pulse", "peak_temperature", "damage", "ablated"):
        assert "units" in fields[name].attrs
    assert fields.z.attrs["units"] == "m"


def test_wide_beam_uses_the_one_dimensional_geometry():
    beam = Beam(CO2, 3e-3, "tophat")
    result = simulate_column(skin_for("cheek"), beam, Pulse(0.5, 1e-3), FAST)
    assert result.geometry == "wide"
    assert math.isnan(result.summary.ablation_width_surface)
    assert result.summary.ablation_depth > 0


def test_damage_stop_criterion_ends_the_run():
    result = column(5.0, options=SolverOptions(grid=4e-6))
    assert 0.5e-3 < result.summary.simulated_time < SolverOptions().max_time


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: Pulse(0.0, 1e-3), "energy"),
        (lambda: Pulse(-1e-3, 1e-3), "energy"),
        (lambda: Beam(CO2, 0.0), "spot_diameter"),
        (lambda: skin_for("elbow"), "site"),
        (lambda: skin_for("cheek", age=12), "age"),
        (lambda: skin_for("cheek", age=101), "age"),
        (lambda: column(5.0, spot_um=10.0), "spot_diameter"),
        (
            lambda: simulate_column(
                skin_for("cheek"), Beam(1.55e-6, 3e-3, "tophat"), Pulse(0.5, 1e-3), FAST
            ),
            "wavelength",
        ),
        (lambda: column(5.0, wavelength=0.8e-6), "wavelength"),
        (lambda: SolverOptions(grid=0.0), "grid"),
    ],
)
def test_bad_input_names_the_field(build, field):
    with pytest.raises(InputError) as info:
        build()
    assert info.value.field == field
    assert field in str(info.value) and "allowed" in str(info.value)
