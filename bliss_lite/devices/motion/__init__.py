"""Motion as BLISS has it: axes, controllers, calc axes, slits, soft axes, groups.

``Axis`` (BLISS 2.4's interface over a controller), ``Controller`` (builds its axes
and encoders from YAML), ``CalcController`` (subclass it: ``calc_from_real`` /
``calc_to_real``), ``calc_motor_mockup``, ``CoupledMotionCalc``, ``llangle_mockup``,
``EnergyWavelength``, ``Slits``, ``ModuloAxis``, ``ClosedLoop``,
``Group`` and ``make_soft_axis``.  The mockup controllers are in
:mod:`bliss_lite.devices.mockup`.
"""

from bliss_lite.devices.motion.axis import (
    Axis,
    AxisFaultError,
    AxisOffError,
    AxisOnLimitError,
    NoSettingsAxis,
)
from bliss_lite.devices.motion.calc import CalcAxis, CalcController, get_real_axes
from bliss_lite.devices.motion.config import AxisConfig
from bliss_lite.devices.motion.controller import Controller
from bliss_lite.devices.motion.encoder import Encoder
from bliss_lite.devices.motion.group import Group, group_state, is_motor_group
from bliss_lite.devices.motion.closed_loop import ClosedLoop, ClosedLoopState
from bliss_lite.devices.motion.energywavelength import EnergyWavelength
from bliss_lite.devices.motion.mockup_calc import CoupledMotionCalc, calc_motor_mockup, llangle_mockup
from bliss_lite.devices.motion.modulo import ModuloAxis
from bliss_lite.devices.motion.slits import Slits
from bliss_lite.devices.motion.soft import SoftAxisController, make_soft_axis

__all__ = ["Axis", "AxisConfig", "AxisFaultError", "AxisOffError", "AxisOnLimitError", "CalcAxis",
           "CalcController", "ClosedLoop", "ClosedLoopState", "Controller", "CoupledMotionCalc",
           "Encoder", "EnergyWavelength", "Group", "ModuloAxis", "NoSettingsAxis", "Slits",
           "SoftAxisController", "calc_motor_mockup", "get_real_axes", "group_state",
           "is_motor_group", "llangle_mockup", "make_soft_axis"]
