"""A bliss_lite scan described as BLISS 2.4 describes its scans in Redis.

:func:`bliss_scan_info` gives the ``scan_info`` a BLISS 2.4 step scan publishes
through blissdata: bliss_lite's own keys (title, type, npoints, count_time, scan_nb,
filename, start/end time, ``end_reason``, the scan_meta categories...) plus
``channels`` (per channel fullname: device, dim, unit, display_name), ``devices``,
``acquisition_chain`` (one top master ``timer`` whose devices are the timer, the
scanned axes and the counter controllers), ``plots`` (the default curve plot, an
image plot per image channel), and, for a saved scan, ``h5maps``: the HDF5 layout
bliss_lite writes (as blissdata's ``h5map`` models, so that BLISS's writer service
``blisswriter`` writes the same tree).  The exact bliss_lite events are carried too,
under ``bliss_lite`` (their wire form, base64), for bliss_lite's own consumers.

Everything here is plain JSON (blissdata stores ``scan_info`` as a RedisJSON
document): numpy values become lists and numbers, non-finite floats ``None``.
"""

from __future__ import annotations

import base64
import datetime
import math
from collections.abc import Mapping
from typing import Any, Iterable, Sequence

import numpy

from bliss_lite.events import ChannelSpec, ScanEnd, ScanStart

__all__ = ["bliss_scan_info", "h5map", "jsonable", "channel_device", "stream_name"]

#: keys bliss_lite adds to its scan_info for BLISS consumers
BLISS_KEYS = ("channels", "devices", "acquisition_chain", "plots", "h5maps", "bliss_lite")


