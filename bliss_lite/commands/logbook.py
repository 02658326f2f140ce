"""Logging and the electronic logbook, as BLISS's ``bliss.common.logtools`` and the
logging names of ``bliss.shell.standard``.

* ``log_debug(obj, msg)`` / ``log_info`` / ``log_warning`` / ``log_error`` /
  ``log_critical`` / ``log_exception`` go to the object's logger
  (``global.controllers.<name>``, as BLISS names them); ``debugon(roby)`` /
  ``debugoff("*roby*")`` / ``lslog()`` / ``lsdebug()`` manage their levels.
* ``user_print(...)`` prints for the user; ``elog_print(...)`` prints and writes to
  the session's electronic logbook, a text file per session next to its state
  (``<state dir>/<session>.elog.txt``), shown by ``elogbook()``.
* ``log_stdout("/some/dir")`` copies everything the shell prints into a file.
"""

from __future__ import annotations

import datetime
import fnmatch
import logging
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["get_logger", "log_debug", "log_info", "log_warning", "log_error", "log_critical",
           "log_exception", "user_print", "elog_print", "elog_add", "elog_prdef", "elog_plot",
           "elogbook", "Elogbook", "lslog", "lsdebug", "debugon", "debugoff",
           "show_debug_level_msg", "log_stdout"]

_FORMAT = "%(levelname)s %(asctime)s %(name)s: %(message)s"
_handler: logging.Handler | None = None


def _install_handler() -> logging.Handler:
    """One stderr handler for BLISS's logger trees (``global.*``, ``bliss.*``)."""
    global _handler
    if _handler is None:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(logging.Formatter(_FORMAT))
        for top in ("global", "bliss"):
            logger = logging.getLogger(top)
            logger.addHandler(_handler)
            logger.propagate = False
            if logger.level == logging.NOTSET:
                logger.setLevel(logging.WARNING)
    return _handler


def _logger_name(obj: Any) -> str:
    if isinstance(obj, str):
        return obj
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name:
        return f"global.controllers.{name}"
    cls = type(obj)
    return f"bliss.{cls.__module__.split('.')[-1]}.{cls.__name__}"


def get_logger(obj: Any) -> logging.Logger:
    """The logger of ``obj`` (``global.controllers.roby`` for the object ``roby``)."""
    _install_handler()
    return logging.getLogger(_logger_name(obj))


def log_debug(instance: Any, msg: str, *args: Any, **kwargs: Any) -> None:
    """Log ``msg % args`` at DEBUG level on ``instance``'s logger (shown after ``debugon``)."""
    get_logger(instance).debug(msg, *args, **kwargs)


def log_info(instance: Any, msg: str, *args: Any, **kwargs: Any) -> None:
    """Log ``msg % args`` at INFO level on ``instance``'s logger."""
    get_logger(instance).info(msg, *args, **kwargs)


def log_warning(instance: Any, msg: str, *args: Any, **kwargs: Any) -> None:
    """Log ``msg % args`` at WARNING level on ``instance``'s logger (shown by default)."""
    get_logger(instance).warning(msg, *args, **kwargs)


def log_error(instance: Any, msg: str, *args: Any, **kwargs: Any) -> None:
    """Log ``msg % args`` at ERROR level on ``instance``'s logger."""
    get_logger(instance).error(msg, *args, **kwargs)


def log_critical(instance: Any, msg: str, *args: Any, **kwargs: Any) -> None:
    """Log ``msg % args`` at CRITICAL level on ``instance``'s logger."""
    get_logger(instance).critical(msg, *args, **kwargs)


def log_exception(instance: Any, msg: str, *args: Any, **kwargs: Any) -> None:
    """Log ``msg % args`` at ERROR level with the traceback of the exception being handled."""
    get_logger(instance).exception(msg, *args, **kwargs)


def user_print(*args: Any, **kwargs: Any) -> None:
    """Print for the user (as ``print``; BLISS silences it inside ``disable_print()``)."""
    print(*args, **kwargs)


# -- levels ------------------------------------------------------------------------------

