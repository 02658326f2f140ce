"""A fast reader for the YAML that configuration files are written in.

Beamline configuration files use a small part of YAML: block mappings and lists,
one-line plain or quoted scalars, one-line flow lists and mappings (``[a, b]``,
``{gain: 2}``) and comments.  :func:`read_block_yaml` reads that part line by line,
several times faster than a reader built on libyaml's events, and gives exactly what
the full loader (:mod:`bliss_lite.config.loader`) gives: the same values, and
ConfigNodes with the same lines and parents.  It declines (returns :data:`DECLINED`)
at the first thing outside that part -- anchors and aliases, tags, block scalars
(``|``, ``>``), a scalar or flow collection over several lines, a plain key with
``:`` or ``#`` in it, a double-quoted scalar with an escape, a key given twice, a tab
or another control character, a document marker, deep nesting, any syntax error --
and the full loader then reads the whole file, with its bounds and its messages.
"""

from __future__ import annotations

import re
from typing import Any

from bliss_lite.config.node import ConfigNode, new_node
from bliss_lite.config.scalars import ScalarError, plain_value

__all__ = ["DECLINED", "read_block_yaml"]

#: what :func:`read_block_yaml` returns for a text the full loader must read
DECLINED = object()

# The deepest nesting this reader builds, in blocks and in one flow collection (the
# full loader refuses what is deeper than its own bound).
_MAX_DEPTH = 100
_MAX_FLOW_DEPTH = 50
_PRINTABLE_ASCII = b"\n" + bytes(range(0x20, 0x7F))
# Outside ASCII: what is not printable YAML, a YAML 1.1 line break (NEL, LS, PS) or
# the byte order mark.
_DECLINED_CHARS = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe"
                             "\uff00-\ufffd\U00010000-\U0010ffff]")
# One line: indent, "- ", a plain key (no ':' or '#' in it) with its ':', the rest.
_LINE = re.compile(r"^( *)(-(?: +|$))?(?:([^\n:#'\"\[\]{}&*!|>%@`?, -][^\n:#]*):(?: +|$))?"
                   r"([^\n]*)$", re.M)
# Where a plain scalar may not start (YAML's indicators; '-' is handled apart).
_NOT_PLAIN_START = frozenset("?:,[]{}#&*!|>'\"%@`")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'(?: +(?:#.*)?)?$")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"(?: +(?:#.*)?)?$')
_QUOTED_KEY = re.compile(r"""(?:'((?:[^']|'')*)'|"([^"\\]*)") *:(?: +|$)""")
# A one-line flow collection splits into tokens at these: punctuation, ': ' and
# quoted scalars; what is between them is a plain scalar (or nothing).
_FLOW_SPLIT = re.compile(r""" *([\[\]{},]|:(?= )|'(?:[^']|'')*'|"[^"\\]*") *""")
_FLOW_PUNCTUATION = {"[": "open", "{": "open", "]": "close", "}": "close", ",": ",",
                     ":": ":"}
_NONE = object()


class _Declined(Exception):
    pass


class _Frame:
    """A block mapping or list being read.  ``pending`` is the key (for a list:
    True) whose value starts on a later line; ``owner`` the mapping the frame's
    values belong to (their ``parent``)."""

    __slots__ = ("indent", "value", "is_map", "owner", "pending", "pending_line",
                 "indentless")

    def __init__(self, indent: int, value: Any, owner: ConfigNode | None,
                 indentless: bool = False) -> None:
        self.indent = indent
        self.value = value
        self.is_map = type(value) is ConfigNode
        self.owner = value if self.is_map else owner
        self.pending: Any = _NONE
        self.pending_line = 0
        self.indentless = indentless   # a list written at the indent of its key


