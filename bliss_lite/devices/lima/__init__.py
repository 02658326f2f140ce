"""Lima cameras (``bliss.controllers.lima``): a built-in simulator with BLISS's interface."""

from bliss_lite.devices.lima.lima import Lima, lima
from bliss_lite.devices.lima.roi import ArcRoi, Roi, RoiProfile

__all__ = ["ArcRoi", "Lima", "Roi", "RoiProfile", "lima"]
