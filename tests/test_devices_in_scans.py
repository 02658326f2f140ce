"""Devices used the way a user uses them: in real scans of a session on a temporary
beamline, the data read back from the NeXus file with h5py.  Covers user classes
(``module:``/``class:``) that only follow the protocols, STATS/SAMPLES channels,
the SimulationCounter "prepare for scan" hook in every scan kind, counting time,
and settings that persist across sessions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import h5py
import numpy
import pytest

from bliss_lite import open_session

USER_MODULE = '''\
import random

from bliss_lite.devices import ChannelSpec


class Thermometer:
    """A user counter: no bliss_lite base class, only the Counter protocol."""

    def __init__(self, name, config):
        self.name = name
        self.fullname = f"thermo_ctrl:{name}"
        self.base = float(config.get("base", 20.0))

    def channels(self):
        return (ChannelSpec(self.name, self.fullname, "degC"),)

    def read(self, count_time):
        return (self.base + random.random(),)


class Table:
    """A user axis: only the Movable protocol."""

    def __init__(self, name, config):
        self.name = name
        self._position = float(config.get("start", 0.0))

    @property
    def position(self):
        return self._position

    @property
    def dial(self):
        return self._position

    @property
    def unit(self):
        return "mm"

    @property
    def display_digits(self):
        return 3

    def check_target(self, target):
        if abs(target) > 10:
            raise ValueError(f"{self.name}: {target} is beyond 10")

    def move(self, target, wait=True):
        self._position = float(target)

    def wait_move(self):
        pass

    def stop(self):
        pass
'''

DEVICES = """\
- {name: th1, module: userdevices, class: Thermometer, base: 30}
- {name: tab, module: userdevices, class: Table, start: 1}
- {name: st, class: simulation_diode, mode: STATS, unit: cts}
- {name: smp, class: simulation_diode, mode: SAMPLES}
- {name: integ, class: simulation_diode, mode: INTEGRATE}
- {name: mean, class: simulation_diode}
- {name: gauss, class: SimulationCounter, distribution: GAUSSIAN, height_factor: 10}
- {name: MGX, class: MeasurementGroup, counters: [th1, mean, integ]}
- class: mockup
  axes:
    - {name: mx, steps_per_unit: 1000, velocity: 1000, acceleration: 10000, unit: mm,
       low_limit: -100, high_limit: 100}
    - {name: my, steps_per_unit: 1000, velocity: 1000, acceleration: 10000}
"""


@pytest.fixture
def beamline(tmp_path) -> Path:
    root = tmp_path / "beamline"
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    (root / "userdevices.py").write_text(USER_MODULE)
    (root / "config" / "devices.yml").write_text(DEVICES)
    (root / "sessions" / "lab.yml").write_text(textwrap.dedent("""\
        - class: Session
          name: lab
          config-objects: [th1, tab, st, smp, integ, mean, gauss, MGX, mx, my]
        """))
    return root


def start(root: Path, scans: Path):
    session = open_session("lab", root=root, verbose=False)
    session.env["SCAN_SAVING"].base_path = str(scans)
    session.env["SCAN_DISPLAY"].mode = "off"
    return session


@pytest.fixture
def env(beamline, tmp_path):
    session = start(beamline, tmp_path / "scans")
    yield session.env
    session.close()


def measurement(scan) -> dict[str, numpy.ndarray]:
    """Every dataset of the scan's ``measurement`` group, read back from the file."""
    with h5py.File(scan.filename, "r") as f:
        group = f[f"{scan.scan_number}.1/measurement"]
        return {name: group[name][()] for name in group}


