"""`resurfacer optics mc`: layered Monte Carlo light transport from the command line.

Clinical units on the command line (1/cm, cm); SI inside. Example::

    resurfacer optics mc --layer 1.4,10,200,0.8,0.01 --layer 1.4,7,100,0.9,0.15 \\
        --layer 1.44,5,100,0.9,inf --photons 200000 --json
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from resurfacer.errors import InputError

_LAYER_FIELDS = ("n", "mua_per_cm", "mus_per_cm", "g", "thickness_cm")
_LAYER_HELP = "n,mua_per_cm,mus_per_cm,g,thickness_cm (thickness 'inf' for the last layer)"
# model field -> (CLI name, factor SI -> CLI unit, allowed range in CLI units)
_LAYER_CLI = {
    "n": ("n", 1.0, None),
    "mu_a": ("mua_per_cm", 0.01, "[0, 1e+07] 1/cm"),
    "mu_s": ("mus_per_cm", 0.01, "[0, 1e+07] 1/cm"),
    "g": ("g", 1.0, None),
    "thickness": ("thickness_cm", 100.0, "(0, 100] cm (inf allowed for the last layer)"),
}
_OPTION_OF_FIELD = {
    "photons": "--photons",
    "seed": "--seed",
    "n_above": "--ambient-n",
    "n_below": "--below-n",
    "beam": "--beam",
    "beam_radius": "--beam-radius-mm",
    "threads": "--threads",
    "layers": "--layer",
}
#: options that only build the skin model's layers (``--site``), with their defaults
_SITE_OPTIONS = {"wavelength_nm": None, "sex": "female", "age": 45.0, "phototype": "2"}


def register(subparsers) -> None:
    """Add ``optics`` with its sub-command ``mc``."""
    optics = subparsers.add_parser(
        "optics",
        help="light transport in layered tissue",
        description="Light transport in layered tissue.",
    )
    sub = optics.add_subparsers(dest="optics_command", required=True)
    p = sub.add_parser(
        "mc",
        help="Monte Carlo (MCML-class) transport through plane layers",
        description="Photon-packet Monte Carlo through plane layers (Wang, Jacques & Zheng "
        "1995): specular and diffuse reflectance, absorption per layer, transmittance. "
        "Clinical units: 1/cm and cm.",
    )
    from resurfacer.cli.choices import SEXES, choices_help, sites, whole_number

    p.add_argument(
        "--layer",
        action="append",
        default=None,
        metavar="N,MUA,MUS,G,D",
        help=f"one layer, top first, repeat for more: {_LAYER_HELP}; or use --site",
    )
    p.add_argument(
        "--site",
        default=None,
        help=choices_help("build the layers from the skin model of this body site", sites()),
    )
    p.add_argument("--wavelength-nm", type=float, default=None, help="with --site: wavelength")
    p.add_argument("--sex", default=None, help=choices_help("with --site", SEXES, "female"))
    p.add_argument(
        "--age", type=float, default=None, help="with --site: years (default 45; no effect)"
    )
    p.add_argument("--phototype", default=None, help="with --site: type 1-6 or I-VI (default 2)")
    p.add_argument("--ambient-n", type=float, default=1.0, help="index above (default 1.0)")
    p.add_argument("--below-n", type=float, default=None, help="index below (default: --ambient-n)")
    p.add_argument("--beam", default="pencil", help="pencil (default), gaussian or tophat")
    p.add_argument(
        "--beam-radius-mm",
        type=float,
        default=None,
        help="1/e^2 radius (gaussian) or radius (tophat) [mm]; required with those beams",
    )
    p.add_argument(
        "--photons",
        type=whole_number,
        default=100_000,
        help="photon packets, a whole number: 100000 or 1e5 (default 1e5)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--threads", type=int, default=None, help="threads (default: all)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--allow-long",
        action="store_true",
        help=f"run more than {MAX_PHOTONS_WITHOUT_OVERRIDE:.0e} photons (estimate printed)",
    )
    # errors name the sub-command: "resurfacer optics mc: error: ..." (the entry point
    # prints ``args.command``, which this default replaces after "optics" is parsed)
    p.set_defaults(func=run, command="optics mc")


def parse_layer(text: str, index: int):
    """``"n,mua_per_cm,mus_per_cm,g,thickness_cm"`` -> OpticalLayer in SI units.

    Raises InputError naming the layer as the table of results counts it, from 1
    (``--layer 2`` for the second option given), when the text is malformed.
    """
    from resurfacer.optics.montecarlo import OpticalLayer

    field = _layer_option(index)
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != len(_LAYER_FIELDS):
        raise InputError(
            field, text, f"{len(_LAYER_FIELDS)} comma-separated numbers: {_LAYER_HELP}"
        )
    try:
        n, mua, mus, g, d = (float(p) for p in parts)
    except ValueError:
        raise InputError(field, text, f"numbers: {_LAYER_HELP}") from None
    if any(math.isnan(v) for v in (n, mua, mus, g, d)):
        raise InputError(field, text, f"numbers, not nan: {_LAYER_HELP}")
    return OpticalLayer(n=n, mu_a=mua * 100.0, mu_s=mus * 100.0, g=g, thickness=d / 100.0)


def _layer_option(index: int) -> str:
    """The option of the model's ``layers[index]``, counted from 1 as the printed
    "absorbed in layer N" rows count it."""
    return f"--layer {index + 1}"


def _as_cli_error(exc: InputError) -> InputError:
    """Rename a model field (``layers[1].mu_a`` in 1/m) to the option the user typed."""
    if exc.field.startswith("layers[") and "." in exc.field:
        head, attr = exc.field.split(".", 1)
        index = head[len("layers[") : -1]
        name, factor, allowed = _LAYER_CLI.get(attr, (attr, 1.0, None))
        value = exc.value * factor if isinstance(exc.value, float) else exc.value
        if allowed is None or not exc.allowed.startswith(("[", "(")):
            # a condition beyond the plain range: keep it, in the option's units
            allowed = exc.allowed.replace(" 1/m", " 1/cm").replace(" m ", " cm ")
        return InputError(f"{_layer_option(int(index))} {name}", value, allowed)
    if exc.field == "beam_radius" and isinstance(exc.value, float):
        return InputError("--beam-radius-mm", round(exc.value * 1e3, 9), "(0, 1000] mm")
    return InputError(_OPTION_OF_FIELD.get(exc.field, exc.field), exc.value, exc.allowed)


def _layers(args: argparse.Namespace) -> list:
    """The layers from ``--layer`` options, or from the skin model (``--site`` and
    ``--wavelength-nm``: `optics.skin_optics.optical_layers`)."""
    if args.site is None:
        if not args.layer:
            raise InputError("--layer", None, "one or more --layer, or --site with --wavelength-nm")
        _refuse_site_options(args)
        return [parse_layer(text, i) for i, text in enumerate(args.layer)]
    if args.layer:
        raise InputError("--layer", args.layer, "either --layer or --site, not both")
    for name, default in _SITE_OPTIONS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.wavelength_nm is None:
        raise InputError("--wavelength-nm", None, "a wavelength [nm] with --site")
    from resurfacer.cli.choices import parse_phototype
    from resurfacer.optics.absorption import MAX_WAVELENGTH, MIN_WAVELENGTH, check_wavelength
    from resurfacer.optics.skin_optics import optical_layers
    from resurfacer.tissue.skin import skin_for

    try:
        check_wavelength(args.wavelength_nm * 1e-9)
    except InputError:
        allowed = f"[{MIN_WAVELENGTH * 1e9:g}, {MAX_WAVELENGTH * 1e9:g}] nm"
        raise InputError("--wavelength-nm", args.wavelength_nm, allowed) from None
    phototype = parse_phototype(args.phototype)
    try:
        skin = skin_for(args.site, sex=args.sex, age=args.age, phototype=phototype)
    except InputError as exc:  # the skin's field names the option the user typed
        raise InputError(f"--{exc.field}", exc.value, exc.allowed) from None
    args.layer_names = [layer.name.replace("_", " ") for layer in skin.layers]
    return optical_layers(skin, args.wavelength_nm * 1e-9)


def _refuse_site_options(args: argparse.Namespace) -> None:
    """Refuse an option of the skin model (``--wavelength-nm``, ``--sex``, ``--age``,
    ``--phototype``) given with ``--layer``: it would change nothing."""
    for name in _SITE_OPTIONS:
        value = getattr(args, name)
        if value is not None:
            option = "--" + name.replace("_", "-")
            raise InputError(option, value, "not with --layer (explicit layers set the optics)")


def _beam_radius(args: argparse.Namespace) -> float:
    """``--beam-radius-mm`` in metres: required with a gaussian or tophat beam, refused
    with a pencil beam (which has no radius); 0 where none applies."""
    radius = args.beam_radius_mm
    if args.beam == "pencil":
        if radius is not None:
            raise InputError(
                "--beam-radius-mm", radius, "not with --beam pencil (a pencil beam has no radius)"
            )
        return 0.0
    if radius is None:
        from resurfacer.optics.montecarlo import BEAMS

        if args.beam not in BEAMS:  # the model names --beam
            return 0.0
        from resurfacer.plan.schema import MISSING

        raise InputError(
            "--beam-radius-mm", MISSING, f"a value (required with --beam {args.beam}): (0, 1000] mm"
        )
    return radius * 1e-3


def simulate(args: argparse.Namespace):
    """Run the model for parsed arguments; InputErrors name CLI options."""
    from resurfacer.optics.montecarlo import run_monte_carlo

    layers = _layers(args)
    check_steps(args, layers)
    below = args.ambient_n if args.below_n is None else args.below_n
    radius = _beam_radius(args)
    try:
        return run_monte_carlo(
            layers,
            n_above=args.ambient_n,
            n_below=below,
            beam=args.beam,
            beam_radius=radius,
            photons=args.photons,
            seed=args.seed,
            threads=args.threads,
        )
    except InputError as exc:
        raise _as_cli_error(exc) from None


def _number(x: float) -> float | None:
    """`x`, or None where it is not finite: a standard error needs two batches with
    photons (NaN below that), a rate a run time above zero."""
    return x if math.isfinite(x) else None


def summary(res) -> dict:
    """The JSON-ready summary of a MonteCarloResult (fractions of incident energy);
    strict JSON: a figure that is not finite is null."""
    return {
        "specular": res.specular,
        "diffuse_reflectance": res.diffuse_reflectance,
        "absorbed": res.absorbed,
        "transmittance": res.transmittance,
        "diffuse_reflectance_std": _number(res.diffuse_reflectance_std),
        "absorbed_std": _number(res.absorbed_std),
        "transmittance_std": _number(res.transmittance_std),
        "absorbed_by_layer": [float(v) for v in res.absorbed_by_layer],
        "photons": res.photons,
        "seed": res.seed,
        "threads": res.threads,
        "runtime_s": res.runtime_s,
        "photons_per_s": _number(res.photons_per_s),
    }


def format_table(res, names=None) -> str:
    """A readable table of the summary (layers numbered from 1, top first)."""
    rows = [
        ("specular reflectance", res.specular, None),
        ("diffuse reflectance", res.diffuse_reflectance, res.diffuse_reflectance_std),
        ("absorbed", res.absorbed, res.absorbed_std),
        ("transmittance", res.transmittance, res.transmittance_std),
    ]
    for i, v in enumerate(res.absorbed_by_layer):
        name = f" {names[i]}" if names and i < len(names) else ""
        rows.append((f"  absorbed in layer {i + 1}{name}", v, None))
    width = max(26, max(len(r[0]) for r in rows) + 2)
    lines = [f"{'quantity':<{width}}{'fraction':>10}{'std err':>11}"]
    for name, value, se in rows:
        err = f"{se:>11.5f}" if se is not None and math.isfinite(se) else " " * 11
        lines.append(f"{name:<{width}}{value:>10.5f}{err}")
    lines.append(
        f"{res.photons} photons, seed {res.seed}, {res.threads} thread(s), "
        f"{res.runtime_s:.2f} s, {res.photons_per_s:,.0f} photons/s"
    )
    return "\n".join(lines)


#: photon packets run without --allow-long (about a minute or more on 2 cores)
MAX_PHOTONS_WITHOUT_OVERRIDE = 10**7
#: photons above which the cost is printed first
NOTE_PHOTONS = 10**6


#: photon steps (`optics.montecarlo.steps_per_photon` x photons) run without --allow-long:
#: about 10 million steps a second on 2 threads, so a minute and a half
MAX_STEPS_WITHOUT_OVERRIDE = 1e9


def check_steps(args: argparse.Namespace, layers) -> None:
    """Refuse a run whose photon walks are estimated over MAX_STEPS_WITHOUT_OVERRIDE
    steps unless --allow-long (session 23: a nearly lossless scattering half-space, mu_a
    1e-7 /cm, ran on for minutes with no output), naming the last layer's mu_a."""
    from resurfacer.optics.montecarlo import steps_per_photon

    if args.allow_long or not isinstance(args.photons, int):
        return
    steps = steps_per_photon(layers) * args.photons
    if steps <= MAX_STEPS_WITHOUT_OVERRIDE:
        return
    field = f"{_layer_option(len(layers) - 1)} mua" if args.layer else "--photons"
    raise InputError(
        field,
        f"{layers[-1].mu_a / 100:g} /cm (an estimated {steps:.2g} photon steps, "
        f"{steps / 1e7 / 60:.0f} min or more)",
        f"a last layer that absorbs enough for {MAX_STEPS_WITHOUT_OVERRIDE:.0e} steps at "
        f"{args.photons:,} photons; give --allow-long, fewer --photons or a larger mu_a",
    )


def check_cost(args: argparse.Namespace) -> None:
    """Refuse more than MAX_PHOTONS_WITHOUT_OVERRIDE photons unless --allow-long; say how
    many a long run traces."""
    if not isinstance(args.photons, int) or args.photons <= NOTE_PHOTONS:
        return
    if args.photons > MAX_PHOTONS_WITHOUT_OVERRIDE and not args.allow_long:
        raise InputError(
            "--photons",
            args.photons,
            f"at most {MAX_PHOTONS_WITHOUT_OVERRIDE:,} photon packets without --allow-long",
        )
    print(f"estimated cost: {args.photons:,} photon packets", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``resurfacer optics mc``."""
    check_cost(args)
    res = simulate(args)
    if args.json:
        print(json.dumps(summary(res)))
    else:
        print(format_table(res, getattr(args, "layer_names", None)))
    return 0
