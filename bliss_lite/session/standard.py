"""The standard functions every session namespace holds (SPEC 5.4, 7.1).

Also what ``bliss.shell.standard`` and ``bliss.common.scans`` offer to setup
files written for BLISS.
"""

from __future__ import annotations

import importlib
from typing import Callable

MOTION = ("mv", "mvr", "umv", "umvr", "wa", "wm", "wu", "sta")
LISTING = ("lsmot", "lscnt", "lsmg", "lsobj", "lsconfig")
SCANS = ("ct", "sct", "loopscan", "timescan", "ascan", "dscan", "a2scan", "d2scan",
         "anscan", "dnscan", "amesh", "dmesh", "pointscan", "lookupscan", "lineup")
ALIGNMENT = ("peak", "com", "cen", "fwhm", "trough", "where", "goto_peak", "goto_com",
             "goto_cen", "goto_min", "plotselect")
METADATA = ("metadata_profiling",)
LIMA = ("limatake", "limastat")

#: where each group lives
_PROVIDERS = (
    ("bliss_lite.commands", MOTION + LISTING),
    ("bliss_lite.scanning", SCANS + ALIGNMENT + METADATA),
    ("bliss_lite.scanning.lima_commands", LIMA),
)

ALL = MOTION + LISTING + SCANS + ALIGNMENT + METADATA + LIMA
#: what ``bliss.common.scans`` holds
SCAN_MODULE = SCANS + ALIGNMENT


def standard_functions(names: tuple[str, ...] = ALL) -> tuple[dict[str, Callable], list[str]]:
    """The standard functions among ``names`` (in that order), and the names that no
    module provides (reported at start-up): ``({"mv": mv, ...}, [])``."""
    found: dict[str, Callable] = {}
    wanted = set(names)
    for module_name, provided in _PROVIDERS:
        if wanted.isdisjoint(provided):
            continue
        module = importlib.import_module(module_name)
        for name in provided:
            if name in wanted:
                function = getattr(module, name, None)
                if callable(function):
                    found[name] = function
    missing = [name for name in names if name not in found]
    return {name: found[name] for name in names if name in found}, missing
