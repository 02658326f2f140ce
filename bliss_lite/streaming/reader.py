"""Scans read back from the data Redis as bliss_lite scan events.

:func:`follow_scans` waits for the scans of one session (BLISS's reader API:
``DataStore.get_next_scan`` then a ``CursorGroup`` over the scan's streams) and hands
each one's :class:`~bliss_lite.events.ScanStart`, :class:`~bliss_lite.events.ScanPoints`
blocks and :class:`~bliss_lite.events.ScanEnd` to a subscriber, exactly as the session
handed them to its own subscribers (START and END are the session's own events, carried
in ``scan_info['bliss_lite']``; the points come from the streams, in blocks as they
arrive).  A stream entry that cannot be decoded is skipped with one warning per scan and
its rows filled (NaN, 0 or ""), so that the other channels stay aligned; a scan whose
``scan_info`` is not a bliss_lite one is skipped with one warning.  A channel the
reader could not read whole (no stream, fewer points than the session's END counts,
the scan expired from Redis while it was read) is one warning naming the scan and the
channels: what was read is handed on, the rest of a row filled, never silently less.
"""

from __future__ import annotations

import base64
import socket
import time
import warnings
from typing import Any, Callable

import numpy

from bliss_lite._common import exception_text, pid_alive
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
    specs = {spec.fullname: spec for spec in start.channels}
    if specs.keys() - scan.streams.keys():  # loaded while it was prepared
        scan = _reloaded(scan)
    subscriber.scan_start(start)
    columns = _Columns(specs, start.key.number)
    try:
        end = _read_rest(scan, start, specs, columns, subscriber, poll)
    except BaseException:  # Redis went away mid-scan: the subscriber still gets an END
        subscriber.scan_end(ScanEnd(start.key, dict(start.scan_info, end_reason="FAILURE"), columns.emitted))
        raise
    subscriber.scan_end(end)
    return True


_SEAL = 2**64 - 1


def _read_rest(scan: Any, start: ScanStart, specs: dict, columns: "_Columns",
               subscriber: ScanSubscriber, poll: float) -> ScanEnd:
    """Read every stream of the scan to its seal, entry by entry (XREAD over all of
    them at once, as blissdata's CursorGroup does), so that one entry that cannot be
    decoded is skipped alone."""
    from blissdata import ScanState
    from blissdata.streams.encoding import EncodedBatch

    streams = {name: stream for name, stream in scan.streams.items() if name in specs}
    columns.absent(specs.keys() - streams.keys())
    redis = scan._data_store._redis
    by_key = {stream.event_stream.key: (name, stream.event_stream._encoder) for name, stream in streams.items()}
    positions = dict.fromkeys(by_key, "0-0")
    gone = False
    while positions:
        raw = redis.xread(dict(positions), block=int(poll * 1000), count=100) or []
        if not raw and _expired(redis, scan.key):  # its streams will never be sealed now
            gone = True
            _warn(f"scan {start.key.number} expired from the data Redis before it was read whole: "
                  f"channels {_names(by_key[key][0] for key in positions)} stop at the points read")
            break
        if not raw and _publisher_gone(start.scan_info):   # nor now
            gone = True
            _warn(f"scan {start.key.number}: the session that published it (PID "
                  f"{start.scan_info['claimed_by']['pid']}) is gone; its channels stop at the "
                  f"points it published")
            break
        for key, entries in raw:
            key = key.decode() if isinstance(key, bytes) else key
            name, encoder = by_key[key]
            for entry_id, fields in entries:
                positions[key] = entry_id
                index = int(entry_id.split(b"-")[0])
                if index >= _SEAL:
                    positions.pop(key)
                    break
                try:
                    length = int(fields.get(b"len", 1))
                    data = encoder.decode([EncodedBatch(fields[b"payload"], length)])
                except Exception as exc:
                    columns.malformed(name, exc)
                    length = int(fields.get(b"len", 1)) if fields.get(b"len", b"1").isdigit() else 1
                    data = None
                columns.add(name, index, length, data)
        block = columns.block()
        if block is not None:
            subscriber.scan_points(ScanPoints(start.key, block[0], block[1]))
    block = columns.block(final=True)
    if block is not None:
        subscriber.scan_points(ScanPoints(start.key, block[0], block[1]))
    end = None
    if not gone:
        while scan.state < ScanState.CLOSED:
            scan.update()
        carried = scan.info.get("bliss_lite")
        if not isinstance(carried, dict) or "end" not in carried:  # loaded while it was closed
            scan = _reloaded(scan)
        try:
            end = _event(scan.info, "end")
        except Exception as exc:
            _warn(f"scan {scan.key} has a damaged bliss_lite end event ({exception_text(exc)})")
    if not isinstance(end, ScanEnd):
        info = dict(start.scan_info, end_reason=scan.info.get("end_reason", "FAILURE"))
        end = ScanEnd(start.key, info, columns.emitted)
    elif not gone:
        columns.check_complete(end.npoints)
    return end


