"""The cost of the scan events' wire form (bliss_lite.events): to_bytes() and
from_bytes() of a block of 2 500 points x 8 float64 channels, and of a START event
carrying a realistic scan_info (50 metadata entries).  One JSON line out.

    python bench/wire_bench.py [repeats]
"""

from __future__ import annotations

import json
import sys
import time

import numpy

from bliss_lite.events import ScanKey, ScanPoints, ScanStart, from_bytes

KEY = ScanKey("bench", 1, "/tmp/bench/data.h5")


def per_call(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main(repeats: int) -> dict:
    block = ScanPoints(KEY, 0, {f"ctrl:ch{i}": numpy.random.random(2500) for i in range(8)})
    data = block.to_bytes()
    info = {"title": "ascan fastm 0 1 2499 0", "npoints": 2500, "count_time": 0.0,
            "instrument": {f"dev{i}": {"@NX_class": "NXcollection", "value": float(i), "unit": "mm",
                                       "matrix": numpy.eye(3)} for i in range(50)}}
    start = ScanStart(KEY, info, [])
    start_data = start.to_bytes()
    encode = per_call(block.to_bytes, repeats)
    decode = per_call(lambda: from_bytes(data), repeats)
    return {
        "block_points": 2500, "block_channels": 8, "block_bytes": len(data),
        "raw_bytes": 2500 * 8 * 8,
        "to_bytes_ms": encode * 1e3, "from_bytes_ms": decode * 1e3,
        "per_point_us": (encode + decode) / 2500 * 1e6,
        "start_bytes": len(start_data),
        "start_to_bytes_ms": per_call(start.to_bytes, repeats) * 1e3,
        "start_from_bytes_ms": per_call(lambda: from_bytes(start_data), repeats) * 1e3,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)))
