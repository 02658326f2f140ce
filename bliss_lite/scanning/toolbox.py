"""Building chains from counters: :class:`ChainBuilder`, and the default chain
the standard scans use (``DEFAULT_CHAIN``, :class:`DefaultAcquisitionChain`)."""

from __future__ import annotations

from typing import Any, Sequence

from bliss_lite.scanning.acquisition.timer import SoftwareTimerMaster
from bliss_lite.scanning.acquisition.counter import SamplingCounterAcquisitionSlave
from bliss_lite.scanning.chain import (AcquisitionChain, AcquisitionMaster, AcquisitionSlave, ChainPreset,
                                      _counter_controller_name)

__all__ = ["ChainBuilder", "ChainNode", "DefaultAcquisitionChain", "StandardScanAcquisitionChain"]


def _controller_of(counter: Any) -> Any:
    controller = getattr(counter, "_counter_controller", None)
    if controller is not None:
        return controller
    return _counter_controller_name(counter)


class ChainNode:
    """What :class:`~bliss_lite.scanning.toolbox.ChainBuilder` gives per counter
    controller: its counters, and the acquisition object made of them once
    ``set_parameters(acq_params={"count_time": ..., "npoints": ...})`` is called."""

    def __init__(self, controller: Any) -> None:
        self._controller = controller
        self._counters: list[Any] = []
        self._acq_params: dict = {}
        self._ctrl_params: dict = {}
        self._acq_obj: AcquisitionSlave | None = None
        self._children: list[ChainNode] = []

    @property
    def controller(self) -> Any:
        return self._controller

    @property
    def counters(self) -> list[Any]:
        return self._counters

    @property
    def children(self) -> list["ChainNode"]:
        return self._children

    @property
    def is_master(self) -> bool:
        return bool(self._children)

    @property
    def is_top_level(self) -> bool:
        return True

    @property
    def acquisition_obj(self) -> AcquisitionSlave | None:
        return self._acq_obj

    @property
    def acquisition_parameters(self) -> dict:
        return self._acq_params

    @property
    def controller_parameters(self) -> dict:
        return self._ctrl_params

    def add_counter(self, counter: Any) -> None:
        if counter not in self._counters:
            self._counters.append(counter)

    def set_parameters(self, acq_params: dict | None = None, ctrl_params: dict | None = None,
                       force: bool = False) -> None:
        if self._acq_obj is not None and not force:
            raise RuntimeError(f"chain node {self.get_repr_str()}: parameters are already set "
                               "(its acquisition object exists); use force=True")
        if acq_params is not None:
            self._acq_params = dict(acq_params)
        if ctrl_params is not None:
            self._ctrl_params = dict(ctrl_params)
        if force:
            self._acq_obj = None

    def _get_default_chain_parameters(self, scan_params: dict, acq_params: dict) -> dict:
        params = {"count_time": scan_params.get("count_time", 1), "npoints": scan_params.get("npoints", 1)}
        params.update(acq_params)
        return params

    def create_acquisition_object(self, force: bool = False) -> AcquisitionSlave:
        if self._acq_obj is not None and not force:
            return self._acq_obj
        if "count_time" not in self._acq_params:
            raise ValueError(f"chain node {self.get_repr_str()}: acq_params need 'count_time' "
                             "(set_parameters(acq_params={'count_time': ..., 'npoints': ...}))")
        self._acq_obj = SamplingCounterAcquisitionSlave(
            *self._counters, count_time=self._acq_params["count_time"],
            npoints=self._acq_params.get("npoints", 1), ctrl_params=self._ctrl_params)
        return self._acq_obj

    def get_repr_str(self) -> str:
        return f"{self._controller} ({', '.join(c.name for c in self._counters)})"

    def __repr__(self) -> str:
        return f"<ChainNode {self.get_repr_str()}>"


