"""Motion as BLISS 2.4 has it (issue 12): the Axis interface on mockup axes with a
simulated clock, AxisState, FaultyMockup, encoders, calc motors and slits from YAML in
real scans, a user CalcController subclass, soft axes, groups, the shell commands and
the bliss.* names.  Every move is real; the clock only makes simulated time pass at
once."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import h5py
import numpy
import pytest

from bliss_lite import open_session
from bliss_lite.commands import motors
from bliss_lite.config import Config, ConfigError
from bliss_lite.devices import BUILTIN_CLASSES, SimulatedClock
from bliss_lite.devices.axis_state import AxisState
from bliss_lite.devices.motion import (
    AxisFaultError,
    AxisOffError,
    AxisOnLimitError,
    CalcAxis,
    Group,
)
from bliss_lite.settings import StateStore

MOTORS = """\
- {name: diode, class: simulation_diode}
- class: mockup
  name: ctrl
  axes:
    - name: m1
      steps_per_unit: 1000
      velocity: 2
      acceleration: 4
      low_limit: -100
      high_limit: 100
      unit: mm
    - name: bl
      steps_per_unit: 1000
      velocity: 10
      acceleration: 100
      backlash: 0.5
    - name: enc_mot
      steps_per_unit: 1000
      velocity: 10
      acceleration: 100
      encoder: $menc
    - name: vl
      velocity: 100
      acceleration: 300
      velocity_low_limit: 10
      velocity_high_limit: 1500
  encoders:
    - name: menc
      class: MockupEncoder
      steps_per_unit: 50
      tolerance: 0.001
- class: FaultyMockup
  name: faulty
  axes:
    - {name: fm, velocity: 10, acceleration: 10}
- class: FaultyMockup
  failure_at_initialization: true
  axes:
    - {name: never, velocity: 10, acceleration: 10}
- class: mockup
  axes:
    - {name: s1u, steps_per_unit: 1000, velocity: 100, acceleration: 1000, high_limit: 5}
    - {name: s1d, steps_per_unit: 1000, velocity: 100, acceleration: 1000}
    - {name: s1f, steps_per_unit: 1000, velocity: 100, acceleration: 1000}
    - {name: s1b, steps_per_unit: 1000, velocity: 100, acceleration: 1000}
    - {name: r1, steps_per_unit: 1000, velocity: 100, acceleration: 1000}
    - {name: r2, steps_per_unit: 1000, velocity: 100, acceleration: 1000}
- name: primary_slit
  class: slits
  axes:
    - {name: $s1f, tags: real front}
    - {name: $s1b, tags: real back}
    - {name: $s1u, tags: real up}
    - {name: $s1d, tags: real down}
    - {name: s1vg, tags: vgap}
    - {name: s1vo, tags: voffset}
    - {name: s1hg, tags: hgap, low_limit: -15}
    - {name: s1ho, tags: hoffset}
- class: calc_motor_mockup
  axes:
    - {name: $r1, tags: real real_mot}
    - {name: calc_mot1, tags: calc_mot, s_param: 2}
- class: CoupledMotionCalc
  factor: 1
  axes:
    - {name: $r1, tags: real mot1}
    - {name: $r2, tags: real mot2}
    - {name: coupled, tags: calc_mot}
- class: Sum
  module: mycalcs
  axes:
    - {name: $s1f, tags: real a}
    - {name: $s1b, tags: real b}
    - {name: total, tags: total}
