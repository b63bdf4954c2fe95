"""Atomic file output: a failed write leaves nothing half-written (CLI, report)."""

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_file_atomically(path, write: Callable[[str], None]) -> None:
    """Call `write(tmp_path)` on a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_directory_atomically(directory, files: dict[str, Callable[[str], None]]) -> None:
    """Write every file of `files` ({name: writer(path)}) into a temporary folder beside
    `directory`, then move them in: either all of them land or none does."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for name, write in files.items():
            write(str(staging / name))
        directory.mkdir(exist_ok=True)
        for name in files:
            os.replace(staging / name, directory / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
