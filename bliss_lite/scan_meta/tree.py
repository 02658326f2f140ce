"""Metadata trees: nested dicts that become HDF5 groups, datasets and attributes.

Rules (SPEC 8): a key is an item name, ``"name@attr"`` (attribute ``attr`` on item
``name``), ``"@attr"`` (attribute on the group) or ``">name"`` (a link whose value is
a path string).  An item name is not empty, not ``.`` or ``..`` and holds no ``/``.
A value is a dict (a group), None (nothing written), a string, a number, a numpy
scalar or array of a storable dtype, a date or datetime (written as ISO text), or a
list/tuple of strings or of numbers (nested lists must be rectangular).  Anything else
cannot be stored: the NeXus writer's rule decides (one rule for both).  A key holds no
control character (NUL included); a tree is at most :data:`MAX_DEPTH` levels deep and
never contains itself.

:func:`problems` lists what is wrong with a tree, :func:`sanitized` returns a copy
without the bad items, :func:`merge_into` and :func:`copy_tree` implement the merge
rule of SPEC 6.3 (dict into dict recurses, anything else replaces).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy

from bliss_lite._common import has_control_character, hdf5_name_problem
from bliss_lite.nexus.mapping import convert_value

_STORABLE_KINDS = frozenset("biufcSU")
_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1

#: the deepest nesting of dicts (and of lists) a metadata tree may have
MAX_DEPTH = 64


class TreeTooDeep(ValueError):
    """A tree nested deeper than MAX_DEPTH (or containing itself) met while copying."""


def _where(path: tuple) -> str:
    return f" in {_path_text(path)!r}" if path else ""


def _path_text(path: tuple) -> str:
    if len(path) > 8:   # a deep path: its start and its end
        return "/".join(map(str, path[:3])) + f"/...({len(path) - 5} more)/" + "/".join(map(str, path[-2:]))
    return "/".join(map(str, path))


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an HDF5 item name (``"contains '/'"``), or None."""
    problem = hdf5_name_problem(name)
    if problem is None:
        return None
    return {"empty": "is empty", "dot": f"is {name!r}", "slash": "contains '/'"}[problem]


def _scalar_kind(value: Any) -> str | None:
    """"str" or "number" for a storable scalar, else None."""
    if isinstance(value, (str, bytes, numpy.str_, numpy.bytes_)):
        return "str"
    if isinstance(value, (bool, numpy.bool_)):
        return "number"
    if isinstance(value, int):
        return "number" if _INT_MIN <= value <= _INT_MAX else None
    if isinstance(value, (float, complex)):
        return "number"
    if isinstance(value, numpy.generic):
        return "number" if value.dtype.kind in _STORABLE_KINDS else None
    return None


def _sequence_problem(value: list | tuple) -> str | None:
    kinds: set[str] = set()
    open_lists: set[int] = set()

    def walk(seq: list | tuple) -> str | None:
        if id(seq) in open_lists:
            return "contains itself"
        if len(open_lists) >= MAX_DEPTH:
            return f"is nested deeper than {MAX_DEPTH} levels"
        open_lists.add(id(seq))
        try:
            return walk_items(seq)
        finally:
            open_lists.discard(id(seq))

    def walk_items(seq: list | tuple) -> str | None:
        for item in seq:
            if isinstance(item, (list, tuple)):
                problem = walk(item)
                if problem:
                    return problem
                continue
            if isinstance(item, numpy.ndarray):
                if item.dtype.kind not in _STORABLE_KINDS:
                    return f"holds an array of dtype {item.dtype}"
                kinds.add("str" if item.dtype.kind in "SU" else "number")
                continue
            kind = _scalar_kind(item)
            if kind is None:
                return f"holds {_describe(item)}"
            kinds.add(kind)
        return None

    problem = walk(value)
    if problem:
        return problem
    if len(kinds) > 1:
        return "mixes strings and numbers"
    try:
        array = numpy.asarray(value)
    except ValueError:
        return "is not rectangular"
    if array.dtype.kind not in _STORABLE_KINDS:
        return "is not rectangular"
    return None


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    return f"an object of type {type(value).__name__!r}"


def value_problem(value: Any) -> str | None:
    """Why ``value`` (not a dict) cannot be stored in HDF5, or None.  Whether it can
    is the writer's rule (:func:`bliss_lite.nexus.mapping.convert_value`); this only
    words the reason for a metadata key, and first refuses what no rule may walk
    (a list containing itself, or nested deeper than MAX_DEPTH)."""
    if isinstance(value, (list, tuple)):
        problem = _sequence_problem(value)
        if problem is not None and (problem == "contains itself" or problem.startswith("is nested")):
            return f"is a list that {problem}"
    try:
        convert_value(value)
        return None
    except ValueError as exc:
        return _wording(value) or f"cannot be stored ({exc})"


