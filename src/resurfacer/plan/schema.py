"""Treatment plan: patient, treated areas and passes, in clinical units.

A plan is read from TOML or JSON (`load_plan`), validated here once, and converted
to SI by `Pass.beam` and `Pass.pulse`. Every validation failure becomes an
`InputError` naming the field path as written in the file (``passes[1].density_percent``),
the value and what is allowed.

Density of a fractional pass is given one way, as ``density_percent``,
``spot_spacing_um`` or ``mtz_per_cm2``; the others are derived assuming columns on a
square lattice of pitch s with spot diameter d (the 1/e^2 diameter ``spot_um``)::

    mtz per area = 1 / s^2,    density = (pi d^2 / 4) / s^2

"Density" is thus the summed nominal spot area over the treated area; it exceeds
the true covered fraction once spots overlap (s < d).

Examples
--------
>>> plan = load_plan("examples/co2-dual-full-face.toml", ["passes.1.density_percent=5"])
>>> plan.passes[1].density_fraction
0.05
"""

import json
import math
import typing
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeGuard

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from resurfacer.common.units import unit_of
from resurfacer.data import load_toml
from resurfacer.data.vocabulary import site_problem
from resurfacer.errors import InputError
from resurfacer.laser.beam import (
    MAX_STACK,
    PROFILES,
    STACK_SPACING_FACTOR,
    TEMPORAL_SHAPES,
    Beam,
    Pulse,
)
from resurfacer.optics.absorption import WAVELENGTH_RANGE_NM
from resurfacer.plan.files import (
    DENSITY_FIELDS,
    apply_overrides,
    read_plan_data,
    toml_text,
)
from resurfacer.plan.input import check_structure
from resurfacer.scan.pattern import PATTERN_SHAPES, SCAN_ORDERS, coverage_fraction
from resurfacer.tissue.skin import AGE_RANGE, SEXES, SITES

DEVICES: dict = load_toml("devices.toml")
DEVICE_NAMES: tuple[str, ...] = tuple(DEVICES)
#: Named regions with their site, area and regional defaults (data/face_areas.toml).
REGIONS: dict = load_toml("face_areas.toml")["regions"]
FACE_REGIONS: tuple[str, ...] = tuple(n for n, r in REGIONS.items() if r.get("face", True))
AREA_PRESETS = ("full_face", *REGIONS)
#: Passes the regional defaults scale: ablative (> 2500 nm) fractional with a narrow spot.
DEEP_MAX_SPOT_UM = 500.0
ABLATIVE_ABOVE_NM = 2500.0
KINDS = ("fractional", "full_field")
MAX_PASSES = 10

