"""Images in the file while and after a scan: a SWMR reader in another process reads
every compressed frame as it is written; a long image scan keeps its memory bounded
whatever its number of frames."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import hdf5plugin  # noqa: F401
import numpy
import pytest

from bliss_lite import open_session

BEAMLINE = {
    "config/cams.yml": """\
        - name: cam
          class: Lima
          width: {width}
          height: {height}
          disable_bpm: true
        """,
    "sessions/lab.yml": """\
        - class: Session
          name: lab
        """,
}


def make_beamline(root: Path, width: int = 256, height: int = 256) -> Path:
    for relative, text in BEAMLINE.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).format(width=width, height=height))
    return root


READER = r"""
import json, sys, time
import h5py, hdf5plugin
filename, path, status_path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
deadline = time.time() + 60
sums, live = {}, 0
while time.time() < deadline:
    try:
        f = h5py.File(filename, "r", swmr=True, locking=False)
    except OSError:
        time.sleep(0.01)
        continue
    with f:
        if path not in f:
            time.sleep(0.01)
            continue
        dataset, status = f[path], f[status_path]
        while len(sums) < n and time.time() < deadline:
            dataset.refresh()
            status.refresh()
            running = status[()] in (b"RUNNING", b"STARTING")
            for i in range(len(sums), dataset.shape[0]):
                sums[i] = int(dataset[i].sum(dtype="int64"))
                live += running
            time.sleep(0.005)
    break
print(json.dumps({"sums": [sums[i] for i in sorted(sums)], "live": live}))
"""


def test_swmr_reader_in_another_process_reads_compressed_frames(tmp_path):
    root = make_beamline(tmp_path / "beamline")
    session = open_session("lab", root=root, verbose=False)
    env = session.env
    env["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    env["SCAN_DISPLAY"].mode = "off"
    try:
        filename = env["SCAN_SAVING"].filename
        n = 30
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, filename, "/1.1/instrument/cam/data",
             "/1.1/writer/status", str(n)], stdout=subprocess.PIPE, text=True)
        scan = env["loopscan"](n, 0.05, env["cam"])
        out, _ = reader.communicate(timeout=90)
    finally:
        session.close()
    result = json.loads(out)
    with h5py.File(scan.filename, "r") as f:
        dataset = f["1.1/instrument/cam/data"]
        plist = dataset.id.get_create_plist()
        assert plist.get_filter(0)[0] == 32008
        expected = [int(frame.sum(dtype="int64")) for frame in dataset]
    assert result["sums"] == expected          # every frame, identical
    assert result["live"] > 0                  # read while the scan was running


MEMORY_SCRIPT = r"""
import resource, sys
from bliss_lite import open_session
root, scans, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_session("lab", root=root, verbose=False) as session:
    env = session.env
    env["SCAN_SAVING"].base_path = scans
    env["SCAN_DISPLAY"].mode = "off"
    env["loopscan"](2, 0, env["cam"])                      # warm-up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scan = env["loopscan"](n, 0, env["cam"])
    frames = scan.get_data()["cam:image"]
    assert len(frames) == n and frames[n - 1].shape == (1024, 1024)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before // 1024, after // 1024)
"""


@pytest.mark.parametrize("n", [2000])
def test_memory_of_a_long_image_scan_is_bounded(tmp_path, n):
    """2 000 frames of 1024 x 1024 uint16 (4.2 GB raw): the peak RSS grows by no more
    than the in-memory ring, the engine's blocks and the writer's buffers, whatever N."""
    root = make_beamline(tmp_path / "beamline", 1024, 1024)
    peaks = {}
    for count in (200, n):
        out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(root), str(tmp_path / f"s{count}"),
                              str(count)], capture_output=True, text=True, timeout=600, check=True).stdout
        before, after = (int(v) for v in out.split())
        peaks[count] = after
        for path in (tmp_path / f"s{count}").rglob("*.h5"):
            path.unlink()                                 # 1 GB+ of test data
    # ring 64 MB + one block of 64 MB in the engine + its copies: a few hundred MB at most
    assert peaks[n] < 700, peaks
    assert peaks[n] - peaks[200] < 100, peaks             # independent of N
