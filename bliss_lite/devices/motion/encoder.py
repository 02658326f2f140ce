"""Encoders of a motor controller (``encoders:`` of a ``mockup``; ``class: MockupEncoder``).

``encoder.read()`` is the measured dial position of its axis (plus the noise set with
``axis.custom_set_measured_noise``); ``encoder.set(value)`` redefines it.
"""

from __future__ import annotations

import random
from typing import Any

from bliss_lite.config.node import ConfigNode

__all__ = ["Encoder"]


class Encoder:
    """An encoder of a controller, attached to the axis whose ``encoder:`` names it."""

    def __init__(self, name: str, controller: Any, node: ConfigNode) -> None:
        self.name = name
        self._controller = controller
        self._node = node
        self.axis: Any = None
        self._offset = 0.0
        self._noise = (0.0, 0.0)
        self._steps_per_unit = node.get_typed("steps_per_unit", float, 1.0)
        self._tolerance = node.get_typed("tolerance", float, 0.0)

    @property
    def fullname(self) -> str:
        return f"encoder:{self.name}"

    @property
    def controller(self) -> Any:
        return self._controller

    @property
    def config(self) -> ConfigNode:
        return self._node

    @property
    def steps_per_unit(self) -> float:
        return self._steps_per_unit

    @property
    def tolerance(self) -> float:
        return self._tolerance

    def apply_config(self, reload: bool = True) -> None:
        self._steps_per_unit = self._node.get_typed("steps_per_unit", float, 1.0)
        self._tolerance = self._node.get_typed("tolerance", float, 0.0)

    def _exact(self) -> float:
        base = self._controller.read_position(self.axis) if self.axis is not None else 0.0
        return base + self._offset

    def read(self) -> float:
        """The measured position (dial units of the axis), rounded to encoder steps."""
        low, high = self._noise
        noise = random.choice((-1, 1)) * random.uniform(low, high) if high else 0.0
        return round((self._exact() + noise) * self._steps_per_unit) / self._steps_per_unit

    @property
    def raw_read(self) -> float:
        return self.read()

    def set(self, new_value: float) -> float:
        """Redefine the encoder position."""
        base = self._controller.read_position(self.axis) if self.axis is not None else 0.0
        self._offset = float(new_value) - base
        return self.read()

    def set_noise(self, max_deviation: float, min_deviation: float = 0.0) -> None:
        if min_deviation > max_deviation:
            raise ValueError("min_deviation must not exceed max_deviation")
        self._noise = (float(min_deviation), float(max_deviation))

    def __info__(self) -> str:
        axis = self.axis.name if self.axis is not None else "-"
        return (f"ENCODER:\n     tolerance (to check pos at end of move): {self.tolerance}\n"
                f"     dial_measured_position: {self.read():10.5f}\n     axis: {axis}\n")

    def __repr__(self) -> str:
        return f"<Encoder {self.name}>"
