"""Software axes: an axis over any object's attribute or methods (BLISS's SoftAxis).

``SoftAxisController(name, obj, position="position", move="position", stop=None,
state=None, ...)``: ``position``/``move`` name an attribute (read / assigned) or a
method (called), or are callables themselves.  The axis is a NoSettingsAxis.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices.axis_state import AxisState
from bliss_lite.devices.motion.axis import Axis, NoSettingsAxis
from bliss_lite.devices.motion.config import AxisConfig
from bliss_lite.devices.motion.controller import Controller

__all__ = ["SoftAxisController", "make_soft_axis"]


def _reader(obj: Any, spec: Any) -> Callable[[], Any]:
    if callable(spec):
        return spec
    member = getattr(type(obj), spec, None)
    if callable(member):
        return lambda: member(obj)
    return lambda: getattr(obj, spec)


def _writer(obj: Any, spec: Any) -> Callable[[Any], Any]:
    if callable(spec):
        return spec
    member = getattr(type(obj), spec, None)
    if callable(member):
        return lambda value: member(obj, value)
    return lambda value: setattr(obj, spec, value)


def _method(obj: Any, spec: Any) -> Callable[[], Any] | None:
    if spec is None or callable(spec):
        return spec
    return lambda: getattr(obj, spec)()


class SoftAxisController(Controller):
    """The controller of one software axis."""

    MOTION_CONFIG = False

    def __init__(self, name: str, obj: Any, config: dict[str, Any], position: Any = "position",
                 move: Any = "position", stop: Any = None, state: Any = None) -> None:
        super().__init__(name, ConfigNode({"axes": [dict(config, name=name)]}))
        self._position = _reader(obj, position)
        self._move = _writer(obj, move)
        self._stop = _method(obj, stop)
        self._state = _method(obj, state)

    def read_position(self, axis: Axis) -> float:
        return float(self._position())

    def start_one(self, axis: Axis, dial_target: float, backlash: float = 0.0) -> None:
        self._move(dial_target)

    def stop(self, axis: Axis) -> None:
        if self._stop is not None:
            self._stop()

    def state(self, axis: Axis) -> AxisState:
        return self._state() if self._state is not None else AxisState("READY")

    def is_moving(self, axis: Axis) -> bool:
        return self._state is not None and self._state().MOVING

    def wait_move(self, axis: Axis) -> None:
        import time

        while self.is_moving(axis):
            time.sleep(0.01)

    def get_axis_info(self, axis: Axis) -> str:
        return f"SOFT AXIS:\n    {axis.name}"


def make_soft_axis(name: str, obj: Any, position: Any = "position", move: Any = "position",
                   stop: Any = None, state: Any = None, low_limit: float = -math.inf,
                   high_limit: float = math.inf, tolerance: float | None = None,
                   unit: str | None = None, display_digits: int | None = None) -> Axis:
    """A software axis named ``name`` over ``obj`` (see the module docstring)."""
    config: dict[str, Any] = {"low_limit": low_limit, "high_limit": high_limit}
    if unit is not None:
        config["unit"] = unit
    if display_digits is not None:
        config["display_digits"] = display_digits
    controller = SoftAxisController(name, obj, config, position, move, stop, state)
    axis_config = AxisConfig(velocity=None, acceleration=None, low_limit=float(low_limit),
                             high_limit=float(high_limit),
                             tolerance=1e-4 if tolerance is None else float(tolerance),
                             unit=unit, display_digits=display_digits)
    axis = NoSettingsAxis(name, controller, axis_config, None, config)
    controller._axes[name] = axis
    return axis
