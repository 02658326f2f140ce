"""Finishing what a killed (or failed) writer left (``bliss-lite --recover``, and the
next scan into the same data file, do it).

A scan whose claim is stale (:func:`bliss_lite.nexus.claims.is_stale`) was
interrupted.  Depending on the moment:

* nothing was created yet: the claim goes, the number is free again;
* killed while its entry was created (points file, no entry file; no point can have
  been acquired yet): its files go, the entry is cleanly absent;
* killed while points were written or while the END was written: the points file's
  "open" marks are cleared (like ``h5clear``), its channels cut to the points all of
  them hold, ``writer/status = FAILED``; the entry file is rewritten (atomically)
  with ``end_reason = FAILURE``; the entry is published.  The points file is then
  copied into a fresh one, so that recovering never grows it.

Files of earlier bliss_lite versions (every entry in the data file itself) are
finished in place, as those versions did.
"""

from __future__ import annotations

import os
import shutil

import h5py

from bliss_lite.nexus import claims, master, ondisk
from bliss_lite.nexus.errors import NexusWriterError, reason
from bliss_lite.nexus.layout import channel_datasets, equalize, points_datasets, set_status
from bliss_lite.nexus.superblock import NotHDF5Error, clear_open_marks, read_superblock

#: Points files up to this size are compacted after recovery (a copy); larger ones
#: keep the room the cleared "open" marks added (at most 1 MiB, a sparse hole).
COMPACT_MAX_BYTES = 1 << 30


def recover_file(filename: str) -> list[str]:
    """Recover the data file ``filename`` (or every data file of a directory);
    returns one line per thing done (or one saying there was nothing to do).  Raises
    :class:`NexusWriterError` (one sentence) when it cannot."""
    path = os.path.abspath(filename)
    if os.path.isdir(path):
        return _recover_directory(path)
    directory = ondisk.scans_dir(path)
    if not os.path.exists(path) and not os.path.isdir(directory):
        raise NexusWriterError(f"The data file {path} does not exist.")
    if os.path.exists(path) and not os.path.isfile(path):
        raise NexusWriterError(f"{path} is not a data file.")
    try:
        if os.path.exists(path):
            read_superblock(path)
    except NotHDF5Error:
        raise NexusWriterError(f"The file {path} is not an HDF5 file.") from None
    except PermissionError:
        raise NexusWriterError(f"The data file {path} is not readable.") from None
    try:
        done = master.check(path)
        if os.path.isdir(directory):
            with claims.ScanLock(path):
                done += recover_stale(path)
                if done or not os.path.exists(path):
                    master.publish(path)
                    if not done:
                        done.append(f"{path}: rebuilt from {os.path.basename(directory)}/")
        else:
            done += _recover_legacy(path)
    except NexusWriterError:
        raise
    except OSError as exc:
        raise NexusWriterError(f"The data file {path} cannot be recovered: {reason(exc)}.") from None
    return done or [f"{path}: nothing to recover"]


def _recover_directory(path: str) -> list[str]:
    """Every data file of directory ``path`` (or the one a scans directory belongs to)."""
    if path.endswith(ondisk.SCANS_SUFFIX):
        return recover_file(path[: -len(ondisk.SCANS_SUFFIX)] + ".h5")
    data_files = sorted(
        os.path.join(path, name[: -len(ondisk.SCANS_SUFFIX)] + ".h5") for name in os.listdir(path)
        if name.endswith(ondisk.SCANS_SUFFIX) and os.path.isdir(os.path.join(path, name)))
    if not data_files:
        raise NexusWriterError(f"{path} is a directory holding no bliss_lite data file "
                               "(give the data file, e.g. data.h5, or the directory holding it).")
    done = []
    for data_file in data_files:
        done += recover_file(data_file)
    return done


def recover_stale(filename: str) -> list[str]:
    """Finish every interrupted scan of data file ``filename`` and remove what killed
    processes left half-written (the caller holds the scan lock)."""
    directory = ondisk.scans_dir(filename)
    done = []
    for tmp in ondisk.stale_tmp_files(directory):
        _unlink(tmp)
    for tmp in ondisk.stale_tmp_files(os.path.dirname(filename)):
        if os.path.basename(tmp).startswith(f".{os.path.basename(filename)}."):
            _unlink(tmp)
    for entry in sorted(ondisk.claims_in(directory), key=ondisk.entry_number):
        files = ondisk.ScanFiles(filename, entry)
        if not claims.is_stale(files.claim):
            continue
        if os.path.exists(files.entry):
            done += _finish(files)
        elif os.path.exists(files.points):
            _unlink(files.points)
            done.append(f"entry {entry}: killed while it was being created, before its first point: left out")
        _unlink(files.claim)
    return done


