"""NeXus writer benchmark: cost per point and per block, file size per point, and the
time from a point's acquisition to its visibility to a SWMR reader in another process.

    /work/venv/bin/python bench/writer_bench.py [--counters 5] [--points 250000]

The writer is driven with synthetic scan events shaped like the engine's (timer
channels, one motor, N counters; blocks of 0.1 s of points); a last part runs real
``loopscan``s of the demo session with the writer on and off.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy

from bliss_lite.devices.protocols import ChannelSpec
from bliss_lite.nexus import NexusWriter
from bliss_lite.events import ScanEnd, ScanPoints, ScanStart


class Scan:
    def __init__(self, filename: str, number: int, npoints: int) -> None:
        self.scan_info = {"save": True, "writer": "hdf5", "filename": filename, "scan_nb": number,
                          "title": f"bench {npoints}", "type": "loopscan", "npoints": npoints,
                          "count_time": 0.0, "start_time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def channels(ncounters: int) -> list[ChannelSpec]:
    specs = [ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer"),
             ChannelSpec("epoch", "timer:epoch", "s", kind="timer"),
             ChannelSpec("roby", "axis:roby", "mm", kind="motor")]
    specs += [ChannelSpec(f"c{i}", f"ctrl:c{i}", "counts", attrs={"type": "sampling", "mode": "MEAN"})
              for i in range(ncounters)]
    return specs


def run_writer(filename: str, number: int, specs: list[ChannelSpec], npoints: int, block: int) -> dict:
    """Write one scan of ``npoints`` in blocks of ``block``; times each phase."""
    scan = Scan(filename, number, npoints)
    writer = NexusWriter.for_scan(scan)
    t0 = time.perf_counter()
    writer.scan_start(ScanStart(scan, scan.scan_info, specs))
    t_start = time.perf_counter() - t0
    values = numpy.random.random(block)
    times = []
    for first in range(0, npoints, block):
        n = min(block, npoints - first)
        data = {spec.fullname: values[:n] for spec in specs}
        t = time.perf_counter()
        writer.scan_points(ScanPoints(scan, first, data))
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    writer.scan_end(ScanEnd(scan, {**scan.scan_info, "end_reason": "SUCCESS"}, npoints))
    t_end = time.perf_counter() - t
    return {"start_ms": t_start * 1e3, "end_ms": t_end * 1e3, "block_ms": statistics.median(times) * 1e3,
            "block_max_ms": max(times) * 1e3, "us_per_point": sum(times) / npoints * 1e6}


FOLLOW = r"""
import json, sys, time, h5py
filename, total = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
dataset = None
while dataset is None:
    try:
        f = h5py.File(filename, "r", swmr=True)
        dataset = f["1.1/instrument/epoch/value"]
    except (OSError, KeyError):
        time.sleep(0.001)
seen, n = [], 0
while n < total:
    dataset.refresh()
    new = dataset.shape[0]
    if new > n:
        now = time.time()
        seen.append((n, new, now))
        n = new
    time.sleep(0.001)
print(json.dumps(seen), flush=True)
"""


def latency(directory: str, rate: float, seconds: float, block_period: float = 0.1) -> dict:
    """Points acquired at ``rate`` per second, handed over in blocks every
    ``block_period`` (as the engine does); a reader process notes when each
    point becomes visible.  Latency = visible - acquired."""
    filename = os.path.join(directory, f"latency_{rate:g}.h5")
    total = int(rate * seconds)
    specs = channels(3)
    scan = Scan(filename, 1, total)
    writer = NexusWriter.for_scan(scan)
    writer.scan_start(ScanStart(scan, scan.scan_info, specs))
    reader = subprocess.Popen([sys.executable, "-c", FOLLOW, filename, str(total)], stdout=subprocess.PIPE, text=True)
    reader.stdout.readline()
    time.sleep(0.5)  # let the reader open the file
    acquired = numpy.empty(total)
    first, t0 = 0, time.time()
    last_block = t0 - block_period
    for i in range(total):
        target = t0 + i / rate
        delay = target - time.time()
        if delay > 0:
            time.sleep(delay)
        acquired[i] = time.time()
        if acquired[i] - last_block >= block_period or i == total - 1:
            data = {spec.fullname: acquired[first:i + 1] for spec in specs}
            writer.scan_points(ScanPoints(scan, first, data))
            first, last_block = i + 1, acquired[i]
    seen = json.loads(reader.stdout.readline())
    reader.wait()
    writer.scan_end(ScanEnd(scan, {**scan.scan_info, "end_reason": "SUCCESS"}, total))
    delays = []
    for start, stop, when in seen:
        delays.extend(when - acquired[start:stop])
    return {"median_ms": statistics.median(delays) * 1e3, "max_ms": max(delays) * 1e3, "points": len(delays)}


def engine(directory: str, npoints: int) -> dict:
    """Real loopscans of the bench beamline, count time 0: points per second."""
    os.environ.setdefault("BLISS_LITE_STATE_DIR", os.path.join(directory, "state"))
    from bliss_lite import open_session

    result = {}
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "beamline")
    with open_session("bench", root=root, verbose=False) as session:
        env = session.env
        env["SCAN_SAVING"].base_path = os.path.join(directory, "engine")
        env["SCAN_DISPLAY"].mode = "off"
        for writer in ("null", "hdf5"):
            env["SCAN_SAVING"].writer = writer
            env["loopscan"](1000, 0, env["diode"], env["diode2"], env["diode3"])  # warm up
            t = time.perf_counter()
            env["loopscan"](npoints, 0, env["diode"], env["diode2"], env["diode3"])
            result[writer] = npoints / (time.perf_counter() - t)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counters", type=int, default=5)
    parser.add_argument("--points", type=int, default=250_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        specs = channels(args.counters)
        nch = len(specs)
        print(f"channels per point: {nch} (2 timers, 1 motor, {args.counters} counters), float64")
        filename = os.path.join(directory, "bench.h5")
        for number, (npoints, block) in enumerate(
                [(args.points, 2500), (args.points, 250), (2000, 1)], 1):
            r = run_writer(filename, number, specs, npoints, block)
            print(f"{npoints:>8} points in blocks of {block:>5}: {r['us_per_point']:7.2f} us/point, "
                  f"block {r['block_ms']:.3f} ms (max {r['block_max_ms']:.2f}), "
                  f"scan_start {r['start_ms']:.1f} ms, scan_end {r['end_ms']:.1f} ms")
        size_file = os.path.join(directory, "size.h5")
        run_writer(size_file, 1, specs, args.points, 2500)
        size = os.path.getsize(size_file)
        print(f"file size: {size / args.points:.1f} bytes/point ({size / args.points / nch:.2f} per value; "
              f"raw float64 = 8)")
        for rate in (10, 1000, 25000):
            r = latency(directory, rate, 3.0)
            print(f"point -> visible to a SWMR reader, {rate:>5} points/s: median {r['median_ms']:.0f} ms, "
                  f"max {r['max_ms']:.0f} ms ({r['points']} points)")
        r = engine(directory, 100_000)
        print(f"engine loopscan(100000, 0, 3 diodes): writer null {r['null']:,.0f} points/s, "
              f"writer hdf5 {r['hdf5']:,.0f} points/s")


if __name__ == "__main__":
    main()
