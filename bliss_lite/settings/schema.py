"""What a state file may hold: :func:`problem` says why one cannot be trusted.

A state file is the store's own output, so anything else in it — nesting deeper
than :data:`MAX_DEPTH`, a value of the wrong type under a key bliss_lite writes, a
value a device would refuse (a velocity of 0, a NaN position) — means the file was
damaged or written by someone else: the store sets it aside, whole, and every object
starts with its configuration values.  Keys bliss_lite does not know are checked
for their nesting only (a newer version may write more); known keys are checked
leniently (extra fields of a mapping are allowed).

The keys and the fields their objects save (strings only; no import of those
objects' rooms):

* ``axis.<name>``: ``dial``, ``offset`` (finite numbers), ``sign`` (1 or -1),
  ``low_limit``/``high_limit`` (numbers, or ``"inf"``/``"-inf"``), ``velocity``,
  ``acceleration`` (positive finite numbers), each of them possibly null (unset),
  ``config`` (the same fields);
* ``mg.<name>.disabled``: a list of counter names; ``active_mg``: a name or null;
* ``scan_counter``: an integer >= 0; ``scan_saving``, ``scan_display``: mappings;
  ``plotselect``: a list of names;
* ``mca.<name>.rois``: a mapping of identifiers to ``[start, end]`` channel
  indices (integers, 0 <= start <= end);
* ``lima.<name>.<kind>``: a mapping of identifiers to ROI mappings (``kind``
  ``rectangle``, ``arc`` or ``profile``, every other field a finite number, but a
  profile's ``mode`` and a ``name``).

A value such a check lets through but its object still refuses (a ROI outside the
image, a template leading outside the data directory) is the object's to refuse,
with :meth:`~bliss_lite.settings.StateStore.refused`.
"""

from __future__ import annotations

import math
from fnmatch import fnmatchcase
from typing import Any, Callable, Mapping

MAX_DEPTH = 32

Check = Callable[[Any], "str | None"]


def depth_problem(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """Why ``value`` nests too deep (iteratively: never a RecursionError)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > limit:
            return f"it nests deeper than {limit} levels"
        stack.extend((child, level + 1) for child in children)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value in ("inf", "-inf"):
        return float(value)
    return None


def _finite(value: Any) -> str | None:
    number = _float(value)
    return None if number is not None and math.isfinite(number) else f"{value!r} is not a finite number"


def _positive(value: Any) -> str | None:
    number = _float(value)
    return None if number is not None and math.isfinite(number) and number > 0 else \
        f"{value!r} is not a positive number"


def _limit(value: Any) -> str | None:
    number = _float(value)
    return None if number is not None and not math.isnan(number) else f"{value!r} is not a limit"


def _sign(value: Any) -> str | None:
    return None if value in (1, -1) and not isinstance(value, bool) else f"{value!r} is not 1 or -1"


def _or_none(check: Check) -> Check:
    """``check``, with None allowed (a setting left unset)."""
    return lambda value: None if value is None else check(value)


_AXIS_FIELDS: dict[str, Check] = {name: _or_none(check) for name, check in (
    ("dial", _finite), ("offset", _finite), ("sign", _sign), ("low_limit", _limit), ("high_limit", _limit),
    ("velocity", _positive), ("acceleration", _positive))}


def _fields(fields: Mapping[str, Check]) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"a {type(value).__name__} where a mapping belongs"
        for key, field_check in fields.items():
            if key in value:
                problem = field_check(value[key])
                if problem:
                    return f"'{key}': {problem}"
        return None

    return check


def _axis(value: Any) -> str | None:
    problem = _fields(_AXIS_FIELDS)(value)
    if problem is None and "config" in value:
        problem = _fields(_AXIS_FIELDS)(value["config"])
        problem = problem and f"'config' {problem}"
    return problem


def _names(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return "not a list of names"


def _name_or_none(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else f"{value!r} is not a name"


def _counter(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else \
        f"{value!r} is not a scan number"


def _mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else f"a {type(value).__name__} where a mapping belongs"


def _mca_rois(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"a {type(value).__name__} where a mapping belongs"
    for name, limits in value.items():
        if not (name.isidentifier() and isinstance(limits, list) and len(limits) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in limits)
                and 0 <= limits[0] <= limits[1]):
            return f"ROI {name!r}: {limits!r} is not [start, end] with 0 <= start <= end"
    return None


_ROI_TEXT_FIELDS = ("kind", "name", "mode")


def _lima_rois(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"a {type(value).__name__} where a mapping belongs"
    for name, roi in value.items():
        if not name.isidentifier() or not isinstance(roi, dict):
            return f"ROI {name!r}: not a ROI"
        if roi.get("kind", "rectangle") not in ("rectangle", "arc", "profile"):
            return f"ROI {name!r}: {roi.get('kind')!r} is not a kind of ROI"
        for key, field in roi.items():
            problem = None if key in _ROI_TEXT_FIELDS else _finite(field)
            if problem:
                return f"ROI {name!r}: '{key}': {problem}"
    return None


#: (key pattern, check): the first pattern matching a key checks its value.
KNOWN: tuple[tuple[str, Check], ...] = (
    ("axis.*", _axis),
    ("mg.*.disabled", _names),
    ("active_mg", _name_or_none),
    ("scan_counter", _counter),
    ("scan_saving", _mapping),
    ("scan_display", _mapping),
    ("plotselect", _names),
    ("mca.*.rois", _mca_rois),
    ("lima.*.*", _lima_rois),
)


def problem(data: Any) -> str | None:
    """Why the decoded state ``data`` cannot be trusted (None: it can)."""
    if not isinstance(data, dict):
        return "it is not a JSON object"
    found = depth_problem(data)
    if found:
        return found
    for key, value in data.items():
        for pattern, check in KNOWN:
            if fnmatchcase(key, pattern):
                found = check(value)
                if found:
                    return f"'{key}': {found}"
                break
    return None
