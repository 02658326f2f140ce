"""Acquisition chains as BLISS has them: the tree a scan runs.

A chain is a tree of acquisition objects: *masters* (which iterate and trigger
what is below them) and *slaves* (which acquire when triggered)::

    chain = AcquisitionChain()
    motor_master = LinearStepTriggerMaster(11, roby, 0, 1)
    timer = SoftwareTimerMaster(0.1, npoints=11)
    chain.add(motor_master, timer)
    chain.add(timer, SamplingCounterAcquisitionSlave(diode, diode2, count_time=0.1, npoints=11))
    Scan(chain, name="my_scan").run()

The engine (:mod:`bliss_lite.scanning.engine`) runs every chain the same way, one
iteration of the top master after the other: at each, every object is prepared
(slaves first), then started (slaves first, the top master last, whose ``start``
triggers what is below it: ``trigger_slaves()``).  Data goes out through each
object's ``channels`` (``self.channels.update({...})``, ``channel.emit(value)``).

Differences with BLISS, which runs on gevent: everything runs on the scan's
thread, one call after the other; ``trigger_slaves()`` runs the slaves' triggers
before it returns (``wait_slaves()`` then has nothing left to wait for), and a
slave's ``reading()`` (when it has one) runs on a thread of its own from its start
to the end of the iteration.  A scan's data are complete points: a channel that
emits more values than the others waits for them.
"""

from __future__ import annotations

import enum
import threading
from typing import Any, Iterable, Iterator, Sequence

import numpy

from bliss_lite.events import ChannelSpec

__all__ = ["AcquisitionChain", "AcquisitionChannel", "AcquisitionChannelList",
           "AcquisitionMaster", "AcquisitionObject", "AcquisitionSlave", "AxisAcquisitionChannel",
           "ChainIterationPreset", "ChainPreset", "TRIGGER_MODE_ENUM"]


class TRIGGER_MODE_ENUM(enum.IntEnum):
    HARDWARE = 1
    SOFTWARE = 2


class AcquisitionChannel:
    """One column of data of an acquisition object: ``AcquisitionChannel("mydev:value",
    float, (), unit="mm")``.  ``emit(value)`` gives the scan one point (a value of
    ``shape``) or several (an array of shape ``(n,) + shape``)."""

    kind = "counter"

    def __init__(self, name: str, dtype: Any, shape: Sequence[int], unit: str | None = None,
                 decimals: int | None = None, spec: ChannelSpec | None = None) -> None:
        self._name = name
        self.dtype = numpy.dtype(dtype if dtype is not None else "float64")
        self.shape = tuple(shape)
        self.unit = unit
        self.decimals = decimals
        self._spec = spec
        self._sink: Any = None  # set by the engine while a scan runs: list.append

    @property
    def name(self) -> str:
        return self._name

    @property
    def fullname(self) -> str:
        return self._name

    @property
    def short_name(self) -> str:
        return self._name.rpartition(":")[2]

    @property
    def scan_info_dict(self) -> dict[str, Any]:
        """What goes into ``scan_info["channels"][fullname]`` (BLISS's keys)."""
        meta: dict[str, Any] = {"display_name": self.short_name, "dim": len(self.shape)}
        if self.unit is not None:
            meta["unit"] = self.unit
        if self.decimals is not None:
            meta["decimals"] = self.decimals
        return meta

    def spec(self) -> ChannelSpec:
        """The channel as the scan's events describe it."""
        if self._spec is not None:
            return self._spec
        return ChannelSpec(self.short_name, self.fullname, self.unit, kind=self.kind,
                           dtype=self.dtype.str if self.dtype.kind != "O" else "float64",
                           shape=self.shape)

    def emit(self, data: Any) -> None:
        sink = self._sink
        if sink is None:
            raise RuntimeError(f"channel {self.fullname} emits outside of a running scan")
        array = numpy.asarray(data)
        if array.ndim == len(self.shape) + 1 and self.shape and all(n >= 0 for n in self.shape) \
                or (array.ndim == 1 and not self.shape):
            for value in (array.tolist() if not self.shape else array):
                sink(value)
        elif not self.shape:
            sink(array.item() if array.ndim == 0 else data)
        else:
            sink(array)

    def __repr__(self) -> str:
        return f"AcquisitionChannel({self.fullname!r}, shape={self.shape}, unit={self.unit!r})"


class AxisAcquisitionChannel(AcquisitionChannel):
    """The position channel of an axis: ``axis:<name>``."""

    kind = "motor"

    def __init__(self, axis: Any) -> None:
        digits = getattr(axis, "display_digits", None)
        super().__init__(f"axis:{axis.name}", numpy.double, (), unit=axis.unit,
                         decimals=digits if isinstance(digits, int) else None)


