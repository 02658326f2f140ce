"""How the shell shows a value: ``__info__()`` when the object has one."""

from __future__ import annotations

from typing import Any


def info_text(obj: Any) -> str | None:
    """``obj.__info__()`` for an instance that has it, else None (classes and
    functions are shown as usual)."""
    if isinstance(obj, type):
        return None
    method = getattr(type(obj), "__info__", None)
    if method is None or not callable(method):
        return None
    text = obj.__info__()
    return text if isinstance(text, str) else str(text)


def display_text(obj: Any) -> str:
    """What the non-interactive mode prints for a value: its ``__info__()`` or repr."""
    text = info_text(obj)
    return text if text is not None else repr(obj)
