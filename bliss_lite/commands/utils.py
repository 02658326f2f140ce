"""The shell's everyday helpers of BLISS's ``bliss.shell.standard``: ``sleep``,
``countdown``, ``date``, ``pprint``, ``bench``, ``clear``, ``prdef``, ``info``,
``print_html`` / ``print_ansi``, ``text_block``, ``test_color_styles``,
``feedback_info``, ``pon`` / ``poff``, ``time_profile``, ``greenlets_tree`` /
``greenlets_monitor`` (bliss_lite runs on threads: they show threads).
"""

from __future__ import annotations

import contextlib
import datetime
import inspect
import io
import os
import sys
import threading
import time
from pprint import pprint
from time import asctime as date
from typing import Any, Callable, Iterator

__all__ = ["sleep", "date", "pprint", "countdown", "bench", "clear", "prdef", "info",
           "print_html", "print_ansi", "text_block", "TextBlock", "test_color_styles",
           "feedback_info", "feedback_info_str", "pon", "poff", "time_profile",
           "greenlets_tree", "greenlets_monitor", "duration_text", "rand"]


def sleep(seconds: float = 0, ref: bool = True) -> None:
    """Wait ``seconds`` (Ctrl-C interrupts), like ``gevent.sleep``.

    Args:
        seconds: time to wait, in seconds (0: just let other threads run)
        ref: accepted for compatibility with gevent.sleep; no effect
    """
    time.sleep(max(float(seconds), 0.0))


def rand(*shape: int) -> Any:
    """Random values uniform in [0, 1), as ``numpy.random.rand``: ``rand()`` is one
    float, ``rand(3)`` an array of 3, ``rand(2, 4)`` a 2 x 4 array.  (numpy.random is
    imported at the first call, not at every start of the shell.)

    Args:
        shape: the dimensions of the array; none for a single float
    """
    from numpy.random import rand as numpy_rand

    return numpy_rand(*shape)


def duration_text(seconds: float) -> str:
    """``2ms 119μs``, ``1s 250ms``, ``3min 2s``: a duration as BLISS prints it."""
    if seconds >= 60:
        minutes, rest = divmod(int(round(seconds)), 60)
        hours, minutes = divmod(minutes, 60)
        parts = [f"{hours}h"] if hours else []
        return " ".join(parts + [f"{minutes}min", f"{rest}s"])
    micro = int(round(seconds * 1e6))
    units = (("s", 1_000_000), ("ms", 1_000), ("μs", 1))
    parts = []
    for unit, size in units:
        value, micro = divmod(micro, size)
        if value or (parts and unit != "μs"):
            parts.append(f"{value}{unit}")
    return " ".join(part for part in parts if not part.startswith("0")) or "0μs"


@contextlib.contextmanager
def bench() -> Iterator[None]:
    """Time the commands of a ``with`` block and print how long they took.

    Example::

        with bench():
            ct(0.1)
        # Execution time: 103ms 519μs
    """
    start = time.perf_counter()
    try:
        yield
    finally:
        print(f"Execution time: {duration_text(time.perf_counter() - start)}")


def clear() -> None:
    """Clear the terminal screen."""
    if sys.stdout.isatty():
        sys.stdout.write("\033[H\033[2J\033[3J")
        sys.stdout.flush()


def _source_of(obj_or_name: Any) -> tuple[str, str]:
    obj = obj_or_name
    if isinstance(obj_or_name, str):
        from bliss_lite.commands.lookup import namespace

        env = namespace()
        if obj_or_name not in env:
            raise NameError(f"prdef: '{obj_or_name}' is not a name of the session")
        obj = env[obj_or_name]
    target = inspect.unwrap(obj) if callable(obj) else obj
    try:
        lines, first = inspect.getsourcelines(target)
        filename = inspect.getsourcefile(target) or "?"
    except (TypeError, OSError):
        raise TypeError(f"prdef: no source code for {obj_or_name!r}") from None
    name = getattr(target, "__qualname__", getattr(target, "__name__", str(obj_or_name)))
    return f"'{name}' is defined in:\n{filename}:{first}\n", "".join(lines)


def prdef(obj_or_name: Any) -> None:
    """Show the source code of a function, class or method (or of the session name given).

    Args:
        obj_or_name: the object, or its name in the session as a string
    """
    header, code = _source_of(obj_or_name)
    print(header)
    if sys.stdout.isatty():
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer

        code = highlight(code, PythonLexer(), TerminalFormatter())
    print(code)


def info(obj: Any) -> str:
    """The text the shell shows for ``obj``: its ``__info__()``, else its repr.

    Args:
        obj: any object of the session
    """
    method = getattr(type(obj), "__info__", None)
    if callable(method) and not isinstance(obj, type):
        text = obj.__info__()
        return text if isinstance(text, str) else str(text)
    return repr(obj)