class _TimerChannel(AcquisitionChannel):
    kind = "timer"


class AcquisitionChannelList(list):
    """The channels of an acquisition object, with BLISS's emitting helpers."""

    def update(self, values_dict: dict[str, Any]) -> None:
        """Emit ``{channel name (short or full): value}``."""
        for channel in self:
            for key in (channel.short_name, channel.fullname):
                if key in values_dict:
                    channel.emit(values_dict[key])
                    break

    def update_from_iterable(self, iterable: Iterable[Any]) -> None:
        """Emit one value per channel, in order."""
        for channel, value in zip(self, iterable):
            channel.emit(value)

    def update_from_array(self, array: Any) -> None:
        for i, channel in enumerate(self):
            channel.emit(array[:, i])


class ChainPreset:
    """Called by the chain at the beginning and the end of the scan (override what
    you need): ``prepare(chain)``, ``start(chain)``, ``before_stop(chain)``,
    ``stop(chain)``; ``get_iterator(chain)`` may yield :class:`ChainIterationPreset`
    objects, one per iteration of the top master."""

    def get_iterator(self, chain: "AcquisitionChain") -> Any:
        pass

    def prepare(self, chain: "AcquisitionChain") -> None:
        pass

    def start(self, chain: "AcquisitionChain") -> None:
        pass

    def before_stop(self, chain: "AcquisitionChain") -> None:
        pass

    def stop(self, chain: "AcquisitionChain") -> None:
        pass


class ChainIterationPreset:
    """Like :class:`ChainPreset`, called at each iteration of the top master."""

    def prepare(self) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def _counter_controller_name(counter: Any) -> str:
    controller = getattr(counter, "_counter_controller", None)
    if controller is not None and getattr(controller, "name", None):
        return controller.name
    name = getattr(counter, "controller_name", None)
    if isinstance(name, str):
        return name
    return counter.fullname.rpartition(":")[0] or counter.name


