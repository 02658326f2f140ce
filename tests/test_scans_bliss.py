"""Scans as BLISS 2.4 has them: scan_info, chains for custom scans, presets, the
remaining standard scans, titles and argument errors; real files read back."""

from __future__ import annotations

import threading

import h5py
import numpy
import pytest

# The keys BLISS 2.4's Scan and scan functions put in scan_info (bliss/scanning/scan.py
# _init_scan_info, _metadata_at_scan_start/end, the scan functions of
# bliss/common/scans/), without the Redis/writer-service ones (publisher details aside:
# nexuswriter, h5maps) and those present only on request (sleep_time, stab_time,
# comments, display_extra).
COMMON = {"title", "session_name", "user_name", "data_writer", "writer_options", "data_policy",
          "save", "publisher", "publisher_version", "type", "npoints", "count_time", "plots",
          "channels", "acquisition_chain", "devices", "scan_nb", "name", "filename",
          "images_path", "start_time", "end_time", "end_reason", "scan_meta_categories",
          "positioners", "instrument"}
BLISS_KEYS = {
    "loopscan": COMMON,
    "ascan": COMMON | {"start", "stop"},
    "amesh": COMMON | {"start", "stop", "data_dim", "npoints1", "npoints2"},
}


@pytest.mark.parametrize("kind", ["loopscan", "ascan", "amesh"])
def test_scan_info_has_blisss_keys(demo_session, kind):
    env = demo_session.env
    roby, robz, diode = env["roby"], env["robz"], env["diode"]
    args = {"loopscan": (3, 0, diode), "ascan": (roby, 0, 1, 2, 0, diode),
            "amesh": (roby, 0, 1, 2, robz, 0, 1, 1, 0, diode)}[kind]
    scan = env[kind](*args)
    info = scan.scan_info
    missing = BLISS_KEYS[kind] - set(info)
    assert not missing, f"{kind}: missing {sorted(missing)}"
    assert info["type"] == kind and info["name"] == f"{scan.scan_number}_{kind}"
    assert info["end_reason"] == "SUCCESS" and info["data_writer"] == "hdf5"
    assert set(info["positioners"]) >= {"positioners_start", "positioners_end"}
    # the chain's shape: timer below the motors' master, the counters below the timer
    top = "axis" if kind != "loopscan" else "timer"
    chain = info["acquisition_chain"][top]
    devices = info["devices"]
    assert [devices[k]["name"] for k in chain["devices"]][:2] == (
        ["axis", "timer"] if kind != "loopscan" else ["timer", "simulation_diode_sampling_controller"])
    assert "simulation_diode_sampling_controller:diode" in chain["scalars"]
    assert info["channels"]["simulation_diode_sampling_controller:diode"]["display_name"] == "diode"
    assert info["channels"]["timer:elapsed_time"] == {
        "device": chain["devices"][1 if kind != "loopscan" else 0], "display_name": "elapsed_time",
        "dim": 0, "unit": "s"}
    if kind == "ascan":
        assert chain["master"]["scalars"] == ["axis:roby"]
        assert info["channels"]["axis:roby"]["start"] == 0.0 and info["channels"]["axis:roby"]["points"] == 3
        assert info["plots"] == [{"kind": "curve-plot", "items": [{"kind": "curve", "x": "axis:roby"}]}]
    if kind == "amesh":
        assert info["plots"][0]["kind"] == "scatter-plot"
        assert info["channels"]["axis:robz"]["axis_id"] == 1
        assert info["channels"]["simulation_diode_sampling_controller:diode"]["group"] == "scatter"
        assert (info["npoints1"], info["npoints2"], info["data_dim"]) == (3, 2, 2)


