"""``SoftAxis(name, obj, position=..., move=..., ...)``: an axis over any object, put
in the session namespace (BLISS's ``bliss.common.soft_axis.SoftAxis``)."""

from __future__ import annotations

import math
from typing import Any

from bliss_lite.commands import lookup
from bliss_lite.devices.motion import Axis, make_soft_axis


def SoftAxis(name: str, obj: Any, position: Any = "position", move: Any = "position",  # noqa: N802
             stop: Any = None, state: Any = None, low_limit: float = -math.inf,
             high_limit: float = math.inf, tolerance: float | None = None,
             export_to_session: bool = True, unit: str | None = None,
             as_positioner: bool = False, display_digits: int | None = None) -> Axis:
    """A software axis ``name`` reading ``obj.<position>`` and moving with
    ``obj.<move>`` (attribute names, method names or callables); ``stop``/``state``
    name methods.  Exported to the session namespace under ``name`` (which must be
    free); shown by ``wa()`` only when ``as_positioner``."""
    axis = make_soft_axis(name, obj, position, move, stop, state, low_limit, high_limit,
                          tolerance, unit, display_digits)
    axis._positioner = as_positioner
    namespace = lookup.namespace()
    if export_to_session and hasattr(namespace, "__setitem__"):
        config = lookup.config()
        if name in namespace or (config is not None and name in getattr(config, "names", ())):
            raise ValueError(f"Cannot export object to session with the name '{name}', "
                             f"name is already taken! ")
        namespace[name] = axis
    return axis
