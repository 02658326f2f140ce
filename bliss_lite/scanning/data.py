"""The in-memory data of a scan: the subscriber behind ``scan.get_data()``.

Each channel gets one numpy array, preallocated for the whole scan when its number of
points is known (up to ``PREALLOCATE_MAX`` points), else grown by doubling, never past
the scan's number of points (so memory stays within twice the data acquired, also
when a huge ``loopscan`` is stopped early).
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any, Iterator, Sequence

import numpy

from bliss_lite.events import ScanEnd, ScanPoints, ScanStart

__all__ = ["ScanData", "ScanDataStore"]

_INITIAL_CAPACITY = 1024
PREALLOCATE_MAX = 1 << 20


class _Column:
    """One channel's values: a numpy array filled up to ``length``."""

    __slots__ = ("array", "length", "variable", "limit")

    def __init__(self, dtype: str, shape: tuple[int, ...], capacity: int, limit: int = 0) -> None:
        self.limit = limit  # the scan's number of points; 0: unknown
        self.variable = any(n < 0 for n in shape)
        if self.variable:
            self.array = numpy.empty(capacity, dtype=object)
        else:
            self.array = numpy.empty((capacity,) + tuple(shape), dtype=dtype)
        self.length = 0

    def put(self, first: int, values: numpy.ndarray) -> None:
        end = first + len(values)
        if end > len(self.array):
            capacity = max(2 * len(self.array), _INITIAL_CAPACITY)
            if self.limit:
                capacity = min(capacity, self.limit)
            capacity = max(capacity, end)
            grown = numpy.empty((capacity,) + self.array.shape[1:], dtype=self.array.dtype)
            grown[: self.length] = self.array[: self.length]
            self.array = grown
        if self.variable:
            for i, v in enumerate(values):
                self.array[first + i] = v
        else:
            self.array[first:end] = values
        self.length = max(self.length, end)

    def view(self) -> numpy.ndarray:
        return self.array[: self.length]


class ScanDataStore:
    """Subscriber keeping every point of a scan in memory."""

    def __init__(self) -> None:
        self._columns: dict[str, _Column] = {}
        self._names: list[tuple[str, str]] = []

    # -- subscriber ---------------------------------------------------------------

    def scan_start(self, event: ScanStart) -> None:
        npoints = max(int(event.scan_info.get("npoints") or 0), 0)
        capacity = min(npoints, PREALLOCATE_MAX) if npoints else _INITIAL_CAPACITY
        for spec in event.channels:
            if spec.fullname not in self._columns:
                self._columns[spec.fullname] = _Column(spec.dtype, tuple(spec.shape), capacity, npoints)
                self._names.append((spec.name, spec.fullname))

    def scan_points(self, event: ScanPoints) -> None:
        for fullname, values in event.data.items():
            column = self._columns.get(fullname)
            if column is not None:
                column.put(event.first_index, values)

    def scan_end(self, event: ScanEnd) -> None:
        for column in self._columns.values():
            column.length = min(column.length, event.npoints)

    # -- access -------------------------------------------------------------------

    def data(self) -> "ScanData":
        """The data acquired so far (views, not copies)."""
        return ScanData({full: col.view() for full, col in self._columns.items()}, self._names)


class ScanData(Mapping):
    """A scan's data: channel name → numpy array.

    Iterates over short names (``"diode3"``, ``"roby"``, ``"elapsed_time"``,
    ``"epoch"``; the fullname when two channels share a short name); looks up by short
    name, fullname (``"simulation_diode_sampling_controller:diode3"``,
    ``"axis:roby"``) or by the counter/axis object itself.
    """

    def __init__(self, arrays: dict[str, numpy.ndarray], names: Sequence[tuple[str, str]]) -> None:
        self._arrays = arrays
        self._short: dict[str, str] = {}
        for name, fullname in names:
            self._short.setdefault(name, fullname)
        counts = collections.Counter(name for name, _ in names)
        self._keys = [name if counts[name] == 1 else fullname for name, fullname in names]

    def _resolve(self, key: Any) -> str:
        if not isinstance(key, str):
            key = getattr(key, "fullname", None) or getattr(key, "name", None)
            if key is None:
                raise KeyError(key)
            if key in self._arrays:
                return key
            axis_key = f"axis:{key}"
            if axis_key in self._arrays:
                return axis_key
        if key in self._arrays:
            return key
        if key in self._short:
            return self._short[key]
        raise KeyError(key)

    def __getitem__(self, key: Any) -> numpy.ndarray:
        try:
            return self._arrays[self._resolve(key)]
        except KeyError:
            raise KeyError(f"no channel named {key!r} in this scan "
                           f"(channels: {', '.join(self._keys)})") from None

    def __contains__(self, key: object) -> bool:
        try:
            self._resolve(key)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return "ScanData({" + ", ".join(f"{k!r}: <{len(self[k])} points>" for k in self._keys) + "})"
