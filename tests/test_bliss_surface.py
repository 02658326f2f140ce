"""The ``bliss.*`` modules, the shell names and the session API, used the way BLISS
setup files and scripts use them."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bliss_lite import open_session
from bliss_lite.commands import standard

SHELL_NAMES = Path(__file__).resolve().parents[2] / "shared" / "bliss24_shell_names.txt"

CONFIG = """\
- class: mockup
  axes:
    - {name: m1, steps_per_unit: 1000, velocity: 1000, acceleration: 10000, low_limit: -100, high_limit: 100}
- {name: d1, class: simulation_diode}
- {name: MGA, class: MeasurementGroup, counters: [d1]}
- {name: MGB, class: MeasurementGroup, counters: [d1]}
- name: refs_test
  axis: $m1
  scalar: 3
"""

SETUP = '''\
from bliss.setup_globals import *
from bliss.common.standard import wa
from bliss.shell.standard import sleep, countdown, cleanup, sin, inf, date, elog_print
from bliss.common.cleanup import cleanup, error_cleanup, axis
from bliss.common.logtools import log_info, log_debug, log_warning, log_error, user_print, elog_print
from bliss.common import event
from bliss.config.settings import SimpleSetting, HashSetting, HashObjSetting, ParametersWardrobe, QueueSetting
from bliss.common.utils import autocomplete_property, deep_update, ColorTags, typecheck
from bliss.common.protocols import CounterContainer, HasMetadataForScan, counter_namespace
from bliss.common.greenlet_utils import KillMask, protect_from_kill
from bliss.scanning.scan_math import cen, com, peak2
from bliss.common.plot import plotselect
from bliss.common.measurementgroup import get_active, set_active_name
from bliss.common.session import get_current_session, DefaultSession
from bliss.config.static import get_config
from bliss import current_session, setup_globals
import gevent
import numpy

RESULTS = {}

with cleanup(m1, restore_list=(axis.POS,)):
    m1.move(2.0)
RESULTS["m1_back"] = m1.position

try:
    with error_cleanup(m1, restore_list=(axis.POS,)):
        m1.move(1.0)
        raise ValueError("boom")
except ValueError:
    pass
RESULTS["m1_back_after_error"] = m1.position

received = []
def on_position(value, sender=None):
    received.append((value, sender))
event.connect(m1, "my_signal", on_position)
event.send(m1, "my_signal", 42)
RESULTS["event"] = received

speed = SimpleSetting("speed", default_value=1.5)
RESULTS["speed_before"] = speed.get()
speed.set(speed.get() + 1)
params = HashSetting("params", default_values={"gain": 1})
params["offset"] = params.get("offset", 0) + 10
queue = QueueSetting("queue")
queue.append(len(queue))
wardrobe = ParametersWardrobe("align", default_values={"npoints": 10})

d = {"a": {"b": 1}}
deep_update(d, {"a": {"c": 2}})
RESULTS["deep_update"] = d

@typecheck
def typed(n: int):
    return n

try:
    typed("x")
except TypeError as exc:
    RESULTS["typecheck"] = str(exc)

x = numpy.linspace(0, 10, 11)
y = numpy.exp(-(x - 4) ** 2)
RESULTS["peak2"] = tuple(peak2(x, y))

set_active_name("MGB")
RESULTS["active"] = get_active().name
RESULTS["session"] = get_current_session() is current_session
RESULTS["config"] = get_config() is config
RESULTS["setup_globals"] = setup_globals.m1 is m1
RESULTS["names_list"] = get_config().names_list
RESULTS["root_scan_saving"] = get_config().root["scan_saving"]["base_path"]
RESULTS["refs_test"] = config.get("refs_test")["axis"]
RESULTS["session_from_config"] = config.get(current_session.name) is current_session

g = gevent.spawn(lambda: 7)
gevent.joinall([g])
RESULTS["greenlet"] = g.get()
with KillMask():
    gevent.sleep(0.01)
RESULTS["counters"] = counter_namespace([d1]).d1 is d1
RESULTS["sin"] = sin(0.0)
log_info(m1, "an info")
'''


@pytest.fixture
def beamline(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "__init__.yml").write_text(
        f"scan_saving: {{base_path: {tmp_path / 'scans'}}}\n")
    (tmp_path / "config" / "objects.yml").write_text(CONFIG)
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "s.yml").write_text(
        "- class: Session\n  name: s\n  setup-file: ./s_setup.py\n"
        "  config-objects: [m1, d1, MGA, MGB, refs_test]\n")
    (tmp_path / "sessions" / "s_setup.py").write_text(SETUP)
    return tmp_path


def test_a_setup_file_using_the_bliss_modules(beamline: Path) -> None:
    with open_session("s", beamline, verbose=False) as session:
        assert session.setup_ok, session.errors.history[-1] if session.errors.history else ""
        results = session.env["RESULTS"]
        assert results["m1_back"] == 0.0 and results["m1_back_after_error"] == 0.0
        assert results["event"] == [(42, session.env["m1"])]
        assert results["speed_before"] == 1.5
        assert results["deep_update"] == {"a": {"b": 1, "c": 2}}
        assert results["typecheck"].startswith("Intended Usage: typed(n)  Hint: 'n' must be int")
        assert results["peak2"] == (4.0, 1.0)
        assert results["active"] == "MGB" and session.env["ACTIVE_MG"].name == "MGB"
        for key in ("session", "config", "setup_globals", "session_from_config", "counters"):
            assert results[key] is True, key
        assert "refs_test" in results["names_list"] and "s" in results["names_list"]
        assert results["root_scan_saving"] == str(beamline / "scans")
        assert results["refs_test"] == "$m1"
        assert results["greenlet"] == 7 and results["sin"] == 0.0
        # the class-less node is in the namespace as its config node
        assert session.env["refs_test"]["scalar"] == 3
        assert session.env_dict is session.env
        assert session.object_names == ["m1", "d1", "MGA", "MGB", "refs_test"]


def test_settings_persist_across_restarts(beamline: Path) -> None:
    for expected_speed, expected_offset, expected_queue in ((2.5, 10, [0]), (3.5, 20, [0, 1])):
        with open_session("s", beamline, verbose=False) as session:
            from bliss.config.settings import HashSetting, QueueSetting, SimpleSetting

            assert SimpleSetting("speed").get() == expected_speed
            assert HashSetting("params")["offset"] == expected_offset
            assert HashSetting("params", default_values={"gain": 1})["gain"] == 1
            assert QueueSetting("queue").get() == expected_queue
    state = json.loads(next((Path(session.store.directory)).glob("s.json")).read_text())
    assert state["settings.speed"] == 3.5


def test_settings_need_a_store_without_session() -> None:
    from bliss_lite.compat import install

    install()
    from bliss.config.settings import SimpleSetting

    with pytest.raises(RuntimeError, match=r"^SimpleSetting\('x'\): no session is open"):
        SimpleSetting("x").get()


def test_library_mode_does_not_protect(beamline: Path) -> None:
    with open_session("s", beamline, verbose=False) as session:
        exec("m1 = 3", session.env)
        assert session.env["m1"] == 3
    with open_session("s", beamline, verbose=False, protect=True) as session:
        with pytest.raises(RuntimeError, match="m1 is protected"):
            exec("m1 = 3", session.env)


def _shell_names() -> list[str]:
    if not SHELL_NAMES.is_file():
        pytest.skip("../shared/bliss24_shell_names.txt is not available")
    return SHELL_NAMES.read_text().split()


def test_the_shell_names_this_room_provides_are_in_the_namespace(beamline: Path) -> None:
    mine = [name for name in _shell_names() if name in standard.ALL or name == "last_error"]
    assert len(mine) >= 100
    with open_session("s", beamline, verbose=False) as session:
        missing = [name for name in mine if name not in session.env]
        assert missing == []
        for name in ("user_script_homedir", "user_script_list", "user_script_load",
                     "user_script_run"):
            assert callable(session.env[name])


def test_help_texts_have_an_args_block() -> None:
    functions, _ = standard.standard_functions()
    for name, value in functions.items():
        module = getattr(value, "__module__", "") or ""
        if not module.startswith("bliss_lite.commands.") or module == "bliss_lite.commands.listing":
            continue
        if module == "bliss_lite.commands.motion":
            continue
        doc = inspect.getdoc(value) or ""
        assert doc, name
        params = [p for p in inspect.signature(value).parameters.values()]
        if params:
            assert "Args:" in doc, name


def test_utilities(beamline: Path, capsys) -> None:
    with open_session("s", beamline, verbose=False) as session:
        env = session.env
        with env["bench"]():
            env["sleep"](0.01)
        assert capsys.readouterr().out.startswith("Execution time: ")
        env["countdown"](0.05, "wait", "Gooooo !")
        assert "Gooooo !" in capsys.readouterr().out
        env["prdef"](env["countdown"])
        out = capsys.readouterr().out
        assert "'countdown' is defined in:" in out and "def countdown(" in out
        assert env["info"](env["m1"]) == env["m1"].__info__() if hasattr(env["m1"], "__info__") else True
        assert isinstance(env["date"](), str) and env["inf"] == float("inf")
        env["elog_print"]("aligned the sample")
        env["elogbook"]()
        out = capsys.readouterr().out
        assert "aligned the sample" in out.splitlines()[0]
        assert "COMMENT" in out and "aligned the sample" in out.splitlines()[-1]
        env["wid"]()
        assert capsys.readouterr().out == "wid: insertion devices: no such hardware in bliss_lite (simulated devices only)\n"
        env["debugon"](env["m1"])
        assert "global.controllers.m1 to show debug messages" in capsys.readouterr().out
        env["lslog"]("*m1*")
        assert "global.controllers.m1 DEBUG" in " ".join(capsys.readouterr().out.split())
        env["debugoff"](env["m1"])


def test_user_scripts(beamline: Path, tmp_path: Path, capsys) -> None:
    scripts = tmp_path / "my_scripts"
    scripts.mkdir()
    (scripts / "tools.py").write_text("def double(x):\n    return 2 * x\nVALUE = m1.name\n")
    with open_session("s", beamline, verbose=False) as session:
        env = session.env
        with pytest.raises(RuntimeError, match="User scripts home directory not configured"):
            env["user_script_load"]("tools")
        env["user_script_homedir"](str(scripts))
        env["user_script_list"]()
        assert " - tools.py" in capsys.readouterr().out
        env["user_script_load"]("tools")
        assert env["user"].double(2) == 4 and env["user"].VALUE == "m1"
        env["user_script_load"]("tools", export_global=True)
        assert env["double"](3) == 6
    with open_session("s", beamline, verbose=False) as session:   # the directory is saved
        assert session.env["user_script_homedir"]() == str(scripts)


def test_device_locks_between_processes(beamline: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from bliss_lite import open_session
            with open_session("s", {str(beamline)!r}, verbose=False) as s:
                with s.env["lock_context"](s.env["m1"], owner="aligner"):
                    print("locked", flush=True)
                    sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with open_session("s", beamline, verbose=False) as session:
            from bliss_lite.commands.locks import AlreadyLockedDevices

            with pytest.raises(AlreadyLockedDevices, match=r"Devices 'm1' already owned by 'aligner,pid:"):
                with session.env["lock_context"](session.env["m1"], owner="me", timeout=0.2):
                    pass
            with session.env["lock_context"](session.env["m1"], owner="me", priority=100):
                pass                                        # a higher priority takes it
    finally:
        holder.communicate("\n", timeout=30)


# -- configuration as BLISS resolves classes ------------------------------------------------

BLISS_SHAPES = """\
- name: dA
  plugin: bliss
  class: simulation_diode
