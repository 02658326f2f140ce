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


# -- issue 12, remaining points: more simulation controllers, mv output, braking stop,
#    discrepancy and closed loop, pseudo positions computed once per point -------------

MORE = """\
- class: CustomMockup
  module: mockup
  axes:
    - {name: custom_axis, steps_per_unit: 1000, velocity: 2500, acceleration: 1000,
       custom_setting1: UNSET}
- class: mockup
  axes:
    - {name: mono, steps_per_unit: 10000, velocity: 2500, acceleration: 1000,
       default_voltage: 110, default_cust_attr: 6.28}
    - {name: omega, class: ModuloAxis, modulo: 360, steps_per_unit: 1000, velocity: 1000,
       acceleration: 300}
    - {name: llbend1, steps_per_unit: -480000, velocity: 0.06666, acceleration: 0.16666}
    - {name: llty1, steps_per_unit: -12800, velocity: 1, acceleration: 6.25}
    - {name: llrz1, steps_per_unit: 625488, velocity: 0.0511, acceleration: 0.1279}
    - {name: nocheck, velocity: 10, acceleration: 10, check_discrepancy: false}
    - name: cl
      velocity: 10
      acceleration: 10
      closed_loop: {state: on, kp: 1, ki: 2, kd: 3}
    - {name: badcl, velocity: 10, acceleration: 10, closed_loop: {state: on, kp: 1}}
- class: EnergyWavelength
  axes:
    - {name: $mono, tags: real monoang}
    - {name: energy, tags: energy, dspace: 3.13542, low_limit: 6.0, high_limit: 16.}
    - {name: wavelength, tags: wavelength}
- class: llangle_mockup
  package: bliss.controllers.motors.mockup_calc
  bend_zero: 0.0
  bend_y: 43688.0
  ty_zero: 30.
  axes:
    - {name: $llbend1, tags: real bend}
    - {name: $llty1, tags: real ty}
    - {name: $llrz1, tags: real rz}
    - {name: lltruebend1, tags: truebend}
    - {name: llbragg1, tags: angle}
    - {name: llbeamy1, tags: absty}
- class: llangle_mockup
  module: mockup_calc
  bend_zero: 0.0
  ty_zero: 30.
  axes:
    - {name: $llbend1, tags: real bend}
    - {name: $llty1, tags: real ty}
    - {name: $llrz1, tags: real rz}
    - {name: nobend_y, tags: angle}
    - {name: nb_truebend, tags: truebend}
    - {name: nb_absty, tags: absty}
"""


@pytest.fixture
def more(tmp_path):
    root = write_beamline(tmp_path / "beamline")
    (root / "config" / "more.yml").write_text(MORE)
    store = StateStore("lab", tmp_path / "state")
    cfg = Config(root, classes=BUILTIN_CLASSES, store=store)
    clock = SimulatedClock()
    for name in ("custom_axis", "mono", "m1"):
        cfg.get(name).controller.clock = clock
    yield cfg
    store.close()