def test_titles_types_and_names_as_bliss(demo_session):
    env = demo_session.env
    roby, robz, bsy, bsz, att1z, diode = (env[n] for n in ("roby", "robz", "bsy", "bsz", "att1z", "diode"))
    roby.move(0.5)
    cases = [
        (env["ct"](0.1, diode), "ct 0.1 1", "ct", "ct"),
        (env["sct"](0.1, diode), "ct 0.1 1", "ct", "ct"),
        (env["loopscan"](2, 0, diode), "loopscan 2 0", "loopscan", "loopscan"),
        (env["timescan"](0, diode, npoints=2), "timescan 0 2", "timescan", "timescan"),
        (env["dscan"](roby, -0.5, 0.5, 2, 0, diode), "ascan roby 0.000000 1.000000 2 0", "dscan", "dscan"),
        (env["a3scan"](roby, 0, 1, robz, 0, 1, bsy, 0, 1, 1, 0, diode),
         "a3scan roby 0.000000 1.000000 robz 0.000000 1.000000 bsy 0.000000 1.000000 1 0",
         "a3scan", "a3scan"),
        (env["d5scan"](roby, 0, 1, robz, 0, 1, bsy, 0, 1, bsz, 0, 1, att1z, 0, 1, 1, 0, diode),
         None, "d5scan", "d5scan"),
        (env["dmesh"](roby, 0, 1, 1, robz, 0, 1, 1, 0, diode), None, "dmesh", "dmesh"),
        (env["a3mesh"](roby, 0, 1, 1, robz, 0, 1, 1, bsy, 0, 1, 1, 0, diode),
         "a3mesh roby 0.000000 1.000000 1 robz 0.000000 1.000000 1 bsy 0.000000 1.000000 1 0",
         "a3mesh", "a3mesh"),
        (env["d3mesh"](roby, 0, 1, 1, robz, 0, 1, 1, bsy, 0, 1, 1, 0, diode), None, "d3mesh", "d3mesh"),
        (env["anmesh"]([(roby, 0, 1, 1), (robz, 0, 1, 1)], 0, diode), None, "anmesh", "anmesh"),
        (env["pointscan"](roby, [0, 0.5], 0, diode), "lookupscan 0.000000 on motors (roby)",
         "pointscan", "pointscan"),
        (env["lookupscan"]([(roby, [0, 1]), (robz, [1, 2])], 0, diode),
         "lookupscan 0.000000 on motors (roby,robz)", "lookupscan", "lookupscan"),
    ]
    for scan, title, kind, name in cases:
        if title is not None:
            assert scan.scan_info["title"] == title
        assert (scan.scan_info["type"], scan.name) == (kind, name)
    d5 = cases[6][0]
    assert d5.scan_info["title"].startswith("a5scan roby 1.000000 2.000000 ") and roby.position == 1.0
    assert cases[7][0].scan_info["title"].startswith("amesh roby ")
    assert cases[9][0].scan_info["title"].startswith("a3mesh roby ")
    assert len(cases[10][0].get_data()["diode"]) == 4 and len(cases[8][0].get_data()["diode"]) == 8


def test_argument_type_errors_say_intended_usage(demo_session):
    env = demo_session.env
    with pytest.raises(TypeError) as info:
        env["ascan"](env["roby"], "a", 1, 2, 0.1)
    assert str(info.value) == ("Intended Usage: ascan(motor, start, stop, intervals, count_time, "
                               "counter_args)  Hint: ascan() argument 'start' must be a number, not str")
    with pytest.raises(TypeError, match=r"^Intended Usage: a3mesh\(motor1, start1, stop1, intervals1, "
                                        r"motor2, .*Hint: a3mesh\(\) argument 'intervals3' must be an integer"):
        env["a3mesh"](env["roby"], 0, 1, 1, env["robz"], 0, 1, 1, env["bsy"], 0, 1, 1.5, 0.1)
    with pytest.raises(ValueError, match="at least 0"):  # a bad value stays a ValueError
        env["loopscan"](2, -1)


def test_presets_run_in_blisss_order_also_after_an_abort(demo_session, tmp_path):
    from bliss.common.scans import DEFAULT_CHAIN
    from bliss.scanning.chain import ChainPreset
    from bliss.scanning.scan import ScanPreset

    env = demo_session.env
    diode = env["diode"]
    log = []

    class Shutter(ScanPreset):
        def prepare(self, scan):
            log.append(("prepare", scan.state.name, env["roby"].position))
            self.connect_data_channels([diode], lambda cnt, name, data: log.append(("data", cnt.name, len(data))))

        def start(self, scan):
            log.append(("start", scan.state.name))

        def stop(self, scan):
            log.append(("stop", scan.state.name))

    class Chain(ChainPreset):
        def prepare(self, chain):
            log.append("chain.prepare")

        def start(self, chain):
            log.append("chain.start")

        def before_stop(self, chain):
            log.append("chain.before_stop")

        def stop(self, chain):
            log.append("chain.stop")

    env["roby"].move(0.3)
    DEFAULT_CHAIN.add_preset(Chain(), name="shutter")
    scan = env["ascan"](env["roby"], 0, 1, 2, 0, diode, run=False)
    scan.add_preset(Shutter())
    scan.run()
    assert log == [("prepare", "PREPARING", 0.3), "chain.prepare", ("start", "STARTING"), "chain.start",
                   ("data", "diode", 3), "chain.before_stop", "chain.stop", ("stop", "STOPPING")]
    DEFAULT_CHAIN.remove_preset(name="shutter")

    # an abort from the data callback: stop still runs, the file keeps the points
    log.clear()

    scan = env["timescan"](0.01, diode, run=False)
    scan.add_preset(Shutter())
    threading.Timer(0.3, scan.abort).start()
    from bliss_lite.scanning import ScanAbort

    with pytest.raises(ScanAbort):
        scan.run()
    assert log[0][0] == "prepare" and log[-1] == ("stop", "STOPPING")
    assert scan.scan_info["end_reason"] == "USER_ABORT"
    with h5py.File(scan.filename, "r") as f:
        assert f[f"{scan.scan_number}.1/end_reason"].asstr()[()] == "USER_ABORT"
        assert len(f[f"{scan.scan_number}.1/measurement/diode"]) == len(scan.get_data()["diode"]) > 0


