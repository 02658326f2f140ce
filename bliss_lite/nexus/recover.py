"""Making a data file left by a killed process openable again (``bliss-lite --recover``).

A writer killed in the middle of a scan leaves the file marked "open for write".
Readers can still open it in SWMR mode; a plain open fails until the marks are
cleared.  Recovery clears them (like ``h5clear -s -i``), then finalises every entry
the killed writer left without ``end_reason``: channels cut to the points all of
them hold, ``end_reason = "FAILURE"``, ``writer/status = "FAILED"``.
"""

from __future__ import annotations

import os

import h5py

from bliss_lite.nexus.errors import NexusWriterError
from bliss_lite.nexus.filelock import lock_for_writing
from bliss_lite.nexus.layout import channel_datasets, equalize, set_status
from bliss_lite.nexus.superblock import NotHDF5Error, clear_open_marks, read_superblock


def recover_file(filename: str) -> list[str]:
    """Recover ``filename``; returns one line per thing done (or one saying there was
    nothing to do).  Raises :class:`NexusWriterError` when the file does not exist, is
    not HDF5, or a live process is writing it."""
    filename = os.path.abspath(filename)
    if not os.path.isfile(filename):
        raise NexusWriterError(f"The data file {filename} does not exist.")
    try:
        superblock = read_superblock(filename)
    except NotHDF5Error:
        raise NexusWriterError(f"The file {filename} is not an HDF5 file.") from None
    except PermissionError:
        raise NexusWriterError(f"The data file {filename} is not readable.") from None
    lock = lock_for_writing(filename, superblock.marked_open)  # no scan writes it meanwhile
    try:
        try:
            needed = superblock.marked_open or bool(_interrupted_entries(filename))
        except OSError as exc:
            raise NexusWriterError(f"The data file {filename} cannot be read ({exc}).") from None
        return recover_unlocked(filename) if needed else [f"{filename}: nothing to recover"]
    finally:
        lock.release()


def recover_unlocked(filename: str) -> list[str]:
    """:func:`recover_file` for a caller that already made sure nobody writes the file
    (the writer itself, holding its lock)."""
    done = []
    cleared = clear_open_marks(filename)
    if cleared is not None:
        done.append(
            f"{filename}: cleared the 'open for writing' marks a killed process left "
            f"(superblock flags {cleared.flags:#04x} -> 0, end of file {cleared.old_eoa} -> {cleared.new_eoa})"
        )
    try:
        names = _interrupted_entries(filename)
    except OSError as exc:
        raise NexusWriterError(f"The data file {filename} cannot be read ({exc}).") from None
    if names:
        try:
            with h5py.File(filename, "a", locking=False) as f:
                for name in names:
                    done.extend(finalize_interrupted(f[name]))
        except OSError as exc:
            raise NexusWriterError(f"The data file {filename} cannot be repaired ({exc}).") from None
    return done or [f"{filename}: nothing to recover"]


def open_for_reading(filename: str) -> h5py.File:
    """``filename`` open read-only, in SWMR mode when a writer has it open (OSError
    when neither works, e.g. a file a killed writer left marked "open")."""
    try:
        return h5py.File(filename, "r", locking=False)
    except OSError:
        return h5py.File(filename, "r", swmr=True, locking=False)


def _interrupted_entries(filename: str) -> list[str]:
    """Entries a bliss_lite writer started and never finished: no ``end_reason``,
    ``writer/status`` still STARTING or RUNNING (other programs' entries are left
    alone)."""
    with open_for_reading(filename) as f:
        return [
            name for name, item in f.items()
            if isinstance(item, h5py.Group) and _is_entry(item) and "end_reason" not in item
            and _status(item) in (b"STARTING", b"RUNNING")
        ]


def _is_entry(group: h5py.Group) -> bool:
    nx_class = group.attrs.get("NX_class")
    if isinstance(nx_class, bytes):
        nx_class = nx_class.decode()
    return nx_class == "NXentry"


def _status(entry: h5py.Group) -> bytes | None:
    status = entry.get("writer/status")
    if not isinstance(status, h5py.Dataset) or status.shape != ():
        return None
    value = status[()]
    return value.encode() if isinstance(value, str) else bytes(value)


def finalize_interrupted(entry: h5py.Group) -> list[str]:
    """Finalise an entry its writer never finished; returns what was done."""
    name = entry.name.lstrip("/")
    datasets = channel_datasets(entry)
    before = {d.shape[0] for d in datasets}
    npoints = equalize(datasets)
    done = []
    if len(before) > 1:
        done.append(f"entry {name}: every channel cut to the {npoints} points all of them hold")
    entry.create_dataset("end_reason", data="FAILURE")
    set_status(entry, "FAILED")
    done.append(f"entry {name}: end_reason set to FAILURE ({npoints} points kept)")
    return done
