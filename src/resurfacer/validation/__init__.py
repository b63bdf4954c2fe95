"""Validation against published measurements (`resurfacer validate`).

Each table of published figures (``data/validation/*.csv``) is registered with a
model function per quantity (`tables.Table`): the column table (`column.py`)
simulates crater depths, widths, cuffs, removal per pass, thresholds and the
like with the column solver; the healing table (`healing.py`) gives the healing
model's durations for the cases ``data/validation/healing_cases.toml`` names.
`run.run_validation` simulates every row (in parallel, cached on disk) and
`report` writes the figures and ``docs/validation.md``.
"""
