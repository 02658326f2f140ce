"""Moving motors from the shell: ``mv``, ``mvr``, ``umv``, ``umvr`` (SPEC 5.4).

Every call is checked completely before anything moves: the argument pattern
(motor, position, motor, position, ...), the type of each position, the limits of
each target, the labels of MultiplePositions devices.  Then all motors start
together and the call returns when they have all arrived; an interruption
(Ctrl-C) stops them.  ``umv``/``umvr`` show the positions while moving (updated
in place on a terminal) and the final ones.
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from typing import Any, Sequence

from bliss_lite.commands import lookup
from bliss_lite.commands._format import label
from bliss_lite.devices._text import digits_of

#: Seconds between two updates of the ``umv`` display.
REFRESH_PERIOD = 0.1
#: Seconds between two looks at whether the motors have arrived.
_POLL_PERIOD = 0.01


class _Request:
    """One (object, target) pair of a motion command, checked: the axes it moves
    and where each of them goes."""

    __slots__ = ("obj", "target", "axes", "destinations")

    def __init__(self, obj: Any, target: Any, axes: list[Any],
                 destinations: list[float]) -> None:
        self.obj = obj
        self.target = target
        self.axes = axes
        self.destinations = destinations


def _usage(fname: str, relative: bool) -> str:
    what = "rel. pos" if relative else "pos"
    return f"{fname}(motor1, {what}1, motor2, {what}2, ...)"


def _parse(fname: str, args: Sequence[Any], relative: bool) -> list[_Request]:
    """The checked requests of a call, or one clear error; nothing has moved."""
    if not args or len(args) % 2:
        count = f"{len(args)} argument" + ("" if len(args) == 1 else "s")
        raise TypeError(f"{fname}: intended usage is {_usage(fname, relative)}, got {count}")
    requests: list[_Request] = []
    seen: dict[int, str] = {}
    for index in range(0, len(args), 2):
        obj, value = args[index], args[index + 1]
        if lookup.is_multiple_positions(obj):
            if relative:
                raise TypeError(f"{fname}: {obj.name} moves to named positions; use "
                                f"mv({obj.name}, label) or {obj.name}.move(label)")
            obj.check_label(value)
            targets = obj.targets_dict[value]
            requests.append(_Request(obj, value, [t["axis"] for t in targets],
                                     [t["destination"] for t in targets]))
        elif lookup.is_movable(obj):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                kind = "displacement" if relative else "position"
                raise TypeError(f"{fname}: the {kind} for {obj.name} must be a number, "
                                f"got {value!r}")
            target = float(value)
            if relative:
                target += obj.position
            if not math.isfinite(target):
                raise ValueError(f"{fname}: cannot move {obj.name} to {target}")
            obj.check_target(target)
            requests.append(_Request(obj, target, [obj], [target]))
        else:
            raise TypeError(f"{fname}: argument {index + 1} must be a motor, got {obj!r}; "
                            f"intended usage is {_usage(fname, relative)}")
        for axis in requests[-1].axes:
            if getattr(axis, "is_moving", False):
                raise RuntimeError(f"{fname}: {axis.name} is already moving; wait for it or "
                                   f"stop it first")
            if id(axis) in seen:
                first, second = seen[id(axis)], requests[-1].obj.name
                if first == second:
                    raise ValueError(f"{fname}: {first} is given twice")
                raise ValueError(f"{fname}: {axis.name} would be moved twice "
                                 f"(by {first} and by {second})")
            seen[id(axis)] = requests[-1].obj.name
    return requests


def _start(requests: list[_Request]) -> None:
    """Start every move (without waiting); stop the started ones on failure."""
    started: list[_Request] = []
    try:
        for request in requests:
            request.obj.move(request.target, wait=False)
            started.append(request)
    except BaseException:
        _stop(started)
        raise


def _stop(requests: list[_Request]) -> None:
    for request in requests:
        for axis in request.axes:
            try:
                axis.stop()
            except Exception:  # stop every motor even if one of them complains
                pass


def _wait(requests: list[_Request]) -> None:
    for request in requests:
        for axis in request.axes:
            axis.wait_move()


def _move(fname: str, args: Sequence[Any], relative: bool) -> None:
    requests = _parse(fname, args, relative)
    _start(requests)
    try:
        _wait(requests)
    except BaseException:
        _stop(requests)
        raise


def mv(*args: Any) -> None:
    """Move motors to absolute positions: ``mv(roby, 1, robz, 2)``; a
    MultiplePositions device takes a label: ``mv(beamstop, "IN")``."""
    _move("mv", args, relative=False)


def mvr(*args: Any) -> None:
    """Move motors by relative displacements: ``mvr(roby, 0.1)``."""
    _move("mvr", args, relative=True)


def umv(*args: Any) -> None:
    """Like :func:`mv`, showing the positions while moving."""
    _umove("umv", args, relative=False)


def umvr(*args: Any) -> None:
    """Like :func:`mvr`, showing the positions while moving."""
    _umove("umvr", args, relative=True)


# -- the live display ---------------------------------------------------------------------

def _column_width(axis: Any, target: float) -> int:
    """The widest value ``umv`` may print for ``axis``: its finite limits (user and
    dial), where it is and where it goes, with its display digits."""
    to_dial = getattr(axis, "user2dial", None)
    values = [target, to_dial(target) if callable(to_dial) else target]
    for attr in ("limits", "dial_limits", "position", "dial"):
        value = getattr(axis, attr, None)
        values.extend(value if isinstance(value, tuple) else [value])
    digits = digits_of(axis)
    return max((len(f"{float(v):.{digits}f}") for v in values
                if isinstance(v, numbers.Real) and math.isfinite(v)), default=1)


def _user_and_dial(axis: Any) -> tuple[float, float]:
    """One reading of the axis: the user position is computed from the same dial
    reading when the axis can convert, so both rows show the same instant."""
    dial = axis.dial
    to_user = getattr(axis, "dial2user", None)
    return (to_user(dial) if callable(to_user) else axis.position), dial


class _Display:
    """The ``umv`` table: a header of motor names, rows ``user`` and ``dial``."""

    def __init__(self, axes: list[Any], targets: list[float], stream: Any) -> None:
        self.axes = axes
        self.stream = stream
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        names = [label(a) for a in axes]
        width = max([len(n) for n in names] + [8] +
                    [_column_width(a, t) for a, t in zip(axes, targets)])
        self.formats = [f">{width}.{digits_of(a)}f" for a in axes]
        header = "  ".join(format(n, f"^{width}") for n in names)
        self.header = (" " * 5 + header).rstrip()

    def rows(self) -> str:
        readings = [_user_and_dial(a) for a in self.axes]
        user = "  ".join(format(r[0], f) for r, f in zip(readings, self.formats))
        dial = "  ".join(format(r[1], f) for r, f in zip(readings, self.formats))
        return f"user {user}\ndial {dial}\n"

    def start(self) -> None:
        self.stream.write(f"\n{self.header}\n")
        if self.live:
            self.stream.write("\n\n")
        self.stream.flush()

    def update(self) -> None:
        if self.live:
            self.stream.write("\033[F\033[F" + self.rows())
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write(("\033[F\033[F" if self.live else "") + self.rows())
        self.stream.flush()


def _umove(fname: str, args: Sequence[Any], relative: bool) -> None:
    requests = _parse(fname, args, relative)
    axes: list[Any] = []
    targets: list[float] = []
    for request in requests:
        axes.extend(request.axes)
        targets.extend(request.destinations)
    display = _Display(axes, targets, sys.stdout)
    display.start()
    _start(requests)
    try:
        if display.live:
            next_update = 0.0
            while any(getattr(a, "is_moving", False) for a in axes):
                now = time.monotonic()
                if now >= next_update:
                    display.update()
                    next_update = now + REFRESH_PERIOD
                time.sleep(_POLL_PERIOD)
        _wait(requests)
    except BaseException:
        _stop(requests)
        raise
    finally:
        display.finish()
