"""BLISS's counter API (``bliss.common.counter``, ``bliss.controllers.counter``).

A counter belongs to a counter controller (``counter._counter_controller``); the
controller reads its counters.  Every counter here is also a bliss_lite
:class:`~bliss_lite.devices.protocols.Counter`: ``channels()`` describes its data and
``read(count_time)`` reads one point through its controller.  In a scan the counters
of one controller are read together (:mod:`.reading`), once per point.

Sampling counters take one sample per point, read after the count time (bliss_lite's
scans wait the count time for every counter together): MEAN, SINGLE and LAST give
that sample, INTEGRATE it times the count time, STATS/INTEGRATE_STATS add the
statistics channels of that one sample (N = 1).
"""

from __future__ import annotations

import enum
import functools
import math
import time
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy

from bliss_lite.devices.protocols import ChannelSpec, ScanOutline

__all__ = [
    "CalcCounter", "CalcCounterController", "Counter", "CounterController", "CounterNamespace",
    "IntegratingCounter", "IntegratingCounterController", "SamplingCounter",
    "SamplingCounterController", "SamplingCounterStatistics", "SamplingMode", "SoftCounter",
    "SoftCounterController", "counter_namespace",
]


@enum.unique
class SamplingMode(enum.IntEnum):
    """What a sampling counter reports for one point (BLISS's ``SamplingMode``).

    MEAN: the mean of the samples; STATS: the mean plus N, std, var, min, max, p2v
    channels; SAMPLES: the mean plus every sample (a 1-D channel); SINGLE: the first
    sample; LAST: the last sample; INTEGRATE: the mean times count_time;
    INTEGRATE_STATS: STATS of the samples times count_time.
    """

    MEAN = 1
    STATS = 2
    SAMPLES = 3
    SINGLE = 4
    LAST = 5
    INTEGRATE = 6
    INTEGRATE_STATS = 7


def parse_mode(value: Any) -> SamplingMode:
    """A :class:`SamplingMode` from a member, its name or its number."""
    if isinstance(value, SamplingMode):
        return value
    if isinstance(value, str) and value.upper() in SamplingMode.__members__:
        return SamplingMode[value.upper()]
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return SamplingMode(value)
        except ValueError:
            pass
    valid = ", ".join(SamplingMode.__members__)
    raise ValueError(f"invalid sampling mode {value!r}, the mode must be one of {valid}")


class CounterNamespace:
    """Counters by name: iterable (in order), ``ns.name``, ``ns["name"]``, ``ns[0]``,
    ``len(ns)`` (BLISS's ``counter_namespace``)."""

    def __init__(self, counters: Iterable[Any] | dict) -> None:
        items = counters.items() if isinstance(counters, dict) else ((c.name, c) for c in counters)
        object.__setattr__(self, "_items", dict(items))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, int):
            return list(self._items.values())[key]
        return self._items[key]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(f"no counter named {name!r} (counters: "
                                 f"{', '.join(self._items) or 'none'})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a counter namespace is read-only")

    def __contains__(self, item: Any) -> bool:
        return item in self._items or any(c is item for c in self._items.values())

    def __dir__(self) -> list[str]:
        return list(self._items)

    def _fields(self) -> tuple[str, ...]:
        return tuple(self._items)

    def __repr__(self) -> str:
        return f"Namespace({', '.join(self._items)})"


def counter_namespace(counters: Iterable[Any] | dict) -> CounterNamespace:
    return CounterNamespace(counters)


# ---------------------------------------------------------------------------- controllers