def print_html(text: str, **kwargs: Any) -> None:
    """Print text marked up as prompt_toolkit HTML, e.g. ``print_html("<b><red>Hi!</red></b>")``.

    Args:
        text: the marked-up text
        kwargs: passed to prompt_toolkit's print_formatted_text (end, sep, flush...)
    """
    from prompt_toolkit import HTML, print_formatted_text

    print_formatted_text(HTML(text), **kwargs)


def print_ansi(text: str, **kwargs: Any) -> None:
    """Print text holding ANSI escape sequences, e.g. ``print_ansi("\\033[94mHi!\\033[0m")``.

    Args:
        text: the text with its escape sequences
        kwargs: passed to prompt_toolkit's print_formatted_text
    """
    from prompt_toolkit import ANSI, print_formatted_text

    print_formatted_text(ANSI(text), **kwargs)


def test_color_styles() -> None:
    """Print one line in each colour the shell uses."""
    from bliss_lite.utils import ColorTags

    for name, code in vars(ColorTags).items():
        if name.isupper() and name != "END":
            print(f"{code}COLOR TEST {name}{ColorTags.END}")


class TextBlock:
    """The block of text a ``text_block()`` keeps up to date."""

    def __init__(self, render: Callable[[], tuple[int, Any]] | None, stream: Any) -> None:
        self._render = render
        self._stream = stream
        self._text: str | None = None
        self._height = 0
        self._lock = threading.Lock()

    def set_text(self, text: str) -> None:
        """Show ``text`` now instead of what the render callback gives."""
        with self._lock:
            self._text = str(text)
            self._render = None
        self._draw()

    def _current(self) -> str:
        if self._render is not None:
            _height, text = self._render()
            return str(text)
        return self._text or ""

    def _draw(self) -> None:
        if self._stream is None:
            return
        with self._lock:
            try:
                text = self._current()
            except Exception as exc:
                text = f"(text_block render failed: {type(exc).__name__}: {exc})"
            out = self._stream
            if self._height:
                out.write(f"\r\033[{self._height - 1}A" if self._height > 1 else "\r")
                out.write("\033[J")
            out.write(text)
            out.flush()
            self._height = text.count("\n") + 1

    def _finish(self) -> None:
        if self._stream is not None and self._height:
            self._stream.write("\n")
            self._stream.flush()


@contextlib.contextmanager
def text_block(render: Callable[[], tuple[int, Any]] | None = None,
               key_bindings: list[str] | None = None, extra_status_bar: str | None = None,
               gentle_stop: bool = False, reemit_input: bool = False) -> Iterator[TextBlock]:
    """A block of text kept up to date while the ``with`` block runs (on a terminal;
    elsewhere only the last text is printed at the end).

    Args:
        render: called 10 times a second, returns ``(height, text)``
        key_bindings: accepted for compatibility (no key is read while the block runs)
        extra_status_bar: accepted for compatibility
        gentle_stop: accepted for compatibility
        reemit_input: accepted for compatibility

    Example::

        start = time.time()
        with text_block(lambda: (1, f"{time.time() - start:.1f} s")):
            sleep(2)
    """
    live = sys.stdout.isatty()
    block = TextBlock(render, sys.stdout if live else None)
    stop = threading.Event()

    def refresh() -> None:
        while not stop.wait(0.1):
            block._draw()

    thread = None
    if live:
        block._draw()
        thread = threading.Thread(target=refresh, name="text_block", daemon=True)
        thread.start()
    try:
        yield block
    finally:
        stop.set()
        if thread is not None:
            thread.join()
            block._draw()
            block._finish()
        elif block._text or render is not None:
            try:
                print(block._current())
            except Exception:
                pass


def countdown(duration_s: float, message: str = "Waiting...", end_message: str | None = None,
              seconds_only: bool = False) -> None:
    """Wait ``duration_s`` seconds while showing the time left.

    Args:
        duration_s: how long to wait, in seconds
        message: the text shown before the time left
        end_message: printed once the countdown is over (if given)
        seconds_only: show the time left in seconds rather than minutes and seconds

    Example: ``countdown(2, 'waiting for refill', 'Gooooo !')``
    """
    start = time.time()

    def render() -> tuple[int, str]:
        left = max(int(duration_s - (time.time() - start) + 1), 0)
        if seconds_only or left < 60:
            return 1, f"{message} {left:4d} seconds"
        return 1, f"{message} {left // 60} minutes and {left % 60} seconds"

    if sys.stdout.isatty():
        with text_block(render) as block:
            sleep(duration_s)
            block.set_text(f"{message} {0:4d} second")
    else:
        sleep(duration_s)
    if end_message:
        print(end_message)


