"""What the terminal shows while a scan runs: ``SCAN_DISPLAY`` and its scan printer.

``SCAN_DISPLAY.mode`` chooses, for every following scan:

* ``"table"`` (default): a header (number of points, scan number, start date, file,
  session, user, title), then one row per point (``#``, ``dt[s]``, motors,
  counters) as in BLISS's scan printer, then ``Took 0:00:01.234567``.  Rows are
  decimated above ~20 points/s (the last point always shows) so that printing never
  slows a fast scan; on a terminal a progress line then follows the table.
* ``"progress"``: the header, a progress line on a terminal, and the summary.
* ``"off"``: nothing.

``ct``/``sct`` print one line per counter with its value, unit and rate (BLISS's
``ct`` output) in "table" and "progress" modes.

Output goes to whatever ``sys.stdout`` is when each event arrives.

``SCAN_DISPLAY.auto = True`` opens the plot window (``flint()``) at the next scan
when none is open and a display exists; ``SCAN_DISPLAY.extra_args`` are given to
the window process at its next start (e.g. ``["--draw-delay", "0.5"]``).
"""

from __future__ import annotations

import datetime
import numbers
import sys
import time
from typing import Any, NamedTuple

from bliss_lite.devices._text import label as _label
from bliss_lite.events import ScanEnd, ScanPoints, ScanStart

__all__ = ["DISPLAY_MODES", "ScanDisplay", "ScanPrinter"]

DISPLAY_MODES = ("table", "progress", "off")
STORE_KEY = "scan_display"

_CLEAR_LINE = "\r\33[2K"
_DATE_FORMAT = "%a %b %d %H:%M:%S %Y"


class ScanDisplay:
    """``SCAN_DISPLAY``: how scans show in the terminal (persisted in ``store``)."""

    def __init__(self, store: Any = None) -> None:
        self._store = store
        self._mode = "table"
        self._auto = False
        self._extra_args: list[str] = []
        saved = store.get(STORE_KEY, None) if store is not None else None
        if isinstance(saved, dict):
            if saved.get("mode") in DISPLAY_MODES:
                self._mode = saved["mode"]
            self._auto = saved.get("auto") is True
            extra = saved.get("extra_args")
            if isinstance(extra, list) and all(isinstance(a, str) for a in extra):
                self._extra_args = extra

    def _save(self) -> None:
        if self._store is not None:
            self._store.set(STORE_KEY, {"mode": self._mode, "auto": self._auto, "extra_args": list(self._extra_args)})

    @property
    def mode(self) -> str:
        """``"table"`` | ``"progress"`` | ``"off"``."""
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in DISPLAY_MODES:
            valid = ", ".join(repr(m) for m in DISPLAY_MODES)
            raise ValueError(f"SCAN_DISPLAY.mode must be one of {valid}, not {value!r}.")
        self._mode = value
        self._save()

    @property
    def auto(self) -> bool:
        """Open the plot window at each scan when none is open (BLISS's Flint)."""
        return self._auto

    @auto.setter
    def auto(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"SCAN_DISPLAY.auto must be True or False, not {value!r}.")
        self._auto = value
        self._save()

    @property
    def extra_args(self) -> list[str]:
        """Command-line arguments of the plot window process at its next start."""
        return list(self._extra_args)

    @extra_args.setter
    def extra_args(self, value: list[str] | tuple[str, ...]) -> None:
        if not isinstance(value, (list, tuple)) or not all(isinstance(a, str) for a in value):
            raise TypeError(f"SCAN_DISPLAY.extra_args must be a list of strings, not {value!r}.")
        self._extra_args = list(value)
        self._save()

    def subscriber(self, scan: Any) -> "ScanPrinter | None":
        """A printer for ``scan`` in the current mode, or None when the mode is "off"."""
        if self._mode == "off":
            return None
        return ScanPrinter(self._mode)

    def __info__(self) -> str:
        return (f"SCAN_DISPLAY\n  mode: {self._mode!r}  (one of {', '.join(repr(m) for m in DISPLAY_MODES)})\n"
                f"  auto: {self._auto}  (open the plot window at each scan)\n"
                f"  extra_args: {self._extra_args!r}")

    def __repr__(self) -> str:
        return f"ScanDisplay(mode={self._mode!r}, auto={self._auto})"


