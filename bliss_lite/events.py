"""The events a scan emits, what a subscriber to them looks like, and their wire form.

This module is a leaf: it imports nothing of bliss_lite, so a consumer in another
process (a live plot, a streaming publisher, the NeXus writer) loads it alone.

Events
------
A scan hands three kinds of events to its subscribers, in this order:

* :class:`ScanStart` once, after the START metadata is gathered and before anything
  moves.  A subscriber called on the scan thread may refuse the scan here by raising
  (the NeXus writer does when its file cannot be written); then nothing moves and the
  scan ends with the exception.
* :class:`ScanPoints` zero or more times, each carrying a *block* of consecutive
  complete points (never a half-read point).  Blocks are emitted at least every
  ~0.1 s while points arrive, so a subscriber is never more than that behind.
* :class:`ScanEnd` once, always, also after an abort or a failure, after the END
  metadata is gathered.  ``scan_info`` then holds ``end_time`` and ``end_reason``.

Every event is data, not a view of the running scan: it names its scan by a
:class:`ScanKey` (session, number, file, a unique id), ``ScanStart.scan_info`` and
``ScanEnd.scan_info`` are deep copies taken at that moment (later changes to the scan
never show through), and the arrays of a :class:`ScanPoints` belong to that block
alone and are read-only.

Subscribing
-----------
A subscriber has ``scan_start``, ``scan_points`` and ``scan_end`` (:class:`ScanSubscriber`)
and is called on the scan's thread: ``session.subscribe(subscriber)`` gives it every
scan of the session, ``scan.subscribe(subscriber)`` (before ``scan.run()``, e.g. with
``ascan(..., run=False)``) one scan.  An exception raised by a subscriber during
``points``/``end`` is reported as a warning and does not stop the scan.  Anything
slow belongs off the scan thread: wrap it in :class:`QueuedSubscriber`, which queues
the events for its own thread and never makes the scan wait (the blocks queued while
its subscriber is busy are handed on joined; a full queue drops the oldest point
blocks, never START or END, with one :class:`SubscriberWarning` per scan).

Wire form
---------
``event.to_bytes()`` gives one ``bytes`` object, :func:`from_bytes` (or
``ScanPoints.from_bytes`` etc., which also check the kind) the equal event back::

    offset 0       4 bytes   magic b"BLEV"
    offset 4       4 bytes   H, the header length, unsigned little-endian
    offset 8       H bytes   the header: UTF-8 JSON (strict: no NaN/Infinity literals),
                             padded with spaces so that 8 + H is a multiple of 8
    offset 8 + H             the buffers, each starting at a multiple of 8

The header is ``{"version": 1, "event": "start" | "points" | "end", "key": {...},
"buffers": [{"offset": o, "dtype": d, "shape": [...]}, ...], ...}`` plus, per kind:
``"scan_info"`` and ``"channels"`` (start), ``"first_index"`` and ``"data"`` (points,
channel fullname -> value, in the block's order), ``"scan_info"`` and ``"npoints"``
(end).  A buffer is a numpy array's raw C-order bytes; ``offset`` counts from the
end of the header, ``dtype`` is numpy's ``dtype.str`` (with its byte order, e.g.
``"<f8"``, ``"<U12"``) and ``shape`` the array's shape, so
``numpy.frombuffer(payload, dtype, count=prod(shape), offset=8 + H + o).reshape(shape)``
reads it in any language with a numpy-like library.

A value in the header is plain JSON when JSON holds it exactly (``None``, ``bool``,
``int``, finite ``float``, ``str``, ``list``, ``dict`` with string keys and no
``"__t"`` key); anything else is an object tagged by ``"__t"``:

=================  =====================================================================
``"__t"``          what it holds
=================  =====================================================================
``"array"``        a numpy array: ``{"__t": "array", "buffer": i}`` (index in ``buffers``)
``"objects"``      a numpy array of dtype object: ``"shape"``, ``"items"`` (C order)
``"scalar"``       a numpy scalar: ``"dtype"``, ``"hex"`` (its raw bytes)
``"float"``        a non-finite float: ``"value"`` is ``"nan"``, ``"inf"`` or ``"-inf"``
``"complex"``      ``"real"``, ``"imag"`` (each a value)
``"tuple"``        ``"items"``
``"bytes"``        ``"hex"``
``"datetime"``     ``"iso"`` (``datetime.isoformat()``)
``"date"``         ``"iso"``
``"dict"``         a dict whose keys are not all strings, or that has a ``"__t"`` key:
                   ``"items"``, a list of ``[key, value]`` pairs
``"channel"``      a :class:`ChannelSpec`: its fields
=================  =====================================================================

Decoding gives back the same types, dtypes, shapes and values (NaN included);
subclasses of the builtin types come back as the builtin type.  A value of any other
type makes ``to_bytes()`` raise ``TypeError`` naming where it sits.  No pickle is
involved anywhere: decoding untrusted bytes only ever builds these types.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import json
import math
import struct
import threading
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

import numpy

__all__ = [
    "ChannelSpec", "QueuedSubscriber", "ScanEnd", "ScanKey", "ScanPoints", "ScanStart",
    "ScanSubscriber", "SubscriberWarning", "WireFormatError", "from_bytes",
]

MAGIC = b"BLEV"
VERSION = 1
_PREFIX = struct.Struct("<4sI")
_ALIGN = 8


@dataclass(frozen=True)
class ChannelSpec:
    """One column of data a counter produces at every point.

    Example: ``ChannelSpec("diode3", "simulation_diode_sampling_controller:diode3",
    unit="counts", attrs={"type": "sampling", "mode": "MEAN"})``.
    ``shape`` is the shape of one point's value (``()`` for a scalar,
    ``(n,)`` for a spectrum of n samples, ``(-1,)`` when its length varies).
    ``kind`` is ``"counter"``, ``"motor"`` (a scanned axis) or ``"timer"``
    (``elapsed_time``, ``epoch``).
    ``device`` and ``data_name`` place the channel in the file as BLISS's writer does:
    dataset ``instrument/<device>/<data_name>`` (e.g. ``lima_simulator_r1``/``avg``),
    linked as ``measurement/<device>`` for ``data`` and ``<device>_<data_name>``
    otherwise; None: ``instrument/<name>/data``.  ``compression`` (``"bslz4"``,
    ``"gzip"``, ``"none"``) overrides the session's for a 1-D/2-D channel.
    """

    name: str
    fullname: str
    unit: str | None = None
    kind: str = "counter"
    dtype: str = "float64"
    shape: tuple[int, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)
    device: str | None = None
    data_name: str | None = None
    compression: str | None = None


@dataclass(frozen=True)
class ScanKey:
    """Which scan an event belongs to: ``session`` name, scan ``number``, data
    ``filename`` (None when the scan is not saved) and ``uid``, unique to the scan
    (two unsaved scans may share a number)."""

    session: str
    number: int | None
    filename: str | None = None
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)


class _Event:
    """What every event has: its key, a wire form and an equality that compares
    arrays by dtype, shape and value (NaN equal to NaN)."""

    key: ScanKey
    _KIND = ""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name))
                   for f in dataclasses.fields(self))  # type: ignore[arg-type]

    __hash__ = None  # type: ignore[assignment]

    def to_bytes(self) -> bytes:
        """The wire form (see the module's documentation)."""
        encoder = _Encoder()
        header = {"version": VERSION, "event": self._KIND,
                  "key": dataclasses.asdict(self.key), "buffers": encoder.buffers}
        header.update(self._body(encoder))
        return encoder.pack(header)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> Any:
        """The event whose wire form is ``data``; ``WireFormatError`` when ``data`` is
        not one, or is another kind of event than ``cls``."""
        event = from_bytes(data)
        if cls is not _Event and not isinstance(event, cls):
            raise WireFormatError(f"expected a {cls.__name__}, got a {type(event).__name__}")
        return event

    def _body(self, encoder: "_Encoder") -> dict:
        raise NotImplementedError


@dataclass(eq=False)
class ScanStart(_Event):
    """``scan_info``: the scan's info dict at its start (title, type, npoints,
    count_time, scan_nb, filename, start_time, START metadata...). ``channels``: every
    channel of the scan, timer channels (``elapsed_time``, ``epoch``) first, then
    motors, then counters (``ChannelSpec.kind`` tells which)."""

    key: ScanKey
    scan_info: dict
    channels: Sequence[ChannelSpec]
    _KIND = "start"

    def _body(self, encoder: "_Encoder") -> dict:
        return {"scan_info": encoder.value(self.scan_info, "scan_info"),
                "channels": [encoder.value(c, f"channels[{i}]") for i, c in enumerate(self.channels)]}


@dataclass(eq=False)
class ScanPoints(_Event):
    """``first_index``: the index of the block's first point in the scan.
    ``data``: channel fullname → array of the block's values, all of the same length
    (``len(block)``); a channel of shape ``s`` gives an array of shape ``(n,) + s``.
    The arrays are made read-only: every subscriber sees the same values."""

    key: ScanKey
    first_index: int
    data: dict[str, numpy.ndarray]
    _KIND = "points"

    def __post_init__(self) -> None:
        for array in self.data.values():
            if isinstance(array, numpy.ndarray):
                array.flags.writeable = False

    def __len__(self) -> int:
        for array in self.data.values():
            return len(array)
        return 0

    def _body(self, encoder: "_Encoder") -> dict:
        return {"first_index": int(self.first_index),
                "data": {name: encoder.value(numpy.asarray(values), f"data[{name!r}]")
                         for name, values in self.data.items()}}


@dataclass(eq=False)
class ScanEnd(_Event):
    """``scan_info``: the final info (END metadata, ``end_time``, ``end_reason`` =
    ``SUCCESS`` | ``USER_ABORT`` | ``FAILURE``). ``npoints``: complete points acquired."""

    key: ScanKey
    scan_info: dict
    npoints: int
    _KIND = "end"

    def _body(self, encoder: "_Encoder") -> dict:
        return {"scan_info": encoder.value(self.scan_info, "scan_info"), "npoints": int(self.npoints)}


class ScanSubscriber(Protocol):
    """A consumer of scan events. All three methods are called from the scan's thread."""

    def scan_start(self, event: ScanStart) -> None: ...

    def scan_points(self, event: ScanPoints) -> None: ...

    def scan_end(self, event: ScanEnd) -> None: ...


# ---------------------------------------------------------------------- wire form

class WireFormatError(ValueError):
    """Bytes that are not the wire form of a scan event."""


class _Encoder:
    """Turns values into JSON-able ones, collecting the arrays as buffers."""

    def __init__(self) -> None:
        self.buffers: list[dict] = []
        self._arrays: list[numpy.ndarray] = []
        self._size = 0

    def _buffer(self, array: numpy.ndarray) -> int:
        array = numpy.ascontiguousarray(array)
        self._size += -self._size % _ALIGN
        self.buffers.append({"offset": self._size, "dtype": array.dtype.str, "shape": list(array.shape)})
        self._arrays.append(array)
        self._size += array.nbytes
        return len(self.buffers) - 1

    def value(self, value: Any, where: str) -> Any:
        if value is None:
            return None
        if isinstance(value, numpy.ndarray):
            if value.dtype.kind == "O":
                return {"__t": "objects", "shape": list(value.shape),
                        "items": [self.value(v, f"{where}[{i}]") for i, v in enumerate(value.ravel())]}
            if value.dtype.kind == "V" or value.dtype.hasobject:
                raise TypeError(f"{where}: an array of dtype {value.dtype} has no wire form")
            return {"__t": "array", "buffer": self._buffer(value)}
        if isinstance(value, numpy.generic):
            if value.dtype.kind in "OV":
                raise TypeError(f"{where}: a numpy {value.dtype} scalar has no wire form")
            return {"__t": "scalar", "dtype": value.dtype.str, "hex": value.tobytes().hex()}
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, str):
            return str(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            value = float(value)
            return value if math.isfinite(value) else {"__t": "float", "value": repr(value)}
        if isinstance(value, complex):
            return {"__t": "complex", "real": self.value(value.real, where),
                    "imag": self.value(value.imag, where)}
        if isinstance(value, dict):
            if all(type(k) is str for k in value) and "__t" not in value:
                return {k: self.value(v, f"{where}[{k!r}]") for k, v in value.items()}
            return {"__t": "dict", "items": [[self.value(k, f"{where} key {k!r}"),
                                              self.value(v, f"{where}[{k!r}]")]
                                             for k, v in value.items()]}
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__t": "tuple", "items": [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, (bytes, bytearray)):
            return {"__t": "bytes", "hex": bytes(value).hex()}
        if isinstance(value, datetime.datetime):
            return {"__t": "datetime", "iso": value.isoformat()}
        if isinstance(value, datetime.date):
            return {"__t": "date", "iso": value.isoformat()}
        if isinstance(value, ChannelSpec):
            return {"__t": "channel", **{f.name: self.value(getattr(value, f.name), f"{where}.{f.name}")
                                         for f in dataclasses.fields(value)}}
        raise TypeError(f"{where}: values of type {type(value).__name__} have no wire form")

    def pack(self, header: dict) -> bytes:
        text = json.dumps(header, allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode()
        text += b" " * (-(_PREFIX.size + len(text)) % _ALIGN)
        start = _PREFIX.size + len(text)
        out = bytearray(start + self._size)
        _PREFIX.pack_into(out, 0, MAGIC, len(text))
        out[_PREFIX.size:start] = text
        for spec, array in zip(self.buffers, self._arrays):
            if array.nbytes:
                begin = start + spec["offset"]
                numpy.frombuffer(out, numpy.uint8, array.nbytes, begin)[:] = array.reshape(-1).view(numpy.uint8)
        return bytes(out)


class _Decoder:
    def __init__(self, data: bytes, start: int, buffers: list) -> None:
        self.data = data
        self.start = start
        self.buffers = buffers

    def array(self, index: int) -> numpy.ndarray:
        spec = self.buffers[index]
        dtype = numpy.dtype(spec["dtype"])
        shape = tuple(spec["shape"])
        count = math.prod(shape)
        offset = self.start + spec["offset"]
        if offset + count * dtype.itemsize > len(self.data):
            raise WireFormatError(f"buffer {index} runs past the end of the data")
        return numpy.frombuffer(self.data, dtype, count=count, offset=offset).reshape(shape)

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, dict):
            return value
        tag = value.get("__t")
        if tag is None:
            return {k: self.value(v) for k, v in value.items()}
        if tag == "array":
            return self.array(value["buffer"])
        if tag == "objects":
            items = [self.value(v) for v in value["items"]]
            array = numpy.empty(len(items), dtype=object)
            for i, item in enumerate(items):
                array[i] = item
            return array.reshape(tuple(value["shape"]))
        if tag == "scalar":
            return numpy.frombuffer(bytes.fromhex(value["hex"]), numpy.dtype(value["dtype"]))[0]
        if tag == "float":
            return float(value["value"])
        if tag == "complex":
            return complex(self.value(value["real"]), self.value(value["imag"]))
        if tag == "tuple":
            return tuple(self.value(v) for v in value["items"])
        if tag == "bytes":
            return bytes.fromhex(value["hex"])
        if tag == "datetime":
            return datetime.datetime.fromisoformat(value["iso"])
        if tag == "date":
            return datetime.date.fromisoformat(value["iso"])
        if tag == "dict":
            return {self.value(k): self.value(v) for k, v in value["items"]}
        if tag == "channel":
            fields = {k: self.value(v) for k, v in value.items() if k != "__t"}
            fields["shape"] = tuple(fields.get("shape", ()))
            return ChannelSpec(**fields)
        raise WireFormatError(f"unknown value tag {tag!r}")


def from_bytes(data: bytes | bytearray | memoryview) -> ScanStart | ScanPoints | ScanEnd:
    """The event whose wire form (``event.to_bytes()``) is ``data``.  Arrays are
    read-only views of ``data`` (copied first when ``data`` is not ``bytes``)."""
    if not isinstance(data, bytes):
        data = bytes(data)
    if len(data) < _PREFIX.size:
        raise WireFormatError(f"{len(data)} bytes are too short to be a scan event")
    magic, length = _PREFIX.unpack_from(data, 0)
    if magic != MAGIC:
        raise WireFormatError(f"not a scan event: starts with {magic!r}, not {MAGIC!r}")
    start = _PREFIX.size + length
    try:
        header = json.loads(data[_PREFIX.size:start].decode())
        if header.get("version") != VERSION:
            raise WireFormatError(f"wire form version {header.get('version')!r}; "
                                  f"this bliss_lite reads version {VERSION}")
        decoder = _Decoder(data, start, header["buffers"])
        key = ScanKey(**header["key"])
        kind = header["event"]
        if kind == "start":
            return ScanStart(key, decoder.value(header["scan_info"]),
                             [decoder.value(c) for c in header["channels"]])
        if kind == "points":
            return ScanPoints(key, header["first_index"],
                              {name: decoder.value(v) for name, v in header["data"].items()})
        if kind == "end":
            return ScanEnd(key, decoder.value(header["scan_info"]), header["npoints"])
        raise WireFormatError(f"unknown event kind {kind!r}")
    except WireFormatError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise WireFormatError(f"damaged scan event header ({type(exc).__name__}: {exc})") from exc


def _same(a: Any, b: Any) -> bool:
    """Equal in type, dtype, shape and value, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, numpy.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind == "O":
            return all(_same(x, y) for x, y in zip(a.ravel(), b.ravel()))
        return bool(numpy.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (float, numpy.floating)) and a != a:
        return b != b
    if isinstance(a, ChannelSpec):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return bool(a == b)


# --------------------------------------------------------------- queued subscriber

class SubscriberWarning(UserWarning):
    """A queued subscriber could not keep up, or failed: some of its events were lost
    (never the scan's data: the file and ``get_data()`` have every point)."""


def _continues(block: ScanPoints, queued: Any) -> bool:
    """Whether ``queued`` is the point block that comes right after ``block``."""
    return (isinstance(queued, ScanPoints) and queued.key.uid == block.key.uid
            and queued.first_index == block.first_index + len(block)
            and queued.data.keys() == block.data.keys())


def _coalesced(run: list[Any]) -> list[Any]:
    """Consecutive point blocks of one scan as one block (as they are when their
    channels' arrays cannot be joined, e.g. images of another size)."""
    if len(run) == 1:
        return run
    try:
        data = {name: numpy.concatenate([block.data[name] for block in run])
                for name in run[0].data}
    except (ValueError, TypeError):
        return run
    return [ScanPoints(run[0].key, run[0].first_index, data)]


class QueuedSubscriber:
    """Runs ``subscriber`` on a thread of its own; the scan only queues events.

    A subscriber slower than the scan gets the point blocks queued meanwhile joined
    into one block (a call per block would keep it behind).  The queue holds at most
    ``max_blocks`` point blocks: when a new block finds it full (the subscriber is
    stuck in a call), the oldest queued block of that subscriber is dropped, and one
    :class:`SubscriberWarning` per scan says so (``dropped`` counts them).  START and
    END are never dropped, and the scan never waits.  Because START is handled later
    on the other thread, a queued subscriber cannot refuse a scan; its exceptions are
    warnings (after one in ``scan_start`` or ``scan_points`` it gets no more points of
    that scan).  ``wait_idle()`` waits until every queued event is handled,
    ``close()`` handles what is queued and stops the thread.
    """

    def __init__(self, subscriber: ScanSubscriber, max_blocks: int = 64, name: str | None = None) -> None:
        if max_blocks < 1:
            raise ValueError(f"QueuedSubscriber: max_blocks must be at least 1, got {max_blocks}")
        self.subscriber = subscriber
        self.max_blocks = int(max_blocks)
        self.name = name or type(subscriber).__name__
        self.dropped = 0
        self._queue: collections.deque = collections.deque()
        self._blocks = 0  # ScanPoints in the queue
        self._lock = threading.Condition()
        self._busy = False
        self._closed = False
        self._warned: set[str] = set()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"QueuedSubscriber({self.name}, max_blocks={self.max_blocks})"

    # -- the scan thread's side

    def scan_start(self, event: ScanStart) -> None:
        self._put(event)

    def scan_points(self, event: ScanPoints) -> None:
        self._put(event)

    def scan_end(self, event: ScanEnd) -> None:
        self._put(event)

    def _put(self, event: Any) -> None:
        warn = None
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self!r} is closed")
            if isinstance(event, ScanPoints):
                if self._blocks >= self.max_blocks:
                    self._drop_oldest_block()
                    if event.key.uid not in self._warned:
                        self._warned.add(event.key.uid)
                        warn = event.key
                self._blocks += 1
            self._queue.append(event)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=f"queued {self.name}", daemon=True)
                self._thread.start()
            self._lock.notify_all()
        if warn is not None:
            warnings.warn(f"{self.name} cannot keep up with scan {warn.number}: its oldest point "
                          f"blocks are dropped (queue of {self.max_blocks} blocks full)",
                          SubscriberWarning, stacklevel=3)

    def _drop_oldest_block(self) -> None:
        for i, queued in enumerate(self._queue):
            if isinstance(queued, ScanPoints):
                del self._queue[i]
                self._blocks -= 1
                self.dropped += 1
                return

    # -- the subscriber's thread

    def _work(self) -> None:
        failed: set[str] = set()
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if not self._queue:
                    return
                event = self._queue.popleft()
                run = [event]
                if isinstance(event, ScanPoints):
                    self._blocks -= 1
                    # the blocks of the same scan queued behind it go in one call
                    while self._queue and _continues(run[-1], self._queue[0]):
                        run.append(self._queue.popleft())
                        self._blocks -= 1
                self._busy = True
            try:
                for event in _coalesced(run):
                    self._deliver(event, failed)
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()

    def _deliver(self, event: Any, failed: set[str]) -> None:
        uid = event.key.uid
        try:
            if isinstance(event, ScanStart):
                self.subscriber.scan_start(event)
            elif isinstance(event, ScanPoints):
                if uid not in failed:
                    self.subscriber.scan_points(event)
            else:
                failed.discard(uid)
                self._warned.discard(uid)
                self.subscriber.scan_end(event)
        except Exception as exc:
            if not isinstance(event, ScanEnd):
                failed.add(uid)
            warnings.warn(f"{self.name} failed on {type(event).__name__} of scan {event.key.number}"
                          f"{'' if isinstance(event, ScanEnd) else ' and gets no more points of it'}: "
                          f"{type(exc).__name__}: {exc}", SubscriberWarning, stacklevel=1)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is handled; False if ``timeout`` passed first."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Handle what is queued, then stop the thread (within ``timeout`` seconds)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

