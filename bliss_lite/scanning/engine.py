"""The scan engine: a :class:`Scan` moves motors, counts, reads counters, and hands
the points to its subscribers (events in :mod:`bliss_lite.events`).

Order of a run (``Scan.run()``), each step only after the previous one succeeded:

1. ``PREPARING``: the scan number and data file are reserved (:mod:`.numbering`),
   ``scan_info`` is filled, START metadata is gathered, subscribers are created (the
   in-memory data store first, then ``context.subscriber_factories``) and receive
   ``scan_start``.  A subscriber raising there refuses the scan: nothing has moved,
   the number is not consumed, the exception propagates.
2. Motors go to the first point, devices get ``prepare_for_scan``, PREPARED metadata.
3. ``STARTING``: the points.  Each point moves the motors (all started, then all
   waited for), waits ``count_time`` in real time, reads every counter.  Values go
   into per-channel lists; a block of complete points is emitted at most every 0.1 s
   (or every ``BLOCK_MAX`` points).
4. ``STOPPING`` (always, also after Ctrl-C, ``abort()`` or a device error): the last
   complete points are emitted (a half-read point is dropped), ``end_time`` and
   ``end_reason`` set, END metadata gathered, ``scan_end`` sent; relative scans move
   their motors back.
5. ``DONE``, ``USER_ABORTED`` (then :class:`ScanAbort` is raised) or ``KILLED`` (the
   device's exception is re-raised).
"""

from __future__ import annotations

import contextlib
import copy
import enum
import itertools
import os
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy

from bliss_lite import scan_meta
from bliss_lite._common import now_iso
from bliss_lite._common import print_warning as warn
from bliss_lite.devices.moving import move_together
from bliss_lite.devices.protocols import ChannelSpec, PreparesForScan, ScanOutline
from bliss_lite.scanning import context as _context
from bliss_lite.scanning import _arguments, numbering
from bliss_lite.scanning import _read_check as _read
from bliss_lite.events import ScanEnd, ScanKey, ScanPoints, ScanStart
from bliss_lite.scanning.chain import ChainPreset
from bliss_lite.scanning.data import ScanData, ScanDataStore

if TYPE_CHECKING:
    from bliss_lite.devices.protocols import Counter, Movable
    from bliss_lite.scanning.context import ScanContext

__all__ = ["Scan", "ScanState", "ScanAbort", "TIMER_CHANNELS", "BLOCK_MAX", "BLOCK_PERIOD"]

BLOCK_PERIOD = 0.1  # seconds between two blocks of points, at most
BLOCK_MAX = 5000  # points in one block, at most
BLOCK_BYTES = 64 << 20  # bytes of 1-D/2-D data (images, spectra) in one block, at most

TIMER_CHANNELS = (
    ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer"),
    ChannelSpec("epoch", "timer:epoch", "s", kind="timer"),
)


class ScanState(enum.IntEnum):
    """Where a scan is in its life (SPEC 7.3)."""

    IDLE = 0
    PREPARING = 1
    STARTING = 2
    STOPPING = 3
    DONE = 4
    USER_ABORTED = 5
    KILLED = 6


class ScanAbort(KeyboardInterrupt):
    """A scan stopped by Ctrl-C or ``scan.abort()``; the shell prints it as one line."""

    def __init__(self, message: str = "scan aborted") -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return self.args[0] if self.args else "scan aborted"


def _as_scan_abort(exc: BaseException, message: str = "scan aborted") -> "ScanAbort":
    """The :class:`ScanAbort` the user sees for ``exc`` (a KeyboardInterrupt): ``exc``
    itself when it is one, else a new one caused by it.  The only place that makes
    an abort out of an interrupt."""
    if isinstance(exc, ScanAbort):
        return exc
    abort = ScanAbort(message)
    abort.__cause__ = exc
    return abort


class _Interrupts:
    """Ctrl-C handling while a scan runs in the main thread.

    Ctrl-C raises ``KeyboardInterrupt`` at once, as usual, except inside
    ``with interrupts.deferred():`` sections (handing a block to subscribers,
    finishing the scan), where it is remembered in ``pending`` and acted upon after.
    """

    def __init__(self) -> None:
        self.deferring = 0
        self.pending = False
        self._previous: Any = None
        self._installed = False

    def _handler(self, signum: int, frame: Any) -> None:
        if self.deferring:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """A section Ctrl-C does not cut in two (sections may nest)."""
        self.deferring += 1
        try:
            yield
        finally:
            self.deferring -= 1

    def __enter__(self) -> "_Interrupts":
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
                self._installed = True
            except ValueError:  # not in the main interpreter
                pass
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            previous = self._previous if self._previous is not None else signal.default_int_handler
            signal.signal(signal.SIGINT, previous)
            self._installed = False


