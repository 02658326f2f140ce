"""Persisted settings objects as BLISS's ``bliss.config.settings``, kept in a
session's state store instead of Redis.

```python
speed = SimpleSetting("my_speed", connection=store, default_value=1.0)
speed.set(2.5)                     # saved in the store: speed.get() == 2.5 after a restart
params = HashSetting("my_params", connection=store, default_values={"gain": 1})
params["gain"] = 10
```

Each object owns one key of the store, ``settings.<name>``; values must be JSON
(numbers, text, booleans, None, lists, mappings).  ``connection`` is the store; the
``bliss.config.settings`` names use the open session's store when it is omitted
(:attr:`BaseSetting.default_store`).
"""

from __future__ import annotations

import copy
import time
from typing import Any, Callable, ClassVar, Iterable, Iterator, Mapping

from bliss_lite.settings.store import StateStore

__all__ = ["BaseSetting", "SimpleSetting", "SimpleObjSetting", "HashSetting", "HashObjSetting",
           "OrderedHashSetting", "OrderedHashObjSetting", "QueueSetting", "QueueObjSetting",
           "ParametersWardrobe"]

_MISSING = object()


class BaseSetting:
    """A named setting kept under ``settings.<name>`` of a state store."""

    #: where settings created without ``connection`` are kept (None: refused)
    default_store: ClassVar[Callable[[], StateStore | None] | None] = None

    def __init__(self, name: str, connection: StateStore | None = None, **_ignored: Any) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a setting needs a name (a non-empty string), got {name!r}")
        self._name = name
        self._connection = connection

    @property
    def name(self) -> str:
        return self._name

    @property
    def connection(self) -> StateStore:
        """The store holding this setting."""
        if self._connection is not None:
            return self._connection
        store = type(self).default_store() if type(self).default_store else None
        if store is None:
            raise RuntimeError(f"{type(self).__name__}('{self._name}'): no session is open to "
                               "keep it in (open one, or pass connection=StateStore(...))")
        return store

    @property
    def _key(self) -> str:
        return f"settings.{self._name}"

    def _raw(self, default: Any = None) -> Any:
        return self.connection.get(self._key, default)

    def _save(self, value: Any) -> None:
        self.connection.set(self._key, value)

    def clear(self) -> None:
        """Forget the saved value."""
        self.connection.delete(self._key)

    def ttl(self, value: int = -1) -> int:
        """Accepted for compatibility: settings never expire here (-1)."""
        return -1

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name!r}: {self._raw()!r}>"


class SimpleSetting(BaseSetting):
    """One value: ``get()``, ``set(value)``, ``clear()``; ``default_value`` until set."""

    def __init__(self, name: str, connection: StateStore | None = None,
                 read_type_conversion: Any = None, write_type_conversion: Any = None,
                 default_value: Any = None) -> None:
        super().__init__(name, connection)
        self._default_value = default_value

    def get(self) -> Any:
        return self._raw(self._default_value)

    def set(self, value: Any) -> None:
        self._save(value)

    def __add__(self, other: Any) -> Any:
        return self.get() + (other.get() if isinstance(other, SimpleSetting) else other)

    def __iadd__(self, other: Any) -> "SimpleSetting":
        self.set(self + other)
        return self

    def __isub__(self, other: Any) -> "SimpleSetting":
        self.set(self.get() - (other.get() if isinstance(other, SimpleSetting) else other))
        return self


class SimpleObjSetting(SimpleSetting):
    """A :class:`SimpleSetting` (values are JSON here, not pickled)."""


