"""``SimulationCounter``: a counter following a distribution over the scan (SPEC 3.2).

Before the first point the scan tells the counter its plan
(:meth:`SimulationCounter.prepare_for_scan`); the counter then computes one value
per point over the first motor's range (or over the point index for scans without
motors) and hands them out in order.  With a single point (``ct``) or an endless
``timescan`` it reads ``height_factor``.
"""

from __future__ import annotations

import math
import random
from typing import Any, Sequence

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys
from bliss_lite.devices.counters.base import Counter, CounterController
from bliss_lite.devices.protocols import ChannelSpec, ScanOutline

CONTROLLER_NAME = "simulation_counter_controller"
DISTRIBUTIONS = ("FLAT", "LINEAR", "GAUSSIAN", "SIGMOID")

_random = random.random


def _unknown(distribution: str) -> str:
    """The reason given for a distribution that is not one of :data:`DISTRIBUTIONS`."""
    return f"unknown distribution {distribution!r}, expected one of {', '.join(DISTRIBUTIONS)}"


def distribution_values(distribution: str, x: Sequence[float], mu_offset: float = 0.0,
                        sigma_factor: float = 1.0, height_factor: float = 1.0) -> list[float]:
    """The noiseless values of ``distribution`` at the abscissae ``x``.

    Over the range [min(x), max(x)]: FLAT is ``height_factor`` everywhere; LINEAR
    rises from 0 to ``height_factor``; GAUSSIAN peaks at ``height_factor`` in the
    middle of the range shifted by ``mu_offset``, with sigma =
    ``sigma_factor × range / 6``; SIGMOID rises from 0 to ``height_factor`` around
    the same centre with the same width.
    """
    if not x:
        return []
    lo, hi = min(x), max(x)
    span = hi - lo
    if distribution == "FLAT" or span == 0:
        return [height_factor] * len(x)
    if distribution == "LINEAR":
        return [height_factor * (v - lo) / span for v in x]
    mu = (lo + hi) / 2.0 + mu_offset
    sigma = (sigma_factor if sigma_factor else 1.0) * span / 6.0
    if distribution == "GAUSSIAN":
        return [height_factor * math.exp(-((v - mu) ** 2) / (2.0 * sigma * sigma)) for v in x]
    if distribution == "SIGMOID":
        out = []
        for v in x:
            z = (v - mu) / sigma
            out.append(height_factor / (1.0 + math.exp(-z)) if z > -700 else 0.0)
        return out
    raise ValueError(_unknown(distribution))


class SimulationCounter(Counter):
    """A BLISS counter and a :class:`~bliss_lite.devices.protocols.Counter` (with its
    own ``read``) that also implements
    :class:`~bliss_lite.devices.protocols.PreparesForScan`."""

    def __init__(self, name: str, distribution: str = "FLAT", mu_offset: float = 0.0,
                 sigma_factor: float = 1.0, height_factor: float = 1.0,
                 noise_factor: float = 0.0, unit: str | None = None) -> None:
        distribution = distribution.upper()
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f"{name}: {_unknown(distribution)}")
        super().__init__(name, CounterController(CONTROLLER_NAME), unit=unit)
        self.distribution = distribution
        self.mu_offset = mu_offset
        self.sigma_factor = sigma_factor
        self.height_factor = height_factor
        self.noise_factor = noise_factor
        self._values: list[float] | None = None
        self._index = 0
        self.fullname = f"{CONTROLLER_NAME}:{name}"
        self._channels = (ChannelSpec(name, self.fullname, unit,
                                      attrs={"type": "simulation",
                                             "distribution": distribution}),)

    @property
    def controller_name(self) -> str:
        return CONTROLLER_NAME

    @property  # a plain attribute of the instance, set once
    def fullname(self) -> str:
        return self._fullname

    @fullname.setter
    def fullname(self, value: str) -> None:
        self._fullname = value

    @property
    def shape(self) -> tuple[int, ...]:
        return ()

    def channels(self) -> tuple[ChannelSpec, ...]:
        return self._channels

    def prepare_for_scan(self, plan: ScanOutline) -> None:
        """Compute this scan's values: over ``plan.positions`` when given, else
        over [motor_start, motor_stop] in ``npoints`` steps, else over the point
        index; a single point or an endless scan reads ``height_factor``."""
        self._index = 0
        n = plan.npoints
        if n < 2:
            self._values = None
            return
        if plan.positions is not None and len(plan.positions) > 0:
            pos = [float(p) for p in plan.positions]
            x = [pos[i % len(pos)] for i in range(n)]
        elif plan.motor_start is not None and plan.motor_stop is not None:
            start, stop = float(plan.motor_start), float(plan.motor_stop)
            step = (stop - start) / (n - 1)
            x = [start + i * step for i in range(n)]
        else:
            x = [float(i) for i in range(n)]
        self._values = distribution_values(self.distribution, x, self.mu_offset,
                                           self.sigma_factor, self.height_factor)

    def read(self, count_time: float) -> tuple:
        """The next point's value, with noise ``× (1 + rand × noise_factor)``."""
        values = self._values
        if values is None:
            value = self.height_factor
        else:
            i = self._index
            value = values[i] if i < len(values) else values[-1]
            self._index = i + 1
        if self.noise_factor:
            value *= 1.0 + _random() * self.noise_factor
        return (value,)

    def __info__(self) -> str:
        return "\n".join([
            f"'{self.name}` counter info:",
            "  counter type = simulation",
            f"  fullname = {self.fullname}",
            f"  unit = {self.unit}",
            f"  distribution = {self.distribution}",
            f"  mu_offset = {self.mu_offset}",
            f"  sigma_factor = {self.sigma_factor}",
            f"  height_factor = {self.height_factor}",
            f"  noise_factor = {self.noise_factor}",
        ]) + "\n"

    def __repr__(self) -> str:
        return f"<SimulationCounter {self.name} {self.distribution}>"


def simulation_counter(name: str | None, node: ConfigNode, config: Any) -> SimulationCounter:
    """Factory for ``class: SimulationCounter``."""
    keys = ("distribution", "mu_offset", "sigma_factor", "height_factor", "noise_factor", "unit")
    check_keys(node, config, known=keys)
    if not name:
        raise node.error("a SimulationCounter needs a 'name'")
    distribution = node.get_typed("distribution", str, "FLAT").upper()
    if distribution not in DISTRIBUTIONS:
        raise node.error(_unknown(distribution), "distribution")
    noise = node.get_typed("noise_factor", float, 0.0)
    if noise < 0:
        raise node.error("'noise_factor' must be >= 0", "noise_factor")
    return SimulationCounter(
        name,
        distribution=distribution,
        mu_offset=node.get_typed("mu_offset", float, 0.0),
        sigma_factor=node.get_typed("sigma_factor", float, 1.0),
        height_factor=node.get_typed("height_factor", float, 1.0),
        noise_factor=noise,
        unit=node.get_typed("unit", str),
    )
