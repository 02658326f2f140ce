"""Conventions every room shares, in one module without dependencies (standard library
only), so that ``nexus`` — which may import no other room — uses them too:

* :func:`hdf5_name_problem`: which names an HDF5 item cannot have;
* :func:`now_iso`: the timestamps of scans and files;
* :func:`exception_text` and :func:`print_warning`: how an error and a warning read
  in one line.
"""

from __future__ import annotations

import datetime
import errno
import os
import re
import stat
import sys
from typing import TextIO

__all__ = ["COMPRESSIONS", "exception_text", "hdf5_name_problem", "now_iso", "pid_alive", "print_warning"]


def hdf5_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name an HDF5 item: ``"empty"``, ``"dot"`` (``.`` or
    ``..``) or ``"slash"`` (it holds a ``/``); None when it can.  Each caller words
    the reason its own way."""
    if name == "":
        return "empty"
    if name in (".", ".."):
        return "dot"
    if "/" in name:
        return "slash"
    return None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_character(text: str) -> bool:
    """Whether ``text`` holds a control character (NUL included)."""
    return _CONTROL.search(text) is not None


def now_iso() -> str:
    """The current local time, ISO 8601 with its timezone offset."""
    return datetime.datetime.now().astimezone().isoformat()


def exception_text(exc: BaseException) -> str:
    """``"ZeroDivisionError: division by zero"``; the type alone when the message is
    empty."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def print_warning(message: str, file: TextIO | None = None) -> None:
    """One ``WARNING: message`` line on ``file`` (default: standard error)."""
    print(f"WARNING: {message}", file=file if file is not None else sys.stderr, flush=True)


#: How 1-D and 2-D channels may be compressed in a data file (``SCAN_SAVING.compression``,
#: a detector's ``compression:`` key): bitshuffle-LZ4 (hdf5plugin), gzip 4 + shuffle, none.
COMPRESSIONS = ("bslz4", "gzip", "none")


def pid_alive(pid: int) -> bool:
    """Is process ``pid`` of this machine running?  (One we may not signal is.)"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class NotAFileError(OSError):
    """A FIFO, a device, a socket (or, not followed, a symbolic link) where a file of
    bliss_lite's own belongs."""


def read_file(path: "str | os.PathLike[str]", limit: int = -1, follow_links: bool = True) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``).  Whatever else is
    there is never read, so that reading never blocks on a FIFO planted there:
    :class:`NotAFileError` (``IsADirectoryError`` for a directory)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_links and os.path.islink(path):
            raise NotAFileError(exc.errno, "a symbolic link", str(path)) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise NotAFileError(errno.EINVAL, "not a regular file", str(path))
        chunks, left = [], limit
        while left != 0 and (chunk := os.read(fd, 1 << 20 if left < 0 else min(left, 1 << 20))):
            chunks.append(chunk)
            left = -1 if left < 0 else left - len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
