"""The publisher: a scan subscriber putting every scan into the data Redis through
BLISS's own data protocol (blissdata), so that BLISS's consumers read it unchanged.

It runs on a :class:`~bliss_lite.events.QueuedSubscriber` thread (see
:func:`start_publishing`): the scan only queues events and never waits for Redis.
Per scan: ``create_scan`` with the BLISS-shaped ``scan_info``
(:mod:`bliss_lite.streaming.blissinfo`), one stream per channel (numeric streams with
the channel's dtype and point shape; strings as JSON streams), PREPARED and STARTED,
each block of points as one XADD per stream in one round trip, then the streams
sealed, STOPPED, the final ``scan_info`` (``end_reason``, END metadata) and CLOSED.
A closed scan's keys expire after ``retention`` seconds so that Redis memory stays
bounded.

A Redis that cannot be reached at a scan's start, or that fails during a scan, costs
one warning line; that scan is not published (or not completely), the scan itself and
its file are untouched.  The next scan tries again (at most every ``backoff`` seconds,
doubling up to 30 s while Redis stays away).
"""

from __future__ import annotations

import time
import urllib.parse
import warnings
from typing import Any

import numpy

from bliss_lite._common import exception_text
from bliss_lite.events import ChannelSpec, QueuedSubscriber, ScanEnd, ScanPoints, ScanStart
from bliss_lite.streaming.blissinfo import bliss_scan_info, jsonable, stream_name
from bliss_lite.streaming.url import RedisURL

__all__ = ["DEFAULT_RETENTION", "Publisher", "PublishingWarning", "connect_data_store"]

#: seconds a finished scan stays in Redis
DEFAULT_RETENTION = 24 * 3600.0
_MAX_BACKOFF = 30.0


class PublishingWarning(UserWarning):
    """The data Redis could not be reached or failed: a scan was not (completely) published."""


