"""``axis.closed_loop``: the closed loop of an axis with a ``closed_loop:`` mapping
(BLISS's ``ClosedLoop``)::

    - name: m1
      closed_loop: {state: on, kp: 1, ki: 2, kd: 3}

``state`` (a :class:`ClosedLoopState`), ``on()``, ``off()``, ``reset()``,
``sync_hard()`` and one attribute per parameter the controller requires
(``controller.get_closed_loop_requirements()``: ``kp``, ``ki``, ``kd`` on a mockup),
read from and written to the controller.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["ClosedLoop", "ClosedLoopState"]


class ClosedLoopState(enum.Enum):
    UNDEFINED = enum.auto()
    UNKNOWN = enum.auto()
    ON = enum.auto()
    OFF = enum.auto()
    MANUAL = enum.auto()


def _config_state(node: Any, value: Any) -> ClosedLoopState:
    # YAML 1.1 reads an unquoted on/off as a boolean
    text = {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else value
    try:
        return ClosedLoopState[str(text).upper()]
    except KeyError:
        names = ", ".join(s.name.lower() for s in ClosedLoopState)
        raise node.error(f"closed_loop 'state' must be one of {names}, got {value!r}",
                         "closed_loop") from None


class ClosedLoop:
    """The closed loop of ``axis`` configured by ``node`` (its ``closed_loop:``)."""

    def __init__(self, axis: Any, node: Any, config: dict[str, Any]) -> None:
        object.__setattr__(self, "_axis", axis)
        controller = axis.controller
        if "state" not in config:
            raise node.error("closed_loop needs a 'state' (on, off or manual)", "closed_loop")
        requirements = list(controller.get_closed_loop_requirements())
        missing = [key for key in requirements if key not in config]
        if missing:
            raise node.error(f"closed_loop of a {type(controller).__name__} axis needs "
                             f"{', '.join(missing)}", "closed_loop")
        object.__setattr__(self, "_requirements", requirements)
        object.__setattr__(self, "config", dict(config))
        object.__setattr__(self, "_state", _config_state(node, config["state"]))
        for key in requirements:
            controller.set_closed_loop_param(axis, key, config[key])

    @property
    def axis(self) -> Any:
        return self._axis

    @property
    def name(self) -> str:
        return f"{self._axis.name}:closed_loop"

    @property
    def state(self) -> ClosedLoopState:
        return self._state

    def _apply_config_state(self) -> None:
        """At the axis's first use, as BLISS: the hardware follows the setting."""
        hw = self._axis.controller._do_get_closed_loop_state(self._axis)
        name = f"{self._axis.name:>15}"
        if self._state is ClosedLoopState.MANUAL:
            self.sync_hard()
        elif hw is not self._state:
            print(f"{name}: WARNING: closed-loop status differs in setting and hardware.\n"
                  f"{name}: closed-loop is {hw.name} on hardware controller\n"
                  f"{name}: closed-loop is {self._state.name} in session settings")
            if self._state in (ClosedLoopState.ON, ClosedLoopState.OFF):
                print(f"{name}: Switching closed-loop to {self._state.name}.")
                self._activate(self._state is ClosedLoopState.ON)
            else:
                self.sync_hard()

    def _activate(self, onoff: bool) -> None:
        controller = self._axis.controller
        try:
            controller.activate_closed_loop(self._axis, onoff)
        except Exception as err:
            object.__setattr__(self, "_state", controller._do_get_closed_loop_state(self._axis))
            raise RuntimeError(f"Failed to turn {self.name} {'ON' if onoff else 'OFF'}") from err
        object.__setattr__(self, "_state", ClosedLoopState.ON if onoff else ClosedLoopState.OFF)

    def on(self) -> None:
        self._activate(True)

    def off(self) -> None:
        self._activate(False)

    def reset(self) -> None:
        """Reset the controller's closed-loop error."""
        self._axis.controller.closed_loop_reset_error(self._axis)

    def sync_hard(self) -> None:
        """Read the state again from the controller."""
        object.__setattr__(self, "_state",
                           self._axis.controller._do_get_closed_loop_state(self._axis))

    def __getattr__(self, key: str) -> Any:
        if key in self.__dict__.get("_requirements", ()):
            return self._axis.controller.get_closed_loop_param(self._axis, key)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __setattr__(self, key: str, value: Any) -> None:
        if key in self._requirements:
            self._axis.controller.set_closed_loop_param(self._axis, key, value)
        else:
            object.__setattr__(self, key, value)

    def __info__(self) -> str:
        lines = ["CLOSED-LOOP:", f"     state: {self._state.name}"]
        lines += [f"     {key}: {getattr(self, key)}" for key in self._requirements]
        return "\n".join(lines) + "\n"