def test_a_failing_preset_stop_fails_the_scan_and_the_file_is_finalised(demo_session):
    from bliss.scanning.scan import ScanPreset

    env = demo_session.env

    class Stuck(ScanPreset):
        def stop(self, scan):
            raise RuntimeError("shutter stuck")

    scan = env["loopscan"](3, 0, env["diode"], run=False)
    scan.add_preset(Stuck())
    with pytest.raises(RuntimeError, match="shutter stuck"):
        scan.run()
    assert scan.scan_info["end_reason"] == "FAILURE"
    with h5py.File(scan.filename, "r") as f:
        entry = f[f"{scan.scan_number}.1"]
        assert entry["end_reason"].asstr()[()] == "FAILURE" and len(entry["measurement/diode"]) == 3
    with pytest.raises(ValueError, match="Expected ScanPreset instance"):
        scan.add_preset(object())


def test_custom_two_level_chain_gives_the_data_of_ascan(demo_session):
    from bliss.scanning.acquisition.motor import LinearStepTriggerMaster
    from bliss.scanning.acquisition.timer import SoftwareTimerMaster
    from bliss.scanning.chain import AcquisitionChain
    from bliss.scanning.scan import Scan
    from bliss.scanning.scan_info import ScanInfo
    from bliss.scanning.toolbox import ChainBuilder

    env = demo_session.env
    roby, gauss, diode = env["roby"], env["sim_ct_gauss"], env["diode"]
    reference = env["ascan"](roby, 0, 1, 10, 0, gauss, diode)

    chain = AcquisitionChain()
    master = LinearStepTriggerMaster(11, roby, 0, 1)
    timer = SoftwareTimerMaster(0, npoints=11)
    chain.add(master, timer)
    builder = ChainBuilder([gauss, diode])
    for node in builder.nodes:
        node.set_parameters(acq_params={"count_time": 0, "npoints": 11})
        chain.add(timer, node)
    info = ScanInfo()
    info.add_curve_plot(x="axis:roby", yleft=["simulation_counter_controller:sim_ct_gauss"])
    scan = Scan(chain, name="my_scan", scan_info=info, save=True)
    scan.run()
    ours, theirs = scan.get_data(), reference.get_data()
    assert numpy.allclose(ours["roby"], theirs["roby"])
    assert numpy.allclose(ours["sim_ct_gauss"], theirs["sim_ct_gauss"])
    assert len(ours["diode"]) == len(ours["elapsed_time"]) == 11
    assert scan.scan_info["title"] == "my_scan" and scan.name == "my_scan"
    assert scan.scan_info["plots"][0]["items"][0]["y_axis"] == "left"
    with h5py.File(scan.filename, "r") as f:
        entry = f[f"{scan.scan_number}.1"]
        assert numpy.allclose(entry["measurement/sim_ct_gauss"][()], theirs["sim_ct_gauss"])
        assert entry["title"].asstr()[()] == "my_scan"


