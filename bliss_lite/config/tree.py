"""Reading a beamline directory: which YAML files, ``__init__.yml`` defaults, and the
index of named objects and sessions.

Normal layout: objects come from every ``*.yml``/``*.yaml`` below ``config/`` and from
``sessions/*.yml`` (session files may define measurement groups next to sessions).
Beacon layout (no ``config/`` folder): the whole tree is the configuration.  In both,
a session is a mapping with ``class: Session``; an object is any other mapping with a
``name:`` (a ``name: $other`` entry is a reference, not a definition).

The keys of an ``__init__.yml`` are defaults for every object in its folder and below
(and for the controller mappings holding them); an object's own key wins, and the
inherited keys are listed in ``node.inherited``.  Sessions keep only their own keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from bliss_lite._common import read_file
from bliss_lite.config.loader import load_yaml
from bliss_lite.config.node import ConfigError, ConfigNode

__all__ = ["LoadedTree", "SESSION_CLASS", "holder_of", "load_tree"]

SESSION_CLASS = "Session"
_SUFFIXES = (".yml", ".yaml")
_INIT_FILES = ("__init__.yml", "__init__.yaml")


@dataclass
class LoadedTree:
    """Everything read from a beamline directory, before any object is created."""

    beacon_mode: bool
    root_settings: ConfigNode = field(default_factory=ConfigNode)
    objects: dict[str, ConfigNode] = field(default_factory=dict)
    sessions: dict[str, ConfigNode] = field(default_factory=dict)
    duplicates: dict[str, ConfigError] = field(default_factory=dict)
    errors: list[ConfigError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _yaml_files(top: Path, recursive: bool) -> Iterator[tuple[Path, list[Path]]]:
    """``(directory, yaml files)`` pairs, parents before children, sorted by name;
    hidden folders and files are skipped."""
    if not top.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and d != "__pycache__")
        files = sorted(Path(dirpath) / f for f in filenames
                       if f.endswith(_SUFFIXES) and not f.startswith("."))
        yield Path(dirpath), files
        if not recursive:
            break


class _TreeReader:
    def __init__(self, root: Path, beacon_mode: bool) -> None:
        self.root = root
        self.tree = LoadedTree(beacon_mode=beacon_mode)
        self.defaults: dict[Path, dict[str, Any]] = {}

    def relname(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def read(self, path: Path) -> Any:
        """The file's data, or None after recording the error."""
        relname = self.relname(path)
        try:
            raw = read_file(path)   # never blocks on a FIFO planted there
        except OSError as exc:
            self.tree.errors.append(ConfigError(f"cannot read the file ({exc.strerror})",
                                                relname))
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            self.tree.errors.append(ConfigError("the file is not UTF-8 text", relname, line))
            return None
        try:
            data, warnings = load_yaml(text, relname)
        except ConfigError as exc:
            self.tree.errors.append(exc)
            return None
        self.tree.warnings.extend(warnings)
        return data

    def walk(self, top: Path, recursive: bool, inherited: dict[str, Any]) -> ConfigNode | None:
        """Read every YAML file below ``top``; return ``top``'s own __init__ mapping."""
        top_init: ConfigNode | None = None
        for directory, files in _yaml_files(top, recursive):
            parent_defaults = inherited if directory == top else self.defaults[directory.parent]
            defaults = dict(parent_defaults)
            for path in files:
                if path.name in _INIT_FILES:
                    init = self.read_init(path)
                    if init is not None:
                        defaults.update((k, v) for k, v in init.items() if k != "name")
                        if directory == top:
                            top_init = init
            self.defaults[directory] = defaults
            for path in files:
                if path.name not in _INIT_FILES:
                    self.add_file(path, defaults)
        return top_init

    def read_init(self, path: Path) -> ConfigNode | None:
        data = self.read(path)
        if data is None or isinstance(data, ConfigNode):
            return data
        self.tree.errors.append(ConfigError(
            "an __init__.yml file must hold a mapping of default keys", self.relname(path), 1))
        return None

    def add_file(self, path: Path, defaults: dict[str, Any]) -> None:
        data = self.read(path)
        if data is None:
            return
        if not isinstance(data, (ConfigNode, list)):
            self.tree.errors.append(ConfigError(
                "a configuration file must hold a mapping or a list of mappings",
                self.relname(path), 1))
            return
        objects: list[ConfigNode] = []
        self.index(data, objects)
        controllers: dict[int, ConfigNode] = {}
        for node in objects:
            _apply_defaults(node, defaults)
            holder = holder_of(node)
            if holder is not None:
                controllers[id(holder)] = holder
        for holder in controllers.values():
            _apply_defaults(holder, defaults)

    def index(self, value: Any, found: list[ConfigNode]) -> None:
        """Register the sessions and named objects in ``value``, in file order; the
        objects (not the sessions: their keys are their own) go to ``found``."""
        if isinstance(value, list):
            for item in value:
                if isinstance(item, (ConfigNode, list)):
                    self.index(item, found)
            return
        if not isinstance(value, ConfigNode):
            return
        if value.get("class") == SESSION_CLASS:
            self.register(value, self.tree.sessions, "session")
            return
        if "name" in value:
            name = value["name"]
            if not isinstance(name, str) or not name.strip():
                self.tree.errors.append(value.error(
                    f"an object name must be text, got {name!r}", "name"))
            elif not name.startswith("$"):
                self.register(value, self.tree.objects, "object")
                found.append(value)
        for item in value.values():
            if isinstance(item, (ConfigNode, list)):
                self.index(item, found)

    def register(self, node: ConfigNode, table: dict[str, ConfigNode], what: str) -> None:
        name = node["name"] if isinstance(node.get("name"), str) else None
        if not name:
            self.tree.errors.append(node.error(f"a {what} needs a 'name:'"))
            return
        first = table.get(name)
        if first is None:
            table[name] = node
            return
        error = ConfigError(
            f"{what} defined twice, first in {first.filename}, line "
            f"{first.line_of('name')} (names must be unique)",
            node.filename, node.line_of("name"), name)
        self.tree.errors.append(error)
        if what == "object":
            self.tree.duplicates.setdefault(name, error)


def holder_of(node: ConfigNode) -> ConfigNode | None:
    """The nearest mapping above ``node`` that names a class: the controller that
    creates it when it has no registered class of its own (None inside a session)."""
    parent = node.parent
    while parent is not None:
        if parent.get("class") == SESSION_CLASS:
            return None
        if "class" in parent or "module" in parent:
            return parent
        parent = parent.parent
    return None


def _apply_defaults(node: ConfigNode, defaults: dict[str, Any]) -> None:
    added = [key for key in defaults if key not in node]
    if added:
        for key in added:
            node[key] = defaults[key]
        node.inherited = node.inherited.union(added)


def load_tree(root: Path) -> LoadedTree:
    """Read the beamline directory ``root`` (normal or Beacon layout)."""
    config_dir = root / "config"
    beacon_mode = not config_dir.is_dir()
    reader = _TreeReader(root, beacon_mode)
    if beacon_mode:
        init = reader.walk(root, recursive=True, inherited={})
    else:
        init = reader.walk(config_dir, recursive=True, inherited={})
        reader.walk(root / "sessions", recursive=False, inherited={})
    if init is not None:
        reader.tree.root_settings = init
    return reader.tree
