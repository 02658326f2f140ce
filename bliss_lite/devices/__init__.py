"""Simulated hardware and the capabilities scans ask of devices.

Scans use the protocols (``Counter``, ``Movable``, ``HasMetadataForScan``,
``PreparesForScan``, ``CounterContainer``); the configuration creates devices
through :data:`BUILTIN_CLASSES`.
"""

from bliss_lite.devices.axis_state import AxisState
from bliss_lite.devices.measurement_group import MeasurementGroup
from bliss_lite.devices.mockup import FaultyMockup, Mockup, MockupAxis, MockupController, SimulatedClock
from bliss_lite.devices.motion import (
    Axis,
    AxisConfig,
    CalcController,
    Controller,
    Group,
    Slits,
)
from bliss_lite.devices.moving import move_together
from bliss_lite.devices.multiple_positions import MultiplePositions
from bliss_lite.devices.protocols import (
    ChannelSpec,
    Counter,
    CounterContainer,
    HasMetadataForScan,
    Movable,
    PreparesForScan,
    ScanOutline,
)
from bliss_lite.devices.registry import BUILTIN_CLASSES
from bliss_lite.devices.simulation_counter import SimulationCounter
from bliss_lite.devices.simulation_diode import SamplingMode, SimulationDiode

__all__ = [
    "Axis",
    "AxisConfig",
    "CalcController",
    "Controller",
    "FaultyMockup",
    "Group",
    "Mockup",
    "SimulatedClock",
    "Slits",
    "AxisState",
    "BUILTIN_CLASSES",
    "ChannelSpec",
    "Counter",
    "CounterContainer",
    "HasMetadataForScan",
    "MeasurementGroup",
    "MockupAxis",
    "MockupController",
    "Movable",
    "MultiplePositions",
    "PreparesForScan",
    "SamplingMode",
    "ScanOutline",
    "move_together",
    "SimulationCounter",
    "SimulationDiode",
]
