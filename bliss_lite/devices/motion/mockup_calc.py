"""The calc controllers BLISS ships for simulation: ``calc_motor_mockup``,
``CoupledMotionCalc`` and ``llangle_mockup``."""

from __future__ import annotations

import math
from typing import Any

from bliss_lite.devices.motion.axis import Axis
from bliss_lite.devices.motion.calc import CalcController

__all__ = ["CoupledMotionCalc", "calc_motor_mockup", "llangle_mockup"]


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


class llangle_mockup(CalcController):  # noqa: N801 - BLISS's class name
    """A bent Laue crystal (BLISS issue 1909): reals tagged ``bend``, ``ty``, ``rz``;
    pseudos ``truebend = bend - bend_zero``, ``absty = ty - ty_zero`` and ``angle``:
    ``rz`` plus the bending's effect, ``degrees(truebend × absty / bend_y)``, when the
    crystal is bent (truebend > 0) and in the beam (absty < 75).  ``bend_zero``,
    ``bend_y`` and ``ty_zero`` are keys of the controller's YAML."""

    def initialize(self) -> None:
        values = {}
        for key in ("bend_zero", "bend_y", "ty_zero"):
            value = self._node.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self._node.error(f"'{key}' must be a number, got {value!r}", key)
            values[key] = float(value)
        if values["bend_y"] == 0:
            raise self._node.error("'bend_y' must not be 0", "bend_y")
        self.bend_zero, self.bend_y, self.ty_zero = (values["bend_zero"], values["bend_y"],
                                                     values["ty_zero"])

    def _bend_offset(self, truebend: float, absty: float) -> float:
        if truebend > 0 and absty < 75.0:
            return math.degrees(truebend * absty / self.bend_y)
        return 0.0

    def calc_from_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        truebend = positions_dict["bend"] - self.bend_zero
        absty = positions_dict["ty"] - self.ty_zero
        angle = positions_dict["rz"] + self._bend_offset(truebend, absty)
        return {"angle": angle, "truebend": truebend, "absty": absty}

    def calc_to_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        truebend, absty = positions_dict["truebend"], positions_dict["absty"]
        return {"bend": truebend + self.bend_zero, "ty": absty + self.ty_zero,
                "rz": positions_dict["angle"] - self._bend_offset(truebend, absty)}
