"""Column and optics inputs refused with the field the user gave (found by a probe in
session 23)."""

from __future__ import annotations

import math

import pytest

from resurfacer.cli import main
from resurfacer.column.options import SolverOptions
from resurfacer.errors import InputError
from resurfacer.optics.montecarlo import OpticalLayer, steps_per_photon


@pytest.mark.parametrize(
    "field, value",
    [
        ("radius", -1e-3), ("radius", math.nan), ("depth", -1e-3), ("depth", math.nan),
        ("growth_tolerance", math.nan), ("growth_tolerance", -1.0),
    ],
)  # fmt: skip
def test_solver_options_refuse_a_bad_domain_or_tolerance(field, value):
    # a negative radius ran a 4 um crater; NaN raised a bare ValueError
    with pytest.raises(InputError) as err:
        SolverOptions(grid=4e-6, **{field: value})
    assert err.value.field == field


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err


def test_a_derived_pulse_too_long_names_the_power(capsys):
    # "--pulse-ms: got 2000" for an option the user did not type
    err = _error(capsys, ["mtz", "--energy-mj", "100", "--power-w", "0.05"])
    assert "--power-w: got 0.05" in err and "2000 ms" in err


def test_a_negative_stack_spacing_is_refused_for_one_pulse_too(capsys):
    assert "--spacing-ms: got -5" in _error(capsys, ["mtz", "--spacing-ms", "-5"])


def test_a_nearly_lossless_half_space_is_refused_before_it_runs_for_an_hour(capsys):
    # mu_a 1e-7 /cm under mu_s 100 /cm ran on with no output
    err = _error(capsys, ["optics", "mc", "--layer", "1.4,1e-7,100,0.9,inf"])
    assert "--layer 1 mua" in err and "--allow-long" in err


def test_the_photon_step_estimate_follows_the_measured_absorption():
    # 1.4 % absorbed at mu_a 1e-4 /cm, mu_s 100 /cm, g 0.9 (1,000 photons): mean path
    # 0.014 / mu_a, about 14,000 steps of 1 / mu_t
    layer = OpticalLayer(1.4, 1e-2, 1e4, 0.9, math.inf)
    assert steps_per_photon([layer]) == pytest.approx(14_000, rel=0.3)


def test_the_opened_surface_line_says_what_healing_reads():
    # "0 % (healing: 100 % with a crater)" printed for a column without a crater
    from resurfacer.cli.mtz_command import _opening_text

    assert "crater" not in _opening_text(0.0) and "intact" in _opening_text(0.0)
    assert "in part" in _opening_text(0.36) and "crater" in _opening_text(1.0)
