"""The BLISS layout of one scan entry ``N.1`` (SPEC 8), built from ``scan_info``.

:func:`create_entry` makes every group and every (empty, growable) channel dataset
at scan start, before the file switches to SWMR mode; :func:`write_scan_info`
(re)writes everything that comes from ``scan_info`` and is called at start and again
at the end, where later values replace earlier ones; :func:`finish_entry` adds the
end-of-scan items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import h5py
import numpy

from bliss_lite._common import now_iso
from bliss_lite.events import ChannelSpec
from bliss_lite.nexus import default_plot
from bliss_lite.nexus.mapping import Warn, name_problem, write_dict

#: Items of an entry that the writer owns; a scan_meta category cannot replace them.
ENTRY_ITEMS = frozenset(
    {"title", "start_time", "end_time", "end_reason", "scan_parameters", "writer",
     "instrument", "measurement", "notes", "plotselect", "plot"}
)
POSITIONER_GROUPS = (
    "positioners_start", "positioners_dial_start", "positioners_end", "positioners_dial_end",
)
#: ``writer/status`` is a fixed-length string so that it can change in SWMR mode.
STATUS_DTYPE = h5py.string_dtype("ascii", 9)
_CHUNK_BYTES = 1 << 20
_CHUNK_ROWS = 4096


@dataclass(frozen=True)
class ChannelNode:
    """Where one channel lives: ``instrument/<name>/<field>``, linked as
    ``measurement/<name>``; ``field`` is ``value`` (motors, timers) or ``data``."""

    spec: ChannelSpec
    name: str

    @property
    def field(self) -> str:
        return "data" if self.spec.kind == "counter" else "value"

    @property
    def nx_class(self) -> str:
        return "NXdetector" if self.spec.kind == "counter" else "NXpositioner"

    def path(self, entry_name: str) -> str:
        return f"/{entry_name}/instrument/{self.name}/{self.field}"


def channel_nodes(channels: Iterable[ChannelSpec]) -> list[ChannelNode]:
    """One node per channel, named by short name; a short name that is taken or not a
    valid item name falls back to the fullname (``:`` and ``/`` → ``_``)."""
    taken = {"positioners", *POSITIONER_GROUPS}
    nodes = []
    for spec in channels:
        name = spec.name
        if name in taken or name_problem(name):
            name = spec.fullname.replace(":", "_").replace("/", "_") or "channel"
            base, i = name, 2
            while name in taken or name_problem(name):
                name, i = f"{base}_{i}", i + 1
        taken.add(name)
        nodes.append(ChannelNode(spec, name))
    return nodes


# ---------------------------------------------------------------------------------
# File level


def init_root(f: h5py.File, filename: str, creator_version: str) -> None:
    """NXroot attributes of a new file."""
    f.attrs["NX_class"] = "NXroot"
    f.attrs["file_name"] = filename
    f.attrs["file_time"] = now_iso()
    f.attrs["creator"] = "bliss_lite"
    f.attrs["creator_version"] = creator_version
    f.attrs["HDF5_Version"] = h5py.version.hdf5_version
    f.attrs["h5py_version"] = h5py.version.version


def mark_finished(f: h5py.File, entry_name: str) -> None:
    """The entry is the file's last finished one: root ``@default`` points to it
    when it has a plot (an entry ``@default``)."""
    if "default" in f[entry_name].attrs:
        f.attrs["default"] = entry_name
    f.attrs["file_update_time"] = now_iso()
    if "NX_class" not in f.attrs:
        f.attrs["NX_class"] = "NXroot"


# ---------------------------------------------------------------------------------
# Entry


def create_entry(
    f: h5py.File, entry_name: str, nodes: Sequence[ChannelNode], scan_info: Mapping, warn: Warn
) -> dict[str, h5py.Dataset]:
    """Create entry ``entry_name`` with its START content; returns channel fullname →
    its empty dataset."""
    entry = f.create_group(entry_name)
    entry.attrs["NX_class"] = "NXentry"
    writer = entry.create_group("writer")
    writer.attrs["NX_class"] = "NXnote"
    writer.create_dataset("status", data=b"STARTING", dtype=STATUS_DTYPE)
    instrument = entry.create_group("instrument")
    instrument.attrs["NX_class"] = "NXinstrument"
    measurement = entry.create_group("measurement")
    measurement.attrs["NX_class"] = "NXcollection"
    npoints = _int_or_none(scan_info.get("npoints"))
    datasets = {}
    for node in nodes:
        group = instrument.create_group(node.name)
        group.attrs["NX_class"] = node.nx_class
        dataset = _create_channel_dataset(group, node, npoints)
        if node.spec.unit:
            dataset.attrs["units"] = node.spec.unit
        if node.spec.kind == "counter" and node.spec.attrs:
            write_dict(group, dict(node.spec.attrs), where=f"instrument/{node.name}", warn=warn,
                       protected={node.field}, keep_nx_class=True)
        measurement[node.name] = h5py.SoftLink(node.path(entry_name))
        datasets[node.spec.fullname] = dataset
    write_scan_info(entry, nodes, scan_info, warn)
    return datasets


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _create_channel_dataset(group: h5py.Group, node: ChannelNode, npoints: int | None) -> h5py.Dataset:
    spec = node.spec
    dtype = numpy.dtype(spec.dtype)
    if dtype.kind in "UOS":
        dtype = h5py.string_dtype()
    shape = tuple(spec.shape)
    point_shape = tuple(max(s, 0) for s in shape)
    maxshape = (None,) + tuple(None if s < 0 else s for s in shape)
    point_chunk = tuple(256 if s < 0 else max(s, 1) for s in shape)
    row_bytes = dtype.itemsize * math.prod(point_chunk)
    rows = max(1, min(_CHUNK_ROWS, _CHUNK_BYTES // row_bytes, npoints or _CHUNK_ROWS))
    fill = numpy.nan if dtype.kind in "fc" else None
    return group.create_dataset(
        node.field, shape=(0,) + point_shape, maxshape=maxshape, chunks=(rows,) + point_chunk,
        dtype=dtype, fillvalue=fill,
    )


def write_scan_info(entry: h5py.Group, nodes: Sequence[ChannelNode], scan_info: Mapping, warn: Warn) -> None:
    """Everything of the entry that comes from ``scan_info`` (idempotent: values that
    changed since the last call replace the old ones)."""
    entry_name = entry.name.lstrip("/")
    count_time = scan_info.get("count_time")
    parameters: dict[str, Any] = {"@NX_class": "NXparameters", "count_time": count_time,
                                  "npoints": scan_info.get("npoints"), "type": scan_info.get("type")}
    if count_time is not None:
        parameters["count_time@units"] = "s"
    fields = {key: scan_info.get(key) for key in ("title", "start_time", "end_time", "end_reason")}
    write_dict(entry, {**fields, "scan_parameters": parameters}, where="", warn=warn, keep_nx_class=True)

    instrument = entry["instrument"]
    write_dict(instrument, _positioners(scan_info.get("positioners"), nodes, entry_name),
               where="instrument", warn=warn, keep_nx_class=True)
    _write_instrument_metadata(instrument, nodes, scan_info.get("instrument"), warn)

    for category in scan_info.get("scan_meta_categories") or ():
        if category in ("instrument", "positioners"):
            continue
        value = scan_info.get(category)
        if value is None:
            continue
        if category in ENTRY_ITEMS:
            warn(category, f"{category!r} is written by the scan writer; a metadata category cannot replace it")
        elif not isinstance(value, Mapping):
            warn(category, "a metadata category must be a dict")
        else:
            write_dict(entry, {category: value}, where="", warn=warn, protected=ENTRY_ITEMS)

    _write_default_plots(entry, nodes, scan_info, warn)


def _positioners(positioners: Any, nodes: Sequence[ChannelNode], entry_name: str) -> dict:
    if not isinstance(positioners, Mapping):
        return {}
    units = positioners.get("positioners_units") or {}
    scanned = {node.spec.name: node for node in nodes if node.spec.kind == "motor"}
    groups: dict[str, Any] = {}
    for key in POSITIONER_GROUPS:
        values = positioners.get(key)
        if isinstance(values, Mapping):
            groups[key] = _with_units(values, units)
    start = positioners.get("positioners_start")
    if isinstance(start, Mapping):
        merged = _with_units({k: v for k, v in start.items() if k not in scanned}, units)
        for name, node in scanned.items():
            merged[">" + name] = node.path(entry_name)
        groups["positioners"] = merged
    return groups


def _with_units(values: Mapping, units: Mapping) -> dict:
    group: dict[str, Any] = {"@NX_class": "NXcollection"}
    for name, value in values.items():
        group[name] = value
        unit = units.get(name) if isinstance(units, Mapping) else None
        if unit and isinstance(value, (int, float, numpy.number)):  # not on "ERR"
            group[f"{name}@units"] = unit
    return group


def _write_instrument_metadata(instrument: h5py.Group, nodes: Sequence[ChannelNode], metadata: Any, warn: Warn) -> None:
    if not isinstance(metadata, Mapping):
        if metadata is not None:
            warn("instrument", "the instrument metadata must be a dict")
        return
    by_name = {node.name: node for node in nodes}
    rest = {}
    for key, value in metadata.items():
        node = by_name.get(key)
        if node is None:
            rest[key] = value
        elif isinstance(value, Mapping):  # merges into the device's group, which keeps its NX_class
            write_dict(instrument[key], value, where=f"instrument/{key}", warn=warn,
                       protected={node.field}, keep_nx_class=True)
        elif value is not None:
            warn(f"instrument/{key}", f"{key!r} is a device of the scan: only a dict can merge into its group")
    owned = {*by_name, "positioners", *POSITIONER_GROUPS}
    write_dict(instrument, rest, where="instrument", warn=warn, protected=owned, keep_nx_class=True)


def _write_default_plots(entry: h5py.Group, nodes: Sequence[ChannelNode], scan_info: Mapping, warn: Warn) -> None:
    """The entry's NXdata groups, chosen as the live plot chooses (:mod:`.default_plot`);
    the first is the entry's ``@default``."""
    entry_name = entry.name.lstrip("/")
    choice = default_plot.plot_choice([node.spec for node in nodes], scan_info)
    groups = default_plot.nxdata_groups(choice, {n.spec.fullname: n.path(entry_name) for n in nodes},
                                        {n.spec.fullname: n.name for n in nodes})
    if groups:
        write_dict(entry, groups, where="", warn=warn)
        entry.attrs["default"] = next(iter(groups))


