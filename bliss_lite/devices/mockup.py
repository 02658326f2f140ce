"""Simulated motors: BLISS's ``Mockup`` controller, its axes, ``FaultyMockup`` (SPEC 3.3).

A move takes the time a trapezoidal velocity profile would take: starting a move
records a :class:`~bliss_lite.devices.trajectory.TrapezoidMove` (two with a backlash)
and the axis computes where it is whenever asked; ``wait_move()`` sleeps only the time
that remains.  ``stop()`` brakes as BLISS's mockup does: from where the axis is, at
its speed then, with its acceleration, to rest (a :class:`Deceleration`).  No thread runs per move.  Time comes from the controller's ``clock``: the
real one by default, a :class:`SimulatedClock` (``controller.clock = SimulatedClock()``)
makes every move instantaneous in wall time while positions still follow the profile.

Mockup-only helpers BLISS tests and setup files use: ``controller.set_hw_limits(axis,
low, high)`` (user units), ``controller._set_home_pos(axis, pos)`` (dial),
``controller.put_discrepancy(axis, steps)`` (the controller's position moves, the
axis's does not: the next move is refused until ``axis.sync_hard()``, unless
``check_discrepancy: False``), the closed loop (``closed_loop: {state: on, kp, ki,
kd}``), and BLISS's mockup custom axis methods and attributes: ``custom_park()``,
``custom_get_forty_two()``, ``custom_get_twice(n)`` (``CustomGetTwice``),
``custom_get_chapi(s)``, ``custom_send_command(s)``, ``custom_command_no_types()``,
``custom_set_measured_noise(max, min)``, ``generate_error()``, ``get_voltage()`` /
``set_voltage(v)`` (YAML ``default_voltage``, 220), ``get_cust_attr_float()`` /
``set_cust_attr_float(v)`` (YAML ``default_cust_attr``, 3.14).  ``CustomMockup``
(``module: mockup``) adds the ``custom_setting1`` axis setting.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from typing import Any

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys
from bliss_lite.devices.axis_state import AxisState
from bliss_lite.devices.motion.axis import Axis, NoSettingsAxis
from bliss_lite.devices.motion.closed_loop import ClosedLoopState
from bliss_lite.devices.motion.config import AxisConfig
from bliss_lite.devices.motion.modulo import ModuloAxis
from bliss_lite.devices.motion.controller import Controller
from bliss_lite.devices.trajectory import Deceleration, TrapezoidMove

__all__ = ["AxisConfig", "Clock", "CustomMockup", "FaultyMockup", "Mockup", "MockupAxis",
           "MockupController", "REAL_CLOCK", "SimulatedClock", "custom_mockup", "faulty_mockup",
           "mockup"]

CONTROLLER_KEYS = ("axes", "encoders")
CONTROLLER_ACCEPTED = ("switches", "shutters", "disabled_cache", "hooks", "bad_state",
                       "fault_state", "disabled_state", "failure_at_initialization", "bad_start",
                       "bad_state_after_start", "bad_stop", "bad_encoder", "bad_position",
                       "bad_position_only_once", "nan_position")


class Clock:
    """Real time: ``now()`` is :func:`time.monotonic`, ``wait(event, timeout)`` waits."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for ``event``; True if it is set."""
        return event.wait(timeout)