- name: dB
  plugin: bliss
  module: simulation_counter
  class: SimulationCounter
- controller:
    plugin: emotion
    module: mockup
    class: Mockup
    axes:
      - {name: mA, steps_per_unit: 100, velocity: 100, acceleration: 1000}
- name: user_thing
  package: my_pkg.devices
  class: Thing
- name: ghost
  plugin: bliss
  class: NotInBlissLite
"""


def test_module_plugin_package_resolution(tmp_path: Path) -> None:
    from bliss_lite.config import Config, ConfigError
    from bliss_lite.devices import BUILTIN_CLASSES

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "shapes.yml").write_text(BLISS_SHAPES)
    (tmp_path / "my_pkg").mkdir()
    (tmp_path / "my_pkg" / "__init__.py").write_text("")
    (tmp_path / "my_pkg" / "devices.py").write_text(
        "class Thing:\n    def __init__(self, name, config):\n        self.name = name\n")
    cfg = Config(tmp_path, classes=BUILTIN_CLASSES)
    assert type(cfg.get("dA")).__name__ == "SimulationDiode"
    assert type(cfg.get("dB")).__name__ == "SimulationCounter"
    assert cfg.get("mA").position == 0.0
    assert type(cfg.get("user_thing")).__module__ == "my_pkg.devices"
    with pytest.raises(ConfigError) as info:
        cfg.get("ghost")
    assert str(info.value) == ("config/shapes.yml, line 19, object 'ghost': unknown class "
                               "'NotInBlissLite' (not a bliss_lite class; a user class needs "
                               "'module:' and 'class:')")
    (tmp_path / "config" / "more.yml").write_text("- {name: later, class: simulation_diode}\n")
    cfg.reload()
    assert "later" in cfg.names_list


def test_bliss_demo_layout(tmp_path: Path) -> None:
    """BLISS's demo configuration shape: sessions inside the tree, `plugin: session`
    inherited, Tango server descriptions, an ICAT mapping."""
    (tmp_path / "__init__.yml").write_text(f"scan_saving: {{base_path: {tmp_path / 'scans'}}}\n")
    (tmp_path / "diode.yml").write_text("- {name: diode1, plugin: bliss, class: simulation_diode}\n")
    (tmp_path / "icat.yml").write_text(
        "name: icat\nplugin: bliss\nclass: ICATmeta\nobjects:\n  sample_diode: $diode1\n"
        "positioners:\n  sample: [$sy]\nmapping:\n  InstrumentVariables_name: [ $sy.name ]\n")
    (tmp_path / "motors").mkdir()
    (tmp_path / "motors" / "__init__.yml").write_text("plugin: emotion\n")
    (tmp_path / "motors" / "mockup.yml").write_text(
        "- class: mockup\n  axes:\n  - {name: sy, steps_per_unit: 100, velocity: 100, acceleration: 1000}\n")
    (tmp_path / "tango").mkdir()
    (tmp_path / "tango" / "lima.yml").write_text(
        "device:\n- class: LimaCCDs\n  tango_name: id00/limaccds/simulator1\n"
        "personal_name: simulator\nserver: LimaCCDs\n")
    (tmp_path / "tango" / "meta.yml").write_text(
        "- server: MetaExperiment\n  personal_name: demo\n  device:\n  - tango_name: id00/metaexp/demo\n"
        "    class: MetaExperiment\n")
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    (sessions / "__init__.yml").write_text("plugin: session\n")
    (sessions / "demo_session.yml").write_text(
        "- class: Session\n  name: demo_session\n  icat-mapping: icat\n"
        "  config-objects: [diode1, sy, MG1, icat]\n"
        "- {class: MeasurementGroup, name: MG1, counters: [diode1]}\n")
    with open_session("demo_session", tmp_path, verbose=False) as session:
        assert session.config.load_errors == [] and session.config.warnings == []
        assert session.failed_objects == []
        icat = session.env["icat"]
        assert icat.objects == {"sample_diode": session.env["diode1"]}
        assert icat.positioners == {"sample": [session.env["sy"]]}
        assert session.env["ACTIVE_MG"].name == "MG1"
        assert session.env["loopscan"](2, 0.01, session.env["diode1"]).scan_number == 1


def test_dialogs_printer_viewers(beamline: Path, capsys, monkeypatch) -> None:
    with open_session("s", beamline, verbose=False) as session:
        from bliss.shell.cli.user_dialog import UserChoice, UserFloatInput, UserYesNo

        env = session.env
        answers = iter(["x", "2.5", "2", "y"])
        result = env["show_dialog"]([UserFloatInput("gain", "gain", 1.0, minimum=0),
                                     UserChoice("mode", "mode", [("a", "A"), ("b", "B")]),
                                     UserYesNo("ok", "sure?")],
                                    read=lambda _prompt: next(answers))
        assert result == {"gain": 2.5, "mode": "b", "ok": True}
        assert "invalid answer 'x'" in capsys.readouterr().out
        monkeypatch.setattr("builtins.input", lambda _prompt: "0.5")
        env["menu"](env["m1"])
        assert env["m1"].position == 0.5
        monkeypatch.setenv("PATH", "")                     # no printer, no silx, no pymca
        env["pon"]()
        print("to the printer")
        env["poff"]()
        out = capsys.readouterr().out
        assert "to the printer" in out and "No printer available: the output is kept in" in out
        kept = out.strip().splitlines()[-1].rsplit(" ", 1)[-1]
        assert Path(kept).read_text() == "to the printer\n"
        env["loopscan"](2, 0.01, env["d1"])
        capsys.readouterr()
        env["silx_view"]()
        env["pymca"]()
        assert capsys.readouterr().out == ("silx is not installed: pip install silx\n"
                                           "pymca is not installed: pip install PyMca5\n")
        with env["time_profile"](3, sortby="tsub"):
            env["sleep"](0.01)
        assert "Ordered by: internal time" in capsys.readouterr().out
        with env["text_block"](lambda: (1, "working")):
            pass
        assert capsys.readouterr().out == "working\n"
