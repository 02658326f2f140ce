"""NeXus HDF5 scan files (SPEC 8): the scan file writer, entry numbering, recovery.

``NexusWriter.for_scan(scan)`` gives the scan subscriber that writes entry ``N.1``
(None when the scan is not saved); ``last_entry_number(filename)`` the highest
``N`` already in a file; ``claim_number(filename, n)`` reserves the first free
number ``>= n`` atomically with the file; ``recover_file(filename)`` finishes what a
killed process left.  ``check_metadata(d)`` lists the keys of a metadata dict that
could not be written.  The layout on disk: :mod:`bliss_lite.nexus.ondisk`.

The names are imported on first use, so that ``import bliss_lite`` never pays for
h5py; ``scan_writer``, ``last_entry_number`` and ``claim_number`` are what a session
wires into its scan context, and they import h5py only when a file is really
involved.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__all__ = [
    "NexusWarning",
    "NexusWriter",
    "NexusWriterError",
    "ScanWriteError",
    "check_metadata",
    "claim_number",
    "last_entry_number",
    "recover_file",
    "scan_writer",
]

_WHERE = {
    "NexusWriter": "bliss_lite.nexus.writer",
    "NexusWriterError": "bliss_lite.nexus.errors",
    "NexusWarning": "bliss_lite.nexus.errors",
    "ScanWriteError": "bliss_lite.nexus.errors",
    "check_metadata": "bliss_lite.nexus.mapping",
    "recover_file": "bliss_lite.nexus.recover",
}

if TYPE_CHECKING:
    from bliss_lite.nexus.errors import NexusWarning, NexusWriterError, ScanWriteError
    from bliss_lite.nexus.mapping import check_metadata
    from bliss_lite.nexus.recover import recover_file
    from bliss_lite.nexus.writer import NexusWriter


def scan_writer(scan: Any) -> "NexusWriter | None":
    """The scan subscriber writing ``scan`` to its file (None when it is not saved)."""
    from bliss_lite.nexus.writer import NexusWriter

    return NexusWriter.for_scan(scan)


def last_entry_number(filename: str) -> int:
    """The highest ``N`` of the ``N.1`` entries of ``filename`` (0 when no file)."""
    if not filename or not (os.path.exists(filename) or os.path.isdir(_scans_dir(filename))):
        return 0
    from bliss_lite.nexus.claims import last_entry_number as read_last_entry_number

    return read_last_entry_number(os.path.abspath(filename))


def claim_number(filename: str, number: int) -> int:
    """Reserve scan number ``number`` of ``filename``, or the first free one after it
    (:class:`NexusWriterError` when the file cannot take a scan now)."""
    from bliss_lite.nexus.claims import claim_number as claim

    return claim(os.path.abspath(filename), number)


def _scans_dir(filename: str) -> str:
    stem = os.path.splitext(os.path.basename(filename))[0]
    return os.path.join(os.path.dirname(filename), stem + "_scans")


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bliss_lite.nexus' has no attribute {name!r}")
