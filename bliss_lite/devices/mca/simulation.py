"""``SimulatedMCA`` (``module: mca``, ``bliss.controllers.mca.simulation``).

Four elements (detectors) 0..3; every point acquires, per element, a spectrum of
``spectrum_size`` bins (default 1024; events drawn around the middle bin) during the
count time, with its statistics; ROIs (``mca.rois.set("roi1", 500, 550)``) give one
counter per element and one summed over the elements.

Counters (fullname ``<mca>:<counter>``): ``spectrum_det<N>``, the statistics
``realtime trigger_livetime energy_livetime triggers events icr ocr deadtime``
``_det<N>``, ``<roi>_det<N>`` and ``<roi>``.  In the file they are laid out as
BLISS's writer does: ``instrument/<mca>_det<N>/data`` (spectrum),
``.../elapsed_time``, ``live_time``, ``fractional_dead_time``, ``<roi>`` ...,
``instrument/<mca>_sum/<roi>``.
"""

from __future__ import annotations

import collections
from typing import Any, Sequence

import numpy

from bliss_lite._common import COMPRESSIONS
from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys, store_of
from bliss_lite.devices.counters.base import Counter, CounterController, CounterNamespace

__all__ = ["SimulatedMCA", "Stats", "simulated_mca"]

Stats = collections.namedtuple(
    "Stats", "realtime trigger_livetime energy_livetime triggers events icr ocr deadtime")

#: statistic → dataset name in the NXdetector (blisswriter's names)
NEXUS_NAMES = {"spectrum": "data", "icr": "trigger_count_rate", "ocr": "event_count_rate",
               "triggers": "triggers", "events": "events", "deadtime": "fractional_dead_time",
               "trigger_livetime": "trigger_live_time", "energy_livetime": "live_time",
               "realtime": "elapsed_time"}
_UNITS = {"icr": "hertz", "ocr": "hertz", "realtime": "s", "trigger_livetime": "s",
          "energy_livetime": "s"}


class McaCounter(Counter):
    """One value of a :class:`SimulatedMCA` per point: ``kind`` is ``spectrum``, a
    statistic name, or ``roi``; ``element`` None for a summed ROI."""

    def __init__(self, mca: "SimulatedMCA", base_name: str, kind: str, element: int | None) -> None:
        self.base_name, self.kind, self.detector_channel = base_name, kind, element
        name = base_name if element is None else f"{base_name}_det{element}"
        dtype = {"spectrum": numpy.uint32, "triggers": numpy.int64, "events": numpy.int64,
                 "roi": numpy.int64}.get(kind, numpy.float64)
        super().__init__(name, mca, unit=_UNITS.get(kind), dtype=dtype)
        self.mca = mca

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.mca.spectrum_size,) if self.kind == "spectrum" else ()

    def _channel_attrs(self) -> dict:
        return {}

    def _channel_placement(self) -> dict:
        device = f"{self.mca.name}_{'sum' if self.detector_channel is None else f'det{self.detector_channel}'}"
        data = self.base_name if self.kind == "roi" else NEXUS_NAMES[self.kind]
        return {"device": device, "data_name": data, "compression": self.mca.compression}


