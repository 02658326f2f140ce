"""The motion and listing commands (SPEC 5.4) on the demo session: output text and
the message of each bad call."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bliss_lite import current, open_session
from bliss_lite.commands import (
    lscnt,
    lsconfig,
    lsmg,
    lsmot,
    lsobj,
    mv,
    mvr,
    sta,
    umv,
    umvr,
    wa,
    wm,
    wu,
)
from bliss_lite.devices import AxisConfig, MockupAxis

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(demo_session, monkeypatch):
    """The demo session's namespace (fresh state: every motor at 0)."""
    monkeypatch.setenv("COLUMNS", "80")
    return demo_session.env


def output(capsys) -> str:
    return capsys.readouterr().out


# -- listing --------------------------------------------------------------------------------

def test_wa(env, capsys):
    """BLISS 2.4's layout: one table, a title column, every cell right-aligned."""
    env["roby"].move(0.25)
    wa()
    assert output(capsys) == (
        "      roby[mm]  robz[mm]   bsy[mm]   bsz[mm]  att1z[mm]\n"
        "user  0.250000  0.000000  0.000000  0.000000   0.000000\n"
        "dial  0.250000  0.000000  0.000000  0.000000   0.000000\n")


def test_wa_splits_wide_tables_and_shows_offsets(env, capsys):
    env["roby"].offset = 1
    wa(max_cols=3)   # BLISS: max_cols counts the title column: 2 motors per block
    lines = output(capsys).splitlines()
    assert len(lines) == 11  # three blocks of 3 lines, separated by a line of spaces
    assert lines[:4] == ["       roby[mm]  robz[mm]",
                         "user   1.000000  0.000000",
                         "dial   0.000000  0.000000",
                         " " * 25]
    assert lines[8] == "      att1z[mm]          "


def test_wu(env, capsys):
    wu()
    assert output(capsys) == (
        "      roby[mm]  robz[mm]   bsy[mm]   bsz[mm]  att1z[mm]\n"
        "user  0.000000  0.000000  0.000000  0.000000   0.000000\n")


def test_wm(env, capsys):
    wm(env["roby"], "robz")
    assert output(capsys) == textwrap.dedent("""\

                    roby[mm]           robz[mm]
        --------  ----------  -----------------
        User
         High            inf  1000000000.000000
         Current    0.000000           0.000000
         Low            -inf       -1000.000000
        Offset      0.000000           0.000000

        Dial
         High            inf  1000000000.000000
         Current    0.000000           0.000000
         Low            -inf       -1000.000000
        """)


def test_wm_usage_and_bad_arguments(env, capsys):
    wm()
    assert output(capsys) == ("wm() needs at least one axis name/object as parameter.\n"
                              "example: wm(mot1)\n"
                              "         wm(mot1, mot2, ... motN)\n")
    with pytest.raises(ValueError, match="^'robx' is not a motor of the session$"):
        wm("robx")
    with pytest.raises(TypeError, match=r"^wm: expected motors or motor names, got 1"):
        wm(1)


def test_sta(env, capsys):
    env["robz"].move(50, wait=False)
    sta()
    assert output(capsys) == textwrap.dedent("""\
        Axis    Status
        ------  -----------------------
        roby    READY (Axis is READY)
        robz    MOVING (Axis is MOVING)
        bsy     READY (Axis is READY)
        bsz     READY (Axis is READY)
        att1z   READY (Axis is READY)
        """)
    env["robz"].stop()


def test_lsmot(env, capsys):
    lsmot()
    assert output(capsys) == ("Motors configured in current session:\n"
                              "-------------------------------------\n"
                              "att1z  bsy  bsz  roby  robz\n\n\n")


