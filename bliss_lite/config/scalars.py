"""What a YAML scalar of a configuration file means, for both readers of the files.

Plain (unquoted, untagged) text follows BLISS's loader: only ``true``/``false`` (any
case style) are booleans, so ``status: in`` or ``mode: ON`` stay text; in addition
``1e9`` is a number, as in YAML 1.2 (PyYAML's YAML 1.1 rules would leave it as text).
Every other rule is PyYAML's safe loader's: ``~`` and ``null`` are None, ``0x1f`` and
``1_000`` integers, ``.inf`` a float, ``2024-01-31`` a date.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

__all__ = ["ScalarError", "plain_value", "tag_refusal", "tagged_value", "YAML_TAG"]

YAML_TAG = "tag:yaml.org,2002:"
_STR_TAG = YAML_TAG + "str"
_MERGE_TAG = YAML_TAG + "merge"
_BOOL_TAG = YAML_TAG + "bool"
_FLOAT_TAG = YAML_TAG + "float"
_INT_TAG = YAML_TAG + "int"
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_EXP_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_PLAIN_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
# floats that Python's float() reads as PyYAML would (no '_', no ':', no '.inf')
_PLAIN_FLOAT = re.compile(r"^[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?$")


class ScalarError(ValueError):
    """A tag that configuration files may not use, or text that is not a value of
    its tag; the message is the reason, without file and line."""


def _resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for first, items in yaml.SafeLoader.yaml_implicit_resolvers.items():
        table[first] = [(tag, _BOOL if tag == _BOOL_TAG else regexp) for tag, regexp in items]
    for first in "-+0123456789.":
        table.setdefault(first, []).append((_FLOAT_TAG, _EXP_FLOAT))
    return table


#: first character of a plain scalar -> the (tag, pattern) pairs it may resolve to
_IMPLICIT = _resolvers()
_CONSTRUCTOR = SafeConstructor()
_SCALAR_TAGS = frozenset(tag for tag in SafeConstructor.yaml_constructors
                         if tag is not None and tag.startswith(YAML_TAG)) - {
    YAML_TAG + name for name in ("map", "seq", "omap", "pairs", "set")}


def plain_value(text: str) -> Any:
    """The value of the plain scalar ``text`` (``<<`` stays text: only a reader knows
    where it is a merge key)."""
    if not text:
        return None
    candidates = _IMPLICIT.get(text[0])
    if candidates is None:
        return text
    for tag, regexp in candidates:
        if regexp.match(text):
            break
    else:
        return text
    if tag == _INT_TAG and _PLAIN_INT.match(text):
        return int(text)
    if tag == _FLOAT_TAG and _PLAIN_FLOAT.match(text):
        return float(text)
    return tagged_value(tag, text)


def tag_refusal(tag: str) -> str:
    """Why ``tag`` is refused in a configuration file."""
    short = tag.replace(YAML_TAG, "!!")
    if "python/" in tag:
        return (f"Python object tag '{short}' is not allowed "
                "(configuration files are read with a safe YAML loader)")
    return f"unknown YAML tag '{short}'"


def tagged_value(tag: str, text: str) -> Any:
    """The value of ``text`` under the YAML ``tag``; raises :class:`ScalarError` for
    a tag that is not a plain YAML scalar type or text that is not of the type."""
    if tag == _STR_TAG or tag == _MERGE_TAG:
        return text
    if tag not in _SCALAR_TAGS:
        raise ScalarError(tag_refusal(tag))
    try:
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except (ValueError, yaml.YAMLError) as exc:
        raise ScalarError(f"'{text}' is not a valid {tag.replace(YAML_TAG, '')} ({exc})") \
            from None
