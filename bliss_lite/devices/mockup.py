"""Simulated motors: the ``mockup`` controller and its axes (SPEC 3.3).

A move takes the time a trapezoidal velocity profile would take, in simulated
time: starting a move records a :class:`~bliss_lite.devices.trajectory.TrapezoidMove`
and the axis computes where it is whenever asked; ``wait_move()`` sleeps only the
time that remains.  No thread runs per move.

Positions: ``user = sign × dial + offset``; the dial is rounded to motor steps.
Limits are configured in dial units and shown/set in user units.  Settings that
change at run time (position, sign, offset, limits, velocity, acceleration) are
kept in the session's state store under ``axis.<name>`` and win over the YAML
until :meth:`MockupAxis.apply_config` — unless the YAML value itself has been
edited since, in which case the new YAML value is taken.
"""

from __future__ import annotations

import math
import numbers
import threading
import time
from dataclasses import dataclass
from typing import Any

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys, encode_float, store_of
from bliss_lite.devices._text import table, with_digits
from bliss_lite.devices.axis_state import MOVING, READY, AxisState
from bliss_lite.devices.trajectory import TrapezoidMove

AXIS_KEYS = ("steps_per_unit", "velocity", "acceleration", "low_limit", "high_limit", "sign",
             "offset", "tolerance", "unit", "display_digits", "backlash",
             "velocity_low_limit", "velocity_high_limit")
#: BLISS axis keys bliss_lite accepts without using them.
AXIS_ACCEPTED = ("encoder", "disabled_cache", "default_cust_attr", "check_encoder",
                 "read_position", "motion_hooks", "tags", "jog_velocity", "check_discrepancy",
                 "polling_time", "closed_loop", "backlash_is_dial", "no_offset",
                 "custom_setting1", "acctime", "modulo")
#: ``class:`` values an axis of a mockup controller may carry.
AXIS_CLASSES = {None: True, "MockupAxis": True, "Axis": True, "NoSettingsAxis": False}
CONTROLLER_KEYS = ("axes",)
CONTROLLER_ACCEPTED = ("encoders", "switches", "shutters", "disabled_cache", "hooks")

#: Settings persisted per axis, restored unless the YAML value changed meanwhile.
_SETTINGS = ("sign", "offset", "low_limit", "high_limit", "velocity", "acceleration")


def _fmt(value: float) -> str:
    return f"{value:.10g}"


@dataclass(frozen=True)
class AxisConfig:
    """An axis's YAML values (limits in dial units)."""

    steps_per_unit: float = 1.0
    velocity: float = 1.0
    acceleration: float = 1.0
    low_limit: float = -math.inf
    high_limit: float = math.inf
    sign: int = 1
    offset: float = 0.0
    tolerance: float = 1e-4
    unit: str | None = None
    display_digits: int | None = None
    backlash: float = 0.0
    velocity_low_limit: float = math.inf
    velocity_high_limit: float = math.inf

    @classmethod
    def from_node(cls, node: ConfigNode) -> "AxisConfig":
        """Read and check an axis mapping; every mistake names file, line, object."""
        spu = node.get_typed("steps_per_unit", float, 1.0)
        if spu == 0:
            raise node.error("'steps_per_unit' must not be 0", "steps_per_unit")
        velocity = node.require("velocity", float)
        acceleration = node.require("acceleration", float)
        for key, value in (("velocity", velocity), ("acceleration", acceleration)):
            if not (value > 0 and math.isfinite(value)):
                raise node.error(f"'{key}' must be a positive number, got {node.get(key)!r}", key)
        low = node.get_typed("low_limit", float, -math.inf)
        high = node.get_typed("high_limit", float, math.inf)
        if low > high:
            raise node.error(f"'low_limit' ({_fmt(low)}) is above 'high_limit' ({_fmt(high)})",
                             "low_limit")
        sign = node.get_typed("sign", int, 1)
        if sign not in (1, -1):
            raise node.error(f"'sign' must be 1 or -1, got {sign!r}", "sign")
        tolerance = node.get_typed("tolerance", float, 1e-4)
        digits = node.get_typed("display_digits", int)
        if digits is not None and not 0 <= digits <= 15:
            raise node.error("'display_digits' must be between 0 and 15", "display_digits")
        vel_low = node.get_typed("velocity_low_limit", float, math.inf)
        vel_high = node.get_typed("velocity_high_limit", float, math.inf)
        config = cls(spu, velocity, acceleration, low, high, sign,
                     node.get_typed("offset", float, 0.0), tolerance,
                     node.get_typed("unit", str), digits,
                     node.get_typed("backlash", float, 0.0), vel_low, vel_high)
        try:
            config.check_velocity(velocity)
        except ValueError as err:
            raise node.error(str(err), "velocity") from None
        return config

    def check_velocity(self, velocity: float) -> None:
        """ValueError when ``velocity`` is outside the configured velocity limits
        (an infinite limit means "no limit", as in BLISS)."""
        if math.isfinite(self.velocity_high_limit) and velocity > self.velocity_high_limit:
            raise ValueError(f"velocity ({_fmt(velocity)}) exceeds max. velocity: "
                             f"{_fmt(self.velocity_high_limit)}")
        if math.isfinite(self.velocity_low_limit) and velocity < self.velocity_low_limit:
            raise ValueError(f"velocity ({_fmt(velocity)}) is below min. velocity: "
                             f"{_fmt(self.velocity_low_limit)}")


