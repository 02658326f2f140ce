"""``ScanPreset``: code run at a scan's moments (``scan.add_preset(preset)``).

On the scan's thread, in BLISS's order: ``prepare(scan)`` when the scan is created
and numbered, before the devices are prepared and the motors go to the first point;
``start(scan)`` just before the first point; ``stop(scan)`` after the last one —
always, also after an abort or a failure, and before the file is finalised (an
exception in ``stop`` fails the scan, the file is finalised all the same).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["ScanPreset"]


class ScanPreset:
    """Override ``prepare``, ``start`` and ``stop`` (each gets the scan)."""

    def __init__(self) -> None:
        self._acq_chain: Any = None
        self._data_connections: dict[str, Any] = {}
        self._data_callback: Callable[[Any, str, Any], Any] | None = None

    @property
    def acq_chain(self) -> Any:
        return self._acq_chain

    def _prepare(self, scan: Any) -> Any:
        self._acq_chain = scan.acq_chain
        self._data_connections = {}
        self._data_callback = None
        return self.prepare(scan)

    def prepare(self, scan: Any) -> None:
        pass

    def start(self, scan: Any) -> None:
        pass

    def _stop(self, scan: Any) -> Any:
        self._data_connections = {}
        self._data_callback = None
        return self.stop(scan)

    def stop(self, scan: Any) -> None:
        pass

    def connect_data_channels(self, counters_list: Sequence[Any],
                              callback: Callable[[Any, str, Any], Any]) -> None:
        """Call ``callback(counter, channel_fullname, data)`` with each block of new
        values of the counters' channels (``data``: a numpy array); from ``prepare``."""
        if self._acq_chain is None:
            raise RuntimeError("connect_data_channels() works from the preset's prepare(scan)")
        nodes = self._acq_chain.get_node_from_devices(*counters_list)
        for counter, node in zip(counters_list, nodes):
            if node is None:
                continue
            channels = node._counters.get(counter) or node.channels
            for channel in channels:
                self._data_connections[channel.fullname] = counter
            self._data_callback = callback

    def _new_data(self, data: dict[str, Any]) -> None:
        callback = self._data_callback
        for fullname, counter in self._data_connections.items():
            values = data.get(fullname)
            if values is not None and callback is not None:
                callback(counter, fullname, values)
