"""The fast reader of configuration YAML gives exactly what the full loader gives.

Every text is read twice: by :func:`read_block_yaml` and by the libyaml-based full
loader (``load_yaml`` with the fast reader switched off).  When the fast reader
accepts a text, both must give the same values of the same types, ConfigNodes with
the same lines, key lines and parents, and the full loader no warning; when the full
loader refuses a text, the fast reader must have declined it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from bliss_lite.config import loader
from bliss_lite.config.block_yaml import DECLINED, read_block_yaml
from bliss_lite.config.node import ConfigError, ConfigNode

REPO = Path(__file__).resolve().parents[1]
SHARED_CONFIG = REPO.parent / "shared" / "bliss_test_configuration"


def full_loader(text: str) -> tuple[Any, list[str]]:
    original = loader.read_block_yaml
    loader.read_block_yaml = lambda text, filename: DECLINED
    try:
        return loader.load_yaml(text, "f.yml")
    finally:
        loader.read_block_yaml = original


def describe(data: Any) -> list[tuple]:
    """Everything both readers must agree on, as a flat list."""
    paths: dict[int, str] = {}
    out: list[tuple] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, ConfigNode):
            paths[id(value)] = path
            parent = paths.get(id(value.parent)) if value.parent is not None else None
            out.append((path, "map", value.line, list(value.key_lines.items()), parent,
                        [(type(k).__name__, k) for k in value]))
            for key, item in value.items():
                walk(item, f"{path}.{key!r}")
        elif isinstance(value, list):
            out.append((path, "list", len(value)))
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
        else:
            out.append((path, type(value).__name__, repr(value)))

    walk(data, "$")
    return out


def compare(text: str) -> str:
    """'same', 'declined' or 'refused' (by both); fails on any disagreement."""
    fast = read_block_yaml(text, "f.yml")
    try:
        reference, warnings = full_loader(text)
    except ConfigError as exc:
        assert fast is DECLINED, f"the fast reader accepts what the full loader refuses " \
                                 f"({exc}):\n{text}"
        return "refused"
    if fast is DECLINED:
        return "declined"
    assert not warnings, f"the fast reader accepts a text with warnings {warnings}:\n{text}"
    assert describe(fast) == describe(reference), text
    return "same"


ACCEPTED = [
    "",
    "# only a comment\n\n",
    "- name: d1\n  class: simulation_diode\n  mode: MEAN\n",
    "name: m\nplugin: emotion\naxes:\n  - name: a1\n    velocity: 1.5e3\n"
    "  - name: a2\n    steps_per_unit: -100\n",
    "controller:\n  axes:\n  - name: x\n    limits: [-1, 1]\n  - name: y\n",
    "- name: s\n  class: Session\n  config-objects: [a, b, c]\n  setup-file: ./s.py\n",
    "a: 1\nb:\nc: ~\nd: null\ne: true\nf: yes\ng: on\nh: .inf\ni: 0x1f\nj: 1_000\n"
    "k: 010\nl: 2024-01-31\nm: 12:30\nn: '1'\no: \"two\"\np: 'it''s'\nq: a b  # comment\n",
    "\"@NX_class\": NXattenuator\n'quoted key': 1\n",
    "- \"@NX_class\": NXbeam_stop\n  x: 1\n",
    "a: {b: 1, c: [1, 2, {d: e}], 'f g': \"h\"}\n",
    "names : [ $roby.name, $robz.name ]\nm: { a: 1 , b: [ x , y ] , 'c' : 2 }\n",
    "a: [ ]\nb: {}\nc: [a, b, ]\nd: {x: 1, }\n",
    "-\n  name: late\n-\n- last\n",
    "a:\n- 1\n-\nb: 2\n",
    "a:\n  - - nested\n" if False else "a:\n  -\n    - nested\n",
    "key : spaced\nurl: http://host:80/path\nwin: C:\\dir\nhash: a#b\n",
    "root:\n    deep:\n        deeper: 1\n    back: 2\n",
    "[1, 2, 3]\n",
    "{a: 1}  # a one-line root\n",
    "- über: ünïcode\n",
]

CASES = [
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  text\n", "a: >-\n  text\n",
    "a: b\n  continued\n", "a: [1,\n  2]\n", "a: 1\na: 2\n", "a:\tb\n", "---\na: 1\n",
    "a: 1\n...\n", "%YAML 1.1\n---\na: 1\n", "<<: {a: 1}\n", "a: \"esc\\n\"\n",
    "a: b: c\n", "a: b:\n", "a:b\n", "- - a\n", "a: - b\n", "a: @b\n", "a: `b\n",
    "a: 'open\n", "a: [1, 2\n", "a: {b}\n", "a: {b: }\n", "a: [b: 1]\n", "a: [,]\n",
    "a: [a, , b]\n", "a: [1] x\n", "a: {b: 1} # c\n", "a: ['x #y']\n", "a: [x #y]\n",
    "a: {1: a, 1.0: b}\n", "a:\n  b: 1\n c: 2\n", "a:\n    b: 1\n  c: 2\n", "  a: 1\nb: 2\n",
    "a: 1\n- b\n", "- a\nb: 1\n", "a:\n- b\nc:\n  - d\n  e: 1\n", "? a\n: b\n",
    "a: ~x\n", "a: =\n", "a: !\n", "text only\n", "a: 1 # c\n  # indented comment\nb: 2\n",
    "a: 'q'x\n", "a: 'q' # c\n", "a: \"q\"#c\n", "a: [\"x\", 'y''z']\n", "a: -1\nb: -\n",
    "a: [-1, -x, - x]\n", "a: [a:b]\n", "a: {a:b}\n", "a: {'k': v}\n", "a: {\"k\":v}\n",
    "\ufeffa: 1\n", "a: 1\r\nb: 2\r\n", "a: 1\rb: 2\n", "a: x\u2028y\n", "a: \x01\n",
    "a: 2001-12-14t21:59:43.10-05:00\n", "a: 1e3\nb: 1E-3\nc: +1.5e+3\nd: 1.\ne: .5\n",
    "a: True\nb: FALSE\nc: Yes\nd: NULL\ne: Off\n", "1: one\ntrue: yes\n~: nothing\n",
    "a: " + "[" * 60 + "]" * 60 + "\n", "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 120)),
    "a: [1, 2]]\n", "a: [1, 2}\n", "a: {b: 1]]\n", "a: []x\n", "a: [] []\n",
] + ACCEPTED


@pytest.mark.parametrize("text", CASES)
def test_both_readers_agree(text: str) -> None:
    compare(text)


@pytest.mark.parametrize("text", ACCEPTED)
def test_the_fast_reader_reads_what_configuration_files_use(text: str) -> None:
    assert compare(text) == "same"


def corpus() -> list[Path]:
    files = [path for top in ("config", "sessions", "tests") for path in sorted(
        (REPO / top).rglob("*.yml"))]
    if SHARED_CONFIG.is_dir():
        files += sorted(SHARED_CONFIG.rglob("*.yml"))
    return files


def test_every_configuration_file_here_is_read_by_the_fast_reader() -> None:
    """... or refused by both readers (the test beamlines have broken files)."""
    results = {str(path.relative_to(path.parents[1])): compare(path.read_text())
               for path in corpus()}
    assert "declined" not in results.values(), results
    assert list(results.values()).count("same") > 20, results


def test_the_bench_configuration_is_read_by_the_fast_reader(tmp_path: Path) -> None:
    import sys
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from config_size import write
    finally:
        sys.path.remove(str(REPO / "bench"))
    write(tmp_path, 20_000)
    assert compare((tmp_path / "config" / "objects.yml").read_text()) == "same"


SCALARS = [
    "1", "-1", "+1", "0", "0x1f", "0o17", "010", "1_000", "1.5", "-1.5", "1e3", "1.5e3",
    "1.5e+3", ".inf", "-.Inf", ".nan", "~", "null", "Null", "true", "True", "false", "yes",
    "no", "on", "off", "2024-01-31", "12:30", "190:20:30", "a b", "a#b", "a #b", "it's",
    "'q'", '"dq"', "''", '""', "'a''b'", '"a\\nb"', "a: b", "a:", ":a", "-a", "- a", "-",
    "[1, 2]", "{a: 1}", "[]", "{}", "[a, [b, c]]", "{a: [1, {b: 2}]}", "[a, ]",
    "{a: 1, b: }", "[a: 1]", "{a}", "&x a", "*x", "!!str 1", "|", ">", "@a", "a,b", "a]",
    "<<", "=", "---", "...", "http://x.y/z", "über", "a  b", "# comment", "'x' # c",
    "[x] # c", "{'k': 'v', \"w\": [1, 'a''b']}", "[1, {a: [2, {b: 3}]}]", "a'b", "a\"b",
]
KEYS = ["name", "class", "a b", "1", "true", "~", "'q k'", '"@NX"', "<<", "a:b", "x#y",
        "-k", "?k", "k ", "dup", "dup", "0x10", "1.5", "null", "über", "'<<'"]


def random_document(rng: random.Random) -> str:
    lines: list[str] = []

    def block(indent: int, depth: int, as_list: bool) -> None:
        for _ in range(rng.randint(1, 4)):
            pad = " " * indent
            roll = rng.random()
            if roll < 0.05:
                lines.append(pad + rng.choice(["", "# note", "   ", "#"]))
                continue
            if as_list:
                head = pad + "-" + rng.choice([" ", "  ", " "])
                if roll < 0.3 and depth < 4:
                    lines.append(head.rstrip() if rng.random() < 0.5 else head + "# c")
                    block(indent + rng.choice([2, 4]), depth + 1, rng.random() < 0.3)
                elif roll < 0.6 and depth < 4:
                    first = len(head)
                    lines.append(head + f"{rng.choice(KEYS)}: {rng.choice(SCALARS)}")
                    block_entries(first, depth + 1)
                else:
                    lines.append(head + rng.choice(SCALARS))
            else:
                key = rng.choice(KEYS)
                if roll < 0.35 and depth < 4:
                    lines.append(pad + key + ":" + rng.choice(["", " # c", "  "]))
                    style = rng.random()
                    if style < 0.3:
                        block(indent, depth + 1, True)        # a list at the key's indent
                    else:
                        block(indent + rng.choice([1, 2, 4]), depth + 1, style < 0.6)
                else:
                    lines.append(pad + key + rng.choice([": ", ":  ", " : "]) + rng.choice(SCALARS))
            if rng.random() < 0.03:
                lines.append(" " * rng.randint(0, 6) + rng.choice(SCALARS))   # stray line

    def block_entries(indent: int, depth: int) -> None:
        for _ in range(rng.randint(0, 3)):
            lines.append(" " * indent + f"{rng.choice(KEYS)}: {rng.choice(SCALARS)}")

    block(0, 0, rng.random() < 0.5)
    return "\n".join(lines) + rng.choice(["\n", "", "\n\n"])


def test_both_readers_agree_on_random_documents() -> None:
    rng = random.Random(20261201)
    results: dict[str, int] = {}
    for _ in range(3000):
        outcome = compare(random_document(rng))
        results[outcome] = results.get(outcome, 0) + 1
    # the generator makes all three outcomes often enough to mean something
    assert min(results.get(k, 0) for k in ("same", "declined", "refused")) > 100, results


MUTATIONS = list(" -:#'\"[]{},&*!|>%@`?\n\t.09aZ_~\\") + ["  ", ": ", "- ", " #", "\n  ", "\n- "]


def mutated(rng: random.Random, text: str) -> str:
    """``text`` with a few characters inserted, removed or re-indented."""
    for _ in range(rng.randint(1, 4)):
        where, roll = rng.randrange(len(text) + 1), rng.random()
        if roll < 0.4:
            text = text[:where] + rng.choice(MUTATIONS) + text[where:]
        elif roll < 0.7:
            text = text[:where] + text[where + 1:]
        else:
            lines = text.split("\n")
            line = rng.randrange(len(lines))
            lines[line] = " " * rng.randint(0, 3) + lines[line].lstrip(" ")
            text = "\n".join(lines)
    return text


def test_both_readers_agree_on_mutated_configuration_files() -> None:
    texts = [path.read_text() for path in corpus()]
    rng = random.Random(1201)
    results: dict[str, int] = {}
    for _ in range(3000):
        outcome = compare(mutated(rng, rng.choice(texts)))
        results[outcome] = results.get(outcome, 0) + 1
    assert min(results.get(k, 0) for k in ("same", "declined", "refused")) > 50, results
