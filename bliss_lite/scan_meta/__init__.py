"""Scan metadata — BLISS's ``bliss.scanning.scan_meta`` (SPEC 6).

In a setup file::

    from bliss.scanning import scan_meta

    scan_meta_obj = scan_meta.get_user_scan_meta()

    def generate_label(scan):
        return {"position_label": mp.position}

    scan_meta_obj.instrument.set(mp, generate_label)          # called for every scan
    scan_meta_obj.instrument.set("mymetadata", {"myattenuator": {...}})   # static
    scan_meta_obj.technique.timing = scan_meta.META_TIMING.START | scan_meta.META_TIMING.END

For the scan engine: :class:`ScanMetadataGatherer` (one per scan, ``gather(timing)``
at START, PREPARED and END; it is given the registry copy, the motors and the
metadata devices, and looks for nothing else), :func:`check_scan_info` for
``scan_info=`` arguments; for the session: :func:`create_user_scan_meta`.

The package's rooms, each importing only those above it in this list:
``tree`` (metadata trees and what they may hold), ``evaluation`` (running
generators, :class:`GeneratorProfile`), ``registry`` (:class:`ScanMeta`, its
categories and timings, the current session's registry), ``gathering`` (one scan's
metadata), ``profiling`` (``metadata_profiling()``).
"""

from bliss_lite.scan_meta.deadline import generator_deadline, set_generator_deadline
from bliss_lite.scan_meta.evaluation import GeneratorProfile
from bliss_lite.scan_meta.gathering import (
    SLOW_GATHERING_S,
    ScanMetadataGatherer,
    check_scan_info,
    controllers_scan_meta,
    read_positioners,
)
from bliss_lite.scan_meta.profiling import format_profile, metadata_profiling
from bliss_lite.scan_meta.registry import (
    META_TIMING,
    ScanMeta,
    ScanMetaCategory,
    create_user_scan_meta,
    get_user_scan_meta,
    set_user_scan_meta,
)

__all__ = [
    "META_TIMING",
    "GeneratorProfile",
    "SLOW_GATHERING_S",
    "ScanMeta",
    "ScanMetaCategory",
    "ScanMetadataGatherer",
    "categories_names",
    "check_scan_info",
    "controllers_scan_meta",
    "create_user_scan_meta",
    "format_profile",
    "generator_deadline",
    "get_user_scan_meta",
    "metadata_profiling",
    "read_positioners",
    "set_generator_deadline",
    "set_user_scan_meta",
]


def categories_names() -> list[str]:
    """Every category name, sorted (same as ``ScanMeta.categories_names()``)."""
    return ScanMeta.categories_names()
