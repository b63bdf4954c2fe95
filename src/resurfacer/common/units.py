"""The one unit table: clinical units at the edges, SI inside, and units as people
read them.

A plan field's name carries its clinical unit as a suffix (``pulse_energy_mj``,
``spot_um``, ``density_percent``); `FIELD_UNITS` maps each suffix to the unit's
symbol as people read it and to its factor to SI, so the schema, the CLI, the
report and the web all label and convert a field the same way. Inside, names and
messages of the lower layers may spell units in ASCII ("um", "C", "cm2");
`human_text` turns them into µm, °C and cm² where text leaves the package for a
person. Numbers are not touched.

>>> unit_of("pulse_energy_mj")
'mJ'
>>> to_si("spot_um", 120.0)
0.00012
"""

import re

#: offset between degrees Celsius and kelvin [K]
KELVIN_OFFSET = 273.15

#: clinical units per SI unit: divide a clinical value by these to get SI
PER_METRE_UM = 1e6
#: one micrometre in metres (multiply a value in µm by it to get metres)
METRE_PER_UM = 1e-6
PER_METRE_MM = 1e3
PER_METRE_NM = 1e9
PER_JOULE_MJ = 1e3
PER_SECOND_MS = 1e3
PER_SQUARE_METRE_CM2 = 1e4
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0

#: field-name suffix -> (unit symbol for people, clinical units per SI unit); the
#: longest matching suffix wins, so "_per_cm2" is found before "_cm2"
FIELD_UNITS = {
    "_per_cm2": ("/cm²", 1.0 / PER_SQUARE_METRE_CM2),
    "_j_cm2": ("J/cm²", 1.0 / PER_SQUARE_METRE_CM2),
    "_j_per_cm2": ("J/cm²", 1.0 / PER_SQUARE_METRE_CM2),
    "_cm2": ("cm²", PER_SQUARE_METRE_CM2),
    "_years": ("years", 1.0),
    "_weeks": ("weeks", 1.0 / (7 * SECONDS_PER_DAY)),
    "_days": ("days", 1.0 / SECONDS_PER_DAY),
    "_hours": ("h", 1.0 / SECONDS_PER_HOUR),
    "_minutes": ("min", 1.0 / 60.0),
    "_nm": ("nm", PER_METRE_NM),
    "_um": ("µm", PER_METRE_UM),
    "_mm": ("mm", PER_METRE_MM),
    "_mj": ("mJ", PER_JOULE_MJ),
    "_j": ("J", 1.0),
    "_ms": ("ms", PER_SECOND_MS),
    "_percent": ("%", 100.0),
    "_hz": ("Hz", 1.0),
    "_w": ("W", 1.0),
    "_c": ("°C", 1.0),
    "_s": ("s", 1.0),
}


def _suffix(name: str) -> str | None:
    matches = [suffix for suffix in FIELD_UNITS if name.endswith(suffix)]
    return max(matches, key=len) if matches else None


def split_unit(name: str) -> tuple[str, str]:
    """(stem, unit symbol) of a field named with a unit suffix: ("fluence", "J/cm²") for
    "fluence_j_cm2"; (name, "") when it has none."""
    suffix = _suffix(name)
    return (name[: -len(suffix)], FIELD_UNITS[suffix][0]) if suffix else (name, "")


#: the suffix and unit of a thermal dose field, cumulative equivalent minutes at 43 C
DOSE_SUFFIX, DOSE_UNIT = "_cem43_min", "CEM43 min"


def summary_unit(name: str) -> str:
    """The unit of a plan or summary field by its name (`split_unit`), also of a band
    (``downtime_days_range``: days), a bare unit word (``minutes``) and a thermal dose
    (``bulk_cem43_min``: CEM43 min); "" for none. The report's tables and the sweep's
    Parquet columns both read units from it.

    >>> summary_unit("downtime_days_range"), summary_unit("minutes"), summary_unit("bulk_cem43_min")
    ('days', 'min', 'CEM43 min')
    """
    if name.endswith(DOSE_SUFFIX):
        return DOSE_UNIT
    return split_unit("_" + name.removesuffix("_range"))[1]


def unit_of(name: str) -> str:
    """The unit symbol of a field named with a unit suffix ('' when it has none)."""
    suffix = _suffix(name)
    return FIELD_UNITS[suffix][0] if suffix else ""


def to_si(name: str, value: float) -> float:
    """A field's clinical value in SI (unchanged when the name has no unit suffix)."""
    suffix = _suffix(name)
    return value / FIELD_UNITS[suffix][1] if suffix else value


def from_si(name: str, value: float) -> float:
    """An SI value in the clinical unit of the field `name` (inverse of `to_si`)."""
    suffix = _suffix(name)
    return value * FIELD_UNITS[suffix][1] if suffix else value


_RULES = (
    (re.compile(r"(?<![\w\-\[])um\b"), "µm"),
    (re.compile(r"\[um\]"), "[µm]"),
    (re.compile(r"(\d)\s?C(?![\w°²])"), r"\1 °C"),
    (re.compile(r"\[C\]"), "[°C]"),
    (re.compile(r"(?<![\w-])cm2\b"), "cm²"),
    (re.compile(r"\bmm2\b"), "mm²"),
)


def words(key: str) -> str:
    """A data key as words for people (area, region and site names in tables and text).

    >>> words("chin_jaw"), words("dorsal_hand")
    ('chin jaw', 'dorsal hand')
    """
    return key.replace("_", " ")


def human_text(text: str) -> str:
    """`text` with ASCII unit spellings replaced: ``12 um`` -> ``12 µm``, ``41.6 C`` ->
    ``41.6 °C``, ``cm2`` -> ``cm²``.

    >>> human_text("depth 12 um at 41.6 C over 30 cm2, CO2, spot_um, --grid-um")
    'depth 12 µm at 41.6 °C over 30 cm², CO2, spot_um, --grid-um'
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
