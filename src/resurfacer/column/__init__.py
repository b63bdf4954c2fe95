"""One microscopic treatment zone (MTZ): an axisymmetric r-z column of skin
under one beam and pulse (train). Light deposition, enthalpy conduction with
ablation, Arrhenius damage and the energy balance; see docs/column.md.

``simulate_column(skin, beam, pulse, options) -> ColumnResult`` is the entry.
"""
