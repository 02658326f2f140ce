"""The consumers that ship with bliss_lite: ``bliss-lite follow`` (the live table of
every scan of a session, from any machine) and ``bliss-lite writer`` (bliss_lite's
NeXus writer as a process of its own, for sessions running with
``SCAN_SAVING.writer = "external"``)."""

from __future__ import annotations

from typing import Any, Callable

from bliss_lite.events import ScanEnd, ScanPoints, ScanStart
from bliss_lite.streaming.reader import follow_scans
from bliss_lite.streaming.url import RedisURL

__all__ = ["ExternalWriter", "follow", "write"]


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
