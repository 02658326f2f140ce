"""Hostile configuration files: alias bombs, recursive aliases, deep nesting and very
large files are refused (or loaded) in one pass, each refusal one sentence naming the
file and line; the session still starts with the rest of the configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bliss_lite.config.loader import MAX_ALIAS_VALUES, MAX_DEPTH, load_yaml
from bliss_lite.config.node import ConfigError
from test_cli import bliss_lite


def alias_bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        previous, this = chr(96 + i), chr(97 + i)
        lines.append(f"{this}: &{this} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def write_beamline(root: Path, files: dict[str, str], objects: list[str]) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    for name, text in files.items():
        (root / "config" / name).write_text(text)
    (root / "config" / "good.yml").write_text("- name: good\n  class: simulation_diode\n")
    (root / "sessions" / "s.yml").write_text(
        f"- class: Session\n  name: s\n  config-objects: [good, {', '.join(objects)}]\n")
    return root


def test_alias_bomb_and_recursive_alias_refused_in_a_real_session(tmp_path: Path) -> None:
    root = write_beamline(tmp_path / "bl", {
        "bomb.yml": "name: bomb\nclass: simulation_diode\n" + alias_bomb(),
        "loop.yml": "- name: loop\n  class: simulation_diode\n  extra: &x\n    again: *x\n",
    }, ["bomb", "loop"])
    # a hang would hit the timeout; the refusal itself takes milliseconds (bench: startup_config)
    result = bliss_lite("--root", str(root), "-s", "s", cwd=tmp_path,
                        stdin="print(good.name)\n", timeout=30)
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert ("ERROR: config/bomb.yml, line 9, object 'bomb': the aliases of this file expand "
            f"it by more than {MAX_ALIAS_VALUES:,} values (an alias bomb?); alias '*f' is "
            "refused, no object of this file is loaded") in out
    assert ("ERROR: config/loop.yml, line 4, object 'loop': recursive alias '*x': it is "
            "inside its own anchor '&x' (line 3), no object of this file is loaded") in out
    assert "RecursionError" not in out and "Traceback" not in out
    assert "good\n" in result.stdout


@pytest.mark.parametrize("text, line, reason", [
    ("- &a [*a]\n", 1, "recursive alias '*a': it is inside its own anchor '&a' (line 1)"),
    ("a: &m {b: {c: *m}}\n", 1, "recursive alias '*m': it is inside its own anchor '&m' (line 1)"),
    ("x: *nowhere\n", 1, "alias '*nowhere' names no anchor '&nowhere' written before it"),
    ("a: 1\nb: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n", 2, None),
    ("a: !!python/object/apply:os.system [ls]\n", 1,
     "Python object tag '!!python/object/apply:os.system' is not allowed (configuration "
     "files are read with a safe YAML loader)"),
    ("a: !custom 3\n", 1, "unknown YAML tag '!custom'"),
    ("a: 1\n---\nb: 2\n", 2, "malformed YAML (expected a single document in the stream, "
                              "but found another document)"),
])
def test_refusals_name_file_and_line(text: str, line: int, reason: str | None) -> None:
    with pytest.raises(ConfigError) as info:
        load_yaml(text, "config/x.yml")
    if reason is None:
        reason = f"the nesting of mappings and lists is deeper than {MAX_DEPTH} levels"
    assert str(info.value) == f"config/x.yml, line {line}: {reason}, no object of this file is loaded"


def test_aliases_below_the_bound_share_the_anchored_value() -> None:
    data, _ = load_yaml(alias_bomb(5) + "m: &m {x: 1, y: 2}\nn: {<<: *m, y: 3}\n", "config/x.yml")
    assert data["e"][0] is data["d"] and len(data["e"]) == 9
    assert data["n"] == {"x": 1, "y": 3} and data["n"].key_lines["y"] == 7


def test_scalars_and_lines_as_before() -> None:
    text = ("- name: a\n  v: [1, 2.5, 0x10, 1e9, ~, true, yes, 2001-12-14, '1', !!str 2, "
            "!!float 3, .inf, 1_000, 017, -5, +3, 1:20, ON, null, '', \"x\"]\n"
            "  sub:\n    name: b\n    k: text\n")
    data, warnings = load_yaml(text, "config/a.yml")
    reference = yaml.load(text, Loader=yaml.SafeLoader)
    expected = reference[0]["v"]
    expected[3], expected[6], expected[17] = 1e9, "yes", "ON"  # BLISS's rules, not YAML 1.1
    assert data[0]["v"] == expected and warnings == []
    node = data[0]["sub"]
    assert (node.filename, node.line, node.key_lines, node.parent) == (
        "config/a.yml", 4, {"name": 4, "k": 5}, data[0])
    assert data[0].line == 1 and data[0].parent is None


def test_a_large_file_loads_completely(tmp_path: Path) -> None:
    item = "- name: obj{0}\n  class: simulation_diode\n  unit: counts\n  extra: {{a: 1, b: [1, 2]}}\n"
    text = "".join(item.format(i) for i in range(20_000))   # ~1.4 MB
    data, _ = load_yaml(text, "config/big.yml")
    assert len(data) == 20_000 and data[-1]["name"] == "obj19999"
    assert data[-1].line == 4 * 19_999 + 1 and data[-1]["extra"]["b"] == [1, 2]


def test_a_fifo_among_the_configuration_files_never_hangs_the_start(tmp_path: Path) -> None:
    root = write_beamline(tmp_path / "bl", {}, [])
    os.mkfifo(root / "config" / "fifo.yml")
    result = bliss_lite("--root", str(root), "-s", "s", cwd=tmp_path,
                        stdin="print(good.name)\n", timeout=30)
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert "config/fifo.yml: cannot read the file (not a regular file)" in out
    assert "good\n" in result.stdout
