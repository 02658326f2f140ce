"""``scan_info`` as BLISS shapes it, and :class:`ScanInfo`, the dict with BLISS's
helpers for users who describe their own scans::

    scan_info = ScanInfo()
    scan_info.set_channel_meta("axis:roby", start=0, stop=1, points=11)
    scan_info.add_curve_plot(x="axis:roby", yleft=["simulation_diode_sampling_controller:diode"])
    Scan(chain, name="myscan", scan_info=scan_info).run()

The chain's part (``acquisition_chain``, ``devices``, ``channels``) is filled by the
scan from its chain (:meth:`ScanInfo.set_acquisition_chain_info`): devices are keyed
``"<unique id>:<name>"``, channels by their fullname (``"timer:elapsed_time"``,
``"axis:roby"``), each with ``device``, ``dim``, ``display_name`` and ``unit``.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from bliss_lite.scanning.chain import AcquisitionChain, AcquisitionObject

__all__ = ["ScanInfo", "ScanInfoFactory"]

_AXIS_KINDS = (None, "forth", "backnforth", "step")


def _number(func: str, arg: str, value: Any, kind: type = numbers.Real) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
        raise TypeError(f"{func}() argument '{arg}' must be a number, not {type(value).__name__}")


class ScanInfo(dict):
    """A scan's metadata: a dict, with helpers that write BLISS's normalised keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scan_info: dict = self

    @staticmethod
    def normalize(scan_info: dict | None) -> "ScanInfo":
        """``scan_info`` as a ScanInfo (itself when it is one)."""
        if isinstance(scan_info, ScanInfo):
            return scan_info
        if scan_info is not None and not isinstance(scan_info, dict):
            raise TypeError(f"scan_info must be a dict, not {type(scan_info).__name__}")
        return ScanInfo(scan_info or {})

    def set_channel_meta(self, name: str, start: float | None = None, stop: float | None = None,
                         min: float | None = None, max: float | None = None,
                         points: int | None = None, axis_points: int | None = None,
                         axis_kind: str | None = None, group: str | None = None,
                         axis_id: int | None = None, axis_points_hint: int | None = None,
                         decimals: int | None = None) -> None:
        """Metadata of the channel ``name`` (its fullname) in ``scan_info["channels"]``."""
        if not isinstance(name, str):
            raise TypeError(f"set_channel_meta() argument 'name' must be a string, not {type(name).__name__}")
        for arg, value in (("start", start), ("stop", stop), ("min", min), ("max", max)):
            _number("set_channel_meta", arg, value)
        for arg, value in (("points", points), ("axis_points", axis_points), ("axis_id", axis_id),
                           ("axis_points_hint", axis_points_hint), ("decimals", decimals)):
            _number("set_channel_meta", arg, value, numbers.Integral)
        if axis_kind not in _AXIS_KINDS:
            raise ValueError(f"set_channel_meta() argument 'axis_kind' must be one of "
                             f"'forth', 'backnforth', 'step', not {axis_kind!r}")
        if axis_id is not None and axis_id < 0:
            raise ValueError(f"set_channel_meta() argument 'axis_id' must be >= 0, not {axis_id}")
        meta = self._scan_info.setdefault("channels", {}).setdefault(name, {})
        for key, value, kind in (("start", start, float), ("stop", stop, float), ("min", min, float),
                                 ("max", max, float), ("points", points, int),
                                 ("axis_points", axis_points, int), ("axis_id", axis_id, int),
                                 ("axis_kind", axis_kind, str), ("group", group, str),
                                 ("axis_points_hint", axis_points_hint, int),
                                 ("decimals", decimals, int)):
            if value is not None:
                meta[key] = kind(value)

    def _plots(self) -> list:
        plots = self._scan_info.setdefault("plots", [])
        if not isinstance(plots, list):
            raise TypeError("The 'plots' metadata is corrupted. A list is expected.")
        return plots

    def add_plots_entry(self) -> None:
        self._scan_info.setdefault("plots", [])

    def add_scatter_plot(self, name: str | None = None, x: str | None = None,
                         y: str | None = None, value: str | None = None) -> None:
        """A scatter plot (a default plot when ``name`` is None)."""
        item = {"kind": "scatter"}
        for key, channel in (("x", x), ("y", y), ("value", value)):
            if channel is not None:
                item[key] = channel
        plot: dict[str, Any] = {"kind": "scatter-plot", "items": [item] if len(item) > 1 else []}
        if name is not None:
            plot["name"] = name
        self._plots().append(plot)

    def has_default_curve_plot(self) -> bool:
        return any(p.get("kind") == "curve-plot" and p.get("name") is None
                   for p in self._scan_info.get("plots", []))

    def add_curve_plot(self, name: str | None = None, x: str | None = None,
                       yleft: str | Sequence[str] | None = None,
                       yright: str | Sequence[str] | None = None) -> None:
        """A curve plot: curves of ``yleft`` / ``yright`` channels against ``x``."""
        items: list[dict] = []
        if x is not None and yleft is None and yright is None:
            items.append({"kind": "curve", "x": x})
        for side, ys in (("left", yleft), ("right", yright)):
            if ys is None:
                continue
            for y in [ys] if isinstance(ys, str) else ys:
                item = {"kind": "curve", "y_axis": side}
                if x is not None:
                    item["x"] = x
                item["y"] = y
                items.append(item)
        plot: dict[str, Any] = {"kind": "curve-plot", "items": items}
        if name is not None:
            plot["name"] = name
        self._plots().append(plot)

    def add_table_plot(self, name: str | None = None) -> None:
        plot: dict[str, Any] = {"kind": "table-plot"}
        if name is not None:
            plot["name"] = name
        self._plots().append(plot)

    def add_1d_plot(self, name: str | None = None, x: str | None = None,
                    y: str | Sequence[str] | None = None) -> None:
        items = [{"kind": "curve", "y": v} for v in ([y] if isinstance(y, str) else (y or []))]
        plot: dict[str, Any] = {"kind": "1d-plot", "items": items}
        if x is not None:
            plot["x"] = x
        if name is not None:
            plot["name"] = name
        self._plots().append(plot)

    def set_sequence_info(self, scan_count: int | None = None) -> None:
        """For a sequence of scans: how many scans it will hold."""
        info = self._scan_info.setdefault("sequence_info", {})
        if scan_count is not None:
            info["scan_count"] = int(scan_count)

    def set_scan_index(self, index_in_sequence: int | None = None, retry_nb: int | None = None) -> None:
        if index_in_sequence is not None:
            self._scan_info["index_in_sequence"] = int(index_in_sequence)
        if retry_nb:
            self._scan_info["retry_nb"] = int(retry_nb)

    # -- the scan's part ------------------------------------------------------------------
    @staticmethod
    def device_key(acq_obj: "AcquisitionObject") -> str:
        return f"{id(acq_obj)}:{acq_obj.name}"

    def _set_device_meta(self, acq_obj: "AcquisitionObject", metadata: dict) -> None:
        device = self._scan_info.setdefault("devices", {}).setdefault(self.device_key(acq_obj), {})
        device.setdefault("metadata", {}).update(metadata)

    def set_acquisition_chain_info(self, chain: "AcquisitionChain") -> None:
        """``acquisition_chain``, ``devices`` and ``channels`` from ``chain``."""
        from bliss_lite.scanning.chain import AcquisitionMaster

        chain_dict: dict[str, dict] = {}
        devices = self._scan_info.setdefault("devices", {})
        channels = self._scan_info.setdefault("channels", {})
        for top in chain.top_masters:
            entry = chain_dict.setdefault(top.name, {"master": {}})
            groups: dict[str, list] = {}
            keys: list[str] = []

            def visit(obj: Any, is_top: bool) -> None:
                target = entry["master"] if is_top else groups
                for kind in ("scalars", "spectra", "images"):
                    target.setdefault(kind, [])
                key = self.device_key(obj)
                keys.append(key)
                info = devices.setdefault(key, {})
                info["name"] = obj.name
                device_type = getattr(obj.device, "DEVICE_TYPE", None)
                if device_type is not None:
                    info["type"] = device_type
                children = chain.children(obj)
                if children:
                    info["triggered_devices"] = [self.device_key(c) for c in children]
                names = []
                for channel in obj.channels:
                    names.append(channel.fullname)
                    ndim = len(channel.shape)
                    kind = {0: "scalars", 1: "spectra", 2: "images"}.get(ndim)
                    if kind and channel.fullname not in target[kind]:
                        target[kind].append(channel.fullname)
                    meta = channels.setdefault(channel.fullname, {})
                    meta["device"] = key
                    meta.update(channel.scan_info_dict)
                info["channels"] = names
                for child in children:
                    visit(child, False)

            visit(top, isinstance(top, AcquisitionMaster))
            entry.update(groups)
            entry["top_master"] = self.device_key(top)
            entry["devices"] = keys
        self._scan_info["acquisition_chain"] = chain_dict


class ScanInfoFactory(ScanInfo):
    """BLISS's older helper: the :class:`ScanInfo` methods writing into an existing
    dict, ``ScanInfoFactory(scan_info).add_curve_plot(...)``."""

    def __init__(self, scan_info: dict) -> None:
        super().__init__()
        if not isinstance(scan_info, dict):
            raise TypeError(f"ScanInfoFactory() takes a dict, not {type(scan_info).__name__}")
        self._scan_info = scan_info
