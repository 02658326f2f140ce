"""The in-memory data of a scan: the subscriber behind ``scan.get_data()``.

Each 0-D channel gets one numpy array, preallocated for the whole scan when its number
of points is known (up to ``PREALLOCATE_MAX`` points), else grown by doubling, never
past the scan's number of points (so memory stays within twice the data acquired, also
when a huge ``loopscan`` is stopped early).

A channel of fixed 1-D/2-D shape (spectra, images) keeps only a ring of its latest
points, at most ``RING_BYTES`` of them (at least one), so that memory stays bounded
whatever the number of frames (the ring holds views of the blocks the points came in,
so up to one block more is kept alive).  While every point is in the ring, ``get_data()``
gives them as an array; past that, it gives a :class:`FileFrames` reading the points
back from the scan's file (lazily, on indexing), or the ring's latest points when the
scan was not saved.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Mapping
from typing import Any, Iterator, Sequence

import numpy

from bliss_lite.events import ScanEnd, ScanPoints, ScanStart

__all__ = ["ScanData", "ScanDataStore"]

_INITIAL_CAPACITY = 1024
PREALLOCATE_MAX = 1 << 20
RING_BYTES = 64 << 20


class _Ring:
    """The latest ``capacity`` points of a fixed-shape channel, kept as views of the
    blocks they came in (no copy); ``length`` counts every point received."""

    __slots__ = ("points", "capacity", "length", "shape", "dtype")

    def __init__(self, dtype: str, shape: tuple[int, ...], limit: int) -> None:
        self.dtype = numpy.dtype(dtype)
        self.shape = tuple(shape)
        point = self.dtype.itemsize * int(numpy.prod(shape))
        capacity = max(1, RING_BYTES // max(point, 1))
        self.capacity = min(capacity, limit) if limit else capacity
        self.points: collections.deque = collections.deque(maxlen=self.capacity)
        self.length = 0

    def put(self, first: int, values: numpy.ndarray) -> None:
        if first != self.length:  # not the next points: start again from these
            self.points.clear()
        self.points.extend(values[-self.capacity:])
        self.length = first + len(values)

    def trim(self, npoints: int) -> None:
        while self.length > npoints and self.points:
            self.points.pop()
            self.length -= 1
        self.length = min(self.length, npoints)

    @property
    def complete(self) -> bool:
        return self.length <= self.capacity

    def view(self) -> numpy.ndarray:
        """The points held, oldest first (all of them when ``complete``)."""
        if not self.points:
            return numpy.empty((0,) + self.shape, dtype=self.dtype)
        return numpy.stack(list(self.points))


class FileFrames:
    """The points of a 1-D/2-D channel as written in the scan's file, read on demand:
    ``frames[i]``, ``frames[10:20]``, ``len(frames)``, ``frames.shape``,
    ``numpy.asarray(frames)`` (everything at once)."""

    def __init__(self, filename: str, paths: Sequence[str], length: int,
                 point_shape: tuple[int, ...], dtype: numpy.dtype) -> None:
        self.filename = filename
        self._paths = list(paths)
        self.path: str | None = None
        self._length = length
        self.shape = (length,) + tuple(point_shape)
        self.dtype = numpy.dtype(dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        return self._length

    def _read(self, selection: Any) -> numpy.ndarray:
        import h5py

        try:  # the filters of compressed images (bitshuffle-LZ4)
            import hdf5plugin  # noqa: F401
        except Exception:
            pass
        try:
            f = h5py.File(self.filename, "r", swmr=True, locking=False)
        except OSError:
            f = h5py.File(self.filename, "r", locking=False)
        with f:
            if self.path is None:
                self.path = self._find(f)
            dataset = f[self.path]
            if dataset.shape[0] < self._length:
                dataset.refresh()
            return dataset[: self._length][selection] if not isinstance(selection, (int, slice, tuple)) \
                else _select(dataset, self._length, selection)

    def _find(self, f: Any) -> str:
        """The first candidate path holding a dataset of this channel's point shape."""
        for path in self._paths:
            item = f.get(path)
            if getattr(item, "shape", None) is not None and tuple(item.shape[1:]) == self.shape[1:]:
                return path
        raise KeyError(f"the points of this channel are not in {self.filename} "
                       f"(looked for {', '.join(self._paths)})")

    def __getitem__(self, selection: Any) -> numpy.ndarray:
        return self._read(selection)

    def __iter__(self) -> Iterator[numpy.ndarray]:
        for i in range(self._length):
            yield self[i]

    def __array__(self, dtype: Any = None, copy: Any = None) -> numpy.ndarray:
        array = self._read(slice(None))
        return array if dtype is None else array.astype(dtype)

    def __repr__(self) -> str:
        return f"<FileFrames {self.shape} {self.dtype} from {self.filename}::{self.path or self._paths[0]}>"