def client_url(url: RedisURL, socket_timeout: float = 5.0) -> str:
    """``url`` with connection and socket timeouts (redis-py reads them from the query),
    so that a dead or hung server fails a call instead of blocking it for ever."""
    parts = urllib.parse.urlsplit(url.url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.setdefault("socket_connect_timeout", "2")
    query.setdefault("socket_timeout", str(socket_timeout))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def connect_data_store(url: RedisURL, init: bool = True, socket_timeout: float = 5.0) -> Any:
    """A blissdata ``DataStore`` on ``url``; an empty database is initialised for
    blissdata first when ``init`` (a private or freshly restarted server)."""
    import redis
    from blissdata.redis_engine.store import DataStore

    address = client_url(url, socket_timeout)
    try:
        return DataStore(address)
    except RuntimeError as exc:
        if not init or "No blissdata protocol" not in str(exc):
            message = str(exc).replace(address, url.display()).replace(url.url, url.display())
            raise RuntimeError(f"{url.display()} is not usable as a blissdata database ({message})") from None
    client = redis.Redis.from_url(address)
    try:
        if client.dbsize():
            raise RuntimeError(f"{url.display()} holds data but no blissdata protocol version: "
                               f"not a BLISS data Redis")
    finally:
        client.close()
    return DataStore(address, init_db=True)


class _Published:
    """One scan being published."""

    def __init__(self, scan: Any, start: ScanStart, streams: dict[str, tuple[str, Any]]) -> None:
        self.scan = scan
        self.start = start
        self.streams = streams  # fullname -> (redis key, encoder)
        self.next_index = 0
        self.complete = True
        self.skipped = False  # a channel's block was refused (warned once)


class Publisher:
    """Publishes the scans of session ``session`` into the data Redis ``url``.  Use it
    wrapped in a QueuedSubscriber (:func:`start_publishing`)."""

    def __init__(self, url: RedisURL, session: str, retention: float = DEFAULT_RETENTION,
                 backoff: float = 1.0) -> None:
        self.url = url
        self.session = session
        self.retention = float(retention)
        self._backoff0 = float(backoff)
        self._backoff = float(backoff)
        self._next_try = 0.0
        self._store: Any = None
        self._down_said = False  # one warning while Redis stays away
        self._scans: dict[str, _Published] = {}
        self.published = 0  # scans published completely

    def __repr__(self) -> str:
        return f"Publisher({self.url.display()}, session={self.session!r})"

    # -- connection

    def connect(self, number: Any = None) -> bool:
        """Connect if not connected (at most every back-off period); a failure is one
        warning until Redis is back."""
        if self._store is not None:
            return True
        now = time.monotonic()
        if now < self._next_try:
            return False
        try:
            self._store = connect_data_store(self.url)
            self._backoff = self._backoff0
            self._down_said = False
            return True
        except Exception as exc:
            self._next_try = now + self._backoff
            self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
            if not self._down_said:
                self._down_said = True
                what = "scans are" if number is None else f"scan {number} is"
                self._warn(f"the data Redis {self.url.display()} cannot be reached ({self._safe(exc)}): "
                           f"{what} not published; publishing resumes when it is back")
            return False

    def _lost(self, scan: _Published | None, number: Any, exc: BaseException) -> None:
        """Redis failed during a scan: one warning, forget the connection."""
        self._warn(f"the data Redis {self.url.display()} failed during scan {number} "
                   f"({self._safe(exc)}): the rest of it is not published (its file is complete); "
                   f"publishing resumes at a next scan when Redis is back")
        if scan is not None:
            self._release(scan)
        self._store = None
        self._down_said = True
        self._next_try = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, _MAX_BACKOFF)

    def _release(self, published: _Published) -> None:
        """Stop the stream writers blissdata started (their threads) without waiting
        for a server that is gone."""
        for stream in getattr(published.scan, "_writer_streams", {}).values():
            try:
                stream.event_stream._sink.stop()
            except Exception:
                pass
        published.scan._writer_streams = {}

    def _safe(self, exc: BaseException) -> str:
        return exception_text(exc).replace(self.url.url, self.url.display())

    @staticmethod
    def _warn(message: str) -> None:
        warnings.warn(message, PublishingWarning, stacklevel=2)

    # -- events

    def scan_start(self, event: ScanStart) -> None:
        if not self.connect(event.key.number):
            return
        try:
            self._scans[event.key.uid] = self._create(event)
        except Exception as exc:
            if _is_connection_error(exc):
                self._lost(None, event.key.number, exc)
            else:
                self._warn(f"scan {event.key.number} cannot be published to {self.url.display()} "
                           f"({self._safe(exc)})")

    def _create(self, event: ScanStart) -> _Published:
        from blissdata.streams.default import Stream

        info = bliss_scan_info(event, event.channels, event)
        identity = {"name": str(event.scan_info.get("name") or event.scan_info.get("type") or "scan"),
                    "number": int(event.key.number or 0), "data_policy": "no_policy",
                    "session": self.session}
        if event.key.filename:
            identity["path"] = event.key.filename
        scan = self._store.create_scan(identity, info=info)
        streams: dict[str, tuple[str, Any]] = {}
        for spec in event.channels:
            stream = scan.create_stream(Stream.make_definition(
                stream_name(spec), *_stream_kind(spec), info=_stream_info(spec)))
            streams[spec.fullname] = (stream.key, stream.event_stream._encoder)
        scan.prepare()
        scan.start()
        return _Published(scan, event, streams)

    def scan_points(self, event: ScanPoints) -> None:
        published = self._scans.get(event.key.uid)
        if published is None or not published.complete or not len(event):
            return
        if event.first_index != published.next_index:  # blocks were dropped on the way
            published.complete = False
            self._warn(f"scan {event.key.number}: points {published.next_index}..{event.first_index - 1} "
                       f"were dropped before reaching Redis; the rest of the scan is not published")
            return
        try:
            pipe = self._store._redis.pipeline(transaction=False)
            for fullname, values in event.data.items():
                stream = published.streams.get(fullname)
                if stream is not None:
                    self._add(pipe, published, event, fullname, values, *stream)
            pipe.execute()
            published.next_index = event.first_index + len(event)
        except Exception as exc:
            self._scans.pop(event.key.uid, None)
            if _is_connection_error(exc):
                self._lost(published, event.key.number, exc)
            else:
                self._release(published)
                self._warn(f"points of scan {event.key.number} cannot be published ({self._safe(exc)})")

    def _add(self, pipe: Any, published: _Published, event: ScanPoints, fullname: str, values: Any,
             key: str, encoder: Any) -> None:
        """XADD one channel's block (one entry per point when its points vary in shape);
        a block the stream's encoder refuses is skipped with one warning per scan."""
        try:
            if encoder.info().get("type") == "json":
                batches = [(event.first_index, encoder.encode([jsonable(v) for v in values]))]
            elif isinstance(values, numpy.ndarray) and values.dtype != object:
                batches = [(event.first_index, encoder.encode(values))]
            else:  # a (-1,) channel: points of different lengths
                batches = [(event.first_index + i, encoder.encode(numpy.asarray(v)[None]))
                           for i, v in enumerate(values)]
        except Exception as exc:
            if not published.skipped:
                published.skipped = True
                self._warn(f"scan {event.key.number}: points of channel {fullname!r} are not published "
                           f"({self._safe(exc)})")
            return
        for index, batch in batches:
            pipe.xadd(key, batch.todict(), id=f"{index}-1")

    def scan_end(self, event: ScanEnd) -> None:
        published = self._scans.pop(event.key.uid, None)
        if published is None:
            return
        scan = published.scan
        try:
            scan.stop()
            scan.info = bliss_scan_info(event, published.start.channels, published.start, event)
            scan.close()
            if self.retention > 0:
                self._expire(scan)
            if published.complete:
                self.published += 1
        except Exception as exc:
            if _is_connection_error(exc):
                self._lost(published, event.key.number, exc)
            else:
                self._release(published)
                self._warn(f"the end of scan {event.key.number} cannot be published ({self._safe(exc)})")

    def _expire(self, scan: Any) -> None:
        model = scan._model
        keys = [stream.key() for stream in model.data_streams.values()]
        keys += [model.state_stream.key(), scan.key]
        pipe = self._store._redis.pipeline(transaction=True)
        for key in keys:
            pipe.expire(key, max(11, int(round(self.retention))))  # blissdata deems <= 10 s deleted
        pipe.execute()

    def close(self) -> None:
        for published in self._scans.values():
            self._release(published)
        self._scans.clear()


