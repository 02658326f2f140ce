"""Safe YAML loading that records where every mapping and key was written.

:func:`load_yaml` reads a file with the fast line reader of
:mod:`bliss_lite.config.block_yaml` when the file keeps to the YAML configuration
files are written in, and with the full reader below (built on libyaml's events)
otherwise; both give the same data.

Mappings become :class:`ConfigNode` objects carrying their file (relative to the
beamline root), the line where they start and the line of each key; list items and
nested mappings know the mapping that holds them (``parent``).  Only plain YAML is
accepted: a Python object tag (``!!python/object:...``) or any other unknown tag is a
:class:`ConfigError` naming the file and the line.

Scalars mean what :mod:`bliss_lite.config.scalars` says (BLISS's rules).

Bounds: an alias (``*name``) shares the anchored value, never copies it, and the
values that aliases add to a file (each alias counts the size of what it names) are
limited to :data:`MAX_ALIAS_VALUES`, so that an alias bomb ("billion laughs") is
refused at once; an alias inside its own anchor (a recursive alias) and nesting deeper
than :data:`MAX_DEPTH` are refused too.  The tree is built from libyaml's events in
one pass, with the cyclic garbage collector paused, so that loading time is linear in
the file's size.
"""

from __future__ import annotations

import gc
import re
from typing import Any

import yaml

from bliss_lite.config.block_yaml import DECLINED, read_block_yaml
from bliss_lite.config.node import ConfigError, ConfigNode, new_node
from bliss_lite.config.scalars import (YAML_TAG, ScalarError, plain_value, tag_refusal,
                                       tagged_value)

__all__ = ["load_yaml", "name_near", "MAX_ALIAS_VALUES", "MAX_DEPTH"]

#: the most values the aliases of one file may add to it
MAX_ALIAS_VALUES = 1_000_000
#: the deepest nesting of mappings and lists in one file
MAX_DEPTH = 200

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MAP_TAG = YAML_TAG + "map"
_SEQ_TAG = YAML_TAG + "seq"
_NAME_LINE = re.compile(r"""^\s*(?:-\s*)?name\s*:\s*['"]?([^\s'"#$][^\s'"#]*)""")


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


class _Collection:
    """A mapping or a list being built."""

    __slots__ = ("value", "size", "anchor", "key", "key_line", "pairs", "merges")

    def __init__(self, value: Any, anchor: str | None) -> None:
        self.value = value
        self.size = 1          # values in the expanded subtree, this one included
        self.anchor = anchor
        self.key: Any = _NO_KEY  # mappings: the key waiting for its value
        self.key_line = 0
        self.pairs: list[tuple[Any, Any, int]] | None = None
        self.merges: list[Any] | None = None


_NO_KEY = object()


