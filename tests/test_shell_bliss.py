"""The shell as BLISS's: typing helper, exit confirmation, status bar, one shell per
session (a real pseudo-terminal)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

from test_shell import _CONTROL, COMMAND, Terminal, demo  # noqa: E402,F401 (demo: a fixture)

from bliss_lite.shell.typing_helper import convert, split_arguments  # noqa: E402


# -- typing helper ---------------------------------------------------------------------------

def test_conversion_rules():
    ns = {"ascan": print, "wa": print, "umv": print, "roby": object(), "diode": object(),
          "beamstop": type("B", (), {"move": print})()}
    assert convert("wa", ns) == "wa()"
    assert convert("ascan roby 0 1 10 0.1 diode", ns) == "ascan(roby,0,1,10,0.1,diode)"
    assert convert("umv roby -1", ns) == "umv(roby,-1)"
    assert convert('print "a b"  3', ns) == 'print("a b",3)'
    assert convert("ascan roby 0 1 save = False", ns) == "ascan(roby,0,1,save=False)"
    assert convert("beamstop.move 'IN'", ns) == "beamstop.move('IN')"
    for unchanged in ("print(1)", "roby", "x = 3", "wa()", 'print "unclosed', "unknown 1 2",
                      "print (1)", "for i in range(3): wa"):
        assert convert(unchanged, ns) is None, unchanged
    assert split_arguments("a [1, 2] {'k': 1} 'x y'") == ["a", "[1, 2]", "{'k': 1}", "'x y'"]


def test_typing_helper_in_the_shell(demo):
    demo.type("wa")
    demo.expect("user  0.000000")   # wa() as BLISS 2.4 prints it
    demo.expect("DEMO [2]: ")
    demo.type('print "two words"  42')                      # strings with spaces kept
    demo.expect("two words 42")
    demo.expect("DEMO [3]: ")
    demo.type("umv roby 0.1")
    demo.expect("DEMO [4]: ")
    demo.type("roby.position")
    demo.expect("Out [4]: 0.1")
    demo.type("ascan roby 0 1 4 0.01 diode")
    demo.expect("Total 5 points")
    demo.expect("Took")
    demo.expect("DEMO [6]: ")
    demo.type("SCANS[-1].scan_number, len(SCANS[-1].get_data()['diode'])")
    demo.expect(", 5)")                                      # 5 points of diode


def test_typing_helper_off_is_saved(tmp_path, _isolated_state):
    first = Terminal("-s", "demo", cwd=tmp_path)
    try:
        first.expect("DEMO [1]: ")
        first.type("typing_helper off")
        first.expect("typing helper is OFF")
        first.type("wa")
        first.expect("Out [2]: <function bliss_lite.commands.listing.wa(")   # its repr again
        first.type("exit()")
        first.expect("Do you really want to exit")
        first.type("y")
        first.child.expect(pexpect.EOF, timeout=30)
    finally:
        first.close()
    state = json.loads((_isolated_state / "demo.json").read_text())
    assert state["shell.typing_helper"] is False


# -- exit ----------------------------------------------------------------------------------

def test_exit_asks_first(demo):
    demo.type("exit")
    demo.expect("Do you really want to exit ([y]/n)?")
    demo.type("n")
    demo.expect("DEMO [")
    demo.type("1 + 2")
    demo.expect("Out [")
    demo.expect("DEMO [")
    time.sleep(0.5)
    demo.child.sendcontrol("d")                             # Ctrl-D asks too
    demo.expect("Do you really want to exit")
    demo.type("y")
    demo.child.expect(pexpect.EOF, timeout=30)
    assert demo.close() == 0


def test_piped_exit_never_asks(tmp_path):
    from test_cli import bliss_lite

    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin="exit\nprint('after')\n")
    assert "Do you really" not in result.stdout + result.stderr


# -- status bar ------------------------------------------------------------------------------

class CprTerminal(Terminal):
    """A terminal answering prompt_toolkit's cursor position requests, as a real one
    does (prompt_toolkit shows the bottom toolbar only when it knows the height)."""

    def __init__(self, *args: str, cwd) -> None:
        env = dict(os.environ, TERM="xterm")
        env.pop("PROMPT_TOOLKIT_NO_CPR", None)
        self.child = pexpect.spawn(COMMAND[0], COMMAND[1:] + list(args), cwd=str(cwd), env=env,
                                   encoding="utf-8", dimensions=(50, 200), timeout=30)
        self.text = ""
        self.position = 0

    def expect(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.text[self.position:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not shown; the terminal shows:\n"
                                     f"{self.text[self.position:][-3000:]}")
            try:
                raw = self.child.read_nonblocking(65536, timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            for _ in range(raw.count("\x1b[6n")):
                self.child.send("\x1b[10;1R")
            self.text += _CONTROL.sub("", raw)
        found = self.text.find(needle, self.position)
        before = self.text[self.position:found]
        self.position = found + len(needle)
        return before


def test_status_bar_and_signature(tmp_path):
    demo = CprTerminal("-s", "demo", cwd=tmp_path)
    demo.expect("DEMO [1]:")
    demo.expect("demo | /tmp/scans")
    demo.expect("typing helper: ON")
    demo.child.send("ascan(")
    demo.expect("ascan(motor")
    demo.child.sendcontrol("c")
    demo.type("loopscan(1, 0.01)")
    demo.expect("Took")
    demo.expect("last scan: ")
    demo.close()


# -- one shell per session -------------------------------------------------------------------

def test_second_shell_is_refused_then_force(tmp_path, demo):
    second = Terminal("-s", "demo", cwd=tmp_path)
    try:
        text = second.expect("--force to take over")
        assert "session 'demo' is already open in another shell (PID " in text
        assert f"PID {demo.child.pid}, since " in text
        second.child.expect(pexpect.EOF, timeout=30)
        assert second.close() == 1
    finally:
        second.close()
    forced = Terminal("-s", "demo", "--force", cwd=tmp_path)
    try:
        forced.expect(f"Note: took over session 'demo' from the shell of PID {demo.child.pid}")
        forced.expect("DEMO [1]: ")
    finally:
        forced.close()


def test_stale_lock_is_taken_over(tmp_path, _isolated_state):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    _isolated_state.mkdir(parents=True, exist_ok=True)
    (_isolated_state / "demo.shell.lock").write_text(json.dumps({"pid": int(dead), "since": time.time()}))
    terminal = Terminal("-s", "demo", cwd=tmp_path)
    try:
        terminal.expect(f"Note: the shell of PID {dead} ended without closing session 'demo'")
        terminal.expect("DEMO [1]: ")
        held = json.loads((_isolated_state / "demo.shell.lock").read_text())
        assert held["pid"] == terminal.child.pid or held["pid"] != int(dead)
    finally:
        terminal.close()


def test_another_session_is_not_refused(tmp_path, demo):
    other = Terminal(cwd=tmp_path)           # the default session
    try:
        other.expect("BLISS [1]: ")
    finally:
        other.close()
