"""``user_script_homedir`` / ``user_script_list`` / ``user_script_load`` /
``user_script_run``: the user's own Python scripts, as BLISS's session offers them.

The home directory is saved with the session (``user_script_homedir("/abs/dir")``);
its default is the session's ``user_script_homedir:`` key.  ``user_script_load``
exports a script's public names into the namespace ``user`` (``user.myfunc()``), into
the session namespace (``export_global=True``) or returns them (``False``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from bliss_lite.utils import UserNamespace

if TYPE_CHECKING:
    from bliss_lite.session.session import Session

__all__ = ["user_script_functions"]

_KEY = "user_script_homedir"


def user_script_functions(session: "Session") -> dict[str, Callable]:
    """The four functions, bound to ``session``."""

    def default_home() -> str | None:
        if session.is_default:
            return None
        value = session.config.sessions[session.name].get(_KEY)
        return str(value) if value else None

    def home() -> str | None:
        saved = session.store.get(_KEY)
        return saved if isinstance(saved, str) and saved else default_home()

    def user_script_homedir(new_dir: str | None = None, reset: bool = False) -> str | None:
        """Set or show the directory of the user scripts.

        Args:
            new_dir: the new directory (an absolute path); None shows the current one
            reset: go back to the session's configured directory
        """
        if reset:
            session.store.delete(_KEY)
            return None
        if new_dir is None:
            return home()
        if not os.path.isabs(new_dir):
            raise RuntimeError(f"Directory path must be absolute [{new_dir}]")
        if not os.path.isdir(new_dir):
            raise RuntimeError(f"Invalid directory [{new_dir}]")
        session.store.set(_KEY, str(new_dir))
        return None

    def required_home() -> str:
        folder = home()
        if not folder:
            print("First, you need to set a directory with `user_script_homedir(path_to_dir)`")
            raise RuntimeError("User scripts home directory not configured")
        return folder

    def user_script_list() -> None:
        """List the Python scripts of the user script directory (and its sub-folders)."""
        folder = required_home()
        if not os.path.isdir(folder):
            raise RuntimeError(f"Invalid directory [{folder}]")
        print(f"List of python scripts in [{folder}]:")
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            relative = os.path.relpath(dirpath, folder)
            for filename in sorted(filenames):
                if filename.endswith(".py"):
                    print(f" - {os.path.normpath(os.path.join(relative, filename))}")

    def execute(scriptname: str | None, load: bool, export_global: Any = False) -> Any:
        if not scriptname:
            user_script_list()
            return None
        path = Path(scriptname if os.path.isabs(scriptname)
                    else os.path.join(os.path.abspath(required_home()), scriptname))
        if not path.suffix:
            path = path.with_suffix(".py")
        if not path.is_file():
            raise RuntimeError(f"Cannot find [{path}] !")
        print(f"{'Loading' if load else 'Running'} [{path}]")
        script_globals: dict[str, Any] = dict(session.env)
        script_globals.update(__file__=str(path), __name__=path.stem)
        try:
            exec(compile(path.read_bytes(), str(path), "exec"), script_globals)
        except Exception:
            session.errors.report(sys.exc_info(), hidden_files=(__file__,))
            return None
        if not load:
            return None
        env = session.env
        exported = {key: value for key, value in script_globals.items()
                    if not key.startswith("_") and env.get(key, _UNSET) is not value
                    and key not in ("load_script", "config")}
        if export_global is True:
            env.update(exported)
            return None
        if isinstance(export_global, str):
            existing = env.get(export_global)
            if isinstance(existing, UserNamespace):
                env[export_global] = existing + exported
                print(f"Merged [{export_global}] namespace in session.")
            else:
                env[export_global] = UserNamespace(exported)
                print(f"Exported [{export_global}] namespace in session.")
            return None
        return UserNamespace(exported)

    def user_script_load(scriptname: str | None = None, export_global: Any = "user") -> Any:
        """Run a user script and export its public names (errors are printed, not raised).

        Args:
            scriptname: the script (absolute, or relative to the user script directory;
                ``.py`` may be left out); None lists the scripts
            export_global: ``"user"`` (default): into the namespace ``user``
                (``user.myfunc()``); another string: that namespace; True: into the
                session namespace; False: returned as a namespace
        """
        return execute(scriptname, True, export_global)

    def user_script_run(scriptname: str | None = None) -> None:
        """Run a user script without exporting anything (errors are printed, not raised).

        Args:
            scriptname: the script (absolute, or relative to the user script directory)
        """
        execute(scriptname, False)

    return {"user_script_homedir": user_script_homedir, "user_script_list": user_script_list,
            "user_script_load": user_script_load, "user_script_run": user_script_run}


_UNSET = object()
