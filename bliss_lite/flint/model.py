"""What the plot window holds, without Qt: the scans it was fed and what to draw.

:class:`PlotModel` is fed from any thread (``scan_start``, ``scan_points``,
``scan_end``: it is a :class:`~bliss_lite.events.ScanSubscriber`; ``command`` for
the command dicts of :mod:`bliss_lite.flint.protocol`) and only queues; the window's
GUI thread calls :meth:`PlotModel.apply` at its own pace, so a window that draws
slowly never makes its feeder wait, and draws the latest state each time.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

import numpy

from bliss_lite.events import ChannelSpec, ScanEnd, ScanPoints, ScanStart
from bliss_lite.nexus.default_plot import PlotChoice, plot_choice

__all__ = ["LiveScan", "PlotModel", "PLOT_TYPE"]

#: ``scan_info["type"]`` of the pseudo-scans ``plot(data, name=...)`` sends.
PLOT_TYPE = "plot"


class LiveScan:
    """One scan's data as received: scalar channels as growing arrays, and the latest
    point of every channel of 1-D (spectrum) or 2-D (image) points."""

    def __init__(self, event: ScanStart, selected: list[str] | None = None) -> None:
        self.key = event.key
        self.info = event.scan_info
        self.channels: list[ChannelSpec] = list(event.channels)
        self.by_fullname = {c.fullname: c for c in self.channels}
        self.choice: PlotChoice = plot_choice(self.channels, self.info, selected)
        self.npoints = 0  # points known (one past the highest index received)
        self.ended = False
        self._arrays: dict[str, numpy.ndarray] = {}
        self.latest: dict[str, tuple[int, numpy.ndarray]] = {}
        planned = self.info.get("npoints")
        self._capacity = int(planned) if isinstance(planned, int) and planned > 0 else 256

    def select(self, names: list[str] | None) -> None:
        self.choice = plot_choice(self.channels, self.info, names)

    def add(self, event: ScanPoints) -> None:
        first, n = event.first_index, len(event)
        if not n:
            return
        for fullname, values in event.data.items():
            values = numpy.asarray(values)
            if values.ndim == 1:
                if values.dtype.kind not in "biuf":
                    continue
                array = self._arrays.get(fullname)
                if array is None or len(array) < first + n:
                    size = max(self._capacity, first + n, 2 * (len(array) if array is not None else 0))
                    grown = numpy.full(size, numpy.nan)
                    if array is not None:
                        grown[: len(array)] = array
                    array = self._arrays[fullname] = grown
                array[first: first + n] = values
            elif values.ndim > 1:
                index = first + n - 1
                if fullname not in self.latest or self.latest[fullname][0] <= index:
                    self.latest[fullname] = (index, values[-1])
        self.npoints = max(self.npoints, first + n)

    def data(self, channel: ChannelSpec | str) -> numpy.ndarray:
        """A scalar channel's values for the points known so far (NaN where a block
        was dropped)."""
        fullname = channel if isinstance(channel, str) else channel.fullname
        array = self._arrays.get(fullname)
        if array is None:
            return numpy.full(self.npoints, numpy.nan)
        return array[: self.npoints]

    def epoch(self, index: int) -> float | None:
        """When point ``index`` was acquired (its ``epoch``), if known."""
        for channel in self.channels:
            if channel.kind == "timer" and channel.name == "epoch":
                array = self._arrays.get(channel.fullname)
                if array is not None and 0 <= index < len(array) and numpy.isfinite(array[index]):
                    return float(array[index])
        return None

    @property
    def title(self) -> str:
        return str(self.info.get("title") or self.info.get("type") or "")


class PlotModel:
    """The window's state; see the module's documentation.

    After :meth:`apply`: ``current`` is the latest scan (not a ``plot()``),
    ``plots`` the ``plot(data, name=...)`` pseudo-scans by name, ``markers`` the
    alignment markers by scan uid (marker id → marker dict)."""

    def __init__(self) -> None:
        self._queue: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self.current: LiveScan | None = None
        self.plots: dict[str, LiveScan] = {}
        self.markers: dict[str, dict[str, dict]] = {}
        self._scans: dict[str, LiveScan] = {}
        self._selection: dict[str, list[str]] = {}

    # -- feeding (any thread) ----------------------------------------------------------

    def scan_start(self, event: ScanStart) -> None:
        self._put(event)

    def scan_points(self, event: ScanPoints) -> None:
        self._put(event)

    def scan_end(self, event: ScanEnd) -> None:
        self._put(event)

    def command(self, message: dict) -> None:
        self._put(message)

    def _put(self, item: Any) -> None:
        with self._lock:
            self._queue.append(item)

    # -- the GUI thread ---------------------------------------------------------------

    def apply(self) -> tuple[set[str], list[dict]]:
        """Apply what was fed since the last call.  Returns the names of the views to
        redraw (``"curve"``, ``"scatter"``, ``"image"``, ``"spectrum"``,
        ``"plot:<name>"``) and the commands the window itself must act on."""
        with self._lock:
            items = list(self._queue)
            self._queue.clear()
        changed: set[str] = set()
        actions: list[dict] = []
        for item in items:
            if isinstance(item, dict):
                self._command(item, changed, actions)
                continue
            uid = item.key.uid
            if isinstance(item, ScanStart):
                scan = LiveScan(item, self._selection.pop(uid, None))
                if item.scan_info.get("type") == PLOT_TYPE:
                    name = str(item.scan_info.get("plot_name") or item.scan_info.get("title") or "plot")
                    self.plots[name] = scan
                else:
                    self.current = scan
                    changed.add("new scan")
                self._scans = {k: v for k, v in self._scans.items() if not v.ended}
                self._scans[uid] = scan
            else:
                scan = self._scans.get(uid)
                if scan is None:
                    continue
                if isinstance(item, ScanPoints):
                    scan.add(item)
                else:
                    scan.ended = True
            changed |= self._views_of(scan)
        return changed, actions

    def _views_of(self, scan: LiveScan) -> set[str]:
        if scan.info.get("type") == PLOT_TYPE:
            name = str(scan.info.get("plot_name") or scan.info.get("title") or "plot")
            return {f"plot:{name}"}
        if scan is not self.current:
            return set()
        views = set()
        if scan.choice.kind is not None:
            views.add(scan.choice.kind)
        if scan.choice.images:
            views.add("image")
        if scan.choice.spectra:
            views.add("spectrum")
        return views

    def _command(self, message: dict, changed: set[str], actions: list[dict]) -> None:
        cmd = message.get("cmd")
        if cmd == "select":  # plotinit's counters for the scan that follows
            if message.get("counters"):
                self._selection[str(message.get("uid"))] = list(message["counters"])
        elif cmd == "plotselect":
            if self.current is not None:
                self.current.select(list(message.get("counters") or []))
                changed |= self._views_of(self.current)
        elif cmd == "markers":
            uid = str(message.get("uid"))
            markers = self.markers.setdefault(uid, {})
            if message.get("clear"):
                markers.clear()
            for marker in message.get("markers") or ():
                if marker.get("position") is None:
                    markers.pop(str(marker.get("id")), None)
                else:
                    markers[str(marker.get("id"))] = marker
            changed.add("curve")
        elif cmd == "replot":
            self.markers.clear()
            if self.current is not None:
                changed |= self._views_of(self.current) | {"new scan"}
        else:
            actions.append(message)
