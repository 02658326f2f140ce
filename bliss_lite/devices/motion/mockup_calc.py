"""The calc controllers BLISS ships for simulation: ``calc_motor_mockup`` and
``CoupledMotionCalc``."""

from __future__ import annotations

from typing import Any

from bliss_lite.devices.motion.axis import Axis
from bliss_lite.devices.motion.calc import CalcController

__all__ = ["CoupledMotionCalc", "calc_motor_mockup"]


class calc_motor_mockup(CalcController):  # noqa: N801 - BLISS's class name
    """``calc_mot = s_param × real_mot``; ``s_param`` is a setting of the calc axis
    (YAML ``s_param:``, changed with ``calc_mot.settings.set("s_param", 3)``).  The
    calc axis's unit is keV."""

    def initialize_axis(self, axis: Axis) -> None:
        if "s_param" not in axis._custom:
            axis._custom["s_param"] = float(axis.config.get("s_param", float, 1.0))
        axis._unit = "keV"

    def _s_param(self) -> float:
        return self._tagged["calc_mot"][0].settings.get("s_param")

    def calc_from_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        return {"calc_mot": self._s_param() * positions_dict["real_mot"]}

    def calc_to_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        return {"real_mot": positions_dict["calc_mot"] / self._s_param()}


class CoupledMotionCalc(CalcController):
    """One calc axis moving every real to ``calc_mot × factor`` (YAML ``factor``,
    default 1); its position is the one of the real tagged ``mot1``."""

    def initialize(self) -> None:
        self.factor = self._node.get("factor", 1)

    def calc_from_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        return {"calc_mot": positions_dict["mot1"]}

    def calc_to_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        real_pos = positions_dict["calc_mot"] * self.factor
        return {self._axis_tag(real): real_pos for real in self.reals}