def finish_entry(entry: h5py.Group, nodes: Sequence[ChannelNode], scan_info: Mapping, warn: Warn) -> None:
    """The END content: final ``scan_info`` (end_time, end_reason, END metadata) and
    the notes (``notes`` is an NXnote group, as the NXentry base class wants, holding
    one NXnote per comment)."""
    write_scan_info(entry, nodes, scan_info, warn)
    notes: dict[str, Any] = {"@NX_class": "NXnote"}
    for i, comment in enumerate(scan_info.get("comments") or (), 1):
        if not isinstance(comment, Mapping):
            comment = {"message": comment}
        notes[f"note_{i:02d}"] = {"@NX_class": "NXnote", "data": comment.get("message"),
                                  "type": "text/plain", "date": comment.get("date")}
    write_dict(entry, {"notes": notes}, where="", warn=warn)


def set_status(entry: h5py.Group, status: str) -> None:
    """``writer/status`` := ``status`` (STARTING, RUNNING, SUCCEEDED, FAILED)."""
    writer = entry.require_group("writer")
    if "NX_class" not in writer.attrs:
        writer.attrs["NX_class"] = "NXnote"
    if "status" in writer and writer["status"].dtype == STATUS_DTYPE and writer["status"].shape == ():
        writer["status"][()] = status.encode()
    else:
        if "status" in writer:
            del writer["status"]
        writer.create_dataset("status", data=status.encode(), dtype=STATUS_DTYPE)


def channel_datasets(entry: h5py.Group) -> list[h5py.Dataset]:
    """The datasets ``measurement/`` links to (the scan's channels)."""
    datasets = []
    measurement = entry.get("measurement")
    if isinstance(measurement, h5py.Group):
        for name in measurement:
            item = measurement.get(name)
            if isinstance(item, h5py.Dataset) and item.shape and item.maxshape[0] is None:
                datasets.append(item)
    return datasets


def equalize(datasets: Sequence[h5py.Dataset], npoints: int | None = None) -> int:
    """Cut every channel to the number of points all of them hold (and to
    ``npoints`` if smaller); returns that number."""
    lengths = [d.shape[0] for d in datasets]
    n = min(lengths, default=0)
    if npoints is not None:
        n = min(n, npoints)
    for dataset, length in zip(datasets, lengths):
        if length != n:
            dataset.resize(n, axis=0)
    return n
