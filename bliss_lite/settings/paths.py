"""Where session state lives on disk."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STATE_DIR_ENV", "state_dir"]

STATE_DIR_ENV = "BLISS_LITE_STATE_DIR"


def state_dir() -> Path:
    """The state directory: ``$BLISS_LITE_STATE_DIR``, else
    ``$XDG_STATE_HOME/bliss_lite``, else ``~/.local/state/bliss_lite`` (not created)."""
    explicit = os.environ.get(STATE_DIR_ENV, "")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "bliss_lite"
    return Path.home() / ".local" / "state" / "bliss_lite"
