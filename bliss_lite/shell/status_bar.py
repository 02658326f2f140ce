"""The bottom status bar of the shell: session, data file, last scan, whether a scan
runs, the typing helper's state, and the signature of the callable being typed."""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any, Mapping

from bliss_lite.shell.typing_helper import _lookup

if TYPE_CHECKING:
    from bliss_lite.session import Session

__all__ = ["callable_being_typed", "signature_text", "status_text"]

_CALL = re.compile(r"([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\s*\($")


def callable_being_typed(text: str, namespace: Mapping[str, Any]) -> tuple[str, Any] | None:
    """``(name, obj)`` of the call whose arguments the cursor is in (``ascan(roby, 0``
    → ascan), or of the first word of a typing-helper line (``ascan roby 0``)."""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            if depth == 0:
                match = _CALL.search(text[: index + 1])
                if match:
                    obj = _lookup(match.group(1), namespace)
                    if callable(obj):
                        return match.group(1), obj
            else:
                depth -= 1
    match = re.match(r"\s*([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\s", text)
    if match:
        obj = _lookup(match.group(1), namespace)
        if callable(obj):
            return match.group(1), obj
    return None


def signature_text(name: str, obj: Any) -> str:
    try:
        return f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return f"{name}(...)"


def status_text(session: "Session", typing_helper: bool) -> str:
    """`` demo | /tmp/scans/demo/data.h5 | last scan: 3 | typing helper: ON``."""
    parts = [session.name]
    context = session.context
    if context is not None:
        try:
            parts.append(context.scan_saving.filename)
        except Exception:
            pass
        scans = list(context.scans)
        if scans:
            last = scans[-1]
            running = getattr(last, "state", None)
            name = getattr(running, "name", "")
            parts.append(f"last scan: {getattr(last, 'scan_number', '?')}"
                         + (" (running)" if name in ("PREPARING", "STARTING", "STOPPING") else ""))
    parts.append(f"typing helper: {'ON' if typing_helper else 'OFF'}")
    return " " + " | ".join(str(part) for part in parts)
