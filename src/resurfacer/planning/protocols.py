"""A proposed plan beside the published protocols (``data/protocols.toml``).

The planner's coverage floors and depth ranges are model values; the package also lists
published settings per device class. `protocol_notes(passes, indication)` compares each
mode of a plan (its pulse energy, the summed coverage of its passes, the number of
passes) with the rows of that mode's device class, those of the indication where there
are any, and returns one plain note per figure that lies outside every row reporting it
("below the published 30-55 % coverage of the nonablative_1927 protocols (...)").
Session 24 probe: the 1,927 nm pigment plan (5 mJ, 2 passes of 10 %) and the 1,550 nm
fine-lines plan (4 mJ, 2 passes) lay below every listed protocol, and nothing said so.

Coverage of a row: its `density_percent`, or where it gives MTZ counts, the MTZs per
cm2 (per pass x passes, or the total) x the area of the mode's spot (data/devices.toml),
the planner's own definition of a fractional mode's density. Rows define density as their
device does (`density_note`), so a note is a pointer to the source, not a rule.
"""

from __future__ import annotations

import math

from resurfacer.data import load_toml
from resurfacer.plan.schema import DEVICES

#: the protocols' device class of each (device, mode) the planner plans with
DEVICE_CLASS = {
    ("co2_dual", "deep"): "co2_fractional_deep",
    ("co2_dual", "surface"): "co2_fractional_surface",
    ("co2_fractional_deep", "deep"): "co2_fractional_deep",
    ("co2_full_field", "full_field"): "co2_full_field",
    ("erbium_fractional", "fractional"): "erbium_fractional",
    ("nonablative_1550", "fractional"): "nonablative_1550",
    ("thulium_1927", "fractional"): "nonablative_1927",
}
#: the protocols' indications (data/protocols.toml) that match each planner indication
INDICATIONS = {
    "pigment": ("pigment", "melasma"),
    "texture": ("texture", "photoaging"),
    "fine_lines": ("fine_lines", "wrinkles", "photoaging"),
    "moderate_wrinkles": ("wrinkles", "photoaging"),
    "deep_wrinkles": ("wrinkles", "photoaging"),
    "acne_scars": ("acne_scars",),
}


#: rows whose settings do not map onto a plan (tests/test_protocols.py takes these too)
NOT_COMPARED = {
    "trelles2010-co2-superpulse": "60 mJ may be per scanner pulse, not per microbeam (row note)",
    "youlaser-lower-eyelid": "a 200 um spot on the eyelids only: its energy and spot counts do "
    "not map onto a 120 um mode's, and the notes compare device classes, not regions",
}


def _rows() -> list[dict]:
    return [r for r in load_toml("protocols.toml")["protocol"] if r["id"] not in NOT_COMPARED]


def _span(value) -> tuple[float, float]:
    if isinstance(value, list | tuple):
        return float(value[0]), float(value[-1])
    return float(value), float(value)


def _coverage(row: dict, spot_um: float | None) -> tuple[float, float] | None:
    """A row's coverage per session [%] (low, high), or None where it reports none."""
    if "density_percent" in row:
        return _span(row["density_percent"])
    if spot_um is None:
        return None
    spot_cm2 = math.pi * (spot_um * 1e-4) ** 2 / 4
    if "mtz_total" in row:
        total = _span(row["mtz_total"])
    elif "mtz_per_cm2_per_pass" in row and "passes" in row:
        per, passes = _span(row["mtz_per_cm2_per_pass"]), _span(row["passes"])
        total = (per[0] * passes[0], per[1] * passes[1])
    else:
        return None
    return 100.0 * total[0] * spot_cm2, 100.0 * total[1] * spot_cm2


def _outside(what: str, value: float, spans: list, unit: str, where: str) -> str:
    """A note where `value` lies outside the published spans (low, high, id) altogether,
    below the lowest or above the highest, else ""."""
    if not spans:
        return ""
    lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
    if lo - 1e-9 <= value <= hi + 1e-9:
        return ""
    side = "below" if value < lo else "above"
    ids = ", ".join(sorted({s[2] for s in spans}))
    span = f"{lo:.3g}{unit}" if math.isclose(lo, hi) else f"{lo:.3g}-{hi:.3g}{unit}"
    return f"{what} {value:.3g}{unit} is {side} the published {span} of the {where} ({ids})"


def protocol_notes(passes: list[dict], indication: str) -> list[str]:
    """One note per figure of a plan's mode (energy, summed coverage, passes) outside
    every published row of its device class and indication (or of its class, where no
    row is of the indication); `passes`: the plan-file pass tables, one per pass fired."""
    modes: dict[tuple[str, str], list[dict]] = {}
    for t in passes:
        mode = t.get("mode") or DEVICES[t["device"]]["default_mode"]
        modes.setdefault((t["device"], mode), []).append(t)
    notes = []
    rows = _rows()
    for (device, mode), tables in modes.items():
        klass = DEVICE_CLASS.get((device, mode))
        mine = [r for r in rows if r.get("device_class") == klass]
        of_indication = [r for r in mine if r.get("indication") in INDICATIONS.get(indication, ())]
        mine = of_indication or mine
        kinds = ", ".join(sorted({r.get("indication", "?") for r in mine}))
        where = f"{klass} protocols ({kinds} rows)"
        if not mine:
            continue
        spot = DEVICES[device]["modes"][mode].get("spot_um")
        full_field = DEVICES[device]["modes"][mode].get("kind") == "full_field"
        energy = [(*_span(r["pulse_energy_mj"]), r["id"]) for r in mine if "pulse_energy_mj" in r]
        cover = [(*c, r["id"]) for r in mine if (c := _coverage(r, spot)) is not None]
        count = [(*_span(r["passes"]), r["id"]) for r in mine if "passes" in r]
        summed = sum(float(t.get("density_percent", 100.0)) for t in tables)
        checks = [
            ("pulse energy", float(tables[0]["pulse_energy_mj"]), energy, " mJ"),
            ("passes", float(len(tables)), count, ""),
        ]
        if not full_field:
            checks.insert(1, ("coverage", summed, cover, " %"))
        label = f"{device} {mode}"
        for what, value, spans, unit in checks:
            note = _outside(what, value, spans, unit, where)
            if note:
                notes.append(f"{label}: {note}")
    return notes
