"""The one way resurfacer writes files: atomically, checked up front, cleaned after.

* `check_output_path` (before any work): the path can be written, so a run that
  would fail at the end is refused at the start (an `InputError` naming the option).
* `write_file` / `write_bytes` / `write_text` / `write_directory`: write into a
  temporary beside the target, then rename it into place; either the whole file
  (or folder of files) lands or nothing does. A failed write (disk full,
  permission) removes the temporary and raises `OutputError` naming the path.
* Temporaries are named ``.resurfacer-tmp.<pid>.<name>.<random>``; the next write
  into the same folder removes those whose process is gone (a killed write) or
  that are older than `STALE_AFTER_S` (`clean_stale_temporaries`).
* `netcdf_bytes`: a dataset as NetCDF-4 bytes built in memory, so the HDF5
  library never writes to a disk that can fill up under it (a full disk during an
  HDF5 write crashed the process); the bytes are then written like any others.
  The file follows CF where xarray's defaults do not (`cf_encoded`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from resurfacer.errors import InputError, OutputError

TEMP_PREFIX = ".resurfacer-tmp."
STALE_AFTER_S = 24 * 3600.0


def _temp_name(name: str) -> str:
    return f"{TEMP_PREFIX}{os.getpid()}.{name}.{secrets.token_hex(4)}"


def _owner_gone(entry: Path) -> bool:
    try:
        pid = int(entry.name[len(TEMP_PREFIX) :].split(".", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    return False


def clean_stale_temporaries(folder, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove the temporaries of killed or old writes in `folder`; return what went."""
    removed: list[Path] = []
    try:
        entries = [e for e in Path(folder).iterdir() if e.name.startswith(TEMP_PREFIX)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        try:
            old = now - entry.lstat().st_mtime > older_than_s
            if not (old or _owner_gone(entry)):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            continue
    return removed


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_output_path(path, option: str, folder: bool = False) -> Path:
    """Refuse, before any work, an output path that cannot be written.

    `folder`: the output is a folder of files (else one file). Raises InputError
    naming `option` when the path (or a folder it needs) is the wrong kind of
    thing or is not writable.
    """
    text = str(path)
    if not text.strip() or "\0" in text:
        raise InputError(option, text, "a file or folder path")
    target = Path(text).expanduser().absolute()
    if target.exists() and target.is_dir() != folder:
        want = "a folder" if folder else "a file"
        raise InputError(
            option, text, f"{want} path (this is {'a folder' if not folder else 'a file'})"
        )
    base = _nearest_existing(target if folder else target.parent)
    if not base.is_dir():
        raise InputError(option, text, f"a path whose parent is a folder ({base} is a file)")
    reason = _probe(base)
    if reason is not None:
        raise InputError(option, text, f"a path in a writable folder ({base}: {reason})")
    return target


def _probe(folder: Path) -> str | None:
    """Create and remove a file in `folder` (permission bits say nothing for root, and
    nothing about read-only or pseudo file systems); the error text, or None."""
    probe = folder / _temp_name("probe")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    os.close(fd)
    try:
        probe.unlink()
    except OSError:
        pass
    return None


def _make_parent(folder: Path, target: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(target, exc.strerror or str(exc)) from None


def write_file(path, write: Callable[[str], None]) -> Path:
    """Call `write(tmp_path)` on a temporary beside `path`, then rename it into place.

    On any failure the temporary is removed; an OSError becomes OutputError(path).
    """
    path = Path(path)
    _make_parent(path.parent, path)
    clean_stale_temporaries(path.parent)
    tmp = path.parent / _temp_name(path.name)
    try:
        write(str(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(path, exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _bytes_writer(data: bytes) -> Callable[[str], None]:
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    return write


def write_bytes(path, data: bytes) -> Path:
    """`data` into `path`, atomically."""
    return write_file(path, _bytes_writer(bytes(data)))


def write_text(path, text: str) -> Path:
    """`text` (UTF-8) into `path`, atomically."""
    return write_bytes(path, text.encode("utf-8"))


def cf_encoded(dataset):
    """A copy of `dataset` as CF-1.10 wants it on disk, where xarray's defaults differ:

    * coordinate variables carry no ``_FillValue`` (CF 5: no missing values; xarray
      gives every float variable ``_FillValue = NaN``);
    * boolean variables are stored as 0 / 1 bytes with ``flag_values`` and
      ``flag_meanings`` (CF 3.5) and no ``units``; text variables have no ``units``
      (CF 3.1: units belong to numbers);
    * ``date_created``, the time of writing in ISO 8601 (ACDD), where not given.
    """
    import datetime

    import numpy as np

    out = dataset.copy()
    for name in list(out.variables):
        var = out.variables[name]
        attrs = {k: v for k, v in var.attrs.items() if k != "units"}
        if var.dtype == bool:
            flags = {"flag_values": np.array([0, 1], np.int8), "flag_meanings": "no yes"}
            out[name] = var.astype(np.int8)
            out[name].attrs = attrs | flags
        elif var.dtype.kind in "OUS":
            out[name].attrs = attrs
        if name in out.dims and var.dtype.kind == "f":
            out[name].encoding["_FillValue"] = None
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    out.attrs.setdefault("date_created", now.isoformat().replace("+00:00", "Z"))
    return out


def netcdf_bytes(dataset) -> bytes:
    """`dataset` as NetCDF-4 (h5netcdf) bytes, built in memory (`cf_encoded`)."""
    return bytes(cf_encoded(dataset).to_netcdf(engine="h5netcdf"))


def write_netcdf(path, dataset) -> Path:
    """`dataset` as a NetCDF-4 file at `path`: built in memory, then written atomically."""
    return write_bytes(path, netcdf_bytes(dataset))


def write_directory(
    directory, files: dict[str, Callable[[str], None]], manifest: str | None = None
) -> Path:
    """Write every file of `files` ({name: writer(path)}) into a temporary folder beside
    `directory`, then move them in: either all of them land or none does.

    `manifest` (a file name) keeps the names this writer wrote in `directory`: once the
    new files have landed, the files the previous manifest named that this run did not
    write are removed (left from an earlier run, they would be read as this run's: a
    report of one pass beside the cross-section of an old plan's second). Only names
    the writer itself wrote are ever removed; the user's files stay, whatever their
    names (session 22: a name pattern removed a user's own report.pdf)."""
    directory = Path(directory)
    _make_parent(directory.parent, directory)
    clean_stale_temporaries(directory.parent)
    staging = directory.parent / _temp_name(directory.name)
    try:
        staging.mkdir()
        for name, write in files.items():
            write(str(staging / name))
        directory.mkdir(exist_ok=True)
        for name in files:
            os.replace(staging / name, directory / name)
        if manifest is not None:
            _remove_left_over(directory, set(written_before(directory, manifest)) - set(files))
            write_text(directory / manifest, json.dumps(sorted(files), indent=0))
    except OSError as exc:
        raise OutputError(directory, exc.strerror or str(exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def written_before(directory, manifest: str) -> list[str]:
    """The file names the `manifest` in `directory` lists ([] without a readable one)."""
    try:
        names = json.loads((Path(directory) / manifest).read_text())
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def add_to_manifest(directory, manifest: str, name: str) -> None:
    """Record `name` as written by the manifest's writer (a file written after
    `write_directory`, as the report's PDF)."""
    names = set(written_before(directory, manifest)) | {name}
    write_text(Path(directory) / manifest, json.dumps(sorted(names), indent=0))


def _remove_left_over(directory: Path, names) -> None:
    """Remove the plain files `names` in `directory` (no paths, no folders)."""
    for name in names:
        entry = directory / name
        if Path(name).name == name and entry.is_file() and not entry.is_symlink():
            entry.unlink()
