"""The HDF5 superblock, read and patched without the HDF5 library.

A process killed while it writes an HDF5 file leaves the superblock's *file
consistency flags* set ("open for write", "open for SWMR write"), and HDF5 then
refuses a plain open with "file is already open for write (may use <h5clear file>
...)".  :func:`clear_open_marks` does what ``h5clear -s -i`` does: it clears those
flags and sets the end-of-file address to ``max(stored, actual) + increment`` (the
file is extended to match), then rewrites the superblock checksum.

Layout of superblock versions 2 and 3 (HDF5 File Format Specification, section
II.A), ``O`` being the "size of offsets"::

    0      signature  \\x89HDF\\r\\n\\x1a\\n
    8      version (2 or 3)
    9      size of offsets
    10     size of lengths
    11     file consistency flags
    12     base address                    (O bytes)
    12+O   superblock extension address    (O bytes)
    12+2O  end of file address             (O bytes; absolute: HDF5 compares it
                                           with the file size, user block included)
    12+3O  root group object header address (O bytes)
    12+4O  checksum: Jenkins lookup3 of all preceding bytes, initial value 0

The superblock sits at offset 0, or at 512, 1024, 2048... when the file has a user
block.  Versions 0 and 1 carry no flags HDF5 looks at: nothing to clear there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SIGNATURE = b"\x89HDF\r\n\x1a\n"
WRITE_ACCESS = 0x01
SWMR_WRITE_ACCESS = 0x04
#: What ``h5clear --increment`` adds to the end-of-file address when given no value.
DEFAULT_INCREMENT = 1024 * 1024

_MASK = 0xFFFFFFFF


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle`` (as HDF5's ``H5_checksum_lookup3``)."""
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & _MASK
    i = 0
    while length > 12:
        a = (a + int.from_bytes(data[i : i + 4], "little")) & _MASK
        b = (b + int.from_bytes(data[i + 4 : i + 8], "little")) & _MASK
        c = (c + int.from_bytes(data[i + 8 : i + 12], "little")) & _MASK
        a = (a - c) & _MASK; a ^= _rot(c, 4); c = (c + b) & _MASK  # noqa: E702
        b = (b - a) & _MASK; b ^= _rot(a, 6); a = (a + c) & _MASK  # noqa: E702
        c = (c - b) & _MASK; c ^= _rot(b, 8); b = (b + a) & _MASK  # noqa: E702
        a = (a - c) & _MASK; a ^= _rot(c, 16); c = (c + b) & _MASK  # noqa: E702
        b = (b - a) & _MASK; b ^= _rot(a, 19); a = (a + c) & _MASK  # noqa: E702
        c = (c - b) & _MASK; c ^= _rot(b, 4); b = (b + a) & _MASK  # noqa: E702
        i += 12
        length -= 12
    if length == 0:
        return c
    tail = data[i:] + bytes(12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & _MASK
    b = (b + int.from_bytes(tail[4:8], "little")) & _MASK
    c = (c + int.from_bytes(tail[8:12], "little")) & _MASK
    c ^= b; c = (c - _rot(b, 14)) & _MASK  # noqa: E702
    a ^= c; a = (a - _rot(c, 11)) & _MASK  # noqa: E702
    b ^= a; b = (b - _rot(a, 25)) & _MASK  # noqa: E702
    c ^= b; c = (c - _rot(b, 16)) & _MASK  # noqa: E702
    a ^= c; a = (a - _rot(c, 4)) & _MASK  # noqa: E702
    b ^= a; b = (b - _rot(a, 14)) & _MASK  # noqa: E702
    c ^= b; c = (c - _rot(b, 24)) & _MASK  # noqa: E702
    return c


@dataclass(frozen=True)
class Superblock:
    """What bliss_lite needs of a superblock. ``offset``: where it starts in the file;
    ``eoa``: the stored end-of-file address (the size HDF5 expects the file to have);
    ``flags`` is 0 and ``eoa``/``base_address`` are None for versions 0 and 1."""

    offset: int
    version: int
    size_of_offsets: int
    flags: int
    base_address: int | None = None
    eoa: int | None = None

    @property
    def marked_open(self) -> bool:
        """True when HDF5 would say "file is already open for write"."""
        return self.version >= 2 and bool(self.flags)

    @property
    def supports_swmr(self) -> bool:
        return self.version >= 3


class NotHDF5Error(ValueError):
    """The file has no HDF5 superblock."""


def _find(fd: int, size: int) -> int:
    offset = 0
    while offset + len(SIGNATURE) <= size:
        if os.pread(fd, len(SIGNATURE), offset) == SIGNATURE:
            return offset
        offset = 512 if offset == 0 else offset * 2
    raise NotHDF5Error("no HDF5 signature")


def _parse(fd: int, offset: int) -> tuple[Superblock, bytes]:
    head = os.pread(fd, 12, offset)
    version, size_of_offsets = head[8], head[9]
    if version < 2:
        return Superblock(offset, version, size_of_offsets, 0), b""
    if size_of_offsets not in (2, 4, 8):
        raise NotHDF5Error(f"unsupported size of offsets {size_of_offsets}")
    n = 12 + 4 * size_of_offsets
    raw = os.pread(fd, n + 4, offset)
    if len(raw) < n + 4:
        raise NotHDF5Error("truncated superblock")
    if int.from_bytes(raw[n:], "little") != lookup3(raw[:n]):
        raise NotHDF5Error("superblock checksum mismatch")
    def field(k: int) -> int:
        return int.from_bytes(raw[12 + k * size_of_offsets : 12 + (k + 1) * size_of_offsets], "little")

    return Superblock(offset, version, size_of_offsets, raw[11], field(0), field(2)), raw


def read_superblock(filename: str) -> Superblock:
    """The superblock of ``filename``; :class:`NotHDF5Error` if it has none."""
    fd = os.open(filename, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        return _parse(fd, _find(fd, size))[0]
    finally:
        os.close(fd)


@dataclass(frozen=True)
class ClearedMarks:
    """What :func:`clear_open_marks` changed."""

    flags: int
    old_eoa: int
    new_eoa: int


def clear_open_marks(filename: str, increment: int = DEFAULT_INCREMENT) -> ClearedMarks | None:
    """Clear the consistency flags of ``filename`` and fix its end-of-file address,
    like ``h5clear -s -i``; None when the file carries no marks (nothing changed).

    The caller makes sure no live process writes the file.
    """
    fd = os.open(filename, os.O_RDWR)
    try:
        size = os.fstat(fd).st_size
        sb, raw = _parse(fd, _find(fd, size))
        if not sb.marked_open:
            return None
        o = sb.size_of_offsets
        assert sb.base_address is not None and sb.eoa is not None
        new_eoa = max(sb.eoa, size) + increment
        if new_eoa >= 1 << (8 * o):
            raise NotHDF5Error("end of file address does not fit the superblock")
        n = 12 + 4 * o
        patched = bytearray(raw[:n])
        patched[11] = 0
        patched[12 + 2 * o : 12 + 3 * o] = new_eoa.to_bytes(o, "little")
        patched += lookup3(bytes(patched)).to_bytes(4, "little")
        # Extend first (HDF5 refuses a file shorter than its end-of-file address),
        # then write the superblock, and make both durable.
        os.ftruncate(fd, new_eoa)
        os.pwrite(fd, bytes(patched), sb.offset)
        os.fsync(fd)
        return ClearedMarks(sb.flags, sb.eoa, new_eoa)
    finally:
        os.close(fd)
