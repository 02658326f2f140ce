"""Alignment on a scan's data: ``peak``, ``com``, ``cen``, ``goto_cen``, ``plotselect``...

Every function works on the last scan of the session (``SCANS[-1]``) or on the one
given with ``scan=``.  The counter is ``counter=`` if given, else the first
plotselected counter present in the scan (the session's current selection, then
the one recorded in ``scan_info["plotselect"]``), else the scan's first counter.
The results are BLISS 2.4's: computed along every scanned motor (``axis=``: that one
alone), a scan without motor (``loopscan``, ``timescan``) against ``elapsed_time``
(or the point index); one axis gives the float itself (``cen()``: a
:class:`CenPosition`, a float that also carries ``.fwhm``), several a
:class:`MotionDict` ``{motor: position}``.  Each shell function prints
``Counter used: <name>``; the ``goto_*`` functions move there (refusing a scan
without motor), print each motion and return the same value.

A flat signal or one without finite values raises
:class:`~bliss_lite.scanning.scan_math.AlignmentError` (a ``ValueError``) naming the
scan and the counter, and nothing moves.

The Scan object's ``.peak(counter=None, axis=None, return_axes=False)`` ...
``.goto_min(...)`` methods compute the same with ``scan=self`` (:func:`scan_fit`,
:func:`scan_goto`), quietly: nothing printed, nothing marked, as BLISS's.

Plots hear of the results without this module knowing them: ``peak``, ``com``,
``cen``, ``trough``, ``where`` and the ``goto_*`` functions give every session
subscriber that has an ``alignment_markers(key, markers, clear)`` method the
:class:`Marker` s to draw on the scan's curve (BLISS's Flint markers: the result
per motor, and ``current``, the motor's position), and ``plotselect`` calls
``plotselect_changed(names)``.  A failing listener is ignored.
"""

from __future__ import annotations

import collections
import sys
from typing import Any, Callable, NamedTuple

import numpy

from bliss_lite.devices._text import digits_of, label, with_digits
from bliss_lite.devices.moving import move_together
from bliss_lite.scanning import context, scan_math
from bliss_lite.scanning.scan_math import AlignmentError, Cen

__all__ = [
    "AlignmentError",
    "Cen",
    "peak",
    "com",
    "cen",
    "fwhm",
    "trough",
    "where",
    "goto_peak",
    "goto_com",
    "goto_cen",
    "goto_min",
    "goto_custom",
    "find_position",
    "CenPosition",
    "MotionDict",
    "plotselect",
    "selected_counters",
    "Marker",
]

PLOTSELECT_KEY = "plotselect"

class _Axis(NamedTuple):
    """A position axis of a scan: its label, its data and the motor (or None)."""

    name: str
    positions: numpy.ndarray
    motor: Any


class Marker(NamedTuple):
    """A vertical line to draw at ``position`` of ``axis`` on a scan's curve; ``id``
    is "peak", "cen", "com", "min" or "current"."""

    axis: str
    id: str
    position: float
    label: str


def _tell_plots(method: str, *args: Any) -> None:
    """Call ``method`` of the session's subscribers that have it (see the module's
    documentation); a listener never makes an alignment function fail."""
    try:
        subscribers = list(context.current().subscribers)
    except Exception:
        return
    for subscriber in subscribers:
        hook = getattr(subscriber, method, None)
        if callable(hook):
            try:
                hook(*args)
            except Exception:
                pass


def _mark(scan: Any, markers: list[Marker], clear: bool = True) -> None:
    key = getattr(scan, "key", None)
    if key is not None and markers:
        _tell_plots("alignment_markers", key, markers, clear)


def _current_markers(target: "_Target", skip_outside: bool) -> list[Marker]:
    """A ``current`` marker per motor (when ``skip_outside``: only inside the scan's range)."""
    markers = []
    for ax in target.axes:
        if ax.motor is None:
            continue
        position = float(ax.motor.position)
        finite = ax.positions[numpy.isfinite(ax.positions)]
        if skip_outside and (not len(finite) or not finite.min() < position < finite.max()):
            continue
        markers.append(Marker(ax.name, "current", position, f"current\n{_format_position(ax.motor, position)}"))
    return markers


