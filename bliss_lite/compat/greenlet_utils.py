"""``bliss.common.greenlet_utils``: protecting code from being killed, timeouts.

``KillMask`` (a ``with`` block that Ctrl-C does not interrupt: the interruption is
raised when the block ends), ``protect_from_kill`` / ``protect_from_one_kill``
(the same for a whole function), ``AllowKill``, ``timeout(seconds)``.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from typing import Any, Callable, Iterator

from bliss_lite.compat.gevent_lite import Timeout, sleep

__all__ = ["KillMask", "AllowKill", "protect_from_kill", "protect_from_one_kill", "timeout", "sleep"]


class KillMask:
    """Delay Ctrl-C (SIGINT) until the end of the block (main thread only);
    ``masked_kill_nb`` = how many kills may be ignored (-1: all are delayed)."""

    def __init__(self, masked_kill_nb: int = -1) -> None:
        self._masked = masked_kill_nb
        self._pending: tuple | None = None
        self._previous: Any = None
        self._active = False

    def _handler(self, signum: int, frame: Any) -> None:
        if self._masked == 0:
            raise KeyboardInterrupt
        if self._masked > 0:
            self._masked -= 1
        self._pending = (signum, frame)

    def __enter__(self) -> "KillMask":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
            self._active = True
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._active:
            signal.signal(signal.SIGINT, self._previous)
            self._active = False
            if self._pending is not None and exc_info[0] is None:
                raise KeyboardInterrupt


@contextlib.contextmanager
def AllowKill() -> Iterator[None]:
    """Inside a KillMask, let Ctrl-C interrupt this block again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def protect_from_kill(method: Callable) -> Callable:
    """Run ``method`` under a :class:`KillMask`."""
    @functools.wraps(method)
    def protected(*args: Any, **kwargs: Any) -> Any:
        with KillMask():
            return method(*args, **kwargs)

    return protected


def protect_from_one_kill(method: Callable) -> Callable:
    """Run ``method`` under a :class:`KillMask` that ignores one Ctrl-C."""
    @functools.wraps(method)
    def protected(*args: Any, **kwargs: Any) -> Any:
        with KillMask(masked_kill_nb=1):
            return method(*args, **kwargs)

    return protected


@contextlib.contextmanager
def timeout(seconds: float | None, message: Callable[[], str] | str | None = None) -> Iterator[None]:
    """Raise ``TimeoutError(message)`` when the block lasts more than ``seconds``."""
    guard = Timeout(seconds)
    try:
        with guard:
            yield
    except Timeout as exc:
        if exc is not guard and not isinstance(exc, Timeout):
            raise
        text = message() if callable(message) else message
        raise TimeoutError(text or f"timeout after {seconds} s") from None
