"""The scan metadata registry (SPEC 6.2): categories of static dicts and generators.

``ScanMeta`` holds, per category, named entries that are either a dict or a callable
taking the scan and returning a dict (or None), plus the category's timing.  It is a
BLISS ``scan_meta.ScanMeta`` look-alike; evaluation lives in
:mod:`bliss_lite.scan_meta.evaluation`.
"""

from __future__ import annotations

import enum
import pprint
from typing import Any, Callable, Iterable, Iterator, Union

from bliss_lite import current
from bliss_lite._common import has_control_character, print_warning
from bliss_lite.scan_meta import tree
from bliss_lite.scan_meta.evaluation import evaluate

MetadataValues = Union[dict, Callable[[Any], "dict | None"]]


class META_TIMING(enum.Flag):
    """When a category is evaluated; combine with ``|``."""

    START = enum.auto()
    END = enum.auto()
    PREPARED = enum.auto()


def timing_names(timing: META_TIMING) -> str:
    """``"START|END"`` for ``META_TIMING.START | META_TIMING.END``."""
    return "|".join(t.name for t in META_TIMING if t in timing) or "NONE"


def entry_name(name_or_obj: Any, category: str) -> str:
    """The registry key for ``name_or_obj``: the string itself or ``obj.name``."""
    if isinstance(name_or_obj, str):
        if has_control_character(name_or_obj):
            raise ValueError(f"scan_meta category {category!r}: the name {name_or_obj!r} holds a "
                             "control character")
        if name_or_obj:
            return name_or_obj
        raise ValueError(f"scan_meta category {category!r}: an empty name cannot publish scan metadata")
    name = getattr(name_or_obj, "name", None)
    if isinstance(name, str) and name:
        return name
    raise ValueError(
        f"scan_meta category {category!r}: {name_or_obj!r} needs a non-empty 'name' to publish scan metadata"
    )