class HashSetting(BaseSetting):
    """A mapping: ``h["key"] = value``, ``h.get(key, default)``, ``get_all()``,
    ``update()``, ``set(mapping)`` (replaces all), ``remove(*keys)``, ``pop``, ``keys``,
    ``values``, ``items``; ``default_values`` answer for keys never set."""

    def __init__(self, name: str, connection: StateStore | None = None,
                 read_type_conversion: Any = None, write_type_conversion: Any = None,
                 default_values: Mapping[str, Any] | None = None) -> None:
        super().__init__(name, connection)
        self._default_values = dict(default_values or {})

    def _data(self) -> dict[str, Any]:
        value = self._raw({})
        return value if isinstance(value, dict) else {}

    def get_all(self) -> dict[str, Any]:
        return {**copy.deepcopy(self._default_values), **self._data()}

    def get(self, key: str, default: Any = None) -> Any:
        data = self._data()
        if key in data:
            return data[key]
        return self._default_values.get(key, default)

    def raw_get(self, *keys: str) -> list[Any]:
        data = self._data()
        return [data.get(key) for key in keys]

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        data = self._data()
        if key not in data:
            raise KeyError(key)
        self.remove(key)

    def __contains__(self, key: object) -> bool:
        return key in self._data() or key in self._default_values

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.get_all())

    def update(self, values: Mapping[str, Any]) -> None:
        data = self._data()
        data.update(values)
        self._save(data)

    def set(self, values: Mapping[str, Any]) -> None:
        self._save(dict(values))

    def remove(self, *keys: str) -> None:
        data = self._data()
        for key in keys:
            data.pop(key, None)
        self._save(data)

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        data = self._data()
        if key in data:
            value = data.pop(key)
            self._save(data)
            return value
        if default is _MISSING:
            raise KeyError(key)
        return default

    def keys(self) -> list[str]:
        return list(self.get_all())

    def values(self) -> list[Any]:
        return list(self.get_all().values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self.get_all().items())

    def has_key(self, key: str) -> bool:
        return key in self


class HashObjSetting(HashSetting):
    """A :class:`HashSetting` (values are JSON here, not pickled)."""


class OrderedHashSetting(HashSetting):
    """A :class:`HashSetting`; keys keep the order they were first set in."""


class OrderedHashObjSetting(OrderedHashSetting):
    """An :class:`OrderedHashSetting` (values are JSON here)."""


class QueueSetting(BaseSetting):
    """A list: ``append``, ``prepend``, ``extend``, ``remove``, ``set``,
    ``set_item``, ``pop_front``, ``pop_back``, ``get(first, last)``, ``len``, iteration."""

    def __init__(self, name: str, connection: StateStore | None = None,
                 read_type_conversion: Any = None, write_type_conversion: Any = None) -> None:
        super().__init__(name, connection)

    def _list(self) -> list[Any]:
        value = self._raw([])
        return value if isinstance(value, list) else []

    def get(self, first: int = 0, last: int = -1, cnx: Any = None) -> Any:
        items = self._list()
        if first == last:
            return items[first] if -len(items) <= first < len(items) else None
        end = None if last == -1 else last + 1
        return items[first:end]

    def append(self, value: Any, cnx: Any = None) -> None:
        self._save(self._list() + [value])

    def prepend(self, value: Any, cnx: Any = None) -> None:
        self._save([value] + self._list())

    def extend(self, values: Iterable[Any], cnx: Any = None) -> None:
        self._save(self._list() + list(values))

    def remove(self, value: Any, cnx: Any = None) -> None:
        self._save([item for item in self._list() if item != value])

    def set(self, values: Iterable[Any], cnx: Any = None) -> None:
        self._save(list(values))

    def set_item(self, value: Any, pos: int = 0, cnx: Any = None) -> None:
        items = self._list()
        items[pos] = value
        self._save(items)

    def pop_front(self, cnx: Any = None) -> Any:
        items = self._list()
        value = items.pop(0) if items else None
        self._save(items)
        return value

    def pop_back(self, cnx: Any = None) -> Any:
        items = self._list()
        value = items.pop() if items else None
        self._save(items)
        return value

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._list())

    def __getitem__(self, index: int) -> Any:
        return self._list()[index]

    def __setitem__(self, index: int, value: Any) -> None:
        self.set_item(value, index)


class QueueObjSetting(QueueSetting):
    """A :class:`QueueSetting` (values are JSON here)."""


