"""A point-to-point move with a trapezoidal velocity profile, computed, not run.

A simulated axis records one :class:`TrapezoidMove` when it starts moving and
asks it where it is at any later time: no thread, no timer.  Stopping replaces the
move by a :class:`Deceleration` from where it is, at its speed then, to rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def trapezoid_time(distance: float, velocity: float, acceleration: float) -> float:
    """Seconds to travel ``distance`` starting and ending at rest.

    Accelerates at ``acceleration`` up to ``velocity``, cruises, decelerates; a
    short move that never reaches ``velocity`` is a triangle.
    ``trapezoid_time(1.0, 1.0, 2.0)`` is ``1.5``.
    """
    distance = abs(distance)
    if distance == 0.0:
        return 0.0
    ramp = velocity * velocity / acceleration  # distance of acceleration + deceleration
    if distance >= ramp:
        return distance / velocity + velocity / acceleration
    return 2.0 * math.sqrt(distance / acceleration)


@dataclass
class TrapezoidMove:
    """A move from ``start`` to ``target`` (same units as velocity), begun at
    ``t0`` (a :func:`time.monotonic` value)."""

    start: float
    target: float
    velocity: float
    acceleration: float
    t0: float
    duration: float = field(init=False)
    _peak: float = field(init=False, repr=False)
    _t_ramp: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        distance = abs(self.target - self.start)
        self.duration = trapezoid_time(distance, self.velocity, self.acceleration)
        ramp = self.velocity * self.velocity / self.acceleration
        if distance >= ramp:
            self._peak = self.velocity
        else:
            self._peak = math.sqrt(distance * self.acceleration)
        self._t_ramp = self._peak / self.acceleration

    @property
    def end(self) -> float:
        return self.t0 + self.duration

    def position_at(self, now: float) -> float:
        """Where the move is at time ``now`` (clamped to its start and target)."""
        t = now - self.t0
        if t <= 0.0:
            return self.start
        if t >= self.duration:
            return self.target
        a, peak, t_ramp = self.acceleration, self._peak, self._t_ramp
        if t < t_ramp:
            travelled = 0.5 * a * t * t
        elif t <= self.duration - t_ramp:
            travelled = 0.5 * peak * t_ramp + peak * (t - t_ramp)
        else:
            left = self.duration - t
            total = abs(self.target - self.start)
            travelled = total - 0.5 * a * left * left
        return self.start + math.copysign(travelled, self.target - self.start)

    def velocity_at(self, now: float) -> float:
        """The signed velocity at time ``now`` (0 before the start and after the end)."""
        t = now - self.t0
        if t <= 0.0 or t >= self.duration:
            return 0.0
        a, peak, t_ramp = self.acceleration, self._peak, self._t_ramp
        if t < t_ramp:
            speed = a * t
        elif t <= self.duration - t_ramp:
            speed = peak
        else:
            speed = a * (self.duration - t)
        return math.copysign(speed, self.target - self.start)


@dataclass
class Deceleration:
    """Braking at ``acceleration`` from ``start``, moving at the signed ``velocity``
    at ``t0``, to rest at ``target`` (``velocity² / 2·acceleration`` further)."""

    start: float
    velocity: float
    acceleration: float
    t0: float
    target: float = field(init=False)
    duration: float = field(init=False)

    def __post_init__(self) -> None:
        speed = abs(self.velocity)
        self.duration = speed / self.acceleration if self.acceleration > 0 else 0.0
        self.target = self.start + math.copysign(speed * self.duration / 2, self.velocity)

    def position_at(self, now: float) -> float:
        t = min(max(now - self.t0, 0.0), self.duration)
        speed = abs(self.velocity)
        travelled = speed * t - 0.5 * self.acceleration * t * t
        return self.start + math.copysign(travelled, self.velocity)

    def velocity_at(self, now: float) -> float:
        t = min(max(now - self.t0, 0.0), self.duration)
        return math.copysign(abs(self.velocity) - self.acceleration * t, self.velocity)
