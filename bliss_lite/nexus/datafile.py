"""Where a scan may be written, checked before anything moves; its number.

:func:`check_target` refuses (:class:`NexusWriterError`, one sentence naming the
path) a data file path that is a directory, a FIFO or another special file, a
symbolic link, on a read-only file system, in a directory that cannot be created or
written; it never opens anything that could block.  :func:`claim_number` reserves a
scan number atomically with the file (:mod:`bliss_lite.nexus.claims`).
"""

from __future__ import annotations

import errno
import os
import stat

from bliss_lite.nexus import claims, master, ondisk
from bliss_lite.nexus.errors import NexusWriterError, warn

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device"}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _unwritable(directory: str, exc: OSError) -> NexusWriterError:
    if exc.errno == errno.EROFS:
        return NexusWriterError(f"The data directory {directory} is on a read-only file system.")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return NexusWriterError(f"The data directory {directory} is on a full disk (no space left).")
    return NexusWriterError(f"The data directory {directory} is not writable.")


def _probe(directory: str) -> None:
    """Create and remove a file in ``directory`` (os.access is wrong for root, ACLs
    and read-only mounts: try for real)."""
    probe = os.path.join(directory, f".bliss_lite_write_test.{os.getpid()}")
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.unlink(probe)
    except OSError as exc:
        raise _unwritable(directory, exc) from None


def check_target(filename: str) -> None:
    """Refuse a data file path bliss_lite cannot write (see the module doc); create
    the data directory and the scans directory."""
    if "\0" in filename:
        raise NexusWriterError(f"The data file name {filename!r} contains a NUL character.")
    directory = os.path.dirname(filename) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        where = exc.filename or directory
        if exc.errno == errno.EROFS:
            raise NexusWriterError(f"Cannot create the data directory {where} (read-only file system).") from None
        raise NexusWriterError(f"Cannot create the data directory {where} ({exc.strerror}).") from None
    if not os.path.isdir(directory):
        raise NexusWriterError(f"Cannot create the data directory {directory} (a file is in the way).")
    for path, what in ((filename, "data file"), (ondisk.scans_dir(filename), "scans directory")):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            raise NexusWriterError(
                f"The {what} {path} is a symbolic link (to {os.readlink(path)}): "
                "bliss_lite writes only files and directories of its own there.")
        if what == "data file" and stat.S_ISDIR(st.st_mode):
            raise NexusWriterError(f"The data file {path} is a directory.")
        if what == "data file" and not stat.S_ISREG(st.st_mode):
            raise NexusWriterError(f"The data file {path} is {_kind(st.st_mode)}, not a file.")
        if what == "scans directory" and not stat.S_ISDIR(st.st_mode):
            raise NexusWriterError(f"The scans directory {path} of {filename} is not a directory.")
    _probe(directory)
    scans = ondisk.scans_dir(filename)
    try:
        os.mkdir(scans)
    except FileExistsError:
        _probe(scans)
    except OSError as exc:
        raise _unwritable(directory, exc) from None


def last_entry_number(filename: str) -> int:
    """The highest ``N`` of the ``N.1`` entries of ``filename`` (0 when none or no
    file), counting the scans being written into it."""
    return claims.used_numbers(filename, master.names(filename))


def claim_number(filename: str, number: int) -> int:
    """Reserve the first free scan number ``>= number`` of ``filename`` (raises
    :class:`NexusWriterError` when the file cannot be written or another process is
    writing a scan into it)."""
    check_target(filename)
    with claims.ScanLock(filename):
        for line in master.check(filename):
            warn(f"Recovered {line}")
        return claims.claim(filename, number, master.names(filename))
