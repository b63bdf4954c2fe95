"""The site vocabulary and the per-site tables that must cover it.

A body site exists when ``skin_sites.toml`` lists it under ``sites``; every table
in `SITE_TABLES` then needs an entry for it, and every table that names sites
(`SITE_REFERENCES`) may name only listed ones. `missing_site_entries` says what a
site lacks, so that a site added to one table only is refused at validation with
the name of the table to complete, never met as a KeyError in a model.

>>> missing_site_entries("cheek")
[]
>>> unknown_site_references()
[]
"""

from resurfacer.data import load_toml

#: tables keyed by site: (file, path of keys to the table)
SITE_TABLES = (
    ("skin_sites.toml", ("epidermis",)),
    ("skin_sites.toml", ("stratum_corneum",)),
    ("skin_sites.toml", ("dermis",)),
    ("healing.toml", ("adnexa", "follicles_per_cm2")),
)


def _loader(tables):
    return load_toml if tables is None else tables


def _table(tables, file: str, keys: tuple[str, ...]) -> dict:
    node = _loader(tables)(file)
    for key in keys:
        node = node.get(key, {})
    return node


def listed_sites(tables=None) -> tuple[str, ...]:
    """The sites ``skin_sites.toml`` lists (`tables`: a loader like `load_toml`, the
    default)."""
    return tuple(_loader(tables)("skin_sites.toml")["sites"])


def missing_site_entries(site: str, tables=None) -> list[str]:
    """The per-site tables without an entry for `site`, as "file [key.key]"."""
    return [
        f"{file} [{'.'.join(keys)}]"
        for file, keys in SITE_TABLES
        if site not in _table(tables, file, keys)
    ]


def _referenced_sites(tables) -> dict[str, set[str]]:
    """Sites named by the face-area regions and the safety rules' conditions."""
    regions = _loader(tables)("face_areas.toml")["regions"]
    rules = _loader(tables)("safety_rules.toml")["rule"]
    return {
        "face_areas.toml": {region["site"] for region in regions.values()},
        "safety_rules.toml": {s for r in rules for s in r.get("when", {}).get("sites", ())},
    }


def unknown_site_references(tables=None) -> list[str]:
    """Site names used in tables that name sites but not listed in skin_sites.toml."""
    known = set(listed_sites(tables))
    return [
        f"{file}: {site}"
        for file, sites in _referenced_sites(tables).items()
        for site in sorted(sites - known)
    ]


def site_problem(site: str, tables=None) -> str | None:
    """Why `site` cannot be simulated (unknown, or missing from a per-site table), or
    None when every table covers it."""
    known = listed_sites(tables)
    if site not in known:
        return "one of " + ", ".join(sorted(known))
    missing = missing_site_entries(site, tables)
    if missing:
        return "a site with an entry in every per-site table; missing in " + ", ".join(missing)
    return None
