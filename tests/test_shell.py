"""The interactive shell (SPEC 5.2) in a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

BEAMLINES = Path(__file__).resolve().parent / "beamlines"
_SCRIPT = Path(sys.executable).parent / "bliss-lite"
COMMAND = ([str(_SCRIPT)] if _SCRIPT.exists() else
           [sys.executable, "-c", "import sys; from bliss_lite.shell.cli import main; sys.exit(main())"])

# terminal control sequences prompt_toolkit writes around the text
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r")


def _as_from_a_terminal() -> None:
    """Ctrl-C interrupts the child as it would when started from a terminal's shell,
    even when the tests themselves run with SIGINT ignored (a background job of a
    non-interactive shell, which is how CI or a busy machine may start them)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """A ``bliss-lite`` process on a pseudo-terminal; ``expect`` matches the text the
    user sees (control sequences removed), in order."""

    def __init__(self, *args: str, cwd: Path) -> None:
        env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
        self.child = pexpect.spawn(COMMAND[0], COMMAND[1:] + list(args), cwd=str(cwd), env=env,
                                   encoding="utf-8", dimensions=(50, 200), timeout=30,
                                   preexec_fn=_as_from_a_terminal)
        self.text = ""
        self.position = 0

    def expect(self, needle: str, timeout: float = 30) -> str:
        """Wait until ``needle`` appears after the last match; returns the text before it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.text.find(needle, self.position)
            if found >= 0:
                before = self.text[self.position:found]
                self.position = found + len(needle)
                return before
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not shown; the terminal shows:\n"
                                     f"{self.text[self.position:][-3000:]}")
            try:
                self.text += _CONTROL.sub("", self.child.read_nonblocking(65536, timeout=0.1))
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                if needle not in self.text[self.position:]:
                    raise AssertionError(f"the shell ended before showing {needle!r}:\n"
                                         f"{self.text[self.position:][-3000:]}")

    def type(self, line: str) -> None:
        self.child.send(line + "\r")

    def close(self) -> int | None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture
def demo(tmp_path):
    terminal = Terminal("-s", "demo", cwd=tmp_path)
    terminal.expect("DEMO [1]: ")
    yield terminal
    terminal.close()


def test_prompt_and_its_counter(demo):
    demo.type("1 + 1")
    demo.expect("\n Out [1]: 2\n")
    demo.expect("DEMO [2]: ")
    demo.type("x = 5")
    demo.expect("DEMO [3]: ")
    demo.type("x * 2")
    demo.expect(" Out [3]: 10")
    demo.expect("DEMO [4]: ")


def test_objects_are_shown_through_info(demo):
    demo.type("Thing = type('Thing', (), {'__info__': lambda self: 'A THING\\n  with two lines'})")
    demo.expect("DEMO [2]: ")
    demo.type("Thing()")
    shown = demo.expect("DEMO [3]: ")
    assert "A THING\n  with two lines" in shown
    assert "object at 0x" not in shown
    demo.type("diode3")
    shown = demo.expect("DEMO [4]: ")
    demo.type("print('FIRST' + ':' + diode3.__info__().splitlines()[0])")
    printed = demo.expect("DEMO [5]: ")
    first_line = printed[printed.index("FIRST:") + len("FIRST:"):].splitlines()[0]
    assert first_line.strip() and first_line in shown


def test_one_line_error_then_last_error(demo):
    demo.type("1/0")
    shown = demo.expect("DEMO [2]: ")
    assert ("!!! === ZeroDivisionError: division by zero === !!! "
            "( for more details type cmd 'last_error()' )") in shown
    assert "Traceback" not in shown
    demo.type("last_error()")
    shown = demo.expect("DEMO [3]: ")
    assert "Traceback (most recent call last):" in shown
    assert "1/0" in shown and "ZeroDivisionError: division by zero" in shown
    assert "IPython" not in shown


def test_protected_names(demo):
    demo.type("roby = 3")
    shown = demo.expect("DEMO [2]: ")
    assert "!!! === RuntimeError: roby is protected and cannot be modified! === !!!" in shown
    demo.type("roby.name")
    demo.expect(" Out [2]: 'roby'")


def test_ctrl_c_interrupts_the_command(demo):
    demo.type("import time; time.sleep(30)")
    time.sleep(1.0)
    started = time.monotonic()
    demo.child.sendintr()
    shown = demo.expect("DEMO [2]: ", timeout=10)
    assert time.monotonic() - started < 10
    assert "KeyboardInterrupt" in shown
    demo.type("'alive'")
    demo.expect(" Out [2]: 'alive'")


def test_ctrl_c_aborts_a_running_scan(demo, tmp_path):
    demo.type(f"SCAN_SAVING.base_path = {str(tmp_path / 'scans')!r}")
    demo.expect("DEMO [2]: ")
    demo.type("s = loopscan(100, 0.1)")
    demo.expect("Total 100 points")
    time.sleep(0.5)
    demo.child.sendintr()
    shown = demo.expect("DEMO [3]: ", timeout=15)
    assert ("!!! === ScanAbort: scan aborted === !!! "
            "( for more details type cmd 'last_error()' )") in shown
    assert "Traceback" not in shown
    demo.type("SCANS[-1].scan_info['end_reason'], SCANS[-1].npoints_done < 100")
    demo.expect(" Out [3]: ('USER_ABORT', True)")


def test_completion_of_objects_and_members(demo):
    demo.child.send("roby.pos\t")
    demo.expect("roby.position")
    demo.child.send("\x15")          # Ctrl-U: clear the line
    demo.child.send("rob\t")
    menu = demo.expect("robz")        # two candidates: a menu with both
    assert "roby" in menu
    demo.child.send("\x1b")          # Escape: close the menu
    demo.child.send("\x15")
    demo.child.send("SCAN_SAVI\t")
    demo.expect("SCAN_SAVING")
    demo.child.send(".data_filen\t")
    demo.expect("data_filename")
    demo.type("")
    demo.expect(" Out [1]: 'data'")


def test_exit_leaves_and_keeps_the_history(demo, _isolated_state):
    demo.type("'remember me'")
    demo.expect("DEMO [2]: ")
    demo.type("exit()")
    demo.expect("Do you really want to exit")
    demo.type("y")
    demo.child.expect(pexpect.EOF, timeout=30)
    assert demo.close() == 0
    history = _isolated_state / "demo.history.sqlite"
    assert history.is_file()
    assert b"remember me" in history.read_bytes()


def test_history_is_per_session_and_survives_a_restart(tmp_path):
    first = Terminal("-s", "demo", cwd=tmp_path)
    try:
        first.expect("DEMO [1]: ")
        first.type("'remembered by demo'")
        first.expect("DEMO [2]: ")
        first.type("exit()")
        first.expect("Do you really want to exit")
        first.type("y")
        first.child.expect(pexpect.EOF, timeout=30)
    finally:
        first.close()
    again = Terminal("-s", "demo", cwd=tmp_path)
    try:
        again.expect("DEMO [1]: ")
        again.child.send("\x1b[A")     # arrow up: the last command of the last run
        again.child.send("\r")
        again.expect(" Out [1]: 'remembered by demo'")
    finally:
        again.close()
    other = Terminal(cwd=tmp_path)     # the no-session shell has its own history
    try:
        other.expect("BLISS [1]: ")
        other.child.send("\x1b[A")
        other.child.send("\r")
        shown = other.expect("BLISS [1]: ")   # nothing recalled: an empty line
        assert "remembered by demo" not in shown
    finally:
        other.close()


def test_ctrl_d_leaves(demo):
    demo.child.sendeof()
    demo.expect("Do you really want to exit")
    demo.type("y")
    demo.child.expect(pexpect.EOF, timeout=30)
    assert demo.close() == 0


def test_no_session_prompt(tmp_path):
    terminal = Terminal(cwd=tmp_path)
    try:
        terminal.expect("BLISS [1]: ")
        terminal.type("'wa' in globals(), 'roby' in globals()")
        terminal.expect("  Out [1]: (True, False)")
    finally:
        terminal.close()


def test_an_unusable_state_directory_is_no_crash(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("BLISS_LITE_STATE_DIR", str(blocker / "state"))
    terminal = Terminal("-s", "demo", cwd=tmp_path)
    try:
        shown = terminal.expect("DEMO [1]: ")
        assert "Warning: cannot read the saved state" in shown
        assert "the history of this shell will not be kept" in shown
        terminal.type("6 * 7")
        terminal.expect(" Out [1]: 42")
    finally:
        terminal.close()
