"""The per-session state store: a JSON file that survives restarts and crashes.

``set()`` only touches memory (it is called on every motor move of a fast scan); a
daemon timer writes the file at most every :data:`FLUSH_DELAY` seconds, and
``flush()``, ``close()`` and interpreter exit write it at once.  Every write is atomic
(temporary file, fsync, ``os.replace``), so a crash leaves the previous or the new
state, never a partial file.  A missing file is a first start (:attr:`StateStore.is_new`);
an unreadable or damaged one never stops a session either: the store starts empty and
says why in :attr:`StateStore.warnings`.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import weakref
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from bliss_lite._common import NotAFileError, pid_alive, print_warning, read_file
from bliss_lite.settings import schema
from bliss_lite.settings.paths import state_dir

__all__ = ["FLUSH_DELAY", "StateStore"]

FLUSH_DELAY = 0.5
"""Seconds after which a ``set()`` is on disk (a ``kill -9`` then keeps it)."""
_WRITE_AFTER = 0.6 * FLUSH_DELAY  # the background write starts then, leaving room for the write

_OPEN_STORES: "weakref.WeakSet[StateStore]" = weakref.WeakSet()


def _encode(value: Any, key: str) -> str:
    try:
        return json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"state '{key}' cannot be saved: {exc}") from None


class StateStore:
    """Key → JSON value state of one session, in ``<directory>/<session_name>.json``
    (``directory`` defaults to :func:`state_dir`).

    Example: ``store.set("axis.roby", {"position": 1.5})`` then, after a restart,
    ``store.get("axis.roby")`` → ``{'position': 1.5}``.

    ``is_new`` is True when no state file existed (a first start: the file is created
    empty); ``warnings`` lists what went wrong with the file (damaged, unreadable,
    cannot be written), one sentence each.
    """

    def __init__(self, session_name: str, directory: Path | str | None = None) -> None:
        if not session_name or any(c in session_name for c in "/\\\0") or session_name[0] == ".":
            raise ValueError(f"'{session_name}' cannot name a state file")
        self.session_name = session_name
        self.directory = Path(directory) if directory is not None else state_dir()
        self.path = self.directory / f"{session_name}.json"
        self.warnings: list[str] = []
        self.is_new = False
        self._data: dict[str, Any] = {}
        self._encoded: dict[str, str] = {}
        self._later: dict[str, Callable[[], Any]] = {}
        self._lock = threading.Lock()          # guards the data and the timer
        self._write_lock = threading.Lock()    # one file write at a time
        self._dirty = False
        self._version = 0
        self._timer: threading.Timer | None = None
        self._closed = False
        self._load()
        _OPEN_STORES.add(self)

    def __repr__(self) -> str:
        return f"<StateStore {self.session_name!r} at {str(self.path)!r}>"

    # -- reading ------------------------------------------------------------------------

    def _warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def _tmp_path(self, pid: int) -> Path:
        return self.path.with_name(f".{self.path.name}.{pid}.tmp")

    def _remove_stale_tmp(self) -> None:
        """Temporary files of processes killed while writing."""
        prefix, suffix = f".{self.path.name}.", ".tmp"
        try:
            candidates = [p for p in self.directory.iterdir()
                          if p.name.startswith(prefix) and p.name.endswith(suffix)]
        except OSError:
            return
        for candidate in candidates:
            pid = candidate.name[len(prefix):-len(suffix)]
            if not pid.isdigit() or int(pid) == os.getpid() or pid_alive(int(pid)):
                continue
            try:
                candidate.unlink()
            except OSError:
                pass

    def _load(self) -> None:
        self._remove_stale_tmp()
        try:
            raw = read_file(self.path)
        except NotAFileError:
            self._set_aside("it is not a regular file")
            return
        except FileNotFoundError:
            self.is_new = True
            self._dirty = True
            self.flush()
            return
        except OSError as exc:
            self._warn(f"cannot read the saved state {self.path} ({exc.strerror}): "
                       "starting fresh")
            return
        try:
            data = json.loads(raw.decode("utf-8"))
            why = schema.problem(data)
        except RecursionError:
            why = f"it nests deeper than {schema.MAX_DEPTH} levels"
        except ValueError as exc:  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
            why = f"it is not valid JSON: {exc}"
        if why is None:
            try:
                encoded = {key: _encode(value, key) for key, value in data.items()}
            except (TypeError, RecursionError) as exc:
                why = str(exc)
        if why is not None:
            self._set_aside(why)
            return
        self._data = data
        self._encoded = encoded

    def _set_aside(self, why: str) -> None:
        """The state file cannot be trusted: keep it aside, start empty, say so once."""
        kept = self.path.with_name(self.path.name + ".corrupt")
        try:
            os.replace(self.path, kept)
            saved = f", the damaged file is kept as {kept.name}"
        except OSError:
            saved = ""
        self._warn(f"the saved state {self.path} was damaged ({why}; every object starts with its "
                   f"configuration values) and is recreated empty{saved}")
        self._dirty = True
        self.flush()

    def refused(self, key: str, why: str, what: str) -> None:
        """Say once that the saved value of ``key`` was refused by its object
        (``why``) and that ``what`` starts with its configuration values instead."""
        print_warning(f"the saved state {self.path}: {key!r} is refused ({why}); {what} starts "
                      "with its configuration values")

    def get(self, key: str, default: Any = None) -> Any:
        """The saved value of ``key`` (a fresh copy for lists and mappings)."""
        with self._lock:
            self._compute_later()
            if key not in self._data:
                return default
            value = self._data[key]
            if isinstance(value, (dict, list)):
                return json.loads(self._encoded[key])
            return value

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> Iterator[str]:
        """The saved keys."""
        with self._lock:
            return iter(list(self._data))

    # -- writing ------------------------------------------------------------------------

    def set(self, key: str, value: Any) -> None:
        """Save ``value`` (JSON: numbers, text, booleans, None, lists, mappings) under
        ``key``; written to disk within :data:`FLUSH_DELAY` seconds."""
        encoded = _encode(value, key)
        with self._lock:
            self._later.pop(key, None)
            if self._encoded.get(key) == encoded:
                return
            self._put(key, value, encoded)
            now = self._changed()
        if now:
            self.flush()

    def set_later(self, key: str, compute: Callable[[], Any]) -> None:
        """Like :meth:`set`, but ``compute()`` gives the value only when the state is
        next read or written: for state that changes at every point of a fast scan
        (an axis position), so that a change costs no encoding."""
        with self._lock:
            self._later[key] = compute
            now = self._changed()
        if now:
            self.flush()

    def _compute_later(self) -> None:
        """Turn the pending ``set_later`` values into saved ones (lock held)."""
        while self._later:
            key, compute = self._later.popitem()
            value = compute()
            self._put(key, value, _encode(value, key))

    def _put(self, key: str, value: Any, encoded: str) -> None:
        """Keep ``value`` and its JSON text (lock held); lists and mappings are kept
        as decoded copies, so that later changes to ``value`` are not saved."""
        self._encoded[key] = encoded
        self._data[key] = json.loads(encoded) if isinstance(value, (dict, list)) else value

    def update(self, mapping: Mapping[str, Any]) -> None:
        """``set()`` every item of ``mapping``."""
        for key, value in mapping.items():
            self.set(key, value)

    def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens if it is not saved)."""
        with self._lock:
            self._compute_later()
            if key not in self._data:
                return
            del self._data[key]
            del self._encoded[key]
            now = self._changed()
        if now:
            self.flush()

    def _changed(self) -> bool:
        """Mark the state dirty and schedule a write (called with the lock held);
        True when the caller must write at once (the store is closed)."""
        self._dirty = True
        self._version += 1
        if self._closed:
            return True
        if self._timer is None:
            self._timer = threading.Timer(_WRITE_AFTER, self._flush_from_timer)
            self._timer.daemon = True
            self._timer.start()
        return False

    def _flush_from_timer(self) -> None:
        with self._lock:
            self._timer = None
        self.flush()

    def flush(self) -> None:
        """Write the state to disk now (atomically), if anything changed."""
        with self._write_lock:
            with self._lock:
                if not self._dirty:
                    return
                self._compute_later()
                text = "{" + ",".join(f"{json.dumps(k)}: {v}"
                                      for k, v in sorted(self._encoded.items())) + "}\n"
                version = self._version
                self._dirty = False
            try:
                written = self._write(text)
            except OSError as exc:
                with self._lock:
                    if self._version == version:
                        self._dirty = True
                self._warn(f"cannot save the session state to {self.path} ({exc.strerror})")
                return
        self._sync(written)

    def _write(self, text: str) -> int:
        """Write ``text`` as the state file; returns a descriptor of it to sync."""
        # The rename comes first: once done, a killed process has saved the state (the
        # kernel keeps what was written).  The fsyncs after it make it durable against
        # a power cut, without making the next write wait for a slow disk.
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp_path(os.getpid())
        try:
            with open(tmp, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                fd = os.dup(stream.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise
        return fd

    def _sync(self, fd: int) -> None:
        """Sync and close the written file ``fd``, then sync the directory."""
        _fsync_and_close(fd)
        try:
            _fsync_and_close(os.open(self.directory, os.O_RDONLY))
        except OSError:
            pass

    def close(self) -> None:
        """Write pending changes and stop the background flush.  Later ``set()`` calls
        are written at once."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self.flush()
        _OPEN_STORES.discard(self)

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()



@atexit.register
def _flush_open_stores() -> None:
    for store in list(_OPEN_STORES):
        try:
            store.flush()
        except Exception:  # never let one store stop the others at exit
            pass


def _fsync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
