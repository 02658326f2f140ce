"""Sessions: the composer of configuration, devices and scanning (SPEC 4, 9)."""

from bliss_lite.session.error_report import ErrorReport, one_line
from bliss_lite.session.namespace import ProtectedNamespace
from bliss_lite.session.session import (DEFAULT_SESSION_NAME, Session, SessionNotFoundError,
                                        open_session)
from bliss_lite.session.session_tree import SessionTree

__all__ = ["Session", "SessionNotFoundError", "open_session", "DEFAULT_SESSION_NAME",
           "ProtectedNamespace", "ErrorReport", "one_line", "SessionTree"]