def test_more_simulation_controllers_from_yaml(more):
    from bliss.controllers.motors.energywavelength import EnergyWavelength
    from bliss.controllers.motors.mockup import CustomMockup
    from bliss.controllers.motors.mockup_calc import llangle_mockup
    from bliss.common.axis import ModuloAxis

    custom = more.get("custom_axis")
    assert isinstance(custom.controller, CustomMockup)
    assert custom.settings.get("custom_setting1") == "UNSET"
    custom.set_custom_setting1("SET")
    assert custom.controller.read_custom_setting1(custom) == "SET"

    energy, wavelength, mono = more.get("energy"), more.get("wavelength"), more.get("mono")
    assert isinstance(energy.controller, EnergyWavelength) and energy.unit == "keV"
    assert energy.position == math.inf            # angle 0
    energy.move(10)                                # Bragg: 2 d sin(θ) = 12.3984 / E
    assert mono.position == pytest.approx(math.degrees(math.asin(1.23984 / (2 * 3.13542))),
                                          abs=1e-4)
    assert wavelength.position == pytest.approx(1.23984, abs=1e-5)
    assert "dspace: 3.13542" in energy.controller.__info__()
    energy.settings.set("dspace", 3.1356)         # the pseudos follow a new d-spacing
    assert energy.position == pytest.approx(12.3984 / (2 * 3.1356 * math.sin(
        math.radians(mono.position))))
    with pytest.raises(ValueError, match=r"^energy: move to `20.0' would exceed high limit"):
        energy.move(20)

    omega = more.get("omega")
    assert isinstance(omega, ModuloAxis) and omega.modulo == 360
    omega.controller.clock = SimulatedClock()
    omega.move(370)
    assert omega.position == 10.0 and omega.dial == 10.0
    omega.dial = 725                               # raw 725 shows as 5
    assert omega.dial == 5.0

    bragg, truebend, beamy = more.get("llbragg1"), more.get("lltruebend1"), more.get("llbeamy1")
    assert isinstance(bragg.controller, llangle_mockup)
    assert (bragg.position, truebend.position, beamy.position) == (0.0, 0.0, -30.0)
    more.get("llbend1").controller.clock = SimulatedClock()
    truebend.move(0.01)                            # bent and in the beam: rz compensates
    assert more.get("llrz1").position == pytest.approx(math.degrees(0.01 * 30 / 43688), abs=2e-6)
    assert bragg.position == pytest.approx(0.0, abs=2e-6)
    with pytest.raises(ConfigError, match=r"'bend_y' must be a number, got None"):
        more.get("nobend_y")


def test_braking_stop_follows_the_profile(config):
    m1 = config.get("m1")                          # 2 units/s, 4 units/s²
    clock = m1.controller.clock
    m1.move(10, wait=False)
    clock.advance(1.0)                             # 0.5 s ramp, 0.5 s at 2/s: at 1.5
    assert m1.position == pytest.approx(1.5)
    m1.stop(wait=False)                            # brakes over v²/2a = 0.5
    assert m1.is_moving and "MOVING" in m1.state
    clock.advance(0.25)
    assert m1.position == pytest.approx(1.5 + 2 * 0.25 - 0.5 * 4 * 0.25 ** 2)
    m1.wait_move()
    assert m1.position == pytest.approx(2.0) and "READY" in m1.state and not m1.is_moving
    m1.move(0, wait=False)                         # stopped while still accelerating
    clock.advance(0.25)                            # at 1.875, 1/s: brakes 0.125 more
    m1.stop()
    assert m1.position == pytest.approx(2 - 0.125 - 0.125)
    m1.jog(1)                                      # a jog brakes too
    clock.advance(2)
    jog_at = m1.position
    m1.stop()
    assert m1.position == pytest.approx(jog_at + 1 / 8)
    m1.controller.set_hw_limits(m1, -100, m1.position + 0.01)
    m1.jog(2)                                      # braking cannot pass a limit switch
    clock.advance(0.02)
    m1.stop()
    assert m1.position <= m1.controller._data(m1).hw_limits[1]