class RoiConfig:
    """The ROIs of an MCA: ``set(name, start, end)`` (channel indices, end included
    as in BLISS's slicing ``[start:end]``), ``remove``, ``clear``, ``get``,
    ``get_names``; kept in the session's state."""

    def __init__(self, mca: "SimulatedMCA", store: Any) -> None:
        self._mca = mca
        self._store = store
        stored = store.get(self._key, {}) if store is not None else {}
        self._rois: dict[str, tuple[int, int]] = {
            k: (int(v[0]), int(v[1])) for k, v in (stored or {}).items()
            if isinstance(v, (list, tuple)) and len(v) == 2}

    @property
    def _key(self) -> str:
        return f"mca.{self._mca.name}.rois"

    def _changed(self) -> None:
        if self._store is not None:
            self._store.set(self._key, {k: list(v) for k, v in self._rois.items()})
        self._mca._rebuild()

    @property
    def nrois(self) -> int:
        return len(self._rois)

    def get_names(self) -> list[str]:
        return list(self._rois)

    def get(self, name: str) -> tuple[int, int]:
        try:
            return self._rois[name]
        except KeyError:
            raise KeyError(f"{self._mca.name}: no ROI named {name!r} "
                           f"(ROIs: {', '.join(self._rois) or 'none'})") from None

    def set(self, name: str, start: int, end: int) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{self._mca.name}: a ROI name must be an identifier, got {name!r}")
        if start < 0 or end < 0:
            raise ValueError("No negative ROI limit allowed.")
        if end < start:
            raise ValueError("End of ROI limit must be greater than start limit.")
        self._rois[name] = (int(start), int(end))
        self._changed()

    def remove(self, name: str) -> None:
        self.get(name)
        del self._rois[name]
        self._changed()

    def clear(self) -> None:
        self._rois.clear()
        self._changed()

    def update(self, rois: dict) -> None:
        for name, (start, end) in rois.items():
            self._rois[name] = (int(start), int(end))
        self._changed()

    def __len__(self) -> int:
        return len(self._rois)

    def __contains__(self, name: object) -> bool:
        return name in self._rois

    def keys(self) -> list[str]:
        return list(self._rois)

    def values(self) -> list[tuple[int, int]]:
        return list(self._rois.values())

    def items(self) -> list[tuple[str, tuple[int, int]]]:
        return list(self._rois.items())

    def __info__(self) -> str:
        if not self._rois:
            return "NO ROI defined yet !!"
        width = max(4, *(len(n) for n in self._rois))
        lines = [f"{'Name':<{width}}  {'start':>6}  {'end':>6}", f"{'-' * width}  ------  ------"]
        lines += [f"{n:<{width}}  {s:>6}  {e:>6}" for n, (s, e) in self._rois.items()]
        return "\n".join(lines)


