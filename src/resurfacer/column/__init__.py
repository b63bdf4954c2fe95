"""One microscopic treatment zone (MTZ): an axisymmetric r-z column of skin
under one beam and pulse (train). Light deposition, enthalpy conduction with
ablation, Arrhenius damage and the energy balance; see docs/column.md.

``simulate_column(skin, beam, pulse, options) -> ColumnResult`` is the entry
(`solve`); `options` the numerical settings, `grid` the r-z mesh, `materials`
the per-layer and per-row properties, `summary` what a run reports, `cautions`
its plain-language warnings, `ablation` and `damage` the removal and Arrhenius
models.
"""
