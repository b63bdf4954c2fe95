"""Property-based: any plan data either validates or is refused with an InputError
whose field path names real fields; never another exception."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from resurfacer.errors import InputError
from resurfacer.plan.schema import DEVICES, Area, AreaPreset, Pass, Patient, Plan, apply_overrides

FIELDS = {name for model in (Plan, Patient, Area, AreaPreset, Pass) for name in model.model_fields}
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10, max_value=2000),
    st.integers(min_value=-5, max_value=20000),
)
ANY = st.one_of(
    NUMBERS, st.text(max_size=8), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)
)
MODES = sorted({m for d in DEVICES.values() for m in d["modes"]})


def _maybe(strategy):
    """Mostly a sensible value, one time in twenty anything at all."""
    return st.integers(0, 19).flatmap(lambda i: ANY if i == 13 else strategy)


patients = st.fixed_dictionaries(
    {
        "sex": _maybe(st.sampled_from(["female", "male"])),
        "age_years": _maybe(st.floats(18, 100)),
        "phototype": _maybe(st.integers(1, 6)),
    }
)
areas = st.one_of(
    st.fixed_dictionaries(
        {
            "site": _maybe(
                st.sampled_from(["cheek", "nose", "perioral", "forehead", "neck", "scalp"])
            ),
            "area_cm2": _maybe(st.floats(0.5, 1000)),
        }
    ),
    st.fixed_dictionaries({"preset": _maybe(st.just("full_face"))}),
)
PASS_FIELDS = {
    "kind": st.sampled_from(["fractional", "full_field"]),
    "wavelength_nm": st.sampled_from([1550, 1927, 2940, 10600, 500]),
    "spot_um": st.floats(50, 3000),
    "profile": st.sampled_from(["gaussian", "tophat"]),
    "pulse_energy_mj": st.floats(0, 800),
    "pulse_duration_ms": st.floats(0.05, 3),
    "stack": st.integers(1, 5),
    "stack_spacing_ms": st.floats(0, 5),
    "pattern_shape": st.sampled_from(["square", "hexagon", "line"]),
    "pattern_size_mm": st.floats(1, 20),
    "scan_order": st.sampled_from(["raster", "interlaced", "random"]),
    "repetition_rate_hz": st.floats(1, 1000),
    "pass_delay_s": st.floats(0, 100),
}
DENSITY = {
    "density_percent": st.floats(-10, 150),
    "spot_spacing_um": st.floats(10, 3000),
    "mtz_per_cm2": st.floats(1, 10000),
}
preset_passes = st.fixed_dictionaries(
    {
        "device": _maybe(st.sampled_from(sorted(DEVICES) + ["fraxel"])),
        "mode": _maybe(st.sampled_from(MODES)),
    },
    optional={k: _maybe(v) for k, v in {**PASS_FIELDS, **DENSITY}.items()},
)
explicit_passes = st.fixed_dictionaries(
    {k: _maybe(v) for k, v in PASS_FIELDS.items()},
    optional={k: _maybe(v) for k, v in DENSITY.items()},
)
valid_ish = st.fixed_dictionaries(
    {
        "name": _maybe(st.text(min_size=1, max_size=10)),
        "patient": patients,
        "areas": st.lists(areas, min_size=1, max_size=3),
        "passes": st.lists(st.one_of(preset_passes, explicit_passes), min_size=1, max_size=3),
    },
    optional={"notes": _maybe(st.text(max_size=10))},
)


@st.composite
def plans(draw):
    """Plan data, sometimes with a key dropped or a misspelled key added somewhere."""
    data = draw(valid_ish)
    how = draw(st.sampled_from(["keep"] * 6 + ["drop", "typo"]))
    if how == "keep":
        return data
    tables = [data, data["patient"], *data["areas"], *data["passes"]]
    table = draw(st.sampled_from(tables))
    if how == "drop" and table:
        table.pop(draw(st.sampled_from(sorted(table))))
    elif how == "typo":
        table[draw(st.sampled_from(["nmae", "sexx", "pulse_energy", "densty_percent"]))] = 1
    return data


def _check_path(path: str) -> None:
    if path == "plan":
        return
    names = re.sub(r"\[\d+\]", "", path).split(".")
    assert names, path
    typos = {"nmae", "sexx", "pulse_energy", "densty_percent"}
    assert all(name in FIELDS | typos for name in names), path


@settings(max_examples=400, deadline=None)
@given(plans())
def test_plan_validates_or_refuses_with_field_path(data):
    try:
        plan = Plan.from_data(data)
    except InputError as err:
        _check_path(err.field)
        assert err.allowed
        return
    # A valid plan survives a TOML round trip and converts to SI.
    import tomllib

    assert Plan.from_data(tomllib.loads(plan.to_toml())) == plan
    for p in plan.passes:
        p.beam()
        p.pulse()
        assert 0 < p.density_fraction <= 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "passes.0.density_percent",
                    "passes.1.pulse_energy_mj",
                    "patient.age_years",
                    "areas.0.site",
                    "passes.0.spot_spacing_um",
                    "passes.3.stack",
                ]
            ),
            st.sampled_from(["15", "-3", "200", "cheek", "'x'", "1e3", "[1]", "true"]),
        ),
        max_size=3,
    )
)
def test_overrides_validate_or_refuse(items):
    data = {
        "name": "t",
        "patient": {"sex": "female", "age_years": 50, "phototype": 2},
        "areas": [{"preset": "full_face"}],
        "passes": [{"device": "co2_dual", "mode": "surface"}, {"device": "co2_dual"}],
    }
    try:
        Plan.from_data(apply_overrides(data, [f"{k}={v}" for k, v in items]))
    except InputError as err:
        if not err.field.startswith("passes.3"):
            _check_path(err.field)


@settings(max_examples=150, deadline=None)
@given(
    energy=st.floats(min_value=2.5, max_value=50.0),
    density=st.floats(min_value=1.0, max_value=24.0),
    region=st.sampled_from(["periorbital", "neck", "chest", "cheeks"]),
)
def test_a_region_fires_the_deep_pass_the_planner_judges(energy, density, region):
    # the planner's per-region settings (plan.schema.regional_setting) are the pass the
    # plan fires there (Plan.region_pass); inside the device's ranges; and no higher
    # setting gives a lower one (monotone in the energy and density set)
    from resurfacer.plan.schema import regional_setting

    energy, density = round(energy * 2) / 2, round(density, 1)
    spec = DEVICES["co2_dual"]["modes"]["deep"]
    plan = Plan.from_data(
        {
            "name": "p",
            "patient": {"sex": "female", "age_years": 50, "phototype": 2},
            "areas": [{"preset": region}],
            "passes": [
                {"device": "co2_dual", "mode": "deep", "pulse_energy_mj": energy,
                 "density_percent": density},
            ],
        }
    )  # fmt: skip
    area = plan.site_areas[0]
    fired = plan.region_pass(0, area)
    e, d = regional_setting(spec, energy, density, area.deep_defaults)
    assert (fired.pulse_energy_mj, fired.density_percent) == (e, d)
    assert spec["pulse_energy_mj"]["min"] <= e <= spec["pulse_energy_mj"]["max"]
    more = regional_setting(spec, energy + 0.5, density + 0.5, area.deep_defaults)
    assert more[0] >= e and more[1] >= d
