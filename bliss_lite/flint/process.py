"""The session's side of one plot window process: start it, feed it, ask it things.

:class:`WindowProcess` starts ``python -m bliss_lite.flint.window`` in a session of
its own (``start_new_session``: a Ctrl-C at the shell never reaches it) with two
socket pairs inherited by the child.  Scan events go through a
:class:`~bliss_lite.events.QueuedSubscriber` whose thread writes their wire form
on the event socket, so a scan never waits for the window; a window that cannot
keep up makes the queue drop intermediate point blocks (silently: the plot is a
view, the file and ``get_data()`` keep every point), never the last one.  Only
scalar channels travel in full: of the 1-D and 2-D channels (spectra, images) the
window draws the latest point, so only the last point of each block is sent.

If the window dies or is closed, sending fails quietly and :meth:`alive` turns
False; the session goes on.  Nothing here imports Qt.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from typing import Any

from bliss_lite.events import QueuedSubscriber, ScanEnd, ScanPoints, ScanStart, SubscriberWarning
from bliss_lite.flint import protocol

__all__ = ["WindowProcess", "WindowError", "MAX_BLOCKS", "drawn_part"]

#: Point blocks queued for the window before the oldest are dropped.
MAX_BLOCKS = 16
_NAME = "plot window"
warnings.filterwarnings("ignore", message=f"{_NAME} cannot keep up", category=SubscriberWarning)


class WindowError(RuntimeError):
    """The plot window did not start, or did not answer."""


def drawn_part(event: ScanPoints) -> list[ScanPoints]:
    """What of a block the window draws: its scalar channels in full, and the last
    point of its 1-D and 2-D channels (spectra, images)."""
    blocks = []
    scalars = {k: v for k, v in event.data.items() if v.ndim <= 1}
    if scalars:
        blocks.append(ScanPoints(event.key, event.first_index, scalars))
    latest = {k: v[-1:] for k, v in event.data.items() if v.ndim > 1}
    if latest and len(event):
        blocks.append(ScanPoints(event.key, event.first_index + len(event) - 1, latest))
    return blocks


class _Sender:
    """The queued subscriber's subscriber: writes events on the event socket."""

    def __init__(self, process: "WindowProcess") -> None:
        self.process = process

    def _send(self, payload: bytes) -> None:
        process = self.process
        if process.broken:
            return
        try:
            protocol.write_frame(process.events, payload)
        except OSError:
            process.broken = True

    def scan_start(self, event: ScanStart) -> None:
        counters = self.process.selections.pop(event.key.uid, None)
        if counters:
            self._send(protocol.command_frame("select", uid=event.key.uid, counters=counters))
        self._send(event.to_bytes())

    def scan_points(self, event: ScanPoints) -> None:
        for block in drawn_part(event):
            self._send(block.to_bytes())

    def scan_end(self, event: ScanEnd) -> None:
        self._send(event.to_bytes())