class AcquisitionObject:
    """What masters and slaves have in common (BLISS's ``AcquisitionObject``).

    ``devices``: counters (then the object reads them; its ``name`` is their
    controller's), axes (its name is ``"axis"``) or one device.  Subclasses
    implement ``prepare()``, ``start()``, ``stop()`` and ``trigger()``; they may
    implement ``__iter__`` (one yield per iteration), ``reading()``, ``wait_ready()``
    and ``get_acquisition_metadata(timing)``.
    """

    HARDWARE, SOFTWARE = TRIGGER_MODE_ENUM.HARDWARE, TRIGGER_MODE_ENUM.SOFTWARE

    def __init__(self, *devices: Any, name: str | None = None, npoints: int = 1,
                 trigger_type: TRIGGER_MODE_ENUM = TRIGGER_MODE_ENUM.SOFTWARE,
                 prepare_once: bool = False, start_once: bool = False,
                 ctrl_params: dict | None = None) -> None:
        self.__name = name
        self._parent: AcquisitionObject | None = None
        self.__channels = AcquisitionChannelList()
        self.__npoints = npoints
        self.__trigger_type = trigger_type
        self.__prepare_once = prepare_once
        self.__start_once = start_once
        self._ctrl_params = dict(ctrl_params or {})
        self._counters: dict[Any, list[AcquisitionChannel]] = {}
        self._runtime: Any = None  # the running scan's services (wait), set by the engine
        self._reading_thread: threading.Thread | None = None
        self._reading_error: BaseException | None = None
        self._device: Any = None
        self._axes: list[Any] = []
        from bliss_lite.devices.protocols import Counter, Movable

        if devices and all(isinstance(d, Counter) for d in devices):
            self._device = _counter_controller_name(devices[0])
            for counter in devices:
                self.add_counter(counter)
        elif devices and all(isinstance(d, Movable) for d in devices):
            self._axes = list(devices)
            self._device = tuple(devices)
        elif len(devices) == 1:
            self._device = devices[0]
        elif devices:
            raise TypeError("Cannot handle devices which are not all Counter or Axis objects, "
                            f"or a single object: {devices!r}"[:300])

    # -- what it is --------------------------------------------------------------------
    @property
    def name(self) -> str:
        if self.__name:
            return self.__name
        if self._axes:
            return "axis"
        device = self._device
        if device is None:
            return type(self).__name__
        return device if isinstance(device, str) else getattr(device, "name", type(self).__name__)

    @property
    def device(self) -> Any:
        return self._device

    @property
    def parent(self) -> "AcquisitionObject | None":
        return self._parent

    @parent.setter
    def parent(self, master: "AcquisitionObject") -> None:
        self._parent = master

    @property
    def channels(self) -> AcquisitionChannelList:
        return self.__channels

    @property
    def npoints(self) -> int:
        return self.__npoints

    @property
    def trigger_type(self) -> TRIGGER_MODE_ENUM:
        return self.__trigger_type

    @property
    def prepare_once(self) -> bool:
        return self.__prepare_once

    @property
    def start_once(self) -> bool:
        return self.__start_once

    @property
    def ctrl_params(self) -> dict:
        return self._ctrl_params

    def add_counter(self, counter: Any) -> None:
        """A counter this object reads: one channel per channel of the counter."""
        if counter in self._counters:
            return
        chans = [AcquisitionChannel(spec.fullname, spec.dtype, spec.shape, unit=spec.unit, spec=spec)
                 for spec in counter.channels()]
        self.channels.extend(chans)
        self._counters[counter] = chans

    # -- the scan's calls --------------------------------------------------------------
    def prepare(self) -> None:
        raise NotImplementedError(f"{type(self).__name__}.prepare()")

    def start(self) -> None:
        raise NotImplementedError(f"{type(self).__name__}.start()")

    def stop(self) -> None:
        raise NotImplementedError(f"{type(self).__name__}.stop()")

    def trigger(self) -> None:
        raise NotImplementedError(f"{type(self).__name__}.trigger()")

    def apply_parameters(self) -> None:
        pass

    def wait_ready(self) -> None:
        pass

    def reading(self) -> None:
        pass

    def trigger_ready(self) -> bool:
        return True

    def get_acquisition_metadata(self, timing: Any = None) -> dict | None:
        return None

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` while the scan runs; an abort cuts it short (ScanAbort)."""
        if seconds and seconds > 0:
            if self._runtime is not None:
                self._runtime.wait(seconds)
            else:
                import time

                time.sleep(seconds)

    # reading() on a thread of its own, as BLISS's reading task
    def _has_reading(self) -> bool:
        return type(self).reading is not AcquisitionObject.reading

    def spawn_reading_task(self) -> None:
        if not self._has_reading() or (self._reading_thread and self._reading_thread.is_alive()):
            return

        def run() -> None:
            try:
                self.reading()
            except BaseException as exc:  # handed over to the scan thread
                self._reading_error = exc

        self._reading_error = None
        self._reading_thread = threading.Thread(target=run, name=f"{self.name} reading", daemon=True)
        self._reading_thread.start()

    def wait_reading(self) -> None:
        thread = self._reading_thread
        if thread is not None:
            thread.join()
            self._reading_thread = None
        if self._reading_error is not None:
            error, self._reading_error = self._reading_error, None
            raise error

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class AcquisitionMaster(AcquisitionObject):
    """An object that triggers others (its *slaves*, what ``chain.add(self, x)`` put
    below it).  ``trigger_slaves()`` triggers the software-triggered ones."""

    def __init__(self, *devices: Any, name: str | None = None, npoints: int = 1,
                 trigger_type: TRIGGER_MODE_ENUM = TRIGGER_MODE_ENUM.SOFTWARE,
                 prepare_once: bool = False, start_once: bool = False,
                 ctrl_params: dict | None = None) -> None:
        super().__init__(*devices, name=name, npoints=npoints, trigger_type=trigger_type,
                         prepare_once=prepare_once, start_once=start_once, ctrl_params=ctrl_params)
        self.__slaves: list[AcquisitionObject] = []
        self.terminator = True

    @property
    def slaves(self) -> list[AcquisitionObject]:
        return self.__slaves

    def trigger_slaves(self) -> None:
        for slave in self.__slaves:
            if slave.trigger_type == TRIGGER_MODE_ENUM.SOFTWARE:
                if isinstance(slave, AcquisitionSlave):
                    slave.spawn_reading_task()
                slave.trigger()

    def wait_slaves(self) -> None:
        """The slaves' triggers have all returned already (see the module's docstring)."""

    def wait_slaves_ready(self) -> None:
        for slave in self.__slaves:
            if isinstance(slave, AcquisitionMaster):
                slave.wait_slaves_ready()
            slave.wait_ready()

    def stop_all_slaves(self) -> None:
        for slave in self.__slaves:
            if isinstance(slave, AcquisitionMaster):
                slave.stop_all_slaves()
            slave.stop()


class AcquisitionSlave(AcquisitionObject):
    """An object that acquires when its master triggers it (``trigger()``), or by
    itself in ``reading()`` (run from its start to the end of each iteration)."""


class AcquisitionChain:
    """A tree of acquisition objects: ``chain.add(master, slave)``."""

    def __init__(self, parallel_prepare: bool = False) -> None:
        self._children: dict[Any, list[AcquisitionObject]] = {None: []}  # None: the root
        self._parent: dict[AcquisitionObject, AcquisitionObject | None] = {}
        self._presets: dict[Any, list[ChainPreset]] = {}
        self._parallel_prepare = parallel_prepare
        self.scan: Any = None

    # -- building ----------------------------------------------------------------------
    def add(self, master: Any, slave: Any = None) -> None:
        """Put ``slave`` (an acquisition object or a ChainBuilder node) below
        ``master``; ``add(master)`` alone makes ``master`` a top master."""
        if not isinstance(master, AcquisitionObject) and hasattr(master, "create_acquisition_object"):
            master = master.create_acquisition_object()  # a ChainBuilder node
        if not isinstance(slave, AcquisitionObject) and hasattr(slave, "create_acquisition_object"):
            slave = slave.create_acquisition_object()
        if not isinstance(master, AcquisitionMaster):
            raise TypeError(f"object {master!r} is not an AcquisitionMaster")
        if slave is not None and not isinstance(slave, AcquisitionObject):
            raise TypeError(f"object {slave!r} is not an AcquisitionMaster or an AcquisitionSlave")
        if slave is not None and slave in self._parent:
            current = self._parent[slave]
            if isinstance(slave, AcquisitionSlave):
                if current is not None and current is not master:
                    raise RuntimeError(f"Cannot add acquisition device {slave!r} to multiple "
                                       f"masters, current master is {current!r}")
                if current is master:
                    return
        if master not in self._parent:
            for node in self.nodes_list:
                if node.name == master.name:
                    raise RuntimeError(f"Cannot add acquisition master with name '{node.name}`: "
                                       "duplicated name")
            self._parent[master] = None
            self._children[None].append(master)
            self._children[master] = []
        if slave is None:
            return
        if slave in self._parent:  # an existing master moves below another one
            previous = self._parent[slave]
            self._children[previous].remove(slave)
            if previous is not None:
                previous.slaves.remove(slave)
        else:
            self._children.setdefault(slave, [])
        self._parent[slave] = master
        self._children[master].append(slave)
        master.slaves.append(slave)
        slave.parent = master

    def add_preset(self, preset: ChainPreset, master: AcquisitionMaster | None = None) -> None:
        if not isinstance(preset, ChainPreset):
            raise ValueError("Expected ChainPreset instance")
        if master is not None and master not in self.top_masters:
            raise ValueError(f"master {master} not in {self.top_masters}")
        self._presets.setdefault(master, []).append(preset)

    # -- reading -----------------------------------------------------------------------
    @property
    def top_masters(self) -> list[AcquisitionMaster]:
        return list(self._children[None])

    def children(self, obj: AcquisitionObject | None) -> list[AcquisitionObject]:
        return list(self._children.get(obj, ()))

    @property
    def nodes_list(self) -> list[AcquisitionObject]:
        """Every object, depth first (a master before what is below it)."""
        result: list[AcquisitionObject] = []

        def visit(obj: AcquisitionObject) -> None:
            result.append(obj)
            for child in self._children.get(obj, ()):
                visit(child)

        for top in self._children[None]:
            visit(top)
        return result

    def levels(self) -> list[list[AcquisitionObject]]:
        """The objects level by level, the top masters first."""
        levels, current = [], list(self._children[None])
        while current:
            levels.append(current)
            current = [c for obj in current for c in self._children.get(obj, ())]
        return levels

    @property
    def presets(self) -> list[ChainPreset]:
        return [p for presets in self._presets.values() for p in presets]

    def get_node_from_devices(self, *devices: Any) -> list[AcquisitionObject | None]:
        """The acquisition object of each device (counter, axis, device), None if absent."""
        result = []
        for device in devices:
            found = None
            for node in self.nodes_list:
                if device in node._counters or device is node.device or device in node._axes:
                    found = node
                    break
            result.append(found)
        return result

    def _tree_lines(self) -> list[str]:
        lines = ["acquisition chain"]

        def visit(obj: AcquisitionObject, prefix: str, last: bool) -> None:
            lines.append(f"{prefix}{'└── ' if last else '├── '}{obj.name}")
            children = self._children.get(obj, [])
            for i, child in enumerate(children):
                visit(child, prefix + ("    " if last else "│   "), i == len(children) - 1)

        tops = self._children[None]
        for i, top in enumerate(tops):
            visit(top, "", i == len(tops) - 1)
        return lines

    def __info__(self) -> str:
        return "\n".join(self._tree_lines())

    def __iter__(self) -> Iterator[AcquisitionObject]:
        return iter(self.nodes_list)
