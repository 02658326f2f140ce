"""The state of an axis, as BLISS 2.4 has it: a set of flags with descriptions.

``str(AxisState("READY"))`` is ``"READY (Axis is READY)"``; ``"READY" in state`` and
``state.READY`` test a flag; ``AxisState("READY", "LIMNEG")`` combines flags;
custom states come as ``(name, description)`` tuples or :meth:`create_state`.
``READY`` and ``MOVING`` exclude each other; a state without flags is ``NOT_READY``.
"""

from __future__ import annotations

import collections
import re
import warnings
from typing import Any, Iterable

__all__ = ["AxisState", "group_state"]

_STANDARD_STATES = {
    "READY": "Axis is READY",
    "MOVING": "Axis is MOVING",
    "FAULT": "Error from controller",
    "LIMPOS": "Hardware high limit active",
    "LIMNEG": "Hardware low limit active",
    "HOME": "Home signal active",
    "OFF": "Axis power is off",
    "DISABLED": "Axis cannot move",
    "UNKNOWN": "Axis state not handled",
}
_VALIDATOR = re.compile(r"^[A-Z][A-Z0-9_]*$")
_FULL_STATE = re.compile(r"^([A-Z0-9_]+)\s\((.+)\)", re.DOTALL)


class AxisState:
    """One or more state flags, e.g. ``AxisState("READY")``, ``AxisState("READY",
    "LIMPOS")``, ``AxisState(("PARKED", "mot au parking"))``, or the text of another
    state (``AxisState("READY (Axis is READY) | HOME (Home signal active)")``)."""

    STATE_VALIDATOR = _VALIDATOR
    _STANDARD_STATES = _STANDARD_STATES

    def __init__(self, *states: "tuple[str, str] | AxisState | str") -> None:
        self._current_states: list[str] = []
        self._state_desc: dict[str, str] = _STANDARD_STATES
        for state in states:
            if type(state) is str and state in _STANDARD_STATES:  # the common case, fast
                self.set(state)
            elif isinstance(state, tuple):
                self.create_state(*state)
                self.set(state[0])
            else:
                if isinstance(state, AxisState):
                    state = state.current_states()
                self._set_state_from_string(state)

    # -- flags as attributes --------------------------------------------------------------
    READY = property(lambda self: "READY" in self._current_states, doc="Axis is ready to be moved")
    MOVING = property(lambda self: "MOVING" in self._current_states, doc="Axis is moving")
    FAULT = property(lambda self: "FAULT" in self._current_states, doc="Error from controller")
    LIMPOS = property(lambda self: "LIMPOS" in self._current_states, doc="Hardware high limit active")
    LIMNEG = property(lambda self: "LIMNEG" in self._current_states, doc="Hardware low limit active")
    OFF = property(lambda self: "OFF" in self._current_states, doc="Axis power is off")
    HOME = property(lambda self: "HOME" in self._current_states, doc="Home signal active")
    DISABLED = property(lambda self: "DISABLED" in self._current_states, doc="Axis cannot move")

    def states_list(self) -> list[str]:
        """Every state this object knows (standard and custom)."""
        return list(self._state_desc)

    def create_state(self, state_name: str, state_desc: str | None = None) -> None:
        """Add a custom state (block letters, digits and ``_``)."""
        if not isinstance(state_name, str) or not _VALIDATOR.match(state_name):
            raise ValueError("Invalid state: a state must be a string containing only block letters")
        if state_desc is not None and "|" in state_desc:
            raise ValueError("Invalid state: description contains invalid character '|'")
        if self._state_desc is _STANDARD_STATES:
            self._state_desc = dict(_STANDARD_STATES)
        if state_name not in self._state_desc:
            self._state_desc[state_name] = state_desc if state_desc is not None else f"Axis is {state_name}"

    def set(self, state_name: str) -> None:
        """Turn the flag on (``READY`` clears ``MOVING`` and the other way round)."""
        if state_name not in self._state_desc:
            raise ValueError(f"state {state_name} does not exist")
        if state_name not in self._current_states:
            self._current_states.append(state_name)
            other = {"READY": "MOVING", "MOVING": "READY"}.get(state_name)
            if other in self._current_states:
                self._current_states.remove(other)

    def unset(self, state_name: str) -> None:
        """Turn the flag off."""
        self._current_states.remove(state_name)

    def clear(self) -> None:
        """Turn every flag off."""
        self._current_states = []

    @property
    def current_states_names(self) -> list[str]:
        return list(self._current_states)

    def current_states(self) -> str:
        """``"READY (Axis is READY) | HOME (Home signal active)"``, ``"NOT_READY"``
        when no flag is on."""
        if not self._current_states:
            return "NOT_READY"
        parts = []
        for state in self._current_states:
            desc = self._state_desc.get(state)
            parts.append(f"{state} ({desc})" if desc else state)
        return " | ".join(parts)

    def _set_state_from_string(self, state: str) -> None:
        if "(" in state:
            for full in (s.strip() for s in state.split("|")):
                match = _FULL_STATE.match(full)
                if match is None:
                    raise ValueError(f"Wrong state format: '{state}'")
                self.create_state(match.group(1), match.group(2))
                self.set(match.group(1))
        elif state != "NOT_READY":
            self.create_state(state)
            self.set(state)

    def new(self, share_states: bool = True) -> "AxisState":
        """An AxisState knowing the same states, with no flag on."""
        result = AxisState()
        if self._state_desc is not _STANDARD_STATES and not share_states:
            result._state_desc = dict(self._state_desc)
        else:
            result._state_desc = self._state_desc
        return result

    def __str__(self) -> str:
        return self.current_states()

    def __repr__(self) -> str:
        return f"AxisState: {self}"

    def __contains__(self, other: Any) -> bool:
        if not isinstance(other, str):
            return NotImplemented
        if not self._current_states:
            return other == "NOT_READY"
        return other in self._current_states

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            warnings.warn(f"Use: **{other} in state** instead", DeprecationWarning, stacklevel=2)
            return other in self
        if isinstance(other, AxisState):
            return set(self._current_states) == set(other._current_states)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._current_states))


def group_state(axes: Iterable[Any], hardware: bool = False) -> AxisState:
    """One state for several axes: READY when all are, else the other flags of each
    axis, described per axis (``MOVING (m1: Axis is MOVING, m2: Axis is MOVING)``)."""
    state = AxisState("READY")
    described: dict[str, list[str]] = collections.defaultdict(list)
    for axis in axes:
        axis_state = axis.hw_state if hardware else axis.state
        for flag in axis_state.current_states_names:
            if flag != "READY":
                described[flag].append(f"{axis.name}: {axis_state._state_desc[flag]}")
    for flag, texts in described.items():
        state.create_state(flag)
        if state._state_desc is AxisState._STANDARD_STATES:
            state._state_desc = dict(state._state_desc)
        state._state_desc[flag] = ", ".join(texts)
        state.set(flag)
    return state
