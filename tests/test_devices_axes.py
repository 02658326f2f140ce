"""Mockup motors (SPEC 3.3): simulated trapezoidal moves, limits, user/dial,
persistence, configuration errors."""

from __future__ import annotations

import math
import textwrap
import threading
import time
from pathlib import Path

import pytest

from bliss_lite import open_session
from bliss_lite.config import Config, ConfigError
from bliss_lite.devices import BUILTIN_CLASSES, AxisConfig, MockupAxis, MockupController, Movable
from bliss_lite.devices.trajectory import TrapezoidMove, trapezoid_time
from bliss_lite.settings import StateStore

REPO = Path(__file__).resolve().parent.parent

MOTORS = """\
- class: mockup
  name: ctrl
  axes:
    - name: fast
      steps_per_unit: 10000
      velocity: 2500.0
      acceleration: 1000.0
      unit: mm
    - name: slow
      steps_per_unit: 1000
      velocity: 2
      acceleration: 10
      low_limit: -5
      high_limit: 5
    - name: coarse
      steps_per_unit: 10
      velocity: 1000
      acceleration: 1000
    - name: flipped
      steps_per_unit: 100
      velocity: 1000
      acceleration: 1000
      sign: -1
      offset: 10
      low_limit: -1
      high_limit: 3
    - name: robu
      class: MockupAxis
      backlash: 2
      encoder: $enc1
      user_tag: TEST.ROBU
      disabled_cache: [position]
      default_cust_attr: 6.28
      steps_per_unit: 1
      velocity: 2500.0
      acceleration: 1000.0
  encoders:
    - name: enc1
      steps_per_unit: 50
  switches:
    - name: sw1
- class: mockup
  axes:
    - name: no_velocity
      acceleration: 10
    - name: fast_word
      velocity: fast
      acceleration: 10
    - name: omega
      class: ModuloAxis
      velocity: 1
      acceleration: 1
    - name: typo
      velocty: 1
      velocity: 1
      acceleration: 1
"""


def write_beamline(root: Path, motors: str = MOTORS) -> Path:
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "sessions").mkdir(exist_ok=True)
    (root / "config" / "motors.yml").write_text(motors)
    (root / "sessions" / "lab.yml").write_text(textwrap.dedent("""\
        - class: Session
          name: lab
          config-objects: [fast, slow, flipped]
        """))
    return root


@pytest.fixture
def config(tmp_path) -> Config:
    store = StateStore("lab", tmp_path / "state")
    yield Config(write_beamline(tmp_path / "beamline"), classes=BUILTIN_CLASSES, store=store)
    store.close()


# -- the profile ----------------------------------------------------------------------------

def test_trapezoid_and_triangle_times():
    assert trapezoid_time(1.0, 1.0, 2.0) == pytest.approx(1.5)      # 0.5 s ramps + 0.5 s cruise
    assert trapezoid_time(-1.0, 1.0, 2.0) == pytest.approx(1.5)
    assert trapezoid_time(0.25, 1.0, 1.0) == pytest.approx(1.0)     # triangle: 2·sqrt(d/a)
    assert trapezoid_time(0.0, 1.0, 1.0) == 0.0


def test_trajectory_positions():
    move = TrapezoidMove(start=0.0, target=2.0, velocity=1.0, acceleration=1.0, t0=100.0)
    assert move.duration == pytest.approx(3.0)
    assert move.position_at(99.0) == 0.0
    assert move.position_at(101.0) == pytest.approx(0.5)    # end of the ramp
    assert move.position_at(101.5) == pytest.approx(1.0)    # half way, cruising
    assert move.position_at(102.5) == pytest.approx(1.875)  # decelerating
    assert move.position_at(104.0) == 2.0
    back = TrapezoidMove(start=2.0, target=0.0, velocity=1.0, acceleration=1.0, t0=0.0)
    assert back.position_at(1.0) == pytest.approx(1.5)


# -- moving -----------------------------------------------------------------------------------

def test_axes_are_movable(config):
    fast = config.get("fast")
    assert isinstance(fast, MockupAxis) and isinstance(fast, Movable)
    assert isinstance(fast.controller, MockupController) and fast.controller.name == "ctrl"
    assert fast.unit == "mm" and fast.position == 0.0 and str(fast.state) == "READY (Axis is READY)"


def test_slow_move_takes_trapezoidal_time(config):
    """Real time: 1 unit at 2 units/s, 10 units/s² takes 0.7 s."""
    slow = config.get("slow")
    expected = trapezoid_time(1.0, 2.0, 10.0)
    assert expected == pytest.approx(0.7)
    t0 = time.monotonic()
    slow.move(1.0)
    elapsed = time.monotonic() - t0
    assert expected * 0.95 < elapsed  # a lower bound only: a busy machine is slower
    assert slow.position == 1.0 and slow.state == "READY"


