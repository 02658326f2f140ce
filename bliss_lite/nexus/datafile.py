"""Opening a scan data file for writing, or refusing to, before anything moves.

Refusals (:class:`NexusWriterError`, one sentence naming the path): a directory that
cannot be created or written, a file that is not writable or not HDF5, a file
another process holds open for writing.  A file a killed process left marked "open"
is recovered first (:mod:`bliss_lite.nexus.recover`), with a warning saying so.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field

import h5py

from bliss_lite.nexus.errors import NexusWriterError, warn
from bliss_lite.nexus.filelock import WriterLock, lock_for_writing
from bliss_lite.nexus.layout import init_root
from bliss_lite.nexus.recover import open_for_reading, recover_file, recover_unlocked
from bliss_lite.nexus.superblock import NotHDF5Error, read_superblock

#: Objects in the HDF5 1.10 format (readable by HDF5 >= 1.10), which SWMR needs.
LIBVER = ("v110", "latest")
#: Chunk cache of each dataset.  A scan appends: one chunk per channel is enough, and
#: HDF5's own default (8 MiB per dataset since HDF5 2.0) would hold a copy of every
#: channel's last megabytes in memory for nothing.
CHUNK_CACHE_BYTES = 1 << 20
_ENTRY_NAME = re.compile(r"^(\d+)\.\d+$")


def _creator_version() -> str:
    from bliss_lite._version import __version__

    return __version__


@dataclass
class OpenedFile:
    """A data file open for writing a scan: the h5py file, the writer lock held on it,
    whether it can go to SWMR mode (superblock version 3)."""

    file: h5py.File
    lock: WriterLock
    swmr_capable: bool = True
    recovered: list[str] = field(default_factory=list)

    def close(self) -> None:
        try:
            if self.file.id.valid:
                self.file.close()
        finally:
            self.lock.release()


def prepare_directory(filename: str) -> None:
    """Create the file's directory; refuse when it cannot be created, or cannot be
    written while the file must be created in it."""
    directory = os.path.dirname(filename) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        where = exc.filename or directory
        raise NexusWriterError(f"Cannot create the data directory {where} ({exc.strerror}).") from None
    if not os.path.isdir(directory):
        raise NexusWriterError(f"Cannot create the data directory {directory} (a file is in the way).")
    if os.path.exists(filename):
        return  # writing an existing file needs no more of the directory
    try:  # os.access is wrong for root, ACLs and read-only mounts: try for real
        probe = os.path.join(directory, f".bliss_lite_write_test.{os.getpid()}")
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.unlink(probe)
    except OSError:
        raise NexusWriterError(f"The data directory {directory} is not writable.") from None


def open_for_writing(filename: str) -> OpenedFile:
    """Open (or create) ``filename`` for a new scan entry, holding the writer lock."""
    prepare_directory(filename)
    if not os.path.exists(filename) or os.path.getsize(filename) == 0:
        try:
            mode = "w" if os.path.exists(filename) else "w-"
            f = h5py.File(filename, mode, libver=LIBVER, locking=False, rdcc_nbytes=CHUNK_CACHE_BYTES)
        except OSError:
            if not os.path.exists(filename):
                raise NexusWriterError(f"Cannot create the data file {filename}.") from None
            # another writer created it meanwhile: go the existing-file way
        else:
            lock = WriterLock(filename)
            try:
                init_root(f, filename, _creator_version())
                lock.acquire()
            except BaseException:
                f.close()
                lock.release()
                raise
            return OpenedFile(f, lock)
    return _open_existing(filename)


def _open_existing(filename: str) -> OpenedFile:
    try:
        superblock = read_superblock(filename)
    except NotHDF5Error:
        raise NexusWriterError(f"The data file {filename} exists but is not an HDF5 file.") from None
    except PermissionError:
        raise NexusWriterError(f"The data file {filename} is not readable.") from None
    lock = lock_for_writing(filename, superblock.marked_open)
    try:
        recovered = recover_unlocked(filename) if superblock.marked_open else []
        try:
            f = h5py.File(filename, "a", libver=LIBVER, locking=False, rdcc_nbytes=CHUNK_CACHE_BYTES)
        except OSError as exc:
            if "already open" in str(exc):
                raise NexusWriterError(
                    f"The data file {filename} is already open in this process; close it before scanning."
                ) from None
            if isinstance(exc, PermissionError) or getattr(exc, "errno", None) in (errno.EACCES, errno.EROFS):
                raise NexusWriterError(f"The data file {filename} is not writable.") from None
            raise NexusWriterError(f"The data file {filename} cannot be opened for writing ({exc}).") from None
        if "NX_class" not in f.attrs:
            f.attrs["NX_class"] = "NXroot"
        return OpenedFile(f, lock, superblock.supports_swmr, recovered)
    except BaseException:
        lock.release()
        raise


def entry_number(name: str) -> int | None:
    """``12`` for entry ``"12.1"``; None for other names."""
    match = _ENTRY_NAME.match(name)
    return int(match.group(1)) if match else None


def last_entry_number(filename: str) -> int:
    """The highest ``N`` of the ``N.1`` entries of ``filename`` (0 when none or no
    file).  Reads a file a running scan writes (SWMR); a file a killed process left
    unreadable is recovered first."""
    names = _entry_names(filename)
    return max((n for n in map(entry_number, names) if n is not None), default=0)


def _entry_names(filename: str) -> list[str]:
    if not os.path.isfile(filename) or os.path.getsize(filename) == 0:
        return []
    try:
        with open_for_reading(filename) as f:
            return list(f)
    except OSError:
        pass
    try:  # marked "open" by a killed writer (not in SWMR mode): recover it first
        if not read_superblock(filename).marked_open:
            return []
        for line in recover_file(filename):
            warn(f"Recovered {line}")
        with h5py.File(filename, "r", locking=False) as f:
            return list(f)
    except (NexusWriterError, NotHDF5Error, OSError):
        return []  # the scan's writer will say why it cannot write the file
