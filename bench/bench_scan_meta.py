"""Metadata overhead per scan (issue 5): how long ``scan_meta`` gathering takes.

Run: ``python bench/bench_scan_meta.py [repeats]``.  Prints one JSON line per case
with the median time, in ms, of a registry copy plus START, PREPARED and END
gathering (and of each timing), for:

* ``default``: the default registry (two static entries), no motors, no devices;
* ``statics50``: 50 static entries (target: < 1 ms per scan);
* ``statics50_gen5``: 50 static entries + 5 fast generators;
* ``statics50_gen5_motors10_devices2``: the same with 10 motors and 2 devices
  publishing metadata (a MultiplePositions-like load).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from bliss_lite import scan_meta
from bliss_lite.scan_meta import META_TIMING

TIMINGS = (META_TIMING.START, META_TIMING.PREPARED, META_TIMING.END)


class _Scan:
    def __init__(self) -> None:
        self.scan_info: dict = {}
        self.state = 1
        self.name = "loopscan"
        self.scan_number = 1


class _Motor:
    def __init__(self, name: str) -> None:
        self.name = name
        self.position = 1.25
        self.dial = 1.25
        self.unit = "mm"


class _Device:
    scan_metadata_enabled = True

    def __init__(self, name: str) -> None:
        self.name = name

    def scan_metadata(self) -> dict:
        return {"@NX_class": "NXbeam_stop", "status": "in"}


def _registry(statics: int, generators: int) -> scan_meta.ScanMeta:
    registry = scan_meta.create_user_scan_meta()
    for i in range(statics):
        registry.instrument.set(
            f"static{i}",
            {f"device{i}": {"@NX_class": "NXcollection", "value": i, "value@units": "mm", "label": "x"}},
        )
    for i in range(generators):
        registry.technique.set(f"gen{i}", lambda scan, i=i: {f"gen{i}": {"state": scan.state}})
    return registry


def _measure(registry: scan_meta.ScanMeta, motors: list, devices: list, repeats: int) -> dict:
    totals: list[float] = []
    per_timing: dict[str, list[float]] = {t.name: [] for t in TIMINGS}
    for _ in range(repeats):
        scan = _Scan()
        t0 = time.perf_counter()
        gatherer = scan_meta.ScanMetadataGatherer(scan, registry.copy(), motors, devices, warn=lambda m: None)
        for timing in TIMINGS:
            t1 = time.perf_counter()
            gatherer.gather(timing)
            per_timing[timing.name].append(time.perf_counter() - t1)
        totals.append(time.perf_counter() - t0)
    result = {"per_scan_ms": statistics.median(totals) * 1000}
    result.update({f"{name}_ms": statistics.median(values) * 1000 for name, values in per_timing.items()})
    return result


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    motors = [_Motor(f"m{i}") for i in range(10)]
    devices = [_Device("beamstop"), _Device("att1")]
    cases = {
        "default": (_registry(0, 0), [], []),
        "statics50": (_registry(50, 0), [], []),
        "statics50_gen5": (_registry(50, 5), [], []),
        "statics50_gen5_motors10_devices2": (_registry(50, 5), motors, devices),
    }
    for case, (registry, case_motors, case_devices) in cases.items():
        result = {"case": case, "repeats": repeats}
        result.update({k: round(v, 4) for k, v in _measure(registry, case_motors, case_devices, repeats).items()})
        print(json.dumps(result))


if __name__ == "__main__":
    main()
