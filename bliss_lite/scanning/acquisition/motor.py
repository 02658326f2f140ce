"""Motor masters.  Step by step (``LinearStepTriggerMaster``, ``MeshStepTriggerMaster``,
``VariableStepTriggerMaster``): at each iteration the motors move to the next point,
then the master triggers its slaves and emits the motors' positions.  Continuous
(``MotorMaster``): one motion from start to end at the speed that takes ``time``."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy

from bliss_lite.scanning.chain import AcquisitionMaster, AxisAcquisitionChannel

__all__ = ["LinearStepTriggerMaster", "MeshStepTriggerMaster", "MotorMaster", "VariableStepTriggerMaster"]


def _grouped(args: Sequence[Any], n: int) -> list[tuple[Any, ...]]:
    return [tuple(args[i:i + n]) for i in range(0, len(args), n)]


class _StepMaster(AcquisitionMaster):
    """Motors through given positions (``_motor_pos``: one array per axis)."""

    def _setup(self, motor_pos: dict[Any, numpy.ndarray], stab_time: float | None,
               keys: dict) -> None:
        self._motor_pos = motor_pos
        self.stab_time = stab_time
        for axis, positions in motor_pos.items():
            values = numpy.unique(positions)
            if len(values):
                axis.check_target(float(values[0]))
                axis.check_target(float(values[-1]))
        AcquisitionMaster.__init__(self, *motor_pos, **keys)
        for axis in motor_pos:
            self.channels.append(AxisAcquisitionChannel(axis))
        self._next: list[tuple[Any, float]] = []

    @property
    def axes(self) -> list[Any]:
        return list(self._motor_pos)

    @property
    def trajectories(self) -> list[numpy.ndarray]:
        return [numpy.asarray(p, dtype=float) for p in self._motor_pos.values()]

    @property
    def npoints(self) -> int:
        return min(len(p) for p in self._motor_pos.values())

    def __iter__(self) -> Iterator["_StepMaster"]:
        axes = list(self._motor_pos)
        for positions in zip(*(numpy.asarray(p, dtype=float).tolist() for p in self._motor_pos.values())):
            self._next = list(zip(axes, positions))
            yield self

    def prepare(self) -> None:
        from bliss_lite.devices.moving import move_together

        move_together(self._next)
        if self.stab_time:
            self.wait(self.stab_time)

    def start(self) -> None:
        self.trigger()

    def stop(self) -> None:
        for axis in self._motor_pos:
            axis.stop()

    def trigger(self) -> None:
        self.trigger_slaves()
        self.channels.update_from_iterable([axis.position for axis in self._motor_pos])
        self.wait_slaves()


class VariableStepTriggerMaster(_StepMaster):
    """``VariableStepTriggerMaster(mot1, positions1, mot2, positions2, ...,
    stab_time=None)``: every motor through its own list of positions."""

    def __init__(self, *args: Any, **keys: Any) -> None:
        stab_time = keys.pop("stab_time", None)
        keys.pop("broadcast_len", None)
        if len(args) % 2:
            raise TypeError("_VariableStepTriggerMaster: argument is a mot, positions ...")
        motor_pos: dict[Any, numpy.ndarray] = {}
        npoints = None
        for axis, positions in _grouped(args, 2):
            positions = numpy.asarray(positions, dtype=float).ravel()
            if npoints is not None and npoints != len(positions):
                raise RuntimeError(f"Motor {axis.name} has {len(positions)} nbpoints but other "
                                   f"has {npoints} nbpoints")
            npoints = len(positions)
            motor_pos[axis] = positions
        self._setup(motor_pos, stab_time, keys)


class MeshStepTriggerMaster(_StepMaster):
    """``MeshStepTriggerMaster(mot1, start1, stop1, npoints1, mot2, ..., backnforth=False)``:
    a grid, the first motor the fastest."""

    def __init__(self, *args: Any, **keys: Any) -> None:
        self.backnforth = bool(keys.pop("backnforth", False))
        stab_time = keys.pop("stab_time", None)
        if len(args) % 4:
            raise TypeError("_StepTriggerMaster: argument is a mot1,start,stop,nb points,mot2,start2...")
        groups = _grouped(args, 4)
        lines = [numpy.linspace(start, stop, int(n)) for _, start, stop, n in groups]
        grids = self.interleaved(lines, self.backnforth)
        self._setup({axis: grid for (axis, *_), grid in zip(groups, grids)}, stab_time, keys)

    @staticmethod
    def interleaved(lines: Sequence[numpy.ndarray], backnforth: bool = False) -> list[numpy.ndarray]:
        """Each motor's position at each point of the grid (first motor fastest;
        ``backnforth``: every motor but the slowest reverses on every other line)."""
        sizes = [len(line) for line in lines]
        indexes = list(reversed(numpy.mgrid[[slice(0, n) for n in reversed(sizes)]]))
        if backnforth:
            for i in range(len(lines) - 1):
                array = indexes[i]
                array.shape = -1, int(numpy.prod(array.shape[-1 - i:]))
                array[1::2, :] = array[1::2, ::-1]
        return [line[index.ravel()] for line, index in zip(lines, indexes)]


class LinearStepTriggerMaster(_StepMaster):
    """``LinearStepTriggerMaster(nb_point, mot1, start1, stop1, mot2, ...)``: the motors
    together along a line of ``nb_point`` points."""

    def __init__(self, nb_point: int, *args: Any, **keys: Any) -> None:
        stab_time = keys.pop("stab_time", None)
        if len(args) % 3:
            raise TypeError("LinearStepTriggerMaster: argument is a nb_point,mot1,start1,stop1,"
                            "mot2,start2,stop2,...")
        self._setup({axis: numpy.linspace(start, stop, int(nb_point))
                     for axis, start, stop in _grouped(args, 3)}, stab_time, keys)


class MotorMaster(AcquisitionMaster):
    """``MotorMaster(axis, start, end, time=0, undershoot=None, undershoot_start_margin=0,
    undershoot_end_margin=0, backnforth=False)``: at each trigger the axis moves from
    ``start`` to ``end`` in ``time`` seconds (0: at its own velocity), starting
    ``undershoot`` before (default: the distance it needs to reach that velocity) so
    that it crosses the range at constant speed; its slaves are triggered as the
    motion starts.  ``backnforth``: every other motion goes back.  Emits no channel
    (what is below it records positions), as BLISS's."""

    def __init__(self, axis: Any, start: float, end: float, time: float = 0, undershoot: float | None = None,
                 undershoot_start_margin: float = 0, undershoot_end_margin: float = 0,
                 trigger_type: Any = AcquisitionMaster.SOFTWARE, backnforth: bool = False, **keys: Any) -> None:
        AcquisitionMaster.__init__(self, axis, trigger_type=trigger_type, **keys)
        self.movable = axis
        self.start_pos, self.end_pos = float(start), float(end)
        self.time = float(time)
        self.backnforth = bool(backnforth)
        self._undershoot = undershoot
        self._start_margin, self._end_margin = float(undershoot_start_margin), float(undershoot_end_margin)
        self.velocity = (abs(self.end_pos - self.start_pos) / self.time if self.time > 0
                         else float(axis.velocity))

    @property
    def undershoot(self) -> float:
        """The distance the axis needs to reach ``velocity`` (``velocity²/2a``)."""
        if self._undershoot is not None:
            return float(self._undershoot)
        return self.velocity * (self.velocity / float(self.movable.acceleration)) / 2

    def _with_undershoot(self, position: float, end: bool = False) -> float:
        direction = 1 if self.end_pos >= self.start_pos else -1
        if end:
            direction = -direction
        margin = self._end_margin if end else self._start_margin
        return position - direction * self.undershoot - direction * margin

    def __iter__(self) -> Iterator["MotorMaster"]:
        while True:
            yield self
            if self.parent is None:
                break

    def prepare(self) -> None:
        self.movable.move(self._with_undershoot(self.start_pos))

    def start(self) -> None:
        if self.parent is None:
            self.trigger()

    def trigger(self) -> None:
        self.trigger_slaves()
        axis = self.movable
        velocity = axis.velocity
        axis.velocity = self.velocity
        try:
            axis.move(self._with_undershoot(self.end_pos, end=True))
        finally:
            axis.velocity = velocity
        if self.backnforth:
            self.start_pos, self.end_pos = self.end_pos, self.start_pos

    def trigger_ready(self) -> bool:
        return not self.movable.is_moving

    def wait_ready(self) -> None:
        self.movable.wait_move()

    def stop(self) -> None:
        self.movable.stop()
