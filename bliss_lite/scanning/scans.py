"""The standard scans as BLISS 2.4 has them (``bliss.common.scans.__all__``):
``ct``, ``sct``, ``loopscan``, ``timescan``, ``ascan``, ``a2scan`` ... ``a5scan``,
``anscan``, ``dscan``, ``d2scan`` ... ``d5scan``, ``dnscan``, ``amesh``, ``a3mesh``,
``anmesh``, ``dmesh``, ``d3mesh``, ``pointscan``, ``lookupscan``, ``lineup``.

Every function checks all its arguments (types, counters, motor limits for every
point) before anything moves, builds its acquisition chain with ``DEFAULT_CHAIN``
(a SoftwareTimerMaster over the counters, below a VariableStepTriggerMaster or a
MeshStepTriggerMaster for the motors), makes a :class:`~bliss_lite.scanning.engine.Scan`
of it, runs it unless ``run=False`` and returns it unless ``return_scan=False``.
Titles, types, names and ``scan_info`` keys are BLISS's (``dscan`` is titled
``ascan ...`` with the absolute positions, ``ct`` ``ct 0.1 1``, as in BLISS).  A
wrong argument type raises ``TypeError("Intended Usage: ascan(motor, start, stop,
intervals, count_time, counter_args)  Hint: ...")``.

Common keywords: ``name``, ``title`` (replaces the generated one), ``save``,
``sleep_time`` (seconds to wait after each point), ``run``, ``return_scan``,
``scan_info`` (a dict merged into the scan's info); scans with motors also take
``stab_time`` (seconds to wait after each move).  Counter arguments may be
counters, measurement groups or controllers; none means ``ACTIVE_MG``.
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy

from bliss_lite.devices._text import digits_of, with_digits
from bliss_lite.devices.protocols import Counter
from bliss_lite.scanning import _arguments as check
from bliss_lite.scanning import context as _context
from bliss_lite.scanning.acquisition.motor import MeshStepTriggerMaster, VariableStepTriggerMaster
from bliss_lite.scanning.engine import Scan
from bliss_lite.scanning.scan_info import ScanInfo
from bliss_lite.scanning.toolbox import DefaultAcquisitionChain

__all__ = ["ct", "sct", "ascan", "anscan", "a2scan", "a3scan", "a4scan", "a5scan", "dscan",
           "dnscan", "d2scan", "d3scan", "d4scan", "d5scan", "lineup", "timescan", "loopscan",
           "lookupscan", "pointscan", "anmesh", "amesh", "a3mesh", "dmesh", "d3mesh",
           "DEFAULT_CHAIN"]


class _DefaultChain:
    """``DEFAULT_CHAIN``: the current session's default chain
    (:class:`~bliss_lite.scanning.toolbox.DefaultAcquisitionChain`)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(default_chain(_context.current()), name)

    def __repr__(self) -> str:
        return repr(default_chain(_context.current()))


def default_chain(ctx: _context.ScanContext) -> DefaultAcquisitionChain:
    """The context's ``DEFAULT_CHAIN``, made on first use."""
    if ctx.default_chain is None:
        ctx.default_chain = DefaultAcquisitionChain()
    return ctx.default_chain


DEFAULT_CHAIN = _DefaultChain()


def _usage(function: Callable) -> Callable:
    """BLISS's type errors: ``Intended Usage: f(mandatory args)  Hint: <what is wrong>``."""
    params = inspect.signature(function).parameters.values()
    mandatory = ", ".join(p.name for p in params if p.default is inspect.Parameter.empty)

    @functools.wraps(function)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except check.ArgumentTypeError as exc:
            raise TypeError(f"Intended Usage: {function.__name__}({mandatory})  Hint: {exc}") from None

    return wrapped


@dataclass
class _Common:
    name: str | None
    title: str | None
    save: bool
    sleep_time: float | None
    run: bool
    return_scan: bool
    scan_info: ScanInfo


