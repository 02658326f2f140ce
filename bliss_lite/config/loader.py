"""Safe YAML loading that records where every mapping and key was written.

Mappings become :class:`ConfigNode` objects carrying their file (relative to the
beamline root), the line where they start and the line of each key; list items and
nested mappings know the mapping that holds them (``parent``).  Only plain YAML is
accepted: a Python object tag (``!!python/object:...``) or any other unknown tag is a
:class:`ConfigError` naming the file and the line.

Scalars follow BLISS's loader: only ``true``/``false`` (any case style) are booleans,
so ``status: in`` or ``mode: ON`` stay text; in addition ``1e9`` is a number, as in
YAML 1.2 (PyYAML's YAML 1.1 rules would leave it as text).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bliss_lite.config.node import ConfigError, ConfigNode

__all__ = ["load_yaml", "name_near"]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOL_TAG = "tag:yaml.org,2002:bool"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_EXP_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_NAME_LINE = re.compile(r"""^\s*(?:-\s*)?name\s*:\s*['"]?([^\s'"#$][^\s'"#]*)""")


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader building ConfigNodes; ``filename`` is set per file."""

    filename: str = ""
    warnings: list[str]


def _resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for first, items in yaml.SafeLoader.yaml_implicit_resolvers.items():
        table[first] = [(tag, _BOOL if tag == _BOOL_TAG else regexp) for tag, regexp in items]
    for first in "-+0123456789.":
        table.setdefault(first, []).append((_FLOAT_TAG, _EXP_FLOAT))
    return table


_Loader.yaml_implicit_resolvers = _resolvers()


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    data = ConfigNode(filename=loader.filename, line=node.start_mark.line + 1)
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise ConfigError("a mapping key must be a plain value, not a list or mapping",
                              loader.filename, line) from None
        if key in data.key_lines:
            where = ConfigError(f"key '{key}' is given twice (line {data.key_lines[key]} and "
                                f"line {line}); the second value is used",
                                loader.filename, line)
            loader.warnings.append(str(where))
        data[key] = loader.construct_object(value_node, deep=False)
        data.key_lines[key] = line


def _construct_undefined(loader: _Loader, node: yaml.Node) -> Any:
    tag = str(node.tag)
    short = tag.replace("tag:yaml.org,2002:", "!!")
    line = node.start_mark.line + 1
    if "python/" in tag:
        message = (f"Python object tag '{short}' is not allowed "
                   "(configuration files are read with a safe YAML loader)")
    else:
        message = f"unknown YAML tag '{short}'"
    raise ConfigError(message, loader.filename, line)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor(None, _construct_undefined)


def name_near(text: str, line: int | None) -> str | None:
    """The last ``name:`` written at or before ``line`` (1-based) in ``text``: the
    object a syntax error most probably belongs to."""
    if not line:
        return None
    found = None
    for number, content in enumerate(text.splitlines(), start=1):
        if number > line:
            break
        match = _NAME_LINE.match(content)
        if match:
            found = match.group(1)
    return found


def _link_parents(value: Any, parent: ConfigNode | None, seen: set[int]) -> None:
    if id(value) in seen:
        return
    if isinstance(value, ConfigNode):
        seen.add(id(value))
        value.parent = parent
        for item in value.values():
            _link_parents(item, value, seen)
    elif isinstance(value, list):
        seen.add(id(value))
        for item in value:
            _link_parents(item, parent, seen)


def load_yaml(text: str, filename: str) -> tuple[Any, list[str]]:
    """Parse one YAML document; return ``(data, warnings)``.

    ``filename`` (relative to the beamline root) is recorded in every ConfigNode and
    in errors.  Raises :class:`ConfigError` for malformed YAML and forbidden tags.
    """
    loader = _Loader(text)
    loader.filename = filename
    loader.warnings = []
    try:
        try:
            data = loader.get_single_data()
        except ConfigError as exc:
            raise ConfigError(f"{exc.reason}, no object of this file is loaded", exc.filename,
                              exc.line, exc.name or name_near(text, exc.line)) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            # The object is the one whose text was being parsed (context), which may
            # start before the line where the parser noticed the problem.
            start = exc.context_mark.line + 1 if exc.context_mark is not None else line
            problem = exc.problem or exc.context or "unreadable"
            raise ConfigError(f"malformed YAML ({problem}), no object of this file is loaded",
                              filename, line,
                              name_near(text, min(start or 0, line or 0) or line)) from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"malformed YAML ({exc})", filename) from None
    finally:
        loader.dispose()
    _link_parents(data, None, set())
    return data, loader.warnings
