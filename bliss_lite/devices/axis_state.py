"""The state of an axis, as BLISS shows it: ``READY (Axis is READY)``."""

from __future__ import annotations

_DESCRIPTIONS = {
    "READY": "Axis is READY",
    "MOVING": "Axis is MOVING",
    "FAULT": "Error from controller",
    "LIMPOS": "Hardware high limit active",
    "LIMNEG": "Hardware low limit active",
    "HOME": "Home signal active",
    "OFF": "Axis power is off",
    "DISABLED": "Axis cannot move",
}


class AxisState:
    """One or more state flags, e.g. ``AxisState("READY")``.

    ``str(state)`` is ``"READY (Axis is READY)"``; ``state == "READY"``,
    ``"READY" in state`` and ``state.READY`` all test a flag.
    """

    __slots__ = ("_names",)

    def __init__(self, *names: str) -> None:
        self._names = tuple(n.upper() for n in names)

    @property
    def current_states_names(self) -> list[str]:
        return list(self._names)

    def __getattr__(self, name: str) -> bool:
        if name.isupper():
            return name in self._names
        raise AttributeError(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self._names

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AxisState):
            return set(self._names) == set(other._names)
        if isinstance(other, str):
            return other.upper() in self._names or other == str(self)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._names))

    def __str__(self) -> str:
        return " | ".join(f"{n} ({_DESCRIPTIONS.get(n, n)})" for n in self._names)

    def __repr__(self) -> str:
        return f"AxisState({', '.join(repr(n) for n in self._names)})"


READY = AxisState("READY")
MOVING = AxisState("MOVING")
