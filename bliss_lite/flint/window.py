"""The plot window (silx + Qt), run in a process of its own.

``python -m bliss_lite.flint.window --events-fd N --commands-fd M`` is what
:func:`bliss_lite.flint.flint` starts: it reads the session's frames
(:mod:`bliss_lite.flint.protocol`) from the two inherited sockets and exits when the
session closes them.

To feed a window from anything else (another transport, a file replay: ``bliss-lite
flint`` feeds it from the data Redis), give :func:`run` a feed calling the window's
``scan_start``, ``scan_points``, ``scan_end`` (a :class:`FlintWindow` is a
:class:`~bliss_lite.events.ScanSubscriber`) and ``command`` methods with decoded
events and command dicts, from any thread.

Tabs, as BLISS's Flint: **Curve** (the selected counters against the scanned motor
or ``elapsed_time``, with the alignment markers), **Scatter** (a mesh as a growing
map over both motors, axes fixed from ``scan_info``), **Image** (a 2-D detector's
latest frame, its colour scale and the ROIs of its channel's ``attrs["rois"]``,
``{name: {"kind": "rect", "x", "y", "width", "height"}}`` as BLISS's Lima ROIs),
**Spectrum** (a 1-D detector's latest spectrum), and one tab per ``plot(data,
name=...)``.  Views are redrawn with the latest data only, every 40 ms or twice the time the last
redraw took, whichever is longer.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from typing import Any, Callable

import numpy
from silx.gui import qt
from silx.gui.colors import Colormap
from silx.gui.plot import Plot1D, Plot2D
from silx.gui.plot.items import Scatter

from bliss_lite.flint import protocol
from bliss_lite.flint.model import LiveScan, PlotModel

__all__ = ["FlintWindow", "main", "run", "CURVE_COLORS"]

#: Colours of the curves, in the order of the signals.
CURVE_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2")
ROI_COLOR = "#ff00ff"
MARKER_COLOR = "#ff8c00"
UPDATE_PERIOD_MS = 40
#: Curves of at most this many points show a symbol per point.
SYMBOLS_UP_TO = 200


def _label(channel: Any) -> str:
    unit = getattr(channel, "unit", None)
    return f"{channel.name} [{unit}]" if unit else channel.name


class CurveView(Plot1D):
    """Counters against the scan's motor (or time), with the alignment markers."""

    def __init__(self, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self._legends: set[str] = set()
        self._marker_legends: set[str] = set()

    def show_scan(self, scan: LiveScan, markers: dict[str, dict]) -> None:
        choice = scan.choice
        x_channel = choice.axes[0] if choice.axes else None
        n = scan.npoints
        x = scan.data(x_channel) if x_channel is not None else numpy.arange(n, dtype=float)
        legends = set()
        for i, signal in enumerate(choice.signals):
            legends.add(signal.name)
            self.addCurve(x, scan.data(signal), legend=signal.name, color=CURVE_COLORS[i % len(CURVE_COLORS)],
                          linewidth=2, symbol="o" if n <= SYMBOLS_UP_TO else "", resetzoom=False,
                          ylabel=_label(signal))
        for legend in self._legends - legends:
            self.remove(legend, kind="curve")
        self._legends = legends
        self.getXAxis().setLabel(_label(x_channel) if x_channel is not None else "index")
        self.getYAxis().setLabel(", ".join(_label(s) for s in choice.signals))
        self.setGraphTitle(scan.title)
        self._show_markers(x_channel.name if x_channel is not None else None, markers)
        self.resetZoom()

    def _show_markers(self, axis: str | None, markers: dict[str, dict]) -> None:
        legends = set()
        for marker_id, marker in markers.items():
            if marker.get("axis") != axis:
                continue
            legend = f"marker {marker_id}"
            legends.add(legend)
            self.addXMarker(float(marker["position"]), legend=legend, text=str(marker.get("label") or marker_id),
                            color=MARKER_COLOR)
        for legend in self._marker_legends - legends:
            self.remove(legend, kind="marker")
        self._marker_legends = legends


class ScatterView(Plot2D):
    """A mesh as a map filling in, over limits fixed by the scan's start/stop."""

    def __init__(self, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setKeepDataAspectRatio(False)
        self._uid: str | None = None
        self._colormap = Colormap("viridis")

    def show_scan(self, scan: LiveScan) -> None:
        choice = scan.choice
        x_channel, y_channel = choice.axes[:2]
        signal = choice.signals[0]
        n = scan.npoints
        x, y, value = scan.data(x_channel), scan.data(y_channel), scan.data(signal)
        info = scan.info
        grid = _grid(info)
        item = self.addScatter(x, y, value, legend="mesh", colormap=self._colormap)
        if grid is not None:
            (x0, x1, nx), (y0, y1, ny) = grid
            item.setVisualizationParameter(Scatter.VisualizationParameter.GRID_SHAPE, (ny, nx))
            item.setVisualizationParameter(Scatter.VisualizationParameter.GRID_BOUNDS, ((x0, y0), (x1, y1)))
            item.setVisualizationParameter(Scatter.VisualizationParameter.GRID_MAJOR_ORDER, "row")
            item.setVisualization(Scatter.Visualization.REGULAR_GRID)
        else:
            item.setVisualization(Scatter.Visualization.POINTS)
            item.setSymbolSize(12)
        if scan.key.uid != self._uid or n == 0:
            self._uid = scan.key.uid
            if grid is not None:
                (x0, x1, nx), (y0, y1, ny) = grid
                dx = abs(x1 - x0) / max(nx - 1, 1) / 2 or 0.5
                dy = abs(y1 - y0) / max(ny - 1, 1) / 2 or 0.5
                self.setLimits(min(x0, x1) - dx, max(x0, x1) + dx, min(y0, y1) - dy, max(y0, y1) + dy)
            else:
                self.resetZoom()
        self.getXAxis().setLabel(_label(x_channel))
        self.getYAxis().setLabel(_label(y_channel))
        self.setGraphTitle(f"{scan.title}\n{_label(signal)}")


def _grid(info: dict) -> tuple[tuple[float, float, int], tuple[float, float, int]] | None:
    """((x0, x1, nx), (y0, y1, ny)) of a mesh from its scan_info, if it says them."""
    try:
        start, stop = info["start"], info["stop"]
        n1, n2 = int(info["npoints1"]), int(info["npoints2"])
        return (float(start[0]), float(stop[0]), n1), (float(start[1]), float(stop[1]), n2)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


class ImageView(Plot2D):
    """A 2-D detector's latest frame with a colour scale and its ROIs."""

    def __init__(self, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.getColorBarWidget().setVisible(True)
        self.getYAxis().setInverted(True)  # row 0 at the top, as a camera shows it
        self._colormap = Colormap("viridis")
        self._shape: tuple | None = None
        self._rois: set[str] = set()

    def show_frame(self, scan: LiveScan, channel: Any) -> None:
        index, frame = scan.latest[channel.fullname]
        reset = frame.shape != self._shape
        self._shape = frame.shape
        self.addImage(frame, legend="image", colormap=self._colormap, resetzoom=reset, copy=False)
        self.setGraphTitle(f"{scan.title}\n{channel.name} #{index}")
        legends = set()
        rois = (channel.attrs or {}).get("rois") if isinstance(channel.attrs, dict) else None
        for name, roi in (rois or {}).items():
            try:
                x, y, w, h = (float(roi[k]) for k in ("x", "y", "width", "height"))
            except (KeyError, TypeError, ValueError):
                continue
            legend = f"roi {name}"
            legends |= {legend, legend + " label"}
            self.addShape([x, x + w], [y, y + h], legend=legend, shape="rectangle", color=ROI_COLOR,
                          fill=False, overlay=False, linewidth=2)
            self.addMarker(x, y, legend=legend + " label", text=str(name), color=ROI_COLOR, symbol=None)
        for legend in self._rois - legends:
            self.remove(legend)
        self._rois = legends


class SpectrumView(Plot1D):
    """A 1-D detector's latest spectrum."""

    def show_spectrum(self, scan: LiveScan, channel: Any) -> None:
        index, spectrum = scan.latest[channel.fullname]
        self.addCurve(numpy.arange(len(spectrum)), numpy.asarray(spectrum, dtype=float), legend="spectrum",
                      color=CURVE_COLORS[0], linewidth=2, resetzoom=True)
        self.getXAxis().setLabel("channel")
        self.getYAxis().setLabel(_label(channel))
        self.setGraphTitle(f"{scan.title}\n{channel.name} #{index}")


class FlintWindow(qt.QMainWindow):
    """The plot window; see the module's documentation.  ``reply`` sends an answer
    dict to whoever sent a command with an ``"id"``; ``draw_delay`` (seconds) makes
    every redraw that much slower (to try a window that cannot keep up)."""

    def __init__(self, reply: Callable[[dict], None] | None = None, draw_delay: float = 0.0) -> None:
        super().__init__()
        self.model = PlotModel()
        self.reply = reply or (lambda message: None)
        self.draw_delay = float(draw_delay)
        self.setWindowTitle("bliss_lite plot")
        self.resize(900, 650)
        self.tabs = qt.QTabWidget(self)
        self.setCentralWidget(self.tabs)
        self.curve = CurveView()
        self.scatter = ScatterView()
        self.tabs.addTab(self.curve, "Curve")
        self.tabs.addTab(self.scatter, "Scatter")
        self._views: dict[str, qt.QWidget] = {}  # tab name -> image/spectrum/plot view
        #: (uid, view, point index drawn, its epoch or None, time drawn)
        self.draw_log: collections.deque = collections.deque(maxlen=200_000)
        self._timer = qt.QTimer(self)
        self._timer.timeout.connect(self.update_views)
        self._timer.start(UPDATE_PERIOD_MS)

    # -- the feed: any thread ------------------------------------------------------------

    def scan_start(self, event: Any) -> None:
        self.model.scan_start(event)

    def scan_points(self, event: Any) -> None:
        self.model.scan_points(event)

    def scan_end(self, event: Any) -> None:
        self.model.scan_end(event)

    def command(self, message: dict) -> None:
        self.model.command(message)

    def feed(self, item: Any) -> None:
        """A decoded frame: an event or a command dict."""
        if isinstance(item, dict):
            self.command(item)
        else:
            {"ScanStart": self.scan_start, "ScanPoints": self.scan_points,
             "ScanEnd": self.scan_end}[type(item).__name__](item)

    # -- drawing: the GUI thread ---------------------------------------------------------

    def update_views(self) -> None:
        """Draw what changed since the last call (the timer calls it)."""
        started = time.perf_counter()
        try:
            self._update_views()
        except Exception:  # an exception escaping a Qt slot would abort the process
            traceback.print_exc()
        # A slow redraw waits twice its time before the next: the window never takes
        # more than about a third of a core from the scans it follows.
        spent_ms = 1000 * (time.perf_counter() - started)
        self._timer.setInterval(int(max(UPDATE_PERIOD_MS, 2 * spent_ms)))

    def _update_views(self) -> None:
        changed, actions = self.model.apply()
        if changed and self.draw_delay:
            time.sleep(self.draw_delay)
        scan = self.model.current
        if scan is not None:
            new = "new scan" in changed
            if scan.choice.kind == "curve" and ("curve" in changed or new):
                self.curve.show_scan(scan, self.model.markers.get(scan.key.uid, {}))
                self._drawn(scan, "curve", scan.npoints - 1, self.curve)
                if new:
                    self.tabs.setCurrentWidget(self.curve)
            elif scan.choice.kind == "scatter" and ("scatter" in changed or new):
                self.scatter.show_scan(scan)
                self._drawn(scan, "scatter", scan.npoints - 1, self.scatter)
                if new:
                    self.tabs.setCurrentWidget(self.scatter)
            if "image" in changed or "spectrum" in changed:
                for channel in scan.choice.images + scan.choice.spectra:
                    if channel.fullname not in scan.latest:
                        continue
                    is_image = channel in scan.choice.images
                    view = self._view(channel.name, ImageView if is_image else SpectrumView)
                    if is_image:
                        view.show_frame(scan, channel)
                    else:
                        view.show_spectrum(scan, channel)
                    self._drawn(scan, channel.name, scan.latest[channel.fullname][0], view)
                    if new and scan.choice.kind is None:
                        self.tabs.setCurrentWidget(view)
        for name in sorted(v[5:] for v in changed if v.startswith("plot:")):
            self._show_plot(name)
        for message in actions:
            self._act(message)

    def _drawn(self, scan: LiveScan, view: str, index: int, widget: Any) -> None:
        widget.replot()
        self.draw_log.append((scan.key.uid, view, index, scan.epoch(index), time.time()))

    def _view(self, name: str, cls: type) -> Any:
        view = self._views.get(name)
        if not isinstance(view, cls):
            if view is not None:
                self.tabs.removeTab(self.tabs.indexOf(view))
            view = self._views[name] = cls()
            self.tabs.addTab(view, name)
        return view

    def _show_plot(self, name: str) -> None:
        scan = self.model.plots[name]
        images = scan.choice.images
        if images and images[0].fullname in scan.latest:
            view = self._view(name, ImageView)
            view.show_frame(scan, images[0])
        elif scan.choice.kind is not None:
            view = self._view(name, CurveView)
            view.show_scan(scan, {})
        else:
            return
        self.tabs.setCurrentWidget(view)

    def describe(self) -> dict:
        """What each tab shows: title, axis labels, items (curves, markers...)."""
        views = {}
        for name in self.tab_names():
            plot = self._tab(name)
            items = {}
            for item in plot.getItems():
                kind = type(item).__name__
                entry: dict[str, Any] = {"kind": kind}
                if hasattr(item, "getXPosition") and kind.endswith("Marker"):
                    entry.update(position=item.getXPosition(), text=item.getText())
                elif hasattr(item, "getXData") and kind in ("Curve", "Scatter"):
                    entry["points"] = int(numpy.isfinite(item.getXData(copy=False)).sum())
                elif kind == "ImageData":
                    entry["shape"] = list(item.getData(copy=False).shape)
                items[item.getName()] = entry
            views[name] = {"title": plot.getGraphTitle(), "x_label": plot.getXAxis().getLabel(),
                           "y_label": plot.getYAxis().getLabel(), "items": items}
        return views

    def tab_names(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def _tab(self, name: str | None) -> qt.QWidget:
        if name is None:
            return self.tabs.currentWidget()
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == name:
                return self.tabs.widget(i)
        raise LookupError(f"no tab {name!r} in the plot window (its tabs: {', '.join(self.tab_names())})")

    def grab_tab(self, name: str | None = None) -> qt.QImage:
        """An image of tab ``name`` (default: the current one), drawn now."""
        widget = self._tab(name)
        self.tabs.setCurrentWidget(widget)
        qt.QApplication.processEvents()
        if hasattr(widget, "replot"):
            widget.replot()
        return widget.grab().toImage()

    def _act(self, message: dict) -> None:
        cmd = message.get("cmd")
        answer: dict[str, Any] = {"cmd": "reply", "id": message.get("id"), "ok": True}
        try:
            if cmd == "set_title":
                self.setWindowTitle(str(message.get("title") or "bliss_lite plot"))
            elif cmd == "close":
                qt.QApplication.quit()
            elif cmd == "grab":
                image = self.grab_tab(message.get("tab"))
                if not image.save(str(message["filename"]), "PNG"):
                    raise OSError(f"cannot write {message['filename']}")
                answer["filename"] = str(message["filename"])
            elif cmd == "tabs":
                answer["tabs"] = self.tab_names()
            elif cmd == "describe":
                answer["views"] = self.describe()
            elif cmd == "draw_log":
                uid = message.get("uid")
                answer["log"] = [list(entry[1:]) for entry in self.draw_log if uid in (None, entry[0])]
            elif cmd == "ping":
                pass
            else:
                raise ValueError(f"unknown command {cmd!r}")
        except Exception as exc:
            answer.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        if message.get("id") is not None:
            self.reply(answer)


# ------------------------------------------------------------------- the process


def _read_events(sock: socket.socket, window: FlintWindow, on_close: Callable[[], None]) -> None:
    try:
        while True:
            payload = protocol.read_frame(sock)
            if payload is None:
                break
            try:
                window.feed(protocol.decode(payload))
            except ValueError as exc:  # a damaged frame: skip it, keep the window
                print(f"bliss_lite plot window: frame skipped ({exc})", file=sys.stderr)
    except OSError:
        pass
    on_close()


def run(feed: Callable[[FlintWindow, Callable[[], None]], None], title: str = "bliss_lite plot",
        commands: socket.socket | None = None, draw_delay: float = 0.0) -> int:
    """Show a plot window until it is closed (or SIGINT).  ``feed(window, quit)``
    runs in a thread of its own and feeds the window; ``quit()`` closes it.
    ``commands``: a socket of command frames, answered on it (and the window closes
    when it is closed)."""
    send_lock = threading.Lock()

    def reply(message: dict) -> None:
        if commands is None:
            return
        try:
            with send_lock:
                protocol.write_frame(commands, protocol.COMMAND + json.dumps(message).encode())
        except OSError:
            pass

    app = qt.QApplication([sys.argv[0]])
    app.setApplicationName("bliss_lite plot")
    window = FlintWindow(reply, draw_delay)
    window.setWindowTitle(title)
    closed = threading.Event()

    def quit_soon() -> None:
        if not closed.is_set():
            closed.set()
            qt.QMetaObject.invokeMethod(app, "quit", qt.Qt.QueuedConnection)

    signal.signal(signal.SIGINT, lambda *_: quit_soon())  # handled at the next redraw tick
    threading.Thread(target=feed, args=(window, quit_soon), name="plot feed", daemon=True).start()
    if commands is not None:
        threading.Thread(target=_read_events, args=(commands, window, quit_soon), daemon=True).start()
    window.show()
    reply({"cmd": "ready", "pid": os.getpid()})
    app.exec()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bliss_lite.flint.window",
                                     description="bliss_lite's plot window (started by flint()).")
    parser.add_argument("--events-fd", type=int, required=True, help="socket of the scan events")
    parser.add_argument("--commands-fd", type=int, required=True, help="socket of the commands and answers")
    parser.add_argument("--title", default="bliss_lite plot")
    parser.add_argument("--draw-delay", type=float, default=0.0,
                        help="seconds of sleep added to every redraw (a window that cannot keep up)")
    args = parser.parse_args(argv)
    events = socket.socket(fileno=args.events_fd)
    commands = socket.socket(fileno=args.commands_fd)
    # the session went away (its event socket closed): the window goes too
    return run(lambda window, quit_soon: _read_events(events, window, quit_soon), args.title, commands,
               args.draw_delay)


if __name__ == "__main__":
    sys.exit(main())
