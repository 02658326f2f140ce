"""Scans through the data Redis (issue 17): end-to-end points/s and latency from
acquisition to a follower in another process (0-D scans, 1024² images), the scan's own
throughput with publishing on and off, Redis memory per 100 k points.

    python bench/streaming_bench.py [--quick]       (needs the redis extra)

Prints one line per figure.  Latency of a point = the moment the follower process has
it decoded minus the point's own ``epoch`` (both clocks are this machine's).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


class ImageDetector:
    def __init__(self, shape=(1024, 1024)):
        self.name, self.fullname, self.shape = "cam", "cam_controller:cam", shape
        self._frame = numpy.random.default_rng(0).poisson(100, shape).astype("uint16")

    def channels(self):
        from bliss_lite.events import ChannelSpec

        return [ChannelSpec("cam_image", "cam_controller:cam_image", dtype="uint16", shape=self.shape)]

    def read(self, count_time):
        return (self._frame,)


def follower(url: str, scans: int) -> None:
    """Child process: follow ``scans`` scans; print per block (arrival, first epoch, n)."""
    from bliss_lite.streaming import parse_redis_url
    from bliss_lite.streaming.reader import follow_scans

    rows = []

    class Recorder:
        def scan_start(self, event):
            rows.append(("start", time.time()))

        def scan_points(self, event):
            now = time.time()
            epochs = event.data["timer:epoch"]
            rows.append(("points", now, float(epochs[0]), float(epochs[-1]), len(event)))

        def scan_end(self, event):
            rows.append(("end", time.time()))

    follow_scans(parse_redis_url(url), "bench", Recorder(), max_scans=scans,
                 ready=lambda: print("ready", flush=True))
    print(json.dumps(rows), flush=True)


def _session(url, base):
    from bliss_lite import open_session

    session = open_session("bench", root=HERE / "beamline", verbose=False, data_redis=url)
    session.env["SCAN_SAVING"].base_path = base
    session.env["SCAN_DISPLAY"].mode = "off"
    return session


def end_to_end(url: str, base: str, label: str, run) -> None:
    child = subprocess.Popen([sys.executable, __file__, "--follow", url], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    session = _session(url, base)
    try:
        t0 = time.time()
        scan = run(session.env)
        session.publishing.wait_idle(120)
        rows = json.loads(child.stdout.readline())
        child.wait(60)
    finally:
        session.close()
    points = [r for r in rows if r[0] == "points"]
    n = sum(r[4] for r in points)
    latency = [(r[1] - r[3]) * 1e3 for r in points]  # newest point of each block
    oldest = [(r[1] - r[2]) * 1e3 for r in points]
    span = points[-1][1] - t0
    print(f"{label}: {n} points to the follower in {span:.2f} s = {n / span:,.0f} points/s end to end; "
          f"latency (newest point of a block) median {statistics.median(latency):.1f} ms, "
          f"p95 {numpy.percentile(latency, 95):.1f} ms; oldest point of a block median "
          f"{statistics.median(oldest):.1f} ms, p95 {numpy.percentile(oldest, 95):.1f} ms "
          f"({len(points)} blocks, scan {scan.scan_number})", flush=True)


def on_off(url: str, base: str, n: int, runs: int) -> None:
    from bliss_lite import open_session

    rates = {"off": [], "on": []}
    with open_session("bench", root=HERE / "beamline", verbose=False) as plain:
        plain.env["SCAN_SAVING"].base_path = base
        plain.env["SCAN_DISPLAY"].mode = "off"
        published = _session(url, base)
        try:
            for _ in range(runs):
                for mode, session in (("off", plain), ("on", published)):
                    env = session.env
                    counters = [env["diode"], env["diode2"], env["diode3"]]
                    t = time.perf_counter()
                    env["loopscan"](n, 0, *counters)
                    rates[mode].append(n / (time.perf_counter() - t))
                    if mode == "on":
                        session.publishing.wait_idle(120)
        finally:
            published.close()
    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    print(f"loopscan({n}, 0, 3 counters) with the file: publishing off {off:,.0f} points/s, "
          f"on {on:,.0f} points/s ({(off - on) / off * 100:+.1f} % slower), median of {runs} pairs", flush=True)


def memory(url: str, base: str, n: int = 100_000) -> None:
    import redis

    client = redis.Redis.from_url(url)
    session = _session(url, base)
    try:
        env = session.env
        env["loopscan"](2, 0, env["diode"], env["diode2"], env["diode3"])
        session.publishing.wait_idle(60)
        before = client.info("memory")["used_memory"]
        scan = env["loopscan"](n, 0, env["diode"], env["diode2"], env["diode3"])
        session.publishing.wait_idle(120)
        after = client.info("memory")["used_memory"]
    finally:
        session.close()
    channels = len(scan.channels)
    print(f"Redis memory for {n:,} points x {channels} float64 channels: {(after - before) / 1e6:.1f} MB "
          f"({(after - before) / (n * channels):.1f} bytes per value; raw 8)", flush=True)


def main() -> None:
    if "--follow" in sys.argv:
        return follower(sys.argv[sys.argv.index("--follow") + 1], 1)
    quick = "--quick" in sys.argv
    from bliss_lite.streaming.local import LocalRedis

    with LocalRedis() as server, tempfile.TemporaryDirectory() as base:
        url = server.url.url
        n0 = 20_000 if quick else 100_000
        end_to_end(url, base, f"loopscan({n0}, 0, 3 counters)",
                   lambda env: env["loopscan"](n0, 0, env["diode"], env["diode2"], env["diode3"]))
        end_to_end(url, base, "loopscan(200, 0.01, 3 counters) (paced)",
                   lambda env: env["loopscan"](200, 0.01, env["diode"], env["diode2"], env["diode3"]))
        frames = 20 if quick else 100
        end_to_end(url, base, f"loopscan({frames}, 0, 1024x1024 uint16 images)",
                   lambda env: env["loopscan"](frames, 0, ImageDetector()))
        on_off(url, base, 20_000 if quick else 100_000, 3 if quick else 5)
        memory(url, base)


if __name__ == "__main__":
    main()
