"""``gevent.event`` on threads: ``Event`` and ``AsyncResult``."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["Event", "AsyncResult"]


class Event(threading.Event):
    """``threading.Event`` (``set``, ``clear``, ``wait``, ``is_set``; ``ready()`` too)."""

    def ready(self) -> bool:
        return self.is_set()


class AsyncResult:
    """A value (or an exception) set once by one thread and awaited by others."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.value: Any = None
        self.exception: BaseException | None = None

    def set(self, value: Any = None) -> None:
        self.value = value
        self._event.set()

    def set_exception(self, exception: BaseException) -> None:
        self.exception = exception
        self._event.set()

    def ready(self) -> bool:
        return self._event.is_set()

    def successful(self) -> bool:
        return self.ready() and self.exception is None

    def wait(self, timeout: float | None = None) -> Any:
        self._event.wait(timeout)
        return self.value

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if block and not self._event.wait(timeout):
            from bliss_lite.compat.gevent_lite.timeout import Timeout

            raise Timeout(timeout)
        if self.exception is not None:
            raise self.exception
        return self.value
