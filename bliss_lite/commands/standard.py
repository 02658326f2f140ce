"""The standard functions every session namespace holds (SPEC 5.4, 7.1).

Also what ``bliss.shell.standard`` and ``bliss.common.scans`` offer to setup
files written for BLISS.  Each name is listed once, in the group of the module
providing it: adding a name of BLISS's shell is adding it to a group (or a
``(module, names)`` line to :data:`_PROVIDERS`).
"""

from __future__ import annotations

import importlib
from typing import Any

_MISSING = object()

MOTION = ("mv", "mvr", "umv", "umvr", "wa", "wm", "wu", "sta", "mvd", "mvdr", "umvd", "umvdr",
          "move", "rockit", "sync", "stm")
LISTING = ("lsmot", "lscnt", "lsmg", "lsobj", "lsconfig")
SCANS = ("ct", "sct", "loopscan", "timescan", "ascan", "dscan", "a2scan", "d2scan",
         "anscan", "dnscan", "amesh", "dmesh", "pointscan", "lookupscan", "lineup")
SCANS += ("a3scan", "a4scan", "a5scan", "d3scan", "d4scan", "d5scan", "a3mesh", "d3mesh", "anmesh")
ALIGNMENT = ("peak", "com", "cen", "fwhm", "trough", "where", "goto_peak", "goto_com",
             "goto_cen", "goto_min", "plotselect")
ALIGNMENT += ("find_position", "goto_custom")
METADATA = ("metadata_profiling",)
LIMA = ("limatake", "limastat")
DATA_POLICY = ("newproposal", "endproposal", "newsample", "newcollection", "newdataset",
               "enddataset")
PLOT = ("flint", "plotinit", "replot", "plot", "edit_roi_counters")
#: numpy's math as BLISS's shell offers it (``inf`` is a value, not a function)
MATH = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "log", "log10", "sqrt",
        "exp", "power", "deg2rad", "rad2deg", "inf")
RANDOM = ("rand",)
UTILS = ("sleep", "date", "pprint", "countdown", "bench", "clear", "prdef", "info", "print_html",
         "print_ansi", "text_block", "test_color_styles", "feedback_info", "feedback_info_str",
         "pon", "poff", "time_profile", "greenlets_tree", "greenlets_monitor")
CLEANUP = ("cleanup", "error_cleanup")
LOGGING = ("lslog", "lsdebug", "debugon", "debugoff", "show_debug_level_msg", "log_stdout",
           "elog_print", "elog_add", "elog_prdef", "elog_plot", "elogbook")
DIALOGS = ("menu", "show_dialog")
LOCKING = ("lslock", "lock_context", "force_unlock")
EXTERNAL = ("silx_view", "pymca", "tw_gui", "interlock_show", "interlock_state", "wid",
            "reset_equipment", "tetrammtake")

#: where each group lives
_PROVIDERS = (
    ("bliss_lite.commands", MOTION + LISTING),
    ("bliss_lite.scanning", SCANS + ALIGNMENT + METADATA),
    ("bliss_lite.scanning.esrf_saving", DATA_POLICY),
    ("bliss_lite.flint", PLOT),
    ("numpy", MATH),
    ("bliss_lite.commands.utils", UTILS + RANDOM),
    ("bliss_lite.commands.cleanup", CLEANUP),
    ("bliss_lite.commands.logbook", LOGGING),
    ("bliss_lite.commands.dialogs", DIALOGS),
    ("bliss_lite.commands.locks", LOCKING),
    ("bliss_lite.commands.external", EXTERNAL),
    ("bliss_lite.scanning.lima_commands", LIMA),
)

ALL = tuple(name for _module, names in _PROVIDERS for name in names)
#: what ``bliss.common.scans`` holds
SCAN_MODULE = SCANS + ALIGNMENT


def standard_functions(names: tuple[str, ...] = ALL) -> tuple[dict[str, Any], list[str]]:
    """The standard functions (and values, e.g. ``inf``) among ``names`` (in that
    order), and the names that no module provides (reported at start-up): ``({"mv": mv, ...}, [])``."""
    found: dict[str, Any] = {}
    wanted = set(names)
    for module_name, provided in _PROVIDERS:
        if wanted.isdisjoint(provided):
            continue
        module = importlib.import_module(module_name)
        for name in provided:
            if name in wanted:
                value = getattr(module, name, _MISSING)
                if value is not _MISSING:
                    found[name] = value
    missing = [name for name in names if name not in found]
    return {name: found[name] for name in names if name in found}, missing
