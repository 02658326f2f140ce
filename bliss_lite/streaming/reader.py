"""Scans read back from the data Redis as bliss_lite scan events.

:func:`follow_scans` waits for the scans of one session (BLISS's reader API:
``DataStore.get_next_scan`` then a ``CursorGroup`` over the scan's streams) and hands
each one's :class:`~bliss_lite.events.ScanStart`, :class:`~bliss_lite.events.ScanPoints`
blocks and :class:`~bliss_lite.events.ScanEnd` to a subscriber, exactly as the session
handed them to its own subscribers (START and END are the session's own events, carried
in ``scan_info['bliss_lite']``; the points come from the streams, in blocks as they
arrive).  A stream entry that cannot be decoded is skipped with one warning per scan and
its rows filled (NaN, 0 or ""), so that the other channels stay aligned; a scan whose
``scan_info`` is not a bliss_lite one is skipped with one warning.
"""

from __future__ import annotations

import base64
import time
import warnings
from typing import Any, Callable

import numpy

from bliss_lite._common import exception_text
from bliss_lite.events import ScanEnd, ScanPoints, ScanStart, ScanSubscriber, from_bytes
from bliss_lite.streaming.url import RedisURL

__all__ = ["ReaderWarning", "follow_scans", "read_scan"]


class ReaderWarning(UserWarning):
    """Something read from the data Redis was skipped."""


def _warn(message: str) -> None:
    warnings.warn(message, ReaderWarning, stacklevel=2)


def _event(info: dict, which: str) -> Any:
    carried = info.get("bliss_lite")
    if not isinstance(carried, dict) or which not in carried:
        return None
    return from_bytes(base64.b64decode(carried[which]))


def read_scan(scan: Any, subscriber: ScanSubscriber, poll: float = 0.5) -> bool:
    """Give ``subscriber`` the events of one blissdata scan (blocking until it is
    closed); False when it is not a bliss_lite scan or cannot be read."""
    from blissdata import ScanState

    while scan.state < ScanState.PREPARED:
        scan.update()
    try:
        start = _event(scan.info, "start")
    except Exception as exc:
        _warn(f"scan {scan.key} has a damaged bliss_lite start event ({exception_text(exc)}): skipped")
        return False
    if not isinstance(start, ScanStart):
        _warn(f"scan {scan.key} ({scan.info.get('title')!r}) was not published by bliss_lite: skipped")
        return False
    subscriber.scan_start(start)
    specs = {spec.fullname: spec for spec in start.channels}
    columns = _Columns(specs, start.key.number)
    try:
        end = _read_rest(scan, start, specs, columns, subscriber, poll)
    except BaseException:  # Redis went away mid-scan: the subscriber still gets an END
        subscriber.scan_end(ScanEnd(start.key, dict(start.scan_info, end_reason="FAILURE"), columns.emitted))
        raise
    subscriber.scan_end(end)
    return True


def _read_rest(scan: Any, start: ScanStart, specs: dict, columns: "_Columns",
               subscriber: ScanSubscriber, poll: float) -> ScanEnd:
    from blissdata import ScanState
    from blissdata.exceptions import EndOfStream
    from blissdata.streams import CursorGroup

    streams = {name: stream for name, stream in scan.streams.items() if name in specs}
    if streams:
        cursors = CursorGroup(list(streams.values()))
        while True:
            try:
                views = cursors.read(timeout=poll)
            except EndOfStream:
                break
            for stream, view in views.items():
                columns.add(stream.name, view)
            block = columns.block()
            if block is not None:
                subscriber.scan_points(ScanPoints(start.key, block[0], block[1]))
    while scan.state < ScanState.CLOSED:
        scan.update()
    try:
        end = _event(scan.info, "end")
    except Exception as exc:
        _warn(f"scan {scan.key} has a damaged bliss_lite end event ({exception_text(exc)})")
        end = None
    if not isinstance(end, ScanEnd):
        info = dict(start.scan_info, end_reason=scan.info.get("end_reason", "FAILURE"))
        end = ScanEnd(start.key, info, columns.emitted)
    return end