class MockupAxis:
    """A simulated axis: a :class:`~bliss_lite.devices.protocols.Movable`."""

    def __init__(self, name: str, controller: "MockupController | None" = None,
                 config: AxisConfig | None = None, store: Any = None) -> None:
        self.name = name
        self._controller = controller
        self._yaml = config if config is not None else AxisConfig()
        self._store = store
        self._lock = threading.RLock()
        self._motion: TrapezoidMove | None = None
        self._stopped = threading.Event()
        self._dial = 0.0
        self._sign = self._yaml.sign
        self._offset = self._yaml.offset
        self._low = self._yaml.low_limit
        self._high = self._yaml.high_limit
        self._velocity = self._yaml.velocity
        self._acceleration = self._yaml.acceleration
        self._load()

    # -- identity -----------------------------------------------------------
    @property
    def fullname(self) -> str:
        return f"axis:{self.name}"

    @property
    def controller(self) -> "MockupController | None":
        return self._controller

    @property
    def unit(self) -> str | None:
        return self._yaml.unit

    @property
    def steps_per_unit(self) -> float:
        return self._yaml.steps_per_unit

    @property
    def tolerance(self) -> float:
        return self._yaml.tolerance

    @property
    def backlash(self) -> float:
        return self._yaml.backlash

    @property
    def encoder(self) -> None:
        return None

    @property
    def config(self) -> AxisConfig:
        """The YAML values (limits in dial units)."""
        return self._yaml

    @property
    def display_digits(self) -> int:
        """YAML ``display_digits``, else ``len(str(int(steps_per_unit))) + 1`` when
        steps_per_unit ≥ 2, else from the tolerance (1e-4 → 5), as BLISS does."""
        if self._yaml.display_digits is not None:
            return self._yaml.display_digits
        spu = self._yaml.steps_per_unit
        if spu >= 2:
            return len(str(int(spu))) + 1
        tol = self._yaml.tolerance
        if tol >= 1 or tol <= 0:
            return 2
        return 1 + len(f"{float(tol):.15f}".rstrip("0").split(".")[1])

    def axis_rounder(self, value: float) -> str:
        """``value`` as text with the axis display digits (``"nan"`` for NaN)."""
        return with_digits(value, self.display_digits)

    # -- conversions --------------------------------------------------------
    def dial2user(self, dial: float) -> float:
        return self._sign * dial + self._offset

    def user2dial(self, user: float) -> float:
        return (user - self._offset) / self._sign

    def _round_to_steps(self, dial: float) -> float:
        spu = self._yaml.steps_per_unit
        return round(dial * spu) / spu

    # -- positions ----------------------------------------------------------
    def _current_dial(self) -> float:
        motion = self._motion
        if motion is None:
            return self._dial
        now = time.monotonic()
        if now >= motion.end:
            return self._dial
        return self._round_to_steps(motion.position_at(now))

    @property
    def dial(self) -> float:
        """The dial position (follows the move while moving)."""
        return self._current_dial()

    @dial.setter
    def dial(self, new_dial: float) -> None:
        """Redefine the dial position; the user position is kept (offset changes)."""
        with self._lock:
            self._refuse_while_moving("set the dial position")
            new_dial = self._round_to_steps(float(new_dial))
            user = self.position
            old_dial, old_offset = self._dial, self._offset
            self._dial = new_dial
            self._offset = user - self._sign * new_dial
            self._save()
        print(f"'{self.name}` dial position reset from {old_dial} to {new_dial} ; "
              f"offset changed from {self.axis_rounder(old_offset)} to "
              f"{self.axis_rounder(self._offset)} (sign:{self._sign})")

    @property
    def position(self) -> float:
        """The user position: ``sign × dial + offset``."""
        return self._sign * self._current_dial() + self._offset

    @position.setter
    def position(self, new_position: float) -> None:
        """Redefine the user position (the offset changes, nothing moves)."""
        with self._lock:
            self._refuse_while_moving("set the user position")
            new_position = float(new_position)
            old_position, old_offset = self.position, self._offset
            self._offset = new_position - self._sign * self._dial
            if math.isclose(self._offset, 0.0, abs_tol=1e-12):
                self._offset = 0.0
            self._save()
        print(f"'{self.name}` position reset from {old_position} to {new_position} ; "
              f"offset changed from {self.axis_rounder(old_offset)} to "
              f"{self.axis_rounder(self._offset)} (sign:{self._sign})")

    @property
    def offset(self) -> float:
        return self._offset

    @offset.setter
    def offset(self, new_offset: float) -> None:
        with self._lock:
            self._refuse_while_moving("change the offset")
            self._offset = float(new_offset)
            self._save()

    @property
    def sign(self) -> int:
        return self._sign

    @sign.setter
    def sign(self, new_sign: int) -> None:
        """Change the sign; the offset is kept, so the user position changes."""
        new_sign = int(math.copysign(1, float(new_sign)))
        with self._lock:
            self._refuse_while_moving("change the sign")
            self._sign = new_sign
            self._save()

    # -- limits -------------------------------------------------------------
    @property
    def dial_limits(self) -> tuple[float, float]:
        return (self._low, self._high)

    @dial_limits.setter
    def dial_limits(self, limits: tuple[float, float]) -> None:
        low, high = self._limit_pair(limits, "dial_limits")
        with self._lock:
            self._low, self._high = low, high
            self._save()

    @property
    def limits(self) -> tuple[float, float]:
        """(low, high) in user units."""
        a, b = self.dial2user(self._low), self.dial2user(self._high)
        return (a, b) if a <= b else (b, a)

    @limits.setter
    def limits(self, limits: tuple[float, float]) -> None:
        low, high = self._limit_pair(limits, "limits")
        a, b = self.user2dial(low), self.user2dial(high)
        with self._lock:
            self._low, self._high = (a, b) if a <= b else (b, a)
            self._save()

    @property
    def low_limit(self) -> float:
        return self.limits[0]

    @low_limit.setter
    def low_limit(self, value: float | None) -> None:
        self.limits = (value, self.limits[1])

    @property
    def high_limit(self) -> float:
        return self.limits[1]

    @high_limit.setter
    def high_limit(self, value: float | None) -> None:
        self.limits = (self.limits[0], value)

    @property
    def config_limits(self) -> tuple[float, float]:
        """The YAML limits in user units."""
        a, b = self.dial2user(self._yaml.low_limit), self.dial2user(self._yaml.high_limit)
        return (a, b) if a <= b else (b, a)

    def _limit_pair(self, limits: Any, what: str) -> tuple[float, float]:
        try:
            low, high = limits
        except (TypeError, ValueError):
            raise ValueError(f"{self.name}: usage: {self.name}.{what} = low, high") from None
        low = -math.inf if low is None else float(low)
        high = math.inf if high is None else float(high)
        if low > high:
            raise ValueError(f"{self.name}: low limit {_fmt(low)} is above high limit {_fmt(high)}")
        return low, high

    # -- motion parameters --------------------------------------------------
    @property
    def velocity(self) -> float:
        """Velocity in units/s."""
        return self._velocity

    @velocity.setter
    def velocity(self, value: float) -> None:
        value = float(value)
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{self.name}: velocity must be a positive number, got {value!r}")
        try:
            self._yaml.check_velocity(value)
        except ValueError as err:
            raise ValueError(f"{self.name}: {err}") from None
        with self._lock:
            self._velocity = value
            self._save()

    @property
    def acceleration(self) -> float:
        """Acceleration in units/s²."""
        return self._acceleration

    @acceleration.setter
    def acceleration(self, value: float) -> None:
        value = float(value)
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{self.name}: acceleration must be a positive number, got {value!r}")
        with self._lock:
            self._refuse_while_moving("change the acceleration")
            self._acceleration = value
            self._save()

    @property
    def acctime(self) -> float:
        """Seconds to reach the velocity."""
        return self._velocity / self._acceleration

    # -- state --------------------------------------------------------------
    @property
    def is_moving(self) -> bool:
        motion = self._motion
        return motion is not None and time.monotonic() < motion.end

    @property
    def state(self) -> AxisState:
        """``MOVING`` while a move runs, else ``READY``."""
        return MOVING if self.is_moving else READY

    def _refuse_while_moving(self, what: str) -> None:
        if self.is_moving:
            raise RuntimeError(f"{self.name}: cannot {what} while the axis is moving")

    # -- moving -------------------------------------------------------------
    def check_target(self, target: float) -> None:
        """Raise (before anything moves) if ``target`` (user units) is not a finite
        number or lies outside the limits, naming the axis and the limit."""
        if type(target) is not float:  # fast path: scans pass floats at every point
            if isinstance(target, bool) or not isinstance(target, numbers.Real):
                raise TypeError(f"{self.name}: target position must be a number, got {target!r}")
            target = float(target)
        if not math.isfinite(target):
            raise ValueError(f"{self.name}: cannot move to {target}")
        low, high = self.limits
        if target < low:
            raise ValueError(f"{self.name}: move to {_fmt(target)} would exceed low limit "
                             f"({_fmt(low)})")
        if target > high:
            raise ValueError(f"{self.name}: move to {_fmt(target)} would exceed high limit "
                             f"({_fmt(high)})")

    def move(self, target: float, wait: bool = True, relative: bool = False) -> None:
        """Move to ``target`` (user units; relative to the current position when
        ``relative``).  Refused before anything moves when out of limits."""
        with self._lock:
            if self.is_moving:
                raise RuntimeError(f"{self.name}: cannot start a move, the axis is already "
                                   f"moving")
            if relative:
                if isinstance(target, bool) or not isinstance(target, numbers.Real):
                    raise TypeError(f"{self.name}: displacement must be a number, got {target!r}")
                target = self.position + float(target)
            self.check_target(target)
            start = self._current_dial()
            dial_target = self._round_to_steps(self.user2dial(float(target)))
            self._motion = None
            if dial_target != start:
                self._stopped.clear()  # a stop() of an earlier move does not stop this one
                self._motion = TrapezoidMove(start, dial_target, self._velocity,
                                             self._acceleration, time.monotonic())
            self._dial = dial_target
            self._save()
        if wait:
            self.wait_move()

    def rmove(self, delta: float, wait: bool = True) -> None:
        """Move by ``delta`` user units."""
        self.move(delta, wait=wait, relative=True)

    def wait_move(self) -> None:
        """Block until the current move has ended (sleeps only the time left, or
        until :meth:`stop` is called from another thread).  An interruption
        (Ctrl-C) stops the axis where it is, then propagates."""
        motion, stopped = self._motion, self._stopped
        if motion is None:
            return
        try:
            remaining = motion.end - time.monotonic()
            while remaining > 0 and not stopped.wait(remaining):
                remaining = motion.end - time.monotonic()
        except BaseException:
            self.stop()
            raise

    def stop(self, wait: bool = True) -> None:
        """Stop a running move where the axis is now."""
        with self._lock:
            motion = self._motion
            if motion is None:
                return
            now = time.monotonic()
            if now < motion.end:
                self._dial = self._round_to_steps(motion.position_at(now))
            self._motion = None
            self._stopped.set()
            self._save()

    def apply_config(self) -> None:
        """Forget the settings changed at run time: sign, offset, limits, velocity
        and acceleration go back to the YAML values (the dial position is kept)."""
        with self._lock:
            self._refuse_while_moving("apply the configuration")
            y = self._yaml
            self._sign, self._offset = y.sign, y.offset
            self._low, self._high = y.low_limit, y.high_limit
            self._velocity, self._acceleration = y.velocity, y.acceleration
            self._save()

    # -- persistence --------------------------------------------------------
    @property
    def _store_key(self) -> str:
        return f"axis.{self.name}"

    def _yaml_settings(self) -> dict[str, Any]:
        y = self._yaml
        return _settings(y.sign, y.offset, y.low_limit, y.high_limit, y.velocity, y.acceleration)

    def _persisted(self) -> dict[str, Any]:
        data = _settings(self._sign, self._offset, self._low, self._high, self._velocity,
                         self._acceleration)
        data["dial"] = encode_float(self._dial)
        data["config"] = self._yaml_settings()
        return data

    def _save(self) -> None:
        # Computed when the store writes: a fast scan moves the axis at every point.
        if self._store is not None:
            self._store.set_later(self._store_key, self._persisted)

    def _load(self) -> None:
        if self._store is None:
            return
        data = self._store.get(self._store_key)
        if not isinstance(data, dict):
            return
        try:
            if "dial" in data:
                self._dial = self._round_to_steps(float(data["dial"]))
            then = data.get("config", {})
            now = self._yaml_settings()
            for key in _SETTINGS:
                if key in data and then.get(key) == now[key]:
                    value = float(data[key])
                    setattr(self, "_" + {"low_limit": "low", "high_limit": "high"}.get(key, key),
                            int(value) if key == "sign" else value)
        except (TypeError, ValueError):
            # unreadable stored settings: keep the YAML values
            pass

    # -- display ------------------------------------------------------------
    def __info__(self) -> str:
        unit = f"({self.unit})" if self.unit else ""
        r = self.axis_rounder
        lines = [f"AXIS {self.name}", ""]
        lines.append(table(
            [[f"{r(self.position)}", f"{r(self.dial)}", f"{r(self.offset)}", str(self.sign),
              f"{self.steps_per_unit:.2f}", f"{self.tolerance}"]],
            headers=[f"position{unit}", f"dial{unit}", f"offset{unit}", "sign",
                     "steps_per_unit", f"tolerance{unit}"]))
        lines.append("")
        low, high = self.limits
        cfg_low, cfg_high = self.config_limits
        y = self._yaml
        vel_unit = f"({self.unit}/s)" if self.unit else "(unit/s)"
        acc_unit = f"({self.unit}/s²)" if self.unit else "(unit/s²)"
        rows = [
            ["", "CURRENT VALUES", "|", "CONFIG VALUES"],
            ["", "--------------", "|", "-------------"],
            [f"limits {unit} [low ; high]".replace("  ", " "), f"[ {r(low)} ; {r(high)} ]", "|",
             f"[ {r(cfg_low)} ; {r(cfg_high)} ]"],
            [f"velocity {vel_unit}", f"{self.velocity}", "|", f"{y.velocity}"],
            ["velocity limits [low ; high]", f"[ {y.velocity_low_limit} ; {y.velocity_high_limit} ]",
             "|", f"[ {y.velocity_low_limit} ; {y.velocity_high_limit} ]"],
            [f"acceleration {acc_unit}", f"{self.acceleration}", "|", f"{y.acceleration}"],
            ["acctime (s)", f"{self.acctime:g}", "|", f"{y.velocity / y.acceleration:g}"],
            [f"backlash {unit}".strip(), f"{r(self.backlash)}", "|", f"{r(y.backlash)}"],
        ]
        lines.append(table(rows, align="left"))
        lines.append("")
        lines.append(f"STATE: {self.state}")
        lines.append("")
        lines.append("MOCKUP AXIS:")
        lines.append(f"    this axis ({self.name}) is a simulation axis")
        lines.append("")
        lines.append("ENCODER not present")
        lines.append("CLOSED-LOOP not present")
        lines.append("MOTION HOOKS not present")
        if self._controller is not None:
            lines.append("CONTROLLER:")
            lines.append(f"    name: {self._controller.name}  (type {self.name}.controller "
                         f"for more information)")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<MockupAxis {self.name} position={self.axis_rounder(self.position)}>"


