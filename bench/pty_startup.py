"""Start-up to the interactive prompt in a pseudo-terminal: seconds from starting
``bliss-lite -s demo`` on a pty to the moment ``DEMO [1]:`` is shown (stdlib only)."""

from __future__ import annotations

import os
import pty
import select
import signal
import time


def time_to_prompt(command: list[str], prompt: bytes = b"DEMO [", timeout: float = 60.0,
                   env: dict[str, str] | None = None) -> float:
    """Seconds until ``prompt`` shows; ``env`` is the child's environment (default: this
    process's), always with cursor-position requests off and TERM=xterm."""
    env = dict(os.environ if env is None else env, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:                                        # the child: the shell
        os.execvpe(command[0], command, env)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if prompt in seen.replace(b"\x1b[0;32m", b"").replace(b"\x1b[0;92;1m", b""):
                return time.perf_counter() - start
        raise RuntimeError(f"no prompt within {timeout} s: {seen[-500:]!r}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