def _wording(value: Any) -> str | None:
    if isinstance(value, str) and "\0" in value:
        return "is a string holding a NUL character"
    if value is None or _scalar_kind(value) is not None:
        return None
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind in _STORABLE_KINDS:
            return None
        return f"is an array of dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        problem = _sequence_problem(value)
        return None if problem is None else f"is a list that {problem}"
    return f"is {_describe(value)}"


def iter_problems(tree: Any, path: tuple = (), _open: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Yield ``(key_path, message)`` for each item of ``tree`` that cannot be stored.

    ``key_path`` is the tuple of keys leading to the item; ``message`` is a sentence
    fragment such as ``"key 'a/b' in 'instrument' is not a valid HDF5 name (it
    contains '/')"``.
    """
    if not isinstance(tree, dict):
        yield path, f"the metadata{_where(path)} is {_describe(tree)}, not a dict"
        return
    _open = _open + (id(tree),)
    for key, value in tree.items():
        item = path + (key,)
        where = _where(path)
        if not isinstance(key, str):
            yield item, f"key {key!r}{where} is not a string"
            continue
        if has_control_character(key):
            yield item, f"key {key!r}{where} contains a control character"
            continue
        if isinstance(value, dict):
            if id(value) in _open:
                yield item, f"key {key!r}{where} holds a dict that contains it (a self-reference)"
                continue
            if len(item) >= MAX_DEPTH:
                yield item, f"key {key!r}{where} is nested deeper than {MAX_DEPTH} levels"
                continue
        if key.startswith(">"):
            reason = name_problem(key[1:])
            if reason:
                yield item, f"link key {key!r}{where} is not a valid HDF5 name (the name {reason})"
            elif not isinstance(value, str) or not value:
                yield item, f"link {key!r}{where} needs a path string as value, not {_describe(value)}"
            continue
        name, at, attr = key.partition("@")
        if at:
            reason = name_problem(name) if name else None
            if reason:
                yield item, f"key {key!r}{where} is not a valid HDF5 name (the item name {reason})"
            elif not attr:
                yield item, f"key {key!r}{where} is not a valid attribute key (the attribute name is empty)"
            elif isinstance(value, dict):
                yield item, f"value of attribute {key!r}{where} is a dict"
            else:
                reason = value_problem(value)
                if reason:
                    yield item, f"value of attribute {key!r}{where} {reason}"
            continue
        reason = name_problem(key)
        if reason:
            yield item, f"key {key!r}{where} is not a valid HDF5 name (it {reason})"
        elif isinstance(value, dict):
            yield from iter_problems(value, item, _open)
        else:
            reason = value_problem(value)
            if reason:
                yield item, f"value of {key!r}{where} {reason}"


def problems(tree: Any) -> list[str]:
    """Each thing in ``tree`` that cannot be stored, as sentence fragments."""
    return [message for _path, message in iter_problems(tree)]


def sanitized(tree: dict) -> tuple[dict, list[str]]:
    """``tree`` without the items that cannot be stored (a pruned copy when something
    was dropped, else ``tree`` itself), and what was dropped."""
    found = list(iter_problems(tree))
    if not found:
        return tree, []
    return _prune(tree, (), {path for path, _ in found}), [message for _path, message in found]


def _prune(tree: dict, path: tuple, bad: set[tuple]) -> dict:
    out = {}
    for key, value in tree.items():
        item = path + (key,)
        if item in bad:
            continue
        out[key] = _prune(value, item, bad) if isinstance(value, dict) else value
    return out


def copy_tree(value: Any, _depth: int = 0) -> Any:
    """A copy of a metadata tree: dicts, lists and arrays are copied, scalars shared.
    Raises :class:`TreeTooDeep` for a tree deeper than MAX_DEPTH (one that contains
    itself, say: a dict changed after it was checked)."""
    if isinstance(value, (dict, list)) and _depth > MAX_DEPTH:
        raise TreeTooDeep(f"the metadata is nested deeper than {MAX_DEPTH} levels or contains itself")
    if isinstance(value, dict):
        return {k: copy_tree(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_tree(v, _depth + 1) for v in value]
    if isinstance(value, numpy.ndarray):
        return value.copy()
    return value


def merge_into(destination: dict, source: dict, _depth: int = 0) -> None:
    """Merge ``source`` into ``destination``: dict into dict recurses, anything else
    replaces.  Dicts taken from ``source`` are copied, so later merges never modify
    ``source``.  Raises :class:`TreeTooDeep` as :func:`copy_tree` does."""
    if _depth > MAX_DEPTH:
        raise TreeTooDeep(f"the metadata is nested deeper than {MAX_DEPTH} levels or contains itself")
    for key, value in source.items():
        if isinstance(value, dict):
            current = destination.get(key)
            if isinstance(current, dict):
                merge_into(current, value, _depth + 1)
            else:
                destination[key] = copy_tree(value, _depth + 1)
        else:
            destination[key] = copy_tree(value, _depth + 1) if isinstance(value, (list, numpy.ndarray)) else value
