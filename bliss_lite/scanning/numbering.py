"""Scan numbers (SPEC 7.4).

Saved scans are numbered per session, persistently (store key ``scan_counter``), and
a number never names an entry already in the target file:
``next = max(stored counter, last entry in the file) + 1``.  Unsaved scans (``ct``,
``save=False``) have their own counter, kept for the life of the context.

A number is *reserved* by :func:`reserve` — atomically with its data file, through
``ctx.claim_number``, so that another process writing the same file never gets the
same number — and *committed* by :func:`commit` once the scan's subscribers have
accepted it, so a scan refused at start consumes nothing.
"""

from __future__ import annotations

from typing import Callable

from bliss_lite.scanning.context import ScanContext

__all__ = ["reserve", "commit"]

STORE_KEY = "scan_counter"
_UNSAVED_ATTR = "_unsaved_scan_counter"


def _stored(ctx: ScanContext) -> int:
    value = ctx.store.get(STORE_KEY, 0) if ctx.store is not None else 0
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def reserve(ctx: ScanContext, save: bool,
            filename_for: Callable[[int], str | None]) -> tuple[int, str | None]:
    """The next scan number and its data file (``filename_for(number)``; None when
    not saved).  Nothing is stored: see :func:`commit`."""
    if not save:
        return getattr(ctx, _UNSAVED_ATTR, 0) + 1, None
    number = _stored(ctx) + 1
    filename = filename_for(number)
    # The file name may depend on the number (template "{scan_number}"): iterate until
    # the number is free in the file it designates.
    for _ in range(100):
        last = ctx.last_entry_number(filename) if filename else 0
        if last >= number:
            number = last + 1
            filename = filename_for(number)
            continue
        if not filename:
            break
        claimed = ctx.claim_number(filename, number)
        if claimed == number or filename_for(claimed) == filename:
            return claimed, filename
        number = claimed  # the file changes with the number: claim in the new one
        filename = filename_for(number)
    return number, filename


def commit(ctx: ScanContext, save: bool, number: int) -> None:
    """Record ``number`` as used."""
    if not save:
        setattr(ctx, _UNSAVED_ATTR, max(number, getattr(ctx, _UNSAVED_ATTR, 0)))
    elif ctx.store is not None and number > _stored(ctx):
        ctx.store.set(STORE_KEY, number)
