"""Images written by ``loopscan(N, 0, lima_simulator)`` (1024 x 1024 uint16 frames)
against the disk floor and h5py's gzip 4 + shuffle (BLISS's writer), same frames.

    python bench/image_bench.py N [camera_options_json]

prints one JSON line: frames/s and MB/s of raw frame bytes for bliss_lite (scan +
fsync of the file), the floor (os.write + fsync of the same bytes) and gzip, the
file sizes, CPU seconds per frame and the peak RSS of this process.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import h5py
import numpy

from bliss_lite import open_session


def fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main() -> None:
    n = int(sys.argv[1])
    options = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    work = Path(tempfile.mkdtemp(prefix="image_bench_", dir=os.environ.get("BENCH_DIR", "/tmp")))
    (work / "config").mkdir()
    (work / "sessions").mkdir()
    keys = "".join(f"  {k}: {v}\n" for k, v in options.items())
    (work / "config" / "cam.yml").write_text(f"- name: lima_simulator\n  class: Lima\n{keys}")
    (work / "sessions" / "b.yml").write_text("- class: Session\n  name: b\n")
    os.environ["BLISS_LITE_STATE_DIR"] = str(work / "state")
    result: dict = {"n": n, "camera": options}
    with open_session("b", root=work, verbose=False) as session:
        env = session.env
        env["SCAN_SAVING"].base_path = str(work / "scans")
        env["SCAN_DISPLAY"].mode = "off"
        cam = env["lima_simulator"]
        env["loopscan"](2, 0, cam)  # warm-up (noise bank, imports, file)
        cpu0, t0 = time.process_time(), time.perf_counter()
        scan = env["loopscan"](n, 0, cam)
        fsync(scan.filename)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        frame_bytes = cam.image.width * cam.image.height * cam.image.depth
        raw = n * frame_bytes
        with h5py.File(scan.filename, "r") as f:
            stored = f[f"{scan.scan_number}.1/instrument/lima_simulator/data"].id.get_storage_size()
        result.update(lite_frames_per_s=n / wall, lite_mb_per_s=raw / wall / 1e6, raw_mb=raw / 1e6,
                      lite_file_mb=os.path.getsize(scan.filename) / 1e6, lite_image_mb=stored / 1e6,
                      cpu_ms_per_frame=cpu / n * 1e3,
                      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        os.unlink(scan.filename)
        frames = [cam.take_frame() for _ in range(min(n, 64))]  # the same kind of frames

    floor_path = work / "floor.bin"
    t0 = time.perf_counter()
    fd = os.open(floor_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    for i in range(n):
        os.write(fd, frames[i % len(frames)].tobytes())
    os.fsync(fd)
    os.close(fd)
    floor = time.perf_counter() - t0
    floor_path.unlink()
    result.update(floor_mb_per_s=raw / floor / 1e6)

    gz_path = work / "gzip.h5"
    t0 = time.perf_counter()
    with h5py.File(gz_path, "w") as f:
        shape = frames[0].shape
        dataset = f.create_dataset("data", shape=(n,) + shape, dtype=frames[0].dtype,
                                   chunks=(1,) + shape, compression="gzip", compression_opts=4,
                                   shuffle=True)
        for i in range(n):
            dataset[i] = frames[i % len(frames)]
    fsync(str(gz_path))
    gz = time.perf_counter() - t0
    result.update(gzip_mb_per_s=raw / gz / 1e6, gzip_file_mb=os.path.getsize(gz_path) / 1e6)
    gz_path.unlink()
    result["vs_floor"] = result["lite_mb_per_s"] / result["floor_mb_per_s"]
    result["vs_gzip"] = result["lite_mb_per_s"] / result["gzip_mb_per_s"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
