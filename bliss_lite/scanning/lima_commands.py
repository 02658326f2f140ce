"""``limatake`` and ``limastat`` (``bliss.controllers.lima.limatools``)."""

from __future__ import annotations

import os
from typing import Any

from bliss_lite.devices.lima import Lima
from bliss_lite.scanning import context as _context
from bliss_lite.scanning.data import channel_paths
from bliss_lite.scanning.scans import loopscan

__all__ = ["limastat", "limatake"]


def _active_cameras() -> list[Lima]:
    cameras: list[Lima] = []
    for counter in _context.current().default_counters():
        for candidate in (getattr(counter, "_counter_controller", None), counter):
            if isinstance(candidate, Lima) and candidate not in cameras:
                cameras.append(candidate)
    return cameras


def limatake(expotime: float, nbframes: int = 1, *limadevs: Any, save: bool = False,
             run: bool = True, **kwargs: Any) -> Any:
    """Take ``nbframes`` frames of ``expotime`` seconds with the given cameras (default:
    the cameras of ``ACTIVE_MG``) and their counters; returns the scan.  ``save=True``
    writes it to the data file.  Lima acquisition parameters (``saving_format`` ...)
    are not used by the simulator."""
    cameras = list(limadevs) or _active_cameras()
    if not cameras:
        raise ValueError("limatake(): no Lima camera given and none in ACTIVE_MG")
    for camera in cameras:
        if not isinstance(camera, Lima):
            raise TypeError(f"limatake(): {getattr(camera, 'name', camera)!r} is not a Lima camera")
    title = kwargs.pop("title", "limatake")
    return loopscan(nbframes, expotime, *cameras, save=save, run=run,
                    title=f"{title} {expotime:.4f} {nbframes}")


def limastat(*limadevs: Any) -> None:
    """For each camera (default: those of ``ACTIVE_MG``): image size and type, frame
    generation time, and how its images of the last scan were stored (frames,
    compression, size on disk, ratio)."""
    import h5py

    cameras = list(limadevs) or _active_cameras()
    if not cameras:
        print("No Lima camera given and none in ACTIVE_MG")
        return
    scans = _context.current().scans
    last = scans[-1] if scans else None
    for camera in cameras:
        image = camera.image
        print(f"{camera.name}: {image.width} x {image.height} {image.dtype}, "
              f"last frame made in {camera.last_frame_time * 1e3:.2f} ms")
        spec = camera.image_counter.channels()[0]
        filename = last.scan_info.get("filename") if last is not None else None
        found = None
        if filename and os.path.exists(filename) and spec.fullname in [c.fullname for c in last.channels]:
            with h5py.File(filename, "r", locking=False) as f:
                found = next((p for p in channel_paths(spec, f"/{last.scan_number}.1") if p in f), None)
        if found is None:
            print("    no image of this camera in the last saved scan")
            continue
        with h5py.File(filename, "r", locking=False) as f:
            dataset = f[found]
            raw = dataset.size * dataset.dtype.itemsize
            stored = dataset.id.get_storage_size()
            plist = dataset.id.get_create_plist()
            filters = ", ".join(str(plist.get_filter(i)[0]) for i in range(plist.get_nfilters())) or "none"
        ratio = raw / stored if stored else float("nan")
        print(f"    scan {last.scan_number}: {dataset.shape[0]} frames, {raw / 1e6:.1f} MB raw, "
              f"{stored / 1e6:.1f} MB in {filename} (filters: {filters}; ratio {ratio:.2f})")