class SimulatedClock(Clock):
    """Simulated time for tests: waiting advances the time at once."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def wait(self, event: threading.Event, timeout: float) -> bool:
        if event.is_set():
            return True
        if timeout > 0 and math.isfinite(timeout):
            self.advance(timeout)
        return event.is_set()


REAL_CLOCK = Clock()
_NO_LIMITS = (-math.inf, math.inf)


class _Run:
    """A move in progress: legs run one after the other from ``t0``."""

    __slots__ = ("legs", "end", "kind")

    def __init__(self, legs: list[TrapezoidMove], kind: str = "move") -> None:
        t = legs[0].t0 + legs[0].duration
        for leg in legs[1:]:
            leg.t0 = t
            t += leg.duration
        self.legs = legs
        self.end = t
        self.kind = kind

    def position_at(self, now: float) -> float:
        for leg in self.legs:
            if now < leg.t0 + leg.duration:
                return leg.position_at(now)
        return self.legs[-1].target

    def velocity_at(self, now: float) -> float:
        for leg in self.legs:
            if now < leg.t0 + leg.duration:
                return leg.velocity_at(now)
        return 0.0


class _Jog:
    """A constant-velocity move (accelerating first), ending only on a hardware limit."""

    __slots__ = ("start", "velocity", "acceleration", "direction", "t0", "stop_at", "end", "kind")

    def __init__(self, start: float, velocity: float, acceleration: float, direction: int,
                 t0: float, limits: tuple[float, float]) -> None:
        self.start, self.velocity, self.acceleration = start, velocity, acceleration
        self.direction, self.t0, self.kind = direction, t0, "jog"
        self.stop_at = limits[1] if direction > 0 else limits[0]
        distance = abs(self.stop_at - start)
        self.end = t0 + self._time_for(distance) if math.isfinite(distance) else math.inf

    def _time_for(self, distance: float) -> float:
        ramp = self.velocity ** 2 / (2 * self.acceleration)
        if distance <= ramp:
            return math.sqrt(2 * distance / self.acceleration)
        return self.velocity / self.acceleration + (distance - ramp) / self.velocity

    def position_at(self, now: float) -> float:
        if now >= self.end:
            return self.stop_at
        t = max(0.0, now - self.t0)
        t_ramp = self.velocity / self.acceleration
        if t < t_ramp:
            travelled = 0.5 * self.acceleration * t * t
        else:
            travelled = 0.5 * self.velocity * t_ramp + self.velocity * (t - t_ramp)
        return self.start + self.direction * travelled

    def velocity_at(self, now: float) -> float:
        if now >= self.end:
            return 0.0
        t = max(0.0, now - self.t0)
        return self.direction * min(self.acceleration * t, self.velocity)


class _AxisData:
    """What the simulated hardware knows of one axis (dial units)."""

    __slots__ = ("dial", "run", "stopped", "hw_limits", "home", "spu", "off", "parked",
                 "discrepancy", "cloop_state", "cloop_params", "voltage", "cust_attr_float")

    def __init__(self, dial: float, spu: float) -> None:
        self.dial = dial
        self.run: Any = None
        self.stopped = threading.Event()
        self.hw_limits = _NO_LIMITS
        self.home: set[float] = set()
        self.spu = spu
        self.off = False
        self.parked = False
        self.discrepancy = 0.0          # controller position - the axis's (dial units)
        self.cloop_state = ClosedLoopState.UNKNOWN
        self.cloop_params: dict[str, Any] = {}
        self.voltage = 220
        self.cust_attr_float = 3.14


class MockupAxis(Axis):
    """An axis of a :class:`Mockup` controller.  Built alone (``MockupAxis("m",
    config=AxisConfig(...))``) it gets a private controller."""

    def __init__(self, name: str, controller: "Mockup | None" = None,
                 config: AxisConfig | None = None, store: Any = None, node: Any = None) -> None:
        if controller is None:
            controller = Mockup(f"mockup_{name}", ConfigNode({"axes": []}))
        super().__init__(name, controller, config, store, node)
        if name not in controller._axes:
            controller._axes[name] = self

    def custom_set_measured_noise(self, max_deviation: float, min_deviation: float = 0) -> None:
        """Add a random noise (user units) to the positions the encoder measures."""
        if self.encoder is None:
            raise RuntimeError(f"Axis '{self.name}` has no encoder.")
        self.encoder.set_noise(max_deviation, min_deviation)

    def custom_park(self) -> None:
        """Put the axis in the mockup's custom ``PARKED`` state."""
        self.controller._data(self).parked = True
        self._state = None

    def custom_get_forty_two(self) -> int:
        return 42

    def custom_get_twice(self, value: int) -> int:
        return value * 2

    CustomGetTwice = custom_get_twice   # BLISS's renamed object method

    def custom_get_chapi(self, value: str) -> str:
        return {"chapi": "chapo", "titi": "toto"}.get(value, "bla")

    def custom_send_command(self, value: str) -> None:
        """Accepted and dropped (a command string for the simulated hardware)."""

    def custom_command_no_types(self) -> None:
        print("print with no types")

    def generate_error(self) -> None:
        raise RuntimeError("Testing Error")

    def get_voltage(self) -> int:
        return self.controller._data(self).voltage

    def set_voltage(self, voltage: int) -> None:
        self.controller._data(self).voltage = voltage

    def get_cust_attr_float(self) -> float:
        return self.controller._data(self).cust_attr_float

    def set_cust_attr_float(self, value: float) -> None:
        self.controller._data(self).cust_attr_float = value