# --------------------------------------------------------------------------------------
# plotselect
# --------------------------------------------------------------------------------------


def selected_counters() -> list[str]:
    """The counter names selected with :func:`plotselect` in this session."""
    ctx = context.current()
    if ctx.store is None:
        return list(ctx.plot_selection)
    return list(ctx.store.get(PLOTSELECT_KEY, None) or [])


def plotselect(*counters: Any) -> None:
    """Select the counters that alignment functions (and plots) use, by object or name.

    Without arguments, print the usage and the current selection. The selection
    persists for the session.
    """
    out = sys.stdout
    lines: list[str] = []
    if not counters:
        lines += ["", "plotselect usage:", "    plotselect(<counters>*)", "example:", "    plotselect(counter1, counter2)", ""]
    else:
        names: list[str] = []
        for counter in counters:
            name = counter if isinstance(counter, str) else getattr(counter, "name", None)
            if not isinstance(name, str) or not name:
                raise TypeError(f"plotselect() takes counters or counter names, not {counter!r}")
            if name not in names:
                names.append(name)
        ctx = context.current()
        if ctx.store is None:
            ctx.plot_selection[:] = names
        else:
            ctx.store.set(PLOTSELECT_KEY, names)
        _tell_plots("plotselect_changed", list(names))
    lines += ["", "Currently plotted counter(s):"]
    lines += [f"- {name}" for name in selected_counters()]
    lines.append("")
    out.write("\n".join(lines) + "\n")
    out.flush()


# --------------------------------------------------------------------------------------
# What to compute on
# --------------------------------------------------------------------------------------


def _scan_or_last(scan: Any) -> Any:
    if scan is not None:
        return scan
    scans = context.current().scans
    if not scans:
        raise AlignmentError("No scan to align on: run a scan first (SCANS is empty).")
    return scans[-1]


def _describe(scan: Any) -> str:
    number = getattr(scan, "scan_number", None)
    name = getattr(scan, "name", None) or scan.scan_info.get("type", "scan")
    return f"scan {number} ({name})" if number is not None else f"scan {name}"


def _scalar_counter_channels(scan: Any) -> list:
    return [c for c in scan.channels if c.kind == "counter" and tuple(c.shape) == ()]


def _counter_name(scan: Any, counter: Any, data: Any) -> str:
    """The short name of the channel to align on (see the module docstring)."""
    channels = _scalar_counter_channels(scan)
    if counter is not None:
        wanted = [counter] if isinstance(counter, str) else [getattr(counter, "name", None), getattr(counter, "fullname", None)]
        if not isinstance(counter, str) and callable(getattr(counter, "channels", None)):
            try:
                wanted += [c.name for c in counter.channels()]
            except Exception:
                pass
        for name in wanted:
            for channel in channels:
                if name and name in (channel.name, channel.fullname):
                    return channel.name
        shown = counter if isinstance(counter, str) else getattr(counter, "name", repr(counter))
        known = ", ".join(c.name for c in channels) or "none"
        raise AlignmentError(f"Counter '{shown}' is not in {_describe(scan)} (its counters: {known}).")
    if not channels:
        raise AlignmentError(f"{_describe(scan).capitalize()} has no counter to align on.")
    by_name = {c.name: c.name for c in channels}
    by_name.update({c.fullname: c.name for c in channels})
    for name in list(selected_counters()) + list(scan.scan_info.get("plotselect") or []):
        if name in by_name:
            return by_name[name]
    return channels[0].name


