"""``SoftwareTimerMaster``: counts ``count_time`` at each of its triggers."""

from __future__ import annotations

import time
from typing import Any, Iterator

import numpy

from bliss_lite.scanning.chain import AcquisitionMaster, _TimerChannel

__all__ = ["SoftwareTimerMaster"]


class SoftwareTimerMaster(AcquisitionMaster):
    """The timer of a scan: at each trigger it waits ``sleep_time`` (not before the
    first point), counts ``count_time`` seconds, then triggers its slaves (bliss_lite's
    counters are read once their count is over) and emits ``timer:elapsed_time``
    and ``timer:epoch`` (the moment the count started).  As top master it iterates
    ``npoints`` times (0: until stopped)."""

    def __init__(self, count_time: float, sleep_time: float | None = None, name: str = "timer",
                 **keys: Any) -> None:
        super().__init__(name=name, **keys)
        self.count_time = count_time
        self.sleep_time = sleep_time
        self.channels.append(_TimerChannel(f"{self.name}:elapsed_time", numpy.double, (), unit="s"))
        self.channels.append(_TimerChannel(f"{self.name}:epoch", float, (), unit="s"))
        self._nb_point = 0
        self._started_time: float | None = None

    def __iter__(self) -> Iterator["SoftwareTimerMaster"]:
        npoints = self.npoints
        if npoints > 0:
            for i in range(npoints):
                self._nb_point = i
                yield self
        else:
            self._nb_point = 0
            while True:
                yield self
                self._nb_point += 1

    def prepare(self) -> None:
        if not self._nb_point:
            self._started_time = None

    def start(self) -> None:
        if self.parent is None:
            self.trigger()

    def stop(self) -> None:
        pass

    def trigger(self) -> None:
        if self._nb_point > 0 and self.sleep_time:
            self.wait(self.sleep_time)
        start = time.perf_counter()
        now = time.time()
        if self._started_time is None:
            self._started_time = now
        self.wait(self.count_time - (time.perf_counter() - start))
        self.trigger_slaves()
        self.channels[0].emit(now - self._started_time)
        self.channels[1].emit(now)
        self.wait_slaves()
