"""The one holder of "the current session".

Every room that needs the running session asks here, and nowhere else is session
state kept at module level.  A :class:`SessionState` is what a session makes
current: its name, its namespace and configuration (what the standard commands look
at), its scan context (what scans need: SCAN_SAVING, the state store, the scan_meta
registry, the plot selection, the last metadata profile, subscribers), the session
object itself (``bliss.current_session``) and what ``MeasurementGroup.set_active()``
calls.  ``Session`` activates its state in one step and deactivates it in one step.

Without an open session, :func:`get` gives the session-less default, composed on
first use by the factory the top package registers (:func:`set_default_factory`;
the session room builds it), so that ``from bliss_lite.scanning import loopscan``
works in a plain script.  This module imports nothing of bliss_lite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, MutableMapping

__all__ = ["SessionState", "activate", "active", "deactivate", "get", "reset", "session",
           "set_default_factory"]


@dataclass
class SessionState:
    """What "the current session" is made of (see the module's documentation).

    ``close`` is called by :func:`reset` for the session-less default (it closes the
    default's state store); a real session closes itself."""

    name: str
    scan_context: Any = None
    namespace: MutableMapping[str, Any] = field(default_factory=dict)
    config: Any = None
    session: Any = None
    on_set_active_mg: Callable[[Any], None] | None = None
    close: Callable[[], None] | None = None

    @property
    def scan_meta(self) -> Any:
        """The user scan_meta registry (the scan context's)."""
        return getattr(self.scan_context, "scan_meta", None)


_active: SessionState | None = None
_default: SessionState | None = None
_default_factory: Callable[[], SessionState] | None = None


def set_default_factory(factory: Callable[[], SessionState]) -> None:
    """Name what composes the session-less default (called once, by ``bliss_lite``)."""
    global _default_factory
    _default_factory = factory


def activate(state: SessionState) -> None:
    """Make ``state`` the current session."""
    global _active
    _active = state


def deactivate(state: SessionState) -> None:
    """Stop ``state`` being the current session (nothing happens if it is not)."""
    global _active
    if _active is state:
        _active = None


def active() -> SessionState | None:
    """The open session's state, or None (never composes the default)."""
    return _active


def session() -> Any:
    """The open Session object (``bliss.current_session``), or None."""
    return None if _active is None else _active.session


def get() -> SessionState:
    """The open session's state; the session-less default when none is open."""
    global _default
    if _active is not None:
        return _active
    if _default is None:
        if _default_factory is None:
            raise RuntimeError("no bliss_lite session is open and no session-less default is available")
        _default = _default_factory()
    return _default


def reset() -> None:
    """Close the session-less default, so that the next :func:`get` without an open
    session composes a fresh one (tests).  An open session stays current until it
    closes."""
    global _default
    default, _default = _default, None
    if default is not None and default.close is not None:
        default.close()
