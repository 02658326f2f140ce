"""Nothing acquired is ever lost: session processes killed with SIGKILL at chosen and
at random moments (creating an entry with hundreds of metadata groups, streaming
points, writing the END, rebuilding the data file); every entry finished before is
intact, read back with a plain ``h5py.File``, and the interrupted one is readable
with its points and ``end_reason = FAILURE``, or cleanly absent."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import h5py
import numpy
import pytest

from bliss_lite.nexus import recover_file

# A session scanning into argv[1] with a scan_meta of argv[2] groups at START and at
# END (so that writing an entry lasts); prints each finished scan's number and data.
SCANNER = r"""
import json, sys
from bliss_lite import open_session
from bliss_lite import scan_meta

base, ngroups, nscans, npoints = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open_session("demo", verbose=False) as session:
    env = session.env
    env["SCAN_SAVING"].base_path = base
    env["SCAN_DISPLAY"].mode = "off"
    registry = scan_meta.get_user_scan_meta()
    registry.instrument.set("many", {f"group{i:04d}": {"@NX_class": "NXcollection", "value": i,
                                                      "text": "x" * 20} for i in range(ngroups)})
    registry.technique.timing = scan_meta.META_TIMING.END
    registry.technique.set("at_end", lambda scan: {f"end{i:04d}": {"value": float(i)} for i in range(ngroups)})
    print("FILE", env["SCAN_SAVING"].filename, flush=True)
    for _ in range(nscans):
        scan = env["loopscan"](npoints, 0.001, env["diode3"])
        print("DONE", json.dumps([scan.scan_number, scan.get_data()["diode3"].tolist()]), flush=True)
"""


class Scanner:
    """A SCANNER child; collects the scans it reports finished."""

    def __init__(self, tmp_path, ngroups: int = 300, nscans: int = 1000, npoints: int = 5) -> None:
        env = {**os.environ, "BLISS_LITE_STATE_DIR": str(tmp_path / "state")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", SCANNER, str(tmp_path / "scans"), str(ngroups), str(nscans), str(npoints)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.finished: dict[int, list[float]] = {}
        for line in self.process.stdout:
            if line.startswith("FILE "):
                self.filename = line[5:].strip()
                break
        else:
            raise AssertionError("the scanning session did not start")
        self.scans_dir = os.path.join(os.path.dirname(self.filename), "data_scans")

    def read_reports(self, first_only: bool = False) -> None:
        for line in self.process.stdout:
            if line.startswith("DONE "):
                number, data = json.loads(line[5:])
                self.finished[number] = data
                if first_only:
                    return

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.read_reports()


def wait_until(predicate, timeout: float = 60.0, poll: float = 0.0005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the moment never came")
        time.sleep(poll)


def tmp_files(directory: str, name: str) -> list[str]:
    try:
        return [n for n in os.listdir(directory) if n.startswith(f".{name}.") and n.endswith(".tmp")]
    except FileNotFoundError:
        return []


def check_file(filename: str, finished: dict[int, list[float]]) -> set[str]:
    """Every finished scan intact (plain open, its data as the session had it); every
    other entry readable and FAILED.  Returns the entry names."""
    with h5py.File(filename, "r") as f:
        names = set(f)
        for number, data in finished.items():
            entry = f[f"{number}.1"]
            assert entry["end_reason"].asstr()[()] == "SUCCESS"
            assert entry["writer/status"][()] == b"SUCCEEDED"
            assert numpy.array_equal(entry["measurement/diode3"][()], data)
            assert sum(name.startswith("group") for name in entry["instrument"]) == 300
            assert sum(name.startswith("end") for name in entry["technique"]) == 300
        for name in names - {f"{n}.1" for n in finished}:
            entry = f[name]
            assert entry["end_reason"].asstr()[()] == "FAILURE"
            assert entry["writer/status"][()] == b"FAILED"
            lengths = {entry["measurement"][c].shape[0] for c in entry["measurement"]}
            assert len(lengths) == 1
    return names


def recover_and_check(scanner: Scanner) -> set[str]:
    done = recover_file(scanner.filename)
    assert done, "recovery says what it did"
    names = check_file(scanner.filename, scanner.finished)
    assert recover_file(scanner.filename) == [f"{scanner.filename}: nothing to recover"]
    return names


def scan_again(tmp_path, previous: dict[int, list[float]]) -> None:
    """The next scan into the file works, and leaves every earlier entry as it was."""
    scanner = Scanner(tmp_path, nscans=1)
    scanner.process.wait()
    scanner.read_reports()
    assert len(scanner.finished) == 1
    check_file(scanner.filename, {**previous, **scanner.finished})


@pytest.mark.parametrize("moment", ["entry_created", "end_written", "data_file_rebuilt"])
def test_kill_while_an_entry_file_or_the_data_file_is_written(tmp_path, moment):
    scanner = Scanner(tmp_path)
    try:
        # let two scans finish, then kill at the chosen moment of the third
        wait_until(lambda: os.path.exists(os.path.join(scanner.scans_dir, "2.1.h5"))
                   and not os.path.exists(os.path.join(scanner.scans_dir, "2.1.claim")))
        if moment == "entry_created":  # the third's entry file is being written: no entry file yet
            wait_until(lambda: tmp_files(scanner.scans_dir, "3.1.h5")
                       and not os.path.exists(os.path.join(scanner.scans_dir, "3.1.h5")))
        elif moment == "end_written":  # its START entry is there and its END version is being written
            wait_until(lambda: os.path.exists(os.path.join(scanner.scans_dir, "3.1.h5"))
                       and tmp_files(scanner.scans_dir, "3.1.h5"))
        else:
            wait_until(lambda: os.path.exists(os.path.join(scanner.scans_dir, "3.1.h5"))
                       and tmp_files(os.path.dirname(scanner.filename), "data.h5"))
    finally:
        scanner.kill()
    assert set(scanner.finished) >= {1, 2}
    names = recover_and_check(scanner)
    if moment == "entry_created":
        assert "3.1" not in names  # cleanly absent
    else:
        assert "3.1" in names
    scan_again(tmp_path, scanner.finished)


def test_kill_loop_at_random_moments(tmp_path):
    rng = random.Random(int(os.environ.get("KILL_LOOP_SEED", "11")))
    finished: dict[int, list[float]] = {}
    rounds = int(os.environ.get("KILL_LOOP_ROUNDS", "6"))
    for _ in range(rounds):
        scanner = Scanner(tmp_path, npoints=20)
        try:  # a random moment after its first scan, whatever the machine's load
            scanner.read_reports(first_only=True)
            time.sleep(rng.uniform(0.0, 3.0))
        finally:
            scanner.kill()
        finished.update(scanner.finished)
        scanner.finished = finished
        names = recover_and_check(scanner)
        assert {f"{n}.1" for n in finished} <= names
    assert len(finished) >= rounds