def _reloaded(scan: Any) -> Any:
    """``scan`` loaded again.  blissdata's ``load_scan`` reads a scan's model, then its
    state: loaded while the session changed its state, a scan has the new state with
    the model of before (PREPARED without its streams, CLOSED without the END
    ``scan_info``).  Its state is known now, so a model read again has what it brought."""
    return scan._data_store.load_scan(scan.key)


def _expired(redis: Any, key: str) -> bool:
    """Is the scan gone from Redis (blissdata deems a key with 10 s or less to live gone)?"""
    ttl = redis.ttl(key)
    return ttl == -2 or 0 <= ttl <= 10


def _publisher_gone(info: dict) -> bool:
    """Has the session process that claimed the scan (``claimed_by``, given for
    the external writer) died?  (One on another host is assumed alive.)"""
    owner = info.get("claimed_by")
    if not isinstance(owner, dict) or owner.get("host") != socket.gethostname():
        return False
    try:
        return not pid_alive(int(owner.get("pid", "")))
    except ValueError:
        return False


def _names(names: Any) -> str:
    return ", ".join(repr(name) for name in sorted(names))


class _Columns:
    """Per channel, the values read so far; complete rows go out as blocks."""

    def __init__(self, specs: dict, number: Any) -> None:
        self.specs = specs
        self.number = number
        self.parts: dict[str, list[numpy.ndarray]] = {name: [] for name in specs}
        self.counts = dict.fromkeys(specs, 0)
        self.held = dict.fromkeys(specs, 0)  # points the channel's stream held (malformed ones too)
        self.missing: set[str] = set()  # channels without a stream: filled
        self.emitted = 0
        self._warned = False

    def absent(self, names: set[str]) -> None:
        """Channels the scan has no stream for: filled, so that the others go on."""
        if names:
            self.missing = set(names)
            _warn(f"scan {self.number}: channels {_names(names)} have no stream in the data Redis: "
                  f"their points are filled (NaN, 0 or '')")

    def check_complete(self, npoints: int) -> None:
        """One warning naming the channels read with fewer than ``npoints`` points
        (those the session acquired)."""
        short = {name: n for name, n in self.held.items() if n < npoints and name not in self.missing}
        if short:
            _warn(f"scan {self.number}: the data Redis held fewer points than the {npoints} the session "
                  f"acquired for channels " + ", ".join(f"{name!r} ({n})" for name, n in sorted(short.items())))

    def malformed(self, name: str, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            _warn(f"scan {self.number}: a malformed entry of stream {name!r} was skipped "
                  f"({exception_text(exc)}); its points are filled")

    def add(self, name: str, index: int, length: int, data: Any) -> None:
        if data is None:
            data = self._fill(name, length)
        elif isinstance(data, list) or any(n < 0 for n in self.specs[name].shape):
            array = numpy.empty(len(data), dtype=object)  # points of varying shapes
            for i, point in enumerate(data):
                array[i] = numpy.asarray(point)
            data = array
        if len(data) != length:
            self.malformed(name, ValueError(f"{len(data)} values for {length} points"))
            data = self._fill(name, length)
        self.held[name] += length
        gap = index - self.counts[name]
        if gap > 0:
            self.parts[name].append(self._fill(name, gap))
        self.parts[name].append(data)
        self.counts[name] = index + length

    def _fill(self, name: str, n: int) -> numpy.ndarray:
        spec = self.specs[name]
        dtype = numpy.dtype(spec.dtype)
        shape = (n,) + tuple(max(s, 0) for s in spec.shape)
        if dtype.kind in "fc":
            return numpy.full(shape, numpy.nan, dtype)
        if dtype.kind in "biu":
            return numpy.zeros(shape, dtype)
        return numpy.full(shape, "", dtype=object)

    def block(self, final: bool = False) -> tuple[int, dict[str, numpy.ndarray]] | None:
        """The rows every channel has (``final``: every row any channel has, the
        others filled)."""
        read = (n for name, n in self.counts.items() if name not in self.missing)
        end = (max if final else min)(read, default=0)
        if end <= self.emitted:
            return None
        n = end - self.emitted
        out = {}
        for name, parts in self.parts.items():
            if self.counts[name] < end:
                parts.append(self._fill(name, end - self.counts[name]))
                self.counts[name] = end
            data = parts[0] if len(parts) == 1 else numpy.concatenate(parts)
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
    from blissdata.exceptions import NoScanAvailable, ScanNotFoundError

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
            try:
                scan = store.load_scan(key)
                if getattr(scan, "session", None) != session:
                    continue
                if read_scan(scan, subscriber):
                    done += 1
            except ScanNotFoundError:
                _warn(f"scan {key} expired from the data Redis before it was read whole: "
                      f"not (completely) handed on")
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
