"""Device locks between the processes of this machine, as BLISS's
``lock_context`` / ``force_unlock`` / ``lslock`` (Beacon's locks, without Beacon).

A lock is a file ``<state dir>/locks/<device>.lock`` holding the owner, its process
id and priority; the lock of a process that died is free again.  Locks are re-entrant
within a process.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any, Iterator

from bliss_lite._common import pid_alive

__all__ = ["AlreadyLockedDevices", "lock_context", "force_unlock", "lslock", "lock", "unlock"]


class AlreadyLockedDevices(RuntimeError):
    """Some devices are owned by someone else."""

    def __init__(self, device_owners: dict[str, str]) -> None:
        self.device_owners = device_owners
        devices = "', '".join(device_owners)
        owners = "', '".join(device_owners.values())
        super().__init__(f"Devices '{devices}' already owned by '{owners}'")


def _folder() -> Path:
    from bliss_lite.settings import state_dir

    return state_dir() / "locks"


def _name(device: Any) -> str:
    name = device if isinstance(device, str) else getattr(device, "name", None)
    if not isinstance(name, str) or not name or "/" in name:
        raise TypeError(f"cannot lock {device!r}: it has no name")
    return name



def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not pid_alive(int(data.get("pid", 0))):
        return None
    return data


def _try_lock(name: str, owner: str, priority: int) -> str | None:
    """Take the lock of ``name``; the current owner when it is taken."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.lock"
    record = {"owner": owner, "pid": os.getpid(), "priority": priority, "since": time.time(),
              "count": 1}
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            held = _read(path)
            if held is None:              # dead process or damaged file: free
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            if held["pid"] == os.getpid():
                held["count"] = int(held.get("count", 1)) + 1
                path.write_text(json.dumps(held), encoding="utf-8")
                return None
            if priority > int(held.get("priority", 50)):
                path.write_text(json.dumps(record), encoding="utf-8")
                return None
            return f"{held.get('owner')},pid:{held['pid']}"
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(record))
        return None


def lock(*devices: Any, owner: str = "", priority: int = 50, timeout: float = 3.0) -> None:
    """Lock ``devices`` (waiting up to ``timeout`` seconds); raise
    :class:`AlreadyLockedDevices` naming the owners otherwise."""
    deadline = time.monotonic() + timeout
    owner = owner or f"pid:{os.getpid()}"
    names = [_name(device) for device in devices]
    while True:
        taken: list[str] = []
        refused: dict[str, str] = {}
        for name in names:
            holder = _try_lock(name, owner, priority)
            if holder is None:
                taken.append(name)
            else:
                refused[name] = holder
        if not refused:
            return
        unlock(*taken)
        if time.monotonic() >= deadline:
            raise AlreadyLockedDevices(refused)
        time.sleep(0.05)


def unlock(*devices: Any) -> None:
    """Release locks of this process on ``devices``."""
    for device in devices:
        path = _folder() / f"{_name(device)}.lock"
        held = _read(path)
        if held is None or held["pid"] != os.getpid():
            continue
        count = int(held.get("count", 1)) - 1
        if count > 0:
            held["count"] = count
            path.write_text(json.dumps(held), encoding="utf-8")
        else:
            with contextlib.suppress(OSError):
                path.unlink()


@contextlib.contextmanager
def lock_context(*devices: Any, owner: str, priority: int = 50,
                 timeout: float = 3.0) -> Iterator[None]:
    """Own ``devices`` while the ``with`` block runs; another process (another
    session) trying to lock them meanwhile gets ``AlreadyLockedDevices``.

    Args:
        devices: the objects (or names) to lock
        owner: who locks them (shown by ``lslock()``)
        priority: a higher priority takes the lock from a lower one
        timeout: seconds to wait for a lock that is taken

    Example::

        with lock_context(roby, owner="alignment"):
            ascan(roby, 0, 1, 10, 0.1, diode)
    """
    lock(*devices, owner=owner, priority=priority, timeout=timeout)
    try:
        yield
    finally:
        unlock(*devices)


def force_unlock(*devices: Any) -> None:
    """Release the locks of ``devices`` whoever holds them (after a procedure that
    ended without releasing them; make sure it really ended).

    Args:
        devices: the objects (or names) to unlock
    """
    for device in devices:
        with contextlib.suppress(FileNotFoundError):
            (_folder() / f"{_name(device)}.lock").unlink()


def lslock() -> None:
    """Show the device locks held on this machine, with their owners."""
    folder = _folder()
    rows = []
    for path in sorted(folder.glob("*.lock")) if folder.is_dir() else []:
        held = _read(path)
        if held is not None:
            rows.append((path.stem, f"{held.get('owner')},pid:{held['pid']}"))
    if not rows:
        print("No locks acquired")
        return
    width = max(len("Device/lock name"), *(len(name) for name, _ in rows))
    print("The following locks are acquired\n")
    print(f"{'Device/lock name':{width}}  Owner")
    print(f"{'-' * width}  {'-' * 5}")
    for name, owner in rows:
        print(f"{name:{width}}  {owner}")
    print()