def test_discrepancy_closed_loop_and_custom_methods(more, capsys):
    mono = more.get("mono")
    mono.move(1)
    mono.controller.put_discrepancy(mono, 100)    # 100 steps = 0.01 behind the axis's back
    assert mono.position == 1.0
    with pytest.raises(RuntimeError, match=r"^mono: discrepancy between dial \(1.000000\) and "
                                           r"controller position \(1.010000\)\n {25}diff=0.01 "
                                           r"tolerance=0.0001 => aborting movement.$"):
        mono.move(2)
    assert mono.position == 1.0
    mono.sync_hard()                               # the controller is right
    assert mono.position == pytest.approx(1.01)
    mono.move(2)
    assert mono.position == 2.0
    nocheck = more.get("nocheck")
    nocheck.controller.put_discrepancy(nocheck, 1)
    nocheck.move(3)                                # check_discrepancy: false
    assert nocheck.position == 3.0

    cl = more.get("cl")
    from bliss.common.closed_loop import ClosedLoopState

    cl.position                                    # the first use sets the hardware's loop
    assert "closed-loop is UNKNOWN on hardware controller" in capsys.readouterr().out
    assert cl.closed_loop.state is ClosedLoopState.ON and (cl.closed_loop.kp, cl.closed_loop.kd) == (1, 3)
    cl.closed_loop.ki = 7
    assert cl.controller.get_closed_loop_param(cl, "ki") == 7
    cl.closed_loop.off()
    assert cl.closed_loop.state is ClosedLoopState.OFF
    cl.closed_loop.reset()
    assert capsys.readouterr().out == "Resetting mockup closed-loop error.\n"
    with pytest.raises(KeyError, match="Unknown closed-loop parameter: kx"):
        cl.controller.set_closed_loop_param(cl, "kx", 1)
    with pytest.raises(ConfigError, match=r"object 'badcl': closed_loop of a Mockup axis needs "
                                          r"ki, kd$"):
        more.get("badcl")
    assert more.get("m1").closed_loop is None

    assert (mono.custom_get_forty_two(), mono.CustomGetTwice(21), mono.custom_get_twice(2)) \
        == (42, 42, 4)
    assert [mono.custom_get_chapi(v) for v in ("chapi", "titi", "x")] == ["chapo", "toto", "bla"]
    mono.custom_command_no_types()
    assert capsys.readouterr().out == "print with no types\n"
    assert (mono.get_voltage(), mono.get_cust_attr_float()) == (110, 6.28)
    mono.set_voltage(220)
    assert mono.get_voltage() == 220
    with pytest.raises(RuntimeError, match="^Testing Error$"):
        mono.generate_error()


def test_mv_prints_bliss_moving_lines(session, capsys):
    from bliss_lite.commands import move, mv, mvr

    env = session.env
    m1, s1vg = env["m1"], env["s1vg"]
    capsys.readouterr()
    mv(m1, 1)
    mvr(m1, 0.5)
    mv(m1, 1.5)                                    # already there: no line
    assert capsys.readouterr().out == ("Moving m1 from 0.00000 to 1.00000\n"
                                       "Moving m1 from 1.00000 to 1.50000\n")
    move(s1vg, 2, display_dependencies=True)       # the reals' lines follow the calc axis's
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Moving s1vg from 0.00000 to 2.00000"
    assert sorted(line.split()[1] for line in out[1:]) == ["s1d", "s1u"]
    mv(s1vg, 2)                                    # a calc axis always moves (its reals)
    assert capsys.readouterr().out == "Moving s1vg from 2.00000 to 2.00000\n"
    move(m1, 0, print_motion=False)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError):
        mv(m1, 1000)
    assert capsys.readouterr().out == ""           # nothing printed when refused


def test_pseudos_computed_once_per_real_positions(config):
    slit = config.get("s1vg").controller
    calls = []
    compute = type(slit).calc_from_real
    slit.calc_from_real = lambda positions: calls.append(1) or compute(slit, positions)
    names = ("s1vg", "s1vo", "s1hg", "s1ho")
    [config.get(n).position for n in names]
    assert len(calls) == 1                         # four pseudos, one calculation
    config.get("s1vg").move(1)
    calls.clear()
    [config.get(n).position for n in names]
    assert len(calls) == 1
    calc = config.get("calc_mot1")
    calc.position
    calc.settings.set("s_param", 3)                # a setting change recomputes
    assert calc.position == 3 * config.get("r1").position


def test_no_library_code_compares_states_to_strings():
    import re

    root = Path(__file__).resolve().parent.parent / "bliss_lite"
    pattern = re.compile(r"""state\b\)?\s*[!=]=\s*['"]|['"][A-Z_]+['"]\s*[!=]=\s*\S*state\b""")
    found = [f"{p}:{i}" for p in root.rglob("*.py") if p.name != "axis_state.py"
             for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []
