"""The data file itself: one external link per entry, rebuilt whole and renamed
over the old one at each scan's start and end (never changed in place).

Its links come from the scans directory (every ``N.1.h5`` entry file), plus whatever
else the old data file held: external links are kept as they are; anything else (a
file another program or an earlier bliss_lite wrote entries into) is first moved,
whole, into the scans directory as ``original-K.h5`` and linked from there, so that
nothing in it is ever lost.  Root attributes are kept.

Before replacing a data file another program may have written into, it is refused
when someone holds an exclusive ``flock`` on it (HDF5 does for a file it writes
outside SWMR mode, :func:`held_exclusively`); before clearing the "open" marks a
killed program left, no other process may have it open for writing
(:func:`written_by_another_process`: a writer in SWMR mode holds no lock at all, and
only this tells it from a killed one).  bliss_lite itself opens files with HDF5
locking off (a reader left open in silx must not stop the next scan).
"""

from __future__ import annotations

import errno
import fcntl
import os
import re

import h5py

from bliss_lite._common import now_iso
from bliss_lite.nexus import ondisk
from bliss_lite.nexus.errors import NexusWriterError
from bliss_lite.nexus.superblock import NotHDF5Error, clear_open_marks, read_superblock

_ORIGINAL = re.compile(r"^original-(\d+)\.h5$")


def _creator_version() -> str:
    from bliss_lite._version import __version__

    return __version__


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


def check(data_file: str) -> list[str]:
    """Refuse (:class:`NexusWriterError`) a data file that is not HDF5 or that another
    process holds open for writing; clear the "open" marks a killed program left on
    it.  Returns what was done."""
    if not os.path.exists(data_file):
        return []
    try:
        superblock = read_superblock(data_file)
    except NotHDF5Error:
        raise NexusWriterError(f"The data file {data_file} exists but is not an HDF5 file.") from None
    except PermissionError:
        raise NexusWriterError(f"The data file {data_file} is not readable.") from None
    if held_exclusively(data_file) or (superblock.marked_open and written_by_another_process(data_file)):
        raise NexusWriterError(f"The data file {data_file} is held open for writing by another process.")
    if not superblock.marked_open:
        return []
    cleared = clear_open_marks(data_file)
    if cleared is None:
        return []
    return [f"{data_file}: cleared the 'open for writing' marks a killed process left "
            f"(superblock flags {cleared.flags:#04x} -> 0)"]


def names(data_file: str) -> list[str]:
    """The names at the top of the data file (none when it does not exist)."""
    if not os.path.isfile(data_file):
        return []
    try:
        with ondisk.open_read(data_file) as f:
            return list(f)
    except OSError:
        return []


def holds(data_file: str, name: str) -> bool:
    """Does the data file have a top-level item ``name``?"""
    if not os.path.isfile(data_file):
        return False
    try:
        with ondisk.open_read(data_file) as f:
            return f.get(name, getlink=True) is not None
    except OSError:
        return False


def _is_ours(link: object, scans_base: str) -> bool:
    return isinstance(link, h5py.ExternalLink) and link.filename.startswith(scans_base + "/")


def _read(data_file: str, scans_base: str) -> tuple[dict, dict, bool]:
    """(root attributes, foreign external links, holds other things) of the old file."""
    if not os.path.isfile(data_file):
        return {}, {}, False
    try:
        f = ondisk.open_read(data_file)
    except OSError as exc:
        raise NexusWriterError(f"The data file {data_file} cannot be read ({exc}).") from None
    with f:
        attrs = {key: f.attrs[key] for key in f.attrs}
        foreign, other = {}, False
        for name in f:
            link = f.get(name, getlink=True)
            if _is_ours(link, scans_base):
                continue
            if isinstance(link, h5py.ExternalLink):
                foreign[name] = (link.filename, link.path)  # kept as they are
            else:
                other = True
    return attrs, foreign, other


def _originals(directory: str) -> list[str]:
    try:
        found = [n for n in os.listdir(directory) if _ORIGINAL.match(n)]
    except OSError:
        return []
    return sorted(found, key=lambda n: int(_ORIGINAL.match(n).group(1)))


def _move_aside(data_file: str, directory: str) -> str:
    taken = [int(_ORIGINAL.match(n).group(1)) for n in _originals(directory)]
    name = f"original-{max(taken, default=0) + 1}.h5"
    os.rename(data_file, os.path.join(directory, name))
    return name


#: What this process last wrote as each data file: (its identity on disk, its root
#: attributes, its foreign links, all its links), so that the next rebuild need not
#: read it or the scans directory back while nobody else changed it.
_WRITTEN: dict[str, tuple[tuple | None, dict, dict, dict]] = {}


def _identity(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns)


def publish(data_file: str, default: str | None = None, entry: str | None = None) -> list[str]:
    """Rebuild ``data_file`` with its links to the entries of its scans directory (and
    its old content); ``entry``: the one entry that may be new since this process
    last wrote the file (the rest is then taken as written); root ``@default`` :=
    ``default`` when given.  Returns what was done beyond that."""
    directory = ondisk.scans_dir(data_file)
    scans_base = os.path.basename(directory)
    remembered = _WRITTEN.get(data_file)
    done: list[str] = []
    if entry is not None and remembered is not None and remembered[0] == _identity(data_file):
        attrs, foreign, links = dict(remembered[1]), remembered[2], dict(remembered[3])
        links[entry] = (f"{scans_base}/{entry}{ondisk.ENTRY_SUFFIX}", "/" + entry)
    else:
        attrs, foreign, links = _rebuild(data_file, directory, done)
    now = now_iso()
    attrs.update({"NX_class": "NXroot", "file_name": data_file, "file_update_time": now,
                  "creator": "bliss_lite", "creator_version": _creator_version(),
                  "HDF5_Version": h5py.version.hdf5_version, "h5py_version": h5py.version.version})
    attrs.setdefault("file_time", now)
    if default is not None:
        attrs["default"] = default
    elif "default" in attrs and _text(attrs["default"]) not in links:
        del attrs["default"]
    with ondisk.replacing(data_file) as f:
        for key, value in attrs.items():
            f.attrs[key] = value
        create = f.id.links.create_external  # (the low-level call: ~10x faster per link)
        for name, (filename, path) in links.items():
            create(name.encode(), filename.encode(), path.encode())
    _WRITTEN[data_file] = (_identity(data_file), attrs, foreign, links)
    return done


def _rebuild(data_file: str, directory: str, done: list[str]) -> tuple[dict, dict, dict]:
    """(root attributes, foreign links, every link) of the data file, from its old
    version and the scans directory; moves old content aside (saying so in ``done``)."""
    scans_base = os.path.basename(directory)
    attrs, foreign, other = _read(data_file, scans_base)
    if other:
        moved = _move_aside(data_file, directory)
        done.append(f"{data_file}: its former content is kept in {scans_base}/{moved}, linked entry by entry")
    links: dict[str, tuple[str, str]] = {}
    for original in _originals(directory):
        try:
            with ondisk.open_read(os.path.join(directory, original)) as f:
                for name in f:
                    if not _is_ours(f.get(name, getlink=True), scans_base):
                        links[name] = (f"{scans_base}/{original}", "/" + name)
        except OSError:
            continue  # an unreadable copy stays on disk, unlinked
    links.update(foreign)
    for name, kinds in ondisk.listing(directory).items():
        if "entry" in kinds:
            links[name] = (f"{scans_base}/{name}{ondisk.ENTRY_SUFFIX}", "/" + name)
    return attrs, foreign, links


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
