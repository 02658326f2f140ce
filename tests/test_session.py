"""Sessions (SPEC 4, 9): start-up report, objects, setup files, load_script,
protection, include/exclude, ACTIVE_MG, the scan context and the bliss.* names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bliss_lite import current, compat, open_session
from bliss_lite.scanning import context as scan_context
from bliss_lite.session import ProtectedNamespace, Session, SessionNotFoundError

BEAMLINES = Path(__file__).resolve().parent / "beamlines"
OK = BEAMLINES / "session_ok"
BROKEN = BEAMLINES / "session_broken"


@pytest.fixture
def opened():
    """Open sessions through this fixture: they are closed whatever happens."""
    sessions: list[Session] = []

    def _open(name, root=OK, verbose=False):
        session = open_session(name, root=root, verbose=verbose, protect=True)
        sessions.append(session)
        return session

    yield _open
    for session in sessions:
        session.close()


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _index(lines: list[str], prefix: str) -> int:
    for i, line in enumerate(lines):
        if line.startswith(prefix):
            return i
    raise AssertionError(f"no line starting with {prefix!r} in:\n" + "\n".join(lines))


# -- the Python API --------------------------------------------------------------------

def test_open_session_is_a_context_manager(_isolated_state):
    with open_session("main", root=OK, verbose=False) as session:
        assert isinstance(session.env, dict)
        assert session.env["diode"].name == "diode"
        assert scan_context.current() is session.context
        assert compat.current_session() is session
        session.store.set("test.key", 42)
    assert session.closed
    assert compat.current_session() is None
    assert current.active() is None  # no longer the current session
    stored = json.loads((_isolated_state / "main.json").read_text())
    assert stored["test.key"] == 42
    session.close()  # closing twice is harmless


def test_namespace_holds_objects_and_standard_functions(opened):
    env = opened("main").env
    for name in ("diode", "diode2", "m1", "MGA", "MGB", "SCAN_SAVING", "ACTIVE_MG", "SCANS",
                 "SCAN_DISPLAY", "config", "load_script", "last_error", "protect", "unprotect",
                 "np", "mv", "wa", "ct", "loopscan", "ascan", "cen", "goto_peak", "plotselect",
                 "metadata_profiling"):
        assert name in env, name
    assert "sim_ct" not in env and "m2" not in env  # not in config-objects
    import numpy

    assert env["np"] is numpy
    assert env["SCAN_SAVING"].session == "main"


def test_unknown_session_lists_the_valid_ones():
    with pytest.raises(SessionNotFoundError) as info:
        open_session("nope", root=OK, verbose=False)
    message = str(info.value)
    assert "Session 'nope' not found" in message
    for name in ("main", "parent", "child", "compat"):
        assert name in info.value.valid
        assert name in message


def test_default_session_has_no_objects(opened):
    session = opened(None)
    assert session.prompt_name == "BLISS"
    assert "wa" in session.env and "SCAN_SAVING" in session.env
    assert "diode" not in session.env
    assert session.env["ACTIVE_MG"] is None


# -- the start-up report -----------------------------------------------------------------

def test_report_of_a_clean_start(opened, capsys):
    opened("main", verbose=True)
    lines = _lines(capsys.readouterr().out)
    assert lines[0].startswith("Welcome to bliss_lite")
    order = [_index(lines, "main: Loading config..."),
             _index(lines, "OK: 5/5 objects successfully initialized."),
             _index(lines, "main: Executing setup file..."),
             _index(lines, "Done.")]
    assert order == sorted(order)
    assert lines[-1] == "Done."
    assert not any(line.startswith(("ERROR", "Initialization")) for line in lines)


def test_state_store_first_start_is_a_notice_damage_a_warning(opened, capsys, _isolated_state):
    opened("main", verbose=True).close()
    notice = (f"No saved state for session 'main' yet: starting fresh in "
              f"{_isolated_state / 'main.json'}")
    lines = _lines(capsys.readouterr().out)
    assert lines[_index(lines, "main: Loading config...") + 1] == notice
    assert not any(line.startswith("Warning") for line in lines)
    opened("main", verbose=True).close()                 # second start: nothing to say
    assert "saved state" not in capsys.readouterr().out
    opened("main", verbose=False).close()
    assert capsys.readouterr() == ("", "")               # the notice is verbose only
    (_isolated_state / "main.json").write_text('{"scan_counter": ')
    opened("main", verbose=True)
    lines = _lines(capsys.readouterr().out)
    warning = _index(lines, "Warning: the saved state ")
    assert "was damaged" in lines[warning] and lines[warning].endswith("main.json.corrupt")
    assert warning < _index(lines, "OK: 5/5 objects")


def test_quiet_open_session_prints_nothing(opened, capsys):
    opened("main", verbose=False)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_failing_objects_never_stop_the_session(opened, capsys):
    session = opened("objects", root=BROKEN, verbose=True)
    lines = _lines(capsys.readouterr().out)
    bad = _index(lines, "Initialization of 'bad' FAILED (see 'config/motors.yml')")
    assert lines[bad + 1].strip() == (
        "config/motors.yml, line 2, object 'bad': unknown class 'NoSuchDeviceClass' "
        "(not a bliss_lite class; a user class needs 'module:' and 'class:')")
    badref = _index(lines, "Initialization of 'badref' FAILED (see 'config/motors.yml')")
    assert "'$missing_axis'" in lines[badref + 1]
    summary = _index(lines, "OK: 2/4 objects successfully initialized.")
    assert lines[summary + 1] == "ERROR: 2 objects failed to initialize: bad, badref"
    assert bad < badref < summary < _index(lines, "objects: Executing setup file...")
    assert lines[-1] == "Warning: error(s) happened during setup, setup may not be complete."
    # the rest of the session is there, the setup file ran
    assert session.failed_objects == ["bad", "badref"]
    assert "good1" in session.env and "good2" in session.env
    assert "bad" not in session.env
    assert session.env["SETUP_AFTER_FAILURES"] is True


def test_unknown_names_are_warned_and_skipped(opened, capsys):
    opened("objects", root=BROKEN, verbose=True)
    out = capsys.readouterr().out
    assert ("Warning: sessions/broken.yml, line 4, object 'objects': "
            "object 'unknown_thing' in config-objects does not exist, skipped") in out


def test_configuration_load_errors_are_reported(opened, capsys):
    opened("objects", root=BROKEN, verbose=True)
    lines = _lines(capsys.readouterr().out)
    error = _index(lines, "ERROR: config/malformed.yml, line 3")
    assert "malformed YAML" in lines[error]
    assert _index(lines, "objects: Loading config...") < error < _index(lines, "OK: ")


def test_an_exception_in_the_setup_file(opened, capsys):
    session = opened("raising", root=BROKEN, verbose=True)
    lines = _lines(capsys.readouterr().out)
    error = _index(lines, "!!! === ZeroDivisionError")
    assert lines[error] == ("!!! === ZeroDivisionError: division by zero === !!! "
                            "( for more details type cmd 'last_error()' )")
    assert _index(lines, "raising: Executing setup file...") < error
    assert lines[-1] == "Warning: error(s) happened during setup, setup may not be complete."
    assert session.env["BEFORE"] == "set"
    assert "AFTER" not in session.env  # the rest of the file is skipped
    assert not session.setup_ok
    session.env["last_error"]()
    traceback = capsys.readouterr().out
    assert "Traceback (most recent call last):" in traceback
    assert "raising_setup.py" in traceback and "in inner" in traceback
    assert "ZeroDivisionError: division by zero" in traceback
    assert "bliss_lite/session" not in traceback


def test_a_missing_setup_file_is_reported(opened, capsys):
    session = opened("nosetup", root=BROKEN, verbose=True)
    lines = _lines(capsys.readouterr().out)
    error = _index(lines, "!!! === FileNotFoundError: setup file './does_not_exist.py' of session "
                          "'nosetup' not found (sessions/broken.yml, line 13)")
    assert lines[error].endswith("( for more details type cmd 'last_error()' )")
    assert lines[-1] == "Warning: error(s) happened during setup, setup may not be complete."
    assert "good1" in session.env


# -- session files: include / exclude ------------------------------------------------------

def test_include_sessions_run_children_first(opened, capsys):
    session = opened("parent", verbose=True)
    out = capsys.readouterr().out
    lines = _lines(out)
    assert _index(lines, "child: Executing setup file...") < _index(lines, "parent: Executing setup file...")
    assert session.env["ORDER"] == ["child", "parent"]
    assert session.env["CHILD_TOOLS"] == "loaded from the child's scripts folder"
    assert "m2" in session.env and "diode" in session.env  # child's objects, then its own
    assert "OK: 2/2 objects successfully initialized." in lines
    assert "object 'nothere' in config-objects does not exist, skipped" in out
    assert "'child' in config-objects is a session, skipped (hint: list it in include-sessions)" in out


def test_exclude_objects_as_a_string(opened):
    env = opened("everything").env
    assert {"diode", "m1", "m2", "MGA", "MGB"} <= set(env)
    assert "diode2" not in env and "sim_ct" not in env


def test_empty_config_objects_means_none(opened):
    session = opened("empty")
    assert session.env["ACTIVE_MG"] is None
    assert not any(name in session.env for name in ("diode", "m1", "MGA"))
    with pytest.raises(ValueError, match=r"No counters for scan\. Hint: are all counters disabled \?"):
        session.context.default_counters()


def test_cyclic_includes_are_warned(opened, capsys):
    session = opened("cycle_a", verbose=True)
    out = capsys.readouterr().out
    assert ("Warning: sessions/sessions.yml, line 38, object 'cycle_b': included session "
            "'cycle_a' makes a cycle (cycle_a -> cycle_b -> cycle_a), skipped") in out
    assert ("Warning: sessions/sessions.yml, line 38, object 'cycle_b': included session "
            "'ghost' does not exist, skipped") in out
    assert "m1" in session.env and "m2" in session.env


# -- protection ----------------------------------------------------------------------------

def test_protected_names_at_the_prompt(opened):
    env = opened("main").env
    assert isinstance(env, ProtectedNamespace)
    with pytest.raises(RuntimeError, match="^m1 is protected and cannot be modified!$"):
        exec("m1 = 3", env)
    with pytest.raises(RuntimeError, match="^wa is protected and cannot be modified!$"):
        exec("wa = None", env)
    with pytest.raises(RuntimeError, match="^SCAN_SAVING is protected"):
        del env["SCAN_SAVING"]
    with pytest.raises(NameError):  # Python turns any failure of `del name` into a NameError
        exec("del SCAN_SAVING", env)
    assert "SCAN_SAVING" in env
    exec("m1 = m1", env)  # the same object: harmless
    exec("np = None", env)  # numpy is not protected
    exec("x = 1\nx = 2", env)
    assert env["x"] == 2


def test_protect_and_unprotect(opened):
    env = opened("main").env
    exec("x = 1\nprotect('x')", env)
    with pytest.raises(RuntimeError, match="^x is protected"):
        exec("x = 2", env)
    exec("unprotect('x')\nx = 2\nunprotect('m1')\nm1 = 'free'", env)
    assert env["x"] == 2 and env["m1"] == "free"
    with pytest.raises(NameError, match="cannot protect 'ghost'"):
        exec("protect('ghost')", env)


# -- load_script --------------------------------------------------------------------------

def test_load_script_exports_public_names(opened):
    env = opened("main").env  # its setup file loads "tools"
    assert env["double"](21) == 42
    assert env["TOOLS_SEES_DIODE"] == "diode"
    assert env["math"].pi > 3
    assert "_private" not in env


def test_load_script_errors_are_printed_not_raised(opened, capsys):
    env = opened("main").env
    assert env["load_script"]("fails") is False
    err = capsys.readouterr().err
    assert "!!! === ZeroDivisionError: division by zero === !!!" in err
    assert "AFTER_FAILURE" not in env
    assert env["load_script"]("nothing_here") is False
    err = capsys.readouterr().err
    assert "!!! === FileNotFoundError: script 'nothing_here' of session 'main' not found" in err


def test_load_script_keeps_protected_names(opened, capsys):
    env = opened("main").env
    diode = env["diode"]
    assert env["load_script"]("rebinds.py") is True
    assert env["diode"] is diode and env["FINE"] is True
    assert "protected name(s) not exported: diode" in capsys.readouterr().err


# -- ACTIVE_MG, SCAN_SAVING, scan context ----------------------------------------------------

def test_active_mg_is_the_first_group_then_the_persisted_choice(opened):
    session = opened("main")
    assert session.env["ACTIVE_MG"] is session.env["MGA"]
    session.env["MGB"].set_active()
    assert session.env["ACTIVE_MG"] is session.env["MGB"]
    session.close()
    again = opened("main")
    assert again.env["ACTIVE_MG"] is again.env["MGB"]
    assert [c.name for c in again.context.default_counters()] == ["sim_ct"]


def test_scan_saving_initial_values_from_the_configuration(opened):
    saving = opened("scan_saving_session").env["SCAN_SAVING"]
    assert saving.writer == "null"                    # root config/__init__.yml
    assert saving.data_filename == "session_file"     # the session's own section wins
    assert saving.base_path == "/tmp/bliss_lite_tests_never_written"


def test_scan_context_closures(opened):
    session = opened("main")
    context = session.context
    assert context.session_name == "main"
    assert context.scan_saving is session.env["SCAN_SAVING"]
    assert context.scans is session.env["SCANS"]
    assert [m.name for m in context.motors()] == ["m1"]
    assert [c.name for c in context.default_counters()] == ["diode", "diode2"]
    assert context.last_entry_number("/nonexistent/file.h5") == 0
    factories = context.subscriber_factories
    assert session.env["SCAN_DISPLAY"].subscriber in factories


def test_a_scan_runs_in_the_session(opened):
    env = opened("main").env
    env["SCAN_DISPLAY"].mode = "off"
    scan = env["loopscan"](3, 0.01, env["diode"], save=False)
    assert len(scan.get_data()["diode"]) == 3
    assert scan.scan_info["session_name"] == "main"


# -- bliss.* compatibility -----------------------------------------------------------------

def test_compat_imports_in_a_setup_file(opened):
    session = opened("compat")
    env = session.env
    from bliss_lite import scan_meta
    from bliss_lite.scanning import loopscan
    from bliss_lite.commands import wa

    names = env["COMPAT"]
    assert names["loopscan"] is loopscan
    assert names["wa"] is wa
    assert names["diode_from_setup_globals"] is env["diode"]
    assert names["diode_from_star"] is env["diode"]
    assert names["scan_meta"] is scan_meta
    assert names["config"] is session.config is env["config"]
    assert names["current_session"] is session
    assert sys.modules["bliss.scanning.scan_meta"] is scan_meta
    # the setup file filled the session's own registry
    assert session.scan_meta is scan_meta.get_user_scan_meta()
    assert "mymetadata" in session.scan_meta.instrument.keys


def test_setup_globals_reflects_the_live_namespace(opened):
    session = opened("main")
    import bliss.setup_globals as setup_globals

    assert setup_globals.m1 is session.env["m1"]
    session.env["NEW_THING"] = 12
    assert setup_globals.NEW_THING == 12
    assert "NEW_THING" in setup_globals.__all__
    session.close()
    with pytest.raises(AttributeError):
        setup_globals.m1


def test_a_real_bliss_package_wins(tmp_path):
    fake = tmp_path / "bliss"
    fake.mkdir()
    (fake / "__init__.py").write_text("REAL = True\n")
    code = ("import bliss_lite.compat as c; c.install(); import bliss; "
            "assert bliss.REAL; assert not c.installed(); print('real bliss')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert "real bliss" in result.stdout


def test_load_script_from_another_session(opened, capsys):
    env = opened("main").env
    assert env["load_script"]("child_tools", session="child") is True
    assert env["CHILD_TOOLS"] == "loaded from the child's scripts folder"
    assert env["load_script"]("tools", session="ghost") is False
    assert "cannot load script 'tools': no session 'ghost'" in capsys.readouterr().err


def test_configuration_mistakes_of_real_devices(opened, capsys):
    session = opened("mistakes", root=BROKEN, verbose=True)
    lines = _lines(capsys.readouterr().out)
    twin = _index(lines, "Initialization of 'twin' FAILED (see 'config/duplicates.yml')")
    assert lines[twin + 1].strip() == (
        "config/duplicates.yml, line 2, object 'twin': object defined twice, first in "
        "config/counters.yml, line 5 (names must be unique)")
    fast = _index(lines, "Initialization of 'fast_axis' FAILED (see 'config/motors.yml')")
    assert lines[fast + 1].strip() == (
        "config/motors.yml, line 14, object 'fast_axis': 'velocity' must be a number, "
        "got 'fast'")
    typo = _index(lines, "Initialization of 'typo_axis' FAILED (see 'config/motors.yml')")
    assert lines[typo + 1].strip() == (
        "config/motors.yml, line 18, object 'typo_axis': missing required key 'velocity' "
        "('velocty' looks like a misspelling of it)")
    # a warning noticed while an object is created is shown with it
    assert lines[typo + 2] == ("Warning: config/motors.yml, line 18, object 'typo_axis': "
                               "unknown key 'velocty' (did you mean 'velocity'?)")
    assert lines[typo + 3] == ("Warning: config/counters.yml, line 9, object 'keyed': unknown "
                               "key 'mdoe' (did you mean 'mode'?)")
    assert lines[typo + 4] == "OK: 2/5 objects successfully initialized."
    assert "ERROR: 3 objects failed to initialize: twin, fast_axis, typo_axis" in lines
    assert session.env["good1"].name == "good1"


def test_bliss_lite_warnings_print_as_one_line(tmp_path, capfd):
    """A warning of the writer (a metadata value that cannot be stored, skipped at
    write time) prints as one WARNING line while a session is open."""
    import warnings

    from bliss_lite import open_session

    with open_session("demo", verbose=False) as session:
        env = session.env
        env["SCAN_SAVING"].base_path = str(tmp_path)
        env["SCAN_DISPLAY"].mode = "off"
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            from bliss_lite.nexus import NexusWarning

            warnings.warn("something was skipped", NexusWarning)
    err = capfd.readouterr().err
    assert "WARNING: something was skipped\n" in err
    assert not isinstance(getattr(warnings.showwarning, "__self__", None), type(session._warnings))
