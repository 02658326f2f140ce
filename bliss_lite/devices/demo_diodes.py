"""The demo's diodes over a sample (``bliss.controllers.demo``).

* ``SampleStageDiode``: the value of the pixel of an image (``data:`` a 2-D list, or
  ``data_filename:`` a ``.npy`` or text file) under two axes' dial positions
  (``axis1`` selects the row, ``axis2`` the column), plus ``noise`` (default 10)
  and an optional Poisson draw (``poissonian: true``); the image spans the motor
  range ``min_corner``..``max_corner``, else ``scale`` units per pixel centred on 0.
* ``FixedDataDiode``: a 1-D signal ``data: [[x, y], ...]`` (or ``data_filename``)
  interpolated at one axis' dial position.

Each has one counter (``signal``, or the diode's name for FixedDataDiode).
"""

from __future__ import annotations

import os
from typing import Any

import numpy

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices.counters.base import CounterNamespace, SamplingMode, SoftCounter
from bliss_lite.devices.protocols import Movable

__all__ = ["FixedDataDiode", "SampleStageDiode", "fixed_data_diode", "sample_stage_diode"]


def _load(filename: str, where: str) -> numpy.ndarray:
    filename = os.path.expandvars(os.path.expanduser(filename))
    if not os.path.isfile(filename):
        raise ValueError(f"{where}: cannot find file {filename}")
    if filename.endswith(".npy"):
        return numpy.load(filename)
    return numpy.loadtxt(filename)


class SampleStageDiode:
    """A diode reading an image of a sample at the position of two axes."""

    def __init__(self, name: str, config: dict) -> None:
        self.name = name
        self._config = config
        self.axis1 = config["axis1"]
        self.axis2 = config["axis2"]
        self.noise = config.get("noise", 10)
        self.is_poissonian = bool(config.get("poissonian", False))
        filename = config.get("data_filename")
        image = _load(filename, name) if filename else numpy.asarray(config.get("data"), dtype=float)
        if image.ndim != 2:
            raise ValueError(f"{name}: the sample image must be 2-D, got shape {image.shape}")
        self._img = image
        self.dim1, self.dim2 = image.shape
        if "min_corner" in config and "max_corner" in config:
            lo, hi = config["min_corner"], config["max_corner"]

            def scale_offset(vmin: float, vmax: float, dim: int) -> tuple[float, float]:
                scale = abs(vmax - vmin) / dim
                return scale, dim * 0.5 - (vmin + vmax) * 0.5 / scale

            self.scale1, self.offset1 = scale_offset(lo[0], hi[0], self.dim1)
            self.scale2, self.offset2 = scale_offset(lo[1], hi[1], self.dim2)
        else:
            self.scale1 = self.scale2 = float(config.get("scale", 1))
            self.offset1, self.offset2 = int(self.dim1 * 0.5), int(self.dim2 * 0.5)
        self.counter = SoftCounter(self, self._read_signal, name="signal", mode=SamplingMode.SINGLE)

    @property
    def counters(self) -> CounterNamespace:
        return CounterNamespace([self.counter])

    def _read_signal(self) -> float:
        return self.read_signal_from_pos(self.axis1.dial, self.axis2.dial)

    def read_signal_from_pos(self, pos1: float, pos2: float) -> float:
        i = int(pos1 / self.scale1 + self.offset1)
        j = int(pos2 / self.scale2 + self.offset2)
        signal = float(self._img[i, j]) if 0 <= i < self.dim1 and 0 <= j < self.dim2 else 0.0
        if self.noise:
            signal += numpy.random.rand() * self.noise
        if self.is_poissonian:
            signal = float(numpy.random.poisson(max(signal, 0.0)))
        return signal

    def __info__(self) -> str:
        return (f"SampleStageDiode {self.name}: image {self.dim1}x{self.dim2} under "
                f"{self.axis1.name} (rows) and {self.axis2.name} (columns)\n")


class FixedDataDiode:
    """A diode following a fixed 1-D signal along one axis."""

    def __init__(self, name: str, config: dict) -> None:
        self.name = name
        self.axis = config["axis"]
        if not isinstance(self.axis, Movable):
            raise ValueError(f"{name}: 'axis' is not an axis (found {type(self.axis).__name__})")
        filename = config.get("data_filename")
        data = _load(filename, name) if filename else numpy.asarray(config.get("data"), dtype=float)
        if data.ndim != 2 or data.shape[1] != 2:
            raise ValueError(f"{name}: the data must be pairs [x, y], got shape {data.shape}")
        self._x, self._y = data.T
        self.counter = SoftCounter(self, self._read_signal, name=name, mode=SamplingMode.SINGLE)

    @property
    def counters(self) -> CounterNamespace:
        return CounterNamespace([self.counter])

    def _read_signal(self) -> float:
        return float(numpy.interp(self.axis.dial, self._x, self._y, left=self._y[0], right=self._y[-1]))


def _factory(cls: type, required: tuple[str, ...]) -> Any:
    def factory(name: str | None, node: ConfigNode, config: Any) -> Any:
        if not name:
            raise node.error(f"a {cls.__name__} needs a 'name'")
        values = dict(node)
        for key in required:
            values[key] = config.resolve(node.require(key), node, key)
            if not isinstance(values[key], Movable):
                raise node.error(f"'{key}' must be a reference to an axis, got {node[key]!r}", key)
        if "data" not in node and "data_filename" not in node:
            raise node.error(f"a {cls.__name__} needs 'data' or 'data_filename'")
        try:
            return cls(name, values)
        except (ValueError, TypeError) as err:
            raise node.error(str(err)) from None

    return factory


sample_stage_diode = _factory(SampleStageDiode, ("axis1", "axis2"))
fixed_data_diode = _factory(FixedDataDiode, ("axis",))
