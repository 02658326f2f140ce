"""A mapping of the configuration that remembers where it was written."""

from __future__ import annotations

import difflib
from typing import Any, Iterable


class ConfigError(Exception):
    """A mistake in the configuration, as one sentence naming file, line and object."""

    def __init__(self, message: str, filename: str | None = None, line: int | None = None,
                 name: str | None = None) -> None:
        self.filename = filename
        self.line = line
        self.name = name
        self.reason = message
        where = []
        if filename:
            where.append(f"{filename}, line {line}" if line else filename)
        if name:
            where.append(f"object '{name}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


_MISSING = object()
_NO_KEYS: frozenset[str] = frozenset()


class ConfigNode(dict):
    """A YAML mapping: a dict with ``filename`` (relative to the beamline root, e.g.
    ``config/motors.yml``), ``line`` (1-based line where the mapping starts),
    ``key_lines`` (line of each key) and ``parent`` (the mapping holding this one,
    through a list or a key; None at a file's top level).

    ``inherited`` holds the keys this mapping received as defaults from an
    ``__init__.yml`` (they are not the object's own keys).

    ``name`` is the object's name if it has one.  Device classes read their keys
    through :meth:`get_typed`/:meth:`require` so that every mistake is reported as a
    :class:`ConfigError` naming the file, the line and the object.
    """

    __slots__ = ("filename", "line", "key_lines", "parent", "inherited")

    def __init__(self, *args: Any, filename: str = "", line: int = 0,
                 key_lines: dict[str, int] | None = None,
                 parent: "ConfigNode | None" = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filename = filename
        self.line = line
        self.key_lines = key_lines or {}
        self.parent = parent
        self.inherited: frozenset[str] = _NO_KEYS

    @property
    def name(self) -> str | None:
        name = self.get("name")
        return name if isinstance(name, str) else None

    def line_of(self, key: str | None = None) -> int:
        """The line of ``key`` in its file, else the line where the mapping starts."""
        if key is not None and key in self.key_lines:
            return self.key_lines[key]
        return self.line

    def object_name(self) -> str | None:
        """This mapping's name, else the nearest named ancestor's (``$`` references
        are not names)."""
        node: ConfigNode | None = self
        while node is not None:
            if node.name and not node.name.startswith("$"):
                return node.name
            node = node.parent
        return None

    def error(self, message: str, key: str | None = None) -> ConfigError:
        """A ConfigError for this mapping (at the line of ``key`` when given)."""
        return ConfigError(message, self.filename, self.line_of(key), self.object_name())

    def require(self, key: str, kind: type | tuple[type, ...] | None = None) -> Any:
        """The value of a required key, checked against ``kind``."""
        if key not in self:
            own = [k for k in self if isinstance(k, str) and k not in self.inherited]
            close = difflib.get_close_matches(key, own, n=1, cutoff=0.75)
            hint = f" ('{close[0]}' looks like a misspelling of it)" if close else ""
            raise self.error(f"missing required key '{key}'{hint}", close[0] if close else None)
        return self.get_typed(key, kind)

    def get_typed(self, key: str, kind: type | tuple[type, ...] | None = None,
                  default: Any = None) -> Any:
        """The value of ``key`` (``default`` when absent), checked against ``kind``.

        ``float`` accepts ints and YAML's ``.inf``; strings such as ``"1e-4"`` that
        YAML 1.1 leaves as text are converted when they parse as numbers.
        """
        value = self.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if kind is None:
            return value
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds:
            if isinstance(value, bool):
                pass
            elif isinstance(value, (int, float)):
                return float(value)
            elif isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
        if int in kinds and isinstance(value, int) and not isinstance(value, bool):
            return value
        if bool in kinds and isinstance(value, bool):
            return value
        if any(isinstance(value, k) and k not in (int, float, bool) for k in kinds):
            return value
        names = {float: "a number", int: "an integer", bool: "true or false", str: "a string",
                 list: "a list", dict: "a mapping"}
        wanted = " or ".join(names.get(k, k.__name__) for k in kinds)
        raise self.error(f"'{key}' must be {wanted}, got {value!r}", key)

    def check_keys(self, known: Iterable[str], accepted: Iterable[str] = ()) -> list[str]:
        """Warnings for keys that are neither ``known`` nor ``accepted`` but look like
        a misspelt known key, e.g. ``config/motors.yml, line 7: object 'roby': unknown
        key 'velocty' (did you mean 'velocity'?)``.  Other unknown keys are silently
        accepted (BLISS configurations carry many keys bliss_lite does not use)."""
        known = list(known)
        everything = set(known) | set(accepted)
        warnings = []
        for key in self:
            if key in everything or key in self.inherited or not isinstance(key, str):
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            if close:
                err = self.error(f"unknown key '{key}' (did you mean '{close[0]}'?)", key)
                warnings.append(str(err))
        return warnings


_new_dict = dict.__new__


def new_node(filename: str, line: int, parent: ConfigNode | None) -> ConfigNode:
    """An empty ConfigNode, made as the YAML readers need it: without the keyword
    handling of ``ConfigNode(...)``, which costs four times as much."""
    node = _new_dict(ConfigNode)
    node.filename = filename
    node.line = line
    node.key_lines = {}
    node.parent = parent
    node.inherited = _NO_KEYS
    return node
