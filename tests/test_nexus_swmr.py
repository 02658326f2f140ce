"""Live and crash-safe files: a SWMR reader in another process follows a running
scan; a session process killed with SIGKILL mid-scan leaves a file that opens at
once, is recovered, and takes new scans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy
import pytest

from conftest import NEXUS_BEAMLINE
from bliss_lite.nexus import NexusWarning, last_entry_number, recover_file

# Follows the first entry's diode3 in SWMR mode; prints the sizes it saw.
FOLLOW = r"""
import json, sys, time, h5py
filename, total = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
deadline = time.monotonic() + 60
dataset = None
while dataset is None and time.monotonic() < deadline:
    try:
        f = h5py.File(filename, "r", swmr=True)
        dataset = f["1.1/instrument/diode3/data"]
    except (OSError, KeyError):
        time.sleep(0.005)
sizes = []
while time.monotonic() < deadline:
    try:
        dataset.refresh()
        n = dataset.shape[0]
    except Exception:
        break
    if not sizes or n != sizes[-1]:
        sizes.append(n)
    if n >= total:
        break
    time.sleep(0.01)
print(json.dumps(sizes), flush=True)
"""

# A session that writes one short scan, says where, then scans "forever".
SCAN_FOREVER = r"""
import sys
from bliss_lite import open_session
with open_session("nexus", root=sys.argv[2], verbose=False) as session:
    env = session.env
    env["SCAN_SAVING"].base_path = sys.argv[1]
    env["SCAN_DISPLAY"].mode = "off"
    env["loopscan"](3, 0.01, env["diode3"])
    print("FILE", env["SCANS"][-1].filename, flush=True)
    env["loopscan"](100000, 0.01, env["diode3"], env["diode"])
