"""Formatting axis values the way BLISS shows them."""

from __future__ import annotations

import math
import numbers
from typing import Any

ERR = "!ERR"
MISSING = "-----"


def digits_of(axis: Any) -> int:
    try:
        return int(axis.display_digits)
    except Exception:
        return 5


def rounded(axis: Any, value: Any) -> str:
    """``value`` with the axis display digits (``"inf"``, ``"nan"``, text as is)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "nan"
    return f"{value:.{digits_of(axis)}f}"


def label(axis: Any) -> str:
    """``roby[mm]``, or ``roby`` for an axis without unit."""
    unit = getattr(axis, "unit", None)
    return f"{axis.name}[{unit}]" if unit else axis.name
