"""Capabilities a scan asks of a device, as small runtime-checkable protocols.

A scan never asks "are you a SimulationDiode?"; it asks "can you be read?"
(:class:`Counter`), "can you be moved?" (:class:`Movable`), "do you publish metadata
for scans?" (:class:`HasMetadataForScan`), "do you want to know about the scan
before it starts?" (:class:`PreparesForScan`).  Simulated devices implement them;
so can a user class loaded with ``module:``/``class:`` from the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence, runtime_checkable

from bliss_lite.events import ChannelSpec

__all__ = ["ChannelSpec", "Counter", "CounterContainer", "HasMetadataForScan", "Movable",
           "PreparesForScan", "ScanPlan"]


@runtime_checkable
class Counter(Protocol):
    """Something a scan can count on.

    ``channels()`` is asked once per scan; ``read(count_time)`` is called once per
    point *after* the engine has waited ``count_time`` seconds (all counters of a
    point count together, so a counter must not sleep itself).  It returns one value
    per channel, in the order of ``channels()``, e.g. ``(49.7,)``.
    """

    name: str
    fullname: str

    def channels(self) -> Sequence[ChannelSpec]: ...

    def read(self, count_time: float) -> tuple: ...


@runtime_checkable
class Movable(Protocol):
    """An axis in user units.

    ``move(target, wait=False)`` starts a motion and returns at once;
    ``wait_move()`` blocks until it has ended.  ``check_target(target)`` raises
    ``ValueError`` naming the axis and the limit when ``target`` is outside the
    limits, without moving anything.
    """

    name: str

    @property
    def position(self) -> float: ...

    @property
    def dial(self) -> float: ...

    @property
    def unit(self) -> str | None: ...

    @property
    def display_digits(self) -> int: ...

    def check_target(self, target: float) -> None: ...

    def move(self, target: float, wait: bool = True) -> None: ...

    def wait_move(self) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class HasMetadataForScan(Protocol):
    """A device that publishes metadata for every scan (SPEC 6.6).

    ``scan_metadata()`` returns a dict (or None), e.g.
    ``{"@NX_class": "NXbeam_stop", "status": "in"}``; it lands in
    ``instrument/<device name>/``.  It is consulted only while
    ``scan_metadata_enabled`` is true.
    """

    name: str
    scan_metadata_enabled: bool

    def scan_metadata(self) -> dict | None: ...

    def enable_scan_metadata(self) -> None: ...

    def disable_scan_metadata(self) -> None: ...


@dataclass(frozen=True)
class ScanPlan:
    """What a scan tells its devices before the first point.

    ``npoints`` is the number of points (0 = until stopped); ``motor_start`` and
    ``motor_stop`` are the first motor's range in user units, or None for scans
    without motors (loopscan, timescan, ct), in which case counters that follow a
    distribution use the point index.  ``positions`` holds the first motor's planned
    positions when known (lookupscan, mesh).
    """

    scan_type: str
    npoints: int
    count_time: float
    motor_start: float | None = None
    motor_stop: float | None = None
    positions: Sequence[float] | None = None


@runtime_checkable
class PreparesForScan(Protocol):
    """A device that wants to know about a scan before its first point."""

    def prepare_for_scan(self, plan: ScanPlan) -> None: ...


@runtime_checkable
class CounterContainer(Protocol):
    """Something that stands for several counters in a scan's arguments: a
    measurement group (its enabled counters) or a controller (all its counters)."""

    @property
    def counters(self) -> Sequence[Counter]: ...
