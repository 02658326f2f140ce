"""The writer driven by synthetic scan events: data shapes, metadata merging and
warnings, writer status, the file closed between scans."""

from __future__ import annotations

import h5py
import numpy
import pytest

from bliss_lite import open_session
from conftest import NEXUS_BEAMLINE
from bliss_lite.devices.protocols import ChannelSpec
from bliss_lite.nexus import NexusWarning, NexusWriter
from bliss_lite import scan_meta
from bliss_lite.events import ScanEnd, ScanPoints, ScanStart

TIMERS = [ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer"),
          ChannelSpec("epoch", "timer:epoch", "s", kind="timer")]
ROBY = ChannelSpec("roby", "axis:roby", "mm", kind="motor")
DIODE = ChannelSpec("diode", "ctrl:diode", "counts", attrs={"type": "sampling", "mode": "MEAN"})


class Scan:
    def __init__(self, filename, number=1, **info):
        self.scan_info = {"save": True, "writer": "hdf5", "filename": str(filename), "scan_nb": number,
                          "title": "test", "type": "loopscan", "npoints": 4, "count_time": 0.1,
                          "start_time": "2024-01-01T00:00:00+00:00", **info}


def write_scan(filename, channels, blocks, number=1, end_info=None, **info):
    """Run one scan through a writer; ``blocks`` are (first_index, {fullname: values})."""
    scan = Scan(filename, number, **info)
    writer = NexusWriter.for_scan(scan)
    writer.scan_start(ScanStart(scan, scan.scan_info, channels))
    for first, data in blocks:
        writer.scan_points(ScanPoints(scan, first, data))
    npoints = max((first + len(next(iter(d.values()))) for first, d in blocks), default=0)
    final = {**scan.scan_info, "end_time": "2024-01-01T00:00:01+00:00", "end_reason": "SUCCESS", **(end_info or {})}
    writer.scan_end(ScanEnd(scan, final, npoints))
    return writer


def block(channels, first, n, shape=()):
    return first, {c.fullname: numpy.full((n,) + shape, float(first)) for c in channels}


def test_status_runs_through_starting_running_succeeded(tmp_path):
    filename = tmp_path / "d.h5"
    scan = Scan(filename)
    writer = NexusWriter.for_scan(scan)
    writer.scan_start(ScanStart(scan, scan.scan_info, TIMERS))
    # (in this same process, a reader shares the writer's handle: same locking flag)
    with h5py.File(filename, "r", swmr=True, locking=False) as f:
        assert f["1.1/writer/status"][()] == b"STARTING"
        assert f["1.1/title"].asstr()[()] == "test"  # START content is there from the start
    writer.scan_points(ScanPoints(scan, 0, {c.fullname: numpy.zeros(2) for c in TIMERS}))
    with h5py.File(filename, "r", swmr=True, locking=False) as f:
        assert f["1.1/writer/status"][()] == b"RUNNING"
        assert f["1.1/measurement/epoch"].shape == (2,)
    writer.scan_end(ScanEnd(scan, {**scan.scan_info, "end_reason": "SUCCESS"}, 2))
    with h5py.File(filename, "r") as f:
        assert f["1.1/writer/status"][()] == b"SUCCEEDED"


def test_the_file_is_closed_between_scans(tmp_path):
    filename = tmp_path / "d.h5"
    write_scan(filename, TIMERS, [block(TIMERS, 0, 3)])
    with h5py.File(filename, "a") as f:  # any program may open it, even for writing
        f.attrs["touched"] = 1
    write_scan(filename, TIMERS, [block(TIMERS, 0, 3)], number=2)
    with h5py.File(filename, "r") as f:
        assert list(f) == ["1.1", "2.1"] and f.attrs["touched"] == 1


def test_blocks_land_at_their_index_in_every_channel(tmp_path):
    filename = tmp_path / "d.h5"
    channels = TIMERS + [ROBY, DIODE]
    write_scan(filename, channels, [block(channels, 0, 3), block(channels, 3, 1), block(channels, 4, 2)])
    with h5py.File(filename, "r") as f:
        for name in ("elapsed_time", "epoch", "roby", "diode"):
            assert list(f["1.1/measurement"][name][()]) == [0, 0, 0, 3, 4, 4]