def _common(func: str, name: Any, title: Any, save: Any, sleep_time: Any, run: Any,
            return_scan: Any, scan_info: Any) -> _Common:
    info = check.scan_info(func, scan_info)
    return _Common(
        name=check.optional_str(func, "name", name),
        title=check.optional_str(func, "title", title),
        save=check.flag(func, "save", save),
        sleep_time=check.optional_number(func, "sleep_time", sleep_time),
        run=check.flag(func, "run", run),
        return_scan=check.flag(func, "return_scan", return_scan),
        scan_info=ScanInfo(dict(info)) if info else ScanInfo(),
    )


def _launch(scan: Scan, common: _Common) -> Scan | None:
    if common.run:
        scan.run()
    return scan if common.return_scan else None


def _fmt(motor: Any, value: float) -> str:
    """A position in a title, as BLISS's ``axis_rounder`` (the axis display digits)."""
    return with_digits(value, digits_of(motor))


def _scan(chain_params: dict, counters: Sequence[Any], common: _Common, default_name: str,
          top_master: Any = None, restore: bool = False, in_scans: bool = True,
          user_metadata: bool = True, after: Callable[[Scan], None] | None = None) -> Scan:
    ctx = _context.current()
    chain = default_chain(ctx).get(chain_params, counters, top_master=top_master)
    scan = Scan(chain, name=common.name or default_name, scan_info=common.scan_info,
                save=common.save, restore_motors=restore, in_scans=in_scans,
                user_metadata=user_metadata, context=ctx)
    if after is not None:
        after(scan)
    return scan


# -- counting without motors -----------------------------------------------------------

def _timescan(func: str, scan_type: str, title: str | None, npoints: int, count_time: float,
              counters: Sequence[Any], common: _Common, default_name: str,
              in_scans: bool = True, user_metadata: bool = True) -> Scan | None:
    info = common.scan_info
    if title is None:
        title = f"{scan_type} {count_time}" if npoints == 0 else f"{scan_type} {count_time} {npoints}"
    info.update({"type": scan_type, "save": common.save, "npoints": npoints,
                 "count_time": count_time, "title": common.title or title})
    if common.sleep_time is not None:
        info["sleep_time"] = common.sleep_time
    if npoints != 1 and not info.has_default_curve_plot():
        info.add_curve_plot(x="timer:elapsed_time")
    params = {"npoints": npoints, "count_time": count_time, "type": scan_type,
              "sleep_time": common.sleep_time}
    scan = _scan(params, counters, common, default_name, in_scans=in_scans,
                 user_metadata=user_metadata)
    return _launch(scan, common)


def _count_arg(count_time: Any, counters: tuple) -> tuple[Any, tuple]:
    if check.is_counter_arg(count_time):
        return 1.0, (count_time,) + counters
    return count_time, counters


@_usage
def ct(count_time: Any = 1.0, *counter_args: Any, name: str = "ct", title: str | None = None,
       run: bool = True, return_scan: bool = True, scan_info: dict | None = None,
       save: bool | None = None, sleep_time: float | None = None) -> Scan | None:
    """Count once for ``count_time`` seconds and show the values; not saved, not in
    ``SCANS``, no user metadata.  ``ct(diode)`` counts 1 s."""
    count_time, counter_args = _count_arg(count_time, counter_args)
    common = _common("ct", name, title, False, None, run, return_scan, scan_info)
    seconds = check.number("ct", "count_time", count_time, minimum=0.0)
    return _timescan("ct", "ct", None, 1, seconds, counter_args, common, "ct",
                     in_scans=False, user_metadata=False)


@_usage
def sct(count_time: Any = 1.0, *counter_args: Any, name: str = "ct", title: str | None = None,
        save: bool = True, run: bool = True, return_scan: bool = True,
        scan_info: dict | None = None) -> Scan | None:
    """Like :func:`ct`, but saved (and kept in ``SCANS``)."""
    count_time, counter_args = _count_arg(count_time, counter_args)
    common = _common("sct", name, title, save, None, run, return_scan, scan_info)
    seconds = check.number("sct", "count_time", count_time, minimum=0.0)
    return _timescan("sct", "ct", None, 1, seconds, counter_args, common, "ct")


