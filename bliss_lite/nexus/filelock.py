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
  recovery) cannot take it while it is held;
* before clearing the "open" marks of a file, makes sure no other process has it
  open for writing (:func:`written_by_another_process`): a writer in SWMR mode
  holds no lock at all, and only this tells it from a killed one.

:func:`lock_for_writing` does the checks and takes the lock, or refuses.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

from bliss_lite.nexus.errors import NexusWriterError

_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)


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


def written_by_another_process(filename: str) -> bool:
    """True when another process has ``filename`` open with write access (Linux,
    from ``/proc``; the processes of other users may not be visible)."""
    try:
        target = os.stat(filename)
    except FileNotFoundError:
        return False
    me = str(os.getpid())
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit() and name != me]
    except OSError:
        return False
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if st.st_ino == target.st_ino and st.st_dev == target.st_dev and _writable(pid, fd):
                return True
    return False


def _writable(pid: str, fd: str) -> bool:
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}") as info:
            for line in info:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8) & os.O_ACCMODE != os.O_RDONLY
    except (OSError, ValueError, IndexError):
        pass
    return True  # cannot tell: assume the worst


def lock_for_writing(filename: str, marked_open: bool) -> WriterLock:
    """Take the writer lock on the existing ``filename``, or refuse with
    :class:`NexusWriterError` when another process writes it (``marked_open``: the
    superblock says a writer has it open, live or killed)."""
    lock = WriterLock(filename)
    try:
        acquired = lock.acquire()
    except PermissionError:
        raise NexusWriterError(f"The data file {filename} is not writable.") from None
    if not acquired or held_exclusively(filename) or (marked_open and written_by_another_process(filename)):
        lock.release()
        raise NexusWriterError(f"The data file {filename} is held open for writing by another process.")
    return lock