def _axes(scan: Any, axis: Any, data: Any) -> list[_Axis]:
    """The position axes to compute on: ``axis`` alone, or every scanned motor, or
    ``elapsed_time`` / the point index for a scan without motor."""
    motors = list(getattr(scan, "motors", None) or [])
    if axis is not None:
        name = axis if isinstance(axis, str) else getattr(axis, "name", None)
        for motor in motors:
            if motor is axis or motor.name == name:
                return [_Axis(motor.name, numpy.asarray(data[motor.name]), motor)]
        if isinstance(axis, str) and axis in ("elapsed_time", "epoch") and axis in data:
            return [_Axis(axis, numpy.asarray(data[axis]), None)]
        known = ", ".join(m.name for m in motors) or "none"
        raise AlignmentError(f"Axis '{name}' is not a motor of {_describe(scan)} (its motors: {known}).")
    if motors:
        return [_Axis(m.name, numpy.asarray(data[m.name]), m) for m in motors]
    if "elapsed_time" in data:
        return [_Axis("elapsed_time", numpy.asarray(data["elapsed_time"]), None)]
    return [_Axis("index", None, None)]  # positions filled in by _target


class _Target(NamedTuple):
    scan: Any
    counter: str
    values: numpy.ndarray
    axes: list[_Axis]


def _target(counter: Any, axis: Any, scan: Any) -> _Target:
    scan = _scan_or_last(scan)
    data = scan.get_data()
    name = _counter_name(scan, counter, data)
    values = numpy.asarray(data[name])
    axes = [a if a.positions is not None else a._replace(positions=numpy.arange(len(values), dtype=float))
            for a in _axes(scan, axis, data)]
    # Every channel holds the same number of complete points; be tolerant anyway.
    n = min([len(values)] + [len(a.positions) for a in axes])
    values = values[:n]
    axes = [a._replace(positions=a.positions[:n]) for a in axes]
    return _Target(scan, name, values, axes)


def _compute(kind: str, func: Callable, target: _Target, ax: _Axis) -> Any:
    try:
        return func(ax.positions, target.values)
    except AlignmentError as error:
        raise AlignmentError(
            f"Cannot compute {kind}() of '{target.counter}' versus '{ax.name}' in {_describe(target.scan)}: {error}."
        ) from None


class CenPosition(float):
    """What ``cen()`` gives per axis: the centre's position, a float as in BLISS 2.4,
    which also carries ``.position`` and ``.fwhm`` (the full width at half maximum)."""

    position: float
    fwhm: float

    def __new__(cls, cen: Cen) -> "CenPosition":
        value = super().__new__(cls, cen.position)
        value.position, value.fwhm = float(cen.position), float(cen.fwhm)
        return value


class MotionDict(collections.UserDict):
    """Several axes' results (BLISS's ``_MotionDict``): ``{axis: position}``, the key a
    motor, or ``"elapsed_time"`` for a scan without motor; ``__info__`` shows each
    position with its motor's display digits."""

    def __info__(self) -> str:
        parts = []
        for key, value in self.items():
            if isinstance(key, str):
                parts.append(f"{key}: {value}")
            else:
                parts.append(f"{key.name}: {_format_position(key, value)}")
        return "{" + ", ".join(parts) + "}"


def _cen_position(x: Any, y: Any) -> CenPosition:
    return CenPosition(scan_math.cen(x, y))


#: the computations by name (a user's own function for find_position / goto_custom)
_FITS: dict[str, Callable] = {"peak": scan_math.peak, "trough": scan_math.trough, "com": scan_math.com,
                              "cen": _cen_position, "fwhm": scan_math.fwhm}


def _fit_name(fit: str | Callable) -> str:
    return fit if isinstance(fit, str) else getattr(fit, "__name__", "find_position")


def _fits(fit: str | Callable, target: _Target) -> MotionDict:
    """``fit`` computed along each axis of ``target`` (BLISS's ``ScanFits.compute_fit``)."""
    func = _FITS[fit] if isinstance(fit, str) else fit
    result = MotionDict()
    for ax in target.axes:
        result[ax.motor if ax.motor is not None else ax.name] = _compute(_fit_name(fit), func, target, ax)
    return result


def _single_or_all(result: MotionDict) -> Any:
    """One axis: its value; several: the :class:`MotionDict` (as BLISS 2.4)."""
    return next(iter(result.values())) if len(result) == 1 else result


