"""Object signals as BLISS's ``bliss.common.event``: ``connect(sender, "position",
callback)``, ``send(sender, "position", 1.5)``, ``disconnect(...)``.

Callbacks are kept through weak references (a bound method does not keep its object
alive); a callback that raises is reported on stderr in one line and the other
callbacks still run.  A leaf module: it imports nothing of bliss_lite.
"""

from __future__ import annotations

import inspect
import sys
import threading
import weakref
from typing import Any, Callable

__all__ = ["connect", "disconnect", "send", "send_safe", "receivers"]

_lock = threading.RLock()
#: (id(sender), signal) -> list of weak references to callbacks
_receivers: dict[tuple[int, str], list[Any]] = {}


def _ref(callback: Callable) -> Any:
    if inspect.ismethod(callback):
        return weakref.WeakMethod(callback)
    try:
        return weakref.ref(callback)
    except TypeError:       # builtins, functools.partial objects: kept strongly
        return lambda: callback


def _check(signal: str) -> None:
    if not isinstance(signal, str) or not signal:
        raise TypeError(f"a signal is a non-empty string, got {signal!r}")


def connect(sender: Any, signal: str, callback: Callable) -> None:
    """Call ``callback(*args, sender=..., signal=...)`` (or just ``callback(*args)``
    when it takes no such keywords) each time ``send(sender, signal, *args)`` runs."""
    _check(signal)
    if not callable(callback):
        raise TypeError(f"connect(): the callback {callback!r} is not callable")
    with _lock:
        refs = _receivers.setdefault((id(sender), signal), [])
        if all(ref() != callback for ref in refs):
            refs.append(_ref(callback))


def disconnect(sender: Any, signal: str, callback: Callable) -> None:
    """Stop calling ``callback`` for ``signal`` of ``sender`` (no error if it was not)."""
    with _lock:
        key = (id(sender), signal)
        refs = [ref for ref in _receivers.get(key, []) if ref() is not None and ref() != callback]
        if refs:
            _receivers[key] = refs
        else:
            _receivers.pop(key, None)


def receivers(sender: Any, signal: str) -> list[Callable]:
    """The live callbacks connected to ``signal`` of ``sender``."""
    with _lock:
        found = [ref() for ref in _receivers.get((id(sender), signal), [])]
    return [callback for callback in found if callback is not None]


def _call(callback: Callable, args: tuple, kwargs: dict, sender: Any, signal: str) -> Any:
    try:
        parameters = inspect.signature(callback).parameters
    except (TypeError, ValueError):
        parameters = {}
    extra = {}
    var_kw = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    for name, value in (("sender", sender), ("signal", signal)):
        if var_kw or name in parameters:
            extra[name] = value
    return callback(*args, **kwargs, **extra)


def send(sender: Any, signal: str, *args: Any, **kwargs: Any) -> None:
    """Call every callback connected to ``signal`` of ``sender`` with ``args``;
    an exception of a callback propagates (after the others ran)."""
    first: BaseException | None = None
    for callback in receivers(sender, signal):
        try:
            _call(callback, args, kwargs, sender, signal)
        except Exception as exc:
            first = first or exc
    if first is not None:
        raise first


def send_safe(sender: Any, signal: str, *args: Any, **kwargs: Any) -> None:
    """Like :func:`send`, but an exception of a callback is printed in one line."""
    for callback in receivers(sender, signal):
        try:
            _call(callback, args, kwargs, sender, signal)
        except Exception as exc:
            print(f"Warning: callback {getattr(callback, '__qualname__', callback)!s} of signal "
                  f"'{signal}' failed: {type(exc).__name__}: {exc}", file=sys.stderr)