class MockupModuloAxis(ModuloAxis, MockupAxis):
    """``class: ModuloAxis`` on a mockup (with the mockup's custom methods)."""


class Mockup(Controller):
    """BLISS's simulated motor controller (``class: mockup`` / ``Mockup``)."""

    AXIS_CLASSES = {None: MockupAxis, "MockupAxis": MockupAxis, "Axis": MockupAxis,
                    "NoSettingsAxis": NoSettingsAxis, "ModuloAxis": MockupModuloAxis}

    def _init(self) -> None:
        self.clock: Clock = REAL_CLOCK
        self._axes_data: dict[Axis, _AxisData] = {}

    def _data(self, axis: Axis) -> _AxisData:
        data = self._axes_data.get(axis)
        if data is None:
            dial = axis._loaded_dial if axis._loaded_dial is not None else 0.0
            data = self._axes_data[axis] = _AxisData(self._round(dial, axis.steps_per_unit),
                                                      axis.steps_per_unit)
        return data

    @staticmethod
    def _round(dial: float, spu: float) -> float:
        return round(dial * spu) / spu if math.isfinite(dial) else dial

    def initialize_axis(self, axis: Axis) -> None:
        data = self._data(axis)
        data.voltage = axis.config.get("default_voltage", int, 220)
        data.cust_attr_float = axis.config.get("default_cust_attr", float, 3.14)

    # -- positions ------------------------------------------------------------------------
    def _update(self, data: _AxisData) -> Any:
        """The running move (None when it has ended: the dial is then its end)."""
        run = data.run
        if run is not None and self.clock.now() >= run.end:
            data.dial = self._round(run.position_at(run.end), data.spu)
            data.run = run = None
        return run

    def read_position(self, axis: Axis) -> float:
        data = self._axes_data.get(axis) or self._data(axis)
        run = data.run
        if run is None:
            return data.dial
        now = self.clock.now()
        if now >= run.end:
            self._update(data)
            return data.dial
        return self._round(run.position_at(now), data.spu)

    def set_position(self, axis: Axis, dial: float) -> float:
        data = self._data(axis)
        if self._update(data) is not None:
            raise RuntimeError("Cannot set position while moving !")
        data.dial = self._round(float(dial), data.spu)
        axis._save()
        return data.dial

    def _persisted_dial(self, axis: Axis) -> float | None:
        data = self._axes_data.get(axis)
        if data is None:
            return axis._loaded_dial
        run = data.run
        if run is not None and run.kind in ("move", "stop"):
            return run.legs[-1].target
        return self.read_position(axis)

    def _is_already_on_position(self, axis: Axis, delta: float) -> bool:
        return abs(delta * axis.steps_per_unit) < 0.5

    def set_hw_limits(self, axis: Axis, low_limit: float | None, high_limit: float | None) -> None:
        """Simulated hardware limit switches at ``low_limit``/``high_limit`` (user units)."""
        low = -math.inf if low_limit is None else float(low_limit)
        high = math.inf if high_limit is None else float(high_limit)
        if high < low:
            raise ValueError("Cannot set hard low limit > high limit")
        ll, hl = axis.user2dial(low), axis.user2dial(high)
        self._data(axis).hw_limits = (ll, hl) if ll <= hl else (hl, ll)

    def put_discrepancy(self, axis: Axis, disc: float) -> None:
        """Move the simulated hardware by ``disc`` steps behind the axis's back."""
        data = self._data(axis)
        if self._update(data) is not None:
            raise RuntimeError("Cannot set position while moving !")
        data.discrepancy += disc / axis.steps_per_unit

    def _check_discrepancy(self, axis: Axis) -> None:
        data = self._axes_data.get(axis)
        if data is None or not data.discrepancy:
            return
        check = axis.config.get("check_discrepancy", bool, True) and \
            not (axis._encoder_read_mode and not axis._check_encoder)
        dial, hw = data.dial, data.dial + data.discrepancy
        if check and abs(data.discrepancy) > axis.tolerance:
            raise RuntimeError(
                f"{axis.name}: discrepancy between dial ({dial:f}) and controller position "
                f"({hw:f})\n                         diff={abs(data.discrepancy):g} "
                f"tolerance={axis.tolerance:g} => aborting movement.")
        self._sync_hard(axis)   # unchecked: the hardware moves from where it really is

    def _sync_hard(self, axis: Axis) -> None:
        data = self._axes_data.get(axis)
        if data is not None and data.discrepancy and self._update(data) is None:
            data.dial = self._round(data.dial + data.discrepancy, data.spu)
            data.discrepancy = 0.0
            axis._save()

    # -- closed loop ------------------------------------------------------------------------
    def get_closed_loop_requirements(self) -> list[str]:
        return ["kp", "ki", "kd"]

    def _do_get_closed_loop_state(self, axis: Axis) -> ClosedLoopState:
        return self._data(axis).cloop_state

    def activate_closed_loop(self, axis: Axis, onoff: bool = True) -> None:
        self._data(axis).cloop_state = ClosedLoopState.ON if onoff else ClosedLoopState.OFF

    def set_closed_loop_param(self, axis: Axis, param: str, value: Any) -> None:
        if param not in self.get_closed_loop_requirements():
            raise KeyError(f"Unknown closed-loop parameter: {param}")
        self._data(axis).cloop_params[param] = value

    def get_closed_loop_param(self, axis: Axis, param: str) -> Any:
        if param not in self.get_closed_loop_requirements():
            raise KeyError(f"Unknown closed-loop parameter: {param}")
        return self._data(axis).cloop_params[param]

    def closed_loop_reset_error(self, axis: Axis) -> None:
        print("Resetting mockup closed-loop error.")

    def _set_home_pos(self, axis: Axis, pos: float) -> None:
        """A home switch at dial ``pos`` (for tests)."""
        self._data(axis).home.add(float(pos))

    def _reset_home_pos(self, axis: Axis) -> None:
        self._data(axis).home.clear()

    # -- moving -----------------------------------------------------------------------------
    def _start(self, axis: Axis, data: _AxisData, legs: list[tuple[float, float]], kind: str,
               t0: float | None = None) -> None:
        if self._update(data) is not None:
            raise RuntimeError("Cannot start motion. Motion already in place")
        low, high = data.hw_limits
        start = data.dial
        moves = []
        t0 = self.clock.now() if t0 is None else t0
        for point, velocity in legs:
            point = min(max(point, low), high)
            moves.append(TrapezoidMove(start, point, velocity, axis.acceleration, t0))
            start = point
        data.stopped.clear()
        data.run = _Run(moves, kind)

    def _clean_end(self, axis: Axis) -> bool:
        data = self._axes_data.get(axis)
        return data is not None and not data.off and data.hw_limits == _NO_LIMITS

    def start_one(self, axis: Axis, dial_target: float, backlash: float = 0.0) -> None:
        data = self._axes_data.get(axis) or self._data(axis)
        velocity = axis.velocity
        if not backlash and data.hw_limits == _NO_LIMITS and data.run is None:
            # fast path (a scan moves at every point)
            if data.stopped.is_set():
                data.stopped.clear()
            data.run = _Run([TrapezoidMove(data.dial, dial_target, velocity, axis.acceleration,
                                           self.clock.now())])
            return
        legs = [(dial_target - backlash, velocity), (dial_target, velocity)] if backlash \
            else [(dial_target, velocity)]
        self._start(axis, data, legs, "move")

    def start_all(self, moves: Any) -> None:
        t0 = self.clock.now()
        for axis, target, backlash in moves:
            velocity = axis.velocity
            legs = [(target - backlash, velocity), (target, velocity)] if backlash \
                else [(target, velocity)]
            self._start(axis, self._data(axis), legs, "move", t0)

    def start_jog(self, axis: Axis, velocity: float, direction: int) -> None:
        data = self._data(axis)
        if self._update(data) is not None and data.run.kind != "jog":
            raise RuntimeError("Cannot start motion. Motion already in place")
        now = self.clock.now()
        start = self.read_position(axis)
        data.stopped.clear()
        data.run = _Jog(start, velocity, axis.acceleration, direction, now, data.hw_limits)

    def _jogging(self, axis: Axis) -> bool:
        run = self._data(axis).run
        return run is not None and run.kind == "jog"

    def home_search(self, axis: Axis, switch: int) -> None:
        data = self._data(axis)
        homes = sorted(data.home)
        if not homes:
            raise RuntimeError(f"No home defined for axis {axis.name}")
        pos = self.read_position(axis)
        if switch >= 0:
            i = bisect.bisect_right(homes, pos)
            target = homes[i] if i < len(homes) else homes[0]
        else:
            i = bisect.bisect_left(homes, pos)
            target = homes[i - 1] if i < len(homes) else homes[0]
        self._start(axis, data, [(target, axis.velocity)], "home")

    def limit_search(self, axis: Axis, limit: int) -> None:
        data = self._data(axis)
        target = data.hw_limits[1] if limit > 0 else data.hw_limits[0]
        if not math.isfinite(target):
            raise RuntimeError(f"{axis.name}: no hardware limit on the "
                               f"{'positive' if limit > 0 else 'negative'} side "
                               f"(set one with controller.set_hw_limits)")
        self._start(axis, data, [(target, axis.velocity)], "limit")

    def is_moving(self, axis: Axis) -> bool:
        data = self._axes_data.get(axis)
        if data is None or data.run is None:
            return False
        return self._update(data) is not None

    def wait_move(self, axis: Axis) -> None:
        data = self._data(axis)
        clock = self.clock
        while True:  # a stop replaces the run (and wakes the waiters): wait for the new one
            run, stopped = data.run, data.stopped
            if run is None:
                return
            remaining = run.end - clock.now()
            if remaining <= 0:
                break
            clock.wait(stopped, remaining)
        self._update(data)

    def stop(self, axis: Axis) -> None:
        """Brake to rest from the current position and speed (BLISS's mockup
        decelerates too); ``wait_move()`` returns once the axis is at rest."""
        data = self._data(axis)
        run = self._update(data)
        woken = data.stopped
        if run is not None:
            now = self.clock.now()
            position, velocity = run.position_at(now), run.velocity_at(now)
            if velocity:
                low, high = data.hw_limits
                brake = Deceleration(position, velocity, axis.acceleration, now)
                if not low <= brake.target <= high:  # the limit switch stops it there
                    room = abs((high if velocity > 0 else low) - position)
                    brake = Deceleration(position, velocity, velocity ** 2 / (2 * room)
                                         if room > 0 else math.inf, now)
                data.stopped = threading.Event()
                data.run = _Run([brake], "stop")
            else:
                data.dial = self._round(position, data.spu)
                data.run = None
        woken.set()
        axis._save()

    # -- state ------------------------------------------------------------------------------
    def state(self, axis: Axis) -> AxisState:
        data = self._axes_data.get(axis) or self._data(axis)
        if data.run is not None and self._update(data) is not None:
            return AxisState("MOVING")
        pos = data.dial
        low, high = data.hw_limits
        if low == -math.inf and high == math.inf and not (data.off or data.parked or data.home):
            return AxisState("READY")
        if pos <= low:
            state = AxisState("READY", "LIMNEG")
        elif pos >= high:
            state = AxisState("READY", "LIMPOS")
        elif data.off:
            return AxisState("OFF")
        else:
            state = AxisState("READY")
        if data.parked:
            state.create_state("PARKED", "mot au parking")
            state.set("PARKED")
        if any(math.isclose(pos, home) for home in data.home):
            state.set("HOME")
        return state

    def set_on(self, axis: Axis) -> None:
        self._data(axis).off = False

    def set_off(self, axis: Axis) -> None:
        self._data(axis).off = True

    def get_axis_info(self, axis: Axis) -> str:
        return f"MOCKUP AXIS:\n    This axis (name: {axis.name}) is a simulation axis"

    def __info__(self) -> str:
        names = list(self._axis_nodes) or list(self._axes)
        text = f"Mockup controller name: {self.name}\n" + ("Axis:\n" if len(names) == 1 else "Axes:\n")
        return text + "".join(f"   - {name}\n" for name in names)