def feedback_info_str() -> str:
    """Versions, platform and session, to paste into a bug report."""
    import platform

    from bliss_lite import __version__
    from bliss_lite.commands.lookup import config

    cfg = config()
    store = getattr(cfg, "store", None)
    lines = [
        f"              DATE: {datetime.datetime.now():%Y-%m-%d %H:%M:%S.%f}",
        f"          PLATFORM: {platform.platform()}",
        f"  PLATFORM VERSION: {platform.version()}",
        f"              HOST: {platform.node()}",
        f"            PYTHON: {sys.version.split()[0]} ({sys.executable})",
        f"bliss_lite release: {__version__}",
        f"           SESSION: {getattr(store, 'session_name', None)}",
        f"         BEAMLINE : {getattr(cfg, 'root', None)}",
    ]
    return "\n".join(lines) + "\n"


def feedback_info() -> None:
    """Print :func:`feedback_info_str` (versions, platform, session)."""
    print(feedback_info_str())


class _Tee(io.TextIOBase):
    def __init__(self, stream: Any, copy: io.StringIO) -> None:
        self.stream, self.copy = stream, copy

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


_printer: dict[str, Any] = {}


def pon() -> None:
    """Start copying what the shell prints, to send it to the printer with :func:`poff`."""
    if _printer:
        raise RuntimeError("Output already redirected to the printer")
    copy = io.StringIO()
    _printer.update(stdout=sys.stdout, copy=copy)
    sys.stdout = _Tee(sys.stdout, copy)


def poff() -> None:
    """Stop the copy started by :func:`pon` and send it to the default printer
    (``lp``); without a printer command the text is kept in a file and its name printed."""
    import shutil
    import subprocess
    import tempfile

    if not _printer:
        raise RuntimeError("Output is not redirected to the printer (call pon() first)")
    sys.stdout = _printer.pop("stdout")
    text = _printer.pop("copy").getvalue()
    if not text:
        print("Nothing was printed since pon(): nothing sent to the printer")
        return
    lp = shutil.which("lp") or shutil.which("lpr")
    if lp is not None:
        done = subprocess.run([lp], input=text.encode(), capture_output=True)
        if done.returncode == 0:
            print(f"Output sent to the printer ({len(text.splitlines())} lines)")
            return
    fd, path = tempfile.mkstemp(prefix="bliss_lite_print_", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(text)
    print(f"No printer available: the output is kept in {path}")


class time_profile:
    """Profile the commands of a ``with`` block and print where the time went.

    Args:
        restrictions: what to print: an int (that many lines), a float (that
            fraction of the lines) or a string (a regular expression on the names)
        sortby: 'tsub' (time excluding sub-calls), 'ttot' (including them, default)
            or 'tavg' (per call)
        filename: also write the statistics to this file (pstats format)
        clock: accepted for compatibility ('wall' or 'cpu'; the profiler uses wall time)

    Example::

        with time_profile(10, sortby="tsub"):
            ascan(roby, 0, 1, 10, 0.01, diode)
    """

    _SORT = {"tsub": "tottime", "ttot": "cumulative", "tavg": "percall", None: "cumulative"}

    def __init__(self, *restrictions: int | float | str, sortby: str | None = None,
                 filename: str | None = None, clock: str | None = None) -> None:
        if sortby not in self._SORT:
            raise ValueError(f"time_profile: sortby must be 'tsub', 'ttot' or 'tavg', got {sortby!r}")
        self._restrictions = restrictions or (20,)
        self._sortby = self._SORT[sortby]
        self._filename = filename
        self._profile: Any = None

    def __enter__(self) -> "time_profile":
        import cProfile

        self._profile = cProfile.Profile()
        self._profile.enable()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        import pstats

        self._profile.disable()
        stats = pstats.Stats(self._profile, stream=sys.stdout)
        if self._filename:
            stats.dump_stats(self._filename)
        stats.strip_dirs().sort_stats(self._sortby).print_stats(*self._restrictions)


def _threads_text() -> str:
    lines = []
    main = threading.main_thread()
    for thread in threading.enumerate():
        kind = "main" if thread is main else ("daemon" if thread.daemon else "thread")
        lines.append(f"{thread.name} ({kind}, id {thread.ident})")
    return "\n".join(["Threads of this process:"] + [f"  {line}" for line in lines])


def greenlets_tree() -> None:
    """Show the threads running in the session (bliss_lite uses threads where BLISS
    uses greenlets)."""
    print(_threads_text())


def greenlets_monitor() -> None:
    """Show the running threads, refreshed every second, until Ctrl-C."""
    start = time.perf_counter()

    def render() -> tuple[int, str]:
        text = _threads_text() + f"\n{time.perf_counter() - start:.1f}s"
        return text.count("\n") + 1, text

    with text_block(render):
        while True:
            time.sleep(1)
