"""``class: EnergyWavelength``: energy (keV, or eV with ``unit: eV``) and wavelength
(Å) axes over a monochromator angle (degrees), as BLISS's calc controller::

    - class: EnergyWavelength
      axes:
        - {name: $mono, tags: real monoang}
        - {name: energy, tags: energy, dspace: 3.13542}   # Si 111
        - {name: wavelength, tags: wavelength}

Bragg's law with the ``dspace`` setting of the energy axis (Å; 3.13542 when unset;
``energy.settings.set("dspace", 3.1356)`` changes it), or, with ``lut: <file>`` on the
controller, a linear interpolation in a look-up table of "energy angle" lines (eV when
the first energy is above 999).  The pseudos carry no offset unless ``no_offset:
False``.  Moving the energy moves the angle; as in BLISS, a wavelength move is used
only while the energy is below 2 (keV).  At angle 0 the energy is inf.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy

from bliss_lite.devices.motion.axis import Axis
from bliss_lite.devices.motion.calc import CalcController

__all__ = ["EnergyWavelength", "HC_OVER_E"]

#: h·c/e in keV·Å, as BLISS's controller uses it
HC_OVER_E = 12.3984
DEFAULT_DSPACE = 3.13542


class EnergyWavelength(CalcController):
    """Energy and wavelength from a monochromator angle."""

    def _init(self) -> None:
        super()._init()
        self.no_offset = bool(self._node.get("no_offset", True))
        self.e_factor = self.m_factor = 1
        self.energy_array: list[float] | None = None
        self.mono_array: list[float] | None = None
        self.lut = self._node.get("lut") or ""
        if self.lut:
            self.energy_array, self.mono_array = self._load_en_table(self.lut)

    def _load_en_table(self, filename: str) -> tuple[list[float], list[float]]:
        path = Path(filename)
        if not path.is_absolute() and self._node.filename:
            path = Path(self._node.filename).parent / path
        try:
            rows = [list(map(float, line.split())) for line in path.read_text().splitlines()
                    if line.strip()]
        except OSError as exc:
            raise self._node.error(f"cannot read the energy look-up table '{filename}' "
                                   f"({exc.strerror})", "lut") from None
        except ValueError:
            raise self._node.error(f"the energy look-up table '{filename}' must hold lines "
                                   f"of two numbers (energy angle)", "lut") from None
        if not rows or any(len(row) < 2 for row in rows):
            raise self._node.error("Energy LUT file format error", "lut")
        energies = [r[0] / 1000.0 for r in rows] if rows[0][0] > 999 else [r[0] for r in rows]
        angles = [r[1] for r in rows]
        # numpy interpolates increasing arrays only
        if sorted(energies) != energies:
            self.e_factor, energies = -1, [-e for e in energies]
        if sorted(angles) != angles:
            self.m_factor, angles = -1, [-a for a in angles]
        return energies, angles

    def initialize_axis(self, axis: Axis) -> None:
        axis.no_offset = self.no_offset
        if not self.lut and "dspace" not in axis._custom:
            axis._custom["dspace"] = axis.config.get("dspace", float)
        axis._unit = axis.config.get("unit", str, "keV")

    def _dspace(self) -> float:
        return self._tagged["energy"][0].settings.get("dspace") or DEFAULT_DSPACE

    def _in_ev(self) -> bool:
        return self._tagged["energy"][0].unit == "eV"

    def calc_from_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        angle = self.m_factor * positions_dict["monoang"]
        if self.mono_array:
            energy = self.e_factor * float(numpy.interp(angle, self.mono_array,
                                                        self.energy_array))
            wavelength = HC_OVER_E / energy if energy else math.inf
        else:
            wavelength = 2 * self._dspace() * math.sin(math.radians(angle))
            energy = HC_OVER_E / wavelength if wavelength else math.inf
        if self._in_ev():
            energy *= 1000
        if "wavelength" not in self._tagged:
            return {"energy": energy}
        return {"energy": energy, "wavelength": wavelength}

    def calc_to_real(self, positions_dict: dict[str, Any]) -> dict[str, Any]:
        energy, wavelength = positions_dict["energy"], positions_dict.get("wavelength", 0)
        if energy < 2:
            egy = self.e_factor * HC_OVER_E / wavelength if wavelength else math.inf
        else:
            egy = self.e_factor * energy
        if self._in_ev():
            egy /= 1000.0
        if self.mono_array:
            angle = self.m_factor * float(numpy.interp(egy, self.energy_array, self.mono_array))
        else:
            ratio = HC_OVER_E / (egy * 2 * self._dspace()) if egy else math.inf
            angle = math.degrees(math.asin(ratio)) if -1 <= ratio <= 1 else math.nan
        return {"monoang": angle}

    def get_axis_info(self, axis: Axis) -> str:
        return "\n"

    def __info__(self) -> str:
        energy, mono = self._tagged["energy"][0], self._tagged["monoang"][0]
        text = ("\nENERGY-WAVELENGTH CALCULATION MOTOR:\n"
                f"         energy axis: {energy.name} ({energy.position:10.5f} keV)\n")
        if "wavelength" in self._tagged:
            wavelength = self._tagged["wavelength"][0]
            text += f"     wavelength axis: {wavelength.name} ({wavelength.position:10.5f} Å)\n"
        text += f"           mono axis: {mono.name} ({mono.position:10.5f} deg)\n"
        if self.lut:
            return text + "     Use LUT: \n     \n"
        return text + f"              dspace: {energy.settings.get('dspace')}\n"
