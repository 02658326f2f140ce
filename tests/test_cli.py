"""The ``bliss-lite`` command line (SPEC 5.1), run in a subprocess from a temporary
directory (so the demo beamline is found by discovery unless --root is given)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BEAMLINES = Path(__file__).resolve().parent / "beamlines"
OK = BEAMLINES / "session_ok"
BROKEN = BEAMLINES / "session_broken"

_SCRIPT = Path(sys.executable).parent / "bliss-lite"
COMMAND = ([str(_SCRIPT)] if _SCRIPT.exists() else
           [sys.executable, "-c", "import sys; from bliss_lite.shell.cli import main; sys.exit(main())"])


def bliss_lite(*args: str, cwd: Path, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``bliss-lite args`` with ``stdin`` piped (not a terminal)."""
    return subprocess.run(COMMAND + list(args), cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ))


def test_version(tmp_path):
    result = bliss_lite("--version", cwd=tmp_path)
    from bliss_lite import __version__

    assert result.returncode == 0
    assert result.stdout.strip() == f"bliss-lite {__version__}"
    assert bliss_lite("-v", cwd=tmp_path).stdout == result.stdout


def test_version_does_not_import_the_session_machinery(tmp_path):
    code = ("import sys; from bliss_lite.shell.cli import main; main(['-v']); "
            "heavy = [m for m in ('IPython', 'h5py', 'numpy', 'bliss_lite.session') if m in sys.modules]; "
            "print('heavy:', heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert "heavy: []" in result.stdout, result.stdout + result.stderr


def test_the_demo_starts_without_what_its_prompt_does_not_need(tmp_path):
    # start-up time (bench/ "startup"): these come at first use, or never when not enabled
    later = ("IPython", "h5py", "numpy.random", "pygments", "silx", "blissdata", "redis",
             "hdf5plugin", "PyQt5", "matplotlib", "bliss_lite.nexus.writer")
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin=(
        f"import sys; print('loaded:', [m for m in {later!r} if m in sys.modules])\n"
        "print(rand(2, 3).shape, 0 <= rand() < 1)\n"))
    assert "loaded: []" in result.stdout, result.stdout + result.stderr
    assert "(2, 3) True" in result.stdout, result.stdout + result.stderr


