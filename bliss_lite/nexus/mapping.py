"""Metadata dicts to HDF5 groups, datasets, attributes and links (SPEC 8 "Rules").

* a nested dict is a group, of NeXus class ``"@NX_class"`` (or a plain
  ``"NX_class"`` key), else ``NXcollection``;
* ``"name@attr": v`` puts attribute ``attr`` on item ``name`` (an empty group when
  there is no such item); ``"@attr": v`` puts it on the group itself;
* a dict holding only ``@`` keys and ``"@data"`` is a dataset with attributes
  (BLISS: ``"thickness": {"@data": 20.0, "@units": "um"}``);
* ``">name": "path"`` is a soft link (relative paths, ``..`` included, resolved
  against the group), ``">name": "file.h5::/path"`` an external link;
* values: str → UTF-8 string; bool/int/float and numpy scalars keep their type;
  lists, tuples, arrays → arrays (of strings for a list of str); ``None``, empty
  dicts and dicts holding only their NX_class are not written;
* a value that cannot be stored or an invalid name is skipped with a warning naming
  its key; the rest is written.

:func:`check_metadata` applies the same rules without writing (no h5py needed), so
the places where users hand metadata over can refuse bad keys early.
"""

from __future__ import annotations

import datetime
import posixpath
from typing import Any, Callable, Collection, Iterator, Mapping

import numpy

from bliss_lite._common import hdf5_name_problem

Warn = Callable[[str, str], None]  # (key path, reason)


class _Skip:
    """Marker: the value is not written (None)."""


SKIP = _Skip()


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name an HDF5/NeXus item (``"a name cannot contain '/'"``),
    or None when it can."""
    if not isinstance(name, str):
        return f"a name must be a string, not {type(name).__name__}"
    problem = hdf5_name_problem(name)
    if problem is None:
        return None
    return {"empty": "a name cannot be empty", "dot": f"{name!r} is not a valid name",
            "slash": "a name cannot contain '/'"}[problem]


def _is_number(x: object) -> bool:
    return isinstance(x, (bool, int, float, complex, numpy.bool_, numpy.number))


def _leaves(seq: Any) -> Iterator[Any]:
    for item in seq:
        if isinstance(item, (list, tuple)):
            yield from _leaves(item)
        elif isinstance(item, numpy.ndarray):
            yield from _leaves(item.ravel().tolist())
        else:
            yield item


def convert_value(value: Any) -> Any:
    """The value as h5py should store it, :data:`SKIP` for None; raises ``ValueError``
    (a short reason) for what cannot be stored.

    This is the one rule of what HDF5 can hold: the scan_meta tree checks
    (:func:`bliss_lite.scan_meta.tree.value_problem`) ask it too."""
    if value is None:
        return SKIP
    if isinstance(value, str):  # numpy.str_ too
        if "\0" in value:
            raise ValueError("a string holding a NUL character cannot be stored")
        return str(value)
    if isinstance(value, (bytes, numpy.bytes_)):
        return numpy.bytes_(value)
    if isinstance(value, (bool, numpy.bool_)):
        return numpy.bool_(value)
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise ValueError(f"the integer {value} is too large to store")
        return numpy.int64(value) if value < 2**63 else numpy.uint64(value)
    if isinstance(value, (float, complex, numpy.number)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, numpy.ndarray) and value.dtype.kind in "biufc":
        return value
    if isinstance(value, numpy.ndarray) and value.dtype.kind in "US":
        return StringArray(value.tolist(), value.shape)
    if isinstance(value, (list, tuple, numpy.ndarray)):
        items = list(_leaves(value.tolist() if isinstance(value, numpy.ndarray) else value))
        if items and all(isinstance(x, str) for x in items):
            if any("\0" in x for x in items):
                raise ValueError("a string holding a NUL character cannot be stored")
            array = numpy.array(value, dtype=object)
            if array.dtype != object or any(not isinstance(x, str) for x in array.flat):
                raise ValueError("a list of strings must be rectangular")
            return StringArray(array.tolist(), array.shape)
        if all(_is_number(x) for x in items):
            try:
                array = numpy.asarray(value)
            except ValueError:
                raise ValueError("a nested list must be rectangular") from None
            if array.dtype.kind not in "biufc":
                raise ValueError("a nested list must be rectangular")
            return array
        kinds = sorted({type(x).__name__ for x in items})
        raise ValueError(f"a list must hold only numbers or only strings, not {', '.join(kinds)}")
    raise ValueError(f"a value of type {type(value).__name__} cannot be stored")


class StringArray:
    """A string array, to be written with h5py's UTF-8 string dtype."""

    def __init__(self, values: list, shape: tuple[int, ...]) -> None:
        self.array = numpy.array(values, dtype=object).reshape(shape)


# ---------------------------------------------------------------------------------
# Splitting a dict into its parts


