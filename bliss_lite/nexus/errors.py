"""The writer's exception and warning types, and OS errors in one sentence."""

from __future__ import annotations

import errno
import os
import re
import warnings


class NexusWriterError(RuntimeError):
    """A scan cannot be written (raised before it starts) or a file cannot be
    recovered. The message is one sentence naming the path."""


class ScanWriteError(NexusWriterError):
    """The data stopped being written in the middle of a scan (a full disk, a file
    system turned read-only): the scan stops with this error.  ``stops_scan`` tells
    the scan engine so."""

    stops_scan = True


class NexusWarning(UserWarning):
    """Something was not written (a bad metadata key, a failed block); the scan and
    the rest of the file are fine."""


def warn(message: str) -> None:
    """Report ``message`` as a :class:`NexusWarning`."""
    warnings.warn(message, NexusWarning, stacklevel=3)


_ERRNO = re.compile(r"errno = (\d+)")
#: What HDF5 error text (or an OSError) means for the user, by errno.
_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "an input/output error",
}


def os_errno(exc: BaseException) -> int | None:
    """The errno behind ``exc`` (an OSError, or an h5py error quoting HDF5's text)."""
    number = getattr(exc, "errno", None)
    if isinstance(number, int) and number in _REASONS:
        return number
    match = _ERRNO.search(str(exc))
    return int(match.group(1)) if match else number if isinstance(number, int) else None


def reason(exc: BaseException) -> str:
    """``exc`` as a few words, never HDF5's raw error text."""
    number = os_errno(exc)
    if number in _REASONS:
        return _REASONS[number]
    if number is not None:
        return os.strerror(number).lower()
    text = str(exc).split("(", 1)[0].strip() or type(exc).__name__
    return text[:1].lower() + text[1:]


def is_space_error(exc: BaseException) -> bool:
    return os_errno(exc) in (errno.ENOSPC, errno.EDQUOT)


def free_bytes(path: str) -> int | None:
    """Bytes free for this user on the file system of ``path`` (None if unknown)."""
    while path and not os.path.exists(path):
        path = os.path.dirname(path)
    try:
        st = os.statvfs(path or ".")
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def size_text(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
