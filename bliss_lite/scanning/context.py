"""What a scan needs from the session it runs in, without importing the session.

The session builds one :class:`ScanContext` and makes it current through the
holder of the current session (:mod:`bliss_lite.current`); scan functions (also when
imported as ``bliss.common.scans``) use :func:`current`.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from bliss_lite import current as _holder

if TYPE_CHECKING:
    from bliss_lite.devices.protocols import Counter, HasMetadataForScan, Movable
    from bliss_lite.events import ScanSubscriber
    from bliss_lite.settings import StateStore

#: What a scan without counters says (``default_counters()`` raises it as a ValueError).
NO_COUNTERS = "No counters for scan. Hint: are all counters disabled ?"


@dataclass
class ScanContext:
    """The session's side of scanning.

    * ``motors()``: every axis of the session (for the positioners metadata).
    * ``metadata_devices()``: session objects publishing metadata for scans.
    * ``default_counters()``: enabled counters of ACTIVE_MG; raises
      ``ValueError(NO_COUNTERS)`` when there is none.
    * ``subscriber_factories``: each is called with the scan when it starts and
      returns a subscriber or None (the NeXus writer returns None when the scan is
      not saved or ``SCAN_SAVING.writer == "null"``).
    * ``subscribers``: subscribers given every scan's events (``session.subscribe()``),
      after those of the factories.
    * ``last_entry_number(filename)``: the highest ``N`` of the ``N.1`` entries
      already in that data file (0 if none or no file) — numbering never reuses one.
    * ``claim_number(filename, n)``: reserve number ``n`` of that data file, or the
      first free one after it, atomically (another process may write the same file);
      returns the number reserved, raises when the file cannot take a scan now.
    * ``store``: the session's state store (scan counters, plotselect).
    * ``plot_selection``: plotselect's selection when there is no store.
    * ``last_metadata_profile``: the generator profiles of the last scan that
      gathered user metadata (``metadata_profiling()``).
    * ``default_chain``: the session's ``DEFAULT_CHAIN`` (its settings and presets go
      to every standard scan); made by the scans on first use when not given.
    """

    session_name: str
    store: "StateStore"
    scan_saving: Any
    scan_meta: Any
    motors: Callable[[], Sequence["Movable"]] = lambda: []
    metadata_devices: Callable[[], Sequence["HasMetadataForScan"]] = lambda: []
    default_counters: Callable[[], Sequence["Counter"]] = lambda: []
    subscriber_factories: list[Callable[[Any], "ScanSubscriber | None"]] = field(default_factory=list)
    subscribers: list["ScanSubscriber"] = field(default_factory=list)
    last_entry_number: Callable[[str], int] = lambda filename: 0
    claim_number: Callable[[str, int], int] = lambda filename, number: number
    scans: collections.deque = field(default_factory=lambda: collections.deque(maxlen=20))
    user_name: str = ""
    plot_selection: list[str] = field(default_factory=list)
    last_metadata_profile: list | None = None
    default_chain: Any = None


def current() -> ScanContext:
    """The open session's scan context; the session-less default's when none is open
    (see :mod:`bliss_lite.current`)."""
    return _holder.get().scan_context
