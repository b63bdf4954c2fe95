"""The one atomic writer (`resurfacer.common.files`): whole files or nothing, paths
checked before work, temporaries of killed writes cleaned (issue 17, case 6)."""

import errno
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from resurfacer.common import files
from resurfacer.errors import InputError, OutputError


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_failed_write_leaves_nothing_and_names_the_path(tmp_path):
    target = tmp_path / "out.bin"

    def disk_full(path):
        with open(path, "wb") as fh:
            fh.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match=str(target)) as info:
        files.write_file(target, disk_full)
    assert "No space left" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_folder_write_leaves_nothing(tmp_path):
    def fail(path):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    with pytest.raises(OutputError):
        files.write_directory(
            tmp_path / "run", {"a.txt": lambda p: open(p, "w").close(), "b": fail}
        )
    assert list(tmp_path.iterdir()) == []


def test_writes_land_whole(tmp_path):
    files.write_text(tmp_path / "a" / "b.txt", "hello")
    assert (tmp_path / "a" / "b.txt").read_text() == "hello"
    files.write_directory(tmp_path / "d", {"x": lambda p: open(p, "w").write("1")})
    assert (tmp_path / "d" / "x").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_netcdf_is_built_in_memory_and_reads_back(tmp_path):
    ds = xr.Dataset({"t": ("z", np.arange(4.0))}, attrs={"note": "x"})
    files.write_netcdf(tmp_path / "f.nc", ds)
    with xr.open_dataset(tmp_path / "f.nc", engine="h5netcdf") as back:
        assert back["t"].values.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_netcdf_follows_cf_where_xarray_defaults_do_not(tmp_path):
    # found in session 20: coordinates with _FillValue NaN, masks and text with units "1"
    h5py = pytest.importorskip("h5py")
    ds = xr.Dataset(
        {
            "mask": ("z", np.array([True, False]), {"units": "1", "long_name": "removed"}),
            "state": ("z", np.array(["open", "closed"]), {"units": "1", "long_name": "state"}),
            "depth": ("z", np.array([1.0, np.nan]), {"units": "m", "long_name": "depth"}),
        },
        coords={"z": ("z", np.array([0.0, 1.0]), {"units": "m"})},
    )
    files.write_netcdf(tmp_path / "f.nc", ds)
    with h5py.File(tmp_path / "f.nc") as f:
        assert "_FillValue" not in f["z"].attrs  # CF 5: coordinates have no missing values
        assert f["mask"].attrs["flag_meanings"] == "no yes" and "units" not in f["mask"].attrs
        assert list(f["mask"].attrs["flag_values"]) == [0, 1]
        assert "units" not in f["state"].attrs and f["depth"].attrs["units"] == "m"
        assert f.attrs["date_created"].endswith("Z")
    assert ds["state"].attrs["units"] == "1"  # the dataset given is left as it was


def test_temporaries_of_killed_writes_are_cleaned_on_the_next_write(tmp_path):
    pid = dead_pid()
    stale_file = tmp_path / f"{files.TEMP_PREFIX}{pid}.out.nc.dead"
    stale_dir = tmp_path / f"{files.TEMP_PREFIX}{pid}.report.dead"
    stale_file.write_bytes(b"truncated")
    stale_dir.mkdir()
    (stale_dir / "report.html").write_text("half")
    live = tmp_path / f"{files.TEMP_PREFIX}{os.getppid()}.other.live"  # a running writer's
    live.write_bytes(b"in progress")
    files.write_text(tmp_path / "next.txt", "ok")
    assert not stale_file.exists() and not stale_dir.exists()
    assert live.exists()
    old = tmp_path / f"{files.TEMP_PREFIX}{os.getppid()}.old.x"
    old.write_bytes(b"")
    os.utime(old, (0, 0))  # older than STALE_AFTER_S
    files.clean_stale_temporaries(tmp_path)
    assert not old.exists() and live.exists()


@pytest.mark.parametrize(
    ("make", "folder", "why"),
    [
        (lambda t: t / "afile" / "x.nc", False, "is a file"),
        (lambda t: t, False, "folder"),
        (lambda t: t / "afile", True, "a file"),
        (lambda t: "/proc/no/such/x.nc", False, "writable folder"),
        (lambda t: "", False, "path"),
    ],
)
def test_impossible_output_paths_are_refused_before_work(tmp_path, make, folder, why):
    (tmp_path / "afile").write_text("")
    with pytest.raises(InputError, match=why):
        files.check_output_path(make(tmp_path), "--out", folder=folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_good_output_paths_pass_and_leave_nothing(tmp_path):
    files.check_output_path(tmp_path / "new" / "deeper" / "x.nc", "--out")
    files.check_output_path(tmp_path / "report", "--report", folder=True)
    assert list(tmp_path.iterdir()) == []
