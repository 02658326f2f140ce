"""What a data file is made of on disk, and how its parts are written safely.

A data file ``<dir>/<stem>.h5`` comes with its scans directory ``<dir>/<stem>_scans/``::

    data.h5                 the data file: one external link per entry, N.1 -> data_scans/N.1.h5
    data_scans/
      1.1.h5                entry 1.1 (title, instrument, metadata, notes, plotselect)
      1.1.points.h5         entry 1.1's channels and writer/status (appended in SWMR mode)
      2.1.claim             scan 2 is being written (who writes it); gone once it ended
      .writer.lock          locked by the process writing a scan
      .claim.lock           locked by a process claiming a scan number

Why it survives a ``kill -9`` at any moment (HDF5 promises nothing for a file whose
metadata is being changed when its writer dies, except in SWMR mode):

* the data file and every entry file are never changed in place: each is written
  complete under a temporary name in the same directory and renamed over the old
  one (``os.replace`` is atomic), so a reader or a crash finds the old or the new
  version, never a half-written one;
* a points file is changed only in SWMR mode (appends and status changes, which
  HDF5 keeps readable through a crash), after a short plain phase creating a
  handful of empty datasets before anything links to it;
* a scan's files are new files: a finished entry's files are never opened for
  writing again.
"""

from __future__ import annotations

import os
import re
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import h5py

from bliss_lite._common import pid_alive, read_file

#: Objects in the HDF5 1.10 format (readable by HDF5 >= 1.10), which SWMR needs.
LIBVER = ("v110", "latest")
#: Chunk cache of each dataset.  A scan appends: one chunk per channel is enough, and
#: HDF5's own default (8 MiB per dataset since HDF5 2.0) would hold a copy of every
#: channel's last megabytes in memory for nothing.
CHUNK_CACHE_BYTES = 1 << 20

SCANS_SUFFIX = "_scans"
ENTRY_SUFFIX = ".h5"
POINTS_SUFFIX = ".points.h5"
CLAIM_SUFFIX = ".claim"
LOCK_NAME = ".writer.lock"
CLAIM_LOCK_NAME = ".claim.lock"
_ENTRY_NAME = re.compile(r"^(\d+)\.(\d+)$")
_TMP = re.compile(r"^\.(.+)\.(\d+)\.tmp$")


def entry_number(name: str) -> int | None:
    """``12`` for entry ``"12.1"``; None for other names."""
    match = _ENTRY_NAME.match(name)
    return int(match.group(1)) if match else None


def scans_dir(data_file: str) -> str:
    """``/x/data_scans`` for ``/x/data.h5``."""
    stem = os.path.splitext(os.path.basename(data_file))[0]
    return os.path.join(os.path.dirname(data_file), stem + SCANS_SUFFIX)


@dataclass(frozen=True)
class ScanFiles:
    """The files of one entry of a data file."""

    data_file: str
    entry_name: str

    @property
    def directory(self) -> str:
        return scans_dir(self.data_file)

    @property
    def entry(self) -> str:
        return os.path.join(self.directory, self.entry_name + ENTRY_SUFFIX)

    @property
    def points(self) -> str:
        return os.path.join(self.directory, self.entry_name + POINTS_SUFFIX)

    @property
    def claim(self) -> str:
        return os.path.join(self.directory, self.entry_name + CLAIM_SUFFIX)


def listing(directory: str) -> dict[str, set[str]]:
    """Entry name -> the kinds of file it has in ``directory`` (``"entry"``,
    ``"points"``, ``"claim"``); empty when there is no directory."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found: dict[str, set[str]] = {}
    for name in names:
        if name.endswith(POINTS_SUFFIX):
            entry, kind = name[: -len(POINTS_SUFFIX)], "points"
        elif name.endswith(ENTRY_SUFFIX):
            entry, kind = name[: -len(ENTRY_SUFFIX)], "entry"
        elif name.endswith(CLAIM_SUFFIX):
            entry, kind = name[: -len(CLAIM_SUFFIX)], "claim"
        else:
            continue
        if _ENTRY_NAME.match(entry):
            found.setdefault(entry, set()).add(kind)
    return found


def claims_in(directory: str) -> list[str]:
    """The entry names of the claims in ``directory``."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [n[: -len(CLAIM_SUFFIX)] for n in names
            if n.endswith(CLAIM_SUFFIX) and _ENTRY_NAME.match(n[: -len(CLAIM_SUFFIX)])]


# ---------------------------------------------------------------------------------
# Who: a process, as a claim or the lock file names it


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (Linux), which tells it from a later process
    that got the same number."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def me() -> str:
    """``"pid=123 start=456 host=name"`` for this process."""
    pid = os.getpid()
    return f"pid={pid} start={_start_time(pid)} host={socket.gethostname()}"


def parse_who(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split() if "=" in part)


def is_alive(who: dict[str, str]) -> bool:
    """Is the process named by ``who`` still running?  (Another host's: assumed so.)"""
    if who.get("host") != socket.gethostname():
        return True
    try:
        pid = int(who.get("pid", ""))
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    start = _start_time(pid)
    if start is not None:
        return who.get("start") in (None, "None", start)
    if os.path.isdir("/proc/self"):
        return False  # no /proc entry: no such process
    return pid_alive(pid)


def read_who(path: str) -> dict[str, str]:
    """Who a claim or lock file names (empty when it names nobody).  A FIFO or a
    symbolic link planted there is never read (it could block, or lead outside)."""
    try:
        return parse_who(read_file(path, 200, follow_links=False).decode("utf-8", "replace"))
    except OSError:
        return {}


def open_read(path: str) -> h5py.File:
    """``path`` read-only, however this process (or a killed writer) has it open."""
    error: OSError | None = None
    for options in ({"locking": False}, {}, {"swmr": True, "locking": False}, {"swmr": True}):
        try:
            return h5py.File(path, "r", **options)
        except OSError as exc:  # HDF5 wants the same flags as an open already in this process
            error = error or exc
    assert error is not None
    raise error


# ---------------------------------------------------------------------------------
# Writing a file complete under a temporary name, then renaming it


def tmp_name(path: str) -> str:
    return os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")


def stale_tmp_files(directory: str) -> Iterator[str]:
    """Temporary files of dead processes (killed while writing one) in ``directory``."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = _TMP.match(name) if name.startswith(".") else None
        if match and int(match.group(2)) != os.getpid() and not pid_alive(int(match.group(2))):
            yield os.path.join(directory, name)



def abandon(f: h5py.File) -> None:
    """Close ``f`` without writing another byte to it: its file descriptor is pointed
    at /dev/null first.  For a file HDF5 can no longer write (a full disk): HDF5
    cannot close such a file and would crash the process at exit trying, and the
    file keeps what its last successful flush wrote (which SWMR mode keeps readable)."""
    try:
        fd = f.id.get_vfd_handle()
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
    except Exception:
        pass
    try:
        f.close()
    except Exception:
        pass


@contextmanager
def updating(path: str) -> Iterator[h5py.File]:
    """``path`` open for changes; abandoned (:func:`abandon`) when the block fails."""
    f = h5py.File(path, "a", locking=False)
    try:
        yield f
        f.close()
    except BaseException:
        abandon(f)
        raise


@contextmanager
def replacing(path: str) -> Iterator[h5py.File]:
    """A new HDF5 file that replaces ``path`` atomically when the block ends without
    an exception (and is removed when it does not)."""
    tmp = tmp_name(path)
    f = h5py.File(tmp, "w", libver=LIBVER, locking=False)
    try:
        yield f
        f.close()
        os.replace(tmp, path)
    except BaseException:
        abandon(f)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