def test_short_move_takes_triangular_time(config):
    """Real time: 0.1 unit never reaches 2 units/s at 10 units/s²: 2·sqrt(0.1/10) = 0.2 s."""
    slow = config.get("slow")
    expected = trapezoid_time(0.1, 2.0, 10.0)
    assert expected == pytest.approx(0.2)
    t0 = time.monotonic()
    slow.move(0.1)
    elapsed = time.monotonic() - t0
    assert expected * 0.95 < elapsed
    triangle = TrapezoidMove(start=0.0, target=0.25, velocity=1.0, acceleration=1.0, t0=0.0)
    assert triangle.duration == pytest.approx(1.0)
    assert triangle.position_at(0.5) == pytest.approx(0.125)     # top of the triangle
    assert triangle.position_at(0.75) == pytest.approx(0.21875)  # decelerating


def test_state_and_position_follow_simulated_time(config):
    slow = config.get("slow")
    slow.move(-1.0, wait=False)
    assert slow.state == "MOVING" and slow.is_moving
    assert "MOVING" in slow.state and str(slow.state) == "MOVING (Axis is MOVING)"
    time.sleep(0.2)
    middle = slow.position
    assert -1.0 < middle < 0.0
    assert middle == round(middle, 3)  # on the step grid (1000 steps per unit)
    with pytest.raises(RuntimeError, match="^axis slow state is 'MOVING'$"):
        slow.move(0.5)
    slow.stop()
    stopped = slow.position
    assert slow.state == "READY" and -1.0 < stopped < 0.0
    slow.wait_move()
    assert slow.position == stopped


def test_stop_from_another_thread_ends_wait_move(config):
    slow = config.get("slow")
    slow.move(4.0, wait=False)  # 2.2 s
    threading.Timer(0.1, slow.stop).start()
    slow.wait_move()
    assert 0 < slow.position < 4.0 and slow.state == "READY"  # stopped before the end


def test_steps_rounding_and_relative_moves(config):
    coarse = config.get("coarse")
    coarse.move(1.234)
    assert coarse.position == pytest.approx(1.2) and coarse.dial == pytest.approx(1.2)
    coarse.rmove(0.26)
    assert coarse.position == pytest.approx(1.5)
    coarse.move(1.5)  # already there: no motion
    assert coarse.state == "READY"


def test_limits_refused_before_moving(config):
    slow = config.get("slow")
    assert slow.limits == (-5.0, 5.0)
    with pytest.raises(ValueError, match=r"^slow: move to `6.0' would exceed high limit \(5.0\)$"):
        slow.move(6)
    with pytest.raises(ValueError, match=r"^slow: move to `-5.5' would exceed low limit \(-5.0\)$"):
        slow.check_target(-5.5)
    assert slow.position == 0.0 and slow.state == "READY"
    with pytest.raises(TypeError, match="slow: target position must be a number, got 'x'"):
        slow.move("x")
    with pytest.raises(ValueError, match="^axis slow cannot be moved to position: nan$"):
        slow.move(float("nan"))
    slow.limits = (-1, 0.5)
    assert slow.dial_limits == (-1.0, 0.5)
    with pytest.raises(ValueError, match=r"exceed high limit \(0.5\)"):
        slow.rmove(0.6)


def test_sign_offset_and_user_limits(config):
    flipped = config.get("flipped")
    # user = -dial + 10; dial limits [-1, 3] are user [7, 11]
    assert flipped.position == 10.0 and flipped.dial == 0.0
    assert flipped.limits == (11.0, 7.0)       # BLISS: (user of dial low, user of dial high)
    flipped.move(8.5)
    assert flipped.dial == pytest.approx(1.5)
    with pytest.raises(ValueError, match=r"flipped: move to `6.0' would exceed high limit \(7.0\)"):
        flipped.move(6)
    flipped.limits = (8, 10)
    assert flipped.dial_limits == (2.0, 0.0)
    fast = config.get("fast")
    fast.offset = 2
    assert fast.position == 2.0 and fast.dial == 0.0
    fast.position = 5  # redefine the user position: the offset changes
    assert fast.offset == 5.0 and fast.dial == 0.0
    fast.sign = -1
    fast.move(4)
    assert fast.dial == pytest.approx(1.0)


def test_display_digits_rule(config, tmp_path):
    assert config.get("fast").display_digits == 6       # steps_per_unit 10000
    assert config.get("slow").display_digits == 5       # 1000
    assert config.get("coarse").display_digits == 3     # 10
    assert config.get("robu").display_digits == 5       # steps_per_unit 1: tolerance 1e-4
    assert MockupAxis("x", config=AxisConfig(tolerance=0.01)).display_digits == 3
    assert MockupAxis("x", config=AxisConfig(display_digits=2)).display_digits == 2
    assert config.get("fast").axis_rounder(1.0) == "1.000000"


def test_velocity_and_acceleration(config):
    slow = config.get("slow")
    slow.velocity = 4
    slow.acceleration = 40
    assert slow.acctime == pytest.approx(0.1)
    with pytest.raises(ValueError, match="slow: velocity must be a positive number"):
        slow.velocity = 0
    with pytest.raises(ValueError, match="slow: acceleration must be a positive number"):
        slow.acceleration = -1


