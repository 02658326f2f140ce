"""The everyday shell commands: moving motors and listing the session (SPEC 5.4).

The functions work on the current session's objects (:mod:`bliss_lite.current`;
motors are the namespace values that are ``Movable``, in namespace order).  ``devices_in(namespace)`` and ``motors(namespace)`` tell the
session which of its values are devices and axes, by the same rule.
"""

from bliss_lite.commands.lookup import devices_in, motors
from bliss_lite.commands.listing import lscnt, lsconfig, lsmg, lsmot, lsobj, sta, stm, wa, wm, wu
from bliss_lite.commands.motion import (
    move,
    mv,
    mvd,
    mvdr,
    mvr,
    rockit,
    sync,
    umv,
    umvd,
    umvdr,
    umvr,
)
from bliss_lite.commands.soft_axis import SoftAxis

__all__ = ["SoftAxis", "devices_in", "lscnt", "lsconfig", "lsmg", "lsmot", "lsobj", "motors",
           "move", "mv", "mvd", "mvdr", "mvr", "rockit", "sta", "stm", "sync", "umv", "umvd",
           "umvdr", "umvr", "wa", "wm", "wu"]
