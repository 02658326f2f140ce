"""Simulated counters of predefined shapes (``bliss.controllers.simulation_counter``).

* :class:`FixedShapeCounter`: a 0-D counter and a software axis going from 0 to 1;
  scanning the axis draws the chosen signal (``ascan(dev.axis, 0, 1, dev.npoints,
  0.01, dev.counter)``);
* :class:`OneDimSimulationCounter`: a 1-D counter whose every point is the whole
  signal of ``size`` samples.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy

from bliss_lite.devices.counters.base import (
    CounterNamespace, SamplingCounter, SamplingCounterController, SamplingMode, SoftCounter)

__all__ = ["FixedShapeCounter", "OneDimSimulationController", "OneDimSimulationCounter", "SIGNALS"]


def _gaussian(n: int, std: float) -> numpy.ndarray:
    """scipy's ``signal.windows.gaussian(n, std)``."""
    k = numpy.arange(n) - (n - 1) / 2.0
    return numpy.exp(-0.5 * (k / std) ** 2)


def _sawtooth(t: numpy.ndarray, width: float) -> numpy.ndarray:
    """scipy's ``signal.sawtooth(t, width)``."""
    tmod = numpy.mod(t, 2 * numpy.pi)
    rising = tmod < width * 2 * numpy.pi
    return numpy.where(rising, tmod / (numpy.pi * width) - 1,
                       numpy.pi * (width + 1) / (numpy.pi * (1 - width)) - tmod / (numpy.pi * (1 - width)))


def _erf(x: numpy.ndarray) -> numpy.ndarray:
    return numpy.vectorize(math.erf)(x)


def _missing_left(n: int, fraction: float) -> numpy.ndarray:
    p = n // 2
    p2 = int(p * fraction)
    return numpy.concatenate((_gaussian(p, 0.1 * n)[p2:], numpy.zeros(p2), numpy.zeros(n - p)))


