"""``bliss.config.settings``: settings objects kept in the open session's state store
(BLISS keeps them in Redis).  Pass ``connection=StateStore(...)`` to use another store."""

from __future__ import annotations

from bliss_lite.current import session as current_session

from bliss_lite.settings import objects as _objects
from bliss_lite.settings.store import StateStore


def _session_store() -> StateStore | None:
    session = current_session()
    return getattr(session, "store", None)


_objects.BaseSetting.default_store = staticmethod(_session_store)  # type: ignore[assignment]
_objects.ParametersWardrobe.default_store = staticmethod(_session_store)  # type: ignore[assignment]

from bliss_lite.settings.objects import *  # noqa: E402,F401,F403
from bliss_lite.settings.objects import __all__  # noqa: E402,F401
