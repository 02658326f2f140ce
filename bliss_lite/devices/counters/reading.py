"""How a scan reads BLISS-API counters: one read of each controller per point.

:func:`reading_plan` turns the counters of a scan into what the engine reads:

* counters of one controller (the ROI counters and the image of a camera, the
  spectra and statistics of an MCA) become one reader, so that the controller
  acquires once per point and hands out every value;
* calc counters and everything they depend on (their inputs, recursively, and the
  other counters of those inputs' controllers) become one reader that reads the
  inputs first and then computes, so that a calc value is its formula applied to
  the very values recorded at that point.  Inputs not asked for are added to the
  scan (as BLISS does).

Counters that are not BLISS-API counters (``simulation_diode``, a user class
following the Counter protocol) are read as they are.
"""

from __future__ import annotations

from typing import Any, Sequence

from bliss_lite.devices.counters.base import CalcCounterController, Counter
from bliss_lite.devices.protocols import ChannelSpec, PreparesForScan, ScanOutline

__all__ = ["reading_plan"]


def _controller(counter: Any) -> Any:
    return counter._counter_controller if isinstance(counter, Counter) else None


def _is_calc(counter: Any) -> bool:
    return isinstance(_controller(counter), CalcCounterController)


class _Step:
    """Counters read together: one controller's counters, or one native counter."""

    def __init__(self, controller: Any, counters: list[Any]) -> None:
        self.controller = controller
        self.counters = counters

    def channels(self) -> list[ChannelSpec]:
        return [spec for counter in self.counters for spec in counter.channels()]

    def read(self, count_time: float, values: dict[int, Any]) -> list[tuple]:
        if self.controller is None:
            points = [self.counters[0].read(count_time)]
        elif isinstance(self.controller, CalcCounterController):
            inputs = {c.name: values[id(c)] for c in self.controller._input_counters}
            points = self.controller.compute(inputs, self.counters)
        else:
            points = self.controller.read_counters(self.counters, count_time)
        for counter, point in zip(self.counters, points):
            values[id(counter)] = point[0]
        return points

    def prepare_for_scan(self, plan: ScanOutline) -> None:
        target = self.controller if self.controller is not None else self.counters[0]
        if isinstance(target, PreparesForScan):
            target.prepare_for_scan(plan)


class _Reader:
    """A Counter (protocol) reading several steps in order, once per point."""

    def __init__(self, steps: list[_Step]) -> None:
        self._steps = steps
        first = steps[0]
        owner = first.controller if first.controller is not None else first.counters[0]
        self.name = owner.name
        self.fullname = getattr(owner, "fullname", owner.name)
        self._channels = tuple(spec for step in steps for spec in step.channels())

    @property
    def counters(self) -> list[Any]:
        return [c for step in self._steps for c in step.counters]

    def channels(self) -> tuple[ChannelSpec, ...]:
        return self._channels

    def read(self, count_time: float) -> tuple:
        values: dict[int, Any] = {}
        out: list[Any] = []
        for step in self._steps:
            for point in step.read(count_time, values):
                out.extend(point)
        return tuple(out)

    def prepare_for_scan(self, plan: ScanOutline) -> None:
        for step in self._steps:
            step.prepare_for_scan(plan)

    def __repr__(self) -> str:
        return f"<counters of {self.fullname}: {', '.join(c.name for c in self.counters)}>"


def _with_inputs(counters: Sequence[Any]) -> list[Any]:
    """``counters`` with every calc counter's inputs before it (recursively)."""
    ordered: list[Any] = []
    seen: set[int] = set()
    visiting: set[int] = set()

    def add(counter: Any) -> None:
        if id(counter) in seen:
            return
        if id(counter) in visiting:
            raise ValueError(f"calc counter {counter.name!r} depends on itself")
        visiting.add(id(counter))
        if _is_calc(counter):
            for source in _controller(counter)._input_counters:
                add(source)
        visiting.discard(id(counter))
        seen.add(id(counter))
        ordered.append(counter)

    for counter in counters:
        add(counter)
    return ordered


def _steps(counters: Sequence[Any]) -> list[_Step]:
    """Consecutive groups by controller (a controller's counters join its first step)."""
    steps: list[_Step] = []
    by_controller: dict[int, _Step] = {}
    for counter in counters:
        controller = _controller(counter)
        if controller is None:
            steps.append(_Step(None, [counter]))
            continue
        step = by_controller.get(id(controller))
        if step is None:
            step = by_controller[id(controller)] = _Step(controller, [])
            steps.append(step)
        step.counters.append(counter)
    return steps


def reading_plan(counters: Sequence[Any]) -> list[Any]:
    """What the engine reads for ``counters`` (see the module's text); a scan
    without BLISS-API counters gets its counters back unchanged."""
    if not any(isinstance(c, Counter) for c in counters):
        return list(counters)
    counters = _with_inputs(counters)

    def key(counter: Any) -> int:
        controller = _controller(counter)
        return id(controller) if controller is not None else id(counter)

    involved: set[int] = set()        # controllers taking part in a calculation
    for counter in counters:
        if _is_calc(counter):
            involved.add(key(counter))
            involved.update(key(source) for source in _controller(counter)._input_counters)

    calc_members = [c for c in counters if key(c) in involved]
    plan: list[Any] = []
    steps: dict[int, _Step] = {}
    for counter in counters:
        if key(counter) in involved:   # one reader for the calculation, where it first appears
            if calc_members:
                plan.append(_Reader(_steps(calc_members)))
                calc_members = []
            continue
        controller = _controller(counter)
        if controller is None:
            plan.append(counter)
            continue
        step = steps.get(id(controller))
        if step is None:
            step = steps[id(controller)] = _Step(controller, [])
            plan.append(step)
        step.counters.append(counter)
    return [(item.counters[0] if len(item.counters) == 1 else _Reader([item]))
            if isinstance(item, _Step) else item for item in plan]
