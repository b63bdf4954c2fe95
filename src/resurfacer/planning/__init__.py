"""Searching settings: the column surrogate, the planner and uncertainty bands.
Runs the chain of resurfacer.treatment many times; never reaches into a solver."""
