"""The events a scan emits, and what a subscriber to them looks like.

A scan hands three kinds of events to its subscribers, in this order:

* :class:`ScanStart` once, after the START metadata is gathered and before anything
  moves.  A subscriber may refuse the scan here by raising (the NeXus writer does
  when its file cannot be written); then nothing moves and the scan ends with the
  exception.
* :class:`ScanPoints` zero or more times, each carrying a *block* of consecutive
  complete points (never a half-read point).  Blocks are emitted at least every
  ~0.1 s while points arrive, so a subscriber is never more than that behind.
* :class:`ScanEnd` once, always, also after an abort or a failure, after the END
  metadata is gathered.  ``scan_info`` then holds ``end_time`` and ``end_reason``.

Consumers (in-memory data, terminal display, NeXus writer, later a Redis
publisher) are subscribers; adding one never changes the engine.  An exception
raised by a subscriber during ``points``/``end`` is reported as a warning and does
not stop the scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Sequence

import numpy

if TYPE_CHECKING:
    from bliss_lite.devices.protocols import ChannelSpec


@dataclass
class ScanStart:
    """``scan_info``: the scan's info dict (title, type, npoints, count_time, scan_nb,
    filename, start_time, START metadata...). ``channels``: every channel of the scan,
    timer channels (``elapsed_time``, ``epoch``) first, then motors, then counters
    (``ChannelSpec.kind`` tells which)."""

    scan: Any
    scan_info: dict
    channels: Sequence["ChannelSpec"]


@dataclass
class ScanPoints:
    """``first_index``: the index of the block's first point in the scan.
    ``data``: channel fullname → array of the block's values, all of the same length
    (``len(block)``); a channel of shape ``s`` gives an array of shape ``(n,) + s``."""

    scan: Any
    first_index: int
    data: dict[str, numpy.ndarray]

    def __len__(self) -> int:
        for array in self.data.values():
            return len(array)
        return 0


@dataclass
class ScanEnd:
    """``scan_info``: the final info (END metadata, ``end_time``, ``end_reason`` =
    ``SUCCESS`` | ``USER_ABORT`` | ``FAILURE``). ``npoints``: complete points acquired."""

    scan: Any
    scan_info: dict
    npoints: int


class ScanSubscriber(Protocol):
    """A consumer of scan events. All three methods are called from the scan's thread."""

    def scan_start(self, event: ScanStart) -> None: ...

    def scan_points(self, event: ScanPoints) -> None: ...

    def scan_end(self, event: ScanEnd) -> None: ...
