"""``MeasurementGroup``: a named set of counters, some of them disabled (SPEC 3.5).

The counters are named in the configuration and obtained on first use through
the configuration (``config.get(name)``), so a group can be created before its
counters.  The disabled set persists in the session store under
``mg.<name>.disabled`` (counter fullnames).  Which group is active (``ACTIVE_MG``)
is the session's business: :meth:`MeasurementGroup.set_active` calls the current
session's ``on_set_active_mg`` (:mod:`bliss_lite.current`).
"""

from __future__ import annotations

import fnmatch
import itertools
from typing import Any, Callable, Iterable, Sequence

from bliss_lite import current
from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys, store_of, warn
from bliss_lite.devices.protocols import Counter, CounterContainer


class MeasurementGroup:
    """A :class:`~bliss_lite.devices.protocols.CounterContainer` whose ``counters``
    are its enabled counters.

    ``resolve(name)`` turns a configured counter name into an object (a counter,
    or a container whose counters are all taken).
    """

    def __init__(self, name: str, counter_names: Sequence[str],
                 resolve: Callable[[str], Any], store: Any = None) -> None:
        self.name = name
        self._names = [n[1:] if n.startswith("$") else n for n in counter_names]
        self._resolve = resolve
        self._store = store
        self._resolved: list[Counter] | None = None
        self.missing: dict[str, str] = {}
        stored = store.get(self._store_key, []) if store is not None else []
        self._disabled: set[str] = {n for n in stored if isinstance(n, str)} \
            if isinstance(stored, list) else set()

    @property
    def _store_key(self) -> str:
        return f"mg.{self.name}.disabled"

    @property
    def counter_names(self) -> list[str]:
        """The counter names as configured."""
        return list(self._names)

    @property
    def all_counters(self) -> list[Counter]:
        """Every counter of the group, enabled or not, in configuration order."""
        return list(self._all_counters())

    def _all_counters(self) -> list[Counter]:
        if self._resolved is not None:
            return self._resolved
        counters: dict[str, Counter] = {}
        missing: dict[str, str] = {}
        for name in self._names:
            try:
                obj = self._resolve(name.rpartition(":")[2])
            except Exception as err:  # a failing counter must not break the group
                missing[name] = str(err) or type(err).__name__
                continue
            if obj is self:
                continue
            if isinstance(obj, Counter):
                found: Iterable[Any] = [obj]
            elif isinstance(obj, CounterContainer):
                found = obj.counters
            else:
                missing[name] = f"'{name}' is not a counter"
                continue
            for cnt in found:
                counters.setdefault(cnt.fullname, cnt)
        self._resolved = list(counters.values())
        self.missing = missing
        return self._resolved

    # -- the lists ----------------------------------------------------------
    @property
    def available(self) -> list[str]:
        """Fullnames of every counter of the group, in configuration order."""
        return [c.fullname for c in self._all_counters()]

    @property
    def disabled(self) -> list[str]:
        """Fullnames of the disabled counters."""
        return [c.fullname for c in self._all_counters() if c.fullname in self._disabled]

    @property
    def enabled(self) -> list[str]:
        """Fullnames of the enabled counters."""
        return [c.fullname for c in self._all_counters() if c.fullname not in self._disabled]

    @property
    def counters(self) -> list[Counter]:
        """The enabled counters (what a scan given this group counts)."""
        return [c for c in self._all_counters() if c.fullname not in self._disabled]

    # -- enabling -----------------------------------------------------------
    def _match(self, patterns: Sequence[Any], verb: str) -> set[str]:
        if not patterns:
            raise TypeError(f"{self.name}.{verb}() needs at least one counter name or pattern")
        counters = self._all_counters()
        found: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, str):
                hits = {c.fullname for c in counters
                        if fnmatch.fnmatchcase(c.name, pattern)
                        or fnmatch.fnmatchcase(c.fullname, pattern)
                        or c.fullname.startswith(pattern + ":")}
            elif hasattr(pattern, "fullname"):
                hits = {c.fullname for c in counters if c.fullname == pattern.fullname}
            else:
                raise TypeError(f"{self.name}.{verb}(): expected counter names or counters, "
                                f"got {pattern!r}")
            if not hits:
                shown = pattern if isinstance(pattern, str) else getattr(pattern, "name", pattern)
                names = ", ".join(c.name for c in counters) or "none"
                raise ValueError(f"{self.name}: no counter matches {shown!r}; "
                                 f"available: {names}")
            found |= hits
        return found

    def enable(self, *names: Any) -> None:
        """Enable counters by name, fullname, glob pattern or object."""
        self._disabled -= self._match(names, "enable")
        self._save()

    def disable(self, *names: Any) -> None:
        """Disable counters by name, fullname, glob pattern or object."""
        self._disabled |= self._match(names, "disable")
        self._save()

    def enable_all(self) -> None:
        self._disabled.clear()
        self._save()

    def disable_all(self) -> None:
        self._disabled |= set(self.available)
        self._save()

    def _save(self) -> None:
        if self._store is not None:
            self._store.set(self._store_key, sorted(self._disabled))

    def set_active(self) -> None:
        """Make this group ``ACTIVE_MG``."""
        state = current.active()
        if state is not None and state.on_set_active_mg is not None:
            state.on_set_active_mg(self)
        elif self._store is not None:
            self._store.set("active_mg", self.name)

    @property
    def active_state_name(self) -> str:
        return "default"

    @property
    def state_names(self) -> list[str]:
        return ["default"]

    def __info__(self) -> str:
        enabled, disabled = sorted(self.enabled), sorted(self.disabled)
        text = f"MeasurementGroup: {self.name} (state='default')\n"
        text += "  - Existing states : 'default'\n"
        if self.missing:
            text += "  - Missing counters : " + ", ".join(
                f"{n} ({why})" for n, why in self.missing.items()) + "\n"
        text += "\n"
        width = max(len(x) for x in enabled + ["Enabled"])
        row = "  %-" + str(width) + "s  %s"
        lines = [row % ("Enabled", "Disabled"), row % ("-" * width, "-" * width)]
        for on, off in itertools.zip_longest(enabled, disabled, fillvalue=""):
            lines.append(row % (on, off))
        return text + "\n".join(line.rstrip() for line in lines) + "\n"

    def __repr__(self) -> str:
        return f"<MeasurementGroup {self.name}>"


def measurement_group(name: str | None, node: ConfigNode, config: Any) -> MeasurementGroup:
    """Factory for ``class: MeasurementGroup``; counters come from ``config.get``."""
    check_keys(node, config, known=("counters",), accepted=("default", "include"))
    if not name:
        raise node.error("a MeasurementGroup needs a 'name'")
    names = node.require("counters", list)
    for item in names:
        if not isinstance(item, str):
            raise node.error(f"'counters' must be a list of counter names, got {item!r}",
                             "counters")
    group = MeasurementGroup(name, names, config.get, store_of(config))
    group.all_counters  # resolve now, so that a missing counter is reported at start-up
    for missing, why in group.missing.items():
        warn(config, str(node.error(f"counter '{missing}' is left out ({why})", "counters")))
    return group