def test_show_sessions_of_the_demo(tmp_path):
    result = bliss_lite("-S", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Available sessions" in result.stdout
    assert "  demo" in result.stdout.splitlines()


def test_show_sessions_with_included_sessions_as_a_tree(tmp_path):
    result = bliss_lite("--root", str(OK), "-S", cwd=tmp_path)
    lines = result.stdout.splitlines()
    parent = lines.index("  parent")
    assert lines[parent + 1] == "  └── child"
    cycle = lines.index("  cycle_a")
    assert lines[cycle + 1] == "  └── cycle_b"


def test_show_sessions_only(tmp_path):
    result = bliss_lite("--root", str(OK), "--show-sessions-only", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.split() == ["main", "everything", "child", "parent", "empty", "compat",
                                     "cycle_a", "cycle_b", "scan_saving_session"]


def test_unknown_session_lists_the_valid_ones(tmp_path):
    result = bliss_lite("-s", "nosuchsession", cwd=tmp_path)
    assert result.returncode != 0
    assert "Session 'nosuchsession' not found" in result.stderr
    assert "Valid sessions: demo" in result.stderr


def test_unknown_root(tmp_path):
    result = bliss_lite("--root", str(tmp_path / "nowhere"), "-s", "demo", cwd=tmp_path)
    assert result.returncode != 0
    assert f"beamline directory '{tmp_path / 'nowhere'}' given by --root does not exist" in result.stderr


def test_create_a_session(tmp_path):
    result = bliss_lite("-c", "mysession", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Creating 'mysession' BLISS session" in result.stdout
    for path in ("sessions/mysession.yml", "sessions/mysession_setup.py", "sessions/scripts/mysession.py"):
        assert (tmp_path / path).is_file(), path
        assert f"Creating {path}" in result.stdout
    # the new session starts from that directory and its setup loads its script
    run = bliss_lite("-s", "mysession", cwd=tmp_path, stdin="print('time:', what_time_is_it())\n")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Welcome to your new 'mysession' BLISS session !!" in run.stdout
    assert "Done." in run.stdout
    assert "time: " in run.stdout
    assert "mysession" in bliss_lite("--show-sessions-only", cwd=tmp_path).stdout.split()


def test_create_refuses_an_existing_session(tmp_path):
    assert bliss_lite("-c", "twice", cwd=tmp_path).returncode == 0
    setup = (tmp_path / "sessions" / "twice_setup.py").read_text()
    again = bliss_lite("-c", "twice", cwd=tmp_path)
    assert again.returncode == 1
    assert "cannot create session: session 'twice' already exists" in again.stderr
    assert (tmp_path / "sessions" / "twice_setup.py").read_text() == setup
    configured = bliss_lite("--root", str(OK), "-c", "main", cwd=tmp_path)
    assert configured.returncode == 1
    assert "session 'main' already exists" in configured.stderr
    bad = bliss_lite("-c", "2bad", cwd=tmp_path)
    assert bad.returncode == 1 and "invalid session name '2bad'" in bad.stderr


def test_piped_commands_run_as_at_the_prompt(tmp_path):
    commands = "\n".join([
        f"SCAN_SAVING.base_path = {str(tmp_path)!r}",
        "total = 0",
        "for i in range(4):",
        "    total += i",
        "",
        "    total += 0",
        "print('total', total)",
        "def double(x):",
        "    return 2 * x",
        "double(21)",
        "roby.name",
    ]) + "\n"
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin=commands)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo: Loading config..." in result.stdout
    lines = result.stdout.splitlines()
    assert "total 6" in lines
    assert "42" in lines
    assert "'roby'" in lines
    assert result.stderr == ""


def test_piped_commands_exit_status_is_1_when_one_raised(tmp_path):
    result = bliss_lite("-s", "demo", cwd=tmp_path,
                        stdin="1/0\nprint('still running')\nroby = 3\n")
    assert result.returncode == 1
    assert "still running" in result.stdout
    errors = result.stderr.splitlines()
    assert errors == [
        "!!! === ZeroDivisionError: division by zero === !!! ( for more details type cmd 'last_error()' )",
        "!!! === RuntimeError: roby is protected and cannot be modified! === !!! "
        "( for more details type cmd 'last_error()' )",
    ]


def test_piped_last_error_and_exit(tmp_path):
    result = bliss_lite("-s", "demo", cwd=tmp_path,
                        stdin="1/0\nlast_error()\nexit()\nprint('not reached')\n")
    assert "Traceback (most recent call last):" in result.stdout
    assert "ZeroDivisionError: division by zero" in result.stdout
    assert "not reached" not in result.stdout
    assert result.returncode == 1  # a command raised before exit()


def test_piped_exit_status_0(tmp_path):
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin="exit()\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("Done.")


def test_what_start_up_made_is_frozen_out_of_the_collector_until_a_reload(tmp_path):
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin=(
        "import gc\n"
        "print('started', gc.get_freeze_count() > 0, gc.isenabled())\n"
        "config.reload()\n"
        "print('reloaded', gc.get_freeze_count())\n"))
    assert result.returncode == 0, result.stderr
    assert "started True True" in result.stdout
    assert "reloaded 0" in result.stdout


def test_no_session_prompt_mode(tmp_path):
    result = bliss_lite(cwd=tmp_path, stdin="print(sorted(n for n in ('wa', 'ascan', 'roby') if n in globals()))\n")
    assert result.returncode == 0, result.stderr
    assert "['ascan', 'wa']" in result.stdout
    assert "Loading config" not in result.stdout


def test_script(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("if __name__ == '__main__':\n    print('script sees', roby.name, __file__.endswith('good.py'))\n")
    result = bliss_lite("-s", "demo", "--script", str(good), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "script sees roby True" in result.stdout
    bad = tmp_path / "bad.py"
    bad.write_text("print('before')\nraise ValueError('wrong value')\nprint('after')\n")
    result = bliss_lite("-s", "demo", "--script", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "before" in result.stdout and "after" not in result.stdout
    assert "!!! === ValueError: wrong value === !!!" in result.stderr
    missing = bliss_lite("-s", "demo", "--script", str(tmp_path / "nope.py"), cwd=tmp_path)
    assert missing.returncode == 1 and "no such file" in missing.stderr


def test_startup_failures_report_and_still_start(tmp_path):
    result = bliss_lite("--root", str(BROKEN), "-s", "objects", cwd=tmp_path, stdin="print(good1.name)\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Initialization of 'bad' FAILED (see 'config/motors.yml')" in out
    assert "OK: 2/4 objects successfully initialized." in out
    assert "Warning: error(s) happened during setup, setup may not be complete." in out
    assert out.rstrip().endswith("good1")


def test_bliss_test_configuration_starts(tmp_path, bliss_test_configuration):
    result = bliss_lite("--root", str(bliss_test_configuration), "-s", "test_session", cwd=tmp_path,
                        stdin="print('ready', roby.name, diode.name, beamstop.name, ACTIVE_MG.name)\n")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "test_session: Loading config..." in out
    # 'bad' (a FaultyMockup axis) initializes since issue 12 simulates FaultyMockup
    assert "Initialization of 'bad' FAILED" not in out
    assert "setup file './test_setup.py' of session 'test_session' not found" in out
    assert "ready roby diode beamstop MG1" in out
    assert "Traceback" not in out + result.stderr


def test_recover_reports_a_missing_file(tmp_path):
    result = bliss_lite("--recover", str(tmp_path / "missing.h5"), cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot recover" in result.stderr and "no such file" in result.stderr


def test_recover_a_consistent_file(tmp_path):
    h5py = pytest.importorskip("h5py")
    nexus = pytest.importorskip("bliss_lite.nexus")
    if not hasattr(nexus, "recover_file"):
        pytest.skip("bliss_lite.nexus.recover_file is not there yet")
    filename = tmp_path / "data.h5"
    with h5py.File(filename, "w") as f:
        f["x"] = 1
    result = bliss_lite("--recover", str(filename), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    with h5py.File(filename, "r") as f:
        assert f["x"][()] == 1


def test_a_session_in_an_unreadable_file_is_explained(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "s.yml").write_text("- class: Session\n  name: s\n  config-objects: [a\n")
    (tmp_path / "sessions" / "t.yml").write_text("- class: Session\n  name: t\n")
    error = ("sessions/s.yml, line 4, object 's': malformed YAML (did not find expected ',' or "
             "']'), no object of this file is loaded")
    result = bliss_lite("-s", "s", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"bliss-lite: Session 's' not found in {tmp_path.resolve()}. Valid sessions: t",
        "These configuration files could not be read:",
        f"  {error}"]
    listing = bliss_lite("-S", cwd=tmp_path)
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[1:] == ["  t"]
    assert listing.stderr.splitlines() == [f"ERROR: {error}"]


def test_every_package_and_the_demo_beamline_are_shipped():
    """pyproject.toml lists its packages (the demo beamline's exist only through
    package-dir): a new bliss_lite package must be listed too."""
    import tomllib

    repo = Path(__file__).resolve().parent.parent
    setuptools = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    on_disk = {".".join(path.parent.relative_to(repo).parts)
               for path in (repo / "bliss_lite").rglob("__init__.py")}
    assert on_disk <= listed, f"not shipped: {sorted(on_disk - listed)}"
    for package, folder in setuptools["package-dir"].items():
        if package:
            assert package in listed and (repo / folder).is_dir(), package
    for top in ("config", "sessions"):   # the demo beamline's sub-folders ship too
        for folder in [repo / top, *(p for p in (repo / top).rglob("*") if p.is_dir())]:
            if folder.name == "__pycache__":
                continue
            package = ".".join(("bliss_lite", "demo_beamline") + folder.relative_to(repo).parts)
            assert package in listed, f"demo beamline folder not shipped: {folder.relative_to(repo)}"


def test_piped_blocks_errors_inside_them_and_exit_code(tmp_path):
    commands = "\n".join([
        "def deco(f):",
        "    return f",
        "@deco",
        "def g():",
        "    return 'from g'",
        "g()",
        "for i in range(3):",
        "    print('loop', i)",
        "    if i == 1:",
        "        raise ValueError('in block')",
        "print('after block')",
        "1 +",
        "if False:",
        "    pass",
        "else:",
        "    print('else branch')",
        "exit(3)",
        "print('not reached')",
    ])  # no final newline
    result = bliss_lite(cwd=tmp_path, stdin=commands)
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert lines[-5:] == ["'from g'", "loop 0", "loop 1", "after block", "else branch"]
    assert result.stderr.splitlines() == [
        "!!! === ValueError: in block === !!! ( for more details type cmd 'last_error()' )",
        "!!! === SyntaxError: invalid syntax (<stdin>, line 1) === !!! "
        "( for more details type cmd 'last_error()' )"]
