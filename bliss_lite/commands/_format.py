"""Formatting axis values the way BLISS shows them."""

from __future__ import annotations

from typing import Any

from bliss_lite.devices._text import digits_of, with_digits
from bliss_lite.devices._text import label as _label

ERR = "!ERR"
MISSING = "-----"


def rounded(axis: Any, value: Any) -> str:
    """``value`` with the axis display digits (``"inf"``, ``"nan"``, text as is)."""
    return with_digits(value, digits_of(axis))


def label(axis: Any) -> str:
    """``roby[mm]``, or ``roby`` for an axis without unit."""
    return _label(axis.name, getattr(axis, "unit", None))