@_usage
def loopscan(npoints: int, count_time: float, *counter_args: Any, name: str = "loopscan",
             title: str | None = None, save: bool = True, sleep_time: float | None = None,
             run: bool = True, return_scan: bool = True,
             scan_info: dict | None = None) -> Scan | None:
    """``npoints`` points of ``count_time`` seconds, no motor."""
    common = _common("loopscan", name, title, save, sleep_time, run, return_scan, scan_info)
    n = check.integer("loopscan", "npoints", npoints, minimum=1)
    seconds = check.number("loopscan", "count_time", count_time, minimum=0.0)
    return _timescan("loopscan", "loopscan", f"loopscan {npoints} {count_time}", n, seconds,
                     counter_args, common, "loopscan")


@_usage
def timescan(count_time: float, *counter_args: Any, npoints: int = 0, name: str = "timescan",
             title: str | None = None, save: bool = True, sleep_time: float | None = None,
             run: bool = True, return_scan: bool = True,
             scan_info: dict | None = None) -> Scan | None:
    """Points of ``count_time`` seconds, no motor; ``npoints=0`` runs until Ctrl-C
    (the scan then ends as aborted, with every complete point kept)."""
    common = _common("timescan", name, title, save, sleep_time, run, return_scan, scan_info)
    seconds = check.number("timescan", "count_time", count_time, minimum=0.0)
    n = check.integer("timescan", "npoints", npoints, minimum=0)
    text = f"timescan {count_time}" if n == 0 else f"timescan {count_time} {npoints}"
    return _timescan("timescan", "timescan", text, n, seconds, counter_args, common, "timescan")


# -- scans with motors along a line ---------------------------------------------------

def _lookup(func: str, scan_type: str, pairs: Sequence[tuple[Any, numpy.ndarray]], count_time: Any,
            counters: Sequence[Any], common: _Common, stab_time: Any, default_name: str,
            title: str | None = None, restore: bool = False,
            chain_extra: dict | None = None) -> Scan:
    seconds = check.number(func, "count_time", count_time, minimum=0.0)
    stab = check.optional_number(func, "stab_time", stab_time)
    motors = [m for m, _ in pairs]
    check.distinct_motors(func, motors)
    lengths = {len(p) for _, p in pairs}
    if len(lengths) != 1:
        raise ValueError(f"{func}(): every motor needs the same number of positions "
                         f"({', '.join(f'{m.name}: {len(p)}' for m, p in pairs)})")
    check.check_limits(motors, [p for _, p in pairs])
    npoints = lengths.pop()
    if title is None:
        title = "lookupscan %f on motors (%s)" % (seconds, ",".join(m.name for m in motors))
    info = common.scan_info
    info.update({"npoints": npoints, "count_time": seconds, "type": scan_type,
                 "save": common.save, "title": common.title or title})
    if stab is not None:
        info["stab_time"] = stab
    if common.sleep_time is not None:
        info["sleep_time"] = common.sleep_time
    if not info.has_default_curve_plot():
        info.add_curve_plot(x="timer:elapsed_time")
    params = {"npoints": npoints, "count_time": seconds, "sleep_time": common.sleep_time,
              "stab_time": stab, "type": scan_type, **(chain_extra or {})}
    args = [x for pair in pairs for x in pair]
    master = VariableStepTriggerMaster(*args, stab_time=stab)
    return _scan(params, counters, common, default_name, top_master=master, restore=restore)


def _triples(func: str, value: Any) -> list[tuple[Any, float, float]]:
    if not isinstance(value, (list, tuple)) or not value:
        raise check.ArgumentTypeError(f"{func}() argument 'motor_tuple_list' must be a non-empty "
                                      "list of (motor, start, stop) tuples")
    result = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            raise check.ArgumentTypeError(f"{func}() argument 'motor_tuple_list' must hold "
                                          f"(motor, start, stop) tuples, not {item!r}"[:200])
        m, start, stop = item
        result.append((check.motor(func, "motor", m), check.number(func, "start", start),
                       check.number(func, "stop", stop)))
    return result


