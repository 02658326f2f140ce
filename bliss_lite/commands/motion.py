"""Moving motors from the shell: ``mv``, ``mvr``, ``mvd``, ``mvdr``, ``move``, ``umv``,
``umvr``, ``umvd``, ``umvdr``, ``rockit``, ``sync`` (SPEC 5.4, BLISS 2.4).

Every call is checked completely before anything moves: the argument pattern
(motor, position, motor, position, ...), the type of each position, the limits of
each target (for a calc axis, of its reals too), the labels of MultiplePositions
devices, a calc axis given with one of its reals.  Then all motors start together
(the calc axes of one controller in one calculation) and the call returns when they
have all arrived; an interruption (Ctrl-C) stops them.

As BLISS 2.4's, ``mv``, ``mvr``, ``mvd``, ``mvdr`` and ``move`` print one line per
axis that has to move, once everything is checked and before anything starts:
``Moving roby from 0.000000 to 1.000000`` (an axis already at its target prints
nothing; a calc axis always moves, to bring its reals along; ``move(...,
display_dependencies=True)`` adds the lines of the reals, ``print_motion=False`` none).
``umv`` and friends show, as BLISS 2.4 does, a block of the axes (with the reals of
calc axes) updated in place on a terminal: labels, ``user`` positions, ``target``
positions; without a terminal they print the same ``Moving ...`` lines.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import shutil
import sys
import threading
import time
from typing import Any, Iterator, Sequence

from bliss_lite.commands import lookup
from bliss_lite.commands._format import label
from bliss_lite.devices._text import digits_of
from bliss_lite.devices.motion import Axis, CalcController, Group, get_real_axes
from bliss_lite.devices.motion.group import check_group, start_checked

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


def _user_target(fname: str, obj: Any, value: float, relative: bool, dial: bool) -> float:
    if dial and not callable(getattr(obj, "dial2user", None)):
        raise TypeError(f"{fname}: {obj.name} has no dial position")
    if relative:
        start = obj._set_position if isinstance(obj, Axis) else obj.position
        return start + (value * obj.sign if dial else value)
    return obj.dial2user(value) if dial else value


def _parse(fname: str, args: Sequence[Any], relative: bool, dial: bool = False) -> list[_Request]:
    """The checked requests of a call, or one clear error; nothing has moved."""
    if not args or len(args) % 2:
        count = f"{len(args)} argument" + ("" if len(args) == 1 else "s")
        raise TypeError(f"{fname}: intended usage is {_usage(fname, relative)}, got {count}")
    requests: list[_Request] = []
    seen: dict[int, str] = {}
    for index in range(0, len(args), 2):
        obj, value = args[index], args[index + 1]
        if lookup.is_multiple_positions(obj):
            if relative or dial:
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
            target = _user_target(fname, obj, float(value), relative, dial)
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
    axes = {r.obj: r.target for r in requests if isinstance(r.obj, Axis)}
    if axes:
        Group(*axes)          # a calc axis with one of its reals: BLISS's RuntimeError
        check_group(axes)     # the limits of the reals of calc axes
    return requests


def _start(requests: list[_Request]) -> None:
    """Start every move (without waiting); stop the started ones on failure."""
    started: list[_Request] = []
    try:
        others = [r for r in requests if not isinstance(r.obj, Axis)]
        for request in others:
            request.obj.move(request.target, wait=False)
            started.append(request)
        axes = [r for r in requests if isinstance(r.obj, Axis)]
        if axes:
            start_checked({r.obj: r.target for r in axes})
            started.extend(axes)
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
    error: BaseException | None = None
    for request in requests:
        for axis in request.axes:
            try:
                axis.wait_move()
            except Exception as exc:  # every motor is waited for; the first error raises
                error = error or exc
    if error is not None:
        raise error


def _move(fname: str, args: Sequence[Any], relative: bool, dial: bool = False,
          wait: bool = True, print_motion: bool = True,
          display_dependencies: bool = False) -> list[_Request]:
    requests = _parse(fname, args, relative, dial)
    if print_motion:
        for line in _motion_lines(requests, display_dependencies):
            print(line)
    _start(requests)
    if wait:
        try:
            _wait(requests)
        except BaseException:
            _stop(requests)
            raise
    return requests


def mv(*args: Any) -> None:
    """Move motors to absolute positions: ``mv(roby, 1, robz, 2)``; a
    MultiplePositions device takes a label: ``mv(beamstop, "IN")``."""
    _move("mv", args, relative=False)


def mvr(*args: Any) -> None:
    """Move motors by relative displacements: ``mvr(roby, 0.1)``."""
    _move("mvr", args, relative=True)


def mvd(*args: Any) -> None:
    """Move motors to absolute dial positions: ``mvd(roby, 1)``."""
    _move("mvd", args, relative=False, dial=True)


def mvdr(*args: Any) -> None:
    """Move motors by relative dial displacements: ``mvdr(roby, 0.1)``."""
    _move("mvdr", args, relative=True, dial=True)


def move(*args: Any, wait: bool = True, relative: bool = False, dial: bool = False,
         print_motion: bool = True, display_dependencies: bool = False) -> None:
    """``move(roby, 1, robz, 2, wait=True, relative=False, dial=False)``: mv with its
    options; ``print_motion`` prints ``Moving roby from ... to ...`` (with the reals of
    calc axes when ``display_dependencies``).  A ``{axis: position}`` mapping or a
    motor group with a list of positions is accepted too."""
    _move("move", _pairs(args), relative, dial, wait, print_motion, display_dependencies)


def _pairs(args: tuple) -> tuple:
    """``({ax: pos},)`` and ``(group, [positions])`` as ``(ax, pos, ...)``."""
    if len(args) == 1 and isinstance(args[0], dict):
        return tuple(x for pair in args[0].items() for x in pair)
    if len(args) == 2 and hasattr(args[0], "axes_with_reals"):
        return tuple(x for pair in zip(args[0].axes.values(), args[1]) for x in pair)
    return args


def _motion_line(axis: Any, target: float) -> str:
    rounder = getattr(axis, "axis_rounder", lambda v, a=axis: f"{v:.{digits_of(a)}f}")
    return f"Moving {axis.name} from {rounder(axis.position)} to {rounder(target)}"


def _motion_lines(requests: list[_Request], with_reals: bool = False) -> list[str]:
    """BLISS's ``Moving ... from ... to ...`` line of every axis that has to move
    (other movables, e.g. MultiplePositions, print their own line when they move)."""
    targets = {r.obj: r.target for r in requests if isinstance(r.obj, Axis)}
    lines = [_motion_line(axis, target) for axis, target in targets.items()
             if axis.get_motion(target) is not None]
    while with_reals:
        per_calc: dict[int, tuple[Any, dict[Axis, float]]] = {}
        for axis, target in targets.items():
            controller = axis.controller
            if isinstance(controller, CalcController):
                per_calc.setdefault(id(controller), (controller, {}))[1][axis] = \
                    axis.user2dial(target)
        targets = {}
        for controller, dial_targets in per_calc.values():
            targets.update(controller._real_moves(dial_targets))
        lines += [_motion_line(real, target) for real, target in targets.items()
                  if real.get_motion(target) is not None]
        with_reals = bool(targets)
    return lines


def _print_motions(requests: list[_Request]) -> None:
    for request in requests:
        for axis, target in zip(request.axes, request.destinations):
            print(_motion_line(axis, target))


def umv(*args: Any) -> None:
    """Like :func:`mv`, showing the positions while moving."""
    _umove("umv", args, relative=False)


def umvr(*args: Any) -> None:
    """Like :func:`mvr`, showing the positions while moving."""
    _umove("umvr", args, relative=True)


def umvd(*args: Any) -> None:
    """Like :func:`mvd` (dial targets), showing the user positions while moving."""
    _umove("umvd", args, relative=False, dial=True)


def umvdr(*args: Any) -> None:
    """Like :func:`mvdr` (relative dial), showing the user positions while moving."""
    _umove("umvdr", args, relative=True, dial=True)


# -- the live display (BLISS 2.4's umv block) ------------------------------------------------

def _max_value_length(axis: Any) -> int:
    """The widest value the axis may show: integer part of its limits, plus digits."""
    values = []
    for attr in ("limits", "dial_limits"):
        pair = getattr(axis, attr, None)
        values.extend(pair if isinstance(pair, tuple) else ())
    size = max((f"{float(v):f}".find(".") for v in values), default=1)
    digits = digits_of(axis)
    return size + digits + 1 if digits else size


class _Display:
    """Labels, ``user`` and ``target`` rows of the moving axes, as BLISS's umv."""

    def __init__(self, axes: list[Any], targets: dict[int, float], stream: Any) -> None:
        self.axes = axes
        self.targets = targets
        self.stream = stream
        self.labels = [label(a) for a in axes]
        width = max([_max_value_length(a) for a in axes] + [len(n) for n in self.labels] + [8])
        self.width = width
        self.formats = [f">{width}.0{digits_of(a)}f" for a in axes]
        columns = shutil.get_terminal_size((80, 20)).columns - 9
        per_row = max(1, (columns + 2) // (width + 2))
        if len(axes) > 10:
            per_row = max(per_row, -(-len(axes) // 2))
        self.per_row = per_row
        self.lines_drawn = 0

    def render(self) -> str:
        blocks = []
        for start in range(0, len(self.axes), self.per_row):
            index = range(start, min(start + self.per_row, len(self.axes)))
            labels = "  ".join(format(self.labels[i], f">{self.width}") for i in index)
            users = []
            for i in index:
                try:
                    users.append(format(self.axes[i].position, self.formats[i]))
                except Exception:
                    users.append(format("!ERR", f">{self.width}"))
            targets = "  ".join(format(self.targets.get(id(self.axes[i]), math.nan),
                                       self.formats[i]) for i in index)
            blocks.append(f"         {labels}\nuser     {'  '.join(users)}\ntarget   {targets}")
        return "\n\n".join(blocks) + "\n"

    def draw(self) -> None:
        text = self.render()
        up = "\033[F" * self.lines_drawn
        self.stream.write(up + text)
        self.stream.flush()
        self.lines_drawn = text.count("\n")


def _umove(fname: str, args: Sequence[Any], relative: bool, dial: bool = False) -> None:
    requests = _parse(fname, args, relative, dial)
    stream = sys.stdout
    if not bool(getattr(stream, "isatty", lambda: False)()):
        # BLISS without a terminal: the motions are printed, then the move runs
        _print_motions(requests)
        _start(requests)
        try:
            _wait(requests)
        except BaseException:
            _stop(requests)
            raise
        return
    axes: list[Any] = []
    targets: dict[int, float] = {}
    for request in requests:
        for axis, target in zip(request.axes, request.destinations):
            axes.append(axis)
            targets[id(axis)] = target
    for real in get_real_axes(*[a for a in axes if isinstance(a, Axis)]):
        if id(real) not in targets:
            axes.append(real)
    _start(requests)
    for axis in axes:
        if id(axis) not in targets:
            targets[id(axis)] = axis._set_position if isinstance(axis, Axis) else axis.position
    display = _Display(axes, targets, stream)
    try:
        display.draw()
        next_update = time.monotonic() + REFRESH_PERIOD
        while any(getattr(a, "is_moving", False) for a in axes):
            if time.monotonic() >= next_update:
                display.draw()
                next_update = time.monotonic() + REFRESH_PERIOD
            time.sleep(_POLL_PERIOD)
        _wait(requests)
    except BaseException:
        _stop(requests)
        raise
    finally:
        display.draw()


# -- rocking, synchronising -----------------------------------------------------------------

@contextlib.contextmanager
def rockit(motor: Any, total_move: float) -> Iterator[None]:
    """Rock ``motor`` between its position ± ``total_move``/2 while the block runs;
    it goes back where it was afterwards::

        with rockit(mot1, 10):
            ascan(mot2, -1, 1, 10, 0.1, diode)
    """
    if motor.is_moving:
        raise RuntimeError(f"Motor {motor.name} is moving")
    start = motor.position
    lower, upper = start - total_move / 2, start + total_move / 2
    motor.check_target(lower)
    motor.check_target(upper)
    stop = threading.Event()
    failure: list[BaseException] = []

    def rock() -> None:
        try:
            while not stop.is_set():
                for target in (lower, upper):
                    if stop.is_set():
                        break
                    motor.move(target)
        except BaseException as exc:  # reported when the block ends
            if not stop.is_set():
                failure.append(exc)

    thread = threading.Thread(target=rock, name=f"rockit {motor.name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        motor.stop()
        thread.join()
        motor.move(start)
    if failure:
        raise failure[0]


def sync(*axes: Any) -> None:
    """Re-read position and state of ``axes`` (objects or names; all when none)."""
    print("Forcing axes synchronization with hardware")
    targets = [lookup.find_axis(a) if isinstance(a, str) else a for a in axes] \
        if axes else lookup.motors()
    for axis in targets:
        sync_hard = getattr(axis, "sync_hard", None)
        if not callable(sync_hard):
            continue
        try:
            sync_hard()
        except Exception as exc:
            print(f"Synchronization error for axis '{axis.name}': {exc}", file=sys.stderr)