def jsonable(value: Any) -> Any:
    """``value`` made of JSON types only (what RedisJSON keeps)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, numpy.integer)):
        return int(value)
    if isinstance(value, (float, numpy.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, numpy.bool_):
        return bool(value)
    if isinstance(value, numpy.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, numpy.generic):
        return jsonable(value.item())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, complex):
        return str(value)
    return str(value)


def stream_name(spec: ChannelSpec) -> str:
    """The blissdata stream of a channel: its fullname, as BLISS names them."""
    return spec.fullname


def channel_device(spec: ChannelSpec) -> str:
    """The device key of a channel in ``scan_info['devices']``."""
    if spec.kind == "timer":
        return "timer"
    if spec.kind == "motor":
        return "axis"
    controller, _, _ = spec.fullname.rpartition(":")
    return controller or spec.name


def _channel_group(spec: ChannelSpec) -> str:
    return {0: "scalars", 1: "spectra", 2: "images"}.get(len(spec.shape), "images")


def bliss_scan_info(event: ScanStart | ScanEnd, channels: Sequence[ChannelSpec],
                    start_event: ScanStart, end_event: ScanEnd | None = None) -> dict:
    """The ``scan_info`` to publish for a scan at its START (``event`` a ScanStart) or
    END (``event`` the ScanEnd)."""
    info = jsonable(event.scan_info)
    devices: dict[str, dict] = {}
    channel_info: dict[str, dict] = {}
    for spec in channels:
        device = channel_device(spec)
        entry = devices.setdefault(device, {"name": device.rsplit(":", 1)[-1], "channels": []})
        entry["channels"].append(spec.fullname)
        meta = {"device": device, "dim": len(spec.shape), "display_name": spec.name}
        if spec.unit:
            meta["unit"] = spec.unit
        channel_info[spec.fullname] = meta
    order = ["timer", "axis"] + [d for d in devices if d not in ("timer", "axis")]
    order = [d for d in order if d in devices]
    if "timer" in devices:
        devices["timer"]["triggered_devices"] = [d for d in order if d != "timer"]
    master: dict[str, list] = {"scalars": [], "spectra": [], "images": []}
    chain: dict[str, Any] = {"top_master": "timer", "devices": order,
                             "scalars": [], "spectra": [], "images": [], "master": master}
    for spec in channels:
        (master if spec.kind != "counter" else chain)[_channel_group(spec)].append(spec.fullname)
    info["channels"] = channel_info
    info["devices"] = devices
    info["acquisition_chain"] = {"timer": chain}
    info["plots"] = _plots(channels, info.get("type"))
    carried = {"version": 1, "start": _b64(start_event)}
    if end_event is not None:
        carried["end"] = _b64(end_event)
    info["bliss_lite"] = carried
    filename = info.get("filename")
    if filename and info.get("save", True):
        info["h5maps"] = {filename: h5map(info, event.scan_info, channels, end=isinstance(event, ScanEnd))}
    return info


def _b64(event: ScanStart | ScanEnd) -> str:
    return base64.b64encode(event.to_bytes()).decode("ascii")


def _plots(channels: Sequence[ChannelSpec], scan_type: Any) -> list[dict]:
    motors = [c.fullname for c in channels if c.kind == "motor"]
    x = motors[0] if motors else next((c.fullname for c in channels if c.name == "elapsed_time"), None)
    plots = []
    scalars = [c.fullname for c in channels if c.kind == "counter" and not c.shape]
    if scalars:
        if scan_type in ("amesh", "dmesh") and len(motors) >= 2:
            items = [{"kind": "scatter", "x": motors[0], "y": motors[1], "value": v} for v in scalars]
            plots.append({"kind": "scatter-plot", "items": items})
        else:
            plots.append({"kind": "curve-plot", "items": [{"kind": "curve", "x": x, "y": y, "y_axis": "left"}
                                                          for y in scalars]})
    for spec in channels:
        if spec.kind == "counter" and len(spec.shape) == 2:
            plots.append({"kind": "image-plot", "name": spec.name,
                          "items": [{"kind": "image", "image": spec.fullname}]})
    return plots


# ------------------------------------------------------------------------ h5maps

def _value(value: Any) -> Any:
    """A blissdata DataItem for a value (InlineRaw when JSON holds it exactly)."""
    if isinstance(value, (bool, numpy.bool_)):
        return bool(value)
    if isinstance(value, (int, numpy.integer)):
        return int(value)
    if isinstance(value, (float, numpy.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"type": "inline", "dtype": "float64", "value": str(value)}
    if isinstance(value, numpy.ndarray) and value.dtype.kind in "biuf" and value.size:
        if value.dtype.kind == "f" and not numpy.isfinite(value).all():
            return {"type": "inline_b64", "dtype": value.dtype.str, "shape": list(value.shape),
                    "value": base64.b64encode(numpy.ascontiguousarray(value).tobytes()).decode()}
        return value.tolist()
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float, str)) and not isinstance(v, bool)
                                                          for v in value):
        if all(isinstance(v, str) for v in value) or all(isinstance(v, (int, float)) and math.isfinite(v)
                                                         for v in value):
            return list(value)
        return None
    if isinstance(value, str):
        return value
    if value is None:
        return None
    return str(jsonable(value))


def _dict_group(content: Mapping, nx_class: str | None = None) -> dict:
    """A bliss_lite metadata dict (``"@attr"``, ``"name@attr"`` keys) as an h5map Group."""
    attributes: dict[str, Any] = {}
    children: dict[str, Any] = {}
    item_attrs: dict[str, dict] = {}
    for key, value in content.items():
        key = str(key)
        if key.startswith(">"):
            if isinstance(value, str):
                children[key[1:]] = {"type": "soft_link", "target_path": value}
            continue
        if key.startswith("@"):
            item = _value(value)
            if item is not None:
                attributes[key[1:]] = item
            continue
        if "@" in key:
            name, _, attr = key.partition("@")
            item = _value(value)
            if item is not None:
                item_attrs.setdefault(name, {})[attr] = item
            continue
        if isinstance(value, Mapping):
            children[key] = _dict_group(value)
        else:
            item = _value(value)
            if item is not None:
                children[key] = {"type": "dataset", "value": item}
    for name, attrs in item_attrs.items():
        child = children.get(name)
        if isinstance(child, dict) and child.get("type") in ("dataset", "group"):
            child.setdefault("attributes", {}).update(attrs)
    if nx_class and "NX_class" not in attributes:
        attributes["NX_class"] = nx_class
    group: dict[str, Any] = {"type": "group"}
    if attributes:
        group["attributes"] = attributes
    if children:
        group["children"] = children
    return group


def _node_names(channels: Iterable[ChannelSpec]) -> list[tuple[ChannelSpec, str]]:
    from bliss_lite.nexus.layout import channel_nodes

    return [(node.spec, node.name) for node in channel_nodes(channels)]


def h5map(info: Mapping, raw_info: Mapping, channels: Sequence[ChannelSpec], end: bool) -> dict:
    """The h5map (a blissdata ``h5map.Group`` as a dict) of bliss_lite's file for the
    entry ``N.1`` of this scan."""
    entry_name = f"{info.get('scan_nb')}.1"
    instrument: dict[str, Any] = {}
    measurement: dict[str, Any] = {}
    motors: dict[str, str] = {}
    for spec, name in _node_names(channels):
        field = "data" if spec.kind == "counter" else "value"
        dataset: dict[str, Any] = {"type": "dataset", "value": {"type": "stream", "stream": stream_name(spec)}}
        if spec.unit:
            dataset["attributes"] = {"units": spec.unit}
        group = _dict_group({k: v for k, v in spec.attrs.items()} if spec.kind == "counter" else {},
                            "NXdetector" if spec.kind == "counter" else "NXpositioner")
        group.setdefault("children", {})[field] = dataset
        instrument[name] = group
        path = f"/{entry_name}/instrument/{name}/{field}"
        measurement[name] = {"type": "soft_link", "target_path": path}
        if spec.kind == "motor":
            motors[spec.name] = path
    positioners = raw_info.get("positioners")
    if isinstance(positioners, Mapping):
        units = positioners.get("positioners_units") or {}
        for key in ("positioners_start", "positioners_dial_start", "positioners_end", "positioners_dial_end"):
            values = positioners.get(key)
            if isinstance(values, Mapping):
                instrument[key] = _dict_group(_with_units(values, units), "NXcollection")
        start = positioners.get("positioners_start")
        if isinstance(start, Mapping):
            merged = _with_units({k: v for k, v in start.items() if k not in motors}, units)
            merged.update({">" + k: v for k, v in motors.items()})
            instrument["positioners"] = _dict_group(merged, "NXcollection")
    extra = raw_info.get("instrument")
    if isinstance(extra, Mapping):
        for key, value in extra.items():
            if isinstance(value, Mapping) and key not in instrument:
                instrument[str(key)] = _dict_group(value)
    entry_children: dict[str, Any] = {
        "instrument": {"type": "group", "attributes": {"NX_class": "NXinstrument"}, "children": instrument},
        "measurement": {"type": "group", "attributes": {"NX_class": "NXcollection"}, "children": measurement},
    }
    for key in ("title", "start_time", "end_time", "end_reason"):
        if raw_info.get(key) is not None:
            entry_children[key] = {"type": "dataset", "value": str(raw_info[key])}
    parameters = {"@NX_class": "NXparameters", "count_time": raw_info.get("count_time"),
                  "npoints": raw_info.get("npoints"), "type": raw_info.get("type")}
    if raw_info.get("count_time") is not None:
        parameters["count_time@units"] = "s"
    entry_children["scan_parameters"] = _dict_group(parameters)
    owned = set(entry_children) | {"writer", "notes", "plotselect"}
    for category in raw_info.get("scan_meta_categories") or ():
        value = raw_info.get(category)
        if category in ("instrument", "positioners") or category in owned or not isinstance(value, Mapping):
            continue
        entry_children[str(category)] = _dict_group(value)
    if end:
        notes = {"@NX_class": "NXnote"}
        for i, comment in enumerate(raw_info.get("comments") or (), 1):
            if not isinstance(comment, Mapping):
                comment = {"message": comment}
            notes[f"note_{i:02d}"] = {"@NX_class": "NXnote", "data": comment.get("message"),
                                      "type": "text/plain", "date": comment.get("date")}
        entry_children["notes"] = _dict_group(notes)
    entry = {"type": "group", "attributes": {"NX_class": "NXentry"}, "children": entry_children}
    root_attrs: dict[str, Any] = {"NX_class": "NXroot", "creator": "bliss_lite"}
    if end:
        root_attrs["default"] = entry_name
    return {"type": "group", "attributes": root_attrs, "children": {entry_name: entry}}


def _with_units(values: Mapping, units: Any) -> dict:
    group: dict[str, Any] = {}
    for name, value in values.items():
        group[name] = value
        unit = units.get(name) if isinstance(units, Mapping) else None
        if unit and isinstance(value, (int, float, numpy.number)):
            group[f"{name}@units"] = unit
    return group
