"""Where a scan may be written, one writer per data file, one number per scan.

* :func:`check_target` refuses (:class:`NexusWriterError`, one sentence naming the
  path) a data file path that is a directory, a FIFO or another special file, a
  symbolic link, on a read-only file system, in a directory that cannot be created
  or written; it never opens anything that could block.
* :class:`ScanLock` — an OFD lock on ``<stem>_scans/.writer.lock``, held by the
  process writing a scan into the data file (from the writer's ``scan_start`` to its
  ``scan_end``) and briefly by a process claiming a number (claims also take
  ``.claim.lock``, so that a session may claim its next number while its external
  writer process writes the previous scan).  The kernel drops it when
  its holder dies, so a killed writer never blocks anyone; the file names the holder,
  so that a refusal can say which process it is.
* :func:`claim` — the scan number, reserved atomically with the data file: under the
  lock, the first number after every entry, points file and live claim of the file,
  recorded as ``N.1.claim`` (naming this process).  The claim stays until the scan's
  end is written, so a claim whose process is gone marks a scan to recover.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import struct

from bliss_lite.nexus import master, ondisk
from bliss_lite.nexus.errors import NexusWriterError, warn

_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)

#: Claims of scans a writer of this process is writing now (claim paths).
_ACTIVE: set[str] = set()


def _flock_struct(lock_type: int) -> bytes:
    # struct flock {short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid;}
    packed = struct.pack("@hhqqi", lock_type, os.SEEK_SET, 0, 0, 0)
    return packed + bytes(32 - len(packed))


class ScanLock:
    """The "a scan is being written into this data file" lock.  ``on_behalf_of``
    (``{"pid": ..., "host": ...}``): the session whose scan an external writer
    process writes; the lock's note names it, so that the session may go on claiming
    the numbers of its next scans meanwhile (:func:`claim_number`)."""

    def __init__(self, data_file: str, on_behalf_of: dict[str, str] | None = None,
                 name: str = ondisk.LOCK_NAME) -> None:
        self.data_file = data_file
        self.path = os.path.join(ondisk.scans_dir(data_file), name)
        self._note = ondisk.me() + "".join(
            f" for_{key}={(on_behalf_of or {}).get(key)}" for key in ("pid", "host")
            if (on_behalf_of or {}).get(key))
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`NexusWriterError` naming its holder."""
        if self._fd is not None:
            return
        try:
            fd = _open_own_file(self.path, os.O_RDWR)
        except OSError as exc:
            raise NexusWriterError(
                f"Cannot write the scans directory {os.path.dirname(self.path)} ({exc.strerror}).") from None
        if _OFD_SETLK is not None:
            try:
                fcntl.fcntl(fd, _OFD_SETLK, _flock_struct(fcntl.F_WRLCK))
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise NexusWriterError(self._held_message()) from None
                raise
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (self._note + "\n").encode(), 0)
        except OSError:
            pass  # the lock holds without the note
        self._fd = fd

    def _held_message(self) -> str:
        who = ondisk.read_who(self.path)
        pid = who.get("pid", "?")
        whose = "this process" if pid == str(os.getpid()) else "another process"
        host = who.get("host")
        where = f" on {host}" if host and host != ondisk.parse_who(ondisk.me()).get("host") else ""
        return (f"The data file {self.data_file} is being written by {whose} (PID {pid}{where}); "
                "a data file takes one writer at a time.")

    def held_for_this_process(self) -> bool:
        """Is the lock held by a writer writing this process's scan?"""
        who = ondisk.read_who(self.path)
        return (who.get("for_pid"), who.get("for_host")) == (
            str(os.getpid()), ondisk.parse_who(ondisk.me()).get("host"))

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ScanLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def claim_owner(path: str) -> dict[str, str]:
    return ondisk.read_who(path)