class SimulatedMCA(CounterController):
    """A simulated 4-element MCA."""

    _fast_channel_dt = 0.9
    _slow_channel_dt = 0.7
    _source_count_rate = 10000

    def __init__(self, name: str, config: dict | None = None, store: Any = None) -> None:
        super().__init__(name)
        config = config or {}
        self._spectrum_size = int(config.get("spectrum_size", 1024))
        self.compression = config.get("compression")
        self._counter_list: list[McaCounter] = []
        self._rois = RoiConfig(self, store)
        self._rebuild()
        self.last_spectra: dict[int, numpy.ndarray] = {}
        self.last_statistics: dict[int, Stats] = {}

    # -- BLISS's MCA face -------------------------------------------------------------------
    @property
    def elements(self) -> tuple[int, ...]:
        return (0, 1, 2, 3)

    @property
    def detector_brand(self) -> str:
        return "SIMULATED"

    @property
    def detector_type(self) -> str:
        return "SIMULATED"

    @property
    def acquisition_mode(self) -> str:
        return "MCA"

    @property
    def spectrum_size(self) -> int:
        return self._spectrum_size

    @spectrum_size.setter
    def spectrum_size(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"{self.name}: spectrum_size must be a positive integer, got {size!r}")
        self._spectrum_size = size

    @property
    def rois(self) -> RoiConfig:
        return self._rois

    @property
    def counters(self) -> CounterNamespace:
        return CounterNamespace(self._counter_list)

    @property
    def counter_groups(self) -> CounterNamespace:
        groups: dict[str, CounterNamespace] = {}
        for prefix in list(Stats._fields) + ["spectrum"] + self._rois.get_names():
            groups[prefix] = CounterNamespace([c for c in self._counter_list if c.base_name == prefix])
        for element in self.elements:
            groups[f"det{element}"] = CounterNamespace(
                [c for c in self._counter_list if c.detector_channel == element])
        return CounterNamespace(groups)

    def _rebuild(self) -> None:
        """The counters after a ROI change (existing ones are kept, so that measurement
        groups and references stay valid)."""
        old = {c.name: c for c in self._counter_list}
        wanted: list[tuple[str, str, int | None]] = []
        for roi in self._rois.get_names():
            wanted += [(roi, "roi", e) for e in self.elements]
        wanted += [("spectrum", "spectrum", e) for e in self.elements]
        wanted += [(stat, stat, e) for e in self.elements for stat in Stats._fields]
        wanted += [(roi, "roi", None) for roi in self._rois.get_names()]
        self._counters = {}
        counters = []
        for base, kind, element in wanted:
            name = base if element is None else f"{base}_det{element}"
            counter = old.get(name)
            if counter is None:
                counter = McaCounter(self, base, kind, element)
            else:
                self._counters[name] = counter
            counters.append(counter)
        self._counter_list = counters

    # -- acquisition --------------------------------------------------------------------------
    def _generate(self, realtime: float) -> tuple[dict[int, numpy.ndarray], dict[int, Stats]]:
        nbins = self._spectrum_size
        spectra, stats = {}, {}
        for element in self.elements:
            fast = float(numpy.clip(numpy.random.normal(self._fast_channel_dt, 0.01), 0, 1))
            slow = float(numpy.clip(numpy.random.normal(self._slow_channel_dt, 0.01), 0, 1))
            trigger_livetime, energy_livetime = realtime * fast, realtime * slow
            triggers = int(self._source_count_rate * trigger_livetime)
            events = int(self._source_count_rate * energy_livetime)
            icr = triggers / trigger_livetime if trigger_livetime else 0.0
            ocr = events / realtime if realtime else 0.0
            deadtime = 1 - ocr / icr if icr else 0.0
            stats[element] = Stats(realtime, trigger_livetime, energy_livetime, triggers, events,
                                   icr, ocr, deadtime)
            channels = numpy.random.normal(nbins // 2, max(nbins // 16, 1), size=events).astype(numpy.int64)
            channels = channels[(channels >= 0) & (channels < nbins)]
            spectra[element] = numpy.bincount(channels, minlength=nbins).astype(numpy.uint32)
        return spectra, stats

    def read_counters(self, counters: Sequence[McaCounter], count_time: float) -> list[tuple]:
        spectra, stats = self._generate(count_time)
        self.last_spectra, self.last_statistics = spectra, stats
        out = []
        for counter in counters:
            element = counter.detector_channel
            if counter.kind == "spectrum":
                value: Any = spectra[element]
            elif counter.kind == "roi":
                start, end = self._rois.get(counter.base_name)
                parts = [spectra[element]] if element is not None else list(spectra.values())
                value = int(sum(int(s[start:end].sum()) for s in parts))
            else:
                value = getattr(stats[element], counter.kind)
            out.append((value,))
        return out

    def __info__(self) -> str:
        return (f"MCA:\n    object: {type(self).__name__} {self.name}\n"
                f"    Detector brand : SIMULATED\n    Detector type  : SIMULATED\n"
                f"    Acquisition mode : MCA\n    Spectrum size    : {self.spectrum_size}\n"
                f"    Elements : {', '.join(map(str, self.elements))}\n\n"
                f"ROIs:\n{self._rois.__info__()}\n")


def simulated_mca(name: str | None, node: ConfigNode, config: Any) -> SimulatedMCA:
    """Factory for ``class: SimulatedMCA`` (``module: mca``)."""
    check_keys(node, config, known=("spectrum_size", "compression"))
    if not name:
        raise node.error("a SimulatedMCA needs a 'name'")
    size = node.get_typed("spectrum_size", int, 1024)
    if size < 1:
        raise node.error("'spectrum_size' must be a positive integer", "spectrum_size")
    compression = node.get_typed("compression", str)
    if compression is not None and compression not in COMPRESSIONS:
        raise node.error(f"'compression' must be one of {', '.join(COMPRESSIONS)}, "
                         f"got {compression!r}", "compression")
    return SimulatedMCA(name, {"spectrum_size": size, "compression": compression}, store_of(config))
