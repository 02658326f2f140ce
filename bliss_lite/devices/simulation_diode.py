"""``simulation_diode``: a 0-D sampling counter giving random values (SPEC 3.1).

While counting for ``count_time`` it "takes" one sample every
:data:`SAMPLING_PERIOD` seconds, each uniformly distributed in [0.01, 100.00]
(two decimals, like BLISS's ``randint(1, 10000) / 100``), and reports them
according to its sampling mode.  Nothing sleeps: the scan waits ``count_time``
for all counters together, then :meth:`SimulationDiode.read` draws the samples at
once (plain :mod:`random` for a few, numpy for many).
"""

from __future__ import annotations

import math
import random
from typing import Any

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys
from bliss_lite.devices.counters.base import (
    SamplingCounter, SamplingCounterController, SamplingMode, reduce_samples, stats_channels)
from bliss_lite.devices.counters.base import parse_mode as _parse_mode
from bliss_lite.devices.protocols import ChannelSpec

CONTROLLER_NAME = "simulation_diode_sampling_controller"

#: Seconds between two simulated samples (BLISS's simulated read overhead).
SAMPLING_PERIOD = 0.01

#: Above this many samples a point is drawn with numpy rather than a Python loop.
_NUMPY_THRESHOLD = 32

_random = random.random


def _draw(n: int) -> list[float]:
    """``n`` samples uniformly distributed in [0.01, 100.00], two decimals."""
    if n <= _NUMPY_THRESHOLD:
        return [(int(_random() * 10000.0) + 1) / 100.0 for _ in range(n)]
    import numpy

    return (numpy.random.randint(1, 10001, n) / 100.0).tolist()


class _DiodeController(SamplingCounterController):
    """One diode's controller (every diode has its own, all with BLISS's name)."""

    def read(self, counter: "SimulationDiode") -> float:
        return counter.constant if counter.constant is not None else _draw(1)[0]


class SimulationDiode(SamplingCounter):
    """A simulated diode: a BLISS sampling counter and a
    :class:`~bliss_lite.devices.protocols.Counter` with its own fast ``read``.

    ``constant`` (optional) replaces every sample with that value; ``mode`` is a
    :class:`SamplingMode` (settable at run time, by name or member).
    """

    def __init__(self, name: str, mode: SamplingMode | str = SamplingMode.MEAN,
                 unit: str | None = None, constant: float | None = None) -> None:
        self.constant = constant
        super().__init__(name, _DiodeController(CONTROLLER_NAME), mode=mode, unit=unit)
        self.fullname = f"{CONTROLLER_NAME}:{name}"
        self._channels = self._make_channels()

    # -- configuration ------------------------------------------------------
    @SamplingCounter.mode.setter
    def mode(self, value: SamplingMode | str | int) -> None:
        SamplingCounter.mode.fset(self, value)   # parsed, or refused naming the counter
        self._channels = self._make_channels()

    @property  # a plain attribute of the instance, set once (faster than the base's property)
    def fullname(self) -> str:
        return self._fullname

    @fullname.setter
    def fullname(self, value: str) -> None:
        self._fullname = value

    @property
    def controller_name(self) -> str:
        return CONTROLLER_NAME

    @property
    def shape(self) -> tuple[int, ...]:
        return ()

    # -- Counter protocol ---------------------------------------------------
    def _make_channels(self) -> tuple[ChannelSpec, ...]:
        attrs = {"type": "sampling", "mode": self._mode.name}
        main = ChannelSpec(self.name, self.fullname, self.unit, attrs=attrs)
        if self._mode in (SamplingMode.STATS, SamplingMode.INTEGRATE_STATS):
            return (main,) + stats_channels(self.name, self.fullname, self.unit, attrs)
        if self._mode is SamplingMode.SAMPLES:
            samples = ChannelSpec(f"{self.name}_samples", f"{self.fullname}_samples",
                                  self.unit, shape=(-1,), attrs=dict(attrs))
            return (main, samples)
        return (main,)

    def channels(self) -> tuple[ChannelSpec, ...]:
        """``(diode3,)``; STATS adds ``_N _std _var _min _max _p2v``; SAMPLES adds
        ``_samples`` (one 1-D array per point)."""
        return self._channels

    @staticmethod
    def nsamples(count_time: float) -> int:
        """How many samples a point of ``count_time`` seconds takes (at least 1)."""
        return max(1, int(count_time / SAMPLING_PERIOD + 1e-9)) if count_time > 0 else 1

    def read(self, count_time: float) -> tuple:
        """One point's values, in the order of :meth:`channels`, e.g. ``(49.7,)``."""
        mode = self._mode
        if mode is SamplingMode.SINGLE or mode is SamplingMode.LAST:
            return (self.constant if self.constant is not None else _draw(1)[0],)
        n = self.nsamples(count_time)
        samples = [float(self.constant)] * n if self.constant is not None else _draw(n)
        if mode is SamplingMode.MEAN:
            return (math.fsum(samples) / n,)
        return reduce_samples(mode, samples, count_time)

    def __info__(self) -> str:
        lines = [
            f"'{self.name}` counter info:",
            "  counter type = sampling",
            f"  sampling mode = {self._mode.name}",
            f"  fullname = {self.fullname}",
            f"  unit = {self.unit}",
            f"  mode = {self._mode.name} ({int(self._mode)})",
        ]
        if self.constant is not None:
            lines.append(f"  constant = {self.constant}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<SimulationDiode {self.name} mode={self._mode.name}>"


def simulation_diode(name: str | None, node: ConfigNode, config: Any) -> SimulationDiode:
    """Factory for ``class: simulation_diode``."""
    check_keys(node, config, known=("constant", "mode", "unit"),
               accepted=("independent", "integration", "max_sampling_frequency"))
    if not name:
        raise node.error("a simulation_diode needs a 'name'")
    constant = node.get_typed("constant", float)
    unit = node.get_typed("unit", str)
    mode_value = node.get("mode")
    try:
        mode = _parse_mode(mode_value if mode_value is not None else "MEAN")
    except ValueError as err:
        raise node.error(str(err), "mode") from None
    return SimulationDiode(name, mode=mode, unit=unit, constant=constant)
