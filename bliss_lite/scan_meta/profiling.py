"""How long metadata generators took (SPEC 6.7): ``metadata_profiling()`` and the
tables it prints."""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

from bliss_lite import current
from bliss_lite.scan_meta.evaluation import GeneratorProfile
from bliss_lite.scan_meta.gathering import controllers_scan_meta
from bliss_lite.scan_meta.registry import META_TIMING, ScanMeta, timing_names

__all__ = ["format_profile", "metadata_profiling"]


def _as_timing(timing: Any) -> META_TIMING | None:
    if timing is None or isinstance(timing, META_TIMING):
        return timing
    if isinstance(timing, str):
        try:
            return META_TIMING[timing.upper()]
        except KeyError:
            pass
    raise ValueError(f"timing must be None, a META_TIMING or one of 'START', 'PREPARED', 'END', not {timing!r}")


def _live_profile(context: Any, scan: Any, timing: META_TIMING | None) -> list[GeneratorProfile]:
    """Profile the registries of the scan ``context`` now (no scan has gathered
    metadata yet)."""
    try:
        controllers = controllers_scan_meta(context.motors(), context.metadata_devices())
    except Exception:  # no usable session context: profile the user registry only
        controllers = ScanMeta(categories=())
    records: list[GeneratorProfile] = []
    for source, registry in (("user", context.scan_meta), ("controllers", controllers)):
        for category, name, values in registry.entries(timing):
            if isinstance(values, dict):
                continue
            t0 = time.perf_counter()
            try:
                result = values(scan)
                seconds = time.perf_counter() - t0
                if result is not None and not isinstance(result, dict):
                    seconds = math.nan
            except Exception:
                seconds = math.nan
            records.append(GeneratorProfile(name, category, timing, seconds, source))
    return records


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.rjust(w) if i == 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  " + " | ".join(cells).rstrip())
        if index == 0:
            lines.append("  " + "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def format_profile(records: Sequence[GeneratorProfile], timing: META_TIMING | None = None) -> str:
    """The profiling tables: user and controllers generators, slowest first, failed
    ones (nan) last."""
    parts = []
    for title, source in (("USER META DATA", "user"), ("CONTROLLERS META DATA", "controllers")):
        selected = [
            r for r in records if r.source == source and (timing is None or r.timing is None or r.timing & timing)
        ]
        # slowest first, failures last (as BLISS)
        selected.sort(key=lambda r: -math.inf if r.failed else r.seconds, reverse=True)
        rows = [["name", "category", "time (ms)", "timing"]]
        for r in selected:
            milliseconds = "nan" if r.failed else f"{r.seconds * 1000:.3f}"
            rows.append([r.name, r.category, milliseconds, timing_names(r.timing) if r.timing else "-"])
        table = _table(rows)
        width = max(len(line) for line in table.splitlines()) - 2
        rule = "  " + "=" * max(width, len(title))
        parts.append(f"{rule}\n  {title.center(len(rule) - 2)}\n{rule}\n{table}\n")
    return "\n".join(parts)


def metadata_profiling(scan: Any = None, timing: Any = None) -> None:
    """Print how long each metadata generator took, slowest first (``nan``: it failed,
    listed last).

    ``scan``: a scan (default: the last scan that gathered user metadata, so not a
    ``ct``; if none ran yet, the registries are evaluated now).  ``timing``:
    ``META_TIMING.START``, ``PREPARED`` or ``END`` (or their names) to show only
    that timing.
    """
    timing = _as_timing(timing)
    context = current.get().scan_context
    if scan is not None:
        records = getattr(scan, "metadata_profile", None)
    else:
        records = context.last_metadata_profile
    if records is None:
        records = _live_profile(context, scan, timing)
    print(format_profile(records, timing))
