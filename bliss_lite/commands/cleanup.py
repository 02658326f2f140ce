"""``cleanup`` / ``error_cleanup`` as BLISS's ``bliss.common.cleanup``.

```python
from bliss.common.cleanup import cleanup, error_cleanup, axis

with cleanup(roby, restore_list=(axis.POS, axis.VEL)):
    roby.velocity = 10
    ascan(roby, 0, 1, 10, 0.1, diode)     # roby goes back, its velocity too
```
"""

from __future__ import annotations

import contextlib
import enum
import inspect
import sys
from typing import Any, Callable, Iterator

from bliss_lite.commands.lookup import is_movable
from bliss_lite.devices.moving import move_together

__all__ = ["cleanup", "error_cleanup", "axis", "lima", "capture_exceptions", "excepthook"]

axis = enum.Enum("axis", "POS VEL ACC LIM")
"""What :func:`cleanup` restores on axes (``restore_list=(axis.POS,)``)."""
lima = enum.Enum("lima", "VIDEO_LIVE")


def _stop_method(obj: Any) -> Callable[[], Any]:
    stops = [name for name, _ in inspect.getmembers(obj, inspect.ismethod) if name.startswith("stop")]
    if len(stops) != 1:
        stops = [name for name in stops if "acq" in name]
    if len(stops) != 1:
        raise TypeError(f"cleanup: cannot manage {obj!r} (not an axis, a context manager, "
                        "a function, nor an object with one stop method)")
    return getattr(obj, stops[0])


@contextlib.contextmanager
def cleanup(*args: Any, restore_list: Any = (), error_cleanup: bool = False,
            verbose: bool = False, **kwargs: Any) -> Iterator[None]:
    """Run clean-up actions when the ``with`` block ends (always, or only on an error
    with ``error_cleanup=True``).

    Args:
        args: axes (stopped, and restored as ``restore_list`` says), context
            managers (exited), functions (called with ``kwargs``) or devices with
            one ``stop...`` method (called)
        restore_list: what to restore on the axes: ``axis.POS`` (move back to the
            position they had), ``axis.VEL``, ``axis.ACC``, ``axis.LIM``
        error_cleanup: clean up only when the block raised (Ctrl-C included)
        verbose: print the move back of the axes
        kwargs: passed to the clean-up functions

    Several failing clean-up actions raise one RuntimeError listing them all.
    """
    motors, functions, managers, stops = [], [], [], []
    for arg in args:
        if is_movable(arg):
            motors.append(arg)
        elif hasattr(arg, "__enter__") and hasattr(arg, "__exit__"):
            managers.append(arg)
        elif callable(arg):
            functions.append(arg)
        else:
            stops.append(_stop_method(arg))
    restore = set(restore_list)
    saved: dict[axis, list[tuple[Any, Any]]] = {}
    for what, attribute in ((axis.POS, "position"), (axis.VEL, "velocity"),
                            (axis.ACC, "acceleration"), (axis.LIM, "limits")):
        if what in restore:
            saved[what] = [(mot, getattr(mot, attribute)) for mot in motors if hasattr(mot, attribute)]
    run = not error_cleanup
    try:
        yield
    except BaseException:
        run = True
        raise
    finally:
        if run:
            _run_cleanup(motors, functions, managers, stops, saved, verbose, kwargs)


def _run_cleanup(motors: list, functions: list, managers: list, stops: list,
                 saved: dict, verbose: bool, kwargs: dict) -> None:
    errors: list[BaseException] = []

    def attempt(action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception as exc:
            errors.append(exc)

    for function in functions:
        attempt(lambda: function(**kwargs))
    exc_info = sys.exc_info()
    for manager in managers:
        attempt(lambda: manager.__exit__(*exc_info))
    for stop in stops:
        attempt(stop)
    for mot in motors:
        attempt(mot.stop)
    for what, attribute in ((axis.VEL, "velocity"), (axis.ACC, "acceleration"), (axis.LIM, "limits")):
        for mot, value in saved.get(what, []):
            attempt(lambda: setattr(mot, attribute, value))
    if saved.get(axis.POS):
        if verbose:
            from bliss_lite.commands.motion import umv

            attempt(lambda: umv(*[item for pair in saved[axis.POS] for item in pair]))
        else:
            attempt(lambda: move_together(saved[axis.POS]))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise RuntimeError("Multiple cleanup errors\n" + "\n".join(str(e) for e in errors))


def error_cleanup(*args: Any, **kwargs: Any) -> Any:
    """:func:`cleanup` run only when the ``with`` block raised (Ctrl-C included).

    Args:
        args: as :func:`cleanup` (axes, context managers, functions, devices)
        kwargs: as :func:`cleanup` (``restore_list``, ``verbose``, function arguments)

    Example::

        with error_cleanup(roby, restore_list=(axis.POS,)):
            ascan(roby, 0, 1, 10, 0.1, diode)   # roby goes back only if the scan fails
    """
    kwargs.setdefault("error_cleanup", True)
    return cleanup(*args, **kwargs)


@contextlib.contextmanager
def excepthook(custom_hook: Callable | None = None) -> Iterator[None]:
    """Report (with ``custom_hook`` or ``sys.excepthook``) instead of raising."""
    try:
        yield
    except BaseException:
        (custom_hook or sys.excepthook)(*sys.exc_info())


@contextlib.contextmanager
def capture_exceptions(raise_index: int | None = -1,
                       excepthook: Callable | None = None) -> Iterator[Callable]:
    """Run several steps, each in ``with capture():``, so that one failing step does
    not stop the others; at the end the exception ``raise_index`` (last by default,
    None: none) is raised and the others reported with ``excepthook``."""
    hook = excepthook or sys.excepthook
    captured: list[tuple] = []

    @contextlib.contextmanager
    def capture() -> Iterator[None]:
        try:
            yield
        except Exception:
            captured.append(sys.exc_info())

    try:
        with capture():
            yield capture
    finally:
        if captured:
            chosen = captured[raise_index] if raise_index is not None else None
            for info in captured:
                if info is not chosen:
                    hook(*info)
            if chosen is not None:
                raise chosen[1].with_traceback(chosen[2])