"""


@pytest.fixture
def session(nexus_session):
    return nexus_session.env


def test_a_swmr_reader_in_another_process_sees_the_scan_grow(session):
    filename = session["SCAN_SAVING"].filename
    reader = subprocess.Popen([sys.executable, "-c", FOLLOW, filename, "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        session["loopscan"](30, 0.03, session["diode3"])
        sizes = json.loads(reader.stdout.readline())
    finally:
        reader.kill()
        reader.wait()
    assert sizes[-1] == 30
    assert sizes == sorted(sizes) and len(set(sizes)) >= 3  # saw it grow, block by block
    with h5py.File(filename, "r") as f:
        assert f["1.1/writer/status"][()] == b"SUCCEEDED"


def start_scanning_child(tmp_path) -> tuple[subprocess.Popen, str]:
    """SCAN_FOREVER in a child session with its own state; returns it and its file."""
    env = {**os.environ, "BLISS_LITE_STATE_DIR": str(tmp_path / "child_state")}
    child = subprocess.Popen([sys.executable, "-c", SCAN_FOREVER, str(tmp_path / "scans"), str(NEXUS_BEAMLINE)],
                             stdout=subprocess.PIPE, text=True, env=env)
    for line in child.stdout:  # skip anything printed before the file name
        if line.startswith("FILE "):
            return child, line[5:].strip()
    child.wait()
    raise AssertionError("the child session did not start")


def wait_for_points(filename: str, entry: str, npoints: int) -> int:
    """Follow ``entry`` with a SWMR reader until it holds ``npoints`` points."""
    deadline = time.monotonic() + 60
    seen = 0
    while seen < npoints and time.monotonic() < deadline:
        try:
            with h5py.File(filename, "r", swmr=True) as f:
                seen = f[f"{entry}/measurement/diode"].shape[0]
        except (OSError, KeyError):
            pass
        time.sleep(0.02)
    assert seen >= npoints
    return seen


def kill_mid_scan(tmp_path, min_points: int = 10) -> tuple[str, int]:
    """SIGKILL a SCAN_FOREVER child once its running entry holds ``min_points``
    points; returns the file and the points seen."""
    child, filename = start_scanning_child(tmp_path)
    try:
        seen = wait_for_points(filename, "2.1", min_points)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    return filename, seen


def test_kill_9_mid_scan_then_recover_then_scan_again(tmp_path, session):
    filename, seen = kill_mid_scan(tmp_path)

    with h5py.File(filename, "r", swmr=True) as f:  # opens at once
        finished = f["1.1"]
        assert finished["end_reason"].asstr()[()] == "SUCCESS"
        assert finished["measurement/diode3"].shape == (3,)
        running = f["2.1"]
        assert "end_reason" not in running
        assert running["writer/status"][()] == b"RUNNING"
        assert running["measurement/diode"].shape[0] >= seen
    with h5py.File(filename, "r") as f:  # the data file and finished entries open plainly at once
        assert list(f) == ["1.1", "2.1"] and f["1.1/measurement/diode3"].shape == (3,)
    points = os.path.join(os.path.dirname(filename), "data_scans", "2.1.points.h5")
    with pytest.raises(OSError, match="already open for write"):
        h5py.File(points, "r")  # the killed scan's points: SWMR readers only, until recovered
    assert last_entry_number(filename) == 2  # numbering reads it as it is

    done = recover_file(filename)
    assert done[0].startswith(f"{points}: cleared the 'open for writing' marks a killed process left")
    assert any(line.startswith("entry 2.1: end_reason set to FAILURE") for line in done)

    with h5py.File(filename, "r") as f:  # a plain open works again
        entry = f["2.1"]
        assert entry["end_reason"].asstr()[()] == "FAILURE"
        assert entry["writer/status"][()] == b"FAILED"
        lengths = {entry["measurement"][name].shape[0] for name in entry["measurement"]}
        assert len(lengths) == 1 and lengths.pop() >= seen
        assert f["1.1/writer/status"][()] == b"SUCCEEDED"
    assert recover_file(filename) == [f"{filename}: nothing to recover"]

    session["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    scan = session["loopscan"](3, 0.01, session["diode3"])
    assert scan.scan_number == 3
    with h5py.File(filename, "r") as f:
        assert list(f) == ["1.1", "2.1", "3.1"]
        assert numpy.array_equal(f["3.1/measurement/diode3"][()], scan.get_data()["diode3"])
        assert f.attrs["default"] == "3.1"


def test_the_next_scan_recovers_a_killed_file_by_itself(tmp_path, session):
    filename, _ = kill_mid_scan(tmp_path, min_points=3)
    session["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    with pytest.warns(NexusWarning) as warned:
        scan = session["loopscan"](2, 0.01, session["diode3"])
    messages = [str(w.message) for w in warned]
    assert any("cleared the 'open for writing' marks" in m for m in messages)
    assert any("entry 2.1: end_reason set to FAILURE" in m for m in messages)
    with h5py.File(filename, "r") as f:
        assert f["2.1/end_reason"].asstr()[()] == "FAILURE"
        assert f[f"{scan.scan_number}.1/end_reason"].asstr()[()] == "SUCCESS"


def test_a_live_writer_is_not_mistaken_for_a_dead_one(tmp_path, session):
    child, filename = start_scanning_child(tmp_path)
    try:
        wait_for_points(filename, "2.1", 3)
        session["SCAN_SAVING"].base_path = str(tmp_path / "scans")
        held = fr"is being written by another process \(PID {child.pid}\)"  # named, before the scan starts
        with pytest.raises(Exception, match=held):
            session["loopscan"](2, 0.01, session["diode3"])
        with pytest.raises(Exception, match=held):
            recover_file(filename)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with h5py.File(filename, "r", swmr=True) as f:
        assert list(f) == ["1.1", "2.1"]


def test_recovery_leaves_other_programs_entries_alone(tmp_path):
    filename = str(tmp_path / "other.h5")
    killed = r"""
import os, sys, h5py
f = h5py.File(sys.argv[1], "w", libver="latest")
f.create_group("1.1").attrs["NX_class"] = "NXentry"
f.swmr_mode = True
f.flush()
os._exit(9)
"""
    subprocess.run([sys.executable, "-c", killed, filename], check=False)
    done = recover_file(filename)
    assert len(done) == 1 and "cleared the 'open for writing' marks" in done[0]
    with h5py.File(filename, "r") as f:
        assert list(f["1.1"]) == []  # no end_reason, no writer/status added


def test_recover_a_directory_from_the_command_line_after_kill_9(tmp_path):
    filename, seen = kill_mid_scan(tmp_path, min_points=3)
    directory = os.path.dirname(filename)
    cli = [sys.executable, "-c", "import sys; from bliss_lite.shell.cli import main; sys.exit(main())"]
    done = subprocess.run(cli + ["--recover", directory], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "entry 2.1: end_reason set to FAILURE" in done.stdout and "Traceback" not in done.stderr
    with h5py.File(filename, "r") as f:
        assert f["2.1/end_reason"].asstr()[()] == "FAILURE" and f["2.1/measurement/diode"].shape[0] >= seen
    again = subprocess.run(cli + ["--recover", directory], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout.strip() == f"{filename}: nothing to recover"
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = subprocess.run(cli + ["--recover", str(empty)], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and refused.stderr.strip() == (
        f"bliss-lite: cannot recover '{empty}': NexusWriterError: {empty} is a directory holding no "
        "bliss_lite data file (give the data file, e.g. data.h5, or the directory holding it).")