class _Parts:
    """A metadata dict sorted by what each key means."""

    def __init__(self) -> None:
        self.nx_class: str | None = None
        self.group_attrs: dict[str, Any] = {}
        self.item_attrs: dict[str, dict[str, Any]] = {}
        self.links: dict[str, str] = {}
        self.groups: dict[str, Mapping] = {}
        self.values: dict[str, Any] = {}


def _split(data: Mapping, where: str, warn: Warn) -> _Parts:
    parts = _Parts()
    for raw_key, value in data.items():
        key = raw_key if isinstance(raw_key, str) else str(raw_key)
        here = _join(where, key)
        if value is None:
            continue
        if key in ("@NX_class", "NX_class"):
            if isinstance(value, (str, numpy.str_)) and str(value):
                parts.nx_class = str(value)
            else:
                warn(here, "an NX_class must be a non-empty string")
            continue
        if key.startswith("@"):
            if key == "@":
                warn(here, "an attribute name cannot be empty")
            else:
                parts.group_attrs[key[1:]] = value
            continue
        if key.startswith(">"):
            problem = name_problem(key[1:])
            if problem:
                warn(here, str(problem))
            elif not isinstance(value, str) or not value:
                warn(here, "a link target must be a non-empty string")
            else:
                parts.links[key[1:]] = value
            continue
        if "@" in key:
            name, _, attr = key.partition("@")
            problem = name_problem(name) or ("an attribute name cannot be empty" if not attr else None)
            if problem:
                warn(here, str(problem))
            else:
                parts.item_attrs.setdefault(name, {})[attr] = value
            continue
        problem = name_problem(key)
        if problem:
            warn(here, str(problem))
        elif _is_dataset_dict(value):  # BLISS: {"@data": 20.0, "@units": "um"} is a dataset
            parts.values[key] = value["@data"]
            for attr_key, attr_value in value.items():
                if attr_key in ("@data", "@NX_class"):
                    if attr_key == "@NX_class":
                        warn(f"{here}/@NX_class", "a dataset cannot have an NX_class")
                elif attr_key == "@":
                    warn(f"{here}/@", "an attribute name cannot be empty")
                elif attr_value is not None:
                    parts.item_attrs.setdefault(key, {})[attr_key[1:]] = attr_value
        elif isinstance(value, Mapping):
            parts.groups[key] = value
        else:
            parts.values[key] = value
    return parts


def _is_dataset_dict(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and "@data" in value
        and all(isinstance(k, str) and k.startswith("@") for k in value)
    )


def _join(where: str, key: str) -> str:
    return f"{where}/{key}" if where else key


def has_content(data: Mapping) -> bool:
    """False for what is not written: an empty dict, or one holding only its NX_class
    (recursively: a dict of such dicts has no content either)."""
    for key, value in data.items():
        if value is None or key in ("@NX_class", "NX_class"):
            continue
        if isinstance(value, Mapping) and not _is_dataset_dict(value):
            if has_content(value):
                return True
            continue
        return True
    return False


def check_metadata(data: Mapping, where: str = "") -> list[str]:
    """Every problem :func:`write_dict` would warn about, as ``"key/path: reason"``
    strings (empty when all of ``data`` can be written)."""
    problems: list[str] = []
    _check(data, where, lambda key, reason: problems.append(f"{key}: {reason}"))
    return problems


def _check(data: Mapping, where: str, warn: Warn) -> None:
    parts = _split(data, where, warn)
    for name, value in parts.values.items():
        _convert_or_warn(value, _join(where, name), warn)
    for attr, value in parts.group_attrs.items():
        _convert_or_warn(value, _join(where, "@" + attr), warn)
    for name, attrs in parts.item_attrs.items():
        for attr, value in attrs.items():
            _convert_or_warn(value, _join(where, f"{name}@{attr}"), warn)
    for name, sub in parts.groups.items():
        _check(sub, _join(where, name), warn)


def _convert_or_warn(value: Any, key: str, warn: Warn) -> Any:
    try:
        return convert_value(value)
    except ValueError as exc:
        warn(key, str(exc))
        return SKIP


# ---------------------------------------------------------------------------------
# Writing


