"""The session's plot link: the scan subscriber between a session and its window.

A session holds one :class:`PlotLink` among its subscribers.  At each scan's start
it hands the scan to the live window, if any, else starts one when
``SCAN_DISPLAY.auto`` is on and a display exists (else says once, in one line, why
not).  It also takes the alignment functions' notices (``alignment_markers``,
``plotselect_changed``: see :mod:`bliss_lite.scanning.alignment`) to the window.
Never blocking, never raising into the scan: the window is a view.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any, Sequence

from bliss_lite.events import ScanEnd, ScanKey, ScanPoints, ScanStart
from bliss_lite.flint.process import WindowError, WindowProcess

__all__ = ["PlotLink", "FlintProxy", "display_problem", "EXTRA_MODULES"]

#: What the window process imports (the ``flint`` extra of pyproject.toml).
EXTRA_MODULES = ("silx", "PyQt5", "qtawesome", "OpenGL", "matplotlib")
INSTALL_HINT = "pip install 'bliss_lite[flint]'"


def display_problem() -> str | None:
    """Why a plot window cannot open here, or None.  Looks for the extra's modules
    without importing them, and for a display (``DISPLAY``, ``WAYLAND_DISPLAY`` or a
    ``QT_QPA_PLATFORM`` such as ``offscreen``) on X11/Wayland systems."""
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        return f"the plot window needs the flint extra ({', '.join(missing)} missing): {INSTALL_HINT}"
    if sys.platform not in ("darwin", "win32") and not any(
            os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return "no display: DISPLAY is not set (QT_QPA_PLATFORM=offscreen draws without one)"
    return None


class PlotLink:
    """See the module's documentation.  ``display`` is the session's
    ``SCAN_DISPLAY`` (its ``auto`` and ``extra_args``)."""

    def __init__(self, display: Any = None, session_name: str = "") -> None:
        self.display = display
        self.session_name = session_name
        self.window: WindowProcess | None = None
        self.next_counters: list[str] | None = None  # plotinit: the next scan only
        self._scan_windows: dict[str, WindowProcess] = {}
        self._said: set[str] = set()

    def __repr__(self) -> str:
        return f"PlotLink({'window pid %d' % self.window.pid if self.live() else 'no window'})"

    # -- the window ----------------------------------------------------------------------

    def live(self) -> WindowProcess | None:
        """The running window, if any."""
        window = self.window
        if window is not None and not window.alive():
            window.shutdown()
            self.window = window = None
        return window

    def open(self) -> WindowProcess:
        """The running window, or a new one (``WindowError`` when none can open here)."""
        window = self.live()
        if window is None:
            problem = display_problem()
            if problem is not None:
                raise WindowError(f"No plot window: {problem}.")
            title = f"bliss_lite plot: {self.session_name}" if self.session_name else None
            window = self.window = WindowProcess(list(getattr(self.display, "extra_args", None) or []), title)
        return window

    def try_open(self, why: str) -> WindowProcess | None:
        """:meth:`open`, or one line (once per reason) saying why not."""
        try:
            return self.open()
        except (WindowError, OSError) as exc:
            text = f"{why}: {exc}"
            if text not in self._said:
                self._said.add(text)
                print(text.rstrip(".") + ".", file=sys.stdout, flush=True)
            return None

    def close(self) -> None:
        """Close the window (the session ends)."""
        window, self.window = self.window, None
        if window is not None:
            window.close(timeout=2.0)

    # -- scan events (the scan thread) -------------------------------------------------------

    def scan_start(self, event: ScanStart) -> None:
        counters, self.next_counters = self.next_counters, None
        window = self.live()
        if window is None and getattr(self.display, "auto", False):
            window = self.try_open("SCAN_DISPLAY.auto")
        if window is not None:
            self._scan_windows[event.key.uid] = window
            window.scan_start(event, counters)

    def scan_points(self, event: ScanPoints) -> None:
        window = self._scan_windows.get(event.key.uid)
        if window is not None:
            window.scan_points(event)

    def scan_end(self, event: ScanEnd) -> None:
        window = self._scan_windows.pop(event.key.uid, None)
        if window is not None:
            window.scan_end(event)

    # -- notices of the alignment functions ------------------------------------------------

    def alignment_markers(self, key: ScanKey, markers: Sequence[Any], clear: bool) -> None:
        window = self.live()
        if window is not None:
            window.send("markers", uid=key.uid, clear=bool(clear),
                        markers=[{"axis": m.axis, "id": m.id, "position": m.position, "label": m.label}
                                 for m in markers])

    def plotselect_changed(self, names: Sequence[str]) -> None:
        window = self.live()
        if window is not None:
            window.send("plotselect", counters=list(names))


class FlintProxy:
    """What ``flint()`` returns: a handle on the running plot window."""

    def __init__(self, window: WindowProcess) -> None:
        self._window = window

    @property
    def pid(self) -> int:
        """The window process's id."""
        return self._window.pid

    def is_alive(self) -> bool:
        return self._window.alive()

    def wait_started(self, timeout: float = 30.0) -> "FlintProxy":
        """Wait until the window is up; ``WindowError`` naming its log otherwise."""
        self._window.wait_started(timeout)
        return self

    def set_title(self, title: str) -> None:
        """The window's title."""
        self._window.send("set_title", title=str(title))

    def tabs(self) -> list[str]:
        """The names of the window's tabs."""
        return list(self._window.request("tabs")["tabs"])

    def describe(self) -> dict:
        """What each tab shows: ``{tab: {"title", "x_label", "y_label", "items":
        {name: {"kind", ...}}}}``."""
        return dict(self._window.request("describe")["views"])

    def grab(self, filename: str, tab: str | None = None) -> str:
        """Save a picture of tab ``tab`` (default: the current one) as PNG ``filename``."""
        return self._window.request("grab", filename=os.path.abspath(filename), tab=tab)["filename"]

    def draw_log(self, uid: str | None = None) -> list[tuple]:
        """``(view, point index, its acquisition epoch or None, time drawn)`` for each
        redraw of scan ``uid`` (default: every scan), oldest first."""
        return [tuple(entry) for entry in self._window.request("draw_log", uid=uid)["log"]]

    def close(self) -> None:
        """Close the window (the next ``flint()`` opens a new one)."""
        self._window.close()

    def kill(self) -> None:
        """Kill the window process (SIGKILL)."""
        self._window.kill()

    kill9 = kill

    def __repr__(self) -> str:
        state = "running" if self.is_alive() else "closed"
        return f"<plot window pid {self.pid} ({state})>"

    def __info__(self) -> str:
        return repr(self)
