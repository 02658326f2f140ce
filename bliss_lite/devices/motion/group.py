"""Motor groups: ``Group(*axes)`` moves, stops and reads several axes as one."""

from __future__ import annotations

import math
import numbers
import uuid
from typing import Any, Iterable, Mapping

from bliss_lite.devices.axis_state import AxisState, group_state

__all__ = ["Group", "group_state", "is_motor_group"]


def is_motor_group(obj: Any) -> bool:
    return isinstance(obj, _Group)


def _check_number(axis: Any, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(float(value)):
        raise ValueError(f"axis {axis.name} cannot be moved to position: {value}")
    return float(value)


def Group(*axes: Any) -> "_Group":
    """A group of axes (a calc axis may not come with one of its reals)."""
    from bliss_lite.devices.motion.axis import Axis
    from bliss_lite.devices.motion.calc import CalcController

    by_name: dict[str, Any] = {}
    for axis in axes:
        if not isinstance(axis, Axis):
            raise ValueError(f"invalid axis {axis!r}")
        by_name[axis.name] = axis

    def check(*to_check: Any) -> None:
        for axis in to_check:
            controller = axis.controller
            if isinstance(controller, CalcController):
                names = [a.name for a in by_name.values() if a in controller.reals]
                if names:
                    raise RuntimeError(f"Virtual axis '{axis.name}` cannot be present in group "
                                       f"with any of its corresponding real axes: {names!r}")
                check(*controller.reals)

    check(*by_name.values())
    return _Group(uuid.uuid4().hex, by_name)


class _Group:
    """Axes moved together: ``move({ax: pos, ...})`` or ``move(ax, pos, ...)``."""

    def __init__(self, name: str, axes: dict[str, Any]) -> None:
        self._name = name
        self._axes = dict(axes)

    @property
    def name(self) -> str:
        return self._name

    @property
    def axes(self) -> dict[str, Any]:
        return self._axes

    @property
    def axes_with_reals(self) -> dict[str, Any]:
        from bliss_lite.devices.motion.calc import get_real_axes

        axes = dict(self._axes)
        axes.update({a.name: a for a in get_real_axes(*self._axes.values())})
        return axes

    @property
    def is_moving(self) -> bool:
        return any(axis.is_moving for axis in self._axes.values())

    @property
    def state(self) -> AxisState:
        if self.is_moving:
            return AxisState("MOVING")
        return group_state(self._axes.values())

    @property
    def hw_state(self) -> AxisState:
        return group_state(self._axes.values(), hardware=True)

    @property
    def position(self) -> dict[Any, float]:
        return {axis: axis.position for axis in self._axes.values()}

    @property
    def dial(self) -> dict[Any, float]:
        return {axis: axis.dial for axis in self._axes.values()}

    @property
    def position_with_reals(self) -> dict[Any, float]:
        return {axis: axis.position for axis in self.axes_with_reals.values()}

    def _targets(self, args: tuple) -> dict[Any, float]:
        if len(args) == 1:
            if not isinstance(args[0], Mapping):
                raise TypeError("A { axis: position, } mapping is expected or multiple axis, "
                                f"pos arguments; {args[0]!r} was given")
            pairs = list(args[0].items())
        else:
            if len(args) % 2:
                raise TypeError("move(axis1, pos1, axis2, pos2, ...) needs pairs")
            pairs = list(zip(args[::2], args[1::2]))
        return {axis: _check_number(axis, value) for axis, value in pairs}

    def move(self, *args: Any, wait: bool = True, relative: bool = False,
             polling_time: float | None = None) -> None:
        """Start every axis (calc axes of one controller together), then wait."""
        targets = self._targets(args)
        if relative:
            targets = {axis: axis._set_position + delta for axis, delta in targets.items()}
        start_group(targets)
        if wait:
            self.wait_move()

    def rmove(self, *args: Any, wait: bool = True, polling_time: float | None = None) -> None:
        self.move(*args, wait=wait, relative=True)

    def wait_move(self) -> None:
        error: BaseException | None = None
        for axis in self._axes.values():
            try:
                axis.wait_move()
            except BaseException as exc:  # wait for every axis, report the first error
                error = error or exc
        if error is not None:
            raise error

    def stop(self, wait: bool = True) -> None:
        for axis in self._axes.values():
            axis.stop(wait=False)
        if wait:
            for axis in self._axes.values():
                axis.stop(wait=True)

    def __info__(self) -> str:
        return (f"MOTOR GROUP:\n    axes: {', '.join(self._axes)}\n"
                f"    is moving: {self.is_moving}\n    state: {self.state}")


def check_group(targets: dict[Any, float]) -> None:
    """Raise what moving the axes to ``targets`` (user units) would raise, before
    anything moves: a moving axis, a limit of an axis or of the reals of calc axes."""
    from bliss_lite.devices.motion.calc import CalcController

    per_calc: dict[int, tuple[Any, dict[Any, float]]] = {}
    for axis, target in targets.items():
        if axis.is_moving:
            raise RuntimeError(f"axis {axis.name} state is 'MOVING'")
        axis.check_target(target)
        controller = axis.controller
        if isinstance(controller, CalcController):
            per_calc.setdefault(id(controller), (controller, {}))[1][axis] = axis.user2dial(target)
    for controller, dial_targets in per_calc.values():
        controller.check_targets(dial_targets)


def start_checked(targets: dict[Any, float]) -> None:
    """Start every axis to its (checked) target: the pseudos of one calc controller in
    one calculation.  On a failure while starting, the started axes stop."""
    from bliss_lite.devices.motion.calc import CalcController

    per_calc: dict[int, tuple[Any, dict[Any, float]]] = {}
    started: list[Any] = []
    try:
        for axis, target in targets.items():
            controller = axis.controller
            if isinstance(controller, CalcController):
                per_calc.setdefault(id(controller), (controller, {}))[1][axis] = target
            else:
                axis.move(target, wait=False)
                started.append(axis)
        for controller, calc_targets in per_calc.values():
            for axis, target in calc_targets.items():
                axis._set_pos = target
                axis._pending = True
            controller.start_all([(a, a.user2dial(t), 0.0) for a, t in calc_targets.items()])
            started.extend(calc_targets)
    except BaseException:
        for axis in started:
            try:
                axis.stop(wait=False)
            except Exception:  # stop every axis even if one of them complains
                pass
        raise


def start_group(targets: dict[Any, float]) -> None:
    """:func:`check_group`, then :func:`start_checked`: nothing moves when a check fails."""
    check_group(targets)
    start_checked(targets)
