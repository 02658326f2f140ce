"""Who else has a data file open?

HDF5 itself puts a ``flock`` on a file it opens: shared for readers, exclusive for a
writer, and it drops the writer's lock once the file is in SWMR mode (so that
readers may open it).  bliss_lite opens its files with HDF5 locking off (a reader
left open in silx must not stop the next scan) and instead:

* refuses to write when someone holds an exclusive ``flock`` (a plain HDF5 writer),
  :func:`held_exclusively`;
* holds, for as long as it writes, an open-file-description ``fcntl`` lock
  (:class:`WriterLock`), which is independent of ``flock`` on Linux and survives
  HDF5 opening and closing the same file in this process.  Another bliss_lite (or a
  recovery) sees it with :func:`WriterLock.is_held`, and tells a file a live
  writer holds from one a killed process left marked "open".
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)
_OFD_GETLK = getattr(fcntl, "F_OFD_GETLK", None)


def _flock_struct(lock_type: int) -> bytes:
    # struct flock {short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid;}
    # (whole file: start 0, len 0; l_pid must be 0 for OFD locks), padded to 32 bytes.
    packed = struct.pack("@hhqqi", lock_type, os.SEEK_SET, 0, 0, 0)
    return packed + bytes(32 - len(packed))


def held_exclusively(filename: str) -> bool:
    """True when another open of ``filename`` holds an exclusive ``flock`` (HDF5 does
    for a file it writes outside SWMR mode)."""
    try:
        fd = os.open(filename, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        raise
    finally:
        os.close(fd)  # closing drops the probe lock
    return False


class WriterLock:
    """The "a bliss_lite writer is writing this file" mark (an OFD write lock)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another writer holds it."""
        if _OFD_SETLK is None:  # not Linux: no cross-process mark, HDF5's flags remain
            return True
        fd = os.open(self.filename, os.O_RDWR)
        try:
            fcntl.fcntl(fd, _OFD_SETLK, _flock_struct(fcntl.F_WRLCK))
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def is_held(filename: str) -> bool:
        """True when some writer (in any process) holds the lock on ``filename``."""
        if _OFD_GETLK is None:
            return False
        try:
            fd = os.open(filename, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            answer = fcntl.fcntl(fd, _OFD_GETLK, _flock_struct(fcntl.F_WRLCK))
        finally:
            os.close(fd)
        return struct.unpack("@h", answer[:2])[0] != fcntl.F_UNLCK


def in_use_by_writer(filename: str) -> bool:
    """True when a live writer holds ``filename``: a bliss_lite writer, or an HDF5
    writer outside SWMR mode."""
    return WriterLock.is_held(filename) or held_exclusively(filename)
