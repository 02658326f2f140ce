"""An axis's configuration: the checked YAML values and BLISS's ``axis.config``."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from bliss_lite.config.node import ConfigNode

__all__ = ["AxisConfig", "MotorConfig", "float_or_inf"]


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def float_or_inf(value: Any, inf_sign: int = 1) -> float:
    """``value`` as a float, None meaning ±inf (BLISS's convention for limits)."""
    if value is None:
        return math.copysign(math.inf, inf_sign)
    return float(value)


@dataclass(frozen=True)
class AxisConfig:
    """An axis's YAML values (limits in dial units, velocities in units/s).

    ``velocity``/``acceleration`` are None for axes that have none (calc and soft
    axes)."""

    steps_per_unit: float = 1.0
    velocity: float | None = 1.0
    acceleration: float | None = 1.0
    low_limit: float = -math.inf
    high_limit: float = math.inf
    sign: int = 1
    offset: float = 0.0
    tolerance: float = 1e-4
    unit: str | None = None
    display_digits: int | None = None
    backlash: float = 0.0
    velocity_low_limit: float = 0.0
    velocity_high_limit: float = math.inf
    jog_velocity: float | None = None

    @classmethod
    def from_node(cls, node: ConfigNode, motion: bool = True) -> "AxisConfig":
        """Read and check an axis mapping; every mistake names file, line, object.
        ``motion``: velocity and acceleration are required (not for calc axes)."""
        get = node.get_typed if isinstance(node, ConfigNode) else _plain_get(node)
        error = node.error if isinstance(node, ConfigNode) else (lambda m, k=None: ValueError(m))
        spu = get("steps_per_unit", float, 1.0)
        if spu == 0:
            raise error("'steps_per_unit' must not be 0", "steps_per_unit")
        velocity = acceleration = None
        if motion:
            if isinstance(node, ConfigNode):
                velocity = node.require("velocity", float)
                acceleration = node.require("acceleration", float)
            else:
                velocity, acceleration = get("velocity", float), get("acceleration", float)
            for key, value in (("velocity", velocity), ("acceleration", acceleration)):
                if value is None or not (value > 0 and math.isfinite(value)):
                    raise error(f"'{key}' must be a positive number, got {node.get(key)!r}", key)
        low = get("low_limit", float, -math.inf)
        high = get("high_limit", float, math.inf)
        if low > high:
            raise error(f"'low_limit' ({_fmt(low)}) is above 'high_limit' ({_fmt(high)})", "low_limit")
        sign = get("sign", int, 1)
        if sign not in (1, -1):
            raise error(f"'sign' must be 1 or -1, got {sign!r}", "sign")
        digits = get("display_digits", int)
        if digits is not None and not 0 <= digits <= 15:
            raise error("'display_digits' must be between 0 and 15", "display_digits")
        config = cls(spu, velocity, acceleration, low, high, sign, get("offset", float, 0.0),
                     get("tolerance", float, 1e-4), get("unit", str), digits,
                     get("backlash", float, 0.0), get("velocity_low_limit", float, 0.0),
                     get("velocity_high_limit", float, math.inf), get("jog_velocity", float))
        if velocity is not None:
            try:
                config.check_velocity(velocity)
            except ValueError as err:
                raise error(str(err), "velocity") from None
        return config

    def check_velocity(self, velocity: float) -> None:
        """ValueError (BLISS's words) when ``velocity`` is outside the velocity limits."""
        check_velocity_limits(velocity, self.velocity_low_limit, self.velocity_high_limit)

    def replace(self, **changes: Any) -> "AxisConfig":
        return dataclasses.replace(self, **changes)


def check_velocity_limits(velocity: float, low: float, high: float) -> None:
    if abs(velocity) > high:
        raise ValueError(f"Velocity (abs {velocity}) exceeds max. velocity: {high}")
    if low != math.inf and abs(velocity) < low:
        raise ValueError(f"Velocity (abs {velocity}) is below min. velocity: {low}")


def _plain_get(mapping: Mapping) -> Callable[..., Any]:
    def get(key: str, kind: type | None = None, default: Any = None) -> Any:
        value = mapping.get(key)
        if value is None:
            return default
        return kind(value) if kind in (float, int) else value
    return get


class MotorConfig:
    """``axis.config`` as BLISS has it: ``get(key, converter, default)``,
    ``config_dict``, ``set(key, value)`` and ``save()`` (in memory: the YAML file is
    not rewritten)."""

    def __init__(self, node: Mapping[str, Any]) -> None:
        self._node = node
        self._changes: dict[str, Any] = {}

    @property
    def config_dict(self) -> dict[str, Any]:
        return {**self._node, **self._changes}

    def get(self, key: str, converter: Callable[[Any], Any] | None = None,
            default: Any = None) -> Any:
        value = self._changes.get(key, self._node.get(key))
        if value is None:
            return default
        return converter(value) if converter is not None else value

    def set(self, key: str, value: Any) -> None:
        self._changes[key] = value

    def save(self) -> None:
        """Kept in memory for this session (bliss_lite does not rewrite YAML files)."""

    def reload(self) -> None:
        """Forget the values set since the configuration was read."""
        self._changes.clear()

    def __getitem__(self, key: str) -> Any:
        return self.config_dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._changes or key in self._node

    def __repr__(self) -> str:
        return f"MotorConfig({self.config_dict!r})"