class _Channel:
    """A channel's pending values (a plain list, appended to at every point)."""

    __slots__ = ("spec", "values", "append", "dtype", "variable")

    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec
        self.values: list = []
        self.append = self.values.append
        self.dtype = numpy.dtype(spec.dtype)
        self.variable = any(n < 0 for n in spec.shape)

    def take(self, n: int) -> numpy.ndarray:
        """The first ``n`` pending values as an array (:class:`_read.BadValue` when
        one does not fit the channel); the caller empties the list."""
        values = self.values if len(self.values) == n else self.values[:n]
        if self.variable:
            array = numpy.empty(n, dtype=object)
            for i, v in enumerate(values):
                array[i] = numpy.asarray(v)
        else:
            array = _read.as_array(values, self.dtype, self.spec.shape)
            if n == 0:
                array = array.reshape((0,) + tuple(self.spec.shape))
        return array


class Scan:
    """One scan: runs an acquisition chain (:mod:`bliss_lite.scanning.chain`) once.

    ``Scan(chain, name="scan", scan_info=None, save=True)`` as in BLISS; the standard
    scans (``ascan``, ``loopscan``...) build their chain with ``DEFAULT_CHAIN`` and
    run through here too.  A chain of BLISS's standard objects only (a step motor
    master over a SoftwareTimerMaster over SamplingCounterAcquisitionSlaves, or the
    timer alone at the top) runs in a fused point loop that does what their methods
    do without calling them per point (the engine moves only the motors whose target
    changes); any other chain runs by calling its objects' methods
    (:meth:`_acquire_chain`).  ``restore_motors``: move the motors back where the
    scan found them at the end (relative scans).
    """

    def __init__(self, chain: Any, name: str = "scan", scan_info: dict | None = None,
                 save: bool = True, *, restore_motors: bool = False,
                 user_metadata: bool = True, in_scans: bool = True,
                 context: "ScanContext | None" = None) -> None:
        from bliss_lite.scanning.chain import AcquisitionChain
        from bliss_lite.scanning.scan_info import ScanInfo

        if not isinstance(chain, AcquisitionChain):
            raise TypeError(f"Scan() takes an AcquisitionChain, not {type(chain).__name__}")
        if len(chain.top_masters) != 1:
            raise ValueError(f"Scan(): the chain must have one top master, it has "
                             f"{len(chain.top_masters)} ({', '.join(m.name for m in chain.top_masters)})")
        if not isinstance(name, str) or not name:
            raise TypeError(f"Scan() argument 'name' must be a non-empty string, not {name!r}"[:120])
        self._ctx = context if context is not None else _context.current()
        self.acq_chain = chain
        chain.scan = self
        self.name = name
        self.scan_number: int | None = None
        self.filename: str | None = None
        self.state = ScanState.IDLE
        self.npoints_done = 0
        self._save = bool(save)
        self._restore = bool(restore_motors)
        self._user_metadata = bool(user_metadata)
        self._in_scans = bool(in_scans)
        self._abort_requested = False
        self._abort_event = threading.Event()
        self._ran = False
        self._data = ScanDataStore()
        self._own_subscribers: list[Any] = []
        self._preset_list: list[Any] = []
        self.key: ScanKey | None = None
        self._fused = _fuse(chain, (scan_info or {}).get("type", name))

        objects = chain.nodes_list
        self.motors: list[Movable] = [a for o in objects for a in o._axes]
        self.counters: list[Counter] = [c for o in objects for c in o._counters]
        acq_channels = [c for o in objects for c in o.channels]
        order = {"timer": 0, "motor": 1}
        acq_channels.sort(key=lambda c: order.get(c.kind, 2))
        self._acq_channels = acq_channels
        self.channels: list[ChannelSpec] = [c.spec() for c in acq_channels]
        fullnames = [c.fullname for c in self.channels]
        if len(set(fullnames)) != len(fullnames):
            twice = sorted({n for n in fullnames if fullnames.count(n) > 1})
            raise ValueError(f"Scan(): channel {twice[0]!r} is given twice in the chain")

        info = ScanInfo.normalize(copy.deepcopy(dict(scan_info)) if scan_info else None)
        if isinstance(scan_info, ScanInfo):
            info = ScanInfo(copy.deepcopy(dict(scan_info)))
        saving = self._ctx.scan_saving
        info.setdefault("title", name)
        info.update({
            "session_name": self._ctx.session_name,
            "user_name": self._ctx.user_name or saving.user_name,
            "data_writer": saving.writer if self._save else "null",
            "writer_options": {"chunk_options": {}, "separate_scan_files": False},
            "data_policy": getattr(saving, "data_policy", "None"),
            "save": self._save,
            "publisher": "bliss_lite",
            "publisher_version": _version(),
        })
        info.setdefault("comments", [])
        info.set_acquisition_chain_info(chain)
        self.scan_info: ScanInfo = info
        self.outline: ScanOutline = self._fused or ScanOutline(
            info.get("type", name), _npoints(chain), 0.0)
        _arguments.total_points(info.get("type", name), int(self.outline.npoints or 0), len(self.channels))

    # -- public face ---------------------------------------------------------------

    def __repr__(self) -> str:
        if self.filename:
            path = self.filename
        elif not self._save or self._ran or self._ctx.scan_saving.writer == "null":
            path = "'not saved'"
        else:
            try:
                path = self._ctx.scan_saving.scan_filename(self.name, None)
            except Exception:
                path = "?"
        return f"Scan(number={self.scan_number}, name={self.name}, path={path})"

    def get_data(self, key: Any = None) -> ScanData | numpy.ndarray:
        """The scan's data: a mapping channel name → numpy array (see
        :class:`~bliss_lite.scanning.data.ScanData`); with ``key``, that one array."""
        data = self._data.data()
        return data if key is None else data[key]

    def add_comment(self, text: str) -> None:
        """Add a comment (written in the entry's ``notes``); only before the scan ends."""
        if not isinstance(text, str):
            raise TypeError(f"add_comment() takes a string, not {type(text).__name__}")
        if self.state in (ScanState.DONE, ScanState.USER_ABORTED, ScanState.KILLED):
            raise RuntimeError(f"{self.name} scan has ended: comments can only be added before the end")
        self.scan_info["comments"].append({"date": now_iso(), "message": text})

    def add_preset(self, preset: Any) -> None:
        """Add a :class:`~bliss_lite.scanning.presets.ScanPreset` to this scan
        (before ``run()``)."""
        from bliss_lite.scanning.presets import ScanPreset

        if not isinstance(preset, ScanPreset):
            raise ValueError("Expected ScanPreset instance")
        if self._ran:
            raise RuntimeError(f"{self.name} scan has already been run: add presets before run()")
        self._preset_list.append(preset)

    def subscribe(self, subscriber: Any) -> None:
        """Give ``subscriber`` (a :class:`~bliss_lite.events.ScanSubscriber`) this
        scan's events, after the session's subscribers; only before ``run()``."""
        if self._ran:
            raise RuntimeError(f"{self.name} scan has already been run: subscribe before run()")
        if not any(subscriber is s for s in self._own_subscribers):
            self._own_subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Any) -> None:
        """Undo :meth:`subscribe` (before ``run()``)."""
        self._own_subscribers = [s for s in self._own_subscribers if s is not subscriber]

    def abort(self) -> None:
        """Stop the scan from another thread (or a subscriber): it ends within one
        point as after Ctrl-C (``USER_ABORTED``), and ``run()`` raises ScanAbort."""
        self._abort_requested = True
        self._abort_event.set()
        if self.state in (ScanState.PREPARING, ScanState.STARTING):
            for motor in self.motors:
                try:
                    motor.stop()
                except Exception:
                    pass

    # alignment on this scan (SPEC 7.3), as BLISS's Scan methods: quiet, one axis → its
    # value, several (or return_axes) → {motor: value} (bliss_lite.scanning.alignment)
    def _fit(self, fit: Any, counter: Any, axis: Any, return_axes: bool) -> Any:
        from bliss_lite.scanning import alignment

        return alignment.scan_fit(fit, counter, axis, self, return_axes=return_axes)

    def _goto(self, fit: Any, counter: Any, axis: Any) -> None:
        from bliss_lite.scanning import alignment

        alignment.scan_goto(fit, counter, axis, self)

    def peak(self, counter: Any = None, axis: Any = None, return_axes: bool = False) -> Any:
        """Position of the counter's maximum."""
        return self._fit("peak", counter, axis, return_axes)

    def com(self, counter: Any = None, axis: Any = None, return_axes: bool = False) -> Any:
        """Centre of mass of the counter's signal."""
        return self._fit("com", counter, axis, return_axes)

    def cen(self, counter: Any = None, axis: Any = None, return_axes: bool = False) -> Any:
        """The centre of the counter's peak, a float as BLISS 2.4 (a
        :class:`~bliss_lite.scanning.alignment.CenPosition`, ``.fwhm`` its width)."""
        return self._fit("cen", counter, axis, return_axes)

    def find_position(self, func: Any, counter: Any = None, axis: Any = None,
                      return_axes: bool = False) -> Any:
        """``func(x, y)`` on the scanned motor's positions and the counter's values."""
        if not callable(func):
            raise TypeError(f"find_position() argument 'func' must be callable, not {type(func).__name__}")
        return self._fit(func, counter, axis, return_axes)

    @property
    def scan_state(self) -> "ScanState":
        return self.state

    @property
    def writer(self) -> str:
        """The writer of this scan: ``"hdf5"``, or ``"null"`` when not saved."""
        return self.scan_info.get("data_writer", "null")

    @property
    def streams(self) -> ScanData:
        """The scan's channels by fullname, short name, counter or axis (as BLISS's
        ``scan.streams["diode"][:]``); refused before the scan has started."""
        if self.state == ScanState.IDLE:
            raise RuntimeError("Scan was not yet started")
        return self._data.data()

    def __info__(self) -> str:
        lines = [repr(self), f"  title: {self.scan_info.get('title')}",
                 f"  state: {self.state.name}", f"  points: {self.npoints_done}"]
        return "\n".join(lines)

    def fwhm(self, counter: Any = None, axis: Any = None, return_axes: bool = False) -> Any:
        """Full width at half maximum of the counter's peak."""
        return self._fit("fwhm", counter, axis, return_axes)

    def trough(self, counter: Any = None, axis: Any = None, return_axes: bool = False) -> Any:
        """Position of the counter's minimum."""
        return self._fit("trough", counter, axis, return_axes)

    def where(self, counter: Any = None) -> None:
        """Show where the motor is relative to the counter's signal."""
        from bliss_lite.scanning import alignment

        return alignment.where(counter, scan=self)

    def goto_peak(self, counter: Any = None, axis: Any = None) -> None:
        """Move the scanned motor(s) to the counter's maximum."""
        self._goto("peak", counter, axis)

    def goto_com(self, counter: Any = None, axis: Any = None) -> None:
        """Move the scanned motor(s) to the centre of mass."""
        self._goto("com", counter, axis)

    def goto_cen(self, counter: Any = None, axis: Any = None) -> None:
        """Move the scanned motor(s) to the peak's centre."""
        self._goto("cen", counter, axis)

    def goto_min(self, counter: Any = None, axis: Any = None) -> None:
        """Move the scanned motor(s) to the counter's minimum."""
        self._goto("trough", counter, axis)

    def goto_custom(self, func: Any, counter: Any = None, axis: Any = None) -> None:
        """Move the scanned motor(s) to what ``func(x, y)`` gives."""
        if not callable(func):
            raise TypeError(f"goto_custom() argument 'func' must be callable, not {type(func).__name__}")
        self._goto(func, counter, axis)

    # -- running -------------------------------------------------------------------

    def run(self) -> None:
        """Run the scan (once).  Raises :class:`ScanAbort` after Ctrl-C or
        :meth:`abort`, the device's exception after a failure."""
        if self._ran:
            raise RuntimeError(f"{self.name} scan has already been run: a scan runs only once")
        self._ran = True
        with _Interrupts() as interrupts:
            self._interrupts = interrupts
            self._run(interrupts)

    @property
    def interrupt_pending(self) -> bool:
        """A Ctrl-C came while the scan was ending (acted upon once it has ended):
        slow work of the ending, such as metadata generators, stops early."""
        interrupts = getattr(self, "_interrupts", None)
        return interrupts is not None and interrupts.pending

    def _run(self, interrupts: _Interrupts) -> None:
        ctx = self._ctx
        info = self.scan_info
        self.state = ScanState.PREPARING
        started: list[Any] = []
        try:
            saving = ctx.scan_saving
            number, filename = numbering.reserve(
                ctx, self._save, lambda n: saving.scan_target(self.name, n))
            writer = saving.writer if self._save else "null"
            if writer == "null":
                filename = None  # numbered as a saved scan, but no file is written
            self.scan_number, self.filename = number, filename
            self.key = ScanKey(ctx.session_name, number, filename)
            plotselect = ctx.store.get("plotselect") if ctx.store is not None else None
            selected = list(plotselect) if isinstance(plotselect, list) else []
            info.update({
                "scan_nb": number,
                "name": f"{number}_{self.name}" if self._save else f"_{number}_{self.name}",
                "filename": filename,
                "images_path": None,
                "writer": writer,
                "compression": getattr(saving, "compression", None),
                "data_writer": writer,
                "start_time": now_iso(),
                "plotselect": selected,
            })
            if writer == "external":  # the writer process may take over this process's number claim
                info["claimed_by"] = {"pid": str(os.getpid()), "host": socket.gethostname()}
            if selected:
                info["display_extra"] = {"plotselect": selected}
            restore = [(m, m.position) for m in self.motors] if self._restore else []
            registry = ctx.scan_meta.copy() if ctx.scan_meta is not None else None
            gatherer = scan_meta.ScanMetadataGatherer(
                self, registry, ctx.motors(), ctx.metadata_devices(), user=self._user_metadata,
                record_profile=lambda profile: setattr(ctx, "last_metadata_profile", profile))
            gatherer.gather(scan_meta.META_TIMING.START)
            for key, default in (("instrument", {}), ("positioners", {}), ("scan_meta_categories", [])):
                info.setdefault(key, default)
            subscribers: list[Any] = [self._data]
            for factory in ctx.subscriber_factories:
                subscriber = factory(self)
                if subscriber is not None:
                    subscribers.append(subscriber)
            for subscriber in itertools.chain(ctx.subscribers, self._own_subscribers):
                if not any(subscriber is s for s in subscribers):
                    subscribers.append(subscriber)
            start = ScanStart(self.key, _snapshot(info), list(self.channels))
            for subscriber in subscribers:
                subscriber.scan_start(start)
                started.append(subscriber)
        except BaseException as exc:
            # Refused before anything moved: the number stays free.
            aborted = isinstance(exc, KeyboardInterrupt)
            with interrupts.deferred():
                info["end_time"] = now_iso()
                info["end_reason"] = "USER_ABORT" if aborted else "FAILURE"
                if started:
                    self._end_subscribers(started, ScanEnd(self.key, _snapshot(info), 0))
            self.state = ScanState.USER_ABORTED if aborted else ScanState.KILLED
            if aborted:
                raise _as_scan_abort(exc)
            raise

        self._subscribers = list(started)
        self._emitted = 0
        reason, error = "SUCCESS", None
        try:
            numbering.commit(ctx, self._save, number)
            if self._in_scans:
                ctx.scans.append(self)
            self._presets_called = []
            for preset in self._preset_list:
                self._presets_called.append(preset)
                preset._prepare(self)
            self._chain_presets_called = []
            for preset in self.acq_chain.presets:
                self._chain_presets_called.append(preset)
                preset.prepare(self.acq_chain)
            self._first_point()
            self._prepare(gatherer)
            self.state = ScanState.STARTING
            for preset in self._preset_list:
                preset.start(self)
            for preset in self.acq_chain.presets:
                preset.start(self.acq_chain)
            if self._fused is not None:
                self._acquire(interrupts)
            else:
                self._acquire_chain(interrupts)
        except KeyboardInterrupt as exc:
            reason, error = "USER_ABORT", exc
        except BaseException as exc:
            reason, error = "FAILURE", exc
        self.state = ScanState.STOPPING
        # the chain's and the scan's presets end (BLISS's order), whatever happened;
        # a failure there fails the scan, the file is finalised all the same
        for call in self._ending_calls():
            try:
                call()
            except KeyboardInterrupt as exc:
                if error is None:
                    reason, error = "USER_ABORT", exc
            except BaseException as exc:
                if error is None:
                    reason, error = "FAILURE", exc
                else:
                    warn(f"scan {self.scan_number}: {exc}")

        with interrupts.deferred():
            self.state = ScanState.STOPPING
            if reason != "SUCCESS":
                self._stop_motors()
            info["end_time"] = now_iso()
            info["end_reason"] = reason
            try:
                gatherer.gather(scan_meta.META_TIMING.END)
            except Exception as exc:
                warn(f"cannot gather END metadata of scan {self.scan_number}: {exc}")
            self._end_subscribers(started, ScanEnd(self.key, _snapshot(info), self._emitted))
            self._subscribers, self._channels = [], []

        restore_error: BaseException | None = None
        try:
            if restore:
                move_together(restore)  # relative scans: motors back where the scan found them
        except BaseException as exc:
            restore_error = exc
        finally:
            self.state = {"SUCCESS": ScanState.DONE,
                          "USER_ABORT": ScanState.USER_ABORTED}.get(reason, ScanState.KILLED)

        if restore_error is not None and reason != "SUCCESS":
            warn(f"motors of scan {self.scan_number} not moved back: {restore_error or 'interrupted'}")
        if error is not None:
            raise _as_scan_abort(error) if reason == "USER_ABORT" else error
        if isinstance(restore_error, KeyboardInterrupt):
            raise _as_scan_abort(restore_error, "scan ended, moving the motors back was interrupted")
        if restore_error is not None:
            raise restore_error
        if interrupts.pending:
            raise KeyboardInterrupt

    def _ending_calls(self) -> list:
        """What runs after the points, in BLISS's order: the chain presets'
        ``before_stop``, the objects' ``stop`` (masters first, generic chains), the
        chain presets' ``stop``, the scan presets' ``stop``."""
        chain = self.acq_chain
        calls: list = []
        chain_presets = getattr(self, "_chain_presets_called", [])
        calls += [lambda p=p: p.before_stop(chain) for p in chain_presets]
        if self._fused is None and getattr(self, "_chain_started", False):
            calls += [o.stop for o in chain.nodes_list]
        calls += [lambda p=p: p.stop(chain) for p in chain_presets]
        calls += [lambda p=p: p._stop(self) for p in getattr(self, "_presets_called", [])]
        return calls

    def _prepare(self, gatherer: Any) -> None:
        """Devices told about the scan, PREPARED metadata."""
        for device in itertools.chain(self.counters, self.motors):
            if isinstance(device, PreparesForScan):
                device.prepare_for_scan(self.outline)
        gatherer.gather(scan_meta.META_TIMING.PREPARED)
        if self._abort_requested:
            raise ScanAbort()

    def _first_point(self) -> None:
        """Motors to the first point (fused chains; a generic chain's masters move
        their motors themselves)."""
        if self._fused is not None:
            move_together(self._fused.first_point())
        if self._abort_requested:
            raise ScanAbort()

    def _acquire(self, interrupts: _Interrupts) -> None:
        """The point loop: kept tight (no allocation per point beyond the values)."""
        outline = self.outline
        channels = [_Channel(spec) for spec in self.channels]
        self._channels = channels
        elapsed_append = channels[0].append
        epoch_append = channels[1].append
        nmotors = len(self.motors)
        motor_appends = [(m, channels[2 + k].append) for k, m in enumerate(self.motors)]
        single: list[tuple[Any, Any]] = []
        multi: list[tuple[Any, tuple]] = []
        index = 2 + nmotors
        for counter in self.counters:
            specs = counter.channels()
            appends = tuple(c.append for c in channels[index:index + len(specs)])
            index += len(specs)
            if len(appends) == 1:
                single.append((counter, counter.read, appends[0]))
            else:
                multi.append((counter, counter.read, appends))
        moves = [m.move for m in self.motors]
        waits = [m.wait_move for m in self.motors]
        last: list[Any] = [target for _, target in outline.first_point()]
        count_time = float(outline.count_time)
        sleep_time = float(outline.sleep_time or 0.0)
        stab_time = float(outline.stab_time or 0.0)
        wait = self._abort_event.wait
        perf = time.perf_counter
        wall = time.time
        npoints = int(outline.npoints)
        t0 = None
        values: Any = None
        emitted = 0
        next_emit = perf() + BLOCK_PERIOD
        point_bytes = sum(c.dtype.itemsize * int(numpy.prod(c.spec.shape)) for c in channels
                          if c.spec.shape and all(n > 0 for n in c.spec.shape))
        block_max = max(1, min(BLOCK_MAX, BLOCK_BYTES // point_bytes)) if point_bytes else BLOCK_MAX
        try:
            for done, targets in enumerate(outline.points(), 1):
                if nmotors:
                    for k in range(nmotors):
                        target = targets[k]
                        if target != last[k]:
                            moves[k](target, wait=False)
                            last[k] = target
                    for wait_move in waits:
                        wait_move()
                    for motor, append in motor_appends:
                        append(motor.position)
                    if stab_time and wait(stab_time):
                        raise ScanAbort()
                start = perf()
                now = wall()
                if t0 is None:
                    t0 = now
                if count_time > 0:
                    deadline = start + count_time
                    remaining = count_time
                    while remaining > 0:
                        if wait(remaining):
                            raise ScanAbort()
                        remaining = deadline - perf()
                try:
                    for counter, read, append in single:
                        values = read(count_time)
                        if len(values) != 1:
                            raise _read.WrongCount(counter, values)
                        append(values[0])
                    for counter, read, appends in multi:
                        values = read(count_time)
                        if len(values) != len(appends):
                            raise _read.WrongCount(counter, values)
                        for append, value in zip(appends, values):
                            append(value)
                except Exception as exc:  # one sentence naming the counter and the point
                    raise _read.failure(exc, done - 1, values, self._reading_order(single, multi)) from exc
                elapsed_append(now - t0)
                epoch_append(now)
                self.npoints_done = done
                if self._abort_requested:
                    raise ScanAbort()
                if sleep_time and done != npoints and wait(sleep_time):
                    raise ScanAbort()
                if done - emitted >= block_max or perf() >= next_emit:
                    with interrupts.deferred():
                        self._emit(done - emitted)
                    emitted = done
                    next_emit = perf() + BLOCK_PERIOD
                    if interrupts.pending:
                        interrupts.pending = False
                        raise KeyboardInterrupt
        finally:
            with interrupts.deferred():
                self._emit(min(len(c.values) for c in channels))

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` on the scan's thread; ScanAbort when the scan is aborted
        meanwhile (what acquisition objects' ``wait()`` calls)."""
        if self._abort_event.wait(seconds):
            raise ScanAbort()

    def _acquire_chain(self, interrupts: _Interrupts) -> None:
        """Any chain: each iteration of the top master prepares every object (slaves
        first), then starts them (slaves first; the top master's start triggers what
        is below it), then waits for the slaves' readings."""
        chain = self.acq_chain
        channels = [_Channel(spec) for spec in self.channels]
        self._channels = channels
        for acq_channel, channel in zip(self._acq_channels, channels):
            acq_channel._sink = channel.append
        objects = chain.nodes_list
        top = objects[0]
        bottom_up = [o for level in reversed(chain.levels()) for o in level]
        for obj in objects:
            obj._runtime = self
        iterable = {o: hasattr(type(o), "__iter__") for o in objects}
        iterators = {o: iter(o) for o in objects[1:] if iterable[o]}
        preset_iterators = []
        for preset in chain.presets:
            produced = preset.get_iterator(chain)
            if produced is not None:
                preset_iterators.append(iter(produced))
        self._chain_started = True
        for obj in objects:
            obj.apply_parameters()
        perf = time.perf_counter
        next_emit = perf() + BLOCK_PERIOD
        try:
            for index, _ in enumerate(iter(top) if iterable[top] else (top,)):
                for obj, iterator in iterators.items():
                    try:
                        next(iterator)
                    except StopIteration:  # a master below the top starts over
                        iterators[obj] = iterator = iter(obj)
                        next(iterator)
                current = []
                for iterator in list(preset_iterators):
                    try:
                        current.append(next(iterator))
                    except StopIteration:
                        preset_iterators.remove(iterator)
                for preset in current:
                    preset.prepare()
                for obj in bottom_up:
                    if index == 0 or not obj.prepare_once:
                        obj.prepare()
                for preset in current:
                    preset.start()
                for obj in bottom_up:
                    if index == 0 or not obj.start_once:
                        obj.start()
                        if obj is not top and not hasattr(obj, "slaves"):
                            obj.spawn_reading_task()
                for obj in objects:
                    obj.wait_reading()
                for preset in current:
                    preset.stop()
                self.npoints_done = self._emitted + min(len(c.values) for c in channels)
                if self._abort_requested:
                    raise ScanAbort()
                if perf() >= next_emit and min(len(c.values) for c in channels):
                    with_deferred(interrupts, lambda: self._emit(min(len(c.values) for c in channels)))
                    next_emit = perf() + BLOCK_PERIOD
                    if interrupts.pending:
                        interrupts.pending = False
                        raise KeyboardInterrupt
        finally:
            for acq_channel in self._acq_channels:
                acq_channel._sink = None
            with_deferred(interrupts, lambda: self._emit(min(len(c.values) for c in channels)))

    def _emit(self, n: int) -> None:
        """Hand the next ``n`` complete points to the subscribers (a subscriber that
        fails is warned about and gets no more points; one raising an exception with
        ``stops_scan`` set ends the scan with it)."""
        channels = self._channels
        if n <= 0:
            for channel in channels:
                channel.values.clear()
            return
        try:
            data = {c.spec.fullname: c.take(n) for c in channels}
        except _read.BadValue:  # the points before the first bad value go out, then the scan stops
            bad = _read.first_bad(channels, n, self._channel_counters())
            self._emit(bad.index)
            for channel in channels:
                channel.values.clear()
            raise bad.error(self._emitted) from None
        for channel in channels:
            del channel.values[:n]
        first = self._emitted
        self._emitted = first + n
        self.npoints_done = self._emitted
        event = ScanPoints(self.key, first, data)
        for preset in self._preset_list:
            if preset._data_connections:
                preset._new_data(data)
        for subscriber in list(self._subscribers):
            try:
                subscriber.scan_points(event)
            except Exception as exc:
                if getattr(exc, "stops_scan", False):  # e.g. the data file's disk is full
                    self._subscribers.remove(subscriber)
                    raise
                warn(f"{type(subscriber).__name__} failed on points of scan "
                     f"{self.scan_number} and gets no more points: {exc}")
                self._subscribers.remove(subscriber)

    def _reading_order(self, single: list, multi: list) -> list[tuple[Any, list[_Channel]]]:
        """(counter, its channels) in the order a point reads them."""
        by_name = {channel.spec.fullname: channel for channel in self._channels}
        return [(counter, [by_name[s.fullname] for s in counter.channels() if s.fullname in by_name])
                for counter, _, _ in single + multi]

    def _channel_counters(self) -> dict[str, str]:
        """Channel fullname -> the name of the counter giving it."""
        return {spec.fullname: getattr(counter, "name", spec.name)
                for counter in self.counters for spec in counter.channels()}

    def _end_subscribers(self, subscribers: Sequence[Any], event: ScanEnd) -> None:
        for subscriber in subscribers:
            try:
                subscriber.scan_end(event)
            except Exception as exc:
                warn(f"{type(subscriber).__name__} failed at the end of scan {self.scan_number}: {exc}")

    def _stop_motors(self) -> None:
        for motor in self.motors:
            try:
                motor.stop()
            except Exception as exc:
                warn(f"cannot stop {motor.name}: {exc}")
        for motor in self.motors:
            try:
                motor.wait_move()
            except Exception:
                pass


def _fuse(chain: Any, scan_type: str) -> ScanOutline | None:
    """The fused form of ``chain`` when it is made of BLISS's standard objects in the
    standard shape (no subclass, no iteration preset), else None."""
    from bliss_lite.scanning.acquisition.counter import SamplingCounterAcquisitionSlave
    from bliss_lite.scanning.acquisition.motor import (LinearStepTriggerMaster,
                                                       MeshStepTriggerMaster,
                                                       VariableStepTriggerMaster)
    from bliss_lite.scanning.acquisition.timer import SoftwareTimerMaster

    if any(type(p).get_iterator is not ChainPreset.get_iterator for p in chain.presets):
        return None
    top = chain.top_masters[0]
    step = None
    timer = top
    if type(top) in (LinearStepTriggerMaster, MeshStepTriggerMaster, VariableStepTriggerMaster):
        below = chain.children(top)
        if len(below) != 1:
            return None
        step, timer = top, below[0]
    if type(timer) is not SoftwareTimerMaster:
        return None
    slaves = chain.children(timer)
    if not slaves or any(type(s) is not SamplingCounterAcquisitionSlave or chain.children(s)
                         or s.count_time != timer.count_time or s.trigger_type != s.SOFTWARE
                         for s in slaves):
        return None
    if step is None:
        return ScanOutline(scan_type, max(int(timer.npoints), 0), float(timer.count_time),
                           sleep_time=timer.sleep_time)
    trajectories = step.trajectories
    first = trajectories[0]
    return ScanOutline(scan_type, step.npoints, float(timer.count_time),
                       motor_start=float(first[0]) if len(first) else None,
                       motor_stop=float(first[-1]) if len(first) else None,
                       positions=first if type(step) is not LinearStepTriggerMaster
                       and scan_type not in ("ascan", "dscan") else None,
                       motors=tuple(step.axes), trajectories=tuple(trajectories),
                       sleep_time=timer.sleep_time, stab_time=step.stab_time)


def _npoints(chain: Any) -> int:
    top = chain.top_masters[0]
    return max(int(top.npoints or 0), 0)


def _version() -> str:
    from bliss_lite._version import __version__

    return __version__


def with_deferred(interrupts: _Interrupts, call: Any) -> None:
    """``call()`` in a section Ctrl-C does not cut in two."""
    interrupts.deferring += 1
    try:
        call()
    finally:
        interrupts.deferring -= 1


def _snapshot(info: dict) -> dict:
    """A plain-dict deep copy of ``scan_info`` for an event."""
    return copy.deepcopy(dict(info))
