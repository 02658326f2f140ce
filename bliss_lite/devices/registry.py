"""The built-in ``class:`` names of the configuration and their factories."""

from __future__ import annotations

from bliss_lite.config.registry import ClassEntry
from bliss_lite.devices.measurement_group import measurement_group
from bliss_lite.devices.mockup import custom_mockup, faulty_mockup, mockup
from bliss_lite.devices.motion import (
    CoupledMotionCalc,
    EnergyWavelength,
    Slits,
    calc_motor_mockup,
    llangle_mockup,
)
from bliss_lite.devices.multiple_positions import multiple_positions
from bliss_lite.devices.simulation_counter import simulation_counter
from bliss_lite.devices.simulation_diode import simulation_diode
from bliss_lite.devices.counters import calc
from bliss_lite.devices.demo_diodes import fixed_data_diode, sample_stage_diode
from bliss_lite.devices.lima import lima
from bliss_lite.devices.mca import simulated_mca

#: ``class:`` name → how to create it (``Config(root, classes=BUILTIN_CLASSES)``).
BUILTIN_CLASSES: dict[str, ClassEntry] = {
    "simulation_diode": ClassEntry(simulation_diode),
    "SimulationCounter": ClassEntry(simulation_counter),
    "mockup": ClassEntry(mockup, controller=True),
    "Mockup": ClassEntry(mockup, controller=True),
    "FaultyMockup": ClassEntry(faulty_mockup, controller=True),
    "CustomMockup": ClassEntry(custom_mockup, controller=True),
    "llangle_mockup": ClassEntry(llangle_mockup, controller=True),
    "EnergyWavelength": ClassEntry(EnergyWavelength, controller=True),
    "calc_motor_mockup": ClassEntry(calc_motor_mockup, controller=True),
    "CoupledMotionCalc": ClassEntry(CoupledMotionCalc, controller=True),
    "slits": ClassEntry(Slits, controller=True),
    "Slits": ClassEntry(Slits, controller=True),
    "MultiplePositions": ClassEntry(multiple_positions),
    "MultiplePosition": ClassEntry(multiple_positions),
    "MeasurementGroup": ClassEntry(measurement_group),
    "SimulatedMCA": ClassEntry(simulated_mca),
    "Lima": ClassEntry(lima),
    "ExpressionCalcCounterController": ClassEntry(
        calc.calc_factory(calc.ExpressionCalcCounterController)),
    "ExpressionCalcCounter": ClassEntry(
        calc.calc_factory(calc.ExpressionCalcCounter)),
    "MeanCalcCounterController": ClassEntry(
        calc.calc_factory(calc.MeanCalcCounterController)),
    "Times2CalcCounterController": ClassEntry(
        calc.calc_factory(calc.Times2CalcCounterController)),
    "RoiCalcCounterController": ClassEntry(calc.calc_factory(calc.RoiCalcCounterController)),
    "SampleStageDiode": ClassEntry(sample_stage_diode),
    "FixedDataDiode": ClassEntry(fixed_data_diode),
}
