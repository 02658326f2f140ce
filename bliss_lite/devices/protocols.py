"""Capabilities a scan asks of a device, as small runtime-checkable protocols.

A scan never asks "are you a SimulationDiode?"; it asks "can you be read?"
(:class:`Counter`), "can you be moved?" (:class:`Movable`), "do you publish metadata
for scans?" (:class:`HasMetadataForScan`), "do you want to know about the scan
before it starts?" (:class:`PreparesForScan`).  Simulated devices implement them;
so can a user class loaded with ``module:``/``class:`` from the configuration.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

import numpy

from bliss_lite.events import ChannelSpec

__all__ = ["ChannelSpec", "Counter", "CounterContainer", "HasMetadataForScan", "Movable",
           "PreparesForScan", "ScanOutline"]


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


#: Targets converted to Python floats at a time while a scan runs (the trajectories
#: themselves stay compact float64 arrays).
_CHUNK = 4096


@dataclass(frozen=True, eq=False)
class ScanOutline:
    """The points a scan visits, and what its devices are told before the first one.

    ``npoints`` is the number of points (0 = until stopped); ``count_time`` the time
    counted at each; ``motors`` the scanned axes and ``trajectories`` one float64
    array per motor with its target at every point; ``sleep_time`` the wait after
    each point, ``stab_time`` after each move (None: not given, no wait).  For devices: ``motor_start`` and
    ``motor_stop`` are the first motor's range in user units, or None for scans
    without motors (loopscan, timescan, ct), in which case counters that follow a
    distribution use the point index; ``positions`` holds the first motor's planned
    positions when they are not a plain range (lookupscan, mesh).

    A new kind of scan describes its points here; the engine's point loop only
    follows :meth:`points`.
    """

    scan_type: str
    npoints: int
    count_time: float
    motor_start: float | None = None
    motor_stop: float | None = None
    positions: Sequence[float] | None = None
    motors: Sequence[Any] = ()
    trajectories: Sequence[Any] = ()
    sleep_time: float | None = None
    stab_time: float | None = None

    def first_point(self) -> list[tuple[Any, float]]:
        """``(motor, target)`` of the first point (empty without motors or points)."""
        if not self.motors or not len(self.trajectories[0]):
            return []
        return [(motor, float(trajectory[0])) for motor, trajectory in zip(self.motors, self.trajectories)]

    def points(self) -> Iterator[tuple[float, ...]]:
        """Each point's motor targets (Python floats; ``()`` without motors), endless
        when ``npoints`` is 0 and there is no motor."""
        if not self.motors:
            return itertools.repeat((), self.npoints) if self.npoints > 0 else itertools.repeat(())
        columns = [_floats(numpy.asarray(t, dtype=float).ravel()) for t in self.trajectories]
        return zip(*columns)


def _floats(array: numpy.ndarray) -> Iterator[float]:
    """The values of ``array`` as Python floats, converted a chunk at a time."""
    for start in range(0, len(array), _CHUNK):
        yield from array[start:start + _CHUNK].tolist()


@runtime_checkable
class PreparesForScan(Protocol):
    """A device that wants to know about a scan before its first point."""

    def prepare_for_scan(self, outline: ScanOutline) -> None: ...


@runtime_checkable
class CounterContainer(Protocol):
    """Something that stands for several counters in a scan's arguments: a
    measurement group (its enabled counters) or a controller (all its counters)."""

    @property
    def counters(self) -> Sequence[Counter]: ...