def test_lscnt(env, capsys):
    lscnt()
    # the demo also has lima_simulator, mca1 and roby_pos (their rows sort before these)
    text = output(capsys)
    assert text.startswith("\nFullname                                     Shape    Controller"
                           "                            Alias    Name\n")
    assert "\nlima_simulator:image                         2D       lima_simulator" in text
    assert "\nmca1:spectrum_det0                           1D       mca1" in text
    assert text.endswith(textwrap.dedent("""\
        simulation_counter_controller:sim_ct_gauss   0D       simulation_counter_controller                  sim_ct_gauss
        simulation_diode_sampling_controller:diode   0D       simulation_diode_sampling_controller           diode
        simulation_diode_sampling_controller:diode2  0D       simulation_diode_sampling_controller           diode2
        simulation_diode_sampling_controller:diode3  0D       simulation_diode_sampling_controller           diode3
        """))  # noqa: E501
    env["MG1"].disable("diode2")
    lscnt(env["MG1"])
    assert [line.split()[0] for line in output(capsys).splitlines()[3:]] == [
        "simulation_diode_sampling_controller:diode", "simulation_diode_sampling_controller:diode3"]
    lscnt(env["diode3"])
    assert len(output(capsys).splitlines()) == 4
    with pytest.raises(TypeError, match="lscnt: expected a counter or a counter container"):
        lscnt(env["roby"])


def test_lsmg(env, capsys):
    lsmg()
    assert output(capsys) == " * MG1\n\n"


def test_lsobj(env, capsys):
    lsobj()
    assert output(capsys) == ("diode  diode2  diode3  sim_ct_gauss  lima_simulator  mca1  roby  robz  "
                              "bsy  bsz  att1z  beamstop  att1  MG1  \n")
    lsobj("diode*")
    assert output(capsys) == "diode  diode2  diode3  \n"
    lsobj("bs?")
    assert output(capsys) == "bsy  bsz  \n"


def test_lsconfig(env, capsys):
    lsconfig()
    text = output(capsys)
    assert text.startswith("\nMeasurementGroup: \n----------------\nMG1\n\n")
    assert "\nMotor: \n-----\nroby  robz  bsy  bsz  att1z\n" in text
    assert "\nsimulation_diode: \n----------------\ndiode  diode2  diode3\n" in text
    assert "\nmockup: \n------\nmockup_ctrl\n" in text


