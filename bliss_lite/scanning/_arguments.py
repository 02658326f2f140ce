"""Checking scan function arguments before anything moves (SPEC 7.1).

Every check raises a one-sentence error naming the function and the argument:
``TypeError`` for a wrong type, ``ValueError`` for a wrong value (negative count
time, a target outside the limits, no counters).
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any, Iterable, Sequence

import numpy

from bliss_lite.devices.counters.reading import reading_plan
from bliss_lite.devices.protocols import Counter, CounterContainer, Movable
from bliss_lite.scanning.context import NO_COUNTERS


class ArgumentTypeError(TypeError):
    """A scan argument of the wrong type (the scan functions add BLISS's
    "Intended Usage: ...  Hint:" in front of the message)."""


def _what(value: Any) -> str:
    name = getattr(value, "name", None)
    kind = type(value).__name__
    return f"{kind} '{name}'" if isinstance(name, str) else f"{kind} {value!r}"[:80]


def number(func: str, arg: str, value: Any, minimum: float | None = None) -> float:
    """``value`` as a float; TypeError unless it is a real number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{func}() argument '{arg}' must be a number, not {type(value).__name__}")
    value = float(value)
    if minimum is not None and not value >= minimum:
        raise ValueError(f"{func}() argument '{arg}' must be at least {minimum:g}, not {value:g}")
    if not math.isfinite(value):
        raise ValueError(f"{func}() argument '{arg}' must be finite, not {value}")
    return value


def optional_number(func: str, arg: str, value: Any) -> float | None:
    return None if value is None else number(func, arg, value, minimum=0.0)


#: Arguments counting points (or intervals): never more than memory can hold.
POINT_ARGS = frozenset({"npoints", "intervals", "intervals1", "intervals2"})
#: Bytes a point takes at the least: the two timer channels, float64 each.
MIN_POINT_BYTES = 16


def memory_bytes() -> int:
    """This machine's physical memory (a large default where it cannot be read)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 40


def integer(func: str, arg: str, value: Any, minimum: int) -> int:
    """``value`` as an int; TypeError unless it is an integer (not a bool).  A count
    of points (:data:`POINT_ARGS`) is at most what memory can hold."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{func}() argument '{arg}' must be an integer, not {type(value).__name__}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{func}() argument '{arg}' must be at least {minimum}, not {value}")
    if arg in POINT_ARGS:
        limit = memory_bytes() // MIN_POINT_BYTES
        if value > limit:
            raise ValueError(f"{func}() argument '{arg}' must be at most {limit} "
                             f"(more points than this machine's memory can hold), not {value}")
    return value


def total_points(func: str, npoints: int, nchannels: int) -> None:
    """Refuse a scan whose points, float64 per channel, cannot fit in memory."""
    needed = npoints * max(nchannels, 1) * 8
    memory = memory_bytes()
    if needed > memory:
        raise ValueError(f"{func}: {npoints} points of {nchannels} channels need {needed / 1e9:.3g} GB of "
                         f"memory, more than this machine has ({memory / 1e9:.3g} GB)")


def motor(func: str, arg: str, value: Any) -> Movable:
    if not isinstance(value, Movable):
        raise ArgumentTypeError(f"{func}() argument '{arg}' must be an axis, not {_what(value)}")
    return value


def distinct_motors(func: str, motors: Sequence[Movable]) -> None:
    seen: set[int] = set()
    for m in motors:
        if id(m) in seen:
            raise ValueError(f"{func}(): axis '{m.name}' is given twice")
        seen.add(id(m))


def positions(func: str, arg: str, value: Any) -> numpy.ndarray:
    """A non-empty 1-D sequence of real numbers as a float array."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, numpy.ndarray)):
        raise ArgumentTypeError(f"{func}() argument '{arg}' must be a list of positions, not {type(value).__name__}")
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind not in "iuf":
            raise ArgumentTypeError(f"{func}() argument '{arg}' must hold numbers only, not {value.dtype}")
    else:
        for v in value:
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise ArgumentTypeError(f"{func}() argument '{arg}' must hold numbers only, "
                                f"not {type(v).__name__}")
    array = numpy.asarray(value, dtype=float).ravel()
    if len(array) == 0:
        raise ValueError(f"{func}() argument '{arg}' holds no position")
    if not numpy.all(numpy.isfinite(array)):
        raise ValueError(f"{func}() argument '{arg}' holds a position that is not finite")
    return array


def flag(func: str, arg: str, value: Any) -> bool:
    if not isinstance(value, (bool, numpy.bool_)):
        raise ArgumentTypeError(f"{func}() argument '{arg}' must be True or False, not {type(value).__name__}")
    return bool(value)


def optional_str(func: str, arg: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ArgumentTypeError(f"{func}() argument '{arg}' must be a string, not {type(value).__name__}")
    return value


def scan_info(func: str, value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ArgumentTypeError(f"{func}() argument 'scan_info' must be a dict, not {type(value).__name__}")
    from bliss_lite import scan_meta

    scan_meta.check_scan_info(value)
    return value


def is_counter_arg(value: Any) -> bool:
    return isinstance(value, (Counter, CounterContainer)) and not isinstance(value, (str, bytes))


def counters(func: str, args: Iterable[Any], default: Any) -> list[Counter]:
    """The counters of ``args`` (counters, measurement groups, controllers) in order,
    duplicates dropped; no argument at all → ``default()`` (ACTIVE_MG).  BLISS-API
    counters come back as :func:`~bliss_lite.devices.counters.reading.reading_plan`
    makes them (one reader per controller, calc counters after their inputs)."""
    args = list(args)
    found = [] if args else list(default())
    for arg in args:
        if isinstance(arg, Counter):
            found.append(arg)
        elif isinstance(arg, CounterContainer) and not isinstance(arg, (str, bytes)):
            found.extend(arg.counters)
        else:
            raise ArgumentTypeError(f"{func}(): {_what(arg)} is not a counter, a measurement group "
                            "or a controller")
    result = _unique(found)
    if not result:
        raise ValueError(NO_COUNTERS)
    try:
        return reading_plan(result)
    except ValueError as err:
        raise ValueError(f"{func}(): {err}") from None


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    result = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def check_limits(motors: Sequence[Movable], trajectories: Sequence[numpy.ndarray]) -> None:
    """Every target of every motor through ``check_target`` (extremes first, so an
    out-of-range scan fails fast)."""
    for m, trajectory in zip(motors, trajectories):
        check = m.check_target
        values = numpy.unique(trajectory)
        check(float(values[0]))
        check(float(values[-1]))
        for start in range(1, len(values) - 1, 4096):  # a chunk of Python floats at a time
            for value in values[start:min(start + 4096, len(values) - 1)].tolist():
                check(value)
