"""The live plot window's figures (needs the flint extra; runs offscreen).

    python bench/plot_bench.py [--points 1000] [--frames 100] [--throughput 20000] [--repeats 3]

One JSON line per figure:

* ``curve``: an ``ascan`` of ``--points`` points at 10 ms/point; per point, the time
  from its acquisition (its ``epoch``) to the first redraw of the curve showing it;
* ``image``: ``--frames`` 1024 x 1024 uint16 frames at 20 frames/s; per frame drawn
  (the window draws the latest frame only), acquisition → drawn;
* ``throughput``: ``ascan(fastm, 0, 1, N, 0, 3 counters)`` points/s with the window
  closed and open, alternating in this one run; the slowdown is the ratio of medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy

BEAMLINE = Path(__file__).resolve().parent / "beamline"


class Camera:
    """A 1024 x 1024 uint16 camera (a Counter by protocol), a frame per point."""

    name = "cam"
    fullname = "bench:cam"

    def __init__(self) -> None:
        rng = numpy.random.default_rng(0)
        self.frames = [rng.poisson(100, (1024, 1024)).astype(numpy.uint16) for _ in range(4)]
        self.index = 0

    def channels(self):
        from bliss_lite.events import ChannelSpec

        return [ChannelSpec("image", "cam:image", dtype="uint16", shape=(1024, 1024))]

    def read(self, count_time):
        self.index += 1
        return (self.frames[self.index % len(self.frames)],)


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    return {"median_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * values[min(len(values) - 1, int(0.95 * len(values)))], 1),
            "n": len(values)}


def wait_drawn(window, uid: str, view: str, index: int, timeout: float = 60.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = [e for e in window.draw_log(uid) if e[0] == view]
        if log and log[-1][1] >= index:
            return log
        time.sleep(0.1)
    raise RuntimeError(f"the window never drew point {index} of its {view}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--throughput", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.mkdtemp(prefix="plot_bench_")
    os.environ.setdefault("BLISS_LITE_STATE_DIR", os.path.join(tmp, "state"))
    from bliss_lite import open_session

    session = open_session("bench", root=BEAMLINE, verbose=False)
    env = session.env
    env["SCAN_SAVING"].base_path = os.path.join(tmp, "scans")
    env["SCAN_DISPLAY"].mode = "off"
    counters = (env["diode"], env["diode2"], env["diode3"])
    env["loopscan"](1, 0, *counters)  # warm-up
    window = env["flint"]().wait_started(120)

    scan = env["ascan"](env["fastm"], 0, 1, args.points - 1, 0.01, *counters)
    log = wait_drawn(window, scan.key.uid, "curve", args.points - 1)
    epochs = scan.get_data()["epoch"]
    latencies, j = [], 0
    for i, acquired in enumerate(epochs):
        while log[j][1] < i:
            j += 1
        latencies.append(log[j][3] - acquired)
    print(json.dumps({"case": f"curve: ascan {args.points} points at 10 ms/point, acquired -> drawn",
                      **percentiles(latencies)}), flush=True)

    camera = Camera()
    scan = env["loopscan"](args.frames, 0.05, camera)
    log = wait_drawn(window, scan.key.uid, "image", args.frames - 1)
    epochs = scan.get_data()["epoch"]
    latencies = [drawn - epochs[index] for _, index, _, drawn in log]
    print(json.dumps({"case": f"image: {args.frames} frames of 1024x1024 uint16 at 20 frames/s, "
                      f"acquired -> drawn (frames drawn: {len(set(e[1] for e in log))})",
                      **percentiles(latencies)}), flush=True)

    rates: dict[str, list[float]] = {"closed": [], "open": []}
    for _ in range(args.repeats):
        for state in ("closed", "open"):
            if state == "closed":
                env["flint"]().close()
            else:
                window = env["flint"]().wait_started(120)
            t0 = time.perf_counter()
            scan = env["ascan"](env["fastm"], 0, 1, args.throughput - 1, 0, *counters)
            rates[state].append(args.throughput / (time.perf_counter() - t0))
    closed, opened = statistics.median(rates["closed"]), statistics.median(rates["open"])
    print(json.dumps({"case": f"throughput: ascan {args.throughput} points, 3 counters",
                      "closed_points_s": round(closed), "open_points_s": round(opened),
                      "slowdown_percent": round(100 * (closed - opened) / closed, 1),
                      "runs": {k: [round(v) for v in vs] for k, vs in rates.items()}}), flush=True)
    session.close()


if __name__ == "__main__":
    sys.exit(main())
