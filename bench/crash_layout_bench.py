"""The cost of the crash-safe layout (each scan in files of its own, the data file a
set of external links) against the single-file layout it replaced, in the same run.

    python bench/crash_layout_bench.py [--entries 1000] [--baseline ef6662e]

The single-file writer is the ``bliss_lite`` of git commit ``--baseline`` (extracted
with ``git archive`` into a temporary directory and run from there, in its own
processes).  For each layout, in fresh processes: the writer driven with synthetic
scan events (3 counters, 1 motor, two timers) — scans per second for small scans (10
points) and points per second for a 100 000-point scan; then a data file of
``--entries`` small scans — the time to open it, list the entries and read one
channel of one entry, and the bytes on disk per scan.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

MEASURE = r"""
import json, os, sys, time
import numpy
from bliss_lite.devices.protocols import ChannelSpec
from bliss_lite.nexus import NexusWriter
try:
    from bliss_lite.events import ScanEnd, ScanPoints, ScanStart
except ImportError:  # the baseline's names
    from bliss_lite.scanning.events import ScanEnd, ScanPoints, ScanStart

what, directory, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
filename = os.path.join(directory, "data.h5")
SPECS = [ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer"),
         ChannelSpec("epoch", "timer:epoch", "s", kind="timer"),
         ChannelSpec("roby", "axis:roby", "mm", kind="motor")]
SPECS += [ChannelSpec(f"c{i}", f"ctrl:c{i}", "counts", attrs={"type": "sampling"}) for i in range(3)]

class Scan:
    def __init__(self, number, npoints):
        self.scan_info = {"save": True, "writer": "hdf5", "filename": filename, "scan_nb": number,
                          "title": f"loopscan {npoints} 0", "type": "loopscan", "npoints": npoints,
                          "count_time": 0.0, "start_time": "2026-01-01T00:00:00+00:00",
                          "positioners": {"positioners_start": {"roby": 0.0, "robz": 1.0}}}

def scan(number, npoints, block=5000):
    s = Scan(number, npoints)
    writer = NexusWriter.for_scan(s)
    writer.scan_start(ScanStart(s, s.scan_info, SPECS))
    values = numpy.random.random(min(block, npoints))
    for first in range(0, npoints, block):
        n = min(block, npoints - first)
        writer.scan_points(ScanPoints(s, first, {c.fullname: values[:n] for c in SPECS}))
    writer.scan_end(ScanEnd(s, {**s.scan_info, "end_reason": "SUCCESS"}, npoints))

def disk_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.stat(os.path.join(root, f)).st_blocks * 512 for f in files)
    return total

if what == "small":        # scans per second, small scans, into a fresh file
    t0 = time.perf_counter()
    for n in range(1, count + 1):
        scan(n, 10)
    print(json.dumps({"scans_per_s": count / (time.perf_counter() - t0),
                      "bytes_per_scan": disk_bytes(directory) / count}))
elif what == "big":        # points per second of one big scan
    t0 = time.perf_counter()
    scan(1, count)
    print(json.dumps({"points_per_s": count / (time.perf_counter() - t0)}))
elif what == "fill":       # a file of `count` small scans; the last 20 timed
    for n in range(1, count - 19):
        scan(n, 10)
    t0 = time.perf_counter()
    for n in range(count - 19, count + 1):
        scan(n, 10)
    print(json.dumps({"scan_ms_at_end": (time.perf_counter() - t0) / 20 * 1000,
                      "bytes_per_scan": disk_bytes(directory) / count}))
elif what == "open":       # open, list, read one channel of one entry (fresh process)
    import h5py
    t0 = time.perf_counter()
    with h5py.File(filename, "r") as f:
        names = list(f)
        t_list = time.perf_counter() - t0
        data = f[names[len(names) // 2] + "/measurement/c0"][()]
    total = time.perf_counter() - t0
    print(json.dumps({"entries": len(names), "list_ms": t_list * 1000, "list_and_read_ms": total * 1000,
                      "read_points": len(data)}))
"""


def run(pythonpath: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    out = subprocess.run([sys.executable, "-c", MEASURE, *args], env=env, capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir()).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(pythonpath: str, entries: int, work: Path) -> dict:
    result: dict = {}
    for name, what, count in (("small", "small", 200), ("big", "big", 100_000)):
        d = work / name
        d.mkdir()
        result.update(run(pythonpath, what, str(d), str(count)))
    d = work / "many"
    d.mkdir()
    filled = run(pythonpath, "fill", str(d), str(entries))
    result["scan_ms_at_end"] = filled["scan_ms_at_end"]
    result["bytes_per_scan_many"] = filled["bytes_per_scan"]
    opens = [run(pythonpath, "open", str(d), "0") for _ in range(5)]
    opens.sort(key=lambda r: r["list_and_read_ms"])
    result.update({k: opens[2][k] for k in ("entries", "list_ms", "list_and_read_ms")})
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--baseline", default="ef6662e", help="git commit of the single-file layout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        old = tmp_path / "baseline"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "bliss_lite"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        (old / "bliss_lite" / "_version.py").write_text('__version__ = "baseline"\n')
        figures = {}
        for label, path in (("single file", str(old)), ("crash-safe", str(REPO))):
            work = tmp_path / label.replace(" ", "_")
            work.mkdir()
            t0 = time.perf_counter()
            figures[label] = measure(path, args.entries, work)
            figures[label]["bench_s"] = time.perf_counter() - t0
    single, safe = figures["single file"], figures["crash-safe"]
    rows = [
        ("small scans (10 points) per second", "scans_per_s", "{:.0f}"),
        ("one 100 000-point scan, points per second", "points_per_s", "{:.0f}"),
        (f"one small scan into a file of {args.entries} entries, ms", "scan_ms_at_end", "{:.1f}"),
        (f"open + list {args.entries} entries, ms", "list_ms", "{:.1f}"),
        (f"open + list {args.entries} entries + read one channel, ms", "list_and_read_ms", "{:.1f}"),
        ("disk bytes per small scan (200 scans)", "bytes_per_scan", "{:.0f}"),
        (f"disk bytes per small scan ({args.entries} scans)", "bytes_per_scan_many", "{:.0f}"),
    ]
    for text, key, fmt in rows:
        ratio = safe[key] / single[key] if single[key] else float("nan")
        print(f"{text}: crash-safe {fmt.format(safe[key])}, single file {fmt.format(single[key])} "
              f"(x{ratio:.2f})")


if __name__ == "__main__":
    main()
