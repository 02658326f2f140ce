"""The scan file writer: a scan subscriber writing entry ``N.1`` of the data file.

* ``scan_start``: open (or create) the file, refuse the scan if it cannot be
  written, create the whole entry (every channel dataset empty and growable) with
  its START metadata, then switch the file to SWMR mode;
* ``scan_points``: append the block to each channel (one resize and one write per
  channel) and flush, so readers following the file in SWMR mode see every block;
* ``scan_end``: close, reopen outside SWMR mode (groups cannot be created in SWMR
  mode), write the END metadata, ``end_time``, ``end_reason``, notes and the final
  writer status, and close: the file is open only while a scan writes it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import h5py
import numpy

from bliss_lite.nexus import layout
from bliss_lite.nexus.datafile import LIBVER, OpenedFile, open_for_writing
from bliss_lite.nexus.errors import NexusWriterError, warn

if TYPE_CHECKING:
    from bliss_lite.events import ScanEnd, ScanPoints, ScanStart


class NexusWriter:
    """Writes one scan as entry ``<scan_nb>.1`` of ``filename`` (SPEC 8)."""

    def __init__(self, filename: str, scan_nb: int) -> None:
        self.filename = os.path.abspath(filename)
        self.scan_nb = int(scan_nb)
        self.entry_name = f"{self.scan_nb}.1"
        self._opened: OpenedFile | None = None
        self._nodes: list[layout.ChannelNode] = []
        self._datasets: dict[str, h5py.Dataset] = {}
        self._varlen: set[str] = set()
        self._running = False
        self._failed = False  # something was not written: writer/status FAILED
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
        opened = open_for_writing(self.filename)
        for line in opened.recovered:
            warn(f"Recovered {line}")
        f = opened.file
        if self.entry_name in f:
            opened.close()
            raise NexusWriterError(
                f"Entry {self.entry_name} already exists in {self.filename}; entries are never overwritten."
            )
        try:
            self._nodes = layout.channel_nodes(event.channels)
            self._datasets = layout.create_entry(
                f, self.entry_name, self._nodes, event.scan_info, self._warn_metadata)
            self._varlen = {n.spec.fullname for n in self._nodes if any(s < 0 for s in n.spec.shape)}
            f.flush()
            if opened.swmr_capable:
                f.swmr_mode = True
            else:
                warn(f"{self.filename} predates HDF5 1.10's format: "
                     f"readers cannot follow scan {self.scan_nb} live.")
        except BaseException as exc:
            try:  # a refused scan leaves no half-made entry behind
                if f.id.valid and self.entry_name in f and not f.swmr_mode:
                    del f[self.entry_name]
            finally:
                opened.close()
            if isinstance(exc, Exception) and not isinstance(exc, NexusWriterError):
                raise NexusWriterError(
                    f"Scan {self.scan_nb} cannot be written to {self.filename} ({exc}).") from exc
            raise
        self._opened = opened

    def scan_points(self, event: ScanPoints) -> None:
        """Append a block of points and flush it."""
        if self._opened is None or not len(event):
            return
        try:
            if not self._running:
                layout.set_status(self._opened.file[self.entry_name], "RUNNING")
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
            self._opened.file.flush()
        except Exception as exc:  # a failed block must not stop the scan; say it once
            self._failed = True
            if not self._points_failed:
                self._points_failed = True
                warn(f"Points {event.first_index}.. of scan {self.scan_nb} "
                     f"were not written to {self.filename} ({exc}).")

    def scan_end(self, event: ScanEnd) -> None:
        """Write the END content and close the file."""
        opened, self._opened = self._opened, None
        if opened is None:
            return
        try:
            try:
                opened.file.flush()
            except Exception as exc:
                self._failed = True
                warn(f"The last points of scan {self.scan_nb} may be missing from {self.filename} ({exc}).")
            opened.file.close()
            with h5py.File(self.filename, "a", libver=LIBVER, locking=False) as f:
                entry = f[self.entry_name]
                layout.equalize(layout.channel_datasets(entry), event.npoints)
                layout.finish_entry(entry, self._nodes, event.scan_info, self._warn_metadata)
                layout.set_status(entry, "FAILED" if self._failed else "SUCCEEDED")
                layout.mark_finished(f, self.entry_name)
        except Exception as exc:
            warn(f"Scan {self.scan_nb} could not be finalised in {self.filename} ({exc}).")
        finally:
            opened.close()

    # ------------------------------------------------------------------ helpers

    def _warn_metadata(self, key: str, reason: str) -> None:
        if (key, reason) in self._warned:  # START content is written again at the end
            return
        self._warned.add((key, reason))
        warn(f"Metadata {key!r} of scan {self.scan_nb} not written to {self.filename}: {reason}.")

    def _unknown_channel(self, fullname: str) -> None:
        if fullname not in self._unknown:
            self._unknown.add(fullname)
            warn(f"Channel {fullname!r} was not announced at scan start: not written to {self.filename}.")


def _write_varlen(dataset: h5py.Dataset, first: int, values: Any) -> None:
    """Rows of varying length into a 2-D dataset padded with its fill value."""
    rows = [numpy.asarray(row).ravel() for row in values]
    width = max((len(r) for r in rows), default=0)
    end = first + len(rows)
    if dataset.shape[0] < end or dataset.shape[1] < width:
        dataset.resize((max(end, dataset.shape[0]), max(width, dataset.shape[1])))
    for i, row in enumerate(rows):
        dataset[first + i, : len(row)] = row

