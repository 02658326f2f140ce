"""Who else has a data file open?

HDF5 itself puts a ``flock`` on a file it opens: shared for readers, exclusive for a
writer, and it drops the writer's lock once the file is in SWMR mode (so that
readers may open it).  bliss_lite opens its files with HDF5 locking off (a reader
left open in silx must not stop the next scan); before it replaces a data file
another program may have written into, it refuses when someone holds an exclusive
``flock`` on it (a plain HDF5 writer, :func:`held_exclusively`), and, before clearing
the "open" marks of a file, makes sure no other process has it open for writing
(:func:`written_by_another_process`): a writer in SWMR mode holds no lock at all, and
only this tells it from a killed one.  (bliss_lite's own writers hold
:class:`bliss_lite.nexus.claims.ScanLock`.)
"""

from __future__ import annotations

import errno
import fcntl
import os


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
