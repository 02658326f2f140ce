"""A full disk mid-scan, on a small tmpfs (skipped where this process cannot mount
one): the scan stops with one sentence naming the path and the space, the points up
to the last successful flush stay readable, earlier entries are intact, the shell
lives on, no raw HDF5 text; ``--recover`` on the full disk explains itself in one
sentence, and recovers once there is room."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import h5py
import pytest

from bliss_lite.nexus import NexusWriterError, recover_file

CLI = [sys.executable, "-c", "import sys; from bliss_lite.shell.cli import main; sys.exit(main())"]
RAW_HDF5 = re.compile(r"errno =|H5[A-Z]|synchronously|Traceback|file descriptor")


@pytest.fixture
def small_fs(tmp_path):
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc})")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)


def run_session(lines: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BLISS_LITE_STATE_DIR": str(tmp_path / "state")}
    return subprocess.run(CLI + ["-s", "demo"], input=lines, capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp_path)


def test_a_full_disk_stops_the_scan_in_one_sentence_and_keeps_the_points(small_fs, tmp_path):
    lines = (
        f"SCAN_SAVING.base_path = {str(small_fs)!r}\n"
        "SCAN_DISPLAY.mode = 'off'\n"
        "loopscan(5, 0, diode3)\n"
        "import os; st = os.statvfs(SCAN_SAVING.base_path); "
        f"open({str(small_fs / 'filler')!r}, 'wb').write(b'x' * (st.f_bavail * st.f_frsize - 1_000_000))\n"
        "loopscan(100000, 0, diode, diode2, diode3)\n"
        "print('ALIVE', SCANS[-1].scan_info['end_reason'])\n"
    )
    result = run_session(lines, tmp_path)
    assert result.returncode == 1, result.stderr  # one line raised; no crash (SIGSEGV would be -11)
    output = result.stdout + result.stderr
    assert not RAW_HDF5.search(output), output
    points = small_fs / "demo" / "data_scans" / "2.1.points.h5"
    assert re.search(r"Scan 2 needs about [\d.]+ MB in .*data_scans but only [\d.]+ kB are free: "
                     r"it will stop when the disk is full\.", output), output
    stopped = re.search(rf"Scan 2 stopped: cannot write {re.escape(str(points))}: the disk is full "
                        r"\([\d.]+ (?:bytes|kB) free, the scan needs about [\d.]+ MB more\); "
                        r"its first (\d+) points are kept\.", output)
    assert stopped, output
    kept = int(stopped.group(1))
    assert "ALIVE FAILURE" in result.stdout, result.stdout

    data_file = small_fs / "demo" / "data.h5"
    with h5py.File(data_file, "r") as f:  # earlier entries intact, plain open
        assert f["1.1/end_reason"].asstr()[()] == "SUCCESS" and f["1.1/measurement/diode3"].shape == (5,)
    with h5py.File(data_file, "r", swmr=True) as f:  # the stopped scan: its points up to the last flush
        assert f["2.1/measurement/diode"].shape[0] >= kept > 0
        assert f["2.1/measurement/diode"][kept - 1] > 0

    # recovering on the full disk: done, or one sentence saying why not
    try:
        recover_file(str(data_file))
    except NexusWriterError as exc:
        assert "\n" not in str(exc) and not RAW_HDF5.search(str(exc))
        assert "disk is full" in str(exc)
    cli = subprocess.run(CLI + ["--recover", str(data_file)], capture_output=True, text=True, timeout=60)
    assert not RAW_HDF5.search(cli.stdout + cli.stderr)
    assert len((cli.stdout + cli.stderr).strip().splitlines()) >= 1

    os.unlink(small_fs / "filler")
    recover_file(str(data_file))
    with h5py.File(data_file, "r") as f:
        entry = f["2.1"]
        assert entry["end_reason"].asstr()[()] == "FAILURE"
        assert {entry["measurement"][n].shape[0] for n in entry["measurement"]} == {entry["measurement/diode"].shape[0]}
        assert entry["measurement/diode"].shape[0] >= kept
        assert f["1.1/measurement/diode3"].shape == (5,)
    assert recover_file(str(data_file)) == [f"{data_file}: nothing to recover"]