#: older bliss_lite name
MockupController = Mockup


class FaultyMockup(Mockup):
    """A mockup that fails on demand, for testing error handling: YAML keys (or
    attributes) ``bad_state``, ``fault_state``, ``disabled_state``,
    ``failure_at_initialization``, ``bad_start``, ``bad_state_after_start``,
    ``bad_stop``, ``bad_encoder``, ``bad_position``, ``bad_position_only_once``,
    ``nan_position``."""

    _FLAGS = ("bad_state", "fault_state", "disabled_state", "failure_at_initialization",
              "bad_start", "bad_state_after_start", "bad_stop", "bad_encoder", "bad_position",
              "bad_position_only_once", "nan_position")

    def _init(self) -> None:
        super()._init()
        for flag in self._FLAGS:
            setattr(self, flag, bool(self._node.get(flag, False)))
        self.state_recovery_delay = 1.0
        self.state_msg_index = 0
        self._bad_state_until = -math.inf

    def _clean_end(self, axis: Axis) -> bool:
        return False

    def initialize_axis(self, axis: Axis) -> None:
        if self.failure_at_initialization:
            raise RuntimeError(f"{self.name} hardware initialization has failed")
        if self.bad_encoder and axis.encoder is not None:
            raise ZeroDivisionError("division by zero")
        self.read_position(axis)
        super().initialize_axis(axis)

    def state(self, axis: Axis) -> AxisState:
        if self.bad_state or self.clock.now() < self._bad_state_until:
            self.state_msg_index += 1
            raise RuntimeError(f"BAD STATE {self.state_msg_index}")
        if self.fault_state or self.disabled_state:
            self._data(axis).run = None  # stops at once
            return AxisState("FAULT" if self.fault_state else "DISABLED")
        return super().state(axis)

    def start_one(self, axis: Axis, dial_target: float, backlash: float = 0.0) -> None:
        self.state_msg_index = 0
        if self.bad_start:
            raise RuntimeError("BAD START")
        try:
            super().start_one(axis, dial_target, backlash)
        finally:
            if self.bad_state_after_start:
                self._bad_state_until = self.clock.now() + self.state_recovery_delay

    def stop(self, axis: Axis) -> None:
        if self.bad_stop:
            raise RuntimeError("BAD STOP")
        super().stop(axis)

    def read_position(self, axis: Axis) -> float:
        if self.bad_position:
            raise RuntimeError("BAD POSITION")
        if self.bad_position_only_once:
            self.bad_position_only_once = False
            raise RuntimeError("BAD POSITION")
        if self.nan_position:
            return math.nan
        return super().read_position(axis)