#: name → signal of n points
SIGNALS: dict[str, Callable[[int], numpy.ndarray]] = {
    "sawtooth": lambda n: _sawtooth(numpy.arange(0, 2 * numpy.pi * 1.1, 2 * numpy.pi * 1.1 / n)[:n], 0.9),
    "gaussian": lambda n: _gaussian(n, 0.2 * n),
    "flat": lambda n: numpy.ones(n),
    "off_center_gaussian": lambda n: numpy.concatenate((numpy.zeros(n - n // 2), _gaussian(n // 2, 0.1 * n))),
    "missing_edge_of_gaussian_left": lambda n: _missing_left(n, 0.25),
    "missing_edge_of_gaussian_right": lambda n: _missing_left(n, 0.25)[::-1],
    "half_gaussian_right": lambda n: _missing_left(n, 0.4),
    "half_gaussian_left": lambda n: _missing_left(n, 0.4)[::-1],
    "triangle": lambda n: numpy.concatenate((numpy.arange(0, 1, 1 / (n // 2)),
                                             numpy.flip(numpy.arange(0, 1, 1 / (n - n // 2))))),
    "square": lambda n: numpy.concatenate((numpy.zeros(n // 3), numpy.ones(n // 3),
                                           numpy.zeros(n - 2 * (n // 3)))),
    "bimodal": lambda n: numpy.concatenate((_gaussian(n - n // 2, 0.15 * n) * 1.5, _gaussian(n // 2, 0.15 * n))),
    "step_down": lambda n: numpy.concatenate((numpy.ones(n // 2), numpy.zeros(n - n // 2))),
    "step_up": lambda n: numpy.concatenate((numpy.zeros(n // 2), numpy.ones(n - n // 2))),
    "erf_down": lambda n: 1 - _erf(numpy.linspace(-3, 3, n, endpoint=False)),
    "erf_up": lambda n: _erf(numpy.linspace(-3, 3, n, endpoint=False)),
    "inverted_gaussian": lambda n: 1 - _gaussian(n, 0.2 * n),
    "expo_gaussian": lambda n: numpy.exp(_gaussian(n, 0.1 * n) * 30),
    "linear_up": lambda n: numpy.linspace(0, 1, num=n),
}


def _signal(name: str, npoints: int, coef: float = 1.0, poissonian: bool = False) -> numpy.ndarray:
    if name not in SIGNALS:
        raise ValueError(f"unknown signal {name!r}, expected one of {', '.join(SIGNALS)}")
    values = SIGNALS[name](npoints)
    if coef != 1:
        values = values * coef
    return numpy.random.poisson(values) if poissonian else values


class _UnitAxis:
    """The software axis of a :class:`FixedShapeCounter`: a position in [0, 1]."""

    unit = None
    display_digits = 4

    def __init__(self, name: str, device: "FixedShapeCounter") -> None:
        self.name = name
        self._device = device

    @property
    def position(self) -> float:
        return self._device.position

    @property
    def dial(self) -> float:
        return self._device.position

    def check_target(self, target: float) -> None:
        if not 0 <= target <= 1:
            raise ValueError(f"{self.name}: target {target} is outside [0, 1]")

    def move(self, target: float, wait: bool = True) -> None:
        self.check_target(target)
        self._device.position = float(target)

    def wait_move(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<axis {self.name} of a FixedShapeCounter>"


class FixedShapeCounter:
    """A counter of a predefined ``signal`` shape over its axis' range [0, 1]."""

    SIGNALS = set(SIGNALS)

    def __init__(self, signal: str = "sawtooth", npoints: int = 50) -> None:
        if signal not in SIGNALS:
            raise ValueError(f"unknown signal {signal!r}, expected one of {', '.join(SIGNALS)}")
        self._signal = signal
        self._npoints = int(npoints)
        self._position = 0.0
        self._axis = _UnitAxis("TestAxis", self)
        self._counter = SoftCounter(self)
        self.init_signal()

    @property
    def position(self) -> float:
        return self._position

    @position.setter
    def position(self, value: float) -> None:
        if not 0 <= value <= 1:
            raise ValueError(f"position must be in [0, 1], not {value}")
        self._position = value

    def value(self) -> float:
        return float(self._data[int(round((self._npoints - 1) * self._position))])

    def init_signal(self) -> None:
        self._data = _signal(self._signal, self._npoints)

    @property
    def signal(self) -> str:
        return self._signal

    @signal.setter
    def signal(self, value: str) -> None:
        if value not in SIGNALS:
            raise ValueError(f"unknown signal {value!r}, expected one of {', '.join(SIGNALS)}")
        self._signal = value
        self.init_signal()

    @property
    def nsteps(self) -> int:
        return self._npoints + 1

    @property
    def npoints(self) -> int:
        return self._npoints

    @npoints.setter
    def npoints(self, value: int) -> None:
        self._npoints = int(value)
        self.init_signal()

    @property
    def counters(self) -> CounterNamespace:
        return CounterNamespace([self._counter])

    @property
    def counter(self) -> SoftCounter:
        return self._counter

    @property
    def axis(self) -> _UnitAxis:
        return self._axis


class OneDimSimulationController(SamplingCounterController):
    """Controller of :class:`OneDimSimulationCounter`."""

    def __init__(self, name: str = "one_dim_simulation") -> None:
        super().__init__(name)

    def read(self, counter: "OneDimSimulationCounter") -> numpy.ndarray:
        return counter._get_data()


class OneDimSimulationCounter(SamplingCounter):
    """A 1-D counter: every point is ``signal`` over ``size`` samples."""

    def __init__(self, name: str, controller: OneDimSimulationController | None = None,
                 conversion_function: Any = None, unit: str | None = None,
                 signal: str = "sawtooth", coef: float = 1.0, poissonian: bool = False,
                 size: int = 32) -> None:
        super().__init__(name, controller if controller is not None else OneDimSimulationController(),
                         conversion_function=conversion_function, mode=SamplingMode.SINGLE, unit=unit)
        _signal(signal, 2)  # checks the name
        self._size = int(size)
        self._signal_args = (signal, self._size, coef, poissonian)

    def _get_data(self) -> numpy.ndarray:
        return numpy.asarray(_signal(*self._signal_args), dtype=numpy.float64)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self._size,)
