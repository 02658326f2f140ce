"""``gevent`` for BLISS user code when gevent is not installed: the same names on
threads (bliss_lite runs on threads).

``sleep``, ``spawn`` / ``spawn_later`` (a :class:`Greenlet` is a thread with
``join``, ``get``, ``kill``, ``ready``, ``successful``, ``value``, ``exception``),
``joinall``, ``killall``, ``wait``, ``Timeout``, ``GreenletExit``, ``getcurrent``,
and ``gevent.event`` / ``gevent.lock``.  ``kill()`` raises the exception in the
thread at its next Python instruction (a :func:`sleep` of this module included).
"""

from __future__ import annotations

import ctypes
import threading
import time
from typing import Any, Callable, Iterable

from bliss_lite.compat.gevent_lite import event, lock
from bliss_lite.compat.gevent_lite.timeout import Timeout

__all__ = ["sleep", "spawn", "spawn_later", "joinall", "killall", "kill", "wait", "Greenlet",
           "GreenletExit", "Timeout", "getcurrent", "idle", "event", "lock"]

__version__ = "bliss_lite"


class GreenletExit(BaseException):
    """Raised in a greenlet killed without another exception."""


def sleep(seconds: float = 0, ref: bool = True) -> None:
    """Wait ``seconds``, in short slices so that a ``kill()`` gets through."""
    end = time.monotonic() + max(float(seconds), 0.0)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def idle(priority: int = 0) -> None:
    time.sleep(0)


class Greenlet:
    """A function running in a thread of its own."""

    def __init__(self, run: Callable[..., Any] | None = None, *args: Any, **kwargs: Any) -> None:
        self._run = run
        self.args, self.kwargs = args, kwargs
        self.value: Any = None
        self.exception: BaseException | None = None
        self._done = threading.Event()
        self._links: list[Callable[["Greenlet"], Any]] = []
        self._thread = threading.Thread(target=self._main, daemon=True,
                                        name=getattr(run, "__name__", "greenlet"))

    def _main(self) -> None:
        try:
            self.value = self._run(*self.args, **self.kwargs) if self._run else None
        except GreenletExit as exc:
            self.value = exc
        except BaseException as exc:
            self.exception = exc
        finally:
            self._done.set()
            for callback in list(self._links):
                try:
                    callback(self)
                except Exception:
                    pass

    def start(self) -> None:
        self._thread.start()

    def start_later(self, seconds: float) -> None:
        timer = threading.Timer(seconds, self._thread.start)
        timer.daemon = True
        timer.start()

    @classmethod
    def spawn(cls, run: Callable[..., Any], *args: Any, **kwargs: Any) -> "Greenlet":
        greenlet = cls(run, *args, **kwargs)
        greenlet.start()
        return greenlet

    def ready(self) -> bool:
        return self._done.is_set()

    dead = property(ready)

    def successful(self) -> bool:
        return self.ready() and self.exception is None

    def join(self, timeout: float | None = None) -> None:
        self._done.wait(timeout)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if block and not self._done.wait(timeout):
            raise Timeout(timeout)
        if self.exception is not None:
            raise self.exception
        return self.value

    def kill(self, exception: type[BaseException] | BaseException = GreenletExit,
             block: bool = True, timeout: float | None = None) -> None:
        """Raise ``exception`` in the greenlet's thread (and wait for it to end)."""
        if self.ready() or self._thread.ident is None:
            return
        kind = exception if isinstance(exception, type) else type(exception)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread.ident),
                                                   ctypes.py_object(kind))
        if block:
            self.join(timeout)

    def link(self, callback: Callable[["Greenlet"], Any]) -> None:
        self._links.append(callback)

    def __bool__(self) -> bool:
        return self._thread.is_alive()


def spawn(run: Callable[..., Any], *args: Any, **kwargs: Any) -> Greenlet:
    """Run ``run(*args, **kwargs)`` in a new thread; returns its :class:`Greenlet`."""
    return Greenlet.spawn(run, *args, **kwargs)


def spawn_later(seconds: float, run: Callable[..., Any], *args: Any, **kwargs: Any) -> Greenlet:
    greenlet = Greenlet(run, *args, **kwargs)
    greenlet.start_later(seconds)
    return greenlet


def joinall(greenlets: Iterable[Greenlet], timeout: float | None = None,
            raise_error: bool = False, count: int | None = None) -> list[Greenlet]:
    """Wait for the greenlets; returns those that finished."""
    greenlets = list(greenlets)
    end = None if timeout is None else time.monotonic() + timeout
    for greenlet in greenlets:
        greenlet.join(None if end is None else max(end - time.monotonic(), 0))
        if raise_error and greenlet.exception is not None:
            raise greenlet.exception
    return [g for g in greenlets if g.ready()]


wait = joinall


def killall(greenlets: Iterable[Greenlet], exception: Any = GreenletExit, block: bool = True,
            timeout: float | None = None) -> None:
    for greenlet in greenlets:
        greenlet.kill(exception, block=False)
    if block:
        joinall(greenlets, timeout)


def kill(greenlet: Greenlet, exception: Any = GreenletExit) -> None:
    greenlet.kill(exception)


def getcurrent() -> threading.Thread:
    return threading.current_thread()