class WindowProcess:
    """One plot window process (see the module's documentation)."""

    def __init__(self, extra_args: list[str] | None = None, title: str | None = None) -> None:
        self.broken = False
        self.selections: dict[str, list[str]] = {}
        self.started = threading.Event()
        self._replies: dict[int, dict] = {}
        self._reply_lock = threading.Condition()
        self._next_id = 0
        self._command_lock = threading.Lock()
        self.events, child_events = socket.socketpair()
        self.commands, child_commands = socket.socketpair()
        self.log_path = os.path.join(tempfile.gettempdir(), f"bliss_lite_plot_{os.getpid()}_{id(self)}.log")
        command = [sys.executable, "-m", "bliss_lite.flint.window",
                   "--events-fd", str(child_events.fileno()), "--commands-fd", str(child_commands.fileno())]
        if title:
            command += ["--title", title]
        command += list(extra_args or [])
        try:
            with open(self.log_path, "wb") as log:
                self.popen = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    pass_fds=(child_events.fileno(), child_commands.fileno()), start_new_session=True,
                    close_fds=True)
        finally:
            child_events.close()
            child_commands.close()
        self.queue = QueuedSubscriber(_Sender(self), max_blocks=MAX_BLOCKS, name=_NAME)
        threading.Thread(target=self._read_replies, name="plot window replies", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        """The process runs and its sockets work."""
        return not self.broken and self.popen.poll() is None

    # -- scan events (the scan thread: only queued) -------------------------------------

    def scan_start(self, event: ScanStart, counters: list[str] | None = None) -> None:
        if counters:
            self.selections[event.key.uid] = list(counters)
        self.queue.scan_start(event)

    def scan_points(self, event: ScanPoints) -> None:
        self.queue.scan_points(event)

    def scan_end(self, event: ScanEnd) -> None:
        self.queue.scan_end(event)

    # -- commands --------------------------------------------------------------------

    def send(self, cmd: str, **fields: Any) -> None:
        """Send a command without waiting for an answer (a dead window: nothing)."""
        self._send(protocol.command_frame(cmd, **fields))

    def _send(self, payload: bytes) -> None:
        if not self.alive():
            return
        try:  # commands are small: the window's reader thread takes them at once
            with self._command_lock:
                protocol.write_frame(self.commands, payload)
        except OSError:
            self.broken = True

    def request(self, cmd: str, timeout: float = 10.0, **fields: Any) -> dict:
        """Send a command and wait for the window's answer (``WindowError`` when it
        does not come within ``timeout`` seconds or reports a failure)."""
        with self._reply_lock:
            self._next_id += 1
            ident = self._next_id
        self._send(protocol.command_frame(cmd, id=ident, **fields))
        deadline = time.monotonic() + timeout
        with self._reply_lock:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise WindowError(f"the plot window (pid {self.pid}) did not answer {cmd!r}"
                                      f"{'' if self.alive() else ': it is not running'}")
                self._reply_lock.wait(min(left, 0.2))
            answer = self._replies.pop(ident)
        if not answer.get("ok"):
            raise WindowError(f"the plot window could not {cmd}: {answer.get('error')}")
        return answer

    def _read_replies(self) -> None:
        try:
            while True:
                payload = protocol.read_frame(self.commands)
                if payload is None:
                    break
                message = json.loads(payload[len(protocol.COMMAND):].decode())
                if message.get("cmd") == "ready":
                    self.started.set()
                elif message.get("cmd") == "reply":
                    with self._reply_lock:
                        self._replies[message.get("id")] = message
                        self._reply_lock.notify_all()
        except (OSError, ValueError):
            pass
        self.broken = True
        with self._reply_lock:
            self._reply_lock.notify_all()

    def wait_started(self, timeout: float = 30.0) -> None:
        """Wait until the window is up (``WindowError`` naming its log otherwise)."""
        deadline = time.monotonic() + timeout
        while not self.started.wait(0.05):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                what = (f"exited with status {self.popen.returncode}" if self.popen.poll() is not None
                        else f"did not start within {timeout:g} s")
                raise WindowError(f"The plot window {what}: {self.log_tail() or 'no output'} (log: {self.log_path})")

    def log_tail(self) -> str:
        """The last line of the window's output."""
        try:
            with open(self.log_path, "rb") as log:
                lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
        except OSError:
            return ""
        return lines[-1].strip() if lines else ""

    def close(self, timeout: float = 5.0) -> None:
        """Ask the window to close, then stop it if it does not; idempotent."""
        if self.popen.poll() is None:
            self.send("close")
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.shutdown()

    def shutdown(self) -> None:
        """Close the sockets (the window exits when it sees them closed)."""
        self.broken = True
        for sock in (self.events, self.commands):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.queue.close(timeout=1.0)
        if self.popen.poll() == 0:  # a clean exit: its log is of no use
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    def kill(self) -> None:
        """SIGKILL the window process."""
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