def test_spectra_and_variable_length_channels(tmp_path):
    filename = tmp_path / "d.h5"
    spectrum = ChannelSpec("mca", "ctrl:mca", None, shape=(5,), dtype="int32")
    varlen = ChannelSpec("trace", "ctrl:trace", None, shape=(-1,))
    blocks = [(0, {spectrum.fullname: numpy.arange(10, dtype="int32").reshape(2, 5),
                   varlen.fullname: [numpy.arange(2.0), numpy.arange(4.0)]}),
              (2, {spectrum.fullname: numpy.ones((1, 5), dtype="int32"),
                   varlen.fullname: [numpy.arange(3.0)]})]
    write_scan(filename, [spectrum, varlen], blocks)
    with h5py.File(filename, "r") as f:
        mca = f["1.1/instrument/mca/data"]
        assert mca.dtype == numpy.int32 and mca.shape == (3, 5) and list(mca[2]) == [1] * 5
        trace = f["1.1/instrument/trace/data"][()]
        assert trace.shape == (3, 4)
        assert list(trace[0, :2]) == [0, 1] and numpy.isnan(trace[0, 2:]).all()
        assert list(trace[1]) == [0, 1, 2, 3]


def test_name_clashes_fall_back_to_the_fullname(tmp_path):
    filename = tmp_path / "d.h5"
    twins = [ChannelSpec("diode", "ctrl_a:diode"), ChannelSpec("diode", "ctrl_b:diode"),
             ChannelSpec("positioners", "ctrl:positioners")]
    write_scan(filename, twins, [block(twins, 0, 1)])
    with h5py.File(filename, "r") as f:
        assert sorted(f["1.1/measurement"]) == ["ctrl_b_diode", "ctrl_positioners", "diode"]


def test_unknown_channel_is_reported_once(tmp_path):
    filename = tmp_path / "d.h5"
    with pytest.warns(NexusWarning, match="'ghost:x' was not announced at scan start") as warned:
        write_scan(filename, TIMERS, [(0, {"ghost:x": numpy.zeros(1), **block(TIMERS, 0, 1)[1]}),
                                      (1, {"ghost:x": numpy.zeros(1), **block(TIMERS, 1, 1)[1]})])
    assert len([w for w in warned if "ghost" in str(w.message)]) == 1


def test_channels_are_cut_to_the_points_every_channel_holds(tmp_path):
    filename = tmp_path / "d.h5"
    channels = TIMERS + [DIODE]
    uneven = (3, {TIMERS[0].fullname: numpy.zeros(1)})  # a block only one channel got
    write_scan(filename, channels, [block(channels, 0, 3), uneven])
    with h5py.File(filename, "r") as f:
        assert {f["1.1/measurement"][n].shape for n in f["1.1/measurement"]} == {(3,)}


def test_instrument_metadata_merges_into_device_groups(tmp_path):
    filename = tmp_path / "d.h5"
    channels = TIMERS + [ROBY, DIODE]
    instrument = {"roby": {"@NX_class": "NXcollection", "velocity": 2.5, "value": 1},
                  "diode": {"gain": 3}, "slits": {"@NX_class": "NXslit", "x_gap": 0.1}}
    with pytest.warns(NexusWarning, match=r"Metadata 'instrument/roby/value' of scan 1 not written to .*d\.h5: "
                                          r"'value' is written by the scan writer"):
        write_scan(filename, channels, [block(channels, 0, 2)], instrument=instrument)
    with h5py.File(filename, "r") as f:
        roby = f["1.1/instrument/roby"]
        assert roby.attrs["NX_class"] == "NXpositioner"  # keeps its class
        assert roby["velocity"][()] == 2.5 and list(roby["value"][()]) == [0, 0]
        assert f["1.1/instrument/diode/gain"][()] == 3
        assert f["1.1/instrument/diode"].attrs["NX_class"] == "NXdetector"
        assert f["1.1/instrument/slits"].attrs["NX_class"] == "NXslit"


def test_end_metadata_replaces_start_metadata(tmp_path):
    filename = tmp_path / "d.h5"
    write_scan(filename, TIMERS, [block(TIMERS, 0, 1)],
               instrument={"mono": {"energy": 7.0, "grating": "A"}},
               end_info={"instrument": {"mono": {"energy": 7.5, "grating": "A", "temperature": 80}},
                         "title": "test renamed"})
    with h5py.File(filename, "r") as f:
        mono = f["1.1/instrument/mono"]
        assert mono["energy"][()] == 7.5 and mono["grating"].asstr()[()] == "A" and mono["temperature"][()] == 80
        assert f["1.1/title"].asstr()[()] == "test renamed"


