"""``class: Lima``: a Lima camera, here a built-in simulator with BLISS's interface.

In BLISS a ``Lima`` object talks to a LimaCCDs Tango server (``tango_url``); in
bliss_lite it *is* the camera: every point of a scan takes one frame of a noisy
Gaussian spot on a background and hands out the image and the counters computed
from it.  Configuration keys (all optional)::

    - name: lima_simulator
      class: Lima
      width: 1024            # sensor size in pixels (default 1024 x 1024)
      height: 1024
      dtype: uint16          # uint8 | uint16 | uint32 | int32 | float32
      axis1: $roby           # the spot moves along x with this axis ...
      axis2: $robz           # ... and along y with this one
      scale: 100             # pixels per axis unit
      sigma: 30              # spot width (pixels)
      intensity: 1000        # spot peak (counts above the background)
      background: 5          # mean of the Poisson background
      compression: bslz4     # overrides SCAN_SAVING.compression for the image
      disable_bpm: false

The image, ROI counters, ROI profiles and BPM counters are written as BLISS's writer
lays out a Lima detector: ``instrument/<cam>/data`` (``measurement/<cam>``),
``instrument/<cam>_<roi>/{data,avg,std,min,max}``, ``instrument/<cam>_bpm/...``,
``instrument/<cam>_<profile>/data``.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Sequence

import numpy

from bliss_lite._common import COMPRESSIONS
from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys, store_of
from bliss_lite.devices.counters.base import Counter, CounterController, CounterNamespace
from bliss_lite.devices.lima.roi import ArcRoi, Roi, RoiProfile, dict_to_roi
from bliss_lite.devices.protocols import Movable, ScanOutline

__all__ = ["Lima", "lima"]

DTYPES = ("uint8", "uint16", "uint32", "int32", "float32")
_IMAGE_TYPES = {"uint8": "Bpp8", "uint16": "Bpp16", "uint32": "Bpp32", "int32": "Bpp32S",
                "float32": "Bpp32F"}
ROI_STATS = ("sum", "avg", "std", "min", "max")
BPM_COUNTERS = ("acq_time", "intensity", "x", "y", "fwhm_x", "fwhm_y")


# ------------------------------------------------------------------------------ counters

class _LimaCounter(Counter):
    """A counter of a Lima camera; ``group`` is its sub-controller path part
    (``roi_counters``, ``roi_profiles``, ``bpm``) or None for the image."""

    def __init__(self, lima: "Lima", name: str, group: str | None, device: str, data_name: str,
                 dtype: Any = numpy.float64, unit: str | None = None) -> None:
        self._lima = lima
        self._group = group
        self._device = device
        self._data_name = data_name
        self._fixed_controller = lima
        super().__init__(name, None, unit=unit, dtype=dtype)
        self._controller = lima  # not registered in lima._counters (the camera lists them)

    @property
    def fullname(self) -> str:
        parts = [self._lima.name] + ([self._group] if self._group else []) + [self.name]
        return ":".join(parts)

    def _channel_placement(self) -> dict:
        return {"device": self._device, "data_name": self._data_name,
                "compression": self._lima.compression if self._group is None else None}

    def _channel_attrs(self) -> dict:
        return {"type": "lima"} if self._group is None else {}


class ImageCounter(_LimaCounter):
    """The camera's frames (``<cam>:image``), of shape (height, width)."""

    def __init__(self, lima: "Lima") -> None:
        super().__init__(lima, "image", None, lima.name, "data", dtype=lima.image.dtype)

    @property
    def dtype(self) -> Any:
        return numpy.dtype(self._lima.image.dtype)

    @property
    def shape(self) -> tuple[int, int]:
        return (self._lima.image.height, self._lima.image.width)


class RoiStatCounter(_LimaCounter):
    def __init__(self, lima: "Lima", roi_name: str, stat: str) -> None:
        self.roi_name, self.stat = roi_name, stat
        super().__init__(lima, f"{roi_name}_{stat}", "roi_counters", f"{lima.name}_{roi_name}",
                         "data" if stat == "sum" else stat)


class RoiProfileCounter(_LimaCounter):
    def __init__(self, lima: "Lima", roi_name: str) -> None:
        self.roi_name = roi_name
        super().__init__(lima, roi_name, "roi_profiles", f"{lima.name}_{roi_name}", "data")

    @property
    def shape(self) -> tuple[int]:
        return (self._lima.roi_profiles.get(self.roi_name).length,)