def scan_fit(fit: str | Callable, counter: Any, axis: Any, scan: Any, return_axes: bool = False) -> Any:
    """What ``Scan.cen()`` / ``Scan.peak()``... give (BLISS's ``Scan`` methods): the
    result for one axis or a :class:`MotionDict` (always one with ``return_axes``);
    nothing is printed or marked."""
    result = _fits(fit, _target(counter, axis, scan))
    return result if return_axes else _single_or_all(result)


def scan_goto(fit: str | Callable, counter: Any, axis: Any, scan: Any) -> None:
    """What ``Scan.goto_cen()``... do: move without printing or marking."""
    target = _target(counter, axis, scan)
    _require_motor(fit, target)
    _move_to(_fits(fit, target), announce=False)


def _require_motor(fit: str | Callable, target: _Target) -> None:
    if not any(a.motor is not None for a in target.axes):
        name = "min" if fit == "trough" else _fit_name(fit)
        raise AlignmentError(f"Cannot goto_{name}(): {_describe(target.scan)} has no motor to move.")


def _move_to(result: MotionDict, announce: bool, move: Callable | None = None) -> None:
    """Check every target, then move the motors together and wait; on an
    interruption or an error, stop and go back."""
    moves = [(key, float(value)) for key, value in result.items() if not isinstance(key, str)]
    for motor, position in moves:
        motor.check_target(position)
    starts = [(motor, motor.position) for motor, _ in moves]
    if announce:
        out = sys.stdout
        for (motor, position), (_, start) in zip(moves, starts):
            out.write(f"Moving {motor.name} from {_format_position(motor, start)} to {_format_position(motor, position)}\n")
        out.flush()
    try:
        if move is not None:
            move(dict(moves), relative=False)
        else:
            move_together(moves)
    except BaseException:
        try:
            move_together(starts)  # back where they were
        except BaseException:
            pass
        raise


def _scan_calc(fit: str | Callable, counter: Any, axis: Any, scan: Any, marker: bool = True,
               goto: bool = False, move: Callable | None = None) -> Any:
    """The shell's alignment functions (BLISS's ``_scan_calc``): compute ``fit``
    along the scan's axes, mark the results on the plots, print the counter used,
    move there with ``goto``; the value for one axis, else a :class:`MotionDict`."""
    target = _target(counter, axis, scan)
    if goto:
        _require_motor(fit, target)
    result = _fits(fit, target)
    name = "min" if fit == "trough" else _fit_name(fit)
    if marker:
        markers = []
        for ax, value in zip(target.axes, result.values()):
            text = _format_position(ax.motor, value) if ax.motor is not None else f"{float(value):g}"
            markers.append(Marker(ax.name, name, float(value), f"{name}\n{text}"))
        if not goto:
            markers += _current_markers(target, skip_outside=True)
        _mark(target.scan, markers)
    out = sys.stdout
    out.write(f"Counter used: {target.counter}\n")
    out.flush()
    if goto:
        try:
            _move_to(result, announce=True, move=move)
        finally:
            if marker:
                _mark(target.scan, _current_markers(target, skip_outside=False), clear=False)
    return _single_or_all(result)


# --------------------------------------------------------------------------------------
# Computations
# --------------------------------------------------------------------------------------


def peak(counter: Any = None, axis: Any = None, scan: Any = None) -> Any:
    """Position of the counter's maximum along each scanned motor (one: a float)."""
    return _scan_calc("peak", counter, axis, scan)


def trough(counter: Any = None, axis: Any = None, scan: Any = None) -> Any:
    """Position of the counter's minimum."""
    return _scan_calc("trough", counter, axis, scan)


def com(counter: Any = None, axis: Any = None, scan: Any = None) -> Any:
    """Centre of mass of the counter (background = its minimum)."""
    return _scan_calc("com", counter, axis, scan)


def cen(counter: Any = None, axis: Any = None, scan: Any = None) -> Any:
    """Centre of the counter's FWHM: a :class:`CenPosition` (a float with ``.fwhm``),
    or a :class:`MotionDict` of them for several motors."""
    return _scan_calc("cen", counter, axis, scan)