def read_block_yaml(text: str, filename: str) -> Any:
    """The data of ``text``, or :data:`DECLINED` when the full loader must read it."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if text.isascii():
        if text.encode("ascii").translate(None, _PRINTABLE_ASCII):
            return DECLINED
    elif _DECLINED_CHARS.search(text):
        return DECLINED
    rows = _LINE.findall(text)
    if len(rows) != text.count("\n") + 1:
        return DECLINED
    try:
        return _Reader(filename).read(rows)
    except (_Declined, ScalarError):
        return DECLINED


class _Reader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.values: dict[str, Any] = {}   # plain text -> its value
        self.keys: dict[str, Any] = {}     # key text -> the key
        self.flow_plains: dict[str, Any] = {}   # plain scalar in a flow -> its value

    def read(self, rows: list[tuple[str, str, str, str]]) -> Any:
        stack: list[_Frame] = []
        root: Any = _NONE
        filename = self.filename
        keys, values = self.keys, self.values
        for number, (indent_text, dash, key_text, rest) in enumerate(rows, 1):
            if key_text and not dash and stack:
                # The most common line: "key: value" in the mapping of the line before,
                # with a key and value seen before.
                frame = stack[-1]
                if frame.indent == len(indent_text) and frame.is_map and frame.pending is _NONE:
                    key = keys.get(key_text, _NONE)
                    value = values.get(rest, _NONE)
                    if key is not _NONE and value is not _NONE:
                        node = frame.value
                        if key not in node:
                            node[key] = value
                            node.key_lines[key] = number
                            continue
            if not dash and not key_text:
                if not rest or rest[0] == "#":
                    continue          # a blank or comment line
                if rest[0] == "'" or rest[0] == '"':
                    key_text = rest   # a quoted key, split below
                    rest = ""
                elif not stack and root is _NONE and (rest[0] == "[" or rest[0] == "{"):
                    root = self.flow(rest.rstrip(" "), None, number)
                    continue
                else:
                    raise _Declined   # a scalar on its own line
            indent = len(indent_text)
            while stack and stack[-1].indent > indent:
                frame = stack.pop()
                if frame.pending is not _NONE:
                    self.put(frame, None)
            if not stack:
                if root is not _NONE:
                    raise _Declined   # text after the end of the root collection
                frame = _Frame(indent, [] if dash else
                               new_node(filename, number, None), None)
                root = frame.value
                stack.append(frame)
            else:
                frame = stack[-1]
                if frame.indent == indent:
                    if frame.is_map:
                        if dash:      # a list at the indent of its key
                            if frame.pending is _NONE:
                                raise _Declined
                            frame = self.nest(frame, indent, [], number, True)
                            stack.append(frame)
                        elif frame.pending is not _NONE:
                            self.put(frame, None)
                    elif dash:
                        if frame.pending is not _NONE:
                            self.put(frame, None)
                    elif frame.indentless:   # the list at its key's indent ends
                        if frame.pending is not _NONE:
                            self.put(frame, None)
                        stack.pop()
                        frame = stack[-1]
                    else:
                        raise _Declined
                elif frame.pending is _NONE:
                    raise _Declined   # a scalar continued on this line
                else:
                    frame = self.nest(frame, indent, [] if dash else
                                      new_node(filename, number, None), number)
                    stack.append(frame)
                    if len(stack) > _MAX_DEPTH:
                        raise _Declined
            if dash:
                if not key_text:
                    if not rest or rest[0] == "#":
                        frame.pending = True
                        continue
                    if (rest[0] != "'" and rest[0] != '"') or not _QUOTED_KEY.match(rest):
                        frame.value.append(self.value(rest, frame.owner, number))
                        continue
                    key_text = rest   # "- 'quoted key': value"
                    rest = ""
                # "- key: value": a mapping starts in the list
                node = new_node(filename, number, frame.owner)
                frame.value.append(node)
                frame = _Frame(indent + len(dash), node, None)
                stack.append(frame)
            elif not frame.is_map:
                raise _Declined
            # key: value
            key = keys.get(key_text, _NONE)
            if key is _NONE:
                if key_text[0] == "'" or key_text[0] == '"':
                    key, rest = _quoted_key(key_text)
                else:
                    key = keys[key_text] = _plain_key(key_text)
            node = frame.value
            if key in node:
                raise _Declined   # a key given twice: the full loader warns
            if not rest or rest[0] == "#":
                frame.pending = key
                frame.pending_line = number
                continue
            value = values.get(rest, _NONE)
            if value is _NONE:
                value = self.value(rest, node, number)
            node[key] = value
            node.key_lines[key] = number
        while stack:
            frame = stack.pop()
            if frame.pending is not _NONE:
                self.put(frame, None)
        return None if root is _NONE else root

    def nest(self, frame: _Frame, indent: int, value: Any, number: int,
             indentless: bool = False) -> _Frame:
        """The frame of ``value``, a collection that starts on line ``number`` as the
        value waiting in ``frame``."""
        if type(value) is ConfigNode:
            value.parent = frame.owner
        self.put(frame, value)
        return _Frame(indent, value, frame.owner, indentless)

    @staticmethod
    def put(frame: _Frame, value: Any) -> None:
        """``value`` for what waits in ``frame``."""
        if frame.is_map:
            key = frame.pending
            frame.value[key] = value
            frame.value.key_lines[key] = frame.pending_line
        else:
            frame.value.append(value)
        frame.pending = _NONE

    def value(self, text: str, owner: ConfigNode | None, number: int) -> Any:
        """The value written as ``text``: a one-line scalar (remembered in
        ``self.values`` when it is plain) or flow collection."""
        first = text[0]
        if first == "'":
            match = _SINGLE_QUOTED.match(text)
            if match is None:
                raise _Declined
            return match.group(1).replace("''", "'")
        if first == '"':
            match = _DOUBLE_QUOTED.match(text)
            if match is None:
                raise _Declined
            return match.group(1)
        if first == "[" or first == "{":
            return self.flow(text.rstrip(" "), owner, number)
        if first in _NOT_PLAIN_START or (first == "-" and (len(text) == 1 or text[1] == " ")):
            raise _Declined
        plain = text
        comment = plain.find(" #")
        if comment >= 0:
            plain = plain[:comment]
        plain = plain.rstrip(" ")
        if ": " in plain or plain[-1] == ":":
            raise _Declined
        value = self.values[text] = plain_value(plain)
        return value

    def flow(self, text: str, owner: ConfigNode | None, number: int) -> Any:
        """A flow list or mapping written on one line."""
        if "#" in text:   # a comment after the collection, nowhere else
            comment = text.find(" #")
            if comment < 0 or "'" in text or '"' in text or "#" in text[:comment]:
                raise _Declined
            text = text[:comment].rstrip(" ")
        if "'" in text or '"' in text:
            tokens = _FLOW_SPLIT.split(text)
            if any("'" in text or '"' in text for text in tokens[::2]):
                raise _Declined   # a quote outside a quoted scalar (one left open...)
        else:   # the same split, made by str methods at a quarter of the cost
            tokens = text.replace(", ", ",").replace(",", "\0,\0").replace("[", "\0[\0").replace("]", "\0]\0") \
                .replace("{", "\0{\0").replace("}", "\0}\0").replace(": ", "\0:\0").split("\0")
        plains = self.flow_plains
        filename = self.filename
        stack: list[tuple[Any, bool, ConfigNode | None]] = []   # the enclosing collections
        top: Any = None            # the collection being read
        top_is_map = False
        key: Any = _NONE           # the key in ``top`` waiting for its value
        result: Any = _NONE
        expect_value = False       # after the ':' of a mapping entry
        after_item = False         # after an item (a ',' or a close comes next)
        punctuation = _FLOW_PUNCTUATION.get
        for token in tokens:
            if not token:
                continue
            if token[0] == " " or token[-1] == " ":
                token = token.strip(" ")
                if not token:
                    continue
            first = token[0]
            kind = punctuation(first)
            if kind is None:
                if after_item or top is None:
                    raise _Declined   # two scalars in a row, or text after the collection
                if first == "'":
                    scalar = token[1:-1].replace("''", "'")
                elif first == '"':
                    scalar = token[1:-1]
                else:
                    scalar = plains.get(token, _NONE)
                    if scalar is _NONE:
                        if (first in _NOT_PLAIN_START or first == "-" and token[1:2] in ("", " ")
                                or ":" in token or token == "<<"):
                            raise _Declined
                        scalar = plains[token] = plain_value(token)
                if not top_is_map:
                    top.append(scalar)
                elif expect_value:
                    top[key] = scalar
                    top.key_lines[key] = number
                    key = _NONE
                    expect_value = False
                else:
                    if key is not _NONE or scalar in top:
                        raise _Declined   # two keys in a row, or a key given twice
                    key = scalar          # its ':' comes next
                    continue
                after_item = True
            elif kind == "open":
                if after_item or result is not _NONE or (top_is_map and not expect_value):
                    raise _Declined   # a collection as a key, or two items in a row
                value: Any = [] if first == "[" else new_node(filename, number, owner)
                if top is not None:
                    if top_is_map:
                        top[key] = value
                        top.key_lines[key] = number
                        key = _NONE
                    else:
                        top.append(value)
                    stack.append((top, top_is_map, owner))
                    if len(stack) > _MAX_FLOW_DEPTH:
                        raise _Declined
                top = value
                top_is_map = first == "{"
                if top_is_map:
                    owner = value
                expect_value = after_item = False
            elif kind == "close":
                if top is None or (first == "}") != top_is_map or expect_value \
                        or key is not _NONE:
                    raise _Declined   # a mismatched close, or a key without a value
                if stack:
                    top, top_is_map, owner = stack.pop()
                else:
                    result = top
                    top = None
                after_item = True
            elif kind == ",":
                if not after_item or top is None:
                    raise _Declined
                after_item = False
            else:   # ':'
                if not top_is_map or key is _NONE or expect_value:
                    raise _Declined
                expect_value = True
        if top is not None or result is _NONE:
            raise _Declined
        return result


def _plain_key(text: str) -> Any:
    key_text = text.rstrip(" ")
    if len(key_text) > 1000 or key_text == "<<":
        raise _Declined   # longer than YAML allows a key on one line, or a merge key
    return plain_value(key_text)


def _quoted_key(text: str) -> tuple[str, str]:
    """The quoted key at the start of ``text`` and the text after its ``:``."""
    match = _QUOTED_KEY.match(text)
    if match is None:
        raise _Declined
    single = match.group(1)
    key = single.replace("''", "'") if single is not None else match.group(2)
    return key, text[match.end():]
