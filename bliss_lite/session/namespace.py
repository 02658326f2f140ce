"""The session namespace: a dict whose protected names cannot be rebound.

BLISS protects the session's objects and standard functions so that a typo at
the prompt (``roby = 3``) cannot silently lose an axis.  Python executes
top-level code of ``exec(code, namespace)`` (and of IPython cells) through
``namespace.__setitem__`` when the namespace is a dict subclass, so protecting
the dict protects the prompt.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

_MISSING = object()


class ProtectedNamespace(dict):
    """A dict with a set of protected keys.

    Rebinding or deleting a protected key raises
    ``RuntimeError("roby is protected and cannot be modified!")``; binding it again
    to the very same object is allowed (so ``from bliss.setup_globals import *``
    stays harmless).  :meth:`force_set` is for the session itself (e.g. to change
    ``ACTIVE_MG``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._protected: set[str] = set()

    # -- protection ----------------------------------------------------------
    @property
    def protected(self) -> frozenset[str]:
        """The protected names."""
        return frozenset(self._protected)

    def protect(self, names: str | Iterable[str]) -> None:
        """Protect one name or several; each must already be in the namespace."""
        for name in _names(names):
            if name not in self:
                raise NameError(f"cannot protect '{name}': no such name in the session namespace")
            self._protected.add(name)

    def unprotect(self, names: str | Iterable[str]) -> None:
        """Remove the protection of one name or several (unknown names are ignored)."""
        for name in _names(names):
            self._protected.discard(name)

    def is_protected(self, name: str) -> bool:
        return name in self._protected

    def force_set(self, name: str, value: Any) -> None:
        """Bind ``name`` even when it is protected (protection is kept)."""
        dict.__setitem__(self, name, value)

    def _check(self, name: Any, value: Any = _MISSING) -> None:
        if name in self._protected:
            if value is not _MISSING and dict.get(self, name, _MISSING) is value:
                return
            raise RuntimeError(f"{name} is protected and cannot be modified!")

    # -- dict API that writes -------------------------------------------------
    def __setitem__(self, name: str, value: Any) -> None:
        self._check(name, value)
        dict.__setitem__(self, name, value)

    def __delitem__(self, name: str) -> None:
        self._check(name)
        dict.__delitem__(self, name)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def setdefault(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if name not in self:
            self[name] = default
        return dict.__getitem__(self, name)

    def pop(self, name: str, *default: Any) -> Any:  # type: ignore[override]
        if name in self:
            self._check(name)
        return dict.pop(self, name, *default)

    def popitem(self) -> tuple[str, Any]:
        for name in reversed(list(self)):
            if name not in self._protected:
                return name, dict.pop(self, name)
        raise KeyError("popitem(): every remaining name is protected")

    def clear(self) -> None:
        """Remove everything, protected names included (used when a session closes)."""
        self._protected.clear()
        dict.clear(self)

    def __ior__(self, other: Mapping[str, Any]) -> "ProtectedNamespace":  # type: ignore[override]
        self.update(other)
        return self

    def __reduce__(self):  # a plain dict copy when pickled
        return (dict, (dict(self),))


def _names(names: str | Iterable[str]) -> list[str]:
    if isinstance(names, str):
        return names.replace(",", " ").split()
    result = []
    for item in names:
        name = item if isinstance(item, str) else getattr(item, "name", None)
        if not isinstance(name, str):
            raise TypeError(f"expected a name (str) or a named object, got {item!r}")
        result.append(name)
    return result