def test_only_listed_categories_are_written(tmp_path):
    filename = tmp_path / "d.h5"
    with pytest.warns(NexusWarning) as warned:
        write_scan(filename, TIMERS, [block(TIMERS, 0, 1)],
                   scan_meta_categories=["instrument", "positioners", "technique", "sample", "title", "odd"],
                   technique={"@NX_class": "NXcollection"}, sample={"name": "s1", "bad": [1, "x"]},
                   unlisted={"x": 1}, title="test", odd="not a dict")
    messages = [str(w.message) for w in warned]
    assert any("'sample/bad'" in m and "only numbers or only strings" in m for m in messages)
    assert any("'title'" in m and "written by the scan writer" in m for m in messages)
    assert any("'odd'" in m and "must be a dict" in m for m in messages)
    with h5py.File(filename, "r") as f:
        entry = f["1.1"]
        assert entry["sample/name"].asstr()[()] == "s1" and "bad" not in entry["sample"]
        assert "technique" not in entry and "unlisted" not in entry and "odd" not in entry
        assert entry["title"].asstr()[()] == "test"


def test_plotselect_without_motors_uses_elapsed_time(tmp_path):
    from silx.io.nxdata import get_default

    filename = tmp_path / "d.h5"
    d2 = ChannelSpec("diode2", "ctrl:diode2")
    channels = TIMERS + [DIODE, d2]
    write_scan(filename, channels, [block(channels, 0, 4)], plotselect=["diode2", "diode", "absent"])
    with h5py.File(filename, "r") as f:
        nxdata = f["1.1/plotselect"]
        assert nxdata.attrs["signal"] == "diode2"
        assert list(nxdata.attrs["auxiliary_signals"]) == ["diode"]
        assert list(nxdata.attrs["axes"]) == ["elapsed_time"]
        assert f.attrs["default"] == "1.1" and f["1.1"].attrs["default"] == "plotselect"
        assert get_default(f, validate=True).is_valid


def test_a_bad_generator_value_is_skipped_and_the_entry_written(tmp_path):
    # scan_meta drops such values when it gathers them; the writer would too.
    with open_session("nexus", root=NEXUS_BEAMLINE, verbose=False) as session:
        env = session.env
        env["SCAN_SAVING"].base_path = str(tmp_path)
        env["SCAN_DISPLAY"].mode = "off"
        registry = scan_meta.get_user_scan_meta()
        registry.instrument.set("dev", lambda scan: {"dev": {"ok": 1, "bad": {1, 2}, "a/b": 2}})
        scan = env["loopscan"](2, 0.01, env["diode3"])
    with h5py.File(scan.filename, "r") as f:
        assert list(f["1.1/instrument/dev"]) == ["ok"]
        assert f["1.1/end_reason"].asstr()[()] == "SUCCESS"
        assert f["1.1/measurement/diode3"].shape == (2,)


def test_write_time_warnings_name_the_key(tmp_path):
    filename = tmp_path / "d.h5"
    with pytest.warns(NexusWarning) as warned:
        write_scan(filename, TIMERS, [block(TIMERS, 0, 1)],
                   instrument={"dev": {"ok": 1, "bad": {1, 2}, "a/b": 2, "..": 3}})
    messages = sorted(str(w.message) for w in warned)
    assert messages == [
        f"Metadata 'instrument/dev/..' of scan 1 not written to {filename}: '..' is not a valid name.",
        f"Metadata 'instrument/dev/a/b' of scan 1 not written to {filename}: a name cannot contain '/'.",
        f"Metadata 'instrument/dev/bad' of scan 1 not written to {filename}: a value of type set cannot be stored.",
    ]  # each once, although START content is written again at the end
    with h5py.File(filename, "r") as f:
        assert list(f["1.1/instrument/dev"]) == ["ok"]


def test_a_motor_that_could_not_be_read_has_no_units(tmp_path):
    filename = tmp_path / "d.h5"
    positioners = {"positioners_start": {"roby": 1.5, "robz": "ERR"},
                   "positioners_units": {"roby": "mm", "robz": "mm"}}
    write_scan(filename, TIMERS, [block(TIMERS, 0, 1)], positioners=positioners)
    with h5py.File(filename, "r") as f:
        start = f["1.1/instrument/positioners_start"]
        assert start["roby"][()] == 1.5 and start["roby"].attrs["units"] == "mm"
        assert start["robz"].asstr()[()] == "ERR" and "units" not in start["robz"].attrs