def fwhm(counter: Any = None, axis: Any = None, scan: Any = None) -> Any:
    """Full width at half maximum of the counter (nothing is marked)."""
    return _scan_calc("fwhm", counter, axis, scan, marker=False)


def find_position(func: Callable, counter: Any = None, axis: Any = None, scan: Any = None) -> Any:
    """``func(x, y)``: a user's own computation on each scanned motor's positions
    (``x``) and the counter's values (``y``), marked as ``func.__name__``."""
    if not callable(func):
        raise TypeError(f"find_position() argument 'func' must be callable, not {type(func).__name__}")
    return _scan_calc(func, counter, axis, scan)


# --------------------------------------------------------------------------------------
# Moves
# --------------------------------------------------------------------------------------


def _format_position(motor: Any, position: float) -> str:
    return with_digits(position, digits_of(motor, default=4))


def goto_peak(counter: Any = None, axis: Any = None, scan: Any = None, move: Callable | None = None) -> Any:
    """Move the scanned motor(s) to the point where the counter is largest;
    ``move(positions, relative=False)`` moves instead when given."""
    return _scan_calc("peak", counter, axis, scan, goto=True, move=move)


def goto_min(counter: Any = None, axis: Any = None, scan: Any = None, move: Callable | None = None) -> Any:
    """Move the scanned motor(s) to the point where the counter is smallest."""
    return _scan_calc("trough", counter, axis, scan, goto=True, move=move)


def goto_com(counter: Any = None, axis: Any = None, scan: Any = None, move: Callable | None = None) -> Any:
    """Move the scanned motor(s) to the counter's centre of mass."""
    return _scan_calc("com", counter, axis, scan, goto=True, move=move)


def goto_cen(counter: Any = None, axis: Any = None, scan: Any = None, move: Callable | None = None) -> Any:
    """Move the scanned motor(s) to the centre of the counter's FWHM."""
    return _scan_calc("cen", counter, axis, scan, goto=True, move=move)


def goto_custom(func: Callable, counter: Any = None, axis: Any = None, scan: Any = None,
                move: Callable | None = None) -> Any:
    """Move the scanned motor(s) to what ``func(x, y)`` gives (see :func:`find_position`)."""
    if not callable(func):
        raise TypeError(f"goto_custom() argument 'func' must be callable, not {type(func).__name__}")
    return _scan_calc(func, counter, axis, scan, goto=True, move=move)


# --------------------------------------------------------------------------------------
# where
# --------------------------------------------------------------------------------------


def where(counter: Any = None, scan: Any = None) -> None:
    """Print each scanned motor's current position and the counter's peak, cen
    (with fwhm), com and min along it."""
    target = _target(counter, None, scan)
    scan = target.scan
    title = scan.scan_info.get("title", "")
    lines = [f"{_describe(scan).capitalize()}: {title}  counter: {target.counter}".rstrip()]
    for ax in target.axes:
        if ax.motor is not None:
            fmt = lambda v, m=ax.motor: _format_position(m, v)  # noqa: E731
            title = label(ax.name, getattr(ax.motor, "unit", None))
            parts = [f"current {fmt(ax.motor.position)}"]
        else:
            fmt = lambda v: f"{v:g}"  # noqa: E731
            title = ax.name
            parts = ["no motor"]
        reason = None
        for kind in ("peak", "cen", "com", "trough"):
            name = "min" if kind == "trough" else kind
            try:
                result = _FITS[kind](ax.positions, target.values)
            except AlignmentError as error:
                parts.append(f"{name} n/a")
                reason = str(error)
                continue
            if isinstance(result, CenPosition):
                parts.append(f"cen {fmt(result.position)} (fwhm {fmt(result.fwhm)})")
            else:
                parts.append(f"{name} {fmt(result)}")
        lines.append(f"  {title}: " + "   ".join(parts))
        if reason is not None:
            lines.append(f"  ({target.counter}: {reason})")
    _mark(scan, _current_markers(target, skip_outside=False))
    out = sys.stdout
    out.write("\n".join(lines) + "\n")
    out.flush()
