"""BLISS's ICAT objects, accepted without an ICAT server: ``class: ICATmeta`` (the
metadata mapping a session names with ``icat-mapping:``) is created as an object
holding its sections, with ``$references`` resolved when read."""

from __future__ import annotations

from typing import Any

from bliss_lite.config import ClassEntry, ConfigNode

__all__ = ["ICATmeta", "SESSION_CLASSES"]


class ICATmeta:
    """``objects``, ``positioners`` and ``mapping`` of an ICAT metadata mapping."""

    def __init__(self, name: str | None, node: ConfigNode, config: Any) -> None:
        self.name = name
        self._node = node
        self._config = config

    def _section(self, key: str) -> dict[str, Any]:
        section = self._node.get(key) or {}
        return {k: self._config.resolve(v, self._node, key) for k, v in section.items()}

    @property
    def objects(self) -> dict[str, Any]:
        return self._section("objects")

    @property
    def positioners(self) -> dict[str, Any]:
        return self._section("positioners")

    @property
    def mapping(self) -> dict[str, Any]:
        """The raw mapping (``$sy.position`` is read when metadata is gathered in BLISS)."""
        return dict(self._node.get("mapping") or {})

    def __info__(self) -> str:
        return (f"ICAT metadata mapping '{self.name}' (no ICAT server in bliss_lite: kept, "
                f"not sent)\n  objects: {', '.join(self._node.get('objects') or {}) or '-'}\n"
                f"  positioners: {', '.join(self._node.get('positioners') or {}) or '-'}")


#: classes the session adds to the devices' built-in ones
SESSION_CLASSES: dict[str, ClassEntry] = {"ICATmeta": ClassEntry(ICATmeta)}
