"""``bliss.*`` import names for setup files and scripts written for BLISS (SPEC 4).

``install()`` makes ``import bliss.setup_globals``, ``from bliss.scanning import
scan_meta``, ``from bliss.common.scans import loopscan`` and ``from
bliss.shell.standard import wa`` (also ``bliss.common.standard``,
``bliss.config.static.get_config``, ``bliss.current_session``) resolve to
bliss_lite — only when the real
``bliss`` package is not importable (the finder is consulted last).
``bliss.setup_globals`` and ``bliss.current_session`` show the current session
(:mod:`bliss_lite.current`).
"""

from __future__ import annotations

import sys
from typing import Any, MutableMapping

from bliss_lite import current
from bliss_lite.compat.finder import NAMES, BlissCompatFinder, current_session

__all__ = ["install", "uninstall", "installed", "namespace", "current_session", "NAMES"]

_finder = BlissCompatFinder()


def install() -> None:
    """Serve the ``bliss.*`` names (idempotent; a real BLISS keeps precedence)."""
    if _finder not in sys.meta_path:
        sys.meta_path.append(_finder)


def uninstall() -> None:
    """Stop serving ``bliss.*`` names and forget the modules already served."""
    ours = installed()
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    if ours:
        for name in list(sys.modules):
            if name == "bliss" or name.startswith("bliss."):
                del sys.modules[name]


def installed() -> bool:
    """True when ``bliss`` resolves to bliss_lite's compatibility modules."""
    module = sys.modules.get("bliss")
    if module is not None:
        return getattr(module.__spec__, "loader", None) is _finder
    return _finder in sys.meta_path


def namespace() -> MutableMapping[str, Any]:
    """The live session namespace (an empty dict when no session is open)."""
    state = current.active()
    return {} if state is None else state.namespace
