"""What the scan engine does with a counter that fails or returns a bad value.

The point loop stays fast: it only checks how many values a counter returned.  The
values' types and shapes are checked when a block of points becomes arrays
(:func:`as_array`); on a bad value the engine hands over the points before it and
stops the scan with one sentence naming the counter, the point index and what it
returned (:func:`first_bad`).  An exception raised by a counter, or a return that is
no list at all, is worded by :func:`failure`.  NaN is data, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy

from bliss_lite._common import exception_text

_NUMERIC = "fiub"


class WrongCount(Exception):
    """A counter returned more or fewer values than it has channels."""

    def __init__(self, counter: Any, values: Any) -> None:
        super().__init__()
        self.counter = counter
        self.values = values


class BadValue(Exception):
    """A block holds a value that does not fit its channel."""


class CounterError(RuntimeError):
    """A counter failed during a scan (when its own exception type cannot carry the
    sentence)."""


class CounterValueError(ValueError):
    """A counter returned a value its channel cannot hold."""


def _show(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text if value is None else f"{text} ({type(value).__name__})"


def _name(counter: Any) -> str:
    return str(getattr(counter, "name", counter))


def _plural(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"


def failure(exc: BaseException, index: int, values: Any,
            order: Sequence[tuple[Any, Sequence[Any]]]) -> BaseException:
    """The exception ending the scan after reading point ``index`` failed with
    ``exc``; ``values`` is the last thing a counter returned, ``order`` the
    (counter, its channels) in the order the point reads them."""
    if isinstance(exc, WrongCount):
        expected = next((len(chs) for c, chs in order if c is exc.counter), 1)
        try:
            count = f"{len(exc.values)} values"
        except TypeError:
            count = _show(exc.values)
        return CounterValueError(f"counter '{_name(exc.counter)}' returned {count} at point {index} "
                                 f"instead of {_plural(expected)}")
    lengths = [len(chs[0].values) if chs else 0 for _, chs in order]
    shortest = min(lengths, default=0)
    counter, channels = next(((c, chs) for (c, chs), n in zip(order, lengths) if n == shortest),
                             (None, ()))
    name = _name(counter)
    tb = exc.__traceback__
    if tb is not None and tb.tb_next is None:  # raised by the engine's own len()/indexing: a bad return
        return CounterValueError(f"counter '{name}' returned {_show(values)} at point {index} "
                                 f"instead of a list of {_plural(max(len(channels), 1))}")
    message = f"counter '{name}' failed at point {index}: {exception_text(exc)}"
    try:
        worded = type(exc)(message)
        if str(worded) == message:
            return worded
    except Exception:
        pass
    return CounterError(message)


def as_array(values: list, dtype: numpy.dtype, shape: Sequence[int]) -> numpy.ndarray:
    """``values`` (one per point) as an array of ``dtype``; :class:`BadValue` when one
    is not a number (for a numeric channel) or has the wrong shape."""
    if dtype.kind not in _NUMERIC:
        return numpy.array(values, dtype=dtype)
    try:
        array = numpy.asarray(values)
    except (TypeError, ValueError):
        raise BadValue() from None
    if array.dtype.kind not in _NUMERIC or array.shape[1:] != tuple(shape):
        raise BadValue()
    return array.astype(dtype, copy=False)


def _fits(value: Any, shape: tuple) -> bool:
    try:
        array = numpy.asarray(value)
    except (TypeError, ValueError):
        return False
    return array.dtype.kind in _NUMERIC and array.shape == shape


@dataclass
class Bad:
    """The first bad value of a block: its index in the block, the counter, the value."""

    index: int
    counter: str
    value: Any
    shape: tuple

    def error(self, point: int) -> CounterValueError:
        what = "a number" if not self.shape else f"an array of shape {self.shape}"
        return CounterValueError(f"counter '{self.counter}' returned {_show(self.value)} at point {point} "
                                 f"instead of {what}")


def first_bad(channels: Sequence[Any], n: int, counters: dict[str, str]) -> Bad:
    """The first bad value among the first ``n`` pending values of ``channels``."""
    found: Bad | None = None
    for channel in channels:
        if channel.variable or channel.dtype.kind not in _NUMERIC:
            continue
        shape = tuple(channel.spec.shape)
        for i, value in enumerate(channel.values[: n if found is None else found.index]):
            if not _fits(value, shape):
                name = counters.get(channel.spec.fullname, channel.spec.name)
                found = Bad(i, name, value, shape)
                break
    return found if found is not None else Bad(0, "?", None, ())
