"""MCA detectors (``bliss.controllers.mca``): the simulated one."""

from bliss_lite.devices.mca.simulation import SimulatedMCA, Stats, simulated_mca

__all__ = ["SimulatedMCA", "Stats", "simulated_mca"]
