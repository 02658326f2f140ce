"""``bliss-lite -c NAME``: the three files of a new session, as BLISS writes them."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["SessionExistsError", "create_session_files", "session_files"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_YML = """\
- class: Session
  name: {name}
  setup-file: ./{name}_setup.py
  # config-objects: [diode, roby]   # absent: every configured object; []: none
  # exclude-objects: []
  # include-sessions: []
"""

_SETUP = """\
from bliss.setup_globals import *

load_script("{name}.py")

print("")
print("Welcome to your new '{name}' BLISS session !! ")
print("")
print("You can now customize your '{name}' session by changing files:")
print("   * {folder}/{name}_setup.py ")
print("   * {folder}/{name}.yml ")
print("   * {folder}/scripts/{name}.py ")
print("")
"""

_SCRIPT = """\
# Functions of session '{name}': load_script("{name}") exports its public names.
import time


def what_time_is_it():
    return time.ctime()
"""


class SessionExistsError(FileExistsError):
    """A session of that name, or one of its files, already exists."""


def session_files(root: Path, name: str) -> dict[Path, str]:
    """The files ``-c NAME`` writes under ``root`` and their content."""
    folder = root / "sessions"
    values = {"name": name, "folder": folder}
    return {
        folder / f"{name}.yml": _YML.format(**values),
        folder / f"{name}_setup.py": _SETUP.format(**values),
        folder / "scripts" / f"{name}.py": _SCRIPT.format(**values),
    }


def create_session_files(root: Path, name: str, existing_sessions: list[str] = ()) -> list[Path]:
    """Write the files of session ``name`` under ``root``; returns them.

    Refuses (:class:`SessionExistsError`, nothing written) when a session ``name``
    is already configured or one of the files exists; :class:`ValueError` for a name
    that is not an identifier.  A fresh directory also gets an empty ``config/``.
    """
    if not _NAME.match(name):
        raise ValueError(f"invalid session name '{name}': use letters, digits and '_', "
                         "not starting with a digit")
    if name in existing_sessions:
        raise SessionExistsError(f"session '{name}' already exists in {root}")
    files = session_files(root, name)
    present = [path for path in files if path.exists()]
    if present:
        raise SessionExistsError(f"session '{name}' already exists: {present[0]} is there")
    written: list[Path] = []
    if not (root / "config").exists() and not (root / "sessions").exists():
        (root / "config").mkdir(parents=True)
        written.append(root / "config")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as file:
            file.write(text)
        written.append(path)
    return written
