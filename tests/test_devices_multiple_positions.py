"""MultiplePositions (SPEC 3.4): matching, tolerance edges, moves, info, metadata."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from bliss_lite.config import Config, ConfigError
from bliss_lite.devices import BUILTIN_CLASSES, AxisConfig, HasMetadataForScan, MockupAxis
from bliss_lite.devices.multiple_positions import MultiplePositions, Position, Target

REPO = Path(__file__).resolve().parent.parent
FAST = AxisConfig(steps_per_unit=10000, velocity=2500.0, acceleration=1000.0)


@pytest.fixture
def demo() -> Config:
    """The demo beamline, its beamstop and attenuator motors made quick."""
    config = Config(REPO, classes=BUILTIN_CLASSES)
    for name in ("bsy", "bsz", "att1z"):
        config.get(name).acceleration = 1e5
    return config


def test_position_matching_and_unknown(demo):
    beamstop = demo.get("beamstop")
    bsy, bsz = demo.get("bsy"), demo.get("bsz")
    assert beamstop.position == "unknown"
    bsy.move(2.5)
    assert beamstop.position == "unknown"  # bsz not there yet
    bsz.move(1.0)
    assert beamstop.position == "IN"
    bsy.move(3.5)
    bsz.move(2.0)
    assert beamstop.position == "OUT"


def test_tolerance_edges_are_included(demo):
    beamstop = demo.get("beamstop")
    bsy, bsz = demo.get("bsy"), demo.get("bsz")
    bsz.move(1.0)
    for position, expected in [(2.51, "IN"), (2.49, "IN"), (2.5101, "unknown"),
                               (2.4899, "unknown")]:
        bsy.move(position)
        assert beamstop.position == expected, position
    bsy.move(2.5)
    bsz.move(1.2)  # tolerance 0.2
    assert beamstop.position == "IN"
    bsz.move(0.7999)
    assert beamstop.position == "unknown"


def test_first_matching_position_in_config_order():
    axis = MockupAxis("m", config=FAST)
    mp = MultiplePositions("mp", [Position("A", targets=[Target(axis, 0.0, 1.0)]),
                                  Position("B", targets=[Target(axis, 0.5, 1.0)])])
    axis.move(0.4)
    assert mp.position == "A"


def test_move_label_and_shortcuts(demo, capsys):
    beamstop = demo.get("beamstop")
    beamstop.move("IN")
    assert beamstop.position == "IN" and beamstop.state == "READY"
    assert demo.get("bsy").position == 2.5 and demo.get("bsz").position == 1.0
    beamstop.OUT()
    assert capsys.readouterr().out == "Moving 'beamstop' to position: OUT\n"
    assert beamstop.position == "OUT"
    beamstop.move("IN", wait=False)
    assert beamstop.state == "MOVING"
    beamstop.wait()
    assert beamstop.position == "IN" and beamstop.state == "READY"


def test_unknown_label_lists_the_valid_ones(demo):
    beamstop = demo.get("beamstop")
    with pytest.raises(ValueError, match=r"^beamstop: 'PARK' is not a valid position label; "
                                         r"valid labels are: IN, OUT$"):
        beamstop.move("PARK")
    assert demo.get("bsy").position == 0.0


def test_out_of_limit_target_refused_before_anything_moves(demo):
    att1, att1z = demo.get("att1"), demo.get("att1z")
    att1z.limits = (0, 2)
    with pytest.raises(ValueError, match=r"att1z: move to `2.5' would exceed high limit \(2.0\)"):
        att1.move("Al200")
    assert att1z.position == 0.0 and att1z.state == "READY"


def test_a_moving_motor_is_refused_before_anything_moves(demo):
    beamstop, bsy, bsz = demo.get("beamstop"), demo.get("bsy"), demo.get("bsz")
    bsz.velocity = 1
    bsz.move(5, wait=False)
    try:
        with pytest.raises(RuntimeError, match=r"^beamstop: bsz is already moving$"):
            beamstop.move("IN")
        assert bsy.position == 0.0 and bsy.state == "READY"
    finally:
        bsz.stop()


class RecordingAxis(MockupAxis):
    """A mockup axis that logs when its moves start and are waited for."""

    def __init__(self, name: str, log: list) -> None:
        super().__init__(name, config=FAST)
        self.log = log

    def move(self, target, wait=True, relative=False):
        self.log.append(f"move {self.name}")
        super().move(target, wait=wait, relative=relative)

    def wait_move(self):
        super().wait_move()
        self.log.append(f"wait {self.name}")


def make_mp(simultaneous: bool) -> tuple[MultiplePositions, list]:
    log: list = []
    a, b = RecordingAxis("a", log), RecordingAxis("b", log)
    mp = MultiplePositions("mp", [Position("IN", targets=[Target(a, 1.0), Target(b, 2.0)])],
                           simultaneous=simultaneous)
    return mp, log


def test_simultaneous_moves_start_together():
    mp, log = make_mp(simultaneous=True)
    mp.move("IN")
    assert log[:2] == ["move a", "move b"]
    assert mp.position == "IN"


def test_ordered_moves_go_one_after_another():
    mp, log = make_mp(simultaneous=False)
    mp.move("IN", wait=False)  # ordered moves always wait
    assert log[:2] == ["move a", "wait a"]
    assert log.index("move b") > log.index("wait a")
    assert mp.position == "IN"


def test_stop_stops_every_motor(demo):
    demo.get("bsy").velocity = 1
    beamstop = demo.get("beamstop")
    beamstop.move("OUT", wait=False)
    time.sleep(0.05)
    beamstop.stop()
    assert beamstop.state == "READY" and 0 < demo.get("bsy").position < 3.5


def test_description_properties(demo):
    beamstop = demo.get("beamstop")
    bsy, bsz = demo.get("bsy"), demo.get("bsz")
    assert beamstop.motors == {"bsy": bsy, "bsz": bsz}
    assert beamstop.motor_names == ["bsy", "bsz"]
    assert [p["label"] for p in beamstop.positions_list] == ["IN", "OUT"]
    assert beamstop.positions_list[0]["description"] == "Beamstop position IN the beam"
    assert beamstop.targets_dict["OUT"] == [
        {"axis": bsy, "destination": 3.5, "tolerance": 0.01},
        {"axis": bsz, "destination": 2.0, "tolerance": 0.2}]


def test_info_table(demo):
    beamstop = demo.get("beamstop")
    beamstop.move("IN")
    assert beamstop.__info__() == textwrap.dedent("""\
           LABEL  DESCRIPTION                        MOTOR POSITION(S)
        *  IN     Beamstop position IN the beam      bsy: 2.500  (± 0.010)
                                                     bsz: 1.000  (± 0.200)
           OUT    Beamstop position OUT of the beam  bsy: 3.500  (± 0.010)
                                                     bsz: 2.000  (± 0.200)

        bsy = 2.5000
        bsz = 1.0000
        """)


def test_scan_metadata_of_current_position(demo):
    beamstop = demo.get("beamstop")
    assert isinstance(beamstop, HasMetadataForScan)
    assert beamstop.scan_metadata() is None  # unknown position
    beamstop.move("OUT")
    metadata = beamstop.scan_metadata()
    assert metadata == {"@NX_class": "NXbeam_stop", "status": "out"}
    metadata["status"] = "changed"  # a copy
    assert beamstop.scan_metadata()["status"] == "out"
    beamstop.disable_scan_metadata()
    assert beamstop.scan_metadata_enabled is False
    beamstop.enable_scan_metadata()
    assert beamstop.scan_metadata_enabled is True
    att1 = demo.get("att1")
    att1.move("Al40")
    assert att1.scan_metadata() == {"@NX_class": "NXattenuator", "type": "Al", "thickness": 40,
                                    "thickness@units": "um", "status": "in"}


def write_config(root: Path, text: str) -> Config:
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    (root / "config" / "motors.yml").write_text(textwrap.dedent("""\
        - class: mockup
          axes:
            - {name: m1, velocity: 1000, acceleration: 1000, steps_per_unit: 1000}
            - {name: m2, velocity: 1000, acceleration: 1000, steps_per_unit: 1000}
        """))
    (root / "config" / "mp.yml").write_text(textwrap.dedent(text))
    return Config(root, classes=BUILTIN_CLASSES)


def test_bliss_spellings(tmp_path):
    cfg = write_config(tmp_path, """\
        - name: old
          class: MultiplePosition
          simultaneous_move: false
          positions:
            - label: A
              target: [{axis: $m1, destination: 1}]
              metadata: {status: a}
              dataset_metadata: {Positioners_value: $m1.position}
            - label: "2"
              target: [{axis: $m2, destination: 0}]
        """)
    old = cfg.get("old")
    assert old.simultaneous is False
    assert old.position == "2" and old.scan_metadata() is None
    old.move("A")
    assert old.scan_metadata() == {"status": "a"}
    assert not hasattr(old, "2")  # not an identifier: no shortcut
    assert not cfg.warnings


def test_configuration_errors(tmp_path):
    cfg = write_config(tmp_path, """\
        - name: missing_ref
          class: MultiplePositions
          positions:
            - label: A
              target:
                - axis: $m3
                  destination: 1
        - name: no_positions
          class: MultiplePositions
        - name: a_diode
          class: simulation_diode
        - name: not_a_motor
          class: MultiplePositions
          positions:
            - label: A
              target: [{axis: $a_diode, destination: 1}]
        - name: target_as_text
          class: MultiplePositions
          positions:
            - label: A
              target: [m1]
        """)
    with pytest.raises(ConfigError, match=r"^config/mp.yml, line 6, object 'missing_ref': "
                                          r"reference '\$m3' names no object"):
        cfg.get("missing_ref")
    with pytest.raises(ConfigError, match=r"line 8, object 'no_positions': missing required "
                                          r"key 'positions'"):
        cfg.get("no_positions")
    with pytest.raises(ConfigError, match=r"line 16, object 'not_a_motor': position 'A': "
                                          r"'axis' '\$a_diode' is not a motor"):
        cfg.get("not_a_motor")
    with pytest.raises(ConfigError, match=r"line 21, object 'target_as_text': position 'A': "
                                          r"each target must be a mapping with 'axis' and "
                                          r"'destination'$"):
        cfg.get("target_as_text")