def _nscan(func: str, triples: Sequence[tuple[Any, float, float]], intervals: Any, count_time: Any,
           counters: Sequence[Any], common: _Common, stab_time: Any, relative: bool,
           scan_type: str | None = None) -> Scan:
    """anscan / dnscan and the scans built on them (BLISS's anscan)."""
    n = check.integer(func, "intervals", intervals, minimum=1)
    check.number(func, "count_time", count_time, minimum=0.0)
    npoints = n + 1
    check.distinct_motors(func, [m for m, _, _ in triples])
    words, starts, stops, pairs = [], [], [], []
    info = common.scan_info
    for m, start, stop in triples:
        offset = m.position if relative else 0.0
        start, stop = start + offset, stop + offset
        words += [m.name, _fmt(m, start), _fmt(m, stop)]
        pairs.append((m, numpy.linspace(start, stop, npoints)))
        starts.append(start)
        stops.append(stop)
        info.set_channel_meta(f"axis:{m.name}", start=start, stop=stop, points=npoints)
    if not info.has_default_curve_plot():
        info.add_curve_plot(x=f"axis:{triples[0][0].name}")
    info["start"], info["stop"] = starts, stops
    k = len(triples)
    if scan_type is None:
        scan_type = (f"d{k}scan" if k > 1 else "dscan") if relative else (f"a{k}scan" if k > 1 else "ascan")
    title = " ".join([scan_type.replace("d", "a"), *words, str(intervals), str(count_time)])
    return _lookup(func, scan_type, pairs, count_time, counters, common, stab_time,
                   common.name or scan_type, title=title, restore=relative,
                   chain_extra={"start": starts, "stop": stops})


def _axis_scan(func: str, groups: Sequence[tuple[Any, Any, Any]], intervals: Any, count_time: Any,
               counters: Sequence[Any], name: Any, title: Any, save: Any, sleep_time: Any,
               run: Any, return_scan: Any, scan_info: Any, stab_time: Any,
               relative: bool) -> Scan | None:
    """ascan ... a5scan, dscan ... d5scan: motors given as (motor, start, stop) each."""
    common = _common(func, name, title, save, sleep_time, run, return_scan, scan_info)
    triples = []
    for i, (m, start, stop) in enumerate(groups, 1):
        k = "" if len(groups) == 1 else str(i)
        triples.append((check.motor(func, f"motor{k}", m), check.number(func, f"start{k}", start),
                        check.number(func, f"stop{k}", stop)))
    return _launch(_nscan(func, triples, intervals, count_time, counters, common, stab_time,
                          relative), common)


@_usage
def ascan(motor: Any, start: float, stop: float, intervals: int, count_time: float,
          *counter_args: Any, name: str | None = None, title: str | None = None,
          save: bool = True, sleep_time: float | None = None, stab_time: float | None = None,
          run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """``motor`` from ``start`` to ``stop`` in ``intervals`` steps (intervals + 1 points)."""
    return _axis_scan("ascan", [(motor, start, stop)], intervals, count_time, counter_args, name,
                      title, save, sleep_time, run, return_scan, scan_info, stab_time, False)


@_usage
def dscan(motor: Any, start: float, stop: float, intervals: int, count_time: float,
          *counter_args: Any, name: str | None = None, title: str | None = None,
          save: bool = True, sleep_time: float | None = None, stab_time: float | None = None,
          run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """Like :func:`ascan`, relative to the current position; the motor goes back
    there at the end, always (also after Ctrl-C or an error)."""
    return _axis_scan("dscan", [(motor, start, stop)], intervals, count_time, counter_args, name,
                      title, save, sleep_time, run, return_scan, scan_info, stab_time, True)


@_usage
def a2scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           intervals: int, count_time: float, *counter_args: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           stab_time: float | None = None, run: bool = True, return_scan: bool = True,
           scan_info: dict | None = None) -> Scan | None:
    """Two motors in a line together, absolute positions."""
    return _axis_scan("a2scan", [(motor1, start1, stop1), (motor2, start2, stop2)], intervals,
                      count_time, counter_args, name, title, save, sleep_time, run, return_scan,
                      scan_info, stab_time, False)


@_usage
def a3scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           motor3: Any, start3: float, stop3: float, intervals: int, count_time: float,
           *counter_args: Any, name: str | None = None, title: str | None = None,
           save: bool = True, sleep_time: float | None = None, stab_time: float | None = None,
           run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """Three motors in a line together, absolute positions."""
    return _axis_scan("a3scan", [(motor1, start1, stop1), (motor2, start2, stop2),
                                 (motor3, start3, stop3)], intervals, count_time, counter_args,
                      name, title, save, sleep_time, run, return_scan, scan_info, stab_time, False)


@_usage
def a4scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           motor3: Any, start3: float, stop3: float, motor4: Any, start4: float, stop4: float,
           intervals: int, count_time: float, *counter_args: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           stab_time: float | None = None, run: bool = True, return_scan: bool = True,
           scan_info: dict | None = None) -> Scan | None:
    """Four motors in a line together, absolute positions."""
    return _axis_scan("a4scan", [(motor1, start1, stop1), (motor2, start2, stop2),
                                 (motor3, start3, stop3), (motor4, start4, stop4)], intervals,
                      count_time, counter_args, name, title, save, sleep_time, run, return_scan,
                      scan_info, stab_time, False)