def channel_paths(spec: Any, entry: str) -> list[str]:
    """Where BLISS's layout puts a channel in entry ``entry`` (``/3.1``), best first:
    its NXdetector ``instrument/<device>/<data_name>``, else ``instrument/<name>/data``,
    else ``measurement/<name>``."""
    paths = []
    if spec.device:
        paths.append(f"{entry}/instrument/{spec.device}/{spec.data_name or 'data'}")
    paths += [f"{entry}/instrument/{spec.name}/data", f"{entry}/measurement/{spec.name}"]
    return paths


def _select(dataset: Any, length: int, selection: Any) -> numpy.ndarray:
    """``dataset[selection]`` limited to the first ``length`` points."""
    first = selection[0] if isinstance(selection, tuple) else selection
    rest = selection[1:] if isinstance(selection, tuple) else ()
    if isinstance(first, int):
        if first < 0:
            first += length
        if not 0 <= first < length:
            raise IndexError(f"point {first} is out of range for {length} points")
        return dataset[(first,) + rest]
    start, stop, step = first.indices(length)
    if step < 0:
        return dataset[(slice(stop + 1, start + 1),) + rest][::-1][::-step]
    return dataset[(slice(start, stop, step),) + rest]


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
        self._rings: dict[str, _Ring] = {}
        self._names: list[tuple[str, str]] = []
        self._paths: dict[str, list[str]] = {}
        self._file: str | None = None

    def capacity(self, fullname: str) -> int:
        """How many points of room the store holds for a 0-D or 1-D channel (its
        memory is this times one point's size); grows by doubling, never past the
        scan's number of points."""
        return len(self._columns[fullname].array)

    # -- subscriber ---------------------------------------------------------------

    def scan_start(self, event: ScanStart) -> None:
        npoints = max(int(event.scan_info.get("npoints") or 0), 0)
        capacity = min(npoints, PREALLOCATE_MAX) if npoints else _INITIAL_CAPACITY
        info = event.scan_info
        entry = f"/{info.get('scan_nb')}.1"
        self._file = info.get("filename") if info.get("save", True) else None
        for spec in event.channels:
            if spec.fullname in self._columns or spec.fullname in self._rings:
                continue
            shape = tuple(spec.shape)
            if shape and all(n > 0 for n in shape):
                self._rings[spec.fullname] = _Ring(spec.dtype, shape, npoints)
                self._paths[spec.fullname] = channel_paths(spec, entry)
            else:
                self._columns[spec.fullname] = _Column(spec.dtype, shape, capacity, npoints)
            self._names.append((spec.name, spec.fullname))

    def scan_points(self, event: ScanPoints) -> None:
        for fullname, values in event.data.items():
            column = self._columns.get(fullname) or self._rings.get(fullname)
            if column is not None:
                column.put(event.first_index, values)

    def scan_end(self, event: ScanEnd) -> None:
        for column in self._columns.values():
            column.length = min(column.length, event.npoints)
        for ring in self._rings.values():
            ring.trim(event.npoints)

    # -- access -------------------------------------------------------------------

    def data(self) -> "ScanData":
        """The data acquired so far (views, not copies; 1-D/2-D channels as said above)."""
        arrays: dict[str, Any] = {full: col.view() for full, col in self._columns.items()}
        for fullname, ring in self._rings.items():
            if ring.complete or not self._file or not os.path.exists(self._file):
                arrays[fullname] = ring.view()
            else:
                arrays[fullname] = FileFrames(self._file, self._paths[fullname], ring.length,
                                              ring.shape, ring.dtype)
        return ScanData(arrays, self._names)


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