def _stream_kind(spec: ChannelSpec) -> tuple[str, tuple | None]:
    dtype = numpy.dtype(spec.dtype)
    if dtype.kind in "biufc":
        return dtype.name, tuple(spec.shape)
    return "json", None


def _stream_info(spec: ChannelSpec) -> dict:
    info: dict[str, Any] = {"kind": spec.kind, "display_name": spec.name}
    if spec.unit:
        info["unit"] = spec.unit
    return info


def _is_connection_error(exc: BaseException) -> bool:
    import redis

    return isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError))


class Publishing:
    """What a session holds while it publishes: the publisher on its queued thread and,
    for ``data_redis: local``, the private server.  ``close()`` ends both."""

    def __init__(self, publisher: Publisher, queued: QueuedSubscriber, server: Any = None) -> None:
        self.publisher = publisher
        self.subscriber = queued
        self.server = server

    @property
    def url(self) -> RedisURL:
        return self.publisher.url

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued event reached Redis (or was given up)."""
        return self.subscriber.wait_idle(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Publish what is queued (for at most ``timeout`` seconds: what is left then
        is one warning, since an external writer will not get it whole) and stop."""
        self.subscriber.close(timeout)
        if not self.subscriber.wait_idle(0):
            self.publisher._warn(f"the data Redis {self.url.display()} had not received every scan after "
                                 f"{timeout:g} s: the last ones are not completely published (their files "
                                 f"are complete unless SCAN_SAVING.writer is 'external')")
        self.publisher.close()
        if self.server is not None:
            self.server.stop()


def start_publishing(url: RedisURL | str, session: str, retention: float = DEFAULT_RETENTION,
                     max_blocks: int = 256) -> Publishing:
    """The publisher of ``session`` on its queued thread; ``url`` :data:`~.url.LOCAL`
    starts a private server first."""
    from bliss_lite.streaming.url import LOCAL

    server = None
    if url == LOCAL:
        from bliss_lite.streaming.local import LocalRedis

        server = LocalRedis().start()
        url = server.url
    try:
        publisher = Publisher(url, session, retention)
        publisher.connect()
    except BaseException:
        if server is not None:
            server.stop()
        raise
    return Publishing(publisher, QueuedSubscriber(publisher, max_blocks=max_blocks, name="data Redis publisher"),
                      server)