class _Builder:
    """Turns libyaml's events into ConfigNodes, lists and scalars."""

    def __init__(self, text: str, filename: str) -> None:
        self.parser = _Parser(text)
        self.filename = filename
        self.warnings: list[str] = []
        self.anchors: dict[str, tuple[Any, int]] = {}   # name -> (value, size)
        self.open_anchors: dict[str, int] = {}          # name -> line of the anchor
        self.alias_values = 0

    def error(self, message: str, mark: Any) -> ConfigError:
        return ConfigError(message, self.filename, mark.line + 1 if mark is not None else None)

    def build(self) -> Any:
        parser = self.parser
        try:
            parser.get_event()  # StreamStart
            if parser.check_event(yaml.StreamEndEvent):
                return None
            parser.get_event()  # DocumentStart
            data = self.document()
            parser.get_event()  # DocumentEnd
            if not parser.check_event(yaml.StreamEndEvent):
                event = parser.get_event()
                raise self.error("malformed YAML (expected a single document in the stream, "
                                 "but found another document)", event.start_mark)
            return data
        finally:
            parser.dispose()

    def document(self) -> Any:
        stack: list[_Collection] = []
        get_event = self.parser.get_event
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        no_key = _NO_KEY
        while True:
            event = get_event()
            kind = type(event)
            size = 1
            if kind is scalar_event:
                value = event.value
                if event.tag is not None or event.anchor is not None:
                    value = self.scalar(event)
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (value, 1)
                elif event.implicit[0]:  # plain text: resolved as BLISS does
                    value = self.scalar(event)
            elif kind is mapping_start or kind is sequence_start:
                self.check_tag(event, _MAP_TAG if kind is mapping_start else _SEQ_TAG)
                line = event.start_mark.line + 1
                if len(stack) >= MAX_DEPTH:
                    raise self.error(f"the nesting of mappings and lists is deeper than "
                                     f"{MAX_DEPTH} levels", event.start_mark)
                if kind is mapping_start:
                    collection = _Collection(new_node(self.filename, line, None), event.anchor)
                    collection.pairs = []
                else:
                    collection = _Collection([], event.anchor)
                if event.anchor is not None:
                    self.open_anchors[event.anchor] = line
                stack.append(collection)
                continue
            elif kind is mapping_end or kind is sequence_end:
                collection = stack.pop()
                value, size = collection.value, collection.size
                if collection.pairs is not None:
                    self.finish_mapping(collection)
                if collection.anchor is not None:
                    self.open_anchors.pop(collection.anchor, None)
                    self.anchors[collection.anchor] = (value, size)
            elif kind is alias_event:
                value, size = self.alias(event)
            else:  # DocumentEnd cannot come before the root value is complete
                raise self.error(f"malformed YAML (unexpected {kind.__name__})", event.start_mark)
            if not stack:
                return value
            top = stack[-1]
            top.size += size
            pairs = top.pairs
            if pairs is None:
                top.value.append(value)
            elif top.key is no_key:
                if isinstance(value, (dict, list)):
                    raise self.error("a mapping key must be a plain value, not a list or mapping",
                                     event.start_mark)
                top.key = _MERGE if value == "<<" and kind is scalar_event and event.implicit[0] \
                    else value
                top.key_line = event.start_mark.line + 1
            else:
                if top.key is _MERGE:
                    top.merges = (top.merges or []) + [(value, event.start_mark)]
                else:
                    pairs.append((top.key, value, top.key_line))
                top.key = no_key

    def finish_mapping(self, collection: _Collection) -> None:
        data: ConfigNode = collection.value
        lines = data.key_lines
        if collection.merges:   # ``<<: *defaults``: merged keys first, own keys win
            for value, mark in collection.merges:
                sources = value if isinstance(value, list) else [value]
                for source in sources:
                    if not isinstance(source, dict):
                        raise self.error("a merge key '<<' needs a mapping or a list of "
                                         "mappings", mark)
                    for key, item in source.items():
                        if key not in data:
                            data[key] = item
                            lines[key] = getattr(source, "key_lines", {}).get(key, mark.line + 1)
        own: dict[Any, int] = {}
        for key, value, line in collection.pairs or ():
            try:
                hash(key)
            except TypeError:
                raise ConfigError("a mapping key must be a plain value, not a list or mapping",
                                  self.filename, line) from None
            if key in own:
                self.warnings.append(str(ConfigError(
                    f"key '{key}' is given twice (line {own[key]} and line {line}); the second "
                    "value is used", self.filename, line)))
            own[key] = line
            data[key] = value
            lines[key] = line

    def alias(self, event: yaml.AliasEvent) -> tuple[Any, int]:
        name = event.anchor
        if name in self.open_anchors:
            raise self.error(f"recursive alias '*{name}': it is inside its own anchor '&{name}' "
                             f"(line {self.open_anchors[name]})", event.start_mark)
        if name not in self.anchors:
            raise self.error(f"alias '*{name}' names no anchor '&{name}' written before it",
                             event.start_mark)
        value, size = self.anchors[name]
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            raise self.error(f"the aliases of this file expand it by more than "
                             f"{MAX_ALIAS_VALUES:,} values (an alias bomb?); alias "
                             f"'*{name}' is refused", event.start_mark)
        return value, size

    def check_tag(self, event: Any, default: str) -> None:
        tag = event.tag
        if tag is None or tag == "!" or tag == default:
            return
        self.refuse_tag(tag, event.start_mark)

    def refuse_tag(self, tag: str, mark: Any) -> None:
        raise self.error(tag_refusal(tag), mark)

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        try:
            if tag is None or tag == "!":
                return plain_value(event.value) if event.implicit[0] else event.value
            return tagged_value(tag, event.value)
        except ScalarError as exc:
            raise self.error(str(exc), event.start_mark) from None


_MERGE = object()


def _link_parents(value: Any, parent: ConfigNode | None, seen: set[int]) -> None:
    stack = [(value, parent)]
    while stack:
        value, parent = stack.pop()
        if id(value) in seen:
            continue
        if isinstance(value, ConfigNode):
            seen.add(id(value))
            value.parent = parent
            stack.extend((item, value) for item in value.values()
                         if isinstance(item, (dict, list)))
        elif isinstance(value, list):
            seen.add(id(value))
            stack.extend((item, parent) for item in value if isinstance(item, (dict, list)))


def load_yaml(text: str, filename: str) -> tuple[Any, list[str]]:
    """Parse one YAML document; return ``(data, warnings)``.

    ``filename`` (relative to the beamline root) is recorded in every ConfigNode and
    in errors.  Raises :class:`ConfigError` for malformed YAML, forbidden tags and
    aliases or nesting beyond the bounds.
    """
    collecting = gc.isenabled()
    gc.disable()       # millions of new objects, no garbage: the collector only costs time
    try:
        data = read_block_yaml(text, filename)
        if data is not DECLINED:
            return data, []
        builder = _Builder(text, filename)
        try:
            data = builder.build()
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
        _link_parents(data, None, set())
        return data, builder.warnings
    finally:
        if collecting:
            gc.enable()