@_usage
def a5scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           motor3: Any, start3: float, stop3: float, motor4: Any, start4: float, stop4: float,
           motor5: Any, start5: float, stop5: float, intervals: int, count_time: float,
           *counter_args: Any, name: str | None = None, title: str | None = None,
           save: bool = True, sleep_time: float | None = None, stab_time: float | None = None,
           run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """Five motors in a line together, absolute positions."""
    return _axis_scan("a5scan", [(motor1, start1, stop1), (motor2, start2, stop2),
                                 (motor3, start3, stop3), (motor4, start4, stop4),
                                 (motor5, start5, stop5)], intervals, count_time, counter_args,
                      name, title, save, sleep_time, run, return_scan, scan_info, stab_time, False)


@_usage
def d2scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           intervals: int, count_time: float, *counter_args: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           stab_time: float | None = None, run: bool = True, return_scan: bool = True,
           scan_info: dict | None = None) -> Scan | None:
    """Like :func:`a2scan`, relative; the motors go back at the end, always."""
    return _axis_scan("d2scan", [(motor1, start1, stop1), (motor2, start2, stop2)], intervals,
                      count_time, counter_args, name, title, save, sleep_time, run, return_scan,
                      scan_info, stab_time, True)


@_usage
def d3scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           motor3: Any, start3: float, stop3: float, intervals: int, count_time: float,
           *counter_args: Any, name: str | None = None, title: str | None = None,
           save: bool = True, sleep_time: float | None = None, stab_time: float | None = None,
           run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """Like :func:`a3scan`, relative; the motors go back at the end, always."""
    return _axis_scan("d3scan", [(motor1, start1, stop1), (motor2, start2, stop2),
                                 (motor3, start3, stop3)], intervals, count_time, counter_args,
                      name, title, save, sleep_time, run, return_scan, scan_info, stab_time, True)


@_usage
def d4scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           motor3: Any, start3: float, stop3: float, motor4: Any, start4: float, stop4: float,
           intervals: int, count_time: float, *counter_args: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           stab_time: float | None = None, run: bool = True, return_scan: bool = True,
           scan_info: dict | None = None) -> Scan | None:
    """Like :func:`a4scan`, relative; the motors go back at the end, always."""
    return _axis_scan("d4scan", [(motor1, start1, stop1), (motor2, start2, stop2),
                                 (motor3, start3, stop3), (motor4, start4, stop4)], intervals,
                      count_time, counter_args, name, title, save, sleep_time, run, return_scan,
                      scan_info, stab_time, True)


@_usage
def d5scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           motor3: Any, start3: float, stop3: float, motor4: Any, start4: float, stop4: float,
           motor5: Any, start5: float, stop5: float, intervals: int, count_time: float,
           *counter_args: Any, name: str | None = None, title: str | None = None,
           save: bool = True, sleep_time: float | None = None, stab_time: float | None = None,
           run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """Like :func:`a5scan`, relative; the motors go back at the end, always."""
    return _axis_scan("d5scan", [(motor1, start1, stop1), (motor2, start2, stop2),
                                 (motor3, start3, stop3), (motor4, start4, stop4),
                                 (motor5, start5, stop5)], intervals, count_time, counter_args,
                      name, title, save, sleep_time, run, return_scan, scan_info, stab_time, True)