def _find_loggers(pattern: str) -> dict[str, logging.Logger]:
    manager = logging.root.manager
    return {name: logger for name, logger in sorted(manager.loggerDict.items())
            if isinstance(logger, logging.Logger) and fnmatch.fnmatchcase(name, pattern)}


def _show(loggers: dict[str, logging.Logger], debug_only: bool) -> None:
    rows = [(name, logging.getLevelName(lg.getEffectiveLevel()), logging.getLevelName(lg.level))
            for name, lg in loggers.items()
            if not debug_only or lg.getEffectiveLevel() == logging.DEBUG]
    if not rows:
        print("No loggers found [Debug only]" if debug_only else "No loggers found")
        return
    width = max(len(name) for name, _, _ in rows)
    print("\n" + f"{'logger name':{width}} {'efflevel':8} {'level':8}")
    print(f"{'=' * width} {'=' * 8} {'=' * 8}")
    for row in rows:
        print(f"{row[0]:{width}} {row[1]:8} {row[2]:8}")
    print()


def lslog(glob: str | None = None, debug_only: bool = False) -> None:
    """List the loggers and their levels.

    Args:
        glob: a logger name pattern with ``*`` and ``?`` (default: every BLISS logger)
        debug_only: list only the loggers at DEBUG level

    Examples: ``lslog()``, ``lslog('*roby*')``.
    """
    _install_handler()
    if glob is None:
        loggers = {**_find_loggers("bliss*"), **_find_loggers("global*")}
    else:
        loggers = _find_loggers(glob)
    _show(loggers, debug_only)


def lsdebug(glob: str | None = None, debug_only: bool = False) -> None:
    """List the loggers at DEBUG level (``lslog(glob, debug_only=True)``).

    Args:
        glob: a logger name pattern with ``*`` and ``?``
        debug_only: accepted for compatibility (always True)
    """
    lslog(glob, debug_only=True)


def _loggers_for(target: Any) -> dict[str, logging.Logger]:
    if isinstance(target, str):
        found = _find_loggers(target)
        if not found and not any(c in target for c in "*?["):
            found = {target: logging.getLogger(target)}
        return found
    logger = get_logger(target)
    return {logger.name: logger}


def debugon(glob_logger_pattern_or_obj: Any, gm_filter: str | None = None) -> None:
    """Show the debug messages of an object, or of the loggers matching a pattern.

    Args:
        glob_logger_pattern_or_obj: an object of the session, or a logger name
            pattern (``"*roby*"``)
        gm_filter: accepted for compatibility (BLISS's global-map filter)
    """
    _install_handler().setLevel(logging.NOTSET)
    loggers = _loggers_for(glob_logger_pattern_or_obj)
    for logger in loggers.values():
        logger.setLevel(logging.DEBUG)
    if loggers:
        print("Setting " + ", ".join(f"{name} to show debug messages" for name in loggers))
    else:
        print(f"NO loggers found for [{glob_logger_pattern_or_obj}]")


def debugoff(glob_logger_pattern_or_obj: Any, gm_filter: str | None = None) -> None:
    """Stop showing the debug messages switched on by :func:`debugon`.

    Args:
        glob_logger_pattern_or_obj: an object of the session, or a logger name pattern
        gm_filter: accepted for compatibility
    """
    loggers = _loggers_for(glob_logger_pattern_or_obj)
    for logger in loggers.values():
        logger.setLevel(logging.NOTSET)
    if loggers:
        print("Setting " + ", ".join(f"{name} to hide debug messages" for name in loggers))
    else:
        print(f"NO loggers found for [{glob_logger_pattern_or_obj}]")


def show_debug_level_msg(enable: bool = True) -> None:
    """Show (or hide) the messages of loggers set to DEBUG level.

    Args:
        enable: True to show them, False to hide them (WARNING and above still show)
    """
    _install_handler().setLevel(logging.NOTSET if enable else logging.INFO)


# -- the electronic logbook ------------------------------------------------------------------

