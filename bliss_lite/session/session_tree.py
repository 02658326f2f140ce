"""What a session file says: included sessions, objects, setup file, scripts folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from bliss_lite.config import Config, ConfigNode

Warn = Callable[[str], None]


def _ignore(_text: str) -> None:
    pass


def name_list(value: Any) -> list[str] | None:
    """A list of names from a YAML value: a list, or a space/comma separated string.
    None when the value is not one of those."""
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, str) for item in value):
            return list(value)
    return None


class SessionTree:
    """Reads the session mappings of a configuration (``config.sessions``)."""

    def __init__(self, config: "Config") -> None:
        self.config = config

    @property
    def names(self) -> list[str]:
        return list(self.config.sessions)

    def node(self, name: str) -> "ConfigNode":
        return self.config.sessions[name]

    # -- included sessions ----------------------------------------------------------
    def includes(self, name: str, warn: Warn = _ignore) -> list[str]:
        """The sessions ``name`` includes directly (unknown ones warned and skipped)."""
        node = self.node(name)
        value = node.get("include-sessions")
        if value is None:
            return []
        names = name_list(value)
        if names is None:
            warn(str(node.error("'include-sessions' must be a list of session names", "include-sessions")))
            return []
        result = []
        for child in names:
            if child not in self.config.sessions:
                warn(str(node.error(f"included session '{child}' does not exist, skipped",
                                    "include-sessions")))
            else:
                result.append(child)
        return result

    def setup_order(self, name: str, warn: Warn = _ignore) -> list[str]:
        """``name`` and every session it includes, children first (depth first),
        each once; a session including itself through others is warned about."""
        order: list[str] = []

        def visit(current: str, path: tuple[str, ...]) -> None:
            for child in self.includes(current, warn):
                if child in path or child == current:
                    cycle = " -> ".join(path + (current, child))
                    warn(str(self.node(current).error(
                        f"included session '{child}' makes a cycle ({cycle}), skipped",
                        "include-sessions")))
                    continue
                if child not in order:
                    visit(child, path + (current,))
            if current not in order:
                order.append(current)

        visit(name, ())
        return order

    def children_tree(self, name: str) -> list[tuple[int, str]]:
        """``[(depth, session name), ...]`` for ``-S``: the session, then what it includes."""
        rows: list[tuple[int, str]] = []

        def visit(current: str, depth: int, path: tuple[str, ...]) -> None:
            rows.append((depth, current))
            for child in self.includes(current):
                if child not in path and child != current:
                    visit(child, depth + 1, path + (current,))

        visit(name, 0, ())
        return rows

    # -- objects ----------------------------------------------------------------------
    def object_names(self, name: str, warn: Warn = _ignore) -> list[str]:
        """The objects session ``name`` creates, in order: those of included sessions
        first, then its own ``config-objects`` (every configured object when the key
        is absent or null), minus ``exclude-objects``; each name once."""
        names: list[str] = []
        for session_name in self.setup_order(name):
            names.extend(self._own_object_names(session_name, warn))
        seen: set[str] = set()
        return [item for item in names if not (item in seen or seen.add(item))]

    def _own_object_names(self, name: str, warn: Warn) -> list[str]:
        node = self.node(name)
        config = self.config
        value = node.get("config-objects")
        if value is None:
            names = list(config.names)
        else:
            listed = name_list(value)
            if listed is None:
                warn(str(node.error("'config-objects' must be a list of object names",
                                    "config-objects")))
                listed = []
            names = []
            for item in listed:
                if item in config.sessions:
                    warn(str(node.error(f"'{item}' in config-objects is a session, skipped "
                                        "(hint: list it in include-sessions)", "config-objects")))
                elif item not in config.names:
                    warn(str(node.error(f"object '{item}' in config-objects does not exist, skipped",
                                        "config-objects")))
                else:
                    names.append(item)
        excluded = node.get("exclude-objects")
        if excluded is not None:
            excluded_names = name_list(excluded)
            if excluded_names is None:
                warn(str(node.error("'exclude-objects' must be a list or a space-separated string "
                                    "of object names", "exclude-objects")))
            else:
                dropped = set(excluded_names)
                names = [item for item in names if item not in dropped]
        return names

    # -- files --------------------------------------------------------------------------
    def session_folder(self, name: str) -> Path:
        """The folder of the file defining session ``name``."""
        node = self.node(name)
        return (self.config.root / node.filename).parent if node.filename else self.config.root

    def setup_file(self, name: str) -> Path | None:
        """The setup file of ``name``: ``./x.py`` is relative to the session file;
        another relative path to the session file's folder if it exists there, else
        to the beamline root (BLISS: the Beacon tree's root)."""
        value = self.node(name).get("setup-file")
        if not value or not isinstance(value, str):
            return None
        path = Path(value).expanduser()
        if path.is_absolute():
            return path
        near = self.session_folder(name) / path
        if value.startswith(("./", "../")) or near.exists():
            return near.resolve() if near.exists() else near
        return self.config.root / path

    def scripts_folder(self, name: str) -> Path:
        """``scripts/`` next to the setup file (else next to the session file)."""
        setup = self.setup_file(name)
        base = setup.parent if setup is not None else self.session_folder(name)
        return base / "scripts"
