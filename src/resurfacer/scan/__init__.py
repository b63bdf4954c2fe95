"""The scanned pattern: lattice and firing order, coverage, bulk heating by
superposition of column sources, and session time."""