def _session_store() -> Any:
    from bliss_lite.commands.lookup import config

    return getattr(config(), "store", None)


class Elogbook:
    """The session's electronic logbook: a text file per session next to its state
    (``<state dir>/<session>.elog.txt``).  ``elogbook()`` shows its last entries;
    ``elogbook.comment("text")``, ``.info``, ``.warning``, ``.error``, ``.command``
    and ``.print(...)`` add one; ``disable()`` / ``enable()`` stop and restart it.

    Args:
        last: (when called) how many of the last lines to show, 20 by default
    """

    def __init__(self) -> None:
        self.disabled = False
        self.beamline_only: bool | None = None
        self.log_scan_info: bool | None = None

    @property
    def path(self) -> Path | None:
        """The logbook file of the open session (None without a session)."""
        store = _session_store()
        if store is None:
            return None
        return Path(store.directory) / f"{store.session_name}.elog.txt"

    def _write(self, kind: str, text: str, tags: Any = None) -> None:
        if self.disabled:
            return
        path = self.path
        if path is None:
            print("Warning: no session is open: the message is not kept in a logbook",
                  file=sys.stderr)
            return
        stamp = datetime.datetime.now().isoformat(sep=" ", timespec="seconds")
        badges = f" [{', '.join(map(str, tags))}]" if tags else ""
        lines = str(text).splitlines() or [""]
        entry = f"{stamp} {kind.upper():8}{badges} {lines[0]}\n"
        entry += "".join(f"{' ' * (len(stamp) + 10)}{line}\n" for line in lines[1:])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as stream:
                stream.write(entry)
        except OSError as exc:
            print(f"Warning: cannot write the logbook {path} ({exc.strerror})", file=sys.stderr)

    def comment(self, msg: Any, *args: Any, tags: Any = None, **kwargs: Any) -> None:
        """Add a user comment."""
        self._write("comment", str(msg) % args if args else msg, tags)

    def command(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Add a user command."""
        self._write("command", str(msg) % args if args else msg)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._write("info", str(msg) % args if args else msg)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._write("warning", str(msg) % args if args else msg)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._write("error", str(msg) % args if args else msg)

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._write("debug", str(msg) % args if args else msg)

    def print(self, *args: Any, sep: str = " ", end: str = "", mimetype: str | None = None,
              tags: Any = None, **kwargs: Any) -> None:
        """Add a comment made as ``print`` would make it."""
        self._write("comment", sep.join(str(arg) for arg in args) + end, tags)

    def enable(self) -> None:
        self.disabled = False

    def disable(self) -> None:
        self.disabled = True

    def entries(self, last: int | None = None) -> list[str]:
        """The logbook's lines (the ``last`` ones)."""
        path = self.path
        if path is None or not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return lines[-last:] if last else lines

    def __call__(self, last: int = 20) -> None:
        """Show the last ``last`` entries of the session's logbook."""
        path = self.path
        lines = self.entries(last)
        if not lines:
            print(f"The logbook {path} is empty" if path else "No session is open: no logbook")
            return
        print(f"Logbook {path} (last {len(lines)} lines):")
        for line in lines:
            print(line)

    def __info__(self) -> str:
        state = "DISABLED" if self.disabled else "ENABLED"
        return (f"ELogBook is {state}\nfile = {self.path}\n"
                f"beamline_only = {self.beamline_only}\nlog_scan_info = {self.log_scan_info}\n")


elogbook = Elogbook()


def elog_print(*args: Any, **kwargs: Any) -> None:
    """Print, and add what is printed to the session's electronic logbook.

    Args:
        args: printed as ``print`` does
        kwargs: ``sep``, ``end``, ``tags`` (badges of the entry), ``mimetype``
    """
    sep, end = kwargs.get("sep", " "), kwargs.get("end", "\n")
    print(*args, sep=sep, end=end)
    elogbook.print(*args, sep=sep, tags=kwargs.get("tags"))


def elog_add(index: int = -1, **kw: Any) -> None:
    """Send a cell's output to the logbook.

    Args:
        index: the prompt number of the cell (``elog_add(42)``), or negative,
            relative to the current cell (default -1: the previous one)
        kw: ``tags`` of the entry
    """
    from bliss_lite.commands.lookup import namespace

    if not isinstance(index, int):
        print("Warning: elog_add should be called with a number, for example 'elog_add(42)'",
              file=sys.stderr)
        return
    outputs = namespace().get("Out")
    if not isinstance(outputs, dict) or not outputs:
        print("Warning: no cell output to send to the logbook", file=sys.stderr)
        return
    count = namespace().get("_ih")
    current = len(count) - 1 if isinstance(count, list) else max(outputs) + 1
    number = index if index >= 0 else current + index
    if number not in outputs:
        print(f"Warning: cell {number} has no output", file=sys.stderr)
        return
    from bliss_lite.commands.utils import info

    elogbook.comment(info(outputs[number]), tags=kw.get("tags"))


def elog_prdef(obj_or_name: Any) -> None:
    """Send the source code of a function (or of the session name given) to the logbook.

    Args:
        obj_or_name: the object, or its name in the session as a string
    """
    from bliss_lite.commands.utils import _source_of

    header, code = _source_of(obj_or_name)
    elogbook.comment(header + code)


def elog_plot(controller: Any = None, *, tags: list[str] | None = None,
              beamline_only: bool | None = None) -> None:
    """Export the current plot to the logbook (needs the live plot window, Flint).

    Args:
        controller: a Lima or MCA controller whose plot to export
        tags: badges of the entry
        beamline_only: accepted for compatibility
    """
    print("Flint is not available or not reachable")


# -- copy of the shell output ----------------------------------------------------------------

class _StdoutCopy:
    def __init__(self, stream: Any, path: Path) -> None:
        self.stream = stream
        self.path = path
        self.file = open(path, "a", encoding="utf-8")

    def write(self, text: str) -> int:
        self.file.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.file.flush()
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def log_stdout(fdir: Any = None, fname: str | None = None) -> None:
    """Copy everything the shell prints into the file ``<fdir>/<fname>``.

    Args:
        fdir: the directory of the file; ``False`` stops the copy; None with no
            ``fname`` shows where the output goes
        fname: the file name (default ``<session>_<date>.log``; ``''``: the default)

    The choice is saved with the session and applied again at its next start.
    """
    store = _session_store()
    saved = (store.get("shell.log_stdout") if store is not None else None) or {}
    current = sys.stdout if isinstance(sys.stdout, _StdoutCopy) else None
    if fdir is None and fname is None:
        print(f"stdout logging is {'enabled' if current else 'disabled'}"
              + (f": {current.path}" if current else ""))
        return
    if current is not None:
        current.file.close()
        sys.stdout = current.stream
    if fdir is False:
        if store is not None:
            store.delete("shell.log_stdout")
        print("stdout logging is disabled")
        return
    folder = Path(os.fspath(fdir)) if fdir not in (None, True) else Path(saved.get("fdir") or "")
    if not str(folder) or str(folder) == ".":
        raise ValueError("log_stdout: give the directory of the file first, e.g. log_stdout('/tmp')")
    name = fname if fname else f"{getattr(store, 'session_name', 'bliss')}_{datetime.date.today():%Y%m%d}.log"
    folder.mkdir(parents=True, exist_ok=True)
    sys.stdout = _StdoutCopy(sys.stdout, folder / name)
    if store is not None:
        store.set("shell.log_stdout", {"fdir": str(folder), "fname": fname or ""})
    print(f"stdout logging is enabled: {folder / name}")


def restore_log_stdout() -> None:
    """Start the copy saved by :func:`log_stdout` in an earlier run (called by the shell)."""
    store = _session_store()
    saved = store.get("shell.log_stdout") if store is not None else None
    if isinstance(saved, dict) and saved.get("fdir"):
        try:
            log_stdout(saved["fdir"], saved.get("fname") or None)
        except OSError as exc:
            print(f"Warning: cannot copy the output to {saved['fdir']} ({exc})", file=sys.stderr)
