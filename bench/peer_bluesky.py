"""The peer side of the throughput cases: Bluesky + ophyd's simulated devices.

Run in the peer's own venv: ``python bench/peer_bluesky.py count|scan N``.
Prints one JSON line: {"case": ..., "npoints": ..., "seconds": ...} where seconds is
the wall time of the plan alone (RunEngine and devices already built, one
1-point count run first to warm up).
"""

import json
import sys
import time


def main() -> None:
    case, npoints = sys.argv[1], int(sys.argv[2])
    from bluesky import RunEngine
    from bluesky.plans import count, scan
    from ophyd.sim import det, det1, det2, motor

    RE = RunEngine({})
    RE(count([det1, det2, det], num=1))  # warm-up, as on the bliss_lite side
    if case == "count":
        plan = count([det1, det2, det], num=npoints)
    elif case == "scan":
        # Bluesky's scan counts num points from start to stop: N intervals = N+1 points.
        plan = scan([det1, det2, det], motor, 0, 1, npoints + 1)
    else:
        raise SystemExit(f"unknown case {case!r}")
    t0 = time.perf_counter()
    RE(plan)
    seconds = time.perf_counter() - t0
    print(json.dumps({"case": case, "npoints": npoints, "seconds": seconds}))


if __name__ == "__main__":
    main()
