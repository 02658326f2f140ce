"""The h5clear equivalent: superblock parsing, lookup3 checksum, clearing the marks a
writer that died leaves behind (real files, real dying processes)."""

from __future__ import annotations

import os
import subprocess
import sys

import h5py
import numpy
import pytest

from bliss_lite.nexus.superblock import (
    DEFAULT_INCREMENT,
    NotHDF5Error,
    clear_open_marks,
    lookup3,
    read_superblock,
)

# Opens a file for SWMR writing, appends 1000 points, flushes, and dies without
# closing anything (os._exit leaves the file exactly as a kill -9 would).
DIE_WHILE_WRITING = r"""
import os, sys, h5py, numpy
f = h5py.File(sys.argv[1], "a", libver="latest", locking=False)
d = f.create_dataset("data", shape=(0,), maxshape=(None,), chunks=(256,), dtype="f8")
f.swmr_mode = True
d.resize((1000,)); d[:] = numpy.arange(1000.0)
f.flush()
os._exit(0)
"""


def leave_marked(filename: str) -> None:
    subprocess.run([sys.executable, "-c", DIE_WHILE_WRITING, filename], check=True)


def test_lookup3_reference_values():
    # the values printed by lookup3.c's own driver
    assert lookup3(b"") == 0xDEADBEEF
    assert lookup3(b"", 0xDEADBEEF) == 0xBD5B7DDE
    assert lookup3(b"Four score and seven years ago") == 0x17770551
    assert lookup3(b"Four score and seven years ago", 1) == 0xCD628161


@pytest.mark.parametrize("userblock", [0, 512, 4096])
def test_superblock_of_a_clean_file(tmp_path, userblock):
    fn = str(tmp_path / "clean.h5")
    with h5py.File(fn, "w", libver="latest", userblock_size=userblock) as f:
        f["x"] = numpy.arange(10)
    sb = read_superblock(fn)  # raises if its checksum does not match lookup3
    assert (sb.offset, sb.version, sb.flags, sb.marked_open) == (userblock, 3, 0, False)
    assert sb.base_address == userblock and sb.eoa == os.path.getsize(fn)
    before = open(fn, "rb").read()
    assert clear_open_marks(fn) is None
    assert open(fn, "rb").read() == before


def test_default_format_has_no_marks_to_clear(tmp_path):
    fn = str(tmp_path / "v0.h5")
    with h5py.File(fn, "w") as f:
        f["x"] = 1
    sb = read_superblock(fn)
    assert sb.version == 0 and not sb.marked_open and not sb.supports_swmr


def test_not_hdf5(tmp_path):
    fn = tmp_path / "text.h5"
    fn.write_text("hello" * 200)
    with pytest.raises(NotHDF5Error):
        read_superblock(str(fn))


@pytest.mark.parametrize("userblock", [0, 512])
def test_clearing_the_marks_of_a_writer_that_died(tmp_path, userblock):
    fn = str(tmp_path / "died.h5")
    with h5py.File(fn, "w", libver="latest", userblock_size=userblock) as f:
        f["previous"] = [1, 2, 3]
    leave_marked(fn)

    sb = read_superblock(fn)
    assert sb.marked_open and sb.flags == 0x05  # write access + SWMR write access
    with pytest.raises(OSError, match="already open for write"):
        h5py.File(fn, "r")
    with h5py.File(fn, "r", swmr=True) as f:  # SWMR readers open it at once
        assert f["data"].shape == (1000,)

    size = os.path.getsize(fn)
    cleared = clear_open_marks(fn)
    assert cleared is not None and cleared.flags == 0x05
    assert cleared.new_eoa == max(cleared.old_eoa, size) + DEFAULT_INCREMENT
    after = read_superblock(fn)  # checksum recomputed, or this would raise
    assert (after.flags, after.eoa) == (0, cleared.new_eoa)
    assert os.path.getsize(fn) == cleared.new_eoa

    with h5py.File(fn, "r") as f:
        assert list(f["previous"][()]) == [1, 2, 3]
        assert numpy.array_equal(f["data"][()], numpy.arange(1000.0))
    with h5py.File(fn, "a") as f:
        f["next"] = numpy.arange(100000)
    with h5py.File(fn, "r") as f:
        assert f["next"][-1] == 99999 and f["data"][999] == 999.0
