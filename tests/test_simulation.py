"""bliss.common.scans.simulation: simu_mesh and simu_l2scan in the demo session, read
back from their files."""

from __future__ import annotations

import h5py
import numpy
import pytest


def _entry(scan):
    f = h5py.File(scan.filename, "r")
    return f, f[f"{scan.scan_number}.1"]


def test_simu_mesh_samples_the_image_under_the_motors(demo_session, capsys):
    from bliss.common.image_tools import test_image
    from bliss.common.scans.simulation import simu_mesh

    env = demo_session.env
    roby, robz, diode = env["roby"], env["robz"], env["diode"]
    scan = simu_mesh(roby, robz, diode, size=(5, 4), start=(1, 2), scale=0.1)
    assert capsys.readouterr().out.startswith(
        "imshow: bliss_lite's plot window has no image plot of its own: the sample image is not shown\n")
    assert scan.scan_info["type"] == "amesh" and scan.scan_info["npoints"] == 20
    assert scan.scan_info["title"] == "amesh roby 1.000000 6.000000 4 robz 2.000000 6.000000 3 0.01"
    f, entry = _entry(scan)
    with f:
        m = {name: entry["measurement"][name][()] for name in entry["measurement"]}
    assert {"roby", "robz", "diode", "fake0D", "fake1D", "fakePix", "ch1", "ch2", "ch3"} <= set(m)
    # back and forth (the default): roby reverses on every other line
    assert m["roby"][:10].tolist() == [1, 2.25, 3.5, 4.75, 6, 6, 4.75, 3.5, 2.25, 1]
    assert m["ch1"] == pytest.approx(m["roby"]) and m["ch2"] == pytest.approx(m["robz"])
    image = test_image().astype(float)
    rows = (m["robz"] / 0.1 + image.shape[0] // 2).astype(int)
    cols = (m["roby"] / 0.1 + image.shape[1] // 2).astype(int)
    expected = image[rows, cols]
    assert numpy.all((m["ch3"] >= expected) & (m["ch3"] <= expected + 10))  # + the diode's noise
    assert m["fake1D"].shape == (20, 1024) and numpy.all(m["fake1D"] == 1)
    assert m["fake0D"].min() >= 0 and m["fake0D"].max() < 100
    square = numpy.zeros((4, 4), dtype=int)
    square[1, :] = square[2, :] = square[:, 1] = square[:, 2] = 1
    assert m["fakePix"].tolist() == square.ravel().tolist() + square.ravel()[:4].tolist()


def test_simu_l2scan_continuous_lines(demo_session, capsys):
    from bliss.common.scans.simulation import simu_l2scan

    env = demo_session.env
    roby, robz, diode = env["roby"], env["robz"], env["diode"]
    velocity = roby.velocity
    scan = simu_l2scan(roby, 0, 1, 10, robz, 0, 2, 3, 0.01, diode)
    out = capsys.readouterr().out
    assert f"'roby` velocity changed from {velocity} to 10.0" in out  # 1 mm in 10 x 0.01 s
    assert roby.velocity == velocity
    info = scan.scan_info
    assert info["title"] == "l2scan roby 0 1 10 robz 0 2 3 0.01" and info["type"] == "l2scan"
    assert (info["npoints"], info["npoints1"], info["npoints2"], info["data_dim"]) == (44, 11, 4, 2)
    assert info["start"] == [0, 0] and info["stop"] == [2, 1]
    assert info["channels"]["simu_card:ch1"]["axis_id"] == 0
    assert info["channels"]["simu_card:ch2"]["axis_points"] == 4
    assert {"kind": "scatter", "x": "simu_card:ch1", "y": "simu_card:ch2", "value": "simu_card:ch3"} in \
        info["plots"][0]["items"]
    f, entry = _entry(scan)
    with f:
        m = {name: entry["measurement"][name][()] for name in entry["measurement"]}
        assert entry["title"][()].decode() == "l2scan roby 0 1 10 robz 0 2 3 0.01"
    assert {name: len(values) for name, values in m.items()} == dict.fromkeys(
        ["ch1", "ch2", "ch3", "diode", "fake0D", "fake1D", "robz"], 44)
    assert m["fake1D"].shape == (44, 1024)
    lines = m["ch1"].reshape(4, 11)
    # each line is one continuous motion from the undershoot (0.05 mm for 10 mm/s at
    # 1000 mm/s²) through the range, sampled every count time
    assert numpy.all(numpy.diff(lines, axis=1) > 0)
    assert lines[:, 0] == pytest.approx(-0.05, abs=1e-3)
    assert numpy.median(numpy.diff(lines[:, 2:], axis=1)) == pytest.approx(0.1, abs=0.03)
    assert numpy.all((lines >= -0.05 - 1e-3) & (lines <= 1.05 + 1e-3))
    # the slow motor, and the counters counted once per line, keep the line's value
    assert m["ch2"].reshape(4, 11) == pytest.approx(numpy.repeat([[0], [2 / 3], [4 / 3], [2]], 11, axis=1), abs=1e-3)
    assert m["robz"] == pytest.approx(m["ch2"])
    assert numpy.all(m["diode"].reshape(4, 11) == m["diode"].reshape(4, 11)[:, :1])
    assert roby.position == pytest.approx(1.05, abs=1e-3)  # ended past the range by the undershoot


def test_simu_l2scan_refuses_out_of_limits_before_moving(demo_session):
    from bliss.common.scans.simulation import simu_l2scan

    env = demo_session.env
    robz = env["robz"]
    start = robz.position
    with pytest.raises(ValueError, match="robz"):
        simu_l2scan(env["roby"], 0, 1, 4, robz, -2000, 0, 2, 0.01)
    assert robz.position == start and not env["SCANS"]


def test_motor_master_alone(demo_session):
    """A MotorMaster as top master moves once, its card sampling the motion."""
    from bliss.scanning.acquisition.motor import MotorMaster
    from bliss.scanning.chain import TRIGGER_MODE_ENUM, AcquisitionChain
    from bliss.scanning.scan import Scan
    from bliss.common.scans.simulation import FakeAcquisitionCard, FakeAcquisitionCardMaster

    env = demo_session.env
    roby = env["roby"]
    chain = AcquisitionChain()
    master = MotorMaster(roby, 0, 2, time=0.2, undershoot=0)
    card = FakeAcquisitionCard("card", {"channels": [{"channel": 1, "read_func": lambda: roby.position}]})
    card.trigger_type = TRIGGER_MODE_ENUM.HARDWARE
    card_master = FakeAcquisitionCardMaster(card, npoints=5, count_time=0.04, trigger_type=TRIGGER_MODE_ENUM.HARDWARE)
    chain.add(master, card_master)
    chain.add(card_master, card.get_acquisition_object({"npoints": 5, "count_time": 0.04}))
    scan = Scan(chain, name="motor_master", save=False)
    scan.run()
    positions = scan.get_data()["card:ch1"]
    assert len(positions) == 5 and positions[0] == pytest.approx(0, abs=1e-3)
    assert numpy.all(numpy.diff(positions) > 0) and roby.position == pytest.approx(2)
