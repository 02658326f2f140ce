"""``Axis``: BLISS 2.4's axis interface over a controller (SPEC 3.3).

Positions: ``user = sign × dial + offset``.  Limits are kept in dial units and shown
and set in user units.  The settings changed at run time (sign, offset, limits,
velocity, acceleration, backlash, jog velocity, velocity limits, the set position
and the controller's dial) live in the session's state store under ``axis.<name>``;
a stored value wins over the YAML until :meth:`Axis.apply_config`, unless the YAML
value itself has been edited since (then the new YAML value is taken).

The controller does the hardware part, in dial units: ``read_position``,
``set_position``, ``start_one``, ``stop``, ``state``, ``is_moving``, ``wait_move``
(see :class:`bliss_lite.devices.motion.controller.Controller`).
"""

from __future__ import annotations

import math
import numbers
import threading
from typing import TYPE_CHECKING, Any, Callable

from bliss_lite.devices._config import encode_float
from bliss_lite.devices._text import table, with_digits
from bliss_lite.devices.axis_state import AxisState
from bliss_lite.devices.motion.config import AxisConfig, MotorConfig, check_velocity_limits, float_or_inf

if TYPE_CHECKING:
    from bliss_lite.devices.motion.controller import Controller

__all__ = ["Axis", "NoSettingsAxis", "AxisOnLimitError", "AxisOffError", "AxisFaultError",
           "AxisSettings"]


class AxisOnLimitError(RuntimeError):
    """A move ended on a hardware limit."""


class AxisOffError(RuntimeError):
    """A move ended with the axis powered off."""


class AxisFaultError(RuntimeError):
    """A move ended with the controller reporting a fault."""


#: settings that have a YAML value: the stored value wins unless the YAML changed
_CONFIG_SETTINGS = ("sign", "offset", "low_limit", "high_limit", "velocity", "acceleration",
                    "backlash", "jog_velocity", "velocity_low_limit", "velocity_high_limit")
#: setting name -> attribute of Axis holding it
_ATTR = {"sign": "_sign", "offset": "_offset", "low_limit": "_low", "high_limit": "_high",
         "velocity": "_velocity", "acceleration": "_acceleration", "backlash": "_backlash",
         "jog_velocity": "_jog_velocity", "velocity_low_limit": "_vel_low",
         "velocity_high_limit": "_vel_high", "_set_position": "_set_pos"}


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


class AxisSettings:
    """``axis.settings``: ``get(name)``, ``set(name, value, ...)``, ``clear(name)`` of
    the persisted settings (BLISS's names: ``velocity``, ``low_limit`` (dial),
    ``dial_position``, ``position``, ``state``, ``_set_position`` ..., and custom ones
    a controller adds, e.g. ``s_param``)."""

    def __init__(self, axis: "Axis") -> None:
        self._axis = axis

    @property
    def setting_names(self) -> list[str]:
        return [*_ATTR, "dial_position", "position", "state", *self._axis._custom]

    def get(self, name: str) -> Any:
        axis = self._axis
        if name in _ATTR:
            return getattr(axis, _ATTR[name])
        if name == "dial_position":
            return axis.dial
        if name == "position":
            return axis.position
        if name == "state":
            return axis.state
        return axis._custom.get(name)

    def set(self, *pairs: Any) -> None:
        if len(pairs) % 2:
            raise TypeError("settings.set(name, value, name, value, ...)")
        axis = self._axis
        for name, value in zip(pairs[::2], pairs[1::2]):
            if name in _ATTR:
                setattr(axis, _ATTR[name], value)
            elif name == "dial_position":
                axis.controller.set_position(axis, float(value))
            elif name == "state":
                axis._state = value if value is None or isinstance(value, AxisState) \
                    else AxisState(value)
            elif name != "position":
                axis._custom[name] = value
                axis._emit(name, value)
                axis._emit("custom_setting", name)
        axis._save()

    def clear(self, name: str) -> None:
        if name in _CONFIG_SETTINGS:
            self._axis._reset_from_config((name,))
        elif name == "_set_position":
            self._axis._set_pos = None
        else:
            self._axis._custom.pop(name, None)
        self._axis._save()

    def disable_cache(self, name: str) -> None:
        """Accepted for BLISS configurations (no cache to disable here)."""


