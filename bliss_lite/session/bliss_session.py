"""``bliss.common.session``: the session classes and the current session."""

from __future__ import annotations

from bliss_lite.current import session as current_session

from typing import Any

from bliss_lite.session.session import DEFAULT_SESSION_NAME, Session

__all__ = ["Session", "DefaultSession", "get_current_session", "DEFAULT_SESSION_NAME"]


class DefaultSession(Session):
    """The session without configuration objects or setup file (``bliss-lite`` with no
    ``-s``; prompt ``BLISS [1]:``): ``DefaultSession()`` then ``setup()``."""

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        from bliss_lite.config import find_root

        super().__init__(None, find_root(root), **kwargs)


def get_current_session() -> Session | None:
    """The session open now (None when none is)."""
    return current_session()