class ScanMetaCategory:
    """One category of a :class:`ScanMeta` (e.g. ``scan_meta_obj.instrument``)."""

    def __init__(self, name: str, metadata: dict[str, dict], timing: dict[str, META_TIMING]) -> None:
        self._name = name
        self._metadata = metadata
        self._timing = timing

    @property
    def name(self) -> str:
        return self._name

    @property
    def metadata(self) -> dict[str, MetadataValues]:
        """The entries of this category: name → dict or callable."""
        return self._metadata.setdefault(self._name, {})

    @property
    def timing(self) -> META_TIMING:
        return self._timing.get(self._name, META_TIMING.START)

    @timing.setter
    def timing(self, timing: META_TIMING) -> None:
        if not isinstance(timing, META_TIMING):
            raise TypeError(
                f"the timing of scan_meta category {self._name!r} must be a META_TIMING "
                f"(e.g. META_TIMING.START | META_TIMING.END), not {timing!r}"
            )
        self._timing[self._name] = timing

    def set(self, name_or_obj: Any, values: MetadataValues) -> None:
        """Register ``values`` under ``name_or_obj`` (a string or an object with a
        ``.name``).  ``values`` is a dict, merged into the category at each of its
        timings, or a callable ``f(scan) -> dict | None`` called then.  Setting an
        existing name replaces it."""
        name = entry_name(name_or_obj, self._name)
        if isinstance(values, dict):
            found = tree.problems(values)
            if found:
                raise ValueError(
                    f"cannot set {name!r} in scan_meta category {self._name!r}: {'; '.join(found)}"
                )
        elif not callable(values):
            raise TypeError(
                f"cannot set {name!r} in scan_meta category {self._name!r}: "
                f"the values must be a dict or a callable taking the scan, not {type(values).__name__}"
            )
        self.metadata[name] = values

    def remove(self, name_or_obj: Any) -> None:
        """Remove an entry (no error if it is not there)."""
        name = entry_name(name_or_obj, self._name)
        entries = self._metadata.get(self._name)
        if entries is not None:
            entries.pop(name, None)

    def is_set(self, name_or_obj: Any) -> bool:
        return entry_name(name_or_obj, self._name) in self._metadata.get(self._name, {})

    @property
    def keys(self) -> list[str]:
        """The entry names, in registration order."""
        return list(self._metadata.get(self._name, {}))

    names = keys  # BLISS 1.x spelling

    def __info__(self) -> str:
        lines = [f"scan_meta category {self._name!r} (timing {timing_names(self.timing)})"]
        for key, values in self._metadata.get(self._name, {}).items():
            lines.append(f"  {key}: {_describe(values)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ScanMetaCategory {self._name} timing={timing_names(self.timing)} keys={self.keys}>"


def _describe(values: MetadataValues) -> str:
    if callable(values) and not isinstance(values, dict):
        name = getattr(values, "__qualname__", None) or type(values).__name__
        return f"<generator {name}>"
    return pprint.pformat(values, compact=True, width=100)


class ScanMeta:
    """Metadata registered for every scan, by category.

    ``scan_meta_obj.instrument.set("mymetadata", {...})`` adds a static dict,
    ``scan_meta_obj.instrument.set(mp, generate_label)`` a generator called with the
    scan.  Each scan evaluates a :meth:`copy` taken when it starts.
    """

    _CATEGORIES: set[str] = {"instrument", "positioners", "technique"}

    def __init__(
        self,
        metadata: dict[str, dict[str, MetadataValues]] | None = None,
        timing: dict[str, META_TIMING] | None = None,
        categories: Iterable[str] | None = None,
    ) -> None:
        self._metadata: dict[str, dict[str, MetadataValues]] = {} if metadata is None else metadata
        self._timing: dict[str, META_TIMING] = {} if timing is None else timing
        # A copy keeps the category set it was taken with (copy isolation).
        self._own_categories = None if categories is None else frozenset(categories)

    # -- categories ---------------------------------------------------------------

    @classmethod
    def categories_names(cls) -> list[str]:
        """Every category name, sorted."""
        return sorted(cls._CATEGORIES)

    @classmethod
    def add_categories(cls, names: Iterable[str]) -> None:
        """Add categories (names are lower-cased), e.g. ``ScanMeta.add_categories(["sample"])``."""
        if isinstance(names, str):
            names = [names]
        new = set()
        for name in names:
            lowered = str(name).lower()
            problem = tree.name_problem(lowered)
            if problem or lowered.startswith(">") or "@" in lowered:
                raise ValueError(f"{name!r} cannot be a scan_meta category name (it must be a valid HDF5 name)")
            new.add(lowered)
        cls._CATEGORIES = cls._CATEGORIES | new

    @classmethod
    def remove_categories(cls, names: Iterable[str]) -> None:
        """Remove categories; their entries are forgotten."""
        if isinstance(names, str):
            names = [names]
        cls._CATEGORIES = cls._CATEGORIES - {str(n).lower() for n in names}

    def _categories(self) -> frozenset[str] | set[str]:
        return self._CATEGORIES if self._own_categories is None else self._own_categories

    def _category(self, name: str) -> ScanMetaCategory | None:
        if name in self._categories():
            return ScanMetaCategory(name, self._metadata, self._timing)
        return None

    def __getattr__(self, name: str) -> ScanMetaCategory:
        if name.startswith("_"):
            raise AttributeError(name)
        category = self._category(name)
        if category is None:
            known = ", ".join(sorted(self._categories()))
            raise AttributeError(
                f"scan_meta has no category {name!r} (categories: {known}); "
                f"add it with ScanMeta.add_categories([{name!r}])"
            )
        return category

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._categories()))

    def used_categories_names(self) -> list[str]:
        """The categories holding at least one entry, sorted."""
        return sorted(name for name, entries in self._live_metadata() if entries)

    def _live_metadata(self) -> Iterator[tuple[str, dict[str, MetadataValues]]]:
        categories = self._categories()
        for name in list(self._metadata):
            if name in categories:
                yield name, self._metadata[name]
            else:  # removed with remove_categories
                self._metadata.pop(name, None)

    def entries(self, timing: META_TIMING | None = None) -> Iterator[tuple[str, str, MetadataValues]]:
        """``(category, name, values)`` for each entry whose category is evaluated at
        ``timing`` (every entry when ``timing`` is None), in registration order."""
        for category, entries in self._live_metadata():
            if timing is not None and not (timing & self._timing.get(category, META_TIMING.START)):
                continue
            for name, values in entries.items():
                yield category, name, values

    # -- evaluation ---------------------------------------------------------------

    def to_dict(self, scan: Any, timing: META_TIMING | None = None) -> dict:
        """Evaluate the registry for ``scan``: ``{category: metadata}``.

        Generators run concurrently; a failing one prints a warning and contributes
        nothing.  ``timing=None`` evaluates every category.
        """
        result, _records, warnings = evaluate([("user", self)], scan, timing)
        for message in warnings:
            print_warning(message)
        return result["user"]

    # -- copies -------------------------------------------------------------------

    def copy(self) -> "ScanMeta":
        """An independent copy: static dicts are copied, generators shared.  A static
        dict changed after :meth:`ScanMetaCategory.set` into one nested too deep (or
        containing itself) is left out of the copy, with a warning."""
        metadata: dict[str, dict[str, MetadataValues]] = {}
        for category, entries in self._live_metadata():
            copied = metadata[category] = {}
            for name, values in entries.items():
                if callable(values) and not isinstance(values, dict):
                    copied[name] = values
                    continue
                try:
                    copied[name] = tree.copy_tree(values)
                except tree.TreeTooDeep as exc:
                    from bliss_lite._common import print_warning

                    print_warning(f"scan_meta {category!r} entry {name!r} is not used: {exc}")
        return ScanMeta(metadata, dict(self._timing), self._categories())

    def clear(self) -> None:
        """Remove every entry (timings are kept)."""
        self._metadata.clear()

    def __info__(self) -> str:
        lines = ["ScanMeta"]
        for category in sorted(self._categories()):
            timing = timing_names(self._timing.get(category, META_TIMING.START))
            entries = self._metadata.get(category, {})
            lines.append(f"  {category} (timing {timing}){':' if entries else ': -'}")
            for key, values in entries.items():
                lines.append(f"    {key}: {_describe(values)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ScanMeta categories={sorted(self._categories())} used={self.used_categories_names()}>"


def create_user_scan_meta() -> ScanMeta:
    """A fresh user registry with BLISS's default content."""
    registry = ScanMeta()
    registry.instrument.set("@NX_class", {"@NX_class": "NXinstrument"})
    registry.instrument.timing = META_TIMING.END
    registry.technique.set("@NX_class", {"@NX_class": "NXcollection"})
    return registry


def get_user_scan_meta() -> ScanMeta:
    """The current session's registry (the session-less default's when no session
    is open)."""
    return current.get().scan_context.scan_meta


def set_user_scan_meta(registry: ScanMeta | None) -> None:
    """Make ``registry`` the current session's registry; None gives it a fresh one."""
    if registry is not None and not isinstance(registry, ScanMeta):
        raise TypeError(f"set_user_scan_meta() needs a ScanMeta or None, not {type(registry).__name__}")
    current.get().scan_context.scan_meta = create_user_scan_meta() if registry is None else registry
