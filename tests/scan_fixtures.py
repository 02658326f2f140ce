"""Helpers shared by test_engine.py, test_scans.py and test_scan_saving.py: a scan
context on real devices (simulation diodes, mockup axes), a real state store and real
HDF5 files, plus small protocol-following test devices for failures and spying."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py

from bliss_lite.devices import AxisConfig, MockupAxis, SimulationCounter, SimulationDiode
from bliss_lite.devices.protocols import ChannelSpec, ScanOutline
from bliss_lite import current, scan_meta
from bliss_lite.scanning.context import ScanContext
from bliss_lite.scanning.scan_saving import ScanSaving
from bliss_lite.settings import StateStore


def h5_last_entry_number(filename: str) -> int:
    """Highest N of the "N.1" entries of a real HDF5 file (0 if none or no file)."""
    if not filename or not os.path.exists(filename):
        return 0
    with h5py.File(filename, "r") as f:
        numbers = [int(k.split(".")[0]) for k in f if k.split(".")[0].isdigit()]
    return max(numbers, default=0)


class Spy:
    """A subscriber recording every event and the scan state when it came."""

    def __init__(self, refuse: Exception | None = None) -> None:
        self.events: list[tuple[str, Any]] = []
        self.states: list[Any] = []
        self.refuse = refuse
        self.scan: Any = None

    def for_scan(self, scan: Any) -> "Spy":
        """The subscriber factory: events carry a key, the spy keeps the scan."""
        self.scan = scan
        return self

    def scan_start(self, event: Any) -> None:
        self.events.append(("start", event))
        self.states.append(self.scan.state)
        if self.refuse is not None:
            raise self.refuse

    def scan_points(self, event: Any) -> None:
        self.events.append(("points", event))
        self.states.append(self.scan.state)

    def scan_end(self, event: Any) -> None:
        self.events.append(("end", event))
        self.states.append(self.scan.state)

    def kinds(self) -> list[str]:
        return [k for k, _ in self.events]

    def npoints(self) -> int:
        return sum(len(e) for k, e in self.events if k == "points")


class ScriptedCounter:
    """A counter that runs ``action(point_index)`` before each read (to raise, to
    interrupt, to abort) and records the ScanOutline it was prepared with."""

    def __init__(self, name: str, action: Any = None, channels: int = 1) -> None:
        self.name = name
        self.fullname = f"scripted:{name}"
        self.action = action
        self.index = 0
        self.plans: list[ScanOutline] = []
        self._channels = [ChannelSpec(name if i == 0 else f"{name}_{i}",
                                      self.fullname if i == 0 else f"{self.fullname}_{i}")
                          for i in range(channels)]

    def channels(self) -> list[ChannelSpec]:
        return self._channels

    def prepare_for_scan(self, plan: ScanOutline) -> None:
        self.plans.append(plan)
        self.index = 0

    def read(self, count_time: float) -> tuple:
        i = self.index
        self.index += 1
        if self.action is not None:
            self.action(i)
        return tuple(float(i * 10 + k) for k in range(len(self._channels)))


class Group:
    """A CounterContainer (like a measurement group)."""

    def __init__(self, name: str, counters: list) -> None:
        self.name = name
        self._counters = counters

    @property
    def counters(self) -> list:
        return list(self._counters)


def axis(name: str, *, velocity: float = 1e6, acceleration: float = 1e9, low: float = -1e6,
         high: float = 1e6, steps_per_unit: float = 10000, unit: str = "mm") -> MockupAxis:
    return MockupAxis(name, config=AxisConfig(steps_per_unit=steps_per_unit, velocity=velocity,
                                              acceleration=acceleration, low_limit=low,
                                              high_limit=high, unit=unit))


@dataclass
class Env:
    ctx: ScanContext
    store: StateStore
    saving: ScanSaving
    registry: Any
    base: Path
    diode1: SimulationDiode
    diode2: SimulationDiode
    diode3: SimulationDiode
    gauss: SimulationCounter
    roby: MockupAxis
    robz: MockupAxis
    spy: Spy = field(default_factory=Spy)
    state: Any = None


def make_env(tmp_path: Path, session: str = "scantest", spy: bool = True,
             writer: bool = False) -> Env:
    """A session-like context; ``writer=True`` adds the real NeXus writer."""
    store = StateStore(session)
    base = tmp_path / "scans"
    saving = ScanSaving(session, store, {"base_path": str(base)})
    registry = scan_meta.create_user_scan_meta()
    diodes = [SimulationDiode(name) for name in ("diode", "diode2", "diode3")]
    gauss = SimulationCounter("sim_ct_gauss", distribution="GAUSSIAN")
    roby, robz = axis("roby"), axis("robz", steps_per_unit=1000)
    env = Env(None, store, saving, registry, base, *diodes, gauss, roby, robz)  # type: ignore[arg-type]
    factories: list = []
    if writer:
        from bliss_lite.nexus import NexusWriter

        factories.append(NexusWriter.for_scan)
    if spy:
        factories.append(lambda scan: env.spy.for_scan(scan))
    env.ctx = ScanContext(
        session_name=session, store=store, scan_saving=saving, scan_meta=registry,
        motors=lambda: [roby, robz], default_counters=lambda: [env.diode1],
        subscriber_factories=factories, last_entry_number=h5_last_entry_number,
        user_name="tester")
    env.state = current.SessionState(session, env.ctx)
    current.activate(env.state)
    return env


def close_env(env: Env) -> None:
    current.deactivate(env.state)
    env.store.close()


def nexusformat_errors(filename: str) -> list[str]:
    """The ERROR lines of nexusformat's validator on ``filename``."""
    import logging

    from nexusformat.nexus.validate import logger, validate_file

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    saved = logger.handlers[:], logger.level
    logger.handlers[:] = [handler]
    try:
        validate_file(filename)
    finally:
        logger.handlers[:], _ = saved
        logger.setLevel(saved[1])
    return [r.getMessage().strip() for r in records if r.levelno == logging.ERROR]
