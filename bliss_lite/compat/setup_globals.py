"""``bliss.setup_globals``: the live namespace of the open session.

``from bliss.setup_globals import *`` imports every public name of the session
namespace as it is at that moment; ``setup_globals.roby`` reads it at each access.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _SetupGlobals(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        from bliss_lite.compat import namespace

        env = namespace()
        if name == "__all__":
            return [key for key in env if not key.startswith("_")]
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return env[name]
        except KeyError:
            raise AttributeError(f"no object '{name}' in the session namespace") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__"):
            super().__setattr__(name, value)
            return
        from bliss_lite.compat import namespace

        namespace()[name] = value

    def __delattr__(self, name: str) -> None:
        from bliss_lite.compat import namespace

        try:
            del namespace()[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        from bliss_lite.compat import namespace

        return sorted(set(super().__dir__()) | set(namespace()))


sys.modules[__name__].__class__ = _SetupGlobals
del _SetupGlobals, sys, types, Any, annotations
