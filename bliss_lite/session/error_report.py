"""The one-line error display of the shell and the ``last_error()`` command."""

from __future__ import annotations

import collections
import sys
import traceback
import warnings
from types import TracebackType
from typing import TextIO

from bliss_lite._common import exception_text, print_warning

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def one_line(exc: BaseException) -> str:
    """``!!! === ZeroDivisionError: division by zero === !!! ( for more details type cmd 'last_error()' )``"""
    return f"!!! === {exception_text(exc)} === !!! ( for more details type cmd 'last_error()' )"


class ErrorReport:
    """Remembers the tracebacks of the last errors and shows them in one line.

    ``report()`` prints the one-line form and keeps the full traceback;
    ``last_error()`` prints the traceback of the last error (``last_error(-2)``
    the one before, up to ``maxlen`` back).
    """

    def __init__(self, maxlen: int = 20) -> None:
        self.history: collections.deque[str] = collections.deque(maxlen=maxlen)

    def remember(self, exc_info: ExcInfo, hidden_files: tuple[str, ...] = ()) -> None:
        """Keep the traceback of ``exc_info``, dropping leading frames of ``hidden_files``."""
        etype, value, tb = exc_info
        while hidden_files and tb is not None and tb.tb_frame.f_code.co_filename.startswith(hidden_files):
            tb = tb.tb_next
        text = "".join(traceback.format_exception(etype, value, tb))
        self.history.append(text)

    def report(self, exc_info: ExcInfo | None = None, file: TextIO | None = None,
               hidden_files: tuple[str, ...] = ()) -> None:
        """Print the one-line form of ``exc_info`` (default: the exception being handled)."""
        if exc_info is None:
            exc_info = sys.exc_info()  # type: ignore[assignment]
        self.remember(exc_info, hidden_files)
        print(one_line(exc_info[1]), file=file if file is not None else sys.stderr, flush=True)

    def last_error(self, index: int = -1) -> None:
        """Print the full traceback of the last error (or of ``history[index]``)."""
        if not self.history:
            print("No error so far.")
            return
        try:
            print(self.history[index], end="")
        except IndexError:
            print(f"No error at index {index}: {len(self.history)} error(s) remembered.")

    def __call__(self, index: int = -1) -> None:
        self.last_error(index)

    def __repr__(self) -> str:
        return f"<last_error: {len(self.history)} error(s) remembered; call last_error() to see the last one>"


class OneLineWarnings:
    """While installed, warnings raised by bliss_lite itself (the writer's skipped
    metadata, say) print as one ``WARNING: ...`` line, like every other warning of the
    session, instead of Python's ``file:line: Category: message`` + source line.
    Other warnings keep Python's format."""

    def __init__(self) -> None:
        self._previous = None

    def install(self) -> None:
        if self._previous is None:
            self._previous = warnings.showwarning
            warnings.showwarning = self._show

    def uninstall(self) -> None:
        if self._previous is not None and warnings.showwarning == self._show:
            warnings.showwarning = self._previous
        self._previous = None

    def _show(self, message, category, filename, lineno, file=None, line=None) -> None:
        if category.__module__.startswith("bliss_lite."):
            print_warning(str(message), file)
        elif self._previous is not None:
            self._previous(message, category, filename, lineno, file, line)