class Axis:
    """An axis of a motor controller, with BLISS's interface."""

    def __init__(self, name: str, controller: "Controller", config: AxisConfig | None = None,
                 store: Any = None, node: Any = None) -> None:
        self._name = name
        self._controller = controller
        self._yaml = config if config is not None else AxisConfig()
        self._config = MotorConfig(node if node is not None else {"name": name})
        self._store = store
        self._lock = threading.RLock()
        self._listeners: dict[str, list[Callable[..., Any]]] = {}
        self._custom: dict[str, Any] = {}
        self._encoder: Any = None
        self._closed_loop: Any = None
        self._no_offset = False
        self._positioner = True
        self._disabled = False
        self._disabled_exception: str | None = None
        self._initialized = False
        self._limit_search = False
        self._pending = False              # a move was started and has not been reported
        self._state: AxisState | None = None
        self._unit = self._yaml.unit
        self._set_pos: float | None = None
        self._reset_from_config(_CONFIG_SETTINGS)
        self._loaded_dial: float | None = None
        self._load()

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def fullname(self) -> str:
        return f"axis:{self._name}"

    @property
    def controller(self) -> "Controller":
        return self._controller

    @property
    def config(self) -> MotorConfig:
        """The YAML mapping (``axis.config.get("velocity")``)."""
        return self._config

    @property
    def settings(self) -> AxisSettings:
        return AxisSettings(self)

    @property
    def unit(self) -> str | None:
        return self._unit

    @property
    def steps_per_unit(self) -> float:
        return self._yaml.steps_per_unit

    @property
    def tolerance(self) -> float:
        return self._yaml.tolerance

    @property
    def encoder(self) -> Any:
        return self._encoder

    @property
    def motion_hooks(self) -> list:
        return []

    @property
    def closed_loop(self) -> Any:
        """The :class:`~bliss_lite.devices.motion.closed_loop.ClosedLoop` of an axis
        with ``closed_loop:`` in its YAML, else None."""
        return self._closed_loop

    @property
    def no_offset(self) -> bool:
        return self._no_offset

    @no_offset.setter
    def no_offset(self, value: bool) -> None:
        self._no_offset = bool(value)

    @property
    def _is_calc_axis(self) -> bool:
        return False

    def has_tag(self, tag: str) -> bool:
        """True when the controller's configuration tags this axis with ``tag``."""
        return any(a is self for a in self._controller._tagged.get(tag, ()))

    def set_setting(self, *args: Any) -> None:
        self.settings.set(*args)

    def get_setting(self, *args: Any) -> Any:
        return self.settings.get(*args)

    # -- events (calc controllers follow their reals) -----------------------------------------
    def _connect(self, signal: str, callback: Callable[..., Any]) -> None:
        self._listeners.setdefault(signal, []).append(callback)

    def _emit(self, signal: str, *args: Any) -> None:
        for callback in self._listeners.get(signal, ()):
            callback(self, *args)

    # -- initialization, enable/disable -----------------------------------------------------------
    def _lazy_init(self) -> None:
        if self._disabled:
            raise RuntimeError(f"Axis {self._name} is disabled")
        if self._initialized:
            return
        try:
            self._controller._initialize_axis(self)
        except Exception as exc:
            self._set_disabled(f"{type(exc).__name__}: {exc}")
            raise
        self._initialized = True

    def _set_disabled(self, message: str) -> None:
        self._disabled = True
        self._disabled_exception = message
        self._emit("disabled", True)

    @property
    def disabled(self) -> bool:
        try:
            self._lazy_init()
        except Exception:
            pass
        return self._disabled

    def enable(self) -> None:
        """Clear the disabled flag and try the controller again."""
        self._disabled = False
        self._disabled_exception = None
        self._initialized = False
        self._lazy_init()
        self._state = None
        self._emit("disabled", False)

    def close(self) -> None:
        self._controller.close()

    def __close__(self) -> None:
        self.close()

    def on(self) -> None:
        """Power the axis on."""
        self._lazy_init()
        if self.is_moving:
            return
        self._controller.set_on(self)
        self._state = self._controller.state(self)

    def off(self) -> None:
        """Power the axis off."""
        self._lazy_init()
        if self.is_moving:
            raise RuntimeError("Can't set power off while axis is moving")
        self._controller.set_off(self)
        self._state = self._controller.state(self)

    # -- display ------------------------------------------------------------------------------
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

    def axis_rounder(self, value: Any) -> Any:
        """``value`` as text with the axis display digits (``"nan"`` for NaN);
        anything not a number unchanged."""
        if not isinstance(value, numbers.Number):
            return value
        return with_digits(value, self.display_digits)

    # -- conversions --------------------------------------------------------------------------
    def dial2user(self, position: Any, offset: float | None = None) -> Any:
        if position is None:
            return None
        return self._sign * position + (self._offset if offset is None else offset)

    def user2dial(self, position: Any) -> Any:
        return (position - self._offset) / self._sign

    # -- positions ----------------------------------------------------------------------------
    @property
    def dial(self) -> float:
        """The dial position (follows the move while moving)."""
        if not self._initialized:
            self._lazy_init()
        return self._controller.read_position(self)

    @dial.setter
    def dial(self, new_dial: float) -> None:
        """Redefine the dial position; the user position is kept (the offset changes)."""
        self._lazy_init()
        if self.is_moving:
            raise RuntimeError(f"{self._name}: can't set axis dial position while moving")
        new_dial = float(new_dial)
        old_offset = self.axis_rounder(self._offset)
        old_dial = self.dial
        new_dial = self._do_set_dial(new_dial)
        print(f"'{self._name}` dial position reset from {old_dial} to {new_dial} ; "
              f"offset changed from {old_offset} to {self.axis_rounder(self._offset)} "
              f"(sign:{self._sign})")

    def _do_set_dial(self, new_dial: float) -> float:
        user = self.position
        dial = self._controller.set_position(self, new_dial)
        if self._no_offset:
            self._do_set_position(dial, offset=0.0)
        else:
            self._do_set_position(user)
        return dial

    def _do_set_position(self, new_pos: float | None = None, offset: float | None = None) -> bool:
        dial = self.dial
        if offset is None:
            offset = new_pos - self._sign * dial
        if math.isnan(offset):
            return False
        if math.isclose(offset, 0, abs_tol=1e-12):
            offset = 0.0
        self._offset = float(offset)
        if new_pos is None:
            new_pos = self._sign * dial + offset
        if math.isnan(new_pos):
            return False
        self._set_pos = new_pos
        self._save()
        self._emit("position", new_pos)
        return True

    @property
    def position(self) -> float:
        """The user position: ``sign × dial + offset``."""
        if not self._initialized:
            self._lazy_init()
        return self._sign * self._controller.read_position(self) + self._offset

    @position.setter
    def position(self, new_pos: float) -> None:
        """Redefine the user position (the offset changes, nothing moves)."""
        self._lazy_init()
        if self.is_moving:
            raise RuntimeError(f"{self._name}: can't set axis user position while moving")
        new_pos = float(new_pos)
        old_offset = self.axis_rounder(self._offset)
        current = self.position
        if self._no_offset:
            self._controller.set_position(self, self.user2dial(new_pos))
        if self._do_set_position(new_pos):
            print(f"'{self._name}` position reset from {current} to {new_pos} ; "
                  f"offset changed from {old_offset} to {self.axis_rounder(self._offset)} "
                  f"(sign:{self._sign})")

    @property
    def _set_position(self) -> float:
        """Where the axis was last sent (relative moves start from here)."""
        if self._set_pos is None:
            self._set_pos = self.position
        return self._set_pos

    @_set_position.setter
    def _set_position(self, value: float) -> None:
        self._set_pos = float(value)

    @property
    def offset(self) -> float:
        return self._offset

    @offset.setter
    def offset(self, new_offset: float) -> None:
        if self._no_offset:
            raise RuntimeError(f"{self._name}: cannot change offset, axis has 'no offset' flag")
        if self.is_moving:
            raise RuntimeError(f"{self._name}: can't set axis user position while moving")
        self._do_set_position(offset=float(new_offset))

    @property
    def sign(self) -> int:
        return self._sign

    @sign.setter
    def sign(self, new_sign: float) -> None:
        """Change the sign; the offset is kept, so the user position changes."""
        self._lazy_init()
        new_sign = int(math.copysign(1, float(new_sign)))
        if new_sign != self._sign:
            if self._no_offset:
                raise RuntimeError(f"{self._name}: cannot change sign, axis has 'no offset' flag")
            if self.is_moving:
                raise RuntimeError(f"{self._name}: can't set axis user position while moving")
            self._sign = new_sign
            self._set_pos = None
            self._save()

    @property
    def measured_position(self) -> float:
        """The encoder position in user units."""
        return self.dial2user(self.dial_measured_position)

    @property
    def dial_measured_position(self) -> float:
        """The encoder position in dial units."""
        if self._encoder is None:
            raise RuntimeError(f"Axis '{self._name}` has no encoder.")
        return self._encoder.read()

    @property
    def _encoder_read_mode(self) -> bool:
        return self._encoder is not None and self._config.get("read_position") == "encoder"

    @property
    def _check_encoder(self) -> bool:
        return self._encoder is not None and bool(self._config.get("check_encoder", bool, True))

    # -- limits -------------------------------------------------------------------------------
    @property
    def dial_limits(self) -> tuple[float, float]:
        return (self._low, self._high)

    @dial_limits.setter
    def dial_limits(self, limits: Any) -> None:
        low, high = self._pair(limits, "dial_limits")
        self._low, self._high = float_or_inf(low, -1), float_or_inf(high, 1)
        self._save()

    @property
    def limits(self) -> tuple[float, float]:
        """(low, high) in user units (a negative sign swaps them, as in BLISS)."""
        return (self.dial2user(self._low), self.dial2user(self._high))

    @limits.setter
    def limits(self, limits: Any) -> None:
        low, high = self._pair(limits, "limits")
        self.low_limit = None if low is None else float(low)
        self.high_limit = None if high is None else float(high)

    @property
    def low_limit(self) -> float:
        return self.dial2user(self._low)

    @low_limit.setter
    def low_limit(self, limit: float | None) -> None:
        self._low = -math.inf if limit is None else self.user2dial(float(limit))
        self._save()

    @property
    def high_limit(self) -> float:
        return self.dial2user(self._high)

    @high_limit.setter
    def high_limit(self, limit: float | None) -> None:
        self._high = math.inf if limit is None else self.user2dial(float(limit))
        self._save()

    @property
    def config_limits(self) -> tuple[float, float]:
        """The YAML limits in user units."""
        return (self.dial2user(self._yaml.low_limit), self.dial2user(self._yaml.high_limit))

    @staticmethod
    def _pair(limits: Any, what: str) -> tuple[Any, Any]:
        try:
            if len(limits) != 2:
                raise TypeError
        except TypeError:
            raise ValueError(f"Usage: .{what} = low, high") from None
        return limits[0], limits[1]

    # -- motion parameters --------------------------------------------------------------------
    @property
    def velocity(self) -> float:
        """Velocity in units/s."""
        return self._velocity

    @velocity.setter
    def velocity(self, new_velocity: float) -> None:
        new_velocity = float(new_velocity)
        self._check_velocity_limits(new_velocity)
        if new_velocity < 0:
            raise RuntimeError("Invalid velocity, the velocity cannot be a negative value")
        if new_velocity == 0 or not math.isfinite(new_velocity):
            raise ValueError(f"{self._name}: velocity must be a positive number, got {new_velocity!r}")
        try:
            self._controller.set_velocity(self, new_velocity)
        except Exception as err:
            raise ValueError(f"Cannot set value {new_velocity} for {self._name}") from err
        if self._velocity != new_velocity:
            print(f"'{self._name}` velocity changed from {self._velocity} to {new_velocity}")
        self._velocity = new_velocity
        self._save()

    def _check_velocity_limits(self, velocity: float) -> None:
        check_velocity_limits(velocity, self._vel_low, self._vel_high)

    @property
    def config_velocity(self) -> float | None:
        return self._yaml.velocity

    @property
    def velocity_limits(self) -> tuple[float, float]:
        return (self._vel_low, self._vel_high)

    @velocity_limits.setter
    def velocity_limits(self, limits: Any) -> None:
        low, high = self._pair(limits, "velocity_limits")
        low = low or 0
        high = float_or_inf(high)
        if low > high:
            raise ValueError(f"Low limit ({low}) have to be bigger than high limit ({high})")
        if low < 0:
            raise ValueError(f"The lowest velocity have to be positive ({low})")
        self._vel_low, self._vel_high = float(low), high
        self._save()

    @property
    def config_velocity_limits(self) -> tuple[float, float]:
        return (self._yaml.velocity_low_limit, self._yaml.velocity_high_limit)

    @property
    def velocity_high_limit(self) -> float:
        return self._vel_high

    @velocity_high_limit.setter
    def velocity_high_limit(self, value: float | None) -> None:
        self._vel_high = float_or_inf(value)
        self._save()

    @property
    def velocity_low_limit(self) -> float:
        return self._vel_low or 0

    @velocity_low_limit.setter
    def velocity_low_limit(self, value: float | None) -> None:
        self._vel_low = float_or_inf(value)
        self._save()

    @property
    def acceleration(self) -> float:
        """Acceleration in units/s²."""
        return self._acceleration

    @acceleration.setter
    def acceleration(self, new_acc: float) -> None:
        if self.is_moving:
            raise RuntimeError(f"Cannot set acceleration while axis '{self._name}` is moving.")
        new_acc = float(new_acc)
        if not (new_acc > 0 and math.isfinite(new_acc)):
            raise ValueError(f"{self._name}: acceleration must be a positive number, got {new_acc!r}")
        self._controller.set_acceleration(self, new_acc)
        if self._acceleration != new_acc:
            print(f"'{self._name}` acceleration changed from {self._acceleration} to {new_acc}")
        self._acceleration = new_acc
        self._save()

    @property
    def config_acceleration(self) -> float | None:
        return self._yaml.acceleration

    @property
    def acctime(self) -> float:
        """Seconds to reach the velocity."""
        if not self._acceleration:
            return math.nan
        return abs(self._velocity / self._acceleration)

    @acctime.setter
    def acctime(self, new_acctime: float) -> None:
        self.acceleration = self._velocity / float(new_acctime)

    @property
    def config_acctime(self) -> float:
        return abs(self._yaml.velocity / self._yaml.acceleration)

    @property
    def jog_velocity(self) -> float:
        return self._jog_velocity if self._jog_velocity is not None else self._velocity

    @jog_velocity.setter
    def jog_velocity(self, new_velocity: float) -> None:
        new_velocity = float(new_velocity)
        if self.is_moving and self._controller._jogging(self):
            if new_velocity == 0:
                self.stop()
            else:
                self._controller.start_jog(self, abs(new_velocity) * 1.0,
                                           int(math.copysign(1, new_velocity * self._sign)))
        if new_velocity:
            self._jog_velocity = new_velocity
            self._save()

    @property
    def config_jog_velocity(self) -> float | None:
        return self._yaml.jog_velocity if self._yaml.jog_velocity is not None else self._yaml.velocity

    @property
    def jog_acctime(self) -> float:
        if not self._acceleration:
            return math.nan
        return abs(self.jog_velocity / self._acceleration)

    @property
    def config_jog_acctime(self) -> float:
        return abs(self.config_jog_velocity / self._yaml.acceleration)

    @property
    def backlash(self) -> float:
        """Backlash in user units: a move against its sign ends with a second move of
        ``backlash`` (BLISS's backlash move)."""
        return self._backlash or 0

    @backlash.setter
    def backlash(self, value: float) -> None:
        self._backlash = float(value)
        self._save()

    @property
    def config_backlash(self) -> float:
        return self._yaml.backlash

    def _backlash_dial(self) -> float:
        """The backlash in dial units (signed)."""
        if not self._backlash:
            return 0.0
        if self._config.get("backlash_is_dial"):
            return self._backlash
        return self._backlash * self._sign

    # -- state --------------------------------------------------------------------------------
    @property
    def is_moving(self) -> bool:
        return self._controller.is_moving(self)

    @property
    def state(self) -> AxisState:
        """``MOVING`` while a move runs, else what the controller last said."""
        if not self._initialized:
            self._lazy_init()
        if self._controller.is_moving(self):
            return AxisState("MOVING")
        state = self._state
        if state is None:
            state = self._state = self.hw_state
        return state

    @property
    def hw_state(self) -> AxisState:
        """The state read from the controller now."""
        self._lazy_init()
        return self._controller.state(self)

    def sync_hard(self) -> None:
        """Read position and state from the controller again."""
        self._lazy_init()
        self._controller._sync_hard(self)
        if self._closed_loop is not None:
            self._closed_loop.sync_hard()
        self._state = self.hw_state
        self._set_pos = self.position
        self._emit("sync_hard")

    # -- moving -------------------------------------------------------------------------------
    def _limit_error(self, user_target: float, backlash: bool) -> ValueError | None:
        """BLISS's limit error for ``user_target``: the limits are compared in dial
        units and named as BLISS names them (None when within the limits)."""
        user_low, user_high = self.limits
        low, high = self._low, self._high
        low_word, high_word = "low", "high"
        if high < low:
            low, high, user_low, user_high = high, low, user_high, user_low
            low_word, high_word = high_word, low_word
        dial_target = self.user2dial(user_target)
        if dial_target < low:
            limit, word = user_low, low_word
        elif dial_target > high:
            limit, word = user_high, high_word
        else:
            return None
        extra = f" (with {self.backlash} backlash)" if backlash else ""
        return ValueError(f"{self._name}: move to `{user_target}'{extra} would exceed {word} "
                          f"limit ({limit})")

    def check_target(self, target: float) -> None:
        """Raise (before anything moves) what :meth:`move` would raise for ``target``:
        not a number, not finite, beyond a limit."""
        if type(target) is not float:  # fast path: scans pass floats at every point
            if not _is_number(target):
                raise TypeError(f"{self._name}: target position must be a number, got {target!r}")
            target = float(target)
        if not math.isfinite(target):
            raise ValueError(f"axis {self._name} cannot be moved to position: {target}")
        dial_target = (target - self._offset) / self._sign
        low, high = self._low, self._high
        if not (low <= dial_target <= high or high <= dial_target <= low):
            raise self._limit_error(target, False) or ValueError(target)

    def _prepare(self, user_target: float) -> tuple[float, float] | None:
        """(dial target, backlash in dial units) of a move to ``user_target``, None if
        the axis is already there; raises when a limit would be exceeded."""
        dial_target = (user_target - self._offset) / self._sign
        if self._controller.ALWAYS_MOVES and not self._backlash:
            # no need of where it is (a calc axis: the reals are computed from the target)
            if not (self._low <= dial_target <= self._high
                    or self._high <= dial_target <= self._low):
                raise self._limit_error(user_target, False)
            return dial_target, 0.0
        delta = dial_target - self._controller.read_position(self)
        backlash = 0.0
        if self._backlash and delta:
            b = self._backlash_dial()
            if math.copysign(1, delta) != math.copysign(1, b):
                backlash = b
        low, high = self._low, self._high
        if not (low <= dial_target <= high or high <= dial_target <= low):
            raise self._limit_error(user_target, bool(backlash))
        if self._controller._is_already_on_position(self, delta):
            return None
        return dial_target, backlash

    def get_motion(self, user_target_pos: float, relative: bool = False,
                   polling_time: float | None = None) -> Any:
        """The (dial target, backlash) a move would do, None if already there
        (limits checked)."""
        self._lazy_init()
        target = float(user_target_pos)
        if relative:
            target += self._set_position
        return self._prepare(target)

    def _get_motion(self, user_target_pos: float) -> Any:
        return self._prepare(float(user_target_pos))

    def move(self, user_target_pos: float, wait: bool = True, relative: bool = False,
             polling_time: float | None = None) -> None:
        """Move to ``user_target_pos`` (relative to the last set position when
        ``relative``).  Refused before anything moves when out of limits."""
        target = user_target_pos
        if type(target) is not float:
            if not _is_number(target):
                kind = "displacement" if relative else "target position"
                raise TypeError(f"{self._name}: {kind} must be a number, got {target!r}")
            target = float(target)
        if not math.isfinite(target):
            raise ValueError(f"axis {self._name} cannot be moved to position: {target}")
        if not self._initialized:
            self._lazy_init()
        with self._lock:
            if self._controller.is_moving(self):
                raise RuntimeError(f"axis {self._name} state is 'MOVING'")
            if relative:
                target += self._set_position
            motion = self._prepare(target)
            if motion is not None:
                self._controller._check_discrepancy(self)
            self._set_pos = target
            if motion is not None:
                self._state = None
                self._controller.start_one(self, motion[0], motion[1])
                self._pending = True
                self._save()
        if wait:
            self.wait_move()

    def rmove(self, user_delta_pos: float, wait: bool = True,
              polling_time: float | None = None) -> None:
        """Move by ``user_delta_pos`` user units (from the last set position)."""
        self.move(user_delta_pos, wait=wait, relative=True)

    def wait_move(self) -> None:
        """Block until the current move has ended; an interruption (Ctrl-C) stops the
        axis where it is, then propagates.  A move that ended on a hardware limit, with
        the power off or in fault raises AxisOnLimitError / AxisOffError /
        AxisFaultError."""
        controller = self._controller
        try:
            if controller.is_moving(self):
                controller.wait_move(self)
        except BaseException:
            self.stop(wait=False)
            raise
        self._move_done()

    def _move_done(self, limit_error: bool = True) -> None:
        """After a move: read the state and report how the move ended (once)."""
        if not self._pending:
            return
        self._pending = False
        if self._encoder is None and self._controller._clean_end(self):  # nothing to report
            if self._listeners:
                self._emit("move_done")
            return
        state = self._state = self._controller.state(self)
        if self._encoder is not None and self._check_encoder and not self._encoder_read_mode:
            enc_dial, curr = self._encoder.read(), self.dial
            if abs(curr - enc_dial) > self._encoder.tolerance:
                raise RuntimeError(
                    f"'{self._name}' didn't reach final position."
                    f"(enc_dial={enc_dial:10.5f}, curr_pos={curr:10.5f} "
                    f"diff={enc_dial - curr:10.5f} enc.tol={self._encoder.tolerance:10.5f})")
        self._emit("move_done")
        searching, self._limit_search = self._limit_search, False
        if limit_error and (state.LIMPOS or state.LIMNEG) and not searching:
            raise AxisOnLimitError(f"{self._name}: {state} at {self.position}")
        if state.OFF:
            raise AxisOffError(f"{self._name}: {state}")
        if state.FAULT:
            raise AxisFaultError(f"{self._name}: {state}")

    def stop(self, wait: bool = True) -> None:
        """Stop a running move where the axis is now (decelerating on a mockup)."""
        if self._controller.is_moving(self):
            self._controller.stop(self)
            self._set_pos = None
            self._save()
            if wait:
                self._controller.wait_move(self)
        self._emit("move_done")

    def jog(self, velocity: float | None = None, reset_position: Any = None,
            polling_time: float | None = None) -> None:
        """Move at constant velocity (signed, user units/s) until :meth:`stop`."""
        self._lazy_init()
        velocity = self.jog_velocity if velocity is None else float(velocity)
        if self.is_moving and self._controller._jogging(self):
            self.jog_velocity = velocity
            return
        self._check_velocity_limits(velocity)
        with self._lock:
            if self.is_moving:
                raise RuntimeError(f"axis {self._name} state is 'MOVING'")
            if velocity == 0:
                return
            self._jog_velocity = velocity
            self._state = None
            direction = int(math.copysign(1, velocity * self._sign))
            print(f"Moving {self._name} from {self.axis_rounder(self.position)} at velocity "
                  f"{abs(velocity)} in {'positive' if velocity > 0 else 'negative'} direction\n"
                  f"Stop motion with: {self._name}.stop()")
            self._controller.start_jog(self, abs(velocity), direction)
            self._pending = True
            self._save()

    def start_jog(self, velocity: float | None = None) -> None:
        """Same as :meth:`jog` (BLISS's older name)."""
        self.jog(velocity)

    def home(self, switch: int = 1, wait: bool = True, polling_time: float | None = None) -> None:
        """Search the home switch (on a mockup: the next home position set with
        ``controller._set_home_pos(axis, pos)``)."""
        self._lazy_init()
        with self._lock:
            if self.is_moving:
                raise RuntimeError(f"axis {self._name} state is 'MOVING'")
            self._state = None
            self._controller.home_search(self, switch)
            self._pending = True
            self._set_pos = None
        if wait:
            self.wait_move()

    def hw_limit(self, limit: int, wait: bool = True, polling_time: float | None = None) -> None:
        """Go to the hardware limit (positive ``limit``: the high one)."""
        self._lazy_init()
        limit = int(limit)
        with self._lock:
            if self.is_moving:
                raise RuntimeError(f"axis {self._name} state is 'MOVING'")
            self._state = None
            self._controller.limit_search(self, limit)
            self._limit_search = self._pending = True
            self._set_pos = None
        if wait:
            self.wait_move()

    # -- configuration ------------------------------------------------------------------------
    def _reset_from_config(self, names: tuple[str, ...]) -> None:
        y = self._yaml
        values = {"sign": y.sign, "offset": y.offset, "low_limit": y.low_limit,
                  "high_limit": y.high_limit, "velocity": y.velocity,
                  "acceleration": y.acceleration, "backlash": y.backlash,
                  "jog_velocity": y.jog_velocity, "velocity_low_limit": y.velocity_low_limit,
                  "velocity_high_limit": y.velocity_high_limit}
        for name in names:
            setattr(self, _ATTR[name], values[name])

    def settings_to_config(self, velocity: bool = True, acceleration: bool = True,
                           limits: bool = True, sign: bool = True, backlash: bool = True) -> None:
        """Make the current settings the configuration values (in memory, for this
        session: the YAML file is not rewritten)."""
        changes: dict[str, Any] = {}
        if velocity:
            changes.update(velocity=self._velocity, velocity_low_limit=self._vel_low,
                           velocity_high_limit=self._vel_high)
        if acceleration:
            changes["acceleration"] = self._acceleration
        if limits:
            changes.update(low_limit=self._low, high_limit=self._high)
        if sign:
            changes["sign"] = self._sign
        if backlash:
            changes["backlash"] = self._backlash
        for key, value in changes.items():
            self._config.set(key, value)
        self._config.save()
        self._yaml = self._yaml.replace(**changes)
        self._save()

    def apply_config(self, reload: bool = False, velocity: bool = True,
                     acceleration: bool = True, limits: bool = True, sign: bool = True,
                     backlash: bool = True) -> None:
        """Forget the settings changed at run time: they go back to the configuration
        values (``reload``: also forget what :meth:`settings_to_config` set).  The dial
        position is kept; the user position follows a changed sign."""
        if reload:
            self._config.reload()
            self._yaml = self._controller._reload_axis_config(self, self._yaml)
        names: list[str] = []
        if velocity:
            names += ["velocity", "velocity_low_limit", "velocity_high_limit", "jog_velocity"]
        if acceleration:
            names.append("acceleration")
        if limits:
            names += ["low_limit", "high_limit"]
        if sign:
            names += ["sign", "offset"]
        if backlash:
            names.append("backlash")
        with self._lock:
            if self.is_moving:
                raise RuntimeError(f"{self._name}: cannot apply the configuration while moving")
            self._reset_from_config(tuple(names))
            self._disabled = False
            self._disabled_exception = None
            self._set_pos = None
            self._state = None
            self._save()

    # -- persistence --------------------------------------------------------------------------
    @property
    def _store_key(self) -> str:
        return f"axis.{self._name}"

    def _config_snapshot(self) -> dict[str, Any]:
        y = self._yaml
        return {name: _encode(getattr(y, name)) for name in _CONFIG_SETTINGS}

    def _persisted(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: _encode(getattr(self, _ATTR[name])) for name in _ATTR}
        dial = self._controller._persisted_dial(self)
        if dial is not None:
            data["dial"] = encode_float(dial)
        if self._custom:
            data["custom"] = dict(self._custom)
        data["config"] = self._config_snapshot()
        return data

    def _save(self) -> None:
        # computed when the store writes: a fast scan moves the axis at every point
        if self._store is not None:
            self._store.set_later(self._store_key, self._persisted)

    def _load(self) -> None:
        if self._store is None:
            return
        data = self._store.get(self._store_key)
        if not isinstance(data, dict):
            return
        then = data.get("config", {})
        now = self._config_snapshot()
        for name, attr in _ATTR.items():
            if name not in data or (name in now and then.get(name) != now[name]):
                continue
            try:
                value = data[name]
                if value is not None:
                    value = int(value) if name == "sign" else float(value)
                setattr(self, attr, value)
            except (TypeError, ValueError):
                pass  # an unreadable stored value: keep the YAML one
        if isinstance(data.get("custom"), dict):
            self._custom.update(data["custom"])
        try:
            self._loaded_dial = float(data["dial"]) if "dial" in data else None
        except (TypeError, ValueError):
            self._loaded_dial = None

    # -- display ------------------------------------------------------------------------------
    def __info__(self) -> str:
        try:
            self._lazy_init()
        except Exception:
            pass
        unit = f"({self.unit})" if self.unit else ""
        r = self.axis_rounder
        lines = [f"AXIS {self._name}", ""]
        if self._disabled:
            lines += [f"DISABLED: {self._disabled_exception}", ""]
            return "\n".join(lines) + "\n"
        lines.append(table(
            [[f"{r(self.position)}", f"{r(self.dial)}", f"{r(self.offset)}", str(self.sign),
              f"{self.steps_per_unit:.2f}", f"{self.tolerance}"]],
            headers=[f"position{unit}", f"dial{unit}", f"offset{unit}", "sign",
                     "steps_per_unit", f"tolerance{unit}"]))
        lines.append("")
        low, high = self.limits
        cfg_low, cfg_high = self.config_limits
        rows = [
            ["", "CURRENT VALUES", "|", "CONFIG VALUES"],
            ["", "--------------", "|", "-------------"],
            [f"limits {unit} [low ; high]".replace("  ", " "), f"[ {r(low)} ; {r(high)} ]", "|",
             f"[ {r(cfg_low)} ; {r(cfg_high)} ]"],
        ]
        if self._velocity is not None:
            vel_unit = f"({self.unit}/s)" if self.unit else "(unit/s)"
            acc_unit = f"({self.unit}/s²)" if self.unit else "(unit/s²)"
            y = self._yaml
            rows += [
                [f"velocity {vel_unit}", f"{self.velocity}", "|", f"{y.velocity}"],
                ["velocity limits [low ; high]", f"[ {self._vel_low} ; {self._vel_high} ]", "|",
                 f"[ {y.velocity_low_limit} ; {y.velocity_high_limit} ]"],
                [f"acceleration {acc_unit}", f"{self.acceleration}", "|", f"{y.acceleration}"],
                ["acctime (s)", f"{self.acctime:g}", "|", f"{self.config_acctime:g}"],
                [f"backlash {unit}".strip(), f"{r(self.backlash)}", "|", f"{r(y.backlash)}"],
            ]
        lines.append(table(rows, align="left"))
        lines.append("")
        try:
            lines.append(f"STATE: {self.state}")
        except Exception as exc:
            lines.append(f"STATE: !ERR ({exc})")
        lines.append("")
        lines.append(self._controller.get_axis_info(self))
        lines.append("")
        if self._encoder is not None:
            lines.append(f"ENCODER: {self._encoder.name}  (steps_per_unit "
                         f"{self._encoder.steps_per_unit}, tolerance {self._encoder.tolerance})")
        else:
            lines.append("ENCODER not present")
        lines.append("CLOSED-LOOP not present")
        lines.append("MOTION HOOKS not present")
        lines.append("CONTROLLER:")
        lines.append(f"    name: {self._controller.name}  (type {self._name}.controller "
                     f"for more information)")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name}>"


class NoSettingsAxis(Axis):
    """An axis whose settings are not persisted."""

    def __init__(self, name: str, controller: "Controller", config: AxisConfig | None = None,
                 store: Any = None, node: Any = None) -> None:
        super().__init__(name, controller, config, None, node)


def _encode(value: Any) -> Any:
    return encode_float(value) if isinstance(value, float) else value