def test_bliss_keys_accepted_silently(config):
    robu = config.get("robu")
    assert robu.backlash == 2 and robu.encoder is config.get("enc1")
    assert not [w for w in config.warnings if "robu" in w]


def test_configuration_errors_name_file_line_object(config):
    with pytest.raises(ConfigError, match=r"^config/motors.yml, line 44, object 'no_velocity': "
                                          r"missing required key 'velocity'$"):
        config.get("no_velocity")
    with pytest.raises(ConfigError, match=r"line 47, object 'fast_word': 'velocity' must be a "
                                          r"number, got 'fast'"):
        config.get("fast_word")
    # ModuloAxis is supported now (issue 12); without its 'modulo:' it is refused
    with pytest.raises(ConfigError, match=r"line 49, object 'omega': 'modulo' must be a positive "
                                          r"number, got None$"):
        config.get("omega")
    config.get("typo")
    assert ("config/motors.yml, line 54, object 'typo': unknown key 'velocty' "
            "(did you mean 'velocity'?)") in config.warnings


def test_unsupported_children_fail_cleanly(config):
    assert config.get("enc1").steps_per_unit == 50          # encoders are simulated (issue 12)
    with pytest.raises(ConfigError, match=r"object 'sw1': 'switches' of a mockup controller"):
        config.get("sw1")
    assert config.get("fast").position == 0.0  # the controller itself still works


# -- persistence ------------------------------------------------------------------------------

def test_settings_survive_a_new_store(tmp_path):
    root = write_beamline(tmp_path / "beamline")
    store = StateStore("lab", tmp_path / "state")
    cfg = Config(root, classes=BUILTIN_CLASSES, store=store)
    fast = cfg.get("fast")
    fast.move(1.25)
    fast.velocity = 100
    fast.acceleration = 50
    fast.limits = (-2, 3)
    fast.offset = 0.5
    fast.sign = -1
    store.close()

    store = StateStore("lab", tmp_path / "state")
    fast = Config(root, classes=BUILTIN_CLASSES, store=store).get("fast")
    assert fast.dial == 1.25 and fast.offset == 0.5 and fast.sign == -1
    assert fast.position == pytest.approx(-0.75)
    assert fast.velocity == 100 and fast.acceleration == 50
    assert fast.dial_limits == (-2.0, 3.0) and fast.limits == (2.5, -2.5)
    fast.apply_config()
    assert (fast.sign, fast.offset, fast.velocity, fast.acceleration) == (1, 0.0, 2500.0, 1000.0)
    assert fast.limits == (-math.inf, math.inf) and fast.dial == 1.25
    store.close()


def test_edited_yaml_value_wins_over_the_stored_one(tmp_path):
    root = write_beamline(tmp_path / "beamline")
    store = StateStore("lab", tmp_path / "state")
    slow = Config(root, classes=BUILTIN_CLASSES, store=store).get("slow")
    slow.velocity = 3
    slow.acceleration = 30
    slow.move(0.1)
    store.close()
    write_beamline(root, MOTORS.replace("velocity: 2\n", "velocity: 1.5\n"))
    store = StateStore("lab", tmp_path / "state")
    slow = Config(root, classes=BUILTIN_CLASSES, store=store).get("slow")
    assert slow.velocity == 1.5          # edited in the file
    assert slow.acceleration == 30       # changed at run time only
    assert slow.position == 0.1
    store.close()


def test_positions_persist_across_sessions(tmp_path):
    root = write_beamline(tmp_path / "beamline")
    with open_session("lab", root=root, verbose=False) as session:
        session.env["fast"].move(2.5)
        session.env["slow"].limits = (-1, 1)
    with open_session("lab", root=root, verbose=False) as session:
        assert session.env["fast"].position == 2.5
        assert session.env["slow"].limits == (-1.0, 1.0)


def test_no_settings_axis_is_not_persisted(tmp_path):
    motors = MOTORS.replace("      class: MockupAxis\n", "      class: NoSettingsAxis\n")
    root = write_beamline(tmp_path / "beamline", motors)
    store = StateStore("lab", tmp_path / "state")
    Config(root, classes=BUILTIN_CLASSES, store=store).get("robu").move(3)
    assert store.get("axis.robu") is None
    store.close()


# -- display ----------------------------------------------------------------------------------

def test_axis_info(config):
    info = config.get("fast").__info__()
    lines = info.splitlines()
    assert lines[0] == "AXIS fast"
    assert lines[2].split() == ["position(mm)", "dial(mm)", "offset(mm)", "sign",
                                "steps_per_unit", "tolerance(mm)"]
    assert lines[4].split() == ["0.000000", "0.000000", "0.000000", "1", "10000.00", "0.0001"]
    assert "limits (mm) [low ; high]      [ -inf ; inf ]  |  [ -inf ; inf ]" in info
    assert "velocity (mm/s)               2500.0          |  2500.0" in info
    assert "acceleration (mm/s²)          1000.0          |  1000.0" in info
    assert "STATE: READY (Axis is READY)" in info
    assert "    name: ctrl  (type fast.controller for more information)" in info