class CounterController:
    """Holds counters (``counters``) and reads them (:meth:`read_counters`)."""

    def __init__(self, name: str, master_controller: "CounterController | None" = None,
                 register_counters: bool = True) -> None:
        self._name = name
        self._master = master_controller
        self._counters: dict[str, Counter] = {}
        self._critical = True

    @property
    def name(self) -> str:
        return self._name

    @property
    def fullname(self) -> str:
        return self._name if self._master is None else f"{self._master.fullname}:{self._name}"

    @property
    def _master_controller(self) -> "CounterController | None":
        return self._master

    @property
    def counters(self) -> CounterNamespace:
        return CounterNamespace(self._counters)

    @property
    def is_critical(self) -> bool:
        return self._critical

    @is_critical.setter
    def is_critical(self, critical: bool) -> None:
        self._critical = bool(critical)

    def create_counter(self, counter_class: type, *args: Any, **kwargs: Any) -> "Counter":
        return counter_class(*args, controller=self, **kwargs)

    def remove(self, counter: "Counter") -> None:
        if self._counters.get(counter.name) is not counter:
            raise ValueError(f"{counter.name!r} is not a counter of {self.name!r}")
        del self._counters[counter.name]

    def clear(self) -> None:
        self._counters.clear()

    def get_current_parameters(self) -> dict | None:
        return None

    def apply_parameters(self, parameters: dict) -> None:
        pass

    # -- bliss_lite reading --------------------------------------------------------------
    def prepare_for_scan(self, plan: ScanOutline) -> None:
        """Called once before a scan's first point (override when needed)."""

    def read_counters(self, counters: Sequence["Counter"], count_time: float) -> list[tuple]:
        """One point of ``counters``: for each, the tuple of its channels' values."""
        raise NotImplementedError(f"{type(self).__name__} '{self.name}' cannot read its counters")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class SamplingCounterController(CounterController):
    """Reads sampling counters with :meth:`read_all` (default: :meth:`read` each)."""

    def __init__(self, name: str, master_controller: CounterController | None = None,
                 register_counters: bool = True) -> None:
        super().__init__(name, master_controller, register_counters)
        self._max_sampling_frequency: float | None = 1

    @property
    def max_sampling_frequency(self) -> float | None:
        return self._max_sampling_frequency

    @max_sampling_frequency.setter
    def max_sampling_frequency(self, freq: float | None) -> None:
        if freq is not None and (isinstance(freq, bool) or not isinstance(freq, (int, float))):
            raise ValueError("Max frequency should be a float number or None")
        if freq == 0:
            raise ValueError("Max frequency should be not zero")
        self._max_sampling_frequency = freq

    def read_all(self, *counters: "Counter") -> list:
        return [self.read(counter) for counter in counters]

    def read(self, counter: "Counter") -> Any:
        raise NotImplementedError(f"{type(self).__name__} '{self.name}' does not implement read()")

    def read_counters(self, counters: Sequence["Counter"], count_time: float) -> list[tuple]:
        raw = self.read_all(*counters)
        if len(raw) != len(counters):
            raise RuntimeError(f"{self.name}.read_all() returned {len(raw)} values "
                               f"for {len(counters)} counters")
        return [counter._point([counter.conversion_function(value)], count_time)
                for counter, value in zip(counters, raw)]


class IntegratingCounterController(CounterController):
    """Reads integrating counters with :meth:`get_values` (one point per call)."""

    def __init__(self, name: str = "integ_cc", master_controller: CounterController | None = None,
                 register_counters: bool = True) -> None:
        super().__init__(name, master_controller, register_counters)
        self._index = 0

    def prepare_for_scan(self, plan: ScanOutline) -> None:
        self._index = 0

    def get_values(self, from_index: int, *counters: "Counter") -> list:
        raise NotImplementedError(f"{type(self).__name__} '{self.name}' does not implement get_values()")

    def read_counters(self, counters: Sequence["Counter"], count_time: float) -> list[tuple]:
        values = self.get_values(self._index, *counters)
        self._index += 1
        out = []
        for counter, column in zip(counters, values):
            value = column[0] if isinstance(column, (list, tuple, numpy.ndarray)) and len(column) else column
            out.append((counter.conversion_function(value),))
        return out


class SoftCounterController(SamplingCounterController):
    """The controller of one :class:`SoftCounter`."""

    def __init__(self, name: str = "soft_counter_controller", register_counters: bool = True) -> None:
        super().__init__(name, register_counters=register_counters)

    def read(self, counter: "SoftCounter") -> Any:
        return counter.apply(counter.get_value())


# ---------------------------------------------------------------------------- counters


def _identity(value: Any) -> Any:
    return value


class Counter:
    """A counter of a controller: ``name``, ``fullname`` (``controller:name``),
    ``unit``, ``dtype``, ``shape``, ``conversion_function``."""

    def __init__(self, name: str, controller: CounterController | None = None,
                 conversion_function: Callable | None = None, unit: str | None = None,
                 dtype: Any = None) -> None:
        self._name = name
        self._controller: CounterController | None = None
        if controller is not None:
            self._set_controller(controller)
        self._dtype = numpy.float64 if dtype is None else dtype
        self._unit = unit
        self._conversion_function: Callable | None = None
        self.conversion_function = conversion_function

    @property
    def name(self) -> str:
        return self._name

    @property
    def _counter_controller(self) -> CounterController | None:
        return self._controller

    def _set_controller(self, controller: CounterController) -> None:
        if self._controller is not None:
            self._controller.remove(self)
        self._controller = controller
        controller._counters[self.name] = self

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def data_dtype(self) -> Any:
        return self.dtype if self._conversion_function is None else numpy.float64

    @property
    def shape(self) -> tuple[int, ...]:
        return ()

    @property
    def fullname(self) -> str:
        controller = self._controller
        return self.name if controller is None else f"{controller.fullname}:{self.name}"

    @property
    def unit(self) -> str | None:
        return self._unit

    @unit.setter
    def unit(self, unit: str | None) -> None:
        self._unit = unit

    @property
    def conversion_function(self) -> Callable:
        return _identity if self._conversion_function is None else self._conversion_function

    @conversion_function.setter
    def conversion_function(self, func: Callable | None) -> None:
        if func is None:
            self._conversion_function = None
            return
        if not callable(func):
            raise TypeError(f"{self.name}: conversion_function must be callable or None, "
                            f"not {type(func).__name__}")

        def convert(*args: Any, **kwargs: Any) -> Any:
            x = func(*args, **kwargs)
            if isinstance(x, (list, tuple)):
                return numpy.array(x, numpy.float64)
            if isinstance(x, numpy.ndarray):
                return x.astype(numpy.float64, copy=False)
            return float(x)

        self._conversion_function = functools.update_wrapper(convert, func)

    @property
    def is_critical(self) -> bool:
        return self._controller.is_critical if self._controller is not None else True

    def dataset_metadata(self) -> dict:
        return {"name": self.name}

    # -- bliss_lite Counter protocol -----------------------------------------------------
    def _channel_attrs(self) -> dict:
        return {}

    def _channel_placement(self) -> dict:
        """``device``/``data_name``/``compression`` of the main channel (NeXus layout)."""
        return {}

    def channels(self) -> tuple[ChannelSpec, ...]:
        return (ChannelSpec(self.name, self.fullname, self.unit, dtype=numpy.dtype(self.data_dtype).name,
                            shape=tuple(self.shape), attrs=self._channel_attrs(),
                            **self._channel_placement()),)

    def prepare_for_scan(self, plan: ScanOutline) -> None:
        if self._controller is not None:
            self._controller.prepare_for_scan(plan)

    def read(self, count_time: float) -> tuple:
        """One point of this counter alone, through its controller."""
        if self._controller is None:
            raise RuntimeError(f"counter {self.name!r} has no controller to read it")
        return self._controller.read_counters([self], count_time)[0]

    def __info__(self) -> str:
        text = (f"{type(self).__name__}:\n name  = {self.name}\n"
                f" dtype = {numpy.dtype(self.data_dtype).name}\n shape = {len(self.shape)}D\n"
                f" unit  = {self.unit}\n")
        if self._conversion_function is not None:
            text += f" conversion_function = {self.conversion_function}\n"
        return text

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.fullname}>"


