"""The numba cache folder follows the kernels' sources: an edit to any kernel file (say
deposition.py, which driver.run_column compiles into itself) starts a fresh cache
instead of loading machine code built from the old source."""

import shutil
from pathlib import Path

import numba

import resurfacer.kernels as kernels


def test_numba_caches_in_a_folder_named_by_the_kernel_sources():
    assert numba.config.CACHE_DIR.endswith(f"numba-{kernels.kernel_digest()}")


def test_any_kernel_edit_changes_the_folder(tmp_path, monkeypatch):
    source = Path(kernels.__file__).parent
    for path in source.glob("*.py"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(kernels, "_HERE", tmp_path)
    before = kernels.kernel_digest()
    assert before == kernels.kernel_digest()
    deposition = tmp_path / "deposition.py"
    deposition.write_text(deposition.read_text() + "\n# edited\n")
    assert kernels.kernel_digest() != before
