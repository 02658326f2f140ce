"""Scanning: the standard scans, the scan engine, ``SCAN_SAVING``, alignment,
metadata and display.

What other rooms and users may use::

    from bliss_lite.scanning import ascan, loopscan, ct, ...     # SPEC 7.1
    from bliss_lite.scanning import Scan, ScanState, ScanAbort  # the scan object
    from bliss_lite.scanning import ScanSaving, ScanDisplay     # SCAN_SAVING, SCAN_DISPLAY
    from bliss_lite.scanning import peak, cen, goto_peak, plotselect, ...
    from bliss_lite.scanning.context import ScanContext, current
    from bliss_lite.devices.protocols import ScanOutline         # the points a Scan visits

Scan metadata is its own package (``bliss_lite.scan_meta``, SPEC 6), the scan events
a leaf module (``bliss_lite.events``).
"""

from bliss_lite.scanning.alignment import (
    cen,
    com,
    find_position,
    fwhm,
    goto_cen,
    goto_custom,
    goto_com,
    goto_min,
    goto_peak,
    peak,
    plotselect,
    trough,
    where,
)
from bliss_lite.scanning.data import ScanData
from bliss_lite.scanning.display import ScanDisplay
from bliss_lite.scanning.engine import Scan, ScanAbort, ScanState
from bliss_lite.scan_meta import metadata_profiling
from bliss_lite.scanning.scan_saving import ScanSaving
from bliss_lite.scanning.scans import (
    a2scan,
    a3mesh,
    a3scan,
    a4scan,
    a5scan,
    anmesh,
    d3mesh,
    d3scan,
    d4scan,
    d5scan,
    amesh,
    anscan,
    ascan,
    ct,
    d2scan,
    dmesh,
    dnscan,
    dscan,
    lineup,
    lookupscan,
    loopscan,
    pointscan,
    sct,
    timescan,
)

__all__ = [
    "Scan", "ScanAbort", "ScanData", "ScanDisplay", "ScanSaving", "ScanState",
    "a2scan", "amesh", "anscan", "ascan", "ct", "d2scan", "dmesh", "dnscan", "dscan",
    "lineup", "lookupscan", "loopscan", "pointscan", "sct", "timescan",
    "a3scan", "a4scan", "a5scan", "d3scan", "d4scan", "d5scan", "a3mesh", "d3mesh", "anmesh",
    "cen", "com", "fwhm", "goto_cen", "goto_com", "goto_min", "goto_peak", "peak",
    "plotselect", "trough", "where", "find_position", "goto_custom",
    "metadata_profiling",
]
