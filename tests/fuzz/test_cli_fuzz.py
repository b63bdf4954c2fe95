"""Fuzzing the CLI: plan files (JSON and TOML), --set overrides, mtz and optics options.

Every input either runs or exits 2 with one line (argparse's own usage errors exit
2 too); never a traceback. Where a solve runs for real (`test_real_columns...`),
exit 0 means every self-check passed: energy balance within 1e-6 and the rest."""

import json
import math
import random

import pytest
from fuzz_strategies import BASE_PLANS, FIELD_NAMES, PLAN_FILES, TOKENS, mutated_plans, option_value
from fuzz_support import examples
from hypothesis import given
from hypothesis import strategies as st

from resurfacer.cli import main
from resurfacer.column.checks import ENERGY_TOLERANCE


class Reached(Exception):
    """The input got past every check to the model (stubbed out here)."""


def run(capsys, argv) -> str:
    """Run the CLI; 'ran', 'refused' (exit 2) or 'usage' (argparse); else fail."""
    try:
        code = main(argv)
    except Reached:
        outcome = "ran"
    except SystemExit as exc:  # argparse: a value of the wrong type
        assert exc.code == 2, exc
        outcome = "usage"
    else:
        assert code in (0, 2), code
        outcome = "ran" if code == 0 else "refused"
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    if outcome == "refused":
        assert err.startswith("resurfacer ") and len(err.strip().splitlines()) == 1, err[:500]
    return outcome


@pytest.fixture
def no_model(monkeypatch):
    def stop(*args, **kwargs):
        raise Reached

    monkeypatch.setattr("resurfacer.treatment.simulate", stop)
    monkeypatch.setattr("resurfacer.column.solve.simulate_column", stop)
    monkeypatch.setattr("resurfacer.optics.montecarlo.run_monte_carlo", stop)


@examples(350)
@given(data=mutated_plans())
def test_plan_files(tmp_path_factory, capsys, no_model, counted, data):
    counted()
    path = tmp_path_factory.mktemp("plans") / "plan.json"
    path.write_text(json.dumps(data, allow_nan=True, default=str))
    run(capsys, ["simulate", str(path)])


@examples(200)
@given(
    source=st.sampled_from(PLAN_FILES),
    line=st.integers(0, 200),
    token=st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)),
    depth=st.integers(0, 3000),
)
def test_toml_plan_files(tmp_path_factory, capsys, no_model, counted, source, line, token, depth):
    counted()
    lines = source.read_text().splitlines()
    i = line % len(lines)
    key = lines[i].split("=", 1)[0] if "=" in lines[i] else "name"
    nested = "[" * depth + "]" * depth if depth > 2000 else token
    lines[i] = f"{key}= {nested}"
    path = tmp_path_factory.mktemp("plans") / "plan.toml"
    path.write_text(
        "\n".join(lines), encoding="utf-8", errors="surrogatepass"
    ) if token.isprintable() else path.write_text(
        "\n".join(lines).encode("utf-8", "replace").decode()
    )
    run(capsys, ["simulate", str(path)])


@examples(300)
@given(
    key=st.one_of(
        st.lists(
            st.one_of(
                st.sampled_from(FIELD_NAMES), st.integers(-2, 12).map(str), st.text(max_size=5)
            ),
            min_size=1,
            max_size=4,
        ).map(".".join),
        st.text(max_size=12),
    ),
    value=option_value(),
)
def test_set_overrides(capsys, no_model, counted, key, value):
    counted()
    run(capsys, ["simulate", str(PLAN_FILES[0]), "--set", f"{key}={value}"])


MTZ_OPTIONS = [
    "--wavelength-nm", "--energy-mj", "--spot-um", "--pulse-ms", "--profile", "--m-squared",
    "--stack", "--spacing-ms", "--site", "--sex", "--age", "--phototype", "--grid-um",
    "--radial-refinement", "--after-ms", "--photons", "--seed", "--damage-model",
]  # fmt: skip


@examples(350)
@given(options=st.dictionaries(st.sampled_from(MTZ_OPTIONS), option_value(), max_size=5))
def test_mtz_options(capsys, no_model, counted, options):
    counted()
    argv = ["mtz", "--json"]
    for option, value in options.items():
        argv += [f"{option}={value}"]
    run(capsys, argv)


@examples(120)
@given(
    layers=st.lists(
        st.lists(option_value(), min_size=5, max_size=5).map(",".join), min_size=1, max_size=3
    ),
    photons=option_value(),
)
def test_optics_options(capsys, no_model, counted, layers, photons):
    counted()
    argv = ["optics", "mc", f"--photons={photons}"]
    for layer in layers:
        argv += [f"--layer={layer}"]
    run(capsys, argv)


@examples(25)
@given(
    wavelength=st.sampled_from([2940.0, 10600.0]),
    energy=st.floats(0.5, 60.0),
    spot=st.floats(80.0, 400.0),
    pulse=st.floats(0.05, 3.0),
    stack=st.integers(1, 4),
    gap=st.floats(0.0, 5.0),
    site=st.sampled_from(["cheek", "forehead", "periorbital", "neck"]),
)
def test_real_columns_pass_their_checks_or_exit_2(
    capsys, counted, wavelength, energy, spot, pulse, stack, gap, site
):
    """Real solves (coarse 20 um cells, 2 ms after the train): exit 0 only with the
    energy balance inside its tolerance."""
    counted()
    argv = [
        "mtz", "--json", "--grid-um", "20", "--after-ms", "2",
        f"--wavelength-nm={wavelength}", f"--energy-mj={energy}", f"--spot-um={spot}",
        f"--pulse-ms={pulse}", f"--stack={stack}", f"--spacing-ms={pulse + gap}", f"--site={site}",
    ]  # fmt: skip
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and code in (0, 2), err
    if code == 0:
        summary = json.loads(out)
        assert summary["energy_balance_error"] <= ENERGY_TOLERANCE
        assert math.isfinite(summary["peak_temperature_c"])
    else:
        assert len(err.strip().splitlines()) <= 2, err  # the error (and a cost estimate)


def test_the_plan_corpus_is_valid():
    """The mutations start from plans that validate (else the fuzzing tests little)."""
    from resurfacer.plan.schema import Plan

    for data in BASE_PLANS:
        Plan.from_data(data)
    random.seed(0)
