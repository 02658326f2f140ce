"""The live plot window, as BLISS's Flint: ``flint()``, ``plotinit``, ``replot``, ``plot``.

The window is a separate process (``python -m bliss_lite.flint.window``, silx +
Qt, the ``flint`` extra: ``pip install 'bliss_lite[flint]'``) fed with the
session's scan events over local sockets; this package, the session's side, imports
no Qt.  See :mod:`.link` (the session's subscriber), :mod:`.process` (one window
process), :mod:`.protocol` (the frames), :mod:`.model` and :mod:`.window` (the
window's side).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy

from bliss_lite.events import ChannelSpec, ScanEnd, ScanKey, ScanPoints, ScanStart
from bliss_lite.flint.link import FlintProxy, PlotLink, display_problem
from bliss_lite.flint.process import WindowError

__all__ = ["flint", "plotinit", "replot", "plot", "edit_roi_counters", "FlintProxy", "PlotLink",
           "WindowError", "display_problem", "open_for_session"]


def _link() -> PlotLink:
    """The current session's plot link (made for a session-less context)."""
    from bliss_lite import current

    state = current.get()
    ctx = state.scan_context
    for subscriber in ctx.subscribers:
        if isinstance(subscriber, PlotLink):
            return subscriber
    link = PlotLink(state.namespace.get("SCAN_DISPLAY"), ctx.session_name)
    ctx.subscribers.append(link)
    return link


def _names(counters: tuple) -> list[str]:
    names: list[str] = []
    for counter in counters:
        name = counter if isinstance(counter, str) else getattr(counter, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"plotinit() takes counters or counter names, not {counter!r}")
        if name not in names:
            names.append(name)
    return names


def flint() -> FlintProxy:
    """The running plot window, else a new one (it opens in the background:
    ``flint().wait_started()`` waits for it)."""
    window = _link().open()
    print(f"Current plot window PID: {window.pid}")
    return FlintProxy(window)


def plotinit(*counters: Any) -> None:
    """Select the counters the next scan shows (that scan only)."""
    link = _link()
    if counters:
        link.next_counters = _names(counters)
    else:
        print("\nplotinit usage:\n    plotinit(<counters>*)\nexample:\n    plotinit(counter1, counter2)")
    print("")
    if link.next_counters:
        print("Plotted counter(s) for the next scan:")
        for name in link.next_counters:
            print(f"- {name}")
    else:
        print("No specific counter(s) for the next scan")
    print("")


def replot() -> None:
    """Clear the markers of the plot window and draw the last scan afresh."""
    window = _link().live()
    if window is None:
        print("replot: no plot window is open (flint() opens one).")
        return
    window.send("replot")


def plot(data: Any, name: str | None = None) -> None:
    """Show ``data`` in a tab ``name`` of the plot window (opened if needed): a 1-D
    array as a curve, a 2-D array as an image, a dict of 1-D arrays as curves against
    its ``"x"`` item (or the index)."""
    name = str(name or "plot")
    if isinstance(data, dict):
        arrays = {str(k): numpy.asarray(v) for k, v in data.items()}
        if not arrays or any(a.ndim != 1 for a in arrays.values()) or len({len(a) for a in arrays.values()}) != 1:
            raise ValueError(f"plot(): a dict must hold 1-D arrays of one length, got "
                             f"{ {k: a.shape for k, a in arrays.items()} }")
        channels = [ChannelSpec(k, f"plot:{k}", kind="motor" if k == "x" else "counter") for k in arrays]
        npoints, points = len(next(iter(arrays.values()))), {f"plot:{k}": a for k, a in arrays.items()}
    else:
        array = numpy.asarray(data)
        if array.ndim == 1:
            channels, npoints, points = [ChannelSpec(name, f"plot:{name}")], len(array), {f"plot:{name}": array}
        elif array.ndim == 2:
            channels = [ChannelSpec(name, f"plot:{name}", dtype=array.dtype.str, shape=array.shape)]
            npoints, points = 1, {f"plot:{name}": array[numpy.newaxis]}
        else:
            raise ValueError(f"plot(): data must be 1-D (a curve) or 2-D (an image), got shape {array.shape}")
    if not all(a.dtype.kind in "biuf" for a in points.values()):
        raise ValueError("plot(): data must be numbers")
    link = _link()
    window = link.open()
    key = ScanKey(link.session_name, None)
    info = {"type": "plot", "title": name, "plot_name": name, "npoints": npoints}
    window.scan_start(ScanStart(key, info, channels))
    window.scan_points(ScanPoints(key, 0, {k: numpy.array(v) for k, v in points.items()}))
    window.scan_end(ScanEnd(key, info, npoints))


def edit_roi_counters(detector: Any, acq_time: float | None = None) -> None:
    """BLISS's ROI editor: not in bliss_lite (the window draws the ROIs a camera has)."""
    name = getattr(detector, "name", detector)
    print(f"edit_roi_counters({name}): ROIs cannot be drawn with the mouse in bliss_lite; "
          f"the plot window shows the ROIs {name} has.")


def open_for_session(session: Any) -> None:
    """Open the window at session start when its YAML says ``flint: true`` (a
    wrong value, or no display, is one line, never an error)."""
    if getattr(session, "is_default", True):
        return
    node = session.config.sessions[session.name]
    value = node.get("flint")
    if value is None or value is False:
        return
    if value is not True:
        print(f"Warning: {node.filename}, line {node.line_of('flint')}, session '{session.name}': "
              f"'flint' must be true or false, got {value!r}", file=sys.stderr)
        return
    _link().try_open(f"flint: true in {node.filename}")
