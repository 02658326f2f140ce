"""``class: ModuloAxis``: an axis whose dial (and user) position is taken modulo
``modulo:`` (BLISS's rotation axes, e.g. ``modulo: 360``).

As BLISS's: a target is taken modulo too, and the move starts from the controller's
raw position (a rotation shown at 10 after a turn, raw 370, goes back to 20 the long
way when sent to 20: no shortest-path logic).
"""

from __future__ import annotations

from typing import Any

from bliss_lite.devices.motion.axis import Axis

__all__ = ["ModuloAxis"]


class ModuloAxis(Axis):
    """An axis with ``modulo:`` in its YAML mapping."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        modulo = self.config.get("modulo", float)
        if modulo is None or not modulo > 0:
            node = self.config._node
            message = f"'modulo' must be a positive number, got {self.config.get('modulo')!r}"
            raise node.error(message, "modulo") if hasattr(node, "error") else ValueError(message)
        self._modulo = modulo

    @property
    def modulo(self) -> float:
        return self._modulo

    @property
    def dial(self) -> float:
        return super().dial % self._modulo

    @dial.setter
    def dial(self, new_dial: float) -> None:
        Axis.dial.fset(self, new_dial)

    @property
    def position(self) -> float:
        return self.dial2user(self.dial)

    @position.setter
    def position(self, new_pos: float) -> None:
        Axis.position.fset(self, new_pos)

    def _prepare(self, user_target: float) -> tuple[float, float] | None:
        return super()._prepare(user_target % self._modulo)

    def check_target(self, target: float) -> None:
        super().check_target(target)
        super().check_target(float(target) % self._modulo)
