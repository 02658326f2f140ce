"""The bliss_lite side of the bench: one case per process, one JSON line out.

    python bench/lite_case.py loopscan|ascan N hdf5|null
    python bench/lite_case.py fidelity
    python bench/lite_case.py memory N hdf5|null [loopscan|ascan|amesh]
    python bench/lite_case.py metadata
    python bench/lite_case.py motion N
    python bench/lite_case.py chain|chain_generic N hdf5|null

Scans run in the bench beamline (bench/beamline) with the display off and files in
a temporary directory; seconds are the wall time of the scan call alone.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

BEAMLINE = Path(__file__).resolve().parent / "beamline"


def _session(name: str, writer: str, tmp: str):
    os.environ.setdefault("BLISS_LITE_STATE_DIR", os.path.join(tmp, "state"))
    from bliss_lite import open_session

    session = open_session(name, root=BEAMLINE, verbose=False)
    env = session.env
    env["SCAN_SAVING"].base_path = os.path.join(tmp, "scans")
    env["SCAN_SAVING"].writer = writer
    env["SCAN_DISPLAY"].mode = "off"
    return session, env


def throughput(case: str, npoints: int, writer: str, tmp: str) -> dict:
    session, env = _session("bench", writer, tmp)
    counters = (env["diode"], env["diode2"], env["diode3"])
    env["loopscan"](1, 0, *counters)  # warm-up: one-time imports, as the peer's are
    if case == "loopscan":
        run = lambda: env["loopscan"](npoints, 0, *counters)  # noqa: E731
    elif case.startswith("chain"):
        run = lambda: _chain_scan(env, npoints, counters, generic=case == "chain_generic")  # noqa: E731
    else:
        run = lambda: env["ascan"](env["fastm"], 0, 1, npoints, 0, *counters)  # noqa: E731
    t0 = time.perf_counter()
    scan = run()
    seconds = time.perf_counter() - t0
    done = len(scan.get_data()["diode"])
    session.close()
    return {"seconds": seconds, "npoints": done}


def _chain_scan(env: dict, npoints: int, counters: tuple, generic: bool):
    """A custom chain, BLISS's way: LinearStepTriggerMaster over a timer over the
    counters (``generic``: plus a user's slave, so the chain runs the generic loop)."""
    from bliss.scanning.acquisition.motor import LinearStepTriggerMaster
    from bliss.scanning.acquisition.timer import SoftwareTimerMaster
    from bliss.scanning.chain import AcquisitionChain, AcquisitionSlave
    from bliss.scanning.channel import AcquisitionChannel
    from bliss.scanning.scan import Scan
    from bliss.scanning.toolbox import ChainBuilder

    chain = AcquisitionChain()
    timer = SoftwareTimerMaster(0, npoints=npoints + 1)
    chain.add(LinearStepTriggerMaster(npoints + 1, env["fastm"], 0, 1), timer)
    for node in ChainBuilder(counters).nodes:
        node.set_parameters(acq_params={"count_time": 0, "npoints": npoints + 1})
        chain.add(timer, node)
    if generic:
        class Index(AcquisitionSlave):
            def __init__(self):
                super().__init__(name="index")
                self.channels.append(AcquisitionChannel("index:i", float, ()))
                self.i = 0

            def prepare(self): pass
            def start(self): pass
            def stop(self): pass

            def trigger(self):
                self.channels[0].emit(float(self.i))
                self.i += 1

        chain.add(timer, Index())
    scan = Scan(chain, name="chainscan")
    scan.run()
    return scan


def fidelity(tmp: str) -> dict:
    session, env = _session("bench", "null", tmp)
    env["loopscan"](1, 0, env["diode"])  # warm-up: the first scan pays one-time imports
    t0 = time.perf_counter()
    env["loopscan"](20, 0.05, env["diode"])
    seconds = time.perf_counter() - t0
    session.close()
    return {"seconds": seconds, "overhead": seconds - 1.0}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def memory(npoints: int, writer: str, tmp: str, kind: str = "loopscan") -> dict:
    """Peak RSS growth of one scan over its raw data, before its first point (the scan
    built with ``run=False``) and at its peak."""
    session, env = _session("bench", writer, tmp)
    if kind == "loopscan":
        build = lambda n: env["loopscan"](n, 0, env["diode"], run=False)  # noqa: E731
    elif kind == "ascan":
        build = lambda n: env["ascan"](env["fastm"], 0, 1, n - 1, 0, env["diode"], run=False)  # noqa: E731
    else:   # a square mesh of about n points
        def build(n: int):
            side = max(2, round(n ** 0.5))
            return env["amesh"](env["fastm"], 0, 1, side - 1, env["fastm2"], 0, 1, side - 1, 0,
                                env["diode"], run=False)
    build(10).run()  # warm every code path once
    baseline = _rss_mb()
    scan = build(npoints)
    before = _rss_mb()
    scan.run()
    peak = _rss_mb()
    data = scan.get_data()
    raw = sum(data[name].nbytes for name in data) / 1e6
    session.close()
    return {"growth_mb": peak - baseline, "raw_mb": raw, "ratio": (peak - baseline) / raw,
            "before_first_point_ratio": (before - baseline) / raw}


def metadata(tmp: str) -> dict:
    """Per-scan cost of gathering metadata: a 1-point loopscan in a session with an
    empty registry, then in one with 50 statics + 5 generators (median of 20)."""
    out = {}
    for name in ("bench", "bench_meta"):
        session, env = _session(name, "null", tmp)
        times = []
        for _ in range(21):
            t0 = time.perf_counter()
            env["loopscan"](1, 0, env["diode"])
            times.append(time.perf_counter() - t0)
        times = sorted(times[1:])
        out[name] = times[len(times) // 2]
        session.close()
    return {"empty_registry_scan_s": out["bench"], "loaded_registry_scan_s": out["bench_meta"],
            "metadata_cost_s": out["bench_meta"] - out["bench"]}


def motion(npoints: int, tmp: str) -> dict:
    """Per-move overhead (simulated clock: zero motion time) of a mockup axis and of a
    calc axis over its real, and ascan throughput over a slits gap (4 blades)."""
    from bliss_lite.devices import SimulatedClock

    session, env = _session("bench_motion", "hdf5", tmp)
    clock = SimulatedClock()
    for name in ("fastm", "bu"):
        session.config.get(name).controller.clock = clock
    out = {}
    for key, axis in (("mockup_move_us", env["fastm"]), ("calc_move_us", env["bcalc"])):
        axis.move(1.0)
        t0 = time.perf_counter()
        for i in range(npoints):
            axis.move(float(i % 2))
        out[key] = (time.perf_counter() - t0) / npoints * 1e6
    counters = (env["diode"], env["diode2"], env["diode3"])
    env["ascan"](env["bvg"], 0, 1, 10, 0, *counters)  # warm-up
    t0 = time.perf_counter()
    scan = env["ascan"](env["bvg"], 0, 1, npoints, 0, *counters)
    seconds = time.perf_counter() - t0
    out["slits_ascan_points_per_s"] = len(scan.get_data()["diode"]) / seconds
    session.close()
    return out


def main(argv: list[str]) -> None:
    case = argv[0]
    with tempfile.TemporaryDirectory(prefix="bliss_lite_bench_") as tmp:
        if case in ("loopscan", "ascan", "chain", "chain_generic"):
            result = throughput(case, int(argv[1]), argv[2], tmp)
        elif case == "fidelity":
            result = fidelity(tmp)
        elif case == "memory":
            result = memory(int(argv[1]), argv[2], tmp, *argv[3:4])
        elif case == "metadata":
            result = metadata(tmp)
        elif case == "motion":
            result = motion(int(argv[1]), tmp)
        else:
            raise SystemExit(f"unknown case {case!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
