"""Finding devices in a namespace: the standard functions look for motors, counters
and measurement groups among the values of the current session's namespace (from
:mod:`bliss_lite.current`), in namespace order.
"""

from __future__ import annotations

import types
from typing import Any, Iterator, Mapping

from bliss_lite import current
from bliss_lite.devices.protocols import Counter, CounterContainer, Movable

_NOT_DEVICES = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                types.MethodType, str, bytes, int, float, complex, bool, list, tuple, dict,
                set, frozenset, type(None))


def namespace() -> Mapping[str, Any]:
    """The current session's namespace."""
    return current.get().namespace


def config() -> Any:
    """The current session's configuration (None without a session)."""
    return current.get().config


def _device_items(namespace: Mapping[str, Any] | None = None) -> Iterator[tuple[str, Any]]:
    """``(name, value)`` for the values of ``namespace`` (default: the bound one) that
    may be devices, each object once, in namespace order."""
    seen: set[int] = set()
    for key, value in list((current.get().namespace if namespace is None else namespace).items()):
        if key.startswith("_") or isinstance(value, _NOT_DEVICES) or id(value) in seen:
            continue
        seen.add(id(value))
        yield key, value


def _conforms(obj: Any, protocol: type) -> bool:
    if isinstance(obj, _NOT_DEVICES):
        return False
    try:
        return isinstance(obj, protocol)
    except Exception:  # a property that fails while being probed: not usable
        return False


def is_movable(obj: Any) -> bool:
    """True for an axis (a :class:`Movable`), never for a class or a function."""
    return _conforms(obj, Movable)


def is_counter(obj: Any) -> bool:
    """True for a :class:`Counter`."""
    return _conforms(obj, Counter)


def is_multiple_positions(obj: Any) -> bool:
    """A device moved to named positions (``beamstop.move("IN")``)."""
    return callable(getattr(obj, "check_label", None)) and hasattr(obj, "positions_list")


def devices_in(namespace: Mapping[str, Any]) -> list[Any]:
    """The values of ``namespace`` that may be devices (not functions, classes,
    modules or plain data), each once, in namespace order."""
    return [value for _, value in _device_items(namespace)]


def motors(namespace: Mapping[str, Any] | None = None) -> list[Any]:
    """Every axis of the session (or of ``namespace``), in namespace order, then the
    reals of its calc axes that the namespace does not hold (BLISS shows them too).
    Soft axes made without ``as_positioner`` are left out."""
    from bliss_lite.devices.motion import get_real_axes

    found = [value for _, value in _device_items(namespace)
             if is_movable(value) and getattr(value, "_positioner", True)]
    known = {id(axis) for axis in found}
    for real in get_real_axes(*[a for a in found if getattr(a, "_is_calc_axis", False)]):
        if id(real) not in known:
            known.add(id(real))
            found.append(real)
    return found


def counters() -> list[Any]:
    """Every counter of the session: the namespace's counters, then those reachable
    only through a counter container (e.g. a measurement group)."""
    found: dict[str, Any] = {}
    containers = []
    for _, value in _device_items():
        if is_counter(value):
            found.setdefault(value.fullname, value)
        elif _conforms(value, CounterContainer):
            containers.append(value)
    for container in containers:
        for cnt in _all_counters_of(container):
            found.setdefault(cnt.fullname, cnt)
    return list(found.values())


def _all_counters_of(container: Any) -> list[Any]:
    try:
        everything = getattr(container, "all_counters", None)
        return list(everything if everything is not None else container.counters)
    except Exception:
        return []


def measurement_groups() -> list[Any]:
    from bliss_lite.devices.measurement_group import MeasurementGroup

    return [value for _, value in _device_items() if isinstance(value, MeasurementGroup)]


def active_mg_name() -> str | None:
    """The name of ``ACTIVE_MG`` (the session keeps it in the namespace)."""
    state = current.get()
    active = state.namespace.get("ACTIVE_MG")
    name = getattr(active, "name", None)
    if isinstance(name, str):
        return name
    store = getattr(state.config, "store", None)
    stored = store.get("active_mg") if store is not None else None
    return stored if isinstance(stored, str) else None


def object_names() -> list[str]:
    """Names of the session objects (configured objects in the namespace)."""
    state = current.get()
    if state.config is not None and hasattr(state.config, "names"):
        configured = set(state.config.names)
        return [key for key in state.namespace if key in configured]
    return [key for key, value in _device_items() if getattr(value, "name", None) == key]


def find_axis(name: str) -> Any:
    """The axis called ``name`` in the session (ValueError naming it otherwise)."""
    value = current.get().namespace.get(name)
    if is_movable(value):
        return value
    for axis in motors():
        if axis.name == name:
            return axis
    raise ValueError(f"'{name}' is not a motor of the session")
