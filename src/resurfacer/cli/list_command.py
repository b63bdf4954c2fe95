"""`resurfacer list devices|sites|indications|protocols|rules`: what the package knows.

Text by default (one item a line, with its key facts, for people: no sources and no
maintainers' remarks), ``--json`` for programs: the data as ``src/resurfacer/data/`` holds
it, with each source and the maintainers' remarks on it ("verify", "MODEL VALUE", a
placeholder region), which say how far a figure was checked (the web API, which feeds a
clinician's page, leaves sources and remarks out).
"""

from __future__ import annotations

import json

from resurfacer.errors import InputError

WHAT = ("devices", "sites", "indications", "protocols", "rules")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "list",
        help="list devices, sites, indications, protocols or safety rules",
        description="List what the model knows: device presets and their modes, body sites "
        "and area presets, indications, published protocols, safety rules.",
    )
    p.add_argument("what", metavar="WHAT", help="one of " + ", ".join(WHAT))
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON: the data with its sources and the maintainers' remarks on them "
        "(how far each figure was checked)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    if args.what not in WHAT:
        raise InputError("WHAT", args.what, "one of " + ", ".join(WHAT))
    items = {
        "devices": devices,
        "sites": sites,
        "indications": indications,
        "protocols": protocols,
        "rules": rules,
    }[args.what]()
    if args.json:
        print(json.dumps(items, indent=2, default=str))
    elif not items:
        print(f"no {args.what} table (src/resurfacer/data/{args.what}.toml is missing)")
    elif args.what == "protocols":
        print("\n".join(_protocol_lines(items)))
    else:
        print("\n".join(_line(args.what, item) for item in items))
    return 0


def _value(entry):
    """A preset field as its default (ranges are {default, min, max})."""
    return entry.get("default") if isinstance(entry, dict) else entry


def devices() -> list[dict]:
    from resurfacer.plan.schema import DEVICES

    out = []
    for name, d in DEVICES.items():
        modes = []
        for mode, m in d["modes"].items():
            if "combines" in m:
                modes.append({"mode": mode, "combines": list(m["combines"])})
                continue
            energy = m.get("pulse_energy_mj")
            modes.append(
                {
                    "mode": mode,
                    "kind": m.get("kind"),
                    "wavelength_nm": m.get("wavelength_nm"),
                    "spot_um": _value(m.get("spot_um")),
                    "pulse_energy_mj": _value(energy),
                    "pulse_energy_range_mj": [energy["min"], energy["max"]]
                    if isinstance(energy, dict) and "min" in energy
                    else None,
                    "density_percent": _value(m.get("density_percent")),
                }
            )
        out.append({"name": name, "description": d.get("name", ""), "modes": modes})
    return out


def sites() -> list[dict]:
    from resurfacer.plan.schema import AREA_PRESETS
    from resurfacer.tissue.skin import SITES

    out = [{"name": s, "kind": "site"} for s in SITES]
    out += [{"name": p, "kind": "area preset"} for p in AREA_PRESETS]
    return out


def indications() -> list[dict]:
    from resurfacer.data import indications

    return [
        {"name": k, "description": v.get("name", ""), "metric": v.get("metric"),
         "target_um": [v.get("min_um"), v.get("max_um")]}
        for k, v in indications().items()
    ]  # fmt: skip


def protocols() -> list[dict]:
    from resurfacer.data import data_path, load_toml

    if not data_path("protocols.toml").exists():
        return []
    return list(load_toml("protocols.toml").get("protocol", []))


def rules() -> list[dict]:
    from resurfacer.plan.rules import load_rules

    return [
        {"name": r.name, "limit": r.limit, "value": r.value, "when": r.when, "source": r.source}
        for r in load_rules()
    ]


#: the text columns of `list protocols`, each as wide as its longest entry
PROTOCOL_COLUMNS = ("id", "device_class", "indication", "region")


def _protocol_lines(items: list[dict]) -> list[str]:
    """One line a protocol, its columns as wide as their longest entry, then its energy."""
    cells = [[str(item.get(c, "")) for c in PROTOCOL_COLUMNS] for item in items]
    widths = [max(len(row[k]) for row in cells) for k in range(len(PROTOCOL_COLUMNS))]
    lines = []
    for item, row in zip(items, cells, strict=True):
        energy = item.get("pulse_energy_mj")
        energy_text = f"{energy[0]:g}-{energy[1]:g} mJ" if energy else "energy not reported"
        lines.append(" ".join(f"{v:<{w}}" for v, w in zip(row, widths, strict=True)))
        lines[-1] += " " + energy_text
    return lines


def _line(what: str, item: dict) -> str:
    if what == "devices":
        modes = "; ".join(
            f"{m['mode']} (= {' + '.join(m['combines'])})"
            if "combines" in m
            else f"{m['mode']} ({m['kind']}, {m['wavelength_nm']} nm, {m['spot_um']} µm, "
            f"{m['pulse_energy_mj']} mJ)"
            for m in item["modes"]
        )
        return f"{item['name']:<20} {modes}"
    if what == "sites":
        return f"{item['name']:<14} {item['kind']}"
    if what == "indications":
        lo, hi = item["target_um"]
        return f"{item['name']:<14} {item['metric']} {lo:g}-{hi:g} µm: {item['description']}"
    unit = {"max_density_percent": "%", "max_pulse_energy_mj": "mJ",
            "max_peak_bulk_temperature_c": "°C"}.get(item["limit"], "")  # fmt: skip
    when = ", ".join(f"{k}={v}" for k, v in item["when"].items()) or "always"
    return f"{item['name']:<32} {item['limit']} {item['value']:g} {unit} (when {when})"