def is_stale(path: str) -> bool:
    """A claim nobody is acting on: its process is gone, or it is this process's and
    no writer of this process writes that scan now."""
    if path in _ACTIVE:
        return False
    who = claim_owner(path)
    if who.get("pid") == str(os.getpid()) and who.get("host") == ondisk.parse_who(ondisk.me()).get("host"):
        return True
    return not ondisk.is_alive(who)


def used_numbers(data_file: str, names_in_data_file: list[str]) -> int:
    """The highest scan number the data file or its scans directory uses (0: none).
    A stale claim without any file uses nothing."""
    numbers = [ondisk.entry_number(n) for n in names_in_data_file]
    for entry, kinds in ondisk.listing(ondisk.scans_dir(data_file)).items():
        if kinds == {"claim"} and is_stale(ondisk.ScanFiles(data_file, entry).claim):
            continue
        numbers.append(ondisk.entry_number(entry))
    return max((n for n in numbers if n is not None), default=0)


def claim(data_file: str, number: int, names_in_data_file: list[str]) -> int:
    """Claim the first free scan number ``>= number`` of ``data_file`` (the scans
    directory exists, the caller holds the :class:`ScanLock`)."""
    number = max(number, used_numbers(data_file, names_in_data_file) + 1)
    files = ondisk.ScanFiles(data_file, f"{number}.1")
    write_claim(files.claim)
    return number


def _open_own_file(path: str, flags: int) -> int:
    """Open (creating it) a file of bliss_lite's own in a scans directory; whatever
    else is found under its name (a FIFO, a symbolic link, a device) is removed
    first, never opened: it could block, or lead outside the data directory."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass
    return os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)


def write_claim(path: str) -> None:
    fd = _open_own_file(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w") as stream:
        stream.write(ondisk.me() + "\n")


def needs_recovery(data_file: str) -> bool:
    """Did a killed writer leave anything to finish or remove in ``data_file``'s
    scans directory (a stale claim, a temporary file)?"""
    directory = ondisk.scans_dir(data_file)
    if next(ondisk.stale_tmp_files(directory), None) or next(ondisk.stale_tmp_files(os.path.dirname(data_file)), None):
        return True
    return any(is_stale(ondisk.ScanFiles(data_file, entry).claim) for entry in ondisk.claims_in(directory))


def activate(path: str) -> None:
    _ACTIVE.add(path)


def deactivate(path: str) -> None:
    _ACTIVE.discard(path)


# ---------------------------------------------------------------------------------
# The data file's path, and its numbers

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


def _makedirs(directory: str) -> None:
    """``os.makedirs(directory, exist_ok=True)``, one level after the other (no
    recursion, whatever the depth)."""
    missing = []
    while not os.path.exists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError:     # made meanwhile (by another process)
            pass


def check_target(filename: str) -> None:
    """Refuse a data file path bliss_lite cannot write (see the module doc); create
    the data directory and the scans directory."""
    if "\0" in filename:
        raise NexusWriterError(f"The data file name {filename!r} contains a NUL character.")
    directory = os.path.dirname(filename) or "."
    try:
        _makedirs(directory)
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
        except OSError as exc:      # a name too long, say
            raise NexusWriterError(f"Cannot use the {what} {path} ({exc.strerror}).") from None
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
    return used_numbers(filename, master.names(filename))


def claim_number(filename: str, number: int) -> int:
    """Reserve the first free scan number ``>= number`` of ``filename`` (raises
    :class:`NexusWriterError` when the file cannot be written or another process is
    writing a scan into it)."""
    check_target(filename)
    with ScanLock(filename, name=ondisk.CLAIM_LOCK_NAME):   # one claimer at a time
        writer = ScanLock(filename)
        try:
            writer.acquire()
        except NexusWriterError:
            if not writer.held_for_this_process():
                raise
            # This session's external writer is writing one of its earlier scans:
            # the number is claimed beside it (the recovery is the writer's).
            return claim(filename, number, master.names(filename))
        try:
            for line in master.check(filename):
                warn(f"Recovered {line}")
            return claim(filename, number, master.names(filename))
        finally:
            writer.release()