class CustomMockupAxis(MockupAxis):
    """An axis of a :class:`CustomMockup`: the ``custom_setting1`` setting (persisted;
    its first value is the YAML's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._custom.setdefault("custom_setting1", self.config.get("custom_setting1", str))

    def set_custom_setting1(self, new_value: str | None = None) -> None:
        self.settings.set("custom_setting1", new_value)


class CustomMockup(Mockup):
    """BLISS's ``CustomMockup`` (``module: mockup``): a mockup whose axes have one
    more persisted setting, ``custom_setting1`` (a text, from the axis's YAML)."""

    AXIS_CLASSES = {**Mockup.AXIS_CLASSES, None: CustomMockupAxis, "Axis": CustomMockupAxis,
                    "MockupAxis": CustomMockupAxis}

    def read_custom_setting1(self, axis: Axis) -> str | None:
        return axis.settings.get("custom_setting1")


def mockup(name: str | None, node: ConfigNode, config: Any) -> Mockup:
    """Factory for ``class: mockup`` / ``Mockup`` (a controller: axes via ``get_child``)."""
    check_keys(node, config, known=CONTROLLER_KEYS, accepted=CONTROLLER_ACCEPTED)
    return Mockup(name, node, config)


def faulty_mockup(name: str | None, node: ConfigNode, config: Any) -> FaultyMockup:
    """Factory for ``class: FaultyMockup``."""
    check_keys(node, config, known=CONTROLLER_KEYS + FaultyMockup._FLAGS,
               accepted=CONTROLLER_ACCEPTED)
    return FaultyMockup(name, node, config)


def custom_mockup(name: str | None, node: ConfigNode, config: Any) -> CustomMockup:
    """Factory for ``class: CustomMockup``."""
    check_keys(node, config, known=CONTROLLER_KEYS, accepted=CONTROLLER_ACCEPTED)
    return CustomMockup(name, node, config)