def test_user_classes_work_in_real_scans(env):
    scan = env["loopscan"](3, 0.01, env["th1"])
    data = measurement(scan)
    assert data["th1"].shape == (3,) and ((30 <= data["th1"]) & (data["th1"] <= 31)).all()

    scan = env["ascan"](env["tab"], 0, 2, 4, 0.01, env["th1"], env["gauss"])
    data = measurement(scan)
    assert data["tab"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert data["gauss"][2] == pytest.approx(10.0)  # the peak is mid-range
    assert env["tab"].position == 2.0
    with h5py.File(scan.filename, "r") as f:
        assert f[f"{scan.scan_number}.1/instrument/th1/data"].attrs["units"] == "degC"

    with pytest.raises(ValueError, match="tab: 20.0 is beyond 10"):
        env["ascan"](env["tab"], 0, 20, 2, 0.01, env["th1"])
    assert env["tab"].position == 2.0  # refused before anything moved


def test_stats_and_samples_channels_in_a_scan_and_its_file(env):
    scan = env["loopscan"](3, 0.05, env["st"], env["smp"])
    data = measurement(scan)
    stats = ("st", "st_N", "st_std", "st_var", "st_min", "st_max", "st_p2v")
    assert all(data[name].shape == (3,) for name in stats)
    assert data["st_N"].tolist() == [5.0, 5.0, 5.0]
    assert (data["st_min"] <= data["st"]).all() and (data["st"] <= data["st_max"]).all()
    assert numpy.allclose(data["st_p2v"], data["st_max"] - data["st_min"])
    assert numpy.allclose(data["st_var"], data["st_std"] ** 2)
    assert data["smp_samples"].shape == (3, 5)
    assert numpy.allclose(data["smp_samples"].mean(axis=1), data["smp"])
    assert ((0.01 <= data["smp_samples"]) & (data["smp_samples"] <= 100)).all()


def test_simulation_counter_follows_every_kind_of_scan(env):
    gauss, mx, my = env["gauss"], env["mx"], env["my"]
    env["mv"](mx, 5)
    dscan = env["dscan"](mx, -1, 1, 4, 0.01, gauss)  # absolute range 4 .. 6
    assert measurement(dscan)["gauss"].argmax() == 2 and mx.position == 5
    assert env["cen"]().position == pytest.approx(5.0)

    mesh = env["amesh"](mx, 0, 2, 4, my, 0, 1, 1, 0.01, gauss)  # follows the first motor
    values = measurement(mesh)["gauss"].reshape(2, 5)
    assert values[0].argmax() == 2 and numpy.allclose(values[0], values[1])

    lookup = env["lookupscan"]([(mx, [0.0, 1.0, 3.0, 4.0])], 0.01, gauss)  # range 0 .. 4
    assert measurement(lookup)["gauss"][1] == pytest.approx(measurement(lookup)["gauss"][2])

    loop = env["loopscan"](5, 0.01, gauss)  # over the point index
    assert measurement(loop)["gauss"].argmax() == 2

    assert env["ct"](0.01, gauss).get_data()["gauss"][0] == pytest.approx(10.0)


def test_counting_does_not_stretch_the_count_time(env):
    counters = [env[name] for name in ("st", "smp", "integ", "mean", "gauss", "th1")]
    scan = env["loopscan"](10, 0.05, *counters)
    elapsed = measurement(scan)["elapsed_time"]
    assert len(elapsed) == 10 and (numpy.diff(elapsed) >= 0.05 * 0.99).all()  # each point counts its time
    # (that the sampling adds no time of its own is measured in bench/: the fidelity case)

    mean = env["ct"](1, env["mean"]).get_data()["mean"][0]
    assert 40 < mean < 60
    integrated = env["ct"](0.5, env["integ"]).get_data()["integ"][0]
    assert 15 < integrated < 35  # mean (about 50) times 0.5 s


def test_measurement_group_choice_persists_and_drives_scans(beamline, tmp_path):
    session = start(beamline, tmp_path / "scans")
    session.env["MGX"].disable("integ")
    session.close()

    session = start(beamline, tmp_path / "scans")
    try:
        assert session.env["ACTIVE_MG"].name == "MGX"
        scan = session.env["loopscan"](2, 0.01)
        assert {"th1", "mean"} <= set(measurement(scan)) and "integ" not in measurement(scan)
    finally:
        session.close()


def test_axis_settings_persist_across_sessions_until_apply_config(beamline, tmp_path):
    session = start(beamline, tmp_path / "scans")
    mx = session.env["mx"]
    mx.move(2)
    mx.sign = -1
    mx.offset = 5
    mx.limits = (-10, 10)
    mx.velocity, mx.acceleration = 50, 500
    session.close()

    session = start(beamline, tmp_path / "scans")
    try:
        mx = session.env["mx"]
        assert (mx.dial, mx.position, mx.sign, mx.offset) == (2.0, 3.0, -1, 5.0)
        assert mx.limits == (-10.0, 10.0) and (mx.velocity, mx.acceleration) == (50, 500)
        with pytest.raises(ValueError, match=r"^mx: move to `11.0' would exceed high limit \(10.0\)$"):
            session.env["mv"](mx, 11)
        mx.apply_config()
        assert (mx.dial, mx.position, mx.sign, mx.offset) == (2.0, 2.0, 1, 0.0)
        assert mx.limits == (-100.0, 100.0) and (mx.velocity, mx.acceleration) == (1000, 10000)
    finally:
        session.close()

    session = start(beamline, tmp_path / "scans")
    try:
        assert session.env["mx"].position == 2.0 and session.env["mx"].sign == 1
    finally:
        session.close()
