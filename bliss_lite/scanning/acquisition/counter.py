"""``SamplingCounterAcquisitionSlave``: reads counters at each trigger."""

from __future__ import annotations

from typing import Any

from bliss_lite.scanning.chain import AcquisitionSlave

__all__ = ["SamplingCounterAcquisitionSlave"]


class SamplingCounterAcquisitionSlave(AcquisitionSlave):
    """Reads its counters (of one controller, as BLISS groups them) each time its
    master triggers it; its master has counted ``count_time`` already."""

    def __init__(self, *counters: Any, ctrl_params: dict | None = None,
                 count_time: float | None = None, npoints: int = 1) -> None:
        if count_time is None:
            raise ValueError("SamplingCounterAcquisitionSlave needs a count_time")
        super().__init__(*counters, npoints=npoints, ctrl_params=ctrl_params)
        self.count_time = float(count_time)

    @property
    def counters(self) -> list[Any]:
        return list(self._counters)

    def prepare(self) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def trigger(self) -> None:
        count_time = self.count_time
        for counter, channels in self._counters.items():
            for channel, value in zip(channels, counter.read(count_time)):
                channel.emit(value)
