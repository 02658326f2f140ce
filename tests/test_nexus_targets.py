"""Data targets bliss_lite cannot write are refused before the scan starts, in one
sentence, never a hang; two processes writing one data file never mix numbers; a
reader opening the file with swmr=True never fails; ``--recover DIR``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import h5py
import numpy
import pytest

from bliss_lite.nexus import NexusWriterError, recover_file


@pytest.fixture
def session(demo_session):
    return demo_session.env


def refused(session, message: str) -> None:
    roby = session["roby"]
    before = roby.position
    t0 = time.monotonic()
    with pytest.raises(NexusWriterError) as error:
        session["ascan"](roby, before + 1, before + 2, 3, 0.01, session["diode3"])
    assert time.monotonic() - t0 < 5
    assert str(error.value) == message
    assert roby.position == before  # refused before anything moved


def test_a_directory_where_the_data_file_goes(session):
    filename = session["SCAN_SAVING"].filename
    os.makedirs(filename)
    refused(session, f"The data file {filename} is a directory.")


def test_a_fifo_where_the_data_file_goes_never_hangs(session):
    filename = session["SCAN_SAVING"].filename
    os.makedirs(os.path.dirname(filename))
    os.mkfifo(filename)
    refused(session, f"The data file {filename} is a FIFO, not a file.")


def test_a_symlink_pointing_outside_the_data_directory(session, tmp_path):
    filename = session["SCAN_SAVING"].filename
    os.makedirs(os.path.dirname(filename))
    outside = tmp_path / "elsewhere.h5"
    with h5py.File(outside, "w") as f:
        f["precious"] = 1
    os.symlink(outside, filename)
    refused(session, f"The data file {filename} is a symbolic link (to {outside}): "
                     "bliss_lite writes only files and directories of its own there.")
    with h5py.File(outside, "r") as f:
        assert list(f) == ["precious"]


def test_fifos_and_links_planted_in_the_scans_directory_never_hang_nor_lead_outside(session, tmp_path):
    filename = session["SCAN_SAVING"].filename
    session["loopscan"](2, 0.01, session["diode3"])
    scans = os.path.join(os.path.dirname(filename), "data_scans")
    outside = tmp_path / "precious.txt"
    outside.write_text("precious")
    os.unlink(os.path.join(scans, ".writer.lock"))
    os.symlink(outside, os.path.join(scans, ".writer.lock"))
    os.mkfifo(os.path.join(scans, "2.1.claim"))
    os.symlink(outside, os.path.join(scans, "3.1.claim"))
    t0 = time.monotonic()
    scan = session["loopscan"](2, 0.01, session["diode3"])
    assert time.monotonic() - t0 < 5
    assert outside.read_text() == "precious"
    assert not os.path.islink(os.path.join(scans, ".writer.lock"))
    with h5py.File(filename, "r") as f:
        assert numpy.array_equal(f[f"{scan.scan_number}.1/measurement/diode3"][()],
                                 scan.get_data()["diode3"])


def test_a_deep_or_too_long_base_path(session, tmp_path):
    deep = str(tmp_path / "deep") + "/d" * 1500    # deeper than Python's recursion limit
    too_long = str(tmp_path / "long") + "/d" * 2100
    try:
        session["SCAN_SAVING"].base_path = deep
        assert session["loopscan"](2, 0.01, session["diode3"]).filename == f"{deep}/demo/data.h5"
        session["SCAN_SAVING"].base_path = too_long
        with pytest.raises(NexusWriterError) as error:
            session["loopscan"](2, 0.01, session["diode3"])
    finally:   # removed here: shutil.rmtree (pytest's clean-up of old runs) recurses
        shutil.rmtree(f"{deep}/demo", ignore_errors=True)
        for top in (tmp_path / "deep", tmp_path / "long"):
            path = str(top)
            while os.path.isdir(path + "/d"):
                path += "/d"
            while os.path.isdir(path) and path != str(tmp_path):
                os.rmdir(path)
                path = os.path.dirname(path)
    message = str(error.value)
    assert message.startswith(f"Cannot create the data directory {tmp_path / 'long'}/d/d/")
    assert message.endswith(" (File name too long).")


def test_a_file_system_turned_read_only(session, tmp_path):
    mount_point = tmp_path / "ro"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        session["SCAN_SAVING"].base_path = str(mount_point)
        session["loopscan"](2, 0.01, session["diode3"])
        assert subprocess.run(["mount", "-o", "remount,ro", str(mount_point)]).returncode == 0
        directory = os.path.dirname(session["SCAN_SAVING"].filename)
        refused(session, f"The data directory {directory} is on a read-only file system.")
        with h5py.File(session["SCAN_SAVING"].filename, "r") as f:
            assert f["1.1/measurement/diode3"].shape == (2,)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


# -- one writer per data file, one number per scan ---------------------------------------

# Scans into argv[1] in a loop; prints, for each scan, its number and its data (or the
# refusal).
TWO_WRITERS = r"""
import json, sys
from bliss_lite import open_session
with open_session("demo", verbose=False) as session:
    env = session.env
    env["SCAN_SAVING"].base_path = sys.argv[1]
    env["SCAN_DISPLAY"].mode = "off"
    for _ in range(int(sys.argv[2])):
        try:
            scan = env["loopscan"](3, 0.002, env["diode3"])
        except Exception as exc:
            print("REFUSED", json.dumps(str(exc)), flush=True)
        else:
            print("SCAN", json.dumps([scan.scan_number, scan.get_data()["diode3"].tolist()]), flush=True)