class _Column(NamedTuple):
    label: str
    fullname: str
    width: int


def _write(text: str) -> None:
    stream = sys.stdout
    stream.write(text)
    stream.flush()


def _isatty() -> bool:
    try:
        return bool(sys.stdout.isatty())
    except Exception:
        return False


def _parse_time(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _cell(value: Any) -> str:
    """A table cell: numbers as BLISS's ``{:g}``, anything else as ``str``."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):g}"
    return str(value)


def _centred_number(value: Any, before: int, after: int) -> str:
    """``value`` padded so that its decimal point sits after ``before`` characters,
    always ``before + after + 1`` characters wide (BLISS's ct alignment)."""
    text = str(int(value)) if isinstance(value, numbers.Integral) else f"{float(value):#g}"
    head = len(text.split(".")[0])
    tail = len(text) - head - 1
    return " " * max(before - head, 0) + text + " " * max(after - tail, 0)


class ScanPrinter:
    """A :class:`~bliss_lite.events.ScanSubscriber` printing one scan.

    ``mode`` is "table" or "progress"; ``tty`` forces (or denies) the terminal-only
    progress line, default: ``sys.stdout.isatty()`` when the scan starts.
    """

    #: Rows printed at most per second once ``ROW_BURST`` rows are spent.
    ROW_RATE = 20.0
    ROW_BURST = 40
    #: Minimum time between two progress-line refreshes.
    PROGRESS_PERIOD = 0.1
    #: A scan with this many points or this many seconds of counting is "long".
    LONG_POINTS = 100
    LONG_SECONDS = 10.0

    def __init__(self, mode: str = "table", tty: bool | None = None) -> None:
        if mode not in ("table", "progress"):
            raise ValueError(f"ScanPrinter mode must be 'table' or 'progress', not {mode!r}.")
        self._mode = mode
        self._force_tty = tty
        self._kind = mode
        self._tty = False
        self._info: dict = {}
        self._key: Any = None
        self._columns: list[_Column] = []
        self._motor_columns: list[_Column] = []
        self._counter_columns: list[_Column] = []
        self._elapsed_fullname: str | None = None
        self._not_shown: list[str] = []
        self._npoints = 0
        self._long = False
        self._t0 = 0.0
        self._tokens = float(self.ROW_BURST)
        self._t_tokens = 0.0
        self._t_progress = 0.0
        self._progress_on_screen = False
        self._skipped = False
        self._rows_shown = 0
        self._done = 0
        self._last_block: ScanPoints | None = None
        self._last_printed = -1

    # -- events -------------------------------------------------------------------------

    def scan_start(self, event: ScanStart) -> None:
        info = event.scan_info
        self._info = info
        self._key = event.key
        self._t0 = self._t_tokens = time.monotonic()
        self._tty = _isatty() if self._force_tty is None else self._force_tty
        self._kind = "ct" if info.get("type") in ("ct", "sct") else self._mode
        self._npoints = int(info.get("npoints") or 0)
        count_time = float(info.get("count_time") or 0.0)
        self._long = (
            self._npoints == 0
            or self._npoints >= self.LONG_POINTS
            or self._npoints * count_time >= self.LONG_SECONDS
        )
        self._build_columns(event.channels)
        if self._kind != "ct":
            _write("\n".join(self._header_lines()) + "\n")

    def scan_points(self, event: ScanPoints) -> None:
        n = len(event)
        if n == 0:
            return
        self._done = event.first_index + n
        self._last_block = event
        if self._kind == "ct":
            return
        parts: list[str] = []
        if self._kind == "table":
            count = self._row_budget(n)
            if count < n:
                self._skipped = True
            if count:
                if self._progress_on_screen:
                    parts.append(_CLEAR_LINE)
                    self._progress_on_screen = False
                picks = [n - 1 - (j * n) // count for j in range(count)][::-1]
                parts.append("\n".join(self._row(event, i) for i in picks) + "\n")
                self._rows_shown += count
                self._last_printed = event.first_index + picks[-1]
        show_progress = self._tty and (self._kind == "progress" or self._skipped or self._long)
        if show_progress:
            now = time.monotonic()
            if not self._progress_on_screen or now - self._t_progress >= self.PROGRESS_PERIOD:
                parts.append(_CLEAR_LINE + self._progress_text())
                self._progress_on_screen = True
                self._t_progress = now
        if parts:
            _write("".join(parts))

    def scan_end(self, event: ScanEnd) -> None:
        self._info = event.scan_info or self._info
        self._done = max(self._done, int(event.npoints))
        if self._kind == "ct":
            _write("\n".join(self._ct_lines()) + "\n")
            return
        parts: list[str] = []
        if self._progress_on_screen:
            parts.append(_CLEAR_LINE)
            self._progress_on_screen = False
        block = self._last_block
        if self._kind == "table":
            if block is not None and self._last_printed != block.first_index + len(block) - 1:
                parts.append(self._row(block, len(block) - 1) + "\n")
                self._rows_shown += 1
        else:
            parts.append(self._progress_text() + "\n")
        parts.append("\n" + self._summary() + "\n")
        _write("".join(parts))

    # -- layout ---------------------------------------------------------------------------

    def _build_columns(self, channels) -> None:
        timer: list[_Column] = []
        motors: list[_Column] = []
        counters: list[_Column] = []
        self._not_shown = []
        self._elapsed_fullname = None
        for channel in channels:
            if tuple(channel.shape) != ():
                self._not_shown.append(channel.name)
                continue
            if channel.kind == "timer":
                if channel.name == "elapsed_time":
                    label = _label("dt", channel.unit or "s")
                    timer.append(_Column(label, channel.fullname, max(len(label), 12)))
                    self._elapsed_fullname = channel.fullname
                continue
            label = _label(channel.name, channel.unit)
            column = _Column(label, channel.fullname, max(len(label), 12))
            (motors if channel.kind == "motor" else counters).append(column)
        self._motor_columns = motors
        self._counter_columns = counters
        self._columns = [_Column("#", "", 12)] + timer + motors + counters

    def _header_lines(self) -> list[str]:
        info = self._info
        if self._npoints:
            lines = [f"Total {self._npoints} points"]
        else:
            lines = ["Total: until stopped (Ctrl-C)"]
        if self._not_shown:
            lines.append("Activated counters not shown: " + ", ".join(self._not_shown))
        lines.append("")
        number = info.get("scan_nb", getattr(self._key, "number", ""))
        start = _parse_time(info.get("start_time")) or datetime.datetime.now().astimezone()
        filename = info.get("filename") or getattr(self._key, "filename", None)
        if not filename or info.get("save") is False:
            filename = "not saved"
        words = [f"Scan {number}", start.strftime(_DATE_FORMAT), str(filename)]
        if info.get("session_name"):
            words.append(str(info["session_name"]))
        if info.get("user_name"):
            words.append(f"user = {info['user_name']}")
        lines.append(" ".join(words))
        lines.append(str(info.get("title") or info.get("name", "")))
        lines.append("")
        if self._kind == "table":
            lines.append("  ".join(c.label.rjust(c.width) for c in self._columns))
        return lines

    def _row(self, block: ScanPoints, i: int) -> str:
        cells = [str(block.first_index + i).rjust(12)]
        data = block.data
        for column in self._columns[1:]:
            values = data.get(column.fullname)
            text = _cell(values[i]) if values is not None and i < len(values) else ""
            cells.append(text.rjust(column.width))
        return "  ".join(cells)

    def _row_budget(self, n: int) -> int:
        """How many of ``n`` new rows may be printed now (token bucket)."""
        now = time.monotonic()
        self._tokens = min(float(self.ROW_BURST), self._tokens + (now - self._t_tokens) * self.ROW_RATE)
        self._t_tokens = now
        count = min(n, int(self._tokens))
        self._tokens -= count
        return count

    def _elapsed(self) -> float:
        block = self._last_block
        if block is not None and self._elapsed_fullname in block.data:
            try:
                return float(block.data[self._elapsed_fullname][-1])
            except (TypeError, ValueError, IndexError):
                pass
        return time.monotonic() - self._t0

    def _progress_text(self) -> str:
        scan_type = str(self._info.get("type") or "scan")
        if self._npoints:
            width = len(str(self._npoints))
            percent = min(100, self._done * 100 // self._npoints)
            text = f"   {scan_type} {self._done:>{width}}/{self._npoints} points {percent:3d}%"
        else:
            text = f"   {scan_type} {self._done} points"
        elapsed = datetime.timedelta(seconds=int(max(self._elapsed(), 0.0)))
        text += f"   elapsed {elapsed}"
        block = self._last_block
        if block is not None:
            for column in self._motor_columns:
                values = block.data.get(column.fullname)
                if values is not None and len(values):
                    text += f"   {column.label} {_cell(values[-1])}"
        return text

    def _duration(self) -> datetime.timedelta:
        start = _parse_time(self._info.get("start_time"))
        end = _parse_time(self._info.get("end_time"))
        if start is not None and end is not None:
            try:
                return end - start
            except TypeError:  # one aware, one naive
                pass
        return datetime.timedelta(seconds=time.monotonic() - self._t0)

    def _summary(self) -> str:
        text = f"Took {self._duration()}"
        notes = []
        reason = self._info.get("end_reason", "SUCCESS")
        if reason and reason != "SUCCESS":
            done = f"{self._done}/{self._npoints}" if self._npoints else f"{self._done}"
            notes.append(f"{reason} after {done} points")
        if self._kind == "table" and self._skipped:
            notes.append(f"{self._rows_shown} of {self._done} rows shown")
        if notes:
            text += " (" + ", ".join(notes) + ")"
        return text

    def _ct_lines(self) -> list[str]:
        info = self._info
        when = _parse_time(info.get("end_time")) or _parse_time(info.get("start_time"))
        when = when or datetime.datetime.now().astimezone()
        lines = ["", f"   {when.strftime(_DATE_FORMAT)}", ""]
        block = self._last_block
        count_time = float(info.get("count_time") or 0.0)
        if block is not None and self._counter_columns:
            entries = []
            for column in self._counter_columns:
                values = block.data.get(column.fullname)
                if values is None or not len(values):
                    continue
                name, _, unit = column.label.partition("[")
                controller = column.fullname.rpartition(":")[0]
                entries.append((name, unit.rstrip("]"), values[-1], controller))
            name_width = min(50, max([20] + [len(e[0]) for e in entries]))
            unit_width = min(8, max([0] + [len(e[1]) for e in entries]))
            for name, unit, value, controller in entries:
                unit = f"{unit:>{unit_width}}" if unit_width else ""
                line = f"  {name:>{name_width}}  = {_centred_number(value, 8, 9)}{unit}"
                if count_time > 0 and isinstance(value, numbers.Real):
                    line += f" ({_centred_number(float(value) / count_time, 8, 11)}{unit}/s)"
                if controller:
                    line += f"  {controller}"
                lines.append(line.rstrip())
        if self._not_shown:
            lines.append("  Activated counters not shown: " + ", ".join(self._not_shown))
        reason = info.get("end_reason", "SUCCESS")
        if reason and reason != "SUCCESS":
            lines.append(f"   {info.get('type', 'ct')} ended: {reason} ({self._done} points)")
        return lines