"""

USER_CALC = '''\
from bliss.controllers.motor import CalcController


class Sum(CalcController):
    """total = a + b; moving total moves both by the same amount."""

    def calc_from_real(self, reals):
        return {"total": reals["a"] + reals["b"]}

    def calc_to_real(self, pseudos):
        half = pseudos["total"] / 2
        return {"a": half, "b": half}
'''

SESSION_OBJECTS = ["diode", "m1", "bl", "enc_mot", "s1vg", "s1vo", "s1hg", "s1ho", "calc_mot1",
                   "coupled", "primary_slit", "total"]


def write_beamline(root: Path) -> Path:
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "sessions").mkdir(exist_ok=True)
    (root / "config" / "motors.yml").write_text(MOTORS)
    (root / "mycalcs.py").write_text(USER_CALC)
    (root / "sessions" / "lab.yml").write_text(textwrap.dedent(f"""\
        - class: Session
          name: lab
          config-objects: [{", ".join(SESSION_OBJECTS)}]
        """))
    return root


@pytest.fixture
def config(tmp_path):
    store = StateStore("lab", tmp_path / "state")
    cfg = Config(write_beamline(tmp_path / "beamline"), classes=BUILTIN_CLASSES, store=store)
    clock = SimulatedClock()
    cfg.get("m1").controller.clock = clock
    cfg.get("s1u").controller.clock = clock
    cfg.get("fm").controller.clock = clock
    yield cfg
    store.close()


def _clocked(session) -> SimulatedClock:
    clock = SimulatedClock()
    for name in ("m1", "s1u"):
        session.config.get(name).controller.clock = clock
    return clock


@pytest.fixture
def session(tmp_path):
    s = open_session("lab", root=write_beamline(tmp_path / "beamline"), verbose=False)
    s.env["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    s.env["SCAN_DISPLAY"].mode = "off"
    _clocked(s)
    yield s
    s.close()


# -- AxisState ----------------------------------------------------------------------------

def test_axis_state_as_bliss():
    state = AxisState("READY", "LIMNEG")
    assert str(state) == "READY (Axis is READY) | LIMNEG (Hardware low limit active)"
    assert "LIMNEG" in state and state.READY and state.LIMNEG and not state.MOVING
    state.set("MOVING")                      # READY and MOVING exclude each other
    assert state.current_states_names == ["LIMNEG", "MOVING"]
    assert AxisState() .current_states() == "NOT_READY" and "NOT_READY" in AxisState()
    custom = AxisState(("PARKED", "mot au parking"))
    assert str(custom) == "PARKED (mot au parking)"
    assert AxisState(str(state)) == state    # copy from its text
    with pytest.deprecated_call():
        assert state == "MOVING"
    with pytest.raises(ValueError, match="^state FOO does not exist$"):
        AxisState().set("FOO")
    with pytest.raises(ValueError, match="containing only block letters"):
        AxisState().create_state("bad")
    with pytest.raises(ValueError, match="^Wrong state format: 'READY (x) | oops'$"):
        AxisState("READY (x) | oops")


# -- the Axis interface, simulated time ---------------------------------------------------------

def test_moves_follow_the_profile_in_simulated_time(config):
    m1 = config.get("m1")
    clock = m1.controller.clock
    t0 = clock.now()
    m1.move(2)                           # 1 s of ramps + 0.5 s cruising
    assert clock.now() - t0 == pytest.approx(1.5)
    assert m1.position == 2.0 and "READY" in m1.state
    m1.move(0, wait=False)
    clock.advance(0.5)
    assert "MOVING" in m1.state and m1.is_moving and m1.position == pytest.approx(1.5)
    with pytest.raises(RuntimeError, match="^axis m1 state is 'MOVING'$"):
        m1.move(1)
    m1.stop()                            # brakes from 1.5 at 2/s: v²/2a = 0.5 further
    assert not m1.is_moving and m1.position == pytest.approx(1.0)
    m1.rmove(1)                          # from the set position
    assert m1.position == pytest.approx(2.0)


def test_errors_have_bliss_types_and_words(config):
    m1 = config.get("m1")
    with pytest.raises(ValueError, match=r"^axis m1 cannot be moved to position: nan$"):
        m1.move(float("nan"))
    with pytest.raises(ValueError, match=r"^m1: move to `200.0' would exceed high limit \(100.0\)$"):
        m1.move(200)
    with pytest.raises(ValueError, match=r"^Usage: .limits = low, high$"):
        m1.limits = 3
    with pytest.raises(RuntimeError, match="^Invalid velocity, the velocity cannot be a negative value$"):
        m1.velocity = -1
    vl = config.get("vl")
    assert vl.velocity_limits == (10.0, 1500.0)
    with pytest.raises(ValueError, match=r"^Velocity \(abs 2000.0\) exceeds max. velocity: 1500.0$"):
        vl.velocity = 2000
    with pytest.raises(ValueError, match=r"^Velocity \(abs 5.0\) is below min. velocity: 10.0$"):
        vl.velocity = 5
    with pytest.raises(ValueError, match=r"^The lowest velocity have to be positive \(-1\)$"):
        vl.velocity_limits = (-1, 10)
    with pytest.raises(RuntimeError, match="^Axis 'm1` has no encoder.$"):
        m1.measured_position
    with pytest.raises(RuntimeError, match="^No home defined for axis m1$"):
        m1.home()
    m1.no_offset = True
    with pytest.raises(RuntimeError, match="^m1: cannot change offset, axis has 'no offset' flag$"):
        m1.offset = 1


def test_parameters_settings_and_config(config, capsys):
    m1 = config.get("m1")
    assert (m1.config_velocity, m1.config_acceleration, m1.config_acctime) == (2.0, 4.0, 0.5)
    m1.velocity = 4
    assert capsys.readouterr().out == "'m1` velocity changed from 2.0 to 4.0\n"
    m1.acctime = 0.5
    assert m1.acceleration == 8.0 and m1.acctime == 0.5
    assert m1.jog_velocity == 4.0 and m1.jog_acctime == 0.5
    m1.backlash = 0.1
    m1.sign = -1
    assert m1.limits == (100.0, -100.0) and m1.dial_limits == (-100.0, 100.0)
    m1.low_limit = -10                    # user units, kept in dial units
    assert m1.dial_limits == (10.0, 100.0)
    assert m1.settings.get("velocity") == 4.0 and m1.get_setting("low_limit") == 10.0
    m1.settings_to_config(limits=False)
    assert m1.config_velocity == 4.0 and m1.config.get("velocity") == 4.0
    m1.velocity = 3
    m1.apply_config()                     # back to the values settings_to_config set
    assert (m1.velocity, m1.sign, m1.backlash) == (4.0, -1, 0.1)
    m1.apply_config(reload=True)
    assert (m1.velocity, m1.acceleration, m1.sign) == (2.0, 4.0, 1)
    assert m1.dial_limits == (-100.0, 100.0)
    assert m1.has_tag("nothing") is False and m1.display_digits == 5
    assert m1.axis_rounder(math.nan) == "nan" and m1.axis_rounder(1) == "1.00000"


def test_position_and_dial_setters(config, capsys):
    m1 = config.get("m1")
    m1.position = 5
    assert capsys.readouterr().out == ("'m1` position reset from 0.0 to 5.0 ; offset changed "
                                       "from 0.00000 to 5.00000 (sign:1)\n")
    assert (m1.offset, m1.dial) == (5.0, 0.0)
    m1.dial = 2
    assert (m1.position, m1.offset, m1.dial) == (5.0, 3.0, 2.0)
    m1.sync_hard()
    assert m1._set_position == 5.0


def test_backlash_move_goes_past_then_back(config):
    bl = config.get("bl")
    bl.controller.clock = clock = SimulatedClock()
    bl.move(-1, wait=False)              # against the backlash: to -1.5 first, then -1
    clock.advance(0.25)
    assert bl.position < -1.0
    bl.wait_move()
    assert bl.position == -1.0
    bl.move(1)                           # with the backlash: straight
    assert bl.position == 1.0
    with pytest.raises(ValueError, match=r"^bl: move to `-2.0' \(with 0.5 backlash\)"):
        bl.limits = (-1.8, 10)
        bl.move(-2)


def test_hardware_limits_home_jog_power(config, capsys):
    m1 = config.get("m1")
    clock = m1.controller.clock
    m1.controller.set_hw_limits(m1, -2, 2)
    with pytest.raises(AxisOnLimitError, match=r"^m1: READY \(Axis is READY\) \| LIMPOS "
                                               r"\(Hardware high limit active\) at 2.0$"):
        m1.move(3)
    m1.hw_limit(-1)                      # a limit search ends there without error
    assert m1.position == -2.0 and m1.state.LIMNEG
    m1.controller._set_home_pos(m1, 0.5)
    m1.home()
    assert m1.position == 0.5 and "HOME" in m1.state
    m1.jog(1)
    assert "Moving m1 from 0.50000 at velocity 1.0 in positive direction" in capsys.readouterr().out
    clock.advance(1.0)
    assert m1.is_moving and 0.5 < m1.position < 2
    m1.stop()
    assert not m1.is_moving
    m1.off()
    assert m1.state.OFF
    with pytest.raises(AxisOffError, match=r"^m1: OFF \(Axis power is off\)$"):
        m1.move(0)
    m1.on()
    assert m1.state.READY


def test_encoder_measures_the_axis(config):
    enc_mot, menc = config.get("enc_mot"), config.get("menc")
    assert enc_mot.encoder is menc and menc.axis is enc_mot
    enc_mot.move(1.2)
    assert enc_mot.measured_position == 1.2 and enc_mot.dial_measured_position == 1.2
    enc_mot.custom_set_measured_noise(0.1, 0.05)
    assert 0.05 - 0.02 <= abs(menc.read() - 1.2) <= 0.1 + 0.02
    with pytest.raises(RuntimeError, match=r"^'enc_mot' didn't reach final position."):
        enc_mot.move(2)
    enc_mot.custom_set_measured_noise(0)
    menc.set(5)
    assert enc_mot.measured_position == 5.0


def test_faulty_mockup_fails_on_demand(config):
    fm = config.get("fm")
    controller = fm.controller
    controller.bad_start = True
    with pytest.raises(RuntimeError, match="^BAD START$"):
        fm.move(1)
    controller.bad_start = False
    controller.fault_state = True
    with pytest.raises(AxisFaultError, match=r"^fm: FAULT \(Error from controller\)$"):
        fm.move(1)
    controller.fault_state = False
    controller.bad_position = True
    with pytest.raises(RuntimeError, match="^BAD POSITION$"):
        fm.position
    controller.bad_position = False
    controller.bad_stop = True
    fm.move(5, wait=False)
    with pytest.raises(RuntimeError, match="^BAD STOP$"):
        fm.stop()
    controller.bad_stop = False
    fm.stop()
    never = config.get("never")
    with pytest.raises(RuntimeError, match=r"hardware initialization has failed$"):
        never.position
    with pytest.raises(RuntimeError, match="^Axis never is disabled$"):
        never.move(1)
    assert never.disabled


# -- calc axes and slits --------------------------------------------------------------------

def test_slits_move_blades_and_follow_them(config):
    s1vg, s1vo, s1u, s1d = (config.get(n) for n in ("s1vg", "s1vo", "s1u", "s1d"))
    assert isinstance(s1vg, CalcAxis) and s1vg.no_offset and s1vg.has_tag("vgap")
    s1vg.move(2)
    assert (s1u.position, s1d.position) == (1.0, 1.0)
    s1vo.move(0.5)
    assert (s1u.position, s1d.position, s1vg.position) == (1.5, 0.5, 2.0)
    s1u.move(3)                          # a blade moved alone: the gap follows
    assert s1vg.position == 3.5 and s1vo.position == 1.25
    with pytest.raises(ValueError, match=r"^s1u: move to `6.25' would exceed high limit \(5.0\)$"):
        s1vg.move(10)
    assert s1u.position == 3.0           # nothing moved
    slit = config.get("primary_slit")
    assert slit.scan_metadata()["@NX_class"] == "NXslit"
    assert slit.scan_metadata()["vertical_gap"] == 3.5
    assert [a.name for a in slit.reals] == ["s1f", "s1b", "s1u", "s1d"]


def test_calc_motor_mockup_and_coupled_motion(config):
    calc, r1, r2 = config.get("calc_mot1"), config.get("r1"), config.get("r2")
    assert calc.unit == "keV" and calc.settings.get("s_param") == 2.0
    calc.move(3)
    assert r1.position == 1.5
    calc.settings.set("s_param", 4)
    assert calc.position == 6.0
    coupled = config.get("coupled")
    coupled.move(2)
    assert (r1.position, r2.position, coupled.position) == (2.0, 2.0, 2.0)
    with pytest.raises(RuntimeError, match=r"^Virtual axis 'coupled` cannot be present in group "
                                           r"with any of its corresponding real axes: \['r1'\]$"):
        Group(coupled, r1)


def test_group_moves_and_states(config):
    s1vg, s1vo, m1 = config.get("s1vg"), config.get("s1vo"), config.get("m1")
    group = Group(s1vg, s1vo, m1)
    group.move({s1vg: 4, s1vo: -1, m1: 1})
    assert group.position == {s1vg: 4.0, s1vo: -1.0, m1: 1.0}
    assert "READY" in group.state
    group.rmove(m1, 1)
    assert m1.position == 2.0
    with pytest.raises(ValueError, match="^axis m1 cannot be moved to position: inf$"):
        group.move(m1, float("inf"))


def test_user_calc_controller_from_module(config):
    from bliss_lite import compat

    compat.install()  # the user module imports bliss.controllers.motor
    total = config.get("total")
    assert type(total.controller).__name__ == "Sum"
    total.move(6)
    assert config.get("s1f").position == 3.0 and total.position == 6.0


def test_calc_config_errors(tmp_path):
    root = write_beamline(tmp_path / "b")
    (root / "config" / "motors.yml").write_text(MOTORS + textwrap.dedent("""\
        - class: slits
          slit_type: diagonal
          axes:
            - {name: $s1u, tags: real up}
            - {name: badslit, tags: vgap}
        - class: calc_motor_mockup
          axes:
            - {name: $r1, tags: real real_mot}
            - {name: notags}
        """))
    cfg = Config(root, classes=BUILTIN_CLASSES)
    with pytest.raises(ConfigError, match=r"object 'badslit': its controller \(line \d+\) failed: "
                                          r"'slit_type' must be one of both, vertical, horizontal"):
        cfg.get("badslit")
    with pytest.raises(ConfigError, match=r"an axis of a calc controller needs 'tags:'"):
        cfg.get("notags")


# -- in a session: scans, persistence, commands -----------------------------------------------

def test_calc_axes_in_scans_with_reals_in_the_positioners(session):
    env = session.env
    assert {"s1u", "s1d", "s1f", "s1b", "r1", "r2"} <= {a.name for a in motors(env)}
    scan = env["ascan"](env["s1vg"], 0, 2, 4, 0, env["diode"])
    with h5py.File(scan.filename, "r") as f:
        entry = f[f"{scan.scan_number}.1"]
        assert numpy.allclose(entry["measurement/s1vg"][()], [0, 0.5, 1, 1.5, 2])
        start = entry["instrument/positioners_start"]
        end = entry["instrument/positioners_end"]
        assert end["s1u"][()] == pytest.approx(1.0) and end["s1d"][()] == pytest.approx(1.0)
        assert "s1vg" in start and "r1" in start
        assert entry["instrument/primary_slit/vertical_gap"][()] == pytest.approx(0.0)
    scan = env["dscan"](env["calc_mot1"], -1, 1, 2, 0, env["diode"])
    assert env["calc_mot1"].position == 0.0 and session.config.get("r1").position == 0.0
    scan = env["amesh"](env["s1hg"], 0, 1, 2, env["m1"], 0, 1, 1, 0, env["diode"])
    with h5py.File(scan.filename, "r") as f:
        entry = f[f"{scan.scan_number}.1"]
        assert numpy.allclose(entry["measurement/s1hg"][()], [0, 0.5, 1] * 2)
        assert entry["instrument/positioners_end/s1f"][()] == pytest.approx(0.5)


def test_settings_persist_across_a_session_restart(tmp_path):
    root = write_beamline(tmp_path / "beamline")
    with open_session("lab", root=root, verbose=False) as s:
        _clocked(s)
        env = s.env
        env["m1"].move(3)
        env["m1"].velocity = 1.5
        env["m1"].backlash = 0.2
        env["m1"].limits = (-5, 5)
        env["s1vg"].move(2)
        env["calc_mot1"].settings.set("s_param", 3)
        env["m1"].sign = -1
    with open_session("lab", root=root, verbose=False) as s:
        env = s.env
        m1 = env["m1"]
        assert (m1.dial, m1.sign, m1.velocity, m1.backlash) == (3.0, -1, 1.5, 0.2)
        assert m1.dial_limits == (-5.0, 5.0)
        assert env["s1vg"].position == 2.0 and env["calc_mot1"].settings.get("s_param") == 3.0


def test_dial_moves_rockit_sync_stm(session, capsys):
    from bliss_lite.commands import move, mvd, mvdr, rockit, stm, sync, umvd, umvdr

    env = session.env
    m1 = env["m1"]
    m1.offset = 10
    capsys.readouterr()
    mvd(m1, 1)
    assert (m1.dial, m1.position) == (1.0, 11.0)
    mvdr(m1, 0.5)
    assert m1.dial == 1.5
    umvd(m1, 2)
    umvdr(m1, -1)
    # mvd/mvdr print as BLISS 2.4's do, like umvd/umvdr without a terminal
    assert capsys.readouterr().out == ("Moving m1 from 10.00000 to 11.00000\n"
                                       "Moving m1 from 11.00000 to 11.50000\n"
                                       "Moving m1 from 11.50000 to 12.00000\n"
                                       "Moving m1 from 12.00000 to 11.00000\n")
    move({m1: 12}, print_motion=False)
    assert m1.position == 12.0
    with pytest.raises(RuntimeError, match="cannot be present in group"):
        move(env["coupled"], 1, session.config.get("r1"), 2)
    s1u = session.config.get("s1u")
    with rockit(s1u, 2):
        pass
    assert s1u.position == 0.0
    sync(m1)
    stm(m1, "s1vg")
    text = capsys.readouterr().out
    assert text.startswith("Forcing axes synchronization with hardware\nAxis    Status\n")
    assert "s1vg    READY (Axis is READY)" in text


def test_wa_shows_calc_axes_and_their_reals(session, capsys):
    from bliss_lite.commands import wa

    session.env["s1vg"].move(1)
    capsys.readouterr()
    wa(max_cols=20)
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[:3] == ["m1[mm]", "bl", "enc_mot"]
    assert {"s1vg", "calc_mot1[keV]", "total", "s1u", "s1d", "r1"} <= set(header)


def test_soft_axis(session):
    from bliss_lite.commands import SoftAxis, wa

    class Stage:
        def __init__(self):
            self.x = 0.0

    stage = Stage()
    axis = SoftAxis("sx", stage, position="x", move="x", low_limit=-1, high_limit=1)
    assert session.env["sx"] is axis
    axis.move(0.5)
    assert stage.x == 0.5 and axis.position == 0.5
    with pytest.raises(ValueError, match=r"^sx: move to `2.0' would exceed high limit \(1.0\)$"):
        axis.move(2)
    with pytest.raises(ValueError, match="name is already taken"):
        SoftAxis("sx", stage)


def test_bliss_names_for_motion():
    from bliss_lite import compat

    compat.install()
    from bliss.common.axis import Axis, AxisState as State1
    from bliss.common.axis.state import AxisState as State2
    from bliss.common.motor_group import Group as BlissGroup
    from bliss.common.soft_axis import SoftAxis
    from bliss.controllers.motor import CalcController, Controller
    from bliss.controllers.motors.mockup import FaultyMockup, Mockup, MockupAxis
    from bliss.controllers.motors.mockup_calc import CoupledMotionCalc, calc_motor_mockup
    from bliss.controllers.motors.slits import Slits
    from bliss.shell.standard import mvd, rockit, stm, sync, umvdr

    assert State1 is State2 is AxisState and BlissGroup is Group
    assert issubclass(MockupAxis, Axis) and issubclass(Slits, CalcController)
    assert issubclass(calc_motor_mockup, CalcController) and issubclass(FaultyMockup, Mockup)
    assert issubclass(CoupledMotionCalc, Controller) and callable(SoftAxis)
    assert all(callable(f) for f in (mvd, rockit, stm, sync, umvdr))


def test_bliss_test_configuration_motor_shapes(bliss_test_configuration, tmp_path):
    cfg = Config(bliss_test_configuration, classes=BUILTIN_CLASSES,
                 store=StateStore("t", tmp_path / "state"))
    robz = cfg.get("robz")
    assert robz.velocity_limits == (10.0, 1500.0) and robz.unit == "mm"
    robz.controller.clock = SimulatedClock()
    robz.move(1)
    assert robz.position == 1.0
    roby = cfg.get("roby")
    assert roby.backlash == 2 and roby.controller.name
    m1 = cfg.get("m1")
    assert m1.encoder is cfg.get("m1enc") and m1.encoder.steps_per_unit == 50
    assert cfg.get("nsa").limits == (-5.0, 5.0)