def _settings(sign: int, *values: float) -> dict[str, Any]:
    """The persisted form of the :data:`_SETTINGS` values, in that order."""
    return {"sign": sign, **{key: encode_float(value) for key, value in zip(_SETTINGS[1:], values)}}


class MockupController:
    """A ``class: mockup`` controller: creates its axes on demand.

    ``get_child(name)`` returns the axis ``name``; children the mockup does not
    simulate (``encoders:``, ``switches:`` ...) fail with a clear ConfigError.
    """

    def __init__(self, name: str | None, node: ConfigNode, config: Any = None) -> None:
        self._node = node
        self._config = config
        self.name = name or f"mockup@{node.filename}:{node.line}"
        self._axis_nodes: dict[str, ConfigNode] = {}
        self._unsupported: dict[str, tuple[str, ConfigNode]] = {}
        self._axes: dict[str, MockupAxis] = {}
        self._lock = threading.Lock()
        axes = node.get("axes", [])
        if not isinstance(axes, list):
            raise node.error("'axes' must be a list of axis mappings", "axes")
        for item in axes:
            if isinstance(item, dict) and isinstance(item.get("name"), str) \
                    and not item["name"].startswith("$"):
                self._axis_nodes[item["name"]] = item
        for key, value in node.items():
            if key == "axes" or not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    self._unsupported[item["name"]] = (key, item)

    @property
    def axis_names(self) -> list[str]:
        return list(self._axis_nodes)

    @property
    def axes(self) -> dict[str, MockupAxis]:
        """Every axis of the controller (created if needed), by name."""
        return {name: self.get_child(name) for name in self._axis_nodes}

    def get_child(self, name: str) -> MockupAxis:
        """The axis ``name`` of this controller, created once."""
        with self._lock:
            axis = self._axes.get(name)
            if axis is not None:
                return axis
            node = self._axis_nodes.get(name)
            if node is None:
                if name in self._unsupported:
                    key, child = self._unsupported[name]
                    raise child.error(f"'{key}' of a mockup controller are not supported "
                                      f"by bliss_lite (only its axes are simulated)")
                raise self._node.error(f"mockup controller '{self.name}' has no axis '{name}'")
            axis = self._make_axis(name, node)
            self._axes[name] = axis
            return axis

    def _make_axis(self, name: str, node: ConfigNode) -> MockupAxis:
        check_keys(node, self._config, known=AXIS_KEYS, accepted=AXIS_ACCEPTED)
        axis_class = node.get("class")
        if axis_class not in AXIS_CLASSES:
            supported = ", ".join(c for c in AXIS_CLASSES if c)
            raise node.error(f"axis class '{axis_class}' is not supported by bliss_lite's "
                             f"mockup controller (supported: {supported})", "class")
        persist = AXIS_CLASSES[axis_class]
        config = AxisConfig.from_node(node)
        return MockupAxis(name, self, config, store_of(self._config) if persist else None)

    def __info__(self) -> str:
        lines = [f"Controller name: {self.name}", "MOCKUP CONTROLLER:",
                 f"    axes: {', '.join(self._axis_nodes) or '-'}"]
        if self._unsupported:
            lines.append(f"    not simulated: {', '.join(self._unsupported)}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<MockupController {self.name}>"


def mockup(name: str | None, node: ConfigNode, config: Any) -> MockupController:
    """Factory for ``class: mockup`` (a controller: its axes come from ``get_child``)."""
    check_keys(node, config, known=CONTROLLER_KEYS, accepted=CONTROLLER_ACCEPTED)
    return MockupController(name, node, config)


__all__ = ["AxisConfig", "MockupAxis", "MockupController", "mockup"]