class _Columns:
    """Per channel, the values read so far; complete rows go out as blocks."""

    def __init__(self, specs: dict, number: Any) -> None:
        self.specs = specs
        self.number = number
        self.parts: dict[str, list[numpy.ndarray]] = {name: [] for name in specs}
        self.counts = dict.fromkeys(specs, 0)
        self.emitted = 0
        self._warned = False

    def add(self, name: str, view: Any) -> None:
        try:
            data = view.get_data()
            if isinstance(data, list):  # varying point shapes (a (-1,) channel)
                array = numpy.empty(len(data), dtype=object)
                array[:] = data
                data = array
            data = numpy.asarray(data) if not isinstance(data, numpy.ndarray) else data
            if len(data) != len(view):
                raise ValueError(f"{len(data)} values for {len(view)} points")
        except Exception as exc:
            if not self._warned:
                self._warned = True
                _warn(f"scan {self.number}: a malformed entry of stream {name!r} was skipped "
                      f"({exception_text(exc)}); its points are filled")
            data = self._fill(name, len(view))
        gap = view.index - self.counts[name]
        if gap > 0:
            self.parts[name].append(self._fill(name, gap))
        self.parts[name].append(data)
        self.counts[name] = view.index + len(view)

    def _fill(self, name: str, n: int) -> numpy.ndarray:
        spec = self.specs[name]
        dtype = numpy.dtype(spec.dtype)
        shape = (n,) + tuple(max(s, 0) for s in spec.shape)
        if dtype.kind in "fc":
            return numpy.full(shape, numpy.nan, dtype)
        if dtype.kind in "biu":
            return numpy.zeros(shape, dtype)
        return numpy.full(shape, "", dtype=object)

    def block(self) -> tuple[int, dict[str, numpy.ndarray]] | None:
        end = min(self.counts.values(), default=0)
        if end <= self.emitted:
            return None
        n = end - self.emitted
        out = {}
        for name, parts in self.parts.items():
            data = parts[0] if len(parts) == 1 else numpy.concatenate(parts) if parts else self._fill(name, n)
            out[name], rest = data[:n], data[n:]
            self.parts[name] = [rest] if len(rest) else []
        first, self.emitted = self.emitted, end
        return first, out


def follow_scans(url: RedisURL, session: str, subscriber: ScanSubscriber, *,
                 since: str | None = None, stop: Callable[[], bool] = lambda: False,
                 max_scans: int | None = None, retry: float = 1.0,
                 ready: Callable[[], None] | None = None) -> int:
    """Hand every scan of ``session`` created from now on (or after timetag ``since``,
    ``"0-0"``: all kept ones) to ``subscriber``, until ``stop()`` or ``max_scans``.
    A Redis that goes away costs one warning; following goes on when it is back.
    ``ready()`` is called once, when connected.  Returns the number of scans read."""
    from blissdata.exceptions import NoScanAvailable

    from bliss_lite.streaming.publisher import connect_data_store

    done, store, down = 0, None, False
    while not stop() and (max_scans is None or done < max_scans):
        try:
            if store is None:
                try:
                    store = connect_data_store(url, init=False, socket_timeout=30)
                except RuntimeError as exc:
                    if "No blissdata protocol" not in str(exc):
                        raise
                    # reachable, no scan ever published yet: every scan to come is new
                    since = "0-0" if since is None else since
                    if ready is not None:
                        ready()
                        ready = None
                    time.sleep(min(retry, 0.2))
                    continue
                if since is None:
                    since = store.get_last_scan_timetag()
                if ready is not None:
                    ready()
                    ready = None
                if down:
                    _warn(f"the data Redis {url.display()} is back")
                down = False
            try:
                since, key = store.get_next_scan(since=since, timeout=1)
            except NoScanAvailable:
                continue
            scan = store.load_scan(key)
            if getattr(scan, "session", None) != session:
                continue
            if read_scan(scan, subscriber):
                done += 1
        except Exception as exc:
            if not _connection_problem(exc):
                raise
            if not down:
                _warn(f"the data Redis {url.display()} cannot be read "
                      f"({exception_text(exc).replace(url.url, url.display())}); waiting for it")
            down, store = True, None
            time.sleep(retry)
    return done


def _connection_problem(exc: BaseException) -> bool:
    import redis

    return isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)) or (
        isinstance(exc, RuntimeError) and "blissdata protocol" in str(exc))