@_usage
def anscan(motor_tuple_list: Sequence[tuple[Any, float, float]], intervals: int,
           count_time: float, *counter_args: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           stab_time: float | None = None, run: bool = True, return_scan: bool = True,
           scan_info: dict | None = None) -> Scan | None:
    """Any number of motors in a line together: ``anscan([(m1, 0, 1), (m2, 2, 4)], 10, 0.1)``."""
    common = _common("anscan", name, title, save, sleep_time, run, return_scan, scan_info)
    triples = _triples("anscan", motor_tuple_list)
    return _launch(_nscan("anscan", triples, intervals, count_time, counter_args, common,
                          stab_time, relative=False), common)


@_usage
def dnscan(motor_tuple_list: Sequence[tuple[Any, float, float]], intervals: int,
           count_time: float, *counter_args: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           stab_time: float | None = None, run: bool = True, return_scan: bool = True,
           scan_info: dict | None = None) -> Scan | None:
    """Like :func:`anscan`, relative; the motors go back at the end, always."""
    common = _common("dnscan", name, title, save, sleep_time, run, return_scan, scan_info)
    triples = _triples("dnscan", motor_tuple_list)
    return _launch(_nscan("dnscan", triples, intervals, count_time, counter_args, common,
                          stab_time, relative=True), common)


@_usage
def lookupscan(motor_pos_tuple_list: Sequence[tuple[Any, Sequence[float]]], count_time: float,
               *counter_args: Any, name: str = "lookupscan", title: str | None = None,
               save: bool = True, sleep_time: float | None = None, stab_time: float | None = None,
               run: bool = True, return_scan: bool = True, scan_info: dict | None = None,
               restore_motor_positions: bool = False) -> Scan | None:
    """Motors through given positions together:
    ``lookupscan([(m0, numpy.arange(0, 2, 0.5)), (m1, [1, 2, 3, 4])], 0.1, diode)``."""
    f = "lookupscan"
    common = _common(f, name, title, save, sleep_time, run, return_scan, scan_info)
    restore = check.flag(f, "restore_motor_positions", restore_motor_positions)
    if not isinstance(motor_pos_tuple_list, (list, tuple)) or not motor_pos_tuple_list:
        raise check.ArgumentTypeError(f"{f}() argument 'motor_pos_tuple_list' must be a non-empty "
                                      "list of (motor, positions) tuples")
    pairs = []
    for item in motor_pos_tuple_list:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise check.ArgumentTypeError(f"{f}() argument 'motor_pos_tuple_list' must hold "
                                          f"(motor, positions) tuples, not {item!r}"[:200])
        pairs.append((check.motor(f, "motor", item[0]), check.positions(f, "positions", item[1])))
    return _launch(_lookup(f, "lookupscan", pairs, count_time, counter_args, common, stab_time,
                           "lookupscan", restore=restore), common)


@_usage
def pointscan(motor: Any, positions: Sequence[float], count_time: float, *counter_args: Any,
              name: str = "pointscan", title: str | None = None, save: bool = True,
              sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
              scan_info: dict | None = None) -> Scan | None:
    """One motor through given positions (titled as a lookupscan, as in BLISS)."""
    f = "pointscan"
    common = _common(f, name, title, save, sleep_time, run, return_scan, scan_info)
    pairs = [(check.motor(f, "motor", motor), check.positions(f, "positions", positions))]
    return _launch(_lookup(f, "pointscan", pairs, count_time, counter_args, common, None,
                           "pointscan"), common)


@_usage
def lineup(motor: Any, start: float, stop: float, intervals: int, count_time: float,
           counter: Any, name: str = "lineup", title: str | None = None, save: bool = True,
           sleep_time: float | None = None, stab_time: float | None = None, run: bool = True,
           return_scan: bool = True) -> Scan | None:
    """A :func:`dscan` with one counter, then the motor goes to the counter's peak."""
    if not isinstance(counter, Counter):
        raise check.ArgumentTypeError(f"lineup() argument 'counter' must be a counter, not "
                                      f"{type(counter).__name__}")
    run = check.flag("lineup", "run", run)
    return_scan = check.flag("lineup", "return_scan", return_scan)
    scan = dscan(motor, start, stop, intervals, count_time, counter, name=name, title=title,
                 save=save, sleep_time=sleep_time, stab_time=stab_time, run=run, return_scan=True)
    if run:
        scan.goto_peak(counter)
    return scan if return_scan else None


