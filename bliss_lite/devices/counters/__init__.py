"""BLISS's counter API and the counters built on it (SoftCounter, calc counters).

``bliss.common.counter`` and ``bliss.controllers.counter`` are these names.
"""

from bliss_lite.devices.counters.base import (
    CalcCounter,
    CalcCounterController,
    Counter,
    CounterController,
    CounterNamespace,
    IntegratingCounter,
    IntegratingCounterController,
    SamplingCounter,
    SamplingCounterController,
    SamplingCounterStatistics,
    SamplingMode,
    SoftCounter,
    SoftCounterController,
    counter_namespace,
)
from bliss_lite.devices.counters.reading import reading_plan

__all__ = [
    "CalcCounter", "CalcCounterController", "Counter", "CounterController", "CounterNamespace",
    "IntegratingCounter", "IntegratingCounterController", "SamplingCounter",
    "SamplingCounterController", "SamplingCounterStatistics", "SamplingMode", "SoftCounter",
    "SoftCounterController", "counter_namespace", "reading_plan",
]