class BpmCounter(_LimaCounter):
    def __init__(self, lima: "Lima", name: str) -> None:
        super().__init__(lima, name, "bpm", f"{lima.name}_bpm", name,
                         unit="s" if name == "acq_time" else ("px" if name in ("x", "y", "fwhm_x", "fwhm_y") else None))


# ------------------------------------------------------------------------------ parts

class _Part:
    """A named part of the camera with an ``__info__`` table of its settings."""

    _fields: tuple[str, ...] = ()
    _title = ""

    def __info__(self) -> str:
        width = max(len(f) for f in self._fields)
        return "\n".join([f"{self._title}"] + [f"    {f:<{width}} = {getattr(self, f)!r}"
                                                 for f in self._fields])


class LimaImage(_Part):
    """The image geometry: ``roi`` [x, y, w, h] (``[0, 0, 0, 0]`` or None = whole
    sensor), ``binning`` [bx, by], ``flip`` [left-right, up-down], ``rotation``
    (0, 90, 180, 270); ``width``/``height`` of the resulting image, ``depth`` (bytes
    per pixel), ``sizes`` (signed, depth, width, height), ``fullsize``."""

    _fields = ("width", "height", "depth", "dtype", "roi", "binning", "flip", "rotation")
    _title = "Image:"

    def __init__(self, width: int, height: int, dtype: str) -> None:
        self._sensor = (width, height)
        self.dtype = dtype
        self._roi = [0, 0, width, height]
        self._binning = [1, 1]
        self._flip = [False, False]
        self._rotation = 0

    @property
    def fullsize(self) -> tuple[int, int]:
        return self._sensor

    @property
    def roi(self) -> list[int]:
        return list(self._roi)

    @roi.setter
    def roi(self, value: Any) -> None:
        if value is None or list(value) == [0, 0, 0, 0]:
            self._roi = [0, 0, *self._sensor]
            return
        if isinstance(value, Roi):
            value = value.get_params()
        x, y, w, h = (int(v) for v in value)
        sw, sh = self._sensor
        if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > sw or y + h > sh:
            raise ValueError(f"image roi {[x, y, w, h]} does not fit the {sw} x {sh} sensor")
        self._roi = [x, y, w, h]

    @property
    def binning(self) -> list[int]:
        return list(self._binning)

    @binning.setter
    def binning(self, value: Sequence[int]) -> None:
        bx, by = (int(v) for v in value)
        if bx < 1 or by < 1:
            raise ValueError(f"binning must be >= 1, got {[bx, by]}")
        self._binning = [bx, by]

    @property
    def flip(self) -> list[bool]:
        return list(self._flip)

    @flip.setter
    def flip(self, value: Sequence[bool]) -> None:
        self._flip = [bool(v) for v in value][:2]

    @property
    def rotation(self) -> int:
        return self._rotation

    @rotation.setter
    def rotation(self, value: Any) -> None:
        value = {"NONE": 0, "90": 90, "180": 180, "270": 270}.get(str(value).upper(), value)
        if value not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, got {value!r}")
        self._rotation = int(value)

    def _binned(self) -> tuple[int, int]:
        return self._roi[2] // self._binning[0], self._roi[3] // self._binning[1]

    @property
    def width(self) -> int:
        w, h = self._binned()
        return h if self._rotation in (90, 270) else w

    @property
    def height(self) -> int:
        w, h = self._binned()
        return w if self._rotation in (90, 270) else h

    @property
    def depth(self) -> int:
        return numpy.dtype(self.dtype).itemsize

    @property
    def sizes(self) -> list[int]:
        return [int(numpy.dtype(self.dtype).kind == "i"), self.depth, self.width, self.height]

    @property
    def is_default(self) -> bool:
        return (self._roi == [0, 0, *self._sensor] and self._binning == [1, 1]
                and self._flip == [False, False] and self._rotation == 0)

    def transform(self, frame: numpy.ndarray) -> numpy.ndarray:
        """The sensor frame → the image: roi, binning, flip, rotation (Lima's order)."""
        x, y, w, h = self._roi
        image = frame[y:y + h, x:x + w]
        bx, by = self._binning
        if bx > 1 or by > 1:
            hh, ww = (h // by) * by, (w // bx) * bx
            image = image[:hh, :ww].reshape(hh // by, by, ww // bx, bx).sum(axis=(1, 3))
            image = numpy.clip(image, 0, numpy.iinfo(frame.dtype).max).astype(frame.dtype) \
                if frame.dtype.kind in "ui" else image.astype(frame.dtype)
        if self._flip[0]:
            image = image[:, ::-1]
        if self._flip[1]:
            image = image[::-1, :]
        if self._rotation:
            image = numpy.rot90(image, k=-self._rotation // 90)
        return numpy.ascontiguousarray(image)


class LimaAcquisition(_Part):
    """``mode`` (SINGLE | ACCUMULATION | CONCATENATION), ``expo_time``, ``nb_frames``,
    ``trigger_mode``; a scan sets ``expo_time`` to its count time."""

    _fields = ("mode", "expo_time", "nb_frames", "trigger_mode", "status")
    _title = "Acquisition:"

    def __init__(self) -> None:
        self.mode = "SINGLE"
        self.expo_time = 1.0
        self.nb_frames = 1
        self.trigger_mode = "INTERNAL_TRIGGER"
        self.status = "Ready"


class LimaSaving(_Part):
    """Where frames go: into the scan's HDF5 file (bliss_lite writes them itself),
    compressed as ``compression`` says (None: ``SCAN_SAVING.compression``);
    ``file_format`` is its Lima name (HDF5, HDF5BS, HDF5GZ)."""

    _fields = ("mode", "file_format", "compression")
    _title = "Saving:"

    def __init__(self, lima: "Lima") -> None:
        self._lima = lima
        self.mode = "ONE_FILE_PER_SCAN"

    @property
    def compression(self) -> str | None:
        return self._lima.compression

    @compression.setter
    def compression(self, value: str | None) -> None:
        if value is not None and value not in COMPRESSIONS:
            raise ValueError(f"{self._lima.name}: compression must be one of "
                             f"{', '.join(COMPRESSIONS)} or None, got {value!r}")
        self._lima.compression = value

    @property
    def file_format(self) -> str:
        return {"bslz4": "HDF5BS", "gzip": "HDF5GZ", "none": "HDF5"}.get(
            self._lima.compression or "", "HDF5 (compression of SCAN_SAVING)")


class SimulatorCamera(_Part):
    """The simulator's generator: a Gaussian spot (``sigma``, ``intensity``) on a
    Poisson ``background``; the spot follows ``axis1``/``axis2`` (``scale`` pixels
    per unit)."""

    _fields = ("mode", "fill_type", "sigma", "intensity", "background", "scale", "spot_position")
    _title = "Camera (Simulator):"
    mode = "GENERATOR"
    fill_type = "Gauss"

    def __init__(self, lima: "Lima", sigma: float, intensity: float, background: float,
                 scale: float) -> None:
        self._lima = lima
        self.sigma, self.intensity, self.background, self.scale = sigma, intensity, background, scale

    @property
    def spot_position(self) -> tuple[float, float]:
        """(x, y) of the spot's centre on the sensor, in pixels."""
        return self._lima._spot_centre()


class _Proxy:
    """The Tango-like face of the camera: ``cam.proxy.image_sizes``, ``acq_nb_frames``,
    ``acq_expo_time``, ``prepareAcq()`` ...  (read from the simulator)."""

    def __init__(self, lima: "Lima") -> None:
        object.__setattr__(self, "_lima", lima)

    def _attributes(self) -> dict[str, Any]:
        lima = self._lima
        return {
            "image_sizes": lima.image.sizes, "image_width": lima.image.width,
            "image_height": lima.image.height, "image_type": _IMAGE_TYPES[lima.image.dtype],
            "image_roi": lima.image.roi, "image_bin": lima.image.binning,
            "image_flip": lima.image.flip, "image_rotation": str(lima.image.rotation or "NONE"),
            "acq_nb_frames": lima.acquisition.nb_frames, "acq_expo_time": lima.acquisition.expo_time,
            "acq_mode": lima.acquisition.mode, "acq_trigger_mode": lima.acquisition.trigger_mode,
            "acq_status": lima.acquisition.status, "last_image_ready": lima._frame_index - 1,
            "last_image_acquired": lima._frame_index - 1,
            "camera_type": "Simulator", "camera_model": "Generator",
            "user_detector_name": lima.name, "lima_type": "Simulator", "lima_version": "bliss_lite",
            "saving_format": lima.saving.file_format, "saving_mode": lima.saving.mode,
        }

    def __getattr__(self, name: str) -> Any:
        attributes = self._attributes()
        if name in attributes:
            return attributes[name]
        if name in ("prepareAcq", "startAcq", "stopAcq", "reset", "ping"):
            return lambda *args: None
        raise AttributeError(f"{self._lima.name}: the simulated LimaCCDs has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        lima = self._lima
        setters = {"acq_nb_frames": (lima.acquisition, "nb_frames"),
                   "acq_expo_time": (lima.acquisition, "expo_time"),
                   "acq_mode": (lima.acquisition, "mode"), "image_roi": (lima.image, "roi"),
                   "image_bin": (lima.image, "binning"), "image_flip": (lima.image, "flip"),
                   "image_rotation": (lima.image, "rotation")}
        if name not in setters:
            raise AttributeError(f"{lima.name}: attribute {name!r} of the simulated LimaCCDs "
                                 "cannot be written")
        target, attribute = setters[name]
        setattr(target, attribute, value)

    def __dir__(self) -> list[str]:
        return sorted(self._attributes())

    def dev_name(self) -> str:
        return f"bliss_lite/limaccds/{self._lima.name}"


class _PluginProxy:
    """The proxy of a Lima processing plugin (``roi_counters._proxy``): ``Start()``,
    ``Stop()`` and ``RunLevel`` are accepted (the simulator always computes)."""

    def __init__(self) -> None:
        self.RunLevel = 0
        self.State = "ON"

    def Start(self) -> None:
        self.State = "ON"

    def Stop(self) -> None:
        self.State = "OFF"


class _RoiSet:
    """ROIs by name, kept in the session's state: ``cam.roi_counters["r1"] = Roi(...)``."""

    _kind = "roi_counters"
    _title = "ROI Counters"

    def __init__(self, lima: "Lima", store: Any) -> None:
        self._lima = lima
        self._store = store
        self._proxy = _PluginProxy()
        self._rois: dict[str, Any] = {}
        self._counters: dict[str, list[_LimaCounter]] = {}
        stored = store.get(self._key, {}) if store is not None else {}
        for name, values in (stored or {}).items():
            try:
                self._add(name, dict_to_roi(values))
            except (TypeError, ValueError) as exc:
                store.refused(self._key, f"ROI {name!r}: {exc}", f"{lima.name}'s {self._kind}")
                self._rois.clear()
                self._counters.clear()
                self._save()
                break

    @property
    def _key(self) -> str:
        return f"lima.{self._lima.name}.{self._kind}"

    def _save(self) -> None:
        if self._store is not None:
            self._store.set(self._key, {n: r.to_dict() for n, r in self._rois.items()})

    def _check(self, name: Any, roi: Any) -> Any:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{self._lima.name}: a ROI name must be an identifier, got {name!r}")
        if isinstance(roi, (list, tuple)) and len(roi) == 4:
            roi = Roi(*roi)
        if not isinstance(roi, (Roi, ArcRoi)):
            raise TypeError(f"{self._lima.name}: expected a Roi or ArcRoi for {name!r}, "
                            f"got {type(roi).__name__}")
        return roi

    def _add(self, name: str, roi: Any) -> None:
        roi = self._check(name, roi)
        self._rois[name] = roi
        self._counters[name] = self._make_counters(name, roi)

    def _make_counters(self, name: str, roi: Any) -> list[_LimaCounter]:
        existing = {c.name: c for c in self._counters.get(name, [])}
        return [existing.get(f"{name}_{s}") or RoiStatCounter(self._lima, name, s) for s in ROI_STATS]

    def __setitem__(self, name: str, roi: Any) -> None:
        self._add(name, roi)
        self._save()

    set = __setitem__

    def __getitem__(self, name: str) -> Any:
        try:
            return self._rois[name]
        except KeyError:
            raise KeyError(f"{self._lima.name}: no ROI named {name!r} "
                           f"(ROIs: {', '.join(self._rois) or 'none'})") from None

    get = __getitem__

    def __delitem__(self, name: str) -> None:
        self[name]
        del self._rois[name], self._counters[name]
        self._save()

    remove = __delitem__

    def clear(self) -> None:
        self._rois.clear()
        self._counters.clear()
        self._save()

    def __contains__(self, name: object) -> bool:
        return name in self._rois

    def __iter__(self) -> Iterator[str]:
        return iter(self._rois)

    def __len__(self) -> int:
        return len(self._rois)

    def keys(self) -> list[str]:
        return list(self._rois)

    def values(self) -> list[Any]:
        return list(self._rois.values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._rois.items())

    def get_rois(self) -> list[Any]:
        return list(self._rois.values())

    @property
    def counters(self) -> CounterNamespace:
        return CounterNamespace([c for cs in self._counters.values() for c in cs])

    def iter_single_roi_counters(self) -> Iterator[CounterNamespace]:
        for name, counters in self._counters.items():
            ns = CounterNamespace(counters)
            object.__setattr__(ns, "name", name)
            yield ns

    def __info__(self) -> str:
        if not self._rois:
            return f"{self._title}: None"
        lines = [f"{self._title}:"] + [f"    {n}: {type(r).__name__} {r!r}" for n, r in self._rois.items()]
        return "\n".join(lines)


class RoiCounters(_RoiSet):
    """``cam.roi_counters``: ``sum avg std min max`` counters per ROI."""


class RoiProfiles(_RoiSet):
    """``cam.roi_profiles``: one 1-D profile counter per ROI (``set_roi_mode``)."""

    _kind = "roi_profiles"
    _title = "ROI Profiles"

    def _check(self, name: Any, roi: Any) -> Any:
        if isinstance(roi, (list, tuple)) and len(roi) in (4, 5):
            roi = RoiProfile(*roi)
        elif isinstance(roi, Roi) and not isinstance(roi, RoiProfile):
            roi = RoiProfile(*roi.get_params())
        if not isinstance(roi, RoiProfile):
            raise TypeError(f"{self._lima.name}: expected a Roi or RoiProfile for {name!r}, "
                            f"got {type(roi).__name__}")
        return super()._check(name, roi)

    def _make_counters(self, name: str, roi: Any) -> list[_LimaCounter]:
        existing = self._counters.get(name)
        return existing if existing else [RoiProfileCounter(self._lima, name)]

    def set_roi_mode(self, mode: str, *names: str) -> None:
        for name in names or self.keys():
            self[name].mode = mode
        self._save()

    def get_roi_mode(self, name: str) -> str:
        return self[name].mode


class Bpm(_Part):
    """Beam position monitor: ``x``, ``y`` (centroid, pixels), ``fwhm_x``, ``fwhm_y``,
    ``intensity`` (peak above the background) and ``acq_time`` counters."""

    _title = "BPM:"
    _fields = ("enabled",)

    def __init__(self, lima: "Lima") -> None:
        self._lima = lima
        self._counters = [BpmCounter(lima, name) for name in BPM_COUNTERS]
        self.enabled = True

    @property
    def counters(self) -> CounterNamespace:
        return CounterNamespace(self._counters)

    def __getattr__(self, name: str) -> Any:
        for counter in self.__dict__.get("_counters", ()):
            if counter.name == name:
                return counter
        raise AttributeError(name)

    @staticmethod
    def measure(image: numpy.ndarray, count_time: float) -> dict[str, float]:
        # uint32 sums are exact for 8/16-bit images (up to 65 537 rows) and faster
        acc = numpy.uint32 if image.dtype.kind == "u" and image.dtype.itemsize <= 2 else numpy.float64
        px = image.sum(axis=0, dtype=acc).astype(numpy.float64)
        py = image.sum(axis=1, dtype=acc).astype(numpy.float64)

        def axis(p: numpy.ndarray) -> tuple[float, float]:
            p = p - p.min()
            total = p.sum()
            if total <= 0:
                return numpy.nan, numpy.nan
            centre = float((p * numpy.arange(len(p))).sum() / total)
            above = numpy.nonzero(p >= p.max() / 2.0)[0]
            return centre, float(above[-1] - above[0] + 1)

        x, fwhm_x = axis(px)
        y, fwhm_y = axis(py)
        intensity = float(image.max()) - float(numpy.median(image[0]))
        return {"acq_time": count_time, "intensity": intensity, "x": x, "y": y,
                "fwhm_x": fwhm_x, "fwhm_y": fwhm_y}


# ------------------------------------------------------------------------------ the camera

class Lima(CounterController):
    """A simulated Lima camera (see the module's text)."""

    def __init__(self, name: str, width: int = 1024, height: int = 1024, dtype: str = "uint16",
                 axis1: Movable | None = None, axis2: Movable | None = None, scale: float = 100.0,
                 sigma: float = 30.0, intensity: float = 1000.0, background: float = 5.0,
                 compression: str | None = None, disable_bpm: bool = False, store: Any = None) -> None:
        super().__init__(name)
        if dtype not in DTYPES:
            raise ValueError(f"{name}: dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        self.axis1, self.axis2 = axis1, axis2
        self.compression = compression
        self.disable_bpm = bool(disable_bpm)
        self._image = LimaImage(int(width), int(height), dtype)
        self._acquisition = LimaAcquisition()
        self._saving = LimaSaving(self)
        self._camera = SimulatorCamera(self, sigma, intensity, background, scale)
        self._proxy = _Proxy(self)
        self._roi_counters = RoiCounters(self, store)
        self._roi_profiles = RoiProfiles(self, store)
        self._bpm = Bpm(self)
        self._image_counter = ImageCounter(self)
        self._frame_index = 0
        self._noise: numpy.ndarray | None = None
        self._spot_key: tuple | None = None
        self._spot: numpy.ndarray | None = None
        self.last_frame_time = 0.0

    # -- BLISS's face -----------------------------------------------------------------------
    @property
    def image(self) -> LimaImage:
        return self._image

    @property
    def acquisition(self) -> LimaAcquisition:
        return self._acquisition

    @property
    def saving(self) -> LimaSaving:
        return self._saving

    @property
    def camera(self) -> SimulatorCamera:
        return self._camera

    @property
    def camera_type(self) -> str:
        return "Simulator"

    @property
    def proxy(self) -> _Proxy:
        return self._proxy

    @property
    def roi_counters(self) -> RoiCounters:
        return self._roi_counters

    @property
    def roi_profiles(self) -> RoiProfiles:
        return self._roi_profiles

    @property
    def bpm(self) -> Bpm:
        return self._bpm

    @property
    def image_counter(self) -> ImageCounter:
        return self._image_counter

    @property
    def counters(self) -> CounterNamespace:
        """The image, the BPM counters (unless ``disable_bpm``), the ROI counters and
        the ROI profiles."""
        counters: list[Any] = [self._image_counter]
        if not self.disable_bpm:
            counters += list(self._bpm.counters)
        counters += list(self._roi_counters.counters) + list(self._roi_profiles.counters)
        return CounterNamespace(counters)

    @property
    def counter_groups(self) -> CounterNamespace:
        groups: dict[str, Any] = {"images": CounterNamespace([self._image_counter]),
                                  "bpm": self._bpm.counters,
                                  "roi_counters": self._roi_counters.counters,
                                  "roi_profiles": self._roi_profiles.counters}
        for ns in self._roi_counters.iter_single_roi_counters():
            groups[ns.name] = ns
        groups["default"] = CounterNamespace([self._image_counter] + list(self._roi_counters.counters)
                                             + list(self._roi_profiles.counters))
        return CounterNamespace(groups)

    def __info__(self) -> str:
        return (f"{self.name} - Generator (Simulator) - Lima Simulator (bliss_lite)\n\n"
                f"{self._image.__info__()}\n\n{self._acquisition.__info__()}\n\n"
                f"{self._roi_counters.__info__()}\n\n{self._roi_profiles.__info__()}\n\n"
                f"{self._bpm.__info__()}\n\n{self._saving.__info__()}\n\n{self._camera.__info__()}\n")

    # -- frames -------------------------------------------------------------------------------
    def _spot_centre(self) -> tuple[float, float]:
        width, height = self._image.fullsize
        scale = self._camera.scale
        x = width / 2.0 + (self.axis1.position * scale if self.axis1 is not None else 0.0)
        y = height / 2.0 + (self.axis2.position * scale if self.axis2 is not None else 0.0)
        return x, y

    def _sensor_frame(self) -> numpy.ndarray:
        """One sensor frame: the spot (computed again only when it moved) plus a slice of
        a precomputed Poisson background at a random offset (no per-pixel random draw)."""
        width, height = self._image.fullsize
        dtype = numpy.dtype(self._image.dtype)
        npix = width * height
        cam = self._camera
        if self._noise is None or self._noise.dtype != dtype or len(self._noise) < npix:
            bank = numpy.random.default_rng().poisson(max(cam.background, 0.0), npix + 65536)
            self._noise = bank.astype(dtype)
        centre = self._spot_centre()
        key = (centre, cam.sigma, cam.intensity, width, height, dtype.str)
        if key != self._spot_key:
            sigma = max(float(cam.sigma), 1e-3)
            gx = numpy.exp(-0.5 * ((numpy.arange(width) + 0.5 - centre[0]) / sigma) ** 2)
            gy = numpy.exp(-0.5 * ((numpy.arange(height) + 0.5 - centre[1]) / sigma) ** 2)
            spot = numpy.outer(gy, gx) * float(cam.intensity)
            if dtype.kind in "ui":
                top = numpy.iinfo(dtype).max - int(self._noise.max())
                spot = numpy.clip(numpy.rint(spot), 0, max(top, 0))
            self._spot = spot.astype(dtype)
            self._spot_key = key
        offset = int(numpy.random.randint(0, len(self._noise) - npix + 1))
        return numpy.add(self._spot, self._noise[offset:offset + npix].reshape(height, width))

    def take_frame(self) -> numpy.ndarray:
        """One image as the camera gives it (geometry applied)."""
        t0 = time.perf_counter()
        frame = self._sensor_frame()
        if not self._image.is_default:
            frame = self._image.transform(frame)
        self._frame_index += 1
        self.last_frame_time = time.perf_counter() - t0
        return frame

    def prepare_for_scan(self, plan: ScanOutline) -> None:
        self._acquisition.expo_time = plan.count_time
        self._acquisition.nb_frames = plan.npoints
        self._frame_index = 0

    def read_counters(self, counters: Sequence[Counter], count_time: float) -> list[tuple]:
        image = self.take_frame()
        bpm: dict[str, float] | None = None
        stats: dict[str, dict[str, float]] = {}
        out: list[tuple] = []
        for counter in counters:
            if isinstance(counter, ImageCounter):
                out.append((image,))
            elif isinstance(counter, RoiStatCounter):
                values = stats.get(counter.roi_name)
                if values is None:
                    pixels = self._roi_counters[counter.roi_name].pixels(image)
                    if pixels.size == 0:
                        values = dict.fromkeys(ROI_STATS, numpy.nan)
                    else:
                        p = pixels.astype(numpy.float64)
                        values = {"sum": float(p.sum()), "avg": float(p.mean()), "std": float(p.std()),
                                  "min": float(p.min()), "max": float(p.max())}
                    stats[counter.roi_name] = values
                out.append((values[counter.stat],))
            elif isinstance(counter, RoiProfileCounter):
                out.append((self._roi_profiles[counter.roi_name].profile(image),))
            elif isinstance(counter, BpmCounter):
                if bpm is None:
                    bpm = Bpm.measure(image, count_time)
                out.append((bpm[counter.name],))
            else:
                raise RuntimeError(f"{counter!r} is not a counter of {self.name}")
        self._acquisition.status = "Ready"
        return out


def lima(name: str | None, node: ConfigNode, config: Any) -> Lima:
    """Factory for ``class: Lima``."""
    keys = ("width", "height", "dtype", "axis1", "axis2", "scale", "sigma", "intensity",
            "background", "compression", "disable_bpm")
    check_keys(node, config, known=keys, accepted=("tango_url", "tango_timeout", "prepare_timeout",
                                                   "directories_mapping", "start_waittime"))
    if not name:
        raise node.error("a Lima camera needs a 'name'")
    sizes = {}
    for key in ("width", "height"):
        sizes[key] = node.get_typed(key, int, 1024)
        if sizes[key] < 1:
            raise node.error(f"'{key}' must be a positive integer", key)
    dtype = node.get_typed("dtype", str, "uint16")
    if dtype not in DTYPES:
        raise node.error(f"'dtype' must be one of {', '.join(DTYPES)}, got {dtype!r}", "dtype")
    compression = node.get_typed("compression", str)
    if compression is not None and compression not in COMPRESSIONS:
        raise node.error(f"'compression' must be one of {', '.join(COMPRESSIONS)}, "
                         f"got {compression!r}", "compression")
    axes = {}
    for key in ("axis1", "axis2"):
        value = node.get(key)
        if value is not None:
            axes[key] = config.resolve(value, node, key)
            if not isinstance(axes[key], Movable):
                raise node.error(f"'{key}' must be a reference to an axis, got {value!r}", key)
    numbers = {key: node.get_typed(key, float, default)
               for key, default in (("scale", 100.0), ("sigma", 30.0), ("intensity", 1000.0),
                                    ("background", 5.0))}
    return Lima(name, dtype=dtype, compression=compression,
                disable_bpm=bool(node.get_typed("disable_bpm", bool, False)),
                store=store_of(config), **sizes, **axes, **numbers)