def _finish(files: ondisk.ScanFiles) -> list[str]:
    done = []
    npoints = None
    if os.path.exists(files.points):
        cleared = clear_open_marks(files.points)
        if cleared is not None:
            done.append(f"{files.points}: cleared the 'open for writing' marks a killed process left "
                        f"(superblock flags {cleared.flags:#04x} -> 0)")
        with ondisk.updating(files.points) as f:
            datasets = points_datasets(f, files.entry_name)
            before = {d.shape[0] for d in datasets}
            npoints = equalize(datasets)
            if len(before) > 1:
                done.append(f"entry {files.entry_name}: every channel cut to the {npoints} points all of them hold")
            if files.entry_name in f:
                set_status(f[files.entry_name], "FAILED")
        if cleared is not None and os.path.getsize(files.points) <= COMPACT_MAX_BYTES:
            _compact(files.points)
    with ondisk.open_read(files.entry) as f:
        finished = "end_reason" in f.get(files.entry_name, {})
    if not finished:
        tmp = ondisk.tmp_name(files.entry)
        try:
            shutil.copyfile(files.entry, tmp)
            with ondisk.updating(tmp) as f:
                f[files.entry_name].create_dataset("end_reason", data="FAILURE")
            os.replace(tmp, files.entry)
        except BaseException:
            _unlink(tmp)
            raise
        kept = "" if npoints is None else f" ({npoints} points kept)"
        done.append(f"entry {files.entry_name}: end_reason set to FAILURE{kept}")
    return done


def _compact(path: str) -> None:
    """Copy the points file into a fresh one (the room clearing its marks added goes)."""
    try:
        with ondisk.open_read(path) as source, ondisk.replacing(path) as target:
            for name in source:
                source.copy(source[name], target, name=name)
    except OSError:
        pass  # no room for the copy: the file stays as it is, recovered


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# ---------------------------------------------------------------------------------
# Data files of earlier versions: entries inside the data file, finished in place


def _recover_legacy(filename: str) -> list[str]:
    try:
        names = _interrupted_entries(filename)
    except OSError as exc:
        raise NexusWriterError(f"The data file {filename} cannot be read ({reason(exc)}).") from None
    done = []
    if names:
        try:
            with ondisk.updating(filename) as f:
                for name in names:
                    done.extend(finalize_interrupted(f[name]))
        except OSError as exc:
            raise NexusWriterError(f"The data file {filename} cannot be repaired ({reason(exc)}).") from None
    return done


def _interrupted_entries(filename: str) -> list[str]:
    """Entries a bliss_lite writer started and never finished: no ``end_reason``,
    ``writer/status`` still STARTING or RUNNING (other programs' entries are left
    alone)."""
    with h5py.File(filename, "r", locking=False) as f:
        return [
            name for name in f
            if isinstance(f.get(name, getlink=True), h5py.HardLink) and isinstance(f[name], h5py.Group)
            and _is_entry(f[name]) and "end_reason" not in f[name]
            and _status(f[name]) in (b"STARTING", b"RUNNING")
        ]


def _is_entry(group: h5py.Group) -> bool:
    nx_class = group.attrs.get("NX_class")
    if isinstance(nx_class, bytes):
        nx_class = nx_class.decode()
    return nx_class == "NXentry"


def _status(entry: h5py.Group) -> bytes | None:
    status = entry.get("writer/status")
    if not isinstance(status, h5py.Dataset) or status.shape != ():
        return None
    value = status[()]
    return value.encode() if isinstance(value, str) else bytes(value)


def finalize_interrupted(entry: h5py.Group) -> list[str]:
    """Finish an entry of the old layout its writer never finished."""
    name = entry.name.lstrip("/")
    datasets = channel_datasets(entry)
    before = {d.shape[0] for d in datasets}
    npoints = equalize(datasets)
    done = []
    if len(before) > 1:
        done.append(f"entry {name}: every channel cut to the {npoints} points all of them hold")
    entry.create_dataset("end_reason", data="FAILURE")
    set_status(entry, "FAILED")
    done.append(f"entry {name}: end_reason set to FAILURE ({npoints} points kept)")
    return done
