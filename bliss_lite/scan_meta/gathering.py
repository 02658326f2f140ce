"""What a scan does with metadata at its START, PREPARED and END timings.

:class:`ScanMetadataGatherer` evaluates, for one scan, the controllers' metadata
(``instrument/<device>`` from devices publishing scan metadata, and the positioners of
every session motor) and the user registry, and merges them into ``scan.scan_info``
with the precedence of SPEC 6.3: the ``scan_info=`` argument < controllers < user
registry, and START < PREPARED < END.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from bliss_lite._common import print_warning
from bliss_lite.scan_meta import tree
from bliss_lite.scan_meta.evaluation import GeneratorProfile, evaluate
from bliss_lite.scan_meta.registry import META_TIMING, ScanMeta

SLOW_GATHERING_S = 0.15


def check_scan_info(scan_info: Any) -> None:
    """Raise ValueError when a part of ``scan_info`` (a ``scan_info=`` argument) that
    goes to the file holds a key that cannot become an HDF5 name or a value that
    cannot be stored.  The parts written are ``instrument``, ``positioners``, the
    registry's categories and those named in ``scan_meta_categories`` (SPEC 6.5);
    other keys (``plots``, ``channels``...) are free."""
    if not isinstance(scan_info, dict):
        raise TypeError(f"scan_info must be a dict, not {type(scan_info).__name__}")
    named = scan_info.get("scan_meta_categories", [])
    if not isinstance(named, (list, tuple)) or not all(isinstance(n, str) for n in named):
        raise ValueError(f"invalid scan_info: 'scan_meta_categories' must be a list of "
                         f"category names, not {named!r}"[:200])
    written = {"instrument", "positioners", *ScanMeta.categories_names(), *named}
    found = []
    for key in written & set(scan_info):
        if not isinstance(scan_info[key], dict):
            found.append(f"{key!r} must be a dict, not {type(scan_info[key]).__name__}")
    parts = {k: v for k, v in scan_info.items() if k in written and isinstance(v, dict)}
    found += tree.problems(parts)
    if found:
        raise ValueError(f"invalid scan_info: {'; '.join(found)}")


def read_positioners(motors: Sequence[Any], timing: META_TIMING) -> dict:
    """The positioners metadata of ``motors`` at START or END (SPEC 6.4); an axis
    that cannot be read gets ``"ERR"``."""
    suffix = "_end" if timing == META_TIMING.END else "_start"
    positions: dict[str, Any] = {}
    dials: dict[str, Any] = {}
    units: dict[str, Any] = {}
    for motor in motors:
        name = motor.name
        try:
            positions[name] = motor.position
            dials[name] = motor.dial
        except Exception:
            positions[name] = "ERR"
            dials[name] = "ERR"
        try:
            units[name] = motor.unit
        except Exception:
            units[name] = None
    result = {f"positioners{suffix}": positions, f"positioners_dial{suffix}": dials}
    if suffix == "_start":
        result["positioners_units"] = units
    return result


def controllers_scan_meta(motors: Sequence[Any], metadata_devices: Sequence[Any]) -> ScanMeta:
    """The per-scan registry of controllers' metadata: every enabled device publishing
    scan metadata under ``instrument/<name>`` (at START) and the positioners of
    ``motors`` (at START and END)."""
    motors = list(motors)
    return _controllers_registry(metadata_devices, _PositionersGenerator(motors) if motors else None)


def _controllers_registry(metadata_devices: Sequence[Any], positioners: "_PositionersGenerator | None") -> ScanMeta:
    registry = ScanMeta(categories=("instrument", "positioners"))
    registry.instrument.timing = META_TIMING.START
    for device in metadata_devices:
        if not getattr(device, "scan_metadata_enabled", True):
            continue
        name = getattr(device, "name", None)
        if isinstance(name, str) and name:
            registry.instrument.set(name, _device_generator(device, name))
    if positioners is not None:
        registry.positioners.timing = META_TIMING.START | META_TIMING.END
        registry.positioners.set("positioners", positioners)
    return registry


def _device_generator(device: Any, name: str) -> Callable[[Any], dict | None]:
    def generate(scan: Any) -> dict | None:
        metadata = device.scan_metadata()
        if metadata is None:
            return None
        if not isinstance(metadata, dict):
            raise TypeError(f"scan_metadata() returned {type(metadata).__name__}, not a dict")
        return {name: metadata}

    generate.__qualname__ = f"{name}.scan_metadata"
    return generate


class _PositionersGenerator:
    """Reads the motors; the gatherer sets :attr:`timing` (START or END) before each
    gathering, so that the keys get their ``_start``/``_end`` suffix."""

    def __init__(self, motors: Sequence[Any]) -> None:
        self.motors = motors
        self.timing = META_TIMING.START

    def __call__(self, scan: Any) -> dict:
        return read_positioners(self.motors, self.timing)


class ScanMetadataGatherer:
    """Gathers one scan's metadata into ``scan.scan_info``.

    ``registry_copy`` is the user registry copy the scan took when it started (None:
    no user metadata); ``motors`` every session axis (positioners); ``metadata_devices``
    the session objects publishing scan metadata; ``user=False`` (``ct`` without
    saving) skips the user registry.  Warnings go to ``warn`` (default: standard
    error) and to :attr:`warnings`; generator timings to :attr:`profile`,
    ``scan.metadata_profile`` and, when the user registry is gathered,
    ``record_profile(profile)`` (the engine keeps it for ``metadata_profiling()``).
    """

    def __init__(
        self,
        scan: Any,
        registry_copy: ScanMeta | None,
        motors: Sequence[Any],
        metadata_devices: Sequence[Any],
        user: bool = True,
        warn: Callable[[str], None] | None = None,
        record_profile: Callable[[list[GeneratorProfile]], None] | None = None,
    ) -> None:
        self.scan = scan
        self.user = user
        self.registry = registry_copy if user else None
        motors = list(motors)
        self._positioners = _PositionersGenerator(motors) if motors else None
        self.controllers = _controllers_registry(metadata_devices, self._positioners)
        self._warn = print_warning if warn is None else warn
        self.warnings: list[str] = []
        self.profile: list[GeneratorProfile] = []
        if record_profile is not None and self.registry is not None:
            record_profile(self.profile)  # filled in as the timings are gathered
        self.durations: dict[str, float] = {}

    def gather(self, timing: META_TIMING) -> None:
        """Evaluate every category due at ``timing`` and merge the result into
        ``scan.scan_info``; never raises for a failing generator."""
        if timing not in tuple(META_TIMING):  # exactly one of the flags
            raise ValueError(f"gather() needs one of META_TIMING.START, PREPARED, END, not {timing!r}")
        t0 = time.perf_counter()
        if self._positioners is not None:
            self._positioners.timing = timing
        sources: list[tuple[str, ScanMeta]] = [("controllers", self.controllers)]
        if self.registry is not None:
            sources.append(("user", self.registry))
        results, records, warnings = evaluate(sources, self.scan, timing)

        scan_info = self.scan.scan_info
        categories = list(scan_info.get("scan_meta_categories") or [])
        for source, _registry in sources:
            for category, metadata in results[source].items():
                target = scan_info.get(category)
                if isinstance(target, dict):
                    tree.merge_into(target, metadata)
                else:
                    scan_info[category] = metadata
                if category not in categories:
                    categories.append(category)
        if categories or "scan_meta_categories" in scan_info:
            scan_info["scan_meta_categories"] = categories

        elapsed = time.perf_counter() - t0
        self.durations[timing.name] = elapsed
        self.profile.extend(records)
        if records:
            try:
                self.scan.metadata_profile = self.profile
            except AttributeError:
                pass
        for message in warnings:
            self._emit(message)
        if elapsed > SLOW_GATHERING_S:
            self._emit(
                f"metadata gathering took {elapsed * 1000:.1f} ms at {timing.name}, "
                "type 'metadata_profiling()' for more details"
            )

    def _emit(self, message: str) -> None:
        self.warnings.append(message)
        self._warn(message)
