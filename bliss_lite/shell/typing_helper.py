"""The typing helper of BLISS's shell: ``ascan roby 0 1 10 0.1 diode`` runs
``ascan(roby,0,1,10,0.1,diode)``, ``wa`` runs ``wa()``.

A line is converted only when its first word names a callable of the namespace and
the line is that name alone or is not valid Python as typed; strings (with their
spaces), brackets and ``key=value`` arguments are kept.  The line is shown (and kept
in the history) as typed.
"""

from __future__ import annotations

import builtins
import re
from typing import Any, Mapping

__all__ = ["convert", "split_arguments"]

_HEAD = re.compile(r"^(\s*)([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(\s*)(.*?)\s*$", re.S)


def _lookup(dotted: str, namespace: Mapping[str, Any]) -> Any:
    first, *rest = dotted.split(".")
    if first in namespace:
        obj = namespace[first]
    elif hasattr(builtins, first):
        obj = getattr(builtins, first)
    else:
        return None
    for attribute in rest:
        try:
            obj = getattr(obj, attribute)
        except Exception:
            return None
    return obj


def _valid(source: str) -> bool:
    try:
        compile(source, "<typing helper>", "exec")
    except (SyntaxError, ValueError, OverflowError):
        return False
    return True


def split_arguments(text: str) -> list[str] | None:
    """The space-separated arguments of ``text``: ``'roby 0 "a b" x = 1'`` →
    ``['roby', '0', '"a b"', 'x=1']``; None when a string or bracket is unclosed."""
    args: list[str] = []
    current = ""
    depth = 0
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            current += char
            if char == "\\" and i + 1 < len(text):
                current += text[i + 1]
                i += 1
            elif text.startswith(quote, i):
                current += quote[1:]
                i += len(quote) - 1
                quote = ""
        elif char in "'\"":
            quote = char * 3 if text.startswith(char * 3, i) else char
            current += quote
            i += len(quote) - 1
        elif char in "([{":
            depth += 1
            current += char
        elif char in ")]}":
            depth -= 1
            current += char
        elif depth == 0 and (char.isspace() or char == ","):
            if current:
                args.append(current)
                current = ""
        else:
            current += char
        i += 1
    if quote or depth:
        return None
    if current:
        args.append(current)
    merged: list[str] = []       # "x = 1" -> "x=1"
    for arg in args:
        if merged and (merged[-1].endswith("=") or (arg.startswith("=") and not arg.startswith("=="))):
            merged[-1] += arg
        else:
            merged.append(arg)
    return merged


def convert(line: str, namespace: Mapping[str, Any]) -> str | None:
    """The Python ``line`` runs as (None: run it as typed)."""
    if "\n" in line.strip():
        return None
    match = _HEAD.match(line)
    if match is None:
        return None
    indent, name, space, rest = match.groups()
    obj = _lookup(name, namespace)
    if obj is None or not callable(obj):
        return None
    if not rest:
        return f"{indent}{name}()"
    if not space or _valid(line.strip()):
        return None
    args = split_arguments(rest)
    if args is None:
        return None
    candidate = f"{indent}{name}({','.join(args)})"
    return candidate if _valid(candidate.strip()) else None