"""


def test_two_processes_writing_one_file_never_mix_numbers(tmp_path):
    children = [subprocess.Popen([sys.executable, "-c", TWO_WRITERS, str(tmp_path / "scans"), "25"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 env={**os.environ, "BLISS_LITE_STATE_DIR": str(tmp_path / f"state{i}")})
                for i in range(2)]
    claimed: dict[int, list[float]] = {}
    refusals = []
    for child in children:
        out, _ = child.communicate(timeout=300)
        for line in out.splitlines():
            if line.startswith("SCAN "):
                number, data = json.loads(line[5:])
                assert number not in claimed, f"scan number {number} returned twice"
                claimed[number] = data
            elif line.startswith("REFUSED "):
                refusals.append(json.loads(line[8:]))
    assert claimed
    for message in refusals:
        assert "is being written by another process (PID " in message, message
    filename = tmp_path / "scans" / "demo" / "data.h5"
    with h5py.File(filename, "r") as f:
        assert set(f) == {f"{n}.1" for n in claimed}
        for number, data in claimed.items():  # every entry holds the data of the scan that claims it
            assert numpy.array_equal(f[f"{number}.1/measurement/diode3"][()], data)


# -- live readers --------------------------------------------------------------------------

# Opens the data file in a loop, with swmr=True reading the last entry (running or
# not), plainly reading the first (finished) one; prints the count of opens and of
# failures.
READER = r"""
import json, sys, time, h5py
filename, seconds = sys.argv[1], float(sys.argv[2])
opens = failures = 0
errors = []
deadline = time.monotonic() + seconds
print("ready", flush=True)
while time.monotonic() < deadline:
    for swmr in (True, False):
        try:
            with h5py.File(filename, "r", swmr=swmr) as f:
                names = sorted(f, key=lambda n: int(n.split(".")[0]))
                entry = f[names[-1] if swmr else names[0]]
                entry["writer/status"][()]
                entry["measurement/diode3"][()]
            opens += 1
        except FileNotFoundError:
            pass
        except Exception as exc:
            failures += 1
            errors.append(f"{swmr}: {exc}"[:200])
print(json.dumps([opens, failures, errors[:5]]), flush=True)
"""


def test_a_swmr_reader_never_fails_to_open(session, tmp_path):
    registry = __import__("bliss_lite.scan_meta", fromlist=["x"]).get_user_scan_meta()
    registry.instrument.set("many", {f"g{i}": {"v": i} for i in range(200)})  # long START and END writing
    filename = session["SCAN_SAVING"].filename
    session["loopscan"](2, 0.01, session["diode3"])
    reader = subprocess.Popen([sys.executable, "-c", READER, filename, "6"], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            session["loopscan"](5, 0.01, session["diode3"])
        opens, failures, errors = json.loads(reader.stdout.readline())
    finally:
        reader.kill()
        reader.wait()
    assert opens > 50 and failures == 0, errors


# -- bliss-lite --recover DIR --------------------------------------------------------------


def test_recover_a_directory(session, tmp_path):
    session["loopscan"](2, 0.01, session["diode3"])
    directory = os.path.dirname(session["SCAN_SAVING"].filename)
    assert recover_file(directory) == [f"{directory}/data.h5: nothing to recover"]
    assert recover_file(directory + "/data_scans") == [f"{directory}/data.h5: nothing to recover"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NexusWriterError) as error:
        recover_file(str(empty))
    assert str(error.value) == (f"{empty} is a directory holding no bliss_lite data file "
                                "(give the data file, e.g. data.h5, or the directory holding it).")
