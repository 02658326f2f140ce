"""Viewers started on the data (``silx_view``, ``pymca``) and the names of BLISS's
shell that drive hardware bliss_lite does not simulate (one line each)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["silx_view", "pymca", "tw_gui", "interlock_show", "interlock_state", "wid",
           "reset_equipment", "tetrammtake"]


def _scan_file(scan: Any) -> tuple[str | None, str | None]:
    """``(filename, entry)`` of ``scan`` (a Scan, a scan number, or None: the last one)."""
    from bliss_lite.commands.lookup import namespace

    scans = list(namespace().get("SCANS") or [])
    if scan is None:
        if not scans:
            return None, None
        scan = scans[-1]
    elif isinstance(scan, int):
        found = [s for s in scans if getattr(s, "scan_number", None) == scan]
        if not found:
            raise ValueError(f"no scan number {scan} among the last scans (SCANS)")
        scan = found[0]
    path = getattr(scan, "path", None) or getattr(scan, "filename", None)
    number = getattr(scan, "scan_number", None)
    return (str(path) if path else None), (f"{number}.1" if number is not None else None)


def _launch(program: str, args: list[str], install: str) -> None:
    import shutil
    import subprocess

    executable = shutil.which(program)
    if executable is None:
        print(f"{program} is not installed: {install}")
        return
    subprocess.Popen([executable, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    print(f"{program} started on {' '.join(args) or 'no file'}")


def silx_view(scan: Any = None) -> None:
    """Open the data file of a scan in silx view.

    Args:
        scan: a scan, a scan number, or None for the last scan of the session
    """
    path, entry = _scan_file(scan)
    if path is None:
        print("No scan yet: nothing to show in silx view")
        return
    target = f"{path}::/{entry}" if entry and scan is not None else path
    _launch("silx", ["view", target], "pip install silx")


def pymca(scan: Any = None) -> None:
    """Open the data file of a scan in PyMca.

    Args:
        scan: a scan, or None for the last scan of the session
    """
    path, _entry = _scan_file(scan)
    if path is None:
        print("No scan yet: nothing to show in PyMca")
        return
    _launch("pymca", [path], "pip install PyMca5")


def _no_hardware(what: str) -> None:
    print(f"{what}: no such hardware in bliss_lite (simulated devices only)", file=sys.stdout)


def tw_gui(*motors: Any) -> None:
    """Open BLISS's graphical tweak window (needs BLISS's Tango tools; not in bliss_lite).

    Args:
        motors: the axes to tweak
    """
    _no_hardware("tw_gui: the tweak window needs BLISS's Tango device servers")


def interlock_show(wago_obj: Any = None) -> None:
    """Show the interlocks of Wago controllers.

    Args:
        wago_obj: a Wago controller (none exists in bliss_lite)
    """
    _no_hardware("interlock_show: Wago interlocks")


def interlock_state(*instances: Any) -> dict:
    """The state of Wago interlocks (none exist in bliss_lite: an empty mapping).

    Args:
        instances: Wago controllers
    """
    _no_hardware("interlock_state: Wago interlocks")
    return {}


def wid() -> None:
    """Show the identification of undulators (Insertion Devices)."""
    _no_hardware("wid: insertion devices")


def reset_equipment(*devices: Any) -> None:
    """Reset equipment protected by a safety interlock.

    Args:
        devices: the devices to reset
    """
    _no_hardware("reset_equipment: resettable equipment")


def tetrammtake(*args: Any, **kwargs: Any) -> None:
    """Take a measurement with a TetrAMM electrometer.

    Args:
        args: the electrometers and count time
        kwargs: acquisition options
    """
    _no_hardware("tetrammtake: TetrAMM electrometers")
