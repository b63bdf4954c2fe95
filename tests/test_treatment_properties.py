"""Property: any generated plan is either simulated with finite results or refused
with an InputError that names the field path (never another exception)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resurfacer.errors import InputError
from resurfacer.plan.schema import Plan
from resurfacer.tissue.skin import SITES
from resurfacer.treatment import is_finite_summary, simulate


def mostly(valid, invalid):
    """Valid values most of the time, so that plans are simulated as well as refused."""
    return st.tuples(st.integers(0, 5), valid, invalid).map(
        lambda draw: draw[2] if draw[0] == 5 else draw[1]
    )


passes = st.fixed_dictionaries(
    {
        "kind": st.just("fractional"),
        "wavelength_nm": mostly(st.sampled_from([10600.0, 2940.0, 1550.0]), st.just(500.0)),
        "spot_um": mostly(st.sampled_from([60.0, 120.0, 300.0]), st.just(-5.0)),
        "pulse_energy_mj": mostly(st.floats(1.0, 30.0), st.floats(-5.0, 0.0)),
        "pulse_duration_ms": st.sampled_from([0.3, 1.0, 3.0]),
        "stack": mostly(st.integers(1, 3), st.just(0)),
        "stack_spacing_ms": st.just(5.0),
        "density_percent": mostly(st.floats(1.0, 30.0), st.floats(100.5, 150.0)),
        "pattern_size_mm": st.sampled_from([3.0, 5.0]),
        "repetition_rate_hz": st.sampled_from([100.0, 300.0]),
    }
)

plans = st.fixed_dictionaries(
    {
        "name": st.just("generated"),
        "patient": st.fixed_dictionaries(
            {
                "sex": mostly(st.sampled_from(["female", "male"]), st.just("other")),
                "age_years": mostly(st.floats(18.0, 100.0), st.floats(101.0, 120.0)),
                "phototype": mostly(st.integers(1, 6), st.just(7)),
            }
        ),
        "areas": st.lists(
            st.fixed_dictionaries(
                {
                    "site": mostly(st.sampled_from(SITES), st.just("elbow")),
                    "area_cm2": mostly(st.floats(1.0, 100.0), st.just(-1.0)),
                }
            ),
            min_size=1,
            max_size=2,
        ),
        "passes": st.lists(passes, min_size=1, max_size=2),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans)
def test_generated_plans_run_or_are_refused_by_field(data):
    try:
        outcome = simulate(Plan.from_data(data))
    except InputError as exc:
        root = exc.field.split("[")[0].split(".")[0]
        assert root in {"name", "patient", "areas", "passes", "plan"}, exc.field
        assert "allowed" in str(exc)
        return
    assert is_finite_summary(outcome.summary)
