"""Setup files and scripts that fail, call exit() or are interrupted with Ctrl-C: the
session always starts, and the user is told where (file and line) and what it means."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from test_cli import bliss_lite


def beamline(root: Path, setup: str, scripts: dict[str, str] | None = None) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "sessions" / "scripts").mkdir(parents=True)
    (root / "config" / "objects.yml").write_text("- name: diode\n  class: simulation_diode\n")
    (root / "sessions" / "s.yml").write_text(
        "- class: Session\n  name: s\n  setup-file: ./s_setup.py\n  config-objects: [diode]\n")
    (root / "sessions" / "s_setup.py").write_text(textwrap.dedent(setup))
    for name, text in (scripts or {}).items():
        (root / "sessions" / "scripts" / f"{name}.py").write_text(textwrap.dedent(text))
    return root


def run(root: Path, commands: str = "print('PROMPT', diode.name)\n"):
    result = bliss_lite("--root", str(root), "-s", "s", cwd=root, stdin=commands)
    return result, result.stdout + result.stderr


def test_an_exception_names_the_setup_file_and_line(tmp_path: Path) -> None:
    root = beamline(tmp_path, """\
        BEFORE = 1
        def helper():
            return {}["missing"]
        helper()
        AFTER = 1
    """)
    result, out = run(root, "print('PROMPT', BEFORE, 'AFTER' in globals())\n")
    assert "Error in setup file sessions/s_setup.py, line 3:\n!!! === KeyError: 'missing' === !!!" in out
    assert "Warning: error(s) happened during setup, setup may not be complete." in out
    assert "PROMPT 1 False" in out and result.returncode == 0


def test_a_syntax_error_names_the_setup_file_and_line(tmp_path: Path) -> None:
    root = beamline(tmp_path, "x = 1\ny = (2 +\n")
    _, out = run(root)
    assert "Error in setup file sessions/s_setup.py, line 2:\n!!! === SyntaxError" in out
    assert "PROMPT diode" in out


def test_load_script_errors_name_the_script_file_and_line(tmp_path: Path) -> None:
    root = beamline(tmp_path, "load_script('tools')\nSETUP_WENT_ON = True\n",
                    {"tools": "A = 1\n\n\nB = 1 / 0\n"})
    result, out = run(root, "print('PROMPT', A, SETUP_WENT_ON)\n")
    assert ("Error in script sessions/scripts/tools.py, line 4:\n"
            "!!! === ZeroDivisionError: division by zero === !!!") in out
    assert "PROMPT 1 True" in out


def test_load_script_of_a_missing_or_broken_script(tmp_path: Path) -> None:
    root = beamline(tmp_path, "BEFORE = 1\nload_script('broken')\nload_script('missing')\nAFTER = 1\n",
                    {"broken": "x = 1\ndef f(:\n    pass\n"})
    result, out = run(root, "print('PROMPT', BEFORE, 'AFTER' in globals())\nload_script(5)\n")
    assert ("Error in script sessions/scripts/broken.py, line 2:\n"
            "!!! === SyntaxError: invalid syntax (broken.py, line 2) === !!!") in out
    assert ("Error in setup file sessions/s_setup.py, line 3:\n"
            "!!! === FileNotFoundError: script 'missing' of session 's' not found: "
            f"{root / 'sessions' / 'scripts' / 'missing.py'} === !!!") in out
    assert "Warning: error(s) happened during setup, setup may not be complete." in out
    assert "PROMPT 1 True" in out and "Traceback" not in out   # printed, not raised: the setup goes on
    assert ("!!! === TypeError: load_script(): the script name must be a non-empty string, not 5 "
            "=== !!!") in out


def test_exit_in_a_setup_file_ends_the_setup_not_the_session(tmp_path: Path) -> None:
    root = beamline(tmp_path, "BEFORE = 1\nif True:\n    exit()\nAFTER = 1\n")
    result, out = run(root, "print('PROMPT', BEFORE, 'AFTER' in globals())\n")
    assert "Note: exit() at sessions/s_setup.py, line 3 ends the setup, not the session" in out
    assert "PROMPT 1 False" in out and result.returncode == 0


def test_exit_in_a_script_ends_the_script(tmp_path: Path) -> None:
    import_sys = "import sys\nX = 1\nsys.exit(3)\nY = 1\n"
    root = beamline(tmp_path, "load_script('quits')\nSETUP_WENT_ON = True\n", {"quits": import_sys})
    result, out = run(root, "print('PROMPT', X, SETUP_WENT_ON, 'Y' in globals())\n")
    assert ("Note: exit() at sessions/scripts/quits.py, line 3 ends the script 'quits', not "
            "the session") in out
    assert "PROMPT 1 True False" in out and result.returncode == 0


def test_ctrl_c_during_a_long_setup_gives_the_prompt(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    from test_shell import Terminal

    # The loop is one line, so that Ctrl-C lands on line 4 wherever in the loop it
    # comes; it is sent a moment after the marker, once the loop runs (under load the
    # process may be descheduled right after printing it). Timeouts are generous: the
    # machine running the tests may be busy.
    root = beamline(tmp_path, """\
        import time
        BEFORE = 1
        print("SETUP IS RUNNING", flush=True)
        for _ in range(12000): time.sleep(0.05)
        AFTER = 1
    """)
    terminal = Terminal("--root", str(root), "-s", "s", cwd=tmp_path)
    try:
        terminal.expect("SETUP IS RUNNING", timeout=180)
        time.sleep(0.5)
        terminal.child.sendintr()
        shown = terminal.expect("S [1]: ", timeout=180)
        assert "Warning: setup interrupted by Ctrl-C at sessions/s_setup.py, line 4: the setup " \
               "is incomplete." in shown
        assert "Traceback" not in shown and "KeyboardInterrupt" not in shown
        terminal.type("print('ALIVE', BEFORE, 'AFTER' in globals(), diode.name)")
        terminal.expect("ALIVE 1 False diode", timeout=120)
        terminal.expect("S [2]: ", timeout=120)
        terminal.type("exit()")
        terminal.expect("Do you really want to exit", timeout=120)
        terminal.type("y")
        terminal.child.expect(pexpect.EOF, timeout=120)
    finally:
        status = terminal.close()
    assert status == 0
