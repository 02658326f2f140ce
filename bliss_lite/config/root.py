"""Finding the beamline directory (SPEC 1)."""

from __future__ import annotations

import os
from pathlib import Path

from bliss_lite.config.node import ConfigError

__all__ = ["ROOT_ENV", "demo_root", "find_root"]

ROOT_ENV = "BLISS_LITE_ROOT"


def demo_root() -> Path:
    """The demo beamline shipped with the package (``bliss_lite/demo_beamline`` once
    installed; the repository's top level in a source checkout)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "demo_beamline", package.parent):
        if (candidate / "sessions").is_dir() and (candidate / "config").is_dir():
            return candidate
    raise ConfigError(f"the demo beamline is missing from the installation ({package})")


def _checked(path: str, origin: str) -> Path:
    root = Path(path).expanduser()
    if not root.is_dir():
        raise ConfigError(f"beamline directory '{path}' given by {origin} does not exist")
    return root.resolve()


def find_root(cli_root: str | os.PathLike[str] | None = None) -> Path:
    """The beamline directory, first match wins: ``cli_root`` (``--root DIR``), the
    ``BLISS_LITE_ROOT`` environment variable, the current directory if it has a
    ``sessions/`` folder, the demo beamline shipped with the package."""
    if cli_root is not None and str(cli_root) != "":
        return _checked(os.fspath(cli_root), "--root")
    from_env = os.environ.get(ROOT_ENV, "")
    if from_env:
        return _checked(from_env, ROOT_ENV)
    cwd = Path.cwd()
    if (cwd / "sessions").is_dir():
        return cwd
    return demo_root()
