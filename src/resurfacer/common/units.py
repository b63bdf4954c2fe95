"""Units as people read them, applied at the edges (CLI text, report, web messages).

Inside, names and messages of the lower layers may spell units in ASCII ("um",
"C", "cm2"); `human_text` turns them into µm, °C and cm² where text leaves the
package for a person. Numbers are not touched.
"""

import re

_RULES = (
    (re.compile(r"(?<![\w\-\[])um\b"), "µm"),
    (re.compile(r"\[um\]"), "[µm]"),
    (re.compile(r"(\d)\s?C(?![\w°²])"), r"\1 °C"),
    (re.compile(r"\[C\]"), "[°C]"),
    (re.compile(r"(?<![\w-])cm2\b"), "cm²"),
    (re.compile(r"\bmm2\b"), "mm²"),
)


def human_text(text: str) -> str:
    """`text` with ASCII unit spellings replaced: ``12 um`` -> ``12 µm``, ``41.6 C`` ->
    ``41.6 °C``, ``cm2`` -> ``cm²``.

    >>> human_text("depth 12 um at 41.6 C over 30 cm2, CO2, spot_um, --grid-um")
    'depth 12 µm at 41.6 °C over 30 cm², CO2, spot_um, --grid-um'
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