class ChainBuilder:
    """The counters of ``counters`` (counters, measurement groups, controllers; none:
    the active measurement group), one :class:`ChainNode` per controller::

        builder = ChainBuilder([diode, diode2])
        for node in builder.nodes:
            node.set_parameters(acq_params={"count_time": 0.1, "npoints": 10})
            chain.add(timer, node)
    """

    def __init__(self, counters: Sequence[Any]) -> None:
        from bliss_lite.scanning import _arguments as check
        from bliss_lite.scanning import context as _context

        self._counter_list = check.counters("ChainBuilder", list(counters),
                                            _context.current().default_counters)
        self._nodes: dict[Any, ChainNode] = {}
        for counter in self._counter_list:
            controller = _controller_of(counter)
            node = self._nodes.get(controller)
            if node is None:
                node = self._nodes[controller] = ChainNode(controller)
            node.add_counter(counter)

    @property
    def nodes(self) -> list[ChainNode]:
        return list(self._nodes.values())

    def get_top_level_nodes(self, nodes: Sequence[ChainNode] | None = None) -> list[ChainNode]:
        return [n for n in (self.nodes if nodes is None else nodes) if n.is_top_level]

    def get_nodes_by_controller_type(self, ctrl_class: type, nodes: Sequence[ChainNode] | None = None) -> list[ChainNode]:
        return [n for n in (self.nodes if nodes is None else nodes) if isinstance(n.controller, ctrl_class)]

    def get_nodes_by_controller_name(self, name: str, nodes: Sequence[ChainNode] | None = None) -> list[ChainNode]:
        return [n for n in (self.nodes if nodes is None else nodes)
                if getattr(n.controller, "name", n.controller) == name]

    def get_nodes_not_ready(self, nodes: Sequence[ChainNode] | None = None) -> list[ChainNode]:
        return [n for n in (self.nodes if nodes is None else nodes) if n.acquisition_obj is None]

    def print_tree(self, nodes: Sequence[ChainNode] | None = None, not_ready_only: bool = True) -> None:
        nodes = self.nodes if nodes is None else list(nodes)
        if not_ready_only and not self.get_nodes_not_ready(nodes):
            return
        for node in nodes:
            print(f"-->{node.get_repr_str()}")


class StandardScanAcquisitionChain(AcquisitionChain):
    """The chain of a standard scan; ``timer`` is its SoftwareTimerMaster."""

    def __init__(self, parallel_prepare: bool = True) -> None:
        super().__init__(parallel_prepare=parallel_prepare)
        self.timer: SoftwareTimerMaster | None = None


class DefaultAcquisitionChain:
    """How the standard scans build their chain (``DEFAULT_CHAIN``): a
    SoftwareTimerMaster over one node per counter controller, below ``top_master``
    when there is one; the presets added here go to every standard scan."""

    def __init__(self) -> None:
        self._settings: dict[Any, dict] = {}
        self._presets: dict[Any, ChainPreset] = {}

    def clear(self) -> None:
        self._settings = {}
        self._presets = {}

    reset = clear

    def set_settings(self, settings_list: Sequence[dict]) -> None:
        """``[{"device": counter_or_controller, "acquisition_settings": {...},
        "master": ...}, ...]``: acquisition parameters for devices in the default chain."""
        if not isinstance(settings_list, (list, tuple)):
            raise TypeError(f"set_settings() takes a list of dicts, not {type(settings_list).__name__}")
        settings = {}
        for item in settings_list:
            if not isinstance(item, dict) or "device" not in item:
                raise ValueError(f"default_chain config: every item needs a 'device' key, got {item!r}"[:200])
            device = item["device"]
            controller = _controller_of(device) if hasattr(device, "fullname") else getattr(device, "name", device)
            if item.get("master") is not None:
                raise ValueError(f"default_chain config: '{getattr(device, 'name', device)}': there "
                                 "are no hardware-triggered masters here ('master' is not supported)")
            settings[controller] = {"acquisition_settings": dict(item.get("acquisition_settings") or {}),
                                    "master": None}
        self._settings = settings

    @property
    def settings(self) -> dict:
        return self._settings

    def add_preset(self, preset: ChainPreset, name: Any = None) -> None:
        if not isinstance(preset, ChainPreset):
            raise ValueError("Expected ChainPreset instance")
        self._presets[id(preset) if name is None else name] = preset

    def remove_preset(self, preset: ChainPreset | None = None, name: Any = None) -> None:
        self._presets.pop(id(preset) if name is None else name, None)

    def get(self, scan_pars: dict, counter_args: Sequence[Any],
            top_master: AcquisitionMaster | None = None) -> StandardScanAcquisitionChain:
        count_time = scan_pars.get("count_time", 1)
        npoints = scan_pars.get("npoints", 1)
        chain = StandardScanAcquisitionChain()
        timer = SoftwareTimerMaster(count_time, npoints=npoints, sleep_time=scan_pars.get("sleep_time"))
        for node in ChainBuilder(counter_args).nodes:
            extra = self._settings.get(node.controller, {}).get("acquisition_settings", {})
            node.set_parameters(acq_params=node._get_default_chain_parameters(scan_pars, dict(extra)))
            chain.add(timer, node)
        for preset in self._presets.values():
            chain.add_preset(preset)
        if top_master is not None:
            chain.add(top_master, timer)
        chain.timer = timer
        return chain
