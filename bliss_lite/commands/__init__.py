"""The everyday shell commands: moving motors and listing the session (SPEC 5.4).

The functions work on the current session's objects (:mod:`bliss_lite.current`;
motors are the namespace values that are ``Movable``, in namespace order).  ``devices_in(namespace)`` and ``motors(namespace)`` tell the
session which of its values are devices and axes, by the same rule.
"""

from bliss_lite.commands.lookup import devices_in, motors
from bliss_lite.commands.listing import lscnt, lsconfig, lsmg, lsmot, lsobj, sta, wa, wm, wu
from bliss_lite.commands.motion import mv, mvr, umv, umvr

__all__ = ["devices_in", "lscnt", "lsconfig", "lsmg", "lsmot", "lsobj", "motors", "mv", "mvr", "sta", "umv",
           "umvr", "wa", "wm", "wu"]
