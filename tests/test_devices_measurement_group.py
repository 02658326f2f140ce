"""MeasurementGroup and ACTIVE_MG (SPEC 3.5)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bliss_lite import current, open_session
from bliss_lite.config import Config
from bliss_lite.devices import BUILTIN_CLASSES, CounterContainer, MeasurementGroup
from bliss_lite.settings import StateStore

REPO = Path(__file__).resolve().parent.parent
D = "simulation_diode_sampling_controller:"


def beamline(root: Path) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    (root / "config" / "counters.yml").write_text(textwrap.dedent("""\
        - {name: diode, class: simulation_diode}
        - {name: diode2, class: simulation_diode}
        - {name: sim, class: SimulationCounter}
        - {name: broken, class: simulation_diode, mode: NOPE}
        - name: MG1
          class: MeasurementGroup
          counters: [diode, diode2]
        - name: MG2
          class: MeasurementGroup
          counters: [sim, diode, machinfo, broken]
        """))
    (root / "sessions" / "lab.yml").write_text(textwrap.dedent("""\
        - class: Session
          name: lab
          config-objects: [diode, diode2, sim, MG1, MG2]
        """))
    return root


@pytest.fixture
def config(tmp_path):
    store = StateStore("lab", tmp_path / "state")
    yield Config(beamline(tmp_path / "beamline"), classes=BUILTIN_CLASSES, store=store)
    store.close()


def test_demo_group(config):
    demo = Config(REPO, classes=BUILTIN_CLASSES)
    mg1 = demo.get("MG1")
    assert isinstance(mg1, MeasurementGroup) and isinstance(mg1, CounterContainer)
    assert mg1.available == [D + "diode", D + "diode2", D + "diode3"]
    assert mg1.enabled == mg1.available and mg1.disabled == []
    assert mg1.counters == [demo.get("diode"), demo.get("diode2"), demo.get("diode3")]


def test_enable_disable_by_name_fullname_pattern_object(config):
    mg1 = config.get("MG1")
    mg1.disable("diode2")
    assert mg1.enabled == [D + "diode"] and mg1.disabled == [D + "diode2"]
    assert mg1.counters == [config.get("diode")]
    mg1.enable(D + "diode2")
    assert mg1.disabled == []
    mg1.disable("diode*")
    assert mg1.enabled == [] and mg1.counters == []
    mg1.enable(config.get("diode"))
    assert mg1.enabled == [D + "diode"]
    mg1.enable_all()
    assert mg1.disabled == []
    mg1.disable_all()
    assert mg1.enabled == []


def test_bad_names_are_refused_clearly(config):
    mg1 = config.get("MG1")
    with pytest.raises(ValueError, match=r"^MG1: no counter matches 'diode3'; available: "
                                         r"diode, diode2$"):
        mg1.disable("diode3")
    with pytest.raises(TypeError, match=r"MG1.enable\(\) needs at least one counter"):
        mg1.enable()
    assert mg1.disabled == []


def test_disabled_counters_persist(config, tmp_path):
    config.get("MG1").disable("diode")
    config.store.close()
    store = StateStore("lab", tmp_path / "state")
    assert store.get("mg.MG1.disabled") == [D + "diode"]
    again = Config(beamline(tmp_path / "other"), classes=BUILTIN_CLASSES, store=store)
    assert again.get("MG1").disabled == [D + "diode"]
    store.close()


def test_missing_counters_do_not_break_the_group(config):
    mg2 = config.get("MG2")
    assert mg2.available == ["simulation_counter_controller:sim", D + "diode"]
    assert set(mg2.missing) == {"machinfo", "broken"}
    assert "no object named 'machinfo'" in mg2.missing["machinfo"]
    info = mg2.__info__()
    assert "  - Missing counters : machinfo (" in info


def test_info_text(config):
    mg1 = config.get("MG1")
    mg1.disable("diode2")
    assert mg1.__info__() == (
        "MeasurementGroup: MG1 (state='default')\n"
        "  - Existing states : 'default'\n"
        "\n"
        "  Enabled                                     Disabled\n"
        "  ------------------------------------------  ------------------------------------------\n"
        "  simulation_diode_sampling_controller:diode  simulation_diode_sampling_controller:diode2\n")


def test_set_active_calls_the_session_hook(config):
    chosen = []
    state = current.SessionState("mg_test", on_set_active_mg=chosen.append)
    current.activate(state)
    config.get("MG2").set_active()
    assert chosen == [config.get("MG2")]
    current.deactivate(state)
    config.get("MG1").set_active()  # no session: remembered in the store
    assert config.store.get("active_mg") == "MG1"


def test_active_mg_in_a_session(tmp_path):
    root = beamline(tmp_path / "beamline")
    with open_session("lab", root=root, verbose=False) as session:
        env = session.env
        assert env["ACTIVE_MG"] is env["MG1"]
        env["MG2"].set_active()
        assert env["ACTIVE_MG"] is env["MG2"]
        env["MG2"].disable("sim")
    with open_session("lab", root=root, verbose=False) as session:
        env = session.env
        assert env["ACTIVE_MG"] is env["MG2"]
        assert env["MG2"].enabled == [D + "diode"]


def test_missing_counters_are_reported_at_start_up(tmp_path, capsys):
    root = beamline(tmp_path / "bl")
    with open_session("lab", root=root):
        pass
    out = capsys.readouterr()
    text = out.out + out.err
    assert ("config/counters.yml, line 10, object 'MG2': counter 'machinfo' is left out "
            "(no object named 'machinfo' in the configuration)") in text
    assert "object 'MG2': counter 'broken' is left out" in text
