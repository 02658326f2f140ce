"""Hostile metadata: control characters in keys, deep or self-referencing trees, and
generators whose output is one of those never cost the other metadata of a scan."""

from __future__ import annotations

import textwrap
from pathlib import Path

import h5py
import pytest

from bliss_lite import scan_meta
from bliss_lite.scan_meta.tree import MAX_DEPTH
from bliss_lite.scan_meta import ScanMeta
from test_cli import bliss_lite


def _deep(levels: int) -> dict:
    top = node = {}
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    return top


def _loop() -> dict:
    tree: dict = {"x": {}}
    tree["x"]["back"] = tree
    return tree


def _list_loop() -> dict:
    items: list = [1]
    items.append(items)
    return {"l": items}


@pytest.mark.parametrize("values, reason", [
    ({"a\0b": 1}, "key 'a\\x00b' contains a control character"),
    ({"group": {"unit\x1b[31m": 1}}, "key 'unit\\x1b[31m' in 'group' contains a control character"),
    ({"group": {"v@\tunits": "mm"}}, "key 'v@\\tunits' in 'group' contains a control character"),
    (_loop(), "key 'back' in 'x' holds a dict that contains it (a self-reference)"),
    (_deep(1000), f"key 'a' in 'a/a/a/...({MAX_DEPTH - 6} more)/a/a' is nested deeper than "
                  f"{MAX_DEPTH} levels"),
    (_list_loop(), "value of 'l' is a list that contains itself"),
    ({"group": {"text": "a\0b"}}, "value of 'text' in 'group' is a string holding a NUL character"),
    ({"names": ["ok", "a\0b"]}, "value of 'names' cannot be stored (a string holding a NUL "
                                  "character cannot be stored)"),
])
def test_set_refuses_in_one_sentence(values: dict, reason: str) -> None:
    registry = ScanMeta()
    with pytest.raises(ValueError) as info:
        registry.instrument.set("mine", values)
    assert str(info.value) == f"cannot set 'mine' in scan_meta category 'instrument': {reason}"
    assert not registry.instrument.is_set("mine")


def test_a_name_with_a_control_character_is_refused() -> None:
    registry = ScanMeta()
    with pytest.raises(ValueError) as info:
        registry.instrument.set("mine\0", {"a": 1})
    assert str(info.value) == ("scan_meta category 'instrument': the name 'mine\\x00' holds a "
                               "control character")
    assert registry.instrument.keys == []


def test_a_tree_at_the_limit_is_accepted() -> None:
    registry = ScanMeta()
    registry.instrument.set("mine", _deep(MAX_DEPTH - 1))
    assert registry.copy().instrument.metadata["mine"] == _deep(MAX_DEPTH - 1)


SETUP = textwrap.dedent("""
    from bliss.scanning import scan_meta
    meta = scan_meta.get_user_scan_meta()
    meta.instrument.set("static1", {"mystatic": {"v": 1}})
    changed = {"later": {"v": 3}}
    meta.instrument.set("changed", changed)
    changed["later"]["me"] = changed            # a static changed after set()

    def own_output(scan):                       # a generator referencing its own output
        out = {"own": {}}
        out["own"]["again"] = out
        return out

    def deep(scan):
        top = node = {}
        for _ in range(5000):
            node["a"] = {}
            node = node["a"]
        return {"deep": top}

    def nul_key(scan):
        return {"nul": {"a\\0b": 1, "fine": 2}}

    def copy_of_scan_info(scan):
        return {"copy": {"title": scan.scan_info.get("title")}}

    meta.instrument.set("own_output", own_output)
    meta.instrument.set("deep", deep)
    meta.instrument.set("nul_key", nul_key)
    meta.instrument.set("copy", copy_of_scan_info)
    meta.instrument.set("good", lambda scan: {"good": {"v": 2}})
    meta.instrument.set("nul_value", lambda scan: {"nulv": {"text": "a\\0b", "ok": 1}})
    meta.instrument.set("boom", lambda scan: 1 / 0)
""")


def test_failing_generators_never_cost_the_rest_of_the_end_metadata(tmp_path: Path) -> None:
    (tmp_path / "sessions").mkdir()
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "objects.yml").write_text(
        "- name: diode\n  class: simulation_diode\n"
        "- class: mockup\n  axes:\n    - name: roby\n      velocity: 1000\n      acceleration: 1e6\n")
    (tmp_path / "sessions" / "s.yml").write_text(
        "- class: Session\n  name: s\n  setup-file: ./s_setup.py\n  config-objects: [diode, roby]\n")
    (tmp_path / "sessions" / "s_setup.py").write_text(SETUP)
    commands = (f"SCAN_SAVING.base_path = {str(tmp_path / 'data')!r}\n"
                "s = loopscan(2, 0, diode, scan_info={'instrument': {'arg': {'v': 4}}})\n"
                "print('FILE', s.filename)\n")
    result = bliss_lite("--root", str(tmp_path), "-s", "s", cwd=tmp_path, stdin=commands)
    assert result.returncode == 0, result.stderr
    assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert ("WARNING: cannot generate metadata from 'own_output' for category 'instrument': "
            "dropped key 'again' in 'own' holds a dict that contains it (a self-reference)") in warnings
    assert any(w.startswith("WARNING: cannot generate metadata from 'deep' for category "
                            "'instrument': dropped key 'a' in 'deep/a/a/") for w in warnings)
    assert ("WARNING: cannot generate metadata from 'nul_key' for category 'instrument': "
            "dropped key 'a\\x00b' in 'nul' contains a control character") in warnings
    assert ("WARNING: cannot generate metadata from 'nul_value' for category 'instrument': "
            "dropped value of 'text' in 'nulv' is a string holding a NUL character") in warnings
    assert any("'boom'" in w and "ZeroDivisionError" in w for w in warnings), warnings
    assert any(w.startswith("WARNING: scan_meta 'instrument' entry 'changed' is not used: ")
               for w in warnings)
    filename = result.stdout.split("FILE ")[1].split()[0]
    with h5py.File(filename, "r") as f:
        instrument = f["1.1/instrument"]
        assert instrument["mystatic/v"][()] == 1 and instrument["good/v"][()] == 2
        assert instrument["arg/v"][()] == 4 and instrument["nul/fine"][()] == 2
        assert list(instrument["nul"]) == ["fine"]
        assert list(instrument["nulv"]) == ["ok"] and f["1.1/end_reason"][()] == b"SUCCESS"
        assert "roby" in instrument["positioners_end"] and "roby" in instrument["positioners_start"]
        assert instrument["copy/title"][()] == b"loopscan 2 0"
        assert "own" not in instrument and "later" not in instrument


def test_scan_info_argument_refused_before_the_scan(tmp_path: Path) -> None:
    from bliss_lite.scan_meta.gathering import check_scan_info

    with pytest.raises(ValueError, match=r"^invalid scan_info: key 'a\\x00' in 'instrument' "
                                         r"contains a control character$"):
        check_scan_info({"instrument": {"a\0": 1}})
    with pytest.raises(ValueError, match=r"^invalid scan_info: key 'back' in 'instrument/x' holds "
                                         r"a dict that contains it \(a self-reference\)$"):
        check_scan_info({"instrument": _loop()})
    with pytest.raises(ValueError, match=r"^invalid scan_info: value of 'v' in 'instrument/g' is a "
                                         r"string holding a NUL character$"):
        check_scan_info({"instrument": {"g": {"v": "a\0b"}}})
    assert scan_meta.get_user_scan_meta() is not None