_CONFIG = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _integral(value):
    """A float with no fractional part (3.0) as the integer it is: JSON Schema counts it
    an integer, and JSON writers may write one so (session 20: `phototype = 3.0` was
    refused while the plan schema accepted it). 3.5 stays a float and is refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: an integer field that takes 3.0 as 3
Integer = Annotated[int, BeforeValidator(_integral)]

if TYPE_CHECKING:
    # The choices are tuples built at import (most read from the data files), which a
    # type checker cannot make a Literal of: to it each choice is a plain str. pydantic
    # sees the Literal types below and validates against them.
    SexName = str
    SiteName = str
    AreaPresetName = str
    DeviceName = str
    KindName = str
    ProfileName = str
    PulseShapeName = str
    PatternShapeName = str
    ScanOrderName = str
else:
    SexName = Literal[SEXES]
    SiteName = Literal[SITES]
    AreaPresetName = Literal[AREA_PRESETS]
    DeviceName = Literal[DEVICE_NAMES]
    KindName = Literal[KINDS]
    ProfileName = Literal[PROFILES]
    PulseShapeName = Literal[TEMPORAL_SHAPES]
    PatternShapeName = Literal[PATTERN_SHAPES]
    ScanOrderName = Literal[SCAN_ORDERS]


def _field_error(field: str, value, allowed: str) -> PydanticCustomError:
    """A validator error that names its own field (turned into an InputError later)."""
    return PydanticCustomError(
        "field_error",
        "{field}: got {value}; allowed: {allowed}",
        {"field": field, "value": value, "allowed": allowed},
    )


class Patient(BaseModel):
    """The treated person: sex, age [years] and Fitzpatrick phototype (1-6)."""

    model_config = _CONFIG

    sex: SexName
    age_years: float = Field(ge=AGE_RANGE[0], le=AGE_RANGE[1])
    phototype: Integer = Field(ge=1, le=6)


#: Range of one treated area [cm²] (`Area.area_cm2`; the planner's --area-cm2 alike)
AREA_MIN_CM2, AREA_MAX_CM2 = 0.01, 1000.0


class Area(BaseModel):
    """One treated region: a body site (`resurfacer.tissue.skin.SITES`), its area [cm2],
    optionally a name (what `passes[i].regions` refers to; default: the site) and the
    regional defaults of an area preset (`deep`: energy_scale, density_scale)."""

    model_config = _CONFIG

    site: SiteName
    area_cm2: float = Field(ge=AREA_MIN_CM2, le=AREA_MAX_CM2)
    # default by keyword: mypy reads a positional Field default as no default
    name: str | None = Field(default=None, min_length=1, max_length=40)

    @property
    def region(self) -> str:
        """The name passes refer to this area by (`name`, else the site)."""
        return self.name or self.site

    @property
    def deep_defaults(self) -> dict:
        """Regional defaults for deep ablative passes ({} when the area has none)."""
        entry = REGIONS.get(self.name or "")
        if entry is None or entry["site"] != self.site:
            return {}
        return dict(entry.get("deep", {}))

    @model_validator(mode="after")
    def _site_has_every_table(self):
        problem = site_problem(self.site)
        if problem:
            raise _field_error("site", self.site, problem)
        if self.name is not None and (not self.name.strip() or self.name != self.name.strip()):
            # session 22: a name of spaces was taken, and ``regions = {" " = ...}`` with it
            raise _field_error(
                "name", self.name, "text of 1 to 40 characters, not starting or ending in a space"
            )
        return self


class AreaPreset(BaseModel):
    """A named set of areas (`data/face_areas.toml`): ``full_face`` expands to the six
    facial regions, any region name (``periorbital``, ``neck``, ``chest``, ``hands``, ...)
    to that region, each named and carrying its regional defaults."""

    model_config = _CONFIG

    preset: AreaPresetName

    def expand(self) -> list[Area]:
        """The areas of the preset, one per region (several may share a site)."""
        names = FACE_REGIONS if self.preset == "full_face" else (self.preset,)
        return [
            Area(site=REGIONS[n]["site"], area_cm2=float(REGIONS[n]["area_cm2"]), name=n)
            for n in names
        ]


class RegionSetting(BaseModel):
    """A pass's settings on one named region: skip it, or set its pulse energy [mJ],
    density [%] or stacking (the rest of the pass applies unchanged)."""

    model_config = _CONFIG

    skip: bool = False
    pulse_energy_mj: float | None = Field(None, ge=1e-6, le=10000)
    density_percent: float | None = Field(None, ge=0.01, le=100)
    stack: Integer | None = Field(None, ge=1, le=MAX_STACK)

    @model_validator(mode="after")
    def _skip_alone(self):
        """A skipped region takes no settings: they would be ignored (session 21:
        ``{skip = true, pulse_energy_mj = 9999}`` was accepted)."""
        given = [k for k in ("pulse_energy_mj", "density_percent", "stack")
                 if getattr(self, k) is not None]  # fmt: skip
        if self.skip and given:
            raise _field_error(given[0], getattr(self, given[0]), "none with skip = true")
        return self


def _area_tag(value) -> str | None:
    if isinstance(value, dict):
        return "AreaPreset" if "preset" in value else "Area"
    if isinstance(value, Area | AreaPreset):
        return type(value).__name__
    return None


AreaEntry = Annotated[
    Annotated[Area, Tag("Area")] | Annotated[AreaPreset, Tag("AreaPreset")],
    Discriminator(
        _area_tag,
        custom_error_type="area_entry",
        custom_error_message="an area is a table {site, area_cm2} or {preset}",
    ),
]


#: fields a device preset fixes: what the device is, not a setting (session 24, a probe:
#: `erbium_fractional` fired at 10,600 nm and `nonablative_1550` at 2,940 nm were
#: simulated and reported under the device's name)
DEVICE_IDENTITY = ("kind", "wavelength_nm")


class Pass(BaseModel):
    """One pass of the laser over the treated areas, in clinical units.

    A `device` (a preset in `data/devices.toml`) and its `mode` fill every field
    not given; given fields win, but must stay inside the device's ranges. For a
    fractional pass exactly one of `density_percent`, `spot_spacing_um`,
    `mtz_per_cm2` is stored; the properties derive the rest (square lattice).
    A full-field pass has none of them. `pulse_duration_ms` (from `peak_power_w`) and
    `stack_spacing_ms` (STACK_SPACING_FACTOR x the duration), when not given, are
    derived, and derived again wherever the pass is fired with other settings
    (`with_settings`: an area's own energy or stack); `Plan.to_dict` leaves them out.
    """

    model_config = _CONFIG
    #: which of DERIVED_FIELDS this pass derived (not given in its plan)
    _derived: frozenset = PrivateAttr(default=frozenset())

    device: DeviceName | None = None
    mode: str | None = None
    kind: KindName
    wavelength_nm: float = Field(ge=WAVELENGTH_RANGE_NM[0], le=WAVELENGTH_RANGE_NM[1])
    spot_um: float = Field(ge=1, le=10000, description="1/e^2 diameter (top-hat: full diameter)")
    profile: ProfileName = "gaussian"
    pulse_energy_mj: float = Field(ge=1e-6, le=10000)
    pulse_duration_ms: float = Field(
        ge=1e-6,
        le=1000,
        description="pulse length; if not given, pulse_energy_mj / peak_power_w (a "
        "fixed-power source: the pulse lengthens with energy)",
    )
    peak_power_w: float | None = Field(
        None, gt=0, le=1e5, description="power of the source during the pulse"
    )
    m_squared: float = Field(1.0, ge=1, le=50, description="beam quality factor M^2")
    focal_offset_um: float = Field(
        0.0, ge=-5000, le=5000, description="depth of the beam waist below the skin surface"
    )
    wipe_between_passes: bool | None = Field(
        None,
        description="wipe the desiccated layer off after this pass (default: true for "
        "full_field passes, false for fractional ones)",
    )
    pulse_shape: PulseShapeName = "square"
    stack: Integer = Field(1, ge=1, le=MAX_STACK)
    stack_spacing_ms: float = Field(
        0.0,
        ge=0,
        le=1000,
        description="start-to-start spacing of stacked pulses; if not given and stack > 1, "
        f"{STACK_SPACING_FACTOR:g} x pulse_duration_ms",
    )
    density_percent: float | None = Field(None, ge=0.01, le=100)
    spot_spacing_um: float | None = Field(None, ge=1, le=100000)
    mtz_per_cm2: float | None = Field(None, ge=1, le=1e6)
    pattern_shape: PatternShapeName = "square"
    pattern_size_mm: float = Field(ge=0.01, le=50)
    scan_order: ScanOrderName = "raster"
    repetition_rate_hz: float = Field(ge=0.01, le=100000, description="spots fired per second")
    pass_delay_s: float = Field(0.0, ge=0, le=3600, description="pause before this pass")
    regions: dict[str, RegionSetting] | None = Field(
        None, description="per-region settings or skip, by area name"
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_device(cls, data):
        """Fill fields not given from the device's mode (explicit fields win)."""
        if not isinstance(data, dict):
            return data
        if data.get("device") is None:
            if data.get("mode") is not None:  # before the device's fields are missed
                raise _field_error("mode", data["mode"], "a mode only together with a device")
            return _derive_timing(data)
        spec = _mode_spec(data.get("device"), data.get("mode"))
        data = dict(data)
        data["mode"] = spec["_name"]
        has_density = any(data.get(k) is not None for k in DENSITY_FIELDS)
        for key, entry in spec.items():
            if key.startswith("_") or key in ("source", "note") or key.endswith("_source"):
                continue
            if key in DENSITY_FIELDS and has_density:
                continue
            if isinstance(entry, dict) and "default" not in entry:
                continue
            if data.get(key) is None:
                data[key] = entry["default"] if isinstance(entry, dict) else entry
        return _derive_timing(data)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_derived(cls, data, handler):
        """Note which of DERIVED_FIELDS the input leaves open (runs around the
        validators above, so it sees the plan's own fields)."""
        open_fields = None
        if isinstance(data, dict):
            open_fields = frozenset(f for f in DERIVED_FIELDS if data.get(f) is None)
        p = handler(data)
        if open_fields is not None:
            p._derived = open_fields
        return p

    def with_settings(self, **changes) -> "Pass":
        """This pass with `changes` (plan fields) applied as if they had been written in
        its plan: the fields it derived are derived again (a pulse at another energy
        from a fixed-power source lasts energy / power), a density given in `changes`
        replaces the pass's. Raises pydantic's ValidationError (`region_pass` names the
        field)."""
        data = self.model_dump(exclude_none=True, exclude=set(self._derived))
        if any(changes.get(k) is not None for k in DENSITY_FIELDS):
            for key in DENSITY_FIELDS:
                data.pop(key, None)
        data.update(changes)
        return Pass.model_validate(data)

    @model_validator(mode="after")
    def _check(self):
        """Cross-field rules: density given once, stack spacing, device ranges."""
        if self.device is None and self.mode is not None:
            raise _field_error("mode", self.mode, "a mode only together with a device")
        if self.device is not None:
            self._check_device_identity()
        given = [k for k in DENSITY_FIELDS if getattr(self, k) is not None]
        if self.kind == "fractional" and len(given) != 1:
            field = given[1] if len(given) > 1 else "density_percent"
            raise _field_error(
                field,
                getattr(self, field),
                "exactly one of density_percent, spot_spacing_um, mtz_per_cm2 per fractional pass",
            )
        if self.kind == "full_field" and given:
            raise _field_error(given[0], getattr(self, given[0]), "none for a full_field pass")
        if given and self.density_fraction > 1.0:
            raise _field_error(
                given[0],
                getattr(self, given[0]),
                f"a density of at most 100 % (this is {100 * self.density_fraction:.4g} % "
                f"at spot_um = {self.spot_um:g}; spacing >= {self._min_spacing_um():.4g} um, "
                f"mtz_per_cm2 <= {1e8 / self._min_spacing_um() ** 2:.4g})",
            )
        if self.stack > 1 and self.stack_spacing_ms < self.pulse_duration_ms:
            raise _field_error(
                "stack_spacing_ms",
                self.stack_spacing_ms,
                f">= pulse_duration_ms ({self.pulse_duration_ms:g} ms) when stack > 1",
            )
        self._check_scanner()
        if self.device is not None:
            self._check_device_ranges(given)
        return self

    def _check_scanner(self) -> None:
        """The scanner's pattern holds at least one spot and one lattice cell (session
        21: a 10 um pattern under a 2.25 mm spot gave a 156-day session)."""
        spacing_um = self.spot_spacing_m * 1e6 if self.spot_spacing_m is not None else 0.0
        least_mm = max(self.spot_um, spacing_um) / 1e3
        if self.pattern_size_mm < least_mm * (1 - 1e-9):
            what = "the spot spacing" if spacing_um > self.spot_um else "the spot"
            raise _field_error(
                "pattern_size_mm", self.pattern_size_mm, f">= {least_mm:.4g} mm ({what})"
            )

    @property
    def train_ms(self) -> float:
        """One spot's pulse train [ms]: (stack - 1) x stack spacing + pulse duration."""
        return (self.stack - 1) * self.stack_spacing_ms + self.pulse_duration_ms

    @property
    def firing_rate_hz(self) -> float:
        """Spots fired per second: the repetition rate, unless one spot's pulse train
        outlasts its period (the scanner waits for it, `scan.pattern.firing_times`)."""
        return min(self.repetition_rate_hz, 1e3 / self.train_ms)

    @property
    def wipes(self) -> bool:
        """Whether the desiccated layer is wiped off after this pass (`wipes_after`)."""
        return wipes_after(self.kind, self.wipe_between_passes)

    def cautions(self) -> list[str]:
        """What the plan asks of the source that it cannot do: energy / duration above
        `peak_power_w` (a fixed-power device cannot deliver it), and a repetition rate
        faster than one spot's pulse train allows (fired at `firing_rate_hz`)."""
        out = []
        if self.repetition_rate_hz > self.firing_rate_hz * (1 + 1e-9):
            out.append(
                f"repetition_rate_hz {self.repetition_rate_hz:g} Hz is faster than one spot's "
                f"pulses allow ({self.train_ms:.4g} ms): spots are fired at "
                f"{self.firing_rate_hz:.4g} Hz, one as the last one's pulses end"
            )
        if self.peak_power_w is None:
            return out
        power = self.pulse_energy_mj / self.pulse_duration_ms  # mJ/ms = W
        if power <= self.peak_power_w * (1 + 1e-9):
            return out
        return out + [
            f"{self.pulse_energy_mj:g} mJ in {self.pulse_duration_ms:g} ms is {power:.4g} W, "
            f"more than the source's {self.peak_power_w:g} W: at that power the pulse lasts "
            f"{self.pulse_energy_mj / self.peak_power_w:.3g} ms"
        ]

    def _min_spacing_um(self) -> float:
        """The pitch [um] whose lattice cell holds one spot's area, sqrt(pi)/2 d: 100 %
        density, and the full-field lattice (`pitch_m`)."""
        return self.spot_um * math.sqrt(math.pi) / 2.0

    def _check_device_identity(self) -> None:
        """The fields the device fixes (`DEVICE_IDENTITY`) are the preset's."""
        spec = _mode_spec(self.device, self.mode)
        for key in DEVICE_IDENTITY:
            fixed = spec.get(key)
            if fixed is not None and not isinstance(fixed, dict) and getattr(self, key) != fixed:
                raise _field_error(
                    key,
                    getattr(self, key),
                    f"{fixed:g} {_unit(key)}, the wavelength of device {self.device}, mode "
                    f"{self.mode} (a pass at another one leaves out `device` and `mode` and "
                    "gives its settings)"
                    if isinstance(fixed, int | float)
                    else f"{fixed}, the {key} of device {self.device}, mode {self.mode}",
                )

    def _check_device_ranges(self, given: list[str]) -> None:
        spec = _mode_spec(self.device, self.mode)
        for key, entry in spec.items():
            if not isinstance(entry, dict) or "min" not in entry:
                continue
            if key in DENSITY_FIELDS:
                if not given:
                    continue
                value = self._density_as(key)
                field, shown = given[0], getattr(self, given[0])
            else:
                field = key
                value = shown = getattr(self, key)
            if not entry["min"] <= value <= entry["max"]:
                unit = _unit(key)
                note = "" if field == key else f" (here {value:.4g})"
                raise _field_error(
                    field,
                    shown,
                    f"{key} in [{entry['min']:g}, {entry['max']:g}] {unit}{note} "
                    f"for device {self.device}, mode {self.mode}",
                )

    def _density_as(self, key: str) -> float:
        spacing, n = self.spot_spacing_m, self.mtz_per_m2
        # only called for a pass given a density field, so its lattice is defined
        assert spacing is not None and n is not None, "a pass with a density field"
        return {
            "density_percent": 100.0 * self.density_fraction,
            "spot_spacing_um": 1e6 * spacing,
            "mtz_per_cm2": 1e-4 * n,
        }[key]

    @property
    def mtz_per_m2(self) -> float | None:
        """Columns per unit area [1/m^2] (None for a full-field pass)."""
        d = self.spot_um * 1e-6
        if self.mtz_per_cm2 is not None:
            return self.mtz_per_cm2 * 1e4
        if self.spot_spacing_um is not None:
            return 1.0 / (self.spot_spacing_um * 1e-6) ** 2
        if self.density_percent is not None:
            return (self.density_percent / 100.0) / (math.pi * d**2 / 4.0)
        return None

    @property
    def spot_spacing_m(self) -> float | None:
        """Square-lattice pitch s = 1 / sqrt(mtz per area) [m] (None for full field)."""
        if self.spot_spacing_um is not None:
            return self.spot_spacing_um * 1e-6
        n = self.mtz_per_m2
        return None if n is None else 1.0 / math.sqrt(n)

    @property
    def pitch_m(self) -> float:
        r"""Distance between neighbouring spots of the scanner's square lattice [m]: the
        lattice pitch `spot_spacing_m` of a fractional pass; for a full-field pass the pitch
        whose cell holds one spot's area,

        .. math:: s = \frac{\sqrt{\pi}}{2} d \quad (s^2 = \pi d^2 / 4),

        so the energy laid on the skin per area is the spot's fluence (`coverage` 100 %)
        and neighbouring spots overlap by 11 % of d, as full-field scanners overlap their
        spots (docs/pattern.md, "Full field"). Until session 23 it was d: the discs then
        covered pi/4 = 79 % of the skin, at 79 % of the stated fluence."""
        if self.kind == "full_field":
            return self._min_spacing_um() * 1e-6
        spacing = self.spot_spacing_m
        # a validated fractional pass has exactly one density field, so a lattice pitch
        assert spacing is not None, "a fractional pass without a density"
        return spacing

    @property
    def density_fraction(self) -> float:
        """Summed spot area over treated area, (pi d^2 / 4) / s^2 [-]; 1 for full field."""
        if self.density_percent is not None:
            return self.density_percent / 100.0
        n = self.mtz_per_m2
        if n is None:
            return 1.0
        return n * math.pi * (self.spot_um * 1e-6) ** 2 / 4.0

    @property
    def covered_fraction(self) -> float:
        """Fraction of the treated skin inside at least one nominal spot disc [-]: the
        density while the discs do not touch (up to pi/4), less above, where neighbours
        overlap (`scan.pattern.coverage_fraction`; 100 % density covers 90.9 %); 1 for
        full field (its spots taken as one uniform sheet, docs/pattern.md)."""
        spacing = self.spot_spacing_m
        if spacing is None:
            return 1.0
        return coverage_fraction(self.spot_um * 1e-6, spacing)

    def beam(self) -> Beam:
        """The beam in SI units."""
        return Beam(
            self.wavelength_nm / 1e9,
            self.spot_um / 1e6,
            self.profile,
            self.m_squared,
            self.focal_offset_um / 1e6,
        )

    def pulse(self) -> Pulse:
        """The pulse train at one spot in SI units."""
        return Pulse(
            self.pulse_energy_mj / 1e3,
            self.pulse_duration_ms / 1e3,
            self.pulse_shape,
            self.stack,
            self.stack_spacing_ms / 1e3,
        )


#: Pass fields derived from others when a plan leaves them open (`_derive_timing`)
DERIVED_FIELDS = ("pulse_duration_ms", "stack_spacing_ms")


def _number(value) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _derive_timing(data: dict) -> dict:
    """A pass without `pulse_duration_ms` but with `peak_power_w` and an energy: the
    duration of a fixed-power source, energy / power [mJ / W = ms]. A stacked pass
    without `stack_spacing_ms`: STACK_SPACING_FACTOR x that duration."""
    energy, power = data.get("pulse_energy_mj"), data.get("peak_power_w")
    if data.get("pulse_duration_ms") is None and _number(energy) and _number(power):
        # only from a valid energy and power: a refused energy of -1 mJ was also reported
        # as a duration of -0.0333 ms the user never gave (session 22)
        if power > 0 and energy > 0 and math.isfinite(energy / power):
            data = {**data, "pulse_duration_ms": float(energy) / float(power)}
    duration, stack = data.get("pulse_duration_ms"), data.get("stack", 1)
    if data.get("stack_spacing_ms") is None and _number(stack) and stack > 1:
        if _number(duration):
            data = {**data, "stack_spacing_ms": STACK_SPACING_FACTOR * float(duration)}
    return data


def _mode_spec(device, mode) -> dict:
    """The device's mode table (with its name under ``_name``); field errors if unknown."""
    if not isinstance(device, str) or device not in DEVICES:
        raise _field_error("device", device, "one of " + ", ".join(DEVICE_NAMES))
    modes = DEVICES[device]["modes"]
    if mode is None:
        mode = DEVICES[device]["default_mode"]
    if not isinstance(mode, str) or mode not in modes:
        single = [m for m in modes if "combines" not in modes[m]]
        combined = [m for m in modes if "combines" in modes[m]]
        also = (
            f" ({', '.join(combined)}: written as one pass per mode)" if combined else ""
        )
        raise _field_error("mode", mode, f"a mode of {device}: one of {', '.join(single)}{also}")
    spec = modes[mode]
    if "combines" in spec:
        raise _field_error(
            "mode",
            mode,
            f"one of {', '.join(m for m in modes if 'combines' not in modes[m])}: "
            f"'{mode}' fires {' and '.join(spec['combines'])} in one scan, so write one pass "
            "per mode with pass_delay_s = 0",
        )
    return {"_name": mode, **spec}


def wipes_after(kind: str, wipe_between_passes: bool | None) -> bool:
    """Whether the desiccated layer is wiped off after a pass of `kind`: as the plan says,
    else for full field (clinical practice between full-field CO2 and Er:YAG passes)."""
    if wipe_between_passes is not None:
        return wipe_between_passes
    return kind == "full_field"


def is_deep_ablative(p: Pass) -> bool:
    """A narrow-spot ablative fractional pass (the passes regional defaults scale)."""
    return (
        p.kind == "fractional"
        and p.wavelength_nm > ABLATIVE_ABOVE_NM
        and p.spot_um <= DEEP_MAX_SPOT_UM
    )


def region_pass(p: Pass, area: Area, where: str) -> Pass | None:
    """`p` as fired on `area`: None if the pass skips it; else the area's regional
    defaults (deep ablative passes only) and then the pass's own settings for it.

    Energy x energy_scale and density x density_scale (regional defaults) are clamped
    into the device's range; explicit region settings must lie inside it (InputError
    naming `where`).
    """
    setting = (p.regions or {}).get(area.region)
    if setting is not None and setting.skip:
        return None
    changes: dict = {}
    defaults = area.deep_defaults
    if defaults and is_deep_ablative(p) and setting is None:
        changes = _scaled(p, defaults)
    if setting is not None:
        changes.update(setting.model_dump(exclude_none=True, exclude={"skip"}))
    if not changes:
        return p
    try:
        return p.with_settings(regions=None, **changes)
    except ValidationError as exc:
        err = _input_error(exc)
        name = err.field.split(".")[-1]
        if name in RegionSetting.model_fields:
            raise _field_error(f"{where}.{name}", err.value, err.allowed) from None
        # a pass field the region's settings broke (its pattern against their density):
        # named on the pass, with the settings it is fired at there (session 21 review)
        fired = ", ".join(f"{k} {v:g}" for k, v in changes.items())
        on = f" on {area.region}, where it fires at {fired}"
        field = f"{where.split('.regions.')[0]}.{name}"
        raise _field_error(field, err.value, err.allowed + on) from None


def _scaled(p: Pass, defaults: dict) -> dict:
    """Energy and density scaled by a region's defaults, kept inside the device range."""
    spec = _mode_spec(p.device, p.mode) if p.device else {}
    density = 100.0 * p.density_fraction
    energy, density = regional_setting(spec, p.pulse_energy_mj, density, defaults)
    out = {"pulse_energy_mj": energy}
    if "density_percent" in spec or p.density_percent is not None:
        out["density_percent"] = density
    return out


def regional_clamp_note(p: Pass, area: Area) -> str | None:
    """Where an area's regional defaults ask deep pass `p` for an energy or density outside
    its device's range, what they asked and what is fired instead (`regional_setting`
    clamps into the range); None where nothing was clamped (session 21: eyelids fired at
    the cheek's 5 mJ and 1 % without a word)."""
    defaults = area.deep_defaults
    if not defaults or not is_deep_ablative(p) or not p.device:
        return None
    if (p.regions or {}).get(area.region) is not None:
        return None  # the plan's own setting for the area, inside the range or refused
    spec = _mode_spec(p.device, p.mode)
    density = 100.0 * p.density_fraction
    asked = {
        "pulse_energy_mj": p.pulse_energy_mj * defaults.get("energy_scale", 1.0),
        "density_percent": density * defaults.get("density_scale", 1.0),
    }
    clamped = [k for k, v in asked.items() if not math.isclose(_clamp(spec, k, v), v)]
    if not clamped:
        return None
    energy, fired_density = regional_setting(spec, p.pulse_energy_mj, density, defaults)
    words = {"pulse_energy_mj": "energy", "density_percent": "density"}
    ranges = ", ".join(
        f"{words[k]} {spec[k]['min']:g}-{spec[k]['max']:g} {_unit(k)}" for k in clamped
    )
    return (
        f"{area.region}: its regional defaults ask this pass for "
        f"{asked['pulse_energy_mj']:.3g} mJ at {asked['density_percent']:.3g} %, outside "
        f"{p.device}'s range ({ranges}); it fires {energy:g} mJ at {fired_density:g} %"
    )


def regional_setting(
    spec: dict, energy_mj: float, density_percent: float, defaults: dict
) -> tuple[float, float]:
    """(pulse energy [mJ], density [%]) of a deep ablative pass as fired on an area with
    regional `defaults` (`Area.deep_defaults`): `regional_energy` and `regional_density`."""
    return (
        regional_energy(spec, energy_mj, defaults),
        regional_density(spec, density_percent, defaults),
    )


def regional_energy(spec: dict, energy_mj: float, defaults: dict) -> float:
    """Pulse energy [mJ] fired on an area with regional `defaults`: energy x
    energy_scale, clamped into the range of the device mode `spec` (its ``devices.toml``
    table) and rounded to 0.5 mJ."""
    energy = energy_mj * defaults.get("energy_scale", 1.0)
    return round(_clamp(spec, "pulse_energy_mj", energy) * 2) / 2


def regional_density(spec: dict, density_percent: float, defaults: dict) -> float:
    """Density [%] fired on an area with regional `defaults`: density x density_scale,
    clamped into the range of the device mode `spec` and rounded to 0.01 %."""
    density = density_percent * defaults.get("density_scale", 1.0)
    return round(_clamp(spec, "density_percent", density), 2)


def _clamp(spec: dict, key: str, value: float) -> float:
    """`value` clamped into the device mode's [min, max] of `key` (unclamped without one)."""
    entry = spec.get(key)
    if isinstance(entry, dict):
        return min(max(value, entry["min"]), entry["max"])
    return value


def _unit(name: str) -> str:
    """The unit of a field named with a unit suffix, as people read it (common.units)."""
    return unit_of(name)


class Plan(BaseModel):
    """A treatment: who, where, and the ordered passes (1 to 10).

    Examples
    --------
    >>> import tomllib
    >>> plan = Plan.from_toml("examples/erbium-perioral.toml")
    >>> Plan.from_data(tomllib.loads(plan.to_toml())) == plan
    True
    """

    model_config = _CONFIG

    name: str = Field(min_length=1, max_length=200)
    patient: Patient
    areas: list[AreaEntry] = Field(min_length=1, max_length=50)
    passes: list[Pass] = Field(min_length=1, max_length=MAX_PASSES)
    notes: str = ""

    @property
    def site_areas(self) -> list[Area]:
        """The areas with presets expanded."""
        out: list[Area] = []
        for entry in self.areas:
            out.extend(entry.expand() if isinstance(entry, AreaPreset) else [entry])
        return out

    @property
    def area_by_site(self) -> dict[str, float]:
        """Treated area per skin site [cm2], in the order sites first appear (regions
        that share a site, e.g. the cheeks and the chin of a full face, add up)."""
        areas: dict[str, float] = {}
        for a in self.site_areas:
            areas[a.site] = areas.get(a.site, 0.0) + a.area_cm2
        return areas

    @property
    def total_area_cm2(self) -> float:
        """Sum of the treated areas [cm2]."""
        return sum(a.area_cm2 for a in self.site_areas)

    @model_validator(mode="after")
    def _regions_exist(self):
        """Every region a pass names is a treated area; every region pass validates."""
        names = [a.region for a in self.site_areas]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise _field_error("areas", dup, "distinct area names (give each area a name)")
        for i, p in enumerate(self.passes):
            for key in p.regions or {}:
                if key not in names:
                    raise _field_error(
                        f"passes[{i}].regions", key, "a treated area: " + ", ".join(names)
                    )
            fired = [
                area
                for area in self.site_areas
                if region_pass(p, area, f"passes[{i}].regions.{area.region}") is not None
            ]
            if not fired:
                raise _field_error(f"passes[{i}].regions", "all skipped", "at least one area")
        return self

    def region_pass(self, i: int, area: Area) -> "Pass | None":
        """Pass `i` as fired on `area` (its regional settings applied), None if skipped."""
        return region_pass(self.passes[i], area, f"passes[{i}].regions.{area.region}")

    def treated(self, i: int) -> list[tuple[Area, "Pass"]]:
        """(area, pass as fired there) for every area pass `i` does not skip."""
        out = []
        for area in self.site_areas:
            p = self.region_pass(i, area)
            if p is not None:
                out.append((area, p))
        return out

    def largest_fired(self, i: int) -> dict[str, tuple[Area, "Pass"]]:
        """Site -> (its largest area pass `i` is fired on, the pass as fired there), the
        first of equal areas in plan order; sites the pass skips are left out. The one
        rule for "the column of a site": `treatment.by_site` and the report's dose
        curve (`sweeps.dose.shown_pass`) both read it."""
        out: dict[str, tuple[Area, Pass]] = {}
        for area, p in self.treated(i):
            if area.site not in out or area.area_cm2 > out[area.site][0].area_cm2:
                out[area.site] = (area, p)
        return out

    @property
    def treated_areas(self) -> list[Area]:
        """The areas at least one pass is fired on, in plan order (an area every pass
        skips is in the plan but not treated)."""
        fired = {a.region for i in range(len(self.passes)) for a, _ in self.treated(i)}
        return [a for a in self.site_areas if a.region in fired]

    @classmethod
    def from_data(cls, data) -> "Plan":
        """Validate a plain dict (as parsed from TOML or JSON); InputError if bad."""
        check_structure(data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _input_error(exc) from None

    @classmethod
    def from_toml(cls, path) -> "Plan":
        """Read and validate a TOML plan file."""
        return cls.from_data(read_plan_data(Path(path), "toml"))

    @classmethod
    def from_json(cls, path) -> "Plan":
        """Read and validate a JSON plan file."""
        return cls.from_data(read_plan_data(Path(path), "json"))

    def to_dict(self) -> dict:
        """Plain data, unset optional fields and the passes' derived fields left out
        (`Pass.with_settings` derives them again); `from_data` of it is equal."""
        data = self.model_dump(mode="json", exclude_none=True)
        for p, out in zip(self.passes, data["passes"], strict=True):
            for field in p._derived:
                out.pop(field, None)
        return data

    def to_json(self) -> str:
        """The plan as JSON text."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def to_toml(self) -> str:
        """The plan as TOML text (written here; no TOML writer dependency)."""
        return toml_text(self.to_dict())

    @classmethod
    def json_schema(cls) -> dict:
        """JSON Schema (draft 2020-12) of a plan file as written.

        A pass with a `device` needs nothing else (its mode fills the rest); one without
        needs its laser, pulse and pattern (`pulse_duration_ms` or `peak_power_w`) and,
        if fractional, a density field; a `mode` needs a (non-null) `device`; at most one
        of the density fields, none on a full_field pass (its `kind` or its device's
        mode) or its `regions`. Rules that need the data files or compare fields (a
        device's ranges, exactly one density for a fractional pass a device fills,
        stack spacing >= the pulse when stacked, density <= 100 % from a spacing or
        count, `regions` naming the plan's areas) are `simulate`'s.
        """
        schema: dict = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
        schema |= cls.model_json_schema()
        _bounds_as_keywords(schema)
        entry: dict = schema["$defs"]["Pass"]
        laser = [f for f in entry.pop("required", []) if f not in DERIVED_FIELDS]
        device = {"required": ["device"], "properties": {"device": {"type": "string"}}}
        entry["if"] = device
        entry["else"] = {
            "required": laser,
            "anyOf": [{"required": ["pulse_duration_ms"]}, {"required": ["peak_power_w"]}],
        }
        given = {"not": {"type": "null"}}
        entry["not"] = {
            "anyOf": [
                {"required": [a, b], "properties": {a: given, b: given}}
                for a, b in combinations(DENSITY_FIELDS, 2)
            ]
        }
        no_density = {"properties": {k: {"type": "null"} for k in DENSITY_FIELDS}}
        mode = {"required": ["mode"], "properties": {"mode": {"type": "string"}}}
        entry["allOf"] = [
            # a mode (not null) only together with a device (not null)
            {"if": mode, "then": device},
            # a full_field pass has no density, in the pass or in its regions
            {
                "if": _full_field_pass(),
                "then": {
                    "properties": {
                        **no_density["properties"],
                        "regions": {"additionalProperties": no_density},
                    }
                },
            },
            # a fractional pass without a device gives a density
            {
                "if": {
                    "required": ["kind"],
                    "properties": {"kind": {"const": "fractional"}},
                    "not": device,
                },
                "then": {
                    "anyOf": [{"required": [k], "properties": {k: given}} for k in DENSITY_FIELDS]
                },
            },
        ]
        return schema


#: pydantic's names of numeric bounds and JSON Schema's (pydantic leaves its own in the
#: schema where it cannot apply a Field's bounds to the type, e.g. an optional Integer)
_BOUND_KEYWORDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}
#: keywords whose value maps names to schemas / holds data, not a schema
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_DATA = ("default", "const", "enum", "examples", "required", "dependentRequired")


def _bounds_as_keywords(node) -> None:
    """Rename pydantic's ge/le/gt/lt in the schema `node` (in place) to JSON Schema's."""
    if isinstance(node, list):
        for item in node:
            _bounds_as_keywords(item)
        return
    if not isinstance(node, dict):
        return
    for key in [k for k in node if k in _BOUND_KEYWORDS]:
        node[_BOUND_KEYWORDS[key]] = node.pop(key)
    for key, value in node.items():
        if key in _SCHEMA_MAPS:
            for sub in value.values():
                _bounds_as_keywords(sub)
        elif key not in _SCHEMA_DATA:
            _bounds_as_keywords(value)


def _full_field_pass() -> dict:
    """Schema a full_field pass as written meets: its `kind` says so, or it has none and
    its device's mode (the default mode when not given) is full_field."""
    kind = {"required": ["kind"], "properties": {"kind": {"const": "full_field"}}}
    by_device = []
    for name, device in DEVICES.items():
        modes = [m for m, spec in device["modes"].items() if spec.get("kind") == "full_field"]
        if not modes:
            continue
        default = device["default_mode"] in modes
        by_device.append(
            {
                "required": ["device"] if default else ["device", "mode"],
                "properties": {
                    "device": {"const": name},
                    "mode": {"enum": [*modes, None] if default else modes},
                },
            }
        )
    if not by_device:
        return kind
    return {"anyOf": [kind, {"not": {"required": ["kind"]}, "anyOf": by_device}]}


# --- errors ---------------------------------------------------------------------------


class _Missing:
    def __repr__(self) -> str:
        return "nothing"


MISSING = _Missing()
_MODELS: dict[str, type[BaseModel]] = {
    "patient": Patient,
    "passes": Pass,
    "Area": Area,
    "AreaPreset": AreaPreset,
    "regions": RegionSetting,
}
_LIST_ALLOWED = {
    "areas": "a list of 1 to 50 areas, each {site, area_cm2} or {preset}",
    "passes": f"a list of 1 to {MAX_PASSES} passes",
}


def _model_at(loc) -> type[BaseModel]:
    model: type[BaseModel] = Plan
    for part in loc:
        model = _MODELS.get(part, model) if isinstance(part, str) else model
    return model


#: what a field of a nested model's type accepts, by the model (`_describe`)
_TABLE_ALLOWED = {
    Patient: "a table {sex, age_years, phototype}",
    Pass: "a table of pass settings: {device, mode, ...} or {kind, wavelength_nm, ...}",
    RegionSetting: "a table {skip, pulse_energy_mj, density_percent, stack}",
}


#: what one entry of a list field accepts
_ENTRY_ALLOWED = {
    "passes": _TABLE_ALLOWED[Pass],
    "areas": "a table {site, area_cm2} or {preset}",
}


def _describe(model: type[BaseModel], name: str) -> str | None:
    """What a field accepts, from its type and bounds."""
    if name in _LIST_ALLOWED:
        return _LIST_ALLOWED[name]
    info = model.model_fields.get(name)
    if info is None:  # an entry of a table keyed by name: regions.<area>
        return _TABLE_ALLOWED[RegionSetting] if model is RegionSetting else None
    types = tuple(  # an optional Integer is Annotated[int, ...] | None: unwrap to int
        typing.get_args(t)[0] if typing.get_origin(t) is Annotated else t
        for t in (info.annotation, *typing.get_args(info.annotation))
    )
    choices = getattr(info.annotation, "__args__", ())
    literals = [a for a in choices if isinstance(a, str)]
    if literals:
        return "one of " + ", ".join(literals)
    for table, allowed in _TABLE_ALLOWED.items():
        if table in types:
            return allowed
    if any(typing.get_origin(t) is dict for t in types):
        return "a table of area names, each " + _TABLE_ALLOWED[RegionSetting]
    bounds = {type(m).__name__: m for m in info.metadata}
    if "MinLen" in bounds or "MaxLen" in bounds:
        low = getattr(bounds.get("MinLen"), "min_length", 0)
        high = getattr(bounds.get("MaxLen"), "max_length", None)
        return f"text of {low} to {high} characters" if high else f"text of {low}+ characters"
    if bool in types:
        return "true or false"
    if not bounds.keys() & {"Gt", "Ge", "Lt", "Le"}:
        return "text" if str in types else None
    kind = "an integer" if int in types else "a number"
    lo = bounds.get("Gt") or bounds.get("Ge")
    hi = bounds.get("Lt") or bounds.get("Le")
    left = "(" if "Gt" in bounds or lo is None else "["
    right = ")" if "Lt" in bounds or hi is None else "]"
    low = getattr(lo, "gt", getattr(lo, "ge", -math.inf))
    high = getattr(hi, "lt", getattr(hi, "le", math.inf))
    return f"{kind} in {left}{low:g}, {high:g}{right} {_unit(name)}".rstrip()


def _path(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "plan"


def _input_error(exc: ValidationError) -> InputError:
    """The first pydantic error as an InputError(field path, value, allowed); every
    error of the plan, in the same form, is on its ``errors`` attribute (the web form
    shows them all at once)."""
    errors = exc.errors()
    errors = [e for e in errors if not _missing_for_want_of(e, errors)]
    # A misspelled field also shows up as the real one missing: report the misspelling.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    out = _one_error(first)
    out.errors = [out] + [_one_error(e) for e in errors if e is not first]
    return out


#: what each of DERIVED_FIELDS is derived from (`_derive_timing`)
_DERIVED_FROM = {
    "pulse_duration_ms": ("pulse_energy_mj", "peak_power_w"),
    "stack_spacing_ms": ("pulse_duration_ms", "pulse_energy_mj", "peak_power_w"),
}


def _missing_for_want_of(err: ErrorDetails, errors: list[ErrorDetails]) -> bool:
    """Whether `err` is a derived field missing only because a field it is derived from
    was refused in the same pass (session 22: -1 mJ was also reported as a pulse
    duration the plan never gave)."""
    loc = err["loc"]
    if err["type"] != "missing" or not loc or loc[-1] not in _DERIVED_FROM:
        return False
    sources = _DERIVED_FROM[str(loc[-1])]
    return any(e["loc"][:-1] == loc[:-1] and e["loc"][-1] in sources for e in errors)


def _one_error(err: ErrorDetails) -> InputError:
    raw = list(err["loc"])
    loc = [p for p in raw if not (isinstance(p, str) and p[:1].isupper())]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if err["type"] == "field_error":
        return InputError(_path([*loc, ctx["field"]]), ctx["value"], ctx["allowed"])
    if err["type"] == "extra_forbidden":
        model = _model_at(raw[:-1])
        return InputError(_path(loc), value, "fields " + ", ".join(model.model_fields))
    names = [p for p in raw if isinstance(p, str)]
    allowed = None
    if names and isinstance(raw[-1], str):
        allowed = _describe(_model_at(raw[:-1]), names[-1])
    elif names and names[-1] in _ENTRY_ALLOWED:  # an entry of a list: passes[i], areas[i]
        allowed = _ENTRY_ALLOWED[names[-1]]
    if err["type"] == "missing":
        value = MISSING
        allowed = "a value (required)" + (f": {allowed}" if allowed else "")
    if err["type"] == "string_unicode":
        allowed = "text in valid Unicode (a lone UTF-16 surrogate is not)"
    if err["type"] == "model_type" and not loc:  # the file holds a list, a number, null
        allowed = "a table of plan fields: " + ", ".join(Plan.model_fields)
    return InputError(_path(loc), value, allowed or err["msg"])


def load_plan(path, overrides=()) -> Plan:
    """Read a plan file (``.json``: JSON, else TOML), apply overrides, validate.

    Raises
    ------
    InputError
        For an unreadable or malformed file, a bad override, or any invalid field.
    """
    path = Path(path)
    if path.suffix.lower() not in (".toml", ".json"):  # session 21: plan.yaml read as TOML
        raise InputError(str(path), path.suffix or "no extension", "a .toml or .json plan file")
    data = read_plan_data(path, "json" if path.suffix.lower() == ".json" else "toml")
    if isinstance(data, dict) and {"base", "parameters"} <= data.keys():
        raise InputError(
            "base",
            f"a sweep file ({path.name}: base + [parameters])",
            f"a plan file; run a sweep with `resurfacer sweep {path}`",
        )
    return Plan.from_data(apply_overrides(data, overrides) if overrides else data)


__all__ = [
    "AREA_PRESETS",
    "DENSITY_FIELDS",
    "DEVICE_NAMES",
    "Area",
    "AreaPreset",
    "InputError",
    "Pass",
    "Patient",
    "Plan",
    "RegionSetting",
    "apply_overrides",
    "is_deep_ablative",
    "regional_density",
    "regional_energy",
    "regional_setting",
    "region_pass",
    "load_plan",
]
