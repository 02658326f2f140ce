"""The consumers that ship with bliss_lite: ``bliss-lite follow`` (the live table of
every scan of a session, from any machine), ``bliss-lite writer`` (bliss_lite's
NeXus writer as a process of its own, for sessions running with
``SCAN_SAVING.writer = "external"``) and ``bliss-lite flint`` (the live plot window
of :mod:`bliss_lite.flint`, fed from Redis instead of the session's sockets)."""

from __future__ import annotations

import socket
import sys
import threading
import warnings
from typing import Any, Callable

from bliss_lite._common import exception_text
from bliss_lite.events import ScanEnd, ScanPoints, ScanStart
from bliss_lite.streaming.reader import ReaderWarning, follow_scans
from bliss_lite.streaming.url import RedisURL

__all__ = ["ExternalWriter", "follow", "plot", "write"]


class ExternalWriter:
    """A scan subscriber writing each scan whose ``writer`` is ``"external"`` with
    bliss_lite's NeXus writer, driven only through its subscriber interface: the file
    is the one the session would have written itself."""

    def __init__(self, only_external: bool = True) -> None:
        self.only_external = only_external
        self._writer: Any = None
        self.written: list[tuple[str, int]] = []

    def scan_start(self, event: ScanStart) -> None:
        from bliss_lite.nexus import NexusWriter

        info = event.scan_info
        self._writer = None
        if not info.get("filename") or (self.only_external and info.get("writer") != "external"):
            return
        writer = NexusWriter(info["filename"], info["scan_nb"])
        writer.scan_start(event)
        self._writer = writer

    def scan_points(self, event: ScanPoints) -> None:
        if self._writer is not None:
            self._writer.scan_points(event)

    def scan_end(self, event: ScanEnd) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.scan_end(event)
            self.written.append((writer.filename, writer.scan_nb))
            print(f"Scan {writer.scan_nb} written to {writer.filename}", flush=True)


def follow(url: RedisURL, session: str, mode: str = "table", *, since: str | None = None,
           max_scans: int | None = None, stop: Callable[[], bool] = lambda: False,
           ready: Callable[[], None] | None = None) -> int:
    """Print every scan of ``session`` as the session's own display does."""
    from bliss_lite.scanning.display import ScanPrinter

    return follow_scans(url, session, _Fresh(lambda: ScanPrinter(mode)), since=since,
                        max_scans=max_scans, stop=stop, ready=ready)


def write(url: RedisURL, session: str, *, since: str | None = None, max_scans: int | None = None,
          stop: Callable[[], bool] = lambda: False, ready: Callable[[], None] | None = None) -> int:
    """Write every ``writer="external"`` scan of ``session`` to its file."""
    return follow_scans(url, session, ExternalWriter(), since=since, max_scans=max_scans,
                        stop=stop, ready=ready)


def plot(url: RedisURL, session: str, *, since: str | None = None,
         ready: Callable[[], None] | None = None, commands: socket.socket | None = None) -> int:
    """Show every scan of ``session`` in a plot window until it is closed (the window
    of ``flint()``, in this process; ``commands``: see
    :func:`bliss_lite.flint.window.run`)."""
    from bliss_lite.flint.window import FlintWindow, run

    closed = threading.Event()

    def feed(window: FlintWindow, quit_soon: Callable[[], None]) -> None:
        try:
            follow_scans(url, session, _Drawn(window), since=since, ready=ready, stop=closed.is_set)
        except Exception as exc:
            if not closed.is_set():
                print(f"bliss-lite flint: stopped following the data Redis: {exception_text(exc)}",
                      file=sys.stderr, flush=True)

    try:
        return run(feed, f"bliss_lite plot: {session} ({url.display()})", commands)
    finally:  # the window is closed: what the reader meets while the process exits is moot
        closed.set()
        warnings.simplefilter("ignore", ReaderWarning)


class _Drawn:
    """Hands a window what it draws of each block (as the session's sockets do)."""

    def __init__(self, window: Any) -> None:
        self.window = window

    def scan_start(self, event: ScanStart) -> None:
        self.window.scan_start(event)

    def scan_points(self, event: ScanPoints) -> None:
        from bliss_lite.flint.process import drawn_part

        for block in drawn_part(event):
            self.window.scan_points(block)

    def scan_end(self, event: ScanEnd) -> None:
        self.window.scan_end(event)


class _Fresh:
    """A new subscriber (from ``factory``) for every scan."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory
        self.current: Any = None

    def scan_start(self, event: ScanStart) -> None:
        self.current = self.factory()
        self.current.scan_start(event)

    def scan_points(self, event: ScanPoints) -> None:
        self.current.scan_points(event)

    def scan_end(self, event: ScanEnd) -> None:
        self.current.scan_end(event)
