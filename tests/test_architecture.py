"""The layout follows the data flow (docs/architecture.md): one package per stage,
small functions, no reaching into another module's private names, and no import
that runs up a layer."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "resurfacer"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)

#: what may sit in the package root: the public API, the CLI entry, errors, the chain
ROOT_MODULES = {"__init__.py", "__main__.py", "errors.py", "treatment.py"}
#: longest function body (lines after the docstring) in library code
MAX_FUNCTION_LINES = 80
#: the stages in data-flow order: a module may import its own stage and lower ranks
RANKS = {
    "common": 0,
    "data": 0,
    "errors": 0,
    "kernels": 1,
    "tissue": 2,
    "laser": 2,
    "optics": 3,
    "column": 4,
    "scan": 4,
    "healing": 4,
    "plan": 5,
    "treatment": 6,
    "planning": 7,
    "sweeps": 8,
    "validation": 8,
    "report": 9,
    "cli": 10,
    "web": 10,
    "__main__": 11,
}


def _stage(module_path: Path) -> str:
    parts = module_path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path):
    """(module, imported names) of every `resurfacer` import, at any depth."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("resurfacer"):
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("resurfacer"):
                    yield alias.name, []


def _body_lines(node) -> int:
    body = node.body
    first = body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(
        getattr(first, "value", None), ast.Constant
    )
    start = first.end_lineno + 1 if docstring and len(body) > 1 else first.lineno
    return node.end_lineno - start + 1


def test_package_root_holds_only_the_api_the_entry_errors_and_the_chain():
    root = {p.name for p in PACKAGE.glob("*.py")}
    assert root <= ROOT_MODULES, root - ROOT_MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_over_the_limit(path):
    long = [
        (node.name, _body_lines(node))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _body_lines(node) > MAX_FUNCTION_LINES
    ]
    assert long == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_names_imported_from_another_module(path):
    private = [
        f"{module}.{name}"
        for module, names in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert private == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_runs_up_a_layer(path):
    if path.parent == PACKAGE and path.name == "__init__.py":
        return  # the public API re-exports from every stage
    stage = _stage(path)
    upward = []
    for module, names in _imports(path):
        parts = module.split(".")
        if len(parts) == 1:  # the package root: only its version
            if set(names) - {"__version__"}:
                upward.append(module)
            continue
        target = parts[1]
        if RANKS[target] > RANKS[stage]:
            upward.append(module)
    assert upward == [], f"{stage} (rank {RANKS[stage]}) imports {upward}"


def test_old_module_paths_import_with_a_deprecation_warning():
    import importlib
    import sys

    sys.modules.pop("resurfacer.mtz", None)
    with pytest.warns(DeprecationWarning, match="resurfacer.column.solve"):
        old = importlib.import_module("resurfacer.mtz")
    from resurfacer.column import solve

    assert old is solve and solve.__spec__.name == "resurfacer.column.solve"


def test_public_api_is_importable_from_the_top():
    import resurfacer

    for name in resurfacer.__all__:
        assert getattr(resurfacer, name) is not None
