"""`resurfacer mtz`: simulate one microscopic treatment zone.

Clinical units on the command line (nm, mJ, µm, ms); SI inside.
"""

import json
import math
import re
from pathlib import Path

from resurfacer.cli.choices import SEXES, choices_help, parse_phototype, sites, whole_number
from resurfacer.common.files import write_file, write_netcdf
from resurfacer.common.units import human_text
from resurfacer.errors import InputError, check_range
from resurfacer.laser.beam import M2_BAND, STACK_SPACING_FACTOR

# Python-API field -> the option that sets it, so errors name what the user typed
_OPTION_OF_FIELD = {
    "wavelength": "--wavelength-nm",
    "spot_diameter": "--spot-um",
    "energy": "--energy-mj",
    "pulse.energy": "--energy-mj",
    "duration": "--pulse-ms",
    "profile": "--profile",
    "m_squared": "--m-squared",
    "focal_offset": "--focal-offset-um",
    "stack": "--stack",
    "spacing": "--spacing-ms",
    "site": "--site",
    "sex": "--sex",
    "age": "--age",
    "phototype": "--phototype",
    "grid": "--grid-um",
    "radial_refinement": "--radial-refinement",
    "damage_model": "--damage-model",
    "photons": "--photons",
    "seed": "--seed",
    "after_pulse": "--after-ms",
    "pulse": "--pulse-ms / --stack / --spacing-ms",
}
PLOT_FORMATS = (".png", ".svg", ".pdf")
_SCALE_OF_OPTION = {
    "--wavelength-nm": 1e9,
    "--spot-um": 1e6,
    "--energy-mj": 1e3,
    "--pulse-ms": 1e3,
    "--spacing-ms": 1e3,
    "--grid-um": 1e6,
    "--after-ms": 1e3,
    "--focal-offset-um": 1e6,
}
DEFAULT_PULSE_MS = 0.5  # without --pulse-ms and --power-w
MAX_PULSE_MS = 1e3  # longest pulse, given or derived from --power-w
#: the published coagulation of a second pulsed CO2 pass that a wide spot's warning cites
SECOND_PASS_ROW = "col-047"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "mtz",
        help="simulate one microscopic treatment zone (a single laser column)",
        description="Simulate one column: crater, coagulation, peak temperature and energy "
        "balance. Clinical units.",
    )
    p.add_argument("--wavelength-nm", type=float, default=10600.0, help="default 10600 (CO2)")
    p.add_argument("--energy-mj", type=float, default=10.0, help="energy per pulse [mJ]")
    p.add_argument("--spot-um", type=float, default=120.0, help="1/e² spot diameter [µm]")
    _add_pulse_arguments(p)
    p.add_argument(
        "--profile", default="gaussian", help=choices_help("beam profile", ("gaussian", "tophat"))
    )
    p.add_argument(
        "--m-squared",
        type=float,
        default=1.0,
        help="beam quality factor M^2, 1-50 (default 1: diffraction-limited)",
    )
    p.add_argument("--stack", type=whole_number, default=1, help="pulses stacked on one spot")
    p.add_argument(
        "--spacing-ms",
        type=float,
        default=None,
        help="start-to-start spacing of stacked pulses [ms] (default 2x duration)",
    )
    p.add_argument("--site", default="cheek", help=choices_help("body site", sites(), "cheek"))
    p.add_argument("--sex", default="female", help=choices_help("sex", SEXES, "female"))
    p.add_argument(
        "--age",
        type=float,
        default=45.0,
        help="years, 18-100 (the column does not change with it: published age trends of "
        "the dermis disagree in sign, data/skin_sites.toml [age]; healing does)",
    )
    p.add_argument(
        "--phototype", default="2", help="Fitzpatrick type 1-6 or I-VI (default 2)"
    )
    p.add_argument(
        "--grid-um",
        type=float,
        default=2.0,
        help="cell size [µm], 0.05-20; cells should be under 0.1 / mu_a (Er:YAG: 0.1 µm)",
    )
    p.add_argument(
        "--radial-refinement",
        type=int,
        default=1,
        help="radial cells per grid cell, 1-16 (finer crater walls; default 1)",
    )
    p.add_argument(
        "--after-ms",
        type=float,
        default=None,
        help="simulate this long after the pulse [ms] (default: until damage stops)",
    )
    p.add_argument(
        "--photons",
        type=whole_number,
        default=200_000,
        help="Monte Carlo photon packets where scattering matters (1550, 1927 nm)",
    )
    p.add_argument("--seed", type=int, default=1, help="Monte Carlo random seed")
    p.add_argument("--damage-model", default=None, help="Arrhenius set (default henriques)")
    p.add_argument("--out", default=None, help="write the fields to this NetCDF file")
    p.add_argument(
        "--plot",
        default=None,
        help="draw the column's cross-section (crater, coagulation, temperature, layers) "
        "to this .png, .svg or .pdf file",
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument(
        "--allow-long",
        action="store_true",
        help="run even when the estimated cost passes the cap (5e10 cell updates)",
    )
    p.set_defaults(func=run)


def _add_pulse_arguments(p) -> None:
    """--pulse-ms, --power-w, --focal-offset-um and --no-m2-band."""
    p.add_argument(
        "--pulse-ms",
        type=float,
        default=None,
        help=f"pulse duration [ms] (default: energy / --power-w, else {DEFAULT_PULSE_MS:g})",
    )
    p.add_argument(
        "--power-w",
        type=float,
        default=None,
        help="the source's power during the pulse [W]: the pulse lasts energy / power "
        "(fixed-power fractional CO2); with --pulse-ms, a warning if energy / duration "
        "exceeds it",
    )
    p.add_argument(
        "--focal-offset-um",
        type=float,
        default=0.0,
        help="depth of the beam waist below the skin surface [µm] (default 0)",
    )
    p.add_argument(
        "--no-m2-band",
        action="store_true",
        help="skip the depth sensitivity band for M^2 in [1, 2] (one more run)",
    )


_SI_QUANTITY = re.compile(r"(?<![\w.])(-?\d+(?:\.\d*)?(?:e[-+]?\d+)?)(\]|\))? (m|J|s)\b")
_RANGE = re.compile(r"([\[(])(-?\d+(?:\.\d*)?(?:e[-+]?\d+)?), ")


def _in_clinical_units(allowed: str, option: str) -> str:
    """``[1.4e-06, 1.1e-05] m`` -> ``[1400, 11000] nm`` for `option`'s unit; a text
    without SI lengths, energies or times is returned as it is."""
    scale, unit = _SCALE_OF_OPTION[option], option.rsplit("-", 1)[1].replace("mj", "mJ")

    def quantity(match) -> str:
        return f"{float(match.group(1)) * scale:g}{match.group(2) or ''} {unit}"

    def low_end(match) -> str:
        return f"{match.group(1)}{float(match.group(2)) * scale:g}, "

    converted = _SI_QUANTITY.sub(quantity, allowed)
    if converted != allowed:
        converted = _RANGE.sub(low_end, converted)
    return converted


def _as_cli_error(exc: InputError) -> InputError:
    """Rename a model field to the option the user typed, with values and limits in
    the option's units."""
    if exc.field.startswith("--"):  # raised by this command's own checks, in its units
        return exc
    option = _OPTION_OF_FIELD.get(exc.field, exc.field)
    value = exc.value
    if option in _SCALE_OF_OPTION and isinstance(value, float):
        value = value * _SCALE_OF_OPTION[option]
        return InputError(option, round(value, 6), _in_clinical_units(exc.allowed, option))
    return InputError(option, value, exc.allowed)


def run(args) -> int:
    from resurfacer.column.options import GRID_RANGE, SolverOptions
    from resurfacer.column.solve import simulate_column
    from resurfacer.common.units import to_si
    from resurfacer.laser.beam import Beam, Pulse
    from resurfacer.optics.absorption import WAVELENGTH_RANGE_NM
    from resurfacer.tissue.skin import skin_for

    try:
        if args.plot and Path(args.plot).suffix.lower() not in PLOT_FORMATS:
            raise InputError(
                "--plot", args.plot, "a file name ending in " + ", ".join(PLOT_FORMATS)
            )
        check_range("--energy-mj", args.energy_mj, 0.0, 1e4, "mJ", low_inclusive=False)
        check_range("--spot-um", args.spot_um, 0.0, 1e4, "µm", low_inclusive=False)
        pulse_ms, power_warning = _pulse_ms(args)
        check_range("--wavelength-nm", args.wavelength_nm, *WAVELENGTH_RANGE_NM, "nm")
        check_range("--grid-um", args.grid_um, GRID_RANGE[0] * 1e6, GRID_RANGE[1] * 1e6, "µm")
        if args.spot_um < 4 * args.grid_um:
            raise InputError(
                "--spot-um",
                args.spot_um,
                f">= 4 grid cells ({4 * args.grid_um:g} µm at --grid-um {args.grid_um:g})",
            )
        given = args.spacing_ms
        if given is not None:  # checked with one pulse too (session 23: -5 ran); 0 only
            # for one pulse, as a plan's stack_spacing_ms allows
            check_range("--spacing-ms", given, 0.0, 1e4, "ms", low_inclusive=args.stack == 1)
        spacing = (given if given is not None else STACK_SPACING_FACTOR * pulse_ms) * 1e-3
        phototype = parse_phototype(args.phototype)
        skin = skin_for(args.site, sex=args.sex, age=args.age, phototype=phototype)
        wavelength = to_si("wavelength_nm", args.wavelength_nm)
        beam = Beam(
            wavelength,
            to_si("spot_um", args.spot_um),
            args.profile,
            args.m_squared,
            args.focal_offset_um * 1e-6,
        )
        pulse = Pulse(args.energy_mj * 1e-3, pulse_ms * 1e-3, stack=args.stack, spacing=spacing)
        options = SolverOptions(
            grid=args.grid_um * 1e-6,
            radial_refinement=args.radial_refinement,
            damage_model=args.damage_model,
            after_pulse=None if args.after_ms is None else args.after_ms * 1e-3,
            photons=args.photons,
            seed=args.seed,
        )
        check_outputs(args)
        _check_cost(skin, beam, pulse, options, args.allow_long)
        result = simulate_column(skin, beam, pulse, options)
        band = None if args.no_m2_band else _m2_band(result, skin, beam, pulse, options)
        reading = _as_simulate_reads(result, skin, beam, pulse, options)
    except InputError as exc:
        raise _as_cli_error(exc) from exc

    if args.plot:
        from resurfacer.report.figures import cross_section

        figure = cross_section(result, skin)
        fmt = Path(args.plot).suffix.lower()[1:]
        write_file(args.plot, lambda tmp: figure.savefig(tmp, format=fmt, dpi=150))
    summary = _printed_summary(result, power_warning + _unused_beam_options(args), reading, band)
    if args.out:
        attrs = {**_provenance(), **_summary_attrs(summary)}
        write_netcdf(args.out, result.fields.assign_attrs(attrs))
    if args.json:
        print(json.dumps(summary))
    else:
        print(_table(summary, result.inputs))
    return 0


def _printed_summary(result, warnings: list[str], reading, band) -> dict:
    """What `mtz` prints (and --json writes): the column's clinical summary, a wide spot's
    figures for the whole spot, the published rows at like settings, the warnings, the
    reading as `simulate` takes it (`_as_simulate_reads`) and the M^2 band."""
    from resurfacer.column.published import published_neighbours

    summary = result.summary.clinical()
    summary["geometry"] = result.inputs["geometry"]
    if summary["geometry"] == "wide":
        _as_whole_spot(summary, result.inputs)
    neighbours = published_neighbours(result.summary, result.inputs)
    summary["published_neighbours"] = [n.to_dict() for n in neighbours]
    summary["warnings"] = result.warnings + warnings
    if reading is not None:
        depth, after_ms = reading
        summary["coagulation_depth_as_simulate_reads_um"] = depth
        summary["simulate_reads_after_ms"] = after_ms
        summary["warnings"] += _still_coagulating(summary["coagulation_depth_um"], *reading)
    if band is not None:
        summary["m2_band_ablation_depth_um"] = band
    return summary


def _unused_beam_options(args) -> list[str]:
    """A warning naming --m-squared / --focal-offset-um where they change nothing: a
    top-hat beam is taken as collimated (only a Gaussian widens below its focus)."""
    given = [
        option
        for option, value, default in (
            ("--m-squared", args.m_squared, 1.0),
            ("--focal-offset-um", args.focal_offset_um, 0.0),
        )
        if value != default
    ]
    if args.profile != "tophat" or not given:
        return []
    verb = "does" if len(given) == 1 else "do"
    return [f"{' and '.join(given)} {verb} not apply to a top-hat beam, taken as collimated"]


def _opening_text(opening: float) -> str:
    """How far the column opened the skin, as the healing model reads it
    (`ColumnSummary.surface_opening`; docs/healing.md, "The opened surface")."""
    if opening >= 1.0:
        return "100 % (a crater: healing counts the skin open)"
    if opening > 0.0:
        return (
            f"{100 * opening:.0f} % (top layer boiled dry, not removed: healing counts the "
            "skin opened in part)"
        )
    return "0 % (intact surface: healing counts the zones as repaired under it)"


def _pulse_ms(args) -> tuple[float, list[str]]:
    """The pulse duration [ms]: --pulse-ms, else energy / --power-w, else the default;
    and a warning when --pulse-ms asks more than --power-w can deliver."""
    if args.power_w is not None:
        check_range("--power-w", args.power_w, 0.0, 1e5, "W", low_inclusive=False)
    if args.pulse_ms is None and args.power_w is None:
        return DEFAULT_PULSE_MS, []
    if args.pulse_ms is None:  # the duration the source's power takes (named as typed)
        duration = args.energy_mj / args.power_w
        if duration > MAX_PULSE_MS:
            raise InputError(
                "--power-w",
                args.power_w,
                f">= {args.energy_mj / MAX_PULSE_MS:.4g} W: --energy-mj {args.energy_mj:g} at "
                f"{args.power_w:g} W lasts {duration:.4g} ms, at most {MAX_PULSE_MS:g} ms",
            )
        return duration, []
    check_range("--pulse-ms", args.pulse_ms, 0.0, MAX_PULSE_MS, "ms", low_inclusive=False)
    power = args.energy_mj / args.pulse_ms  # mJ / ms = W
    if args.power_w is None or power <= args.power_w * (1 + 1e-9):
        return args.pulse_ms, []
    return args.pulse_ms, [
        f"{args.energy_mj:g} mJ in {args.pulse_ms:g} ms is {power:.4g} W, more than the "
        f"source's {args.power_w:g} W (at that power the pulse lasts "
        f"{args.energy_mj / args.power_w:.3g} ms)"
    ]


def _m2_band(result, skin, beam, pulse, options) -> list[float] | None:
    """Ablation depth [um] at M^2 = 1 and 2 (the sensitivity of a Gaussian column to
    the beam quality no maker publishes); None for a top-hat or 1-D (wide) spot."""
    from dataclasses import replace

    from resurfacer.column.solve import simulate_column

    if beam.profile != "gaussian" or result.inputs["geometry"] != "column":
        return None
    depths = []
    for m2 in M2_BAND:
        run = result
        if m2 != beam.m_squared:
            run = simulate_column(skin, replace(beam, m_squared=m2), pulse, options)
        depths.append(round(float(run.summary.ablation_depth) * 1e6, 1))
    return depths


def _as_simulate_reads(result, skin, beam, pulse, options) -> tuple[float, float] | None:
    """The coagulation depth [um] read as `simulate` reads it, and when:
    `treatment.TREATMENT_SOLVER.after_pulse` [ms] after the train. None when --after-ms
    sets the reading time, or when the run stopped by then (its damage had stopped
    growing, so `simulate` reads the same), or for a column whose reading is within 1 %
    of the final figure (most narrow columns). A wide spot, a top-hat spot under 1 mm or
    a wide Gaussian can go on coagulating past it (session 21: a 500 um top hat at 20 mJ,
    90 um at 20 ms and 160 um at the end, gave only the latter)."""
    from dataclasses import replace

    from resurfacer.column.solve import simulate_column
    from resurfacer.treatment import TREATMENT_SOLVER

    if options.after_pulse is not None:
        return None
    after = TREATMENT_SOLVER.after_pulse
    assert after is not None  # simulate's solver options always set the reading time
    if result.summary.simulated_time <= pulse.end_time + after:
        return None
    run = simulate_column(skin, beam, pulse, replace(options, after_pulse=after))
    reading = float(run.summary.coagulation_depth)
    final = float(result.summary.coagulation_depth)
    if result.inputs["geometry"] != "wide" and abs(final - reading) <= 0.01 * final:
        return None  # a column whose damage had (all but) stopped: one figure is enough
    return round(reading * 1e6, 1), after * 1e3


def _still_coagulating(final_um: float, reading_um: float, after_ms: float) -> list[str]:
    """A warning when a spot's coagulation grew by more than a tenth after the time
    `simulate` reads it (docs/column.md, "A wide spot after the pulse")."""
    from resurfacer.column.published import published_row

    if final_um <= 1.1 * reading_um:
        return []
    second_pass = published_row(SECOND_PASS_ROW)
    return [
        f"this spot's coagulation grows from {reading_um:.1f} um, where simulate reads "
        f"it ({after_ms:g} ms after the pulse), to {final_um:.1f} um: water that boiled near "
        "the surface condenses again in the model as the layer cools, and its latent heat "
        "coagulates downwards, where in tissue much of the steam leaves; a second pulsed "
        f"CO2 pass on the eyelid is published to coagulate about {second_pass['measured']} "
        f"{second_pass['unit']} ({SECOND_PASS_ROW}) "
        '(docs/column.md, "A wide spot after the pulse")'
    ]


#: file name endings of the --out NetCDF file
NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")


def check_outputs(args) -> None:
    """Refuse --out / --plot paths that cannot be written, before the solve."""
    from resurfacer.common.files import check_output_path

    for option, value in (("--out", args.out), ("--plot", args.plot)):
        if value is not None:
            check_output_path(value, option)
    if args.out is not None and Path(args.out).suffix.lower() not in NETCDF_SUFFIXES:
        # session 22: "--out x.txt" wrote NetCDF into a .txt file
        raise InputError("--out", args.out, "a file name ending in " + ", ".join(NETCDF_SUFFIXES))


#: estimated cell updates above which the estimate is printed (about 10 s and more)
NOTE_CELL_UPDATES = 1e9


def _check_cost(skin, beam, pulse, options, allow_long: bool) -> None:
    """Print the estimated cost of a long run on stderr; refuse it over the cap."""
    import sys

    from resurfacer.column.checks import check_cost, estimate_cost

    cost = estimate_cost(skin, beam, pulse, options)
    check_cost(cost, allow_long)
    if cost["cell_updates"] > NOTE_CELL_UPDATES:
        print(
            f"estimated cost: {cost['cells']:,} cells x {cost['steps']:,} steps = "
            f"{cost['cell_updates']:.3g} cell updates",
            file=sys.stderr,
        )


def _provenance() -> dict:
    """Global attributes of `--out`, as `simulate`'s outcome.nc has them (the run's
    inputs are attributes already)."""
    from resurfacer import __version__
    from resurfacer.common.fingerprint import model_fingerprint

    return {
        "Conventions": "CF-1.10",
        "title": "resurfacer column (one microscopic treatment zone)",
        "resurfacer_version": __version__,
        "model_fingerprint": model_fingerprint(),
    }


def _summary_attrs(summary: dict) -> dict:
    """The printed summary as global attributes of `--out` (``summary_<key>``): numbers
    and text as they are, lists of text joined with "; ", a number pair as two values;
    nested tables (the energy budget, the published neighbours) are left to --json.
    Session 21: the file held the fields but none of the figures printed beside them (a
    wide spot's file holds its 1-D stack, and these figures are the whole spot's)."""
    out: dict[str, object] = {}
    for key, value in summary.items():
        if isinstance(value, list | tuple) and not value:
            continue  # an empty list (no warnings) is left out, not written as a number array
        if isinstance(value, bool):
            out[f"summary_{key}"] = int(value)
        elif isinstance(value, int | float | str):
            out[f"summary_{key}"] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[f"summary_{key}"] = "; ".join(value)
        elif isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
            out[f"summary_{key}"] = [float(v) for v in value]
    return out


def _per_area(summary: dict, inputs: dict) -> dict:
    """A wide spot is solved as a 1-D stack at its centre: its energy balance in
    J/cm² of that stack (its mJ are those of the stack's small cross-section)."""
    area_cm2 = math.pi * inputs["domain_radius_m"] ** 2 * 1e4
    return {k: v * 1e-3 / area_cm2 for k, v in summary["energy_balance_mj"].items()}


def _as_whole_spot(summary: dict, inputs: dict) -> None:
    """A wide spot's energy balance per area (`_per_area`), and its energies [mJ] and
    volumes [nl] for the whole spot: the 1-D stack's, which scale with its small
    cross-section (and so with `--grid-um`), times the spot's area over the stack's. The
    spot is a top-hat, uniform over its area, so the incident energy is the pulse's
    (session 20: `incident_energy_mj` 0.000948 for 300 mJ)."""
    summary["energy_balance_j_per_cm2"] = _per_area(summary, inputs)
    spot = math.pi * (inputs["spot_diameter_m"] / 2) ** 2
    scale = spot / (math.pi * inputs["domain_radius_m"] ** 2)
    summary["energy_balance_mj"] = {k: v * scale for k, v in summary["energy_balance_mj"].items()}
    for key in ("incident_energy_mj", "ablated_volume_nl", "coagulated_volume_nl"):
        summary[key] *= scale


def _table(summary: dict, inputs: dict) -> str:
    rows = [
        ("wavelength", f"{inputs['wavelength_m'] * 1e9:.0f} nm"),
        (
            "pulse",
            f"{inputs['pulse_energy_j'] * 1e3:g} mJ x {inputs['stack']}, "
            f"{inputs['pulse_duration_s'] * 1e3:g} ms",
        ),
        ("spot (1/e^2)", f"{inputs['spot_diameter_m'] * 1e6:g} µm {inputs['profile']}"),
        (
            "beam below focus",
            f"M^2 {inputs['m_squared']:g}, Rayleigh range {inputs['rayleigh_range_m'] * 1e3:.2f} mm"
            if inputs["profile"] == "gaussian"
            else "taken as collimated (top-hat)",
        ),
        (
            "skin",
            f"{inputs['site']}, {inputs['sex']}, {inputs['age_years']:g} y, "
            f"type {inputs['phototype']}",
        ),
        (
            "grid (dz x dr)",
            f"{inputs['grid_m'] * 1e6:g} x {inputs['radial_grid_m'] * 1e6:g} µm",
        ),
        ("ablation depth", _um(summary["ablation_depth_um"])),
        *_band_row(summary),
        ("ablation width (surface)", _um(summary["ablation_width_um"])),
        ("ablation width (half depth)", _um(summary["ablation_width_half_depth_um"])),
        ("coagulation cuff (wall)", _um(summary["coagulation_thickness_wall_um"])),
        ("coagulation below floor", _um(summary["coagulation_thickness_floor_um"])),
        ("coagulation depth", _um(summary["coagulation_depth_um"])),
        *_reading_row(summary),
        ("dried, not removed, to", _um(summary["desiccation_depth_um"])),
        ("surface opened", _opening_text(summary["surface_opening"])),
        ("peak temperature", f"{summary['peak_temperature_c']:.1f} °C"),
        ("simulated time", f"{summary['simulated_time_ms']:.2f} ms"),
        ("energy balance error", f"{summary['energy_balance_error']:.2e}"),
        ("runtime", f"{summary['runtime_s']:.3f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    label, balance = "energy (mJ)", summary["energy_balance_mj"]
    if "energy_balance_j_per_cm2" in summary:
        label = "energy (J/cm², 1-D centre of the spot)"
        balance = summary["energy_balance_j_per_cm2"]
    lines.append(f"{label}: " + ", ".join(f"{k} {v:.4g}" for k, v in balance.items()))
    lines += _neighbour_lines(summary["published_neighbours"])
    lines += [f"warning: {human_text(w)}" for w in summary["warnings"]]
    return "\n".join(lines)


def _neighbour_lines(neighbours: list[dict]) -> list[str]:
    """The published rows at like settings (`column.published`), each marked within
    or outside its bound; one line saying there are none otherwise."""
    from resurfacer.column.published import LIKE_FACTOR, Neighbour

    head = f"published measurements at like settings (within {LIKE_FACTOR:g}x)"
    if not neighbours:
        return [f"{head}: none in the package (resurfacer validate lists them all)"]
    rows = [Neighbour(**{k: v for k, v in n.items() if k != "ratio"}) for n in neighbours]
    return [f"{head}:"] + [
        f"  {'within' if n.within else 'OUTSIDE'} its bound: {human_text(n.describe())}"
        for n in rows
    ]


def _reading_row(summary: dict) -> list[tuple[str, str]]:
    reading = summary.get("coagulation_depth_as_simulate_reads_um")
    if reading is None:
        return []
    return [(f"  at {summary['simulate_reads_after_ms']:g} ms (as simulate)", _um(reading))]


def _band_row(summary: dict) -> list[tuple[str, str]]:
    band = summary.get("m2_band_ablation_depth_um")
    if band is None:
        return []
    return [
        (
            "ablation depth, M² 1 -> 2",
            f"{band[0]:.1f} -> {band[1]:.1f} µm ({band[1] - band[0]:+.1f} µm)",
        )
    ]


def _um(value) -> str:
    return "-" if value is None else f"{value:.1f} µm"