def test_a_users_own_slave_runs_through_the_generic_loop(demo_session):
    from bliss.scanning.acquisition.motor import VariableStepTriggerMaster
    from bliss.scanning.acquisition.timer import SoftwareTimerMaster
    from bliss.scanning.chain import AcquisitionChain, AcquisitionSlave
    from bliss.scanning.channel import AcquisitionChannel
    from bliss.scanning.scan import Scan
    from bliss.scanning.acquisition.counter import SamplingCounterAcquisitionSlave

    env = demo_session.env
    roby, diode = env["roby"], env["diode"]
    calls = []

    class Thermometer(AcquisitionSlave):
        def __init__(self):
            super().__init__(name="thermo", npoints=4)
            self.channels.append(AcquisitionChannel("thermo:temperature", float, (), unit="K"))

        def prepare(self):
            calls.append("prepare")

        def start(self):
            calls.append("start")

        def stop(self):
            calls.append("stop")

        def trigger(self):
            self.channels.update({"temperature": 300.0 + roby.position})

    chain = AcquisitionChain()
    master = VariableStepTriggerMaster(roby, [0, 0.1, 0.2, 0.3])
    timer = SoftwareTimerMaster(0.0, npoints=4)
    chain.add(master, timer)
    chain.add(timer, Thermometer())
    chain.add(timer, SamplingCounterAcquisitionSlave(diode, count_time=0.0, npoints=4))
    scan = Scan(chain, name="thermoscan")
    assert scan._fused is None  # a user's object: the generic loop
    scan.run()
    data = scan.get_data()
    assert numpy.allclose(data["temperature"], [300.0, 300.1, 300.2, 300.3])
    assert numpy.allclose(data["roby"], [0, 0.1, 0.2, 0.3]) and len(data["diode"]) == 4
    assert calls.count("prepare") == 4 and calls[-1] == "stop"
    assert scan.scan_info["channels"]["thermo:temperature"]["unit"] == "K"
    with h5py.File(scan.filename, "r") as f:
        assert numpy.allclose(f[f"{scan.scan_number}.1/measurement/temperature"][()], data["temperature"])


def test_chain_errors_are_blisss(demo_session):
    from bliss.scanning.acquisition.timer import SoftwareTimerMaster
    from bliss.scanning.acquisition.counter import SamplingCounterAcquisitionSlave
    from bliss.scanning.chain import AcquisitionChain
    from bliss.scanning.scan import Scan

    env = demo_session.env
    chain = AcquisitionChain()
    slave = SamplingCounterAcquisitionSlave(env["diode"], count_time=0.1)
    with pytest.raises(TypeError, match="is not an AcquisitionMaster"):
        chain.add(slave, slave)
    t1, t2 = SoftwareTimerMaster(0.1), SoftwareTimerMaster(0.1, name="t2")
    chain.add(t1, slave)
    with pytest.raises(RuntimeError, match="Cannot add acquisition device .* to multiple masters"):
        chain.add(t2, slave)
    with pytest.raises(RuntimeError, match="duplicated name"):
        chain.add(SoftwareTimerMaster(0.1))
    chain.add(t2)
    with pytest.raises(ValueError, match="one top master, it has 2"):
        Scan(chain)
    assert chain.__info__().splitlines()[:3] == ["acquisition chain", "├── timer",
                                                 "│   └── simulation_diode_sampling_controller"]


def test_scan_object_api(demo_session):
    env = demo_session.env
    from bliss.scanning.scan import ScanState

    scan = env["ascan"](env["roby"], 0, 1, 20, 0, env["sim_ct_gauss"], run=False)
    with pytest.raises(RuntimeError, match="not yet started"):
        scan.streams
    scan.add_comment("before")
    scan.run()
    assert scan.state is ScanState.DONE and scan.writer == "hdf5"
    center = scan.cen(env["sim_ct_gauss"])
    assert isinstance(center, float) and center == pytest.approx(0.5, abs=0.03) and center.fwhm > 0
    assert scan.find_position(lambda x, y: x[numpy.argmax(y)], env["sim_ct_gauss"]) == scan.peak(env["sim_ct_gauss"])
    assert len(scan.streams["sim_ct_gauss"]) == 21 and "title: ascan roby" in scan.__info__()
    with pytest.raises(RuntimeError, match="before the end"):
        scan.add_comment("after")


def test_scan_info_builders():
    from bliss.common.scans.scan_info import ScanInfoFactory
    from bliss.scanning.scan_info import ScanInfo

    info = ScanInfo()
    info.set_channel_meta("axis:roby", start=0, stop=1, points=10, axis_kind="forth", group="g")
    info.add_scatter_plot(x="axis:roby", y="axis:robz", value="diode")
    info.set_sequence_info(scan_count=3)
    assert info == {"channels": {"axis:roby": {"start": 0.0, "stop": 1.0, "points": 10,
                                               "axis_kind": "forth", "group": "g"}},
                    "plots": [{"kind": "scatter-plot", "items": [
                        {"kind": "scatter", "x": "axis:roby", "y": "axis:robz", "value": "diode"}]}],
                    "sequence_info": {"scan_count": 3}}
    with pytest.raises(ValueError, match="axis_kind"):
        info.set_channel_meta("x", axis_kind="sideways")
    with pytest.raises(TypeError, match="'start' must be a number"):
        info.set_channel_meta("x", start="0")
    raw = {}
    ScanInfoFactory(raw).add_curve_plot(x="a", yright="b")
    assert raw == {"plots": [{"kind": "curve-plot", "items": [{"kind": "curve", "y_axis": "right",
                                                              "x": "a", "y": "b"}]}]}
