"""How the session and its plot window talk: frames over two local stream sockets.

A frame is a 4-byte little-endian length followed by that many bytes, either

* a scan event in its wire form (:meth:`bliss_lite.events.ScanStart.to_bytes`, which
  starts with ``b"BLEV"``), or
* a command: ``b"BLCM"`` followed by a UTF-8 JSON object with a ``"cmd"`` key,
  e.g. ``{"cmd": "markers", "uid": ..., "markers": [...]}``.

The *event* socket carries, from the session only, the scan events and the commands
that must stay in order with them (``"select"``: which counters a scan shows).  The
*command* socket carries the shell's commands (``set_title``, ``markers``,
``grab``...) and the window's answers (``{"cmd": "ready"}`` once it is up, then
``{"cmd": "reply", "id": n, ...}`` per request that has an ``"id"``).

This module imports nothing of Qt; both sides use it.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

from bliss_lite.events import from_bytes

__all__ = ["COMMAND", "read_frame", "write_frame", "command_frame", "decode"]

COMMAND = b"BLCM"
_LENGTH = struct.Struct("<I")


def command_frame(cmd: str, **fields: Any) -> bytes:
    """The bytes of command ``cmd`` (fields must be JSON values)."""
    return COMMAND + json.dumps({"cmd": cmd, **fields}, allow_nan=False).encode()


def write_frame(sock: socket.socket, payload: bytes) -> None:
    """Send one frame (blocks until the socket took it all)."""
    header = _LENGTH.pack(len(payload))
    if len(payload) < 65536:
        sock.sendall(header + payload)
    else:  # no copy of a large payload
        sock.sendall(header)
        sock.sendall(payload)


def _read_exactly(sock: socket.socket, n: int) -> bytes | None:
    buffer = bytearray(n)
    view = memoryview(buffer)
    got = 0
    while got < n:
        count = sock.recv_into(view[got:], n - got)
        if count == 0:
            return None
        got += count
    return bytes(buffer)


def read_frame(sock: socket.socket) -> bytes | None:
    """The next frame's payload, or None when the other side closed the socket."""
    head = _read_exactly(sock, _LENGTH.size)
    if head is None:
        return None
    return _read_exactly(sock, _LENGTH.unpack(head)[0])


def decode(payload: bytes) -> Any:
    """A frame's payload as a scan event or a command dict."""
    if payload.startswith(COMMAND):
        message = json.loads(payload[len(COMMAND):].decode())
        if not isinstance(message, dict) or "cmd" not in message:
            raise ValueError("a command frame must hold a JSON object with a 'cmd' key")
        return message
    return from_bytes(payload)
