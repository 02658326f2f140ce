"""The per-session state store (SPEC 1): persistence, atomic writes, recovery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bliss_lite.settings import FLUSH_DELAY, StateStore, state_dir


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_state_dir_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BLISS_LITE_STATE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "explicit"
    monkeypatch.delenv("BLISS_LITE_STATE_DIR")
    assert state_dir() == tmp_path / "xdg" / "bliss_lite"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "bliss_lite"


def test_default_directory_is_state_dir(_isolated_state: Path) -> None:
    store = StateStore("demo")
    assert store.path == _isolated_state / "demo.json"
    store.close()


def test_persists_across_instances(tmp_path: Path) -> None:
    store = StateStore("demo", tmp_path)
    assert store.is_new and store.warnings == []          # a first start is no problem
    assert json.loads(store.path.read_text()) == {}       # the file exists from now on
    store.set("axis.roby", {"position": 1.5, "offset": 0.0, "limits": [float("-inf"), 3]})
    store.update({"scan_counter": 7, "active_mg": "MG1", "plotselect": ["diode"]})
    store.set("transient", True)
    store.delete("transient")
    store.delete("never_set")
    store.close()

    again = StateStore("demo", tmp_path)
    assert not again.is_new and again.warnings == []
    assert again.get("axis.roby") == {"position": 1.5, "offset": 0.0,
                                      "limits": [float("-inf"), 3]}
    assert again.get("scan_counter") == 7 and again.get("active_mg") == "MG1"
    assert again.get("transient") is None and again.get("missing", 42) == 42
    assert "plotselect" in again and sorted(again.keys()) == [
        "active_mg", "axis.roby", "plotselect", "scan_counter"]
    again.close()


def test_values_are_snapshots(tmp_path: Path) -> None:
    store = StateStore("demo", tmp_path)
    value = {"position": 1.0}
    store.set("axis.roby", value)
    value["position"] = 2.0                 # the caller's later change is not saved
    got = store.get("axis.roby")
    got["position"] = 3.0                   # nor is a change to what get() returned
    assert store.get("axis.roby") == {"position": 1.0}
    store.close()


def test_non_json_value_is_refused(tmp_path: Path) -> None:
    store = StateStore("demo", tmp_path)
    with pytest.raises(TypeError, match="state 'bad' cannot be saved"):
        store.set("bad", object())
    assert "bad" not in store
    store.close()


def test_background_flush_without_close(tmp_path: Path) -> None:
    store = StateStore("demo", tmp_path)
    store.set("scan_counter", 12)
    assert _wait_for(lambda: json.loads(store.path.read_text()).get("scan_counter") == 12,
                     timeout=FLUSH_DELAY + 10)
    store.close()


def test_set_after_close_is_written_at_once(tmp_path: Path) -> None:
    store = StateStore("demo", tmp_path)
    store.close()
    store.set("scan_counter", 3)
    assert json.loads(store.path.read_text()) == {"scan_counter": 3}


def test_corrupt_file_is_recreated_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text('{"scan_counter": 4, "axis.ro')
    store = StateStore("demo", tmp_path)
    assert not store.is_new and len(store.warnings) == 1
    assert store.warnings[0].startswith(f"the saved state {path} was damaged (")
    assert store.warnings[0].endswith("and is recreated empty, the damaged file is kept as "
                                      "demo.json.corrupt")
    assert store.get("scan_counter") is None
    assert json.loads(path.read_text()) == {}
    assert (tmp_path / "demo.json.corrupt").read_text().startswith('{"scan_counter"')
    store.set("scan_counter", 5)
    store.close()
    assert StateStore("demo", tmp_path).get("scan_counter") == 5


@pytest.mark.parametrize("content", ["[1, 2]", "", "\xff\xfe"])
def test_wrong_content_is_recreated(tmp_path: Path, content: str) -> None:
    (tmp_path / "demo.json").write_bytes(content.encode("latin-1"))
    store = StateStore("demo", tmp_path)
    assert "was damaged" in store.warnings[0]
    assert json.loads((tmp_path / "demo.json").read_text()) == {}
    store.close()


def test_bad_session_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot name a state file"):
        StateStore("../escape", tmp_path)


def test_no_partial_file_while_writing(tmp_path: Path) -> None:
    """A reader polling the file while it is rewritten many times always finds a whole
    JSON document, and no temporary file is left behind."""
    store = StateStore("demo", tmp_path)
    stop = threading.Event()
    bad: list[str] = []
    reads = 0

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                json.loads(store.path.read_text())
                reads += 1
            except ValueError as exc:
                bad.append(str(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        payload = ["x" * 200] * 200        # ~40 kB per write
        for i in range(60):
            store.set("big", payload + [i])
            store.flush()
    finally:
        stop.set()
        thread.join()
    store.close()
    assert bad == [] and reads > 0
    assert json.loads(store.path.read_text())["big"][-1] == 59
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json"]


def test_sigkill_right_after_flush_leaves_a_readable_file(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from bliss_lite.settings import StateStore\n"
        "store = StateStore('demo', sys.argv[1])\n"
        "for i in range(200):\n"
        "    store.set('axis.roby', {'position': i, 'pad': 'x' * 5000})\n"
        "store.flush()\n"
        "for i in range(200, 100000):\n"
        "    store.set('axis.roby', {'position': i, 'pad': 'x' * 5000})\n"
        "    if i == 200:\n"
        "        print('ready', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    data = json.loads((tmp_path / "demo.json").read_text())
    assert data["axis.roby"]["position"] >= 199
    again = StateStore("demo", tmp_path)
    assert not again.is_new and again.warnings == []
    again.close()
    # a temporary file the killed process may have left is removed at the next start
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json"]


def test_stale_temporary_file_is_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / f".demo.json.{dead}.tmp").write_text('{"half')
    StateStore("demo", tmp_path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json"]


def test_interpreter_exit_flushes(tmp_path: Path) -> None:
    code = ("import sys\n"
            "from bliss_lite.settings import StateStore\n"
            "store = StateStore('demo', sys.argv[1])\n"
            "store.set('scan_counter', 99)\n")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=30)
    assert json.loads((tmp_path / "demo.json").read_text()) == {"scan_counter": 99}


def test_set_later_computes_the_value_when_written(tmp_path: Path) -> None:
    state = {"position": 0.0}
    calls = []

    def compute() -> dict:
        calls.append(1)
        return dict(state)

    store = StateStore("demo", tmp_path)
    for i in range(1000):
        state["position"] = float(i)
        store.set_later("axis.roby", compute)
    assert calls == []                      # nothing encoded per change
    assert store.get("axis.roby") == {"position": 999.0}
    store.set_later("axis.roby", compute)
    store.close()
    assert len(calls) == 2
    assert json.loads((tmp_path / "demo.json").read_text())["axis.roby"] == {"position": 999.0}
    store.set("axis.roby", {"position": -1.0})   # a plain set() replaces a pending one
    assert StateStore("demo", tmp_path).get("axis.roby") == {"position": -1.0}
