"""The configuration of a beamline: named objects, created lazily and once."""

from __future__ import annotations

import difflib
import importlib
import gc
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from bliss_lite.config.node import ConfigError, ConfigNode
from bliss_lite.config.registry import BLISS_MODULES, ClassEntry, close_class_names
from bliss_lite.config.tree import holder_of, load_tree

if TYPE_CHECKING:
    from bliss_lite.settings import StateStore

__all__ = ["Config", "UnknownObjectError"]


class ConfigRoot(type(Path())):  # type: ignore[misc]
    """The beamline directory (a Path) that is also BLISS's root node of the
    configuration: ``config.root["scan_saving"]`` reads the root ``__init__.yml``."""

    node: ConfigNode

    def __getitem__(self, key: str) -> Any:
        return self.node[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.node.get(key, default)

    def keys(self) -> Any:
        return self.node.keys()

    def __contains__(self, key: object) -> bool:
        return key in self.node


def _plugin(node: ConfigNode) -> str | None:
    """The ``plugin:`` of a mapping, its own or inherited from a mapping above."""
    current: ConfigNode | None = node
    while current is not None:
        plugin = current.get("plugin")
        if isinstance(plugin, str):
            return plugin
        current = current.parent
    return None


class UnknownObjectError(ConfigError, KeyError):
    """No object of that name in the configuration (also a KeyError)."""

    __str__ = ConfigError.__str__  # not KeyError's quoted form


class Config:
    """The configuration tree of the beamline directory ``root``.

    ``classes`` maps ``class:`` names to :class:`ClassEntry` (the session passes
    ``bliss_lite.devices.BUILTIN_CLASSES``); ``store`` is the session's StateStore,
    through which devices persist their settings.  Loading never raises for a mistake
    in a file: malformed files and duplicate names are collected in ``load_errors``
    and the rest of the configuration is usable.
    """

    def __init__(self, root: Path | str, classes: Mapping[str, ClassEntry] | None = None,
                 store: "StateStore | None" = None) -> None:
        self.root = ConfigRoot(Path(root).resolve())
        if not self.root.is_dir():
            raise ConfigError(f"beamline directory '{root}' does not exist")
        self.classes: dict[str, ClassEntry] = dict(classes or {})
        self.store = store
        #: ``config.get(session_name)``: called with the name, returns the session
        #: (the session layer sets it; without it a session name is refused)
        self.session_factory: Callable[[str], Any] | None = None
        self._load()

    def _load(self) -> None:
        tree = load_tree(self.root)
        self.beacon_mode: bool = tree.beacon_mode
        self.root_settings: ConfigNode = tree.root_settings
        self.sessions: dict[str, ConfigNode] = tree.sessions
        self.load_errors: list[ConfigError] = tree.errors
        self.warnings: list[str] = tree.warnings
        self._nodes = tree.objects
        self._duplicates = tree.duplicates
        self._instances: dict[str, Any] = {}
        self._controllers: dict[int, Any] = {}
        self._creating: list[str] = []      # names being created (cycle detection)
        self._building: set[int] = set()     # controller mappings being created
        self._lock = getattr(self, "_lock", None) or threading.RLock()
        self.root.node = self.root_settings

    def reload(self) -> None:
        """Read the files again; objects are created anew on their next ``get()``."""
        with self._lock:
            gc.unfreeze()   # the shell froze the old tree at start-up: it may be collected now
            self._load()

    def __repr__(self) -> str:
        layout = "Beacon" if self.beacon_mode else "bliss_lite"
        return f"<Config {str(self.root)!r} ({layout} layout, {len(self._nodes)} objects)>"

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._nodes

    @property
    def names(self) -> list[str]:
        """Every named object (sessions excluded), in file order."""
        return list(self._nodes)

    @property
    def names_list(self) -> list[str]:
        """Every name of the configuration, objects then sessions (BLISS's ``names_list``)."""
        return list(self._nodes) + [name for name in self.sessions if name not in self._nodes]

    @property
    def instances(self) -> dict[str, Any]:
        """The objects created so far, by name."""
        return dict(self._instances)

    # -- configuration ------------------------------------------------------------------

    def get_config(self, name: str) -> ConfigNode:
        """The mapping that defines ``name`` (a leading ``$`` is ignored)."""
        name = name[1:] if name.startswith("$") else name
        if name in self._duplicates:
            raise self._duplicates[name]
        node = self._nodes.get(name)
        if node is None:
            error = UnknownObjectError(self._unknown_message(name))
            error.name = name
            raise error
        return node

    def _unknown_message(self, name: str) -> str:
        if name in self.sessions:
            return f"'{name}' is a session, not an object of the configuration"
        close = difflib.get_close_matches(name, self._nodes, n=1, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"no object named '{name}' in the configuration{hint}"

    def warn(self, text: str) -> None:
        """Add ``text`` to :attr:`warnings` (once; safe from any thread)."""
        with self._lock:
            if text not in self.warnings:
                self.warnings.append(text)

    # -- objects --------------------------------------------------------------------------

    def get(self, name: str) -> Any:
        """The object ``name``, created on first use (once) and cached."""
        name = name[1:] if name.startswith("$") else name
        with self._lock:
            if name in self._instances:
                return self._instances[name]
            if name in self.sessions and name not in self._nodes and self.session_factory:
                return self.session_factory(name)
            node = self.get_config(name)
            if name in self._creating:
                chain = " -> ".join(self._creating[self._creating.index(name):] + [name])
                raise node.error(f"circular reference ({chain})")
            self._creating.append(name)
            try:
                obj = self._create(name, node)
            finally:
                self._creating.pop()
            self._instances[name] = obj
            return obj

    def resolve(self, value: Any, node: ConfigNode | None = None, key: str | None = None) -> Any:
        """``"$name"`` → the object ``name`` (``"$name.attr"`` → its attribute); lists
        are resolved item by item; anything else is returned unchanged.  A reference to
        a missing object is a ConfigError at the line of ``key`` in ``node``."""
        if isinstance(value, list):
            return [self.resolve(item, node, key) for item in value]
        if not isinstance(value, str) or not value.startswith("$") or len(value) < 2:
            return value
        target = value[1:]
        attributes: list[str] = []
        if target not in self._nodes and "." in target:
            target, *attributes = target.split(".")
        if target not in self._nodes and target not in self._duplicates:
            close = difflib.get_close_matches(target, self._nodes, n=1, cutoff=0.75)
            hint = f" (did you mean '${close[0]}'?)" if close else ""
            raise _error(f"reference '{value}' names no object of the configuration{hint}",
                         node, key)
        obj = self.get(target)
        for attribute in attributes:
            try:
                obj = getattr(obj, attribute)
            except AttributeError:
                raise _error(f"reference '{value}': '{target}' has no attribute '{attribute}'",
                             node, key) from None
        return obj

    def _entry(self, node: ConfigNode) -> ClassEntry | None:
        """The built-in class a mapping names, as BLISS resolves it: ``class:`` (any
        case: ``Mockup`` is ``mockup``), else, without a class, the one a BLISS ``module:``
        names (``module: mockup`` → ``mockup``)."""
        candidates = [node.get("class")]
        module = node.get("module")
        if candidates[0] is None and isinstance(module, str) and module in BLISS_MODULES:
            candidates.append(module.rsplit(".", 1)[-1])
        lowered = {name.lower(): entry for name, entry in self.classes.items()}
        for name in candidates:
            if isinstance(name, str):
                entry = self.classes.get(name) or lowered.get(name.lower())
                if entry is not None:
                    return entry
        return None

    def _is_user_class(self, node: ConfigNode) -> bool:
        """``package:`` (a full module path), or a ``module:`` of the beamline that is
        not a BLISS module bliss_lite provides."""
        if "package" in node:  # a BLISS package bliss_lite provides is a built-in class
            package = node.get("package")
            return not (isinstance(package, str) and self._entry(node) is not None
                        and package.removeprefix("bliss.controllers.") in BLISS_MODULES)
        if "module" not in node:
            return False
        return node.get("module") not in BLISS_MODULES or self._entry(node) is None

    def _create(self, name: str, node: ConfigNode) -> Any:
        if self._is_user_class(node):
            return self._build(name, node)
        entry = self._entry(node)
        if entry is not None:
            return self._build(name, node) if not entry.controller else self._controller(node, name)
        holder = holder_of(node)
        if holder is None:
            cls = node.get("class")
            if cls is None and _plugin(node) in (None, "default"):
                return node       # BLISS's default plugin: the mapping itself
            if cls is None:
                raise node.error("no 'class:' key says what to create", "name")
            raise node.error(self._unknown_class_message(cls), "class")
        return self._child(name, node, holder)

    def _unknown_class_message(self, cls: Any) -> str:
        close = close_class_names(str(cls), self.classes)
        if close:
            names = " or ".join(f"'{c}'" for c in close)
            return f"unknown class '{cls}' (did you mean {names}?)"
        return (f"unknown class '{cls}' (not a bliss_lite class; a user class needs "
                "'module:' and 'class:')")

    def _call(self, factory: Any, name: str | None, node: ConfigNode) -> Any:
        try:
            return factory(name, node, self)
        except ConfigError:
            raise
        except Exception as exc:
            raise node.error(f"cannot be created ({type(exc).__name__}: {exc})") from exc

    def _build(self, name: str | None, node: ConfigNode) -> Any:
        """A controller or object from its own mapping (user class or registered)."""
        if self._is_user_class(node):
            cls = self._user_class(node)
            create = getattr(cls, "__lite_create__", None)  # a class that wants the Config
            if callable(create):
                return self._call(create, name, node)
            return self._call(lambda n, nd, _cfg: cls(n, nd), name, node)
        entry = self._entry(node)
        if entry is None:
            raise node.error(self._unknown_class_message(node.get("class")), "class")
        return self._call(entry.factory, name, node)

    def _user_class(self, node: ConfigNode) -> type:
        key = "package" if "package" in node else "module"
        module, cls = node.get(key), node.get("class")
        if not isinstance(module, str) or not module:
            raise node.error(f"'{key}' must be a Python module name, got {module!r}", key)
        if not isinstance(cls, str) or not cls:
            raise node.error(f"'{key}: {module}' needs a 'class:' naming the class to create",
                             key)
        root = str(self.root)
        added = root not in sys.path
        if added:
            sys.path.insert(0, root)
        try:
            imported = importlib.import_module(module)
        except Exception as exc:
            raise node.error(f"cannot import module '{module}' for class '{cls}' "
                             f"({type(exc).__name__}: {exc})", key) from exc
        finally:
            if added and root in sys.path:
                sys.path.remove(root)
        found = getattr(imported, cls, None)
        if not callable(found):
            raise node.error(f"module '{module}' has no class '{cls}'", "class")
        return found

    def _controller(self, holder: ConfigNode, name: str | None = None) -> Any:
        """The controller defined by ``holder``, created once."""
        key = id(holder)
        if key in self._controllers:
            return self._controllers[key]
        own = holder.name if holder.name and not holder.name.startswith("$") else None
        if own is not None and name is None:
            return self.get(own)
        if key in self._building:
            raise holder.error("circular reference: the controller needs one of its own "
                               "objects while it is being created")
        self._building.add(key)
        try:
            controller = self._build(name, holder)
        finally:
            self._building.discard(key)
        self._controllers[key] = controller
        return controller

    def _child(self, name: str, node: ConfigNode, holder: ConfigNode) -> Any:
        """The object ``name`` defined inside the controller mapping ``holder``."""
        what = f"controller '{holder.name}'" if holder.name else "controller"
        where = f"{what} (line {holder.line})"
        try:
            controller = self._controller(holder)
        except ConfigError as exc:
            if exc.name not in (None, holder.name):
                raise                   # about another object the controller needed
            raise ConfigError(f"its {where} failed: {exc.reason}", node.filename,
                              node.line_of("name"), name) from exc
        get_child = getattr(controller, "get_child", None)
        if not callable(get_child):
            raise node.error(f"its {what} (class '{holder.get('class')}', line {holder.line}) "
                             "cannot provide named objects", "name")
        try:
            return get_child(name)
        except ConfigError:
            raise
        except Exception as exc:
            raise node.error(f"cannot be created by its {where} "
                             f"({type(exc).__name__}: {exc})", "name") from exc


def _error(message: str, node: ConfigNode | None, key: str | None) -> ConfigError:
    """A ConfigError at the line of ``key`` in ``node`` (without a place when no node)."""
    return node.error(message, key) if node is not None else ConfigError(message)