class ParametersWardrobe:
    """Sets of parameters ("instances", like dresses), one of them current; the
    attributes of the wardrobe are the parameters of the current instance, and an
    instance not setting a parameter takes the ``default`` instance's value.

    ```python
    w = ParametersWardrobe("align", default_values={"npoints": 10, "count_time": 0.1})
    w.add("fine", {"npoints": 50})
    w.switch("fine"); w.npoints, w.count_time      # 50, 0.1
    ```
    """

    default_store: ClassVar[Callable[[], StateStore | None] | None] = None
    _SLOTS = ("_wardrobe", "_default_values", "_property_attributes", "_not_removable",
              "_connection")

    def __init__(self, name: str, default_values: Mapping[str, Any] | None = None,
                 property_attributes: Iterable[str] | None = None,
                 not_removable: Iterable[str] | None = None,
                 connection: StateStore | None = None, **_keys: Any) -> None:
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "_wardrobe", name)
        object.__setattr__(self, "_property_attributes", tuple(property_attributes or ()))
        object.__setattr__(self, "_not_removable", tuple(not_removable or ()) + tuple(default_values or {}))
        state = self._state()
        defaults = state["instances"].setdefault("default", {})
        for key, value in (default_values or {}).items():
            defaults.setdefault(key, value)
        self._write(state)

    # -- storage ----------------------------------------------------------------------------
    def _store(self) -> StateStore:
        if self._connection is not None:
            return self._connection
        store = type(self).default_store() if type(self).default_store else None
        if store is None:
            raise RuntimeError(f"ParametersWardrobe('{self._wardrobe}'): no session is open to "
                               "keep it in (open one, or pass connection=StateStore(...))")
        return store

    def _state(self) -> dict[str, Any]:
        state = self._store().get(f"settings.wardrobe.{self._wardrobe}")
        if not isinstance(state, dict) or not isinstance(state.get("instances"), dict):
            state = {"current": "default", "instances": {"default": {}}, "created": {}}
        return state

    def _write(self, state: dict[str, Any]) -> None:
        self._store().set(f"settings.wardrobe.{self._wardrobe}", state)

    # -- parameters ------------------------------------------------------------------------
    def _values(self, name: str | None = None) -> dict[str, Any]:
        state = self._state()
        name = name or state["current"]
        return {**state["instances"]["default"], **state["instances"].get(name, {})}

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        values = self._values()
        if key not in values:
            raise AttributeError(f"'{self._wardrobe}' has no parameter '{key}'")
        return values[key]

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_") or key in self._property_attributes or isinstance(
                getattr(type(self), key, None), property):
            object.__setattr__(self, key, value)
            return
        state = self._state()
        current = state["current"]
        state["instances"].setdefault(current, {})[key] = value
        if current != "default":
            state["instances"]["default"].setdefault(key, None)
        self._write(state)

    def __dir__(self) -> list[str]:
        return sorted(set(self._values()) | {"add", "remove", "switch", "instances",
                                             "current_instance", "to_dict", "from_dict", "purge"})

    def add(self, name: str, value: Any = None) -> None:
        """Add a parameter (``add("npoints", 10)``) to the current instance."""
        setattr(self, name, value)

    def remove(self, param: str) -> None:
        """Remove an instance (``remove(".fine")`` with its leading dot, as BLISS) or a
        parameter of every instance."""
        state = self._state()
        if param.startswith("."):
            instance = param[1:]
            if instance == "default":
                raise NameError("the default instance cannot be removed")
            if instance not in state["instances"]:
                raise NameError(f"'{self._wardrobe}' has no instance '{instance}'")
            del state["instances"][instance]
            if state["current"] == instance:
                state["current"] = "default"
        else:
            if param in self._not_removable:
                raise AttributeError(f"parameter '{param}' of '{self._wardrobe}' cannot be removed")
            for values in state["instances"].values():
                values.pop(param, None)
        self._write(state)

    def switch(self, name: str, copy: str | None = None, update: bool = True) -> None:
        """Make ``name`` the current instance (created if new, from ``copy``'s values)."""
        state = self._state()
        if name not in state["instances"]:
            source = dict(state["instances"].get(copy, {})) if copy else {}
            state["instances"][name] = source
            state.setdefault("created", {})[name] = time.strftime("%Y-%m-%d-%H:%M")
        state["current"] = name
        self._write(state)

    def purge(self) -> None:
        """Forget the whole wardrobe."""
        self._store().delete(f"settings.wardrobe.{self._wardrobe}")

    @property
    def instances(self) -> list[str]:
        return list(self._state()["instances"])

    @property
    def current_instance(self) -> str:
        return self._state()["current"]

    def to_dict(self, export_properties: bool = False) -> dict[str, Any]:
        values = self._values()
        if export_properties:
            values.update({key: getattr(self, key) for key in self._property_attributes})
        return values

    def from_dict(self, d: Mapping[str, Any]) -> None:
        for key, value in d.items():
            setattr(self, key, value)

    def __info__(self) -> str:
        state = self._state()
        names = list(state["instances"])
        keys = sorted({key for values in state["instances"].values() for key in values})
        rows = [["", *[("* " if n == state["current"] else "") + n for n in names]]]
        for key in keys:
            rows.append([f".{key}", *[repr(self._values(n).get(key)) if key in state["instances"][n]
                                       or n == "default" else "DEFAULT" for n in names]])
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [f"Parameters ({self._wardrobe}) - current instance '{state['current']}'", ""]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        return "\n".join(lines)

    def show_table(self) -> None:
        print(self.__info__())
