"""Scans the writer refuses before anything moves, each with one sentence naming the
path; and what never happens: an entry overwritten."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import h5py
import pytest

from bliss_lite.devices.protocols import ChannelSpec
from bliss_lite.nexus import NexusWarning, NexusWriter, NexusWriterError, last_entry_number, recover_file
from bliss_lite.events import ScanEnd, ScanStart

HOLD_OPEN = r"""
import sys, time, h5py
f = h5py.File(sys.argv[1], "a")
print("open", flush=True)
time.sleep(60)
"""

# Another program appending in SWMR mode: HDF5 then holds no lock on the file.
HOLD_OPEN_SWMR = r"""
import sys, time, h5py
f = h5py.File(sys.argv[1], "a", libver="latest")
f.create_group("99.1").attrs["NX_class"] = "NXentry"
f.swmr_mode = True
print("open", flush=True)
sys.stdin.readline()
f.close()
print("closed", flush=True)
"""


@pytest.fixture
def session(nexus_session):
    return nexus_session.env


class FakeScan:
    def __init__(self, filename: str, number: int) -> None:
        self.scan_info = {"save": True, "writer": "hdf5", "filename": filename, "scan_nb": number,
                          "title": "loopscan 1 0.1", "count_time": 0.1, "npoints": 1}


def start(filename: str, number: int = 1) -> NexusWriter:
    scan = FakeScan(filename, number)
    writer = NexusWriter.for_scan(scan)
    writer.scan_start(ScanStart(scan, scan.scan_info, [ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer")]))
    return writer


def finish(writer: NexusWriter, number: int = 1) -> None:
    scan = FakeScan(writer.filename, number)
    writer.scan_end(ScanEnd(scan, {**scan.scan_info, "end_reason": "SUCCESS"}, 0))


def test_base_path_that_cannot_be_created(session, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    session["SCAN_SAVING"].base_path = str(blocker / "scans")
    roby = session["roby"]
    before = roby.position
    with pytest.raises(NexusWriterError) as refused:
        session["ascan"](roby, before + 1, before + 2, 3, 0.01, session["diode3"])
    assert str(refused.value) == f"Cannot create the data directory {blocker / 'scans'} (Not a directory)."
    assert roby.position == before  # refused before anything moved
    assert blocker.read_text() == "a file, not a directory"


def test_directory_that_is_not_writable(tmp_path):
    if os.geteuid() == 0:  # root writes anywhere chmod forbids: use a directory no one writes
        directory = "/proc"
    else:
        directory = str(tmp_path / "readonly")
        os.mkdir(directory, 0o555)
    with pytest.raises(NexusWriterError) as refused:
        start(os.path.join(directory, "data.h5"))
    assert str(refused.value) == f"The data directory {directory} is not writable."


def test_file_open_in_this_process(tmp_path):
    # The data file is never written in place (it is replaced whole): a reader that
    # holds it open, in this process too, does not stop a scan; it sees the file as
    # it was when it opened it, and the new entry once it opens it again.
    filename = str(tmp_path / "data.h5")
    finish(start(filename, 1))
    with h5py.File(filename, "r") as held:
        finish(start(filename, 2))
        assert list(held) == ["1.1"]
    finish(start(filename, 3))
    with h5py.File(filename, "r") as f:
        assert list(f) == ["1.1", "2.1", "3.1"]


def test_file_that_is_not_hdf5(tmp_path):
    filename = tmp_path / "data.h5"
    filename.write_text("not HDF5 at all\n" * 100)
    with pytest.raises(NexusWriterError) as refused:
        start(str(filename))
    assert str(refused.value) == f"The data file {filename} exists but is not an HDF5 file."
    with pytest.raises(NexusWriterError, match="is not an HDF5 file"):
        recover_file(str(filename))


def test_file_held_open_for_writing_by_another_process(session, tmp_path):
    filename = session["SCAN_SAVING"].filename
    session["loopscan"](2, 0.01, session["diode3"])
    holder = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, filename], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(NexusWriterError) as refused:
            session["loopscan"](2, 0.01, session["diode3"])
        assert str(refused.value) == f"The data file {filename} is held open for writing by another process."
        with pytest.raises(NexusWriterError, match="held open for writing by another process"):
            recover_file(filename)
    finally:
        holder.kill()  # dies holding the file: it stays marked "open for write"
        holder.wait()
    with pytest.warns(NexusWarning, match="cleared the 'open for writing' marks a killed process left"):
        scan = session["loopscan"](2, 0.01, session["diode3"])
    with h5py.File(filename, "r") as f:
        assert list(f) == ["1.1", f"{scan.scan_number}.1"]


def test_file_written_in_swmr_mode_by_another_program(session):
    # Marked "open" like a file a killed process left, but its writer is alive:
    # clearing the marks under it would corrupt the file.
    filename = session["SCAN_SAVING"].filename
    session["loopscan"](2, 0.01, session["diode3"])
    holder = subprocess.Popen([sys.executable, "-c", HOLD_OPEN_SWMR, filename],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        held = f"The data file {filename} is held open for writing by another process."
        with pytest.raises(NexusWriterError) as refused:
            session["loopscan"](2, 0.01, session["diode3"])
        assert str(refused.value) == held
        with pytest.raises(NexusWriterError) as refused:
            recover_file(filename)
        assert str(refused.value) == held
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "closed"
    finally:
        holder.kill()
        holder.wait()
    scan = session["loopscan"](2, 0.01, session["diode3"])
    with h5py.File(filename, "r") as f:  # a plain open: nothing was damaged
        assert set(f) == {"1.1", "99.1", f"{scan.scan_number}.1"}
        assert f[f"{scan.scan_number}.1/measurement/diode3"].shape == (2,)


def test_file_another_writer_is_writing(tmp_path):
    filename = str(tmp_path / "data.h5")
    first = start(filename, 1)
    try:
        with pytest.raises(NexusWriterError, match=f"^The data file {filename} is being written by this process "
                                                   fr"\(PID {os.getpid()}\); a data file takes one writer at a time.$"):
            start(filename, 2)
    finally:
        finish(first)
    finish(start(filename, 2))
    with h5py.File(filename, "r") as f:
        assert list(f) == ["1.1", "2.1"]


def test_existing_entry_is_never_overwritten(tmp_path):
    filename = str(tmp_path / "data.h5")
    finish(start(filename, 3), 3)
    with h5py.File(filename, "a") as f:
        f["3.1/title"][()] = "the first scan 3"
    with pytest.raises(NexusWriterError) as refused:
        start(filename, 3)
    assert str(refused.value) == f"Entry 3.1 already exists in {filename}; entries are never overwritten."
    with h5py.File(filename, "r") as f:
        assert list(f) == ["3.1"] and f["3.1/title"].asstr()[()] == "the first scan 3"
        assert f["3.1/writer/status"][()] == b"SUCCEEDED"


def test_numbering_skips_entries_already_in_the_file(session):
    filename = session["SCAN_SAVING"].filename
    os.makedirs(os.path.dirname(filename))
    with h5py.File(filename, "w") as f:  # HDF5's oldest format: no SWMR possible
        f.create_group("7.1")
        f.create_group("not_an_entry")
    assert last_entry_number(filename) == 7
    # the scan goes into a file of its own (SWMR-capable); the former content is kept whole
    with pytest.warns(NexusWarning, match="its former content is kept in data_scans/original-1.h5"):
        scan = session["loopscan"](2, 0.01, session["diode3"])
    assert scan.scan_number == 8
    with h5py.File(filename, "r") as f:
        assert f["8.1/measurement/diode3"].shape == (2,)
        assert set(f) == {"7.1", "8.1", "not_an_entry"}
    assert last_entry_number(filename) == 8
    assert last_entry_number(filename + ".missing") == 0


def test_recover_missing_file(tmp_path):
    with pytest.raises(NexusWriterError, match="does not exist"):
        recover_file(str(tmp_path / "nothing.h5"))


def test_writer_null_and_unsaved_scans_write_nothing(session):
    session["SCAN_SAVING"].writer = "null"
    session["loopscan"](2, 0.01, session["diode3"])
    session["SCAN_SAVING"].writer = "hdf5"
    session["ct"](0.01, session["diode3"])
    session["loopscan"](2, 0.01, session["diode3"], save=False)
    assert not os.path.exists(session["SCAN_SAVING"].filename)
    assert NexusWriter.for_scan(FakeScan("x.h5", 1)) is not None
    scan = FakeScan("x.h5", 1)
    scan.scan_info["writer"] = "null"
    assert NexusWriter.for_scan(scan) is None
    scan.scan_info.update(writer="hdf5", save=False)
    assert NexusWriter.for_scan(scan) is None


def test_time_to_refuse_is_short(tmp_path):
    # Refusing must not wait on anything (no lock waits): well under a second.
    filename = str(tmp_path / "data.h5")
    first = start(filename, 1)
    try:
        t0 = time.monotonic()
        with pytest.raises(NexusWriterError):
            start(filename, 2)
        assert time.monotonic() - t0 < 5
    finally:
        finish(first)
