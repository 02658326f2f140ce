"""One interactive shell per session and state directory.

The shell takes ``<state dir>/<session>.shell.lock`` (its PID and start time); a
second shell of the same session is refused with one sentence naming the other
process and how to take over (``--force``); the lock of a process that no longer
runs is taken over with a note.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bliss_lite._common import pid_alive, read_file

__all__ = ["SessionLocked", "ShellLock"]


class SessionLocked(RuntimeError):
    """Another shell of the session runs."""



class ShellLock:
    """The lock of session ``name`` in ``directory``; ``acquire()`` returns a note to
    print (a stale lock taken over) or None, and raises :class:`SessionLocked`."""

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.path = Path(directory) / f"{name}.shell.lock"
        self._held = False

    def _holder(self) -> dict | None:
        try:
            data = json.loads(read_file(self.path, 4096).decode("utf-8"))   # (never blocks on a FIFO)
            return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None
        except (OSError, ValueError):
            return None

    def acquire(self, force: bool = False) -> str | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        note = None
        record = json.dumps({"pid": os.getpid(), "since": time.time()})
        for _attempt in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None and holder["pid"] != os.getpid() and pid_alive(holder["pid"]):
                    since = time.strftime("%Y-%m-%d %H:%M:%S",
                                          time.localtime(float(holder.get("since", 0))))
                    if not force:
                        raise SessionLocked(
                            f"session '{self.name}' is already open in another shell (PID "
                            f"{holder['pid']}, since {since}); close it, or start with --force "
                            "to take over") from None
                    note = (f"Note: took over session '{self.name}' from the shell of PID "
                            f"{holder['pid']} (open since {since})")
                elif holder is not None and holder["pid"] != os.getpid():
                    note = (f"Note: the shell of PID {holder['pid']} ended without closing session "
                            f"'{self.name}': its lock is taken over")
                try:
                    self.path.unlink()
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(record)
            self._held = True
            return note
        raise SessionLocked(f"cannot lock session '{self.name}' ({self.path})")

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        holder = self._holder()
        if holder is not None and holder["pid"] == os.getpid():
            try:
                self.path.unlink()
            except OSError:
                pass
