"""The scan file writer: a scan subscriber writing entry ``N.1`` of the data file,
in the crash-safe layout of :mod:`bliss_lite.nexus.ondisk`.

* ``scan_start``: refuse the scan if its data file cannot be written (before anything
  moves); take the scan lock, finish what a killed writer left, claim the number;
  create the points file (empty channels, ``writer/status`` STARTING) and switch it to
  SWMR mode; write the entry file with the START metadata; publish the entry in the
  data file;
* ``scan_points``: append the block to each channel (one resize and one write per
  channel) and flush, so readers following the file in SWMR mode see every block; a
  full disk or a file system turned read-only stops the scan with one sentence;
* ``scan_end``: cut the channels to the points all of them hold, set the final status,
  close the points file; write the entry file again with the END metadata (the data
  file already links to it); drop the claim and the lock.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import h5py
import numpy

from bliss_lite.nexus import claims, layout, master, ondisk
from bliss_lite.nexus.errors import (NexusWriterError, ScanWriteError, free_bytes, is_space_error, reason,
                                     size_text, warn)

if TYPE_CHECKING:
    from bliss_lite.events import ScanEnd, ScanPoints, ScanStart


class NexusWriter:
    """Writes one scan as entry ``<scan_nb>.1`` of ``filename`` (SPEC 8)."""

    def __init__(self, filename: str, scan_nb: int, on_behalf_of: dict[str, str] | None = None) -> None:
        """``on_behalf_of``: the process (``{"pid": ..., "host": ...}``) that claimed
        the scan number for this writer (a session whose scans an external writer
        process writes); its claim counts as this writer's own."""
        self.filename = os.path.abspath(filename)
        self._on_behalf_of = on_behalf_of or {}
        self.scan_nb = int(scan_nb)
        self.entry_name = f"{self.scan_nb}.1"
        self.files = ondisk.ScanFiles(self.filename, self.entry_name)
        self._lock: claims.ScanLock | None = None
        self._points: h5py.File | None = None
        self._nodes: list[layout.ChannelNode] = []
        self._datasets: dict[str, h5py.Dataset] = {}
        self._varlen: set[str] = set()
        self._point_bytes = 0
        self._npoints: int | None = None
        self._running = False
        self._failed = False  # something was not written: writer/status FAILED
        self._stopped = False  # the points file could not be written any more
        self._points_failed = False
        self._unknown: set[str] = set()
        self._warned: set[tuple[str, str]] = set()

    @classmethod
    def for_scan(cls, scan: Any) -> "NexusWriter | None":
        """The writer for ``scan``, or None when the scan is not saved (``save`` false,
        writer ``"null"``, no filename)."""
        info = scan.scan_info
        if not info.get("save") or not info.get("filename"):
            return None
        if "null" in (info.get("writer"), info.get("data_writer")):
            return None
        return cls(info["filename"], info["scan_nb"])

    def __repr__(self) -> str:
        return f"NexusWriter({self.filename}::/{self.entry_name})"

    # ------------------------------------------------------------------ events

    def scan_start(self, event: ScanStart) -> None:
        """Create the entry; raises :class:`NexusWriterError` to refuse the scan."""
        claims.check_target(self.filename)
        lock = claims.ScanLock(self.filename, on_behalf_of=self._on_behalf_of)
        lock.acquire()
        created: list[str] = []
        try:
            claims.activate(self.files.claim)  # (this scan's own claim is not to recover)
            for line in master.check(self.filename) + _recover_stale(self.filename):
                warn(f"Recovered {line}")
            self._take_number()
            self._nodes = layout.channel_nodes(event.channels)
            self._varlen = {n.spec.fullname for n in self._nodes if any(s < 0 for s in n.spec.shape)}
            self._npoints = layout._int_or_none(event.scan_info.get("npoints"))
            self._point_bytes = layout.point_bytes(n.spec for n in self._nodes)
            self._check_space()
            created.append(self.files.points)
            self._points = h5py.File(self.files.points, "w-", libver=ondisk.LIBVER, locking=False,
                                     rdcc_nbytes=ondisk.CHUNK_CACHE_BYTES)
            self._datasets = layout.create_points(self._points, self.entry_name, self._nodes, self._npoints,
                                                  event.scan_info.get("compression"))
            self._points.flush()
            self._points.swmr_mode = True
            created.append(self.files.entry)
            with ondisk.replacing(self.files.entry) as f:
                layout.create_entry(f, self.entry_name, self._nodes, event.scan_info, self._warn_metadata)
                plotted = "default" in f[self.entry_name].attrs  # root @default: the last entry with a plot
            for line in master.publish(self.filename, default=self.entry_name if plotted else None,
                                       entry=self.entry_name):
                warn(line)
        except BaseException as exc:
            self._abandon(created, lock)
            if isinstance(exc, Exception) and not isinstance(exc, NexusWriterError):
                raise NexusWriterError(
                    f"Scan {self.scan_nb} cannot be written to {self.filename} ({reason(exc)}).") from exc
            raise
        self._lock = lock

    def scan_points(self, event: ScanPoints) -> None:
        """Append a block of points and flush it."""
        if self._points is None or not len(event):
            return
        try:
            if not self._running:
                layout.set_status(self._points[self.entry_name], "RUNNING")
                self._running = True
            first = event.first_index
            for fullname, values in event.data.items():
                dataset = self._datasets.get(fullname)
                if dataset is None:
                    self._unknown_channel(fullname)
                elif fullname in self._varlen:
                    _write_varlen(dataset, first, values)
                else:
                    end = first + len(values)
                    if dataset.shape[0] < end:
                        dataset.resize(end, axis=0)
                    if dataset.dtype.kind == "O":  # strings
                        values = numpy.asarray(values, dtype=object)
                    dataset[first:end] = values
            self._points.flush()
        except Exception as exc:
            self._failed = True
            if is_space_error(exc) or isinstance(exc, OSError) or "errno" in str(exc):
                raise self._stop(exc, event.first_index) from None
            if not self._points_failed:  # a failed block must not stop the scan; say it once
                self._points_failed = True
                warn(f"Points {event.first_index}.. of scan {self.scan_nb} "
                     f"were not written to {self.filename} ({reason(exc)}).")

    def scan_end(self, event: ScanEnd) -> None:
        """Write the END content and close the files."""
        lock, self._lock = self._lock, None
        if lock is None:
            return
        finished = False
        try:
            if self._points is not None:
                points, self._points = self._points, None
                try:
                    layout.equalize(layout.points_datasets(points, self.entry_name), event.npoints)
                    layout.set_status(points[self.entry_name], "FAILED" if self._failed else "SUCCEEDED")
                    points.close()
                except BaseException:
                    self._stopped = True
                    ondisk.abandon(points)
                    raise
            with ondisk.replacing(self.files.entry) as f:
                layout.create_entry(f, self.entry_name, self._nodes, event.scan_info, self._warn_metadata,
                                    final=True)
            finished = not self._stopped  # a stopped scan's points file is finished by recovery
        except Exception as exc:
            warn(f"Scan {self.scan_nb} could not be finalised in {self.filename} ({reason(exc)}); "
                 f"its points are kept: run 'bliss-lite --recover {self.filename}' "
                 "(the next scan into it does it too).")
        finally:
            claims.deactivate(self.files.claim)
            if finished:
                _unlink(self.files.claim)
            lock.release()

    # ------------------------------------------------------------------ helpers

    def _take_number(self) -> None:
        """Make sure entry N.1 is this writer's: never an entry that exists, never a
        number another live process claimed."""
        if (os.path.exists(self.files.entry) or os.path.exists(self.files.points)
                or master.holds(self.filename, self.entry_name)):
            raise NexusWriterError(
                f"Entry {self.entry_name} already exists in {self.filename}; entries are never overwritten.")
        who = claims.claim_owner(self.files.claim)
        behalf = self._on_behalf_of
        ours = who.get("pid") == str(os.getpid()) or (
            bool(behalf) and (who.get("pid"), who.get("host")) == (behalf.get("pid"), behalf.get("host")))
        if who and not ours and ondisk.is_alive(who):
            raise NexusWriterError(f"Scan number {self.scan_nb} of {self.filename} is claimed by another "
                                   f"process (PID {who.get('pid', '?')}).")
        claims.write_claim(self.files.claim)

    def _check_space(self) -> None:
        if not self._npoints:
            return
        needed = self._npoints * self._point_bytes
        free = free_bytes(self.files.directory)
        if free is not None and needed > free:
            warn(f"Scan {self.scan_nb} needs about {size_text(needed)} in {self.files.directory} but only "
                 f"{size_text(free)} are free: it will stop when the disk is full.")

    def _stop(self, exc: BaseException, first: int) -> ScanWriteError:
        """The points file cannot be written any more: close it without writing
        another byte (its content is what the last successful flush left, which SWMR
        mode keeps readable), and word the error that stops the scan."""
        self._stopped = True
        points, self._points = self._points, None
        if points is not None:
            ondisk.abandon(points)
        what = reason(exc)
        if is_space_error(exc):
            free = free_bytes(self.files.directory)
            needed = ""
            if self._npoints:
                needed = f", the scan needs about {size_text((self._npoints - first) * self._point_bytes)} more"
            what += f" ({size_text(free or 0)} free{needed})"
        return ScanWriteError(f"Scan {self.scan_nb} stopped: cannot write {self.files.points}: {what}; "
                              f"its first {first} points are kept.")

    def _abandon(self, created: list[str], lock: claims.ScanLock) -> None:
        """A refused scan leaves nothing behind."""
        try:
            if self._points is not None:
                ondisk.abandon(self._points)
                self._points = None
            for path in created:
                _unlink(path)
            if claims.claim_owner(self.files.claim).get("pid") == str(os.getpid()):
                _unlink(self.files.claim)
        finally:
            claims.deactivate(self.files.claim)
            lock.release()

    def _warn_metadata(self, key: str, why: str) -> None:
        if (key, why) in self._warned:  # START content is written again at the end
            return
        self._warned.add((key, why))
        warn(f"Metadata {key!r} of scan {self.scan_nb} not written to {self.filename}: {why}.")

    def _unknown_channel(self, fullname: str) -> None:
        if fullname not in self._unknown:
            self._unknown.add(fullname)
            warn(f"Channel {fullname!r} was not announced at scan start: not written to {self.filename}.")


def _recover_stale(filename: str) -> list[str]:
    """Finish what killed writers left (the recovery module loads only then)."""
    if not claims.needs_recovery(filename):
        return []
    from bliss_lite.nexus.recover import recover_stale

    return recover_stale(filename)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_varlen(dataset: h5py.Dataset, first: int, values: Any) -> None:
    """Rows of varying length into a 2-D dataset padded with its fill value."""
    rows = [numpy.asarray(row).ravel() for row in values]
    width = max((len(r) for r in rows), default=0)
    end = first + len(rows)
    if dataset.shape[0] < end or dataset.shape[1] < width:
        dataset.resize((max(end, dataset.shape[0]), max(width, dataset.shape[1])))
    for i, row in enumerate(rows):
        dataset[first + i, : len(row)] = row
