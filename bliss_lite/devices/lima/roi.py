"""Regions of interest of a Lima camera (``bliss.controllers.lima.roi``).

``Roi(x, y, width, height)`` is a rectangle, ``ArcRoi(cx, cy, r1, r2, a1, a2)`` a
ring sector (radii in pixels, angles in degrees, counter-clockwise from +x), and
``RoiProfile(x, y, width, height, mode)`` a rectangle summed into a 1-D profile
(``horizontal``: along x, one value per column; ``vertical``: one per row).
"""

from __future__ import annotations

import math
from typing import Any

import numpy

__all__ = ["ArcRoi", "Roi", "RoiProfile", "ROI_PROFILE_MODES", "dict_to_roi"]

ROI_PROFILE_MODES = ("horizontal", "vertical")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, numpy.integer, numpy.floating)):
        raise TypeError(f"ROI {what} must be a number, not {type(value).__name__}")
    return int(value)


class _BaseRoi:
    def __init__(self, name: str | None = None) -> None:
        self._name = name

    @property
    def name(self) -> str | None:
        return self._name

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.get_params())))


class Roi(_BaseRoi):
    """A rectangle of ``width`` × ``height`` pixels from (``x``, ``y``)."""

    def __init__(self, x: int, y: int, width: int, height: int, name: str | None = None) -> None:
        super().__init__(name)
        self._x, self._y = _int(x, "x"), _int(y, "y")
        self._width, self._height = _int(width, "width"), _int(height, "height")
        self.check_validity()

    x = property(lambda self: self._x)
    y = property(lambda self: self._y)
    width = property(lambda self: self._width)
    height = property(lambda self: self._height)

    @property
    def p0(self) -> tuple[int, int]:
        return (self._x, self._y)

    @property
    def p1(self) -> tuple[int, int]:
        return (self._x + self._width, self._y + self._height)

    def check_validity(self) -> None:
        if self._x < 0 or self._y < 0:
            raise ValueError(f"Roi coordinates must be >= 0, got ({self._x}, {self._y})")
        if self._width <= 0 or self._height <= 0:
            raise ValueError(f"Roi size must be > 0, got {self._width} x {self._height}")

    def bounding_box(self) -> list[list[int]]:
        return [list(self.p0), list(self.p1)]

    def get_params(self) -> list[int]:
        return [self._x, self._y, self._width, self._height]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "rectangle", "x": self._x, "y": self._y, "width": self._width,
                "height": self._height}

    def pixels(self, image: numpy.ndarray) -> numpy.ndarray:
        """The ROI's pixels of ``image`` (clipped to it)."""
        return image[self._y:self._y + self._height, self._x:self._x + self._width]

    def __repr__(self) -> str:
        return f"<{self._x},{self._y}> <{self._width} x {self._height}>"


class ArcRoi(_BaseRoi):
    """A ring sector centred on (``cx``, ``cy``) between radii ``r1`` < ``r2`` and
    angles ``a1`` < ``a2`` (degrees)."""

    def __init__(self, cx: float, cy: float, r1: float, r2: float, a1: float, a2: float,
                 name: str | None = None) -> None:
        super().__init__(name)
        self._params = [float(v) for v in (cx, cy, r1, r2, a1, a2)]
        self.check_validity()
        self._mask_cache: tuple[tuple, numpy.ndarray, tuple] | None = None

    cx = property(lambda self: self._params[0])
    cy = property(lambda self: self._params[1])
    r1 = property(lambda self: self._params[2])
    r2 = property(lambda self: self._params[3])
    a1 = property(lambda self: self._params[4])
    a2 = property(lambda self: self._params[5])

    @property
    def aperture(self) -> float:
        return self.a2 - self.a1

    def check_validity(self) -> None:
        if self.r1 < 0 or self.r2 <= self.r1:
            raise ValueError(f"ArcRoi radii must satisfy 0 <= r1 < r2, got r1={self.r1}, r2={self.r2}")
        if self.a2 <= self.a1:
            raise ValueError(f"ArcRoi angles must satisfy a1 < a2, got a1={self.a1}, a2={self.a2}")

    def get_params(self) -> list[float]:
        return list(self._params)

    def to_dict(self) -> dict[str, Any]:
        return dict(zip(("cx", "cy", "r1", "r2", "a1", "a2"), self._params), kind="arc")

    def bounding_box(self) -> list[list[float]]:
        return [[self.cx - self.r2, self.cy - self.r2], [self.cx + self.r2, self.cy + self.r2]]

    def pixels(self, image: numpy.ndarray) -> numpy.ndarray:
        """The pixels of ``image`` whose centre lies in the sector (a 1-D array)."""
        shape = image.shape[-2:]
        if self._mask_cache is None or self._mask_cache[0] != shape:
            h, w = shape
            x0 = max(int(math.floor(self.cx - self.r2)), 0)
            y0 = max(int(math.floor(self.cy - self.r2)), 0)
            x1 = min(int(math.ceil(self.cx + self.r2)) + 1, w)
            y1 = min(int(math.ceil(self.cy + self.r2)) + 1, h)
            yy, xx = numpy.mgrid[y0:y1, x0:x1]
            dx, dy = xx + 0.5 - self.cx, yy + 0.5 - self.cy
            r = numpy.hypot(dx, dy)
            angle = numpy.degrees(numpy.arctan2(dy, dx))
            a1 = self.a1 % 360.0
            rel = (angle - a1) % 360.0
            mask = (r >= self.r1) & (r <= self.r2) & (rel <= self.aperture)
            self._mask_cache = (shape, mask, (y0, y1, x0, x1))
        _, mask, (y0, y1, x0, x1) = self._mask_cache
        return image[y0:y1, x0:x1][mask]

    def __repr__(self) -> str:
        return "<%.1f, %.1f> <%.1f, %.1f> <%.1f, %.1f>" % tuple(self._params)


class RoiProfile(Roi):
    """A rectangle reduced to a profile: ``horizontal`` sums the rows (one value per
    column), ``vertical`` sums the columns (one value per row)."""

    def __init__(self, x: int, y: int, width: int, height: int, mode: str = "horizontal",
                 name: str | None = None) -> None:
        super().__init__(x, y, width, height, name)
        self.mode = mode

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in ROI_PROFILE_MODES:
            raise ValueError(f"profile mode must be one of {', '.join(ROI_PROFILE_MODES)}, got {mode!r}")
        self._mode = mode

    @property
    def length(self) -> int:
        return self.width if self._mode == "horizontal" else self.height

    def profile(self, image: numpy.ndarray) -> numpy.ndarray:
        part = self.pixels(image).astype(numpy.float64)
        values = part.sum(axis=0 if self._mode == "horizontal" else 1)
        if len(values) < self.length:  # the rectangle goes past the image
            values = numpy.concatenate([values, numpy.zeros(self.length - len(values))])
        return values

    def get_params(self) -> list[Any]:
        return super().get_params() + [self._mode]

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "kind": "profile", "mode": self._mode}

    def __repr__(self) -> str:
        return f"{super().__repr__()} <{self._mode}>"


def dict_to_roi(values: dict) -> _BaseRoi:
    """A ROI from its :meth:`to_dict` form (how the session state keeps them)."""
    values = dict(values)
    kind = values.pop("kind", "rectangle")
    name = values.pop("name", None)
    if kind == "arc":
        return ArcRoi(name=name, **values)
    if kind == "profile":
        return RoiProfile(name=name, **values)
    return Roi(name=name, **values)
