"""gevent's ``Timeout``, on threads (used by the package and by ``event``)."""

from __future__ import annotations

import ctypes
import threading
from typing import Any

__all__ = ["Timeout"]


class Timeout(Exception):
    """``with Timeout(2): ...`` raises Timeout (or ``exception``) in the block after
    ``seconds``; ``Timeout(2).start()`` / ``.cancel()`` as gevent's."""

    def __init__(self, seconds: float | None = None, exception: Any = None, ref: bool = True) -> None:
        super().__init__(f"{seconds} seconds" if seconds is not None else "timeout")
        self.seconds = seconds
        self.exception = exception
        self._timer: threading.Timer | None = None
        self._ident: int | None = None

    def _fire(self) -> None:
        error = self.exception if self.exception is not None else self
        kind = error if isinstance(error, type) else type(error)
        if self._ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._ident),
                                                       ctypes.py_object(kind))

    def start(self) -> None:
        if self.seconds is None:
            return
        self._ident = threading.get_ident()
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    close = cancel

    def __enter__(self) -> "Timeout":
        self.start()
        return self

    def __exit__(self, etype: Any, value: Any, tb: Any) -> bool:
        self.cancel()
        return False
