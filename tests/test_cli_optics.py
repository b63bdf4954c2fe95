"""`resurfacer optics mc`: parsing, JSON and table output, bad input."""

import argparse
import json

import pytest

from resurfacer.cli import optics_command
from resurfacer.errors import InputError

SKIN = ["--layer", "1.4,10,200,0.8,0.01", "--layer", "1.4,7,100,0.9,0.15"]
SKIN += ["--layer", "1.44,5,100,0.9,inf"]


def _parse(argv):
    parser = argparse.ArgumentParser(prog="resurfacer")
    optics_command.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_json_output(capsys):
    args = _parse(["optics", "mc", *SKIN, "--photons", "5000", "--seed", "3", "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("specular", "diffuse_reflectance", "absorbed", "transmittance", "photons"):
        assert key in out
    assert out["photons"] == 5000 and out["photons_per_s"] > 0
    total = out["specular"] + out["diffuse_reflectance"] + out["absorbed"] + out["transmittance"]
    assert total == pytest.approx(1.0, abs=1e-6)
    assert out["specular"] == pytest.approx((0.4 / 2.4) ** 2)
    assert len(out["absorbed_by_layer"]) == 3


def test_units_are_converted_from_per_cm():
    args = _parse(["optics", "mc", "--layer", "1.33,10,90,0.75,0.02", "--photons", "10"])
    res = optics_command.simulate(args)
    assert res.photons == 10
    layer = optics_command.parse_layer("1.33,10,90,0.75,0.02", 0)
    assert (layer.mu_a, layer.mu_s, layer.thickness) == pytest.approx((1e3, 9e3, 2e-4))


def test_table_output(capsys):
    args = _parse(["optics", "mc", *SKIN, "--photons", "2000", "--ambient-n", "1.33"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "diffuse reflectance" in out and "absorbed in layer 2" in out
    assert "photons/s" in out


@pytest.mark.parametrize(
    ("layer", "field"),
    [
        ("1.4,10,200,0.8", "--layer 2"),
        ("1.4,10,200,0.8,0.01,3", "--layer 2"),
        ("1.4,ten,200,0.8,0.01", "--layer 2"),
        ("1.4,10,200,nan,0.01", "--layer 2"),
        ("1.4,10,200,1.5,0.01", "--layer 2 g"),
        ("1.4,-10,200,0.8,0.01", "--layer 2 mua_per_cm"),
        ("0.5,10,200,0.8,0.01", "--layer 2 n"),
        ("1.4,10,200,0.8,0", "--layer 2 thickness_cm"),
    ],
)
def test_bad_layer_names_the_option(layer, field):
    # the layer is counted from 1, as the table's "absorbed in layer N" rows count it
    # (until session 20 from 0: "--layer[1]" for the second layer)
    args = _parse(["optics", "mc", "--layer", "1.4,1,1,0,0.1", "--layer", layer])
    with pytest.raises(InputError) as info:
        args.func(args)
    assert info.value.field == field


def test_bad_photons_names_the_option():
    args = _parse(["optics", "mc", *SKIN, "--photons", "0"])
    with pytest.raises(InputError) as info:
        args.func(args)
    assert info.value.field == "--photons"


def test_through_the_main_entry_point(capsys):
    from resurfacer import cli

    assert cli.main(["optics", "mc", "--layer", "1,10,90,0.75,0.02", "--photons", "100"]) == 0
    capsys.readouterr()
    assert cli.main(["optics", "mc", "--layer", "1,10,90"]) == 2
    assert "--layer 1:" in capsys.readouterr().err


def test_json_is_strict_with_one_photon(capsys):
    # found in session 19: one packet leaves the batches' standard errors NaN, printed
    # as NaN (not JSON); they are null
    args = _parse(["optics", "mc", *SKIN, "--photons", "1", "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    assert out["absorbed_std"] is None


def test_a_bad_site_names_the_option():
    args = _parse(["optics", "mc", "--site", "elbow", "--wavelength-nm", "1550"])
    with pytest.raises(InputError) as info:
        args.func(args)
    assert info.value.field == "--site"


@pytest.mark.parametrize(
    ("extra", "field", "value"),
    [
        (["--wavelength-nm", "1550"], "--wavelength-nm", 1550.0),
        (["--sex", "male"], "--sex", "male"),
        (["--age", "30"], "--age", 30.0),
        (["--phototype", "5"], "--phototype", "5"),
    ],
)
def test_site_options_are_refused_with_layers(extra, field, value):
    # found by a probe: with --layer these were accepted and silently ignored
    args = _parse(["optics", "mc", *SKIN, "--photons", "10", *extra])
    with pytest.raises(InputError) as info:
        args.func(args)
    assert (info.value.field, info.value.value) == (field, value)
    assert "not with --layer" in info.value.allowed


def test_site_options_still_apply_with_site():
    args = _parse(["optics", "mc", "--site", "cheek", "--wavelength-nm", "1550"])
    args.age, args.sex, args.phototype = 30.0, "male", "V"
    assert len(optics_command._layers(args)) == len(args.layer_names)
    defaults = _parse(["optics", "mc", "--site", "cheek", "--wavelength-nm", "1550"])
    optics_command._layers(defaults)
    assert (defaults.sex, defaults.age, defaults.phototype) == ("female", 45.0, "2")


def test_beam_radius_is_refused_with_a_pencil_beam():
    # found by a probe: accepted and silently ignored (a pencil beam has no radius)
    args = _parse(["optics", "mc", *SKIN, "--photons", "10", "--beam-radius-mm", "2"])
    with pytest.raises(InputError) as info:
        args.func(args)
    assert (info.value.field, info.value.value) == ("--beam-radius-mm", 2.0)
    assert "not with --beam pencil" in info.value.allowed


@pytest.mark.parametrize("beam", ["gaussian", "tophat"])
def test_a_wide_beam_without_a_radius_says_it_is_required(beam):
    # found by a probe: "--beam-radius-mm: got 0" although no radius was given
    args = _parse(["optics", "mc", *SKIN, "--photons", "10", "--beam", beam])
    with pytest.raises(InputError) as info:
        args.func(args)
    assert info.value.field == "--beam-radius-mm"
    assert "got nothing" in str(info.value) and "got 0" not in str(info.value)
    assert f"required with --beam {beam}" in info.value.allowed


def test_a_wide_beam_with_a_radius_runs():
    argv = ["optics", "mc", *SKIN, "--photons", "10", "--beam", "gaussian"]
    args = _parse([*argv, "--beam-radius-mm", "1.5"])
    assert optics_command.simulate(args).photons == 10


@pytest.mark.parametrize(("text", "photons"), [("1e5", 100_000), ("100000.0", 100_000), ("7", 7)])
def test_photons_accept_whole_numbers_in_float_form(text, photons):
    # found by a probe: "--photons 1e5" stopped with "invalid int value" although the
    # help shows the default as 1e5
    args = _parse(["optics", "mc", *SKIN, "--photons", text])
    assert args.photons == photons and isinstance(args.photons, int)


@pytest.mark.parametrize("text", ["1.5e0", "2.5", "abc", "inf", "nan", "1e400"])
def test_photons_refuse_what_is_not_a_whole_number(text, capsys):
    with pytest.raises(SystemExit) as info:
        _parse(["optics", "mc", *SKIN, "--photons", text])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --photons: got {text!r}; allowed: a whole number" in err


def test_errors_name_the_sub_command(capsys):
    # found by a probe: errors began "resurfacer optics:", not "resurfacer optics mc:"
    args = _parse(["optics", "mc", *SKIN])
    assert args.command == "optics mc"
    from resurfacer import cli

    assert cli.main(["optics", "mc", *SKIN, "--beam", "gaussian"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("resurfacer optics mc: error: --beam-radius-mm: got nothing;")
