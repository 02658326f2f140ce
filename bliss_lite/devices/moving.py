"""Moving several axes at once, the one way every caller does it."""

from __future__ import annotations

from typing import Iterable

from bliss_lite.devices.protocols import Movable


def move_together(moves: Iterable[tuple[Movable, float]], wait: bool = True) -> None:
    """Start every ``(axis, target)`` move, then (unless ``wait`` is false) wait for
    all of them.  On any error or Ctrl-C, every axis is stopped where it is and the
    exception propagates."""
    moves = list(moves)
    try:
        for axis, target in moves:
            axis.move(target, wait=False)
        if wait:
            for axis, _ in moves:
                axis.wait_move()
    except BaseException:
        for axis, _ in moves:
            try:
                axis.stop()
            except Exception:  # stop every axis even if one of them complains
                pass
        raise