class SamplingCounterStatistics(tuple):
    """``mean N std var min max p2v count_time timestamp`` of a sampling counter's last point."""

    _fields = ("mean", "N", "std", "var", "min", "max", "p2v", "count_time", "timestamp")

    def __new__(cls, *values: Any) -> "SamplingCounterStatistics":
        return super().__new__(cls, values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return "SamplingCounterStatistics(" + ", ".join(
            f"{k}={v!r}" for k, v in zip(self._fields, self)) + ")"


_NO_STATISTICS = SamplingCounterStatistics(*([math.nan] * 7), None, None)
_STATS_SUFFIXES = ("N", "std", "var", "min", "max", "p2v")


def stats_channels(name: str, fullname: str, unit: str | None, attrs: dict) -> tuple[ChannelSpec, ...]:
    """The extra channels of STATS mode: ``<name>_N _std _var _min _max _p2v``."""
    units = {"N": "#", "var": f"{unit}^2" if unit else None}
    return tuple(ChannelSpec(f"{name}_{s}", f"{fullname}_{s}", units.get(s, unit), attrs=dict(attrs))
                 for s in _STATS_SUFFIXES)


def reduce_samples(mode: SamplingMode, samples: Sequence[float], count_time: float) -> tuple:
    """One point's values in ``mode`` from its samples (see :class:`SamplingMode`)."""
    n = len(samples)
    if mode is SamplingMode.SINGLE:
        return (samples[0],)
    if mode is SamplingMode.LAST:
        return (samples[-1],)
    mean = math.fsum(samples) / n
    if mode is SamplingMode.MEAN:
        return (mean,)
    if mode is SamplingMode.INTEGRATE:
        return (mean * count_time,)
    if mode is SamplingMode.SAMPLES:
        return (mean, numpy.asarray(samples, dtype="float64"))
    var = math.fsum((s - mean) ** 2 for s in samples) / n
    low, high = min(samples), max(samples)
    if mode is SamplingMode.INTEGRATE_STATS:
        t = count_time
        return (mean * t, float(n), math.sqrt(var) * t, var * t * t, low * t, high * t, (high - low) * t)
    return (mean, float(n), math.sqrt(var), var, low, high, high - low)


class SamplingCounter(Counter):
    """A counter sampled during the count time, reported according to ``mode``."""

    def __init__(self, name: str, controller: CounterController | None,
                 conversion_function: Callable | None = None,
                 mode: SamplingMode | str | int = SamplingMode.MEAN, unit: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(name, controller, conversion_function=conversion_function, unit=unit,
                         dtype=numpy.float64 if dtype is None else dtype)
        try:
            self._mode = parse_mode(mode)
        except ValueError as err:
            raise ValueError(f"{name}: {err}") from None
        self._statistics = _NO_STATISTICS

    @property
    def mode(self) -> SamplingMode:
        return self._mode

    @mode.setter
    def mode(self, value: SamplingMode | str | int) -> None:
        try:
            self._mode = parse_mode(value)
        except ValueError as err:
            raise ValueError(f"{self.name}: {err}") from None

    @property
    def statistics(self) -> SamplingCounterStatistics:
        """The statistics of the last point read."""
        return self._statistics

    @property
    def raw_read(self) -> Any:
        """One value read now from the controller, without conversion or mode."""
        return self._counter_controller.read_all(self)[0]

    def _channel_attrs(self) -> dict:
        return {"type": "sampling", "mode": self._mode.name}

    def channels(self) -> tuple[ChannelSpec, ...]:
        main = super().channels()
        if self.shape:
            return main
        attrs = self._channel_attrs()
        if self._mode in (SamplingMode.STATS, SamplingMode.INTEGRATE_STATS):
            return main + stats_channels(self.name, self.fullname, self.unit, attrs)
        if self._mode is SamplingMode.SAMPLES:
            return main + (ChannelSpec(f"{self.name}_samples", f"{self.fullname}_samples",
                                       self.unit, shape=(-1,), attrs=attrs),)
        return main

    def _point(self, samples: Sequence[Any], count_time: float) -> tuple:
        """The channel values of one point from its samples; updates ``statistics``."""
        if self.shape:  # a 1-D/2-D sampling counter (e.g. OneDimSimulationCounter): its value
            return (samples[-1],)
        samples = [float(s) for s in samples]
        values = reduce_samples(self._mode, samples, count_time)
        n = len(samples)
        mean = math.fsum(samples) / n
        var = math.fsum((s - mean) ** 2 for s in samples) / n
        self._statistics = SamplingCounterStatistics(
            mean, n, math.sqrt(var), var, min(samples), max(samples), max(samples) - min(samples),
            count_time, time.time())
        return values

    def __info__(self) -> str:
        return super().__info__() + f" mode  = {self._mode.name} ({int(self._mode)})\n"


class IntegratingCounter(Counter):
    """A counter whose controller integrates over the count time."""

    def _channel_attrs(self) -> dict:
        return {"type": "integrating"}


class SoftCounter(SamplingCounter):
    """Any Python value as a sampling counter: ``SoftCounter(roby, "position")``,
    ``SoftCounter(obj, "get_voltage", name="voltage", apply=lambda v: v * 1000)``,
    ``SoftCounter(value=my_function)``.  The value is an attribute, a property or a
    method of ``obj`` (default ``"value"``), or any callable; the controller is named
    after ``obj.name`` (else its type, else the counter name)."""

    def __init__(self, obj: Any = None, value: Any = "value", name: str | None = None,
                 apply: Callable | None = None, mode: SamplingMode | str | int = SamplingMode.MEAN,
                 unit: str | None = None, dtype: Any = None,
                 conversion_function: Callable | None = None) -> None:
        import inspect

        if obj is None and inspect.ismethod(value):
            obj = value.__self__
        self.get_value, value_name = self.get_read_func(obj, value)
        name = value_name if name is None else name
        if isinstance(getattr(obj, "name", None), str):
            self.ctrl_name = obj.name
        elif obj is None:
            self.ctrl_name = name
        else:
            self.ctrl_name = type(obj).__name__
        self.apply = apply if apply is not None else _identity
        super().__init__(name, SoftCounterController(self.ctrl_name), mode=mode, unit=unit,
                         dtype=dtype, conversion_function=conversion_function)

    @staticmethod
    def get_read_func(obj: Any, value: Any) -> tuple[Callable[[], Any], str]:
        if callable(value):
            return value, getattr(value, "__name__", "value")
        if not isinstance(value, str):
            raise TypeError(f"SoftCounter: 'value' must be an attribute name or a callable, "
                            f"not {type(value).__name__}")
        if obj is None:
            raise TypeError(f"SoftCounter: value {value!r} names an attribute but no object is given")
        member = getattr(type(obj), value, None)
        if member is None and not hasattr(obj, value):
            raise AttributeError(f"SoftCounter: {type(obj).__name__} object has no attribute {value!r}")
        if member is not None and callable(member) and not isinstance(member, property):
            def read() -> Any:
                return member(obj)
        else:
            def read() -> Any:
                return getattr(obj, value)
        read.__name__ = value
        return read, value

    @property
    def max_sampling_frequency(self) -> float | None:
        return self._counter_controller.max_sampling_frequency

    @max_sampling_frequency.setter
    def max_sampling_frequency(self, freq: float | None) -> None:
        self._counter_controller.max_sampling_frequency = freq


class CalcCounter(Counter):
    """An output of a :class:`CalcCounterController`."""

    def __init__(self, name: str, controller: CounterController | None = None,
                 dim: int | None = None, conversion_function: Callable | None = None,
                 unit: str | None = None, dtype: Any = None,
                 shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name, controller, conversion_function=conversion_function, unit=unit,
                         dtype=dtype)
        if shape is None:
            self._shape = (-1,) * dim if dim is not None else ()
        else:
            if not isinstance(shape, tuple):
                raise ValueError(f"shape must be a tuple, but receive: {shape}")
            if dim is not None and len(shape) != dim:
                raise ValueError(f"dim and shape are provided but mismatching: "
                                 f"len({shape}) != {dim}")
            self._shape = shape

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    def _channel_attrs(self) -> dict:
        return {"type": "calc"}


class CalcCounterController(CounterController):
    """Computes its output counters from its input counters at every point.

    ``config`` holds ``inputs`` (``[{"counter": cnt, "tags": "data1"}, ...]``) and
    ``outputs`` (``[{"name": "out1", "tags": ..., "unit": ..., "dtype": ..., "shape"
    or "dim": ...}]``).  A subclass implements ``calc_function(input_dict)``: it gets
    ``{tag: array of the new points}`` and returns ``{output tag: array}``.
    """

    def __init__(self, name: str, config: Any, register_counters: bool = True) -> None:
        super().__init__(name, register_counters=register_counters)
        self._input_counters: list[Any] = []
        self._tags: dict[str, str] = {}
        self._config = config
        self._apply_config(config)

    def _apply_config(self, config: Any) -> None:
        if not config:
            return
        self._input_counters = []
        self._counters = {}
        self._tags = {}
        for cnt_conf in config.get("inputs") or ():
            counter = cnt_conf.get("counter")
            if not (hasattr(counter, "channels") and hasattr(counter, "read")
                    and isinstance(getattr(counter, "name", None), str)):
                raise ValueError(f"{self.name}: a calc counter's input must be a counter, "
                                 f"got {counter!r}")
            self._tags[counter.name] = cnt_conf.get("tags", counter.name)
            self._input_counters.append(counter)
        for cnt_conf in config.get("outputs") or ():
            name = cnt_conf["name"]
            dim = cnt_conf.get("dim")
            shape = cnt_conf.get("shape")
            shape = tuple(shape) if shape is not None else ((-1,) * dim if dim else ())
            if dim is not None and len(shape) != dim:
                raise ValueError(f"{self.name}: output '{name}': shape and dim mismatch")
            self._create_output(name, cnt_conf.get("tags", name), cnt_conf.get("dtype"), shape,
                                cnt_conf.get("unit"))
            self._tags[name] = cnt_conf.get("tags", name)

    def _create_output(self, name: str, tags: str, dtype: Any, shape: tuple, unit: str | None) -> None:
        CalcCounter(name, controller=self, dtype=dtype, shape=shape, unit=unit)

    @property
    def tags(self) -> dict[str, str]:
        return self._tags

    def get_child(self, name: str) -> "Counter":
        """An output by name: the configuration's ``outputs: [{name: out1}]`` are
        objects of their own (``config.get("out1")``), as in BLISS."""
        try:
            return self._counters[name]
        except KeyError:
            raise KeyError(f"{self.name} has no output named {name!r}") from None

    @property
    def inputs(self) -> CounterNamespace:
        return CounterNamespace(self._input_counters)

    @property
    def outputs(self) -> CounterNamespace:
        return self.counters

    def calc_function(self, input_dict: dict) -> dict:
        raise NotImplementedError(f"{type(self).__name__} '{self.name}' does not implement calc_function()")

    def compute(self, inputs: dict[str, Any], outputs: Sequence["Counter"]) -> list[tuple]:
        """One point of ``outputs`` from ``inputs`` (input counter name → its value)."""
        input_dict = {}
        for counter in self._input_counters:
            value = numpy.asarray(inputs[counter.name])
            input_dict[self._tags[counter.name]] = value[numpy.newaxis, ...]
        result = self.calc_function(input_dict)
        if not isinstance(result, dict):
            raise TypeError(f"{self.name}.calc_function() must return a dict, got {type(result).__name__}")
        out = []
        for counter in outputs:
            tag = self._tags.get(counter.name, counter.name)
            if tag not in result:
                raise KeyError(f"{self.name}.calc_function() returned no value for {tag!r}")
            value = numpy.asarray(result[tag])
            if value.ndim > len(counter.shape) and len(value) >= 1:
                value = value[-1]
            out.append((counter.conversion_function(value[()] if value.ndim == 0 else value),))
        return out

    def read_counters(self, counters: Sequence["Counter"], count_time: float) -> list[tuple]:
        """Alone (outside a scan's reading plan): read the inputs, then compute."""
        inputs = {c.name: c.read(count_time)[0] for c in self._input_counters}
        return self.compute(inputs, counters)
