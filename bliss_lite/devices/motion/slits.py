"""``class: slits``: gap and offset axes over two or four blades (BLISS's Slits).

Blades are reals tagged ``real up|down`` (vertical) and ``real front|back``
(horizontal); the pseudos are tagged ``vgap``/``voffset`` and ``hgap``/``hoffset``.
``slit_type``: ``vertical``, ``horizontal`` or ``both`` (default).  Gap = sum of the
two blades, offset = half their difference.  Pseudos carry no offset unless
``no_offset: False``.  The scan metadata is an ``NXslit`` with the gaps and offsets.
"""

from __future__ import annotations

from typing import Any

from bliss_lite.devices.motion.axis import Axis
from bliss_lite.devices.motion.calc import CalcController

__all__ = ["Slits"]

SLIT_TYPES = ("both", "vertical", "horizontal")


class Slits(CalcController):
    """Slit blades as gap and offset axes."""

    def _init(self) -> None:
        super()._init()
        self.slit_type = self._node.get("slit_type", "both")
        if self.slit_type not in SLIT_TYPES:
            raise self._node.error(f"'slit_type' must be one of {', '.join(SLIT_TYPES)}, "
                                   f"got {self.slit_type!r}", "slit_type")
        self.no_offset = bool(self._node.get("no_offset", True))
        self.scan_metadata_enabled = True

    def enable_scan_metadata(self) -> None:
        self.scan_metadata_enabled = True

    def disable_scan_metadata(self) -> None:
        self.scan_metadata_enabled = False

    def initialize_axis(self, axis: Axis) -> None:
        axis.no_offset = self.no_offset

    def calc_from_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        calc: dict[str, Any] = {}
        if self.slit_type != "vertical":
            calc["hoffset"] = (positions_dict["front"] - positions_dict["back"]) / 2.0
            calc["hgap"] = positions_dict["back"] + positions_dict["front"]
        if self.slit_type != "horizontal":
            calc["voffset"] = (positions_dict["up"] - positions_dict["down"]) / 2.0
            calc["vgap"] = positions_dict["up"] + positions_dict["down"]
        return calc

    def calc_to_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        real: dict[str, Any] = {}
        if self.slit_type != "vertical":
            real["front"] = positions_dict["hgap"] / 2.0 + positions_dict["hoffset"]
            real["back"] = positions_dict["hgap"] / 2.0 - positions_dict["hoffset"]
        if self.slit_type != "horizontal":
            real["up"] = positions_dict["vgap"] / 2.0 + positions_dict["voffset"]
            real["down"] = positions_dict["vgap"] / 2.0 - positions_dict["voffset"]
        return real

    def dataset_metadata(self) -> dict[str, Any]:
        current = self._calc_from_real()
        meta: dict[str, Any] = {"name": self.name}
        if self.slit_type != "vertical":
            meta.update(horizontal_gap=current["hgap"], horizontal_offset=current["hoffset"])
        if self.slit_type != "horizontal":
            meta.update(vertical_gap=current["vgap"], vertical_offset=current["voffset"])
        return meta

    def scan_metadata(self) -> dict[str, Any]:
        meta = self.dataset_metadata()
        meta.pop("name")
        meta["@NX_class"] = "NXslit"
        return meta
