"""``bliss.config.static``: ``get_config()`` and ``ConfigNode``."""

from __future__ import annotations

from bliss_lite.current import session as current_session

from typing import Any

from bliss_lite.config import Config, ConfigNode

__all__ = ["get_config", "ConfigNode"]

_loaded: dict[str, Config] = {}


def get_config(base_path: Any = None, timeout: float = 3.0, raise_yaml_exc: bool = True) -> Config:
    """The configuration: the open session's, else the beamline directory's
    (``base_path``, or found as ``bliss-lite`` finds it), read once.

    It has BLISS's ``get(name)``, ``get_config(name)``, ``names_list``, ``root``
    (the root node: ``config.root["scan_saving"]``) and ``reload()``.  ``timeout``
    is accepted for compatibility (there is no Beacon server to wait for).
    """
    session = current_session()
    if session is not None and base_path is None:
        return session.config
    from bliss_lite.config import find_root
    from bliss_lite.devices import BUILTIN_CLASSES

    root = find_root(base_path)
    config = _loaded.get(str(root))
    if config is None:
        config = _loaded[str(root)] = Config(root, classes=BUILTIN_CLASSES)
        if raise_yaml_exc and config.load_errors:
            raise config.load_errors[0]
    return config
