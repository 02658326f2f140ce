"""The data file itself: one external link per entry, rebuilt whole and renamed
over the old one at each scan's start and end (never changed in place).

Its links come from the scans directory (every ``N.1.h5`` entry file), plus whatever
else the old data file held: external links are kept as they are; anything else (a
file another program or an earlier bliss_lite wrote entries into) is first moved,
whole, into the scans directory as ``original-K.h5`` and linked from there, so that
nothing in it is ever lost.  Root attributes are kept.
"""

from __future__ import annotations

import os
import re

import h5py

from bliss_lite._common import now_iso
from bliss_lite.nexus import ondisk
from bliss_lite.nexus.errors import NexusWriterError
from bliss_lite.nexus.filelock import held_exclusively, written_by_another_process
from bliss_lite.nexus.superblock import NotHDF5Error, clear_open_marks, read_superblock

_ORIGINAL = re.compile(r"^original-(\d+)\.h5$")


def _creator_version() -> str:
    from bliss_lite._version import __version__

    return __version__


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
                foreign[name] = (link.filename, link.path)
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


def publish(data_file: str, default: str | None = None) -> list[str]:
    """Rebuild ``data_file`` from its scans directory (and its old content); root
    ``@default`` := ``default`` when given.  Returns what was done beyond that."""
    directory = ondisk.scans_dir(data_file)
    scans_base = os.path.basename(directory)
    attrs, foreign, other = _read(data_file, scans_base)
    done = []
    if other:
        moved = _move_aside(data_file, directory)
        done.append(f"{data_file}: its former content is kept in {scans_base}/{moved}, linked entry by entry")
    links: dict[str, h5py.ExternalLink] = {}
    for original in _originals(directory):
        try:
            with ondisk.open_read(os.path.join(directory, original)) as f:
                for name in f:
                    if not _is_ours(f.get(name, getlink=True), scans_base):
                        links[name] = h5py.ExternalLink(f"{scans_base}/{original}", "/" + name)
        except OSError:
            continue  # an unreadable copy stays on disk, unlinked
    for name, (filename, path) in foreign.items():
        links[name] = h5py.ExternalLink(filename, path)
    for entry, kinds in ondisk.listing(directory).items():
        if "entry" in kinds:
            links[entry] = h5py.ExternalLink(ondisk.ScanFiles(data_file, entry).entry_link, "/" + entry)
    now = now_iso()
    with ondisk.replacing(data_file) as f:
        for key, value in attrs.items():
            f.attrs[key] = value
        f.attrs["NX_class"] = "NXroot"
        f.attrs["file_name"] = data_file
        if "file_time" not in attrs:
            f.attrs["file_time"] = now
        f.attrs["file_update_time"] = now
        f.attrs["creator"] = "bliss_lite"
        f.attrs["creator_version"] = _creator_version()
        f.attrs["HDF5_Version"] = h5py.version.hdf5_version
        f.attrs["h5py_version"] = h5py.version.version
        for name in sorted(links, key=_order):
            f[name] = links[name]
        if default is not None:
            f.attrs["default"] = default
        elif "default" in f.attrs and str(_text(f.attrs["default"])) not in links:
            del f.attrs["default"]
    return done


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _order(name: str) -> tuple:
    number = ondisk.entry_number(name)
    return (0, number, name) if number is not None else (1, 0, name)
