"""resurfacer: simulator and treatment planner for laser skin resurfacing.

SI units inside; clinical units (mJ, µm, ms, %, J/cm²) only at the edges
(plan files, CLI, report). See README.md for the physics and a worked example
and docs/architecture.md for where each stage lives.

The public API is importable from here (loaded on first use, so that
``import resurfacer`` stays cheap):

>>> import resurfacer
>>> skin = resurfacer.skin_for("cheek")
>>> [layer.name for layer in skin.layers][:2]
['stratum_corneum', 'epidermis']

Module paths of release 0.2 (``resurfacer.mtz``, ``resurfacer.pattern``, ...)
still import, with a DeprecationWarning naming the new place; they go in 0.4.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("resurfacer")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"

#: public name -> module that defines it
_PUBLIC = {
    "simulate": "resurfacer.treatment",
    "Outcome": "resurfacer.treatment",
    "Plan": "resurfacer.plan.schema",
    "load_plan": "resurfacer.plan.schema",
    "skin_for": "resurfacer.tissue.skin",
    "Skin": "resurfacer.tissue.skin",
    "Beam": "resurfacer.laser.beam",
    "Pulse": "resurfacer.laser.beam",
    "simulate_column": "resurfacer.column.solve",
    "SolverOptions": "resurfacer.column.solve",
    "ColumnResult": "resurfacer.column.solve",
    "healing_timeline": "resurfacer.healing",
    "plan_treatment": "resurfacer.planning.planner",
}

#: module path of release 0.2 -> its place now (kept importable for one release)
_MOVED = {
    "resurfacer.mtz": "resurfacer.column.solve",
    "resurfacer.ablation": "resurfacer.column.ablation",
    "resurfacer.damage": "resurfacer.column.damage",
    "resurfacer.pattern": "resurfacer.scan.pattern",
    "resurfacer.session": "resurfacer.scan.session",
    "resurfacer.rules": "resurfacer.plan.rules",
    "resurfacer.planner": "resurfacer.planning.planner",
    "resurfacer.surrogate": "resurfacer.planning.surrogate",
    "resurfacer.uncertainty": "resurfacer.planning.uncertainty",
    "resurfacer.study": "resurfacer.sweeps.sweep",
    "resurfacer.fingerprint": "resurfacer.common.fingerprint",
    "resurfacer.warmup": "resurfacer.cli.warmup",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'resurfacer' has no attribute {name!r}")


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves an old module path by the module at its new place, with a warning."""

    _own_specs: dict = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname in _MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = _MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; the old path goes in resurfacer 0.4",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        self._own_specs[new] = module.__spec__
        return module

    def exec_module(self, module):
        # the import system stamped the old name's spec on the module: give it back its own
        module.__spec__ = self._own_specs[module.__name__]


sys.meta_path.append(_MovedModuleFinder())
