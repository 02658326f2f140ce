"""The standard scans (SPEC 7.1, 7.2): ``ct``, ``sct``, ``loopscan``, ``timescan``,
``ascan``, ``dscan``, ``a2scan``, ``d2scan``, ``anscan``, ``dnscan``, ``amesh``,
``dmesh``, ``pointscan``, ``lookupscan``, ``lineup``.

Every function checks all its arguments (types, counters, motor limits for every
point) before anything moves, builds a :class:`~bliss_lite.scanning.engine.Scan`,
runs it unless ``run=False`` and returns it unless ``return_scan=False``.

Common keywords: ``name`` (default: the scan type), ``title`` (replaces the
generated one), ``save`` (write a file entry; default True except ``ct``),
``sleep_time`` (seconds to wait after each point), ``run``, ``return_scan``,
``scan_info`` (a dict merged into the scan's info, SPEC 6.5).  Counter arguments may
be counters, measurement groups or controllers; none means ``ACTIVE_MG``.
Scans with motors also take ``stab_time`` (seconds to wait after each move).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy

from bliss_lite.devices._text import digits_of, with_digits
from bliss_lite.devices.protocols import Counter, ScanOutline
from bliss_lite.scanning import _arguments as check
from bliss_lite.scanning import context as _context
from bliss_lite.scanning.engine import Scan

__all__ = ["ct", "sct", "loopscan", "timescan", "ascan", "dscan", "a2scan", "d2scan",
           "anscan", "dnscan", "amesh", "dmesh", "pointscan", "lookupscan", "lineup"]


@dataclass
class _Common:
    name: str | None
    title: str | None
    save: bool
    sleep_time: float | None
    run: bool
    return_scan: bool
    scan_info: dict | None


def _common(func: str, name: Any, title: Any, save: Any, sleep_time: Any, run: Any,
            return_scan: Any, scan_info: Any) -> _Common:
    return _Common(
        name=check.optional_str(func, "name", name),
        title=check.optional_str(func, "title", title),
        save=check.flag(func, "save", save),
        sleep_time=check.optional_number(func, "sleep_time", sleep_time),
        run=check.flag(func, "run", run),
        return_scan=check.flag(func, "return_scan", return_scan),
        scan_info=check.scan_info(func, scan_info),
    )


def _launch(scan: Scan, common: _Common) -> Scan | None:
    if common.run:
        scan.run()
    return scan if common.return_scan else None


def _fmt(motor: Any, value: float) -> str:
    """A position in a title: with the axis display digits."""
    return with_digits(value, digits_of(motor))


# -- counting without motors -----------------------------------------------------------

def _count_scan(func: str, scan_type: str, title: str, npoints: int, count_time: float,
                counter_args: Sequence[Any], common: _Common, in_scans: bool = True,
                user_metadata: bool = True) -> Scan | None:
    ctx = _context.current()
    counters = check.counters(func, counter_args, ctx.default_counters)
    outline = ScanOutline(scan_type, npoints, count_time, sleep_time=common.sleep_time)
    scan = Scan(common.title or title, outline, counters=counters, name=common.name,
                save=common.save, scan_info=common.scan_info, in_scans=in_scans,
                user_metadata=user_metadata, context=ctx)
    return _launch(scan, common)


def ct(count_time: Any = 1.0, *counters: Any, name: str | None = None,
       title: str | None = None, save: bool = False, sleep_time: float | None = None,
       run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """Count once for ``count_time`` seconds and show the values; not saved, not in
    ``SCANS``.  ``ct(diode)`` counts 1 s."""
    if check.is_counter_arg(count_time):
        counters, count_time = (count_time,) + counters, 1.0
    common = _common("ct", name, title, save, sleep_time, run, return_scan, scan_info)
    seconds = check.number("ct", "count_time", count_time, minimum=0.0)
    return _count_scan("ct", "ct", f"ct {count_time}", 1, seconds, counters, common,
                       in_scans=False, user_metadata=common.save)


def sct(count_time: Any = 1.0, *counters: Any, name: str | None = None,
        title: str | None = None, save: bool = True, sleep_time: float | None = None,
        run: bool = True, return_scan: bool = True, scan_info: dict | None = None) -> Scan | None:
    """Like :func:`ct`, but saved (and kept in ``SCANS``)."""
    if check.is_counter_arg(count_time):
        counters, count_time = (count_time,) + counters, 1.0
    common = _common("sct", name, title, save, sleep_time, run, return_scan, scan_info)
    seconds = check.number("sct", "count_time", count_time, minimum=0.0)
    return _count_scan("sct", "sct", f"sct {count_time}", 1, seconds, counters, common)


def loopscan(npoints: int, count_time: float, *counters: Any, name: str | None = None,
             title: str | None = None, save: bool = True, sleep_time: float | None = None,
             run: bool = True, return_scan: bool = True,
             scan_info: dict | None = None) -> Scan | None:
    """``npoints`` points of ``count_time`` seconds, no motor."""
    common = _common("loopscan", name, title, save, sleep_time, run, return_scan, scan_info)
    n = check.integer("loopscan", "npoints", npoints, minimum=1)
    seconds = check.number("loopscan", "count_time", count_time, minimum=0.0)
    return _count_scan("loopscan", "loopscan", f"loopscan {npoints} {count_time}", n, seconds,
                       counters, common)


def timescan(count_time: float, *counters: Any, npoints: int = 0, name: str | None = None,
             title: str | None = None, save: bool = True, sleep_time: float | None = None,
             run: bool = True, return_scan: bool = True,
             scan_info: dict | None = None) -> Scan | None:
    """Points of ``count_time`` seconds, no motor; ``npoints=0`` runs until Ctrl-C
    (the scan then ends as aborted, with every complete point kept)."""
    common = _common("timescan", name, title, save, sleep_time, run, return_scan, scan_info)
    seconds = check.number("timescan", "count_time", count_time, minimum=0.0)
    n = check.integer("timescan", "npoints", npoints, minimum=0)
    text = f"timescan {count_time}" if n == 0 else f"timescan {count_time} {npoints}"
    return _count_scan("timescan", "timescan", text, n, seconds, counters, common)


# -- scans with motors -------------------------------------------------------------------

def _motor_scan(func: str, scan_type: str, title: str, motors: Sequence[Any],
                trajectories: Sequence[numpy.ndarray], count_time: float,
                counter_args: Sequence[Any], common: _Common, stab_time: float | None,
                extra_info: dict, listed_positions: bool, relative: bool) -> Scan | None:
    ctx = _context.current()
    counters = check.counters(func, counter_args, ctx.default_counters)
    check.check_limits(motors, trajectories)
    npoints = len(trajectories[0])
    first = trajectories[0]
    outline = ScanOutline(scan_type, npoints, count_time, motor_start=float(first[0]),
                          motor_stop=float(first[-1]),
                          positions=first if listed_positions else None, motors=tuple(motors),
                          trajectories=tuple(trajectories), sleep_time=common.sleep_time,
                          stab_time=stab_time)
    scan = Scan(common.title or title, outline, counters=counters, name=common.name,
                save=common.save, scan_info=common.scan_info, extra_info=extra_info,
                restore_motors=relative, context=ctx)
    return _launch(scan, common)


def _start_stop_list(func: str, arg: str, value: Any) -> list[tuple[Any, float, float]]:
    if not isinstance(value, (list, tuple)) or not value:
        raise TypeError(f"{func}() argument '{arg}' must be a non-empty list of "
                        "(motor, start, stop) tuples")
    result = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            raise TypeError(f"{func}() argument '{arg}' must hold (motor, start, stop) tuples, "
                            f"not {item!r}"[:200])
        m, start, stop = item
        result.append((check.motor(func, "motor", m), check.number(func, "start", start),
                       check.number(func, "stop", stop)))
    return result


def _nscan(func: str, scan_type: str, triples: Sequence[tuple[Any, Any, Any]], intervals: Any,
           count_time: Any, counter_args: Sequence[Any], common: _Common, stab_time: Any,
           relative: bool) -> Scan | None:
    """ascan, dscan, a2scan, d2scan, anscan, dnscan: motors in a line together."""
    n = check.integer(func, "intervals", intervals, minimum=1)
    seconds = check.number(func, "count_time", count_time, minimum=0.0)
    stab = check.optional_number(func, "stab_time", stab_time)
    motors = [m for m, _, _ in triples]
    check.distinct_motors(func, motors)
    starts, stops, trajectories, words = [], [], [], []
    for m, start, stop in triples:
        offset = m.position if relative else 0.0
        start, stop = start + offset, stop + offset
        starts.append(start)
        stops.append(stop)
        trajectories.append(numpy.linspace(start, stop, n + 1))
        words += [m.name, _fmt(m, start), _fmt(m, stop)]
    prefix = "ascan" if len(motors) == 1 else f"a{len(motors)}scan"
    title = " ".join([prefix, *words, str(intervals), str(count_time)])
    extra = {"start": starts, "stop": stops, "intervals": n}
    return _motor_scan(func, scan_type, title, motors, trajectories, seconds, counter_args,
                       common, stab, extra, listed_positions=False, relative=relative)


def ascan(motor: Any, start: float, stop: float, intervals: int, count_time: float,
          *counters: Any, name: str | None = None, title: str | None = None, save: bool = True,
          sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
          scan_info: dict | None = None, stab_time: float | None = None) -> Scan | None:
    """``motor`` from ``start`` to ``stop`` in ``intervals`` steps (intervals + 1 points)."""
    common = _common("ascan", name, title, save, sleep_time, run, return_scan, scan_info)
    triples = [(check.motor("ascan", "motor", motor), check.number("ascan", "start", start),
                check.number("ascan", "stop", stop))]
    return _nscan("ascan", "ascan", triples, intervals, count_time, counters, common,
                  stab_time, relative=False)


def dscan(motor: Any, start: float, stop: float, intervals: int, count_time: float,
          *counters: Any, name: str | None = None, title: str | None = None, save: bool = True,
          sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
          scan_info: dict | None = None, stab_time: float | None = None) -> Scan | None:
    """Like :func:`ascan`, relative to the current position; the motor goes back
    there at the end, always (also after Ctrl-C or an error)."""
    common = _common("dscan", name, title, save, sleep_time, run, return_scan, scan_info)
    triples = [(check.motor("dscan", "motor", motor), check.number("dscan", "start", start),
                check.number("dscan", "stop", stop))]
    return _nscan("dscan", "dscan", triples, intervals, count_time, counters, common,
                  stab_time, relative=True)


def a2scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           intervals: int, count_time: float, *counters: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           run: bool = True, return_scan: bool = True, scan_info: dict | None = None,
           stab_time: float | None = None) -> Scan | None:
    """Two motors in a line together, absolute positions."""
    f = "a2scan"
    common = _common(f, name, title, save, sleep_time, run, return_scan, scan_info)
    triples = [(check.motor(f, "motor1", motor1), check.number(f, "start1", start1),
                check.number(f, "stop1", stop1)),
               (check.motor(f, "motor2", motor2), check.number(f, "start2", start2),
                check.number(f, "stop2", stop2))]
    return _nscan(f, f, triples, intervals, count_time, counters, common, stab_time, relative=False)


def d2scan(motor1: Any, start1: float, stop1: float, motor2: Any, start2: float, stop2: float,
           intervals: int, count_time: float, *counters: Any, name: str | None = None,
           title: str | None = None, save: bool = True, sleep_time: float | None = None,
           run: bool = True, return_scan: bool = True, scan_info: dict | None = None,
           stab_time: float | None = None) -> Scan | None:
    """Like :func:`a2scan`, relative; the motors go back at the end, always."""
    f = "d2scan"
    common = _common(f, name, title, save, sleep_time, run, return_scan, scan_info)
    triples = [(check.motor(f, "motor1", motor1), check.number(f, "start1", start1),
                check.number(f, "stop1", stop1)),
               (check.motor(f, "motor2", motor2), check.number(f, "start2", start2),
                check.number(f, "stop2", stop2))]
    return _nscan(f, f, triples, intervals, count_time, counters, common, stab_time, relative=True)


def anscan(motor_tuple_list: Sequence[tuple[Any, float, float]], intervals: int,
           count_time: float, *counters: Any, name: str | None = None, title: str | None = None,
           save: bool = True, sleep_time: float | None = None, run: bool = True,
           return_scan: bool = True, scan_info: dict | None = None,
           stab_time: float | None = None) -> Scan | None:
    """Any number of motors in a line together: ``anscan([(m1, 0, 1), (m2, 2, 4)], 10, 0.1)``."""
    common = _common("anscan", name, title, save, sleep_time, run, return_scan, scan_info)
    triples = _start_stop_list("anscan", "motor_tuple_list", motor_tuple_list)
    return _nscan("anscan", "anscan", triples, intervals, count_time, counters, common,
                  stab_time, relative=False)


def dnscan(motor_tuple_list: Sequence[tuple[Any, float, float]], intervals: int,
           count_time: float, *counters: Any, name: str | None = None, title: str | None = None,
           save: bool = True, sleep_time: float | None = None, run: bool = True,
           return_scan: bool = True, scan_info: dict | None = None,
           stab_time: float | None = None) -> Scan | None:
    """Like :func:`anscan`, relative; the motors go back at the end, always."""
    common = _common("dnscan", name, title, save, sleep_time, run, return_scan, scan_info)
    triples = _start_stop_list("dnscan", "motor_tuple_list", motor_tuple_list)
    return _nscan("dnscan", "dnscan", triples, intervals, count_time, counters, common,
                  stab_time, relative=True)


def _mesh(func: str, motor1: Any, start1: Any, stop1: Any, intervals1: Any, motor2: Any,
          start2: Any, stop2: Any, intervals2: Any, count_time: Any, counter_args: Sequence[Any],
          backnforth: Any, common: _Common, stab_time: Any, relative: bool) -> Scan | None:
    m1 = check.motor(func, "motor1", motor1)
    s1, e1 = check.number(func, "start1", start1), check.number(func, "stop1", stop1)
    n1 = check.integer(func, "intervals1", intervals1, minimum=1)
    m2 = check.motor(func, "motor2", motor2)
    s2, e2 = check.number(func, "start2", start2), check.number(func, "stop2", stop2)
    n2 = check.integer(func, "intervals2", intervals2, minimum=1)
    seconds = check.number(func, "count_time", count_time, minimum=0.0)
    back = check.flag(func, "backnforth", backnforth)
    stab = check.optional_number(func, "stab_time", stab_time)
    check.distinct_motors(func, [m1, m2])
    if relative:
        p1, p2 = m1.position, m2.position
        s1, e1, s2, e2 = s1 + p1, e1 + p1, s2 + p2, e2 + p2
    line1 = numpy.linspace(s1, e1, n1 + 1)
    line2 = numpy.linspace(s2, e2, n2 + 1)
    grid1 = numpy.tile(line1, (n2 + 1, 1))
    if back:
        grid1[1::2] = grid1[1::2, ::-1]
    trajectories = [grid1.ravel(), numpy.repeat(line2, n1 + 1)]
    title = " ".join(["amesh", m1.name, _fmt(m1, s1), _fmt(m1, e1), str(intervals1),
                      m2.name, _fmt(m2, s2), _fmt(m2, e2), str(intervals2), str(count_time)])
    extra = {"start": [s1, s2], "stop": [e1, e2], "npoints1": n1 + 1, "npoints2": n2 + 1,
             "data_dim": 2, "backnforth": back}
    return _motor_scan(func, func, title, [m1, m2], trajectories, seconds, counter_args, common,
                       stab, extra, listed_positions=True, relative=relative)


def amesh(motor1: Any, start1: float, stop1: float, intervals1: int, motor2: Any,
          start2: float, stop2: float, intervals2: int, count_time: float, *counters: Any,
          backnforth: bool = False, name: str | None = None, title: str | None = None,
          save: bool = True, sleep_time: float | None = None, run: bool = True,
          return_scan: bool = True, scan_info: dict | None = None,
          stab_time: float | None = None) -> Scan | None:
    """A grid: ``motor1`` (fastest) over ``intervals1 + 1`` positions at each of the
    ``intervals2 + 1`` positions of ``motor2``; ``backnforth=True`` reverses
    ``motor1`` on every other line."""
    common = _common("amesh", name, title, save, sleep_time, run, return_scan, scan_info)
    return _mesh("amesh", motor1, start1, stop1, intervals1, motor2, start2, stop2, intervals2,
                 count_time, counters, backnforth, common, stab_time, relative=False)


def dmesh(motor1: Any, start1: float, stop1: float, intervals1: int, motor2: Any,
          start2: float, stop2: float, intervals2: int, count_time: float, *counters: Any,
          backnforth: bool = False, name: str | None = None, title: str | None = None,
          save: bool = True, sleep_time: float | None = None, run: bool = True,
          return_scan: bool = True, scan_info: dict | None = None,
          stab_time: float | None = None) -> Scan | None:
    """Like :func:`amesh`, relative; the motors go back at the end, always."""
    common = _common("dmesh", name, title, save, sleep_time, run, return_scan, scan_info)
    return _mesh("dmesh", motor1, start1, stop1, intervals1, motor2, start2, stop2, intervals2,
                 count_time, counters, backnforth, common, stab_time, relative=True)


def _lookup(func: str, pairs: Sequence[tuple[Any, Any]], count_time: Any,
            counter_args: Sequence[Any], common: _Common, stab_time: Any) -> Scan | None:
    seconds = check.number(func, "count_time", count_time, minimum=0.0)
    stab = check.optional_number(func, "stab_time", stab_time)
    motors = [m for m, _ in pairs]
    check.distinct_motors(func, motors)
    trajectories = [p for _, p in pairs]
    lengths = {len(p) for p in trajectories}
    if len(lengths) != 1:
        raise ValueError(f"{func}(): every motor needs the same number of positions "
                         f"({', '.join(f'{m.name}: {len(p)}' for m, p in pairs)})")
    title = "lookupscan %f on motors (%s)" % (seconds, ",".join(m.name for m in motors))
    return _motor_scan(func, func, title, motors, trajectories, seconds, counter_args, common,
                       stab, {}, listed_positions=True, relative=False)


def lookupscan(motor_pos_tuple_list: Sequence[tuple[Any, Sequence[float]]], count_time: float,
               *counters: Any, name: str | None = None, title: str | None = None,
               save: bool = True, sleep_time: float | None = None, run: bool = True,
               return_scan: bool = True, scan_info: dict | None = None,
               stab_time: float | None = None) -> Scan | None:
    """Motors through given positions together:
    ``lookupscan([(m0, numpy.arange(0, 2, 0.5)), (m1, [1, 2, 3, 4])], 0.1, diode)``."""
    f = "lookupscan"
    common = _common(f, name, title, save, sleep_time, run, return_scan, scan_info)
    if not isinstance(motor_pos_tuple_list, (list, tuple)) or not motor_pos_tuple_list:
        raise TypeError(f"{f}() argument 'motor_pos_tuple_list' must be a non-empty list of "
                        "(motor, positions) tuples")
    pairs = []
    for item in motor_pos_tuple_list:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise TypeError(f"{f}() argument 'motor_pos_tuple_list' must hold (motor, positions) "
                            f"tuples, not {item!r}"[:200])
        pairs.append((check.motor(f, "motor", item[0]), check.positions(f, "positions", item[1])))
    return _lookup(f, pairs, count_time, counters, common, stab_time)


def pointscan(motor: Any, positions: Sequence[float], count_time: float, *counters: Any,
              name: str | None = None, title: str | None = None, save: bool = True,
              sleep_time: float | None = None, run: bool = True, return_scan: bool = True,
              scan_info: dict | None = None, stab_time: float | None = None) -> Scan | None:
    """One motor through given positions (its title is a lookupscan's, as in BLISS)."""
    f = "pointscan"
    common = _common(f, name, title, save, sleep_time, run, return_scan, scan_info)
    pairs = [(check.motor(f, "motor", motor), check.positions(f, "positions", positions))]
    return _lookup(f, pairs, count_time, counters, common, stab_time)


def lineup(motor: Any, start: float, stop: float, intervals: int, count_time: float,
           counter: Any, name: str | None = "lineup", title: str | None = None,
           save: bool = True, sleep_time: float | None = None, run: bool = True,
           return_scan: bool = True, scan_info: dict | None = None,
           stab_time: float | None = None) -> Scan | None:
    """A :func:`dscan` with one counter, then the motor goes to the counter's peak."""
    if not isinstance(counter, Counter):
        raise TypeError(f"lineup() argument 'counter' must be a counter, not "
                        f"{type(counter).__name__}")
    common = _common("lineup", name, title, save, sleep_time, False, True, scan_info)
    triples = [(check.motor("lineup", "motor", motor), check.number("lineup", "start", start),
                check.number("lineup", "stop", stop))]
    run = check.flag("lineup", "run", run)
    return_scan = check.flag("lineup", "return_scan", return_scan)
    scan = _nscan("lineup", "dscan", triples, intervals, count_time, (counter,), common,
                  stab_time, relative=True)
    if run:
        scan.run()
        from bliss_lite.scanning import alignment

        alignment.goto_peak(counter, scan=scan)
    return scan if return_scan else None