# -- meshes -------------------------------------------------------------------------------

def _quads(func: str, value: Any) -> list[tuple[Any, float, float, int]]:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise check.ArgumentTypeError(f"{func}() argument 'motor_tuple_list' must be a list of at "
                                      "least 2 (motor, start, stop, intervals) tuples")
    result = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 4:
            raise check.ArgumentTypeError(f"{func}() argument 'motor_tuple_list' must hold (motor, "
                                          f"start, stop, intervals) tuples, not {item!r}"[:200])
        m, start, stop, n = item
        result.append((check.motor(func, "motor", m), check.number(func, "start", start),
                       check.number(func, "stop", stop),
                       check.integer(func, "intervals", n, minimum=1)))
    return result


def _mesh(func: str, scan_type: str, quads: Sequence[tuple[Any, float, float, int]], count_time: Any,
          counters: Sequence[Any], backnforth: Any, common: _Common, default_name: str,
          relative: bool) -> Scan:
    """BLISS's anmesh, which amesh, a3mesh, dmesh and d3mesh are built on."""
    seconds = check.number(func, "count_time", count_time, minimum=0.0)
    back = check.flag(func, "backnforth", backnforth)
    check.distinct_motors(func, [q[0] for q in quads])
    if relative:
        quads = [(m, s + m.position, e + m.position, n) for m, s, e, n in quads]
    info = common.scan_info
    words = [scan_type.replace("d", "a")]
    for m, s, e, n in quads:
        words += [m.name, _fmt(m, s), _fmt(m, e), str(n)]
    words.append(str(count_time))
    npoints_list = [n + 1 for *_, n in quads]
    total = math.prod(npoints_list)
    check.total_points(func, total, len(quads) + 2)  # the motors and the two timers, at least
    info.update({"type": scan_type, "save": common.save, "title": common.title or " ".join(words),
                 "data_dim": len(quads), "npoints": total, "start": [q[1] for q in quads],
                 "stop": [q[2] for q in quads], "count_time": seconds})
    if common.sleep_time is not None:
        info["sleep_time"] = common.sleep_time
    for i, npoints in enumerate(npoints_list):
        info[f"npoints{i + 1}"] = npoints
    for i, (m, s, e, n) in enumerate(quads):
        kind = ("backnforth" if back else "forth") if i < 2 else "step"
        info.set_channel_meta(f"axis:{m.name}", start=s, stop=e, points=total, axis_id=i,
                              axis_points=n + 1, axis_kind=kind, group="scatter")
    info.add_scatter_plot(x=f"axis:{quads[0][0].name}", y=f"axis:{quads[1][0].name}")
    args = [x for m, s, e, n in quads for x in (m, s, e, n + 1)]
    master = MeshStepTriggerMaster(*args, backnforth=back)
    check.check_limits([q[0] for q in quads], master.trajectories)
    params = {"type": scan_type, "npoints": total, "count_time": seconds,
              "sleep_time": common.sleep_time, "start": info["start"], "stop": info["stop"]}

    def scatter_group(scan: Scan) -> None:
        for device in scan.scan_info["devices"].values():
            if device.get("triggered_devices"):
                continue
            for channel in device["channels"]:
                if scan.scan_info["channels"][channel].get("dim", 0) == 0:
                    scan.scan_info.set_channel_meta(channel, group="scatter")

    return _scan(params, counters, common, default_name, top_master=master, restore=relative,
                 after=scatter_group)


def _mesh_call(func: str, scan_type: str, quads: list, count_time: Any, counters: Sequence[Any],
               backnforth: Any, name: Any, title: Any, save: Any, sleep_time: Any, run: Any,
               return_scan: Any, scan_info: Any, relative: bool) -> Scan | None:
    common = _common(func, name, title, save, sleep_time, run, return_scan, scan_info)
    checked = []
    for i, (m, s, e, n) in enumerate(quads, 1):
        checked.append((check.motor(func, f"motor{i}", m), check.number(func, f"start{i}", s),
                        check.number(func, f"stop{i}", e),
                        check.integer(func, f"intervals{i}", n, minimum=1)))
    return _launch(_mesh(func, scan_type, checked, count_time, counters, backnforth, common,
                         common.name or scan_type, relative), common)


