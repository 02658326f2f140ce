"""Positions computed from a scan's data: peak, trough, centre of mass, FWHM centre.

Pure functions on two 1-D arrays ``x`` (positions) and ``y`` (counter values); they
know nothing about scans or motors (:mod:`bliss_lite.scanning.alignment` does).
Pairs where ``x`` or ``y`` is not finite (NaN, inf) are ignored; no finite pair left,
fewer than two points, or a flat signal raise :class:`AlignmentError`, a
``ValueError``, so that nothing ever moves on a meaningless result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["AlignmentError", "Cen", "peak", "trough", "com", "cen", "fwhm"]

#: The 12 % and 88 % levels of a step bound the FWHM of its derivative when the
#: step is a Gaussian edge (erf(sqrt(ln 2)) = 0.76 = 0.88 - 0.12).
_EDGE_LOW, _EDGE_HIGH = 0.12, 0.88


class AlignmentError(ValueError):
    """No meaningful position can be computed (no finite data, flat signal...)."""


class Cen(NamedTuple):
    """Result of :func:`cen`: ``position, fwhm = cen(x, y)``."""

    position: float
    fwhm: float


def _finite(x: ArrayLike, y: ArrayLike) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The finite (x, y) pairs as float arrays; raise when they cannot be used."""
    x = numpy.asarray(x, dtype=float)
    y = numpy.asarray(y, dtype=float)
    if x.ndim != 1 or y.ndim != 1:
        raise AlignmentError(f"positions and values must be 1-D arrays, not of shapes {x.shape} and {y.shape}")
    if x.size != y.size:
        raise AlignmentError(f"positions and values differ in length ({x.size} and {y.size})")
    mask = numpy.isfinite(x) & numpy.isfinite(y)
    if not mask.all():
        x, y = x[mask], y[mask]
    if x.size == 0:
        raise AlignmentError("the signal has no finite value")
    if x.size < 2:
        raise AlignmentError("the signal has a single finite point")
    low, high = y.min(), y.max()
    if low == high:
        raise AlignmentError(f"the signal is flat (every value is {_short(low)})")
    return x, y


def _short(value: float) -> str:
    return f"{value:g}"


def peak(x: ArrayLike, y: ArrayLike) -> float:
    """Position of the maximum of ``y`` (the first one if it repeats)."""
    x, y = _finite(x, y)
    return float(x[numpy.argmax(y)])


def trough(x: ArrayLike, y: ArrayLike) -> float:
    """Position of the minimum of ``y`` (the first one if it repeats)."""
    x, y = _finite(x, y)
    return float(x[numpy.argmin(y)])


def com(x: ArrayLike, y: ArrayLike) -> float:
    """Centre of mass of ``y - min(y)`` over ``x`` (every point counts, so on a mesh
    it is the centroid of the whole map)."""
    x, y = _finite(x, y)
    weights = y - y.min()
    return float(numpy.sum(x * weights) / numpy.sum(weights))


def fwhm(x: ArrayLike, y: ArrayLike) -> float:
    """Full width at half maximum (see :func:`cen`)."""
    return cen(x, y).fwhm


def cen(x: ArrayLike, y: ArrayLike) -> Cen:
    """Centre and width of the signal at half its height ``(min + max) / 2``.

    * A peak (both ends below half height): the interval around the maximum where
      the signal is above half height, ends linearly interpolated; ``position`` is
      its middle, ``fwhm`` its width.
    * A dip (both ends above half height): the same around the minimum.
    * A step (one end above, one below): ``position`` is where the signal crosses
      half height, ``fwhm`` the distance between its 12 % and 88 % crossings (the
      FWHM of the step's derivative for a Gaussian edge).

    Points sharing the same position (meshes, back-and-forth scans) are merged,
    keeping the largest value.
    """
    x, y = _finite(x, y)
    x, y = _merge_duplicates(x, y)
    if x.size < 2:
        raise AlignmentError(f"every point is at the same position ({_short(x[0])})")
    low, high = y.min(), y.max()
    if low == high:
        raise AlignmentError(f"the signal is flat (every value is {_short(low)})")
    half = (low + high) / 2
    left_high, right_high = y[0] >= half, y[-1] >= half
    if not left_high and not right_high:
        start, stop = _interval_around(x, y, int(numpy.argmax(y)), half)
    elif left_high and right_high:
        start, stop = _interval_around(x, -y, int(numpy.argmin(y)), -half)
    else:
        # A step: walk from its high side down to each level.
        if right_high:
            xs, ys = x, y
        else:
            xs, ys = x[::-1], y[::-1]
        middle = _crossing_from_end(xs, ys, half)
        width = abs(
            _crossing_from_end(xs, ys, low + _EDGE_HIGH * (high - low))
            - _crossing_from_end(xs, ys, low + _EDGE_LOW * (high - low))
        )
        return Cen(float(middle), float(width))
    return Cen(float((start + stop) / 2), float(stop - start))


def _merge_duplicates(x: numpy.ndarray, y: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Sorted unique positions, each with the largest value measured there."""
    order = numpy.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if x.size > 1 and numpy.any(x[1:] == x[:-1]):
        unique, starts = numpy.unique(x, return_index=True)
        return unique, numpy.maximum.reduceat(y, starts)
    return x, y


def _interpolate(xa: float, ya: float, xb: float, yb: float, level: float) -> float:
    """Where the segment (xa, ya)-(xb, yb) reaches ``level`` (ya < level <= yb)."""
    return xa + (level - ya) * (xb - xa) / (yb - ya)


def _interval_around(x: numpy.ndarray, y: numpy.ndarray, top: int, level: float) -> tuple[float, float]:
    """Interpolated ends of the run of points ``>= level`` that contains ``top``."""
    below = numpy.flatnonzero(y < level)
    left = below[below < top]
    right = below[below > top]
    if left.size:
        i = left[-1]
        start = _interpolate(x[i], y[i], x[i + 1], y[i + 1], level)
    else:
        start = x[0]
    if right.size:
        j = right[0]
        stop = _interpolate(x[j], y[j], x[j - 1], y[j - 1], level)
    else:
        stop = x[-1]
    return start, stop


def _crossing_from_end(x: numpy.ndarray, y: numpy.ndarray, level: float) -> float:
    """Walking from the last point backwards while ``y >= level``: where the signal
    crosses ``level`` (interpolated), or ``x[0]`` if it never drops below it."""
    below = numpy.flatnonzero(y < level)
    if not below.size:
        return float(x[0])
    i = below[-1]
    if i == y.size - 1:
        return float(x[-1])
    return float(_interpolate(x[i], y[i], x[i + 1], y[i + 1], level))