def test_lsconfig_names_what_a_controller_holds(bliss_test_configuration, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with open_session("test_session", root=bliss_test_configuration, verbose=False):
        capsys.readouterr()
        lsconfig()
        text = output(capsys)
    assert "\nEncoder: \n-------\nbad_mot_enc  m1enc  m2enc  mot_maxee_enc\n" in text
    assert "\nSwitch: \n------\ntest_switch\n" in text
    motors = text.split("\nMotor: \n-----\n")[1].split("\n\n")[0].split()
    assert "m1" in motors and "m1enc" not in motors and "test_switch" not in motors


# -- motion ---------------------------------------------------------------------------------

def test_mv_and_mvr(env, capsys):
    roby, robz = env["roby"], env["robz"]
    mv(roby, 0.5, robz, -0.25)
    assert (roby.position, robz.position) == (0.5, -0.25)
    assert roby.state == "READY" and robz.state == "READY"
    mvr(roby, 0.25, robz, 0.25)
    assert (roby.position, robz.position) == (0.75, 0.0)
    mv(env["beamstop"], "OUT")
    assert env["beamstop"].position == "OUT"
    # BLISS 2.4's mv/mvr print their motions (a MultiplePositions' own move prints none)
    assert output(capsys) == ("Moving roby from 0.000000 to 0.500000\n"
                              "Moving robz from 0.000000 to -0.250000\n"
                              "Moving roby from 0.500000 to 0.750000\n"
                              "Moving robz from -0.250000 to 0.000000\n")


class RecordingAxis(MockupAxis):
    """A mockup axis that logs when its moves start and are waited for."""

    def __init__(self, name: str, log: list) -> None:
        super().__init__(name, config=AxisConfig(velocity=100, acceleration=1000))
        self.log = log

    def move(self, target, wait=True, relative=False):
        self.log.append(f"move {self.name}")
        super().move(target, wait=wait, relative=relative)

    def wait_move(self):
        super().wait_move()
        self.log.append(f"wait {self.name}")


def test_mv_starts_every_motor_before_waiting(env):
    log: list = []
    a, b = RecordingAxis("a", log), RecordingAxis("b", log)
    state = current.SessionState("motion_test", namespace={"a": a, "b": b})
    current.activate(state)
    try:
        mv(a, 1, b, 2)
        assert log == ["move a", "move b", "wait a", "wait b"]
        assert (a.position, b.position) == (1.0, 2.0)
    finally:
        current.deactivate(state)


@pytest.mark.parametrize("call, error, message", [
    (lambda e: mv(e["roby"]), TypeError,
     r"^mv: intended usage is mv\(motor1, pos1, motor2, pos2, ...\), got 1 argument$"),
    (lambda e: mv(), TypeError, r"^mv: intended usage is mv\(motor1, pos1, motor2, pos2, ...\), "
                                r"got 0 arguments$"),
    (lambda e: mv(e["roby"], "x"), TypeError,
     r"^mv: the position for roby must be a number, got 'x'$"),
    (lambda e: mv(e["roby"], True), TypeError, r"^mv: the position for roby must be a number"),
    (lambda e: mvr(e["roby"], None), TypeError,
     r"^mvr: the displacement for roby must be a number, got None$"),
    (lambda e: mv("roby", 1), TypeError, r"^mv: argument 1 must be a motor, got 'roby'; intended "
                                         r"usage is mv\(motor1, pos1, motor2, pos2, ...\)$"),
    (lambda e: mv(e["roby"], 1, e["diode"], 2), TypeError, r"^mv: argument 3 must be a motor"),
    (lambda e: mv(e["roby"], 1, e["robz"], -2000), ValueError,
     r"^robz: move to `-2000.0' would exceed low limit \(-1000.0\)$"),
    (lambda e: mvr(e["roby"], 1, e["robz"], -1001), ValueError,
     r"^robz: move to `-1001.0' would exceed low limit \(-1000.0\)$"),
    (lambda e: mv(e["roby"], 1, e["beamstop"], "PARK"), ValueError,
     r"^beamstop: 'PARK' is not a valid position label; valid labels are: IN, OUT$"),
    (lambda e: mv(e["roby"], 1, e["roby"], 2), ValueError,
     r"^mv: roby is given twice$"),
    (lambda e: mv(e["bsy"], 1, e["beamstop"], "IN"), ValueError,
     r"^mv: bsy would be moved twice \(by bsy and by beamstop\)$"),
    (lambda e: umvr(e["beamstop"], 1), TypeError, r"^umvr: beamstop moves to named positions"),
    (lambda e: umv(e["roby"], float("inf")), ValueError, r"^umv: cannot move roby to inf$"),
])
def test_bad_calls_raise_one_clear_error_before_anything_moves(env, capsys, call, error, message):
    with pytest.raises(error, match=message):
        call(env)
    assert all(env[name].position == 0 for name in ("roby", "robz", "bsy", "bsz", "att1z"))
    assert all(env[name].state == "READY" for name in ("roby", "robz", "bsy", "bsz", "att1z"))
    assert output(capsys) == ""  # not even the umv header


def test_mv_refuses_a_moving_motor(env):
    robz = env["robz"]
    robz.move(50, wait=False)
    with pytest.raises(RuntimeError, match=r"^mv: robz is already moving; wait for it or stop "
                                           r"it first$"):
        mv(env["roby"], 1, robz, 2)
    robz.stop()
    assert env["roby"].position == 0


def test_umv_without_terminal_prints_the_motions(env, capsys):
    """BLISS 2.4 without a terminal ("print" display mode): one line per motion."""
    umv(env["roby"], 1.5, env["robz"], 2)
    assert output(capsys) == ("Moving roby from 0.000000 to 1.500000\n"
                              "Moving robz from 0.000000 to 2.000000\n")
    assert (env["roby"].position, env["robz"].position) == (1.5, 2.0)
    env["roby"].offset = 1
    capsys.readouterr()
    umvr(env["roby"], -0.5)
    assert output(capsys) == "Moving roby from 2.500000 to 2.000000\n"
    umv(env["beamstop"], "IN")
    assert output(capsys) == ("Moving bsy from 0.000000 to 2.500000\n"
                              "Moving bsz from 0.000000 to 1.000000\n")


def test_umv_block_columns_fit_the_values(env):
    from bliss_lite.commands.motion import _Display

    roby = env["roby"]  # limits -inf, inf: the label sets the width (8)
    roby.offset = 10000
    display = _Display([roby], {id(roby): 10000.5}, sys.stdout)
    assert display.render() == ("         roby[mm]\n"
                                "user     10000.000000\n"
                                "target   10000.500000\n")


def test_umv_on_a_terminal_updates_in_place(env, monkeypatch):
    master, slave = os.openpty()
    terminal = os.fdopen(slave, "w")
    env["robz"].velocity = 10
    monkeypatch.setattr(sys, "stdout", terminal)
    try:
        umv(env["robz"], 3)  # 0.33 s: several updates
    finally:
        terminal.close()
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    up = "\033[F" * 3
    # robz's high limit 1e9 makes the cells 17 wide (BLISS: integer digits of the limits)
    assert text.startswith("                  robz[mm]\nuser     ")
    updates = text.split(up)
    assert len(updates) >= 4
    assert updates[-1] == ("                  robz[mm]\n"
                           "user              3.000000\n"
                           "target            3.000000\n")
    moving = [float(u.splitlines()[1].split()[1]) for u in updates[:-1]]
    assert moving == sorted(moving) and 0 <= moving[0] < moving[-1] <= 3
    assert all(u.splitlines()[2] == "target            3.000000" for u in updates)


def test_ctrl_c_during_umv_stops_the_motors(env, capsys):
    robz = env["robz"]
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        umv(robz, 500)  # 5 s
    assert robz.state == "READY"
    assert 0 < robz.position < 100
    assert output(capsys) == "Moving robz from 0.000000 to 500.000000\n"


USER_MOTOR = '''\
class SimpleMotor:
    """A user class that only follows the Movable protocol."""

    def __init__(self, name, config):
        self.name = name
        self._position = float(config.get("start", 0))

    position = property(lambda self: self._position)
    dial = property(lambda self: self._position)
    unit = None
    display_digits = 2

    def check_target(self, target):
        if abs(target) > 10:
            raise ValueError(f"{self.name}: {target} is too far")

    def move(self, target, wait=True):
        self._position = float(target)

    def wait_move(self):
        pass

    def stop(self):
        pass
'''


def test_commands_work_with_a_user_class_motor(tmp_path, capsys):
    root = tmp_path / "beamline"
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    (root / "mymotors.py").write_text(USER_MOTOR)
    (root / "config" / "user.yml").write_text(
        "- {name: um, module: mymotors, class: SimpleMotor, start: 1}\n")
    (root / "sessions" / "lab.yml").write_text(
        "- {class: Session, name: lab, config-objects: [um]}\n")
    with open_session("lab", root=root, verbose=False) as session:
        um = session.env["um"]
        capsys.readouterr()
        wa()
        assert output(capsys).endswith("        um\nuser  1.00\ndial  1.00\n")
        sta()
        assert output(capsys) == "Axis    Status\n------  --------\num      UNKNOWN\n"
        mv(um, 2)
        umvr(um, 1)
        assert um.position == 3.0
        assert output(capsys) == "Moving um from 2.00 to 3.00\n"
        with pytest.raises(ValueError, match="um: 11.0 is too far"):
            mvr(um, 8)
        wm("um")
        assert "User\n High      inf\n Current  3.00\n Low      -inf\nOffset    0.00\n" \
            in output(capsys)
        lsobj()
        assert output(capsys) == "um  \n"