def write_dict(
    group: Any,
    data: Mapping,
    *,
    where: str,
    warn: Warn,
    protected: Collection[str] = (),
    keep_nx_class: bool = False,
) -> None:
    """Write ``data`` into the h5py ``group`` following the module's rules.

    An item that exists is replaced when its value differs; a dict for an existing
    group merges into it.  Names in ``protected`` (items the writer owns, such as a
    detector's ``data``) are never touched: a key for one is skipped with a warning.
    ``keep_nx_class``: ignore the dict's own NX_class (the group's class is the
    writer's).  ``where`` is the key path used in warnings, e.g.
    ``"instrument/mygroup"``.
    """
    parts = _split(data, where, warn)
    if parts.nx_class and not keep_nx_class:
        _set_attr(group, "NX_class", parts.nx_class, _join(where, "@NX_class"), warn)

    def free(name: str, here: str, as_group: bool = False) -> bool:
        """Make room for item ``name``; False when it must be left alone."""
        if name in protected:
            warn(here, f"{name!r} is written by the scan writer and cannot be replaced")
            return False
        if group.get(name, getlink=True) is not None and not (as_group and _is_hard_group(group, name)):
            del group[name]
        return True

    for name, sub in parts.groups.items():
        here = _join(where, name)
        if not has_content(sub) or not free(name, here, as_group=True):
            continue
        if name in group:
            sub_group = group[name]
        else:
            sub_group = group.create_group(name)
            if not _nx_class_of(sub):
                sub_group.attrs["NX_class"] = "NXcollection"
        write_dict(sub_group, sub, where=here, warn=warn)

    for name, value in parts.values.items():
        here = _join(where, name)
        converted = _convert_or_warn(value, here, warn)
        if converted is SKIP or _same_dataset(group, name, converted) or not free(name, here):
            continue
        _create_dataset(group, name, converted)

    for name, target in parts.links.items():
        link = make_link(group.name, target)
        if _same_link(group.get(name, getlink=True), link) or not free(name, _join(where, ">" + name)):
            continue
        group[name] = link

    for name, attrs in parts.item_attrs.items():
        here = _join(where, name)
        if group.get(name, getlink=True) is None:
            empty = group.create_group(name)
            if "NX_class" not in attrs:
                empty.attrs["NX_class"] = "NXcollection"
        elif name in protected:
            warn(here, f"{name!r} is written by the scan writer and cannot be changed")
            continue
        try:
            item = group[name]
        except KeyError:
            warn(here, "cannot put attributes on a link to a missing item")
            continue
        for attr, value in attrs.items():
            _set_attr(item, attr, value, _join(where, f"{name}@{attr}"), warn)

    for attr, value in parts.group_attrs.items():
        _set_attr(group, attr, value, _join(where, "@" + attr), warn)


def _nx_class_of(data: Mapping) -> Any:
    return data.get("@NX_class") or data.get("NX_class")


def _is_hard_group(group: Any, name: str) -> bool:
    import h5py

    return isinstance(group.get(name, getlink=True), h5py.HardLink) and isinstance(group[name], h5py.Group)


def _same_link(old: Any, new: Any) -> bool:
    return type(old) is type(new) and getattr(old, "path", None) == new.path and getattr(
        old, "filename", None
    ) == getattr(new, "filename", None)


def _same_dataset(group: Any, name: str, value: Any) -> bool:
    """True when ``group[name]`` is a dataset already holding ``value``."""
    import h5py

    if not isinstance(group.get(name, getlink=True), h5py.HardLink):
        return False
    item = group[name]
    if not isinstance(item, h5py.Dataset):
        return False
    try:
        if isinstance(value, str):
            return item.shape == () and item.dtype.kind == "O" and item.asstr()[()] == value
        if isinstance(value, StringArray):
            return item.dtype.kind == "O" and numpy.array_equal(item.asstr()[()], value.array)
        new = numpy.asarray(value)
        old = item[()]
        return item.dtype == new.dtype and item.shape == new.shape and numpy.array_equal(old, new)
    except (TypeError, ValueError, OSError):
        return False


def _create_dataset(group: Any, name: str, value: Any) -> None:
    import h5py

    if isinstance(value, StringArray):
        group.create_dataset(name, data=value.array, dtype=h5py.string_dtype())
    else:
        group.create_dataset(name, data=value)


def _set_attr(item: Any, attr: str, value: Any, key: str, warn: Warn) -> None:
    import h5py

    converted = _convert_or_warn(value, key, warn)
    if converted is SKIP:
        return
    try:
        if isinstance(converted, StringArray):
            item.attrs.create(attr, converted.array, dtype=h5py.string_dtype())
        else:
            item.attrs[attr] = converted
    except (TypeError, ValueError, OSError) as exc:
        warn(key, str(exc))


def make_link(group_path: str, target: str) -> Any:
    """The h5py link for ``target`` written in group ``group_path``: an external link
    for ``"file::path"``, else a soft link to the absolute, ``..``-resolved path."""
    import h5py

    if "::" in target:
        filename, _, path = target.partition("::")
        return h5py.ExternalLink(filename, path or "/")
    return h5py.SoftLink(resolve_path(group_path, target))


def resolve_path(group_path: str, target: str) -> str:
    """``target`` as an absolute path, relative ones (``..`` included) taken from
    ``group_path``: ``resolve_path("/1.1/instrument/g", "../roby/value")`` →
    ``"/1.1/instrument/roby/value"``."""
    path = target if target.startswith("/") else posixpath.join(group_path, target)
    path = posixpath.normpath(path)
    return "/" + path.lstrip("/")
