"""Arrhenius damage and CEM43 (``resurfacer.column.damage``) and the damage kernel.

Published parameters: /work/shared/data/published.md section 4. At constant
temperature Omega = A exp(-Ea / (R T)) t, so Omega = 1 after t = 1 / rate and,
for a one-segment set, T = Ea / (R ln(A t)).
"""

import math

import numpy as np
import pytest

from resurfacer.column.damage import (
    KELVIN_OFFSET,
    arrhenius_parameters,
    cem43,
    damage_integral,
    damage_rate,
    parameter_set_names,
    temperature_for_coagulation,
    time_to_coagulation,
)
from resurfacer.errors import InputError
from resurfacer.kernels.damage import accumulate_damage, arrhenius_rate

R = 8.314462618  # J/mol/K, CODATA 2018
# published.md section 4: (ln A [ln 1/s], Ea/R [K], segment start [C])
PUBLISHED = {
    "henriques": [(math.log(3.1e98), 6.28e5 / R, -273.15)],
    "weaver_stoll": [(math.log(2.185e124), 93534.9, -273.15), (math.log(1.823e51), 39109.8, 50.0)],
    "maitland_walsh": [(130.0, 89 * 4184 / R, -273.15)],
}
# temperatures [C] inside each segment of each set
TEMPERATURES = {
    "henriques": [50.0, 60.0, 70.0, 90.0],
    "weaver_stoll": [45.0, 48.0, 55.0, 70.0, 90.0],
    "maitland_walsh": [60.0, 70.0, 90.0],
}


def test_parameter_sets_are_the_published_ones():
    assert set(parameter_set_names()) == set(PUBLISHED)
    for name, segments in PUBLISHED.items():
        p = arrhenius_parameters(name)
        assert len(p.ln_a) == len(segments)
        for i, (ln_a, ea_over_r, t_min) in enumerate(segments):
            # the data file rounds ln A to 4 decimals (ln 3.1e98 = 226.78474 is stored as
            # 226.7847): 5e-5 absolute, ~2e-7 relative
            assert p.ln_a[i] == pytest.approx(ln_a, abs=5e-5)
            assert p.ea_over_r[i] == pytest.approx(ea_over_r, rel=1e-7)
            assert p.t_min_c[i] == t_min
    assert arrhenius_parameters().name == "henriques"


@pytest.mark.parametrize("name", parameter_set_names())
def test_omega_is_one_after_time_to_coagulation(name):
    params = arrhenius_parameters(name)
    for t_c in TEMPERATURES[name]:
        exposure = float(time_to_coagulation(t_c, params))
        times = np.linspace(0.0, exposure, 11)
        omega = damage_integral(times, np.full(times.size, t_c), params)
        assert omega == pytest.approx(1.0, rel=1e-12)
        # the inverse gives back the temperature
        assert temperature_for_coagulation(exposure, params) == pytest.approx(t_c, rel=1e-9)


@pytest.mark.parametrize("exposure", [1e-3, 0.1, 1.0, 10.0, 3600.0])
def test_henriques_coagulation_temperature_matches_the_published_formula(exposure):
    """T = Ea / (R ln(A t)) with A = 3.1e98 1/s, Ea = 6.28e5 J/mol (compared in kelvin).

    Measured: ~2e-7 relative (from the rounding of ln A in the data file; ~1e-6 in
    degrees Celsius)."""
    published_k = 6.28e5 / (R * math.log(3.1e98 * exposure))
    got_k = temperature_for_coagulation(exposure, arrhenius_parameters("henriques")) + 273.15
    assert got_k == pytest.approx(published_k, rel=1e-6)


@pytest.mark.parametrize("name", parameter_set_names())
def test_kernel_reaches_omega_one_at_constant_temperature(name):
    params = arrhenius_parameters(name)
    ln_a, ea_over_r, t_min = params.arrays()
    for t_c in TEMPERATURES[name]:
        n = 1000
        dt = float(time_to_coagulation(t_c, params)) / n
        temperature = np.full((2, 3), t_c)
        void = np.zeros((2, 3), dtype=np.bool_)
        void[0, 0] = True
        omega = np.zeros((2, 3))
        for _ in range(n):
            rate = accumulate_damage(temperature, void, omega, dt, ln_a, ea_over_r, t_min, 40.0)
        assert rate == pytest.approx(1.0 / (n * dt), rel=1e-12)
        np.testing.assert_allclose(omega[~void], 1.0, rtol=1e-9)
        assert omega[0, 0] == 0.0  # void cells accumulate nothing


def test_weaver_stoll_switches_segment_at_50_c():
    params = arrhenius_parameters("weaver_stoll")
    ln_a, ea_over_r, t_min = params.arrays()
    (low_a, high_a), (low_e, high_e) = params.ln_a, params.ea_over_r
    below = np.nextafter(50.0, 0.0)
    for t_c, (a, e) in [
        (below, (low_a, low_e)),
        (50.0, (high_a, high_e)),
        (49.0, (low_a, low_e)),
        (51.0, (high_a, high_e)),
    ]:
        expected = math.exp(a - e / (t_c + KELVIN_OFFSET))
        assert float(damage_rate(t_c, params)) == pytest.approx(expected, rel=1e-12)
        assert arrhenius_rate(t_c, ln_a, ea_over_r, t_min) == pytest.approx(expected, rel=1e-12)
    # the two fits do not meet at 50 C: the rate jumps up by ~16 %
    jump = float(damage_rate(50.0, params) / damage_rate(below, params))
    assert 1.1 < jump < 1.25


def test_weaver_stoll_inverse_in_the_gap_at_50_c():
    """The two fits jump at 50 C: between ~20.0 s and 23.2 s no constant T gives Omega = 1."""
    params = arrhenius_parameters("weaver_stoll")
    with pytest.raises(ValueError, match="no segment"):
        temperature_for_coagulation(21.5, params)
    for exposure in (10.0, 40.0):
        t_c = temperature_for_coagulation(exposure, params)
        assert float(time_to_coagulation(t_c, params)) == pytest.approx(exposure, rel=1e-9)


def test_unknown_parameter_set_raises_input_error():
    with pytest.raises(InputError) as info:
        arrhenius_parameters("no_such_set")
    assert info.value.field == "damage_model"
    assert "henriques" in info.value.allowed


def test_cem43():
    assert cem43([0.0, 3600.0], [43.0, 43.0]) == pytest.approx(60.0, rel=1e-15)
    minutes = np.linspace(0.0, 3600.0, 61)
    assert cem43(minutes, np.full(61, 43.0)) == pytest.approx(60.0, rel=1e-12)
    # one minute at 44 C counts two, at 42 C a quarter (Sapareto & Dewey)
    assert cem43([0.0, 60.0], [44.0, 44.0]) == pytest.approx(2.0, rel=1e-15)
    assert cem43([0.0, 60.0], [42.0, 42.0]) == pytest.approx(0.25, rel=1e-15)


def test_cem43_holds_a_boiling_tissue_at_its_ceiling():
    # found in session 19: a linear bulk-heating estimate of 4164 C overflowed 2^(T - 43)
    # to inf, which the JSON could not carry; tissue holds at the boiling point
    hot = cem43([0.0, 60.0], [4164.0, 4164.0], ceiling_c=100.0)
    assert hot == pytest.approx(2.0**57, rel=1e-12)
    assert cem43([0.0, 60.0], [44.0, 44.0], ceiling_c=100.0) == pytest.approx(2.0, rel=1e-15)
