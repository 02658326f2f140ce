"""A meta-path finder serving ``bliss.*`` names from bliss_lite.

It is appended to ``sys.meta_path`` (last), so it only answers when no other
finder knows the name: an installed BLISS always wins.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any, Callable, Sequence

from bliss_lite.current import session as current_session

_PACKAGES = {
    "bliss": "BLISS compatibility names, provided by bliss_lite (the real BLISS is not installed).",
    "bliss.common": "bliss_lite's stand-in for bliss.common.",
    "bliss.config": "bliss_lite's stand-in for bliss.config.",
    "bliss.scanning": "bliss_lite's stand-in for bliss.scanning.",
    "bliss.shell": "bliss_lite's stand-in for bliss.shell.",
    "bliss.controllers": "bliss_lite's stand-in for bliss.controllers.",
    "bliss.controllers.motors": "bliss_lite's stand-in for bliss.controllers.motors.",
    "bliss.shell.cli": "bliss_lite's stand-in for bliss.shell.cli.",
    "bliss.controllers.mca": "bliss_lite's MCA: the simulated one.",
    "bliss.controllers.lima": "bliss_lite's Lima: a built-in camera simulator.",
    "bliss.controllers.demo": "bliss_lite's demo devices.",
    "bliss.scanning.acquisition": "bliss_lite's stand-in for bliss.scanning.acquisition.",
}

#: modules that *are* a bliss_lite module under another name
_ALIASES = {
    "bliss.setup_globals": "bliss_lite.compat.setup_globals",
    "bliss.scanning.scan_meta": "bliss_lite.scan_meta",
    "bliss.common.counter": "bliss_lite.devices.counters.base",
    "bliss.controllers.counter": "bliss_lite.devices.counters.base",
    "bliss.controllers.mca.simulation": "bliss_lite.devices.mca.simulation",
    "bliss.controllers.lima.roi": "bliss_lite.devices.lima.roi",
    "bliss.common.cleanup": "bliss_lite.commands.cleanup",
    "bliss.common.logtools": "bliss_lite.commands.logbook",
    "bliss.common.event": "bliss_lite.signals",
    "bliss.common.utils": "bliss_lite.utils",
    "bliss.common.greenlet_utils": "bliss_lite.compat.greenlet_utils",
    "bliss.common.session": "bliss_lite.session.bliss_session",
    "bliss.common.measurementgroup": "bliss_lite.compat.measurementgroup",
    "bliss.config.settings": "bliss_lite.compat.settings",
    "bliss.shell.cli.user_dialog": "bliss_lite.commands.dialogs",
    # gevent itself, for BLISS user code, when it is not installed (threads underneath)
    "gevent": "bliss_lite.compat.gevent_lite",
    "gevent.event": "bliss_lite.compat.gevent_lite.event",
    "gevent.lock": "bliss_lite.compat.gevent_lite.lock",
}


def _standard_module(names_attr: str) -> Callable[[types.ModuleType], None]:
    def fill(module: types.ModuleType) -> None:
        from bliss_lite.commands import standard

        names = getattr(standard, names_attr)
        functions, _missing = standard.standard_functions(names)
        module.__dict__.update(functions)
        module.__all__ = list(functions)

    return fill


def _config_static(module: types.ModuleType) -> None:
    from bliss_lite.compat.static import ConfigNode, get_config

    module.get_config = get_config
    module.ConfigNode = ConfigNode
    module.__all__ = ["get_config", "ConfigNode"]


def _module_copy(source: str, extra: Callable[[types.ModuleType], None] | None = None
                 ) -> Callable[[types.ModuleType], None]:
    """A module holding the public names of ``source`` (and what ``extra`` adds)."""
    def fill(module: types.ModuleType) -> None:
        imported = importlib.import_module(source)
        names = getattr(imported, "__all__", [n for n in vars(imported) if not n.startswith("_")])
        module.__dict__.update({name: getattr(imported, name) for name in names})
        module.__all__ = list(names)
        if extra is not None:
            extra(module)

    return fill


def _protocols_extra(module: types.ModuleType) -> None:
    from bliss_lite.utils import IterableNamespace

    def counter_namespace(counters):
        """The counters as a namespace by name (``counters.diode``, ``counters[0]``)."""
        if isinstance(counters, dict):
            return IterableNamespace(**counters)
        return IterableNamespace(**{counter.name: counter for counter in counters})

    module.IterableNamespace = IterableNamespace
    module.counter_namespace = counter_namespace
    module.Scannable = module.Movable
    module.__all__ += ["IterableNamespace", "counter_namespace", "Scannable"]


def _scan_math_extra(module: types.ModuleType) -> None:
    import collections

    import numpy

    Peak = collections.namedtuple("Peak", ["x", "y"])
    Trough = collections.namedtuple("Trough", ["x", "y"])

    def _extreme(x, y, pick, kind):
        x, y = module._finite(x, y)
        index = int(pick(y))
        return kind(float(x[index]), float(y[index]))

    def peak2(x, y):
        """``(x, y)`` of the highest finite point (``Peak(x=..., y=...)``)."""
        return _extreme(x, y, numpy.argmax, Peak)

    def trough2(x, y):
        """``(x, y)`` of the lowest finite point (``Trough(x=..., y=...)``)."""
        return _extreme(x, y, numpy.argmin, Trough)

    module._finite = importlib.import_module("bliss_lite.scanning.scan_math")._finite
    module.Peak, module.Trough, module.peak2, module.trough2 = Peak, Trough, peak2, trough2
    module.__all__ += ["Peak", "Trough", "peak2", "trough2"]


def _plot_module(module: types.ModuleType) -> None:
    from bliss_lite.commands import standard

    names = [name for name in ("plotselect", "plotinit", "replot", "plot", "flint")
             if name in standard.ALL]
    functions, _missing = standard.standard_functions(tuple(names))
    module.__dict__.update(functions)
    module.__all__ = list(functions)


def _names(source: str, *names: str) -> Callable[[types.ModuleType], None]:
    """A module holding ``names`` of the bliss_lite module ``source``."""
    def fill(module: types.ModuleType) -> None:
        imported = importlib.import_module(source)
        module.__dict__.update({name: getattr(imported, name) for name in names})
        module.__all__ = list(names)

    return fill


def _merged(*fillers: Callable[[types.ModuleType], None]) -> Callable[[types.ModuleType], None]:
    def fill(module: types.ModuleType) -> None:
        names: list[str] = []
        for filler in fillers:
            filler(module)
            names += module.__all__
        module.__all__ = names

    return fill


def _scans_module(module: types.ModuleType) -> None:
    _standard_module("SCAN_MODULE")(module)
    from bliss_lite.scanning.scans import DEFAULT_CHAIN

    module.DEFAULT_CHAIN = DEFAULT_CHAIN
    module.__all__.append("DEFAULT_CHAIN")


#: modules built on demand (packages of _PACKAGES too)
_BUILT = {
    "bliss.controllers.simulation_counter": _merged(
        _names("bliss_lite.devices.simulation_counter", "SimulationCounter"),
        _names("bliss_lite.devices.simulation_signals", "FixedShapeCounter", "OneDimSimulationCounter",
               "OneDimSimulationController")),
    "bliss.controllers.simulation_calc_counter": _names(
        "bliss_lite.devices.counters.calc", "MeanCalcCounterController", "Times2CalcCounterController"),
    "bliss.controllers.expression_based_calc": _names(
        "bliss_lite.devices.counters.calc", "ExpressionCalcCounterController", "ExpressionCalcCounter"),
    "bliss.controllers.mca": _names("bliss_lite.devices.mca", "SimulatedMCA"),
    "bliss.controllers.lima.lima_base": _names("bliss_lite.devices.lima", "Lima"),
    "bliss.controllers.lima.limatools": _names("bliss_lite.scanning.lima_commands", "limatake", "limastat"),
    "bliss.controllers.demo.sample_stage_diode": _names("bliss_lite.devices.demo_diodes", "SampleStageDiode"),
    "bliss.controllers.demo.fixed_data_diode": _names("bliss_lite.devices.demo_diodes", "FixedDataDiode"),
    "bliss.config.static": _config_static,
    "bliss.common.scans": _scans_module,
    "bliss.common.standard": _standard_module("ALL"),
    "bliss.shell.standard": _standard_module("ALL"),
    "bliss.common.protocols": _module_copy("bliss_lite.devices.protocols", _protocols_extra),
    "bliss.scanning.scan_math": _module_copy("bliss_lite.scanning.scan_math", _scan_math_extra),
    "bliss.common.plot": _plot_module,
    "bliss.scanning.scan_tools": _names(
        "bliss_lite.scanning.alignment", "peak", "com", "cen", "fwhm", "trough", "find_position",
        "goto_peak", "goto_min", "goto_com", "goto_cen", "goto_custom", "where"),
}

_MOTION = "bliss_lite.devices.motion"
_AXIS = ((_MOTION, ("Axis", "NoSettingsAxis", "CalcAxis", "ModuloAxis", "AxisOnLimitError",
                    "AxisOffError", "AxisFaultError")), ("bliss_lite.devices.axis_state", ("AxisState",)))
#: modules made of names of bliss_lite modules: (module, names), ...
_REEXPORT = {
    "bliss.common.axis": _AXIS,
    "bliss.common.axis.axis": _AXIS,
    "bliss.common.axis.state": (("bliss_lite.devices.axis_state", ("AxisState",)),),
    "bliss.common.axis.error": ((_MOTION, ("AxisOnLimitError", "AxisOffError", "AxisFaultError")),),
    "bliss.controllers.motor": ((_MOTION, ("Controller", "CalcController", "get_real_axes")),),
    "bliss.controllers.motors.mockup": (("bliss_lite.devices.mockup", ("Mockup", "MockupAxis",
                                                                        "FaultyMockup", "CustomMockup")),),
    "bliss.controllers.motors.mockup_calc": ((_MOTION, ("calc_motor_mockup", "CoupledMotionCalc",
                                                        "llangle_mockup")),),
    "bliss.controllers.motors.energywavelength": ((_MOTION, ("EnergyWavelength",)),),
    "bliss.common.closed_loop": ((_MOTION, ("ClosedLoop", "ClosedLoopState")),),
    "bliss.controllers.motors.slits": ((_MOTION, ("Slits",)),),
    "bliss.common.soft_axis": (("bliss_lite.commands", ("SoftAxis",)),),
    "bliss.scanning.scan": (("bliss_lite.scanning.engine", ("Scan", "ScanState", "ScanAbort")),
                            ("bliss_lite.scanning.presets", ("ScanPreset",))),
    "bliss.scanning.scan_state": (("bliss_lite.scanning.engine", ("ScanState",)),),
    "bliss.scanning.chain": (("bliss_lite.scanning.chain", ("AcquisitionChain", "AcquisitionMaster",
                              "AcquisitionSlave", "AcquisitionObject", "ChainPreset",
                              "ChainIterationPreset", "TRIGGER_MODE_ENUM")),
                             ("bliss_lite.scanning.toolbox", ("ChainNode",))),
    "bliss.scanning.channel": (("bliss_lite.scanning.chain", ("AcquisitionChannel",
                                                              "AxisAcquisitionChannel")),),
    "bliss.scanning.scan_info": (("bliss_lite.scanning.scan_info", ("ScanInfo",)),),
    "bliss.common.scans.scan_info": (("bliss_lite.scanning.scan_info", ("ScanInfoFactory",)),),
    "bliss.scanning.toolbox": (("bliss_lite.scanning.toolbox", ("ChainBuilder", "DefaultAcquisitionChain",
                                "StandardScanAcquisitionChain")),),
    "bliss.scanning.acquisition.timer": (("bliss_lite.scanning.acquisition.timer", ("SoftwareTimerMaster",)),),
    "bliss.scanning.acquisition.motor": (("bliss_lite.scanning.acquisition.motor", (
        "LinearStepTriggerMaster", "MeshStepTriggerMaster", "VariableStepTriggerMaster", "MotorMaster")),),
    "bliss.common.scans.simulation": (("bliss_lite.scanning.simulation", (
        "simu_l2scan", "simu_mesh", "FakeController", "FakeCounter", "FakeAcquisitionSlave",
        "FakeAcquisitionCard", "FakeAcquisitionCardMaster")),),
    "bliss.common.image_tools": (("bliss_lite.scanning.simulation", ("test_image",)),),
    "bliss.scanning.acquisition.counter": (("bliss_lite.scanning.acquisition.counter",
                                            ("SamplingCounterAcquisitionSlave",)),),
    "bliss.common.motor_group": ((_MOTION, ("Group", "is_motor_group")),),
}
_REEXPORT_PACKAGES = {"bliss.common.axis", "bliss.common.scans"}


def _reexport(module: types.ModuleType) -> None:
    names = []
    for source, attrs in _REEXPORT[module.__name__]:
        imported = importlib.import_module(source)
        for attr in attrs:
            setattr(module, attr, getattr(imported, attr))
            names.append(attr)
    module.__all__ = names


_BUILT.update({name: _reexport for name in _REEXPORT})

NAMES = frozenset(_PACKAGES) | frozenset(_ALIASES) | frozenset(_BUILT)


class BlissCompatFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and loads the ``bliss.*`` compatibility modules."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in NAMES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname in _PACKAGES
                                              or fullname in _REEXPORT_PACKAGES)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # default module creation

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        if name in _PACKAGES:
            module.__doc__ = _PACKAGES[name]
            if name in _BUILT:
                _BUILT[name](module)
            if name == "bliss":
                from bliss_lite._version import __version__

                module.__version__ = f"bliss_lite-{__version__}"
                module.__getattr__ = _bliss_getattr  # type: ignore[attr-defined]
        elif name in _ALIASES:
            # The import system returns whatever sys.modules holds after exec_module:
            # the bliss_lite module itself, so both names share one module object.
            sys.modules[name] = importlib.import_module(_ALIASES[name])
        else:
            module.__doc__ = f"bliss_lite's stand-in for {name}."
            _BUILT[name](module)


def _bliss_getattr(name: str):
    """``bliss.current_session``: the open bliss_lite session (or None)."""
    if name == "current_session":
        return current_session()
    raise AttributeError(f"module 'bliss' has no attribute {name!r} (bliss_lite provides only a part of BLISS)")
