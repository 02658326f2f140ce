"""Run the bench suite and print the ratio table.

    python3 -m bench             every case (about 25 minutes on 2 cores)
    python -m bench --quick      N = 1 000 and 10 000 only, 3 runs
    python -m bench --runs 5 --cases loopscan,startup

Every case runs in fresh processes, bliss_lite and its peer alternating (A B A B ...),
and is reported as median [min–max]; ratios are computed pair by pair from the same
run and their median is shown.  The peer (Bluesky + ophyd, the ``bench`` extra of
pyproject.toml) is installed on first use into bench/.peer-venv, never into the
project's own environment.  Run from a fresh clone with a bare Python, the bench first
installs bliss_lite itself (editable) into bench/.lite-venv and re-runs there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LITE_VENV = HERE / ".lite-venv"
PEER_VENV = HERE / ".peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
RESULTS = HERE / "results"


def ensure_lite() -> None:
    """Run the bench where bliss_lite is installed: this interpreter if it has the
    ``bliss-lite`` command beside it, else bench/.lite-venv (made once)."""
    if shutil.which("bliss-lite", path=os.path.dirname(sys.executable)):
        return
    python = LITE_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing bliss_lite into {LITE_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(LITE_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", str(REPO)], check=True)
    os.execv(str(python), [str(python), "-m", "bench", *sys.argv[1:]])


def ensure_peer() -> Path:
    """The peer's python, installing Bluesky and ophyd into their own venv once."""
    if PEER_PYTHON.exists():
        return PEER_PYTHON
    with open(REPO / "pyproject.toml", "rb") as f:
        requirements = tomllib.load(f)["project"]["optional-dependencies"]["bench"]
    print(f"installing the peer ({', '.join(requirements)}) into {PEER_VENV} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_PYTHON), "-m", "pip", "install", "--quiet", *requirements], check=True)
    return PEER_PYTHON


def run_json(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wall(cmd: list[str], stdin: str | None = None) -> float:
    """Whole-process wall time of a command."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, input=stdin, capture_output=True, text=True, cwd="/tmp")
    return time.perf_counter() - t0


def stats(values: list[float]) -> str:
    return f"{statistics.median(values):.4g} [{min(values):.4g}–{max(values):.4g}]"


def lite(*args: str) -> list[str]:
    return [sys.executable, str(HERE / "lite_case.py"), *args]


def throughput_cases(sizes: list[int], runs: int, rows: list[dict]) -> None:
    peer = str(ensure_peer())
    for lite_case, peer_case in (("loopscan", "count"), ("ascan", "scan")):
        for n in sizes:
            reps = runs if n < 100_000 else max(2, runs // 2)
            lite_rates = {"hdf5": [], "null": []}
            peer_rates, ratios = [], {"hdf5": [], "null": []}
            for _ in range(reps):
                rates = {}
                for writer in ("hdf5", "null"):
                    r = run_json(lite(lite_case, str(n), writer))
                    rates[writer] = r["npoints"] / r["seconds"]
                    lite_rates[writer].append(rates[writer])
                p = run_json([peer, str(HERE / "peer_bluesky.py"), peer_case, str(n)])
                prate = n / p["seconds"]
                peer_rates.append(prate)
                for writer in rates:
                    ratios[writer].append(rates[writer] / prate)
            for writer in ("hdf5", "null"):
                rows.append({
                    "case": f"{lite_case}({n}, 0, 3 counters) writer={writer}",
                    "unit": "points/s",
                    "bliss_lite": stats(lite_rates[writer]),
                    "peer": f"Bluesky {peer_case}: {stats(peer_rates)}",
                    "ratio": f"{statistics.median(ratios[writer]):.1f}x",
                })
            print(f"  done {lite_case} N={n}", flush=True)


def startup_case(runs: int, rows: list[dict]) -> None:
    exe = shutil.which("bliss-lite", path=os.path.dirname(sys.executable)) or "bliss-lite"
    times = [wall([exe, "-s", "demo"], stdin="exit()\n") for _ in range(runs + 1)][1:]
    rows.append({"case": "echo 'exit()' | bliss-lite -s demo", "unit": "s (whole process)",
                 "bliss_lite": stats(times), "peer": "target <= 1.0 s", "ratio": ""})
    base = [wall([sys.executable, "-c", "pass"]) for _ in range(runs)]
    for module in ("bliss_lite", "bliss_lite.session"):
        times = [wall([sys.executable, "-c", f"import {module}"]) for _ in range(runs)]
        rows.append({"case": f"import {module} (minus bare python)", "unit": "s",
                     "bliss_lite": stats([t - b for t, b in zip(times, base)]), "peer": "",
                     "ratio": ""})


def config_size_case(runs: int, rows: list[dict]) -> None:
    """Session start-up time against the size of the configuration (one YAML file)."""
    import tempfile

    sys.path.insert(0, str(HERE))
    from config_size import write

    exe = shutil.which("bliss-lite", path=os.path.dirname(sys.executable)) or "bliss-lite"
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "state"
        for size in (1_000, 100_000, 1_000_000, 10_000_000):
            root = Path(tmp) / f"bl{size}"
            objects = write(root, size)
            cmd = ["env", f"BLISS_LITE_STATE_DIR={env_dir}", exe, "--root", str(root), "-s", "s"]
            times = [wall(cmd, stdin="exit()\n") for _ in range(max(2, runs // (1 + size // 2_000_000)))]
            rows.append({"case": f"bliss-lite start-up, config of {size / 1e6:g} MB ({objects} objects)",
                         "unit": "s (whole process)", "bliss_lite": stats(times),
                         "peer": "target: linear, <= 2 s at 10 MB", "ratio": ""})


def pty_startup_case(runs: int, rows: list[dict]) -> None:
    from bench.pty_startup import time_to_prompt

    exe = shutil.which("bliss-lite", path=os.path.dirname(sys.executable)) or "bliss-lite"
    times = [time_to_prompt([exe, "-s", "demo"]) for _ in range(runs + 1)][1:]
    rows.append({"case": "bliss-lite -s demo on a pty, until 'DEMO [1]:'", "unit": "s",
                 "bliss_lite": stats(times), "peer": "target <= 0.3 s (BLISS 2.4: 3.3 s)",
                 "ratio": ""})


def fidelity_case(runs: int, rows: list[dict]) -> None:
    values = [run_json(lite("fidelity"))["overhead"] for _ in range(runs)]
    rows.append({"case": "loopscan(20, 0.05) wall minus 1.0 s", "unit": "s",
                 "bliss_lite": stats(values), "peer": "target <= 0.05 s (5 %)", "ratio": ""})


def memory_case(runs: int, rows: list[dict]) -> None:
    for kind, writer in (("loopscan", "null"), ("loopscan", "hdf5"), ("ascan", "hdf5"), ("amesh", "hdf5")):
        results = [run_json(lite("memory", "1000000", writer, kind)) for _ in range(max(1, runs // 2))]
        rows.append({"case": f"{kind} of 1 000 000 points, diode, writer={writer}: peak RSS growth / raw data",
                     "unit": "ratio",
                     "bliss_lite": stats([r["ratio"] for r in results]),
                     "peer": f"raw {results[0]['raw_mb']:.0f} MB, growth {stats([r['growth_mb'] for r in results])} MB, "
                             f"before the first point {stats([r['before_first_point_ratio'] for r in results])}",
                     "ratio": "target <= 2"})


def metadata_case(runs: int, rows: list[dict]) -> None:
    results = [run_json(lite("metadata")) for _ in range(runs)]
    rows.append({"case": "1-point loopscan, empty scan_meta registry", "unit": "s",
                 "bliss_lite": stats([r["empty_registry_scan_s"] for r in results]), "peer": "", "ratio": ""})
    rows.append({"case": "metadata cost per scan: 50 statics + 5 generators", "unit": "s",
                 "bliss_lite": stats([r["metadata_cost_s"] for r in results]), "peer": "", "ratio": ""})
    # Gathering alone (registry copy + START, PREPARED, END), median of many repeats.
    out = subprocess.run([sys.executable, str(HERE / "bench_scan_meta.py")], check=True,
                         capture_output=True, text=True, cwd=REPO).stdout
    for line in out.splitlines():
        r = json.loads(line)
        rows.append({"case": f"scan_meta gathering per scan: {r['case']}", "unit": "ms",
                     "bliss_lite": f"{r['per_scan_ms']:.3g}",
                     "peer": f"START {r['START_ms']:.3g} / PREPARED {r['PREPARED_ms']:.3g} / END {r['END_ms']:.3g} ms",
                     "ratio": "target < 1 ms" if r["case"] == "statics50" else ""})


def motion_case(runs: int, rows: list[dict]) -> None:
    """Issue 12: µs per move (zero motion time) and ascan over a slits gap."""
    results = [run_json(lite("motion", "10000")) for _ in range(runs)]
    rows.append({"case": "mockup axis move(), zero motion time", "unit": "µs/move",
                 "bliss_lite": stats([r["mockup_move_us"] for r in results]), "peer": "", "ratio": ""})
    rows.append({"case": "calc axis move() over its real, zero motion time", "unit": "µs/move",
                 "bliss_lite": stats([r["calc_move_us"] for r in results]), "peer": "", "ratio": ""})
    rows.append({"case": "ascan(slits vgap, 0, 1, 10000, 0, 3 counters)", "unit": "points/s",
                 "bliss_lite": stats([r["slits_ascan_points_per_s"] for r in results]), "peer": "",
                 "ratio": ""})


def writer_case(runs: int, rows: list[dict]) -> None:
    """The writer's own figures (cost per point and block, size, SWMR latency)."""
    out = subprocess.run([sys.executable, str(HERE / "writer_bench.py")], check=True,
                         capture_output=True, text=True, cwd=REPO).stdout
    for line in out.splitlines():
        rows.append({"case": f"writer: {line.strip()}", "unit": "", "bliss_lite": "", "peer": "", "ratio": ""})


def crash_layout_case(runs: int, rows: list[dict]) -> None:
    """The crash-safe layout against the single-file one (bench/crash_layout_bench.py)."""
    out = subprocess.run([sys.executable, str(HERE / "crash_layout_bench.py")], check=True,
                         capture_output=True, text=True, cwd=REPO).stdout
    for line in out.splitlines():
        rows.append({"case": f"layout: {line.strip()}", "unit": "", "bliss_lite": "", "peer": "", "ratio": ""})


def images_case(runs: int, rows: list[dict]) -> None:
    """loopscan(N, 0, lima_simulator), 1024 x 1024 uint16, vs the disk floor and gzip."""
    for n in (200, 1000):
        results = [run_json([sys.executable, str(HERE / "image_bench.py"), str(n)])
                   for _ in range(max(1, runs // 2))]
        pick = {k: [r[k] for r in results] for k in results[0] if isinstance(results[0][k], float)}
        rows.append({"case": f"loopscan({n}, 0, lima_simulator) 1024x1024 uint16, bslz4", "unit": "MB/s",
                     "bliss_lite": stats(pick["lite_mb_per_s"]),
                     "peer": f"floor {stats(pick['floor_mb_per_s'])}, gzip4 {stats(pick['gzip_mb_per_s'])}",
                     "ratio": f"{stats(pick['vs_floor'])} of floor, {stats(pick['vs_gzip'])}x gzip"})
        rows.append({"case": f"  frames/s, CPU/frame, peak RSS, file (N = {n})", "unit": "",
                     "bliss_lite": f"{stats(pick['lite_frames_per_s'])} f/s", "peer":
                     f"{stats(pick['cpu_ms_per_frame'])} ms, {stats(pick['peak_rss_mb'])} MB, "
                     f"{results[0]['lite_file_mb']:.0f} of {results[0]['raw_mb']:.0f} MB raw", "ratio": ""})


def wire_case(runs: int, rows: list[dict]) -> None:
    """The scan events' wire form: cost per block of 2 500 points x 8 channels."""
    r = run_json([sys.executable, str(HERE / "wire_bench.py")])
    rows.append({"case": "wire form, block of 2 500 points x 8 channels: to_bytes + from_bytes",
                 "unit": "ms/block",
                 "bliss_lite": f"{r['to_bytes_ms'] + r['from_bytes_ms']:.3g}",
                 "peer": f"to {r['to_bytes_ms']:.3g} / from {r['from_bytes_ms']:.3g} ms, "
                         f"{r['per_point_us']:.3g} us/point, {r['block_bytes']} bytes for {r['raw_bytes']} raw",
                 "ratio": ""})
    rows.append({"case": "wire form, START with 50 metadata entries: to_bytes + from_bytes",
                 "unit": "ms", "bliss_lite": f"{r['start_to_bytes_ms'] + r['start_from_bytes_ms']:.3g}",
                 "peer": f"{r['start_bytes']} bytes", "ratio": ""})


def plot_case(runs: int, rows: list[dict]) -> None:
    """The live plot window: latency to drawn, and throughput with it open vs closed."""
    import importlib.util

    if importlib.util.find_spec("silx") is None or importlib.util.find_spec("PyQt5") is None:
        rows.append({"case": "plot: skipped (the flint extra is not installed: pip install '.[flint]')",
                     "unit": "", "bliss_lite": "", "peer": "", "ratio": ""})
        return
    out = subprocess.run([sys.executable, str(HERE / "plot_bench.py"), "--repeats", str(runs)], check=True,
                         capture_output=True, text=True, cwd=REPO).stdout
    for line in out.splitlines():
        if not line.startswith("{"):
            continue  # the window's own messages
        r = json.loads(line)
        if "median_ms" in r:
            rows.append({"case": r["case"], "unit": "ms", "bliss_lite": f"{r['median_ms']:g}",
                         "peer": f"p95 {r['p95_ms']:g} ms", "ratio": ""})
        else:
            rows.append({"case": r["case"] + ", window closed vs open", "unit": "points/s",
                         "bliss_lite": f"{r['closed_points_s']} vs {r['open_points_s']}",
                         "peer": f"{r['slowdown_percent']:g} % slower", "ratio": "goal <= 5 %"})


def streaming_case(runs: int, rows: list[dict]) -> None:
    """Scans through the data Redis (needs the redis extra): bench/streaming_bench.py."""
    out = subprocess.run([sys.executable, str(HERE / "streaming_bench.py")], check=True,
                         capture_output=True, text=True, cwd=REPO).stdout
    for line in out.splitlines():
        rows.append({"case": f"data Redis: {line.strip()}", "unit": "", "bliss_lite": "", "peer": "", "ratio": ""})


def print_table(rows: list[dict]) -> None:
    """Measured rows as aligned columns; text rows (no figure) as they are."""
    measured = [r for r in rows if r["bliss_lite"]]
    keys = ("case", "bliss_lite", "unit", "peer")
    widths = {k: max((len(r[k]) for r in measured), default=0) for k in keys}
    for row in rows:
        if not row["bliss_lite"]:
            print(row["case"])
            continue
        print(f"{row['case']:<{widths['case']}}  {row['bliss_lite']:>{widths['bliss_lite']}} "
              f"{row['unit']:<{widths['unit']}}  {row['peer']:<{widths['peer']}}  {row['ratio']}")


CASES = {
    "startup": startup_case,
    "pty_startup": pty_startup_case,
    "fidelity": fidelity_case,
    "config_size": config_size_case,
    "metadata": metadata_case,
    "memory": memory_case,
    "writer": writer_case,
    "crash_layout": crash_layout_case,
    "images": images_case,
    "wire": wire_case,
    "plot": plot_case,
    "motion": motion_case,
    "streaming": streaming_case,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 1 000 and 10 000 only, 3 runs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", default="throughput,startup,fidelity,metadata,memory,writer,motion,plot,wire,images")
    args = parser.parse_args()
    ensure_lite()
    runs = 3 if args.quick else args.runs
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    rows: list[dict] = []
    try:
        for case in args.cases.split(","):
            print(f"case {case} ...", flush=True)
            try:
                if case == "throughput":
                    throughput_cases(sizes, runs, rows)
                else:
                    CASES[case](runs, rows)
            except Exception as exc:  # one broken case never costs the others' figures
                rows.append({"case": f"{case}: FAILED ({type(exc).__name__}: {exc})"[:160], "unit": "",
                             "bliss_lite": "", "peer": "", "ratio": ""})
    except KeyboardInterrupt:
        rows.append({"case": "(interrupted: the cases after this line did not run)", "unit": "",
                     "bliss_lite": "", "peer": "", "ratio": ""})
    machine = f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\nbliss_lite bench — {time.strftime('%Y-%m-%d %H:%M')} — {machine}\n")
    print_table(rows)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    print(f"\nresults saved to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
