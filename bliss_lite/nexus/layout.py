"""The BLISS layout of one scan entry ``N.1`` (SPEC 8), built from ``scan_info``.

An entry lives in two files (see :mod:`bliss_lite.nexus.ondisk`): :func:`create_points`
makes the points file's empty, growable channel datasets and ``writer/status``;
:func:`create_entry` writes the entry file (every group, the metadata from
``scan_info``, external links to the channels), at START and again, ``final``, at
the END, where later values replace earlier ones and the notes are added.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import h5py
import numpy

from bliss_lite.nexus.mapping import Warn, make_link, name_problem, write_dict
from bliss_lite.nexus.ondisk import POINTS_SUFFIX

if TYPE_CHECKING:
    from bliss_lite.events import ChannelSpec

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
    """Where one channel lives: ``instrument/<group>/<field>``, linked as
    ``measurement/<name>``; ``field`` is ``value`` (motors, timers) or ``data``, or
    the channel's ``data_name``; ``group`` is ``name`` unless the channel names its
    ``device`` (several channels of one NXdetector: a camera's ROI, an MCA element)."""

    spec: ChannelSpec
    name: str
    group: str = ""

    @property
    def field(self) -> str:
        if self.group and self.spec.data_name:
            return self.spec.data_name
        return "data" if self.spec.kind == "counter" else "value"

    @property
    def group_name(self) -> str:
        return self.group or self.name

    @property
    def nx_class(self) -> str:
        return "NXdetector" if self.spec.kind == "counter" else "NXpositioner"

    def path(self, entry_name: str) -> str:
        return f"/{entry_name}/instrument/{self.group_name}/{self.field}"

    def link(self, entry_name: str) -> str:
        """The channel as the entry file links it: ``"<points file>::<path>"`` (an
        external link; readers such as nexusformat resolve those one file at a time,
        not a soft link through an external link)."""
        return f"{points_file_name(entry_name)}::{self.path(entry_name)}"


def points_file_name(entry_name: str) -> str:
    """The points file of an entry, as the entry file names it (same directory)."""
    return entry_name + POINTS_SUFFIX


def channel_nodes(channels: Iterable[ChannelSpec]) -> list[ChannelNode]:
    """One node per channel, named by short name; a short name that is taken or not a
    valid item name falls back to the fullname (``:`` and ``/`` → ``_``)."""
    taken = {"positioners", *POSITIONER_GROUPS}
    nodes = []
    channels = list(channels)
    devices = _device_groups(channels, taken)
    for spec in channels:
        if spec.fullname in devices:
            node = devices[spec.fullname]
            taken.add(node.name)
            nodes.append(node)
            continue
        name = spec.name
        if name in taken or name_problem(name):
            name = spec.fullname.replace(":", "_").replace("/", "_") or "channel"
            base, i = name, 2
            while name in taken or name_problem(name):
                name, i = f"{base}_{i}", i + 1
        taken.add(name)
        nodes.append(ChannelNode(spec, name))
    return nodes


def _device_groups(channels: Sequence[ChannelSpec], taken: set[str]) -> dict[str, ChannelNode]:
    """Nodes of the channels that name their NXdetector ``device`` (BLISS's names:
    ``measurement/<device>`` for ``data``, ``<device>_<data_name>`` otherwise)."""
    nodes: dict[str, ChannelNode] = {}
    used: set[tuple[str, str]] = set()
    for spec in channels:
        if not spec.device or spec.kind != "counter":
            continue
        field = spec.data_name or "data"
        link = spec.device if field == "data" else f"{spec.device}_{field}"
        if (spec.device, field) in used or link in taken or name_problem(link) \
                or name_problem(spec.device) or name_problem(field):
            continue  # placed by short name instead
        used.add((spec.device, field))
        nodes[spec.fullname] = ChannelNode(spec, link, spec.device)
    taken.update(node.group for node in nodes.values())
    taken.update(node.name for node in nodes.values())
    return nodes


# ---------------------------------------------------------------------------------
# Points file: the channels (and writer/status), appended in SWMR mode


def create_points(f: h5py.File, entry_name: str, nodes: Sequence[ChannelNode], npoints: int | None,
                  compression: str | None = None) -> dict[str, h5py.Dataset]:
    """The empty, growable channel datasets of entry ``entry_name`` and its
    ``writer/status`` (STARTING), at the paths the entry file links to; returns
    channel fullname -> dataset."""
    entry = f.create_group(entry_name)
    entry.attrs["NX_class"] = "NXentry"
    writer = entry.create_group("writer")
    writer.attrs["NX_class"] = "NXnote"
    writer.create_dataset("status", data=b"STARTING", dtype=STATUS_DTYPE)
    instrument = entry.create_group("instrument")
    instrument.attrs["NX_class"] = "NXinstrument"
    datasets = {}
    for node in nodes:
        group = instrument.require_group(node.group_name)
        group.attrs.setdefault("NX_class", node.nx_class)
        dataset = group.create_dataset(node.field, **channel_dataset_options(node.spec, npoints, compression))
        if node.spec.unit:
            dataset.attrs["units"] = node.spec.unit
        datasets[node.spec.fullname] = dataset
    return datasets


def channel_dataset_options(spec: ChannelSpec, npoints: int | None, compression: str | None = None
                            ) -> dict[str, Any]:
    """``create_dataset`` keywords of a channel: empty, growable along the points;
    spectra and images chunked and compressed by :mod:`.compression`, the rest
    chunked by ~1 MiB, NaN-filled for floats."""
    dtype = numpy.dtype(spec.dtype)
    if dtype.kind in "UOS":
        dtype = h5py.string_dtype()
    shape = tuple(spec.shape)
    point_shape = tuple(max(s, 0) for s in shape)
    maxshape = (None,) + tuple(None if s < 0 else s for s in shape)
    if shape and all(s > 0 for s in shape) and dtype.kind in "biuf":  # spectra, images
        from bliss_lite.nexus.compression import dataset_options  # only scans with such channels

        return {"shape": (0,) + point_shape, "maxshape": maxshape, "dtype": dtype,
                **dataset_options(shape, spec.compression or compression)}
    point_chunk = tuple(256 if s < 0 else max(s, 1) for s in shape)
    row_bytes = dtype.itemsize * math.prod(point_chunk)
    rows = max(1, min(_CHUNK_ROWS, _CHUNK_BYTES // row_bytes, npoints or _CHUNK_ROWS))
    fill = numpy.nan if dtype.kind in "fc" else None
    return {"shape": (0,) + point_shape, "maxshape": maxshape, "chunks": (rows,) + point_chunk,
            "dtype": dtype, "fillvalue": fill}


def point_bytes(specs: Iterable[ChannelSpec]) -> int:
    """Bytes one point of these channels takes (a variable dimension counts 1)."""
    total = 0
    for spec in specs:
        dtype = numpy.dtype(spec.dtype)
        itemsize = 16 if dtype.kind in "UOS" else dtype.itemsize
        total += itemsize * math.prod(max(s, 1) for s in spec.shape)
    return total


def points_datasets(f: h5py.File, entry_name: str) -> list[h5py.Dataset]:
    """The channel datasets of a points file."""
    datasets = []
    instrument = f.get(f"{entry_name}/instrument")
    if isinstance(instrument, h5py.Group):
        for group in instrument.values():
            if isinstance(group, h5py.Group):
                datasets.extend(d for d in group.values()
                                if isinstance(d, h5py.Dataset) and d.shape and d.maxshape[0] is None)
    return datasets


# ---------------------------------------------------------------------------------
# Entry file: everything else, written whole at START and again at END


def create_entry(
    f: h5py.File, entry_name: str, nodes: Sequence[ChannelNode], scan_info: Mapping, warn: Warn,
    final: bool = False,
) -> None:
    """Entry ``entry_name`` with ``scan_info``'s content; its channels and
    ``writer/status`` are external links into its points file.  ``final``: the END
    version (notes too)."""
    entry = f.create_group(entry_name)
    entry.attrs["NX_class"] = "NXentry"
    writer = entry.create_group("writer")
    writer.attrs["NX_class"] = "NXnote"
    writer["status"] = h5py.ExternalLink(points_file_name(entry_name), f"/{entry_name}/writer/status")
    instrument = entry.create_group("instrument")
    instrument.attrs["NX_class"] = "NXinstrument"
    measurement = entry.create_group("measurement")
    measurement.attrs["NX_class"] = "NXcollection"
    for node in nodes:
        group = instrument.require_group(node.group_name)
        group.attrs.setdefault("NX_class", node.nx_class)
        group[node.field] = make_link(group.name, node.link(entry_name))
        if node.spec.kind == "counter" and node.spec.attrs:
            write_dict(group, dict(node.spec.attrs), where=f"instrument/{node.group_name}", warn=warn,
                       protected={node.field}, keep_nx_class=True)
        measurement[node.name] = make_link(measurement.name, node.link(entry_name))
    if final:
        finish_entry(entry, nodes, scan_info, warn)
    else:
        write_scan_info(entry, nodes, scan_info, warn)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


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
            merged[">" + name] = node.link(entry_name)
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
    by_name = {node.group_name: node for node in nodes}
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
    from bliss_lite.nexus import default_plot  # only when an entry is finished

    entry_name = entry.name.lstrip("/")
    choice = default_plot.plot_choice([node.spec for node in nodes], scan_info)
    groups = default_plot.nxdata_groups(choice, {n.spec.fullname: n.link(entry_name) for n in nodes},
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
