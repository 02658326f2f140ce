"""The state store under a careless or hostile day: a process killed at random
moments keeps every setting made more than FLUSH_DELAY before the kill; a damaged or
hostile state file is set aside with one warning naming it, and every object starts
with its configuration values (a real session in a subprocess)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bliss_lite.settings import FLUSH_DELAY, StateStore

# Sets "value" (and, through set_later, "later") to 0, 1, 2... as fast as it can,
# printing each value with the (system-wide) monotonic time it was set at.
SETTER = r"""
import sys, time
from bliss_lite.settings import StateStore
store = StateStore("killed", sys.argv[1])
i = 0
print("READY", flush=True)
while True:
    i += 1
    store.set("value", i)
    store.set_later("later", lambda i=i: {"position": i})
    print(i, time.monotonic(), flush=True)
    time.sleep(0.002)
"""


def test_a_kill_at_any_moment_keeps_every_setting_older_than_the_flush_delay(tmp_path):
    rng = random.Random(5)
    for _ in range(int(os.environ.get("STORE_KILL_ROUNDS", "12"))):
        child = subprocess.Popen([sys.executable, "-c", SETTER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "READY"
        time.sleep(rng.uniform(0.3, 1.5))
        killed_at = time.monotonic()
        child.send_signal(signal.SIGKILL)
        child.wait()
        lines = [line.split() for line in child.stdout.read().splitlines()]
        settings = [(float(i), float(t)) for i, t in lines[:-1]]  # (the last line may be cut by the kill)
        due = [int(i) for i, t in settings if t <= killed_at - FLUSH_DELAY]
        store = StateStore("killed", tmp_path)
        assert not store.warnings
        if due:
            assert store.get("value") >= due[-1]
            assert store.get("later")["position"] >= due[-1]
        store.close()


DEMO_ROBY = {"sign": 1, "offset": 0.0, "low_limit": "-inf", "high_limit": "inf", "velocity": 2500.0,
             "acceleration": 1000.0}


def axis_state(**changes):
    return {"dial": 0.25, **DEMO_ROBY, **changes, "config": dict(DEMO_ROBY)}


HOSTILE = {
    "nesting beyond JSON's reach": "[" * 100_000 + "]" * 100_000,
    "nesting beyond the limit": json.dumps({"scan_saving": json.loads("[" * 40 + "]" * 40)}),
    "a string for an axis": json.dumps({"axis.roby": "fast"}),
    "a zero velocity": json.dumps({"axis.roby": axis_state(velocity=0)}),
    "a NaN position": '{"axis.roby": {"dial": NaN}}',
    "a text scan counter": json.dumps({"scan_counter": "many"}),
    "a number for disabled counters": json.dumps({"mg.MG1.disabled": 3}),
    "a JSON list": "[1, 2, 3]",
    "a JSON number": "42",
    "binary garbage": b"\xff\x00\x89HDF\r\n\x1a\n\x00\x17\xa1garbage",
    "a number for MCA ROIs": json.dumps({"mca.mca1.rois": 7}),
    "an MCA ROI ending before it starts": json.dumps({"mca.mca1.rois": {"roi1": [900, 100]}}),
    "a text camera ROI coordinate": json.dumps(
        {"lima.lima_simulator.roi_counters": {"r1": {"kind": "rectangle", "x": 5, "y": "a"}}}),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_state_file_is_set_aside_and_objects_start_from_config(tmp_path, case):
    state = tmp_path / "state"
    state.mkdir()
    path = state / "demo.json"
    content = HOSTILE[case]
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code = "print('ROBY', roby.position, roby.velocity, roby.acceleration)\nprint('MG', ACTIVE_MG.name)\n"
    env = {**os.environ, "BLISS_LITE_STATE_DIR": str(state)}
    t0 = time.monotonic()
    result = subprocess.run([sys.executable, "-c", "import sys; from bliss_lite.shell.cli import main; sys.exit(main())",
                             "-s", "demo"], input=code, capture_output=True, text=True, env=env, timeout=120,
                            cwd=tmp_path)
    assert time.monotonic() - t0 < 60
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if str(path) in line]
    assert len(warnings) == 1 and "was damaged" in warnings[0], output
    assert "every object starts with its configuration values" in warnings[0]
    assert "Traceback" not in output and "RecursionError" not in output
    assert "ROBY 0.0 2500.0 1000.0" in result.stdout
    assert "MG MG1" in result.stdout
    assert (state / "demo.json.corrupt").read_bytes() == (
        content if isinstance(content, bytes) else content.encode())


def test_a_valid_axis_state_is_restored(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "demo.json").write_text(json.dumps({"axis.roby": axis_state(velocity=100.0)}))
    result = subprocess.run([sys.executable, "-c", "import sys; from bliss_lite.shell.cli import main; sys.exit(main())",
                             "-s", "demo"], input="print('ROBY', roby.position, roby.velocity)\n",
                            capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**os.environ, "BLISS_LITE_STATE_DIR": str(state)})
    assert "ROBY 0.25 100.0" in result.stdout, result.stdout + result.stderr
    assert not Path(state / "demo.json.corrupt").exists()


REFUSED_BY_THEIR_OBJECT = {
    "scan_saving": ({"scan_saving": {"template": "../../x"}},
                    "SCAN_SAVING.template '../../x' contains '..'; the data file must stay inside "
                    "SCAN_SAVING.base_path", "SCAN_SAVING"),
    "scan_saving ": ({"scan_saving": {"sample": "../../..", "template": "{sample}"}},
                     "SCAN_SAVING.template evaluates to '../../..', which contains '..'; the data "
                     "file must stay inside SCAN_SAVING.base_path", "SCAN_SAVING"),
    "lima.lima_simulator.roi_counters": (
        {"lima.lima_simulator.roi_counters": {"r9": {"kind": "rectangle", "x": -5, "y": 1, "width": 3,
                                                     "height": 4}}},
        "ROI 'r9': Roi coordinates must be >= 0, got (-5, 1)", "lima_simulator's roi_counters"),
}


@pytest.mark.parametrize("key", REFUSED_BY_THEIR_OBJECT)
def test_a_saved_value_its_object_refuses_is_ignored_with_one_warning(tmp_path, key):
    data, why, what = REFUSED_BY_THEIR_OBJECT[key]
    state = tmp_path / "state"
    state.mkdir()
    (state / "demo.json").write_text(json.dumps(data))
    code = ("print('SAVING', SCAN_SAVING.template, SCAN_SAVING.filename)\n"
            "print('ROIS', sorted(lima_simulator.roi_counters.keys()))\n")
    env = {**os.environ, "BLISS_LITE_STATE_DIR": str(state)}
    outputs = []
    for _ in range(2):   # said once: the next start finds the configured values saved
        result = subprocess.run([sys.executable, "-c", "import sys; from bliss_lite.shell.cli import main; "
                                 "sys.exit(main())", "-s", "demo"], input=code, capture_output=True,
                                text=True, env=env, timeout=120, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    expected = (f"WARNING: the saved state {state / 'demo.json'}: {key.strip()!r} is refused ({why}); "
                f"{what} starts with its configuration values")
    assert [line for line in outputs[0].splitlines() if "demo.json" in line] == [expected], outputs[0]
    assert "demo.json" not in outputs[1].replace(f"in {state / 'demo.json'}", "")
    assert "SAVING {session}/ /tmp/scans/demo/data.h5" in outputs[0]
    assert "ROIS ['r1']" in outputs[0] and "Traceback" not in outputs[0]


def test_fifos_where_the_state_and_the_shell_lock_belong_never_hang_the_start(tmp_path, monkeypatch):
    pexpect = pytest.importorskip("pexpect")
    from test_shell import Terminal

    state = tmp_path / "state"
    state.mkdir()
    os.mkfifo(state / "demo.json")
    os.mkfifo(state / "demo.shell.lock")
    monkeypatch.setenv("BLISS_LITE_STATE_DIR", str(state))
    terminal = Terminal("-s", "demo", cwd=tmp_path)
    try:
        shown = terminal.expect("DEMO [1]: ", timeout=120)
        assert (f"Warning: the saved state {state / 'demo.json'} was damaged (it is not a regular file; "
                "every object starts with its configuration values) and is recreated empty, the "
                "damaged file is kept as demo.json.corrupt") in shown
        assert "Traceback" not in shown
        terminal.type("print('ROBY', roby.position)")
        terminal.expect("ROBY 0.0", timeout=60)
        terminal.type("exit()")
        terminal.expect("Do you really want to exit", timeout=60)
        terminal.type("y")
        terminal.child.expect(pexpect.EOF, timeout=60)
    finally:
        terminal.close()
    assert (state / "demo.json").is_file() and not (state / "demo.json").is_symlink()
