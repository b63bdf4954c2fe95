"""Plans: the validated schema in clinical units, plan files (TOML/JSON, --set
overrides) and the safety rules that a plan and its outcome are checked against."""

from resurfacer.plan.schema import Area, AreaPreset, Pass, Patient, Plan, load_plan

__all__ = ["Area", "AreaPreset", "Pass", "Patient", "Plan", "load_plan"]