@_usage
def anmesh(motor_tuple_list: Sequence[tuple[Any, float, float, int]], count_time: float,
           *counter_args: Any, backnforth: bool = False, title: str | None = None,
           save: bool = True, sleep_time: float | None = None, run: bool = True,
           return_scan: bool = True, name: str = "anmesh",
           scan_info: dict | None = None) -> Scan | None:
    """A grid of any number of motors: ``anmesh([(m1, 0, 1, 4), (m2, 0, 2, 3), (m3, 0, 1, 1)],
    0.1)``, the first motor the fastest; ``backnforth`` reverses all but the slowest."""
    common = _common("anmesh", name, title, save, sleep_time, run, return_scan, scan_info)
    quads = _quads("anmesh", motor_tuple_list)
    return _launch(_mesh("anmesh", "anmesh", quads, count_time, counter_args, backnforth, common,
                         name, False), common)


@_usage
def amesh(motor1: Any, start1: float, stop1: float, intervals1: int, motor2: Any,
          start2: float, stop2: float, intervals2: int, count_time: float, *counter_args: Any,
          backnforth: bool = False, title: str | None = None, save: bool = True,
          sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
          name: str = "amesh", scan_info: dict | None = None) -> Scan | None:
    """A grid: ``motor1`` (fastest) over ``intervals1 + 1`` positions at each of the
    ``intervals2 + 1`` positions of ``motor2``; ``backnforth=True`` reverses
    ``motor1`` on every other line."""
    return _mesh_call("amesh", "amesh", [(motor1, start1, stop1, intervals1),
                                         (motor2, start2, stop2, intervals2)], count_time,
                      counter_args, backnforth, name, title, save, sleep_time, run, return_scan,
                      scan_info, False)


@_usage
def dmesh(motor1: Any, start1: float, stop1: float, intervals1: int, motor2: Any,
          start2: float, stop2: float, intervals2: int, count_time: float, *counter_args: Any,
          backnforth: bool = False, title: str | None = None, save: bool = True,
          sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
          name: str = "dmesh", scan_info: dict | None = None) -> Scan | None:
    """Like :func:`amesh`, relative; the motors go back at the end, always."""
    return _mesh_call("dmesh", "dmesh", [(motor1, start1, stop1, intervals1),
                                         (motor2, start2, stop2, intervals2)], count_time,
                      counter_args, backnforth, name, title, save, sleep_time, run, return_scan,
                      scan_info, True)


@_usage
def a3mesh(motor1: Any, start1: float, stop1: float, intervals1: int, motor2: Any,
           start2: float, stop2: float, intervals2: int, motor3: Any, start3: float,
           stop3: float, intervals3: int, count_time: float, *counter_args: Any,
           backnforth: bool = False, title: str | None = None, save: bool = True,
           sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
           name: str = "a3mesh", scan_info: dict | None = None) -> Scan | None:
    """A grid of three motors, ``motor1`` the fastest; ``backnforth`` reverses the
    first two on every other line."""
    return _mesh_call("a3mesh", "a3mesh", [(motor1, start1, stop1, intervals1),
                                           (motor2, start2, stop2, intervals2),
                                           (motor3, start3, stop3, intervals3)], count_time,
                      counter_args, backnforth, name, title, save, sleep_time, run, return_scan,
                      scan_info, False)


@_usage
def d3mesh(motor1: Any, start1: float, stop1: float, intervals1: int, motor2: Any,
           start2: float, stop2: float, intervals2: int, motor3: Any, start3: float,
           stop3: float, intervals3: int, count_time: float, *counter_args: Any,
           backnforth: bool = False, title: str | None = None, save: bool = True,
           sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
           name: str = "d3mesh", scan_info: dict | None = None) -> Scan | None:
    """Like :func:`a3mesh`, relative; the motors go back at the end, always."""
    return _mesh_call("d3mesh", "d3mesh", [(motor1, start1, stop1, intervals1),
                                           (motor2, start2, stop2, intervals2),
                                           (motor3, start3, stop3, intervals3)], count_time,
                      counter_args, backnforth, name, title, save, sleep_time, run, return_scan,
                      scan_info, True)
